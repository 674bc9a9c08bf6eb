import Foundation
import ObjectStore
import ObjectStoreTesting
import OSSCore
import Synchronization
import Testing
@testable import OSSFS

/// Chunk memory returns to the pool when the GETs of dropped chunks have ended; they end soon after.
func poolDrains(_ fs: Filesystem) async -> Bool {
    for _ in 0..<300 {
        if fs.chunkPool.inUse == 0 { return true }
        try? await Task.sleep(nanoseconds: 10_000_000)
    }
    return false
}

/// Waits (up to 3 s) for an idle pool to unmap the buffers it kept for the next reader.
func poolUnmaps(_ pool: ChunkPool) async -> Bool {
    for _ in 0..<300 {
        if pool.mapped == 0 { return true }
        try? await Task.sleep(nanoseconds: 10_000_000)
    }
    return false
}

@Suite struct PrefetcherTests {
    private func sequential(_ t: Harness, _ h: HandleID, block: Int) async throws -> [UInt8] {
        try await t.readAll(h, chunk: block)
    }

    /// Reads `h` from `offset` to its end, 128 KiB at a time.
    private func readToEnd(_ t: Harness, _ h: HandleID, from offset: UInt64 = 0) async throws {
        var at = offset
        while true {
            let b = try await t.fs.read(h, offset: at, size: 128 << 10)
            if b.isEmpty { return }
            at += UInt64(b.count)
        }
    }

    /// The filesystem error `body` stopped with; nil when it finished.
    private func fsError(_ body: () async throws -> Void) async throws -> FSError? {
        do { try await body() } catch let e as FSError { return e }
        return nil
    }

