import Foundation
import ObjectStore
import ObjectStoreTesting
import OSSCore
@testable import OSSFS
import Testing

/// Directory renames interrupted by a crash are finished forward by the next mount.
@Suite struct RenameRecoveryTests {
    static let files = 10

    /// `a/` (a marker) holding a/f0 ... a/f9; returns their contents by name.
    func makeTree(_ s: CrashScenario) async throws -> [String: [UInt8]] {
        try await s.first.mkdir("a")
        var contents: [String: [UInt8]] = [:]
        for i in 0..<Self.files {
            contents["f\(i)"] = randomBytes(1000 + i, seed: UInt64(i))
            try await s.first.put("a/f\(i)", contents["f\(i)"]!)
        }
        return contents
    }

    func expectMoved(_ s: CrashScenario, _ contents: [String: [UInt8]]) {
        #expect(s.memory.keys == (["b/"] + contents.keys.sorted().map { "b/\($0)" }).map { ObjectKey($0) },
                "the new tree, whole; nothing of the old one; nothing twice")
        for (name, body) in contents { expectSame((s.memory.storedBytes(ObjectKey("b/\(name)")), body), "b/\(name)") }
        #expect(s.first.fs.area?.renameRecords().isEmpty == true)
    }

    // 11 objects move: the marker a/ first, then the files (one copy at a time).
    @Test(arguments: [0, 1, 4, 10])
    func interruptedWhileCopyingIsFinishedOnRemount(copies: Int) async throws {
        let s = CrashScenario { $0.multiRequestMax = 1 }
        let contents = try await makeTree(s)
        s.crashing.crash(at: "copy", after: copies)
        await #expect(throws: FSError.self) {
            try await s.first.fs.rename(parent: .root, name: "a", newParent: .root, newName: "b", flags: .none)
        }
        #expect(s.memory.keys.filter { $0.rawValue.hasPrefix("a/") }.count == Self.files + 1, "old tree whole")
        #expect(s.memory.keys.filter { $0.rawValue.hasPrefix("b/") }.count == copies)
        let (fs, counting) = s.remount()
        let report = await fs.recover()
        #expect(report.items.map(\.outcome) == [.renameFinished(copied: Self.files + 1 - copies, deleted: Self.files + 1)])
        #expect(counting.calls("copy") == Self.files + 1 - copies, "copies already made are not made again")
        expectMoved(s, contents)
    }

    @Test(arguments: [false, true])
    func interruptedWhileDeletingIsFinishedOnRemount(performed: Bool) async throws {
        let s = CrashScenario()
        let contents = try await makeTree(s)
        s.crashing.crash(at: "deleteMultiple", after: 0, performed: performed)
        await #expect(throws: FSError.self) {
            try await s.first.fs.rename(parent: .root, name: "a", newParent: .root, newName: "b", flags: .none)
        }
        let (fs, counting) = s.remount()
        let report = await fs.recover()
        #expect(report.items.map(\.outcome) == [.renameFinished(copied: 0, deleted: performed ? 0 : Self.files + 1)])
        #expect(counting.calls("copy") == 0)
        expectMoved(s, contents)
    }

    @Test func aSourceChangedBeforeRecoveryIsNotDeleted() async throws {
        let s = CrashScenario()
        _ = try await makeTree(s)
        s.crashing.crash(at: "deleteMultiple", after: 0)
        await #expect(throws: FSError.self) {
            try await s.first.fs.rename(parent: .root, name: "a", newParent: .root, newName: "b", flags: .none)
        }
        let (fs, _) = s.remount()
        try await s.first.put("a/f3", bytes("rewritten by another client"))
        let report = await fs.recover()
        #expect(report.items.map(\.outcome) == [.renameFinished(copied: 0, deleted: Self.files)])
        expectSame((s.memory.storedBytes("a/f3"), bytes("rewritten by another client")))
        #expect(s.memory.keys.filter { $0.rawValue.hasPrefix("b/") }.count == Self.files + 1)
    }

    @Test func failedRenameWhileMountedLeavesNoRecord() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        try await t.mkdir("a")
        try await t.put("a/x", bytes("x"))
        faulty.failNext("copy")
        await #expect(throws: FSError.self) {
            try await t.fs.rename(parent: .root, name: "a", newParent: .root, newName: "b", flags: .none)
        }
        #expect(t.fs.area?.renameRecords().isEmpty == true, "the source is whole: nothing to finish")
        #expect(t.memory.keys == ["a/", "a/x"])
        try await t.fs.rename(parent: .root, name: "a", newParent: .root, newName: "b", flags: .none)
        #expect(t.memory.keys == ["b/", "b/x"])
        #expect(t.fs.area?.renameRecords().isEmpty == true)
    }

}

