import ObjectStore
import OSSCore

/// The filesystem core: POSIX operations over an object store, with ossfs 1.x object conventions.
///
/// Structure (one job per file): `Namespace` maps paths to keys; `InodeTable` counts lookups; `StatCache`
/// remembers what the store said; `OpenFile` + `StagingFile` hold data being written; the extensions in
/// Filesystem+*.swift implement the operations. Every lock here is a leaf `Locked` never held across `await`,
/// except `OpenFile.lock`, an async lock that orders the data operations of one file (see OpenFile).
///
/// Consistency: a path's attributes come from the stat cache for `statCacheTTL` seconds, so other clients'
/// changes show within the TTL; opens re-read the object's metadata (close-to-open) and pin its ETag, so an
/// open file never mixes two versions (a change under it reads as ESTALE). Local changes are visible at once.
public final class Filesystem: FilesystemOperations {
    let store: any ObjectStore
    let config: FilesystemConfiguration
    let clock: FilesystemClock
    let names: Namespace
    let inodes: InodeTable
    let cache: StatCache
    let handles = HandleTable()
    /// Read-ahead memory all readers share (`direct_read_prefetch_limit=`).
    let chunkPool: ChunkPool
    let lookupBodies = LookupBodies(window: Filesystem.openReuseWindow)
    let directoryReadahead = DirectoryReadahead()
    public let kernelCacheNotifier: KernelCacheNotifier? = KernelCacheNotifier()
    let defaults: OSSFS1Metadata.Defaults
    let mountTime: Timestamp
    let rootInfo: NodeInfo
    /// The mount's durable staging directory (nil when it could not be made: staging then works as before,
    /// in `tmpdir=` itself, without crash recovery; `recover()` reports why).
    let area: StagingArea?
    let space: SpaceGuard
    /// `use_cache=`: file data kept on local disk (nil when off, or when the directory is unusable).
    let dataCache: DiskDataCache?
    let startupWarnings: [String]
    let mimeTypes: MimeTypes

    public init(store: any ObjectStore, configuration: FilesystemConfiguration, clock: FilesystemClock = .system) {
        self.store = store
        self.config = configuration
        self.clock = clock
        self.names = Namespace(prefix: configuration.prefix)
        self.mimeTypes = MimeTypes(path: configuration.mimeTypesFile)
        self.chunkPool = ChunkPool(limit: configuration.prefetchMemoryLimit,
                                   chunkSize: Int(configuration.prefetchChunkSize),
                                   idleGrace: configuration.prefetchIdleRelease)
        self.defaults = OSSFS1Metadata.Defaults(uid: configuration.defaultUID, gid: configuration.defaultGID,
                                                complementStat: configuration.complementStat)
        let now = clock.now()
        self.mountTime = now
        // ossfs 1.x: the mount point shows 0700, or 0777 & ~mp_umask with allow_other.
        let rootPermissions: UInt32 = configuration.allowOther ? 0o777 & ~configuration.mountPointUmask : 0o700
        self.rootInfo = NodeInfo(kind: .directory, permissions: rootPermissions, uid: configuration.defaultUID,
                                 gid: configuration.defaultGID, size: 0, atime: now, mtime: now, ctime: now,
                                 directorySource: .root)
        self.inodes = InodeTable(rootInfo: rootInfo)
        self.cache = StatCache(ttl: configuration.statCacheTTL, capacity: configuration.statCacheSize,
                               negative: configuration.negativeCache, clock: clock)
        var warnings: [String] = []
        var dataCache: DiskDataCache?
        if let directory = configuration.cacheDirectory {
            do {
                // The cache leaves ensure_diskfree free plus 5% of its filesystem, so staged writes keep room.
                // The mount does not wait for a large cache to be indexed (del_cache has nothing to index).
                dataCache = try DiskDataCache(directory: directory, bucket: configuration.bucket,
                                              reserve: configuration.ensureDiskFree,
                                              freeSpace: configuration.freeSpaceProbe,
                                              index: configuration.deleteCache ? .none : .inBackground)
                if configuration.deleteCache { dataCache?.wipe() }
            } catch {
                warnings.append("use_cache=\(directory) unusable, reading without a disk cache: \(error)")
            }
        }
        self.dataCache = dataCache
        let space = SpaceGuard(ensureFree: configuration.ensureDiskFree, freeSpace: configuration.freeSpaceProbe,
                               reclaim: dataCache.map { cache in { cache.reclaim($0) } })
        self.space = space
        do {
            self.area = try StagingArea(root: configuration.stagingDirectory,
                                        identity: "\(configuration.bucket):/\(configuration.prefix)", space: space)
            if area?.sharedWithLiveMount == true {
                warnings.append("another live mount of this bucket:/prefix holds its staging area; this one uses \(area!.directory)")
            }
        } catch {
            self.area = nil
            warnings.append("staging area unusable, no crash recovery for this mount: \(error)")
        }
        self.startupWarnings = warnings
    }

