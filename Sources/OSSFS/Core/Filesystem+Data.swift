import OSSCore
import ObjectStore

// open, create, write, flush, fsync, release, shutdown: the data path (reads: Filesystem+Read.swift).
extension Filesystem {
    public func open(_ ino: InodeNumber, flags: OpenFlags, caller: Caller) async throws -> OpenReply {
        try await guarded { try await openHandle(ino, flags: flags) }
    }

    public func create(parent: InodeNumber, name: String, permissions: UInt32, flags: OpenFlags, caller: Caller)
        async throws -> (Entry, OpenReply)
    {
        try await guarded {
            try checkWritable()
            let path = try childPath(parent, name)
            var info: NodeInfo
            var created = false
            // The kernel creates after a negative lookup, so the (cached) answer usually suffices. A new file
            // costs no request here: it lives in its open-file state (stat, ls, open by others see it) until
            // its first upload (at flush or close) creates the object. That upload is conditional
            // (forbid-overwrite): an object another client made meanwhile is never replaced; the flush then
            // fails with EIO and the data stays staged (the next mount keeps it in conflicts/). A crash
            // before that upload leaves the record written here: the next mount uploads what was staged,
            // an empty file at least, unless the name was taken meanwhile.
            var existing = try await resolve(path)
            if existing != nil { existing = try await resolve(path, fresh: true) }   // it may be gone since
            if let existing {
                if flags.exclusive { throw FSError.exists }
                if existing.kind == .directory { throw FSError.isDirectory }
                info = existing
            } else {
                info = try newFileInfo(path, permissions: permissions & ~caller.umask, caller: caller)
                created = true
            }
            let e = entry(path, info)
            do {
                let reply = try await openHandle(e.attributes.ino, flags: flags, known: created ? info : nil,
                                                 creating: created)
                if created { cache.created(path, info) }   // keeps a complete parent complete
                return (e, reply)
            } catch {
                inodes.forget(e.attributes.ino, count: 1)   // the kernel never sees this Entry
                throw error
            }
        }
    }

    /// Opens a handle on the inode's shared open-file state, pinning the object's ETag when the state is new.
    /// Opens re-read the metadata (close-to-open consistency) unless `known` or the stat cache has it from the
    /// store less than `openReuseWindow` ago. `creating`: the file is new (see `startNewFileLocked`).
    func openHandle(_ ino: InodeNumber, flags: OpenFlags, known: NodeInfo? = nil, creating: Bool = false)
        async throws -> OpenReply
    {
        guard let record = inodes.record(ino) else { throw FSError.notFound }
        if flags.writes { try checkWritable() }
        switch record.kind {
        case .directory: throw FSError.isDirectory
        case .symlink: throw FSError.invalidArgument("cannot open a symlink")
        case .regular: break
        }
        // A last release may drop the shared state while we wait for its lock: then take the new one.
        var attempts = 0
        while true {
            attempts += 1
            // A file opened before may still have its pages in the kernel (kept when the version is the
            // same): a HEAD then costs less than fetching bytes the kernel may already hold.
            let fetchHead = flags.access == .readOnly && !flags.truncate && record.lastOpenETag == nil
            let file = try await sharedOpenFile(ino, known: attempts == 1 ? known : nil, fetchHead: fetchHead)
            let joined = try await file.lock.withLock { () -> Bool in
                guard inodes.existingOpenFile(ino) === file else { return false }
                file.with { s in
                    s.handles += 1
                    if flags.writes { s.writers += 1 }
                }
                if creating, file.with({ $0.handles == 1 && $0.pinnedETag == nil && !$0.dirty }) {
                    do { try startNewFileLocked(file) } catch {
                        file.with { s in
                            s.handles -= 1
                            if flags.writes { s.writers -= 1 }
                        }
                        throw error
                    }
                }
                if flags.truncate, flags.writes {
                    do { try truncateLocked(file, to: 0) } catch {
                        file.with { s in
                            s.handles -= 1
                            if flags.writes { s.writers -= 1 }
                        }
                        throw error
                    }
                }
                return true
            }
            if joined { return finishOpen(ino, file, flags) }
            if attempts > 100 { throw FSError.io("open raced with release too often") }
        }
    }

    /// Seconds during which open trusts what a lookup just read from the store instead of a second HEAD.
    static let openReuseWindow = 1.0

