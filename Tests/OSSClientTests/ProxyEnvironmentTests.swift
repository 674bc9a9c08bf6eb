#if canImport(Glibc)
import Glibc
#endif
import ObjectStore
import OSSClient
import Testing

/// Proxies from the process environment, as curl reads them. Changing the environment of a running test
/// process would race with every other test, so this runs only in a process started for it:
///
///     OSSFS_PROXY_ENV_TEST=1 http_proxy=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost \
///         swift test --filter ProxyEnvironmentTests
@Suite(.enabled(if: getenv("OSSFS_PROXY_ENV_TEST") != nil))
struct ProxyEnvironmentTests {
    @Test func noProxyKeepsLoopbackDirectWhileOtherHostsUseTheProxy() async throws {
        #expect(getenv("http_proxy") != nil || getenv("HTTP_PROXY") != nil)
        // 127.0.0.1 is in NO_PROXY: the local server is reached directly, the dead proxy never matters.
        try await withLocalServer { port in
            let client = try localClient(port: port, signing: .v4)
            _ = try await client.put("p", payload: .bytes([1]), options: WriteOptions())
            #expect(try await client.head("p").size == 1)
        }
        // 127.0.0.2 is not: the request goes to the proxy from the environment, which refuses.
        let server = try RawSocketServer(address: "127.0.0.2")
        defer { server.close() }
        let transport = try CurlTransport()
        await #expect(throws: TransportError.self) {
            try await transport.send(HTTPRequest(method: "GET", url: "http://127.0.0.2:\(server.port)/", connectTimeout: 5))
        }
        #expect(server.requestHeads.isEmpty)
    }
}
