import ObjectStore
import OSSCore

extension OSSClient {
    // MARK: request headers

    /// Headers a write carries: Content-Type (always set, so curl adds none), user metadata, conditions.
    func writeHeaders(_ o: WriteOptions, contentType: Bool = true) -> [(name: String, value: String)] {
        var h: [(name: String, value: String)] = []
        if contentType { h.append(("Content-Type", o.contentType ?? "application/octet-stream")) }
        for (name, value) in o.userMetadata.sorted(by: { $0.key < $1.key }) {
            h.append(("x-oss-meta-" + name.lowercased(), value))
        }
        if o.forbidOverwrite { h.append(("x-oss-forbid-overwrite", "true")) }
        if let s = o.storageClass { h.append(("x-oss-storage-class", s.rawValue)) }
        if let a = o.acl { h.append(("x-oss-object-acl", a.rawValue)) }
        if let c = o.cacheControl { h.append(("Cache-Control", c)) }
        if let d = o.contentDisposition { h.append(("Content-Disposition", d)) }
        return h
    }

    func conditionHeaders(_ c: GetConditions) -> [(name: String, value: String)] {
        var h: [(name: String, value: String)] = []
        if let m = c.ifMatch { h.append(("If-Match", m.quoted)) }
        if let m = c.ifNoneMatch { h.append(("If-None-Match", m.quoted)) }
        return h
    }

    /// A payload request with Content-MD5 when asked, hashing CRC64 as it is sent.
    func payloadRequest(_ method: String, key: ObjectKey, query: [(name: String, value: String?)],
                        headers: [(name: String, value: String)], payload: Payload, md5: Bool) throws -> APIRequest
    {
        var r = APIRequest(method, key: key.rawValue, query: query, headers: headers)
        if md5 { r.headers.append(("Content-MD5", try PayloadDigest.contentMD5(payload))) }
        r.body = RequestBody(payload)
        r.hashRequestBody = configuration.verifyCRC64
        return r
    }

    // MARK: HeadObject, GetObjectMeta

    public func head(_ key: ObjectKey) async throws -> ObjectMetadata {
        try await head(key, conditions: GetConditions())
    }

    /// HeadObject with If-Match / If-None-Match.
    public func head(_ key: ObjectKey, conditions: GetConditions) async throws -> ObjectMetadata {
        let r = APIRequest("HEAD", key: key.rawValue, headers: conditionHeaders(conditions))
        let response = try await execute(r)
        return ResponseHeaders.metadata(key: key, response.headers)
    }

    /// GetObjectMeta: size, ETag, Last-Modified and CRC64 only (cheaper than HeadObject on OSS).
    public func getObjectMeta(_ key: ObjectKey) async throws -> ObjectMetadata {
        let r = APIRequest("HEAD", key: key.rawValue, query: [("objectMeta", nil)])
        let response = try await execute(r)
        return ResponseHeaders.metadata(key: key, response.headers)
    }

    // MARK: GetObject

    private func getRequest(_ key: ObjectKey, range: Range<UInt64>, conditions: GetConditions) -> APIRequest {
        var r = APIRequest("GET", key: key.rawValue, headers: conditionHeaders(conditions))
        // `standard` makes OSS answer a range past the end with 416 instead of the whole object.
        r.headers.append(("Range", "bytes=\(range.lowerBound)-\(range.upperBound - 1)"))
        r.headers.append(("x-oss-range-behavior", "standard"))
        return r
    }

    public func get(_ key: ObjectKey, range: Range<UInt64>?, conditions: GetConditions) async throws
        -> (metadata: ObjectMetadata, body: [UInt8])
    {
        if let range, range.isEmpty { return (try await head(key, conditions: conditions), []) }
        let (metadata, response) = try await getObject(key, range: range, conditions: conditions,
                                                       into: .collect(limit: configuration.maxCollectedBody))
        return (metadata, response.body)
    }

    public func get(_ key: ObjectKey, range: Range<UInt64>?, conditions: GetConditions, into sink: BodySink)
        async throws -> ObjectMetadata
    {
        if let range, range.isEmpty { return try await head(key, conditions: conditions) }
        return try await getObject(key, range: range, conditions: conditions, into: .stream(sink)).metadata
    }

