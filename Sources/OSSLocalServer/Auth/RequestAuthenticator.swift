import Foundation
import NIOHTTP1
import OSSCore

/// Verifies a request's signature with the same OSSCore signers the client uses: V1 and V4, each as headers
/// or as a presigned URL. Pure CPU work: safe on the event loop.
struct RequestAuthenticator {
    let keys: [String: AccessKey]
    let anonymous: Bool
    let maxSkew: Int64
    /// Region for service-level V4 scopes.
    let defaultRegion: String

    init(configuration: ServerConfiguration) {
        var keys: [String: AccessKey] = [:]
        for key in configuration.accessKeys where keys[key.id] == nil { keys[key.id] = key }
        self.keys = keys
        self.anonymous = configuration.anonymous
        self.maxSkew = configuration.maxClockSkewSeconds
        self.defaultRegion = configuration.defaultRegion
    }

    /// Throws the OSS error to answer with; returns normally when the request may proceed.
    /// `bucketRegion` is the addressed bucket's region (nil for service-level requests).
    func authenticate(_ request: OSSRequest, bucketRegion: String?, now: Double) throws {
        if anonymous { return }
        let signable = SignableRequest(method: request.head.method.rawValue, bucket: request.bucket,
                                       key: request.key.isEmpty ? nil : request.key,
                                       query: request.query,
                                       headers: request.head.headers.map { (name: $0.name, value: $0.value) })
        let region = bucketRegion ?? defaultRegion
        let nowSeconds = Int64(now.rounded(.down))
        if let authorization = request.head.headers.first(name: "authorization") {
            if authorization.hasPrefix("OSS4-HMAC-SHA256") {
                try verifyV4Header(authorization, signable, request, region: region, now: nowSeconds)
            } else if authorization.hasPrefix("OSS ") {
                try verifyV1Header(authorization, signable, request, now: nowSeconds)
            } else {
                throw OSSError.accessDenied("Authorization scheme not supported; use OSS or OSS4-HMAC-SHA256.")
            }
        } else if request.hasQuery("OSSAccessKeyId") {
            try verifyV1Presigned(signable, request, now: nowSeconds)
        } else if request.hasQuery("x-oss-signature") || request.hasQuery("x-oss-credential") {
            try verifyV4Presigned(signable, request, region: region, now: nowSeconds)
        } else {
            throw OSSError.accessDenied("You have no right to access this object because of bucket acl.")
        }
    }

    // MARK: - keys and tokens

    private func key(_ id: String, for request: OSSRequest) throws -> AccessKey {
        guard let key = keys[id] else { throw OSSError.invalidAccessKeyId(id) }
        if let only = key.bucket, only != request.bucket {
            throw OSSError.accessDenied("The bucket you access does not belong to this access key.")
        }
        return key
    }

    /// STS keys must present their token: as `x-oss-security-token`, the v2 SDK's bare `security-token`
    /// header, or the presigned URL's parameter.
    private func checkToken(_ key: AccessKey, _ request: OSSRequest, queryName: String? = nil) throws {
        let sent = request.head.headers.first(name: "x-oss-security-token")
            ?? request.head.headers.first(name: "security-token")
            ?? queryName.flatMap { request.queryValue($0) }
        if let required = key.securityToken {
            guard sent == required else { throw OSSError.invalidSecurityToken() }
        }
    }

    private func checkSkew(_ requestTime: Int64, raw: String, now: Int64) throws {
        if abs(requestTime - now) > maxSkew {
            throw OSSError.requestTimeTooSkewed(requestTime: raw, serverTime: HTTPDate.rfc1123(now))
        }
    }

    // MARK: - V1

