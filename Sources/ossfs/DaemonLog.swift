#if canImport(Glibc)
import Glibc
#endif
import OSSCore
import OSSFS
import Synchronization

/// Set by the SIGHUP handler; the next log line reopens the log file (logrotate's copy-less rotation).
let logReopenRequested = Atomic<Bool>(false)

/// Set by the SIGUSR2 handler; the next log call raises the level one step (debug wraps to crit), as in
/// ossfs 1.x.
let logLevelBumpRequested = Atomic<Bool>(false)

/// The daemon's log: syslog by default, `logfile=` when given (reopened after SIGHUP), stderr with -f.
/// Lines below `level` are dropped. Callers never pass secrets; this class does not try to find them.
final class DaemonLog: @unchecked Sendable {
    enum Sink: Sendable {
        case syslog
        case file(String)
        case stderr
    }

    let sink: Sink
    private let level: Atomic<Int>
    /// The open log file's descriptor (file sink only). Guarded: writers and the reopen race otherwise.
    private let file = Locked<Int32>(-1)

    init(sink: Sink, level: LogLevel) {
        self.sink = sink
        self.level = Atomic(level.rawValue)
        switch sink {
        case .syslog: openlog("ossfs", LOG_PID | LOG_NDELAY, LOG_DAEMON)
        case .file(let path): file.withLock { $0 = Self.open(path) }
        case .stderr: break
        }
    }

    /// Opens the log file, or reports on stderr why not (the caller decides whether that is fatal).
    static func open(_ path: String) -> Int32 {
        Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
    }

    var fileIsOpen: Bool { file.withLock { $0 >= 0 } }

    /// SIGHUP: reopen the log file at the next line. Installed after libfuse's handlers, which would
    /// otherwise end the mount on SIGHUP.
    static func installSignalHandlers() {
        // Initialise the globals before any signal arrives: a handler must not run a lazy initialiser.
        _ = logReopenRequested.load(ordering: .relaxed)
        _ = logLevelBumpRequested.load(ordering: .relaxed)
        signal(SIGHUP) { _ in logReopenRequested.store(true, ordering: .relaxed) }
        signal(SIGUSR2) { _ in logLevelBumpRequested.store(true, ordering: .relaxed) }
    }

    var handler: LogHandler { { [self] level, message in self.log(level, message) } }

    func log(_ lineLevel: LogLevel, _ message: String) {
        if logLevelBumpRequested.exchange(false, ordering: .relaxed) {
            let next = (level.load(ordering: .relaxed) + 1) % LogLevel.allCases.count
            level.store(next, ordering: .relaxed)
            log(.critical, "log level is now \(LogLevel(rawValue: next)!) (SIGUSR2)")
        }
        guard lineLevel.rawValue <= level.load(ordering: .relaxed) else { return }
        switch sink {
        case .syslog:
            let priority: Int32 = switch lineLevel {
            case .critical: LOG_CRIT
            case .error: LOG_ERR
            case .warning: LOG_WARNING
            case .info: LOG_INFO
            case .debug: LOG_DEBUG
            }
            message.withCString { text in
                withVaList([text]) { vsyslog(priority, "%s", $0) }
            }
        case .stderr:
            writeStderr(Self.line(lineLevel, message))
        case .file(let path):
            let text = Self.line(lineLevel, message)
            file.withLock { fd in
                if logReopenRequested.exchange(false, ordering: .relaxed) {
                    let reopened = Self.open(path)
                    if reopened >= 0 {
                        if fd >= 0 { Glibc.close(fd) }
                        fd = reopened
                    }
                }
                guard fd >= 0 else { return }
                text.withCString { _ = Glibc.write(fd, $0, strlen($0)) }
            }
        }
    }

    /// `2026-11-25T07:50:00.123Z [err] message`
    static func line(_ level: LogLevel, _ message: String) -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = time_t(ts.tv_sec)
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let ms = ts.tv_nsec / 1_000_000
        let millis = ms < 10 ? "00\(ms)" : ms < 100 ? "0\(ms)" : "\(ms)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):"
            + "\(two(parts.tm_min)):\(two(parts.tm_sec)).\(millis)Z [\(level)] \(message)\n"
    }
}
