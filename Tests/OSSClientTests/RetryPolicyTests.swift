#if canImport(Glibc)
import Glibc
#endif
import ObjectStore
@testable import OSSClient
import OSSCore
import Testing

@Suite struct RetryPolicyTests {
    @Test func backoffGrowsExponentiallyUpToTheCap() {
        let p = RetryPolicy(maxRetries: 10, baseDelay: 0.1, maxDelay: 10)
        #expect((1...9).map { p.delayCeiling(beforeRetry: $0) } == [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 10, 10])
        #expect(p.delay(beforeRetry: 3, random: 0.5) == 0.2)
        #expect(p.delay(beforeRetry: 3, random: 0) == 0)
        #expect(p.delayCeiling(beforeRetry: 1000) == 10)
    }

    @Test func whatIsRetryable() {
        for s in [500, 502, 503, 504, 429] { #expect(RetryPolicy.isRetryable(status: s)) }
        for s in [400, 403, 404, 409, 412, 416] { #expect(!RetryPolicy.isRetryable(status: s)) }
        #expect(RetryPolicy.isRetryable(.reset) && RetryPolicy.isRetryable(.timeout) && RetryPolicy.isRetryable(.connect))
        #expect(!RetryPolicy.isRetryable(.tls) && !RetryPolicy.isRetryable(.aborted) && !RetryPolicy.isRetryable(.dns))
    }
}

@Suite struct ClientRetryTests {
    @Test func retries5xx429ResetsAndTimeoutsWithGrowingDelays() async throws {
        let t = ScriptedTransport([
            ScriptedTransport.error(500, code: "InternalError"),
            ScriptedTransport.error(503, code: "ServiceUnavailable"),
            ScriptedTransport.error(429, code: "SlowDown"),
            .fail(TransportError(kind: .reset, detail: "Connection reset by peer")),
            .fail(TransportError(kind: .timeout, detail: "Operation timed out")),
            ScriptedTransport.ok(headers: [("Content-Length", "3"), ("ETag", "\"E\"")]),
        ])
        let sleeps = SleepRecorder()
        let client = try makeClient(t, sleeps: sleeps, random: 1.0)
        let m = try await client.head("k")
        #expect(m.size == 3)
        #expect(t.requests.count == 6)
        #expect(sleeps.recorded == [0.1, 0.2, 0.4, 0.8, 1.6])
    }

    @Test func stopsAtTheBound() async throws {
        let t = ScriptedTransport(Array(repeating: ScriptedTransport.error(503, code: "ServiceUnavailable"), count: 10))
        let sleeps = SleepRecorder()
        let client = try makeClient(t, configure: { $0.retries = 3 }, sleeps: sleeps)
        await #expect(throws: ObjectStoreError.self) { try await client.head("k") }
        #expect(t.requests.count == 4)
        #expect(sleeps.recorded.count == 3)
        do { _ = try await client.head("k") } catch let e as ObjectStoreError { #expect(e.code == .serviceUnavailable) }
    }

    @Test func connectionRefusedIsRetriedThenReportedAsTransport() async throws {
        let t = ScriptedTransport(Array(repeating: .fail(TransportError(kind: .connect, detail: "refused")), count: 3))
        let client = try makeClient(t, configure: { $0.retries = 2 })
        do {
            _ = try await client.head("k")
            Issue.record("expected an error")
        } catch let e as ObjectStoreError {
            #expect(e == .transport(kind: .connect, detail: "refused"))
        }
        #expect(t.requests.count == 3)
    }

    @Test func noRetryOn4xx() async throws {
        for (status, code) in [(403, "AccessDenied"), (404, "NoSuchKey"), (400, "InvalidArgument"), (409, "FileAlreadyExists")] {
            let t = ScriptedTransport([ScriptedTransport.error(status, code: code), ScriptedTransport.ok()])
            let sleeps = SleepRecorder()
            let client = try makeClient(t, sleeps: sleeps)
            do {
                _ = try await client.get("k", range: nil, conditions: GetConditions())
                Issue.record("expected \(code)")
            } catch let e as ObjectStoreError {
                #expect(e.code == OSSErrorCode(code))
            }
            #expect(t.requests.count == 1)
            #expect(sleeps.recorded.isEmpty)
        }
    }

    @Test func tlsAndDNSFailuresAreNotRetried() async throws {
        let t = ScriptedTransport([.fail(TransportError(kind: .tls, detail: "certificate")), ScriptedTransport.ok()])
        let client = try makeClient(t)
        await #expect(throws: ObjectStoreError.transport(kind: .tls, detail: "certificate")) { try await client.head("k") }
        #expect(t.requests.count == 1)
    }

    @Test func clockSkewResyncsFromServerDateAndRetriesOnce() async throws {
        // Our clock says 2024-01-02 03:04:05; the server's says one hour later.
        let serverDate = "Tue, 02 Jan 2024 04:04:05 GMT"
        let t = ScriptedTransport([
            ScriptedTransport.error(403, code: "RequestTimeTooSkewed", headers: [("Date", serverDate)]),
            ScriptedTransport.ok(headers: [("Content-Length", "1")]),
            ScriptedTransport.ok(headers: [("Content-Length", "1")]),
        ])
        let sleeps = SleepRecorder()
        let client = try makeClient(t, configure: { $0.signatureVersion = .v1 }, sleeps: sleeps)
        _ = try await client.head("k")
        #expect(t.requests.count == 2)
        #expect(t.requests[0].header("Date") == "Tue, 02 Jan 2024 03:04:05 GMT")
        #expect(t.requests[1].header("Date") == serverDate)
        #expect(sleeps.recorded.isEmpty)
        // The offset sticks for later requests.
        _ = try await client.head("k")
        #expect(t.requests[2].header("Date") == serverDate)
    }

    @Test func clockSkewIsRetriedOnlyOnce() async throws {
        let skew = ScriptedTransport.error(403, code: "RequestTimeTooSkewed", headers: [("Date", "Tue, 02 Jan 2024 04:04:05 GMT")])
        let t = ScriptedTransport([skew, skew, ScriptedTransport.ok()])
        let client = try makeClient(t)
        do {
            _ = try await client.head("k")
            Issue.record("expected RequestTimeTooSkewed")
        } catch let e as ObjectStoreError {
            #expect(e.code == .requestTimeTooSkewed)
        }
        #expect(t.requests.count == 2)
    }

    @Test func streamedBodiesAreResetBeforeARetry() async throws {
        let body = Array("whole object".utf8)
        let crc = String(CRC64.checksum(body))
        let t = ScriptedTransport([
            ScriptedTransport.error(500, code: "InternalError"),
            .respond(status: 200, headers: [("Content-Length", "12"), ("x-oss-hash-crc64ecma", crc)], body: body),
        ])
        let sink = MemorySink()
        let client = try makeClient(t)
        let m = try await client.get("k", range: nil, conditions: GetConditions(), into: sink)
        #expect(sink.bytes == body && sink.resets == 1 && m.crc64 == UInt64(crc))
    }
}
