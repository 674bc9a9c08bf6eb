import Foundation
import Glibc
import ObjectStore
import ObjectStoreTesting
import OSSCore
@testable import OSSFS
import Testing

/// The data-loss bugs the end-to-end suite found (notes/e2e-findings.md), each replayed over the in-memory
/// store in the order the kernel sends the requests.
@Suite struct DataLossRegressionTests {
    static func multipart(_ c: inout FilesystemConfiguration) {
        c.multipartSize = 100 << 10
        c.multipartThreshold = 200 << 10
    }

    /// Finding 1: `cp x a; dd conv=notrunc` over a file this mount uploaded in parts kept only the bytes dd wrote.
    @Test(arguments: [false, true]) func partialOverwriteOfAMultipartFileKeepsTheRest(releaseLate: Bool)
        async throws
    {
        let t = Harness(Self.multipart)
        var data = randomBytes(700 << 10, seed: 71)
        let w = try await t.create("a")
        _ = try await t.fs.write(w, offset: 0, data: data)
        try await t.fs.flush(w)
        #expect(try await t.head("a").objectType == .multipart)
        if !releaseLate { await t.fs.release(w) }
        let h = try await t.open("a", OpenFlags(access: .writeOnly))
        if releaseLate { await t.fs.release(w) }
        _ = try await t.fs.write(h, offset: 2, data: bytes("XY"))
        try await t.fs.flush(h)
        await t.fs.release(h)
        data.replaceSubrange(2..<4, with: bytes("XY"))
        #expect(t.memory.storedBytes("a") == data)
        #expect(try await t.readFile("a") == data)
    }

    /// Finding 2: `echo line1 > f; echo line2 >> f` stored zeros where line1 was.
    @Test(arguments: [false, true]) func appendAfterCloseKeepsTheEarlierContent(releaseLate: Bool) async throws {
        let t = Harness()
        var expected: [UInt8] = []
        var previous: HandleID?
        for i in 1...5 {
            let line = bytes("line \(i)\n")
            let h = i == 1 ? try await t.create("log", flags: OpenFlags(access: .writeOnly, truncate: true))
                : try await t.open("log", OpenFlags(access: .writeOnly, append: true))
            if let p = previous { await t.fs.release(p) }
            _ = try await t.fs.write(h, offset: UInt64(expected.count), data: line)
            try await t.fs.flush(h)
            expected += line
            if releaseLate { previous = h } else { await t.fs.release(h) }
        }
        if let p = previous { await t.fs.release(p) }
        #expect(t.memory.storedBytes("log") == expected)
        #expect(try await t.readFile("log") == expected)
    }

    /// Finding 3: an unlinked open file stays whole for its descriptors.
    @Test func unlinkedOpenFileReadsWhole() async throws {
        let t = Harness()
        let data = randomBytes((3 << 20) + 3, seed: 73)
        try await t.writeFile("gone", data)
        let h = try await t.open("gone", OpenFlags(access: .readOnly))
        #expect(try await t.fs.read(h, offset: 0, size: 10) == Array(data[0..<10]))
        let (p, n) = try await t.split("gone")
        try await t.fs.unlink(parent: p, name: n)
        #expect(t.memory.storedBytes("gone") == nil)
        // The kernel reads in parallel (async reads): every piece must come back whole.
        let pieces = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { g in
            for i in 0..<26 { g.addTask { (i, try await t.fs.read(h, offset: UInt64(i) << 17, size: 1 << 17)) } }
            var out = [[UInt8]](repeating: [], count: 26)
            for try await (i, b) in g { out[i] = b }
            return out
        }
        #expect(pieces.flatMap { $0 } == data)
        #expect(try await t.fs.getattr(try await t.ino(""), handle: nil).0.kind == .directory)
        await t.fs.release(h)
    }

    /// Finding 11: a read through any descriptor returns what another descriptor wrote.
    @Test func everyDescriptorSeesTheStagedWrites() async throws {
        let t = Harness()
        try await t.writeFile("shared", [UInt8](repeating: 46, count: 100))
        let a = try await t.open("shared")
        let b = try await t.open("shared")
        let r = try await t.open("shared", OpenFlags(access: .readOnly))
        _ = try await t.fs.write(a, offset: 0, data: bytes("AAAA"))
        _ = try await t.fs.write(b, offset: 50, data: bytes("BBBB"))
        var expected = [UInt8](repeating: 46, count: 100)
        expected.replaceSubrange(0..<4, with: bytes("AAAA"))
        expected.replaceSubrange(50..<54, with: bytes("BBBB"))
        #expect(try await t.fs.read(r, offset: 0, size: 100) == expected)
        for h in [a, b, r] {
            try await t.fs.flush(h)
            await t.fs.release(h)
        }
        #expect(t.memory.storedBytes("shared") == expected)
    }

    /// Finding 4: a native OSS Symlink object is a symlink, with the answers OSS really gives (HEAD without the
    /// target, GetSymlink without the object type).
    @Test func nativeSymlinkObjectIsASymlink() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        faulty.setOSSSymlinkAnswers(true)
        let t = Harness(store: faulty, memory: faulty.inner)
        try await t.put("target", bytes("via native symlink\n"))
        try await faulty.inner.putSymlink(ObjectKey("native-link"), target: ObjectKey("target"), options: WriteOptions())
        let a = try await t.stat("native-link")
        #expect(a.kind == .symlink)
        #expect(a.permissions == 0o777)
        #expect(a.size == 6)
        #expect(try await t.fs.readlink(try await t.ino("native-link")) == "target")
    }

    /// Finding 6: EIO for an archived object says why (restore it) in the log at the default level (err).
    @Test func ioErrorsReachTheLogAtErrorLevel() async throws {
        let lines = LogLines()
        let adapter = FuseAdapter(filesystem: Harness().fs, settings: FuseAdapterSettings()) { level, line in
            lines.append(level, line)
        }
        let error = Filesystem.fsError(ObjectStoreError.service(OSSServiceError(status: 403, code: .invalidObjectState,
                                                                               message: "archived")),
                                       key: ObjectKey("cold"))
        #expect(adapter.errno(for: error, "read") == EIO)
        let logged = lines.all
        #expect(logged.contains { $0.0 <= .error && $0.1.contains("cold") && $0.1.contains("restore") }, "\(logged)")
    }
}

final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [(LogLevel, String)] = []
    func append(_ level: LogLevel, _ line: String) { lock.lock(); lines.append((level, line)); lock.unlock() }
    var all: [(LogLevel, String)] { lock.lock(); defer { lock.unlock() }; return lines }
}
