// The storage engine's public value types: the contract between the HTTP layer and the engine
// (see /work/notes/storage-api.md). The engine knows nothing of HTTP; it raises `StorageError`.
//
// DEVIATIONS from storage-api.md (read these, server-http):
// - `StoredObject.lastModified` is a `StorageTimestamp` (seconds + nanoseconds), not a tuple.
// - `list` returns `ListResult`; `listUploads` returns `UploadListResult`; `listParts` returns `PartListResult`
//   (all declared below). `uploadPart`/`uploadPartCopy` return `PartInfo`.
// - `BucketStore.newWriter()` does not throw for the memory backend but may for disk (`throws` kept).
//   `BlobWriter.write` throws `StorageError.entityTooLarge` once more than `StorageLimits.maxObjectSize` bytes arrive.
// - GET support: `BucketStore.open(_ object:range:)` pins and opens the object's bytes, returning `OpenedContent`
//   (ByteBuffers and/or `NIOFileHandle`s + offsets). The caller must call `OpenedContent.close()` after sending.
//   The opened files stay readable even if the object is overwritten or deleted meanwhile. If the object was
//   replaced between `head` and `open`, `open` throws `.noSuchKey`; `headAndOpen(_:range:)` retries for you.
// - `BucketStore.read(_ object:range:)` returns the bytes as one ByteBuffer (small objects, tests).
// - `stat()` returns `BucketStat` (same fields as the tuple in the spec).
// - `completeUpload` compares ETags ignoring surrounding quotes and letter case.
// - A `Blob` that is never stored frees its bytes when dropped (no discard call needed).
// - `initiateUpload` throws (disk I/O). Extra: `BucketStore.upload(_ uploadID:) -> UploadInfo?`.
// - `completeUpload` with an empty `parts` list and `all == false` throws `.invalidPart(0)`.
// - `copy` shares the source's bytes (O(1)); it throws `.noSuchKey` if the source was deleted meanwhile.
// - `StorageEngine.init` takes an optional `now:` clock; `bucketNames` lists the buckets; buckets found in the
//   data directory are loaded even if not passed in `buckets` (a configured one keeps its first creation date
//   but takes region/storage class from the configuration). `startupCleanupCount` = leftovers removed.
// - `OpenedContent` segments of the same file share one `NIOFileHandle` (close() closes each once).
// - `append` may merge the object's small trailing pieces into one new blob (copies at most 16 MiB), so a GET
//   of an object built from thousands of small appends opens a handful of files.
// - Answer to server-requests.md #2: `head`, `list`, `listUploads`, `listParts`, `upload`, `stat` and
//   `bucket(_:)` are pure in-memory index reads under a short lock (no disk I/O): safe on the event loop.
//   `open`/`headAndOpen` are memory-only for the memory backend, but open(2) files for the disk backend.
// - Writers, `put`, `uploadPart`, `append`, `complete` block on disk I/O (fsync): call them off the event loop.
import NIOCore

public enum StorageBackend: Sendable, Hashable {
    case memory
    case directory(String)
}

public enum StorageLimits {
    /// PutObject and AppendObject total size limit, and the largest single part.
    public static let maxObjectSize: UInt64 = 5 * 1024 * 1024 * 1024
    /// Every multipart part but the last must be at least this big (checked at Complete).
    public static let minPartSize: UInt64 = 102_400
    public static let maxPartNumber = 10_000
}

public enum ObjectKind: String, Sendable, Codable {
    case normal = "Normal", multipart = "Multipart", appendable = "Appendable", symlink = "Symlink"
}

/// A point in time, UTC, as stored with objects, parts and uploads.
public struct StorageTimestamp: Sendable, Hashable, Codable, Comparable {
    public var seconds: Int64
    public var nanoseconds: Int32
    public init(seconds: Int64, nanoseconds: Int32 = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }
    public static func < (a: StorageTimestamp, b: StorageTimestamp) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }
}

/// Attributes a writer sets (Content-Type, x-oss-meta-*, storage class, and the few pass-through headers).
public struct ObjectAttributes: Sendable, Hashable, Codable {
    public var contentType: String
    /// Lower-cased names without the `x-oss-meta-` prefix.
    public var userMetadata: [String: String]
    /// "Standard", "IA", "Archive", "ColdArchive", "DeepColdArchive".
    public var storageClass: String
    public var cacheControl: String?
    public var contentDisposition: String?
    public var contentEncoding: String?
    public var expires: String?
    public var acl: String?

    public init(contentType: String = "application/octet-stream", userMetadata: [String: String] = [:],
                storageClass: String = "Standard", cacheControl: String? = nil, contentDisposition: String? = nil,
                contentEncoding: String? = nil, expires: String? = nil, acl: String? = nil) {
        self.contentType = contentType
        self.userMetadata = userMetadata
        self.storageClass = storageClass
        self.cacheControl = cacheControl
        self.contentDisposition = contentDisposition
        self.contentEncoding = contentEncoding
        self.expires = expires
        self.acl = acl
    }
}

/// Where some of an object's bytes are, so the HTTP layer can send them without copying.
/// `.file` segments name immutable files; use `BucketStore.open` to read them safely.
public enum ContentSegment: Sendable {
    case bytes(ByteBuffer)
    case file(path: String, offset: UInt64, length: UInt64)

    public var length: UInt64 {
        switch self {
        case .bytes(let b): return UInt64(b.readableBytes)
        case .file(_, _, let length): return length
        }
    }

