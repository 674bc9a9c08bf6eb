import OSSCore

/// Reads what writers set from request headers and query parameters.
enum RequestAttributes {
    /// OSS's limit on all `x-oss-meta-*` headers together (names with prefix plus values).
    static let maxMetadataBytes = 8 * 1024

    /// Content-Type, user metadata (lower-cased names, ≤ 8 KB), storage class (the bucket's unless
    /// `x-oss-storage-class` says otherwise), and the pass-through headers.
    static func attributes(_ request: OSSRequest, bucket: BucketStore, defaultType: String = "application/octet-stream")
        throws -> ObjectAttributes {
        var metadata: [String: String] = [:]
        var total = 0
        for (name, value) in request.userMetadata {
            total += "x-oss-meta-".utf8.count + name.utf8.count + value.utf8.count
            metadata[name] = value
        }
        if total > maxMetadataBytes { throw OSSError.metadataTooLarge }
        return ObjectAttributes(
            contentType: request.header("content-type").flatMap { $0.isEmpty ? nil : $0 } ?? defaultType,
            userMetadata: metadata,
            storageClass: try storageClass(request) ?? bucket.definition.storageClass,
            cacheControl: request.header("cache-control"),
            contentDisposition: request.header("content-disposition"),
            contentEncoding: request.header("content-encoding"),
            expires: request.header("expires"),
            acl: request.header("x-oss-object-acl"))
    }

    static func storageClass(_ request: OSSRequest) throws -> String? {
        guard let value = request.header("x-oss-storage-class") else { return nil }
        guard let canonical = ServerBucket.canonicalStorageClass(value) else {
            throw OSSError.invalidArgument("x-oss-storage-class", value, "Invalid storage class.")
        }
        return canonical
    }

    static func forbidOverwrite(_ request: OSSRequest) -> Bool {
        request.header("x-oss-forbid-overwrite")?.lowercased() == "true"
    }

    static func appendPosition(_ request: OSSRequest) throws -> UInt64 {
        guard let text = request.queryValue("position"), let position = UInt64(text) else {
            throw OSSError.invalidArgument("position", request.queryValue("position") ?? "",
                                           "Position is missing or not a non-negative integer.")
        }
        return position
    }

    static func partNumber(_ request: OSSRequest) throws -> Int {
        let text = request.queryValue("partNumber") ?? ""
        guard let n = Int(text), n >= 1, n <= StorageLimits.maxPartNumber else {
            throw OSSError.invalidArgument("partNumber", text, "Part number must be an integer between 1 and 10000.")
        }
        return n
    }

    static func uploadID(_ request: OSSRequest) throws -> String {
        guard let id = request.queryValue("uploadId"), !id.isEmpty else { throw OSSError.noSuchUpload }
        return id
    }

    /// `encoding-type=url` asks for URL-encoded keys in the answer.
    static func urlEncoding(_ request: OSSRequest) throws -> Bool {
        guard let value = request.queryValue("encoding-type") else { return false }
        guard value == "url" else {
            throw OSSError.invalidArgument("encoding-type", value, "The encoding-type must be url.")
        }
        return true
    }

    /// Checks a Content-MD5 header (base64 of 16 bytes) against the received bytes.
    static func checkContentMD5(_ request: OSSRequest, md5: [UInt8]) throws {
        guard let header = request.header("content-md5") else { return }
        guard let sent = Base64.decode(header.trimmingSpaces), sent.count == 16, sent == md5 else {
            throw OSSError.invalidDigest
        }
    }
}
