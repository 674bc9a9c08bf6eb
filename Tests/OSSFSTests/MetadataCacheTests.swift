import ObjectStore
import ObjectStoreTesting
@testable import OSSFS
import Synchronization
import Testing

/// The readdirplus metadata prefetch, and what it leaves in the stat cache.
@Suite struct AttributePrefetchTests {
    private func info(_ size: UInt64) -> NodeInfo {
        NodeInfo(kind: .regular, permissions: 0o644, uid: 1, gid: 1, size: size,
                 atime: Timestamp(seconds: 0), mtime: Timestamp(seconds: 0), ctime: Timestamp(seconds: 0))
    }

    @Test func fetchesEachKeyOnceWithinTheLimit() async throws {
        let seen = Mutex((running: 0, peak: 0, calls: [String: Int]()))
        let p = AttributePrefetch(limit: 4) { name, _ in
            seen.withLock { s in
                s.running += 1
                s.peak = max(s.peak, s.running)
                s.calls[name, default: 0] += 1
            }
            await Task.yield()
            seen.withLock { $0.running -= 1 }
            return name == "missing" ? nil : self.info(UInt64(name.count))
        }
        let keys = (0..<100).map { AttributePrefetch.Key(name: "n\($0)", kind: .regular) }
        p.enqueue(keys)
        p.enqueue(keys)   // queued already: not again
        let got = await p.answers(keys + [.init(name: "missing", kind: .regular)])
        #expect(got.count == 100)
        #expect(got[.init(name: "n42", kind: .regular)]?.size == 3)
        #expect(got[.init(name: "missing", kind: .regular)] == nil)
        let s = seen.withLock { $0 }
        #expect(s.peak <= 4)
        #expect(s.calls.values.allSatisfy { $0 == 1 })
        #expect(s.calls.count == 101)
    }

    @Test func aNameAsAnotherKindIsAnotherKey() async throws {
        let p = AttributePrefetch(limit: 2) { _, kind in
            var i = self.info(1)
            i.kind = kind
            return i
        }
        let file = AttributePrefetch.Key(name: "a", kind: .regular)
        let dir = AttributePrefetch.Key(name: "a", kind: .directory)
        _ = await p.answers([file])
        let got = await p.answers([dir])
        #expect(got[dir]?.kind == .directory)
    }

    @Test func cancelReleasesWaiters() async throws {
        let gate = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let p = AttributePrefetch(limit: 1) { _, _ in
            await withCheckedContinuation { c in gate.withLock { $0 = c } }
            return nil
        }
        let waiting = Task { await p.answers([.init(name: "slow", kind: .regular)]) }
        while gate.withLock({ $0 == nil }) { await Task.yield() }
        p.cancel()
        #expect(await waiting.value.isEmpty)
        gate.withLock { $0?.resume() }
    }
}