    // MARK: - Errors

    /// Every error leaving the core is an FSError (the adapter's contract).
    static func fsError(_ error: Error, key: ObjectKey? = nil) -> FSError {
        if let e = error as? FSError { return e }
        if let e = error as? ObjectStoreError {
            if e.isNotFound { return .notFound }
            if e.code == .preconditionFailed { return .stale(key ?? ObjectKey("")) }
            if e.code == .invalidObjectState {
                return .io("\(key.map { "\($0)" } ?? "object") is archived: restore it before reading (\(e))")
            }
            return .store(e)
        }
        if error is CancellationError { return .io("cancelled") }
        return .io(String(describing: error))
    }

    func guarded<R>(_ body: () async throws -> R) async throws -> R {
        do { return try await body() } catch { throw Self.fsError(error) }
    }

    // MARK: - Paths of inodes

    /// The path of a live (not detached) inode.
    func path(of ino: InodeNumber) throws -> FSPath {
        guard let r = inodes.record(ino), let path = r.path else { throw FSError.notFound }
        return path
    }

    func directoryPath(_ ino: InodeNumber) throws -> FSPath {
        guard let r = inodes.record(ino), let path = r.path else { throw FSError.notFound }
        guard r.kind == .directory else { throw FSError.notDirectory }
        return path
    }

    func childPath(_ parent: InodeNumber, _ name: String) throws -> FSPath {
        try Namespace.validate(name)
        return try directoryPath(parent).appending(name)
    }

    func checkWritable() throws { if config.readOnly { throw FSError.readOnly } }

    // MARK: - Attributes and entries

    /// What stat shows: stored attributes with the mount's umask and forced owner applied.
    func attributes(_ ino: InodeNumber, _ info: NodeInfo) -> FileAttributes {
        var permissions = info.permissions & 0o7777
        if let umask = config.umask, ino != .root { permissions &= ~umask }
        let uid = config.forceOwner ? config.defaultUID : info.uid
        let gid = config.forceOwner ? config.defaultGID : info.gid
        return FileAttributes(ino: ino, kind: info.kind, permissions: permissions,
                              nlink: info.kind == .directory ? 2 : 1, uid: uid, gid: gid, size: info.size,
                              atime: info.atime, mtime: info.mtime, ctime: info.ctime)
    }

    /// An open file's pending attributes override what the store says.
    func overlay(_ ino: InodeNumber, _ info: NodeInfo) -> NodeInfo {
        inodes.existingOpenFile(ino)?.info ?? info
    }

    /// Every Entry leaves through here: it counts the lookup.
    func entry(_ path: FSPath, _ info: NodeInfo) -> Entry {
        let ino = inodes.reference(path, kind: info.kind, info: info)
        return Entry(attributes: attributes(ino, overlay(ino, info)), entryTimeout: config.entryTimeout,
                     attributeTimeout: config.attributeTimeout)
    }

