import Foundation
import OSSCore
import Testing
@testable import OSSLocalServer

@Suite("oss-local faults and persistence")
struct ServerFaultTests {
    /// What a client sees for one request: a status, or the connection dropping.
    static func outcome(_ s: TestServer, _ method: String, _ key: String, body: [UInt8] = []) -> String {
        do {
            let r = try s.request(method, key, body: body)
            return String(r.status)
        } catch HTTPTestClient.Failure.closed {
            return "reset"
        } catch HTTPTestClient.Failure.timeout {
            return "stall"
        } catch {
            return "error \(error)"
        }
    }

    @Test func theSameSeedGivesTheSameFaults() throws {
        let faults = FaultConfiguration(rate: 0.5, kinds: [.internalError, .serviceUnavailable, .reset], seed: 42)
        func run() throws -> [String] {
            try TestServer.with(TestServer.configuration(faults: faults)) { s in
                (0..<40).map { i in Self.outcome(s, "GET", "k\(i % 3)") }
            }
        }
        let first = try run(), second = try run()
        #expect(first == second)
        #expect(first.contains("500") && first.contains("503") && first.contains("reset") && first.contains("404"))
        let other = try TestServer.with(TestServer.configuration(faults: FaultConfiguration(
            rate: 0.5, kinds: [.internalError, .serviceUnavailable, .reset], seed: 7))) { s in
            (0..<40).map { i in Self.outcome(s, "GET", "k\(i % 3)") }
        }
        #expect(other != first)
    }

    @Test func faultedWritesStoreNothing() throws {
        let faults = FaultConfiguration(rate: 1, kinds: [.internalError, .serviceUnavailable, .reset], seed: 1)
        try TestServer.with(TestServer.configuration(faults: faults)) { s in
            var seen = Set<String>()
            for i in 0..<12 {
                let result = Self.outcome(s, "PUT", "w\(i)", body: bytes("data"))
                seen.insert(result)
                #expect(["500", "503", "reset"].contains(result))
            }
            #expect(seen.count == 3)
            // Bucket information is not data plane: it is never faulted, and shows nothing was stored.
            let stat = try s.request("GET", "", query: [("stat", nil)])
            #expect(stat.status == 200)
            #expect(stat.xmlText("ObjectCount") == "0")
        }
    }

    @Test func resetCutsTheBodyShort() throws {
        // Seed search is not needed: with rate 1 and one kind, every data-plane request is reset.
        let data = [UInt8](repeating: 7, count: 100_000)
        let storage = ServerFaultTests.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: storage) }
        try TestServer.with(TestServer.configuration(storage: .directory(storage))) { s in
            let put = try s.request("PUT", "big", body: data)
            #expect(put.status == 200)
        }
        let faults = FaultConfiguration(rate: 1, kinds: [.reset], seed: 3)
        try TestServer.with(TestServer.configuration(storage: .directory(storage), faults: faults)) { s in
            #expect(Self.outcome(s, "GET", "big") == "reset")
        }
    }

    @Test func stallNeverAnswers() throws {
        let faults = FaultConfiguration(rate: 1, kinds: [.stall], seed: 9)
        try TestServer.with(TestServer.configuration(faults: faults)) { s in
            let client = try HTTPTestClient(port: s.port, timeoutSeconds: 1)
            #expect(throws: HTTPTestClient.Failure.self) {
                try s.request("GET", "k", client: client)
            }
        }
    }

    @Test func latencyIsAddedToEveryRequest() throws {
        let faults = FaultConfiguration(latencyMilliseconds: 150)
        try TestServer.with(TestServer.configuration(faults: faults)) { s in
            let start = Date()
            _ = try s.request("GET", "", query: [("bucketInfo", nil)])
            #expect(Date().timeIntervalSince(start) >= 0.15)
        }
    }

    @Test func aRestartWithADataDirectoryKeepsObjects() throws {
        let storage = ServerFaultTests.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: storage) }
        let big = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var uploadID = ""
        try TestServer.with(TestServer.configuration(storage: .directory(storage))) { s in
            try s.request("PUT", "keep/small", headers: [("x-oss-meta-mode", "33188")], body: bytes("small"))
            try s.request("PUT", "keep/big", body: big)
            try s.request("POST", "keep/app", query: [("append", nil), ("position", "0")], body: bytes("ab"))
            try s.request("POST", "keep/app", query: [("append", nil), ("position", "2")], body: bytes("cd"))
            let initiate = try s.request("POST", "keep/mp", query: [("uploads", nil)])
            uploadID = try #require(initiate.xmlText("UploadId"))
            try s.request("PUT", "keep/mp", query: [("partNumber", "1"), ("uploadId", uploadID)], body: big)
        }
        try TestServer.with(TestServer.configuration(storage: .directory(storage))) { s in
            let small = try s.request("GET", "keep/small")
            #expect(small.text == "small" && small.header("x-oss-meta-mode") == "33188")
            #expect(try s.request("GET", "keep/big").body == big)
            let app = try s.request("GET", "keep/app")
            #expect(app.text == "abcd" && app.header("x-oss-object-type") == "Appendable")
            let complete = try s.request("POST", "keep/mp", query: [("uploadId", uploadID)],
                                         headers: [("x-oss-complete-all", "yes")])
            #expect(complete.status == 200)
            #expect(try s.request("GET", "keep/mp").body == big)
        }
    }

    static func tempDirectory() -> String {
        let path = NSTemporaryDirectory() + "oss-local-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
