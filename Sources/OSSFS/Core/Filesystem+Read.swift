import OSSCore
import ObjectStore

// read: clean files from OSS through the handle's read-ahead, files being written from their staging file.
extension Filesystem {
    public func readBuffer(_ handle: HandleID, offset: UInt64, size: Int) async throws -> ReadBuffer {
        try await guarded {
            let h = try fileHandle(handle)
            guard h.flags.access != .writeOnly else { throw FSError.badHandle }
            guard size > 0 else { return .empty }
            if h.file.hasStaging {
                return ReadBuffer(try await h.file.lock.withLock {
                    try await readStagedLocked(h.file, offset: offset, size: size)
                })
            }
            return try await readRemote(h, offset: offset, size: size)
        }
    }

    /// The bytes in one array (tests and tools; the FUSE path replies from `readBuffer`'s chunks).
    public func read(_ handle: HandleID, offset: UInt64, size: Int) async throws -> [UInt8] {
        try await readBuffer(handle, offset: offset, size: size).bytes
    }

    /// A read of a clean file served from read-ahead that has already arrived, on the calling thread: nil when
    /// it would have to wait (or the file is not clean), and `readBuffer` answers it instead. The version
    /// rule is `readRemote`'s: the prefetcher's bytes are the pinned ETag's, and they confirm the pin.
    public func readIfArrived(_ handle: HandleID, offset: UInt64, size: Int) throws -> ReadBuffer? {
        // The prefetcher is asked first: a random read, which never finds its bytes there, then costs no
        // look-up in the mount-wide inode table.
        guard case .file(let h)? = handles.get(handle), h.flags.access != .writeOnly, size > 0,
              let reader = h.reader.withLock({ $0 })
        else { return nil }
        if offset >= reader.size { return reader.size == h.file.with({ $0.size }) ? .empty : nil }
        let bytes: ReadBuffer?
        do { bytes = try reader.readIfArrived(at: offset, count: size) } catch {
            throw Self.fsError(error, key: reader.key)
        }
        guard let bytes, let path = inodes.path(h.ino), names.fileKey(path) == reader.key else { return nil }
        let kept = h.file.with { s -> Bool in
            guard s.staging == nil, s.pinnedETag == reader.etag, s.size == reader.size else { return false }
            s.pinUnconfirmed = false
            return true
        }
        return kept ? bytes : nil
    }

    /// A read of a clean file. An open that took a lookup's recent answer instead of a HEAD may have pinned
    /// a version another client replaced just then: while nothing has been read under that pin, it moves to
    /// the current version, as if the open had asked.
    func readRemote(_ h: FileHandle, offset: UInt64, size: Int) async throws -> ReadBuffer {
        for _ in 0..<3 {
            let pin = h.file.with { $0.pinnedETag }
            do {
                let bytes = try await readPinned(h, offset: offset, size: size)
                // Bytes leave only under the pin they were read at; from then on the pin is confirmed.
                let kept = h.file.with { s -> Bool in
                    guard s.pinnedETag == pin else { return false }
                    s.pinUnconfirmed = false
                    return true
                }
                if kept { return bytes }
            } catch FSError.stale(let key) {
                try await movePin(h, from: pin, key: key)
            }
        }
        throw FSError.io("the version of an open file kept changing")
    }

    /// After a GET found the pinned version gone: moves an unconfirmed pin to the current version (once,
    /// whichever read saw it first), or reports the file stale.
    private func movePin(_ h: FileHandle, from pin: ETag?, key: ObjectKey) async throws {
        if h.file.with({ $0.pinnedETag != pin }) { return }   // a concurrent read moved it already
        guard h.file.with({ $0.pinUnconfirmed }), let path = inodes.path(h.ino),
              let current = try await resolve(path, fresh: true), current.kind == .regular
        else { throw FSError.stale(key) }
        let moved = h.file.with { s -> Bool in
            if s.pinnedETag != pin { return true }
            guard s.pinUnconfirmed, s.staging == nil, !s.dirty else { return false }
            s.pinUnconfirmed = false
            s.pinnedETag = current.etag
            s.baseSize = current.size
            s.size = current.size
            s.info = current
            return true
        }
        if !moved { throw FSError.stale(key) }
    }

