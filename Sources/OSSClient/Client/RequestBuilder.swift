import ObjectStore
import OSSCore

/// Turns an `APIRequest` into the URL and headers that go on the wire, signed. The signer sees exactly the
/// method, resource, query and headers that are sent.
struct RequestBuilder: Sendable {
    let endpoint: Endpoint
    let bucket: String
    let pathStyle: Bool
    let signing: ResolvedSigning
    /// Shared by copies of this builder: one prepared key per client.
    let signingKeys = SigningKeyCache()
    /// `scheme://[bucket.]host[:port]/[bucket/]`: the same for every request, so built once.
    private let urlPrefix: String

    init(endpoint: Endpoint, bucket: String, pathStyle: Bool, signing: ResolvedSigning) {
        self.endpoint = endpoint
        self.bucket = bucket
        self.pathStyle = pathStyle
        self.signing = signing
        var prefix = endpoint.scheme.rawValue + "://" + endpoint.authority(bucket: pathStyle ? nil : bucket) + "/"
        if pathStyle { prefix += PercentEncoding.encode(bucket, keepSlash: false) + "/" }
        urlPrefix = prefix
    }

    /// `scheme://[bucket.]host[:port]/[bucket/]key?query`, keys percent-encoded with `/` kept.
    func url(key: String?, query: [(name: String, value: String?)]) -> String {
        let path = key.map { PercentEncoding.encode($0, keepSlash: true) } ?? ""
        let q = Self.encodeQuery(query)
        var s = ""
        s.reserveCapacity(urlPrefix.utf8.count + path.utf8.count + (q.isEmpty ? 0 : 1 + q.utf8.count))
        s += urlPrefix
        s += path
        if !q.isEmpty { s += "?"; s += q }
        return s
    }

    /// `a=b&c` with names and values percent-encoded (`/` too); nil values stay bare names.
    static func encodeQuery(_ query: [(name: String, value: String?)]) -> String {
        query.map { item in
            let name = PercentEncoding.encode(item.name, keepSlash: false)
            guard let value = item.value else { return name }
            return name + "=" + PercentEncoding.encode(value, keepSlash: false)
        }.joined(separator: "&")
    }

    func signable(_ r: APIRequest) -> SignableRequest {
        var headers = r.headers
        headers.reserveCapacity(headers.count + 4)   // the signer adds Date or x-oss-date(s), a token, Authorization
        return SignableRequest(method: r.method, bucket: bucket, key: r.key, query: r.query, headers: headers)
    }

    /// The wire request, signed with `credentials` at `now` (server-corrected seconds).
    func build(_ r: APIRequest, credentials: Credentials, now: Int64, connectTimeout: Int, stallTimeout: Int)
        -> HTTPRequest
    {
        var s = signable(r)
        switch signing {
        case .v1:
            let secret = credentials.accessKeySecret
            let key = signingKeys.key(secret: secret, scope: "") { SignatureV1.signingKey(secret: secret) }
            SignatureV1.sign(&s, credentials: credentials, now: now, key: key)
        case .v4(let region):
            let secret = credentials.accessKeySecret, day = SignatureV4.signingDay(now)
            let key = signingKeys.key(secret: secret, scope: day + "/" + region) {
                SignatureV4.preparedSigningKey(secret: secret, date: day, region: region)
            }
            SignatureV4.sign(&s, credentials: credentials, region: region, now: now, key: key)
        }
        return HTTPRequest(
            method: r.method, url: url(key: r.key, query: r.query), headers: s.headers, body: r.body,
            response: r.response, connectTimeout: connectTimeout, stallTimeout: stallTimeout,
            hashRequestBody: r.hashRequestBody, hashResponseBody: r.hashResponseBody)
    }

    /// A presigned URL: the request's query plus the signature parameters.
    func presignedURL(_ r: APIRequest, credentials: Credentials, now: Int64, expiresIn: Int64) -> String {
        let s = signable(r)
        let extra: [(name: String, value: String)]
        switch signing {
        case .v1:
            extra = SignatureV1.presignQuery(s, credentials: credentials, expires: now + expiresIn)
        case .v4(let region):
            extra = SignatureV4.presignQuery(s, credentials: credentials, region: region, now: now,
                                             expiresIn: expiresIn)
        }
        return url(key: r.key, query: r.query + extra.map { (name: $0.name, value: Optional($0.value)) })
    }
}
