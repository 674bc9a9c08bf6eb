import ObjectStore
import OSSCore

/// What the store said about paths, for `stat_cache_expire=` seconds (TTL since insertion), at most
/// `max_stat_cache_size=` entries, including "no such path" answers (the negative cache, unless
/// `disable_noobj_cache`). Every local change invalidates the paths it touches, so this mount sees its own
/// changes at once; other clients' changes show once an entry expires.
///
/// Directories this mount created (mkdir) are "complete": every name in them that this mount made is in
/// the cache, so a name with no entry there is absent, answered without asking the store (cp -r, tar x into
/// a new directory send no lookups). The knowledge lasts one TTL from the mkdir, like any cached answer,
/// and is dropped as soon as it could be wrong: a child's entry leaving the cache (invalidated, evicted), a
/// failed create in it, or the negative cache being off.
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
    private struct State {
        var entries: [FSPath: Entry] = [:]
        /// Complete directories and when that knowledge expires (nil: never, with a negative TTL).
        var complete: [FSPath: Timestamp?] = [:]
    }
    private let state = Locked(State())
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

    var enabled: Bool { ttl != 0 && capacity > 0 }

    func get(_ path: FSPath) -> Answer? {
        guard enabled else { return nil }
        let now = clock.now()
        return state.withLock { s in
            if let e = s.entries[path] {
                if let expires = e.expires, expires <= now {
                    s.entries[path] = nil
                } else {
                    return e.answer
                }
            }
            return Self.inComplete(&s, path, now: now) ? .absent : nil
        }
    }

    /// True when `path`'s parent is a complete directory (so no entry means no such name).
    private static func inComplete(_ s: inout State, _ path: FSPath, now: Timestamp) -> Bool {
        guard !path.isRoot, let known = s.complete[path.parent] else { return false }
        if let expires = known, expires <= now {
            s.complete[path.parent] = nil
            return false
        }
        return true
    }

    /// Nothing is at `path` because its parent is a complete directory with no entry for it: a fresh
    /// answer, for checks that otherwise skip the cache (mkdir, create).
    func knownAbsent(_ path: FSPath) -> Bool {
        guard enabled, negative else { return false }
        let now = clock.now()
        return state.withLock { s in s.entries[path] == nil && Self.inComplete(&s, path, now: now) }
    }

    /// `path` is a directory this mount just made, empty.
    func markComplete(_ path: FSPath) {
        guard enabled, negative else { return }
        let expires = ttl < 0 ? nil : clock.now().adding(seconds: ttl)
        state.withLock { $0.complete[path] = .some(expires) }
    }

    /// What this mount knows of `path`'s children may be wrong now (a failed create, another client).
    func forgetComplete(_ path: FSPath) { _ = state.withLock { $0.complete.removeValue(forKey: path) } }

    /// For tests: whether `path` is a complete directory now.
    func isComplete(_ path: FSPath) -> Bool {
        let now = clock.now()
        return state.withLock { s in
            guard let known = s.complete[path] else { return false }
            return known.map { $0 > now } ?? true
        }
    }

    /// This mount made `path` (a file, directory or symlink): its entry, and its ancestors exist. A
    /// complete parent stays complete, the new name being in the cache now.
    func created(_ path: FSPath, _ info: NodeInfo) {
        guard enabled else { return }
        let now = clock.now()
        let expires = ttl < 0 ? nil : now.adding(seconds: ttl)
        state.withLock { s in
            Self.clearAbsentAncestors(&s, path)
            if s.entries.count >= capacity, s.entries[path] == nil { Self.evict(&s, now: now, keep: capacity - 1) }
            s.entries[path] = Entry(answer: .present(info), expires: expires, stored: now)
        }
    }

    /// A complete answer the store gave less than `seconds` ago: open takes it instead of asking again
    /// right after the lookup that just asked (the ETag it pins still guards every read).
    func recent(_ path: FSPath, within seconds: Double) -> NodeInfo? {
        guard enabled else { return nil }
        let now = clock.now()
        return state.withLock { s in
            guard let e = s.entries[path], case .present(let info) = e.answer, info.complete,
                  now < e.stored.adding(seconds: seconds) else { return nil }
            return info
        }
    }

    func put(_ path: FSPath, _ info: NodeInfo) { insert(path, .present(info)) }

    /// An answer that may be older than what the cache learned since it was asked (a listing's metadata
    /// request racing a local change): kept only when the cache has nothing, or only a listing's guess.
    /// `sameVersionRefreshes`: also when the cache knows this very version (same ETag), so its entry counts as
    /// just read (the directory read-ahead's bodies are only taken by an open that trusts a recent answer).
    func putUnlessKnown(_ path: FSPath, _ info: NodeInfo, sameVersionRefreshes: Bool = false) {
        guard enabled else { return }
        let now = clock.now()
        let expires = ttl < 0 ? nil : now.adding(seconds: ttl)
        state.withLock { s in
            if let e = s.entries[path], e.expires.map({ $0 > now }) ?? true {
                guard case .present(let known) = e.answer,
                      !known.complete || (sameVersionRefreshes && known.etag != nil && known.etag == info.etag)
                else { return }
            } else if Self.inComplete(&s, path, now: now) {
                return   // a complete directory without this name: it went after the listing
            }
            if s.entries.count >= capacity, s.entries[path] == nil { Self.evict(&s, now: now, keep: capacity - 1) }
            s.entries[path] = Entry(answer: .present(info), expires: expires, stored: now)
        }
    }

    func putAbsent(_ path: FSPath) {
        guard negative else { return }
        insert(path, .absent)
    }

    private func insert(_ path: FSPath, _ answer: Answer) {
        guard enabled else { return }
        let now = clock.now()
        let expires = ttl < 0 ? nil : now.adding(seconds: ttl)
        state.withLock { s in
            if s.entries.count >= capacity, s.entries[path] == nil { Self.evict(&s, now: now, keep: capacity - 1) }
            s.entries[path] = Entry(answer: answer, expires: expires, stored: now)
        }
    }

    /// Drops expired entries, then the soonest to expire, down to `keep`. An evicted child could make its
    /// complete directory lie, so eviction ends all completeness knowledge.
    private static func evict(_ s: inout State, now: Timestamp, keep: Int) {
        s.complete = [:]
        for (k, e) in s.entries { if let x = e.expires, x <= now { s.entries[k] = nil } }
        guard s.entries.count > keep else { return }
        let surplus = s.entries.count - max(keep - keep / 10, 0)
        let victims = s.entries.sorted {
            ($0.value.expires ?? Timestamp(seconds: .max)) < ($1.value.expires ?? Timestamp(seconds: .max))
        }.prefix(surplus).map(\.key)
        for k in victims { s.entries[k] = nil }
    }

    /// Forgets `path`; its parent is no longer known complete (its entry for `path` is gone).
    func invalidate(_ path: FSPath) {
        state.withLock { s in
            s.entries[path] = nil
            if !path.isRoot { s.complete[path.parent] = nil }
        }
    }

    /// A path and everything below it (directory rename and removal).
    func invalidateTree(_ path: FSPath) {
        state.withLock { s in
            for k in s.entries.keys where k.isWithin(path) { s.entries[k] = nil }
            for k in s.complete.keys where k.isWithin(path) { s.complete[k] = nil }
            if !path.isRoot { s.complete[path.parent] = nil }
        }
    }

    /// A path, and the "absent" answers of its ancestors (creating `a/b/c` makes `a` and `a/b` exist).
    func invalidateCreated(_ path: FSPath) {
        state.withLock { s in
            s.entries[path] = nil
            if !path.isRoot { s.complete[path.parent] = nil }
            Self.clearAbsentAncestors(&s, path)
        }
    }

    private static func clearAbsentAncestors(_ s: inout State, _ path: FSPath) {
        var p = path
        while !p.isRoot {
            p = p.parent
            if case .absent? = s.entries[p]?.answer { s.entries[p] = nil }
        }
    }

    /// `path` is gone (unlink, rmdir): absent (with the negative cache), and a complete parent stays so.
    func removed(_ path: FSPath, directory: Bool) {
        let now = clock.now()
        let expires = ttl < 0 ? nil : now.adding(seconds: ttl)
        state.withLock { s in
            if directory {
                for k in s.entries.keys where k.isWithin(path) { s.entries[k] = nil }
                for k in s.complete.keys where k.isWithin(path) { s.complete[k] = nil }
            }
            guard enabled else { return }
            if negative {
                if s.entries.count >= capacity, s.entries[path] == nil { Self.evict(&s, now: now, keep: capacity - 1) }
                s.entries[path] = Entry(answer: .absent, expires: expires, stored: now)
            } else {
                s.entries[path] = nil   // no entry in a complete directory reads as absent too
            }
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
