import OSSCore

/// Removes secrets from what the client logs: signatures, STS tokens and Authorization values. Access key
/// ids are not secret and stay, so a log still tells which key signed a request.
public enum Redaction {
    public static let placeholder = "<redacted>"

    /// Header names (lower case) whose values are never logged.
    public static let sensitiveHeaders: Set<String> = [
        "authorization", "proxy-authorization", "x-oss-security-token", "security-token",
        "x-aliyun-ecs-metadata-token",
    ]

    /// Query parameter names (lower case) whose values are never logged (presigned URLs).
    public static let sensitiveQueryItems: Set<String> = [
        "signature", "x-oss-signature", "security-token", "x-oss-security-token",
    ]

    public static func headerValue(name: String, value: String) -> String {
        sensitiveHeaders.contains(name.lowercased()) ? placeholder : value
    }

    /// `name: value` lines joined for a log, secrets replaced.
    public static func headers(_ headers: [(name: String, value: String)]) -> String {
        headers.map { "\($0.name): \(headerValue(name: $0.name, value: $0.value))" }.joined(separator: ", ")
    }

    /// The URL with the values of sensitive query parameters replaced.
    public static func url(_ url: String) -> String {
        guard let q = url.firstIndex(of: "?") else { return url }
        var fragment = ""
        var query = url[url.index(after: q)...]
        if let hash = query.firstIndex(of: "#") {
            fragment = String(query[hash...])
            query = query[..<hash]
        }
        let items = query.split(separator: "&", omittingEmptySubsequences: false).map { item -> String in
            guard let eq = item.firstIndex(of: "=") else { return String(item) }
            let rawName = String(item[..<eq])
            let name = (PercentEncoding.decode(rawName) ?? rawName).lowercased()
            return sensitiveQueryItems.contains(name) ? rawName + "=" + placeholder : String(item)
        }
        return String(url[...q]) + items.joined(separator: "&") + fragment
    }

    /// A server's StringToSign / CanonicalRequest echo with the STS token taken out: V1 and V4 both sign
    /// `x-oss-security-token:<token>` as a header line, and V1 presigning signs `?security-token=<token>`.
    public static func signingText(_ text: String) -> String {
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.lowercased().hasPrefix("x-oss-security-token:") {
                lines.append("x-oss-security-token:" + placeholder)
            } else {
                lines.append(redactQueryValues(String(line)))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Replaces the value of every `security-token=` / `x-oss-security-token=` / signature item in `s`.
    private static func redactQueryValues(_ s: String) -> String {
        var out = ""
        var rest = Substring(s)
        while let eq = rest.firstIndex(of: "=") {
            let before = rest[..<eq]
            let nameStart = before.lastIndex { $0 == "?" || $0 == "&" }.map { before.index(after: $0) } ?? before.startIndex
            let name = before[nameStart...].lowercased()
            out += rest[...eq]
            rest = rest[rest.index(after: eq)...]
            if sensitiveQueryItems.contains(name) {
                let end = rest.firstIndex(of: "&") ?? rest.endIndex
                out += placeholder
                rest = rest[end...]
            }
        }
        return out + rest
    }
}
