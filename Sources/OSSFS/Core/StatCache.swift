import ObjectStore
import Synchronization

/// What the store said about paths, for `stat_cache_expire=` seconds (TTL since insertion), at most
/// `max_stat_cache_size=` entries, including "no such path" answers (the negative cache, unless
/// `disable_noobj_cache`). Every local change invalidates the paths it touches, so this mount sees its own
/// changes at once; other clients' changes show once an entry expires.
/// LOCK ORDER: `state` is a leaf lock, never held across `await`.
final class StatCache: Sendable {
    enum Answer: Sendable {
        case present(NodeInfo)
        case absent
    }
    private struct Entry {
        var answer: Answer
        var expires: Timestamp?
        var stored: Timestamp
    }
    private let state = Mutex<[FSPath: Entry]>([:])
    private let ttl: Double
    private let capacity: Int
    private let negative: Bool
    private let clock: FilesystemClock

    init(ttl: Double, capacity: Int, negative: Bool, clock: FilesystemClock) {
        self.ttl = ttl
        self.capacity = capacity
        self.negative = negative
        self.clock = clock
    }

    private var enabled: Bool { ttl != 0 && capacity > 0 }

    func get(_ path: FSPath) -> Answer? {
        guard enabled else { return nil }
        let now = clock.now()
        return state.withLock { s in
            guard let e = s[path] else { return nil }
            if let expires = e.expires, expires <= now {
                s[path] = nil
                return nil
            }
            return e.answer
        }
    }

    /// A complete answer the store gave less than `seconds` ago: open takes it instead of asking again
    /// right after the lookup that just asked (the ETag it pins still guards every read).
    func recent(_ path: FSPath, within seconds: Double) -> NodeInfo? {
        guard enabled else { return nil }
        let now = clock.now()
        return state.withLock { s in
            guard let e = s[path], case .present(let info) = e.answer, info.complete,
                  now < e.stored.adding(seconds: seconds) else { return nil }
            return info
        }
    }

    func put(_ path: FSPath, _ info: NodeInfo) { insert(path, .present(info)) }

    func putAbsent(_ path: FSPath) {
        guard negative else { return }
        insert(path, .absent)
    }

    private func insert(_ path: FSPath, _ answer: Answer) {
        guard enabled else { return }
        let now = clock.now()
        let expires = ttl < 0 ? nil : now.adding(seconds: ttl)
        state.withLock { s in
            if s.count >= capacity, s[path] == nil { Self.evict(&s, now: now, keep: capacity - 1) }
            s[path] = Entry(answer: answer, expires: expires, stored: now)
        }
    }

    /// Drops expired entries, then the soonest to expire, down to `keep`.
    private static func evict(_ s: inout [FSPath: Entry], now: Timestamp, keep: Int) {
        for (k, e) in s { if let x = e.expires, x <= now { s[k] = nil } }
        guard s.count > keep else { return }
        let surplus = s.count - max(keep - keep / 10, 0)
        let victims = s.sorted { ($0.value.expires ?? Timestamp(seconds: .max)) < ($1.value.expires ?? Timestamp(seconds: .max)) }
            .prefix(surplus).map(\.key)
        for k in victims { s[k] = nil }
    }

    func invalidate(_ path: FSPath) { _ = state.withLock { $0.removeValue(forKey: path) } }

    /// A path and everything below it (directory rename and removal).
    func invalidateTree(_ path: FSPath) {
        state.withLock { s in
            for k in s.keys where k.isWithin(path) { s[k] = nil }
        }
    }

    /// A path, and the "absent" answers of its ancestors (creating `a/b/c` makes `a` and `a/b` exist).
    func invalidateCreated(_ path: FSPath) {
        state.withLock { s in
            s[path] = nil
            var p = path
            while !p.isRoot {
                p = p.parent
                if case .absent? = s[p]?.answer { s[p] = nil }
            }
        }
    }

    var count: Int { state.withLock { $0.count } }
}
