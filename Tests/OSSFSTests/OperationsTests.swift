import ObjectStore
import ObjectStoreTesting
@testable import OSSFS
import Testing

/// The remaining operations of FilesystemOperations, each with its error cases.
@Suite struct OperationsTests {
    @Test func createOfAnExistingFileOpensIt() async throws {
        let t = Harness()
        try await t.writeFile("f", bytes("old"))
        let (e, o) = try await t.fs.create(parent: .root, name: "f", permissions: 0o600,
                                           flags: OpenFlags(access: .readWrite), caller: user)
        #expect(e.attributes.size == 3)
        #expect(try await t.readAll(o.handle) == bytes("old"))
        await t.fs.release(o.handle)
        await #expect(throws: FSError.exists) {
            _ = try await t.fs.create(parent: .root, name: "f", permissions: 0o600,
                                      flags: OpenFlags(access: .readWrite, exclusive: true), caller: user)
        }
        try await t.mkdir("d")
        await #expect(throws: FSError.isDirectory) {
            _ = try await t.fs.create(parent: .root, name: "d", permissions: 0o600,
                                      flags: OpenFlags(access: .readWrite), caller: user)
        }
        #expect(t.fs.inodes.checkInvariants())
    }

    @Test func newFilesTakeTheCallersOwnerAndUmask() async throws {
        let t = Harness()
        let (e, o) = try await t.fs.create(parent: .root, name: "f", permissions: 0o666,
                                           flags: OpenFlags(access: .writeOnly),
                                           caller: Caller(uid: 1234, gid: 99, pid: 1, umask: 0o027))
        await t.fs.release(o.handle)
        #expect(e.attributes.permissions == 0o640 && e.attributes.uid == 1234 && e.attributes.gid == 99)
        #expect(try await t.head("f").userMetadata["uid"] == "1234")
    }

    @Test func fsyncUploadsLikeFlush() async throws {
        let t = Harness()
        let h = try await t.create("f")
        _ = try await t.fs.write(h, offset: 0, data: bytes("synced"))
        try await t.fs.fsync(h, dataOnly: true)
        #expect(t.memory.storedBytes("f") == bytes("synced"))
        await t.fs.release(h)
    }

    @Test func directoryAndFileMismatches() async throws {
        let t = Harness()
        try await t.writeFile("f", bytes("x"))
        try await t.mkdir("d")
        await #expect(throws: FSError.notDirectory) { _ = try await t.fs.opendir(try await t.ino("f")) }
        await #expect(throws: FSError.notDirectory) { _ = try await t.fs.lookup(parent: try await t.ino("f"), name: "x") }
        await #expect(throws: FSError.isDirectory) { _ = try await t.open("d") }
        await #expect(throws: FSError.self) { _ = try await t.fs.readlink(try await t.ino("f")) }
        await #expect(throws: FSError.isDirectory) {
            _ = try await t.fs.setattr(try await t.ino("d"), changes: AttributeChanges(size: 0), handle: nil, caller: user)
        }
        await #expect(throws: FSError.badHandle) { _ = try await t.fs.readdir(HandleID(4242), offset: 0, plus: false) }
        await #expect(throws: FSError.notFound) { try await t.fs.unlink(parent: .root, name: "missing") }
        await #expect(throws: FSError.notFound) { try await t.fs.rmdir(parent: .root, name: "missing") }
    }

    @Test func symlinkErrorsAndLongTargets() async throws {
        let t = Harness()
        _ = try await t.fs.symlink(parent: .root, name: "l", target: "t", caller: user)
        await #expect(throws: FSError.exists) { _ = try await t.fs.symlink(parent: .root, name: "l", target: "u", caller: user) }
        let long = String(repeating: "d/", count: 1500)
        let e = try await t.fs.symlink(parent: .root, name: "long", target: long, caller: user)
        #expect(e.attributes.size == 3000 && e.attributes.kind == .symlink)
        let fresh = Harness(memory: t.memory)
        #expect(try await fresh.fs.readlink(try await fresh.ino("long")) == long)
        let meta = Harness(memory: t.memory) { $0.symlinkInMeta = true }
        _ = try await meta.fs.symlink(parent: .root, name: "longmeta", target: long, caller: user)
        #expect(try await meta.head("longmeta").userMetadata["symlink-target"] == "body:3000:")
        #expect(try await fresh.fs.readlink(try await fresh.ino("longmeta")) == long)
    }

    @Test func keysBeyondOSSLimitsAreRefused() async throws {
        let t = Harness { $0.prefix = String(repeating: "p", count: 900) }
        await #expect(throws: FSError.nameTooLong) {
            _ = try await t.fs.mkdir(parent: .root, name: String(repeating: "x", count: 200), permissions: 0o755, caller: user)
        }
    }

    @Test func rootAttributesFollowAllowOther() async throws {
        let private_ = Harness()
        #expect(try await private_.fs.getattr(.root, handle: nil).0.permissions == 0o700)
        let shared = Harness { $0.allowOther = true; $0.mountPointUmask = 0o022 }
        let a = try await shared.fs.getattr(.root, handle: nil).0
        #expect(a.permissions == 0o755 && a.kind == .directory && a.ino == .root)
    }

    @Test func errnoMappingOfStoreErrors() {
        #expect(Filesystem.fsError(ObjectStoreError.service(OSSServiceError(status: 404, code: .noSuchKey))) == .notFound)
        #expect(Filesystem.fsError(ObjectStoreError.service(OSSServiceError(status: 412, code: .preconditionFailed)),
                                   key: "k") == .stale("k"))
        if case .io(let m) = Filesystem.fsError(ObjectStoreError.service(OSSServiceError(status: 403, code: .invalidObjectState)),
                                                key: "cold") {
            #expect(m.contains("restore"))
        } else {
            Issue.record("archived objects read as EIO with a hint to restore them")
        }
        #expect(Filesystem.fsError(ObjectStoreError.service(OSSServiceError(status: 403, code: .accessDenied))).errno == 13)
        #expect(Filesystem.fsError(CancellationError()).errno == 5)
    }
}