    @Test func windowGrowsWithSeveralChunksInFlight() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner) { $0.prefetchChunkSize = 4 << 20 }
        let data = randomBytes(30 << 20, seed: 51)
        try await t.put("big", data)
        let h = try await t.open("big", OpenFlags(access: .readOnly))
        faulty.resetCounts()
        faulty.setGetDelay(nanoseconds: 20_000_000)
        #expect(try await sequential(t, h, block: 128 << 10) == data)
        // In file order: chunks' GETs start on separate tasks, so the store may see them in either order.
        let lengths = faulty.getRanges.compactMap { $0 }.sorted { $0.lowerBound < $1.lowerBound }.map(\.count)
        let first = Prefetcher.initialChunk
        #expect(lengths.prefix(3) == [first, 2 * first, 4 * first], "the first chunks are small, then they grow")
        #expect(lengths.max() == 4 << 20, "never more than one chunk per GET")
        #expect(lengths.reduce(0, +) == data.count, "every byte fetched once")
        #expect(faulty.maxGetsInFlight >= 3, "several GETs in flight at once")
        await t.fs.release(h)
        #expect(await poolDrains(t.fs))
    }

    @Test func smallFileComesInOneWholeGET() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        let data = randomBytes(300_000, seed: 52)
        try await t.put("small", data)
        let h = try await t.open("small", OpenFlags(access: .readOnly))
        faulty.resetCounts()
        #expect(try await sequential(t, h, block: 4096) == data)
        #expect(faulty.getRanges == [0..<UInt64(data.count)])
        await t.fs.release(h)
    }

    /// `dd bs=1M` starts with a 1 MiB READ: the stream's first chunk grows to cover it, so that read waits for
    /// one GET, not for the first chunk and then a GET of its own.
    @Test func aLargeFirstReadIsOneGET() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        let data = randomBytes(6 << 20, seed: 54)
        try await t.put("f", data)
        let h = try await t.open("f", OpenFlags(access: .readOnly))
        faulty.resetCounts()
        #expect(try await t.fs.read(h, offset: 0, size: 1 << 20) == Array(data[0..<(1 << 20)]))
        #expect(faulty.getRanges == [0..<UInt64(1 << 20)])
        #expect(try await sequential(t, h, block: 1 << 20) == data)
        #expect(faulty.getRanges.filter { $0?.lowerBound == 0 }.count == 1, "the first MiB fetched once")
        await t.fs.release(h)
    }

    @Test func aMediumFilesFirstReadWaitsForTheFirstChunkOnly() async throws {
        // The file fits in one chunk (8 MiB), but fetching it whole would make the first byte wait for all
        // of it: the first GET is the first chunk, the rest follow in growing chunks.
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        let data = randomBytes(6 << 20, seed: 53)
        try await t.put("medium", data)
        let h = try await t.open("medium", OpenFlags(access: .readOnly))
        faulty.resetCounts()
        #expect(try await t.fs.read(h, offset: 0, size: 4096) == Array(data[0..<4096]))
        #expect(faulty.getRanges.first == 0..<UInt64(Prefetcher.initialChunk))
        #expect(try await sequential(t, h, block: 128 << 10) == data)
        let lengths = faulty.getRanges.compactMap { $0 }.sorted { $0.lowerBound < $1.lowerBound }.map(\.count)
        #expect(lengths.reduce(0, +) == data.count, "every byte fetched once")
        await t.fs.release(h)
        #expect(await poolDrains(t.fs))
    }

    @Test func randomReadsFetchExactlyTheirRange() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        let data = randomBytes(24 << 20, seed: 53)
        try await t.put("r", data)
        let h = try await t.open("r", OpenFlags(access: .readOnly))
        faulty.resetCounts()
        var g = SeededRandom(seed: 7)
        var expected: [Range<UInt64>] = []
        for _ in 0..<20 {
            let offset = 4096 + g.next() % UInt64(data.count - 8192)
            let got = try await t.fs.read(h, offset: offset, size: 4096)
            #expect(got == Array(data[Int(offset)..<Int(offset) + 4096]))
            expected.append(offset..<offset + 4096)
        }
        #expect(faulty.getRanges == expected.map { Optional($0) }, "4 KiB reads cost 4 KiB GETs, no window")
        await t.fs.release(h)
        #expect(t.fs.chunkPool.inUse == 0)
    }

    @Test func readersShareOneBudgetAndGiveItBack() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner) {
            $0.prefetchChunkSize = 2 << 20
            $0.prefetchMemoryLimit = 8 << 20
            $0.prefetchIdleRelease = .milliseconds(100)
        }
        let data = randomBytes(20 << 20, seed: 54)
        try await t.put("f", data)
        let handles = [try await t.open("f", OpenFlags(access: .readOnly)),
                       try await t.open("f", OpenFlags(access: .readOnly)),
                       try await t.open("f", OpenFlags(access: .readOnly))]
        var outs = [[UInt8]](repeating: [], count: handles.count)
        var peak: UInt64 = 0
        var done = false
        while !done {
            done = true
            for (i, h) in handles.enumerated() {
                let b = try await t.fs.read(h, offset: UInt64(outs[i].count), size: 256 << 10)
                peak = max(peak, t.fs.chunkPool.mapped)
                if !b.isEmpty { done = false }
                outs[i] += b
            }
        }
        for o in outs { #expect(o == data) }
        #expect(peak <= 8 << 20, "chunks of all readers stay within the mount's budget")
        #expect(peak > 0, "read-ahead was used")
        for h in handles { await t.fs.release(h) }
        #expect(await poolDrains(t.fs))
        #expect(await poolUnmaps(t.fs.chunkPool), "an idle pool unmaps its buffers after the grace period")
    }

    @Test func objectReplacedMidReadIsStale() async throws {
        let t = Harness { $0.prefetchChunkSize = 1 << 20 }
        let data = randomBytes(20 << 20, seed: 55)
        try await t.put("f", data)
        let h = try await t.open("f", OpenFlags(access: .readOnly))
        #expect(try await t.fs.read(h, offset: 0, size: 128 << 10) == Array(data[0..<(128 << 10)]))
        try await t.put("f", randomBytes(20 << 20, seed: 56))
        await #expect(throws: FSError.stale("f")) {
            var at: UInt64 = 128 << 10
            while true {
                let b = try await t.fs.read(h, offset: at, size: 128 << 10)
                if b.isEmpty { break }
                #expect(b == Array(data[Int(at)..<Int(at) + b.count]), "only bytes of the pinned version")
                at += UInt64(b.count)
            }
        }
        await t.fs.release(h)
    }

    @Test func corruptedBodyFailsTheReadThroughAndInvalidatesTheKernelCache() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner) { $0.prefetchChunkSize = 2 << 20 }
        let invalidated = Mutex<[InodeNumber]>([])
        t.fs.kernelCacheNotifier?.install { ino in invalidated.withLock { $0.append(ino) } }
        let data = randomBytes(9 << 20, seed: 57)
        try await t.put("f", data)
        let ino = try await t.ino("f")
        let h = try await t.open("f", OpenFlags(access: .readOnly))
        faulty.setFlipBodyByte(true)
        let failed = try await fsError { try await readToEnd(t, h) }
        guard case .io? = failed else {
            Issue.record("a file read through with altered bytes must fail with EIO, got \(String(describing: failed))")
            return
        }
        #expect(invalidated.withLock { $0 } == [ino], "the kernel drops the pages it was given")
        faulty.setFlipBodyByte(false)
        await #expect(throws: FSError.self, "later reads of the descriptor fail too") {
            _ = try await t.fs.read(h, offset: 0, size: 4096)
        }
        await t.fs.release(h)
        #expect(await poolDrains(t.fs))
        // A new descriptor reads the intact object.
        let h2 = try await t.open("f", OpenFlags(access: .readOnly))
        #expect(try await t.readAll(h2, chunk: 128 << 10) == data)
        await t.fs.release(h2)
    }

    @Test func aDirectReadStraddlingTheCheckedBytesKeepsTheWholeFileCheck() async throws {
        // A read outside the chunks that starts behind the bytes checked so far and ends past them: the check
        // must take in its part past the end, or it stops there and the damaged file reads back without EIO.
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner) { $0.prefetchChunkSize = 1 << 20 }
        let data = randomBytes(6 << 20, seed: 61)
        try await t.put("f", data)
        let h = try await t.open("f", OpenFlags(access: .readOnly))
        faulty.setFlipBodyByte(true)
        let failed = try await fsError {
            var at: UInt64 = 0
            while at < 1 << 20 {   // a sequential start: the bytes checked end somewhere past 1 MiB
                at += UInt64(try await t.fs.read(h, offset: at, size: 128 << 10).count)
            }
            _ = try await t.fs.read(h, offset: 11 << 19, size: 128 << 10)   // far off: the chunks are dropped
            at = (1 << 20) - (64 << 10)
            at += UInt64(try await t.fs.read(h, offset: at, size: 4 << 20).count)   // straddles, fetched directly
            try await readToEnd(t, h, from: at)
        }
        guard case .io? = failed else {
            Issue.record("a damaged file read through must fail with EIO, got \(String(describing: failed))")
            return
        }
        await t.fs.release(h)
    }

    @Test func answersNamingAnotherCRCFailTheRead() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        let data = randomBytes(3 << 20, seed: 58)
        try await t.put("f", data)
        let h = try await t.open("f", OpenFlags(access: .readOnly))
        faulty.setLieAboutCRC(true)
        await #expect(throws: FSError.self) { _ = try await t.fs.read(h, offset: 5 << 20 / 2, size: 4096) }
        await t.fs.release(h)
    }

    @Test func fileWithoutAKnownCRCIsCheckedAgainstTheAnswers() async throws {
        // The object's CRC comes from the GET answers when the open did not see it (a listing entry).
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner) { $0.prefetchChunkSize = 1 << 20 }
        let data = randomBytes(5 << 20, seed: 59)
        try await t.put("f", data)
        let h = try await t.open("f", OpenFlags(access: .readOnly))
        #expect(try await t.readAll(h, chunk: 128 << 10) == data)
        await t.fs.release(h)
    }

    @Test func openRightAfterLookupReusesItsAnswer() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        try await t.put("f", bytes("hello"))
        let ino = try await t.ino("f")
        faulty.resetCounts()
        let h = try await t.fs.open(ino, flags: OpenFlags(access: .readOnly), caller: user).handle
        #expect(faulty.calls("head") == 0, "the lookup just read the metadata")
        #expect(try await t.fs.read(h, offset: 0, size: 100) == bytes("hello"))
        await t.fs.release(h)
        t.clock.advance(2)
        faulty.resetCounts()
        let h2 = try await t.fs.open(ino, flags: OpenFlags(access: .readOnly), caller: user).handle
        #expect(faulty.calls("head") + faulty.calls("get") >= 1, "an older answer is asked again (close-to-open)")
        await t.fs.release(h2)
    }
}

