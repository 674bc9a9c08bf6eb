import ObjectStore
import OSSCore

/// An `ObjectStore` held in memory, for fast tests of the filesystem core. It follows OSS's rules as
/// OSSClient sees them against oss-local (the shared conformance suite checks both the same way): ETags,
/// CRC64s, object types, listing order by UTF-8 bytes, multipart part-size checks, append positions,
/// symlinks followed on read, conditional requests.
public final class MemoryObjectStore: ObjectStore {
    struct Object {
        var metadata: ObjectMetadata
        var bytes: [UInt8]
    }
    struct Upload {
        var key: ObjectKey
        var options: WriteOptions
        var initiated: Timestamp
        var parts: [Int: (part: UploadedPart, bytes: [UInt8])] = [:]
    }
    struct State {
        var objects: [ObjectKey: Object] = [:]
        var uploads: [UploadID: Upload] = [:]
        var nextID: UInt64 = 1
        var clock: Int64
    }

    /// INVARIANT: every object's metadata.size == bytes.count and crc64 == CRC64(bytes) (symlinks: of the
    /// empty body). No `await` while the lock is held.
    private let state: Locked<State>
    public let bucketName: String
    public let location: String
    public let storageClass: StorageClass
    /// The smallest part CompleteMultipartUpload accepts, except the last (OSS: 100 KB).
    public static let minimumPartSize: UInt64 = 102_400

    public init(bucket: String = "memory", location: String = "oss-cn-hangzhou",
                storageClass: StorageClass = .standard, startTime: Int64 = 1_704_164_645)
    {
        self.bucketName = bucket
        self.location = location
        self.storageClass = storageClass
        self.state = Locked(State(clock: startTime))
    }

    /// Every key in the store, sorted; for assertions.
    public var keys: [ObjectKey] { state.withLock { $0.objects.keys.sorted() } }

    /// The stored bytes of `key` without following symlinks; for assertions.
    public func storedBytes(_ key: ObjectKey) -> [UInt8]? { state.withLock { $0.objects[key]?.bytes } }

    // MARK: - Errors as OSS reports them

    static func fail(_ code: OSSErrorCode, _ status: Int, _ message: String = "") -> ObjectStoreError {
        .service(OSSServiceError(status: status, code: code, message: message))
    }
    static func noSuchKey(_ key: ObjectKey) -> ObjectStoreError {
        fail(.noSuchKey, 404, "The specified key does not exist: \(key)")
    }
    static func validate(_ key: ObjectKey) throws {
        let n = key.rawValue.utf8.count
        guard n >= 1, n <= 1023, key.rawValue.first != "/", key.rawValue.first != "\\" else {
            throw fail(.invalidObjectName, 400, "The specified object name is not valid")
        }
    }

    // MARK: - Reads

    public func head(_ key: ObjectKey) async throws -> ObjectMetadata {
        try state.withLock { try Self.resolve(key, in: $0).metadata }
    }

    /// A symlink reads as its target with the link's own type and user metadata (OSS's HeadObject rule).
    static func resolve(_ key: ObjectKey, in s: State) throws -> Object {
        guard let object = s.objects[key] else { throw noSuchKey(key) }
        guard object.metadata.objectType == .symlink, let target = object.metadata.symlinkTarget else {
            return object
        }
        guard let t = s.objects[target], t.metadata.objectType != .symlink else {
            throw fail(.symlinkTargetNotExist, 404, "The symlink target object does not exist")
        }
        var m = t.metadata
        m.key = key
        m.objectType = .symlink
        m.userMetadata = object.metadata.userMetadata
        m.symlinkTarget = target
        m.lastModified = max(object.metadata.lastModified, t.metadata.lastModified)
        return Object(metadata: m, bytes: t.bytes)
    }

