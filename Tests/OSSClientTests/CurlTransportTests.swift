#if canImport(Glibc)
import Glibc
#endif
import CCurl
import ObjectStore
@testable import OSSClient
import OSSCore
import OSSLocalServer
import Synchronization
import Testing

@Suite struct CurlTransportTests {
    @Test func curlAddsNoContentTypeAndNoExpect() async throws {
        let server = try RawSocketServer()
        defer { server.close() }
        let transport = try CurlTransport(options: CurlTransportOptions(userAgent: "ossfs/test"))
        let url = "http://127.0.0.1:\(server.port)/b/k"
        let post = try await transport.send(HTTPRequest(method: "POST", url: url, body: .bytes(pattern(200_000))))
        #expect(post.status == 200 && post.body == Array("ok".utf8))
        _ = try await transport.send(HTTPRequest(method: "PUT", url: url, headers: [("Content-Type", "text/plain"), ("x-oss-empty", "")],
                                                 body: .bytes([1, 2, 3])))
        _ = try await transport.send(HTTPRequest(method: "DELETE", url: url))
        _ = try await transport.send(HTTPRequest(method: "GET", url: url))
        _ = try await transport.send(HTTPRequest(method: "HEAD", url: url))   // last: this server sends a body anyway
        let heads = server.requestHeads.map { $0.lowercased() }
        #expect(heads.count == 5)
        #expect(heads[0].hasPrefix("post /b/k http/1.1"))
        #expect(!heads[0].contains("content-type") && !heads[0].contains("expect:"))
        #expect(heads[0].contains("content-length: 200000") && heads[0].contains("user-agent: ossfs/test"))
        #expect(heads[1].hasPrefix("put ") && heads[1].contains("content-type: text/plain"))
        #expect(heads[1].contains("\r\nx-oss-empty:"))
        // Requests without a body are sent without the lines that keep curl from adding these headers.
        for (i, method) in [(2, "delete "), (3, "get "), (4, "head ")] {
            #expect(heads[i].hasPrefix(method) && !heads[i].contains("content-type") && !heads[i].contains("expect"))
        }
        // One kept-alive connection served the first three.
        #expect(post.connectionsOpened == 1)
    }

    @Test func refusedConnectionsAreClassified() async throws {
        let port = try RawSocketServer.closedPort(address: "127.0.0.3")
        let transport = try CurlTransport()
        do {
            _ = try await transport.send(HTTPRequest(method: "GET", url: "http://127.0.0.3:\(port)/", connectTimeout: 5))
            Issue.record("expected a transport error")
        } catch let e as TransportError {
            #expect(e.kind == .connect)
        }
    }

    @Test func aStalledServerTimesOut() async throws {
        let server = try RawSocketServer(silent: true)
        defer { server.close() }
        let transport = try CurlTransport()
        let started = time(nil)
        do {
            _ = try await transport.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(server.port)/", stallTimeout: 1))
            Issue.record("expected a timeout")
        } catch let e as TransportError {
            #expect(e.kind == .timeout)
        }
        // About 1 s; the bound is loose because a loaded machine delays the resumption of this task.
        #expect(time(nil) - started <= 60)
    }

    @Test func cancellationEndsAStalledRequestPromptly() async throws {
        let server = try RawSocketServer(silent: true)
        defer { server.close() }
        let transport = try CurlTransport()
        let task = Task {
            try await transport.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(server.port)/", stallTimeout: 60))
        }
        try await Task.sleep(nanoseconds: 200_000_000)
        let started = time(nil)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(time(nil) - started <= 30)
    }

