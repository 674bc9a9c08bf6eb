import OSSCore

/// Lets the core ask the kernel to drop an inode's cached pages (data it served and must take back, such as
/// a file whose bytes failed their CRC64 check). The FUSE session installs the hook once it exists; without
/// one (tests of the core alone) nothing happens.
public final class KernelCacheNotifier: Sendable {
    private let hook = Locked<(@Sendable (InodeNumber) -> Void)?>(nil)

    public init() {}

    public func install(_ f: (@Sendable (InodeNumber) -> Void)?) { hook.withLock { $0 = f } }

    func invalidate(_ ino: InodeNumber) { hook.withLock { $0 }?(ino) }
}
