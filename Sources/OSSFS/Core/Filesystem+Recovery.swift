import ObjectStore
import OSSCore

// The start-up pass over what a crashed (or killed) mount left in its staging area. The daemon runs it
// before it serves requests, so no open file competes with it for a key.
//
// For each staged file: if the object still has the ETag the staged data was loaded from (or is still
// absent, for a file that had none), the staged data is uploaded, resuming the multipart upload the record
// names; if the object already holds exactly the staged data (the crash came after the upload), the record
// just goes; otherwise somebody changed the object meanwhile, and nothing is overwritten: the staged copy
// moves to `conflicts/` and the report says where. Uploads are one PutObject or one
// CompleteMultipartUpload, both atomic in OSS, so no torn object is ever visible. An upload that fails now
// (OSS unreachable) keeps its record for the next mount.
extension Filesystem {
    /// Finishes what the previous mount of this bucket:/prefix left: staged uploads, then directory renames,
    /// then aborts abandoned multipart uploads (mpu_abort_age). Never throws; everything is in the report.
    public func recover() async -> RecoveryReport {
        var report = RecoveryReport()
        report.warnings += startupWarnings
        guard let area else { return report }
        if config.readOnly {
            let pending = area.stagingRecords().count + area.renameRecords().count
            if pending > 0 {
                report.warnings.append("\(pending) staged upload(s) or rename(s) from an earlier mount wait in "
                                       + "\(area.directory): mount read-write to finish them")
            }
            return report
        }
        area.removeOrphans()
        for record in area.stagingRecords() {
            report.items.append(await recoverStaged(record, area))
        }
        for (name, record) in area.renameRecords() {
            report.items.append(await finishRename(name, record, area))
        }
        if config.multipartAbortAge > 0 {
            do { report.abortedUploads = try await abortAbandonedUploads() } catch {
                report.warnings.append("abandoned multipart upload cleanup failed: \(Self.fsError(error))")
            }
        }
        return report
    }

    func recoverStaged(_ record: StagingRecord, _ area: StagingArea) async -> RecoveryReport.Item {
        let dataPath = area.path(record.dataFile)
        func item(_ outcome: RecoveryReport.Outcome, _ path: String? = nil) -> RecoveryReport.Item {
            RecoveryReport.Item(key: record.key, stagedPath: path, outcome: outcome)
        }
        guard let staging = try? StagingFile(path: dataPath, create: false, space: space),
              let size = try? staging.length()
        else {
            // Moved to conflicts/ by a pass that crashed before moving the record too.
            _ = area.keepAsConflict(record)
            return item(.kept(reason: "staged data file missing"), area.conflictsDirectory + "/" + record.dataFile)
        }
        let key = ObjectKey(record.key)
        let base = record.baseETag.map { ETag(rawValue: $0) }
        let current: ObjectMetadata?
        do { current = try await headOrNil(key) } catch {
            return item(.kept(reason: "could not check the object (\(Self.fsError(error))); retried at next mount"),
                        dataPath)
        }
        if current?.etag != base {
            if let current, await isOurUpload(current, record, staging, size) {
                await finishRecovered(record, area, staging, abandoning: record.upload)
                return item(.alreadyStored)
            }
            let reason = current == nil
                ? "the object was deleted since the data was staged"
                : "the object changed since the data was staged (ETag \(base.map { $0.rawValue } ?? "none") -> \(current!.etag))"
            let kept = area.keepAsConflict(record)
            if let upload = record.upload {
                try? await store.abortMultipartUpload(key, uploadID: UploadID(upload.uploadID))
            }
            let partial = record.baseSize > 0 && !authoritative(record, size).contains(0..<size)
            return item(.kept(reason: reason + (partial ? "; only the written ranges \(record.writtenRanges.ranges) are valid" : "")),
                        kept)
        }
        do {
            let reused = try await uploadRecovered(record, area, staging, size: size)
            await finishRecovered(record, area, staging, abandoning: nil)
            return item(.uploaded(reusedParts: reused))
        } catch {
            return item(.kept(reason: "upload failed (\(Self.fsError(error, key: key))); retried at next mount"), dataPath)
        }
    }

    /// Staged bytes that are the file's own (the rest of `[0, baseSize)` is the base object's).
    func authoritative(_ record: StagingRecord, _ size: UInt64) -> ByteRangeSet {
        var set = record.writtenRanges
        if size > record.baseSize { set.insert(record.baseSize..<size) }
        return set
    }

