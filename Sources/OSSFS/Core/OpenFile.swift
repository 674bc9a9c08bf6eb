import ObjectStore
import OSSCore

/// The data of one open inode, shared by every handle on it (several descriptors, readers beside a
/// writer). Clean files are read from the object version pinned at open (`pinnedETag`, sent as If-Match).
/// Writes go to a sparse staging file; the old bytes are fetched into it only where a read or the upload
/// needs them (`valid` tracks which staged bytes are the file's, `baseSize` how much of the pinned object
/// still belongs to the file).
///
/// INVARIANTS: `baseSize <= size`; when `staging` exists its length is `size`; bytes in
/// `[baseSize, size)` not in `valid` are zeros (holes); `detached` files never upload.
/// LOCK ORDER: `lock` (async, may be held across `await`) is taken before `state`; several `lock`s are
/// taken in ascending inode number (directory rename). `state` is a leaf lock never held across `await`; it is
/// held while the file's staging record is written (a small file write; StagingArea's name counter, a leaf,
/// is taken under it).
final class OpenFile: Sendable {
    let ino: InodeNumber
    /// Serializes writes, truncates, gap loading, uploads and renames of this file.
    let lock = AsyncLock()

    struct State: Sendable {
        var handles = 0
        var writers = 0
        var pinnedETag: ETag?
        var baseSize: UInt64
        var size: UInt64
        var staging: StagingFile?
        var valid = ByteRangeSet()
        /// Ranges written here since the pin: the rest of `[0, baseSize)` still equals the pinned object, so
        /// a multipart upload copies those parts server-side instead of downloading and re-sending them.
        var written = ByteRangeSet()
        /// Contents or metadata differ from the object.
        var dirty = false
        /// Unlinked or replaced: handles keep their data, nothing is uploaded.
        var detached = false
        /// Attributes to show and to store at the next upload.
        var info: NodeInfo
        /// Bytes written since the last upload (max_dirty_data).
        var dirtyBytes: UInt64 = 0
        /// The staging record last written for this file (nil: none on disk).
        var record: StagingRecord?
        /// False for a file created here whose first upload has not landed: it exists only locally (lookups
        /// and listings show it from this state), and its first PUT is what creates the object.
        var existsInStore = true
        /// Created here: the first upload must not replace an object someone else made meanwhile (our
        /// negative answer may have been stale), so it is conditional; a conflict is EIO, the data stays staged.
        var forbidOverwrite = false
        /// The streaming upload of a file being written in order (Filesystem+EagerUpload).
        var eager: EagerUpload?
        /// A streaming upload could not start (OSS refused): not tried again before the next upload.
        var eagerRefused = false
        /// The mtime the last write set (a later utimens means the upload must store other times).
        var lastWriteTime: Timestamp?
        /// The pin came from a lookup's recent answer, not a HEAD at open, and no byte has been read under it
        /// yet: if the object changed meanwhile, the pin may still move to the current version unseen.
        var pinUnconfirmed = false
        /// The first bytes of the pinned version, fetched by the open's GET, for the first handle's reads.
        var openedHead: OpenedHead?
    }
    private let state: Locked<State>

    init(ino: InodeNumber, info: NodeInfo) {
        self.ino = ino
        state = Locked(State(pinnedETag: info.etag, baseSize: info.size, size: info.size, info: info))
    }

    func with<R>(_ body: (inout State) throws -> R) rethrows -> R {
        try state.withLock { s in try body(&s) }
    }

    /// The attributes with the current size.
    var info: NodeInfo {
        state.withLock { s in
            var i = s.info
            i.size = s.size
            return i
        }
    }

    var hasStaging: Bool { state.withLock { $0.staging != nil } }

    /// Deletes the staging file and its record (the data is in OSS, or the file is gone). The record goes
    /// first: a data file without a record is an orphan the next mount deletes, never the reverse.
    func discardStaging(_ area: StagingArea?) {
        let (staging, record) = state.withLock { s -> (StagingFile?, StagingRecord?) in
            defer { s.staging = nil; s.record = nil }
            return (s.staging, s.record)
        }
        if let record, let area { area.removeRecord(dataFile: record.dataFile) }
        if area?.isFrozen != true { staging?.remove() }
    }
}
