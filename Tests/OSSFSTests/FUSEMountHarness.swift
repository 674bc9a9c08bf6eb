import Dispatch
import Foundation
import Glibc
@testable import OSSFS

/// Mounts a FilesystemOperations through FuseSession on a temporary directory for one test, and always
/// unmounts and removes it, whatever the test does. Blocking work (the request loop, the tools a test runs)
/// happens on threads of its own, never on Swift's cooperative pool, which must stay free to run the tasks
/// that answer FUSE requests.
enum FUSEMountHarness {
    static var fuseAvailable: Bool { access("/dev/fuse", R_OK | W_OK) == 0 }

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Runs `body` on a dedicated thread and returns its result to the awaiting task.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    static func withMount(_ filesystem: any FilesystemOperations, options: [String] = [],
                          adapter: FuseAdapterSettings = FuseAdapterSettings(), singleThreaded: Bool = false,
                          _ body: @escaping @Sendable (String) throws -> Void) async throws
    {
        var template = Array("/tmp/ossfs-fuse-test-XXXXXX".utf8CString)
        guard let dir = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw Failure(description: "mkdtemp failed")
        }
        let mountpoint = String(cString: dir)
        defer { rmdir(mountpoint) }

        let configuration = FuseMountConfiguration(
            mountpoint: mountpoint, options: ["fsname=ossfs-test", "subtype=ossfs"] + options,
            singleThreaded: singleThreaded, adapter: adapter)
        let session = try FuseSession(filesystem: filesystem, configuration: configuration) { level, line in
            if level <= .warning { print("[fuse \(level)] \(line)") }
        }
        try session.mount()
        let loopDone = DispatchSemaphore(value: 0)
        let loop = Thread {
            do { try session.run() } catch { print("FUSE loop: \(error)") }
            loopDone.signal()
        }
        loop.start()

        var failure: (any Error)?
        do {
            // A mount whose session died would let the tools write into the bare directory and "pass".
            guard isMounted(mountpoint) else { throw Failure(description: "\(mountpoint) is not mounted") }
            try await onThread { try body(mountpoint) }
            guard isMounted(mountpoint) else { throw Failure(description: "the mount went away during the test") }
            // statfs through the kernel: coreutils names FUSE's magic number "fuseblk".
            let type = try await onThread { run("/usr/bin/stat", ["-f", "-c", "%T", mountpoint]).output }
            guard type.hasPrefix("fuse") else { throw Failure(description: "\(mountpoint) is \(type), not FUSE") }
        } catch {
            failure = error
        }
        // Always unmount: fusermount3 -u ends the loop (the kernel closes the connection); -z if still busy.
        let status = try? await onThread { () -> Int32 in
            var rc = run("/usr/bin/fusermount3", ["-u", mountpoint]).status
            if rc != 0 { rc = run("/usr/bin/fusermount3", ["-u", "-z", mountpoint]).status }
            return rc
        }
        _ = try? await onThread { loopDone.wait() }
        // close() blocks until the core's shutdown task has run: never on a cooperative-pool thread, or two
        // tests closing at once on a 2-core machine hold the whole pool and that task never starts.
        _ = try? await onThread { session.close() }
        if let failure { throw failure }
        guard status == 0 else { throw Failure(description: "fusermount3 -u \(mountpoint) failed") }
    }

    static func isMounted(_ mountpoint: String) -> Bool {
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        return mounts.split(separator: "\n").contains { $0.split(separator: " ").dropFirst().first == Substring(mountpoint) }
    }

    /// Runs a program to completion and returns its exit status and combined output.
    @discardableResult
    static func run(_ path: String, _ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (-1, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `sh -c script` with the mount point as the working directory.
    @discardableResult
    static func shell(_ script: String, in directory: String) -> (status: Int32, output: String) {
        // `||` exit, not `&&`: a script with `;` must never run outside the mount if the cd fails.
        run("/bin/sh", ["-c", "cd '\(directory)' || exit 97\n\(script)"])
    }

    static func hasTool(_ name: String) -> Bool {
        run("/bin/sh", ["-c", "command -v \(name)"]).status == 0
    }
}