    /// An open for reading whose name's last answer is too old to trust: the directory read-ahead moves on
    /// first (a walk after an earlier `ls -l`), and may have fetched this very name meanwhile.
    private func openingGETAfterReadahead(_ path: FSPath) async -> (info: NodeInfo, head: OpenedHead)? {
        await followReadahead(path)
        if let recent = cache.recent(path, within: Self.openReuseWindow),
           let head = lookupBodies.take(path, etag: recent.etag, now: clock.now())
        {
            return (recent, head)
        }
        return await openingGET(path)
    }

    /// The inode's open-file state: the existing one, or a new one pinning the object's current ETag.
    /// `fetchHead`: the open is for reading, so its close-to-open check may be a GET of the file's first
    /// bytes instead of a HEAD (see `openingGET`).
    func sharedOpenFile(_ ino: InodeNumber, known: NodeInfo?, fetchHead: Bool = false) async throws
        -> OpenFile
    {
        for _ in 0..<100 {
            if let f = inodes.existingOpenFile(ino) { return f }
            guard let epoch = inodes.epoch(ino), let path = inodes.path(ino) else { throw FSError.notFound }
            var info: NodeInfo
            var reused = false
            var head: OpenedHead?
            if let known { info = known } else if let recent = cache.recent(path, within: Self.openReuseWindow) {
                info = recent
                reused = true
                // The lookup that just read it, or the directory read-ahead, may have brought its bytes too
                // (or be bringing them: wait rather than fetch them twice).
                await followReadahead(path)
                head = lookupBodies.take(path, etag: recent.etag, now: clock.now())
            } else if fetchHead, let fetched = await openingGETAfterReadahead(path) {
                info = fetched.info
                head = fetched.head
            } else {
                guard let fresh = try await resolveFile(path) else { throw FSError.notFound }
                info = fresh
            }
            guard info.kind == .regular else { throw FSError.notFound }
            info.complete = true
            let made = OpenFile(ino: ino, info: info)
            if reused { made.with { $0.pinUnconfirmed = true } }
            if let head { made.with { $0.openedHead = head } }
            if let file = inodes.openFile(ino, epoch: known == nil ? epoch : nil, make: { made }) { return file }
            // An upload finished while we asked: our answer may be older than it; ask again.
        }
        throw FSError.io("open raced with uploads too often")
    }

    private func finishOpen(_ ino: InodeNumber, _ file: OpenFile, _ flags: OpenFlags) -> OpenReply {
        // An unconfirmed pin may still move to a newer version: the kernel must not keep older pages then.
        let etag = file.with { $0.dirty || $0.pinUnconfirmed ? nil : $0.pinnedETag }
        let previous = inodes.setLastOpenETag(ino, etag)
        let h = FileHandle(ino: ino, file: file, flags: flags)
        let head = flags.access != .writeOnly ? adoptOpenedHead(h) : nil
        let handle = handles.insert(.file(h))
        return OpenReply(handle: handle, keepCache: etag != nil && previous == etag,
                         wholeFile: flags.access == .readOnly && !flags.truncate ? wholeFile(file, head) : nil,
                         size: file.with { $0.dirty || $0.staging != nil ? nil : $0.size })
    }

    func fileHandle(_ id: HandleID) throws -> FileHandle {
        guard case .file(let h)? = handles.get(id) else { throw FSError.badHandle }
        return h
    }

    public func write(_ handle: HandleID, offset: UInt64, data: [UInt8]) async throws -> Int {
        try await guarded {
            let h = try fileHandle(handle)
            guard h.flags.writes else { throw FSError.badHandle }
            try checkWritable()
            let file = h.file
            return try await file.lock.withLock {
                let staging = try ensureStagingLocked(file)
                let at = h.flags.append ? file.with { $0.size } : offset
                if let block = coalescingBlock(file, at..<at + UInt64(data.count)) {
                    try await fillGapsLocked(file, block)
                    file.with { $0.written.insert(block) }
                }
                let dirtyBytes = try data.withUnsafeBytes { try stageWriteLocked(file, staging, $0, at: at) }
                if let limit = config.maxDirtyData, dirtyBytes >= limit {
                    try await uploadLocked(file)
                } else {
                    await eagerAfterWriteLocked(file, writeStart: at)
                }
                return data.count
            }
        }
    }