    func writeOptions(contentType: String?, metadata: [String: String], forbidOverwrite: Bool = false)
        -> WriteOptions
    {
        WriteOptions(contentType: contentType, userMetadata: metadata, forbidOverwrite: forbidOverwrite,
                     storageClass: config.storageClass, acl: config.acl, sendContentMD5: config.contentMD5)
    }

    /// Attributes for a new entry made by `caller` now.
    func newInfo(_ kind: FileKind, permissions: UInt32, caller: Caller) -> NodeInfo {
        let now = clock.now()
        return NodeInfo(kind: kind, permissions: permissions & 0o7777, uid: caller.uid, gid: caller.gid, size: 0,
                        atime: now, mtime: now, ctime: now)
    }

    // MARK: - Resolving paths

    /// The entry at `path` (cached unless `fresh`), or nil when nothing is there. A directory this mount
    /// made and still knows completely (see `StatCache`) answers for its names even when `fresh`.
    func resolve(_ path: FSPath, fresh: Bool = false) async throws -> NodeInfo? {
        if path.isRoot { return rootInfo }
        if fresh, cache.knownAbsent(path) { return nil }   // a name this mount never made in its own new directory
        if !fresh, let answer = cache.get(path) {
            switch answer {
            case .absent: return nil
            case .present(let info) where info.complete || config.readdirOptimize: return info
            case .present(let guess) where guess.kind == .regular:
                // A listing's plain file: one request of its own completes it; gone or changed, the full probe
                // decides.
                if let file = try await completeListedFile(path, guess) { return file }
            case .present: break
            }
        }
        let info = try await probe(path)
        if info == nil, let local = localOnlyFile(at: path) { return local }
        if let info { cache.put(path, info) } else { cache.putAbsent(path) }
        return info
    }

    /// A file created here whose first upload has not landed: the store does not know it yet.
    func localOnlyFile(at path: FSPath) -> NodeInfo? {
        guard let f = inodes.existingOpenFile(at: path), f.with({ !$0.existsInStore && !$0.detached }) else {
            return nil
        }
        return f.info
    }

    /// A regular file's current metadata (open's close-to-open check): one HEAD of its key, where `resolve`
    /// would also ask for a `dir/` marker and children. The inode already says it is a file; nil when the
    /// object is gone or is no longer a regular file.
    func resolveFile(_ path: FSPath) async throws -> NodeInfo? {
        guard let info = try await headFile(names.fileKey(path)), info.kind == .regular else {
            cache.invalidate(path)   // gone, or something else now: the next lookup asks in full
            return nil
        }
        cache.put(path, info)
        return info
    }

    /// Listed files up to this size are completed by a GET of the whole object rather than a HEAD: the answer
    /// costs about the same and carries the bytes the open that usually follows would fetch next.
    static let lookupGETLimit: UInt64 = 128 << 10

    /// A file a listing showed, completed by one request: a small one's GET (its bytes kept for the open that
    /// follows), else its HEAD, which may also find a symlink stored as a file (ossfs 1.x). nil when it is gone.
    func completeListedFile(_ path: FSPath, _ guess: NodeInfo) async throws -> NodeInfo? {
        // The directory read-ahead may be bringing it (or have brought it) already.
        await followReadahead(path)
        if case .present(let info)? = cache.get(path), info.complete { return info }
        if guess.size > 0, guess.size <= Self.lookupGETLimit,
           let fetched = await openingGET(path, length: Int(guess.size))
        {
            lookupBodies.put(path, fetched.head, now: clock.now())
            return fetched.info
        }
        // What the full probe would answer, the listing having shown no directory of this name.
        guard let info = try await headFile(names.fileKey(path)) else {
            cache.invalidate(path)
            return nil
        }
        cache.put(path, info)
        return info
    }