@Suite struct OpenReuseTests {
    @Test func objectReplacedRightAfterTheLookupIsReadAtItsNewVersion() async throws {
        let t = Harness()
        try await t.put("f", bytes("old"))
        let ino = try await t.ino("f")
        try await t.put("f", bytes("the new one"))   // another client, within the reuse window
        let h = try await t.fs.open(ino, flags: OpenFlags(access: .readOnly), caller: user).handle
        #expect(try await t.fs.read(h, offset: 0, size: 100) == bytes("the new one"),
                "nothing was read under the reused pin, so it moves to the current version")
        await t.fs.release(h)
    }

    @Test func aPinThatServedBytesNeverMoves() async throws {
        let t = Harness()
        try await t.put("f", randomBytes(20 << 20, seed: 60))
        let ino = try await t.ino("f")
        let h = try await t.fs.open(ino, flags: OpenFlags(access: .readOnly), caller: user).handle
        _ = try await t.fs.read(h, offset: 0, size: 4096)
        try await t.put("f", randomBytes(20 << 20, seed: 61))
        await #expect(throws: FSError.stale("f")) { _ = try await t.fs.read(h, offset: 15 << 20, size: 4096) }
        await t.fs.release(h)
    }
}

/// An open that must ask the store (nothing recent known) asks with a GET of the first bytes: one request
/// pins the version and brings a small file whole.
@Suite struct OpeningGETTests {
    /// A handle opened with nothing recent in the stat cache (the lookup's answer is older than the window).
    private func coldOpen(_ t: Harness, _ path: String) async throws -> HandleID {
        let ino = try await t.ino(path)
        t.clock.advance(2)
        return try await t.fs.open(ino, flags: OpenFlags(access: .readOnly), caller: user).handle
    }