@Suite struct ReaddirPrefetchTests {
    @Test func readdirplusHeadsEachEntryOnceAndLookupsAskNothing() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        for i in 0..<1500 { try await t.put("d/f\(i)", bytes("x"), meta: ["mode": "33216", "uid": "5"]) }
        let d = try await t.ino("d")
        faulty.resetCounts()
        let plus = try await t.list("d", plus: true)
        let files = plus.filter { $0.name.hasPrefix("f") }
        #expect(files.count == 1500)
        #expect(files.allSatisfy { $0.entry?.attributes.permissions == 0o700 && $0.entry?.attributes.uid == 5 })
        #expect(faulty.calls("head") == 1500, "one HEAD per entry over \(1500 / Filesystem.plusBatch + 1) batches")
        #expect(faulty.calls("list") == 2)
        faulty.resetCounts()
        for i in stride(from: 0, to: 1500, by: 7) {
            let e = try await t.fs.lookup(parent: d, name: "f\(i)")
            #expect(e.attributes.permissions == 0o700)
        }
        #expect(faulty.calls("head") + faulty.calls("list") == 0, "lookups after ls -l come from the stat cache")
    }

    @Test func aDirectorysLookupLeavesOneRequestPerLaterLookupOfItsFiles() async throws {
        // `cat d/f3` in a directory never listed: the lookup of d listed its keys and they showed no directory
        // named f3, so f3's lookup needs a request of its own only, not a HEAD and a listing.
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        for i in 0..<20 { try await t.put("d/f\(i)", bytes("x"), meta: ["mode": "33216"]) }
        try await t.put("d/g", bytes("a file beside a directory of its name"))
        try await t.put("d/g/x", bytes("y"))
        let d = try await t.ino("d")
        faulty.resetCounts()
        for i in 0..<20 {
            let e = try await t.fs.lookup(parent: d, name: "f\(i)")
            #expect(e.attributes.permissions == 0o700, "the HEAD's metadata, not the listing's guess")
        }
        #expect(faulty.calls("list") == 0)
        #expect(faulty.calls("head") + faulty.calls("get") == 20)
        #expect(try await t.fs.lookup(parent: d, name: "g").attributes.kind == .directory, "the directory wins")
    }

    @Test func aBiggerDirectorysLookupLeavesNoGuesses() async throws {
        // Its lookup saw only the first keys: a later name may have a directory of its own further on.
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        for i in 0..<(Filesystem.probeListingKeys + 5) { try await t.put("d/f\(1000 + i)", bytes("x")) }
        let d = try await t.ino("d")
        faulty.resetCounts()
        _ = try await t.fs.lookup(parent: d, name: "f1000")
        #expect(faulty.calls("list") == 1, "the full probe")
    }

    @Test func aPlainListingLeavesOneHeadPerLaterLookup() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        for i in 0..<40 { try await t.put("d/f\(i)", bytes("x"), meta: ["mode": "33216"]) }
        try await t.put("d/sub/x", bytes("y"))
        let d = try await t.ino("d")
        _ = try await t.list("d")   // plain readdir: the shell's glob before `cat d/*`
        faulty.resetCounts()
        for i in 0..<40 {
            let e = try await t.fs.lookup(parent: d, name: "f\(i)")
            #expect(e.attributes.permissions == 0o700, "the HEAD's metadata, not the listing's guess")
        }
        #expect(faulty.calls("head") + faulty.calls("get") == 40,
                "one request of the file's own: the listing showed no directory of that name")
        #expect(faulty.calls("list") == 0)
        #expect(try await t.fs.lookup(parent: d, name: "sub").attributes.kind == .directory)
    }

    @Test func aSmallListedFileIsLookedUpOpenedAndReadWithOneGET() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        let small = randomBytes(4096, seed: 7)
        try await t.put("d/small", small, meta: ["mode": "33216"])
        try await t.put("d/large", randomBytes(Int(Filesystem.lookupGETLimit) + 1, seed: 8))
        let d = try await t.ino("d")
        _ = try await t.list("d")
        faulty.resetCounts()
        let e = try await t.fs.lookup(parent: d, name: "small")
        #expect(e.attributes.permissions == 0o700 && e.attributes.size == 4096)
        let h = try await t.fs.open(e.attributes.ino, flags: OpenFlags(access: .readOnly), caller: user).handle
        #expect(try await t.fs.read(h, offset: 0, size: 128 << 10) == small)
        await t.fs.release(h)
        #expect(faulty.calls("get") == 1 && faulty.calls("head") == 0, "the lookup's GET served the open and the read")
        #expect(t.fs.lookupBodies.count == 0, "the open took the bytes")

        faulty.resetCounts()
        _ = try await t.fs.lookup(parent: d, name: "large")
        #expect(faulty.calls("head") == 1 && faulty.calls("get") == 0, "a larger file is only HEADed")
    }

    @Test func keptLookupBytesOfAnotherVersionAreNotRead() async throws {
        let t = Harness()
        try await t.put("d/f", bytes("old"))
        let d = try await t.ino("d")
        _ = try await t.list("d")
        let e = try await t.fs.lookup(parent: d, name: "f")   // keeps "old"
        try await t.put("d/f", bytes("new!"))
        t.clock.advance(2)   // past the open-reuse window: the open asks again and pins the new version
        let h = try await t.fs.open(e.attributes.ino, flags: OpenFlags(access: .readOnly), caller: user).handle
        #expect(try await t.fs.read(h, offset: 0, size: 100) == bytes("new!"))
        await t.fs.release(h)
    }

    @Test func aListedFileThatBecameADirectoryIsProbedInFull() async throws {
        let t = Harness()
        try await t.put("d/f", bytes("x"))
        let d = try await t.ino("d")
        _ = try await t.list("d")
        try await t.memory.delete(ObjectKey("d/f"))
        try await t.put("d/f/inner", bytes("y"))
        #expect(try await t.fs.lookup(parent: d, name: "f").attributes.kind == .directory)
    }

    @Test func aLocalChangeDuringTheListingIsNotOverwritten() async throws {
        let t = Harness()
        try await t.put("f", bytes("abc"), meta: ["mode": "33188"])
        let h = try await t.fs.opendir(.root)
        _ = try await t.fs.readdir(h, offset: 0, plus: true)
        let ino = try await t.ino("f")
        _ = try await t.fs.setattr(ino, changes: AttributeChanges(permissions: 0o600), handle: nil, caller: user)
        // A late prefetch answer must not bring the old mode back.
        t.fs.cache.putUnlessKnown(FSPath("f"), try #require(try await t.fs.headFile(ObjectKey("f"))).withMode(0o644))
        #expect(try await t.stat("f").permissions == 0o600)
        await t.fs.releasedir(h)
    }
}

