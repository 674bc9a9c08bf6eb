// The storage protocol the filesystem core talks to. OSSClient implements it over HTTP; an in-memory store
// implements it for fast tests; one conformance suite keeps both honest. Each call is named after its OSS API.

import Synchronization

/// An object key: UTF-8, 1 to 1023 bytes, not starting with `/` or `\`. Not URL-encoded.
public struct ObjectKey: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    /// A `dir/` marker object.
    public var isDirectoryMarker: Bool { rawValue.utf8.last == UInt8(ascii: "/") }
    /// OSS sorts keys by their UTF-8 bytes.
    public static func < (a: ObjectKey, b: ObjectKey) -> Bool {
        a.rawValue.utf8.lexicographicallyPrecedes(b.rawValue.utf8)
    }
    /// Keys are equal when their bytes are: "é" precomposed and decomposed are two objects in OSS.
    public static func == (a: ObjectKey, b: ObjectKey) -> Bool { a.rawValue.bytesEqual(b.rawValue) }
    public func hash(into hasher: inout Hasher) { rawValue.hashBytes(into: &hasher) }
}

/// An entity tag as OSS returns it, without the surrounding quotes. Upper-case hex MD5 for simple puts,
/// opaque (`…-N`) for multipart and appendable objects.
public struct ETag: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) {
        // OSS ETags are ASCII, where a byte is a Character (CR LF aside, which is neither `W`, `/` nor `"`):
        // strip by bytes in place, which skips the grapheme walk of `count`; anything else takes the Character path.
        let stripped = rawValue.utf8.withContiguousStorageIfAvailable { b -> String? in
            guard b.allSatisfy({ $0 < 0x80 }) else { return nil }
            var lo = 0, hi = b.count
            if hi >= 2, b[0] == 0x57, b[1] == 0x2F { lo = 2 }   // W/
            if hi - lo >= 2, b[lo] == 0x22, b[hi - 1] == 0x22 { lo += 1; hi -= 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: b[lo..<hi]), as: UTF8.self)
        }
        if let stripped, let stripped {
            self.rawValue = stripped
            return
        }
        var v = Substring(rawValue)
        if v.hasPrefix("W/") { v = v.dropFirst(2) }
        if v.count >= 2, v.first == "\"", v.last == "\"" { v = v.dropFirst().dropLast() }
        self.rawValue = String(v)
    }
    public init(_ rawValue: String) { self.init(rawValue: rawValue) }
    public var description: String { rawValue }
    /// The form headers and XML bodies carry: `"…"`.
    public var quoted: String { "\"\(rawValue)\"" }
}

/// An upload id of a multipart upload.
public struct UploadID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}

/// `x-oss-object-type`.
public enum ObjectType: String, Sendable, Hashable {
    case normal = "Normal"
    case multipart = "Multipart"
    case appendable = "Appendable"
    case symlink = "Symlink"
}

/// Seconds and nanoseconds since the Unix epoch, UTC. Foundation-free so that the core can compare and
/// store times without pulling in Date formatting.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var seconds: Int64
    public var nanoseconds: Int32
    public init(seconds: Int64, nanoseconds: Int32 = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }
    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }
    public var description: String { nanoseconds == 0 ? "\(seconds)" : "\(seconds).\(nanoseconds)" }
}

/// What HeadObject (and GetObject) tell about an object.
public struct ObjectMetadata: Sendable, Hashable {
    public var key: ObjectKey
    public var size: UInt64
    public var etag: ETag
    public var lastModified: Timestamp
    public var contentType: String?
    public var objectType: ObjectType
    /// `x-oss-hash-crc64ecma`: CRC-64/XZ of the whole object, when the server sent it.
    public var crc64: UInt64?
    public var storageClass: StorageClass?
    /// `x-oss-meta-*` headers: names lower-cased and without the prefix (`mode`, `mtime`, ...).
    public var userMetadata: [String: String]
    /// `x-oss-next-append-position`, for Appendable objects.
    public var nextAppendPosition: UInt64?
    /// `x-oss-restore`, for Archive objects: nil when never restored.
    public var restore: String?
    /// `x-oss-symlink-target` of a Symlink object, when the response carried it.
    public var symlinkTarget: ObjectKey?

