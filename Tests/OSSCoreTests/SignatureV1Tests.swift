import Testing
@testable import OSSCore

/// oss-protocol.md §1 vectors (V1-A..V1-H) and alibabacloud-oss-v2's tests/unit/signer/test_v1.py.
@Suite struct SignatureV1Tests {
    static let credentials = Credentials(accessKeyID: "LTAI5tFakeAccessKeyId0001",
                                         accessKeySecret: "FakeAccessKeySecretForTestVectors01")
    static let sts = Credentials(accessKeyID: "LTAI5tFakeAccessKeyId0001",
                                 accessKeySecret: "FakeAccessKeySecretForTestVectors01",
                                 securityToken: "FakeSTSToken==")
    static let now: Int64 = 1_704_164_645   // Tue, 02 Jan 2024 03:04:05 GMT
    static let date = "Tue, 02 Jan 2024 03:04:05 GMT"

    /// Signs `r` at `now` and checks both the StringToSign and the Authorization header.
    func expectSigned(_ r: SignableRequest, credentials: Credentials = credentials,
                      stringToSign: String, signature: String,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        var signed = r
        SignatureV1.sign(&signed, credentials: credentials, now: Self.now)
        #expect(signed.header("date") == Self.date, sourceLocation: sourceLocation)
        #expect(SignatureV1.stringToSign(signed, date: Self.date) == stringToSign, sourceLocation: sourceLocation)
        #expect(signed.header("Authorization") == "OSS \(credentials.accessKeyID):\(signature)",
                sourceLocation: sourceLocation)
    }

    @Test func v1A_putWithMetadata() {
        let r = SignableRequest(method: "PUT", bucket: "examplebucket", key: "dir/file.txt", headers: [
            ("Content-MD5", "eB5eJF1ptWaXm4bijSPyxw=="), ("Content-Type", "text/plain"),
            ("x-oss-meta-mode", "33188"), ("X-OSS-Meta-Mtime", "1704164645"),
        ])
        expectSigned(r, stringToSign: "PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/plain\n\(Self.date)\n"
                        + "x-oss-meta-mode:33188\nx-oss-meta-mtime:1704164645\n/examplebucket/dir/file.txt",
                     signature: "t4J0idANxxG1HoerdiZTjlol7eM=")
    }

    @Test func v1B_uploadPartSortsSubresources() {
        let r = SignableRequest(method: "PUT", bucket: "examplebucket", key: "big/file.bin",
                                query: [("uploadId", "0004B9895DBBB6EC98E36"), ("partNumber", "1")])
        expectSigned(r, stringToSign: "PUT\n\n\n\(Self.date)\n/examplebucket/big/file.bin?partNumber=1&uploadId=0004B9895DBBB6EC98E36",
                     signature: "0EfSrrPkySiHLHo1B6vXuq1kwe0=")
    }

    @Test func v1C_listSignsOnlyContinuationToken() {
        let r = SignableRequest(method: "GET", bucket: "examplebucket", key: nil, query: [
            ("list-type", "2"), ("prefix", "dir/"), ("delimiter", "/"), ("max-keys", "100"),
            ("continuation-token", "ChR0ZXN0"), ("encoding-type", "url"),
        ])
        expectSigned(r, stringToSign: "GET\n\n\n\(Self.date)\n/examplebucket/?continuation-token=ChR0ZXN0",
                     signature: "/2oBM05OlB8nb9qg7tXgorY3V/s=")
    }

    @Test func v1D_deleteMultiple() {
        let r = SignableRequest(method: "POST", bucket: "examplebucket", key: "", query: [("delete", nil)], headers: [
            ("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="), ("Content-Type", "application/xml"),
        ])
        expectSigned(r, stringToSign: "POST\n1B2M2Y8AsgTpgAmY7PhCfg==\napplication/xml\n\(Self.date)\n/examplebucket/?delete",
                     signature: "zzY3MIOdJJrCQ+Donumv0jsO2eA=")
    }

    @Test func v1E_utf8KeyIsSignedRaw() {
        let r = SignableRequest(method: "POST", bucket: "examplebucket", key: "目录/a b+c.txt",
                                query: [("uploads", nil)], headers: [("Content-Type", "application/octet-stream")])
        expectSigned(r, stringToSign: "POST\n\napplication/octet-stream\n\(Self.date)\n/examplebucket/目录/a b+c.txt?uploads",
                     signature: "wj6rDaqE8LQi3tt8LcPv+tnUX+s=")
    }

    @Test func v1F_stsTokenIsAnOSSHeader() {
        let r = SignableRequest(method: "GET", bucket: "examplebucket", key: "dir/file.txt",
                                headers: [("Range", "bytes=0-1023")])
        expectSigned(r, credentials: Self.sts,
                     stringToSign: "GET\n\n\n\(Self.date)\nx-oss-security-token:FakeSTSToken==\n/examplebucket/dir/file.txt",
                     signature: "WSP2g0Wy+vth3gIa7KU+1mFF66g=")
    }

    @Test func v1G_presigned() {
        let r = SignableRequest(method: "GET", bucket: "examplebucket", key: "dir/file.txt")
        #expect(SignatureV1.stringToSign(r, date: "1704168245") == "GET\n\n\n1704168245\n/examplebucket/dir/file.txt")
        let items = SignatureV1.presignQuery(r, credentials: Self.credentials, expires: 1_704_168_245)
        #expect(items.map(\.name) == ["OSSAccessKeyId", "Expires", "Signature"])
        #expect(items.map(\.value) == ["LTAI5tFakeAccessKeyId0001", "1704168245", "94O4m5G6Gv0E3oc66WW7QqK1vxg="])
        let url = items.map { "\($0.name)=\(PercentEncoding.encode($0.value, keepSlash: false))" }.joined(separator: "&")
        #expect(url == "OSSAccessKeyId=LTAI5tFakeAccessKeyId0001&Expires=1704168245&Signature=94O4m5G6Gv0E3oc66WW7QqK1vxg%3D")
    }

    @Test func v1H_presignedWithSTS() {
        let r = SignableRequest(method: "GET", bucket: "examplebucket", key: "dir/file.txt")
        var withToken = r
        withToken.query.append(("security-token", "FakeSTSToken=="))
        #expect(SignatureV1.stringToSign(withToken, date: "1704168245")
                == "GET\n\n\n1704168245\n/examplebucket/dir/file.txt?security-token=FakeSTSToken==")
        let items = SignatureV1.presignQuery(r, credentials: Self.sts, expires: 1_704_168_245)
        let byName = Dictionary(uniqueKeysWithValues: items.map { ($0.name, $0.value) })
        #expect(byName["Signature"] == "QMILzRtOZL0/JyLZLccq864YwMg=")
        #expect(byName["security-token"] == "FakeSTSToken==")
        #expect(PercentEncoding.encode(byName["security-token"]!, keepSlash: false) == "FakeSTSToken%3D%3D")
    }

    // MARK: upstream alibabacloud-oss-v2 test_v1.py

    static let ak = Credentials(accessKeyID: "ak", accessKeySecret: "sk")
    static let upstreamHeaders: [(name: String, value: String)] = [
        ("Content-MD5", "eB5eJF1ptWaXm4bijSPyxw=="), ("Content-Type", "text/html"),
        ("x-oss-meta-author", "alice"), ("x-oss-meta-magic", "abracadabra"),
        ("x-oss-date", "Wed, 28 Dec 2022 10:27:41 GMT"),
    ]

    /// x-oss-date takes Date's place in the StringToSign, and is itself signed as an x-oss- header.
    @Test func upstreamXOSSDateWins() {
        var r = SignableRequest(method: "PUT", bucket: "examplebucket", key: "nelson", headers: Self.upstreamHeaders)
        SignatureV1.sign(&r, credentials: Self.ak, now: 1_702_743_657)
        #expect(SignatureV1.signedDate(r) == "Wed, 28 Dec 2022 10:27:41 GMT")
        #expect(SignatureV1.stringToSign(r, date: SignatureV1.signedDate(r)!)
                == "PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\nx-oss-meta-author:alice\nx-oss-meta-magic:abracadabra\n/examplebucket/nelson")
        #expect(r.header("authorization") == "OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M=")
    }

    @Test func upstreamObjectACL() {
        var r = SignableRequest(method: "PUT", bucket: "examplebucket", key: "nelson", query: [("acl", "")],
                                headers: Self.upstreamHeaders)
        SignatureV1.sign(&r, credentials: Self.ak, now: 1_702_743_657)
        #expect(SignatureV1.canonicalizedResource(r) == "/examplebucket/nelson?acl")
        #expect(r.header("authorization") == "OSS ak:/afkugFbmWDQ967j1vr6zygBLQk=")
    }

    @Test func upstreamBareSubresourcesSortedAndUnknownDropped() {
        var r = SignableRequest(method: "GET", bucket: "examplebucket", key: nil,
                                query: [("resourceGroup", nil), ("non-resousce", "null")],
                                headers: [("x-oss-date", "Wed, 28 Dec 2022 10:27:41 GMT")])
        SignatureV1.sign(&r, credentials: Self.ak, now: 1_702_743_657)
        #expect(SignatureV1.canonicalizedResource(r) == "/examplebucket/?resourceGroup")
        #expect(r.header("authorization") == "OSS ak:vkQmfuUDyi1uDi3bKt67oemssIs=")

        var r2 = SignableRequest(method: "GET", bucket: "examplebucket", key: nil,
                                 query: [("resourceGroup", nil), ("acl", nil)],
                                 headers: [("x-oss-date", "Wed, 28 Dec 2022 10:27:41 GMT")])
        SignatureV1.sign(&r2, credentials: Self.ak, now: 1_702_743_657)
        #expect(SignatureV1.canonicalizedResource(r2) == "/examplebucket/?acl&resourceGroup")
        #expect(r2.header("authorization") == "OSS ak:x3E5TgOvl/i7PN618s5mEvpJDYk=")
    }

    @Test func upstreamPresigned() {
        let r = SignableRequest(method: "GET", bucket: "bucket", key: "key", query: [("versionId", "versionId")])
        let items = SignatureV1.presignQuery(r, credentials: Self.ak, expires: 1_699_807_420)
        #expect(items.first { $0.name == "Signature" }?.value == "dcLTea+Yh9ApirQ8o8dOPqtvJXQ=")
    }

    @Test func upstreamPresignedWithToken() {
        let r = SignableRequest(method: "GET", bucket: "bucket", key: "key+123", query: [("versionId", "versionId")])
        let items = SignatureV1.presignQuery(r, credentials: Credentials(accessKeyID: "ak", accessKeySecret: "sk",
                                                                         securityToken: "token"),
                                             expires: 1_699_808_204)
        #expect(items.first { $0.name == "security-token" }?.value == "token")
        #expect(items.first { $0.name == "Signature" }?.value == "jzKYRrM5y6Br0dRFPaTGOsbrDhY=")
    }

    /// The upstream test appends "?param1=value1&…" to a URL that already has "?versionId=versionId", so the
    /// SDK (splitting on `&` and the first `=`) sees versionId = "versionId?param1=value1"; reproduced here.
    @Test func upstreamPresignedSignsHeadersAndDecodedSubresources() {
        let r = SignableRequest(method: "GET", bucket: "bucket", key: "key", query: [
            ("versionId", "versionId?param1=value1"), ("+param1", "value3"), ("|param1", "value4"),
            ("+param2", ""), ("|param2", ""), ("param2", ""),
            ("response-content-disposition", "attachment; filename=example.txt"),
        ], headers: [("x-oss-head1", "value"), ("abc", "value"), ("ZAbc", "value"), ("XYZ", "value"),
                     ("content-type", "application/octet-stream")])
        let items = SignatureV1.presignQuery(r, credentials: Credentials(accessKeyID: "ak", accessKeySecret: "sk",
                                                                         securityToken: "token"),
                                             expires: 1_699_808_204)
        #expect(items.first { $0.name == "Signature" }?.value == "3GJoEOv5LX2ASp0HJk/hAk+qLJc=")
    }

    // MARK: canonicalization details

    @Test func serviceAndBucketLevelPaths() {
        #expect(SignatureV1.canonicalizedResource(SignableRequest(method: "GET", bucket: nil, key: nil)) == "/")
        #expect(SignatureV1.canonicalizedResource(SignableRequest(method: "GET", bucket: "b", key: nil)) == "/b/")
        #expect(SignatureV1.canonicalizedResource(SignableRequest(method: "GET", bucket: "b", key: "")) == "/b/")
    }

    @Test func emptyValueIsBareNameAndDecodedValuesAreRaw() {
        let r = SignableRequest(method: "GET", bucket: "b", key: "k", query: [
            ("response-content-type", "text/plain; charset=utf-8"), ("uploads", ""), ("prefix", "x"),
            ("versionId", "CAE=/x"),
        ])
        #expect(SignatureV1.canonicalizedResource(r)
                == "/b/k?response-content-type=text/plain; charset=utf-8&uploads&versionId=CAE=/x")
    }

    @Test func headerValuesTrimmedAndRepeatedMerged() {
        let r = SignableRequest(method: "put", bucket: "b", key: "k", headers: [
            ("X-Oss-Meta-A", "  one "), ("x-oss-meta-a", "two"), ("x-oss-b", "\tz"),
        ])
        #expect(SignatureV1.stringToSign(r, date: "D") == "PUT\n\n\nD\nx-oss-b:z\nx-oss-meta-a:one,two\n/b/k")
    }

    @Test func signKeepsExistingDateAndReplacesAuthorization() {
        var r = SignableRequest(method: "GET", bucket: "b", key: "k",
                                headers: [("date", "Mon, 01 Jan 2024 00:00:00 GMT"), ("Authorization", "stale")])
        SignatureV1.sign(&r, credentials: Self.credentials, now: Self.now)
        #expect(r.header("Date") == "Mon, 01 Jan 2024 00:00:00 GMT")
        #expect(r.headers.filter { $0.name.lowercased() == "authorization" }.count == 1)
        let expected = SignatureV1.signature(secret: Self.credentials.accessKeySecret,
                                             stringToSign: "GET\n\n\nMon, 01 Jan 2024 00:00:00 GMT\n/b/k")
        #expect(r.header("Authorization") == "OSS LTAI5tFakeAccessKeyId0001:\(expected)")
    }

    @Test func emptyTokenIsNoToken() {
        var r = SignableRequest(method: "GET", bucket: "b", key: "k")
        SignatureV1.sign(&r, credentials: Credentials(accessKeyID: "ak", accessKeySecret: "sk", securityToken: ""),
                         now: Self.now)
        #expect(r.header("x-oss-security-token") == nil)
    }

    @Test func subresourceListCoversWhatAFilesystemNeeds() {
        for name in ["uploads", "uploadId", "partNumber", "delete", "append", "position", "symlink", "objectMeta",
                     "bucketInfo", "stat", "continuation-token", "acl", "tagging", "versionId", "security-token",
                     "response-content-type", "x-oss-process", "udfApplicationLog", "worm"] {
            #expect(SignatureV1.subresources.contains(name), "\(name)")
        }
        for name in ["prefix", "delimiter", "marker", "max-keys", "list-type", "start-after", "fetch-owner",
                     "encoding-type", "max-parts", "part-number-marker", "key-marker", "upload-id-marker", "max-uploads"] {
            #expect(!SignatureV1.subresources.contains(name), "\(name)")
        }
    }
}

@Suite struct SignatureV1ParsingTests {
    @Test func parsesAuthorization() {
        let parsed = SignatureV1.parseAuthorization("OSS LTAI5tFakeAccessKeyId0001:t4J0idANxxG1HoerdiZTjlol7eM=")
        #expect(parsed?.accessKeyID == "LTAI5tFakeAccessKeyId0001")
        #expect(parsed?.signature == "t4J0idANxxG1HoerdiZTjlol7eM=")
    }

    @Test(arguments: ["", "OSS ", "OSS :sig", "OSS id:", "OSS idsig", "OSS4-HMAC-SHA256 Credential=a:b",
                      "AWS id:sig", "OSS id:s ig"])
    func rejects(_ header: String) {
        #expect(SignatureV1.parseAuthorization(header) == nil)
    }
}
