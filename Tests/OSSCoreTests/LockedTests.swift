import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import OSSCore

@Suite struct LockedTests {
    /// Read, yield the CPU, write back: without mutual exclusion other threads' increments in the gap are lost.
    @Test func serializesReadModifyWriteAcrossThreads() {
        let counter = Locked(0)
        let threads = 8, rounds = 2_000
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            for _ in 0..<rounds {
                counter.withLock { value in
                    let seen = value
                    sched_yield()
                    value = seen + 1
                }
            }
        }
        #expect(counter.withLock { $0 } == threads * rounds)
    }

    @Test func copiesShareOneValueAndTheLastReleasesIt() {
        final class Tracked {}
        weak var watched: Tracked?
        do {
            let tracked = Tracked()
            watched = tracked
            let a = Locked([tracked])
            let b = a
            b.withLock { $0.append(Tracked()) }
            #expect(a.withLock { $0.count } == 2)
        }
        #expect(watched == nil)
    }

    @Test func rethrowsAndUnlocks() {
        struct Boom: Error {}
        let value = Locked("x")
        #expect(throws: Boom.self) { try value.withLock { _ in throw Boom() } }
        #expect(value.withLock { $0 } == "x")   // would deadlock had the throw left it locked
    }
}
