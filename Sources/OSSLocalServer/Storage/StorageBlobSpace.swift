import NIOCore

/// Owns the bytes behind objects and parts, and decides when they may be freed.
///
/// Every stored object, part and live `Blob` holds one reference on each blob file it uses (`retain`);
/// the file is unlinked when the last reference goes (`release`). Files are never modified after their
/// writer finishes, so a reader that opened one keeps reading the old bytes after an overwrite or delete.
/// The memory space needs no counting: ByteBuffers are freed by ARC.
protocol StorageBlobSpace: AnyObject, Sendable {
    /// `coalescing`: keep the bytes in one segment (memory; a disk blob is always one file).
    func newWriter(coalescing: Bool) throws -> BlobWriter
    /// Adds a reference to each file the segments use; throws `.noSuchKey` if one was already freed
    /// (the object they came from was overwritten or deleted meanwhile).
    func retain(_ segments: [ContentSegment]) throws
    /// Drops references taken by `retain` (or by a writer); may unlink files, so never call with a lock held.
    func release(_ segments: [ContentSegment])
    /// Opens the segments for sending; they stay readable until `OpenedContent.close()`.
    func open(_ segments: [ContentSegment]) throws -> OpenedContent
}

extension StorageBlobSpace {
    /// Calls `body` with the bytes of `segments` in order, in chunks (used to hash copied ranges and to read).
    func forEachChunk(_ segments: [ContentSegment], _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let opened = try open(segments)
        defer { opened.close() }
        var scratch: [UInt8] = []
        for segment in opened.segments {
            switch segment {
            case .bytes(let b):
                try b.withUnsafeReadableBytes { try body($0) }
            case .file(let handle, let offset, let length):
                let chunk = 1 << 20
                if scratch.count < chunk { scratch = [UInt8](repeating: 0, count: chunk) }
                var done: UInt64 = 0
                try handle.withUnsafeFileDescriptor { fd in
                    while done < length {
                        let n = Int(min(UInt64(chunk), length - done))
                        try scratch.withUnsafeMutableBytes { buf in
                            let part = UnsafeMutableRawBufferPointer(rebasing: buf[0..<n])
                            try StorageFiles.preadAll(fd, part, offset: offset + done, path: "blob")
                            try body(UnsafeRawBufferPointer(part))
                        }
                        done += UInt64(n)
                    }
                }
            }
        }
    }
}

/// Content opened at GET start. The HTTP layer sends `segments` (e.g. `FileRegion` for files) and then calls
/// `close()` exactly once; it owns the file handles until then. Segments of the same file share one handle.
public final class OpenedContent: @unchecked Sendable {
    public enum Segment {
        case bytes(ByteBuffer)
        /// Send `length` bytes starting at `offset` of the file.
        case file(NIOFileHandle, offset: UInt64, length: UInt64)
    }

    public let segments: [Segment]

    init(segments: [Segment]) { self.segments = segments }

    /// Closes every file handle (segments of one file share a handle). Call once, after the bytes were sent.
    public func close() {
        var closed = Set<ObjectIdentifier>()
        for case .file(let handle, _, _) in segments where closed.insert(ObjectIdentifier(handle)).inserted {
            try? handle.close()
        }
    }
}

/// Holds a blob's bytes and, for the disk space, the writer's reference on its file until the Blob is dropped.
final class BlobData: @unchecked Sendable {
    let content: ObjectContent
    private let owner: StorageBlobSpace?

    init(content: ObjectContent, owner: StorageBlobSpace?) {
        self.content = content
        self.owner = owner
    }

    deinit { owner?.release(content.segments) }
}