    public init(key: ObjectKey, size: UInt64, etag: ETag, lastModified: Timestamp,
                contentType: String? = nil, objectType: ObjectType = .normal, crc64: UInt64? = nil,
                storageClass: StorageClass? = nil, userMetadata: [String: String] = [:],
                nextAppendPosition: UInt64? = nil, restore: String? = nil, symlinkTarget: ObjectKey? = nil)
    {
        self.key = key
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
        self.contentType = contentType
        self.objectType = objectType
        self.crc64 = crc64
        self.storageClass = storageClass
        self.userMetadata = userMetadata
        self.nextAppendPosition = nextAppendPosition
        self.restore = restore
        self.symlinkTarget = symlinkTarget
    }
}

/// `x-oss-storage-class`.
public enum StorageClass: String, Sendable, Hashable, CaseIterable {
    case standard = "Standard"
    case infrequentAccess = "IA"
    case archive = "Archive"
    case coldArchive = "ColdArchive"
    case deepColdArchive = "DeepColdArchive"

    /// Archive classes cannot be read without a restore.
    public var needsRestore: Bool {
        switch self {
        case .standard, .infrequentAccess: false
        case .archive, .coldArchive, .deepColdArchive: true
        }
    }
}

/// `x-oss-object-acl` / `default_acl`.
public enum ObjectACL: String, Sendable, Hashable {
    case `default` = "default"
    case `private` = "private"
    case publicRead = "public-read"
    case publicReadWrite = "public-read-write"
}

/// What a write carries besides the bytes: Content-Type, user metadata and write conditions.
public struct WriteOptions: Sendable, Hashable {
    public var contentType: String?
    /// Without the `x-oss-meta-` prefix.
    public var userMetadata: [String: String]
    /// `x-oss-forbid-overwrite: true`: fail with `fileAlreadyExists` rather than replace.
    public var forbidOverwrite: Bool
    public var storageClass: StorageClass?
    public var acl: ObjectACL?
    public var cacheControl: String?
    public var contentDisposition: String?
    /// Send `Content-MD5` and let the server verify it (`enable_content_md5`).
    public var sendContentMD5: Bool

    public init(contentType: String? = nil, userMetadata: [String: String] = [:], forbidOverwrite: Bool = false,
                storageClass: StorageClass? = nil, acl: ObjectACL? = nil, cacheControl: String? = nil,
                contentDisposition: String? = nil, sendContentMD5: Bool = false)
    {
        self.contentType = contentType
        self.userMetadata = userMetadata
        self.forbidOverwrite = forbidOverwrite
        self.storageClass = storageClass
        self.acl = acl
        self.cacheControl = cacheControl
        self.contentDisposition = contentDisposition
        self.sendContentMD5 = sendContentMD5
    }
}

/// The bytes of a write. `file` streams a region of a local file, so a 5 GB part is never held in memory.
public enum Payload: Sendable, Hashable {
    case bytes([UInt8])
    case file(path: String, offset: UInt64, length: UInt64)

    public static let empty = Payload.bytes([])

    public var length: UInt64 {
        switch self {
        case .bytes(let b): UInt64(b.count)
        case .file(_, _, let length): length
        }
    }
}

/// Receives a body as it arrives, in order; a GET of a 5 GB object streams through it.
public protocol BodySink: AnyObject, Sendable {
    /// Called with each chunk in order. Throwing aborts the transfer with that error.
    func write(_ chunk: UnsafeRawBufferPointer) throws
    /// Called before a retried request resends the body from its start: drop what was written.
    func reset() throws
}

/// How a GET is conditioned.
public struct GetConditions: Sendable, Hashable {
    /// `If-Match`: fail with `preconditionFailed` if the object changed (ETag pinned at open).
    public var ifMatch: ETag?
    public var ifNoneMatch: ETag?
    public init(ifMatch: ETag? = nil, ifNoneMatch: ETag? = nil) {
        self.ifMatch = ifMatch
        self.ifNoneMatch = ifNoneMatch
    }
}

