import ObjectStore
import Synchronization

/// Bytes of background reads in flight across all descriptors, bounded so that many sequential readers
/// cannot hold unbounded memory (a reader over the bound simply reads without prefetch).
final class PrefetchBudget: Sendable {
    private let used = Mutex<UInt64>(0)
    let limit: UInt64
    init(limit: UInt64) { self.limit = limit }

    func reserve(_ n: UInt64) -> Bool {
        used.withLock { u in
            guard u + n <= limit else { return false }
            u += n
            return true
        }
    }

    func release(_ n: UInt64) { used.withLock { $0 -= min($0, n) } }

    var inUse: UInt64 { used.withLock { $0 } }
}

/// The next window of a sequential reader, being fetched in the background.
struct Prefetch: Sendable {
    let range: Range<UInt64>
    let etag: ETag?
    let task: Task<[UInt8], Error>
}

/// Per-descriptor read-ahead over a clean file: at least 1 MiB per GET, the window doubling (to 16 MiB)
/// while reads stay sequential and falling back to 1 MiB on a seek. A sequential reader also has the next
/// window fetched in the background, so a descriptor holds at most two windows (32 MiB).
struct ReadAhead: Sendable {
    static let minimumWindow: UInt64 = 1 << 20
    static let maximumWindow: UInt64 = 16 << 20
    var buffer: [UInt8] = []
    var bufferOffset: UInt64 = 0
    var etag: ETag?
    var nextOffset: UInt64 = 0
    var window: UInt64 = minimumWindow
    var pending: Prefetch?

    /// The requested bytes when the buffer holds them all.
    func serve(_ range: Range<UInt64>, etag: ETag?) -> [UInt8]? {
        guard etag == self.etag, range.lowerBound >= bufferOffset,
              range.upperBound <= bufferOffset + UInt64(buffer.count) else { return nil }
        let lo = Int(range.lowerBound - bufferOffset)
        return Array(buffer[lo..<lo + range.count])
    }
}

/// An open file descriptor. The handle follows its inode through renames; its data lives in `file`.
final class FileHandle: Sendable {
    let ino: InodeNumber
    let file: OpenFile
    let flags: OpenFlags
    let readAhead = Mutex(ReadAhead())
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
    let state = Mutex(State())
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
    private let state = Mutex(State())

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
