import Foundation
import Glibc
import Testing

/// The `ossfs` executable end to end against the `oss-local` server, both run as built products: start-up
/// checks and their messages, daemonizing, clean unmounts, credentials kept out of the environment. Every mount
/// is unmounted and the server stopped, also when a check fails.
@Suite("ossfs executable", .serialized,
       .enabled(if: FUSEMountHarness.fuseAvailable, "/dev/fuse is missing: no FUSE mount tests"),
       .enabled(if: FUSEDaemonSupport.binariesBuilt, "the ossfs and oss-local products are not built (swift build)"))
struct FUSEDaemonTests {
    typealias H = FUSEMountHarness
    typealias S = FUSEDaemonSupport

    @Test("each start-up mistake exits non-zero with its own message")
    func startupFailures() async throws {
        try await S.withServer { server in
            let mnt = try S.makeMountpoint()
            defer { S.cleanUp(mnt) }
            let url = "url=\(server.url)"
            func expectFailure(_ args: [String], keyID: String = S.keyID, secret: String = S.secret, _ message: String,
                               sourceLocation: SourceLocation = #_sourceLocation)
            {
                let r = S.runOssfs(args, keyID: keyID, secret: secret)
                #expect(r.status == 1, "\(args): status \(r.status)", sourceLocation: sourceLocation)
                #expect(r.output.contains(message), "\(args): \(r.output)", sourceLocation: sourceLocation)
                #expect(!r.output.contains(S.secret), "a secret in a message", sourceLocation: sourceLocation)
                #expect(!S.isMounted(mnt), sourceLocation: sourceLocation)
            }
            expectFailure(["nosuchbucket", mnt, "-o", url], "bucket nosuchbucket does not exist")
            expectFailure(["demo", mnt, "-o", url], keyID: "AKIDUNKNOWN", "the access key id is unknown")
            expectFailure(["demo", mnt, "-o", url], secret: "wrong-secret", "the secret is wrong")
            expectFailure(["cold", mnt, "-o", url], "Archive storage class")
            expectFailure(["demo", mnt, "-o", "url=http://127.0.0.1:1"], "cannot reach the endpoint")
            expectFailure(["demo", mnt, "-o", url + ",region=cn-beijing"], "region")
            expectFailure(["demo", mnt + "/missing", "-o", url], "unable to access MOUNTPOINT")
            expectFailure(["demo", mnt, "-o", url + ",no_such_option"], "unknown option 'no_such_option'")
            FileManager.default.createFile(atPath: mnt + "/file", contents: Data())
            expectFailure(["demo", mnt, "-o", url], "is not empty")
            unlink(mnt + "/file")
            // Failures in the forked daemon reach the parent the same way.
            #expect(S.runOssfs(["demo", mnt, "-f", "-o", url], secret: "wrong").output.contains("the secret is wrong"))
        }
    }

    @Test("daemon mode exits 0 once the mount is live; data survives a remount; fusermount3 -u ends the daemon")
    func daemonMount() async throws {
        try await S.withServer { server in
            let mnt = try S.makeMountpoint()
            defer { S.cleanUp(mnt) }
            let first = S.runOssfs(["demo", mnt, "-o", "url=\(server.url)"])
            #expect(first.status == 0, "\(first.output)")
            #expect(S.isMounted(mnt), "exit 0 but nothing mounted")
            FUSEMountTests.expectShell("echo persisted > note && mkdir dir && cp note dir/copy", in: mnt)
            // The daemon's environment no longer holds the secret.
            let pids = H.run("/usr/bin/pgrep", ["-f", "ossfs demo \(mnt)"]).output.split(separator: "\n")
            #expect(!pids.isEmpty)
            for pid in pids {
                let environ = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))) ?? Data()
                #expect(!String(decoding: environ, as: UTF8.self).contains(S.secret), "secret left in environ")
            }
            #expect(H.run("/usr/bin/fusermount3", ["-u", mnt]).status == 0)
            // The daemon exits once unmounted.
            var alive = true
            for _ in 0..<100 where alive {
                alive = pids.contains { kill(pid_t($0)!, 0) == 0 && !S.isZombie(String($0)) }
                if alive { usleep(50_000) }
            }
            #expect(!alive, "ossfs still running after fusermount3 -u")