    private func verifyV1Header(_ authorization: String, _ signable: SignableRequest, _ request: OSSRequest,
                                now: Int64) throws {
        let credential = authorization.dropFirst("OSS ".count)
        guard let colon = credential.firstIndex(of: ":") else {
            throw OSSError.invalidArgument("Authorization", authorization, "Authorization header is invalid.")
        }
        let id = String(credential[..<colon]).trimmingSpaces
        let provided = String(credential[credential.index(after: colon)...]).trimmingSpaces
        let key = try key(id, for: request)
        try checkToken(key, request)

        let date = request.head.headers.first(name: "date")?.trimmingSpaces
        let ossDate = request.head.headers.first(name: "x-oss-date")?.trimmingSpaces
        guard let timeText = ossDate ?? date else {
            throw OSSError.accessDenied("Missing Date header or x-oss-date header.")
        }
        guard let time = HTTPDate.parseRFC1123(timeText) else {
            throw OSSError.accessDenied("Invalid date format in Date or x-oss-date: \(timeText)")
        }
        try checkSkew(time, raw: timeText, now: now)

        // x-oss-date wins over Date in the signed date line; accept a client that signed the Date header.
        var candidates: [String] = []
        if let ossDate { candidates.append(ossDate) }
        if let date, date != ossDate { candidates.append(date) }
        var firstStringToSign: String?
        for candidate in candidates {
            let sts = SignatureV1.stringToSign(signable, date: candidate)
            if firstStringToSign == nil { firstStringToSign = sts }
            if constantTimeEqual(SignatureV1.signature(secret: key.secret, stringToSign: sts), provided) { return }
        }
        throw OSSError.signatureDoesNotMatch(id: id, provided: provided, stringToSign: firstStringToSign ?? "")
    }

    private func verifyV1Presigned(_ signable: SignableRequest, _ request: OSSRequest, now: Int64) throws {
        let id = request.queryValue("OSSAccessKeyId") ?? ""
        guard let expiresText = request.queryValue("Expires"), let expires = Int64(expiresText) else {
            throw OSSError.invalidArgument("Expires", request.queryValue("Expires") ?? "", "Expires is missing or not a number.")
        }
        guard let provided = request.queryValue("Signature") else {
            throw OSSError.accessDenied("Signature is missing from the presigned URL.")
        }
        let key = try key(id, for: request)
        try checkToken(key, request, queryName: "security-token")
        if now > expires { throw OSSError.requestExpired }
        let sts = SignatureV1.stringToSign(signable, date: expiresText)
        guard constantTimeEqual(SignatureV1.signature(secret: key.secret, stringToSign: sts), provided) else {
            throw OSSError.signatureDoesNotMatch(id: id, provided: provided, stringToSign: sts)
        }
    }

    // MARK: - V4

    private func verifyV4Header(_ authorization: String, _ signable: SignableRequest, _ request: OSSRequest,
                                region: String, now: Int64) throws {
        guard let auth = SignatureV4.parseAuthorization(authorization) else {
            throw OSSError.invalidArgument("Authorization", authorization,
                                           "The Authorization header is malformed (Credential, AdditionalHeaders, Signature).")
        }
        let key = try key(auth.accessKeyID, for: request)
        try checkToken(key, request)
        guard let isoDate = request.head.headers.first(name: "x-oss-date")?.trimmingSpaces else {
            throw OSSError.accessDenied("Missing x-oss-date header.")
        }
        guard let time = HTTPDate.parseISO8601Basic(isoDate) else {
            throw OSSError.accessDenied("Invalid x-oss-date: \(isoDate)")
        }
        try checkSkew(time, raw: isoDate, now: now)
        let payload = request.head.headers.first(name: "x-oss-content-sha256")?.trimmingSpaces
        guard payload == SignatureV4.unsignedPayload else {
            throw OSSError.invalidArgument("x-oss-content-sha256", payload ?? "",
                                           "x-oss-content-sha256 must be UNSIGNED-PAYLOAD.")
        }
        try checkScope(date: auth.date, region: auth.region, product: auth.product, isoDate: isoDate, region: region)
        for name in auth.additionalHeaders where request.head.headers.first(name: name) == nil {
            throw OSSError.invalidArgument("AdditionalHeaders", name, "A header listed in AdditionalHeaders is missing.")
        }
        try checkV4Signature(signable, additionalHeaders: auth.additionalHeaders, isoDate: isoDate, day: auth.date,
                             region: auth.region, product: auth.product, key: key, provided: auth.signature)
    }

