#if canImport(Glibc)
import Glibc
#endif
import OSSCore

/// Memory for one chunk of read-ahead: a fixed buffer a GET writes into and readers copy from. It goes back
/// to its pool when the last reference is gone (the prefetcher dropped it and its GET has ended), so a
/// buffer is never reused while a transfer may still write into it.
final class ChunkMemory: @unchecked Sendable {
    /// The bytes asked for; the mapping behind them may be larger (its size class).
    let bytes: UnsafeMutableRawBufferPointer
    private let allocation: UnsafeMutableRawBufferPointer
    private let pool: ChunkPool
    fileprivate init(allocation: UnsafeMutableRawBufferPointer, length: Int, pool: ChunkPool) {
        self.allocation = allocation
        self.bytes = UnsafeMutableRawBufferPointer(rebasing: allocation[0..<length])
        self.pool = pool
    }
    deinit { pool.recycle(allocation) }
}

/// The memory every sequential reader of the mount shares for read-ahead (`direct_read_prefetch_limit=`):
/// a budget in bytes, and free lists of mapped buffers kept while readers stream, so a 1 GiB read does not
/// map, fault in and unmap a fresh buffer for every chunk. Large buffers are mmap'd directly: malloc would
/// keep freed 8 MiB blocks in its heap and the process's RSS would not follow the budget. Mapped buffers come
/// in power-of-two size classes up to `chunkSize`, each counted at its class size, so the first chunk of the
/// next file (a stream's first chunks are small, as is a whole small file) finds a buffer already faulted
/// in: a fresh 1 MiB mapping costs 256 page faults before its first byte can be served. Small ones (a small
/// file's whole body, fetched by its lookup) come from malloc: a map and unmap per file cost two system
/// calls, a page fault and, with several threads, a TLB shootdown on every core. Once no reader holds a
/// chunk the free lists are unmapped, `idleGrace` later: a reader that starts on the next file meanwhile
/// (cp -r, cat of many files, a training epoch) reuses the buffers instead of faulting in 64 MiB of new
/// pages, which on a VM that hands freed memory back to its host costs a host fault each.
/// LOCK ORDER: leaf.
final class ChunkPool: Sendable {
    let limit: UInt64
    let chunkSize: Int
    let idleGrace: Duration
    private struct State {
        var used: UInt64 = 0
        /// Mapped buffers kept for reuse, by size class, and their total size.
        var free: [Int: [UnsafeMutableRawBufferPointer]] = [:]
        var freeBytes: UInt64 = 0
        var readers = 0
        /// When the last chunk came back (meaningful while `used == 0`).
        var idleSince = ContinuousClock.Instant.now
        /// A release of the free lists is scheduled; there is never more than one.
        var releaseScheduled = false

        mutating func takeFree(_ size: Int) -> UnsafeMutableRawBufferPointer? {
            guard let b = free[size]?.popLast() else { return nil }
            freeBytes -= UInt64(size)
            return b
        }

        /// Kept buffers to unmap so that what is mapped stays within `limit`, the largest first.
        mutating func shed(toFit limit: UInt64) -> [UnsafeMutableRawBufferPointer] {
            var dropped: [UnsafeMutableRawBufferPointer] = []
            for size in free.keys.sorted(by: >) {
                while used + freeBytes > limit, let b = takeFree(size) { dropped.append(b) }
            }
            return dropped
        }

        mutating func takeAllFree() -> [UnsafeMutableRawBufferPointer] {
            defer { free = [:]; freeBytes = 0 }
            return free.values.flatMap { $0 }
        }
    }
    private let state: Locked<State>

    init(limit: UInt64, chunkSize: Int, idleGrace: Duration = .seconds(2)) {
        self.limit = limit
        self.chunkSize = chunkSize
        self.idleGrace = idleGrace
        state = Locked(State())
    }

    deinit {
        for b in state.withLock({ $0.takeAllFree() }) { Self.release(b) }
    }

    /// What a buffer of `length` bytes costs the budget: malloc'd ones their length, mapped ones their size
    /// class (the next power of two, at most `chunkSize`).
    func footprint(_ length: Int) -> Int {
        guard length > Self.heapLimit else { return length }
        var size = Self.heapLimit * 2
        while size < length { size *= 2 }
        return min(size, chunkSize)
    }