    /// A listed file is being looked up or opened: the directory read-ahead moves on (see DirectoryReadahead),
    /// and if it is fetching this very file, the caller waits for that rather than asking again. Its fetches
    /// keep what they bring only while LookupBodies has room for it; the answer's metadata goes to the stat
    /// cache unless the cache learned something newer meanwhile.
    func followReadahead(_ path: FSPath) async {
        // Without a stat cache no open trusts a recent answer, so no open could take what was fetched.
        guard cache.enabled else { return }
        directoryReadahead.touched(path, now: clock.now()) { [self] path, size in
            guard lookupBodies.hasRoom(for: Int(size), now: clock.now()),
                  let fetched = await openingGET(path, length: Int(size), remember: false) else { return }
            lookupBodies.put(path, fetched.head, now: clock.now())
            cache.putUnlessKnown(path, fetched.info, sameVersionRefreshes: true)
        }
        await directoryReadahead.wait(for: path)
    }

    /// A lookup lists up to this many keys below the name: for a directory that holds no more, the plain files
    /// among them are kept as the listing's guesses (see `rememberListedFiles`).
    static let probeListingKeys = 100

    /// Asks the store, at once: the file object, and what lies below `path/`. The listing's first key is the
    /// `dir/` marker when there is one, whose HEAD (its attributes) then follows; a file costs two requests,
    /// not three. Under notsup_compat_dir (markers only) the marker's HEAD goes with the file's. A directory
    /// wins over a same-named file.
    func probe(_ path: FSPath) async throws -> NodeInfo? {
        let fileKey = names.fileKey(path), markerKey = names.markerKey(path)
        let listing = config.noImplicitDirectories
            ? nil : ListRequest(prefix: names.listPrefix(path), delimiter: "/", maxKeys: Self.probeListingKeys)
        let answers = await store.headAll(listing == nil ? [fileKey, markerKey] : [fileKey], listing: listing)
        let f = try await fileInfo(fileKey, answers.heads[0])
        var m = listing == nil ? try Self.presentOrNil(answers.heads[1]) : nil
        if let below = try answers.listing?.get(), !below.objects.isEmpty || !below.commonPrefixes.isEmpty {
            rememberListedFiles(path, below)
            guard below.objects.first?.key == markerKey else {
                return OSSFS1Metadata.implicitDirectory(defaults: defaults, time: mountTime)
            }
            m = try await headOrNil(markerKey)
        }
        if let m { return OSSFS1Metadata.decodeMarker(m, defaults: defaults) }
        if let f { return f }
        // s3fs's old `dir_$folder$` marker, asked only when nothing else answered (and not under
        // notsup_compat_dir, which allows `dir/` markers only).
        guard !config.noImplicitDirectories else { return nil }
        if let legacy = try await headOrNil(ObjectKey(fileKey.rawValue + OSSFS1Metadata.folderSuffix)) {
            return OSSFS1Metadata.decodeMarker(legacy, defaults: defaults)
        }
        return nil
    }

    /// A directory's lookup listed all of its keys (`page` is not truncated): a plain file among them has no
    /// directory of its name (that would have shown too, and won), so it is kept as the listing's guess, as a
    /// full readdir keeps it, and looking it up next takes one request of its own, not a probe's HEAD and
    /// listing (`cat dir/file` in a directory never listed). Named by readdir's rules (`addListedPage`).
    func rememberListedFiles(_ path: FSPath, _ page: ListPage) {
        guard page.nextToken == nil, !config.readdirOptimize else { return }
        var listed = ListedNames()
        _ = addListedPage(page, prefix: names.listPrefix(path), to: &listed)
        for e in listed.entries where e.kind == .regular {
            cache.putUnlessKnown(path.appending(e.name), e.info)
        }
    }

    func headOrNil(_ key: ObjectKey) async throws -> ObjectMetadata? {
        try Self.presentOrNil(await Self.answer { try await store.head(key) })
    }