            let second = S.runOssfs(["demo", mnt, "-o", "url=\(server.url),ro"])
            #expect(second.status == 0, "\(second.output)")
            FUSEMountTests.expectShell("cat note dir/copy", in: mnt, output: "persisted\npersisted\n")
            let write = H.shell("echo no > other", in: mnt)
            #expect(write.status != 0 && write.output.contains("Read-only file system"), "\(write.output)")
        }
    }

    @Test("logfile= is reopened on SIGHUP and SIGUSR2 raises the level; secrets stay out of the log")
    func logFile() async throws {
        try await S.withServer { server in
            let mnt = try S.makeMountpoint()
            defer { S.cleanUp(mnt) }
            let log = mnt + ".log"
            defer { unlink(log); unlink(log + ".1") }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: S.ossfs)
            process.arguments = ["demo", mnt, "-f", "-o", "url=\(server.url),logfile=\(log),dbglevel=info"]
            process.environment = ["OSS_ACCESS_KEY_ID": S.keyID, "OSS_ACCESS_KEY_SECRET": S.secret]
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer { if process.isRunning { process.terminate() } }
            for _ in 0..<100 where !S.isMounted(mnt) { usleep(50_000) }
            #expect(S.isMounted(mnt))
            let first = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            #expect(first.contains("[info] mounted demo on \(mnt)"), "\(first)")
            #expect(rename(log, log + ".1") == 0)
            kill(process.processIdentifier, SIGHUP)
            kill(process.processIdentifier, SIGUSR2)
            usleep(200_000)
            #expect(process.isRunning, "SIGHUP or SIGUSR2 ended the mount")
            process.terminate()
            #expect(S.waitForExit(process, seconds: 120))
            let second = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            #expect(second.contains("log level is now debug (SIGUSR2)"), "\(second)")
            #expect(second.contains("unmounted \(mnt)"), "\(second)")
            #expect(!first.contains(S.secret) && !second.contains(S.secret))
        }
    }

    @Test("SIGTERM unmounts a foreground mount cleanly after the pending upload")
    func sigterm() async throws {
        try await S.withServer { server in
            let mnt = try S.makeMountpoint()
            defer { S.cleanUp(mnt) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: S.ossfs)
            process.arguments = ["demo", mnt, "-f", "-o", "url=\(server.url)"]
            process.environment = ["OSS_ACCESS_KEY_ID": S.keyID, "OSS_ACCESS_KEY_SECRET": S.secret]
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer { if process.isRunning { process.terminate() } }
            for _ in 0..<100 where !S.isMounted(mnt) { usleep(50_000) }
            #expect(S.isMounted(mnt))
            FUSEMountTests.expectShell("head -c 1000000 /dev/urandom > blob && stat -c %s blob", in: mnt,
                                       output: "1000000\n")
            process.terminate()   // SIGTERM
            #expect(S.waitForExit(process, seconds: 120), "ossfs ignored SIGTERM")
            #expect(process.terminationStatus == 0)
            #expect(!S.isMounted(mnt), "still mounted after SIGTERM")
            // Mount again to see the object made it.
            let again = S.runOssfs(["demo", mnt, "-o", "url=\(server.url)"])
            #expect(again.status == 0, "\(again.output)")
            FUSEMountTests.expectShell("stat -c %s blob", in: mnt, output: "1000000\n")
        }
    }

}

/// Builds, servers and process helpers for the executable tests.
enum FUSEDaemonSupport {
    typealias H = FUSEMountHarness

