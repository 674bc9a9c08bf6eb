/// OSS signature version 4: `OSS4-HMAC-SHA256` (oss-protocol.md §2). Header and presigned-URL forms, plus the
/// Authorization parser the local server verifies with.
public enum SignatureV4 {
    public static let algorithm = "OSS4-HMAC-SHA256"
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// The presigned-URL parameter that carries the signature; the only one left out of the canonical query.
    static let signatureParameter = "x-oss-signature"

    /// "/bucket/key", "/bucket/" or "/", percent-encoded as UTF-8 with `/` kept.
    public static func canonicalURI(_ r: SignableRequest) -> String {
        PercentEncoding.encode(r.resourcePath, keepSlash: true)
    }

    /// Every query parameter but x-oss-signature, names and values encoded with `/` encoded too, sorted by
    /// encoded name (then value), an empty value written as the bare name. No leading `?`.
    public static func canonicalQuery(_ r: SignableRequest) -> String {
        r.query
            .filter { $0.name != signatureParameter }
            .map { (name: PercentEncoding.encode($0.name, keepSlash: false),
                    value: PercentEncoding.encode($0.value ?? "", keepSlash: false)) }
            .sorted { $0.name != $1.name ? $0.name.utf8.lexicographicallyPrecedes($1.name.utf8)
                                         : $0.value.utf8.lexicographicallyPrecedes($1.value.utf8) }
            .map { $0.value.isEmpty ? $0.name : $0.name + "=" + $0.value }
            .joined(separator: "&")
    }

    /// Signed without being asked for: every x-oss-* header, content-type and content-md5.
    static func isDefaultSigned(_ lowerName: String) -> Bool {
        lowerName.hasPrefix("x-oss-") || lowerName == "content-type" || lowerName == "content-md5"
    }

