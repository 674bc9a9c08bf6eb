import ObjectStore
import ObjectStoreTesting
import OSSCore
@testable import OSSFS
import Testing

@Suite struct DataPathTests {
    @Test func writeThenReadBack() async throws {
        let t = Harness()
        let data = randomBytes(300_000, seed: 1)
        try await t.writeFile("f", data)
        #expect(t.memory.storedBytes("f") == data)
        #expect(try await t.readFile("f") == data)
        #expect(try await t.stat("f").size == 300_000)
        #expect(t.stagingFiles.isEmpty, "release after a successful upload deletes the staging file")
    }

    @Test func emptyFileExistsAfterCreate() async throws {
        let t = Harness()
        let h = try await t.create("e")
        #expect(t.memory.storedBytes("e") == nil)     // its first flush creates the object
        #expect(try await t.stat("e").size == 0)      // the name exists locally at once
        try await t.fs.flush(h)
        #expect(t.memory.storedBytes("e") == [])
        await t.fs.release(h)
        #expect(try await t.stat("e").size == 0)
        #expect(try await t.readFile("e") == [])
    }

    @Test func partialOverwriteFetchesOnlyWhatIsNeeded() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        var data = randomBytes(3 << 20, seed: 2)
        try await t.put("big", data)
        faulty.resetCounts()
        let h = try await t.open("big")
        _ = try await t.fs.write(h, offset: 1_000_000, data: bytes("PATCH"))
        #expect(faulty.calls("get") == 0, "a write does not load the old bytes")
        let r = try await t.fs.read(h, offset: 999_998, size: 10)
        data.replaceSubrange(1_000_000..<1_000_005, with: bytes("PATCH"))
        #expect(r == Array(data[999_998..<1_000_008]))
        #expect(faulty.getRanges.allSatisfy { $0 != nil }, "only ranged GETs")
        try await t.fs.flush(h)
        await t.fs.release(h)
        #expect(t.memory.storedBytes("big") == data)
        #expect(try await t.head("big").crc64 == CRC64.checksum(data))
    }

    @Test func appendAndTruncateOnOpen() async throws {
        let t = Harness()
        try await t.writeFile("log", bytes("one\n"))
        let h = try await t.open("log", OpenFlags(access: .writeOnly, append: true))
        _ = try await t.fs.write(h, offset: 0, data: bytes("two\n"))   // O_APPEND ignores the offset
        try await t.fs.flush(h)
        await t.fs.release(h)
        #expect(t.memory.storedBytes("log") == bytes("one\ntwo\n"))

        let h2 = try await t.open("log", OpenFlags(access: .writeOnly, truncate: true))
        #expect(try await t.fs.getattr(try await t.ino("log"), handle: h2).0.size == 0)
        _ = try await t.fs.write(h2, offset: 0, data: bytes("new"))
        try await t.fs.flush(h2)
        await t.fs.release(h2)
        #expect(t.memory.storedBytes("log") == bytes("new"))
    }

    @Test func sparseWritesAndTruncateBothWays() async throws {
        let t = Harness()
        let h = try await t.create("sparse")
        _ = try await t.fs.write(h, offset: 1_000_000, data: bytes("end"))
        try await t.fs.flush(h)
        var expected = [UInt8](repeating: 0, count: 1_000_003)
        expected.replaceSubrange(1_000_000..., with: bytes("end"))
        #expect(t.memory.storedBytes("sparse") == expected)

        let ino = try await t.ino("sparse")
        _ = try await t.fs.setattr(ino, changes: AttributeChanges(size: 10), handle: h, caller: user)
        _ = try await t.fs.setattr(ino, changes: AttributeChanges(size: 20), handle: h, caller: user)
        try await t.fs.flush(h)
        await t.fs.release(h)
        #expect(t.memory.storedBytes("sparse") == [UInt8](repeating: 0, count: 20))

        // truncate(2) on a closed file uploads at once.
        try await t.writeFile("closed", bytes("0123456789"))
        _ = try await t.fs.setattr(try await t.ino("closed"), changes: AttributeChanges(size: 4), handle: nil, caller: user)
        #expect(t.memory.storedBytes("closed") == bytes("0123"))
        _ = try await t.fs.setattr(try await t.ino("closed"), changes: AttributeChanges(size: 6), handle: nil, caller: user)
        #expect(t.memory.storedBytes("closed") == bytes("0123") + [0, 0])
        #expect(t.stagingFiles.isEmpty)
    }

    @Test func shrinkThenGrowOfRemoteFileZeroesTheTail() async throws {
        let t = Harness()
        try await t.put("f", bytes("abcdefghij"))
        let h = try await t.open("f")
        let ino = try await t.ino("f")
        _ = try await t.fs.setattr(ino, changes: AttributeChanges(size: 3), handle: h, caller: user)
        _ = try await t.fs.write(h, offset: 6, data: bytes("X"))
        #expect(try await t.readAll(h) == bytes("abc") + [0, 0, 0] + bytes("X"))
        try await t.fs.flush(h)
        await t.fs.release(h)
        #expect(t.memory.storedBytes("f") == bytes("abc") + [0, 0, 0] + bytes("X"))
    }

    @Test func handlesShareOneStagingState() async throws {
        let t = Harness()
        try await t.writeFile("shared", bytes("aaaaaaaaaa"))
        let w1 = try await t.open("shared")
        let w2 = try await t.open("shared")
        let r = try await t.open("shared", OpenFlags(access: .readOnly))
        _ = try await t.fs.write(w1, offset: 0, data: bytes("11"))
        _ = try await t.fs.write(w2, offset: 5, data: bytes("22"))
        #expect(try await t.readAll(r) == bytes("11aaa22aaa"), "a reader sees writes of other descriptors")
        #expect(t.stagingFiles.count == 1)
        try await t.fs.flush(w1)
        #expect(t.memory.storedBytes("shared") == bytes("11aaa22aaa"))
        await t.fs.release(w1)
        await t.fs.release(w2)
        await t.fs.release(r)
        #expect(t.stagingFiles.isEmpty)
    }

    @Test func readOnlyHandleCannotWrite() async throws {
        let t = Harness()
        try await t.writeFile("f", bytes("x"))
        let h = try await t.open("f", OpenFlags(access: .readOnly))
        await #expect(throws: FSError.badHandle) { _ = try await t.fs.write(h, offset: 0, data: [1]) }
        await t.fs.release(h)
        await #expect(throws: FSError.badHandle) { _ = try await t.fs.read(HandleID(999), offset: 0, size: 1) }
    }

    @Test func readAheadFetchesLargeChunksSequentially() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        let data = randomBytes(4 << 20, seed: 3)
        try await t.put("seq", data)
        let h = try await t.open("seq", OpenFlags(access: .readOnly))
        faulty.resetCounts()
        #expect(try await t.readAll(h, chunk: 128 << 10) == data)
        #expect(faulty.calls("get") <= 5, "128 KiB reads are served from GETs growing from 256 KiB")
        await t.fs.release(h)
    }

    @Test func changedObjectUnderOpenHandleIsStale() async throws {
        let t = Harness()
        try await t.put("f", randomBytes(3 << 20, seed: 4))
        let h = try await t.open("f", OpenFlags(access: .readOnly))
        _ = try await t.fs.read(h, offset: 2 << 20, size: 10)   // bytes served: the pin is this version's
        try await t.put("f", randomBytes(3 << 20, seed: 5))     // another client replaces it
        await #expect(throws: FSError.stale("f")) { _ = try await t.fs.read(h, offset: 0, size: 10) }
        await t.fs.release(h)
    }

    @Test func multipartUploadInSmallParts() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner) {
            $0.multipartSize = 100 << 10
            $0.multipartThreshold = 200 << 10
            $0.parallelCount = 3
        }
        for size in [199 << 10, 200 << 10, 100 << 10 * 7 + 1, 1 << 20] {
            faulty.resetCounts()
            let data = randomBytes(size, seed: UInt64(size))
            try await t.writeFile("mp\(size)", data)
            #expect(t.memory.storedBytes(ObjectKey("mp\(size)")) == data)
            let parts = (size + (100 << 10) - 1) / (100 << 10)
            if size >= 200 << 10 {
                #expect(faulty.calls("uploadPart") == parts, "\(size)")
                #expect(try await t.head("mp\(size)").objectType == .multipart)
            } else {
                #expect(faulty.calls("uploadPart") == 0)
            }
        }
    }

    @Test func noMultipartUsesOnePut() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner) {
            $0.multipartSize = 100 << 10
            $0.multipartThreshold = 100 << 10
            $0.multipartEnabled = false
        }
        try await t.writeFile("f", randomBytes(500 << 10, seed: 9))
        #expect(faulty.calls("uploadPart") == 0)
        #expect(t.memory.storedBytes("f")?.count == 500 << 10)
    }

    @Test func maxDirtyDataUploadsMidWrite() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner) { $0.maxDirtyData = 1000 }
        let h = try await t.create("f")
        faulty.resetCounts()
        _ = try await t.fs.write(h, offset: 0, data: randomBytes(600, seed: 1))
        #expect(faulty.calls("put") == 0)
        _ = try await t.fs.write(h, offset: 600, data: randomBytes(600, seed: 2))
        #expect(faulty.calls("put") == 1)
        #expect(t.memory.storedBytes("f")?.count == 1200)
        await t.fs.release(h)
    }

    @Test func ensureDiskFreeRefusesWrites() async throws {
        let t = Harness { $0.ensureDiskFree = UInt64.max / 2 }
        let h = try await t.create("f")
        await #expect(throws: FSError.noSpace) { _ = try await t.fs.write(h, offset: 0, data: [1, 2, 3]) }
        await t.fs.release(h)
    }
}

