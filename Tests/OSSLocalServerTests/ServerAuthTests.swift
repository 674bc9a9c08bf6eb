import Foundation
import OSSCore
import Testing
@testable import OSSLocalServer

@Suite("oss-local authentication")
struct ServerAuthTests {
    @Test func v1AndV4SignedRequestsAreAccepted() throws {
        try TestServer.with { s in
            #expect(try s.request("PUT", "dir/a b+c.txt", body: bytes("hello"), signing: .v1).status == 200)
            let get = try s.request("GET", "dir/a b+c.txt", signing: .v4)
            #expect(get.status == 200)
            #expect(get.text == "hello")
            #expect(try s.request("HEAD", "dir/a b+c.txt", signing: .v4).status == 200)
        }
    }

    @Test func wrongSecretGetsSignatureDoesNotMatchWithStringToSign() throws {
        try TestServer.with { s in
            let wrong = Credentials(accessKeyID: TestKeys.id, accessKeySecret: "not-the-secret")
            let v1 = try s.request("GET", "k", headers: [("x-oss-meta-a", "1")], signing: .v1With(wrong))
            #expect(v1.status == 403)
            #expect(v1.xmlText("Code") == "SignatureDoesNotMatch")
            let sts = try #require(v1.xmlText("StringToSign"))
            #expect(sts.hasPrefix("GET\n\n\n"))
            #expect(sts.hasSuffix("x-oss-meta-a:1\n/testbucket/k"))
            let hex = sts.utf8.map { String(format: "%02x", $0) }.joined(separator: " ")
            #expect(v1.xmlText("StringToSignBytes") == hex)
            #expect(v1.xmlText("OSSAccessKeyId") == TestKeys.id)

            let v4 = try s.request("GET", "k", signing: .v4With(wrong, region: "cn-hangzhou"))
            #expect(v4.status == 403)
            #expect(v4.xmlText("Code") == "SignatureDoesNotMatch")
            #expect(v4.xmlText("StringToSign")?.hasPrefix("OSS4-HMAC-SHA256\n") == true)
        }
    }

    @Test func unknownKeyIsInvalidAccessKeyId() throws {
        try TestServer.with { s in
            let stranger = Credentials(accessKeyID: "LTAI-nobody", accessKeySecret: "x")
            for signing in [Signing.v1With(stranger), .v4With(stranger, region: "cn-hangzhou")] {
                let r = try s.request("GET", "k", signing: signing)
                #expect(r.status == 403)
                #expect(r.xmlText("Code") == "InvalidAccessKeyId")
            }
        }
    }

    @Test func unsignedRequestIsDeniedUnlessAnonymous() throws {
        try TestServer.with { s in
            let r = try s.request("GET", "k", signing: .none)
            #expect(r.xmlText("Code") == "AccessDenied")
        }
        try TestServer.with(TestServer.configuration(anonymous: true)) { s in
            #expect(try s.request("PUT", "k", body: bytes("x"), signing: .none).status == 200)
            // An AWS SigV4 header (s3fs, rclone) and the S3 dialect's metadata header.
            let aws = try s.request("PUT", "k2", headers: [
                ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIA/20240102/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00"),
                ("x-amz-meta-mode", "33188"),
            ], body: bytes("y"), signing: .none)
            #expect(aws.status == 200)
            #expect(try s.request("HEAD", "k2", signing: .none).header("x-oss-meta-mode") == "33188")
        }
    }

    @Test func v4RegionMustMatchTheBucket() throws {
        try TestServer.with { s in
            let r = try s.request("GET", "k", signing: .v4With(TestKeys.credentials, region: "us-west-1"))
            #expect(r.status == 400)
            #expect(r.xmlText("Code") == "InvalidArgument")
        }
    }

    @Test func clockSkewOverFifteenMinutesIsRejected() throws {
        // The server's clock runs 20 minutes ahead of the signer's.
        let ahead: @Sendable () -> Double = { Date().timeIntervalSince1970 + 20 * 60 }
        try TestServer.with(TestServer.configuration(clock: ahead)) { s in
            for signing in [Signing.v1, .v4] {
                let r = try s.request("GET", "k", signing: signing)
                #expect(r.status == 403)
                #expect(r.xmlText("Code") == "RequestTimeTooSkewed")
            }
        }
        let slightlyAhead: @Sendable () -> Double = { Date().timeIntervalSince1970 + 10 * 60 }
        try TestServer.with(TestServer.configuration(clock: slightlyAhead)) { s in
            let r = try s.request("GET", "k", signing: .v1)
            #expect(r.xmlText("Code") == "NoSuchKey")
        }
    }