/// One object in a listing.
public struct ListedObject: Sendable, Hashable {
    public var key: ObjectKey
    public var size: UInt64
    public var etag: ETag
    public var lastModified: Timestamp
    public var objectType: ObjectType?
    public var storageClass: StorageClass?
    public init(key: ObjectKey, size: UInt64, etag: ETag, lastModified: Timestamp,
                objectType: ObjectType? = nil, storageClass: StorageClass? = nil)
    {
        self.key = key
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
        self.objectType = objectType
        self.storageClass = storageClass
    }
}

/// A request for one page of a listing (ListObjectsV2, or v1 with `marker`).
public struct ListRequest: Sendable, Hashable {
    public var prefix: String
    /// Usually "/"; nil lists recursively.
    public var delimiter: String?
    /// The `nextToken` of the previous page, or nil for the first page.
    public var continuationToken: String?
    /// Start after this key (v2 `start-after`, v1 `marker`), for the first page.
    public var startAfter: String?
    /// 1...1000.
    public var maxKeys: Int
    public init(prefix: String = "", delimiter: String? = "/", continuationToken: String? = nil,
                startAfter: String? = nil, maxKeys: Int = 1000)
    {
        self.prefix = prefix
        self.delimiter = delimiter
        self.continuationToken = continuationToken
        self.startAfter = startAfter
        self.maxKeys = maxKeys
    }
}

/// One page of a listing, keys already URL-decoded.
public struct ListPage: Sendable, Hashable {
    public var objects: [ListedObject]
    /// Prefixes ending in the delimiter, e.g. `dir/sub/`.
    public var commonPrefixes: [String]
    /// Pass back as `continuationToken` for the next page; nil on the last page.
    public var nextToken: String?
    public var isTruncated: Bool { nextToken != nil }
    public init(objects: [ListedObject], commonPrefixes: [String], nextToken: String?) {
        self.objects = objects
        self.commonPrefixes = commonPrefixes
        self.nextToken = nextToken
    }
}

/// The result of a write that creates an object or a part.
public struct WriteResult: Sendable, Hashable {
    public var etag: ETag
    /// The server's `x-oss-hash-crc64ecma`: of the whole object, or of the part for UploadPart.
    public var crc64: UInt64?
    /// CRC64 of the payload bytes as they were read and sent (PutObject, UploadPart), so a caller can compare
    /// what left its file with what the server stored without reading the file a second time. Nil when the
    /// store did not hash them (CRC64 checks off, a resend from the middle of the body, copies).
    public var sentCRC64: UInt64?
    public init(etag: ETag, crc64: UInt64?, sentCRC64: UInt64? = nil) {
        self.etag = etag
        self.crc64 = crc64
        self.sentCRC64 = sentCRC64
    }
}

/// The result of AppendObject.
public struct AppendResult: Sendable, Hashable {
    public var nextPosition: UInt64
    /// CRC64 of the whole object so far.
    public var crc64: UInt64?
    public var etag: ETag?
    public init(nextPosition: UInt64, crc64: UInt64?, etag: ETag?) {
        self.nextPosition = nextPosition
        self.crc64 = crc64
        self.etag = etag
    }
}

/// A part named in CompleteMultipartUpload or returned by ListParts.
public struct UploadedPart: Sendable, Hashable {
    public var partNumber: Int
    public var etag: ETag
    public var size: UInt64
    public var crc64: UInt64?
    public var lastModified: Timestamp?
    public init(partNumber: Int, etag: ETag, size: UInt64 = 0, crc64: UInt64? = nil, lastModified: Timestamp? = nil) {
        self.partNumber = partNumber
        self.etag = etag
        self.size = size
        self.crc64 = crc64
        self.lastModified = lastModified
    }
}

/// One page of ListParts.
public struct PartsPage: Sendable, Hashable {
    public var parts: [UploadedPart]
    /// Pass as `partNumberMarker` for the next page; nil on the last page.
    public var nextPartNumberMarker: Int?
    public init(parts: [UploadedPart], nextPartNumberMarker: Int?) {
        self.parts = parts
        self.nextPartNumberMarker = nextPartNumberMarker
    }
}

/// An upload in progress, from ListMultipartUploads.
public struct MultipartUpload: Sendable, Hashable {
    public var key: ObjectKey
    public var uploadID: UploadID
    public var initiated: Timestamp
    public init(key: ObjectKey, uploadID: UploadID, initiated: Timestamp) {
        self.key = key
        self.uploadID = uploadID
        self.initiated = initiated
    }
}

