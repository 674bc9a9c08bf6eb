import OSSCore

/// The per-entry metadata requests (HEADs) of one directory listing, run ahead of the kernel.
///
/// readdirplus must show each entry's mode/uid/gid/mtime, which only the object's metadata holds. Asking
/// for them per readdirplus call leaves the server idle while the kernel consumes a batch and while the
/// next listing page is fetched; here every entry is queued as soon as its listing page arrives and up to
/// `limit` workers fetch in listing order, so readdirplus mostly finds its answers ready.
///
/// A name is fetched once; its answer (nil when the store had nothing usable) is kept until the handle
/// goes. `cancel` (releasedir, rewind) stops the queue; requests already sent finish.
/// LOCK ORDER: `state` is a leaf lock, never held across `await`.
final class AttributePrefetch: Sendable {
    typealias Fetch = @Sendable (_ name: String, _ kind: FileKind) async -> NodeInfo?
    /// A name as a kind: the listing may turn a file into a same-named directory after it was queued.
    struct Key: Hashable, Sendable {
        let name: String
        let kind: FileKind
    }

    private struct Waiter {
        var pending: Set<Key>
        let continuation: CheckedContinuation<Void, Never>
    }
    private struct State {
        var queue: [Key] = []
        var next = 0
        var queued: Set<Key> = []
        var answers: [Key: NodeInfo?] = [:]
        var waiters: [Int: Waiter] = [:]
        var nextWaiter = 0
        var workers = 0
        var cancelled = false
    }
    private let state = Locked(State())
    private let limit: Int
    private let fetch: Fetch

    init(limit: Int, fetch: @escaping Fetch) {
        self.limit = max(limit, 1)
        self.fetch = fetch
    }

    /// Queues the names not queued yet and starts workers up to the limit.
    func enqueue(_ entries: [Key]) {
        let start = state.withLock { s -> Int in
            guard !s.cancelled else { return 0 }
            for e in entries where s.queued.insert(e).inserted { s.queue.append(e) }
            let idle = s.queue.count - s.next
            let n = min(limit - s.workers, idle)
            guard n > 0 else { return 0 }
            s.workers += n
            return n
        }
        for _ in 0..<start { Task { await self.work() } }
    }

    private func work() async {
        while let key = take() {
            finish(key, await fetch(key.name, key.kind))
        }
    }

    private func take() -> Key? {
        state.withLock { s in
            guard !s.cancelled, s.next < s.queue.count else {
                s.workers -= 1
                return nil
            }
            let e = s.queue[s.next]
            s.next += 1
            if s.next == s.queue.count {   // the queue drained: let go of its storage
                s.queue.removeAll(keepingCapacity: false)
                s.next = 0
            }
            return e
        }
    }

    private func finish(_ key: Key, _ info: NodeInfo?) {
        let ready = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.answers[key] = .some(info)
            var ready: [CheckedContinuation<Void, Never>] = []
            for (id, var w) in s.waiters where w.pending.remove(key) != nil {
                if w.pending.isEmpty {
                    ready.append(w.continuation)
                    s.waiters[id] = nil
                } else {
                    s.waiters[id] = w
                }
            }
            return ready
        }
        for c in ready { c.resume() }
    }

    /// The answers for `keys` (queued first when they were not), waiting for those still in flight; a key
    /// the store had nothing usable for has none. After `cancel`, unanswered keys come back without an
    /// answer at once.
    func answers(_ keys: [Key]) async -> [Key: NodeInfo] {
        enqueue(keys)
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { s -> Bool in
                let pending = Set(keys).filter { s.answers[$0] == nil }
                if pending.isEmpty || s.cancelled { return true }
                s.waiters[s.nextWaiter] = Waiter(pending: pending, continuation: c)
                s.nextWaiter += 1
                return false
            }
            if resumeNow { c.resume() }
        }
        return state.withLock { s in
            var out: [Key: NodeInfo] = [:]
            for k in keys { if case .some(.some(let info)) = s.answers[k] { out[k] = info } }
            return out
        }
    }

    /// Stops fetching; waiters get what is there.
    func cancel() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.cancelled = true
            s.queue = []
            s.next = 0
            let w = s.waiters.values.map(\.continuation)
            s.waiters = [:]
            return w
        }
        for c in waiters { c.resume() }
    }

    /// For tests: how many workers run now.
    var runningWorkers: Int { state.withLock { $0.workers } }
}