    @Test func aSmallFileCostsOneRequestAndIsServedWithoutWaiting() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        let data = randomBytes(4096, seed: 70)
        try await t.put("small", data)
        let ino = try await t.ino("small")
        t.clock.advance(2)
        faulty.resetCounts()
        let h = try await t.fs.open(ino, flags: OpenFlags(access: .readOnly), caller: user).handle
        #expect(faulty.calls("head") == 0 && faulty.calls("get") == 1, "the open's GET replaces its HEAD")
        #expect(try t.fs.readIfArrived(h, offset: 0, size: 128 << 10)?.bytes == data,
                "the bytes the open brought answer the read at once")
        #expect(try t.fs.readIfArrived(h, offset: 4096, size: 128 << 10)?.count == 0, "end of file")
        #expect(faulty.calls("get") == 1 && faulty.calls("head") == 0)
        await t.fs.release(h)
        #expect(await poolDrains(t.fs))
    }

    @Test func aLargeFileContinuesAfterTheOpenedHead() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner) { $0.prefetchChunkSize = 4 << 20 }
        let data = randomBytes(9 << 20, seed: 71)
        try await t.put("big", data)
        let h = try await coldOpen(t, "big")
        #expect(try await t.readAll(h, chunk: 128 << 10) == data)
        let lengths = faulty.getRanges.compactMap { $0?.count }
        #expect(lengths.reduce(0, +) == data.count, "every byte fetched once, the opened head included")
        await t.fs.release(h)
        #expect(await poolDrains(t.fs))
    }

    @Test func anEmptyFileFallsBackToAHead() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        try await t.put("empty", [])
        let h = try await coldOpen(t, "empty")
        #expect(faulty.calls("head") >= 1, "an empty object answers a ranged GET with 416")
        #expect(try await t.fs.read(h, offset: 0, size: 4096) == [])
        await t.fs.release(h)
        #expect(await poolDrains(t.fs))
    }

    @Test func theOpenedVersionStaysPinned() async throws {
        let t = Harness { $0.prefetchChunkSize = 1 << 20 }
        let data = randomBytes(20 << 20, seed: 72)
        try await t.put("f", data)
        let h = try await coldOpen(t, "f")
        try await t.put("f", randomBytes(20 << 20, seed: 73))
        #expect(try await t.fs.read(h, offset: 0, size: 4096) == Array(data[0..<4096]),
                "the open's bytes are the old version's")
        await #expect(throws: FSError.stale("f")) { _ = try await t.fs.read(h, offset: 15 << 20, size: 4096) }
        await t.fs.release(h)
    }

    @Test func aReopenedFileIsCheckedWithAHead() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        let data = randomBytes(3 << 20, seed: 76)
        try await t.put("f", data)
        let h = try await coldOpen(t, "f")
        #expect(try await t.readAll(h) == data)
        await t.fs.release(h)
        let ino = try await t.ino("f")
        t.clock.advance(2)
        faulty.resetCounts()
        let h2 = try await t.fs.open(ino, flags: OpenFlags(access: .readOnly), caller: user)
        #expect(h2.keepCache, "same version: the kernel keeps the pages it has")
        #expect(faulty.calls("head") == 1 && faulty.calls("get") == 0,
                "the kernel may hold the file: no bytes are fetched before a read asks")
        await t.fs.release(h2.handle)
    }

    @Test func aWriterOpenStillUsesAHead() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        try await t.put("f", bytes("hello"))
        let ino = try await t.ino("f")
        t.clock.advance(2)
        faulty.resetCounts()
        let h = try await t.fs.open(ino, flags: OpenFlags(access: .readWrite), caller: user).handle
        #expect(faulty.calls("head") == 1 && faulty.calls("get") == 0)
        await t.fs.release(h)
    }
}

