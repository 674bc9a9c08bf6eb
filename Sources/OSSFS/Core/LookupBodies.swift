import ObjectStore
import OSSCore

/// The bytes a GET brought for a small listed file before anybody opened it, kept for the open that usually
/// follows (`cat`, `cp`, `grep` after a readdir), which then reads them instead of sending a request: a
/// lookup's GET, or the directory read-ahead's. Each entry lives at most the open-reuse window, and all of
/// them together stay under `byteLimit`, so names that are only stat'ed hold little memory and not for long.
final class LookupBodies: Sendable {
    private struct Kept {
        let head: OpenedHead
        let stored: Timestamp
    }
    private struct State {
        var kept: [FSPath: Kept] = [:]
        var bytes = 0

        mutating func remove(_ path: FSPath) -> Kept? {
            guard let e = kept.removeValue(forKey: path) else { return nil }
            bytes -= e.head.chunk.count
            return e
        }

        mutating func dropExpired(now: Timestamp, window: Double) {
            for (path, e) in kept where !(now < e.stored.adding(seconds: window)) { _ = remove(path) }
        }
    }

    private let state = Locked(State())
    private let byteLimit: Int
    private let window: Double

    init(byteLimit: Int = 8 << 20, window: Double) {
        self.byteLimit = byteLimit
        self.window = window
    }

    /// Keeps `head` for `path`, making room by dropping what expired, then the oldest.
    func put(_ path: FSPath, _ head: OpenedHead, now: Timestamp) {
        let count = head.chunk.count
        state.withLock { s in
            _ = s.remove(path)
            if s.bytes + count > byteLimit { s.dropExpired(now: now, window: window) }
            while s.bytes + count > byteLimit, let oldest = s.kept.min(by: { $0.value.stored < $1.value.stored })?.key {
                _ = s.remove(oldest)
            }
            s.kept[path] = Kept(head: head, stored: now)
            s.bytes += count
        }
    }

    /// True when `count` more bytes fit without dropping anything still fresh: a read-ahead that would push
    /// out bytes nobody has opened yet is not worth its request.
    func hasRoom(for count: Int, now: Timestamp) -> Bool {
        state.withLock { s in
            if s.bytes + count > byteLimit { s.dropExpired(now: now, window: window) }
            return s.bytes + count <= byteLimit
        }
    }

    /// The bytes kept for `path`, if they are of version `etag` and younger than the window; taken, so that
    /// one open reads them (any other open fetches as usual).
    func take(_ path: FSPath, etag: ETag?, now: Timestamp) -> OpenedHead? {
        state.withLock { s in
            guard let e = s.remove(path), e.head.etag == etag, now < e.stored.adding(seconds: window) else { return nil }
            return e.head
        }
    }

    var count: Int { state.withLock { $0.kept.count } }
    var bytes: Int { state.withLock { $0.bytes } }
}
