@testable import OSSClient
import OSSCore
import Testing

/// The builder keeps a prepared HMAC key per secret; a rotated secret (RAM role refresh, passwd reload) must
/// sign with the new secret at once, exactly as a fresh signer would.
@Suite struct SigningKeyCacheTests {
    private func authorization(_ b: RequestBuilder, _ c: Credentials, now: Int64) -> String? {
        b.build(APIRequest("HEAD", key: "dir/file.txt"), credentials: c, now: now, connectTimeout: 1, stallTimeout: 1)
            .header("Authorization")
    }

    /// What the signer says without any cached key.
    private func uncached(_ signing: ResolvedSigning, _ c: Credentials, now: Int64) -> String? {
        var s = SignableRequest(method: "HEAD", bucket: "examplebucket", key: "dir/file.txt")
        switch signing {
        case .v1: SignatureV1.sign(&s, credentials: c, now: now)
        case .v4(let region): SignatureV4.sign(&s, credentials: c, region: region, now: now)
        }
        return s.header("Authorization")
    }

    @Test(arguments: [ResolvedSigning.v1, .v4(region: "cn-hangzhou")])
    func rotatedSecretSignsWithTheNewSecret(signing: ResolvedSigning) throws {
        let b = RequestBuilder(endpoint: try Endpoint(parsing: "https://oss-cn-hangzhou.aliyuncs.com"),
                               bucket: "examplebucket", pathStyle: false, signing: signing)
        var rotated = testCredentials
        rotated.accessKeySecret = "RotatedSecret0002"
        let now: Int64 = 1_704_164_645
        for c in [testCredentials, testCredentials, rotated, testCredentials] {
            let signed = authorization(b, c, now: now)
            #expect(signed != nil && signed == uncached(signing, c, now: now))
        }
        #expect(authorization(b, rotated, now: now) != authorization(b, testCredentials, now: now))
    }

    @Test func v4KeyFollowsTheDay() throws {
        let signing = ResolvedSigning.v4(region: "cn-hangzhou")
        let b = RequestBuilder(endpoint: try Endpoint(parsing: "https://oss-cn-hangzhou.aliyuncs.com"),
                               bucket: "examplebucket", pathStyle: false, signing: signing)
        for now: Int64 in [1_704_239_999, 1_704_240_000, 1_704_239_999] {   // 23:59:59, then the next day
            #expect(authorization(b, testCredentials, now: now) == uncached(signing, testCredentials, now: now))
        }
    }
}
