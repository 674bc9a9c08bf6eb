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
}
