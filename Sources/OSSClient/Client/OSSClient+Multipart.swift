import ObjectStore
import OSSCore

extension OSSClient {
    public func initiateMultipartUpload(_ key: ObjectKey, options: WriteOptions) async throws -> UploadID {
        var r = APIRequest("POST", key: key.rawValue, query: [("uploads", nil)], headers: writeHeaders(options))
        r.body = .bytes([])
        let response = try await execute(r)
        return try ResponseDecoders.initiateMultipartUpload(response.body)
    }

    public func uploadPart(_ key: ObjectKey, uploadID: UploadID, partNumber: Int, payload: Payload) async throws
        -> WriteResult
    {
        let r = try payloadRequest(
            "PUT", key: key, query: [("partNumber", String(partNumber)), ("uploadId", uploadID.rawValue)],
            headers: [], payload: payload, md5: false)
        let response = try await execute(r)
        let crc = ResponseHeaders.crc64(response.headers)
        try checkCRC(key, ours: response.sentBodyCRC64, server: crc)
        return WriteResult(etag: ETag(response.headers["ETag"] ?? ""), crc64: crc, sentCRC64: response.sentBodyCRC64)
    }

    public func uploadPartCopy(_ key: ObjectKey, uploadID: UploadID, partNumber: Int, source: ObjectKey,
                               range: Range<UInt64>?, ifMatch: ETag?) async throws -> WriteResult
    {
        var h: [(name: String, value: String)] = [("x-oss-copy-source", copySource(source))]
        if let range {
            guard !range.isEmpty else {
                throw ObjectStoreError.service(OSSServiceError(status: 400, code: .invalidArgument,
                                                               message: "empty copy range"))
            }
            h.append(("x-oss-copy-source-range", "bytes=\(range.lowerBound)-\(range.upperBound - 1)"))
        }
        if let ifMatch { h.append(("x-oss-copy-source-if-match", ifMatch.quoted)) }
        var r = APIRequest("PUT", key: key.rawValue,
                           query: [("partNumber", String(partNumber)), ("uploadId", uploadID.rawValue)], headers: h)
        r.body = .bytes([])
        let response = try await execute(r)
        let decoded = try ResponseDecoders.copyResult(response.body, root: "CopyPartResult")
        return WriteResult(etag: decoded.etag, crc64: ResponseHeaders.crc64(response.headers))
    }

    public func completeMultipartUpload(_ key: ObjectKey, uploadID: UploadID, parts: [UploadedPart]) async throws
        -> WriteResult
    {
        var xml = XMLWriter(root: "CompleteMultipartUpload")
        for p in parts {
            xml.open("Part")
            xml.element("PartNumber", String(p.partNumber))
            xml.element("ETag", p.etag.quoted)
            xml.close("Part")
        }
        let body = Array(xml.finish().utf8)
        var r = APIRequest("POST", key: key.rawValue, query: [("uploadId", uploadID.rawValue)],
                           headers: [("Content-Type", "application/xml")])
        r.body = .bytes(body)
        let response = try await execute(r)
        let decoded = try ResponseDecoders.completeMultipartUpload(response.body)
        let crc = ResponseHeaders.crc64(response.headers)
        try checkCRC(key, ours: Self.combinedCRC(parts), server: crc)
        return WriteResult(etag: decoded.etag, crc64: crc)
    }

    /// The whole object's CRC64 from its parts' CRCs in order, when every part's CRC and size are known.
    static func combinedCRC(_ parts: [UploadedPart]) -> UInt64? {
        guard !parts.isEmpty else { return nil }
        var acc: UInt64 = 0
        for p in parts.sorted(by: { $0.partNumber < $1.partNumber }) {
            // A part with a CRC but no size was not filled in by the caller: nothing to check.
            guard let crc = p.crc64, p.size > 0 || crc == 0 else { return nil }
            acc = CRC64.combine(acc, crc, length2: p.size)
        }
        return acc
    }

    public func abortMultipartUpload(_ key: ObjectKey, uploadID: UploadID) async throws {
        _ = try await execute(APIRequest("DELETE", key: key.rawValue, query: [("uploadId", uploadID.rawValue)]))
    }

    public func listMultipartUploads(prefix: String, keyMarker: String?, uploadIDMarker: String?, maxUploads: Int)
        async throws -> UploadsPage
    {
        var q: [(name: String, value: String?)] = [("uploads", nil)]
        if !prefix.isEmpty { q.append(("prefix", prefix)) }
        if let keyMarker { q.append(("key-marker", keyMarker)) }
        if let uploadIDMarker { q.append(("upload-id-marker", uploadIDMarker)) }
        q.append(("max-uploads", String(min(max(maxUploads, 1), 1000))))
        q.append(("encoding-type", "url"))
        let response = try await execute(APIRequest("GET", key: nil, query: q))
        return try ResponseDecoders.listMultipartUploads(response.body)
    }

    public func listParts(_ key: ObjectKey, uploadID: UploadID, partNumberMarker: Int?, maxParts: Int) async throws
        -> PartsPage
    {
        var q: [(name: String, value: String?)] = [("uploadId", uploadID.rawValue)]
        q.append(("max-parts", String(min(max(maxParts, 1), 1000))))
        if let partNumberMarker { q.append(("part-number-marker", String(partNumberMarker))) }
        q.append(("encoding-type", "url"))
        let response = try await execute(APIRequest("GET", key: key.rawValue, query: q))
        return try ResponseDecoders.listParts(response.body)
    }
}