private extension NodeInfo {
    func withMode(_ m: UInt32) -> NodeInfo {
        var i = self
        i.permissions = m
        return i
    }
}

/// Directories this mount made answer for their names until the stat-cache TTL ends.
@Suite struct CompleteDirectoryTests {
    @Test func filesCreatedInANewDirectorySendNoLookups() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner) { $0.statCacheTTL = 60 }
        try await t.mkdir("new")
        #expect(t.fs.cache.isComplete(FSPath("new")))
        faulty.resetCounts()
        let dir = try await t.ino("new")
        for i in 0..<20 {
            await #expect(throws: FSError.notFound) { _ = try await t.fs.lookup(parent: dir, name: "f\(i)") }
            try await t.writeFile("new/f\(i)", bytes("data \(i)"))
        }
        try await t.mkdir("new/sub")
        #expect(faulty.calls("head") == 0)
        #expect(faulty.calls("list") == 0)
        #expect(try await t.names("new").count == 21)
        #expect(try await t.readFile("new/f7") == bytes("data 7"))
        #expect(t.fs.cache.isComplete(FSPath("new")), "creations through this mount keep it complete")
    }

    @Test func anotherClientsFileShowsAfterTheTTL() async throws {
        let t = Harness { $0.statCacheTTL = 60 }
        try await t.mkdir("d")
        try await t.put("d/theirs", bytes("x"))
        await #expect(throws: FSError.notFound) { _ = try await t.ino("d/theirs") }
        t.clock.advance(61)
        #expect(try await t.stat("d/theirs").size == 1)
    }

    @Test func aFailedFirstUploadKeepsTheKnowledgeUnlessItMetAnotherClient() async throws {
        // A plain failure (500) proves nothing about the directory: it stays complete, the data staged.
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner) { $0.statCacheTTL = 60 }
        try await t.mkdir("d")
        let h = try await t.create("d/mine")
        _ = try await t.fs.write(h, offset: 0, data: bytes("ours"))
        faulty.failNext("put")
        await #expect(throws: FSError.self) { try await t.fs.flush(h) }
        #expect(t.fs.cache.isComplete(FSPath("d")))
        try await t.fs.flush(h)   // the failure is used up: the staged data goes now
        await t.fs.release(h)
        #expect(t.memory.storedBytes("d/mine") == bytes("ours"))
    }

    @Test func aNameAnotherClientTookIsAConflictAtCloseAndForgetsTheKnowledge() async throws {
        // Inside a directory we made, another client's new name is invisible until the TTL: creating the same
        // name costs no request, and the conditional first upload is what finds the conflict.
        let t = Harness { $0.statCacheTTL = 60 }
        try await t.mkdir("d")
        try await t.put("d/theirs", bytes("x"))
        let h = try await t.create("d/theirs", flags: OpenFlags(access: .readWrite, exclusive: true))
        _ = try await t.fs.write(h, offset: 0, data: bytes("ours"))
        await #expect(throws: FSError.self) { try await t.fs.flush(h) }
        await t.fs.release(h)
        #expect(!t.fs.cache.isComplete(FSPath("d")))
        #expect(t.memory.storedBytes("d/theirs") == bytes("x"), "theirs is never replaced")
        #expect(t.fs.area?.stagingRecords().count == 1, "ours stays staged")
    }

    @Test func evictionAndRenameEndTheKnowledge() async throws {
        let t = Harness { $0.statCacheSize = 30 }
        try await t.mkdir("d")
        try await t.writeFile("d/kept", bytes("x"))
        for i in 0..<40 { try await t.put("other\(i)", bytes("x")); _ = try await t.ino("other\(i)") }
        #expect(!t.fs.cache.isComplete(FSPath("d")))
        #expect(await t.exists("d/kept"))

        let u = Harness()
        try await u.mkdir("a")
        try await u.writeFile("a/f", bytes("x"))
        try await u.mkdir("b")
        let (p, n) = try await u.split("a/f")
        let (q, _) = try await u.split("b/f")
        try await u.fs.rename(parent: p, name: n, newParent: q, newName: "f", flags: .none)
        #expect(!u.fs.cache.isComplete(FSPath("b")))
        #expect(try await u.readFile("b/f") == bytes("x"))
        await #expect(throws: FSError.notFound) { _ = try await u.ino("a/f") }
    }

    @Test func offWithoutTheNegativeCache() async throws {
        let t = Harness { $0.negativeCache = false }
        try await t.mkdir("d")
        #expect(!t.fs.cache.isComplete(FSPath("d")))
        try await t.put("d/theirs", bytes("x"))
        #expect(await t.exists("d/theirs"))
    }

    @Test func unlinkAndRmdirKeepItComplete() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner) { $0.statCacheTTL = 60 }
        try await t.mkdir("d")
        try await t.writeFile("d/f", bytes("x"))
        try await t.mkdir("d/s")
        let d = try await t.ino("d")
        try await t.fs.unlink(parent: d, name: "f")
        try await t.fs.rmdir(parent: d, name: "s")
        #expect(t.fs.cache.isComplete(FSPath("d")))
        faulty.resetCounts()
        await #expect(throws: FSError.notFound) { _ = try await t.fs.lookup(parent: d, name: "f") }
        await #expect(throws: FSError.notFound) { _ = try await t.fs.lookup(parent: d, name: "s") }
        #expect(faulty.calls("head") + faulty.calls("list") == 0)
    }
}

@Suite struct DirectoryRenameBatchTests {
    @Test func bigDirectoryRenameDeletesInBatchesOfAThousand() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        for i in 0..<2500 { try await t.put("src/f\(i)", bytes("\(i)")) }
        let (p, n) = try await t.split("src")
        faulty.resetCounts()
        try await t.fs.rename(parent: p, name: n, newParent: .root, newName: "dst", flags: .none)
        #expect(faulty.calls("copy") == 2500)
        #expect(faulty.calls("deleteMultiple") == 3)
        #expect(faulty.calls("delete") == 0)
        let moved = try await t.memory.list(ListRequest(prefix: "dst/", delimiter: nil, maxKeys: 1000))
        #expect(moved.objects.count == 1000 && moved.nextToken != nil)
        let left = try await t.memory.list(ListRequest(prefix: "src/", delimiter: nil, maxKeys: 10))
        #expect(left.objects.isEmpty)
        #expect(try await t.readFile("dst/f2499") == bytes("2499"))
    }
}
