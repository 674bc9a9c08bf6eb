import Foundation
import Glibc
import ObjectStore
import ObjectStoreTesting
@testable import OSSFS
import Testing

/// The real core (`Filesystem`) over the in-memory object store, mounted through the adapter: what tools do
/// through the kernel must land in the store as ossfs 1.x objects.
@Suite("FUSE mounts of the filesystem core", .serialized,
       .enabled(if: FUSEMountHarness.fuseAvailable, "/dev/fuse is missing: no FUSE mount tests"))
struct FUSECoreMountTests {
    typealias H = FUSEMountHarness

    static func configuration() -> FilesystemConfiguration {
        var c = FilesystemConfiguration()
        c.defaultUID = geteuid()
        c.defaultGID = getegid()
        c.xattrEnabled = true
        c.stagingDirectory = "/tmp"
        return c
    }

    @Test("tools through the kernel land in the store as objects")
    func toolsReachTheStore() async throws {
        let store = MemoryObjectStore()
        let fs = Filesystem(store: store, configuration: Self.configuration())
        try await H.withMount(fs) { mnt in
            FUSEMountTests.expectShell("echo hello > a.txt && cat a.txt", in: mnt, output: "hello\n")
            FUSEMountTests.expectShell("mkdir -p d/e && echo deep > d/e/f && ls d/e", in: mnt, output: "f\n")
            FUSEMountTests.expectShell("mv a.txt d/b.txt && ls d", in: mnt, output: "b.txt\ne\n")
            FUSEMountTests.expectShell("chmod 600 d/b.txt && stat -c %a d/b.txt", in: mnt, output: "600\n")
            FUSEMountTests.expectShell("head -c 3000000 /dev/zero | tr '\\000' x > big && stat -c %s big", in: mnt,
                                       output: "3000000\n")
            FUSEMountTests.expectShell("ln -s d/b.txt link && readlink link && cat link", in: mnt,
                                       output: "d/b.txt\nhello\n")
            let r = H.shell("rmdir d", in: mnt)
            #expect(r.status != 0 && r.output.contains("Directory not empty"), "\(r.output)")
        }
        #expect(store.storedBytes("d/b.txt") == Array("hello\n".utf8))
        #expect(store.storedBytes("a.txt") == nil)
        #expect(store.storedBytes("d/e/f") == Array("deep\n".utf8))
        #expect(store.storedBytes("big")?.count == 3_000_000)
        #expect(store.storedBytes("d/") != nil, "mkdir writes a dir/ marker")
        let meta = try await store.head("d/b.txt")
        #expect(meta.userMetadata["mode"] == "\(0o100600)", "\(meta.userMetadata)")
    }
}

/// The e2e findings' shell reproductions, through the kernel, over the in-memory store.
@Suite("FUSE mounts: data-loss regressions", .serialized,
       .enabled(if: FUSEMountHarness.fuseAvailable, "/dev/fuse is missing: no FUSE mount tests"))
struct FUSEDataLossRegressionTests {
    typealias H = FUSEMountHarness

    static func configuration() -> FilesystemConfiguration {
        var c = FUSECoreMountTests.configuration()
        c.multipartSize = 100 << 10
        c.multipartThreshold = 200 << 10
        return c
    }

    @Test("cp then dd conv=notrunc over a multipart file, and repeated >> appends, keep every byte")
    func rewritesOfFilesThisMountWrote() async throws {
        let store = MemoryObjectStore()
        let fs = Filesystem(store: store, configuration: Self.configuration())
        let source = "/tmp/ossfs-regression-\(getpid())"
        var data = randomBytes(700 << 10, seed: 91)
        FileManager.default.createFile(atPath: source, contents: Data(data))
        defer { unlink(source) }
        try await H.withMount(fs) { mnt in
            for _ in 0..<3 {
                FUSEMountTests.expectShell("cp \(source) a && printf XY | dd of=a bs=1 seek=2 conv=notrunc status=none"
                                           + " && echo ok", in: mnt, output: "ok\n")
            }
            FUSEMountTests.expectShell("rm -f log; for i in $(seq 1 30); do echo line $i >> log; done; echo ok",
                                       in: mnt, output: "ok\n")
        }
        data.replaceSubrange(2..<4, with: Array("XY".utf8))
        #expect(store.storedBytes("a") == data)
        let lines = (1...30).map { "line \($0)\n" }.joined()
        #expect(store.storedBytes("log") == Array(lines.utf8))
    }

    /// Finding 8: readdirplus counted its lookups after the reply, so a closedir (or FORGET) that overtook the
    /// count left it naming an evicted inode, and the daemon died. rm -r and ls -l race listings with removals.
    @Test("concurrent listings and rm -r never lose an inode the kernel holds")
    func listingsRacingRemovals() async throws {
        let store = MemoryObjectStore()
        for d in 0..<6 {
            for f in 0..<60 {
                _ = try await store.put(ObjectKey("t\(d)/sub/f\(f)"), payload: .bytes([1]), options: WriteOptions())
            }
        }
        let fs = Filesystem(store: store, configuration: FUSECoreMountTests.configuration())
        try await H.withMount(fs) { mnt in
            // xargs -P, not `&` and `wait`: the harness's shell may inherit a blocked SIGCHLD.
            let script = "printf '%s\\n' t0 t1 t2 t3 t4 t5 | xargs -P 6 -I D sh -c "
                + "'for i in 1 2 3; do ls -lR D >/dev/null 2>&1; done; rm -r D'; ls"
            FUSEMountTests.expectShell(script, in: mnt, output: "")
        }
        #expect(try await store.list(ListRequest(prefix: "", delimiter: nil, maxKeys: 10)).objects.isEmpty)
    }
}

/// Reads through the kernel are answered from read-ahead memory: replies gathered from several chunks
/// (fuse_reply_iov) and replies sent from the libfuse thread must carry exactly the object's bytes.
@Suite("FUSE mounts: reads from read-ahead memory", .serialized,
       .enabled(if: FUSEMountHarness.fuseAvailable, "/dev/fuse is missing: no FUSE mount tests"))
struct FUSEReadReplyTests {
    typealias H = FUSEMountHarness

    @Test("sequential reads of odd sizes (kernel windows across chunk boundaries) return the object")
    func oddSizedSequentialReads() async throws {
        let store = MemoryObjectStore()
        let data = randomBytes(11 << 20, seed: 80)
        _ = try await store.put("big", payload: .bytes(data), options: WriteOptions())
        let expected = FileManager.default.temporaryDirectory.appendingPathComponent("ossfs-read-\(UUID().uuidString)").path
        #expect(FileManager.default.createFile(atPath: expected, contents: Data(data)))
        defer { try? FileManager.default.removeItem(atPath: expected) }
        let fs = Filesystem(store: store, configuration: FUSECoreMountTests.configuration())
        try await H.withMount(fs) { mnt in
            // Small reads make the kernel's readahead windows start at offsets that are not chunk-aligned.
            FUSEMountTests.expectShell("dd if=big bs=1000 status=none | cmp - '\(expected)' && echo same", in: mnt,
                                       output: "same\n")
            FUSEMountTests.expectShell("cat big | cmp - '\(expected)' && echo same", in: mnt, output: "same\n")
        }
    }
}
