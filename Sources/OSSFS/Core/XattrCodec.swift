import OSSCore

/// Extended attributes as ossfs 1.x stores them: one `x-oss-meta-xattr` header holding a URL-encoded JSON
/// object `{"name":"<base64 value>",...}`.
enum XattrCodec {
    static func decode(_ header: String?) -> [String: [UInt8]] {
        guard let header, !header.isEmpty else { return [:] }
        let json = PercentEncoding.decode(header) ?? header
        guard let pairs = parseStringObject(Array(json.utf8)) else { return [:] }
        var out: [String: [UInt8]] = [:]
        for (name, value) in pairs { out[name] = Base64.decode(value) ?? Array(value.utf8) }
        return out
    }

    /// nil when there are no attributes (the header is then removed).
    static func encode(_ xattrs: [String: [UInt8]]) -> String? {
        guard !xattrs.isEmpty else { return nil }
        var json = "{"
        for (i, name) in xattrs.keys.sorted().enumerated() {
            if i > 0 { json += "," }
            json += quote(name) + ":" + quote(Base64.encode(xattrs[name]!))
        }
        json += "}"
        return PercentEncoding.encode(json, keepSlash: false)
    }

    private static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// Parses a JSON object whose values are all strings; nil on anything else.
    static func parseStringObject(_ b: [UInt8]) -> [(String, String)]? {
        var i = 0
        func skip() { while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 } }
        func string() -> String? {
            guard i < b.count, b[i] == 0x22 else { return nil }
            i += 1
            var out: [UInt8] = []
            while i < b.count {
                let c = b[i]
                i += 1
                if c == 0x22 { return String(decoding: out, as: UTF8.self) }
                if c != 0x5C { out.append(c); continue }
                guard i < b.count else { return nil }
                let e = b[i]
                i += 1
                switch e {
                case 0x22, 0x5C, 0x2F: out.append(e)
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                case 0x74: out.append(0x09)
                case 0x75:
                    guard i + 4 <= b.count, let v = UInt32(String(decoding: b[i..<i + 4], as: UTF8.self), radix: 16)
                    else { return nil }
                    i += 4
                    out += Array(String(Unicode.Scalar(v) ?? "\u{FFFD}").utf8)
                default: return nil
                }
            }
            return nil
        }
        skip()
        guard i < b.count, b[i] == 0x7B else { return nil }
        i += 1
        var out: [(String, String)] = []
        skip()
        if i < b.count, b[i] == 0x7D { return out }
        while true {
            skip()
            guard let k = string() else { return nil }
            skip()
            guard i < b.count, b[i] == 0x3A else { return nil }
            i += 1
            skip()
            guard let v = string() else { return nil }
            out.append((k, v))
            skip()
            guard i < b.count else { return nil }
            if b[i] == 0x2C { i += 1; continue }
            if b[i] == 0x7D { return out }
            return nil
        }
    }
}
