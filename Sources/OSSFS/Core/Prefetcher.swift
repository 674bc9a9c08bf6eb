import ObjectStore
import OSSCore

/// Receives one ranged GET straight into a chunk's buffer (no growing array, no copy on the way), hashing each
/// piece as it lands, while curl's buffer is still in cache: a pass over the whole chunk afterwards would read
/// it back from memory, at about half the rate.
final class ChunkSink: BodySink, @unchecked Sendable {
    let memory: ChunkMemory
    let capacity: Int
    private(set) var count = 0

    init(memory: ChunkMemory, capacity: Int) {
        self.memory = memory
        self.capacity = capacity
    }

    func write(_ chunk: UnsafeRawBufferPointer) throws {
        guard let source = chunk.baseAddress, !chunk.isEmpty else { return }
        guard count + chunk.count <= capacity else { throw FSError.io("a ranged GET answered more than it was asked") }
        crc = CRC64.update(crc, chunk)
        memory.bytes.baseAddress!.advanced(by: count).copyMemory(from: source, byteCount: chunk.count)
        count += chunk.count
    }

    func reset() throws {
        count = 0
        crc = 0
    }

    /// CRC64 of the bytes received.
    private(set) var crc: UInt64 = 0
}

/// A chunk's GET, once it has answered.
struct FetchedChunk: Sendable {
    let memory: ChunkMemory
    let count: Int
    /// CRC64 of the bytes received.
    let crc: UInt64
    /// The whole object's CRC64 as the answer's x-oss-hash-crc64ecma gave it.
    let objectCRC: UInt64?
}

/// The first bytes of an object as the open's GET brought them, and the version they are of.
struct OpenedHead: Sendable {
    let etag: ETag
    let chunk: FetchedChunk
}

/// One piece of the file being fetched (or fetched) ahead of a sequential reader.
final class Chunk: Sendable {
    let range: Range<UInt64>
    /// The GET's task; nil when the chunk came with the open or is fetched by the reader that started it.
    private let task: Task<Void, Never>?
    /// The GET's answer, awaited by reads and, once it has arrived, served without waiting.
    let arrived: ArrivedChunk
    init(range: Range<UInt64>, task: Task<Void, Never>?, arrived: ArrivedChunk) {
        self.range = range
        self.task = task
        self.arrived = arrived
    }

    /// Stops the GET if it is still running; whoever awaits the chunk then gets its error.
    func cancel() { task?.cancel() }
}

/// A chunk's answer: set once by whoever fetches it (a task, or the reader on its own thread), awaited by
/// every read that needs it. LOCK ORDER: leaf.
final class ArrivedChunk: Sendable {
    private struct State {
        var result: Result<FetchedChunk, Error>?
        var waiters: [CheckedContinuation<FetchedChunk, Error>] = []
    }
    private let state: Locked<State>

    init(_ f: FetchedChunk? = nil) { state = Locked(State(result: f.map { .success($0) })) }

    func finish(_ result: Result<FetchedChunk, Error>) {
        let waiters = state.withLock { s -> [CheckedContinuation<FetchedChunk, Error>] in
            guard s.result == nil else { return [] }
            s.result = result
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume(with: result) }
    }

    /// The bytes, if the GET has succeeded.
    var fetched: FetchedChunk? { state.withLock { s in (try? s.result?.get()).flatMap { $0 } } }

    func value() async throws -> FetchedChunk {
        if let r = state.withLock({ $0.result }) { return try r.get() }
        return try await withCheckedThrowingContinuation { c in
            let r = state.withLock { s -> Result<FetchedChunk, Error>? in
                if s.result == nil { s.waiters.append(c) }
                return s.result
            }
            if let r { c.resume(with: r) }
        }
    }
}

/// Fetches chunks of one version: from the disk cache, or by a GET that the cache then keeps.
private struct ChunkFetcher: Sendable {
    let store: any ObjectStore
    let key: ObjectKey
    let etag: ETag?
    let cache: CachedVersion?

