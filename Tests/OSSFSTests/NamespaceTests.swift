import ObjectStore
import ObjectStoreTesting
@testable import OSSFS
import Testing

@Suite struct NamespaceTests {
    @Test func lookupCountsBalanceWithForget() async throws {
        let t = Harness()
        try await t.put("f", bytes("x"))
        let e1 = try await t.fs.lookup(parent: .root, name: "f")
        let e2 = try await t.fs.lookup(parent: .root, name: "f")
        #expect(e1.attributes.ino == e2.attributes.ino, "stable while referenced")
        let ino = e1.attributes.ino
        #expect(t.fs.inodes.lookupCount(ino) == 2)
        t.fs.forget(ino, count: 1)
        #expect(t.fs.inodes.lookupCount(ino) == 1)
        t.fs.forget(ino, count: 1)
        #expect(t.fs.inodes.record(ino) == nil, "evicted at zero")
        #expect(t.fs.inodes.count == 1, "only the root is left")
        t.fs.forget(.root, count: 5)
        #expect(t.fs.inodes.record(.root) != nil)
        #expect(t.fs.inodes.checkInvariants())
    }

    @Test func everyEntryReplyCountsOnce() async throws {
        let t = Harness()
        let d = try await t.fs.mkdir(parent: .root, name: "d", permissions: 0o755, caller: user).attributes.ino
        let (e, o) = try await t.fs.create(parent: d, name: "f", permissions: 0o644,
                                           flags: OpenFlags(access: .readWrite), caller: user)
        let s = try await t.fs.symlink(parent: d, name: "s", target: "f", caller: user).attributes.ino
        let n = try await t.fs.mknod(parent: d, name: "n", mode: 0o100644, caller: user).attributes.ino
        for ino in [d, e.attributes.ino, s, n] { #expect(t.fs.inodes.lookupCount(ino) == 1) }
        // readdirplus: counted only for entries the adapter confirms.
        let h = try await t.fs.opendir(d)
        let entries = try await t.fs.readdir(h, offset: 0, plus: true)
        #expect(entries.map(\.name).sorted() == [".", "..", "f", "n", "s"])
        #expect(entries.filter { $0.name == "." || $0.name == ".." }.allSatisfy { $0.entry == nil })
        let sent = entries.compactMap { $0.entry?.attributes.ino }
        #expect(t.fs.inodes.lookupCount(e.attributes.ino) == 1)
        t.fs.confirmLookups(sent)
        await t.fs.releasedir(h)
        for ino in [e.attributes.ino, s, n] { #expect(t.fs.inodes.lookupCount(ino) == 2) }
        await t.fs.release(o.handle)
        for ino in [e.attributes.ino, s, n] { t.fs.forget(ino, count: 2) }
        t.fs.forget(d, count: 1)
        #expect(t.fs.inodes.count == 1)
        #expect(t.fs.inodes.checkInvariants())
    }

    @Test func unconfirmedReaddirEntriesAreReleased() async throws {
        let t = Harness()
        for i in 0..<5 { try await t.put("f\(i)", bytes("x")) }
        let h = try await t.fs.opendir(.root)
        _ = try await t.fs.readdir(h, offset: 0, plus: true)
        #expect(t.fs.inodes.count == 6)
        await t.fs.releasedir(h)
        #expect(t.fs.inodes.count == 1, "entries the kernel never received do not leak")
    }

    @Test func hiddenKeysAreNeverShownAndNeverEscape() async throws {
        let t = Harness()
        try await t.put("a//b", bytes("empty segment"))
        try await t.put("./x", bytes("dot"))
        try await t.put("../y", bytes("dotdot"))
        try await t.put(String(repeating: "n", count: 256), bytes("long"))
        try await t.put(String(repeating: "m", count: 255), bytes("max"))
        try await t.put("both", bytes("file hidden by the directory"))
        try await t.put("both/inner", bytes("dir wins"))
        try await t.put("ok", bytes("fine"))
        let names = try await t.names("")
        #expect(names == ["a", "both", String(repeating: "m", count: 255), "ok"])
        #expect(try await t.names("a") == [], "the empty-named child is hidden")
        #expect(try await t.stat("both").kind == .directory, "a directory wins over a same-named file")
        #expect(try await t.names("both") == ["inner"])
        await #expect(throws: FSError.nameTooLong) {
            _ = try await t.fs.lookup(parent: .root, name: String(repeating: "n", count: 256))
        }
        await #expect(throws: FSError.self) { _ = try await t.fs.lookup(parent: .root, name: "..") }
        // A directory holding only hidden keys is not empty: rmdir never deletes what nobody can see.
        await #expect(throws: FSError.notEmpty) { try await t.fs.rmdir(parent: .root, name: "a") }
        #expect(t.memory.keys.contains("a//b"))
    }

    @Test func readdirPagesThroughThousandsAndPlusFillsAttributes() async throws {
        let t = Harness()
        try await t.put("big/", contentType: "application/x-directory", meta: ["mode": "16877"])
        for i in 0..<2100 { try await t.put("big/f\(i)", bytes("\(i)"), meta: ["mode": "33261", "uid": "77"]) }
        for i in 0..<3 { try await t.put("big/sub\(i)/x", bytes("x")) }
        let plain = try await t.list("big")
        #expect(plain.count == 2105)
        #expect(Set(plain.map(\.offset)).count == plain.count, "unique cookies")
        let plus = try await t.list("big", plus: true)
        let files = plus.filter { $0.name.hasPrefix("f") }
        #expect(files.count == 2100)
        #expect(files.allSatisfy { $0.entry?.attributes.permissions == 0o755 && $0.entry?.attributes.uid == 77 })
        #expect(files.first { $0.name == "f123" }?.entry?.attributes.size == 3)
        #expect(plus.filter { $0.name.hasPrefix("sub") }.allSatisfy { $0.kind == .directory })
    }

    @Test func readdirOptimizeSkipsHeads() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner) { $0.readdirOptimize = true }
        for i in 0..<10 { try await t.put("f\(i)", bytes("abc"), meta: ["mode": "33261"]) }
        faulty.resetCounts()
        let plus = try await t.list("", plus: true)
        #expect(faulty.calls("head") == 0)
        #expect(plus.filter { $0.name.hasPrefix("f") }.allSatisfy { $0.entry?.attributes.permissions == 0o640 })
    }

    @Test func mkdirRmdirAndNotEmpty() async throws {
        let t = Harness()
        try await t.mkdir("d")
        await #expect(throws: FSError.exists) { try await t.mkdir("d") }
        try await t.writeFile("d/f", bytes("x"))
        await #expect(throws: FSError.notEmpty) { try await t.fs.rmdir(parent: .root, name: "d") }
        await #expect(throws: FSError.notDirectory) { try await t.fs.rmdir(parent: try await t.ino("d"), name: "f") }
        await #expect(throws: FSError.isDirectory) { try await t.fs.unlink(parent: .root, name: "d") }
        try await t.fs.unlink(parent: try await t.ino("d"), name: "f")
        try await t.fs.rmdir(parent: .root, name: "d")
        #expect(t.memory.keys.isEmpty)
        #expect(await !t.exists("d"))
    }

    @Test func implicitDirectorySurvivesItsLastChild() async throws {
        let t = Harness()
        try await t.put("imp/only", bytes("x"))
        try await t.fs.unlink(parent: try await t.ino("imp"), name: "only")
        #expect(t.memory.keys == ["imp/"], "a marker keeps the directory the user still sees")
        #expect(try await t.stat("imp").kind == .directory)
        try await t.fs.rmdir(parent: .root, name: "imp")
        #expect(t.memory.keys.isEmpty)
    }

    @Test func unlinkWhileOpenKeepsDataForTheHandles() async throws {
        let t = Harness()
        let data = randomBytes(2 << 20, seed: 7)
        try await t.writeFile("f", data)
        let reader = try await t.open("f", OpenFlags(access: .readOnly))
        let writer = try await t.open("f")
        _ = try await t.fs.write(writer, offset: 0, data: bytes("HEAD"))
        let ino = try await t.ino("f")
        try await t.fs.unlink(parent: .root, name: "f")
        #expect(!t.memory.keys.contains("f"))
        await #expect(throws: FSError.notFound) { _ = try await t.fs.lookup(parent: .root, name: "f") }
        var expected = data
        expected.replaceSubrange(0..<4, with: bytes("HEAD"))
        #expect(try await t.readAll(reader) == expected)
        _ = try await t.fs.write(writer, offset: 10, data: bytes("more"))
        expected.replaceSubrange(10..<14, with: bytes("more"))
        #expect(try await t.readAll(writer) == expected)
        #expect(try await t.fs.getattr(ino, handle: writer).0.size == UInt64(expected.count))
        try await t.fs.flush(writer)
        #expect(!t.memory.keys.contains("f"), "a flush after unlink must not resurrect the object")
        await t.fs.release(writer)
        await t.fs.release(reader)
        #expect(t.memory.keys.isEmpty)
        #expect(t.stagingFiles.isEmpty)
        t.fs.forget(ino, count: 1)
        #expect(t.fs.inodes.checkInvariants())
    }

    @Test func statCacheShowsOtherClientsAfterTTL() async throws {
        let t = Harness { $0.statCacheTTL = 60 }
        try await t.put("f", bytes("v1"))
        #expect(try await t.stat("f").size == 2)
        await #expect(throws: FSError.notFound) { _ = try await t.ino("later") }
        try await t.put("f", bytes("version2"))
        try await t.put("later", bytes("x"))
        #expect(try await t.stat("f").size == 2, "cached within the TTL")
        await #expect(throws: FSError.notFound) { _ = try await t.ino("later") }
        t.clock.advance(61)
        #expect(try await t.stat("f").size == 8)
        #expect(try await t.stat("later").size == 1)
        // Opens re-read metadata (close-to-open), even within the TTL, once the lookup's answer is over 1 s old.
        t.clock.advance(2)
        try await t.put("f", bytes("third version"))
        #expect(try await t.readFile("f") == bytes("third version"))
    }

    @Test func negativeCacheCanBeDisabled() async throws {
        let t = Harness { $0.negativeCache = false }
        await #expect(throws: FSError.notFound) { _ = try await t.ino("x") }
        try await t.put("x", bytes("x"))
        #expect(await t.exists("x"))
    }

    @Test func statCacheIsBounded() async throws {
        let t = Harness { $0.statCacheSize = 50 }
        for i in 0..<200 { try await t.put("f\(i)", bytes("x")) }
        for i in 0..<200 { _ = try await t.ino("f\(i)") }
        #expect(t.fs.cache.count <= 50)
    }

    @Test func linksFifosStatfsAccess() async throws {
        let t = Harness()
        try await t.writeFile("f", bytes("abc"))
        let f = try await t.ino("f")
        await #expect(throws: FSError.self) { _ = try await t.fs.link(f, newParent: .root, newName: "g") }
        do { _ = try await t.fs.link(f, newParent: .root, newName: "g") } catch let e as FSError { #expect(e.errno == 1) }
        await #expect(throws: FSError.self) { _ = try await t.fs.mknod(parent: .root, name: "p", mode: 0o010644, caller: user) }
        let st = try await t.fs.statfs()
        #expect(st.nameMax == 255 && st.blocks > st.freeBlocks && st.freeBlocks > 0)
        try await t.fs.access(f, mask: 4 | 2, caller: user)
        await #expect(throws: FSError.accessDenied) { try await t.fs.access(f, mask: 1, caller: user) }
        await #expect(throws: FSError.accessDenied) {
            try await t.fs.access(f, mask: 2, caller: Caller(uid: 5, gid: 5, pid: 1))
        }
        try await t.fs.access(f, mask: 4 | 2, caller: root)
        try await t.fs.access(f, mask: 0, caller: Caller(uid: 5, gid: 5, pid: 1))
    }

    @Test func readOnlyMountRefusesChanges() async throws {
        let t = Harness { $0.readOnly = true }
        try await t.put("f", bytes("x"))
        await #expect(throws: FSError.readOnly) { try await t.mkdir("d") }
        await #expect(throws: FSError.readOnly) { _ = try await t.open("f", OpenFlags(access: .writeOnly)) }
        #expect(try await t.readFile("f") == bytes("x"))
    }
}

