import Foundation

/// Decides, request by request, whether to misbehave. One shared PRNG: requests that arrive in the same order
/// (one client, one connection) get the same faults for the same seed.
final class FaultInjector: @unchecked Sendable {
    private let configuration: FaultConfiguration
    /// Guards `random`; held only for two PRNG steps.
    private let lock = NSLock()
    private var random: SplitMix64

    init(_ configuration: FaultConfiguration) {
        self.configuration = configuration
        self.random = SplitMix64(seed: configuration.seed)
    }

    var latencyMilliseconds: Int { configuration.latencyMilliseconds }

    var isEnabled: Bool { configuration.rate > 0 && !configuration.kinds.isEmpty }

    /// The fault for the next data-plane request, or nil to serve it normally.
    func draw() -> FaultKind? {
        guard isEnabled else { return nil }
        return lock.withLock {
            guard random.nextUnit() < configuration.rate else { return nil }
            let kinds = configuration.kinds
            return kinds[Int(random.next() % UInt64(kinds.count))]
        }
    }
}
