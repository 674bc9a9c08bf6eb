import ObjectStore
import OSSCore

/// An open file descriptor. The handle follows its inode through renames; its data lives in `file`.
final class FileHandle: Sendable {
    let ino: InodeNumber
    let file: OpenFile
    let flags: OpenFlags
    /// Reads of the clean file, for the version (key, ETag, size) it was made for.
    let reader = Locked<Prefetcher?>(nil)
    init(ino: InodeNumber, file: OpenFile, flags: OpenFlags) {
        self.ino = ino
        self.file = file
        self.flags = flags
    }
}

/// One name in a directory snapshot.
struct ListedEntry: Sendable {
    var name: String
    var kind: FileKind
    /// From the listing (size, mtime; mode/uid/gid guessed, `complete == false`), or from the stat cache.
    var info: NodeInfo
}

/// A directory's entries in listing order, one per name, names told apart by their bytes (two names that
/// differ only in Unicode normalization are two entries).
struct ListedNames {
    var entries: [ListedEntry] = []
    private var index: [ExactString: Int] = [:]

    func contains(_ name: String) -> Bool { index[ExactString(name)] != nil }

    func entry(_ name: String) -> ListedEntry? { index[ExactString(name)].map { entries[$0] } }

    /// Adds `e`, or replaces the entry of its name; returns its index.
    @discardableResult
    mutating func add(_ e: ListedEntry) -> Int {
        let key = ExactString(e.name)
        if let i = index[key] {
            entries[i] = e
            return i
        }
        index[key] = entries.count
        entries.append(e)
        return entries.count - 1
    }
}

/// An open directory: a snapshot of the listing taken at offset 0, and the inodes it handed out (pinned
/// until releasedir so that readdirplus confirmations find them).
final class DirectoryHandle: Sendable {
    let ino: InodeNumber
    struct State: Sendable {
        var entries: [ListedEntry]?
        var provisioned: [InodeNumber] = []
        /// readdirplus's metadata requests for `entries`, running ahead of the kernel.
        var prefetch: AttributePrefetch?
    }
    let state = Locked(State())
    init(ino: InodeNumber) { self.ino = ino }
}

enum OpenHandle: Sendable {
    case file(FileHandle)
    case directory(DirectoryHandle)
}

/// The `fh` numbers FUSE hands back. LOCK ORDER: leaf lock, never held across `await`.
final class HandleTable: Sendable {
    private struct State {
        var next: UInt64 = 1
        var handles: [HandleID: OpenHandle] = [:]
    }
    private let state = Locked(State())

    func insert(_ h: OpenHandle) -> HandleID {
        state.withLock { s in
            let id = HandleID(s.next)
            s.next += 1
            s.handles[id] = h
            return id
        }
    }

    func get(_ id: HandleID) -> OpenHandle? { state.withLock { $0.handles[id] } }

    func remove(_ id: HandleID) -> OpenHandle? { state.withLock { $0.handles.removeValue(forKey: id) } }

    var count: Int { state.withLock { $0.handles.count } }
}