@Suite struct ArrivedReadTests {
    @Test func readsOfArrivedChunksAreAnsweredAtOnceAndOthersWait() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner) { $0.prefetchChunkSize = 2 << 20 }
        let data = randomBytes(12 << 20, seed: 74)
        try await t.put("f", data)
        let h = try await t.open("f", OpenFlags(access: .readOnly))
        #expect(try t.fs.readIfArrived(h, offset: 0, size: 4096) == nil, "nothing fetched yet")
        var at = 0
        while at < data.count {
            let size = 256 << 10
            let piece: [UInt8]
            if let ready = try t.fs.readIfArrived(h, offset: UInt64(at), size: size) {
                piece = ready.bytes
            } else {
                piece = try await t.fs.readBuffer(h, offset: UInt64(at), size: size).bytes
            }
            #expect(piece == Array(data[at..<min(data.count, at + size)]))
            at += piece.count
        }
        #expect(faulty.getRanges.compactMap { $0?.count }.reduce(0, +) == data.count, "every byte fetched once")
        await t.fs.release(h)
        #expect(await poolDrains(t.fs))
    }

    /// A read on a FUSE worker (which may block) that starts a stream fetches the first chunk itself, with no
    /// task in between; a read that needs the same chunk meanwhile waits for it, and the window then grows
    /// from tasks as before.
    @Test func aStreamsFirstChunkIsFetchedOnTheReadingThread() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner) { $0.prefetchChunkSize = 2 << 20 }
        let data = randomBytes(6 << 20, seed: 76)
        try await t.put("f", data)
        let h = try await t.open("f", OpenFlags(access: .readOnly))
        faulty.resetCounts()
        faulty.setGetDelay(nanoseconds: 50_000_000)
        let fs = t.fs
        let waiting = Task {
            try await Task.sleep(nanoseconds: 10_000_000)
            return try await fs.readBuffer(h, offset: 4096, size: 4096).bytes
        }
        let first = await withCheckedContinuation { (c: CheckedContinuation<[UInt8]?, Never>) in
            // As the FUSE adapter runs a request: a task started on a thread that may block.
            Thread {
                BlockingCaller.allowed {
                    _ = Task<Void, Never>.immediate {
                        c.resume(returning: try? await fs.readBuffer(h, offset: 0, size: 4096).bytes)
                    }
                }
            }.start()
        }
        #expect(first == Array(data[0..<4096]))
        #expect(try await waiting.value == Array(data[4096..<8192]), "a read of the same chunk waits for it")
        #expect(faulty.getsOnBlockingThread == 1, "the first chunk's GET began on the reading thread")
        #expect(faulty.getRanges.first == 0..<UInt64(Prefetcher.initialChunk))
        #expect(faulty.getRanges.filter { $0?.lowerBound == 0 }.count == 1, "the first chunk fetched once")
        faulty.setGetDelay(nanoseconds: 0)
        #expect(try await t.readAll(h, chunk: 256 << 10) == data)
        #expect(faulty.getsOnBlockingThread == 1, "later chunks come from tasks")
        await t.fs.release(h)
        #expect(await poolDrains(t.fs))
    }

    @Test func aReadSpanningChunksComesFromBoth() async throws {
        let t = Harness { $0.prefetchChunkSize = 1 << 20 }
        let data = randomBytes(6 << 20, seed: 75)
        try await t.put("f", data)
        let h = try await t.open("f", OpenFlags(access: .readOnly))
        _ = try await t.fs.read(h, offset: 0, size: 512 << 10)
        let across = try await t.fs.readBuffer(h, offset: 512 << 10, size: 1 << 20)
        #expect(across.bytes == Array(data[(512 << 10)..<((512 << 10) + (1 << 20))]))
        await t.fs.release(h)
    }
}

