import NIOHTTP1
import OSSCore

/// Resolves bucket and key from Host and path: path style (`/bucket/key`) when Host is an IP literal,
/// `localhost`, the listen host or a single label; virtual-hosted (`bucket.anything`) otherwise.
struct Addressing {
    let listenHost: String
    /// Known buckets, so an endpoint-like Host (`oss-cn-hangzhou.aliyuncs.com`) in front of a path-style
    /// request is not mistaken for a bucket.
    let knownBucket: (String) -> Bool

    func resolve(_ head: HTTPRequestHead) -> Result<OSSRequest, OSSError> {
        var target = Substring(head.uri)
        // Absolute form (`http://host/path`), as some proxies send.
        if target.hasPrefix("http://") || target.hasPrefix("https://") {
            let afterScheme = target[target.index(target.firstIndex(of: ":")!, offsetBy: 3)...]
            target = afterScheme.firstIndex(of: "/").map { afterScheme[$0...] } ?? "/"
        }
        let rawPath: Substring, rawQuery: Substring?
        if let q = target.firstIndex(of: "?") {
            rawPath = target[..<q]
            rawQuery = target[target.index(after: q)...]
        } else {
            rawPath = target
            rawQuery = nil
        }
        let host = Self.hostWithoutPort(head.headers.first(name: "host") ?? "")
        guard let query = Self.parseQuery(rawQuery) else {
            return .failure(.invalidArgument("query", String(rawQuery ?? ""), "The query string is not valid."))
        }
        let path = rawPath.hasPrefix("/") ? rawPath.dropFirst() : rawPath

        var bucket: String?
        var rawKey: Substring
        if let hostedBucket = virtualHostedBucket(host: host, path: path) {
            bucket = hostedBucket
            rawKey = path
        } else if path.isEmpty {
            bucket = nil
            rawKey = ""
        } else if let slash = path.firstIndex(of: "/") {
            bucket = String(path[..<slash])
            rawKey = path[path.index(after: slash)...]
        } else {
            bucket = String(path)
            rawKey = ""
        }
        guard let key = PercentEncoding.decode(String(rawKey)) else {
            return .failure(.invalidObjectName(String(rawKey)))
        }
        return .success(OSSRequest(head: head, bucket: bucket, key: key, query: query, host: host))
    }

    private func virtualHostedBucket(host: String, path: Substring) -> String? {
        guard !host.isEmpty, host != "localhost", host != listenHost, !Self.isIPLiteral(host),
              let dot = host.firstIndex(of: ".") else { return nil }
        let label = String(host[..<dot])
        if knownBucket(label) { return label }
        // An unknown first label: path style when the path names a known bucket, else still virtual-hosted
        // (so the client gets NoSuchBucket for the bucket it meant).
        let first = path.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return knownBucket(first) ? nil : label
    }

    static func hostWithoutPort(_ host: String) -> String {
        if host.hasPrefix("[") {   // [::1]:8080
            if let end = host.firstIndex(of: "]") { return String(host[...end]) }
            return host
        }
        if let colon = host.lastIndex(of: ":") { return String(host[..<colon]) }
        return host
    }

    static func isIPLiteral(_ host: String) -> Bool {
        if host.hasPrefix("[") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isNumber) && Int(part)! <= 255
        }
    }

    /// Splits `a=1&b&c=` into decoded items (nil value for a bare name). nil when an item does not decode.
    static func parseQuery(_ raw: Substring?) -> [(name: String, value: String?)]? {
        guard let raw, !raw.isEmpty else { return [] }
        var items: [(name: String, value: String?)] = []
        for part in raw.split(separator: "&", omittingEmptySubsequences: true) {
            if let eq = part.firstIndex(of: "=") {
                guard let name = PercentEncoding.decode(String(part[..<eq])),
                      let value = PercentEncoding.decode(String(part[part.index(after: eq)...])) else { return nil }
                items.append((name, value))
            } else {
                guard let name = PercentEncoding.decode(String(part)) else { return nil }
                items.append((name, nil))
            }
        }
        return items
    }
}
