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
        headers.first { ASCII.equalIgnoringCase($0.name, name) }?.value
    }

    /// Replaces every header with this name (any case) by one `name: value`.
    mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { ASCII.equalIgnoringCase($0.name, name) }
        headers.append((name: name, value: value))
    }

    /// "/bucket/key", "/bucket/" or "/": the raw (unencoded) resource path both signature versions start from.
    var resourcePath: String {
        guard let bucket, !bucket.isEmpty else { return "/" }
        return "/" + bucket + "/" + (key ?? "")
    }
}

/// Locale-independent ASCII case folding: HTTP header names are ASCII, and Foundation's lowercased() is
/// Unicode-aware and slower. Every request signs and every response is read through these, so they compare
/// UTF-8 in place and build a new String only when something changes.
public enum ASCII {
    @inline(__always) static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    /// `a == b` ignoring ASCII case, without allocating.
    public static func equalIgnoringCase(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        guard x.count == y.count else { return false }
        // Over the bytes in place when both strings have them (native and small strings do): a String's
        // iterator costs several times more per byte, and every header lookup lands here.
        if let equal = x.withContiguousStorageIfAvailable({ xs in
            y.withContiguousStorageIfAvailable { ys in
                for i in 0..<xs.count where lower(xs[i]) != lower(ys[i]) { return false }
                return true
            }
        }), let equal { return equal }
        return x.elementsEqual(y) { lower($0) == lower($1) }
    }

    /// Whether `s` starts with `lowerPrefix` (given in lower case) ignoring ASCII case, without allocating.
    public static func hasPrefixIgnoringCase(_ s: String, _ lowerPrefix: String) -> Bool {
        let x = s.utf8, p = lowerPrefix.utf8
        guard x.count >= p.count else { return false }
        if let matches = x.withContiguousStorageIfAvailable({ xs in
            p.withContiguousStorageIfAvailable { ps in
                for i in 0..<ps.count where lower(xs[i]) != ps[i] { return false }
                return true
            }
        }), let matches { return matches }
        return zip(x, p).allSatisfy { lower($0) == $1 }
    }

    public static func lowercased(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return s }
        return String(decoding: s.utf8.map(lower), as: UTF8.self)
    }

    public static func uppercased(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 >= 0x61 && $0 <= 0x7A }) else { return s }
        return String(decoding: s.utf8.map { $0 >= 0x61 && $0 <= 0x7A ? $0 & ~0x20 : $0 }, as: UTF8.self)
    }

    /// HTTP optional whitespace, plus the CR and LF that end a header line.
    @inline(__always) public static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// The number `bytes` spell in decimal: digits only (no sign, no blanks), nil when empty or past UInt64.
    public static func decimal(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard !bytes.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(byte - 0x30))
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return value
    }

    /// A decimal number with the spaces and tabs around it ignored (header values: Content-Length, CRC64s).
    public static func decimal(_ text: Substring) -> UInt64? {
        var text = text
        return text.withUTF8 { decimal(UnsafeBufferPointer(rebasing: trimmingBlanks($0[...]))) }
    }

    /// `bytes` without the spaces and tabs around them (header values, metadata values).
    public static func trimmingBlanks(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Slice<UnsafeBufferPointer<UInt8>> {
        let isBlank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
        guard let first = bytes.firstIndex(where: { !isBlank($0) }) else { return bytes[bytes.endIndex...] }
        let last = bytes.lastIndex(where: { !isBlank($0) })!
        return bytes[first...last]
    }

    /// Strips spaces, tabs, CR and LF from both ends.
    public static func trimmed(_ s: String) -> String {
        let bytes = s.utf8
        guard let first = bytes.first, let last = bytes.last, isSpace(first) || isSpace(last) else { return s }
        guard let lo = bytes.firstIndex(where: { !isSpace($0) }) else { return "" }
        let hi = bytes.lastIndex(where: { !isSpace($0) })!
        return String(Substring(bytes[lo...hi]))   // both ends sit on ASCII boundaries
    }
}
