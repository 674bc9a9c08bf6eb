import Foundation
import NIOCore
import OSSCore

/// One bucket: an index of objects sorted by key bytes, in-progress multipart uploads, and (disk backend) their
/// metadata records. Thread-safe.
///
/// LOCK ORDER: `BucketStore.lock`, then `DiskBlobSpace.lock`. `lock` is held only for index updates and for
/// renames/unlinks of small metadata files (so the index and the disk agree on the winner of a race); never
/// during data I/O, fsync, or unlinking blob files.
public final class BucketStore: @unchecked Sendable {
    public let definition: BucketDefinition
    let blobs: StorageBlobSpace
    /// nil for the memory backend.
    let journal: DiskJournal?
    let now: @Sendable () -> StorageTimestamp

    let lock = NSLock()
    /// Guarded by `lock`. INVARIANT: `index.keys` are exactly the keys of `objects`; every object's segments
    /// hold one blob reference.
    var objects: [StorageKey: StoredObject] = [:]
    var index = SortedKeys()
    /// Guarded by `lock`. By upload id. INVARIANT: every part's segments hold one blob reference.
    var uploads: [String: UploadState] = [:]
    /// Guarded by `lock`: running totals for `stat()`.
    var totalSize: UInt64 = 0
    var lastChange: Int64 = 0

    struct UploadState {
        var key: String
        var uploadID: String
        var initiated: StorageTimestamp
        var attributes: ObjectAttributes
        var parts: [Int: (info: PartInfo, content: ObjectContent)] = [:]
    }