    /// One chunk's bytes, handed to `arrived` (every path answers it).
    func fetch(_ range: Range<UInt64>, _ memory: ChunkMemory, _ arrived: ArrivedChunk) async {
        if let cache,
           let hit = cache.load(range, into: UnsafeMutableRawBufferPointer(rebasing: memory.bytes[0..<range.count]))
        {
            arrived.finish(.success(FetchedChunk(memory: memory, count: range.count, crc: hit.crc, objectCRC: hit.objectCRC)))
            return
        }
        let sink = ChunkSink(memory: memory, capacity: range.count)
        do {
            let metadata = try await store.get(key, range: range, conditions: GetConditions(ifMatch: etag), into: sink)
            let f = FetchedChunk(memory: memory, count: sink.count, crc: sink.crc, objectCRC: metadata.crc64)
            arrived.finish(.success(f))
            // Kept before the fetch ends, not in a task of its own: such tasks waited behind the readers' and
            // the bytes they held piled up (3 GiB in a few seconds of random reads at QD16).
            if f.count == range.count {
                cache?.keep(range, UnsafeRawBufferPointer(rebasing: memory.bytes[0..<f.count]), objectCRC: f.objectCRC)
            }
        } catch {
            arrived.finish(.failure(error))
        }
    }
}

/// The CRC64 of a file's bytes from offset 0, combined from the CRCs of the pieces read. Pieces may be checked
/// out of order (the kernel sends read-ahead requests concurrently, and a later chunk can be served first):
/// one that starts past the end is kept until the pieces before it arrive, or the chain would stop there and
/// the whole-file check would never run.
struct CRCChain {
    private(set) var end: UInt64 = 0
    private(set) var crc: UInt64 = 0
    /// Pieces past `end`, by start: their end and CRC64.
    private var waiting: [UInt64: (end: UInt64, crc: UInt64)] = [:]

    /// How many pieces may wait: a sequential reader's out-of-order pieces are a window's worth of chunks;
    /// random reads near the end must not grow the list without bound.
    static let waitingLimit = 256

    mutating func add(_ range: Range<UInt64>, crc pieceCRC: UInt64) {
        guard range.lowerBound >= end, !range.isEmpty else { return }   // counted already
        if range.lowerBound > end {
            if let kept = waiting[range.lowerBound], kept.end >= range.upperBound { return }
            guard waiting.count < Self.waitingLimit || waiting[range.lowerBound] != nil else { return }
            waiting[range.lowerBound] = (range.upperBound, pieceCRC)
            return
        }
        crc = CRC64.combine(crc, pieceCRC, length2: UInt64(range.count))
        end = range.upperBound
        while let next = waiting.removeValue(forKey: end) {
            crc = CRC64.combine(crc, next.crc, length2: next.end - end)
            end = next.end
        }
        waiting = waiting.filter { $0.key > end }
    }
}

/// A stream's first chunk, fetched by the read that started the stream on its own thread (a FUSE worker,
/// see `BlockingCaller`): no task to start and no thread to wake before its GET leaves, nor after it.
private struct InlineFetch {
    let chunk: Chunk
    let memory: ChunkMemory
}

/// Reads of one open descriptor of a clean file, at the version pinned at open (If-Match on every GET).
///
/// Sequential reads keep several fixed-size chunks in flight ahead of the reader, in a window that grows
/// (from `initialWindow` up to `maximumWindow`, and never past the reader's share of the mount's
/// `ChunkPool`); chunks are consumed in order and dropped once read past. The first chunks are small so
/// the first byte comes quickly; a file of at most `wholeFileLimit` is fetched whole in one GET. A read that
/// does not follow the previous one fetches exactly what it asks for. When the pool is exhausted a reader
/// still progresses, by a GET of just what it needs.
///
/// Integrity: every GET's body is hashed once it has arrived; the CRCs of consecutive pieces from offset 0 are
/// combined, and once the file has been read through to its end the result must equal the object's
/// x-oss-hash-crc64ecma. Every answer must also name the same object CRC as the others (and as the HEAD at
/// open). On a mismatch the read fails with EIO, the kernel's cached pages of the file are invalidated (it
/// may already hold earlier pieces) and every later read of this descriptor fails too.
final class Prefetcher: Sendable {
    /// The first chunk of a stream into a file larger than `wholeFileLimit`: the first byte waits for all of
    /// it (an 8 MB file's first read took 0.95 ms here with 1 MiB, 0.7 ms with 256 KiB; on a real network the
    /// difference is the time 768 KiB take to arrive).
    static let initialChunk = 256 << 10
    /// A file (or what is left of it, where a stream starts) no bigger than this comes in one GET.
    static let wholeFileLimit = 1 << 20

