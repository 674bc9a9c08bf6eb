import OSSCore

/// The headers that describe an object in HeadObject / GetObject answers.
enum ObjectHeaders {
    static func quoted(_ etag: String) -> String { "\"" + etag + "\"" }

    static func lastModified(_ t: StorageTimestamp) -> String { HTTPDate.rfc1123(t.seconds) }

    /// Always `.000Z`, as OSS writes it: oss2 parses with the literal format `%Y-%m-%dT%H:%M:%S.000Z`.
    static func iso8601(_ t: StorageTimestamp) -> String { HTTPDate.iso8601(t.seconds, milliseconds: 0) }

    /// `object` describes itself; for a symlink, `target` supplies length, ETag, MD5, CRC and storage class.
    static func describe(_ object: StoredObject, target: StoredObject? = nil) -> [(name: String, value: String)] {
        let data = target ?? object
        let modified = target.map { max($0.lastModified, object.lastModified) } ?? object.lastModified
        var headers: [(name: String, value: String)] = [
            ("Content-Type", object.attributes.contentType),
            ("ETag", quoted(data.etag)),
            ("Last-Modified", lastModified(modified)),
            ("x-oss-object-type", object.kind.rawValue),
            ("x-oss-storage-class", data.attributes.storageClass),
            ("x-oss-hash-crc64ecma", String(data.crc64)),
            ("Accept-Ranges", "bytes"),
        ]
        if let md5 = data.contentMD5 { headers.append(("Content-MD5", md5)) }
        if object.kind == .appendable { headers.append(("x-oss-next-append-position", String(object.size))) }
        let a = object.attributes
        if let v = a.cacheControl { headers.append(("Cache-Control", v)) }
        if let v = a.contentDisposition { headers.append(("Content-Disposition", v)) }
        if let v = a.contentEncoding { headers.append(("Content-Encoding", v)) }
        if let v = a.expires { headers.append(("Expires", v)) }
        for (name, value) in a.userMetadata.sorted(by: { $0.key < $1.key }) {
            headers.append(("x-oss-meta-" + name, value))
        }
        if ServerBucket.needsRestore(data.attributes.storageClass), data.restored {
            let expiry = HTTPDate.rfc1123(data.lastModified.seconds + 7 * 86_400)
            headers.append(("x-oss-restore", "ongoing-request=\"false\", expiry-date=\"\(expiry)\""))
        }
        return headers
    }
}
