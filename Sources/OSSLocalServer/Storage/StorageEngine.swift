import Foundation

extension StorageTimestamp {
    /// The wall clock (UTC).
    public static func now() -> StorageTimestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return StorageTimestamp(seconds: Int64(ts.tv_sec), nanoseconds: Int32(ts.tv_nsec))
    }
}

/// The buckets of one oss-local server, in memory or under a data directory.
///
/// Directory layout (`--data DIR`):
///   DIR/blobs/<id>       immutable data files (object bytes, parts, appended pieces), shared by reference
///   DIR/tmp/             staging for data and metadata; emptied at startup (leftovers of a crash)
///   DIR/buckets/<name>/  per-bucket metadata, see DiskJournal
/// A data file is renamed into blobs/ only after fsync, and an object becomes visible only when its record is
/// renamed into place, so a killed server never serves a torn object.
public final class StorageEngine: @unchecked Sendable {
    public let backend: StorageBackend
    /// Fixed after init (buckets are configured, not created over the API).
    private let buckets: [String: BucketStore]
    /// Staging and orphaned files removed at startup (disk backend), for logs and tests.
    public let startupCleanupCount: Int

    /// Loads an existing data directory (every bucket in it) and creates the missing `buckets`. A bucket already
    /// on disk keeps its creation date but takes region and storage class from `buckets`.
    public init(backend: StorageBackend, buckets definitions: [BucketDefinition],
                now: @escaping @Sendable () -> StorageTimestamp = { StorageTimestamp.now() }) throws {
        self.backend = backend
        var stores: [String: BucketStore] = [:]
        switch backend {
        case .memory:
            let space = MemoryBlobSpace()
            for d in definitions { stores[d.name] = BucketStore(definition: d, blobs: space, journal: nil, now: now) }
            startupCleanupCount = 0
        case .directory(let root):
            let space = try DiskBlobSpace(root: root)
            var all: [String: BucketDefinition] = [:]
            for name in StorageFiles.list(root + "/buckets") {
                if let bytes = try? StorageFiles.readWholeFile(root + "/buckets/" + name + "/bucket.json"),
                   let d = try? JSONDecoder().decode(BucketDefinition.self, from: Data(bytes)), d.name == name {
                    all[name] = d
                }
            }
            // A configured bucket takes its region and storage class from the configuration, and keeps the
            // creation date it was first given.
            for var d in definitions {
                if let existing = all[d.name] { d.creationDate = existing.creationDate }
                guard all[d.name] != d else { continue }
                let journal = try DiskJournal(root: root, bucket: d.name, space: space)
                let staged = StagedRecord(
                    tempPath: try StorageFiles.stage([UInt8](try JSONEncoder().encode(d)), tempDir: space.tmpDir),
                    finalPath: journal.bucketDir + "/bucket.json")
                try journal.commit(staged)
                all[d.name] = d
            }
            let files = space.filesOnDisk()
            var removed = 0
            for d in all.values {
                let store = BucketStore(definition: d, blobs: space,
                                        journal: try DiskJournal(root: root, bucket: d.name, space: space), now: now)
                removed += store.load(blobFiles: files, space: space)
                stores[d.name] = store
            }
            startupCleanupCount = removed + space.removeOrphans()
        }
        self.buckets = stores
    }

    public func bucket(_ name: String) -> BucketStore? { buckets[name] }

    public var bucketNames: [String] { buckets.keys.sorted() }
}
