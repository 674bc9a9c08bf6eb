#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value behind a lock, shared by reference (closures may capture it, unlike a `Mutex`).
///
/// Why not `Synchronization.Mutex`: on Linux this toolchain's Mutex is a priority-inheritance futex that
/// spins before it sleeps (swiftlang/swift#88440). With more threads than cores (FUSE workers blocked in
/// curl, the I/O threads, the task pool) a lock's holder is often preempted, and under 16 concurrent reads
/// the waiters burned a fifth of the daemon's CPU spinning and another tenth in the kernel's rt_mutex paths.
/// A plain pthread mutex sleeps at once and hands over cheaply. (NIO's NIOLockedValueBox is the same
/// thing, but OSSCore is also compiled on its own for the fuzz targets, without packages.)
public struct Locked<Value>: @unchecked Sendable {
    @usableFromInline let storage: LockedStorage<Value>

    public init(_ value: Value) { storage = LockedStorage.make(value) }

    @inlinable
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        try storage.withLock(body)
    }
}

/// The value and its pthread mutex in one allocation.
@usableFromInline
final class LockedStorage<Value>: ManagedBuffer<Value, pthread_mutex_t> {
    static func make(_ value: Value) -> LockedStorage {
        let storage = unsafeDowncast(create(minimumCapacity: 1) { _ in value }, to: LockedStorage.self)
        storage.withUnsafeMutablePointerToElements { mutex in
            let rc = pthread_mutex_init(mutex, nil)
            precondition(rc == 0, "pthread_mutex_init failed: \(rc)")
        }
        return storage
    }

    @inlinable
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        try withUnsafeMutablePointers { value, mutex in
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            return try body(&value.pointee)
        }
    }

    deinit {
        // The header (the value) is destroyed by ManagedBuffer; the mutex is this class's to release.
        _ = withUnsafeMutablePointerToElements { pthread_mutex_destroy($0) }
    }
}
