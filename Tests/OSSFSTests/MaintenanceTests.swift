import ObjectStore
import ObjectStoreTesting
@testable import OSSFS
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct AbandonedUploadTests {
    func uploads(_ memory: MemoryObjectStore, prefix: String = "") async throws -> Set<String> {
        Set(try await IncompleteUploads.list(memory, prefix: prefix).map(\.key.rawValue))
    }

    @Test func cleanupAbortsOnlyOldForeignUploadsUnderThePrefix() async throws {
        let memory = MemoryObjectStore()
        _ = try await memory.initiateMultipartUpload("p/old-foreign", options: WriteOptions())
        _ = try await memory.initiateMultipartUpload("q/outside-the-mount", options: WriteOptions())
        // Our own upload: a mount of p/ that died after sending one part.
        let s = CrashScenario(memory: memory) {
            $0.prefix = "p/"
            $0.multipartSize = 100 << 10
            $0.multipartThreshold = 100 << 10
            $0.parallelCount = 1
        }
        let data = randomBytes(300 << 10, seed: 1)
        let h = try await s.first.create("ours")
        _ = try await s.first.fs.write(h, offset: 0, data: data)
        s.crashing.crash(at: "uploadPart", after: 1)
        await #expect(throws: FSError.self) { try await s.first.fs.flush(h) }
        for i in 0..<100 { _ = try await memory.put(ObjectKey("z/\(i)"), payload: .empty, options: WriteOptions()) }
        let young = try await memory.initiateMultipartUpload("p/young-foreign", options: WriteOptions())
        let youngTime = try #require(try await IncompleteUploads.list(memory).first { $0.uploadID == young }).initiated
        #expect(try await uploads(memory) == ["p/old-foreign", "q/outside-the-mount", "p/ours", "p/young-foreign"])

        let now = FilesystemClock { Timestamp(seconds: youngTime.seconds + 10) }
        let (fs, _) = s.remount(clock: now) { $0.multipartAbortAge = 50 }
        let aborted = try await fs.abortAbandonedUploads()
        #expect(aborted.map(\.key.rawValue) == ["p/old-foreign"])
        #expect(try await uploads(memory) == ["q/outside-the-mount", "p/ours", "p/young-foreign"])
        // Recovery finishes ours (its staging record protected it) and the cleanup it runs aborts nothing more.
        let report = await fs.recover()
        #expect(report.items.map(\.outcome) == [.uploaded(reusedParts: 1)])
        #expect(report.abortedUploads.isEmpty)
        expectSame((memory.storedBytes("p/ours"), data))
        #expect(try await uploads(memory) == ["q/outside-the-mount", "p/young-foreign"])
    }

    @Test func ageZeroTurnsTheCleanupOff() async throws {
        let memory = MemoryObjectStore()
        _ = try await memory.initiateMultipartUpload("old", options: WriteOptions())
        let t = Harness(memory: memory) { $0.multipartAbortAge = 0 }
        #expect(try await t.fs.abortAbandonedUploads().isEmpty)
        #expect(await t.fs.recover().abortedUploads.isEmpty)
        #expect(try await uploads(memory) == ["old"])
    }

    @Test func defaultAgeIsADayAndRecoveryRunsIt() async throws {
        #expect(FilesystemConfiguration().multipartAbortAge == 24 * 3600)
        let memory = MemoryObjectStore()
        _ = try await memory.initiateMultipartUpload("stale", options: WriteOptions())
        // The harness clock (2027) is years after the store's (2024).
        let t = Harness(memory: memory)
        let report = await t.fs.recover()
        #expect(report.abortedUploads.map(\.key.rawValue) == ["stale"])
        #expect(report.lines.contains { $0.contains("aborted abandoned multipart upload") })
        #expect(try await uploads(memory).isEmpty)
    }

    @Test func utilityModeListsAndAbortsByAge() async throws {
        let memory = MemoryObjectStore()
        let a = try await memory.initiateMultipartUpload("a", options: WriteOptions())
        for i in 0..<10 { _ = try await memory.put(ObjectKey("x\(i)"), payload: .empty, options: WriteOptions()) }
        let b = try await memory.initiateMultipartUpload("b", options: WriteOptions())
        let listed = try await IncompleteUploads.list(memory)
        #expect(listed.map(\.uploadID) == [a, b])
        #expect(IncompleteUploads.describe(listed[0]).hasPrefix("a\t\(a)\t20"))
        let now = Timestamp(seconds: listed[1].initiated.seconds + 3)
        #expect(try await IncompleteUploads.abort(memory, olderThan: 5, now: now).map(\.uploadID) == [a])
        #expect(try await IncompleteUploads.list(memory).map(\.uploadID) == [b])
        #expect(try await IncompleteUploads.abort(memory, olderThan: UploadAge.parse("all")!, now: now, keep: [b]).isEmpty)
        #expect(try await IncompleteUploads.abort(memory, olderThan: UploadAge.parse("all")!, now: now).map(\.uploadID) == [b])
    }

    @Test func ageSyntaxOfOSSFS1() {
        #expect(UploadAge.parse("all") == 0)
        #expect(UploadAge.parse("24H") == 86400)
        let long: Int64 = 365 * 86400 + 6 * 30 * 86400 + 10 * 86400 + 12 * 3600 + 30 * 60 + 30
        #expect(UploadAge.parse("1Y6M10D12h30m30s") == long)
        #expect(UploadAge.parse("90m") == 5400)
        #expect(UploadAge.parse("2d3s") == 172_803)
        for bad in ["", "5", "h", "3x", "1h2", "-1h", "99999999999999999999Y", "all "] {
            #expect(UploadAge.parse(bad) == nil, "\(bad)")
        }
    }
}