    /// The sub-segment `range` (relative to this segment's first byte).
    func slice(_ range: Range<UInt64>) -> ContentSegment {
        switch self {
        case .bytes(let b):
            return .bytes(b.getSlice(at: b.readerIndex + Int(range.lowerBound), length: range.count)!)
        case .file(let path, let offset, _):
            return .file(path: path, offset: offset + range.lowerBound, length: UInt64(range.count))
        }
    }
}

/// An object's bytes as an ordered list of segments whose lengths add up to the object's size.
public struct ObjectContent: Sendable {
    public var segments: [ContentSegment]

    public init(segments: [ContentSegment]) { self.segments = segments }

    public var size: UInt64 { segments.reduce(0) { $0 + $1.length } }

    /// The segments covering `range` (clamped to the content), in order.
    public func slice(_ range: Range<UInt64>) -> [ContentSegment] {
        var result: [ContentSegment] = []
        var start: UInt64 = 0
        for segment in segments {
            let end = start + segment.length
            let lo = max(start, range.lowerBound), hi = min(end, range.upperBound)
            if lo < hi { result.append(segment.slice((lo - start)..<(hi - start))) }
            start = end
            if start >= range.upperBound { break }
        }
        return result
    }
}

/// One stored object version (an immutable value; a new write makes a new one).
public struct StoredObject: Sendable {
    public var key: String
    public var size: UInt64
    /// Without quotes: upper-case hex MD5 for Normal; opaque for Multipart ("<HEX>-<n>") and Appendable.
    public var etag: String
    /// Base64 MD5, simple puts only.
    public var contentMD5: String?
    public var crc64: UInt64
    public var lastModified: StorageTimestamp
    public var kind: ObjectKind
    public var attributes: ObjectAttributes
    /// Set when kind == .symlink (the target key, not resolved).
    public var symlinkTarget: String?
    /// Archive objects: false until restored (see `BucketStore.restoreForTests`).
    public var restored: Bool
    public var content: ObjectContent
}

/// Bytes received for a PUT / UploadPart / AppendObject; computes MD5 and CRC64 as they arrive.
public protocol BlobWriter: AnyObject {
    /// Throws `.entityTooLarge` once the total exceeds `StorageLimits.maxObjectSize`, `.io` on disk errors.
    func write(_ bytes: ByteBuffer) throws
    /// Makes the bytes durable (disk: fsync) and returns them; the writer cannot be used afterwards.
    func finish() throws -> Blob
    /// Discards the staged bytes.
    func abort()
}

/// Received bytes, not yet part of any object. Dropping a Blob that was never stored frees its bytes.
public struct Blob: Sendable {
    public var size: UInt64
    /// Raw 16-byte MD5 digest.
    public var md5: [UInt8]
    public var crc64: UInt64
    /// Where the bytes are; holds them alive while this Blob exists.
    let data: BlobData
}

public enum StorageError: Error, Equatable, Sendable {
    case noSuchBucket, noSuchKey, noSuchUpload
    /// forbidOverwrite and the key exists.
    case fileAlreadyExists
    case positionNotEqualToLength(current: UInt64)
    case objectNotAppendable
    case invalidPart(Int), invalidPartOrder, entityTooSmall(partNumber: Int)
    case entityTooLarge
    case preconditionFailed
    /// Archive object not restored; the HTTP layer decides when reads need this.
    case invalidObjectState
    case io(String)
}

public struct BucketDefinition: Sendable, Hashable, Codable {
    public var name: String
    public var storageClass: String
    public var region: String
    /// Seconds since the epoch.
    public var creationDate: Int64
    public init(name: String, storageClass: String = "Standard", region: String = "cn-hangzhou", creationDate: Int64) {
        self.name = name
        self.storageClass = storageClass
        self.region = region
        self.creationDate = creationDate
    }
}

/// One page of ListObjects(V2).
public struct ListResult: Sendable {
    /// Sorted by the UTF-8 bytes of the key.
    public var objects: [StoredObject]
    /// Each ends with the delimiter; sorted like keys.
    public var commonPrefixes: [String]
    public var isTruncated: Bool
    /// The last key or common prefix returned when truncated (NextMarker / continuation token), else nil.
    public var nextMarker: String?
}

public struct PartInfo: Sendable, Hashable {
    public var partNumber: Int
    /// Upper-case hex MD5 of the part, without quotes.
    public var etag: String
    public var size: UInt64
    public var crc64: UInt64
    public var lastModified: StorageTimestamp
}

public struct UploadInfo: Sendable, Hashable {
    public var key: String
    public var uploadID: String
    public var initiated: StorageTimestamp
}

/// One page of ListMultipartUploads: sorted by key bytes, then initiation time.
public struct UploadListResult: Sendable {
    public var uploads: [UploadInfo]
    public var commonPrefixes: [String]
    public var isTruncated: Bool
    public var nextKeyMarker: String?
    public var nextUploadIDMarker: String?
}

/// One page of ListParts, ascending part numbers.
public struct PartListResult: Sendable {
    public var parts: [PartInfo]
    public var isTruncated: Bool
    public var nextPartNumberMarker: Int?
    /// The upload's attributes (Content-Type, metadata) as given at initiation.
    public var attributes: ObjectAttributes
    public var initiated: StorageTimestamp
}

/// GetBucketStat numbers.
public struct BucketStat: Sendable, Hashable {
    /// Total bytes of all objects.
    public var storage: UInt64
    public var objectCount: UInt64
    public var multipartUploadCount: UInt64
    /// Latest object modification, seconds since the epoch (0 when empty).
    public var lastModified: Int64
}
