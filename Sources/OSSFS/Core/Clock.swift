#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ObjectStore

/// Where the core reads the time: file times it writes, and the stat cache's expiry. Injected so that tests
/// can step time past a TTL without sleeping (gcsfuse's habit).
public struct FilesystemClock: Sendable {
    public let now: @Sendable () -> Timestamp
    public init(now: @escaping @Sendable () -> Timestamp) { self.now = now }

    /// The wall clock (CLOCK_REALTIME), since file times are wall-clock times.
    public static let system = FilesystemClock {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(seconds: Int64(ts.tv_sec), nanoseconds: Int32(ts.tv_nsec))
    }
}

extension Timestamp {
    /// This time moved by `seconds` (may be fractional or negative).
    func adding(seconds: Double) -> Timestamp {
        let whole = seconds.rounded(.down)
        var s = self.seconds + Int64(whole)
        var ns = Int64(nanoseconds) + Int64(((seconds - whole) * 1e9).rounded())
        if ns >= 1_000_000_000 { s += 1; ns -= 1_000_000_000 }
        if ns < 0 { s -= 1; ns += 1_000_000_000 }
        return Timestamp(seconds: s, nanoseconds: Int32(ns))
    }
}