    /// GetObject with the body collected or streamed, checked either way: a range must be exactly the bytes
    /// its Content-Range names, and a whole object (or a range from 0 that covers it) must match its CRC64.
    private func getObject(_ key: ObjectKey, range: Range<UInt64>?, conditions: GetConditions,
                           into body: ResponseBodyHandling) async throws -> (metadata: ObjectMetadata, response: HTTPResponse)
    {
        var r: APIRequest
        if let range {
            r = getRequest(key, range: range, conditions: conditions)
            r.hashResponseBody = configuration.verifyCRC64 && range.lowerBound == 0
        } else {
            r = APIRequest("GET", key: key.rawValue, headers: conditionHeaders(conditions))
            r.hashResponseBody = configuration.verifyCRC64
        }
        r.response = body
        let response = try await execute(r)
        let metadata = ResponseHeaders.metadata(key: key, response.headers)
        if let range {
            try checkRangedAnswer(key, requested: range, response: response)
        } else {
            try checkCRC(key, ours: response.receivedBodyCRC64, server: metadata.crc64, oursIsExpected: false)
        }
        return (metadata, response)
    }

    // MARK: PutObject, DeleteObject, DeleteMultipleObjects, CopyObject

    public func put(_ key: ObjectKey, payload: Payload, options: WriteOptions) async throws -> WriteResult {
        let r = try payloadRequest("PUT", key: key, query: [], headers: writeHeaders(options), payload: payload,
                                   md5: options.sendContentMD5)
        let response = try await execute(r)
        let crc = ResponseHeaders.crc64(response.headers)
        try checkCRC(key, ours: response.sentBodyCRC64, server: crc)
        return WriteResult(etag: ETag(response.headers["ETag"] ?? ""), crc64: crc, sentCRC64: response.sentBodyCRC64)
    }

    public func delete(_ key: ObjectKey) async throws {
        do {
            _ = try await execute(APIRequest("DELETE", key: key.rawValue))
        } catch let e as ObjectStoreError where e.code == .noSuchKey {
            // OSS answers 204 for a missing key; a server that says 404 means the same.
        }
    }

    /// DeleteMultipleObjects in quiet mode, in batches of 1000 keys. Keys XML 1.0 cannot carry (control
    /// characters) are deleted one by one with DeleteObject.
    public func deleteMultiple(_ keys: [ObjectKey]) async throws -> DeleteResult {
        var result = DeleteResult(deleted: [], failed: [:])
        let xmlSafe = keys.filter { Self.isXMLSafe($0.rawValue) }
        for key in keys where !Self.isXMLSafe(key.rawValue) {
            do {
                try await delete(key)
                result.deleted.append(key)
            } catch let e as ObjectStoreError {
                guard let code = e.code else { throw e }
                result.failed[key] = code.name
            }
        }
        var start = 0
        while start < xmlSafe.count {
            let batch = Array(xmlSafe[start..<min(start + 1000, xmlSafe.count)])
            start += batch.count
            var xml = XMLWriter(root: "Delete")
            xml.element("Quiet", "true")
            for k in batch {
                xml.open("Object")
                xml.element("Key", k.rawValue)
                xml.close("Object")
            }
            let body = Array(xml.finish().utf8)
            var r = APIRequest("POST", key: nil, query: [("delete", nil), ("encoding-type", "url")], headers: [
                ("Content-Type", "application/xml"), ("Content-MD5", Base64.encode(Digest.md5(body))),
            ])
            r.body = .bytes(body)
            let response = try await execute(r)
            let decoded: (deleted: [ObjectKey], failed: [ObjectKey: String]) =
                response.body.isEmpty ? ([], [:]) : try ResponseDecoders.deleteResult(response.body)
            // Quiet mode lists only failures; every other key of the batch is gone.
            result.failed.merge(decoded.failed) { a, _ in a }
            result.deleted += batch.filter { decoded.failed[$0] == nil }
        }
        return result
    }

