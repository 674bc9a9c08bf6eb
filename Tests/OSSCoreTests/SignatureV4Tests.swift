import Testing
@testable import OSSCore

/// oss-protocol.md §2 vectors (V4-A..V4-E, intermediate keys) and alibabacloud-oss-v2's test_v4.py.
@Suite struct SignatureV4Tests {
    static let credentials = SignatureV1Tests.credentials
    static let sts = SignatureV1Tests.sts
    static let now: Int64 = 1_704_164_645   // 20240102T030405Z
    static let scope = "20240102/cn-hangzhou/oss/aliyun_v4_request"

    /// Signs `r`, then checks the canonical request (recomputed from the signed headers, as a server would),
    /// the StringToSign and the signature in the Authorization header.
    @discardableResult
    func expectSigned(_ r: SignableRequest, credentials: Credentials = credentials, region: String = "cn-hangzhou",
                      additionalHeaders: [String] = [], canonicalRequest: String, stringToSign: String? = nil,
                      signature: String, sourceLocation: SourceLocation = #_sourceLocation) -> SignableRequest {
        var signed = r
        SignatureV4.sign(&signed, credentials: credentials, region: region, now: Self.now,
                         additionalHeaders: additionalHeaders)
        let auth = SignatureV4.parseAuthorization(signed.header("Authorization") ?? "")
        #expect(auth?.signature == signature, sourceLocation: sourceLocation)
        let canonical = SignatureV4.canonicalRequest(signed, additionalHeaders: auth?.additionalHeaders ?? [])
        #expect(canonical == canonicalRequest, sourceLocation: sourceLocation)
        let scope = SignatureV4.scope(date: "20240102", region: region)
        let sts = SignatureV4.stringToSign(canonicalRequest: canonical, isoDate: "20240102T030405Z", scope: scope)
        if let stringToSign { #expect(sts == stringToSign, sourceLocation: sourceLocation) }
        let key = SignatureV4.signingKey(secret: credentials.accessKeySecret, date: "20240102", region: region)
        #expect(SignatureV4.signature(signingKey: key, stringToSign: sts) == signature, sourceLocation: sourceLocation)
        return signed
    }

    @Test func intermediateKeys() {
        let keys = SignatureV4.derivedKeys(secret: Self.credentials.accessKeySecret, date: "20240102",
                                           region: "cn-hangzhou", product: "oss")
        #expect(Hex.encode(keys.date) == "ecd706c960d30cb0cbf25236514f53989316fc3caf9a3544188ddeba9a79d739")
        #expect(Hex.encode(keys.region) == "085cfb28ad8622ee8f21632591f7add45cb0724b01cfbe6c4d8c8fd54eac827b")
        #expect(Hex.encode(keys.product) == "71fbc02b0bdf6712e9561e3ae71a864fabc53c8141b171633d735755a5572de7")
        #expect(Hex.encode(keys.signing) == "b7a3e07420163bf591ea10b93f50421730ffa1a4bf612341a6140b0b185c56a7")
        #expect(SignatureV4.signingKey(secret: Self.credentials.accessKeySecret, date: "20240102",
                                       region: "cn-hangzhou") == keys.signing)
    }

    @Test func v4A_getObjectWithOddKey() {
        let r = SignableRequest(method: "GET", bucket: "examplebucket", key: "dir/a b+c~(1).txt",
                                headers: [("Range", "bytes=0-1023")])
        let signed = expectSigned(
            r,
            canonicalRequest: "GET\n/examplebucket/dir/a%20b%2Bc~%281%29.txt\n\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20240102T030405Z\n\n\nUNSIGNED-PAYLOAD",
            stringToSign: "OSS4-HMAC-SHA256\n20240102T030405Z\n\(Self.scope)\n6ed3c57cac49e381c68b6d5d6f324654b0a5b9090e53c7b0981117efcfe2ae8c",
            signature: "3feb65a1b15654fb7df8a125821f432db777d9be6bda70e5858ca63f12cd51a5")
        #expect(signed.header("x-oss-date") == "20240102T030405Z")
        #expect(signed.header("x-oss-content-sha256") == "UNSIGNED-PAYLOAD")
        #expect(signed.header("Authorization") == "OSS4-HMAC-SHA256 Credential=LTAI5tFakeAccessKeyId0001/\(Self.scope),Signature=3feb65a1b15654fb7df8a125821f432db777d9be6bda70e5858ca63f12cd51a5")
    }

    @Test func v4B_listWithSTS() {
        let r = SignableRequest(method: "GET", bucket: "examplebucket", key: nil, query: [
            ("list-type", "2"), ("prefix", "dir/"), ("delimiter", "/"), ("max-keys", "100"), ("encoding-type", "url"),
        ])
        #expect(SignatureV4.canonicalQuery(r) == "delimiter=%2F&encoding-type=url&list-type=2&max-keys=100&prefix=dir%2F")
        let signed = expectSigned(
            r, credentials: Self.sts,
            canonicalRequest: "GET\n/examplebucket/\ndelimiter=%2F&encoding-type=url&list-type=2&max-keys=100&prefix=dir%2F\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20240102T030405Z\nx-oss-security-token:FakeSTSToken==\n\n\nUNSIGNED-PAYLOAD",
            signature: "0fbd2cba4ed784c789de2715d429afae823c6672a2340122b1a94e1097e44aa7")
        #expect(signed.header("x-oss-security-token") == "FakeSTSToken==")
    }

    @Test func v4C_putWithAdditionalHost() {
        let r = SignableRequest(method: "PUT", bucket: "examplebucket", key: "dir/file.txt", headers: [
            ("Content-MD5", "eB5eJF1ptWaXm4bijSPyxw=="), ("Content-Type", "text/plain"), ("x-oss-meta-mode", "33188"),
            ("Host", "examplebucket.oss-cn-hangzhou.aliyuncs.com"),
        ])
        let signed = expectSigned(
            r, additionalHeaders: ["Host"],
            canonicalRequest: "PUT\n/examplebucket/dir/file.txt\n\ncontent-md5:eB5eJF1ptWaXm4bijSPyxw==\ncontent-type:text/plain\nhost:examplebucket.oss-cn-hangzhou.aliyuncs.com\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20240102T030405Z\nx-oss-meta-mode:33188\n\nhost\nUNSIGNED-PAYLOAD",
            signature: "41b5708611fb79ad37b6ba1d3ae02cba5bd2ae2431949b16140823bdc15f1ae0")
        #expect(signed.header("Authorization") == "OSS4-HMAC-SHA256 Credential=LTAI5tFakeAccessKeyId0001/20240102/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=host,Signature=41b5708611fb79ad37b6ba1d3ae02cba5bd2ae2431949b16140823bdc15f1ae0")
    }

    @Test func v4D_initiateInAnotherRegion() {
        let r = SignableRequest(method: "POST", bucket: "examplebucket", key: "big/file.bin", query: [("uploads", nil)])
        let signed = expectSigned(
            r, region: "us-west-1",
            canonicalRequest: "POST\n/examplebucket/big/file.bin\nuploads\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20240102T030405Z\n\n\nUNSIGNED-PAYLOAD",
            signature: "05b5560ae5de46b55cc02900ae7e0a51653c0f1ad9156eb06ef4df6df0a32ac5")
        #expect(signed.header("Authorization")!.contains("/20240102/us-west-1/oss/aliyun_v4_request,"))
    }

    @Test func v4E_presigned() {
        let r = SignableRequest(method: "GET", bucket: "examplebucket", key: "dir/file.txt")
        let items = SignatureV4.presignQuery(r, credentials: Self.credentials, region: "cn-hangzhou", now: Self.now,
                                             expiresIn: 3600)
        #expect(items.map(\.name) == ["x-oss-signature-version", "x-oss-credential", "x-oss-date", "x-oss-expires",
                                      "x-oss-signature"])
        var withQuery = r
        withQuery.query = items.map { (name: $0.name, value: Optional($0.value)) }   // as the server sees it
        #expect(SignatureV4.canonicalRequest(withQuery, additionalHeaders: [])
                == "GET\n/examplebucket/dir/file.txt\nx-oss-credential=LTAI5tFakeAccessKeyId0001%2F20240102%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20240102T030405Z&x-oss-expires=3600&x-oss-signature-version=OSS4-HMAC-SHA256\n\n\nUNSIGNED-PAYLOAD")
        #expect(items.last?.value == "5a76b260f6434f83e001f86b5274984d570ea6e1c6d0dc5e547d3bcdd8dea7db")
        #expect(PercentEncoding.encode(items[1].value, keepSlash: false)
                == "LTAI5tFakeAccessKeyId0001%2F20240102%2Fcn-hangzhou%2Foss%2Faliyun_v4_request")
    }

    @Test func v4E_presignedWithSTS() {
        let r = SignableRequest(method: "GET", bucket: "examplebucket", key: "dir/file.txt")
        let items = SignatureV4.presignQuery(r, credentials: Self.sts, region: "cn-hangzhou", now: Self.now,
                                             expiresIn: 3600)
        var withQuery = r
        withQuery.query = items.map { (name: $0.name, value: Optional($0.value)) }
        #expect(SignatureV4.canonicalQuery(withQuery)
                == "x-oss-credential=LTAI5tFakeAccessKeyId0001%2F20240102%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20240102T030405Z&x-oss-expires=3600&x-oss-security-token=FakeSTSToken%3D%3D&x-oss-signature-version=OSS4-HMAC-SHA256")
        #expect(items.last?.name == "x-oss-signature")
        #expect(items.last?.value == "b01c2c9e3b3c1fc271c8670a99a4c96a4ee5e6eea461372213a54d4b7d5a9cd2")
    }

    // MARK: upstream alibabacloud-oss-v2 test_v4.py

    static let ak = SignatureV1Tests.ak
    static let oddQuery: [(name: String, value: String?)] = [
        ("param1", "value1"), ("+param1", "value3"), ("|param1", "value4"), ("+param2", ""), ("|param2", ""),
        ("param2", ""),
    ]

    func upstreamRequest(contentType: String, withSHA: Bool) -> SignableRequest {
        var headers: [(name: String, value: String)] = [
            ("x-oss-head1", "value"), ("abc", "value"), ("ZAbc", "value"), ("XYZ", "value"),
            ("content-type", contentType),
        ]
        if withSHA { headers.append(("x-oss-content-sha256", "UNSIGNED-PAYLOAD")) }
        return SignableRequest(method: "PUT", bucket: "bucket", key: "1234+-/123/1.txt", query: Self.oddQuery,
                               headers: headers)
    }

    /// `+` and `|` encode to %2B and %7C, which sort before lower-case letters; bare names carry no `=`.
    @Test func upstreamOddQueryNamesEncodeAndSort() {
        let r = upstreamRequest(contentType: "text/plain", withSHA: true)
        #expect(SignatureV4.canonicalQuery(r) == "%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2")
        #expect(SignatureV4.canonicalURI(r) == "/bucket/1234%2B-/123/1.txt")
    }

    func upstreamHeaderSignature(_ credentials: Credentials, now: Int64, additional: [String] = []) -> String? {
        var r = upstreamRequest(contentType: "text/plain", withSHA: true)
        SignatureV4.sign(&r, credentials: credentials, region: "cn-hangzhou", now: now, additionalHeaders: additional)
        return r.header("Authorization")
    }

    @Test func upstreamAuthHeader() {
        #expect(upstreamHeaderSignature(Self.ak, now: 1_702_743_657)
                == "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe")
    }

    @Test func upstreamAuthHeaderWithToken() {
        let token = Credentials(accessKeyID: "ak", accessKeySecret: "sk", securityToken: "token")
        #expect(upstreamHeaderSignature(token, now: 1_702_784_856)
                == "OSS4-HMAC-SHA256 Credential=ak/20231217/cn-hangzhou/oss/aliyun_v4_request,Signature=b94a3f999cf85bcdc00d332fbd3734ba03e48382c36fa4d5af5df817395bd9ea")
    }

    /// Requested additional headers are lower-cased and sorted; default-signed and absent ones are dropped.
    @Test func upstreamAuthHeaderWithAdditionalHeaders() {
        let expected = "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=abc;zabc,Signature=4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f"
        #expect(upstreamHeaderSignature(Self.ak, now: 1_702_747_512, additional: ["ZAbc", "abc"]) == expected)
        #expect(upstreamHeaderSignature(Self.ak, now: 1_702_747_512,
                                        additional: ["x-oss-no-exist", "ZAbc", "x-oss-head1", "abc"]) == expected)
    }

    func upstreamPresign(_ credentials: Credentials, now: Int64, expiresIn: Int64,
                         additional: [String] = []) -> [String: String] {
        let r = upstreamRequest(contentType: "application/octet-stream", withSHA: false)
        let items = SignatureV4.presignQuery(r, credentials: credentials, region: "cn-hangzhou", now: now,
                                             expiresIn: expiresIn, additionalHeaders: additional)
        return Dictionary(uniqueKeysWithValues: items.map { ($0.name, $0.value) })
    }

    @Test func upstreamAuthQuery() {
        let q = upstreamPresign(Self.ak, now: 1_702_781_677, expiresIn: 599)
        #expect(q["x-oss-signature-version"] == "OSS4-HMAC-SHA256")
        #expect(q["x-oss-expires"] == "599")
        #expect(q["x-oss-credential"] == "ak/20231217/cn-hangzhou/oss/aliyun_v4_request")
        #expect(q["x-oss-additional-headers"] == nil)
        #expect(q["x-oss-signature"] == "a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe")
    }

    @Test func upstreamAuthQueryWithToken() {
        let q = upstreamPresign(Credentials(accessKeyID: "ak", accessKeySecret: "sk", securityToken: "token"),
                                now: 1_702_785_388, expiresIn: 599)
        #expect(q["x-oss-date"] == "20231217T035628Z")
        #expect(q["x-oss-security-token"] == "token")
        #expect(q["x-oss-signature"] == "3817ac9d206cd6dfc90f1c09c00be45005602e55898f26f5ddb06d7892e1f8b5")
    }

    @Test func upstreamAuthQueryWithAdditionalHeaders() {
        for additional in [["ZAbc", "abc"], ["x-oss-no-exist", "ZAbc", "x-oss-head1", "abc"]] {
            let q = upstreamPresign(Self.ak, now: 1_702_783_809, expiresIn: 599, additional: additional)
            #expect(q["x-oss-date"] == "20231217T033009Z")
            #expect(q["x-oss-additional-headers"] == "abc;zabc")
            #expect(q["x-oss-signature"] == "6bd984bfe531afb6db1f7550983a741b103a8c58e5e14f83ea474c2322dfa2b7")
        }
    }

    @Test func upstreamAuthQueryLongExpiration() {
        let q = upstreamPresign(Self.ak, now: 1_702_781_677, expiresIn: 432_000)
        #expect(q["x-oss-expires"] == "432000")
        #expect(q["x-oss-signature"] == "31029123dc7732d2d2cfd4006ea4fdb6cf86da6478f813e2bf8f87877c7b9fec")
    }

    /// A server verifying a presigned URL sees the x-oss-signature parameter too; it must not be signed.
    @Test func canonicalQueryIgnoresSignatureParameter() {
        var r = SignableRequest(method: "GET", bucket: "b", key: "k", query: [("a", "1")])
        let before = SignatureV4.canonicalQuery(r)
        r.query.append(("x-oss-signature", "abcd"))
        #expect(SignatureV4.canonicalQuery(r) == before)
    }

    @Test func headerValuesTrimmedAndDefaultSetOnly() {
        let r = SignableRequest(method: "get", bucket: nil, key: nil, headers: [
            ("X-OSS-Meta-A", "  spaced  "), ("Content-Length", "5"), ("Range", "bytes=0-1"), ("Date", "x"),
            ("Content-Type", " text/plain"), ("Host", "h"),
        ])
        #expect(SignatureV4.canonicalRequest(r, additionalHeaders: [])
                == "GET\n/\n\ncontent-type:text/plain\nx-oss-meta-a:spaced\n\n\nUNSIGNED-PAYLOAD")
    }

    // MARK: parseAuthorization

    static let sig = "41b5708611fb79ad37b6ba1d3ae02cba5bd2ae2431949b16140823bdc15f1ae0"
    static let credential = "LTAI5tFakeAccessKeyId0001/20240102/cn-hangzhou/oss/aliyun_v4_request"
    static let expected = SignatureV4.Authorization(accessKeyID: "LTAI5tFakeAccessKeyId0001", date: "20240102",
                                                    region: "cn-hangzhou", product: "oss",
                                                    additionalHeaders: ["host"], signature: sig)

    @Test func parsesV2SDKStyle() {
        #expect(SignatureV4.parseAuthorization(
            "OSS4-HMAC-SHA256 Credential=\(Self.credential),AdditionalHeaders=host,Signature=\(Self.sig)") == Self.expected)
    }

    @Test func parsesOSS2Style() {
        #expect(SignatureV4.parseAuthorization(
            "OSS4-HMAC-SHA256 Credential=\(Self.credential), Signature=\(Self.sig), AdditionalHeaders=host") == Self.expected)
    }

    @Test func parsesWithoutAdditionalHeadersAndOtherProducts() {
        let a = SignatureV4.parseAuthorization(
            "OSS4-HMAC-SHA256  Credential=ak/20231216/cb-123/oss-cloudbox/aliyun_v4_request ,  Signature=\(Self.sig)")
        #expect(a == SignatureV4.Authorization(accessKeyID: "ak", date: "20231216", region: "cb-123",
                                               product: "oss-cloudbox", additionalHeaders: [], signature: Self.sig))
        let multi = SignatureV4.parseAuthorization(
            "OSS4-HMAC-SHA256 Credential=\(Self.credential),AdditionalHeaders=Host;range,Signature=\(Self.sig)")
        #expect(multi?.additionalHeaders == ["host", "range"])
    }

    @Test(arguments: [
        "OSS4-HMAC-SHA256 Credential=\(credential),AdditionalHeaders=,Signature=\(sig)",           // empty
        "OSS4-HMAC-SHA256 Credential=\(credential),AdditionalHeaders=host;,Signature=\(sig)",      // trailing ;
        "OSS4-HMAC-SHA256 Credential=\(credential),AdditionalHeaders=;host,Signature=\(sig)",
        "OSS4-HMAC-SHA256 Credential=\(credential)",                                                // no signature
        "OSS4-HMAC-SHA256 Signature=\(sig)",                                                        // no credential
        "OSS4-HMAC-SHA256 Credential=\(credential),Signature=\(sig),Signature=\(sig)",              // repeated
        "OSS4-HMAC-SHA256 Credential=\(credential),Signature=\(sig),Foo=bar",                       // unknown
        "OSS4-HMAC-SHA256 Credential=\(credential),Signature=\(sig),",                              // trailing ,
        "OSS4-HMAC-SHA256 Credential=\(credential),Signature=abc",                                  // short sig
        "OSS4-HMAC-SHA256 Credential=ak/2024010/cn-hangzhou/oss/aliyun_v4_request,Signature=\(sig)",
        "OSS4-HMAC-SHA256 Credential=ak/20240102/cn-hangzhou/oss/aws4_request,Signature=\(sig)",
        "OSS4-HMAC-SHA256 Credential=ak/20240102/cn-hangzhou/aliyun_v4_request,Signature=\(sig)",
        "OSS4-HMAC-SHA256Credential=\(credential),Signature=\(sig)",
        "OSS ak:t4J0idANxxG1HoerdiZTjlol7eM=",
        "",
    ])
    func rejectsMalformed(_ header: String) {
        #expect(SignatureV4.parseAuthorization(header) == nil)
    }

    /// What a server does: parse the header, rebuild the canonical request from what arrived, compare.
    @Test func serverSideVerificationRoundTrip() {
        var r = SignableRequest(method: "PUT", bucket: "b", key: "a/ü b", query: [("partNumber", "3"), ("uploadId", "X/Y")],
                                headers: [("Host", "b.example"), ("Content-Type", "application/octet-stream")])
        SignatureV4.sign(&r, credentials: Self.sts, region: "cn-beijing", now: 1_700_000_000, additionalHeaders: ["host"])
        let auth = SignatureV4.parseAuthorization(r.header("authorization")!)!
        #expect(auth.accessKeyID == Self.sts.accessKeyID && auth.region == "cn-beijing" && auth.additionalHeaders == ["host"])
        let key = SignatureV4.signingKey(secret: Self.sts.accessKeySecret, date: auth.date, region: auth.region,
                                         product: auth.product)
        func verify(_ req: SignableRequest) -> Bool {
            let sts = SignatureV4.stringToSign(canonicalRequest: SignatureV4.canonicalRequest(req, additionalHeaders: auth.additionalHeaders),
                                               isoDate: req.header("x-oss-date")!,
                                               scope: SignatureV4.scope(date: auth.date, region: auth.region, product: auth.product))
            return SignatureV4.signature(signingKey: key, stringToSign: sts) == auth.signature
        }
        #expect(verify(r))
        var tampered = r
        tampered.headers.append(("x-oss-meta-evil", "1"))
        #expect(!verify(tampered))
        tampered = r
        tampered.query[0].value = "4"
        #expect(!verify(tampered))
        tampered = r
        tampered.key = "a/ü c"
        #expect(!verify(tampered))
    }
}

