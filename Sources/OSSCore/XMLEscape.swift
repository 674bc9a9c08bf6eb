/// XML text for OSS bodies. Parsing lives in XMLParser.swift, writing in XMLWriter.swift.
public enum XML {
    /// Escapes text for element content or a quoted attribute: `& < > " '` as entities; tab, line feed and
    /// carriage return as numeric references (so no parser normalises them away); other C0 controls, which
    /// XML 1.0 cannot carry at all, as U+FFFD. Keys with such characters travel as `encoding-type=url` instead.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t": out += "&#9;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            case "\u{0}"..."\u{1F}", "\u{FFFE}", "\u{FFFF}": out += "\u{FFFD}"
            case "\u{7F}"..."\u{9F}": out += "&#\(scalar.value);"   // legal but invisible: keep them visible
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
