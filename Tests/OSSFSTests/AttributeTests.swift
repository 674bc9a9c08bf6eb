import ObjectStore
import ObjectStoreTesting
@testable import OSSFS
import Testing

@Suite struct AttributeTests {
    @Test func chmodChownUtimensRewriteMetadataKeepingContent() async throws {
        let t = Harness()
        try await t.writeFile("f", bytes("keep"))
        let ino = try await t.ino("f")
        let mtime = Timestamp(seconds: 1_600_000_000, nanoseconds: 123)
        let (a, _) = try await t.fs.setattr(ino, changes: AttributeChanges(permissions: 0o600, uid: 0, gid: 0,
                                                                              mtime: .to(mtime)),
                                            handle: nil, caller: root)
        #expect(a.permissions == 0o600 && a.uid == 0 && a.mtime == mtime)
        let m = try await t.head("f")
        #expect(m.userMetadata["mode"] == String(0o100600))
        #expect(m.userMetadata["uid"] == "0")
        #expect(m.userMetadata["mtime"] == "1600000000.000000123")
        #expect(t.memory.storedBytes("f") == bytes("keep"))
        t.clock.advance(10_000)
        #expect(try await t.stat("f").permissions == 0o600)
    }

    @Test func ownershipRules() async throws {
        let t = Harness()
        try await t.writeFile("f", bytes("x"))
        let ino = try await t.ino("f")
        let stranger = Caller(uid: 5, gid: 5, pid: 1)
        await #expect(throws: FSError.self) {
            _ = try await t.fs.setattr(ino, changes: AttributeChanges(permissions: 0o777), handle: nil, caller: stranger)
        }
        await #expect(throws: FSError.self) {
            _ = try await t.fs.setattr(ino, changes: AttributeChanges(uid: 5), handle: nil, caller: user)
        }
        _ = try await t.fs.setattr(ino, changes: AttributeChanges(permissions: 0o700), handle: nil, caller: user)
    }

    @Test func chmodOfADirectoryAndOfAnImplicitDirectory() async throws {
        let t = Harness()
        try await t.mkdir("d")
        try await t.put("imp/x", bytes("x"))
        _ = try await t.fs.setattr(try await t.ino("d"), changes: AttributeChanges(permissions: 0o700), handle: nil, caller: user)
        #expect(try await t.head("d/").userMetadata["mode"] == String(0o40700))
        _ = try await t.fs.setattr(try await t.ino("imp"), changes: AttributeChanges(permissions: 0o711), handle: nil, caller: root)
        let marker = try await t.head("imp/")
        #expect(marker.userMetadata["mode"] == String(0o40711))
        #expect(marker.contentType == "application/x-directory")
        #expect(try await t.stat("imp").permissions == 0o711)
    }

    @Test func chmodWhileOpenForWriteIsPendingUntilFlush() async throws {
        let t = Harness()
        let h = try await t.create("f")
        _ = try await t.fs.write(h, offset: 0, data: bytes("abc"))
        let ino = try await t.ino("f")
        let (a, _) = try await t.fs.setattr(ino, changes: AttributeChanges(permissions: 0o600), handle: h, caller: user)
        #expect(a.permissions == 0o600 && a.size == 3)
        #expect(t.memory.storedBytes("f") == nil, "not uploaded yet")
        try await t.fs.flush(h)
        await t.fs.release(h)
        let m = try await t.head("f")
        #expect(m.userMetadata["mode"] == String(0o100600))
        #expect(t.memory.storedBytes("f") == bytes("abc"))
    }

    @Test func touchOfAReadOnlyOpenFileIsStoredAtOnce() async throws {
        let t = Harness()
        try await t.writeFile("f", bytes("abc"))
        let h = try await t.open("f", OpenFlags(access: .readOnly))
        let ino = try await t.ino("f")
        _ = try await t.fs.setattr(ino, changes: AttributeChanges(atime: .now, mtime: .now), handle: nil, caller: user)
        #expect(try await t.head("f").userMetadata["mtime"] == "1800000000")
        #expect(try await t.readAll(h) == bytes("abc"))
        await t.fs.release(h)
    }

    @Test func readdirOptimizeMakesChmodANoOp() async throws {
        let t = Harness { $0.readdirOptimize = true }
        try await t.writeFile("f", bytes("x"))
        let before = try await t.head("f").userMetadata
        _ = try await t.fs.setattr(try await t.ino("f"), changes: AttributeChanges(permissions: 0o600), handle: nil, caller: user)
        #expect(try await t.head("f").userMetadata == before)
    }

    @Test func xattrsRoundTripInOSSFS1Form() async throws {
        let t = Harness { $0.xattrEnabled = true }
        try await t.writeFile("f", bytes("content"))
        let ino = try await t.ino("f")
        try await t.fs.setxattr(ino, name: "user.k", value: bytes("hello"), mode: .either)
        try await t.fs.setxattr(ino, name: "user.bin", value: [0, 255, 10], mode: .create)
        await #expect(throws: FSError.exists) { try await t.fs.setxattr(ino, name: "user.k", value: [], mode: .create) }
        await #expect(throws: FSError.noAttribute) { try await t.fs.setxattr(ino, name: "user.no", value: [], mode: .replace) }
        #expect(try await t.fs.getxattr(ino, name: "user.k") == bytes("hello"))
        #expect(try await t.fs.listxattr(ino) == ["user.bin", "user.k"])
        let header = try await t.head("f").userMetadata["xattr"]!
        #expect(XattrCodec.decode(header) == ["user.k": bytes("hello"), "user.bin": [0, 255, 10]])
        #expect(t.memory.storedBytes("f") == bytes("content"))
        try await t.fs.removexattr(ino, name: "user.k")
        await #expect(throws: FSError.noAttribute) { _ = try await t.fs.getxattr(ino, name: "user.k") }
        // Metadata written by chmod keeps the xattrs.
        _ = try await t.fs.setattr(ino, changes: AttributeChanges(permissions: 0o600), handle: nil, caller: user)
        #expect(try await t.fs.getxattr(ino, name: "user.bin") == [0, 255, 10])
        // An ossfs 1.x object with xattrs.
        try await t.put("old", meta: ["xattr": "%7B%22user.k%22%3A%22aGVsbG8%3D%22%7D"])
        #expect(try await t.fs.getxattr(try await t.ino("old"), name: "user.k") == bytes("hello"))
    }

    @Test func xattrsOffAreNotSupported() async throws {
        let t = Harness()
        try await t.writeFile("f", bytes("x"))
        await #expect(throws: FSError.self) { _ = try await t.fs.getxattr(try await t.ino("f"), name: "user.a") }
        do { _ = try await t.fs.listxattr(try await t.ino("f")) } catch let e as FSError {
            #expect(e.errno == 95)
        }
    }
}