    /// A buffer of `length` bytes (at most `chunkSize`), or nil when the budget cannot cover it.
    func acquire(_ length: Int) -> ChunkMemory? {
        precondition(length > 0 && length <= chunkSize)
        let size = footprint(length)
        var unmap: [UnsafeMutableRawBufferPointer] = []
        let reused = state.withLock { s -> UnsafeMutableRawBufferPointer?? in
            guard s.used + UInt64(size) <= limit else { return .none }
            s.used += UInt64(size)
            if size > Self.heapLimit, let b = s.takeFree(size) { return .some(b) }
            // A new buffer: kept ones make room so that all mapped memory stays within the limit.
            unmap = s.shed(toFit: limit)
            return .some(nil)
        }
        for u in unmap { Self.release(u) }
        guard let reused else { return nil }
        if let b = reused { return ChunkMemory(allocation: b, length: length, pool: self) }
        guard let b = Self.allocate(size) else {
            state.withLock { $0.used -= UInt64(size) }
            return nil
        }
        return ChunkMemory(allocation: b, length: length, pool: self)
    }

    fileprivate func recycle(_ b: UnsafeMutableRawBufferPointer) {
        let (kept, schedule) = state.withLock { s -> (Bool, Bool) in
            s.used -= UInt64(b.count)
            let kept = b.count > Self.heapLimit && s.used + s.freeBytes + UInt64(b.count) <= limit
            if kept {
                s.free[b.count, default: []].append(b)
                s.freeBytes += UInt64(b.count)
            }
            guard s.used == 0, s.freeBytes > 0 else { return (kept, false) }
            s.idleSince = .now
            defer { s.releaseScheduled = true }
            return (kept, !s.releaseScheduled)
        }
        if !kept { Self.release(b) }
        if schedule { releaseFreeList(after: idleGrace) }
    }

    /// Unmaps the kept buffers once the pool has been idle for `idleGrace`; looks again later if it went idle
    /// again meanwhile, and stops if it is busy (the next idle spell schedules anew).
    private func releaseFreeList(after delay: Duration) {
        Task { [weak self] in
            try? await Task.sleep(for: delay)
            guard let self else { return }
            let now = ContinuousClock.Instant.now, grace = idleGrace
            let (unmap, wait) = state.withLock { s -> ([UnsafeMutableRawBufferPointer], Duration?) in
                guard s.used == 0, s.freeBytes > 0 else {
                    s.releaseScheduled = false
                    return ([], nil)
                }
                let due = s.idleSince + grace
                if now < due { return ([], due - now) }
                s.releaseScheduled = false
                return (s.takeAllFree(), nil)
            }
            for u in unmap { Self.release(u) }
            if let wait { releaseFreeList(after: wait) }
        }
    }

    /// Bytes handed out and not yet recycled.
    var inUse: UInt64 { state.withLock { $0.used } }
    /// Bytes mapped: handed out or kept for reuse.
    var mapped: UInt64 { state.withLock { $0.used + $0.freeBytes } }

    /// Readers streaming now share the budget: each may keep at most its share ahead of itself.
    func join() { state.withLock { $0.readers += 1 } }
    func leave() { state.withLock { $0.readers -= 1 } }
    func share() -> UInt64 {
        let readers = state.withLock { max(1, $0.readers) }
        return limit / UInt64(readers)
    }

    /// Buffers up to this size (a small file's body) come from malloc, which keeps them in its heap: glibc's
    /// mmap threshold starts at 128 KiB and rises past the first mapped block freed. Larger ones are mapped.
    /// `release` tells them apart by the same rule.
    static let heapLimit = 128 << 10

    private static func allocate(_ length: Int) -> UnsafeMutableRawBufferPointer? {
        if length <= heapLimit {
            guard let p = malloc(length) else { return nil }
            return UnsafeMutableRawBufferPointer(start: p, count: length)
        }
        let p = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let p, p != MAP_FAILED else { return nil }
        return UnsafeMutableRawBufferPointer(start: p, count: length)
    }

    private static func release(_ b: UnsafeMutableRawBufferPointer) {
        if b.count <= heapLimit { free(b.baseAddress) } else { munmap(b.baseAddress, b.count) }
    }
}