@Suite struct ChunkPoolTests {
    /// Buffers on both sides of the heap/mmap boundary, and full chunks kept for reuse, are writable, counted
    /// against the budget and all given back (a buffer released by the wrong allocator would crash here).
    @Test func smallAndLargeBuffersComeBackToAnIdlePool() async {
        let chunk = 1 << 20
        let pool = ChunkPool(limit: 3 << 20, chunkSize: chunk, idleGrace: .milliseconds(20))
        pool.join()
        var held: [ChunkMemory] = []
        for length in [1, 4096, ChunkPool.heapLimit, ChunkPool.heapLimit + 1, chunk, chunk] {
            guard let m = pool.acquire(length) else {
                Issue.record("no buffer of \(length) bytes within the budget")
                return
            }
            m.bytes.initializeMemory(as: UInt8.self, repeating: 0xA5)
            #expect(m.bytes.count == length)
            held.append(m)
        }
        // Mapped buffers count at their size class: heapLimit + 1 bytes take a 256 KiB mapping.
        #expect(pool.footprint(ChunkPool.heapLimit + 1) == 2 * ChunkPool.heapLimit)
        let total = UInt64(held.reduce(0) { $0 + pool.footprint($1.bytes.count) })
        #expect(pool.inUse == total)
        #expect(pool.acquire(chunk) == nil, "the budget holds")
        held.removeLast()   // a full chunk goes to the free list while another is still held
        #expect(pool.mapped == total)
        pool.leave()
        held = []
        #expect(pool.inUse == 0)
        #expect(await poolUnmaps(pool), "an idle pool gives every buffer back")
    }