    init(definition: BucketDefinition, blobs: StorageBlobSpace, journal: DiskJournal?,
         now: @escaping @Sendable () -> StorageTimestamp) {
        self.definition = definition
        self.blobs = blobs
        self.journal = journal
        self.now = now
    }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body()
    }

    // MARK: writers and reads

    /// A writer for a PUT, part or append body. Use it from one thread; `finish()` gives the Blob to store.
    public func newWriter() throws -> BlobWriter { try blobs.newWriter(coalescing: false) }

    /// The object stored under `key` (a symlink is returned as itself), nil if absent.
    public func head(_ key: String) -> StoredObject? {
        withLock { objects[StorageKey(key)] }
    }

    /// Opens `object`'s bytes (or `range` of them) for sending. Throws `.noSuchKey` if the object was overwritten
    /// or deleted since it was looked up and its bytes are gone; `headAndOpen` retries that race for you.
    public func open(_ object: StoredObject, range: Range<UInt64>? = nil) throws -> OpenedContent {
        try blobs.open(range.map { object.content.slice($0) } ?? object.content.segments)
    }

    /// `head` and `open` together, retrying when a concurrent overwrite frees the bytes in between.
    /// nil when the key is absent. Symlinks are returned unopened (empty content); resolve them first.
    public func headAndOpen(_ key: String, range: Range<UInt64>? = nil) throws -> (StoredObject, OpenedContent)? {
        for _ in 0..<16 {
            guard let object = head(key) else { return nil }
            do {
                return (object, try open(object, range: range))
            } catch StorageError.noSuchKey {
                continue
            }
        }
        throw StorageError.io("object \(key) keeps changing")
    }

    /// The bytes of `object` (or `range` of them) as one buffer: for small objects and tests.
    public func read(_ object: StoredObject, range: Range<UInt64>? = nil) throws -> ByteBuffer {
        let segments = range.map { object.content.slice($0) } ?? object.content.segments
        var out = ByteBufferAllocator().buffer(capacity: Int(segments.reduce(0) { $0 + $1.length }))
        try blobs.forEachChunk(segments) { out.writeBytes($0) }
        return out
    }

    // MARK: the one way an object gets stored

    /// Stores `object` under its key, replacing any previous version. `check` runs under the lock with the
    /// current version and may throw to refuse (it runs twice: early, and again at commit; keep it pure);
    /// `committed` runs under the same lock once the object is in.
    /// Takes its own references on the object's segments.
    @discardableResult
    func store(_ object: StoredObject, check: (StoredObject?) throws -> Void,
               committed: () -> Void = {}) throws -> StoredObject {
        let key = StorageKey(object.key)
        // Refuse early (no record written) when the answer is already known; checked again at commit.
        try withLock { try check(objects[key]) }
        try blobs.retain(object.content.segments)
        let staged: StagedRecord?
        do {
            staged = try journal?.stageObject(object)
        } catch {
            blobs.release(object.content.segments)
            throw error
        }
        var old: StoredObject?
        lock.lock()
        do {
            try check(objects[key])
            if let staged { try journal!.commit(staged) }
            old = objects.updateValue(object, forKey: key)
            if old == nil { index.insert(key) }
            totalSize = totalSize - (old?.size ?? 0) + object.size
            lastChange = max(lastChange, object.lastModified.seconds)
            committed()
            lock.unlock()
        } catch {
            lock.unlock()
            if let staged { journal!.discard(staged) }
            blobs.release(object.content.segments)
            throw error
        }
        if let old { blobs.release(old.content.segments) }
        return object
    }

    private static func refuseOverwrite(_ forbid: Bool) -> (StoredObject?) throws -> Void {
        { current in if forbid && current != nil { throw StorageError.fileAlreadyExists } }
    }

    // MARK: PutObject, DeleteObject, CopyObject, PutSymlink

    /// PutObject. `ifMatch` (an ETag) requires the current object to have it.
    @discardableResult
    public func put(_ key: String, blob: Blob, attributes: ObjectAttributes, forbidOverwrite: Bool,
                    ifMatch: String? = nil) throws -> StoredObject {
        guard blob.size <= StorageLimits.maxObjectSize else { throw StorageError.entityTooLarge }
        let object = StoredObject(key: key, size: blob.size, etag: StorageETag.normal(md5: blob.md5),
                                  contentMD5: Base64.encode(blob.md5), crc64: blob.crc64, lastModified: now(),
                                  kind: .normal, attributes: attributes, symlinkTarget: nil, restored: false,
                                  content: blob.data.content)
        return try store(object) { current in
            if forbidOverwrite && current != nil { throw StorageError.fileAlreadyExists }
            if let ifMatch {
                guard let current, StorageETag.matches(current.etag, ifMatch) else { throw StorageError.preconditionFailed }
            }
        }
    }

    /// DeleteObject. Returns whether the key existed.
    @discardableResult
    public func delete(_ key: String) -> Bool {
        let k = StorageKey(key)
        lock.lock()
        guard let old = objects.removeValue(forKey: k) else {
            lock.unlock()
            return false
        }
        index.remove(k)
        journal?.removeObject(key)
        totalSize -= old.size
        lastChange = max(lastChange, now().seconds)
        lock.unlock()
        blobs.release(old.content.segments)
        return true
    }

    /// DeleteMultipleObjects: returns the keys deleted (absent keys count as deleted, as on OSS).
    public func deleteMultiple(_ keys: [String]) -> [String] {
        for key in keys { delete(key) }
        return keys
    }

    /// CopyObject into this bucket from `source` (any bucket of the same engine). `attributes` nil = COPY
    /// directive (keep the source's). Shares the source's bytes, so it is O(1) whatever the size.
    /// Throws `.noSuchKey` if the source was deleted since it was looked up.
    public func copy(from source: StoredObject, to key: String, attributes: ObjectAttributes?,
                     forbidOverwrite: Bool) throws -> StoredObject {
        var object = source
        object.key = key
        object.lastModified = now()
        object.attributes = attributes ?? source.attributes
        if attributes != nil && source.attributes.storageClass != object.attributes.storageClass {
            object.restored = false
        }
        return try store(object, check: Self.refuseOverwrite(forbidOverwrite))
    }

    /// PutSymlink. The target is not checked.
    public func putSymlink(_ key: String, target: String, attributes: ObjectAttributes,
                           forbidOverwrite: Bool) throws -> StoredObject {
        let object = StoredObject(key: key, size: 0, etag: StorageETag.symlink(target: target), contentMD5: nil,
                                  crc64: 0, lastModified: now(), kind: .symlink, attributes: attributes,
                                  symlinkTarget: target, restored: false, content: ObjectContent(segments: []))
        return try store(object, check: Self.refuseOverwrite(forbidOverwrite))
    }

    // MARK: AppendObject

    private struct VersionChanged: Error {}

    /// AppendObject: `position` must equal the current size (0 creates an Appendable object with `attributes`;
    /// later appends keep the first attributes). The CRC is the combine of the old CRC and the new data's.
    public func append(_ key: String, position: UInt64, blob: Blob, attributes: ObjectAttributes) throws -> StoredObject {
        // Optimistic: build the new version from a snapshot, and store it only if nobody changed the key meanwhile.
        while true {
            let current = head(key)
            if let current {
                guard current.kind == .appendable else { throw StorageError.objectNotAppendable }
                guard position == current.size else { throw StorageError.positionNotEqualToLength(current: current.size) }
            } else if position != 0 {
                throw StorageError.positionNotEqualToLength(current: 0)
            }
            let base = current?.size ?? 0
            guard base + blob.size <= StorageLimits.maxObjectSize else { throw StorageError.entityTooLarge }
            let crc = current.map { CRC64.combine($0.crc64, blob.crc64, length2: blob.size) } ?? blob.crc64
            do {
                var segments = (current?.content.segments ?? []) + blob.data.content.segments
                var merged: Blob?       // holds the merged bytes until the object references them
                (segments, merged) = try compactTail(segments)
                let object = StoredObject(key: key, size: base + blob.size,
                                          etag: StorageETag.appended(previous: current?.etag, md5: blob.md5),
                                          contentMD5: nil, crc64: crc, lastModified: now(), kind: .appendable,
                                          attributes: current?.attributes ?? attributes, symlinkTarget: nil,
                                          restored: false, content: ObjectContent(segments: segments))
                defer { withExtendedLifetime(merged) {} }
                return try store(object) { latest in
                    guard Self.sameVersion(latest, current) else { throw VersionChanged() }
                }
            } catch is VersionChanged {
                continue
            } catch StorageError.noSuchKey {
                continue    // the snapshot's bytes were freed by a concurrent delete: look again
            }
        }
    }

    /// Appends in small pieces would otherwise give an object thousands of segments (and a GET as many open
    /// files). Like a binary counter, the trailing segments merge while each is no bigger than everything after
    /// it, up to `mergeCap`: an object keeps O(log n) small segments plus one per `mergeCap` bytes, and each
    /// appended byte is copied O(log(mergeCap / append size)) times.
    static let mergeCap: UInt64 = 16 << 20

    /// Copies the mergeable suffix of `segments` (see `mergeCap`) into one new blob.
    func compactTail(_ segments: [ContentSegment]) throws -> ([ContentSegment], Blob?) {
        guard var total = segments.last?.length else { return (segments, nil) }
        var start = segments.count - 1
        while start > 0 {
            let previous = segments[start - 1].length
            guard previous <= total, total + previous <= Self.mergeCap else { break }
            start -= 1
            total += previous
        }
        guard segments.count - start >= 2 else { return (segments, nil) }
        let writer = try blobs.newWriter(coalescing: true)
        do {
            try blobs.forEachChunk(Array(segments[start...])) { try writer.write(ByteBuffer(bytes: $0)) }
            let merged = try writer.finish()
            return (Array(segments[..<start]) + merged.data.content.segments, merged)
        } catch {
            writer.abort()
            throw error
        }
    }

    static func sameVersion(_ a: StoredObject?, _ b: StoredObject?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case let (a?, b?): return a.etag == b.etag && a.size == b.size && a.lastModified == b.lastModified && a.kind == b.kind
        default: return false
        }
    }

    // MARK: stats and archive

    /// GetBucketStat numbers.
    public func stat() -> BucketStat {
        withLock {
            BucketStat(storage: totalSize, objectCount: UInt64(objects.count),
                       multipartUploadCount: UInt64(uploads.count), lastModified: lastChange)
        }
    }

    /// Marks an archive object restored (tests). Does nothing if the key is absent.
    public func restoreForTests(_ key: String) {
        for _ in 0..<16 {
            guard var object = head(key) else { return }
            let snapshot = object
            object.restored = true
            do {
                try store(object) { latest in
                    guard Self.sameVersion(latest, snapshot) else { throw VersionChanged() }
                }
                return
            } catch {
                continue
            }
        }
    }
}
