import ObjectStore

/// When a failed request is tried again, and after how long: exponential backoff with full jitter
/// (a random delay in 0...min(cap, base * 2^(n-1)) before retry n), bounded by `maxRetries`.
public struct RetryPolicy: Sendable, Hashable {
    /// Retries after the first attempt.
    public var maxRetries: Int
    /// Seconds.
    public var baseDelay: Double
    /// Seconds.
    public var maxDelay: Double

    public init(maxRetries: Int, baseDelay: Double = 0.1, maxDelay: Double = 10) {
        self.maxRetries = max(0, maxRetries)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// The ceiling of the delay before retry `n` (1-based).
    public func delayCeiling(beforeRetry n: Int) -> Double {
        let exponent = Double(min(max(n - 1, 0), 62))
        return min(maxDelay, baseDelay * Double(sign: .plus, exponent: Int(exponent), significand: 1))
    }

    /// Full jitter: `random` in [0, 1) scales the ceiling.
    public func delay(beforeRetry n: Int, random: Double) -> Double {
        delayCeiling(beforeRetry: n) * min(max(random, 0), 1)
    }

    /// Server-side trouble and throttling are worth another try; other statuses are answers.
    public static func isRetryable(status: Int) -> Bool {
        status >= 500 || status == 429
    }

    /// Connections that failed, broke or stalled are worth another try; DNS, TLS and aborts are not.
    public static func isRetryable(_ kind: ObjectStoreError.TransportFailure) -> Bool {
        switch kind {
        case .connect, .reset, .timeout: true
        case .dns, .tls, .aborted, .other: false
        }
    }
}
