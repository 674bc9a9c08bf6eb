import ObjectStore
@testable import OSSClient
import OSSCore
import Testing

@Suite struct EndpointParsingTests {
    @Test func parsesSchemeHostPort() throws {
        let e = try Endpoint(parsing: "http://127.0.0.1:8080/")
        #expect(e.scheme == .http)
        #expect(e.host == "127.0.0.1")
        #expect(e.port == 8080)
        let h = try Endpoint(parsing: "https://OSS-cn-hangzhou.aliyuncs.com")
        #expect(h.scheme == .https && h.host == "oss-cn-hangzhou.aliyuncs.com" && h.port == nil)
        let bare = try Endpoint(parsing: "oss-cn-beijing.aliyuncs.com")
        #expect(bare.scheme == .https)
        let v6 = try Endpoint(parsing: "http://[::1]:9000")
        #expect(v6.host == "::1" && v6.port == 9000 && v6.isIPAddress)
        #expect(v6.description == "http://[::1]:9000")
    }

    @Test func rejectsNonsense() {
        for bad in ["ftp://x.com", "http://", "http://host:0", "http://host:99999", "http://host/path", "http://a@b"] {
            #expect(throws: Endpoint.ParseError.self) { try Endpoint(parsing: bad) }
        }
    }

    @Test func regionFromHostName() throws {
        let cases: [(String, String?)] = [
            ("https://oss-cn-hangzhou.aliyuncs.com", "cn-hangzhou"),
            ("https://oss-cn-hangzhou-internal.aliyuncs.com", "cn-hangzhou"),
            ("http://oss-ap-southeast-1.aliyuncs.com", "ap-southeast-1"),
            ("https://us-west-1.oss.aliyuncs.com", "us-west-1"),
            ("https://oss-accelerate.aliyuncs.com", nil),
            ("https://oss-accelerate-overseas.aliyuncs.com", nil),
            ("http://127.0.0.1:8080", nil),
            ("https://storage.example.com", nil),
        ]
        for (url, region) in cases {
            #expect(try Endpoint(parsing: url).derivedRegion == region, "\(url)")
        }
    }

    @Test func pathStyleIsAutomaticForIPsAndLocalhost() throws {
        #expect(try Endpoint(parsing: "http://127.0.0.1:80").requiresPathStyle)
        #expect(try Endpoint(parsing: "http://localhost:80").requiresPathStyle)
        #expect(try Endpoint(parsing: "http://[::1]:80").requiresPathStyle)
        #expect(!(try Endpoint(parsing: "https://oss-cn-hangzhou.aliyuncs.com").requiresPathStyle))
        #expect(!(try Endpoint(parsing: "http://1.2.3.4.nip.io").requiresPathStyle))
    }
}

@Suite struct SigningChoiceTests {
    func config(_ url: String, region: String? = nil, _ v: SignatureVersionChoice = .auto) throws -> ClientConfiguration {
        ClientConfiguration(endpoint: try Endpoint(parsing: url), bucket: "examplebucket", region: region,
                            signatureVersion: v)
    }

    @Test func autoUsesV4WithDerivedOrExplicitRegion() throws {
        #expect(try config("https://oss-cn-hangzhou.aliyuncs.com").resolveSigning().signing == .v4(region: "cn-hangzhou"))
        #expect(try config("http://127.0.0.1:9000", region: "us-west-1").resolveSigning().signing
            == .v4(region: "us-west-1"))
        let explicit = try config("https://oss-cn-hangzhou.aliyuncs.com", region: "cn-shanghai")
        #expect(try explicit.resolveSigning().signing == .v4(region: "cn-shanghai"))
        #expect(try explicit.resolveSigning().notice == nil)
    }

    @Test func autoFallsBackToV1WithOneLineNotice() throws {
        let (signing, notice) = try config("http://127.0.0.1:9000").resolveSigning()
        #expect(signing == .v1)
        let text = try #require(notice)
        #expect(!text.contains("\n"))
        #expect(text.contains("V1") && text.contains("127.0.0.1"))
    }

    @Test func forcedVersions() throws {
        #expect(try config("https://oss-cn-hangzhou.aliyuncs.com", .v1).resolveSigning().signing == .v1)
        #expect(throws: ClientConfigurationError.v4RequiresRegion) {
            try config("http://127.0.0.1:9000", .v4).resolveSigning()
        }
        #expect("\(ClientConfigurationError.v4RequiresRegion)" == "Using OSSV4 signature requires specifying the region")
    }

    @Test func defaults() throws {
        let c = try config("https://oss-cn-hangzhou.aliyuncs.com")
        #expect(c.retries == 5 && c.connectTimeout == 300 && c.readwriteTimeout == 120)
        #expect(c.listObjectsV2 && c.verifyTLS && c.userAgent.hasPrefix("ossfs/"))
        #expect(!c.usesPathStyle)
        var forced = c
        forced.forcePathStyle = true
        #expect(forced.usesPathStyle)
    }

    @Test func bucketNames() {
        #expect(ClientConfiguration.isValidBucketName("examplebucket"))
        #expect(ClientConfiguration.isValidBucketName("a-1"))
        for bad in ["ab", "-abc", "abc-", "ABC", "a_b", String(repeating: "a", count: 64)] {
            #expect(!ClientConfiguration.isValidBucketName(bad), "\(bad)")
        }
    }
}