@Suite struct ReaddirKindTests {
    @Test func listingGuessesDoNotReplaceKnownInodes() async throws {
        let t = Harness { $0.statCacheTTL = 1 }
        try await t.put("link", bytes("target"), meta: ["mode": String(0o120777)])
        let ino = try await t.ino("link")
        t.clock.advance(5)                                 // the stat cache forgot it; the inode did not
        let entry = try await t.list("").first { $0.name == "link" }!
        #expect(entry.ino == ino)
        #expect(entry.kind == .symlink, "d_type of a known body-form symlink")
        #expect(try await t.fs.getattr(ino, handle: nil).0.kind == .symlink)
        #expect(t.fs.inodes.checkInvariants())
    }
}

@Suite struct ForgetRaceTests {
    @Test func aForgetThatOvertakesItsConfirmationBalances() async throws {
        let t = Harness()
        try await t.put("f", bytes("x"))
        let h = try await t.fs.opendir(.root)
        let entries = try await t.fs.readdir(h, offset: 0, plus: true)
        let ino = entries.first { $0.name == "f" }!.ino
        t.fs.forget(ino, count: 1)            // the kernel already dropped the entry it was sent
        t.fs.confirmLookups([ino])            // the adapter's confirmation arrives late
        #expect(t.fs.inodes.lookupCount(ino) == 0)
        await t.fs.releasedir(h)
        #expect(t.fs.inodes.record(ino) == nil)
        #expect(t.fs.inodes.count == 1)
    }
}

@Suite struct ListingVersusCacheTests {
    @Test func aListingClearsStaleNegativeEntries() async throws {
        let t = Harness { $0.statCacheTTL = 900 }
        await #expect(throws: FSError.notFound) { _ = try await t.ino("new") }
        try await t.put("new", bytes("by another client"))
        #expect(try await t.names("") == ["new"])
        #expect(try await t.stat("new").size == 17, "ls -l must be able to stat what readdir listed")
    }
}