/// One page of ListMultipartUploads.
public struct UploadsPage: Sendable, Hashable {
    public var uploads: [MultipartUpload]
    public var commonPrefixes: [String]
    /// Both nil on the last page.
    public var nextKeyMarker: String?
    public var nextUploadIDMarker: String?
    public init(uploads: [MultipartUpload], commonPrefixes: [String] = [], nextKeyMarker: String?,
                nextUploadIDMarker: String?)
    {
        self.uploads = uploads
        self.commonPrefixes = commonPrefixes
        self.nextKeyMarker = nextKeyMarker
        self.nextUploadIDMarker = nextUploadIDMarker
    }
}

/// CopyObject's `x-oss-metadata-directive`.
public enum MetadataDirective: Sendable, Hashable {
    /// Keep the source's Content-Type and user metadata.
    case copy
    /// Take Content-Type and user metadata from these options (chmod/utimens in place).
    case replace(WriteOptions)
}

/// The outcome of DeleteMultipleObjects for each key.
public struct DeleteResult: Sendable, Hashable {
    public var deleted: [ObjectKey]
    /// Keys the server refused, with its error code.
    public var failed: [ObjectKey: String]
    public init(deleted: [ObjectKey], failed: [ObjectKey: String] = [:]) {
        self.deleted = deleted
        self.failed = failed
    }
}

/// GetBucketInfo.
public struct BucketInfo: Sendable, Hashable {
    public var name: String
    /// `oss-cn-hangzhou`; `region` strips the prefix.
    public var location: String
    public var storageClass: StorageClass?
    public var creationDate: Timestamp?
    public var extranetEndpoint: String?
    public var intranetEndpoint: String?
    public init(name: String, location: String, storageClass: StorageClass?, creationDate: Timestamp? = nil,
                extranetEndpoint: String? = nil, intranetEndpoint: String? = nil)
    {
        self.name = name
        self.location = location
        self.storageClass = storageClass
        self.creationDate = creationDate
        self.extranetEndpoint = extranetEndpoint
        self.intranetEndpoint = intranetEndpoint
    }
    /// The bare region id used in V4 scopes: `cn-hangzhou`.
    public var region: String { location.hasPrefix("oss-") ? String(location.dropFirst(4)) : location }
}

/// GetBucketStat.
public struct BucketStat: Sendable, Hashable {
    public var storage: UInt64
    public var objectCount: UInt64
    public var multipartUploadCount: UInt64
    public init(storage: UInt64, objectCount: UInt64, multipartUploadCount: UInt64) {
        self.storage = storage
        self.objectCount = objectCount
        self.multipartUploadCount = multipartUploadCount
    }
}

/// Every call the filesystem makes to storage. Keys are bucket-relative (a mount's prefix is applied by a
/// decorator, not here). Errors are `ObjectStoreError`.
public protocol ObjectStore: Sendable {
    /// HeadObject. Throws `.noSuchKey` when absent.
    func head(_ key: ObjectKey) async throws -> ObjectMetadata
    /// GetObject of `range` (nil: whole object) into memory. Use for ranges of bounded size.
    func get(_ key: ObjectKey, range: Range<UInt64>?, conditions: GetConditions) async throws
        -> (metadata: ObjectMetadata, body: [UInt8])
    /// GetObject streamed into `sink`; for whole objects of any size.
    func get(_ key: ObjectKey, range: Range<UInt64>?, conditions: GetConditions, into sink: BodySink)
        async throws -> ObjectMetadata
    /// PutObject (≤ 5 GB).
    func put(_ key: ObjectKey, payload: Payload, options: WriteOptions) async throws -> WriteResult
    /// DeleteObject; succeeds when the key is absent.
    func delete(_ key: ObjectKey) async throws
    /// DeleteMultipleObjects, up to 1000 keys.
    func deleteMultiple(_ keys: [ObjectKey]) async throws -> DeleteResult
    /// CopyObject (≤ 5 GB); `ifMatch` conditions on the source's ETag.
    func copy(from source: ObjectKey, to destination: ObjectKey, metadata: MetadataDirective, ifMatch: ETag?)
        async throws -> WriteResult
    /// One page of ListObjectsV2 (or v1, as the implementation is configured).
    func list(_ request: ListRequest) async throws -> ListPage
    /// HeadObject of each key and one page of a listing, asked all at once (one round trip's wait where the
    /// implementation can carry them out together): each answer as `head` and `list` give it.
    func headAll(_ keys: [ObjectKey], listing: ListRequest?) async -> HeadsAndListing

