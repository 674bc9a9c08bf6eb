import OSSCore

/// Multipart uploads. Parts are blobs; completing an upload makes an object whose segments are the parts'
/// blobs, so no part byte is copied (a 1 GiB complete costs O(parts)).
extension BucketStore {
    /// InitiateMultipartUpload: returns the upload id (32 upper-case hex digits).
    public func initiateUpload(_ key: String, attributes: ObjectAttributes) throws -> String {
        let state = UploadState(key: key, uploadID: StorageFiles.randomName(), initiated: now(), attributes: attributes)
        if let journal {
            let staged = try journal.stageUpload(UploadRecord(key: KeyCoding.encode(key), uploadID: state.uploadID,
                                                              initiated: state.initiated, attributes: attributes))
            try journal.commit(staged)      // a fresh id: nobody else can race on it
        }
        withLock { uploads[state.uploadID] = state }
        return state.uploadID
    }

    /// UploadPart: stores (or replaces) part `partNumber`. Throws `.noSuchUpload` when the id is unknown or
    /// belongs to another key, `.entityTooLarge` above 5 GiB.
    public func uploadPart(uploadID: String, key: String, partNumber: Int, blob: Blob) throws -> PartInfo {
        guard blob.size <= StorageLimits.maxObjectSize else { throw StorageError.entityTooLarge }
        let info = PartInfo(partNumber: partNumber, etag: StorageETag.normal(md5: blob.md5), size: blob.size,
                            crc64: blob.crc64, lastModified: now())
        return try storePart(uploadID: uploadID, key: key, info: info, content: blob.data.content)
    }

    /// UploadPartCopy: the part is `range` of `source` (whole object when nil); shares the source's bytes.
    /// Reads the range once to compute its MD5 (the part ETag) and CRC64 unless it is a whole Normal object.
    public func uploadPartCopy(uploadID: String, key: String, partNumber: Int, source: StoredObject,
                               range: Range<UInt64>?) throws -> PartInfo {
        let whole = range == nil || range == 0..<source.size
        let content = whole ? source.content : ObjectContent(segments: source.content.slice(range!))
        guard content.size <= StorageLimits.maxObjectSize else { throw StorageError.entityTooLarge }
        guard withLock({ uploads[uploadID]?.isFor(key) == true }) else { throw StorageError.noSuchUpload }
        let etag: String, crc: UInt64
        if whole, source.kind == .normal, let md5 = Hex.decode(source.etag), md5.count == 16 {
            etag = source.etag
            crc = source.crc64
        } else {
            var sums = StorageChecksummer(limit: .max)
            // Throws .noSuchKey when a concurrent overwrite of the source already freed these bytes.
            try blobs.forEachChunk(content.segments) { sums.update($0) }
            etag = StorageETag.normal(md5: sums.finalizeMD5())
            crc = sums.crc64
        }
        let info = PartInfo(partNumber: partNumber, etag: etag, size: content.size, crc64: crc, lastModified: now())
        return try storePart(uploadID: uploadID, key: key, info: info, content: content)
    }

    private func storePart(uploadID: String, key: String, info: PartInfo, content: ObjectContent) throws -> PartInfo {
        try blobs.retain(content.segments)
        var old: ObjectContent?
        do {
            let staged = try journal?.stagePart(uploadID: uploadID, info, content: content)
            lock.lock()
            do {
                guard uploads[uploadID]?.isFor(key) == true else { throw StorageError.noSuchUpload }
                if let staged { try journal!.commit(staged) }
                old = uploads[uploadID]!.parts.updateValue((info, content), forKey: info.partNumber)?.content
                lock.unlock()
            } catch {
                lock.unlock()
                if let staged { journal!.discard(staged) }
                throw error
            }
        } catch {
            blobs.release(content.segments)
            throw error
        }
        if let old { blobs.release(old.segments) }
        return info
    }

