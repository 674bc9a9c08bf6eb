import OSSCore

/// If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since, for reads (plain headers) and for
/// copy sources (`x-oss-copy-source-if-*`). Order as OSS (and HTTP) evaluate them.
enum ObjectConditions {
    static func check(_ request: OSSRequest, object: StoredObject, prefix: String = "") throws {
        let etag = object.etag
        let modified = object.lastModified.seconds
        let ifMatch = request.header(prefix + "if-match")
        let ifNoneMatch = request.header(prefix + "if-none-match")
        if let ifMatch, !matches(ifMatch, etag) { throw OSSError.preconditionFailed(prefix + "If-Match") }
        if ifMatch == nil, let since = request.header(prefix + "if-unmodified-since").flatMap(HTTPDate.parseRFC1123),
           modified > since {
            throw OSSError.preconditionFailed(prefix + "If-Unmodified-Since")
        }
        if let ifNoneMatch, matches(ifNoneMatch, etag) { throw OSSError.notModified }
        if ifNoneMatch == nil, let since = request.header(prefix + "if-modified-since").flatMap(HTTPDate.parseRFC1123),
           modified <= since {
            throw OSSError.notModified
        }
    }

    /// A comma-separated list of (quoted or bare, maybe weak) ETags, or `*`; letter case ignored.
    static func matches(_ list: String, _ etag: String) -> Bool {
        for item in list.split(separator: ",") {
            var tag = item.trimmingSpaces
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            if tag.hasPrefix("\""), tag.hasSuffix("\""), tag.count >= 2 { tag = String(tag.dropFirst().dropLast()) }
            if tag.uppercased() == etag.uppercased() { return true }
        }
        return false
    }
}