@Suite struct PartReuseTests {
    @Test func appendingToALargeObjectCopiesUntouchedPartsServerSide() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner) {
            $0.multipartSize = 100 << 10
            $0.multipartThreshold = 200 << 10
        }
        var data = randomBytes(1 << 20, seed: 31)
        try await t.put("log", data)
        let h = try await t.open("log", OpenFlags(access: .writeOnly, append: true))
        faulty.resetCounts()
        _ = try await t.fs.write(h, offset: 0, data: bytes("tail"))
        try await t.fs.flush(h)
        data += bytes("tail")
        #expect(faulty.calls("uploadPartCopy") == 10, "parts 1-10 never left the server")
        #expect(faulty.calls("uploadPart") == 1)
        #expect(faulty.getRanges == [(10 * 102_400)..<(1 << 20)], "only the last part's old bytes were fetched")
        #expect(t.memory.storedBytes("log") == data)
        // A second round works from the new version.
        _ = try await t.fs.write(h, offset: 0, data: bytes("more"))
        try await t.fs.flush(h)
        await t.fs.release(h)
        data += bytes("more")
        #expect(t.memory.storedBytes("log") == data)
    }

    @Test func overwriteInTheMiddleSendsOnlyThatPart() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner) {
            $0.multipartSize = 100 << 10
            $0.multipartThreshold = 200 << 10
        }
        var data = randomBytes(600 << 10, seed: 32)
        try await t.put("img", data)
        let h = try await t.open("img")
        faulty.resetCounts()
        _ = try await t.fs.write(h, offset: 250_000, data: bytes("XYZ"))
        try await t.fs.flush(h)
        await t.fs.release(h)
        data.replaceSubrange(250_000..<250_003, with: bytes("XYZ"))
        #expect(faulty.calls("uploadPart") == 1)
        #expect(faulty.calls("uploadPartCopy") == 5)
        #expect(t.memory.storedBytes("img") == data)
    }
}

