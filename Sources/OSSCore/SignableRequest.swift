/// A request as the signers see it. Names and values are raw (not percent-encoded); the signers encode
/// exactly what each signature version demands. `key` nil or "" means a bucket-level request.
public struct SignableRequest: Sendable {
    public var method: String
    /// nil = service-level request ("/").
    public var bucket: String?
    public var key: String?
    /// Decoded query parameters; a nil value is a bare name such as `?uploads`.
    public var query: [(name: String, value: String?)]
    /// Headers as sent, in any case.
    public var headers: [(name: String, value: String)]

    public init(method: String, bucket: String?, key: String?,
                query: [(name: String, value: String?)] = [],
                headers: [(name: String, value: String)] = []) {
        self.method = method
        self.bucket = bucket
        self.key = key
        self.query = query
        self.headers = headers
    }

    /// The first header with this name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = ASCII.lowercased(name)
        return headers.first { ASCII.lowercased($0.name) == wanted }?.value
    }

    /// Replaces every header with this name (any case) by one `name: value`.
    mutating func setHeader(_ name: String, _ value: String) {
        let wanted = ASCII.lowercased(name)
        headers.removeAll { ASCII.lowercased($0.name) == wanted }
        headers.append((name: name, value: value))
    }

    /// "/bucket/key", "/bucket/" or "/": the raw (unencoded) resource path both signature versions start from.
    var resourcePath: String {
        guard let bucket, !bucket.isEmpty else { return "/" }
        return "/" + bucket + "/" + (key ?? "")
    }
}

/// Locale-independent ASCII case folding: HTTP header names are ASCII, and Foundation's lowercased() is
/// Unicode-aware and slower.
enum ASCII {
    static func lowercased(_ s: String) -> String {
        var utf8 = Array(s.utf8)
        var changed = false
        for i in utf8.indices where utf8[i] >= 0x41 && utf8[i] <= 0x5A {
            utf8[i] |= 0x20
            changed = true
        }
        return changed ? String(decoding: utf8, as: UTF8.self) : s
    }

    static func uppercased(_ s: String) -> String {
        var utf8 = Array(s.utf8)
        var changed = false
        for i in utf8.indices where utf8[i] >= 0x61 && utf8[i] <= 0x7A {
            utf8[i] &= ~0x20
            changed = true
        }
        return changed ? String(decoding: utf8, as: UTF8.self) : s
    }

    /// Strips spaces and tabs (HTTP optional whitespace) from both ends.
    static func trimmed(_ s: String) -> String {
        let bytes = Array(s.utf8)
        var lo = 0, hi = bytes.count
        while lo < hi, bytes[lo] == 0x20 || bytes[lo] == 0x09 || bytes[lo] == 0x0A || bytes[lo] == 0x0D { lo += 1 }
        while hi > lo, bytes[hi - 1] == 0x20 || bytes[hi - 1] == 0x09 || bytes[hi - 1] == 0x0A || bytes[hi - 1] == 0x0D { hi -= 1 }
        if lo == 0 && hi == bytes.count { return s }
        return String(decoding: bytes[lo..<hi], as: UTF8.self)
    }
}
