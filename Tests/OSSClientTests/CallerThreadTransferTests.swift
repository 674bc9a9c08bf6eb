#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import ObjectStore
@testable import OSSClient
import Synchronization
import Testing

/// Requests started on a thread marked by `BlockingCaller` are carried out by that thread (no hand-off to the
/// I/O thread and back); everywhere else they go through the I/O thread.
@Suite struct CallerThreadTransferTests {
    /// Records which thread curl delivered the body on.
    final class ThreadRecordingSink: BodySink, @unchecked Sendable {
        private let threads = Mutex<[pthread_t]>([])
        var seen: [pthread_t] { threads.withLock { $0 } }
        func write(_ chunk: UnsafeRawBufferPointer) throws { threads.withLock { $0.append(pthread_self()) } }
        func reset() throws {}
    }

    struct Outcome: Sendable {
        let caller: pthread_t
        let answeredBeforeTaskReturned: Bool
        let status: Int?
    }

    /// Starts a task with Task.immediate on a fresh thread (as a libfuse worker does), marked or not, and
    /// waits for the request it sends. Only that thread blocks, never one of the cooperative pool.
    func send(_ transport: CurlTransport, _ request: HTTPRequest, marked: Bool) async -> Outcome {
        await withCheckedContinuation { (result: CheckedContinuation<Outcome, Never>) in
            Thread.detachNewThread {
                let answered = DispatchSemaphore(value: 0)
                let status = Mutex<Int?>(nil)
                let finished = Atomic<Bool>(false)
                func start() {
                    Task.immediate {
                        let response = try? await transport.send(request)
                        status.withLock { $0 = response?.status }
                        finished.store(true, ordering: .sequentiallyConsistent)
                        answered.signal()
                    }
                }
                if marked { BlockingCaller.allowed(start) } else { start() }
                let before = finished.load(ordering: .sequentiallyConsistent)
                answered.wait()
                result.resume(returning: Outcome(caller: pthread_self(), answeredBeforeTaskReturned: before,
                                                 status: status.withLock { $0 }))
            }
        }
    }

    @Test func aMarkedThreadCarriesOutItsRequestAndReusesTheConnection() async throws {
        let server = try RawSocketServer()
        defer { server.close() }
        let transport = try CurlTransport()
        let url = "http://127.0.0.1:\(server.port)/b/k"
        for _ in 0..<3 {
            let sink = ThreadRecordingSink()
            let outcome = await send(transport, HTTPRequest(method: "GET", url: url, response: .stream(sink)), marked: true)
            #expect(outcome.status == 200)
            #expect(outcome.answeredBeforeTaskReturned)
            #expect(!sink.seen.isEmpty && sink.seen.allSatisfy { pthread_equal($0, outcome.caller) != 0 })
        }
        // The server accepts one connection: all three requests were served on it.
        #expect(server.requestHeads.count == 3)
    }

    @Test func anUnmarkedThreadHandsTheRequestToTheIOThread() async throws {
        let server = try RawSocketServer()
        defer { server.close() }
        let transport = try CurlTransport()
        let sink = ThreadRecordingSink()
        let outcome = await send(transport, HTTPRequest(method: "GET", url: "http://127.0.0.1:\(server.port)/b/k",
                                                  response: .stream(sink)), marked: false)
        #expect(outcome.status == 200)
        #expect(!outcome.answeredBeforeTaskReturned)
        #expect(!sink.seen.isEmpty && sink.seen.allSatisfy { pthread_equal($0, outcome.caller) == 0 })
    }

    @Test func aStalledRequestOnAMarkedThreadTimesOut() async throws {
        let server = try RawSocketServer(silent: true)
        defer { server.close() }
        let transport = try CurlTransport()
        let outcome = await send(transport, HTTPRequest(method: "GET", url: "http://127.0.0.1:\(server.port)/",
                                                  stallTimeout: 1), marked: true)
        #expect(outcome.status == nil)
        #expect(outcome.answeredBeforeTaskReturned)
    }

    @Test func theMarkEndsWithTheCall() {
        #expect(!BlockingCaller.isAllowedHere)
        BlockingCaller.allowed { #expect(BlockingCaller.isAllowedHere) }
        #expect(!BlockingCaller.isAllowedHere)
    }
}