    /// With a disk cache a stream starts with a whole block: the cache keeps whole blocks only, and the first
    /// one is what the next open's conditional GET relies on.
    static func firstChunk(cached: Bool) -> Int { cached ? max(initialChunk, Int(CachedVersion.blockSize)) : initialChunk }
    static let initialWindow: UInt64 = 4 << 20
    static let maximumWindow: UInt64 = 64 << 20
    /// How far from the previous read's end a read may land and still count as sequential: the kernel
    /// sends readahead requests concurrently, and they may arrive slightly out of order.
    static let slack: UInt64 = 2 << 20

    let key: ObjectKey
    let etag: ETag?
    let size: UInt64
    private let store: any ObjectStore
    private let pool: ChunkPool
    /// The version's blocks in the disk cache (`use_cache=`), nil without one.
    private let cache: CachedVersion?
    private let fetcher: ChunkFetcher
    private let invalidateKernelCache: @Sendable () -> Void

    private struct State {
        var chunks: [Chunk] = []
        var reads = 0
        var nextOffset: UInt64 = 0
        var window: UInt64 = Prefetcher.initialWindow
        var nextChunkLength: Int
        var joined = false
        /// The CRC64 of the bytes checked so far, from offset 0.
        var chain = CRCChain()
        var objectCRC: UInt64?
        var failure: FSError?
        var closed = false
    }
    private let state: Locked<State>

    /// `seed`: the file's first bytes, already fetched at this version (the open's GET); they are the first
    /// chunk, checked like any other.
    init(key: ObjectKey, etag: ETag?, size: UInt64, objectCRC: UInt64?, store: any ObjectStore, pool: ChunkPool,
         seed: FetchedChunk? = nil, cache: CachedVersion? = nil, invalidateKernelCache: @escaping @Sendable () -> Void)
    {
        self.key = key
        self.etag = etag
        self.size = size
        self.store = store
        self.pool = pool
        self.cache = cache
        fetcher = ChunkFetcher(store: store, key: key, etag: etag, cache: cache)
        self.invalidateKernelCache = invalidateKernelCache
        var s = State(nextChunkLength: Self.firstChunk(cached: cache != nil))
        s.objectCRC = objectCRC
        if let seed, seed.count > 0, UInt64(seed.count) <= size {
            s.chunks = [Chunk(range: 0..<UInt64(seed.count), task: nil, arrived: ArrivedChunk(seed))]
            s.nextChunkLength = min(max(seed.count, s.nextChunkLength) * 2, pool.chunkSize)
        }
        state = Locked(s)
        state.withLock { updateMembership(&$0) }
    }

    private enum Plan {
        case chunks([Chunk])
        case direct
    }

    /// Up to `count` bytes at `offset` (fewer only at the end of the file).
    func read(at offset: UInt64, count: Int) async throws -> ReadBuffer {
        guard offset < size, count > 0 else { return .empty }
        let wanted = offset..<min(offset + UInt64(count), size)
        let onOwnThread = BlockingCaller.isAllowedHere
        let (plan, inline) = try state.withLock { s -> (Plan, InlineFetch?) in
            if let f = s.failure { throw f }
            guard !s.closed else { throw FSError.badHandle }
            // Streaming starts at a read that follows the previous one exactly (or opens the file at 0) and
            // goes on while reads land in the chunks; reordered requests near the reader neither start nor
            // stop it, a read elsewhere drops the chunks.
            let covered = s.chunks.contains { $0.range.contains(offset) }
            let follows = offset == s.nextOffset && (s.reads > 0 || offset == 0)
            let near = offset + Self.slack >= s.nextOffset && offset <= s.nextOffset + Self.slack
            s.nextOffset = covered || follows || near ? max(s.nextOffset, wanted.upperBound) : wanted.upperBound
            s.reads += 1
            guard covered || follows else {
                if !near { dropAll(&s) }
                return (.direct, nil)
            }
            dropBehind(&s, offset)
            let inline = schedule(&s, from: offset, through: wanted.upperBound, fetchFirstInline: onOwnThread)
            let covering = s.chunks.filter { $0.range.overlaps(wanted) }
            guard let first = covering.first, first.range.lowerBound <= wanted.lowerBound,
                  covering.last!.range.upperBound >= wanted.upperBound else { return (.direct, inline) }
            return (.chunks(covering), inline)
        }
        // Others may be waiting for it already: fetched whatever this read does next.
        if let inline { await fetcher.fetch(inline.chunk.range, inline.memory, inline.chunk.arrived) }
        switch plan {
        case .chunks(let chunks): return try await serve(wanted, from: chunks)
        case .direct: return try await fetchDirect(wanted)
        }
    }

