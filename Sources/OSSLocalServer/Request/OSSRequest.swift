import NIOHTTP1

/// A request as the OSS layer sees it: addressing resolved, key and query decoded, the S3 dialect mapped.
struct OSSRequest {
    let head: HTTPRequestHead
    /// nil for service-level requests (`GET /`).
    let bucket: String?
    /// "" for bucket-level requests. Decoded UTF-8; `+` is literal.
    let key: String
    /// Decoded names and values, in the order sent; value nil for a bare `?uploads`.
    let query: [(name: String, value: String?)]
    /// The Host header without the port ("" when absent): the HostId of error answers.
    let host: String

    var method: HTTPMethod { head.method }

    /// The first value of query parameter `name`: `.some(nil)` for a bare name, nil when absent.
    func queryItem(_ name: String) -> String?? {
        for item in query where item.name == name { return .some(item.value) }
        return nil
    }

    func hasQuery(_ name: String) -> Bool { queryItem(name) != nil }

    /// The value of query parameter `name` ("" for a bare name), nil when absent.
    func queryValue(_ name: String) -> String? {
        guard let item = queryItem(name) else { return nil }
        return item ?? ""
    }

    /// Header lookup with the S3 dialect: an `x-oss-*` name also finds its `x-amz-*` twin (see `S3Dialect`).
    func header(_ name: String) -> String? {
        if let value = head.headers.first(name: name) { return value }
        if let twin = S3Dialect.twin(of: name) { return head.headers.first(name: twin) }
        return nil
    }

    /// `x-oss-meta-*` and `x-amz-meta-*` headers: lower-cased names without the prefix (x-oss wins on a clash).
    var userMetadata: [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        var seen = Set<String>()
        for prefix in ["x-oss-meta-", "x-amz-meta-"] {
            for (name, value) in head.headers {
                let lower = name.lowercased()
                guard lower.hasPrefix(prefix) else { continue }
                let short = String(lower.dropFirst(prefix.count))
                if seen.insert(short).inserted { result.append((short, value)) }
            }
        }
        return result
    }
}

/// OSS's S3-compatible dialect: these `x-amz-` headers mean their `x-oss-` twins.
enum S3Dialect {
    static let twinned: Set<String> = [
        "x-oss-copy-source", "x-oss-copy-source-range", "x-oss-metadata-directive",
        "x-oss-copy-source-if-match", "x-oss-copy-source-if-none-match",
        "x-oss-copy-source-if-modified-since", "x-oss-copy-source-if-unmodified-since",
        "x-oss-storage-class",
    ]

    static func twin(of name: String) -> String? {
        let lower = name.lowercased()
        guard twinned.contains(lower) else { return nil }
        return "x-amz-" + lower.dropFirst("x-oss-".count)
    }
}
