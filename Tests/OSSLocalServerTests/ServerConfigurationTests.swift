import Foundation
import OSSCore
import Testing
@testable import OSSLocalServer

@Suite("oss-local configuration")
struct ServerConfigurationTests {
    @Test func passwdFilesGiveGlobalAndBucketKeys() throws {
        let text = "# comment\n\nAKID1:secret1\nmybucket:AKID2:secret2\n  \n"
        let keys = try AccessKeySources.parsePasswd(text, source: "f")
        #expect(keys == [AccessKey(id: "AKID1", secret: "secret1"), AccessKey(id: "AKID2", secret: "secret2", bucket: "mybucket")])
    }

    @Test func badPasswdLinesNameTheLineNotTheSecret() {
        do {
            _ = try AccessKeySources.parsePasswd("ok:fine\nonly-one-field-s3cret\n", source: "/etc/passwd-ossfs")
            Issue.record("expected an error")
        } catch let error as AccessKeySources.FormatError {
            #expect(error.description == "/etc/passwd-ossfs:2: expected id:secret or bucket:id:secret")
            #expect(!error.description.contains("s3cret"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func environmentKeysMayRequireAToken() {
        #expect(AccessKeySources.fromEnvironment([:]).isEmpty)
        let keys = AccessKeySources.fromEnvironment(["OSS_ACCESS_KEY_ID": "id", "OSS_ACCESS_KEY_SECRET": "s",
                                                     "OSS_SESSION_TOKEN": "tok"])
        #expect(keys == [AccessKey(id: "id", secret: "s", securityToken: "tok")])
        #expect(!String(describing: keys[0]).contains("\"s\""))
    }

    @Test func faultKindsParse() throws {
        #expect(try FaultKind.parseList("500, 503,reset,STALL").get() == [.internalError, .serviceUnavailable, .reset, .stall])
        #expect(throws: FaultListError.self) { try FaultKind.parseList("500,boom").get() }
    }

    @Test func splitMixIsReproducible() {
        var a = SplitMix64(seed: 1234), b = SplitMix64(seed: 1234), c = SplitMix64(seed: 1235)
        let xs = (0..<5).map { _ in a.next() }
        #expect(xs == (0..<5).map { _ in b.next() })
        #expect(xs != (0..<5).map { _ in c.next() })
        // The published first output of SplitMix64 seeded with 0.
        var d = SplitMix64(seed: 0)
        #expect(d.next() == 0xE220A8397B1DCDAF)
    }

    @Test func bucketNamesAndStorageClasses() {
        #expect(ServerBucket.isValidName("my-bucket-01"))
        #expect(!ServerBucket.isValidName("-bad") && !ServerBucket.isValidName("Bad") && !ServerBucket.isValidName("ab"))
        #expect(ServerBucket.canonicalStorageClass("coldarchive") == "ColdArchive")
        #expect(ServerBucket.canonicalStorageClass("glacier") == nil)
    }
}

@Suite("oss-local access log")
struct ServerAccessLogTests {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    @Test func logsOneLineWithoutSecrets() throws {
        let lines = Lines()
        var configuration = TestServer.configuration()
        configuration.accessLog = { lines.append($0) }
        try TestServer.with(configuration) { s in
            try s.request("PUT", "logged key", body: bytes("x"))
            let signable = SignableRequest(method: "GET", bucket: TestKeys.bucket, key: "logged key")
            let q = SignatureV1.presignQuery(signable, credentials: TestKeys.sts, expires: Int64(Date().timeIntervalSince1970) + 60)
            let presigned = try s.raw("GET", TestServer.target(bucket: TestKeys.bucket, key: "logged key",
                                                               query: q.map { ($0.name, Optional($0.value)) }, virtualHosted: false))
            #expect(presigned.status == 200)
            let signature = try #require(q.first { $0.name == "Signature" }?.value)
            #expect(lines.all.count == 2)
            #expect(lines.all.first?.hasPrefix("PUT /testbucket/logged%20key 200 0B ") == true)
            #expect(lines.all.first?.hasSuffix(" PutObject") == true)
            #expect(lines.all.last?.contains("?OSSAccessKeyId&Expires&security-token&Signature 200 1B") == true, "\(lines.all)")
            #expect(!lines.all.joined().contains(signature) && !lines.all.joined().contains(TestKeys.stsToken))
        }
    }
}
