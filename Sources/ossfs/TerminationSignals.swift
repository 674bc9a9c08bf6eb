#if canImport(Glibc)
import Glibc
#endif

/// libfuse ends its loop from a SIGTERM/SIGINT handler (SIGHUP and SIGUSR2 are the log's) and relies on the signal interrupting the main
/// thread's wait. Signals go to any thread that does not block them, and Swift's task threads, curl's I/O
/// thread and dispatch's threads would take them without waking the loop. So the signals are blocked before
/// any thread starts (new threads inherit the mask) and unblocked in the main thread alone, just before the loop.
enum TerminationSignals {
    static var set: sigset_t {
        var s = sigset_t()
        sigemptyset(&s)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR2] { sigaddset(&s, signal) }
        return s
    }

    /// Also replaces whatever mask ossfs inherited: a starter that blocked signals must not make the daemon
    /// deaf to them.
    static func blockInEveryThreadToCome() {
        var s = set
        pthread_sigmask(SIG_SETMASK, &s, nil)
        // A peer closing a connection must never kill the mount.
        signal(SIGPIPE, SIG_IGN)
    }

    static func unblockInThisThread() {
        var s = set
        pthread_sigmask(SIG_UNBLOCK, &s, nil)
    }
}
