import ObjectStore
import ObjectStoreTesting
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
