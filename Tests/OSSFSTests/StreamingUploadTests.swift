import ObjectStore
import ObjectStoreTesting
import OSSCore
@testable import OSSFS
import Testing

/// Streaming upload (EagerUpload) and request-free create, against the in-memory store.
@Suite struct StreamingUploadTests {
    static let part = 100 << 10
    static let size = 450 << 10   // parts 1-4 full, part 5 half

    static func multipart(_ c: inout FilesystemConfiguration) {
        c.multipartSize = UInt64(part)
        c.multipartThreshold = UInt64(part)
        c.parallelCount = 2
    }

    /// Background parts finish on their own tasks: wait (bounded) for what the test needs to see.
    func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<2000 {
            if try await condition() { return }
            try await Task.sleep(nanoseconds: 5_000_000)
        }
        Issue.record("never happened: \(what)")
    }

    func uploads(_ memory: MemoryObjectStore) async throws -> Int {
        try await memory.listMultipartUploads(prefix: "", keyMarker: nil, uploadIDMarker: nil, maxUploads: 100)
            .uploads.count
    }

    /// Writes `data[range]` in 50 KiB pieces.
    func write(_ t: Harness, _ h: HandleID, _ data: [UInt8], _ range: Range<Int>) async throws {
        var at = range.lowerBound
        while at < range.upperBound {
            let end = min(range.upperBound, at + 50 << 10)
            _ = try await t.fs.write(h, offset: UInt64(at), data: Array(data[at..<end]))
            at = end
        }
    }

    func harness() -> (Harness, FaultyStore) {
        let faulty = FaultyStore(MemoryObjectStore())
        return (Harness(store: faulty, memory: faulty.inner, Self.multipart), faulty)
    }

    @Test func partsGoUpWhileWritingAndCloseSendsOnlyTheRest() async throws {
        let (t, faulty) = harness()
        let data = randomBytes(Self.size, seed: 11)
        let h = try await t.create("f")
        try await write(t, h, data, 0..<(400 << 10))
        // parallel_count (2) parts at most were started by the writes; they finish in the background.
        try await waitUntil("parts sent before close") { faulty.calls("uploadPart") >= 2 }
        #expect(faulty.calls("initiate") == 1)
        #expect(t.memory.storedBytes("f") == nil, "nothing visible before the upload completes")
        try await write(t, h, data, (400 << 10)..<Self.size)
        try await t.fs.flush(h)
        await t.fs.release(h)
        expectSame((t.memory.storedBytes("f"), data))
        #expect(try await t.head("f").crc64 == CRC64.checksum(data))
        #expect(faulty.calls("uploadPart") == 5, "every part sent once")
        #expect(faulty.calls("initiate") == 1)
        #expect(try await uploads(t.memory) == 0)
        #expect(t.stagingFiles.isEmpty)
    }

    /// Writes the FUSE thread stages at once (writeImmediately) feed the streaming upload like `write`; the
    /// write that must start it (a request) and a write into a file whose lock is held are declined.
    @Test func immediateWritesFeedTheStreamingUpload() async throws {
        let (t, faulty) = harness()
        let data = randomBytes(Self.size, seed: 21)
        let h = try await t.create("f")
        func immediately(_ range: Range<Int>) throws -> Int? {
            try data[range].withUnsafeBytes { try t.fs.writeImmediately(h, offset: UInt64(range.lowerBound), data: $0) }
        }
        var at = 0
        var declined: [Int] = []
        while at < Self.size {
            let end = min(Self.size, at + 50 << 10)
            if try immediately(at..<end) == nil {
                declined.append(at)
                _ = try await t.fs.write(h, offset: UInt64(at), data: Array(data[at..<end]))
            }
            at = end
        }
        #expect(declined == [100 << 10], "only the write that starts the upload (at the end of part 1) waits")
        #expect(faulty.calls("initiate") == 1)
        try await waitUntil("parts sent while writing") { faulty.calls("uploadPart") >= 2 }

        // Somebody holds the file's lock (an upload, a truncate): the write is not done here.
        let file = try t.fs.fileHandle(h).file
        await file.lock.lock()
        #expect(try immediately(0..<10) == nil)
        file.lock.unlock()

        try await t.fs.flush(h)
        await t.fs.release(h)
        expectSame((t.memory.storedBytes("f"), data))
        #expect(try await t.head("f").crc64 == CRC64.checksum(data))
        #expect(faulty.calls("uploadPart") == 5, "every part sent once")
        #expect(try await uploads(t.memory) == 0)
        #expect(t.stagingFiles.isEmpty)
    }

    @Test func aRewrittenPartIsSentAgainUnderItsNumber() async throws {
        let (t, faulty) = harness()
        var data = randomBytes(Self.size, seed: 12)
        let h = try await t.create("f")
        try await write(t, h, data, 0..<(400 << 10))
        try await waitUntil("part 1 sent") { faulty.calls("uploadPart") >= 2 }
        let patch = randomBytes(1000, seed: 13)
        _ = try await t.fs.write(h, offset: 5000, data: patch)   // into part 1
        data.replaceSubrange(5000..<6000, with: patch)
        try await write(t, h, data, (400 << 10)..<Self.size)
        try await t.fs.flush(h)
        await t.fs.release(h)
        expectSame((t.memory.storedBytes("f"), data))
        #expect(try await t.head("f").crc64 == CRC64.checksum(data))
        #expect(faulty.calls("uploadPart") >= 6, "part 1 went up twice")
        #expect(try await uploads(t.memory) == 0)
    }

    @Test func truncateAbandonsTheUpload() async throws {
        let (t, faulty) = harness()
        let data = randomBytes(Self.size, seed: 14)
        let h = try await t.create("f")
        try await write(t, h, data, 0..<(400 << 10))
        try await waitUntil("parts sent") { faulty.calls("uploadPart") >= 2 }
        let ino = try await t.ino("f")
        _ = try await t.fs.setattr(ino, changes: AttributeChanges(size: 150 << 10), handle: h, caller: user)
        try await t.fs.flush(h)
        await t.fs.release(h)
        expectSame((t.memory.storedBytes("f"), Array(data[0..<(150 << 10)])))
        try await waitUntil("the abandoned upload aborted") { try await uploads(t.memory) == 0 }
    }

    @Test func unlinkAbortsTheUpload() async throws {
        let (t, faulty) = harness()
        let data = randomBytes(Self.size, seed: 15)
        let h = try await t.create("f")
        try await write(t, h, data, 0..<Self.size)
        try await waitUntil("parts sent") { faulty.calls("uploadPart") >= 2 }
        let (parent, name) = try await t.split("f")
        try await t.fs.unlink(parent: parent, name: name)
        try await t.fs.flush(h)
        await t.fs.release(h)
        #expect(t.memory.storedBytes("f") == nil)
        try await waitUntil("the upload aborted") { try await uploads(t.memory) == 0 }
        #expect(t.fs.area?.stagingRecords().isEmpty == true)
    }

    @Test func aFailedCompletionKeepsTheDataStagedAndTheNextFlushStoresIt() async throws {
        let (t, faulty) = harness()
        let data = randomBytes(Self.size, seed: 16)
        let h = try await t.create("f")
        try await write(t, h, data, 0..<Self.size)
        faulty.failNext("complete")
        await #expect(throws: FSError.self) { try await t.fs.flush(h) }
        #expect(t.fs.area?.stagingRecords().count == 1, "the staged data keeps its record")
        #expect(t.memory.storedBytes("f") == nil)
        try await t.fs.flush(h)
        await t.fs.release(h)
        expectSame((t.memory.storedBytes("f"), data))
        try await waitUntil("no upload left behind") { try await uploads(t.memory) == 0 }
    }

    @Test func aCrashMidWriteResumesWithTheEagerParts() async throws {
        let s = CrashScenario(Self.multipart)
        let data = randomBytes(Self.size, seed: 17)
        let h = try await s.first.create("f")
        var at = 0
        while at < Self.size {   // 50 KiB writes; parts confirmed meanwhile are recorded by the next write
            let end = min(Self.size, at + 50 << 10)
            _ = try await s.first.fs.write(h, offset: UInt64(at), data: Array(data[at..<end]))
            at = end
            if at == 400 << 10 {
                try await waitUntil("parts sent") { s.crashing.calls("uploadPart") >= 2 }
            }
        }
        let recorded = s.records.first?.upload?.parts.count ?? 0
        #expect(recorded >= 1, "confirmed parts are in the record")
        let (fs, counting) = s.remount()   // kill -9 before close
        let report = await fs.recover()
        guard case .uploaded(let reused)? = report.items.first?.outcome else {
            Issue.record("not uploaded: \(report.lines)")
            return
        }
        #expect(reused >= recorded)
        #expect(counting.calls("initiate") == 0, "the streaming upload is resumed")
        #expect(counting.calls("uploadPart") == 5 - reused)
        expectSame((s.memory.storedBytes("f"), data))
        #expect(try await s.memory.head("f").crc64 == CRC64.checksum(data))
        #expect(try await uploads(s.memory) == 0)
    }

    @Test func writesThatLeaveHolesDoNotStream() async throws {
        let (t, faulty) = harness()
        let data = randomBytes(Self.size, seed: 18)
        let h = try await t.create("f")
        try await write(t, h, data, (300 << 10)..<Self.size)   // the start comes later
        try await write(t, h, data, 0..<(50 << 10))
        #expect(faulty.calls("initiate") == 0, "not written in order from 0")
        _ = try await t.fs.write(h, offset: 50 << 10, data: Array(data[(50 << 10)..<(300 << 10)]))
        #expect(faulty.calls("initiate") == 0)
        try await t.fs.flush(h)
        await t.fs.release(h)
        expectSame((t.memory.storedBytes("f"), data))
        #expect(try await t.head("f").crc64 == CRC64.checksum(data))
    }

    @Test func createCostsNoRequestAndTheFileIsVisibleAtOnce() async throws {
        let (t, faulty) = harness()
        try await t.mkdir("d")
        _ = try await t.names("d")
        faulty.resetCounts()
        let h = try await t.create("d/new", flags: OpenFlags(access: .readWrite, exclusive: true))
        #expect(faulty.calls("put") == 0, "no empty object at create (lookups are not this test's business)")
        #expect(t.memory.storedBytes("d/new") == nil)
        #expect(try await t.stat("d/new").size == 0)
        #expect(try await t.names("d") == ["new"])
        _ = try await t.fs.write(h, offset: 0, data: bytes("hi"))
        faulty.resetCounts()
        try await t.fs.flush(h)
        await t.fs.release(h)
        #expect(faulty.calls("put") == 1, "one PUT carries data and metadata")
        #expect(faulty.calls("head") == 0, "the PUT's answer has the CRC64")
        #expect(t.memory.storedBytes("d/new") == bytes("hi"))
    }

    @Test func exclusiveCreateNeverReplacesAnObjectMadeMeanwhile() async throws {
        let t = Harness()
        let h = try await t.create("x", flags: OpenFlags(access: .readWrite, exclusive: true))
        _ = try await t.fs.write(h, offset: 0, data: bytes("ours"))
        try await t.put("x", bytes("theirs"))
        await #expect(throws: FSError.self) { try await t.fs.flush(h) }
        #expect(t.memory.storedBytes("x") == bytes("theirs"))
        #expect(t.fs.area?.stagingRecords().count == 1, "ours stays staged")
        await t.fs.release(h)
    }

    @Test func aCrashBetweenCreateAndCloseLeavesTheFileToRecovery() async throws {
        let s = CrashScenario()
        let h = try await s.first.create("c")
        _ = try await s.first.fs.write(h, offset: 0, data: bytes("staged"))
        let (fs, _) = s.remount()
        let report = await fs.recover()
        #expect(report.items.map(\.outcome) == [.uploaded(reusedParts: 0)])
        #expect(s.memory.storedBytes("c") == bytes("staged"))
    }
}
