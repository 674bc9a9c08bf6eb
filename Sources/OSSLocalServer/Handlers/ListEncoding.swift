import OSSCore

/// `encoding-type=url`: keys, prefixes, markers and delimiters go out percent-encoded (every byte outside the
/// unreserved set, `/` included), so control characters survive XML.
enum ListEncoding {
    static func encode(_ s: String) -> String { PercentEncoding.encode(s, keepSlash: false) }

    static func maybe(_ s: String, _ enabled: Bool) -> String { enabled ? encode(s) : s }
}
