#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock seconds since the epoch, injected so tests can check refresh timing without sleeping.
public struct CredentialsClock: Sendable {
    public let now: @Sendable () -> Int64
    public init(now: @escaping @Sendable () -> Int64) { self.now = now }
    public static let system = CredentialsClock { Int64(time(nil)) }
}
