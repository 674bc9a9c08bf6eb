import Dispatch

/// Bounds the FUSE requests being served at once. A libfuse worker thread that finds every slot taken waits
/// (it is a libfuse thread, never a Swift concurrency thread), which pushes back on the kernel instead of
/// piling up tasks and buffers without limit.
final class InFlightLimiter: @unchecked Sendable {
    let capacity: Int
    private let slots: DispatchSemaphore

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        slots = DispatchSemaphore(value: capacity)
    }

    func acquire() { slots.wait() }
    func release() { slots.signal() }

    /// Waits until no request is in flight (every slot free), so the session can be destroyed without a late
    /// reply touching freed memory. Returns false when `seconds` pass first.
    func waitUntilIdle(seconds: Double) -> Bool {
        let deadline = DispatchTime.now() + seconds
        var taken = 0
        defer { for _ in 0..<taken { slots.signal() } }
        while taken < capacity {
            guard slots.wait(timeout: deadline) == .success else { return false }
            taken += 1
        }
        return true
    }
}
