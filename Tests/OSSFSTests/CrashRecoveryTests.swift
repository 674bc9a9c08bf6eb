#if canImport(Glibc)
import Glibc
#endif
import ObjectStore
import ObjectStoreTesting
import OSSCore
@testable import OSSFS
import Testing

/// kill -9 simulations: a mount dies at a chosen request (CrashingStore), and a new Filesystem on the same
/// staging directory and bucket runs `recover()`.
@Suite struct CrashRecoveryTests {
    static let size = 450 << 10   // five parts of 100 KiB (the last one 50 KiB)

    static func multipart(_ c: inout FilesystemConfiguration) {
        c.multipartSize = 100 << 10
        c.multipartThreshold = 100 << 10
        c.parallelCount = 1   // parts go in order, so "after N parts" means parts 1...N
    }

    func noUploadsLeft(_ memory: MemoryObjectStore) async throws -> Bool {
        try await memory.listMultipartUploads(prefix: "", keyMarker: nil, uploadIDMarker: nil, maxUploads: 100)
            .uploads.isEmpty
    }

    /// Writes a new multipart-sized file and flushes it through a store that dies at `call` number
    /// `after + 1`; then remounts and recovers.
    func crashDuringUpload(at call: String, after: Int, performed: Bool = false)
        async throws -> (CrashScenario, RecoveryReport, CrashingStore, [UInt8])
    {
        let s = CrashScenario(Self.multipart)
        let data = randomBytes(Self.size, seed: UInt64(after * 10 + call.count))
        let h = try await s.first.create("f")
        _ = try await s.first.fs.write(h, offset: 0, data: data)
        s.crashing.crash(at: call, after: after, performed: performed)
        await #expect(throws: FSError.self) { try await s.first.fs.flush(h) }
        #expect(s.crashing.crashed)
        #expect(s.records.count == 1, "the staged data has its record")
        let (fs, counting) = s.remount()
        let report = await fs.recover()
        expectSame((s.memory.storedBytes("f"), data))
        #expect(try await s.memory.head("f").crc64 == CRC64.checksum(data))
        #expect(try await noUploadsLeft(s.memory), "nothing left to cost money")
        #expect(s.records.isEmpty)
        #expect(s.first.stagingFiles.isEmpty, "data file removed once uploaded")
        return (s, report, counting, data)
    }

    @Test func crashBeforeInitiateUploadsEverythingOnRemount() async throws {
        let (_, report, counting, _) = try await crashDuringUpload(at: "initiate", after: 0)
        #expect(report.items.map(\.outcome) == [.uploaded(reusedParts: 0)])
        #expect(counting.calls("uploadPart") == 5)
    }

    @Test(arguments: [0, 1, 2, 3, 4])
    func crashAfterSomePartsReusesThem(parts: Int) async throws {
        let (_, report, counting, _) = try await crashDuringUpload(at: "uploadPart", after: parts)
        #expect(report.items.map(\.outcome) == [.uploaded(reusedParts: parts)])
        #expect(counting.calls("uploadPart") == 5 - parts, "only missing parts are sent again")
        #expect(counting.calls("initiate") == 0, "the recorded upload is resumed")
        #expect(counting.calls("complete") == 1)
    }

    @Test func crashBeforeCompleteReusesAllParts() async throws {
        let (_, report, counting, _) = try await crashDuringUpload(at: "complete", after: 0)
        #expect(report.items.map(\.outcome) == [.uploaded(reusedParts: 5)])
        #expect(counting.calls("uploadPart") == 0)
    }

    @Test func crashAfterCompleteBeforeRecordRemovalFindsItStored() async throws {
        let (_, report, counting, _) = try await crashDuringUpload(at: "complete", after: 0, performed: true)
        #expect(report.items.map(\.outcome) == [.alreadyStored])
        #expect(counting.calls("uploadPart") == 0)
        #expect(counting.calls("put") == 0)
    }

    @Test func crashInTheMiddleOfAWriteUploadsWhatWasStaged() async throws {
        let s = CrashScenario()
        let data = randomBytes(300 << 10, seed: 5)
        let h = try await s.first.create("dir-less")
        _ = try await s.first.fs.write(h, offset: 0, data: Array(data[0..<(100 << 10)]))
        _ = try await s.first.fs.write(h, offset: 100 << 10, data: Array(data[(100 << 10)...]))
        // killed before any flush: nothing is in OSS (create puts no object; the first upload makes it)
        #expect(s.memory.storedBytes("dir-less") == nil)
        let (fs, _) = s.remount()
        let report = await fs.recover()
        #expect(report.items.map(\.outcome) == [.uploaded(reusedParts: 0)])
        expectSame((s.memory.storedBytes("dir-less"), data))
        let meta = try await s.memory.head("dir-less")
        #expect(meta.userMetadata[OSSFS1Metadata.mode] == String(0o100644 & ~0o022), "pending metadata stored too")
    }

