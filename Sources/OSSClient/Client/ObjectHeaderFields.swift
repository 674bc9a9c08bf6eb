import OSSCore

/// The response headers object metadata is read from, found in one pass. A HEAD answer carries a dozen or so
/// headers and metadata wants eleven of them: looking each up by name scanned the list eleven times per
/// request. Each field keeps the first value of its name in any case, as `HTTPHeaders[name]` does; user
/// metadata keeps the last value of a repeated name, as a dictionary filled in order does.
struct ObjectHeaderFields {
    var etag: String?
    var lastModified: String?
    var contentType: String?
    var contentLength: String?
    var contentRange: String?
    var objectType: String?
    var crc64: String?
    var storageClass: String?
    var nextAppendPosition: String?
    var restore: String?
    var symlinkTarget: String?
    /// `x-oss-meta-<name>` by lower-cased `<name>`.
    var userMetadata: [String: String] = [:]

    private static let userMetadataPrefix = "x-oss-meta-"

    init(_ headers: HTTPHeaders) {
        for (name, value) in headers {
            if ASCII.hasPrefixIgnoringCase(name, Self.userMetadataPrefix) {
                // The prefix is ASCII, so byte 11 starts a character.
                let suffix = String(Substring(name.utf8.dropFirst(Self.userMetadataPrefix.utf8.count)))
                userMetadata[ASCII.lowercased(suffix)] = value
                continue
            }
            // Names of different lengths never match: compare only against those of this length.
            switch name.utf8.count {
            case 4: Self.keepFirst(&etag, name, "etag", value)
            case 12: Self.keepFirst(&contentType, name, "content-type", value)
            case 13:
                if !Self.keepFirst(&lastModified, name, "last-modified", value),
                   !Self.keepFirst(&contentRange, name, "content-range", value)
                {
                    Self.keepFirst(&restore, name, "x-oss-restore", value)
                }
            case 14: Self.keepFirst(&contentLength, name, "content-length", value)
            case 17: Self.keepFirst(&objectType, name, "x-oss-object-type", value)
            case 19: Self.keepFirst(&storageClass, name, "x-oss-storage-class", value)
            case 20:
                if !Self.keepFirst(&crc64, name, "x-oss-hash-crc64ecma", value) {
                    Self.keepFirst(&symlinkTarget, name, "x-oss-symlink-target", value)
                }
            case 26: Self.keepFirst(&nextAppendPosition, name, "x-oss-next-append-position", value)
            default: break
            }
        }
    }

    /// Whether `name` is `lowerName` (any case); stores `value` only if nothing was stored before.
    @discardableResult
    private static func keepFirst(_ slot: inout String?, _ name: String, _ lowerName: String, _ value: String) -> Bool {
        guard ASCII.equalIgnoringCase(name, lowerName) else { return false }
        if slot == nil { slot = value }
        return true
    }

    /// A decimal number with the spaces and tabs around it ignored, read in place.
    static func number(_ text: Substring) -> UInt64? { ASCII.decimal(text) }
}