@Suite struct URLBuildingTests {
    func builder(_ url: String, pathStyle: Bool) throws -> RequestBuilder {
        RequestBuilder(endpoint: try Endpoint(parsing: url), bucket: "examplebucket", pathStyle: pathStyle, signing: .v1)
    }

    @Test func virtualHostedKeysKeepSlashes() throws {
        let b = try builder("https://oss-cn-hangzhou.aliyuncs.com", pathStyle: false)
        #expect(b.url(key: "目录/a b+c.txt", query: [("uploads", nil)])
            == "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/%E7%9B%AE%E5%BD%95/a%20b%2Bc.txt?uploads")
        #expect(b.url(key: nil, query: []) == "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/")
    }

    @Test func pathStyleAndQueryEncoding() throws {
        let b = try builder("http://127.0.0.1:9000", pathStyle: true)
        #expect(b.url(key: nil, query: [("list-type", "2"), ("prefix", "dir/"), ("delimiter", "/")])
            == "http://127.0.0.1:9000/examplebucket/?list-type=2&prefix=dir%2F&delimiter=%2F")
        #expect(b.url(key: "a//b/", query: [("partNumber", "1"), ("uploadId", "x=y")])
            == "http://127.0.0.1:9000/examplebucket/a//b/?partNumber=1&uploadId=x%3Dy")
    }

    @Test func signedRequestCarriesExactlyTheSignedHeaders() throws {
        let b = RequestBuilder(endpoint: try Endpoint(parsing: "https://oss-cn-hangzhou.aliyuncs.com"),
                               bucket: "examplebucket", pathStyle: false, signing: .v1)
        var r = APIRequest("PUT", key: "dir/file.txt", headers: [
            ("Content-MD5", "eB5eJF1ptWaXm4bijSPyxw=="), ("Content-Type", "text/plain"),
            ("x-oss-meta-mode", "33188"), ("X-OSS-Meta-Mtime", "1704164645"),
        ])
        r.body = .bytes([])
        let http = b.build(r, credentials: testCredentials, now: 1_704_164_645, connectTimeout: 1, stallTimeout: 1)
        // Vector V1-A of the protocol document.
        #expect(http.header("Authorization") == "OSS LTAI5tFakeAccessKeyId0001:t4J0idANxxG1HoerdiZTjlol7eM=")
        #expect(http.header("Date") == "Tue, 02 Jan 2024 03:04:05 GMT")
        #expect(http.url == "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/dir/file.txt")
    }

    @Test func v4SignedListMatchesVector() throws {
        let b = RequestBuilder(endpoint: try Endpoint(parsing: "https://oss-cn-hangzhou.aliyuncs.com"),
                               bucket: "examplebucket", pathStyle: false, signing: .v4(region: "cn-hangzhou"))
        let r = APIRequest("GET", key: nil, query: [
            ("list-type", "2"), ("prefix", "dir/"), ("delimiter", "/"), ("max-keys", "100"), ("encoding-type", "url"),
        ])
        var creds = testCredentials
        creds.securityToken = "FakeSTSToken=="
        let http = b.build(r, credentials: creds, now: 1_704_164_645, connectTimeout: 1, stallTimeout: 1)
        // Vector V4-B.
        #expect(http.header("Authorization")?.hasSuffix(
            "Signature=0fbd2cba4ed784c789de2715d429afae823c6672a2340122b1a94e1097e44aa7") == true)
        #expect(http.header("x-oss-security-token") == "FakeSTSToken==")
        #expect(http.header("x-oss-date") == "20240102T030405Z")
    }

    @Test func presignedURLsMatchVectors() throws {
        let v1 = RequestBuilder(endpoint: try Endpoint(parsing: "https://oss-cn-hangzhou.aliyuncs.com"),
                                bucket: "examplebucket", pathStyle: false, signing: .v1)
        let url1 = v1.presignedURL(APIRequest("GET", key: "dir/file.txt"), credentials: testCredentials,
                                   now: 1_704_164_645, expiresIn: 3600)
        #expect(url1 == "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/dir/file.txt?OSSAccessKeyId="
            + "LTAI5tFakeAccessKeyId0001&Expires=1704168245&Signature=94O4m5G6Gv0E3oc66WW7QqK1vxg%3D")
        let v4 = RequestBuilder(endpoint: try Endpoint(parsing: "https://oss-cn-hangzhou.aliyuncs.com"),
                                bucket: "examplebucket", pathStyle: false, signing: .v4(region: "cn-hangzhou"))
        let url4 = v4.presignedURL(APIRequest("GET", key: "dir/file.txt"), credentials: testCredentials,
                                   now: 1_704_164_645, expiresIn: 3600)
        #expect(url4.contains("x-oss-signature=5a76b260f6434f83e001f86b5274984d570ea6e1c6d0dc5e547d3bcdd8dea7db"))
        #expect(url4.contains("x-oss-expires=3600"))
    }
}
