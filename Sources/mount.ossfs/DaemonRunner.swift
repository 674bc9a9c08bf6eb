#if canImport(Glibc)
import Glibc
#endif

/// Runs ossfs and waits for it. Without -f, ossfs forks its daemon and exits only once the mount is live
/// (0) or has failed (non-zero, after printing its one-line reason), so its exit is the mount's outcome;
/// mount(8) wants 32 for a failed mount.
enum DaemonRunner {
    static func run(_ command: [String]) throws {
        // The daemon outlives us; it must not keep mount(8)'s stdout/stderr open (a caller reading them to EOF
        // would wait for the unmount), so it writes to a file whose contents are relayed when ossfs exits.
        let output = OutputCapture()
        defer { output?.close() }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let output {
            posix_spawn_file_actions_adddup2(&actions, output.fd, 1)
            posix_spawn_file_actions_adddup2(&actions, output.fd, 2)
        }

        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        let rc = posix_spawn(&pid, command[0], &actions, nil, argv, environ)
        guard rc == 0 else {
            throw HelperError.mountFailure("cannot run \(command[0]): \(String(cString: strerror(rc)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else {
                throw HelperError.mountFailure("lost track of ossfs: \(String(cString: strerror(errno)))")
            }
        }
        output?.relay(to: 2)
        let signal = status & 0x7f
        if signal != 0 {
            throw HelperError.mountFailure("ossfs was killed by signal \(signal) before the mount came up")
        }
        let exitStatus = (status >> 8) & 0xff
        // ossfs has already said why (relayed above); saying it again would only bury the reason.
        if exitStatus != 0 { throw DaemonFailed(status: exitStatus) }
    }
}

/// ossfs exited non-zero after printing its reason.
struct DaemonFailed: Error {
    let status: Int32
}

/// An unlinked file in /run (or /tmp) that ossfs gets as stdout and stderr. Whatever the daemon writes later
/// lands there and is gone with its last descriptor. nil when neither directory is writable (early boot with
/// a read-only root): ossfs then shares our output, as mount.fuse would let it.
struct OutputCapture {
    let fd: Int32

    init?() {
        for directory in ["/run", "/tmp"] {
            var template = Array("\(directory)/mount.ossfs.XXXXXX".utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else { continue }
            template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            // Appends, so the daemon's writes never overwrite what is being relayed.
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_APPEND)
            self.fd = fd
            return
        }
        return nil
    }

    /// Copies everything written so far to `target`.
    func relay(to target: Int32) {
        var buffer = [UInt8](repeating: 0, count: 16384)
        var offset: off_t = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            offset += off_t(n)
            var written = 0
            while written < n {
                let w = buffer.withUnsafeBytes { write(target, $0.baseAddress! + written, n - written) }
                if w < 0 && errno == EINTR { continue }
                guard w > 0 else { return }
                written += w
            }
        }
    }

    func close() { _ = Glibc.close(fd) }
}