    /// CompleteMultipartUpload. `parts` are (number, ETag) in ascending order (gaps allowed); `all` uses every
    /// uploaded part instead. Checks InvalidPartOrder, InvalidPart (unknown number or ETag mismatch) and
    /// EntityTooSmall (every part but the last >= 100 KiB). The CRC64 is the fold of the parts' CRCs.
    public func completeUpload(uploadID: String, key: String, parts: [(Int, String)], all: Bool,
                               forbidOverwrite: Bool) throws -> StoredObject {
        let (upload, chosen) = try withLock { () throws -> (UploadState, [(info: PartInfo, content: ObjectContent)]) in
            guard let upload = uploads[uploadID], upload.isFor(key) else { throw StorageError.noSuchUpload }
            if all {
                return (upload, upload.parts.keys.sorted().map { upload.parts[$0]! })
            }
            guard !parts.isEmpty else { throw StorageError.invalidPart(0) }
            var chosen: [(info: PartInfo, content: ObjectContent)] = []
            var previous = 0
            for (number, etag) in parts {
                guard number > previous else { throw StorageError.invalidPartOrder }
                previous = number
                guard let part = upload.parts[number], StorageETag.matches(part.info.etag, etag) else {
                    throw StorageError.invalidPart(number)
                }
                chosen.append(part)
            }
            return (upload, chosen)
        }
        for part in chosen.dropLast() where part.info.size < StorageLimits.minPartSize {
            throw StorageError.entityTooSmall(partNumber: part.info.partNumber)
        }
        var crc: UInt64 = 0
        for part in chosen { crc = CRC64.combine(crc, part.info.crc64, length2: part.info.size) }
        let object = StoredObject(key: key, size: chosen.reduce(0) { $0 + $1.info.size },
                                  etag: StorageETag.multipart(partETags: chosen.map(\.info.etag)), contentMD5: nil,
                                  crc64: crc, lastModified: now(), kind: .multipart, attributes: upload.attributes,
                                  symlinkTarget: nil, restored: false,
                                  content: ObjectContent(segments: chosen.flatMap(\.content.segments)))
        // The upload disappears in the same critical section that stores the object, so a concurrent
        // complete or abort of the same upload loses cleanly with NoSuchUpload.
        var removed: UploadState?
        let stored = try store(object) { current in
            guard uploads[uploadID] != nil else { throw StorageError.noSuchUpload }
            if forbidOverwrite && current != nil { throw StorageError.fileAlreadyExists }
        } committed: {
            journal?.removeUploadRecord(uploadID)
            removed = uploads.removeValue(forKey: uploadID)
        }
        finishRemoval(removed)
        return stored
    }

    /// AbortMultipartUpload: frees the parts. `.noSuchUpload` when unknown.
    public func abortUpload(uploadID: String, key: String) throws {
        let removed = try withLock { () throws -> UploadState in
            guard let upload = uploads[uploadID], upload.isFor(key) else { throw StorageError.noSuchUpload }
            journal?.removeUploadRecord(uploadID)
            return uploads.removeValue(forKey: uploadID)!
        }
        finishRemoval(removed)
    }

    /// After an upload left the index (lock released): drop its part records and blob references.
    private func finishRemoval(_ upload: UploadState?) {
        guard let upload else { return }
        journal?.removeUploadDirectory(upload.uploadID)
        for part in upload.parts.values { blobs.release(part.content.segments) }
    }

    /// ListParts: ascending part numbers after `partNumberMarker`.
    public func listParts(uploadID: String, key: String, partNumberMarker: Int, maxParts: Int) throws -> PartListResult {
        try withLock {
            guard let upload = uploads[uploadID], upload.isFor(key) else { throw StorageError.noSuchUpload }
            let numbers = upload.parts.keys.filter { $0 > partNumberMarker }.sorted()
            let page = numbers.prefix(max(0, maxParts))
            let truncated = numbers.count > page.count
            return PartListResult(parts: page.map { upload.parts[$0]!.info }, isTruncated: truncated,
                                  nextPartNumberMarker: truncated ? page.last : nil,
                                  attributes: upload.attributes, initiated: upload.initiated)
        }
    }

    /// The upload's key and attributes, nil when unknown (for the HTTP layer's checks).
    public func upload(_ uploadID: String) -> UploadInfo? {
        withLock { uploads[uploadID].map { UploadInfo(key: $0.key, uploadID: $0.uploadID, initiated: $0.initiated) } }
    }
}

extension BucketStore.UploadState {
    /// Keys compare by bytes (String == would equate NFC and NFD spellings).
    func isFor(_ other: String) -> Bool { key.utf8.elementsEqual(other.utf8) }
}