    /// The write of a file whose staging file exists and that needs nothing that waits (old bytes to load, an
    /// upload to start or to make room, a lock somebody holds): done on the caller's thread, straight from the
    /// caller's buffer. Sequential writes take this path from the FUSE thread, without a hand-off to the task
    /// pool and back per request (the writer waits for each reply, so every hand-off is time it loses).
    /// Nil when the write needs more: `write` then does it.
    public func writeImmediately(_ handle: HandleID, offset: UInt64, data: UnsafeRawBufferPointer) throws -> Int? {
        guard !config.readOnly, case .file(let h)? = handles.get(handle), h.flags.writes else { return nil }
        let file = h.file
        guard file.lock.tryLock() else { return nil }
        defer { file.lock.unlock() }
        do {
            guard let staging = file.with({ $0.staging }) else { return nil }
            let at = h.flags.append ? file.with { $0.size } : offset
            let range = at..<at + UInt64(data.count)
            guard coalescingBlock(file, range) == nil, !eagerStartDue(file, range) else { return nil }
            if let limit = config.maxDirtyData, file.with({ $0.dirtyBytes }) + UInt64(data.count) >= limit { return nil }
            _ = try stageWriteLocked(file, staging, data, at: at)
            feedEagerLocked(file, writeStart: at)
            return data.count
        } catch {
            throw Self.fsError(error)
        }
    }

    /// Stages the bytes of one write and makes the file dirty; returns its dirty byte count.
    private func stageWriteLocked(_ file: OpenFile, _ staging: StagingFile, _ data: UnsafeRawBufferPointer,
                                  at: UInt64) throws -> UInt64
    {
        let end = at + UInt64(data.count)
        // The record first: after a crash it must name every range that may hold written bytes (and no part
        // of a streaming upload whose bytes this write changes).
        try eagerBeforeWriteLocked(file, at..<end)
        let before = file.with { $0.record }
        try journalLocked(file, adding: at..<end)
        do { try staging.write(data, at: at) } catch {
            restoreRecordLocked(file, before)   // the range was not written after all
            throw error
        }
        let now = clock.now()
        return file.with { s -> UInt64 in
            s.valid.insert(at..<end)
            s.written.insert(at..<end)
            s.size = max(s.size, end)
            s.dirty = true
            s.dirtyBytes += UInt64(data.count)
            s.info.mtime = now
            s.info.ctime = now
            s.lastWriteTime = now
            return s.dirtyBytes
        }
    }

    /// Scattered small writes into an existing object would make its staging record (which names every
    /// written range) grow without bound and be rewritten on each write. Past 64 ranges, a write into the
    /// old bytes claims its whole part-sized block instead: the block's old bytes are loaded first (the
    /// upload would load them anyway, since a part with a write in it is sent whole), so every byte of the
    /// block is staged and may be recorded as the file's.
    func coalescingBlock(_ file: OpenFile, _ range: Range<UInt64>) -> Range<UInt64>? {
        let (base, written, size) = file.with { ($0.baseSize, $0.written, $0.size) }
        guard area != nil, range.lowerBound < base, written.ranges.count >= 64 else { return nil }
        let total = max(size, range.upperBound)
        let part = usesMultipart(total) ? Self.partSize(for: total, configured: config.multipartSize) : base
        let lo = range.lowerBound / part * part
        let hi = min(base, (min(range.upperBound, base) + part - 1) / part * part)
        guard lo < hi, !written.contains(lo..<hi) else { return nil }
        return lo..<hi
    }

    public func flush(_ handle: HandleID) async throws {
        try await guarded {
            let h = try fileHandle(handle)
            try await h.file.lock.withLock { try await uploadLocked(h.file) }
        }
    }

    public func fsync(_ handle: HandleID, dataOnly: Bool) async throws { try await flush(handle) }

    public func release(_ handle: HandleID) async {
        guard case .file(let h)? = handles.remove(handle) else { return }
        h.reader.withLock { $0?.close() }
        let file = h.file
        await file.lock.withLock {
            let last = file.with { s -> Bool in
                s.handles -= 1
                if h.flags.writes { s.writers -= 1 }
                return s.handles == 0
            }
            guard last else { return }
            // A last chance for data whose flush failed; if this fails too it stays staged (and the state
            // stays on the inode) for the next open, flush or shutdown.
            try? await uploadLocked(file)
            let keep = file.with { $0.dirty && !$0.detached }
            if !keep {
                cacheUploadedVersionLocked(file)
                file.discardStaging(area)
                inodes.dropOpenFile(file.ino, ifIdentical: file)
            }
        }
    }