    static func presentOrNil(_ answer: Result<ObjectMetadata, any Error>) throws -> ObjectMetadata? {
        do { return try answer.get() } catch let e as ObjectStoreError where e.isNotFound { return nil }
    }

    static func answer<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    /// A file key's entry, including native symlinks whose target is missing (HEAD follows the link).
    func headFile(_ key: ObjectKey) async throws -> NodeInfo? {
        try await fileInfo(key, await Self.answer { try await store.head(key) })
    }

    /// The entry a HEAD of a file key answered: nil when absent; a native symlink is completed by GetSymlink.
    func fileInfo(_ key: ObjectKey, _ head: Result<ObjectMetadata, any Error>) async throws -> NodeInfo? {
        do {
            let m = try head.get()
            var info = OSSFS1Metadata.decodeObject(m, defaults: defaults)
            if info.symlinkForm == .native, info.symlinkTarget == nil {
                let (target, own) = try await store.getSymlink(key)
                info = OSSFS1Metadata.decodeObject(own, defaults: defaults)
                // GetSymlink's answer carries no x-oss-object-type: the HEAD said Symlink, so it is one.
                info.kind = .symlink
                info.symlinkForm = .native
                if own.userMetadata[OSSFS1Metadata.mode] == nil { info.permissions = 0o777 }
                info.symlinkTarget = target.rawValue
                info.size = UInt64(target.rawValue.utf8.count)
            }
            return info
        } catch let e as ObjectStoreError where e.code == .symlinkTargetNotExist {
            let (target, own) = try await store.getSymlink(key)
            var info = OSSFS1Metadata.decodeObject(own, defaults: defaults)
            info.kind = .symlink
            info.symlinkForm = .native
            info.symlinkTarget = target.rawValue
            info.size = UInt64(target.rawValue.utf8.count)
            return info
        } catch let e as ObjectStoreError where e.isNotFound {
            return nil
        }
    }

    /// True when nothing but the directory's own marker lies below it (hidden names count as children).
    func isEmptyDirectory(_ path: FSPath) async throws -> Bool {
        // A file created here and not uploaded yet is a child the store does not list.
        if inodes.openFiles(in: path).contains(where: { localOnlyFile(at: path.appending($0.name)) != nil }) {
            return false
        }
        let prefix = names.listPrefix(path)
        let page = try await store.list(ListRequest(prefix: prefix, delimiter: nil, maxKeys: 2))
        return page.commonPrefixes.isEmpty && page.objects.allSatisfy { $0.key.rawValue == prefix }
    }

    /// After the last child of an implicit directory went away, the directory would vanish from OSS while
    /// the user still sees it (ossfs 1.x lets it vanish, so `rm dir/f; rmdir dir` failed). Writing its
    /// marker keeps POSIX behaviour: a directory exists until rmdir.
    func keepDirectoryAlive(_ path: FSPath) async {
        guard !path.isRoot else { return }
        let known = inodes.ino(at: path).flatMap { inodes.record($0)?.info }
        if case .marker? = known?.directorySource { return }
        guard let info = try? await resolveKnownDirectory(path, known), case .implicit? = info.directorySource,
              let empty = try? await isEmptyDirectory(path), empty else { return }
        var marker = info
        marker.userMetadata = OSSFS1Metadata.encode(info)
        marker.objectKey = names.markerKey(path)
        marker.contentType = OSSFS1Metadata.directoryContentType
        marker.directorySource = .marker(names.markerKey(path))
        if let r = try? await store.put(names.markerKey(path), payload: .empty,
                                        options: writeOptions(contentType: marker.contentType,
                                                              metadata: marker.userMetadata)) {
            marker.etag = r.etag
            cache.put(path, marker)
        }
    }

    private func resolveKnownDirectory(_ path: FSPath, _ known: NodeInfo?) async throws -> NodeInfo? {
        if let known, known.kind == .directory { return known }
        return try await resolve(path)
    }
}