    @Test func partialRewriteOfAnExistingObjectRecoversFromItsBase() async throws {
        let s = CrashScenario(Self.multipart)
        let base = randomBytes(Self.size, seed: 77)
        try await s.first.put("big", base)
        let h = try await s.first.open("big", OpenFlags(access: .writeOnly))
        _ = try await s.first.fs.write(h, offset: 250_000, data: bytes("patched"))
        s.crashing.crash(at: "uploadPart", after: 0)   // parts 1-2 were copied server-side, part 3 never sent
        await #expect(throws: FSError.self) { try await s.first.fs.flush(h) }
        let (fs, counting) = s.remount()
        let report = await fs.recover()
        var expected = base
        expected.replaceSubrange(250_000..<250_007, with: bytes("patched"))
        #expect(report.items.map(\.outcome) == [.uploaded(reusedParts: 2)])
        expectSame((s.memory.storedBytes("big"), expected))
        #expect(counting.calls("uploadPart") == 1, "only the part holding the patch travels")
        #expect(counting.calls("uploadPartCopy") == 2, "parts 4-5 are copied server-side")
        #expect(try await noUploadsLeft(s.memory))
    }

    @Test func partialRewriteCrashAfterCompleteIsRecognisedByPartCRCs() async throws {
        let s = CrashScenario(Self.multipart)
        let base = randomBytes(Self.size, seed: 78)
        try await s.first.put("big", base)
        let h = try await s.first.open("big", OpenFlags(access: .writeOnly))
        _ = try await s.first.fs.write(h, offset: 10, data: bytes("x"))
        s.crashing.crash(at: "complete", after: 0, performed: true)
        await #expect(throws: FSError.self) { try await s.first.fs.flush(h) }
        let (fs, counting) = s.remount()
        let report = await fs.recover()
        var expected = base
        expected[10] = UInt8(ascii: "x")
        #expect(report.items.map(\.outcome) == [.alreadyStored])
        expectSame((s.memory.storedBytes("big"), expected))
        #expect(counting.calls("complete") == 0 && counting.calls("uploadPart") == 0)
    }

    @Test func objectChangedMeanwhileKeepsTheStagedCopy() async throws {
        let s = CrashScenario()
        let h = try await s.first.create("f")
        _ = try await s.first.fs.write(h, offset: 0, data: bytes("mine"))
        let (fs, _) = s.remount()
        try await s.first.put("f", bytes("theirs"))   // another client, while we were down
        let report = await fs.recover()
        expectSame((s.memory.storedBytes("f"), bytes("theirs")), "never overwritten")
        let item = try #require(report.items.first)
        guard case .kept(let reason) = item.outcome else { Issue.record("\(item)"); return }
        #expect(reason.contains("changed"))
        let path = try #require(item.stagedPath)
        #expect(path.contains("/conflicts/"))
        let kept = try StagingFile(path: path, create: false, space: SpaceGuard(ensureFree: 0))
        #expect(try kept.read(at: 0, count: 4) == bytes("mine"))
        #expect(report.lines.contains { $0.contains("NOT recovered f") && $0.contains(path) })
        // A later mount does not try again (the copy is set aside, not pending).
        fs.area?.release()
        let (fs3, counting) = s.remount()
        #expect(fs3.area?.directory == fs.area?.directory)
        #expect(await fs3.recover().items.isEmpty)
        #expect(counting.calls("put") == 0)
    }

    @Test func objectDeletedMeanwhileKeepsTheStagedCopy() async throws {
        let s = CrashScenario()
        try await s.first.writeFile("f", bytes("base"))
        let h = try await s.first.open("f")
        _ = try await s.first.fs.write(h, offset: 0, data: bytes("orphaned"))
        let (fs, _) = s.remount()
        try await s.memory.delete("f")
        let report = await fs.recover()
        #expect(s.memory.keys.isEmpty)
        guard case .kept(let reason)? = report.items.first?.outcome else { Issue.record("\(report)"); return }
        #expect(reason.contains("deleted"))
    }