    /// A read of a clean file, through the descriptor's prefetcher for the pinned version.
    func readPinned(_ h: FileHandle, offset: UInt64, size: Int) async throws -> ReadBuffer {
        let (etag, fileSize) = h.file.with { ($0.pinnedETag, $0.size) }
        guard offset < fileSize else { return .empty }
        guard let path = inodes.path(h.ino) else { throw FSError.stale(ObjectKey("")) }
        let key = names.fileKey(path)
        func fits(_ r: Prefetcher) -> Bool { r.key == key && r.etag == etag && r.size == fileSize }
        let reader: Prefetcher
        if let current = h.reader.withLock({ $0 }), fits(current) {
            reader = current
        } else {
            let info = h.file.with { $0.info }   // only for a new reader: copying it costs, under the file's lock
            reader = h.reader.withLock { r -> Prefetcher in
                if let r, fits(r) { return r }
                r?.close()
                let fresh = makeReader(h, key: key, etag: etag, size: fileSize, info: info)
                r = fresh
                return fresh
            }
        }
        do { return try await reader.read(at: offset, count: size) } catch { throw Self.fsError(error, key: key) }
    }

    func makeReader(_ h: FileHandle, key: ObjectKey, etag: ETag?, size: UInt64, info: NodeInfo,
                    seed: FetchedChunk? = nil) -> Prefetcher
    {
        let notifier = kernelCacheNotifier
        let ino = h.ino
        let cached = dataCache.flatMap { cache in etag.map { CachedVersion(cache: cache, key: key, etag: $0, size: size) } }
        return Prefetcher(key: key, etag: etag, size: size, objectCRC: info.crc64?.value(for: etag), store: store,
                          pool: chunkPool, seed: seed, cache: cached, invalidateKernelCache: { notifier?.invalidate(ino) })
    }

    /// Open's close-to-open check for a reader, as one GET of the file's first bytes instead of a HEAD: the
    /// answer carries what a HEAD would (ETag, the size in Content-Range, x-oss-meta-*), and its bytes are
    /// those of the version the open pins, so a small file is read with no second request. nil when that
    /// does not work out (an empty object answers 416, an archived one 403, no read-ahead memory is free,
    /// the object is gone or not a plain file): the open asks with a HEAD, as it would have.
    /// `remember`: false for a read-ahead, whose answer may be older than what the stat cache learned
    /// meanwhile (the caller files it with `putUnlessKnown`).
    func openingGET(_ path: FSPath, length: Int? = nil, remember: Bool = true) async -> (info: NodeInfo, head: OpenedHead)? {
        let length = min(length ?? Prefetcher.wholeFileLimit, chunkPool.chunkSize)
        guard let memory = chunkPool.acquire(length) else { return nil }
        let key = names.fileKey(path)
        let sink = ChunkSink(memory: memory, capacity: length)
        // Not for a read-ahead: it files what it gets as fresh (putUnlessKnown).
        let cached = remember ? cachedVersion(path, key) : nil
        let m: ObjectMetadata
        do {
            // With the first bytes on disk, the GET asks for them only if the object changed (If-None-Match);
            // 304 confirms the version as a HEAD would, and the disk serves the bytes.
            m = try await store.get(key, range: 0..<UInt64(length),
                                    conditions: GetConditions(ifNoneMatch: cached?.version.etag), into: sink)
        } catch let e as ObjectStoreError where e.code == .notModified {
            guard let (info, version) = cached else { return nil }
            let count = Int(min(UInt64(length), version.size))
            guard let hit = version.load(0..<UInt64(count), into: UnsafeMutableRawBufferPointer(rebasing: memory.bytes[0..<count]))
            else { return nil }
            // The metadata is what this mount last knew of this version: not filed again as fresh.
            return (info, OpenedHead(etag: version.etag,
                                     chunk: FetchedChunk(memory: memory, count: count, crc: hit.crc, objectCRC: hit.objectCRC)))
        } catch {
            return nil
        }
        guard sink.count > 0, UInt64(sink.count) == min(UInt64(length), m.size) else { return nil }
        let info = OSSFS1Metadata.decodeObject(m, defaults: defaults)
        guard info.kind == .regular, info.symlinkForm == nil else { return nil }
        if let dataCache {
            // The first bytes, for the next open's conditional GET (and the reads that follow it).
            CachedVersion(cache: dataCache, key: key, etag: m.etag, size: m.size)
                .keep(0..<UInt64(sink.count), UnsafeRawBufferPointer(rebasing: memory.bytes[0..<sink.count]),
                      objectCRC: m.crc64)
        }
        if remember { cache.put(path, info) }
        let chunk = FetchedChunk(memory: memory, count: sink.count, crc: sink.crc, objectCRC: m.crc64)
        return (info, OpenedHead(etag: m.etag, chunk: chunk))
    }

