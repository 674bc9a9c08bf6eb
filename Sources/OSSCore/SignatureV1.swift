/// OSS signature version 1: `Authorization: OSS <AccessKeyId>:<base64 HMAC-SHA1>` (oss-protocol.md §1).
/// Used by the client when told to, and by the local server to verify V1 requests from any SDK.
public enum SignatureV1 {
    /// Query parameters that are part of the signed resource: the union of the alibabacloud-oss-v2, oss2 and
    /// Go SDK lists, so that whatever a client signs, the server signs too. Everything else is sent unsigned.
    public static let subresources: Set<String> = [
        // alibabacloud-oss-v2 (31 names)
        "acl", "append", "bucketInfo", "callback", "callback-var", "cloudboxes", "continuation-token", "delete",
        "location", "objectMeta", "partNumber", "position", "regionList", "resourceGroup",
        "response-cache-control", "response-content-disposition", "response-content-encoding",
        "response-content-language", "response-content-type", "response-expires", "restore", "security-token",
        "sequential", "stat", "symlink", "tagging", "uploadId", "uploads", "versionId", "versioning", "versions",
        // oss2 additions
        "accessPoint", "accessPointPolicy", "asyncFetch", "bucketArchiveDirectRead", "cname", "comp", "cors",
        "encryption", "endTime", "group", "httpsConfig", "inventory", "inventoryId", "lifecycle", "link", "live",
        "logging", "metaQuery", "objectInfo", "policy", "publicAccessBlock", "qos", "qosInfo", "qosRequester",
        "redundancyTransition", "referer", "replication", "replicationLocation", "replicationProgress",
        "requestPayment", "requesterQosInfo", "resourcePool", "resourcePoolBuckets", "resourcePoolInfo",
        "startTime", "status", "style", "styleName", "transferAcceleration", "vod", "website", "worm",
        "wormExtend", "wormId", "x-oss-ac-forward-allow", "x-oss-ac-source-ip", "x-oss-ac-subnet-mask",
        "x-oss-ac-vpc-id", "x-oss-access-point-name", "x-oss-async-process", "x-oss-process",
        "x-oss-redundancy-transition-taskid", "x-oss-request-payer", "x-oss-target-redundancy-type",
        "x-oss-traffic-limit", "x-oss-write-get-object-response",
        // Go SDK additions
        "img", "responseHeader", "rtc", "udf", "udfName", "udfImage", "udfId", "udfImageDesc", "udfApplication",
        "udfApplicationLog", "withHashContext", "x-oss-enable-md5", "x-oss-enable-sha1", "x-oss-enable-sha256",
        "x-oss-hash-ctx", "x-oss-md5-ctx",
    ]

    /// "/bucket/key" (raw UTF-8, not URL-encoded), "/bucket/" or "/", then the signed sub-resources sorted by
    /// name as `?k1=v1&k2` (an empty value is written as the bare name).
    public static func canonicalizedResource(_ r: SignableRequest) -> String {
        let signed = r.query
            .filter { subresources.contains($0.name) }
            .map { (name: $0.name, value: $0.value ?? "") }
            .sorted { $0.name != $1.name ? $0.name.utf8.lexicographicallyPrecedes($1.name.utf8)
                                         : $0.value.utf8.lexicographicallyPrecedes($1.value.utf8) }
        guard !signed.isEmpty else { return r.resourcePath }
        let items = signed.map { $0.value.isEmpty ? $0.name : $0.name + "=" + $0.value }
        return r.resourcePath + "?" + items.joined(separator: "&")
    }