    @Test func noProxyForLoopbackBypassesAProxy() async throws {
        let server = try RawSocketServer()
        defer { server.close() }
        // A "proxy" that answers everything with 502, so going through it is visible.
        let proxy = try RawSocketServer(response: "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
        defer { proxy.close() }
        let proxyURL = "http://127.0.0.1:\(proxy.port)"
        let url = "http://127.0.0.1:\(server.port)/"
        let bypassing = try CurlTransport(options: CurlTransportOptions(proxy: proxyURL, noProxy: "127.0.0.1,localhost"))
        #expect(try await bypassing.send(HTTPRequest(method: "GET", url: url)).status == 200)
        #expect(proxy.requestHeads.isEmpty)
        let proxied = try CurlTransport(options: CurlTransportOptions(proxy: proxyURL))
        #expect(try await proxied.send(HTTPRequest(method: "GET", url: url)).status == 502)
        #expect(proxy.requestHeads.first?.hasPrefix("GET \(url) HTTP/1.1") == true)
        // The metadata fetcher never uses a proxy.
        let fetcher = try CurlMetadataFetcher(transport: proxied)
        let fetched = try await fetcher.fetch(method: "GET", url: url, headers: [("X-aliyun-ecs-metadata-token", "t")])
        #expect(fetched.status == 200 && fetched.body == Array("ok".utf8))
        #expect(server.requestHeads.last?.contains("X-aliyun-ecs-metadata-token: t") == true)
        #expect(proxy.requestHeads.count == 1)
    }

    @Test func hundredsOfRequestsInFlightReuseConnections() async throws {
        // Every answer takes 500 ms: 300 requests one after another would take 150 s.
        try await withLocalServer(configure: { $0.faults = FaultConfiguration(latencyMilliseconds: 500) }) { port in
            let client = try localClient(port: port, signing: .v4)
            let body = pattern(4096)
            _ = try await client.put("shared", payload: .bytes(body), options: WriteOptions())
            let started = time(nil)
            let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<300 {
                    group.addTask {
                        let got = try await client.get("shared", range: UInt64(i)..<UInt64(i + 100), conditions: GetConditions())
                        return got.body == Array(body[i..<(i + 100)])
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.count == 300 && results.allSatisfy { $0 })
            #expect(time(nil) - started < 100)

            let transport = try CurlTransport()
            let url = try await client.presignURL(key: "shared", expiresIn: 60)
            var opened = 0
            for _ in 0..<5 { opened += try await transport.send(HTTPRequest(method: "GET", url: url)).connectionsOpened }
            #expect(opened == 1)
        }
    }

    @Test func requestsSpreadOverSeveralIOThreadsAllArrive() async throws {
        try await withLocalServer { port in
            // The client's own transport has three loops too: uploads and signed GETs go through them.
            let client = try localClient(port: port, signing: .v1) { $0.transportThreads = 3 }
            let bodies = (0..<8).map { pattern(1000 + $0 * 4096, seed: $0) }
            for (i, body) in bodies.enumerated() {
                _ = try await client.put(ObjectKey("spread/\(i)"), payload: .bytes(body), options: WriteOptions())
            }
            let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<200 {
                    group.addTask {
                        let got = try await client.get(ObjectKey("spread/\(i % 8)"), range: nil, conditions: GetConditions())
                        return got.body == bodies[i % 8]
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.count == 200 && results.allSatisfy { $0 })

            // One request at a time always lands on the first loop, so its kept-alive connection serves all.
            let transport = try CurlTransport(options: CurlTransportOptions(ioThreads: 3))
            let url = try await client.presignURL(key: "spread/0", expiresIn: 60)
            var opened = 0
            for _ in 0..<5 {
                let response = try await transport.send(HTTPRequest(method: "GET", url: url))
                #expect(response.body == bodies[0])
                opened += response.connectionsOpened
            }
            #expect(opened == 1)
        }
    }

    @Test func faultsAreRetriedUntilEverythingArrives() async throws {
        try await withLocalServer(configure: {
            $0.faults = FaultConfiguration(rate: 0.3, kinds: [.internalError, .serviceUnavailable, .reset], seed: 42)
        }) { port in
            let logs = LogCapture()
            let client = try localClient(port: port, signing: .v1, configure: {
                $0.retries = 12
                $0.logger = logs.handler
                $0.logLevel = .info
            })
            for i in 0..<20 {
                let body = pattern(50_000 + i, seed: i)
                let key = ObjectKey("fault/\(i)")
                _ = try await client.put(key, payload: .bytes(body), options: WriteOptions())
                let sink = MemorySink()
                _ = try await client.get(key, range: nil, conditions: GetConditions(), into: sink)
                #expect(sink.bytes == body)
            }
            #expect(logs.all.contains { $0.hasPrefix("retry ") })
        }
    }

    @Test func stalledServerAnswersBecomeTimeoutsAfterRetries() async throws {
        try await withLocalServer(configure: { $0.faults = FaultConfiguration(rate: 1, kinds: [.stall]) }) { port in
            let client = try localClient(port: port, signing: .v4, configure: {
                $0.readwriteTimeout = 1
                $0.retries = 1
            })
            do {
                _ = try await client.head("k")
                Issue.record("expected a timeout")
            } catch let e as ObjectStoreError {
                guard case .transport(let kind, _) = e else { Issue.record("\(e)"); return }
                #expect(kind == .timeout)
            }
        }
    }
}

@Suite struct TransportFailureClassificationTests {
    @Test func curlCodesMapToKinds() {
        let cases: [(CURLcode, ObjectStoreError.TransportFailure)] = [
            (CURLE_COULDNT_CONNECT, .connect), (CURLE_COULDNT_RESOLVE_HOST, .dns), (CURLE_OPERATION_TIMEDOUT, .timeout),
            (CURLE_PEER_FAILED_VERIFICATION, .tls), (CURLE_SSL_CONNECT_ERROR, .tls), (CURLE_SSL_CACERT_BADFILE, .tls),
            (CURLE_RECV_ERROR, .reset), (CURLE_SEND_ERROR, .reset), (CURLE_GOT_NOTHING, .reset),
            (CURLE_PARTIAL_FILE, .reset), (CURLE_WRITE_ERROR, .aborted), (CURLE_URL_MALFORMAT, .other),
        ]
        for (code, kind) in cases { #expect(CurlErrorClassifier.kind(code) == kind, "\(code)") }
    }

    @Test func tlsToAPlainServerIsATLSFailure() async throws {
        let server = try RawSocketServer(greeting: Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8))
        defer { server.close() }
        let transport = try CurlTransport()
        do {
            _ = try await transport.send(HTTPRequest(method: "GET", url: "https://127.0.0.1:\(server.port)/", connectTimeout: 5))
            Issue.record("expected a TLS failure")
        } catch let e as TransportError {
            #expect(e.kind == .tls)
        }
        // The options reach curl: a CA file that does not exist fails before any byte is read.
        let badCA = try CurlTransport(options: CurlTransportOptions(caFile: "/nonexistent/ca.pem"))
        await #expect(throws: TransportError.self) {
            try await badCA.send(HTTPRequest(method: "GET", url: "https://127.0.0.1:\(server.port)/", connectTimeout: 5))
        }
    }

    @Test func aClosedConnectionMidAnswerIsAReset() async throws {
        let server = try RawSocketServer(greeting: Array("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort".utf8))
        defer { server.close() }
        let transport = try CurlTransport()
        do {
            _ = try await transport.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(server.port)/"))
            Issue.record("expected a reset")
        } catch let e as TransportError {
            #expect(e.kind == .reset)
        }
    }
}