@Suite struct PresignedParsingTests {
    static let r = SignableRequest(method: "GET", bucket: "examplebucket", key: "dir/file.txt")

    func query(_ items: [(name: String, value: String)]) -> [(name: String, value: String?)] {
        [("response-content-type", "text/plain")] + items.map { (name: $0.name, value: Optional($0.value)) }
    }

    @Test func readsBackWhatPresignWrote() throws {
        let items = SignatureV4.presignQuery(Self.r, credentials: SignatureV1Tests.sts, region: "cn-hangzhou",
                                             now: 1_704_164_645, expiresIn: 3600)
        let p = try #require(SignatureV4.parsePresigned(query(items)))
        #expect(p.isoDate == "20240102T030405Z" && p.expiresIn == 3600)
        #expect(p.authorization == SignatureV4.Authorization(
            accessKeyID: "LTAI5tFakeAccessKeyId0001", date: "20240102", region: "cn-hangzhou", product: "oss",
            additionalHeaders: [], signature: "b01c2c9e3b3c1fc271c8670a99a4c96a4ee5e6eea461372213a54d4b7d5a9cd2"))
    }

    @Test func rejectsBrokenParameters() {
        let items = SignatureV4.presignQuery(Self.r, credentials: SignatureV1Tests.credentials, region: "cn-hangzhou",
                                             now: 1_704_164_645, expiresIn: 3600)
        func with(_ name: String, _ value: String?) -> [(name: String, value: String?)] {
            var q = query(items).filter { $0.name != name }
            if let value { q.append((name: name, value: value)) }
            return q
        }
        #expect(SignatureV4.parsePresigned(query(items)) != nil)
        #expect(SignatureV4.parsePresigned(with("x-oss-signature", nil)) == nil)
        #expect(SignatureV4.parsePresigned(with("x-oss-expires", "604801")) == nil)
        #expect(SignatureV4.parsePresigned(with("x-oss-expires", "0")) == nil)
        #expect(SignatureV4.parsePresigned(with("x-oss-date", "20240103T030405Z")) == nil)   // scope date differs
        #expect(SignatureV4.parsePresigned(with("x-oss-signature-version", "OSS2")) == nil)
        #expect(SignatureV4.parsePresigned(with("x-oss-additional-headers", "")) == nil)
        #expect(SignatureV4.parsePresigned(with("x-oss-additional-headers", "host;")) == nil)
        #expect(SignatureV4.parsePresigned(with("x-oss-additional-headers", "host"))?.authorization.additionalHeaders
                == ["host"])
        #expect(SignatureV4.parsePresigned(query(items) + [("x-oss-date", "20240102T030405Z")]) == nil)
    }
}