    /// The read, when chunks that have already arrived cover it (no waiting, no task): nil otherwise, and
    /// then nothing changed. Its bookkeeping is what `read` does for a read that lands in the chunks.
    func readIfArrived(at offset: UInt64, count: Int) throws -> ReadBuffer? {
        guard offset < size, count > 0 else { return nil }
        let wanted = offset..<min(offset + UInt64(count), size)
        let fetched = try state.withLock { s -> [(Chunk, FetchedChunk)]? in
            if let f = s.failure { throw f }
            guard !s.closed else { throw FSError.badHandle }
            var found: [(Chunk, FetchedChunk)] = []
            for c in s.chunks where c.range.overlaps(wanted) {
                guard let f = c.arrived.fetched, f.count == c.range.count else { return nil }
                found.append((c, f))
            }
            guard let first = found.first, first.0.range.lowerBound <= wanted.lowerBound,
                  found.last!.0.range.upperBound >= wanted.upperBound else { return nil }
            s.nextOffset = max(s.nextOffset, wanted.upperBound)
            s.reads += 1
            dropBehind(&s, offset)
            _ = schedule(&s, from: offset, through: wanted.upperBound, fetchFirstInline: false)
            return found
        }
        guard let fetched else { return nil }
        return try slices(wanted, of: fetched)
    }

    /// Drops every chunk; GETs in flight are cancelled, their memory returns to the pool when they end.
    func close() {
        state.withLock { s in
            s.closed = true
            dropAll(&s)
        }
    }

    deinit { close() }

    // MARK: - Planning (under `state`)

    private func dropAll(_ s: inout State) {
        for c in s.chunks { c.cancel() }
        s.chunks = []
        s.window = Self.initialWindow
        s.nextChunkLength = Self.firstChunk(cached: cache != nil)
        updateMembership(&s)
    }

    /// Chunks wholly before the reader (with some slack for reordered requests) are done with.
    private func dropBehind(_ s: inout State, _ offset: UInt64) {
        let before = s.chunks.count
        s.chunks.removeAll { c in
            let done = c.range.upperBound + Self.slack <= offset
            if done { c.cancel() }
            return done
        }
        if s.chunks.count < before {
            // The reader keeps coming: let it keep more ahead of itself.
            s.window = min(s.window * 2, Self.maximumWindow)
        }
    }

