#if canImport(Glibc)
import Glibc
#endif

/// Marks the threads on which a request may be carried out by the calling thread itself, blocking it until
/// the answer is in, instead of being handed to the transport's I/O thread and awaited.
///
/// Why: on a small machine each hand-off between threads (to the I/O thread, back to a cooperative-pool
/// thread) costs a wake-up, and at one request in flight those wake-ups are most of a small read's latency.
/// A thread of the FUSE loop may block (libfuse starts another worker when all are busy); a thread of
/// Swift's cooperative pool must never, so the mark is per thread, not per task: a task that suspended and
/// resumed on a pool thread sees it unset.
public enum BlockingCaller {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create failed")
        return key
    }()

    /// Whether the current thread is inside `allowed`.
    public static var isAllowedHere: Bool { pthread_getspecific(key) != nil }

    /// Runs `body` with the current thread marked; the mark is removed when `body` returns. Only for code that
    /// runs on a thread that may wait (a FUSE worker), never on a cooperative-pool thread.
    public static func allowed<T>(_ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(key, previous) }
        return try body()
    }
}
