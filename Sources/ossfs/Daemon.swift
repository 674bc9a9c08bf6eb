#if canImport(Glibc)
import Glibc
#endif

/// Tells whoever started ossfs whether the mount came up. In the foreground there is nobody to tell but
/// stderr; as a daemon the parent is waiting on a pipe and exits with what it reads.
final class StartupReporter: @unchecked Sendable {
    private var fd: Int32?
    /// True in the forked daemon, whose parent waits on the pipe (stays true after the report is sent).
    let isDaemon: Bool

    init(pipe fd: Int32?) {
        self.fd = fd
        isDaemon = fd != nil
    }

    func succeeded() {
        send("OK\n")
    }

    /// One line; the parent prints it as `ossfs: <reason>`.
    func failed(_ reason: String) {
        if !isDaemon {
            writeStderr("ossfs: \(reason)\n")
        } else {
            send("ERR \(reason.replacingNewlines)\n")
        }
    }

    private func send(_ message: String) {
        guard let fd else { return }
        message.withCString { _ = Glibc.write(fd, $0, strlen($0)) }
        Glibc.close(fd)
        self.fd = nil
    }
}

/// Daemonizing, done while the process has one thread: no Task, no curl, no NIO may exist before `start`,
/// because fork copies only the calling thread (mountpoint-s3 and libfuse's fuse_daemonize do the same).
enum Daemon {
    /// Forks. The parent never returns: it waits for the child's report and exits 0 only for "OK". The child
    /// returns a reporter, has its own session (setsid) and has / as its working directory.
    static func start() -> StartupReporter {
        var fds: [Int32] = [0, 0]
        // Close-on-exec: helpers the child runs (fusermount3 for auto_unmount) must not hold the write end,
        // or the parent would never see end-of-file if the child died.
        guard pipe(&fds) == 0 else { fatal("pipe failed: \(errnoText())") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let pid = fork()
        if pid < 0 { fatal("fork failed: \(errnoText())") }
        if pid > 0 {
            Glibc.close(fds[1])
            waitForChild(pid: pid, fd: fds[0])
        }
        Glibc.close(fds[0])
        closeInheritedDescriptors(keeping: fds[1])
        _ = setsid()
        _ = chdir("/")
        redirect(0, to: "/dev/null", flags: O_RDONLY)
        return StartupReporter(pipe: fds[1])
    }

    /// A daemon keeps nothing its starter had open beyond stdio (a pipe held open here would make a caller
    /// that reads to end-of-file wait for as long as the mount lives).
    private static func closeInheritedDescriptors(keeping keep: Int32) {
        var open: [Int32] = []
        if let dir = opendir("/proc/self/fd") {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
                }
                if let fd = Int32(name) { open.append(fd) }
            }
            closedir(dir)
        }
        for fd in open where fd > 2 && fd != keep { Glibc.close(fd) }
    }

    /// Detaches stdout and stderr once the mount is live: the terminal that started us may go away.
    static func detachOutput() {
        redirect(1, to: "/dev/null", flags: O_WRONLY)
        redirect(2, to: "/dev/null", flags: O_WRONLY)
    }

    private static func redirect(_ target: Int32, to path: String, flags: Int32) {
        let fd = Glibc.open(path, flags)
        guard fd >= 0 else { return }
        dup2(fd, target)
        if fd != target { Glibc.close(fd) }
    }

    private static func waitForChild(pid: pid_t, fd: Int32) -> Never {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                bytes += buffer[..<n]
                if bytes.contains(UInt8(ascii: "\n")) { break }   // the report is one line
                continue
            }
            if n < 0 && errno == EINTR { continue }
            break
        }
        let message = String(decoding: bytes, as: UTF8.self)
        if message.hasPrefix("OK") { exit(0) }
        if message.hasPrefix("ERR ") {
            writeStderr("ossfs: \(String(message.dropFirst(4)).trimmingNewline)\n")
            exit(1)
        }
        // The child died without a word: say how.
        var status: Int32 = 0
        let reaped = waitpid(pid, &status, 0) == pid
        let how: String
        if reaped && status & 0x7f == 0 {
            how = "exited with status \((status >> 8) & 0xff)"
        } else if reaped {
            how = "was killed by signal \(status & 0x7f)"
        } else {
            how = "ended"
        }
        writeStderr("ossfs: the mount process \(how) before the mount came up\n")
        exit(1)
    }

    private static func fatal(_ message: String) -> Never {
        writeStderr("ossfs: \(message)\n")
        exit(1)
    }
}

func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

func writeStderr(_ text: String) {
    text.withCString { _ = Glibc.write(2, $0, strlen($0)) }
}

extension String {
    var replacingNewlines: String { String(map { $0 == "\n" || $0 == "\r" ? " " : $0 }) }
    var trimmingNewline: Substring {
        var s = Substring(self)
        while s.last == "\n" { s = s.dropLast() }
        return s
    }
}
