#if canImport(Glibc)
import Glibc
#endif
import ObjectStore
import ObjectStoreTesting
@testable import OSSFS
import Testing

@Suite("Content-Type of new objects from mime.types")
struct MimeTypesTests {
    static let table = MimeTypes(contents: """
        # comment line
        text/html\t\t\t\thtml htm shtml
        application/json  json # trailing comment
        text/plain txt
        application/x-other html
        image/png png
        """)

    @Test("types come by the last extension, case-insensitively; the first line naming an extension wins")
    func lookup() {
        #expect(Self.table.contentType(forName: "index.html") == "text/html")
        #expect(Self.table.contentType(forName: "PAGE.HTM") == "text/html")
        #expect(Self.table.contentType(forName: "data.json") == "application/json")
        #expect(Self.table.contentType(forName: "archive.tar.png") == "image/png")
    }

    @Test("names without a known extension, dotfiles and an empty table fall back to octet-stream")
    func fallback() {
        #expect(Self.table.contentType(forName: "README") == "application/octet-stream")
        #expect(Self.table.contentType(forName: ".htm") == "application/octet-stream")
        #expect(Self.table.contentType(forName: "x.unknown") == "application/octet-stream")
        #expect(MimeTypes(path: "/nonexistent/mime.types").contentType(forName: "a.html") == "application/octet-stream")
    }

    @Test("a created file's object carries the type of its name")
    func createdObjectsCarryTheType() async throws {
        let path = try TemporaryMimeFile.write("text/x-test tst\n")
        defer { TemporaryMimeFile.remove(path) }
        let store = MemoryObjectStore()
        var config = FilesystemConfiguration()
        config.mimeTypesFile = path
        config.stagingDirectory = "/tmp"
        let fs = Filesystem(store: store, configuration: config)
        let caller = Caller(uid: 0, gid: 0, pid: 1)
        let (_, open) = try await fs.create(parent: .root, name: "a.tst", permissions: 0o644,
                                            flags: OpenFlags(access: .writeOnly), caller: caller)
        _ = try await fs.write(open.handle, offset: 0, data: Array("hi".utf8))
        try await fs.flush(open.handle)
        await fs.release(open.handle)
        #expect(try await store.head("a.tst").contentType == "text/x-test")
        let (_, other) = try await fs.create(parent: .root, name: "b.bin", permissions: 0o644,
                                             flags: OpenFlags(access: .writeOnly), caller: caller)
        await fs.release(other.handle)
        #expect(try await store.head("b.bin").contentType == "application/octet-stream")
        await fs.shutdown()
    }
}

enum TemporaryMimeFile {
    static func write(_ text: String) throws -> String {
        let path = "/tmp/ossfs-mime-\(UInt32.random(in: 0...UInt32.max)).types"
        guard let f = fopen(path, "w") else { throw FSError.io("cannot create \(path)") }
        fputs(text, f)
        fclose(f)
        return path
    }
    static func remove(_ path: String) { unlink(path) }
}