    private func verifyV4Presigned(_ signable: SignableRequest, _ request: OSSRequest, region: String,
                                   now: Int64) throws {
        guard request.queryValue("x-oss-signature-version") == SignatureV4.algorithm else {
            throw OSSError.invalidArgument("x-oss-signature-version", request.queryValue("x-oss-signature-version") ?? "",
                                           "x-oss-signature-version must be OSS4-HMAC-SHA256.")
        }
        let credential = request.queryValue("x-oss-credential") ?? ""
        let scope = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard scope.count == 5, scope[4] == "aliyun_v4_request" else {
            throw OSSError.invalidArgument("x-oss-credential", credential, "x-oss-credential is malformed.")
        }
        guard let isoDate = request.queryValue("x-oss-date"), let time = HTTPDate.parseISO8601Basic(isoDate) else {
            throw OSSError.invalidArgument("x-oss-date", request.queryValue("x-oss-date") ?? "", "x-oss-date is missing or malformed.")
        }
        guard let expiresText = request.queryValue("x-oss-expires"), let expires = Int64(expiresText),
              expires > 0, expires <= 604_800 else {
            throw OSSError.invalidArgument("x-oss-expires", request.queryValue("x-oss-expires") ?? "",
                                           "x-oss-expires must be between 1 and 604800 seconds.")
        }
        guard let provided = request.queryValue("x-oss-signature") else {
            throw OSSError.accessDenied("x-oss-signature is missing from the presigned URL.")
        }
        let key = try key(scope[0], for: request)
        try checkToken(key, request, queryName: "x-oss-security-token")
        if now > time + expires { throw OSSError.requestExpired }
        if time - now > maxSkew {
            throw OSSError.requestTimeTooSkewed(requestTime: isoDate, serverTime: HTTPDate.rfc1123(now))
        }
        try checkScope(date: scope[1], region: scope[2], product: scope[3], isoDate: isoDate, region: region)
        let additional = (request.queryValue("x-oss-additional-headers") ?? "")
            .split(separator: ";").map { String($0).lowercased() }
        try checkV4Signature(signable, additionalHeaders: additional, isoDate: isoDate, day: scope[1],
                             region: scope[2], product: scope[3], key: key, provided: provided)
    }

    private func checkScope(date: String, region scopeRegion: String, product: String, isoDate: String,
                            region: String) throws {
        guard isoDate.hasPrefix(date) else {
            throw OSSError.invalidArgument("Credential", date, "The date in the credential scope does not match x-oss-date.")
        }
        guard product == "oss" else {
            throw OSSError.invalidArgument("Credential", product, "The product in the credential scope must be oss.")
        }
        guard scopeRegion == region else {
            throw OSSError.invalidArgument("Credential", scopeRegion,
                                           "Invalid signing region in Authorization header; this bucket is in \(region).")
        }
    }

    private func checkV4Signature(_ signable: SignableRequest, additionalHeaders: [String], isoDate: String, day: String,
                                  region: String, product: String, key: AccessKey, provided: String) throws {
        let canonical = SignatureV4.canonicalRequest(signable, additionalHeaders: additionalHeaders)
        let sts = SignatureV4.stringToSign(canonicalRequest: canonical, isoDate: isoDate,
                                           scope: SignatureV4.scope(date: day, region: region, product: product))
        let expected = SignatureV4.signature(
            signingKey: SignatureV4.signingKey(secret: key.secret, date: day, region: region, product: product),
            stringToSign: sts)
        guard constantTimeEqual(expected, provided.lowercased()) else {
            var error = OSSError.signatureDoesNotMatch(id: key.id, provided: provided, stringToSign: sts)
            error.extras.append(("CanonicalRequest", canonical))
            throw error
        }
    }
}

/// Compares without an early exit, so timing does not reveal how much of a signature matched.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var diff: UInt8 = 0
    for i in 0..<x.count { diff |= x[i] ^ y[i] }
    return diff == 0
}

extension StringProtocol {
    /// Spaces and tabs off both ends, on UTF-8 bytes: Foundation's trimmingCharacters(in:) was ~9% of the
    /// server's CPU per request (it runs on every signed header).
    var trimmingSpaces: String {
        let s = String(self)
        guard let first = s.utf8.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return "" }
        let last = s.utf8.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })!
        return String(s[first...last])
    }
}