    /// The products sit next to the test bundle in .build/<triple>/debug.
    static var productDirectory: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        while dir.path != "/" && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("ossfs").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.path
    }
    static var ossfs: String { productDirectory + "/ossfs" }
    static var ossLocal: String { productDirectory + "/oss-local" }
    static var binariesBuilt: Bool {
        FileManager.default.isExecutableFile(atPath: ossfs) && FileManager.default.isExecutableFile(atPath: ossLocal)
    }

    static let keyID = "AKIDFUSETEST"
    static let secret = "fuse-test-secret-\(getpid())"

    /// A running oss-local with a Standard bucket `demo` and an Archive bucket `cold`; stopped by `stop`.
    final class Server: @unchecked Sendable {
        let process = Process()
        var url = ""

        func start() throws {
            process.executableURL = URL(fileURLWithPath: FUSEDaemonSupport.ossLocal)
            process.arguments = ["--bucket", "demo", "--bucket", "cold:Archive"]
            process.environment = ["OSS_ACCESS_KEY_ID": FUSEDaemonSupport.keyID,
                                   "OSS_ACCESS_KEY_SECRET": FUSEDaemonSupport.secret]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                line += chunk
            }
            let text = String(decoding: line, as: UTF8.self)
            guard let r = text.range(of: "http://") else { throw H.Failure(description: "oss-local said: \(text)") }
            url = String(text[r.lowerBound...].prefix { !$0.isWhitespace })
        }

        func stop() {
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
        }
    }

    static func withServer(_ body: @escaping @Sendable (Server) throws -> Void) async throws {
        let server = Server()
        defer { server.stop() }
        try server.start()
        try await H.onThread { try body(server) }
    }

    static func makeMountpoint() throws -> String {
        var template = Array("/tmp/ossfs-daemon-test-XXXXXX".utf8CString)
        guard let dir = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw H.Failure(description: "mkdtemp failed")
        }
        return String(cString: dir)
    }

    /// Unmounts if mounted and removes the directory.
    static func cleanUp(_ mountpoint: String) {
        if isMounted(mountpoint) {
            H.run("/usr/bin/fusermount3", ["-u", mountpoint])
            if isMounted(mountpoint) { H.run("/usr/bin/fusermount3", ["-u", "-z", mountpoint]) }
        }
        rmdir(mountpoint)
    }

    static func isMounted(_ mountpoint: String) -> Bool {
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        return mounts.split(separator: "\n").contains { $0.split(separator: " ").dropFirst().first == Substring(mountpoint) }
    }

    /// Runs ossfs with the test keys in its environment and returns its status and stderr. stderr goes to a
    /// file, not a pipe, so a daemon that kept it open could not stall the test; the wait is bounded too.
    static func runOssfs(_ arguments: [String], keyID: String = keyID, secret: String = secret)
        -> (status: Int32, output: String)
    {
        let errPath = "/tmp/ossfs-daemon-test-stderr-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        FileManager.default.createFile(atPath: errPath, contents: Data())
        defer { unlink(errPath) }
        guard let errFile = FileHandle(forWritingAtPath: errPath) else { return (-1, "cannot create \(errPath)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ossfs)
        process.arguments = arguments
        process.environment = ["OSS_ACCESS_KEY_ID": keyID, "OSS_ACCESS_KEY_SECRET": secret, "HOME": "/nonexistent",
                               "PATH": "/usr/bin:/bin"]
        process.standardError = errFile
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch { return (-1, "\(error)") }
        try? errFile.close()
        // The parent exits once the daemon child reports; that is what we wait for.
        guard waitForExit(process, seconds: 120) else { return (-1, "ossfs did not exit within 120 s") }
        let output = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return (process.terminationStatus, output)
    }

    /// Waits for `process` to end; after `seconds` it is killed and false returned.
    static func waitForExit(_ process: Process, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return false
        }
        return true
    }

    static func isZombie(_ pid: String) -> Bool {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(close, offsetBy: 2)...].hasPrefix("Z")
    }
}
