import ObjectStore
import OSSCore

/// Reads object metadata out of HeadObject / GetObject / GetSymlink response headers.
enum ResponseHeaders {
    static func metadata(key: ObjectKey, _ h: HTTPHeaders) -> ObjectMetadata {
        var user: [String: String] = [:]
        for (name, value) in h where ASCII.hasPrefixIgnoringCase(name, "x-oss-meta-") {
            user[String(ASCII.lowercased(name).dropFirst("x-oss-meta-".count))] = value
        }
        return ObjectMetadata(
            key: key,
            size: objectSize(h),
            etag: ETag(h["ETag"] ?? ""),
            lastModified: h["Last-Modified"].flatMap(HTTPDate.parseRFC1123).map { Timestamp(seconds: $0) }
                ?? Timestamp(seconds: 0),
            contentType: h["Content-Type"],
            objectType: h["x-oss-object-type"].flatMap(ObjectType.init(rawValue:)) ?? .normal,
            crc64: crc64(h),
            storageClass: h["x-oss-storage-class"].flatMap(StorageClass.init(rawValue:)),
            userMetadata: user,
            nextAppendPosition: h["x-oss-next-append-position"].flatMap { UInt64($0) },
            restore: h["x-oss-restore"],
            symlinkTarget: symlinkTarget(h))
    }

    /// The whole object's size: the total of `Content-Range: bytes a-b/total` for a ranged answer, else
    /// Content-Length.
    static func objectSize(_ h: HTTPHeaders) -> UInt64 {
        if let range = h["Content-Range"], let slash = range.lastIndex(of: "/"),
           let total = UInt64(String(range[range.index(after: slash)...]).trimmingSpaces())
        {
            return total
        }
        return h["Content-Length"].flatMap { UInt64($0.trimmingSpaces()) } ?? 0
    }

    static func crc64(_ h: HTTPHeaders) -> UInt64? {
        h["x-oss-hash-crc64ecma"].flatMap { UInt64($0.trimmingSpaces()) }
    }

    /// `x-oss-symlink-target` is URL-encoded on the wire.
    static func symlinkTarget(_ h: HTTPHeaders) -> ObjectKey? {
        guard let raw = h["x-oss-symlink-target"] else { return nil }
        return ObjectKey(PercentEncoding.decode(raw) ?? raw)
    }
}
