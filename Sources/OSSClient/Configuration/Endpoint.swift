/// The service endpoint: scheme, host and port, as given by `url=` (a trailing `/` is ignored).
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    public enum Scheme: String, Sendable { case http, https }
    public var scheme: Scheme
    /// Host name or IP literal; IPv6 without brackets.
    public var host: String
    /// nil: the scheme's default port.
    public var port: Int?

    public init(scheme: Scheme, host: String, port: Int? = nil) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    public enum ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        case invalid(String)
        public var description: String {
            switch self { case .invalid(let s): "invalid endpoint URL: \(s)" }
        }
    }

    /// Parses `https://oss-cn-hangzhou.aliyuncs.com`, `http://127.0.0.1:8080/`, `http://[::1]:9000`.
    /// Without a scheme, https is assumed (like ossfs 1.x's default).
    public init(parsing text: String) throws {
        var rest = Substring(text.trimmingSpaces())
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") {
            guard let s = Scheme(rawValue: rest[..<colon].lowercased()) else {
                throw ParseError.invalid(text)
            }
            scheme = s
            rest = rest[rest.index(colon, offsetBy: 3)...]
        } else {
            scheme = .https
        }
        if let slash = rest.firstIndex(of: "/") {
            guard rest[slash...].allSatisfy({ $0 == "/" }) else { throw ParseError.invalid(text) }
            rest = rest[..<slash]
        }
        var hostPart = rest
        var portPart: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw ParseError.invalid(text) }
            hostPart = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw ParseError.invalid(text) }
                portPart = after.dropFirst()
            }
        } else if let colon = rest.lastIndex(of: ":") {
            hostPart = rest[..<colon]
            portPart = rest[rest.index(after: colon)...]
        }
        guard !hostPart.isEmpty, !hostPart.contains(where: { $0 == "@" || $0 == "?" || $0 == "#" || $0 == " " }) else {
            throw ParseError.invalid(text)
        }
        host = hostPart.lowercased()
        if let portPart {
            guard let p = Int(portPart), (1...65535).contains(p) else { throw ParseError.invalid(text) }
            port = p
        } else {
            port = nil
        }
    }

    /// `host[:port]` as it appears in a URL (IPv6 bracketed), with an optional bucket label in front.
    func authority(bucket: String? = nil) -> String {
        var h = isIPv6 ? "[\(host)]" : host
        if let bucket { h = bucket + "." + h }
        if let port { h += ":\(port)" }
        return h
    }

    public var description: String { "\(scheme.rawValue)://\(authority())" }

    var isIPv6: Bool { host.contains(":") }

    /// True for an IPv4 or IPv6 literal.
    public var isIPAddress: Bool {
        if isIPv6 { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in
            !p.isEmpty && p.count <= 3 && p.allSatisfy(\.isASCIIDigit) && Int(p)! <= 255
        }
    }

    /// Virtual-hosted buckets cannot work on an IP literal or localhost: these go path-style automatically.
    public var requiresPathStyle: Bool {
        isIPAddress || host == "localhost" || host.hasSuffix(".localhost")
    }

    /// The region a standard OSS host name names: `oss-cn-hangzhou.aliyuncs.com`,
    /// `oss-cn-hangzhou-internal.aliyuncs.com` and `cn-hangzhou.oss.aliyuncs.com` give `cn-hangzhou`. Global
    /// endpoints (`oss-accelerate`, `oss-accelerate-overseas`) and other hosts give nil.
    public var derivedRegion: String? {
        let labels = host.split(separator: ".").map(String.init)
        guard labels.count >= 3, labels.suffix(2) == ["aliyuncs", "com"] else { return nil }
        let first = labels[labels.count - 3]
        if first == "oss", labels.count >= 4 {
            return Self.validRegion(labels[labels.count - 4])
        }
        guard first.hasPrefix("oss-") else { return nil }
        var region = String(first.dropFirst(4))
        if region.hasSuffix("-internal") { region.removeLast("-internal".count) }
        if region.hasPrefix("accelerate") { return nil }
        return Self.validRegion(region)
    }

    private static func validRegion(_ r: String) -> String? {
        guard !r.isEmpty, r.contains("-"), r.allSatisfy({ $0.isASCIILowercaseLetter || $0.isASCIIDigit || $0 == "-" })
        else { return nil }
        return r
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
    var isASCIILowercaseLetter: Bool { isASCII && isLowercase }
}
