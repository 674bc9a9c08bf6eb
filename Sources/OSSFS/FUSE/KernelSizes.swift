import OSSCore

/// The size the kernel was last told for each regular file it knows: what `i_size` holds, unless a write
/// through the mount moved it since (that makes the size unknown here until the next attributes go out).
///
/// Why: the adapter may put a whole small file into the kernel's page cache at open (`notify_store`) and let
/// the kernel keep its pages. That is safe only if no older page beyond the new end stays readable, i.e. only
/// when the kernel's size is not larger than the bytes stored. The kernel drops pages past a size it learns
/// from attributes, so a size it was told is one it has no stale pages past.
final class KernelSizes: Sendable {
    private let sizes = Locked<[UInt64: UInt64]>([:])

    /// Attributes about to go out in a reply.
    func told(_ a: FileAttributes) { told(CollectionOfOne(a)) }

    /// A readdirplus reply's attributes, under one lock.
    func told<S: Sequence<FileAttributes>>(_ all: S) {
        sizes.withLock { s in
            for a in all {
                if a.kind == .regular { s[a.ino.rawValue] = a.size } else { s[a.ino.rawValue] = nil }
            }
        }
    }

    /// The kernel may have changed the size on its own (a write extends it), or forgotten the inode.
    func unknown(_ ino: UInt64) { sizes.withLock { $0[ino] = nil } }

    func size(_ ino: UInt64) -> UInt64? { sizes.withLock { $0[ino] } }
}