    @Test func stsKeysMustCarryTheirToken() throws {
        try TestServer.with { s in
            #expect(try s.request("PUT", "sts", body: bytes("t"), signing: .v1With(TestKeys.sts)).status == 200)
            #expect(try s.request("GET", "sts", signing: .v4With(TestKeys.sts, region: "cn-hangzhou")).status == 200)
            let noToken = Credentials(accessKeyID: TestKeys.stsID, accessKeySecret: TestKeys.stsSecret)
            let r = try s.request("GET", "sts", signing: .v1With(noToken))
            #expect(r.status == 403)
            // The v2 SDK's V1 signer sends a bare security-token header instead.
            let bare = try s.request("GET", "sts", headers: [("security-token", TestKeys.stsToken)], signing: .v1With(noToken))
            #expect(bare.status == 200)
        }
    }

    @Test func presignedV1URLsWorkUntilTheyExpire() throws {
        try TestServer.with { s in
            try s.request("PUT", "dir/file.txt", body: bytes("presigned"))
            let now = Int64(Date().timeIntervalSince1970)
            let signable = SignableRequest(method: "GET", bucket: TestKeys.bucket, key: "dir/file.txt")
            func url(_ expires: Int64) -> String {
                let q = SignatureV1.presignQuery(signable, credentials: TestKeys.credentials, expires: expires)
                return TestServer.target(bucket: TestKeys.bucket, key: "dir/file.txt",
                                         query: q.map { ($0.name, Optional($0.value)) }, virtualHosted: false)
            }
            let ok = try s.raw("GET", url(now + 600))
            #expect(ok.status == 200)
            #expect(ok.text == "presigned")
            let expired = try s.raw("GET", url(now - 10))
            #expect(expired.status == 403)
            #expect(expired.xmlText("Code") == "AccessDenied")
            #expect(expired.xmlText("Message") == "Request has expired.")
            let tampered = try s.raw("GET", url(now + 600).replacingOccurrences(of: "file.txt", with: "other.txt"))
            #expect(tampered.xmlText("Code") == "SignatureDoesNotMatch")
        }
    }

    @Test func presignedV4URLsWorkUntilTheyExpire() throws {
        try TestServer.with { s in
            try s.request("PUT", "v4/file", body: bytes("v4 presigned"))
            let signable = SignableRequest(method: "GET", bucket: TestKeys.bucket, key: "v4/file")
            func url(now: Int64, expiresIn: Int64, credentials: Credentials = TestKeys.credentials) -> String {
                let q = SignatureV4.presignQuery(signable, credentials: credentials, region: "cn-hangzhou",
                                                 now: now, expiresIn: expiresIn)
                return TestServer.target(bucket: TestKeys.bucket, key: "v4/file",
                                         query: q.map { ($0.name, Optional($0.value)) }, virtualHosted: false)
            }
            let now = Int64(Date().timeIntervalSince1970)
            let ok = try s.raw("GET", url(now: now, expiresIn: 900))
            #expect(ok.status == 200)
            #expect(ok.text == "v4 presigned")
            #expect(try s.raw("GET", url(now: now, expiresIn: 900, credentials: TestKeys.sts)).status == 200)
            let expired = try s.raw("GET", url(now: now - 3600, expiresIn: 60))
            #expect(expired.status == 403)
            #expect(expired.xmlText("Message") == "Request has expired.")
        }
    }

    @Test func v4AdditionalHeadersAreVerified() throws {
        try TestServer.with { s in
            var signable = SignableRequest(method: "GET", bucket: TestKeys.bucket, key: "nope",
                                           headers: [("Host", "127.0.0.1:\(s.port)")])
            SignatureV4.sign(&signable, credentials: TestKeys.credentials, region: "cn-hangzhou",
                             now: Int64(Date().timeIntervalSince1970), additionalHeaders: ["host"])
            #expect(signable.header("Authorization")?.contains("AdditionalHeaders=host") == true)
            let good = try HTTPTestClient(port: s.port).send(method: "GET", target: "/testbucket/nope", headers: signable.headers)
            #expect(good.xmlText("Code") == "NoSuchKey")
            var other = signable.headers.filter { $0.name != "Host" }
            other.append(("Host", "localhost:\(s.port)"))
            let bad = try HTTPTestClient(port: s.port).send(method: "GET", target: "/testbucket/nope", headers: other)
            #expect(bad.xmlText("Code") == "SignatureDoesNotMatch")
        }
    }
}