    public func get(_ key: ObjectKey, range: Range<UInt64>?, conditions: GetConditions) async throws
        -> (metadata: ObjectMetadata, body: [UInt8])
    {
        try state.withLock { s in
            let object = try Self.resolve(key, in: s)
            try Self.check(conditions, object.metadata)
            guard let range else { return (object.metadata, object.bytes) }
            let size = UInt64(object.bytes.count)
            guard range.lowerBound < size || (range.isEmpty && range.lowerBound == 0) else {
                throw Self.fail(.invalidRange, 416, "The requested range is not satisfiable")
            }
            let upper = min(range.upperBound, size)
            return (object.metadata, Array(object.bytes[Int(range.lowerBound)..<Int(upper)]))
        }
    }

    public func get(_ key: ObjectKey, range: Range<UInt64>?, conditions: GetConditions, into sink: BodySink)
        async throws -> ObjectMetadata
    {
        let (metadata, body) = try await get(key, range: range, conditions: conditions)
        try body.withUnsafeBytes { try sink.write($0) }
        return metadata
    }

    static func check(_ c: GetConditions, _ m: ObjectMetadata) throws {
        if let ifMatch = c.ifMatch, ifMatch != m.etag {
            throw fail(.preconditionFailed, 412, "At least one of the pre-conditions you specified did not hold")
        }
        if let ifNoneMatch = c.ifNoneMatch, ifNoneMatch == m.etag {
            throw fail(.notModified, 304)
        }
    }

    // MARK: - Writes

    private func tick(_ s: inout State) -> Timestamp {
        s.clock += 1
        return Timestamp(seconds: s.clock)
    }

    private func uniqueTag(_ s: inout State, _ suffix: String) -> ETag {
        s.nextID += 1
        let id = Hex.encode(Digest.md5(Array("\(bucketName)/\(s.nextID)".utf8)), uppercase: true)
        return ETag(id + suffix)
    }

    static func bytes(of payload: Payload) throws -> [UInt8] {
        switch payload {
        case .bytes(let b):
            return b
        case .file(let path, let offset, let length):
            return try LocalFile.read(path: path, offset: offset, length: length)
        }
    }

    private func store(_ key: ObjectKey, _ bytes: [UInt8], type: ObjectType, etag: ETag?, options: WriteOptions,
                       symlinkTarget: ObjectKey? = nil, in s: inout State) throws -> ObjectMetadata
    {
        if options.forbidOverwrite, s.objects[key] != nil {
            throw Self.fail(.fileAlreadyExists, 409, "The object you specified already exists")
        }
        let md5 = Hex.encode(Digest.md5(bytes), uppercase: true)
        let metadata = ObjectMetadata(
            key: key, size: UInt64(bytes.count), etag: etag ?? ETag(md5), lastModified: tick(&s),
            contentType: options.contentType ?? "application/octet-stream", objectType: type,
            crc64: CRC64.checksum(bytes), storageClass: options.storageClass ?? storageClass,
            userMetadata: Self.lowercased(options.userMetadata),
            nextAppendPosition: type == .appendable ? UInt64(bytes.count) : nil,
            symlinkTarget: symlinkTarget)
        s.objects[key] = Object(metadata: metadata, bytes: bytes)
        return metadata
    }

