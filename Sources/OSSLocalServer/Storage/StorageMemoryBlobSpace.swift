import NIOCore

/// Blob bytes kept in ByteBuffers; ARC frees them, so retain/release have nothing to count.
final class MemoryBlobSpace: StorageBlobSpace, @unchecked Sendable {
    func newWriter(coalescing: Bool) throws -> BlobWriter { MemoryBlobWriter(coalescing: coalescing) }
    func retain(_ segments: [ContentSegment]) throws {}
    func release(_ segments: [ContentSegment]) {}

    func open(_ segments: [ContentSegment]) throws -> OpenedContent {
        OpenedContent(segments: segments.map { segment in
            guard case .bytes(let b) = segment else { preconditionFailure("file segment in the memory backend") }
            return .bytes(b)
        })
    }
}

/// Keeps large incoming buffers as they are (no copy) and gathers small ones into 1 MiB chunks, so an object
/// sent in many small reads does not become thousands of segments. A coalescing writer copies everything into
/// one buffer (merging an appendable object's pieces).
final class MemoryBlobWriter: BlobWriter, @unchecked Sendable {
    private static let smallWrite = 64 * 1024
    private static let chunkSize = 1 << 20

    private var sums = StorageChecksummer()
    private var chunks: [ByteBuffer] = []
    private var pending: ByteBuffer?
    private let allocator = ByteBufferAllocator()
    private let coalescing: Bool

    init(coalescing: Bool) { self.coalescing = coalescing }

    func write(_ bytes: ByteBuffer) throws {
        try sums.update(bytes)
        guard bytes.readableBytes > 0 else { return }
        if coalescing {
            var bytes = bytes
            if pending == nil { pending = allocator.buffer(capacity: bytes.readableBytes) }
            pending!.writeBuffer(&bytes)
            return
        }
        if bytes.readableBytes >= Self.smallWrite {
            flushPending()
            chunks.append(bytes)
            return
        }
        var bytes = bytes
        if pending == nil { pending = allocator.buffer(capacity: Self.chunkSize) }
        pending!.writeBuffer(&bytes)
        if pending!.readableBytes >= Self.chunkSize - Self.smallWrite { flushPending() }
    }

    private func flushPending() {
        if let p = pending, p.readableBytes > 0 { chunks.append(p) }
        pending = nil
    }

    func finish() throws -> Blob {
        flushPending()
        let content = ObjectContent(segments: chunks.map { .bytes($0) })
        chunks = []
        return Blob(size: sums.size, md5: sums.finalizeMD5(), crc64: sums.crc64,
                    data: BlobData(content: content, owner: nil))
    }

    func abort() {
        chunks = []
        pending = nil
    }
}