    /// True when every character may appear in an XML 1.0 document.
    static func isXMLSafe(_ s: String) -> Bool {
        s.unicodeScalars.allSatisfy { c in
            c.value >= 0x20 ? (c.value != 0xFFFE && c.value != 0xFFFF) : (c == "\t" || c == "\n" || c == "\r")
        }
    }

    /// `x-oss-copy-source: /bucket/<url-encoded key>`.
    func copySource(_ key: ObjectKey) -> String {
        "/" + configuration.bucket + "/" + PercentEncoding.encode(key.rawValue, keepSlash: true)
    }

    public func copy(from source: ObjectKey, to destination: ObjectKey, metadata: MetadataDirective,
                     ifMatch: ETag?) async throws -> WriteResult
    {
        var h: [(name: String, value: String)] = [("x-oss-copy-source", copySource(source))]
        switch metadata {
        case .copy:
            h.append(("x-oss-metadata-directive", "COPY"))
        case .replace(let options):
            h.append(("x-oss-metadata-directive", "REPLACE"))
            h += writeHeaders(options)
        }
        if let ifMatch { h.append(("x-oss-copy-source-if-match", ifMatch.quoted)) }
        var r = APIRequest("PUT", key: destination.rawValue, headers: h)
        r.body = .bytes([])
        let response = try await execute(r)
        let decoded = try ResponseDecoders.copyResult(response.body, root: "CopyObjectResult")
        return WriteResult(etag: decoded.etag, crc64: ResponseHeaders.crc64(response.headers))
    }

    // MARK: AppendObject

    public func append(_ key: ObjectKey, position: UInt64, payload: Payload, options: WriteOptions) async throws
        -> AppendResult
    {
        // Content-Type and metadata only mean something on the request that creates the object.
        let headers = position == 0 ? writeHeaders(options) : [("Content-Type", options.contentType ?? "application/octet-stream")]
        let r = try payloadRequest("POST", key: key, query: [("append", nil), ("position", String(position))],
                                   headers: headers, payload: payload, md5: options.sendContentMD5)
        let previousCRC: UInt64? = position == 0
            ? 0 : appendState.withLock { s in s[key].flatMap { $0.position == position ? $0.crc : nil } }
        let response = try await execute(r)
        guard let next = response.headers["x-oss-next-append-position"].flatMap({ UInt64($0.trimmingSpaces()) })
        else {
            throw ObjectStoreError.malformedResponse("AppendObject answer lacks x-oss-next-append-position")
        }
        let crc = ResponseHeaders.crc64(response.headers)
        if let previousCRC, let sent = response.sentBodyCRC64 {
            try checkCRC(key, ours: CRC64.combine(previousCRC, sent, length2: payload.length), server: crc)
        }
        appendState.withLock { s in
            if s.count >= 4096 { s.removeAll() }
            if let crc { s[key] = (next, crc) } else { s[key] = nil }
        }
        return AppendResult(nextPosition: next, crc64: crc, etag: response.headers["ETag"].map { ETag($0) })
    }

    // MARK: symlinks

    public func putSymlink(_ link: ObjectKey, target: ObjectKey, options: WriteOptions) async throws {
        var h = writeHeaders(options, contentType: options.contentType != nil)
        h.append(("x-oss-symlink-target", PercentEncoding.encode(target.rawValue, keepSlash: false)))
        var r = APIRequest("PUT", key: link.rawValue, query: [("symlink", nil)], headers: h)
        r.body = .bytes([])
        _ = try await execute(r)
    }

    public func getSymlink(_ link: ObjectKey) async throws -> (target: ObjectKey, metadata: ObjectMetadata) {
        let response = try await execute(APIRequest("GET", key: link.rawValue, query: [("symlink", nil)]))
        let metadata = ResponseHeaders.metadata(key: link, response.headers)
        guard let target = metadata.symlinkTarget else {
            throw ObjectStoreError.malformedResponse("GetSymlink answer lacks x-oss-symlink-target")
        }
        return (target, metadata)
    }
}