    /// True when `current` is exactly the staged data: same size and the CRC64 of the staged bytes (or, when
    /// some bytes were never staged, of the parts the record confirmed).
    func isOurUpload(_ current: ObjectMetadata, _ record: StagingRecord, _ staging: StagingFile, _ size: UInt64) async -> Bool {
        guard current.size == size, let stored = current.crc64 else { return false }
        if record.baseSize == 0 || authoritative(record, size).contains(0..<size) {
            guard let crc = try? await Blocking.run({ try staging.crc64(0..<size) }) else { return false }
            return crc == stored
        }
        guard let upload = record.upload, upload.partSize > 0 else { return false }
        let count = Int((size + upload.partSize - 1) / upload.partSize)
        let parts = Dictionary(upload.parts.map { ($0.number, $0) }, uniquingKeysWith: { _, b in b })
        var crc: UInt64 = 0
        for n in 1...max(count, 1) {
            let lo = UInt64(n - 1) * upload.partSize
            guard let p = parts[n], p.size == min(size, lo + upload.partSize) - lo, let c = p.crc64 else { return false }
            crc = CRC64.combine(crc, c, length2: p.size)
        }
        return crc == stored
    }

    /// Uploads a recovered file; returns how many parts of an earlier upload were kept.
    func uploadRecovered(_ record: StagingRecord, _ area: StagingArea, _ staging: StagingFile, size: UInt64)
        async throws -> Int
    {
        let key = ObjectKey(record.key)
        let base = record.baseETag.map { ETag(rawValue: $0) }
        // An absent object must still be absent when the upload lands (forbid-overwrite).
        let options = writeOptions(contentType: record.contentType ?? "application/octet-stream",
                                   metadata: record.metadata, forbidOverwrite: base == nil)
        let filled = Locked(authoritative(record, size))
        let store = self.store
        var reuse: PartReuse?
        if let base, record.baseSize > 0 {
            reuse = PartReuse(source: key, etag: base, base: record.baseSize, written: record.writtenRanges,
                              fill: { range in
                                  try await Self.fillFromBase(store, key, base, range.clamped(to: 0..<record.baseSize),
                                                              staging, filled)
                              },
                              copyAllowed: config.copyAPIEnabled && !record.appendable)
        }
        var resume: ResumedUpload?
        if let upload = record.upload {
            let id = UploadID(upload.uploadID)
            if let parts = try await listAllParts(key, id) {
                resume = ResumedUpload(uploadID: id, partSize: upload.partSize, stored: parts, recorded: upload.parts)
            }
        }
        // The record follows this upload too, so a crash during recovery resumes again.
        let current = Locked(record)
        let journal = UploadJournal(
            started: { id, partSize in
                try current.withLock { r in
                    r.upload = StagingRecord.Upload(uploadID: id.rawValue, partSize: partSize)
                    try area.writeRecord(r, sync: true)
                }
            },
            partDone: { part in
                current.withLock { r in
                    r.upload?.parts.append(StagingRecord.Part(number: part.partNumber, etag: part.etag.rawValue,
                                                              size: part.size, crc64: part.crc64))
                    try? area.writeRecord(r, sync: false)
                }
            },
            ended: {})
        _ = try await uploadStaged(staging, size: size, key: key, options: options, reuse: reuse, journal: journal,
                                   resume: resume)
        return resume?.reused ?? 0
    }

    /// Every part of an upload, or nil when the upload no longer exists.
    func listAllParts(_ key: ObjectKey, _ id: UploadID) async throws -> [UploadedPart]? {
        var parts: [UploadedPart] = []
        var marker: Int?
        do {
            repeat {
                let page = try await store.listParts(key, uploadID: id, partNumberMarker: marker, maxParts: 1000)
                parts += page.parts
                marker = page.nextPartNumberMarker
            } while marker != nil
        } catch let e as ObjectStoreError where e.code == .noSuchUpload || e.isNotFound {
            return nil
        }
        return parts
    }

    /// Loads the base object's bytes of `range` into the staging file where it holds none of the file's own.
    static func fillFromBase(_ store: any ObjectStore, _ key: ObjectKey, _ etag: ETag, _ range: Range<UInt64>,
                             _ staging: StagingFile, _ filled: Locked<ByteRangeSet>) async throws
    {
        for gap in filled.withLock({ $0.gaps(in: range) }) {
            var at = gap.lowerBound
            while at < gap.upperBound {
                let end = min(gap.upperBound, at + (8 << 20))
                let body = try await store.get(key, range: at..<end, conditions: GetConditions(ifMatch: etag)).body
                guard body.count == Int(end - at) else { throw FSError.io("short read of \(key)") }
                try staging.write(body, at: at)
                filled.withLock { $0.insert(at..<end) }
                at = end
            }
        }
    }

    /// The record goes first, then the data (see StagingArea.removeOrphans); an upload the record named and
    /// nobody will finish is aborted.
    func finishRecovered(_ record: StagingRecord, _ area: StagingArea, _ staging: StagingFile,
                         abandoning upload: StagingRecord.Upload?) async
    {
        area.removeRecord(dataFile: record.dataFile)
        staging.remove()
        if let upload {
            try? await store.abortMultipartUpload(ObjectKey(record.key), uploadID: UploadID(upload.uploadID))
        }
    }
}