    static func lowercased(_ meta: [String: String]) -> [String: String] {
        Dictionary(meta.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last })
    }

    public func put(_ key: ObjectKey, payload: Payload, options: WriteOptions) async throws -> WriteResult {
        try Self.validate(key)
        let bytes = try Self.bytes(of: payload)
        guard bytes.count <= 5 << 30 else { throw Self.fail(.entityTooLarge, 400) }
        let sent = CRC64.checksum(bytes)   // as a client reports what it read and sent
        return try state.withLock { s in
            let m = try store(key, bytes, type: .normal, etag: nil, options: options, in: &s)
            return WriteResult(etag: m.etag, crc64: m.crc64, sentCRC64: sent)
        }
    }

    public func delete(_ key: ObjectKey) async throws {
        _ = state.withLock { $0.objects.removeValue(forKey: key) }
    }

    public func deleteMultiple(_ keys: [ObjectKey]) async throws -> DeleteResult {
        guard keys.count <= 1000 else { throw Self.fail(.malformedXML, 400, "more than 1000 keys") }
        state.withLock { s in for k in keys { s.objects.removeValue(forKey: k) } }
        return DeleteResult(deleted: keys)
    }

    public func copy(from source: ObjectKey, to destination: ObjectKey, metadata: MetadataDirective, ifMatch: ETag?)
        async throws -> WriteResult
    {
        try Self.validate(destination)
        return try state.withLock { s in
            let src = try Self.resolve(source, in: s)
            if let ifMatch, ifMatch != src.metadata.etag {
                throw Self.fail(.preconditionFailed, 412)
            }
            guard src.metadata.objectType != .appendable else {
                throw Self.fail(.objectNotAppendable, 409, "Appendable objects cannot be copied")
            }
            var options: WriteOptions
            switch metadata {
            case .copy:
                options = WriteOptions(contentType: src.metadata.contentType, userMetadata: src.metadata.userMetadata,
                                       storageClass: src.metadata.storageClass)
            case .replace(let o):
                options = o
            }
            let keepTag = src.metadata.objectType == .multipart ? src.metadata.etag : nil
            let type: ObjectType = src.metadata.objectType == .multipart ? .multipart : .normal
            options.forbidOverwrite = options.forbidOverwrite && source != destination
            let m = try store(destination, src.bytes, type: type, etag: keepTag, options: options, in: &s)
            return WriteResult(etag: m.etag, crc64: m.crc64)
        }
    }

    // MARK: - Listing

    public func list(_ request: ListRequest) async throws -> ListPage {
        state.withLock { s in
            let start = request.continuationToken ?? request.startAfter
            // A start that is a common prefix skips every key under it, as it was listed as one entry.
            // Keys are byte strings: prefixes and delimiters match bytes, as in OSS (see ByteStrings.swift).
            let skipUnder = start.flatMap { s in request.delimiter.map { s.hasByteSuffix($0) && !$0.isEmpty } } ?? false
            let keys = s.objects.keys
                .filter { key in
                    guard key.rawValue.hasBytePrefix(request.prefix) else { return false }
                    guard let start else { return true }
                    return ObjectKey(start) < key && !(skipUnder && key.rawValue.hasBytePrefix(start))
                }
                .sorted()
            var objects: [ListedObject] = []
            var prefixes: [String] = []
            var last: String?
            var count = 0
            var truncated = false
            for key in keys {
                if let delimiter = request.delimiter, !delimiter.isEmpty,
                   let common = Self.commonPrefix(key.rawValue, after: request.prefix, delimiter: delimiter)
                {
                    if let previous = prefixes.last, previous.bytesEqual(common) { continue }
                    if count == request.maxKeys { truncated = true; break }
                    prefixes.append(common)
                    last = common
                } else {
                    if count == request.maxKeys { truncated = true; break }
                    let m = s.objects[key]!.metadata
                    objects.append(ListedObject(key: key, size: m.size, etag: m.etag, lastModified: m.lastModified,
                                                objectType: m.objectType, storageClass: m.storageClass))
                    last = key.rawValue
                }
                count += 1
            }
            return ListPage(objects: objects, commonPrefixes: prefixes, nextToken: truncated ? last : nil)
        }
    }

    /// The key up to and including the first `delimiter` after `prefix`, by bytes; nil when there is none.
    static func commonPrefix(_ key: String, after prefix: String, delimiter: String) -> String? {
        let k = Array(key.utf8), d = Array(delimiter.utf8)
        var i = prefix.utf8.count
        while i + d.count <= k.count {
            if k[i..<(i + d.count)].elementsEqual(d) { return String(decoding: k[..<(i + d.count)], as: UTF8.self) }
            i += 1
        }
        return nil
    }

    // MARK: - Multipart

    public func initiateMultipartUpload(_ key: ObjectKey, options: WriteOptions) async throws -> UploadID {
        try Self.validate(key)
        return state.withLock { s in
            s.nextID += 1
            let id = UploadID(Hex.encode(Digest.md5(Array("upload/\(s.nextID)".utf8)), uppercase: true))
            s.uploads[id] = Upload(key: key, options: options, initiated: tick(&s))
            return id
        }
    }

    private func withUpload<R>(_ key: ObjectKey, _ id: UploadID, _ body: (inout Upload, inout State) throws -> R)
        throws -> R
    {
        try state.withLock { s in
            guard var upload = s.uploads[id], upload.key == key else {
                throw Self.fail(.noSuchUpload, 404, "The specified upload does not exist")
            }
            let r = try body(&upload, &s)
            if s.uploads[id] != nil { s.uploads[id] = upload }
            return r
        }
    }

    public func uploadPart(_ key: ObjectKey, uploadID: UploadID, partNumber: Int, payload: Payload) async throws
        -> WriteResult
    {
        guard (1...10000).contains(partNumber) else { throw Self.fail(.invalidArgument, 400, "bad part number") }
        let bytes = try Self.bytes(of: payload)
        return try withUpload(key, uploadID) { upload, _ in
            let part = UploadedPart(partNumber: partNumber, etag: ETag(Hex.encode(Digest.md5(bytes), uppercase: true)),
                                    size: UInt64(bytes.count), crc64: CRC64.checksum(bytes))
            upload.parts[partNumber] = (part, bytes)
            return WriteResult(etag: part.etag, crc64: part.crc64, sentCRC64: part.crc64)
        }
    }

    public func uploadPartCopy(_ key: ObjectKey, uploadID: UploadID, partNumber: Int, source: ObjectKey,
                               range: Range<UInt64>?, ifMatch: ETag?) async throws -> WriteResult
    {
        let (_, bytes) = try await get(source, range: range, conditions: GetConditions(ifMatch: ifMatch))
        var r = try await uploadPart(key, uploadID: uploadID, partNumber: partNumber, payload: .bytes(bytes))
        r.sentCRC64 = nil   // a copy sends no payload
        return r
    }

    public func completeMultipartUpload(_ key: ObjectKey, uploadID: UploadID, parts: [UploadedPart]) async throws
        -> WriteResult
    {
        try withUpload(key, uploadID) { upload, s in
            var previous = 0
            var body: [UInt8] = []
            var crc: UInt64 = 0
            for (i, p) in parts.enumerated() {
                guard p.partNumber > previous else { throw Self.fail(.invalidPartOrder, 400) }
                previous = p.partNumber
                guard let stored = upload.parts[p.partNumber], stored.part.etag == p.etag else {
                    throw Self.fail(.invalidPart, 400, "part \(p.partNumber) was not uploaded or its ETag differs")
                }
                if i < parts.count - 1, stored.part.size < Self.minimumPartSize {
                    throw Self.fail(.entityTooSmall, 400, "part \(p.partNumber) is smaller than 100 KB")
                }
                body += stored.bytes
                crc = CRC64.combine(crc, stored.part.crc64 ?? 0, length2: stored.part.size)
            }
            let tag = uniqueTag(&s, "-\(parts.count)")
            let m = try store(key, body, type: .multipart, etag: tag, options: upload.options, in: &s)
            precondition(m.crc64 == crc, "combined part CRCs disagree with the body")
            s.uploads[uploadID] = nil
            return WriteResult(etag: m.etag, crc64: m.crc64)
        }
    }

    public func abortMultipartUpload(_ key: ObjectKey, uploadID: UploadID) async throws {
        try withUpload(key, uploadID) { _, s in s.uploads[uploadID] = nil }
    }

    public func listMultipartUploads(prefix: String, keyMarker: String?, uploadIDMarker: String?, maxUploads: Int)
        async throws -> UploadsPage
    {
        state.withLock { s in
            let all = s.uploads
                .filter { $0.value.key.rawValue.hasBytePrefix(prefix) }
                .map { MultipartUpload(key: $0.value.key, uploadID: $0.key, initiated: $0.value.initiated) }
                .sorted { ($0.key, $0.uploadID.rawValue) < ($1.key, $1.uploadID.rawValue) }
                .filter { u in
                    guard let keyMarker else { return true }
                    if u.key.rawValue != keyMarker { return ObjectKey(keyMarker) < u.key }
                    guard let uploadIDMarker else { return false }
                    return u.uploadID.rawValue > uploadIDMarker
                }
            let page = Array(all.prefix(maxUploads))
            let more = all.count > page.count
            return UploadsPage(uploads: page, nextKeyMarker: more ? page.last?.key.rawValue : nil,
                               nextUploadIDMarker: more ? page.last?.uploadID.rawValue : nil)
        }
    }

    public func listParts(_ key: ObjectKey, uploadID: UploadID, partNumberMarker: Int?, maxParts: Int) async throws
        -> PartsPage
    {
        try withUpload(key, uploadID) { upload, _ in
            let all = upload.parts.values.map(\.part).filter { $0.partNumber > (partNumberMarker ?? 0) }
                .sorted { $0.partNumber < $1.partNumber }
            let page = Array(all.prefix(maxParts))
            return PartsPage(parts: page, nextPartNumberMarker: all.count > page.count ? page.last?.partNumber : nil)
        }
    }

    // MARK: - Append and symlinks

    public func append(_ key: ObjectKey, position: UInt64, payload: Payload, options: WriteOptions) async throws
        -> AppendResult
    {
        try Self.validate(key)
        let bytes = try Self.bytes(of: payload)
        return try state.withLock { s in
            let existing = s.objects[key]
            if let existing, existing.metadata.objectType != .appendable {
                throw Self.fail(.objectNotAppendable, 409, "The object is not appendable")
            }
            let current = existing?.metadata.size ?? 0
            guard position == current else {
                throw ObjectStoreError.service(OSSServiceError(
                    status: 409, code: .positionNotEqualToLength, message: "Position is not equal to file length",
                    details: ["NextAppendPosition": String(current)]))
            }
            let body = (existing?.bytes ?? []) + bytes
            guard body.count <= 5 << 30 else { throw Self.fail(.entityTooLarge, 400) }
            var o = options
            o.forbidOverwrite = false
            if let existing {
                o = WriteOptions(contentType: existing.metadata.contentType,
                                 userMetadata: existing.metadata.userMetadata,
                                 storageClass: existing.metadata.storageClass)
            }
            let m = try store(key, body, type: .appendable, etag: uniqueTag(&s, ""), options: o, in: &s)
            return AppendResult(nextPosition: m.size, crc64: m.crc64, etag: m.etag)
        }
    }

    public func putSymlink(_ link: ObjectKey, target: ObjectKey, options: WriteOptions) async throws {
        try Self.validate(link)
        _ = try state.withLock { s in
            try store(link, [], type: .symlink, etag: uniqueTag(&s, ""), options: options, symlinkTarget: target,
                      in: &s)
        }
    }

    public func getSymlink(_ link: ObjectKey) async throws -> (target: ObjectKey, metadata: ObjectMetadata) {
        try state.withLock { s in
            guard let o = s.objects[link] else { throw Self.noSuchKey(link) }
            guard o.metadata.objectType == .symlink, let target = o.metadata.symlinkTarget else {
                throw Self.fail(.invalidArgument, 400, "The object is not a symlink")
            }
            return (target, o.metadata)
        }
    }

    // MARK: - Bucket

    public func bucketInfo() async throws -> BucketInfo {
        BucketInfo(name: bucketName, location: location, storageClass: storageClass)
    }

    public func bucketStat() async throws -> BucketStat {
        state.withLock { s in
            BucketStat(storage: s.objects.values.reduce(0) { $0 + $1.metadata.size },
                       objectCount: UInt64(s.objects.count), multipartUploadCount: UInt64(s.uploads.count))
        }
    }
}
