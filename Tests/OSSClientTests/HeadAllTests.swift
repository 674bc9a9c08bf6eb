#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import ObjectStore
@testable import OSSClient
import Synchronization
import Testing

/// `headAll` asks for several HEADs and a listing at once: each answer as `head` and `list` give it, and from
/// a thread `BlockingCaller` marks, carried out on that thread, without waiting for another.
@Suite struct HeadAllTests {
    /// Runs `body` as a libfuse worker runs a request: Task.immediate on a fresh, marked thread. Also says
    /// whether the task had finished when Task.immediate returned (it never suspended).
    func onMarkedThread<T: Sendable>(_ body: @escaping @Sendable () async -> T) async -> (T, finishedInline: Bool) {
        await withCheckedContinuation { (c: CheckedContinuation<(T, finishedInline: Bool), Never>) in
            Thread.detachNewThread {
                let done = DispatchSemaphore(value: 0)
                let value = Mutex<T?>(nil)
                BlockingCaller.allowed {
                    _ = Task<Void, Never>.immediate {
                        let v = await body()
                        value.withLock { $0 = v }
                        done.signal()
                    }
                }
                let inline = value.withLock { $0 != nil }
                done.wait()
                c.resume(returning: (value.withLock { $0! }, inline))
            }
        }
    }

    @Test func answersMatchSeparateCallsAndLeaveFromTheMarkedThread() async throws {
        try await withLocalServer { port in
            let client = try localClient(port: port, signing: .v1)
            _ = try await client.put("d/f", payload: .bytes(pattern(100)), options: WriteOptions())
            _ = try await client.put("d/g/h", payload: .bytes([1]), options: WriteOptions())
            let listing = ListRequest(prefix: "d/g/", delimiter: "/", maxKeys: 1)
            let (answers, inline) = await onMarkedThread {
                await client.headAll(["d/f", "d/f/"], listing: listing)
            }
            #expect(inline, "carried out on the calling thread, with no suspension")
            #expect(answers.heads.count == 2)
            let file = try answers.heads[0].get()
            #expect(file.size == 100)
            #expect(file.etag == (try await client.head("d/f")).etag)
            #expect(throws: ObjectStoreError.self) { try answers.heads[1].get() }
            if case .failure(let e as ObjectStoreError) = answers.heads[1] { #expect(e.isNotFound) }
            #expect(try answers.listing?.get().objects.map(\.key) == ["d/g/h"])

            // Off a marked thread the same answers come through the I/O thread.
            let again = await client.headAll(["d/f", "d/f/"], listing: nil)
            #expect(try again.heads[0].get().etag == file.etag)
            #expect(again.listing == nil)
        }
    }

    @Test func anAnswerThatWouldBeRetriedIsRetriedAlone() async throws {
        let t = ScriptedTransport([
            .compute { r in
                r.url.hasSuffix("/a") ? ScriptedTransport.error(503, code: "ServiceUnavailable")
                    : ScriptedTransport.error(404, code: "NoSuchKey")
            },
            .compute { r in
                r.url.hasSuffix("/a") ? ScriptedTransport.error(503, code: "ServiceUnavailable")
                    : ScriptedTransport.error(404, code: "NoSuchKey")
            },
            ScriptedTransport.ok(headers: [("Content-Length", "7"), ("ETag", "\"E\"")]),
        ])
        let client = try makeClient(t, sleeps: SleepRecorder(), random: 0)
        let answers = await client.headAll(["a", "b"], listing: nil)
        #expect(try answers.heads[0].get().size == 7)
        if case .failure(let e as ObjectStoreError) = answers.heads[1] { #expect(e.isNotFound) } else {
            Issue.record("a 404 is an answer, not retried")
        }
        #expect(t.requests.count == 3, "the 503 alone went again")
    }
}
