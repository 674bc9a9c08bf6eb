import ObjectStore
import ObjectStoreTesting
@testable import OSSFS
import Testing

@Suite struct RenameTests {
    func rename(_ t: Harness, _ from: String, _ to: String, _ flags: RenameFlags = .none) async throws {
        let (p, n) = try await t.split(from)
        let (q, m) = try await t.split(to)
        try await t.fs.rename(parent: p, name: n, newParent: q, newName: m, flags: flags)
    }

    @Test func renamesAFileAndKeepsItsMetadata() async throws {
        let t = Harness()
        try await t.put("a", bytes("data"), meta: ["mode": "33152", "uid": "9"])
        let ino = try await t.ino("a")
        try await rename(t, "a", "b")
        #expect(t.memory.keys == ["b"])
        #expect(try await t.head("b").userMetadata["mode"] == "33152")
        #expect(try await t.ino("b") == ino, "the inode follows the name")
        await #expect(throws: FSError.notFound) { _ = try await t.fs.lookup(parent: .root, name: "a") }
        #expect(t.fs.inodes.checkInvariants())
    }

    @Test func replacingAndNoReplace() async throws {
        let t = Harness()
        try await t.writeFile("a", bytes("A"))
        try await t.writeFile("b", bytes("B"))
        await #expect(throws: FSError.exists) { try await rename(t, "a", "b", .noReplace) }
        await #expect(throws: FSError.notSupported("RENAME_EXCHANGE")) { try await rename(t, "a", "b", .exchange) }
        try await rename(t, "a", "b")
        #expect(t.memory.keys == ["b"])
        #expect(try await t.readFile("b") == bytes("A"))
    }

    @Test func directoryTargets() async throws {
        let t = Harness()
        try await t.mkdir("d")
        try await t.mkdir("full")
        try await t.writeFile("full/x", bytes("x"))
        try await t.mkdir("empty")
        try await t.writeFile("f", bytes("f"))
        await #expect(throws: FSError.notEmpty) { try await rename(t, "d", "full") }
        await #expect(throws: FSError.isDirectory) { try await rename(t, "f", "empty") }
        await #expect(throws: FSError.notDirectory) { try await rename(t, "d", "f") }
        await #expect(throws: FSError.self) { try await rename(t, "d", "d/inner") }
        try await rename(t, "d", "empty")
        #expect(t.memory.keys.sorted() == ["empty/", "f", "full/", "full/x"])
    }

    @Test func directoryRenameOfHundredsOfFiles() async throws {
        let t = Harness()
        // Made through the API like its children (a directory this mount made would answer for its names
        // itself until the stat-cache TTL ends, not seeing keys put straight into the store).
        try await t.put("src/", contentType: "application/x-directory", meta: ["mode": "16877"])
        var expected: [String: [UInt8]] = [:]
        for i in 0..<350 {
            let key = i % 7 == 0 ? "src/sub\(i % 3)/f\(i)" : "src/f\(i)"
            try await t.put(key, bytes("content \(i)"), meta: ["mode": "33188"])
            expected["dst" + key.dropFirst(3)] = bytes("content \(i)")
        }
        try await t.memory.putSymlink("src/link", target: "src/f1", options: WriteOptions())
        let deep = try await t.ino("src/sub1")
        try await rename(t, "src", "dst")
        let keys = t.memory.keys.map(\.rawValue)
        #expect(!keys.contains { $0.hasPrefix("src") })
        for (k, v) in expected { #expect(t.memory.storedBytes(ObjectKey(k)) == v) }
        #expect(keys.contains("dst/"))
        #expect(try await t.memory.getSymlink("dst/link").target == "src/f1")
        #expect(try await t.ino("dst/sub1") == deep, "descendant inodes follow")
        #expect(try await t.names("dst").count == 350 - 50 + 3 + 1)
        #expect(t.fs.inodes.checkInvariants())
    }

    @Test func failedDirectoryRenameLeavesTheSourceIntact() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        for i in 0..<20 { try await t.put("src/f\(i)", bytes("\(i)")) }
        faulty.failNext("copy")
        await #expect(throws: FSError.self) { try await rename(t, "src", "dst") }
        #expect(t.memory.keys.filter { $0.rawValue.hasPrefix("src/") }.count == 20)
        #expect(t.memory.keys.filter { $0.rawValue.hasPrefix("dst/") }.isEmpty, "partial copies are removed")
    }

    @Test func renameOfAnOpenFileFollowsTheHandle() async throws {
        let t = Harness()
        try await t.writeFile("a", bytes("0123456789"))
        let h = try await t.open("a")
        _ = try await t.fs.write(h, offset: 0, data: bytes("XY"))
        try await rename(t, "a", "b")
        _ = try await t.fs.write(h, offset: 8, data: bytes("ZZ"))
        try await t.fs.flush(h)
        await t.fs.release(h)
        #expect(t.memory.keys == ["b"])
        #expect(t.memory.storedBytes("b") == bytes("XY234567ZZ"))
    }

    @Test func readerOfARenamedCleanFileKeepsReading() async throws {
        let t = Harness()
        let data = randomBytes(3 << 20, seed: 8)
        try await t.put("a", data)
        let h = try await t.open("a", OpenFlags(access: .readOnly))
        _ = try await t.fs.read(h, offset: 0, size: 10)
        try await rename(t, "a", "b")
        #expect(try await t.readAll(h) == data)
        await t.fs.release(h)
    }

    @Test func renameOntoAnOpenTargetDetachesIt() async throws {
        let t = Harness()
        try await t.writeFile("a", bytes("new"))
        try await t.writeFile("b", bytes("old contents"))
        let h = try await t.open("b", OpenFlags(access: .readOnly))
        try await rename(t, "a", "b")
        #expect(try await t.readAll(h) == bytes("old contents"))
        await t.fs.release(h)
        #expect(try await t.readFile("b") == bytes("new"))
    }

    @Test func largeFilesCopyInParts() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner) {
            $0.singlePartCopyLimit = 200 << 10
            $0.multipartCopySize = 100 << 10
        }
        let data = randomBytes(550 << 10, seed: 12)
        try await t.put("big", data, meta: ["mode": "33188", "uid": "3"])
        try await rename(t, "big", "moved")
        #expect(faulty.calls("uploadPartCopy") == 6)
        #expect(faulty.calls("copy") == 0)
        #expect(t.memory.storedBytes("moved") == data)
        #expect(try await t.head("moved").userMetadata["uid"] == "3")
        #expect(!t.memory.keys.contains("big"))
    }

    @Test func noCopyAPIRenamesByDownloadAndUpload() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner) { $0.copyAPIEnabled = false }
        try await t.put("a", bytes("payload"), meta: ["mode": "33188"])
        try await rename(t, "a", "b")
        #expect(faulty.calls("copy") == 0)
        #expect(t.memory.storedBytes("b") == bytes("payload"))
        #expect(try await t.head("b").userMetadata["mode"] == "33188")
    }

    @Test func renamesNativeSymlinks() async throws {
        let t = Harness()
        try await t.memory.putSymlink("l", target: "somewhere", options: WriteOptions())
        try await rename(t, "l", "m")
        #expect(try await t.memory.getSymlink("m").target == "somewhere")
        #expect(t.memory.keys == ["m"])
    }
}