    /// `additionalHeaders` is taken as given (lower-cased, sorted, deduplicated): on the server it is what the
    /// client listed in AdditionalHeaders. Headers listed but absent contribute no line.
    public static func canonicalRequest(_ r: SignableRequest, additionalHeaders: [String]) -> String {
        let additional = Set(additionalHeaders.map(ASCII.lowercased)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let additionalSet = Set(additional)
        var merged: [String: String] = [:]
        for (name, value) in r.headers {
            let lower = ASCII.lowercased(name)
            guard isDefaultSigned(lower) || additionalSet.contains(lower) else { continue }
            let v = ASCII.trimmed(value)
            merged[lower] = merged[lower].map { $0 + "," + v } ?? v
        }
        let headers = merged.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            .map { $0 + ":" + merged[$0]! + "\n" }
            .joined()
        let payload = merged["x-oss-content-sha256"] ?? unsignedPayload
        return ASCII.uppercased(r.method) + "\n" + canonicalURI(r) + "\n" + canonicalQuery(r) + "\n"
            + headers + "\n" + additional.joined(separator: ";") + "\n" + payload
    }

    public static func scope(date yyyymmdd: String, region: String, product: String = "oss") -> String {
        yyyymmdd + "/" + region + "/" + product + "/aliyun_v4_request"
    }

    public static func stringToSign(canonicalRequest: String, isoDate: String, scope: String) -> String {
        algorithm + "\n" + isoDate + "\n" + scope + "\n" + Hex.encode(Digest.sha256(Array(canonicalRequest.utf8)))
    }

    public static func signingKey(secret: String, date yyyymmdd: String, region: String,
                                  product: String = "oss") -> [UInt8] {
        derivedKeys(secret: secret, date: yyyymmdd, region: region, product: product).signing
    }

    /// The whole derivation chain; the intermediate keys are published for debugging (oss-protocol.md §2).
    static func derivedKeys(secret: String, date yyyymmdd: String, region: String, product: String)
        -> (date: [UInt8], region: [UInt8], product: [UInt8], signing: [UInt8]) {
        let kDate = Digest.hmacSHA256(key: Array(("aliyun_v4" + secret).utf8), Array(yyyymmdd.utf8))
        let kRegion = Digest.hmacSHA256(key: kDate, Array(region.utf8))
        let kProduct = Digest.hmacSHA256(key: kRegion, Array(product.utf8))
        return (kDate, kRegion, kProduct, Digest.hmacSHA256(key: kProduct, Array("aliyun_v4_request".utf8)))
    }

    /// The signing key prepared for reuse: it changes only with the secret, the day and the region.
    public static func preparedSigningKey(secret: String, date yyyymmdd: String, region: String) -> HMACKey {
        HMACKey(sha256: signingKey(secret: secret, date: yyyymmdd, region: region))
    }

    /// The day (`yyyymmdd`, UTC) a request signed at `now` is scoped to.
    public static func signingDay(_ now: Int64) -> String { String(HTTPDate.iso8601Basic(now).prefix(8)) }

    /// Lowercase hex of HMAC-SHA256(signingKey, stringToSign).
    public static func signature(signingKey: [UInt8], stringToSign: String) -> String {
        Hex.encode(Digest.hmacSHA256(key: signingKey, Array(stringToSign.utf8)))
    }

    /// What a signer lists in AdditionalHeaders: the requested names, lower-cased and sorted, minus those signed
    /// anyway and those the request does not carry (as alibabacloud-oss-v2 does).
    static func effectiveAdditionalHeaders(_ r: SignableRequest, _ requested: [String]) -> [String] {
        Set(requested.map(ASCII.lowercased))
            .filter { !isDefaultSigned($0) && !(r.header($0) ?? "").isEmpty }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Adds x-oss-date, x-oss-content-sha256: UNSIGNED-PAYLOAD, x-oss-security-token, Authorization. `key`, when
    /// given, must be `preparedSigningKey` of these credentials' secret, `signingDay(now)` and `region` (a client
    /// keeps one); without it the key is derived afresh.
    public static func sign(_ r: inout SignableRequest, credentials: Credentials, region: String, now: Int64,
                            additionalHeaders: [String] = [], key: HMACKey? = nil) {
        let isoDate = HTTPDate.iso8601Basic(now)
        let day = String(isoDate.prefix(8))
        r.setHeader("x-oss-date", isoDate)
        r.setHeader("x-oss-content-sha256", unsignedPayload)
        if let token = credentials.securityToken, !token.isEmpty { r.setHeader("x-oss-security-token", token) }
        let additional = effectiveAdditionalHeaders(r, additionalHeaders)
        let credentialScope = scope(date: day, region: region)
        let sts = stringToSign(canonicalRequest: canonicalRequest(r, additionalHeaders: additional),
                               isoDate: isoDate, scope: credentialScope)
        let sig = key.map { Hex.encode($0.authenticate(sts.utf8)) }
            ?? signature(signingKey: signingKey(secret: credentials.accessKeySecret, date: day, region: region),
                         stringToSign: sts)
        var value = algorithm + " Credential=" + credentials.accessKeyID + "/" + credentialScope
        if !additional.isEmpty { value += ",AdditionalHeaders=" + additional.joined(separator: ";") }
        value += ",Signature=" + sig
        r.setHeader("Authorization", value)
    }

    /// Query items to append for a presigned URL, x-oss-signature last. Values are raw; the caller
    /// percent-encodes them (x-oss-credential's `/` become %2F). `expiresIn` is relative seconds (≤ 604800).
    public static func presignQuery(_ r: SignableRequest, credentials: Credentials, region: String, now: Int64,
                                    expiresIn: Int64, additionalHeaders: [String] = [])
        -> [(name: String, value: String)] {
        let isoDate = HTTPDate.iso8601Basic(now)
        let day = String(isoDate.prefix(8))
        let credentialScope = scope(date: day, region: region)
        let additional = effectiveAdditionalHeaders(r, additionalHeaders)
        var items: [(name: String, value: String)] = [
            (name: "x-oss-signature-version", value: algorithm),
            (name: "x-oss-credential", value: credentials.accessKeyID + "/" + credentialScope),
            (name: "x-oss-date", value: isoDate),
            (name: "x-oss-expires", value: String(expiresIn)),
        ]
        if !additional.isEmpty { items.append((name: "x-oss-additional-headers", value: additional.joined(separator: ";"))) }
        if let token = credentials.securityToken, !token.isEmpty {
            items.append((name: "x-oss-security-token", value: token))
        }
        var signed = r
        let presignNames = Set(items.map(\.name)).union([signatureParameter])
        signed.query.removeAll { presignNames.contains($0.name) }
        signed.query += items.map { (name: $0.name, value: Optional($0.value)) }
        let sts = stringToSign(canonicalRequest: canonicalRequest(signed, additionalHeaders: additional),
                               isoDate: isoDate, scope: credentialScope)
        let sig = signature(signingKey: signingKey(secret: credentials.accessKeySecret, date: day, region: region),
                            stringToSign: sts)
        items.append((name: signatureParameter, value: sig))
        return items
    }
}
