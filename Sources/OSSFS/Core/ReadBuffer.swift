/// The bytes a read answers with. Bytes that sit in read-ahead chunks stay there: the FUSE reply hands the
/// kernel pointers into the chunks (writev), so each byte is copied once on its way out, by the kernel. The
/// value holds the chunks' memory, which goes back to the pool only once every holder (the prefetcher, this
/// value) is done with it.
public struct ReadBuffer: Sendable {
    struct Slice: Sendable {
        let memory: ChunkMemory
        let offset: Int
        let count: Int
    }

    enum Storage: Sendable {
        case array([UInt8])
        case slices([Slice])
    }

    let storage: Storage

    public init(_ bytes: [UInt8]) { storage = .array(bytes) }
    init(slices: [Slice]) { storage = .slices(slices) }

    public static let empty = ReadBuffer([])

    public var count: Int {
        switch storage {
        case .array(let a): a.count
        case .slices(let s): s.reduce(0) { $0 + $1.count }
        }
    }

    /// Calls `body` with the bytes as consecutive buffers, valid only during the call.
    public func withBuffers<R>(_ body: ([UnsafeRawBufferPointer]) throws -> R) rethrows -> R {
        switch storage {
        case .array(let a):
            return try a.withUnsafeBytes { try body([$0]) }
        case .slices(let slices):
            return try withExtendedLifetime(slices) {
                try body(slices.map { UnsafeRawBufferPointer(rebasing: $0.memory.bytes[$0.offset..<$0.offset + $0.count]) })
            }
        }
    }

    /// The bytes copied into one array.
    public var bytes: [UInt8] {
        if case .array(let a) = storage { return a }
        return withBuffers { buffers in
            var out: [UInt8] = []
            out.reserveCapacity(count)
            for b in buffers { out.append(contentsOf: b) }
            return out
        }
    }
}
