import OSSCore

/// A mutual-exclusion lock that may be held across `await` (a `Locked` must never be). It serializes the data
/// operations on one open file (writes, truncates, uploads, renames of that file), so an upload never reads
/// a staging file that a write is changing. Waiters are served first come, first served.
final class AsyncLock: Sendable {
    private struct State {
        var locked = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    /// Guards only `State`; held for a few instructions, never across a suspension point.
    private let state = Locked(State())

    init() {}

    func lock() async {
        // Uncontended, the caller goes on without suspending: a continuation resumed at once still sends the
        // task through the executor's queue, off the thread it was running on (a libfuse thread that could
        // have carried out the request that follows).
        if tryLock() { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let acquired = state.withLock { s -> Bool in
                if !s.locked {
                    s.locked = true
                    return true
                }
                s.waiters.append(c)
                return false
            }
            if acquired { c.resume() }
        }
    }

    /// Takes the lock only when nobody holds it (then nobody waits either, so no waiter is overtaken): for a
    /// caller that cannot wait and has a slower path to fall back on.
    func tryLock() -> Bool {
        state.withLock { s in
            guard !s.locked else { return false }
            s.locked = true
            return true
        }
    }

    /// Hands the lock straight to the next waiter, if any.
    func unlock() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            precondition(s.locked, "unlock of an unlocked AsyncLock")
            if s.waiters.isEmpty {
                s.locked = false
                return nil
            }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }

    func withLock<R>(_ body: () async throws -> R) async rethrows -> R {
        await lock()
        defer { unlock() }
        return try await body()
    }
}
