#if canImport(Glibc)
import Glibc
#endif
import OSSCore

/// Memory for one chunk of read-ahead: a fixed buffer a GET writes into and readers copy from. It goes back
/// to its pool when the last reference is gone (the prefetcher dropped it and its GET has ended), so a
/// buffer is never reused while a transfer may still write into it.
final class ChunkMemory: @unchecked Sendable {
    let bytes: UnsafeMutableRawBufferPointer
    private let pool: ChunkPool
    fileprivate init(bytes: UnsafeMutableRawBufferPointer, pool: ChunkPool) {
        self.bytes = bytes
        self.pool = pool
    }
    deinit { pool.recycle(bytes) }
}

/// The memory every sequential reader of the mount shares for read-ahead (`direct_read_prefetch_limit=`):
/// a budget in bytes, and a free list of full-size chunk buffers kept mapped while readers stream, so a
/// 1 GiB read does not map, fault in and unmap a fresh buffer for every chunk. Large buffers are mmap'd
/// directly: malloc would keep freed 8 MiB blocks in its heap and the process's RSS would not follow the
/// budget. Small ones (a small file's whole body, fetched by its lookup) come from malloc: a map and unmap
/// per file cost two system calls, a page fault and, with several threads, a TLB shootdown on every core.
/// Once no reader holds a chunk the free list is unmapped, `idleGrace` later: a reader that starts on the
/// next file meanwhile (cp -r, cat of many files, a training epoch) reuses the buffers instead of faulting
/// in 64 MiB of new pages, which on a VM that hands freed memory back to its host costs a host fault each.
/// LOCK ORDER: leaf.
final class ChunkPool: Sendable {
    let limit: UInt64
    let chunkSize: Int
    let idleGrace: Duration
    private struct State {
        var used: UInt64 = 0
        var free: [UnsafeMutableRawBufferPointer] = []
        var readers = 0
        /// When the last chunk came back (meaningful while `used == 0`).
        var idleSince = ContinuousClock.Instant.now
        /// A release of the free list is scheduled; there is never more than one.
        var releaseScheduled = false
    }
    private let state: Locked<State>

    init(limit: UInt64, chunkSize: Int, idleGrace: Duration = .seconds(2)) {
        self.limit = limit
        self.chunkSize = chunkSize
        self.idleGrace = idleGrace
        state = Locked(State())
    }

    deinit {
        for b in state.withLock({ $0.free }) { Self.release(b) }
    }

    /// A buffer of `length` bytes (at most `chunkSize`), or nil when the budget cannot cover it.
    func acquire(_ length: Int) -> ChunkMemory? {
        precondition(length > 0 && length <= chunkSize)
        var unmap: [UnsafeMutableRawBufferPointer] = []
        let reused = state.withLock { s -> UnsafeMutableRawBufferPointer?? in
            guard s.used + UInt64(length) <= limit else { return .none }
            s.used += UInt64(length)
            if length == chunkSize, let b = s.free.popLast() { return .some(b) }
            // A new mapping: kept buffers make room so that all mapped memory stays within the limit.
            while !s.free.isEmpty, s.used + UInt64(s.free.count * chunkSize) > limit { unmap.append(s.free.removeLast()) }
            return .some(nil)
        }
        for u in unmap { Self.release(u) }
        guard let reused else { return nil }
        if let b = reused { return ChunkMemory(bytes: b, pool: self) }
        guard let b = Self.allocate(length) else {
            state.withLock { $0.used -= UInt64(length) }
            return nil
        }
        return ChunkMemory(bytes: b, pool: self)
    }

    fileprivate func recycle(_ b: UnsafeMutableRawBufferPointer) {
        let (kept, schedule) = state.withLock { s -> (Bool, Bool) in
            s.used -= UInt64(b.count)
            let kept = b.count == chunkSize && s.used + UInt64(s.free.count + 1) * UInt64(chunkSize) <= limit
            if kept { s.free.append(b) }
            guard s.used == 0, !s.free.isEmpty else { return (kept, false) }
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
                guard s.used == 0, !s.free.isEmpty else {
                    s.releaseScheduled = false
                    return ([], nil)
                }
                let due = s.idleSince + grace
                if now < due { return ([], due - now) }
                s.releaseScheduled = false
                defer { s.free = [] }
                return (s.free, nil)
            }
            for u in unmap { Self.release(u) }
            if let wait { releaseFreeList(after: wait) }
        }
    }

    /// Bytes handed out and not yet recycled.
    var inUse: UInt64 { state.withLock { $0.used } }
    /// Bytes mapped: handed out or kept for reuse.
    var mapped: UInt64 { state.withLock { $0.used + UInt64($0.free.count * chunkSize) } }

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