    /// The version of `path` the stat cache holds (within its TTL, with full metadata), when the disk cache
    /// holds its first block: the open's GET can then be conditional on it. The metadata stays the stat
    /// cache's, as fresh as it was (a 304 does not carry it).
    private func cachedVersion(_ path: FSPath, _ key: ObjectKey) -> (info: NodeInfo, version: CachedVersion)? {
        guard let dataCache, case .present(let info)? = cache.get(path), info.kind == .regular, info.complete,
              info.symlinkForm == nil, info.size > 0, let etag = info.etag
        else { return nil }
        let version = CachedVersion(cache: dataCache, key: key, etag: etag, size: info.size)
        return version.holds(block: 0) ? (info, version) : nil
    }

    /// The first handle opened on a state the open's GET made reads from the bytes that GET brought (which
    /// are returned, for `wholeFile`).
    func adoptOpenedHead(_ h: FileHandle) -> OpenedHead? {
        guard let head = h.file.with({ s -> OpenedHead? in
            defer { s.openedHead = nil }
            guard let head = s.openedHead, s.staging == nil, !s.dirty, s.pinnedETag == head.etag else { return nil }
            return head
        }), let path = inodes.path(h.ino) else { return nil }
        let (size, info) = h.file.with { ($0.size, $0.info) }
        let reader = makeReader(h, key: names.fileKey(path), etag: head.etag, size: size, info: info, seed: head.chunk)
        h.reader.withLock { $0 = reader }
        return head
    }

    /// The open's GET brought the whole file: its bytes for the kernel's page cache, if nothing else can have
    /// pages of this inode in flight (the only handle, nobody writing) and they pass the CRC64 check a read
    /// would make.
    func wholeFile(_ file: OpenFile, _ head: OpenedHead?) -> ReadBuffer? {
        guard let head, head.chunk.count > 0 else { return nil }
        let chunk = head.chunk
        let fits = file.with { s in
            s.handles == 1 && s.writers == 0 && s.staging == nil && !s.dirty && s.pinnedETag == head.etag
                && s.size == UInt64(chunk.count)
        }
        guard fits, chunk.objectCRC == nil || chunk.objectCRC == chunk.crc else { return nil }
        return ReadBuffer(slices: [.init(memory: chunk.memory, offset: 0, count: chunk.count)])
    }

    /// A read of a file with a staging file (held under `file.lock`): old bytes are fetched where missing.
    func readStagedLocked(_ file: OpenFile, offset: UInt64, size: Int) async throws -> [UInt8] {
        let fileSize = file.with { $0.size }
        guard offset < fileSize else { return [] }
        let range = offset..<min(offset + UInt64(size), fileSize)
        try await fillGapsLocked(file, range)
        guard let staging = file.with({ $0.staging }) else { return [] }
        return try staging.read(at: range.lowerBound, count: range.count)
    }
}