    /// Starts GETs until the chunks reach `window` bytes past `offset`, within this reader's share. A stream's
    /// first chunk covers the read that starts it (`through`), so that read waits for one GET only.
    /// `fetchFirstInline`: that chunk is left for the caller to fetch on its own thread (returned).
    private func schedule(_ s: inout State, from offset: UInt64, through readEnd: UInt64, fetchFirstInline: Bool)
        -> InlineFetch?
    {
        let limit = min(s.window, max(UInt64(pool.chunkSize), pool.share()))
        var end = s.chunks.last?.range.upperBound ?? offset
        if end < offset { end = offset }
        let target = min(size, offset + limit)
        var held = s.chunks.reduce(UInt64(0)) { $0 + UInt64($1.range.count) }
        // The first byte waits for all of the chunk it is in: a stream starts with one small chunk, alone (the
        // next read starts the rest), even when the whole file would fit in one. An 8 MB file fetched in one
        // GET took 10-13 ms to its first byte here. A file of at most `wholeFileLimit` still comes whole.
        let starting = s.chunks.isEmpty
        while end < target, held < limit {
            var length = Int(min(UInt64(min(s.nextChunkLength, pool.chunkSize)), size - end))
            if starting {
                let rest = size - end
                length = max(length, Int(min(readEnd > end ? readEnd - end : 0, UInt64(pool.chunkSize), rest)))
                if rest <= UInt64(min(Self.wholeFileLimit, pool.chunkSize)) { length = Int(rest) }
            }
            // With a disk cache, chunks end on block boundaries (the cache keeps whole blocks only): one that
            // starts off a boundary ends at the next, and the chunks after it keep their sizes.
            if let cache, end % CachedVersion.blockSize != 0 { length = min(length, Int(cache.boundary(after: end) - end)) }
            guard let memory = pool.acquire(length) else { break }
            let range = end..<end + UInt64(length)
            s.nextChunkLength = min(s.nextChunkLength * 2, pool.chunkSize)
            if starting, fetchFirstInline {
                let chunk = Chunk(range: range, task: nil, arrived: ArrivedChunk())
                s.chunks.append(chunk)
                updateMembership(&s)
                return InlineFetch(chunk: chunk, memory: memory)
            }
            s.chunks.append(fetchChunk(range, memory))
            end = range.upperBound
            held += UInt64(length)
            if starting { break }
        }
        updateMembership(&s)
        return nil
    }

    /// A reader holding chunks counts toward the pool's division of its budget.
    private func updateMembership(_ s: inout State) {
        let holding = !s.chunks.isEmpty
        guard holding != s.joined else { return }
        s.joined = holding
        if holding { pool.join() } else { pool.leave() }
    }

    private func fetchChunk(_ range: Range<UInt64>, _ memory: ChunkMemory) -> Chunk {
        let (fetcher, arrived) = (self.fetcher, ArrivedChunk())
        return Chunk(range: range, task: Task { await fetcher.fetch(range, memory, arrived) }, arrived: arrived)
    }

    // MARK: - Serving

    private func serve(_ wanted: Range<UInt64>, from chunks: [Chunk]) async throws -> ReadBuffer {
        var fetched: [(Chunk, FetchedChunk)] = []
        for c in chunks {
            do {
                let f = try await c.arrived.value()
                guard f.count == c.range.count else {
                    throw FSError.io("short read of \(key): \(f.count) of \(c.range.count) bytes")
                }
                fetched.append((c, f))
            } catch {
                // A failed chunk is forgotten so the next read asks again (the error may be transient).
                state.withLock { s in
                    s.chunks.removeAll { $0 === c }
                    updateMembership(&s)
                }
                throw error
            }
        }
        return try slices(wanted, of: fetched)
    }

    /// `wanted` as slices of the chunks' memory (which cover it without a gap), once their CRCs are checked.
    private func slices(_ wanted: Range<UInt64>, of fetched: [(Chunk, FetchedChunk)]) throws -> ReadBuffer {
        try verify(fetched.map { c, f in
            piece(c.range, crc: f.crc, objectCRC: f.objectCRC,
                  bytes: UnsafeRawBufferPointer(rebasing: f.memory.bytes[0..<f.count]))
        })
        return ReadBuffer(slices: fetched.map { c, f in
            let lo = max(wanted.lowerBound, c.range.lowerBound)
            let hi = min(wanted.upperBound, c.range.upperBound)
            return ReadBuffer.Slice(memory: f.memory, offset: Int(lo - c.range.lowerBound), count: Int(hi - lo))
        })
    }

    /// A GET of exactly `wanted`: random access, or no memory left for chunks. With a disk cache, the blocks
    /// around it instead, from the cache or by one GET that the cache then keeps.
    private func fetchDirect(_ wanted: Range<UInt64>) async throws -> ReadBuffer {
        if let cache { return try await fetchThroughCache(wanted, cache) }
        let (metadata, body) = try await store.get(key, range: wanted, conditions: GetConditions(ifMatch: etag))
        guard body.count == wanted.count else {
            throw FSError.io("short read of \(key): \(body.count) of \(wanted.count) bytes")
        }
        try verify([body.withUnsafeBytes { piece(wanted, crc: nil, objectCRC: metadata.crc64, bytes: $0) }])
        return ReadBuffer(body)
    }