@Suite struct PrefetchTests {
    @Test func sequentialReadersFetchTheNextWindowInTheBackground() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        let data = randomBytes(40 << 20, seed: 41)
        try await t.put("big", data)
        let h = try await t.open("big", OpenFlags(access: .readOnly))
        faulty.resetCounts()
        _ = try await t.fs.read(h, offset: 0, size: 128 << 10)
        _ = try await t.fs.read(h, offset: 128 << 10, size: 128 << 10)
        // Sequential reads start a fetch of the window after the buffer before anyone asks for it.
        let firstEnd = try #require(faulty.getRanges.first??.upperBound)
        #expect(firstEnd == UInt64(Prefetcher.initialChunk))
        var prefetched = false
        for _ in 0..<200 where !prefetched {
            prefetched = faulty.getRanges.contains { $0?.lowerBound == firstEnd }
            if !prefetched { try await Task.sleep(nanoseconds: 10_000_000) }
        }
        #expect(prefetched)
        var out = try await t.fs.read(h, offset: 0, size: 256 << 10)   // a seek back resets the window
        out = []
        var at: UInt64 = 0
        while true {
            let b = try await t.fs.read(h, offset: at, size: 128 << 10)
            if b.isEmpty { break }
            out += b
            at += UInt64(b.count)
        }
        #expect(out == data)
        #expect(faulty.calls("get") < 20, "chunks grow to 8 MiB")
        await t.fs.release(h)
        #expect(await poolDrains(t.fs), "every background read is accounted back")
    }

    @Test func prefetchStaysWithinTheSharedBudget() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner) { $0.prefetchMemoryLimit = 0 }
        let data = randomBytes(3 << 20, seed: 43)
        try await t.put("f", data)
        let h = try await t.open("f", OpenFlags(access: .readOnly))
        faulty.resetCounts()
        _ = try await t.fs.read(h, offset: 0, size: 128 << 10)
        _ = try await t.fs.read(h, offset: 128 << 10, size: 128 << 10)
        try await Task.sleep(nanoseconds: 100_000_000)
        #expect(faulty.getRanges == [0..<(128 << 10), (128 << 10)..<(256 << 10)],
                "no background read beyond the budget: each read fetches what it needs")
        #expect(try await t.readAll(h, chunk: 128 << 10) == data)
        #expect(t.fs.chunkPool.inUse == 0)
        await t.fs.release(h)
    }

    @Test func randomReadsStayCorrect() async throws {
        let t = Harness()
        let data = randomBytes(6 << 20, seed: 42)
        try await t.put("f", data)
        let h = try await t.open("f", OpenFlags(access: .readOnly))
        var g = SeededRandom(seed: 42)
        for _ in 0..<200 {
            let offset = Int(g.next() % UInt64(data.count))
            let size = 1 + Int(g.next() % 300_000)
            let sequential = g.next() % 2 == 0
            let got = try await t.fs.read(h, offset: UInt64(offset), size: size)
            #expect(got == Array(data[offset..<min(offset + size, data.count)]))
            if sequential {
                let next = offset + got.count
                let more = try await t.fs.read(h, offset: UInt64(next), size: size)
                #expect(more == Array(data[min(next, data.count)..<min(next + size, data.count)]))
            }
        }
        await t.fs.release(h)
    }
}
