extension SignatureV4 {
    /// A parsed `Authorization: OSS4-HMAC-SHA256 Credential=…, AdditionalHeaders=…, Signature=…` header.
    public struct Authorization: Sendable, Hashable {
        public var accessKeyID: String
        public var date: String          // yyyymmdd from the credential scope
        public var region: String
        public var product: String
        public var additionalHeaders: [String]   // lower-cased, in the order sent
        public var signature: String

        public init(accessKeyID: String, date: String, region: String, product: String,
                    additionalHeaders: [String], signature: String) {
            self.accessKeyID = accessKeyID
            self.date = date
            self.region = region
            self.product = product
            self.additionalHeaders = additionalHeaders
            self.signature = signature
        }
    }

    /// Parses the header in any pair order with optional spaces around separators (oss2 writes ", " and puts
    /// Signature before AdditionalHeaders; alibabacloud-oss-v2 writes "," and the documented order). nil for
    /// anything malformed: another scheme, a missing, repeated or unknown pair, a bad credential scope, an
    /// empty `AdditionalHeaders=` or one with an empty name (a trailing `;`), a signature that is not 64 hex digits.
    public static func parseAuthorization(_ header: String) -> Authorization? {
        let trimmed = ASCII.trimmed(header)
        guard trimmed.hasPrefix(algorithm) else { return nil }
        let rest = trimmed.dropFirst(algorithm.count)
        guard let first = rest.first, first == " " else { return nil }

        var pairs: [String: String] = [:]
        for part in rest.split(separator: ",", omittingEmptySubsequences: false) {
            let item = ASCII.trimmed(String(part))
            guard let eq = item.firstIndex(of: "=") else { return nil }
            let name = String(item[..<eq])
            let value = String(item[item.index(after: eq)...])
            guard ["Credential", "AdditionalHeaders", "Signature"].contains(name), pairs[name] == nil else { return nil }
            pairs[name] = value
        }

        guard let credential = pairs["Credential"], let signature = pairs["Signature"] else { return nil }
        let scope = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard scope.count == 5, !scope[0].isEmpty, scope[1].utf8.count == 8,
              scope[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              !scope[2].isEmpty, !scope[3].isEmpty, scope[4] == "aliyun_v4_request" else { return nil }
        guard signature.utf8.count == 64, signature.utf8.allSatisfy({ Hex.value($0) != nil }) else { return nil }

        var additional: [String] = []
        if let list = pairs["AdditionalHeaders"] {
            additional = list.split(separator: ";", omittingEmptySubsequences: false).map { ASCII.lowercased(String($0)) }
            guard !additional.contains(where: \.isEmpty) else { return nil }
        }
        return Authorization(accessKeyID: scope[0], date: scope[1], region: scope[2], product: scope[3],
                             additionalHeaders: additional, signature: signature)
    }
}