/// A file rename is CopyObject then DeleteObject, spanned by a one-source rename record: a mount killed
/// between (or during) the two steps is finished forward by the next one, never left with both names.
@Suite struct FileRenameRecoveryTests {
    let body = randomBytes(5000, seed: 77)

    func renameCrashing(_ s: CrashScenario, at call: String, performed: Bool) async throws {
        try await s.first.put("a.bin", body)
        s.crashing.crash(at: call, after: 0, performed: performed)
        await #expect(throws: FSError.self) {
            try await s.first.fs.rename(parent: .root, name: "a.bin", newParent: .root, newName: "b.bin", flags: .none)
        }
        #expect(s.first.fs.area?.renameRecords().count == 1, "the record outlives the crash")
    }

    func expectMoved(_ s: CrashScenario) async throws {
        #expect(s.memory.keys == ["b.bin"], "the new name only, not both")
        expectSame((s.memory.storedBytes("b.bin"), body))
        #expect(try await s.memory.head("b.bin").crc64 == CRC64.checksum(body))
        #expect(s.first.fs.area?.renameRecords().isEmpty == true)
    }

    @Test(arguments: [false, true])
    func killedBeforeTheDeleteIsFinishedOnRemount(performed: Bool) async throws {
        let s = CrashScenario()
        try await renameCrashing(s, at: "delete", performed: performed)
        #expect(s.memory.keys == (performed ? ["b.bin"] : ["a.bin", "b.bin"]))
        let (fs, counting) = s.remount()
        let report = await fs.recover()
        #expect(report.items.map(\.outcome) == [.renameFinished(copied: 0, deleted: performed ? 0 : 1)])
        #expect(report.items.map(\.key) == ["b.bin"])
        #expect(counting.calls("copy") == 0, "the destination was verified equal (size, CRC64), not copied again")
        try await expectMoved(s)
    }

    @Test(arguments: [false, true])
    func killedDuringTheCopyIsFinishedOnRemount(performed: Bool) async throws {
        let s = CrashScenario()
        try await renameCrashing(s, at: "copy", performed: performed)
        #expect(s.memory.keys == (performed ? ["a.bin", "b.bin"] : ["a.bin"]), "the source is whole")
        let (fs, counting) = s.remount()
        let report = await fs.recover()
        #expect(report.items.map(\.outcome) == [.renameFinished(copied: performed ? 0 : 1, deleted: 1)])
        #expect(counting.calls("copy") == (performed ? 0 : 1))
        try await expectMoved(s)
    }

    @Test func aReplacedTargetGetsTheSourceOnRemount() async throws {
        let s = CrashScenario()
        try await s.first.put("b.bin", bytes("the old target"))
        try await renameCrashing(s, at: "copy", performed: false)
        expectSame((s.memory.storedBytes("b.bin"), bytes("the old target")), "a failed copy changes nothing")
        let (fs, _) = s.remount()
        _ = await fs.recover()
        try await expectMoved(s)
    }

    @Test func aSourceRewrittenBeforeRecoveryIsKept() async throws {
        let s = CrashScenario()
        try await renameCrashing(s, at: "delete", performed: false)
        let (fs, _) = s.remount()
        try await s.first.put("a.bin", bytes("written by another client"))
        let report = await fs.recover()
        #expect(report.items.map(\.outcome) == [.renameFinished(copied: 0, deleted: 0)])
        expectSame((s.memory.storedBytes("a.bin"), bytes("written by another client")))
        expectSame((s.memory.storedBytes("b.bin"), body))
    }

    @Test func aNativeSymlinkRenameIsFinishedOnRemount() async throws {
        let s = CrashScenario()
        try await s.memory.putSymlink("l", target: "somewhere/else", options: WriteOptions())   // as ossutil makes it
        s.crashing.crash(at: "delete", after: 0)
        await #expect(throws: FSError.self) {
            try await s.first.fs.rename(parent: .root, name: "l", newParent: .root, newName: "m", flags: .none)
        }
        let (fs, _) = s.remount()
        let report = await fs.recover()
        #expect(report.items.map(\.outcome) == [.renameFinished(copied: 0, deleted: 1)])
        #expect(s.memory.keys == ["m"])
        #expect(try await s.memory.getSymlink("m").0 == "somewhere/else")
    }

    @Test func renamesWhileMountedLeaveNoRecord() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        try await t.put("a", bytes("a"))
        faulty.failNext("copy")
        await #expect(throws: FSError.self) {
            try await t.fs.rename(parent: .root, name: "a", newParent: .root, newName: "b", flags: .none)
        }
        #expect(t.fs.area?.renameRecords().isEmpty == true, "a failed copy: the source is whole, nothing to finish")
        #expect(t.memory.keys == ["a"])
        faulty.failNext("delete")
        await #expect(throws: FSError.self) {
            try await t.fs.rename(parent: .root, name: "a", newParent: .root, newName: "b", flags: .none)
        }
        #expect(t.fs.area?.renameRecords().isEmpty == true, "a failed delete while mounted: both names, no record")
        try await t.fs.rename(parent: .root, name: "a", newParent: .root, newName: "c", flags: .none)
        #expect(t.memory.keys == ["b", "c"])
        #expect(t.fs.area?.renameRecords().isEmpty == true)
    }
}

