#if canImport(Glibc)
import Glibc
#endif
import ObjectStore
import OSSClient
import Testing

/// TLS against `openssl s_server` with a throw-away self-signed certificate: verified by default, accepted
/// when that certificate is named as the CA file, and accepted unverified only when verification is off.
@Suite(.enabled(if: access("/usr/bin/openssl", X_OK) == 0))
struct TLSVerificationTests {
    @Test func verificationDefaultsOnAndOptionsWork() async throws {
        var template = Array("/tmp/ossclient-tls-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw TestFileError(message: "mkdtemp")
        }
        let dir = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let cert = dir + "/cert.pem", key = dir + "/key.pem"
        defer {
            unlink(cert)
            unlink(key)
            rmdir(dir)
        }
        try ChildProcess.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                                                  "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.4",
                                                  "-addext", "subjectAltName=IP:127.0.0.4"])
        // A free port (s_server cannot report one it picked), on an address no other test server binds.
        let port = try RawSocketServer.closedPort(address: "127.0.0.4")
        let server = try ChildProcess("/usr/bin/openssl", ["s_server", "-accept", "127.0.0.4:\(port)", "-cert", cert,
                                                           "-key", key, "-www", "-quiet"])
        defer { server.kill() }
        let url = "https://127.0.0.4:\(port)/"
        func get(_ t: CurlTransport) async throws -> Int {
            try await t.send(HTTPRequest(method: "GET", url: url, connectTimeout: 5, stallTimeout: 5)).status
        }

        // Unverified: works once the server listens.
        let unverified = try CurlTransport(options: CurlTransportOptions(verifyTLS: false))
        var up = false
        for _ in 0..<50 where !up {
            if (try? await get(unverified)) == 200 { up = true } else { try await Task.sleep(nanoseconds: 100_000_000) }
        }
        try #require(up)

        // Verified by default: a self-signed certificate is refused as a TLS failure.
        do {
            _ = try await get(try CurlTransport())
            Issue.record("a self-signed certificate must not pass verification")
        } catch let e as TransportError {
            #expect(e.kind == .tls)
        }

        // Naming the certificate as the CA file makes it verify.
        #expect(try await get(try CurlTransport(options: CurlTransportOptions(caFile: cert))) == 200)
    }
}