    @Test func failedRecoveryUploadIsRetriedAtTheNextMount() async throws {
        let s = CrashScenario(Self.multipart)
        let data = randomBytes(Self.size, seed: 9)
        let h = try await s.first.create("f")
        _ = try await s.first.fs.write(h, offset: 0, data: data)
        s.crashing.crash(at: "uploadPart", after: 2)
        await #expect(throws: FSError.self) { try await s.first.fs.flush(h) }
        // The second mount dies too, after one more part.
        let (fs2, second) = s.remount()
        second.crash(at: "uploadPart", after: 1)
        second.onCrash { fs2.area?.freeze() }
        guard case .kept? = await fs2.recover().items.first?.outcome else { Issue.record("expected kept"); return }
        fs2.area?.release()
        let (fs3, third) = s.remount()
        let report = await fs3.recover()
        #expect(report.items.map(\.outcome) == [.uploaded(reusedParts: 3)])
        #expect(third.calls("uploadPart") == 2)
        expectSame((s.memory.storedBytes("f"), data))
    }

    @Test func cleanFilesLeaveNoRecordAndUnlinkDropsOne() async throws {
        let s = CrashScenario()
        try await s.first.writeFile("clean", bytes("uploaded"))
        #expect(s.records.isEmpty)
        let h = try await s.first.create("gone")
        _ = try await s.first.fs.write(h, offset: 0, data: bytes("unlinked before the crash"))
        #expect(s.records.count == 1)
        try await s.first.fs.unlink(parent: .root, name: "gone")
        #expect(s.records.isEmpty, "unlinked data is never resurrected")
        let (fs, counting) = s.remount()
        #expect(await fs.recover().items.isEmpty)
        #expect(counting.calls("put") == 0)
        #expect(s.memory.keys == ["clean"])
    }

    @Test func renamedOpenFileRecoversUnderItsNewName() async throws {
        let s = CrashScenario()
        let h = try await s.first.create("old")
        _ = try await s.first.fs.write(h, offset: 0, data: bytes("follows the name"))
        try await s.first.fs.rename(parent: .root, name: "old", newParent: .root, newName: "new", flags: .none)
        let (fs, _) = s.remount()
        let report = await fs.recover()
        #expect(report.items.map(\.key) == ["new"])
        expectSame((s.memory.storedBytes("new"), bytes("follows the name")))
        #expect(s.memory.storedBytes("old") == nil)
    }

    @Test func twoLiveMountsOfOnePrefixUseSeparateAreas() async throws {
        let s = CrashScenario()
        let other = Filesystem(store: s.memory, configuration: s.first.config)
        #expect(other.area != nil && other.area?.directory != s.first.fs.area?.directory)
        #expect(other.area?.sharedWithLiveMount == true && other.startupWarnings.count == 1)
        let h = try await s.first.create("f")
        _ = try await s.first.fs.write(h, offset: 0, data: bytes("live"))
        #expect(await other.recover().items.isEmpty, "a live mount's records are not the other's to recover")
        #expect(s.records.count == 1)
    }
}

@Suite struct StagingRecordSizeTests {
    @Test func scatteredWritesKeepTheRecordSmallAndRecoverExactly() async throws {
        let s = CrashScenario(CrashRecoveryTests.multipart)
        let base = randomBytes(2 << 20, seed: 21)   // 21 parts of 100 KiB
        try await s.first.put("f", base)
        let h = try await s.first.open("f", OpenFlags(access: .readWrite))
        var expected = base
        var g = SeededRandom(seed: 5)
        for _ in 0..<400 {
            let at = Int(g.next() % UInt64(base.count - 16))
            let patch = randomBytes(7, seed: g.next())
            _ = try await s.first.fs.write(h, offset: UInt64(at), data: patch)
            expected.replaceSubrange(at..<at + 7, with: patch)
        }
        let record = try #require(s.records.first)
        #expect(record.written.count / 2 <= 64 + 21, "ranges bounded: \(record.written.count / 2)")
        expectSame((try await s.first.readAll(h), expected))
        let (fs, _) = s.remount()
        #expect(await fs.recover().items.map(\.outcome) == [.uploaded(reusedParts: 0)])
        expectSame((s.memory.storedBytes("f"), expected))
    }

    /// The inode of a record file: a rewrite replaces it (temp file + rename), so a new number means rewritten.
    func recordInode(_ s: CrashScenario) throws -> UInt64 {
        let area = try #require(s.first.fs.area)
        let name = try #require(s.records.first).dataFile + StagingArea.recordSuffix
        var st = stat()
        try #require(lstat(area.path(name), &st) == 0)
        return UInt64(st.st_ino)
    }

    @Test func uploadOfANewWrittenFileKeepsTheRecordItsCreateWrote() async throws {
        let s = CrashScenario()
        let h = try await s.first.create("copied")
        let created = try recordInode(s)
        s.first.clock.advance(5)   // the write moves mtime and ctime: not worth a rewrite before the upload
        _ = try await s.first.fs.write(h, offset: 0, data: bytes("cp's one write"))
        s.crashing.crash(at: "put", after: 0)
        await #expect(throws: FSError.self) { try await s.first.fs.flush(h) }
        #expect(try recordInode(s) == created, "one record per small file, not two")
        let (fs, _) = s.remount()
        #expect(await fs.recover().items.map(\.outcome) == [.uploaded(reusedParts: 0)])
        expectSame((s.memory.storedBytes("copied"), bytes("cp's one write")))
    }

