#if canImport(Glibc)
import Glibc
#endif

/// The clocks, sleep and randomness the client uses, injectable so tests control retries and skew.
public struct ClientEnvironment: Sendable {
    /// Wall-clock seconds since the epoch (UTC).
    public var now: @Sendable () -> Int64
    /// A monotonic clock in nanoseconds, for durations in logs.
    public var monotonicNanoseconds: @Sendable () -> UInt64
    /// Sleeps for the given seconds (throws when cancelled).
    public var sleep: @Sendable (Double) async throws -> Void
    /// A random number in [0, 1).
    public var random: @Sendable () -> Double

    public init(now: @escaping @Sendable () -> Int64, monotonicNanoseconds: @escaping @Sendable () -> UInt64,
                sleep: @escaping @Sendable (Double) async throws -> Void, random: @escaping @Sendable () -> Double)
    {
        self.now = now
        self.monotonicNanoseconds = monotonicNanoseconds
        self.sleep = sleep
        self.random = random
    }

    public static let live = ClientEnvironment(
        now: { Int64(time(nil)) },
        monotonicNanoseconds: {
            var ts = timespec()
            clock_gettime(CLOCK_MONOTONIC, &ts)
            return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
        },
        sleep: { seconds in
            if seconds > 0 { try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000)) }
        },
        random: { Double.random(in: 0..<1) })
}