/// The rename record's progress notes rewrite the whole record; they must not come every few copies of a big
/// directory (that made renaming n objects O(n²) in encoding work), and a small one needs none.
@Suite struct RenameJournalNoteTests {
    func journal(_ area: StagingArea, sources count: Int) -> RenameJournal {
        RenameJournal(area: area, record: RenameRecord(
            sourcePrefix: "a/", destinationPrefix: "b/", phase: .copying,
            sources: (0..<count).map { .init(key: "a/f\($0)", size: 1, etag: "\"e\($0)\"", symlink: nil) },
            copied: [], legacyKey: nil, markerMetadata: nil))
    }

    func withArea(_ body: (StagingArea) throws -> Void) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ossfs-notes-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let area = try StagingArea(root: root, identity: "bucket:/", space: SpaceGuard(ensureFree: 0))
        defer { area.release() }
        try body(area)
    }

    /// How many copies the record on disk names.
    func noted(_ area: StagingArea) -> Int { area.renameRecords().first?.record.copied.count ?? -1 }

    @Test func aBigDirectoryIsNotedOncePerQuarter() throws {
        try withArea { area in
            let count = 8 * RenameJournal.minimumNoteBatch
            let quarter = count / 4
            let j = journal(area, sources: count)
            try j.begin()
            var done = 0
            for q in 1...4 {
                while done < q * quarter - 1 { j.copied(done); done += 1 }
                #expect(noted(area) == (q - 1) * quarter, "nothing new noted within a quarter")
                j.copied(done); done += 1
                #expect(noted(area) == q * quarter, "a note at the end of quarter \(q)")
            }
            try j.startDeleting()
            #expect(area.renameRecords().first?.record.phase == .deleting)
            j.end()
            #expect(area.renameRecords().isEmpty)
        }
    }

    @Test func aSmallDirectoryNeedsNoNotes() throws {
        try withArea { area in
            let count = RenameJournal.minimumNoteBatch - 1
            let j = journal(area, sources: count)
            try j.begin()
            for i in 0..<count { j.copied(i) }
            #expect(noted(area) == 0, "recovery would HEAD these few; no note rewrote the record")
            try j.startDeleting()
            #expect(noted(area) == count)
            j.end()
        }
    }
}
