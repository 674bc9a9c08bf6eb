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
        return authorization(credential: credential, additionalHeaders: pairs["AdditionalHeaders"],
                             signature: signature)
    }

    /// The V4 parameters of a presigned URL, as a server reads them back.
    public struct Presigned: Sendable, Hashable {
        public var authorization: Authorization
        /// x-oss-date, ISO 8601 basic ("20240102T030405Z").
        public var isoDate: String
        /// x-oss-expires: seconds after isoDate, 1 to 604800.
        public var expiresIn: Int64
    }

    /// Reads x-oss-signature-version, x-oss-credential, x-oss-date, x-oss-expires, x-oss-additional-headers and
    /// x-oss-signature from decoded query items. nil when the URL is not V4-presigned or any of them is malformed.
    public static func parsePresigned(_ query: [(name: String, value: String?)]) -> Presigned? {
        var values: [String: String] = [:]
        for (name, value) in query where name.hasPrefix("x-oss-") {
            guard values[name] == nil else { return nil }   // a repeated parameter is ambiguous
            values[name] = value ?? ""
        }
        guard values["x-oss-signature-version"] == algorithm,
              let credential = values["x-oss-credential"], let signature = values["x-oss-signature"],
              let isoDate = values["x-oss-date"], HTTPDate.parseISO8601Basic(isoDate) != nil,
              let expiresText = values["x-oss-expires"], let expiresIn = Int64(expiresText),
              (1...604_800).contains(expiresIn),
              let auth = authorization(credential: credential, additionalHeaders: values["x-oss-additional-headers"],
                                       signature: signature),
              auth.date == String(isoDate.prefix(8))
        else { return nil }
        return Presigned(authorization: auth, isoDate: isoDate, expiresIn: expiresIn)
    }

    /// Validates the credential scope "id/yyyymmdd/region/product/aliyun_v4_request", the optional
    /// ";"-separated additional header list (present means non-empty names) and the 64-hex-digit signature.
    private static func authorization(credential: String, additionalHeaders: String?,
                                      signature: String) -> Authorization? {
        let scope = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard scope.count == 5, !scope[0].isEmpty, scope[1].utf8.count == 8,
              scope[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              !scope[2].isEmpty, !scope[3].isEmpty, scope[4] == "aliyun_v4_request" else { return nil }
        guard signature.utf8.count == 64, signature.utf8.allSatisfy({ Hex.value($0) != nil }) else { return nil }

        var additional: [String] = []
        if let list = additionalHeaders {
            additional = list.split(separator: ";", omittingEmptySubsequences: false).map { ASCII.lowercased(String($0)) }
            guard !additional.contains(where: \.isEmpty) else { return nil }
        }
        return Authorization(accessKeyID: scope[0], date: scope[1], region: scope[2], product: scope[3],
                             additionalHeaders: additional, signature: signature)
    }
}