    /// `x-oss-*` headers, lower-cased, values trimmed, repeated names merged with commas, sorted by name.
    static func canonicalizedOSSHeaders(_ r: SignableRequest) -> String {
        // A request carries a handful of headers: a list merged in place costs less than a dictionary.
        var merged: [(name: String, value: String)] = []
        for (name, value) in r.headers where ASCII.hasPrefixIgnoringCase(name, "x-oss-") {
            let lower = ASCII.lowercased(name)
            let v = ASCII.trimmed(value)
            if let i = merged.firstIndex(where: { $0.name == lower }) {
                merged[i].value += "," + v
            } else {
                merged.append((lower, v))
            }
        }
        guard !merged.isEmpty else { return "" }
        merged.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }   // names are unique now
        var s = ""
        for (name, value) in merged { s += name; s += ":"; s += value; s += "\n" }
        return s
    }

    /// `date` is the Date header, the x-oss-date header when present, or a presigned URL's Expires.
    public static func stringToSign(_ r: SignableRequest, date: String) -> String {
        let md5 = r.header("Content-MD5").map(ASCII.trimmed) ?? ""
        let type = r.header("Content-Type").map(ASCII.trimmed) ?? ""
        let parts = [ASCII.uppercased(r.method), "\n", md5, "\n", type, "\n", date, "\n",
                     canonicalizedOSSHeaders(r), canonicalizedResource(r)]
        var s = ""   // one allocation, where a chain of `+` makes one per step
        s.reserveCapacity(parts.reduce(0) { $0 + $1.utf8.count })
        for part in parts { s += part }
        return s
    }

    /// Base64 of HMAC-SHA1(secret, stringToSign).
    public static func signature(secret: String, stringToSign: String) -> String {
        Base64.encode(Digest.hmacSHA1(key: secret.utf8, stringToSign.utf8))   // UTF-8 read in place
    }

    /// Base64 of HMAC-SHA1 under a key prepared from the secret (`signingKey(secret:)`).
    public static func signature(key: HMACKey, stringToSign: String) -> String {
        Base64.encode(key.authenticate(stringToSign.utf8))
    }

    /// The HMAC key V1 signs with: the secret itself, prepared for reuse across requests.
    public static func signingKey(secret: String) -> HMACKey { HMACKey(sha1: secret.utf8) }

    /// The date a V1 request signs: x-oss-date wins over Date (as the docs and SDKs have it).
    public static func signedDate(_ r: SignableRequest) -> String? {
        (r.header("x-oss-date") ?? r.header("Date")).map(ASCII.trimmed)
    }

    /// Splits `OSS <AccessKeyId>:<Signature>`; nil for another scheme or an empty part.
    public static func parseAuthorization(_ header: String) -> (accessKeyID: String, signature: String)? {
        let value = ASCII.trimmed(header)
        guard value.hasPrefix("OSS "), let colon = value.firstIndex(of: ":") else { return nil }
        let id = ASCII.trimmed(String(value[value.index(value.startIndex, offsetBy: 4)..<colon]))
        let signature = String(value[value.index(after: colon)...])
        guard !id.isEmpty, !signature.isEmpty, !signature.contains(" ") else { return nil }
        return (id, signature)
    }

    /// Adds Date (RFC 1123 of `now`) unless present, x-oss-security-token when credentials have one,
    /// and Authorization: OSS id:sig. `key`, when given, must be `signingKey(secret:)` of these credentials'
    /// secret (a client keeps one per secret); without it the secret is keyed afresh.
    public static func sign(_ r: inout SignableRequest, credentials: Credentials, now: Int64, key: HMACKey? = nil) {
        if r.header("Date") == nil { r.setHeader("Date", HTTPDate.rfc1123(now)) }
        if let token = credentials.securityToken, !token.isEmpty { r.setHeader("x-oss-security-token", token) }
        let sts = stringToSign(r, date: signedDate(r)!)
        let sig = key.map { signature(key: $0, stringToSign: sts) }
            ?? signature(secret: credentials.accessKeySecret, stringToSign: sts)
        r.setHeader("Authorization", "OSS " + credentials.accessKeyID + ":" + sig)
    }

    /// Query items to append for a presigned URL: OSSAccessKeyId, Expires (absolute Unix seconds), Signature
    /// and, with STS, security-token (which is itself a signed sub-resource). Values are raw; the caller
    /// percent-encodes them into the URL.
    public static func presignQuery(_ r: SignableRequest, credentials: Credentials,
                                    expires: Int64) -> [(name: String, value: String)] {
        let presignNames: Set<String> = ["OSSAccessKeyId", "Expires", "Signature", "security-token"]
        var signed = r
        signed.query.removeAll { presignNames.contains($0.name) }
        var items: [(name: String, value: String)] = [
            (name: "OSSAccessKeyId", value: credentials.accessKeyID),
            (name: "Expires", value: String(expires)),
        ]
        if let token = credentials.securityToken, !token.isEmpty {
            signed.query.append((name: "security-token", value: token))
            items.append((name: "security-token", value: token))
        }
        let sts = stringToSign(signed, date: String(expires))
        items.append((name: "Signature", value: signature(secret: credentials.accessKeySecret, stringToSign: sts)))
        return items
    }
}
