import Foundation

/// Startup for the disk backend: rebuilds a bucket's index from its records.
extension BucketStore {
    /// Reads every object and upload record, taking blob references for them. A record whose blob file is
    /// missing or too short (never produced by this engine, which fsyncs and renames data before metadata; e.g.
    /// a hand-edited dir or a lost disk cache) is removed rather than served. Upload directories without upload.json (a crash mid-abort) are removed.
    /// Returns how many files were removed.
    func load(blobFiles: [String: UInt64], space: DiskBlobSpace) -> Int {
        guard let journal else { return 0 }
        let decoder = JSONDecoder()
        var removed = 0
        func decode<T: Decodable>(_ type: T.Type, _ path: String) -> T? {
            guard let bytes = try? StorageFiles.readWholeFile(path) else { return nil }
            return try? decoder.decode(type, from: Data(bytes))
        }
        // Every byte a record names must be on disk: a missing or short blob file means the record is not served.
        func present(_ segments: [SegmentRecord]) -> Bool {
            segments.allSatisfy { s in blobFiles[s.blob].map { s.offset + s.length <= $0 } ?? false }
        }

        var loaded: [StorageKey: StoredObject] = [:]
        for name in StorageFiles.list(journal.objectsDir) {
            let path = journal.objectsDir + "/" + name
            guard let record = decode(ObjectRecord.self, path), present(record.segments),
                  let object = journal.object(record), journal.objectPath(object.key) == path else {
                StorageFiles.remove(path)
                removed += 1
                continue
            }
            space.adopt(object.content.segments)
            loaded[StorageKey(object.key)] = object
        }

        var loadedUploads: [String: UploadState] = [:]
        for id in StorageFiles.list(journal.uploadsDir) {
            guard let record = decode(UploadRecord.self, journal.uploadRecordPath(id)), record.uploadID == id,
                  let key = KeyCoding.decode(record.key) else {
                journal.removeUploadDirectory(id)
                removed += 1
                continue
            }
            var state = UploadState(key: key, uploadID: id, initiated: record.initiated, attributes: record.attributes)
            for name in StorageFiles.list(journal.uploadDir(id)) where name.hasPrefix("part-") {
                let path = journal.uploadDir(id) + "/" + name
                guard let part = decode(PartRecord.self, path), present(part.segments),
                      journal.partPath(id, part.partNumber) == path else {
                    StorageFiles.remove(path)
                    removed += 1
                    continue
                }
                let content = journal.content(part.segments)
                space.adopt(content.segments)
                state.parts[part.partNumber] = (PartInfo(partNumber: part.partNumber, etag: part.etag, size: part.size,
                                                         crc64: part.crc64, lastModified: part.lastModified), content)
            }
            loadedUploads[id] = state
        }

        withLock {
            objects = loaded
            index.replaceAll(Array(loaded.keys))
            uploads = loadedUploads
            totalSize = loaded.values.reduce(0) { $0 + $1.size }
            lastChange = loaded.values.map(\.lastModified.seconds).max() ?? 0
        }
        return removed
    }
}