    /// InitiateMultipartUpload.
    func initiateMultipartUpload(_ key: ObjectKey, options: WriteOptions) async throws -> UploadID
    /// UploadPart, part numbers 1...10000.
    func uploadPart(_ key: ObjectKey, uploadID: UploadID, partNumber: Int, payload: Payload) async throws
        -> WriteResult
    /// UploadPartCopy of `range` of the source (nil: all of it).
    func uploadPartCopy(_ key: ObjectKey, uploadID: UploadID, partNumber: Int, source: ObjectKey,
                        range: Range<UInt64>?, ifMatch: ETag?) async throws -> WriteResult
    /// CompleteMultipartUpload, parts ascending. The result's crc64 is the whole object's.
    func completeMultipartUpload(_ key: ObjectKey, uploadID: UploadID, parts: [UploadedPart]) async throws
        -> WriteResult
    /// AbortMultipartUpload.
    func abortMultipartUpload(_ key: ObjectKey, uploadID: UploadID) async throws
    /// ListMultipartUploads, one page.
    func listMultipartUploads(prefix: String, keyMarker: String?, uploadIDMarker: String?, maxUploads: Int)
        async throws -> UploadsPage
    /// ListParts, one page.
    func listParts(_ key: ObjectKey, uploadID: UploadID, partNumberMarker: Int?, maxParts: Int) async throws
        -> PartsPage

    /// AppendObject at `position` (0 creates; options apply then).
    func append(_ key: ObjectKey, position: UInt64, payload: Payload, options: WriteOptions) async throws
        -> AppendResult
    /// PutSymlink.
    func putSymlink(_ link: ObjectKey, target: ObjectKey, options: WriteOptions) async throws
    /// GetSymlink: the target and the link's own metadata.
    func getSymlink(_ link: ObjectKey) async throws -> (target: ObjectKey, metadata: ObjectMetadata)

    /// GetBucketInfo.
    func bucketInfo() async throws -> BucketInfo
    /// GetBucketStat.
    func bucketStat() async throws -> BucketStat
}

/// The answers of `ObjectStore.headAll`, in the order asked.
public struct HeadsAndListing: Sendable {
    public var heads: [Result<ObjectMetadata, any Error>]
    public var listing: Result<ListPage, any Error>?
    public init(heads: [Result<ObjectMetadata, any Error>], listing: Result<ListPage, any Error>?) {
        self.heads = heads
        self.listing = listing
    }
}

extension ObjectStore {
    /// One task per request.
    public func headAll(_ keys: [ObjectKey], listing: ListRequest?) async -> HeadsAndListing {
        // Children write into one locked value rather than return (index, answer) tuples: a task group of such
        // tuples (with a Result of an existential error) crashed in release builds with a garbage index.
        let answers = LockedAnswers(HeadsAndListing(heads: keys.map { _ in .failure(CancellationError()) }, listing: nil))
        await withTaskGroup(of: Void.self) { group in
            for (i, key) in keys.enumerated() {
                group.addTask {
                    let answer: Result<ObjectMetadata, any Error>
                    do { answer = .success(try await head(key)) } catch { answer = .failure(error) }
                    answers.update { $0.heads[i] = answer }
                }
            }
            if let listing {
                group.addTask {
                    let page: Result<ListPage, any Error>
                    do { page = .success(try await list(listing)) } catch { page = .failure(error) }
                    answers.update { $0.listing = page }
                }
            }
        }
        return answers.value
    }
}

private final class LockedAnswers: Sendable {
    private let state: Mutex<HeadsAndListing>
    init(_ initial: HeadsAndListing) { state = Mutex(initial) }
    func update(_ body: (inout HeadsAndListing) -> Void) { state.withLock { body(&$0) } }
    var value: HeadsAndListing { state.withLock { $0 } }
}
