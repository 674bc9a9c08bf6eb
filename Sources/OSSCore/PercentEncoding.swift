/// RFC 3986 percent-encoding as OSS uses it: URL paths, V4 canonical URIs and queries, `encoding-type=url`.
public enum PercentEncoding {
    private static let upperHex: [UInt8] = Array("0123456789ABCDEF".utf8)

    static func isUnreserved(_ c: UInt8) -> Bool {
        switch c {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x5F, 0x2E, 0x7E: return true   // A-Z a-z 0-9 - _ . ~
        default: return false
        }
    }

    /// RFC 3986: every byte outside A-Z a-z 0-9 - _ . ~ becomes %XX (upper hex); `/` kept when keepSlash.
    public static func encode(_ s: String, keepSlash: Bool) -> String {
        let kept: (UInt8) -> Bool = { isUnreserved($0) || (keepSlash && $0 == 0x2F) }
        // Most keys and query values need no escape at all: hand back the same string.
        guard !s.utf8.allSatisfy(kept) else { return s }
        var out = [UInt8]()
        out.reserveCapacity(s.utf8.count + 16)
        for c in s.utf8 {
            if kept(c) {
                out.append(c)
            } else {
                out.append(0x25)
                out.append(upperHex[Int(c >> 4)])
                out.append(upperHex[Int(c & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// %XX decoding; `plusAsSpace` for form/query decoding. nil on malformed input or invalid UTF-8.
    public static func decode(_ s: String, plusAsSpace: Bool = false) -> String? {
        // Most listed keys hold nothing to decode: hand back the same string (it is valid UTF-8 already).
        guard s.utf8.contains(where: { $0 == 0x25 || (plusAsSpace && $0 == 0x2B) }) else { return s }
        let chars = Array(s.utf8)
        var out = [UInt8]()
        out.reserveCapacity(chars.count)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == 0x25 {
                guard i + 2 < chars.count, let hi = Hex.value(chars[i + 1]), let lo = Hex.value(chars[i + 2])
                else { return nil }
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(plusAsSpace && c == 0x2B ? 0x20 : c)
                i += 1
            }
        }
        return String(validating: out, as: UTF8.self)
    }
}