@Suite struct CreateRaceTests {
    @Test func createAfterANegativeLookupCostsNoMoreHeads() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        await #expect(throws: FSError.notFound) { _ = try await t.fs.lookup(parent: .root, name: "new") }
        faulty.resetCounts()
        let (_, o) = try await t.fs.create(parent: .root, name: "new", permissions: 0o644,
                                           flags: OpenFlags(access: .writeOnly, truncate: true), caller: user)
        #expect(faulty.calls("head") == 0 && faulty.calls("list") == 0)
        await t.fs.release(o.handle)
    }

    @Test func createNeverReplacesAFileAnotherClientJustMade() async throws {
        let t = Harness()
        await #expect(throws: FSError.notFound) { _ = try await t.fs.lookup(parent: .root, name: "f") }
        try await t.put("f", bytes("theirs"))                 // our negative cache does not know yet
        // create costs no request: the conditional first upload is what finds the conflict.
        let (_, x) = try await t.fs.create(parent: .root, name: "f", permissions: 0o644,
                                           flags: OpenFlags(access: .writeOnly, exclusive: true), caller: user)
        _ = try await t.fs.write(x.handle, offset: 0, data: bytes("ours"))
        await #expect(throws: FSError.self) { try await t.fs.flush(x.handle) }
        #expect(t.memory.storedBytes("f") == bytes("theirs"))
        #expect(t.fs.area?.stagingRecords().count == 1, "ours stays staged")
        await t.fs.release(x.handle)
        try await t.put("g", bytes("theirs too"))
        t.fs.cache.putAbsent(FSPath("g"))
        let (_, o) = try await t.fs.create(parent: .root, name: "g", permissions: 0o644,
                                           flags: OpenFlags(access: .readWrite), caller: user)
        await #expect(throws: FSError.self) { try await t.fs.flush(o.handle) }   // not even an empty file
        await t.fs.release(o.handle)
        #expect(t.memory.storedBytes("g") == bytes("theirs too"))
    }
}

@Suite struct CreateStaleCacheTests {
    @Test func createOverAFileDeletedElsewhereMakesANewOne() async throws {
        let t = Harness()
        try await t.writeFile("f", bytes("old"))
        try await t.memory.delete("f")                         // our cache still says it exists
        let (e, o) = try await t.fs.create(parent: .root, name: "f", permissions: 0o644,
                                           flags: OpenFlags(access: .readWrite), caller: user)
        #expect(e.attributes.size == 0)
        _ = try await t.fs.write(o.handle, offset: 0, data: bytes("new"))
        try await t.fs.flush(o.handle)
        await t.fs.release(o.handle)
        #expect(t.memory.storedBytes("f") == bytes("new"))
    }
}
