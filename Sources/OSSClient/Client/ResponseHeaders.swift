import ObjectStore
import OSSCore

/// Reads object metadata out of HeadObject / GetObject / GetSymlink response headers.
enum ResponseHeaders {
    static func metadata(key: ObjectKey, _ h: HTTPHeaders) -> ObjectMetadata {
        let f = ObjectHeaderFields(h)
        return ObjectMetadata(
            key: key,
            size: objectSize(f),
            etag: ETag(f.etag ?? ""),
            lastModified: f.lastModified.flatMap(HTTPDate.parseRFC1123).map { Timestamp(seconds: $0) }
                ?? Timestamp(seconds: 0),
            contentType: f.contentType,
            objectType: f.objectType.flatMap(ObjectType.init(rawValue:)) ?? .normal,
            crc64: f.crc64.flatMap { ObjectHeaderFields.number($0[...]) },
            storageClass: f.storageClass.flatMap(StorageClass.init(rawValue:)),
            userMetadata: f.userMetadata,
            nextAppendPosition: f.nextAppendPosition.flatMap { UInt64($0) },
            restore: f.restore,
            symlinkTarget: f.symlinkTarget.map { ObjectKey(PercentEncoding.decode($0) ?? $0) })   // URL-encoded on the wire
    }

    /// The whole object's size: the total of `Content-Range: bytes a-b/total` for a ranged answer, else
    /// Content-Length.
    static func objectSize(_ f: ObjectHeaderFields) -> UInt64 {
        if let range = f.contentRange, let slash = range.utf8.lastIndex(of: 0x2F),
           let total = ObjectHeaderFields.number(range[range.utf8.index(after: slash)...])
        {
            return total
        }
        return f.contentLength.flatMap { ObjectHeaderFields.number($0[...]) } ?? 0
    }

    static func crc64(_ h: HTTPHeaders) -> UInt64? {
        h["x-oss-hash-crc64ecma"].flatMap { ObjectHeaderFields.number($0[...]) }
    }
}