    /// A stream's first chunk and a small file's body are smaller than a chunk: the next one of the same size
    /// class gets the same mapping back (no fresh pages to fault in), and kept buffers of another class give
    /// way when a new mapping needs their room in the budget.
    @Test func mappedBuffersAreReusedBySizeClass() {
        let chunk = 1 << 20
        let pool = ChunkPool(limit: 2 << 20, chunkSize: chunk, idleGrace: .seconds(5))
        var first = pool.acquire(300 << 10)
        let address = first?.bytes.baseAddress
        #expect(first?.bytes.count == 300 << 10)
        first = nil
        #expect(pool.mapped == 512 << 10, "kept at its size class")
        let again = pool.acquire(400 << 10)
        #expect(again?.bytes.baseAddress == address, "the next buffer of that class is the same mapping")
        #expect(again?.bytes.count == 400 << 10)

        var fulls = [pool.acquire(chunk)]
        fulls = []
        #expect(pool.mapped == (512 << 10) + UInt64(chunk))
        // 512 KiB in use and a kept 1 MiB buffer: a new 1 MiB mapping fits only once the kept one goes.
        let other = pool.acquire(chunk)
        #expect(other != nil)
        #expect(pool.mapped <= pool.limit)
        _ = (again, other, fulls)
    }

    /// The next file's reader, starting within the grace period, gets the same mapped buffers back; the
    /// grace period counts from the last time the pool went idle.
    @Test func buffersOutliveAShortIdleSpellAndGoAfterALongOne() async throws {
        let chunk = 1 << 20
        let pool = ChunkPool(limit: 4 << 20, chunkSize: chunk, idleGrace: .seconds(1))
        var held = (0..<3).compactMap { _ in pool.acquire(chunk) }
        let addresses = Set(held.map { $0.bytes.baseAddress! })
        held = []
        #expect(pool.inUse == 0)
        #expect(pool.mapped == 3 * UInt64(chunk), "kept for the next reader")

        try await Task.sleep(for: .milliseconds(300))
        held = (0..<3).compactMap { _ in pool.acquire(chunk) }
        #expect(Set(held.map { $0.bytes.baseAddress! }) == addresses, "the next reader reuses them")
        try await Task.sleep(for: .milliseconds(900))   // past the first spell's grace, while in use
        #expect(pool.mapped == 3 * UInt64(chunk))
        held = []
        try await Task.sleep(for: .milliseconds(300))   // the second spell's grace is not over yet
        #expect(pool.mapped == 3 * UInt64(chunk))
        #expect(await poolUnmaps(pool))
    }
}

@Suite struct CRCChainTests {
    /// Pieces checked out of order, and some twice, still add up to the whole file's CRC64: a chain that
    /// stopped at the first piece out of order would never reach the end, and damaged bytes would go unnoticed.
    @Test func piecesOutOfOrderStillReachTheEnd() {
        let data = randomBytes(700_000, seed: 77)
        let cuts: [Range<Int>] = [0..<1000, 1000..<250_000, 250_000..<600_000, 600_000..<700_000]
        func crc(_ r: Range<Int>) -> UInt64 { CRC64.checksum(Array(data[r])) }
        for order in [[0, 1, 2, 3], [2, 0, 3, 1], [3, 2, 1, 0], [1, 1, 3, 0, 2, 0]] {
            var chain = CRCChain()
            for i in order {
                chain.add(UInt64(cuts[i].lowerBound)..<UInt64(cuts[i].upperBound), crc: crc(cuts[i]))
            }
            #expect(chain.end == UInt64(data.count), "order \(order)")
            #expect(chain.crc == CRC64.checksum(data), "order \(order)")
        }
    }
}
