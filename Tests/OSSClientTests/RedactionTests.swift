import ObjectStore
@testable import OSSClient
import OSSCore
import Testing

@Suite struct RedactionTests {
    @Test func urlsLoseSignaturesAndTokens() {
        let v1 = "https://b.host/k?OSSAccessKeyId=AK&Expires=1&Signature=abc%3D&security-token=TOK%3D%3D"
        #expect(Redaction.url(v1) == "https://b.host/k?OSSAccessKeyId=AK&Expires=1&Signature=<redacted>&security-token=<redacted>")
        let v4 = "https://b.host/k?x-oss-credential=AK%2F2024&x-oss-security-token=T&x-oss-signature=ff"
        #expect(Redaction.url(v4) == "https://b.host/k?x-oss-credential=AK%2F2024&x-oss-security-token=<redacted>&x-oss-signature=<redacted>")
        #expect(Redaction.url("https://b.host/k?uploads") == "https://b.host/k?uploads")
    }

    @Test func headersLoseAuthorizationAndTokens() {
        let s = Redaction.headers([("Authorization", "OSS AK:sig"), ("x-oss-security-token", "T"),
                                   ("security-token", "T2"), ("x-oss-date", "20240102T030405Z")])
        #expect(s == "Authorization: <redacted>, x-oss-security-token: <redacted>, security-token: <redacted>, x-oss-date: 20240102T030405Z")
    }

    /// Runs successful, retried and failing requests with STS credentials at debug level and checks that the
    /// secret, the token and every signature sent stay out of the logs and the errors.
    @Test(arguments: [SignatureVersionChoice.v1, .v4])
    func secretsNeverReachLogsOrErrors(version: SignatureVersionChoice) async throws {
        let secret = "SuperSecretKeyValue0123456789"
        let token = "STSTokenValueCAISabcdef0123456789"
        let creds = Credentials(accessKeyID: "LTAI5tFakeAccessKeyId0001", accessKeySecret: secret, securityToken: token)
        let sigXML = "<Error><Code>SignatureDoesNotMatch</Code><Message>no</Message><RequestId>R</RequestId>"
            + "<SignatureProvided>PROVIDED</SignatureProvided><StringToSign>x</StringToSign></Error>"
        let t = ScriptedTransport([
            ScriptedTransport.error(500, code: "InternalError"),
            ScriptedTransport.ok(headers: [("Content-Length", "1")]),
            .respond(status: 403, headers: [], body: Array(sigXML.utf8)),
            .fail(TransportError(kind: .tls, detail: "SSL certificate problem")),
        ])
        let logs = LogCapture()
        let client = try makeClient(t, credentials: creds, configure: {
            $0.signatureVersion = version
            $0.logger = logs.handler
            $0.logLevel = .debug
        })
        _ = try await client.head("a")
        var errors: [String] = []
        for key in ["b", "c"] {
            do { _ = try await client.head(ObjectKey(key)) } catch { errors.append("\(error)"); errors.append(String(reflecting: error)) }
        }
        let url = try await client.presignURL(key: "a", expiresIn: 60)
        let presignLog = Redaction.url(url)
        #expect(errors.count == 4)
        #expect(logs.all.count >= 4)
        #expect(logs.all.contains { $0.contains("Authorization: <redacted>") })
        let signatures = t.requests.compactMap { $0.header("Authorization") }.map { auth in
            String(auth.split(separator: version == .v1 ? ":" : "=").last!)
        }
        #expect(signatures.count == 4)
        for text in logs.all + errors + [presignLog] {
            #expect(!text.contains(secret))
            #expect(!text.contains(token))
            #expect(!text.contains("PROVIDED"))
            for sig in signatures { #expect(!text.contains(sig)) }
        }
        #expect(url.contains(PercentEncoding.encode(token, keepSlash: false)))
        #expect(!"\(creds)".contains(secret))
    }
}

@Suite struct SigningEchoRedactionTests {
    @Test func tokensLeaveServerEchoes() {
        let v1 = "GET\n\n\nTue, 02 Jan 2024 03:04:05 GMT\nx-oss-security-token:FakeSTSToken==\n/examplebucket/dir/file.txt"
        #expect(Redaction.signingText(v1)
            == "GET\n\n\nTue, 02 Jan 2024 03:04:05 GMT\nx-oss-security-token:<redacted>\n/examplebucket/dir/file.txt")
        let presign = "GET\n\n\n1704168245\n/examplebucket/dir/file.txt?security-token=FakeSTSToken==&uploads"
        #expect(Redaction.signingText(presign) == "GET\n\n\n1704168245\n/examplebucket/dir/file.txt?security-token=<redacted>&uploads")
        let v4 = "GET\n/b/k\nx-oss-credential=AK&x-oss-security-token=T%3D\nx-oss-date:20240102T030405Z\n"
        #expect(Redaction.signingText(v4) == "GET\n/b/k\nx-oss-credential=AK&x-oss-security-token=<redacted>\nx-oss-date:20240102T030405Z\n")
    }

    @Test func errorDetailsCarryNoToken() {
        let xml = "<Error><Code>SignatureDoesNotMatch</Code><Message>m</Message>"
            + "<StringToSign>GET\n\n\nD\nx-oss-security-token:SECRETTOKEN\n/b/k</StringToSign>"
            + "<StringToSignBytes>53 45 43 52 45 54</StringToSignBytes></Error>"
        let e = ErrorDecoder.decode(status: 403, headers: HTTPHeaders(), body: Array(xml.utf8))
        #expect(e.details["StringToSign"] == "GET\n\n\nD\nx-oss-security-token:<redacted>\n/b/k")
        #expect(e.details["StringToSignBytes"] == nil)
        #expect(!"\(e.details)".contains("SECRETTOKEN") && !"\(ObjectStoreError.service(e))".contains("SECRETTOKEN"))
    }
}
