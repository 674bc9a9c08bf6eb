import ObjectStore
import OSSCore

// The sidecar records that make staged data survive a crash (StagingRecord, StagingArea). A record exists
// from the first write of a file until its upload succeeded (or it was unlinked); all of this runs under
// the file's lock.
extension Filesystem {
    /// A new staging file for an open file: in the mount's area, named so its record can follow.
    func makeStagingFile() throws -> StagingFile {
        if let area {
            return try StagingFile(path: area.path(area.uniqueName(StagingArea.dataSuffix)), create: true, space: space)
        }
        return try StagingFile(directory: config.stagingDirectory, space: space)
    }

    /// A temporary staging file (copies through the mount): never recorded, deleted as an orphan after a crash.
    func makeTemporaryFile() throws -> StagingFile {
        try StagingFile(directory: area?.directory ?? config.stagingDirectory, space: space)
    }

    /// Writes the file's record when it is missing, when `adding` (a range about to be written) reaches
    /// bytes of the old object the record does not yet name, or when forced (size, name, metadata or the
    /// upload changed). Records are not fsync'd here: the staged data is not either; a killed process keeps
    /// both, and durability against power loss is what close/fsync (an upload to OSS) gives.
    /// `key` overrides the file's key (a rename records the new key before the inode moves).
    func journalLocked(_ file: OpenFile, adding range: Range<UInt64>? = nil, force: Bool = false, sync: Bool = false,
                       key newKey: ObjectKey? = nil, upload: ((inout StagingRecord.Upload?) -> Void)? = nil) throws
    {
        guard let area else { return }
        if !force, upload == nil, newKey == nil, let range {
            // The hot path (every write): nothing new to record once the range is named or beyond the base.
            let named = file.with { s -> Bool in
                guard let r = s.record, s.staging != nil else { return false }
                let old = range.clamped(to: 0..<r.baseSize)
                return old.isEmpty || r.writtenRanges.contains(old)
            }
            if named { return }
        }
        guard let key = newKey?.rawValue ?? inodes.path(file.ino).map({ names.fileKey($0).rawValue }) else {
            return
        }
        // Built, written and remembered under the state's mutex: parts confirmed in parallel each add to the
        // record the previous one wrote, and the disk sees them in that order (a small file write, no fsync
        // unless `sync`).
        try file.with { s in
            guard let staging = s.staging, !s.detached else { return }
            var written = s.written
            if let range { written.insert(range) }
            written.clip(to: s.baseSize)   // at and above baseSize every staged byte is the file's anyway
            if !force, upload == nil, let old = s.record, old.key == key {
                let wanted = range.map { $0.clamped(to: 0..<old.baseSize) }
                if wanted == nil || old.writtenRanges.contains(wanted!) { return }
            }
            var info = s.info
            info.size = s.size
            var r = StagingRecord(key: key, dataFile: staging.name,
                                  baseETag: s.pinnedETag?.rawValue, baseSize: s.baseSize,
                                  written: StagingRecord.flatten(written),
                                  contentType: info.contentType ?? "application/octet-stream",
                                  metadata: OSSFS1Metadata.encode(info),
                                  appendable: info.objectType == .appendable, upload: s.record?.upload)
            upload?(&r.upload)
            if !sync, let old = s.record, Self.recordOnlyAged(r, from: old, lastWrite: s.lastWriteTime, info: info) {
                return
            }
            try area.writeRecord(r, sync: sync)
            s.record = r
        }
    }

    /// True when `new` says nothing `old` does not, bar the times the file's writes moved: the rewrite
    /// before each upload would otherwise write, for every file `cp` makes, the record its create wrote with
    /// older times (an eighth of the daemon's CPU per small file). Times set any other way (utimens, touch,
    /// chmod's ctime) differ from the last write's and are recorded. A crash during the upload then
    /// recovers the data with the times of the last record.
    static func recordOnlyAged(_ new: StagingRecord, from old: StagingRecord, lastWrite: Timestamp?, info: NodeInfo) -> Bool {
        if new == old { return true }
        guard let lastWrite, info.mtime == lastWrite, info.ctime == lastWrite else { return false }
        var aged = new
        for name in [OSSFS1Metadata.mtime, OSSFS1Metadata.ctime] { aged.metadata[name] = old.metadata[name] }
        return aged == old
    }

    /// The upload hooks for an open file's record: the upload id (fsync'd before the first part is sent,
    /// so the next mount can resume instead of leaking it), then each confirmed part.
    func uploadJournal(_ file: OpenFile) -> UploadJournal? {
        guard area != nil, file.with({ $0.record != nil }) else { return nil }
        return UploadJournal(
            started: { id, partSize in
                try self.journalLocked(file, sync: true) {
                    $0 = StagingRecord.Upload(uploadID: id.rawValue, partSize: partSize)
                }
            },
            partDone: { part in
                try? self.journalLocked(file) {
                    $0?.parts.append(StagingRecord.Part(number: part.partNumber, etag: part.etag.rawValue,
                                                        size: part.size, crc64: part.crc64))
                }
            },
            ended: { try? self.journalLocked(file) { $0 = nil } })
    }

    /// Puts back the record as it was before a write that failed.
    func restoreRecordLocked(_ file: OpenFile, _ previous: StagingRecord?) {
        guard let area, let current = file.with({ $0.record }), current != previous else { return }
        if let previous {
            if (try? area.writeRecord(previous, sync: false)) != nil { file.with { $0.record = previous } }
        } else {
            area.removeRecord(dataFile: current.dataFile)
            file.with { $0.record = nil }
        }
    }

    /// The data is in OSS: the record goes (the staging file stays as a clean cache until release).
    func forgetRecordLocked(_ file: OpenFile) {
        guard let record = file.with({ s -> StagingRecord? in defer { s.record = nil }; return s.record }) else { return }
        area?.removeRecord(dataFile: record.dataFile)
    }
}

/// What an upload tells the record as it goes. Parts complete in parallel, so `partDone` must be safe to call
/// from several tasks (journalLocked takes the state's mutex; the file's async lock is held by the upload).
struct UploadJournal: Sendable {
    var started: @Sendable (UploadID, UInt64) throws -> Void
    var partDone: @Sendable (UploadedPart) -> Void
    /// The upload is gone (aborted): forget its id.
    var ended: @Sendable () -> Void
}

/// A multipart upload an earlier mount started, to be finished instead of started again.
final class ResumedUpload: Sendable {
    let uploadID: UploadID
    let partSize: UInt64
    /// What ListParts says is there.
    let stored: [Int: UploadedPart]
    /// What the record says was confirmed (CRC64 checked against the staged bytes when it was sent).
    let recorded: [Int: StagingRecord.Part]
    private let reusedCount = Locked(0)

    init(uploadID: UploadID, partSize: UInt64, stored: [UploadedPart], recorded: [StagingRecord.Part]) {
        self.uploadID = uploadID
        self.partSize = partSize
        self.stored = Dictionary(stored.map { ($0.partNumber, $0) }, uniquingKeysWith: { a, _ in a })
        self.recorded = Dictionary(recorded.map { ($0.number, $0) }, uniquingKeysWith: { _, b in b })
    }

    var reused: Int { reusedCount.withLock { $0 } }
    func countReuse() { reusedCount.withLock { $0 += 1 } }
}
