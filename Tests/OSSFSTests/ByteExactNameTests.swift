import ObjectStore
import ObjectStoreTesting
@testable import OSSFS
import Testing

/// Names are byte strings. Swift's String would make "é" precomposed (NFC, as Linux writes it) and decomposed
/// (NFD, as macOS writes it) one name, and would fold a name that starts with a combining mark into the "/"
/// before it: two objects then show as one file, a write through one name lands in the other object, and a
/// directory rename moves a key under another name.
@Suite struct ByteExactNameTests {
    static let nfc = "caf\u{E9}"
    static let nfd = "cafe\u{301}"
    static let mark = "\u{301}x"

    private func sameBytes(_ a: String, _ b: String) -> Bool { Array(a.utf8) == Array(b.utf8) }

    @Test func pathsAndKeysCompareHashAndCutByBytes() {
        #expect(FSPath("d/" + Self.nfc) != FSPath("d/" + Self.nfd))
        #expect(Set([FSPath(Self.nfc), FSPath(Self.nfd)]).count == 2)
        #expect(ObjectKey(Self.nfc) != ObjectKey(Self.nfd))
        #expect(Set([ObjectKey(Self.nfc), ObjectKey(Self.nfd)]).count == 2)
        #expect(ExactString(Self.nfc) != ExactString(Self.nfd) && ExactString("a") == ExactString("a"))
        let p = FSPath("d/" + Self.mark)
        #expect(p.parent == FSPath("d"))
        #expect(sameBytes(p.name, Self.mark))
        #expect(p.isWithin(FSPath("d")) && p.isWithin(p) && !FSPath("dd/x").isWithin(FSPath("d")))
        #expect(sameBytes(p.rebased(from: FSPath("d"), to: FSPath("e")).rawValue, "e/" + Self.mark))
        #expect(sameBytes(Namespace(prefix: "d/").path(ofKey: ObjectKey("d/" + Self.mark)) ?? "", Self.mark))
    }

    @Test func namesThatDifferOnlyInNormalizationAreTwoFiles() async throws {
        let t = Harness()
        let files = [(Self.nfc, "precomposed"), (Self.nfd, "decomposed"), (Self.mark, "combining mark first")]
        for (name, body) in files { try await t.put("d/" + name, bytes(body)) }
        for plus in [false, true] {
            let listed = try await t.list("d", plus: plus).map(\.name).filter { $0 != "." && $0 != ".." }
            #expect(Set(listed.map { Array($0.utf8) }) == Set(files.map { Array($0.0.utf8) }), "plus: \(plus)")
        }
        let d = try await t.ino("d")
        var inodes: [InodeNumber] = []
        for (name, body) in files {
            let e = try await t.fs.lookup(parent: d, name: name)
            let h = try await t.fs.open(e.attributes.ino, flags: OpenFlags(access: .readOnly), caller: user).handle
            #expect(try await t.readAll(h) == bytes(body), "\(Array(name.utf8))")
            await t.fs.release(h)
            inodes.append(e.attributes.ino)
        }
        #expect(Set(inodes).count == 3)
        // A write through one name changes that object only.
        let h = try await t.fs.open(inodes[0], flags: OpenFlags(access: .writeOnly, truncate: true), caller: user).handle
        _ = try await t.fs.write(h, offset: 0, data: bytes("new"))
        try await t.fs.flush(h)
        await t.fs.release(h)
        #expect(t.memory.storedBytes(ObjectKey("d/" + Self.nfc)) == bytes("new"))
        #expect(t.memory.storedBytes(ObjectKey("d/" + Self.nfd)) == bytes("decomposed"))
        #expect(t.memory.storedBytes(ObjectKey("d/" + Self.mark)) == bytes("combining mark first"))
    }

    @Test func aDirectoryRenameKeepsEveryNameByteForByte() async throws {
        let t = Harness()
        for name in [Self.nfc, Self.nfd, Self.mark] { try await t.put("d/" + name, bytes(name)) }
        try await t.fs.rename(parent: .root, name: "d", newParent: .root, newName: "e", flags: .none)
        #expect(Set(t.memory.keys.map { Array($0.rawValue.utf8) })
            == Set([Self.nfc, Self.nfd, Self.mark].map { Array(("e/" + $0).utf8) }))
        for name in [Self.nfc, Self.nfd, Self.mark] {
            #expect(t.memory.storedBytes(ObjectKey("e/" + name)) == bytes(name))
        }
    }
}
