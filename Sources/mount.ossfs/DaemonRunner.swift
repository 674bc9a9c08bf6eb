#if canImport(Glibc)
import Glibc
#endif

/// Runs ossfs and waits for it. Without -f, ossfs forks its daemon and exits only once the mount is live
/// (0) or has failed (non-zero, after printing its one-line reason on the stderr it shares with us), so its
/// exit is the mount's outcome; mount(8) wants 32 for a failed mount.
enum DaemonRunner {
    static func run(_ command: [String]) throws {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        let rc = posix_spawn(&pid, command[0], nil, nil, argv, environ)
        guard rc == 0 else {
            throw HelperError.mountFailure("cannot run \(command[0]): \(String(cString: strerror(rc)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else {
                throw HelperError.mountFailure("lost track of ossfs: \(String(cString: strerror(errno)))")
            }
        }
        let signal = status & 0x7f
        if signal != 0 {
            throw HelperError.mountFailure("ossfs was killed by signal \(signal) before the mount came up")
        }
        let exitStatus = (status >> 8) & 0xff
        // ossfs has already said why; saying it again would only bury the reason.
        if exitStatus != 0 { throw DaemonFailed(status: exitStatus) }
    }
}

/// ossfs exited non-zero after printing its reason.
struct DaemonFailed: Error {
    let status: Int32
}
