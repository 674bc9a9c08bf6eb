import ObjectStore
import OSSCore

/// The bytes a lookup's GET brought for a small listed file, kept for the open that usually follows at once
/// (`cat`, `cp`, `grep` after a plain readdir), which then reads them instead of sending a second request.
/// A few entries, each for at most the open-reuse window, so names that are only stat'ed hold little
/// read-ahead memory and not for long.
final class LookupBodies: Sendable {
    private struct Kept {
        let head: OpenedHead
        let stored: Timestamp
    }

    private let kept = Locked<[FSPath: Kept]>([:])
    private let capacity: Int
    private let window: Double

    init(capacity: Int = 16, window: Double) {
        self.capacity = capacity
        self.window = window
    }

    func put(_ path: FSPath, _ head: OpenedHead, now: Timestamp) {
        kept.withLock { k in
            k = k.filter { now < $0.value.stored.adding(seconds: window) }   // bytes nobody opened in time
            if k.count >= capacity, k[path] == nil,
               let oldest = k.min(by: { $0.value.stored < $1.value.stored })?.key
            {
                k[oldest] = nil
            }
            k[path] = Kept(head: head, stored: now)
        }
    }

    /// The bytes kept for `path`, if they are of version `etag` and younger than the window; taken, so that
    /// one open reads them (any other open fetches as usual).
    func take(_ path: FSPath, etag: ETag?, now: Timestamp) -> OpenedHead? {
        kept.withLock { k in
            guard let e = k.removeValue(forKey: path), e.head.etag == etag,
                  now < e.stored.adding(seconds: window) else { return nil }
            return e.head
        }
    }

    var count: Int { kept.withLock { $0.count } }
}