    @Test func chmodAndTimesSetWhileOpenAreRecordedBeforeTheUpload() async throws {
        let s = CrashScenario()
        let h = try await s.first.create("kept")
        _ = try await s.first.fs.write(h, offset: 0, data: bytes("data"))
        let created = try recordInode(s)
        let past = Timestamp(seconds: 1_000_000_000)
        _ = try await s.first.fs.setattr(try await s.first.ino("kept"),
                                         changes: AttributeChanges(permissions: 0o600, mtime: .to(past)),
                                         handle: h, caller: user)
        s.crashing.crash(at: "put", after: 0)
        await #expect(throws: FSError.self) { try await s.first.fs.flush(h) }
        #expect(try recordInode(s) != created, "the pending chmod and mtime are in the record")
        let (fs, _) = s.remount()
        _ = await fs.recover()
        let meta = try await s.memory.head("kept")
        #expect(meta.userMetadata[OSSFS1Metadata.mode] == String(0o100600))
        #expect(meta.userMetadata[OSSFS1Metadata.mtime] == OSSFS1Metadata.formatTime(past))
    }
}

/// Records are written by `StagingRecord.json()` and read by JSONDecoder at the next mount: every record must
/// come back as it was written.
@Suite struct StagingRecordEncodingTests {
    static let odd = "dir/\"quoted\"\\back\nline\ttab\u{01}\u{1F} é日本😀"

    static func sample(upload: Bool, optionals: Bool) -> StagingRecord {
        StagingRecord(
            key: odd, dataFile: "123-456-7.data", baseETag: optionals ? "\"ETAG-1\"" : nil, baseSize: UInt64.max,
            written: [0, 4096, 1 << 40, UInt64.max], contentType: optionals ? "text/plain; charset=\"utf-8\"" : nil,
            metadata: ["mode": "33188", "mtime": "1700000000.5", odd: odd, "": ""], appendable: optionals,
            upload: upload ? .init(uploadID: "UPLOAD\"ID\\1", partSize: 8 << 20,
                                   parts: [.init(number: 1, etag: "\"E1\"", size: 8 << 20, crc64: UInt64.max),
                                           .init(number: 2, etag: "", size: 0, crc64: nil)]) : nil)
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func everyRecordReadsBackAsWritten(upload: Bool, optionals: Bool) throws {
        let record = Self.sample(upload: upload, optionals: optionals)
        #expect(StagingArea.decode(StagingRecord.self, record.json()) == record)
    }

    @Test func aNewFilesRecordReadsBackAsWritten() throws {
        let record = StagingRecord(key: "f", dataFile: "d.data", baseETag: nil, baseSize: 0, written: [],
                                   contentType: "application/octet-stream", metadata: [:], appendable: false,
                                   upload: .init(uploadID: "u", partSize: 1, parts: []))
        #expect(StagingArea.decode(StagingRecord.self, record.json()) == record)
    }

    @Test func randomRecordsReadBackAsWritten() throws {
        var g = SeededRandom(seed: 77)
        func text() -> String {
            String(decoding: (0..<Int(g.next() % 12)).map { _ in
                [UInt8(ascii: "a"), 0x22, 0x5C, 0x0A, 0x01, 0x7F, UInt8(ascii: "/")][Int(g.next() % 7)]
            }, as: UTF8.self) + (g.next() % 2 == 0 ? "é😀" : "")
        }
        for _ in 0..<200 {
            var metadata: [String: String] = [:]
            for _ in 0..<Int(g.next() % 5) { metadata[text()] = text() }
            let record = StagingRecord(
                key: text(), dataFile: text(), baseETag: g.next() % 2 == 0 ? text() : nil, baseSize: g.next(),
                written: (0..<Int(g.next() % 6)).map { _ in g.next() }, contentType: g.next() % 2 == 0 ? text() : nil,
                metadata: metadata, appendable: g.next() % 2 == 0,
                upload: g.next() % 2 == 0 ? .init(uploadID: text(), partSize: g.next(), parts: (0..<Int(g.next() % 3)).map {
                    .init(number: $0 + 1, etag: text(), size: g.next(), crc64: g.next() % 2 == 0 ? g.next() : nil)
                }) : nil)
            #expect(StagingArea.decode(StagingRecord.self, record.json()) == record)
        }
    }
}
