#if canImport(Glibc)
import Glibc
#endif

/// A child process started with posix_spawn, output discarded. Foundation's Process is avoided here: its
/// waitUntilExit spins a run loop on Linux, and `openssl s_server` ignores SIGTERM, so tests stop servers
/// with SIGKILL and reap them with waitpid.
struct ChildProcess {
    let pid: pid_t

    init(_ path: String, _ args: [String]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard rc == 0 else { throw TestFileError(message: "cannot start \(path): \(rc)") }
        self.pid = pid
    }

    /// Waits for the exit status (blocking; use for short-lived tools).
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
    }

    /// Kills and reaps.
    func kill() {
        _ = Glibc.kill(pid, SIGKILL)
        _ = wait()
    }

    /// Runs a tool to completion and throws unless it exits 0.
    static func run(_ path: String, _ args: [String]) throws {
        let status = try ChildProcess(path, args).wait()
        guard status == 0 else { throw TestFileError(message: "\(path) exited with \(status)") }
    }
}