    private func fetchThroughCache(_ wanted: Range<UInt64>, _ cache: CachedVersion) async throws -> ReadBuffer {
        var bytes = [UInt8](repeating: 0, count: wanted.count)
        if let hit = bytes.withUnsafeMutableBytes({ cache.load(wanted, into: $0) }) {
            try verify([bytes.withUnsafeBytes { piece(wanted, crc: hit.crc, objectCRC: hit.objectCRC, bytes: $0) }])
            return ReadBuffer(bytes)
        }
        let blocks = cache.aligned(wanted)
        let (metadata, body) = try await store.get(key, range: blocks, conditions: GetConditions(ifMatch: etag))
        guard body.count == blocks.count else {
            throw FSError.io("short read of \(key): \(body.count) of \(blocks.count) bytes")
        }
        body.withUnsafeBytes { cache.keep(blocks, $0, objectCRC: metadata.crc64) }   // see fetchChunk
        let lo = Int(wanted.lowerBound - blocks.lowerBound)
        bytes = Array(body[lo..<lo + wanted.count])
        try verify([bytes.withUnsafeBytes { piece(wanted, crc: nil, objectCRC: metadata.crc64, bytes: $0) }])
        return ReadBuffer(bytes)
    }

    /// How far past the checked bytes a piece may start and still be kept for the chain: a sequential reader's
    /// pieces land within its window of the end, random reads elsewhere are not worth hashing.
    static let chainReach = maximumWindow + slack

    /// What `bytes` (the file's bytes in `range`) add to the CRC chain: all of them when they start at or
    /// near its end (`crc`, when the fetch hashed them already, or hashed here); the part past the end when
    /// they straddle it, or the chain would stop there (a read between chunks, a stream started behind the
    /// end); nothing when they lie behind the end or far past it.
    private func piece(_ range: Range<UInt64>, crc: UInt64?, objectCRC: UInt64?, bytes: UnsafeRawBufferPointer)
        -> (range: Range<UInt64>, crc: UInt64?, objectCRC: UInt64?)
    {
        let end = state.withLock { $0.chain.end }
        if range.lowerBound >= end {
            guard range.lowerBound - end <= Self.chainReach else { return (range, nil, objectCRC) }
            return (range, crc ?? CRC64.update(0, bytes), objectCRC)
        }
        guard range.upperBound > end else { return (range, nil, objectCRC) }
        let rest = UnsafeRawBufferPointer(rebasing: bytes[Int(end - range.lowerBound)...])
        return (end..<range.upperBound, CRC64.update(0, rest), objectCRC)
    }

    /// Checks the answers' object CRCs against each other and extends the CRC of the bytes read from 0;
    /// at the end of the file that CRC must be the object's.
    private func verify(_ pieces: [(range: Range<UInt64>, crc: UInt64?, objectCRC: UInt64?)]) throws {
        let failure = state.withLock { s -> FSError? in
            if let f = s.failure { return f }
            for p in pieces {
                if let theirs = p.objectCRC {
                    if let ours = s.objectCRC, ours != theirs {
                        return fail(&s, "answers for \(key) name different CRC64s (\(ours), \(theirs))")
                    }
                    s.objectCRC = theirs
                }
                if let crc = p.crc { s.chain.add(p.range, crc: crc) }
            }
            if s.chain.end == size, size > 0, let expected = s.objectCRC, s.chain.crc != expected {
                return fail(&s, "\(key) read back with CRC64 \(s.chain.crc), the object's is \(expected)")
            }
            return nil
        }
        if let failure {
            invalidateKernelCache()
            cache?.forget()   // the blocks may hold the bytes that failed
            throw failure
        }
    }

    private func fail(_ s: inout State, _ message: String) -> FSError {
        let f = FSError.io(message)
        s.failure = f
        dropAll(&s)
        return f
    }
}