/// ensure_diskfree: the writer that would cross it gets ENOSPC; everything else goes on.
@Suite struct StagingSpaceTests {
    final class FreeSpace: Sendable {
        private let bytes: Mutex<UInt64>
        init(_ b: UInt64) { bytes = Mutex(b) }
        func set(_ b: UInt64) { bytes.withLock { $0 = b } }
        var probe: @Sendable (String) -> UInt64? { { _ in self.bytes.withLock { $0 } } }
    }

    @Test func writerGetsENOSPCAndNothingElseBreaks() async throws {
        let free = FreeSpace(10 << 20)
        let t = Harness {
            $0.ensureDiskFree = 8 << 20
            $0.freeSpaceProbe = free.probe
        }
        try await t.put("other", bytes("still readable"))
        let first = randomBytes(1 << 20, seed: 1)
        let more = randomBytes(3 << 20, seed: 2)
        let a = try await t.create("a")
        #expect(try await t.fs.write(a, offset: 0, data: first) == first.count)
        await #expect(throws: FSError.noSpace) { _ = try await t.fs.write(a, offset: 1 << 20, data: more) }
        #expect(FSError.noSpace.errno == ENOSPC)
        // The failed file: its staged data intact, its size unchanged, still flushable.
        #expect(try await t.fs.getattr(try await t.ino("a"), handle: a).0.size == 1 << 20)
        expectSame((try await t.readAll(a), first))
        try await t.fs.flush(a)
        expectSame((t.memory.storedBytes("a"), first))
        // Others: reads go on; new writes that fit go on; big ones fail alike.
        #expect(try await t.readFile("other") == bytes("still readable"))
        try await t.writeFile("small", bytes("fits"))
        expectSame((t.memory.storedBytes("small"), bytes("fits")))
        let b = try await t.create("b")
        await #expect(throws: FSError.noSpace) { _ = try await t.fs.write(b, offset: 0, data: more) }
        // Space comes back: both writers carry on.
        free.set(100 << 20)
        _ = try await t.fs.write(a, offset: 1 << 20, data: more)
        _ = try await t.fs.write(b, offset: 0, data: more)
        try await t.fs.flush(a)
        try await t.fs.flush(b)
        await t.fs.release(a)
        await t.fs.release(b)
        expectSame((t.memory.storedBytes("a"), first + more))
        expectSame((t.memory.storedBytes("b"), more))
        #expect(t.stagingFiles.isEmpty)
    }

    @Test func aRefusedWriteIsNotRecoveredAsWritten() async throws {
        let free = FreeSpace(10 << 20)
        let s = CrashScenario {
            $0.ensureDiskFree = 8 << 20
            $0.freeSpaceProbe = free.probe
        }
        let base = randomBytes(3 << 20, seed: 4)
        try await s.first.put("f", base)
        let h = try await s.first.open("f", OpenFlags(access: .writeOnly))
        _ = try await s.first.fs.write(h, offset: 0, data: bytes("head"))
        await #expect(throws: FSError.noSpace) {
            _ = try await s.first.fs.write(h, offset: 1 << 20, data: randomBytes(3 << 20, seed: 5))
        }
        let (fs, _) = s.remount()   // killed with the file dirty
        free.set(100 << 20)
        let report = await fs.recover()
        #expect(report.items.map(\.outcome) == [.uploaded(reusedParts: 0)])
        var expected = base
        expected.replaceSubrange(0..<4, with: bytes("head"))
        expectSame((s.memory.storedBytes("f"), expected), "the refused range kept the old bytes, not zeros")
    }
}
