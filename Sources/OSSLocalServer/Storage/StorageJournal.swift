import Foundation
import OSSCore

/// A metadata file written to staging and fsynced, waiting to be renamed into place.
struct StagedRecord {
    let tempPath: String
    let finalPath: String
}

/// Persists one bucket's metadata under `<data>/buckets/<name>/`:
///   bucket.json                         the BucketDefinition
///   objects/<sha256 hex of key>.json    one ObjectRecord per key (replaced by rename)
///   uploads/<uploadID>/upload.json      an UploadRecord; its presence is what makes the upload exist
///   uploads/<uploadID>/part-<n>.json    PartRecords
/// Writes are two-phase: `stage*` (slow: write + fsync, no lock needed) then `commit` (a rename, done under the
/// bucket lock so the index and the disk agree on who won a race).
final class DiskJournal: @unchecked Sendable {
    let bucketDir: String
    let space: DiskBlobSpace

    init(root: String, bucket: String, space: DiskBlobSpace) throws {
        bucketDir = root + "/buckets/" + bucket
        self.space = space
        try StorageFiles.makeDirectory(bucketDir + "/objects")
        try StorageFiles.makeDirectory(bucketDir + "/uploads")
    }

    var objectsDir: String { bucketDir + "/objects" }
    var uploadsDir: String { bucketDir + "/uploads" }
    func objectPath(_ key: String) -> String { objectsDir + "/" + Hex.encode(Digest.sha256(Array(key.utf8))) + ".json" }
    func uploadDir(_ id: String) -> String { uploadsDir + "/" + id }
    func uploadRecordPath(_ id: String) -> String { uploadDir(id) + "/upload.json" }
    func partPath(_ id: String, _ n: Int) -> String { uploadDir(id) + "/part-\(n).json" }

    // MARK: conversions

    func segmentRecords(_ content: ObjectContent) -> [SegmentRecord] {
        content.segments.map {
            guard case .file(let path, let offset, let length) = $0 else { preconditionFailure("bytes segment on disk") }
            return SegmentRecord(blob: String(path.split(separator: "/").last!), offset: offset, length: length)
        }
    }

    func content(_ records: [SegmentRecord]) -> ObjectContent {
        ObjectContent(segments: records.map { .file(path: space.path(ofBlob: $0.blob[...]), offset: $0.offset, length: $0.length) })
    }

    func record(_ o: StoredObject) -> ObjectRecord {
        ObjectRecord(key: KeyCoding.encode(o.key), size: o.size, etag: o.etag, contentMD5: o.contentMD5, crc64: o.crc64,
                     lastModified: o.lastModified, kind: o.kind, attributes: o.attributes, symlinkTarget: o.symlinkTarget,
                     restored: o.restored, segments: segmentRecords(o.content))
    }

    func object(_ r: ObjectRecord) -> StoredObject? {
        guard let key = KeyCoding.decode(r.key) else { return nil }
        return StoredObject(key: key, size: r.size, etag: r.etag, contentMD5: r.contentMD5, crc64: r.crc64,
                            lastModified: r.lastModified, kind: r.kind, attributes: r.attributes,
                            symlinkTarget: r.symlinkTarget, restored: r.restored, content: content(r.segments))
    }

    // MARK: writes

    private func stage<T: Encodable>(_ value: T, to finalPath: String) throws -> StagedRecord {
        let bytes: [UInt8]
        do { bytes = [UInt8](try JSONEncoder().encode(value)) } catch { throw StorageError.io("encode \(finalPath): \(error)") }
        return StagedRecord(tempPath: try StorageFiles.stage(bytes, tempDir: space.tmpDir), finalPath: finalPath)
    }

    func stageObject(_ o: StoredObject) throws -> StagedRecord { try stage(record(o), to: objectPath(o.key)) }

    func stageUpload(_ r: UploadRecord) throws -> StagedRecord {
        try StorageFiles.makeDirectory(uploadDir(r.uploadID))
        return try stage(r, to: uploadRecordPath(r.uploadID))
    }

    func stagePart(uploadID: String, _ p: PartInfo, content: ObjectContent) throws -> StagedRecord {
        let r = PartRecord(partNumber: p.partNumber, etag: p.etag, size: p.size, crc64: p.crc64,
                           lastModified: p.lastModified, segments: segmentRecords(content))
        return try stage(r, to: partPath(uploadID, p.partNumber))
    }

    /// The atomic step: after it, the record is the one a restart sees.
    func commit(_ s: StagedRecord) throws { try StorageFiles.renameOrThrow(s.tempPath, s.finalPath) }

    func discard(_ s: StagedRecord) { StorageFiles.remove(s.tempPath) }

    func removeObject(_ key: String) { StorageFiles.remove(objectPath(key)) }

    /// Makes the upload not exist (the atomic step of complete/abort).
    func removeUploadRecord(_ id: String) { StorageFiles.remove(uploadRecordPath(id)) }

    /// Removes an upload's leftover part records and directory (after `removeUploadRecord`; no lock needed).
    func removeUploadDirectory(_ id: String) {
        let dir = uploadDir(id)
        for name in StorageFiles.list(dir) { StorageFiles.remove(dir + "/" + name) }
        _ = rmdir(dir)
    }
}