    /// Uploads what every open file still holds (bounded by the caller's grace period).
    public func shutdown() async {
        for file in inodes.allOpenFiles() {
            await file.lock.withLock {
                try? await uploadLocked(file)
                if file.with({ $0.handles == 0 && !$0.dirty }) {
                    file.discardStaging(area)
                    inodes.dropOpenFile(file.ino, ifIdentical: file)
                }
            }
        }
        if config.deleteCache { dataCache?.wipe() }
    }

    // MARK: - Staging (all under file.lock)

    /// A created file: staged (empty) and recorded at once, so that a crash before its first upload still
    /// leaves the empty file to the next mount's recovery, as the empty object ossfs 1.x puts at create would.
    func startNewFileLocked(_ file: OpenFile) throws {
        file.with { s in
            s.existsInStore = false
            s.forbidOverwrite = true
            s.dirty = true
        }
        do {
            _ = try ensureStagingLocked(file)
            try journalLocked(file, force: true)
        } catch {
            file.discardStaging(area)
            file.with { s in   // never shown, never uploaded: the create fails
                s.dirty = false
                s.detached = true
            }
            throw error
        }
    }

    func ensureStagingLocked(_ file: OpenFile) throws -> StagingFile {
        if let s = file.with({ $0.staging }) { return s }
        let staging = try makeStagingFile()
        let size = file.with { $0.size }
        do { try staging.truncate(to: size) } catch {
            staging.remove()
            throw error
        }
        file.with { $0.staging = staging }
        return staging
    }

    /// Fetches the pinned object's bytes into the staging file where `range` (within `baseSize`) is not
    /// staged yet, in pieces of at most 8 MiB.
    func fillGapsLocked(_ file: OpenFile, _ range: Range<UInt64>) async throws {
        let (base, valid, etag) = file.with { ($0.baseSize, $0.valid, $0.pinnedETag) }
        let clipped = range.clamped(to: 0..<base)
        let gaps = valid.gaps(in: clipped)
        guard !gaps.isEmpty else { return }
        let staging = try ensureStagingLocked(file)
        guard let path = inodes.path(file.ino) else {
            throw FSError.io("the object behind an unlinked file is gone")
        }
        let key = names.fileKey(path)
        let piece: UInt64 = 8 << 20
        for gap in gaps {
            var at = gap.lowerBound
            while at < gap.upperBound {
                let end = min(gap.upperBound, at + piece)
                let body: [UInt8]
                do {
                    body = try await store.get(key, range: at..<end, conditions: GetConditions(ifMatch: etag)).body
                } catch { throw Self.fsError(error, key: key) }
                guard body.count == Int(end - at) else { throw FSError.io("short read of \(key)") }
                try staging.write(body, at: at)
                file.with { $0.valid.insert(at..<end) }
                at = end
            }
        }
    }

    func truncateLocked(_ file: OpenFile, to size: UInt64) throws {
        abandonEagerLocked(file)   // its parts were cut for the old length
        let staging = try ensureStagingLocked(file)
        try staging.truncate(to: size)
        let now = clock.now()
        file.with { s in
            if size < s.size {
                s.valid.clip(to: size)
                s.written.clip(to: size)
                s.baseSize = min(s.baseSize, size)
            }
            s.size = size
            s.dirty = true
            s.info.mtime = now
            s.info.ctime = now
        }
        try journalLocked(file, force: true)
    }

    /// The name of an open file is going away (unlink, or replaced by rename): keep its bytes for the open
    /// handles by staging all of the pinned object first, then never upload it again.
    func detachLocked(_ file: OpenFile) async {
        let base = file.with { $0.baseSize }
        do { try await fillGapsLocked(file, 0..<base) } catch {
            // The handles will see EIO on unstaged ranges; the unlink itself must still happen.
        }
        abandonEagerLocked(file)
        file.with { s in
            s.detached = true
            s.dirty = false
        }
        // Detached data is never uploaded: its record goes before the object does (unlink deletes after).
        if let record = file.with({ s -> StagingRecord? in defer { s.record = nil }; return s.record }) {
            area?.removeRecord(dataFile: record.dataFile)
        }
        // A state kept only for a failed upload has no handle left to release it.
        if file.with({ $0.handles == 0 }) {
            file.discardStaging(area)
            inodes.dropOpenFile(file.ino, ifIdentical: file)
        }
    }
}
