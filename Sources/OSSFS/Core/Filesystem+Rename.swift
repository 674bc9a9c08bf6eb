import OSSCore
import ObjectStore

// rename of files and directories.
//
// Directory renames copy key by key, then delete, with a progress record in the staging area
// (`renames/<id>.rename`, RenameRecord) so that a crash never leaves the move half-done:
//
//   1. list the source tree (the snapshot every later step works from);
//   2. write the record, phase `copying`, fsync'd: before the first copy;
//   3. copy every key (the record notes confirmed copies in batches; a note is only a shortcut);
//   4. rewrite the record, phase `deleting`, fsync'd: only once every copy is confirmed;
//   5. delete the source keys; 6. remove the record.
//
// Why a crash at any point loses nothing: sources are deleted only in step 5, after the record says every
// copy exists (step 4). Crash before 2: nothing was copied, the old tree is whole. Crash during 2-4: the
// old tree is whole (copies never remove anything) and some copies exist; the next mount finishes forward:
// each key not confirmed is copied unless the destination already has it (same size and CRC64 as the
// source), then it switches to `deleting`. Crash during 5-6: every copy is confirmed, so deleting the rest
// of the sources (deleting an absent key succeeds) only finishes the move. At every instant each key
// exists under its old name, its new name, or both: old tree, both, or new tree, never data loss. Copies
// are CopyObject or CompleteMultipartUpload, atomic in OSS, so no destination is ever torn.
//
// A rename that fails while the mount runs (not a crash) removes the copies it made and its record:
// the old tree stays as it was and rename returns the error.
extension Filesystem {
    public func rename(parent: InodeNumber, name: String, newParent: InodeNumber, newName: String,
                       flags: RenameFlags) async throws
    {
        try await guarded {
            if flags == .exchange { throw FSError.notSupported("RENAME_EXCHANGE") }
            try checkWritable()
            let source = try childPath(parent, name)
            let target = try childPath(newParent, newName)
            guard source != target else { return }
            // Both answers at once: each is up to three requests, independent of the other.
            async let sourceInfo = resolve(source, fresh: true)
            async let targetInfo = resolve(target, fresh: true)
            let (sourceAnswer, t) = try await (sourceInfo, targetInfo)
            guard let s = sourceAnswer else { throw FSError.notFound }
            if s.kind == .directory, target.isWithin(source) {
                throw FSError.invalidArgument("cannot move a directory into itself")
            }
            try names.validateNew(target, directory: s.kind == .directory)
            if let t {
                if flags == .noReplace { throw FSError.exists }
                if s.kind == .directory {
                    guard t.kind == .directory else { throw FSError.notDirectory }
                    guard try await isEmptyDirectory(target) else { throw FSError.notEmpty }
                } else if t.kind == .directory {
                    throw FSError.isDirectory
                }
            }
            if s.kind == .directory {
                try await renameDirectory(source, to: target, s, replacing: t)
            } else {
                try await renameFile(source, to: target, s, replacing: t)
            }
            let directory = s.kind == .directory
            inodes.move(from: source, to: target, directory: directory)
            if directory {
                cache.invalidateTree(source)
                cache.invalidateTree(target)
            } else {
                cache.invalidate(source)
                cache.invalidate(target)
            }
            cache.putAbsent(source)
            cache.invalidateCreated(target)
            cache.invalidate(source.parent)
            await keepDirectoryAlive(source.parent)
        }
    }

    /// Copy then delete. An open source keeps its handles (the inode follows the name, its next flush goes
    /// to the new key); an open target is detached first, keeping its bytes for its handles.
    ///
    /// A one-source rename record (sourcePrefix = the old key, destinationPrefix = the new one) spans the two
    /// steps, so a mount killed between them is finished by the next one (Filesystem+RenameRecovery.swift)
    /// instead of leaving both names. Its writes are not fsync'd: a record lost with the page cache (power
    /// loss, not a killed process) can only leave both names, never lose data, since the source goes only
    /// after the copy is confirmed.
    func renameFile(_ source: FSPath, to target: FSPath, _ s: NodeInfo, replacing t: NodeInfo?) async throws {
        if t != nil, let tf = inodes.existingOpenFile(at: target) {
            await tf.lock.withLock { await detachLocked(tf) }
        }
        let from = names.fileKey(source)
        let to = names.fileKey(target)
        let journal = RenameJournal(area: area, durable: false, record: RenameRecord(
            sourcePrefix: from.rawValue, destinationPrefix: to.rawValue, phase: .copying,
            sources: [.init(key: from.rawValue, size: s.size, etag: s.etag?.rawValue ?? "",
                            symlink: s.symlinkForm == .native ? true : nil)],
            copied: []))
        let move = {
            // A streaming upload goes to the old key: the next flush uploads under the new one.
            if let f = self.inodes.existingOpenFile(at: source) { self.abandonEagerLocked(f) }
            if let f = self.inodes.existingOpenFile(at: source), f.with({ !$0.existsInStore }) {
                // Created here and not uploaded yet: there is no object to move, only its record to re-key;
                // an object the rename replaces goes now (the file's first upload then creates the name).
                if t != nil { try await self.store.delete(to) }
                if f.with({ $0.record != nil }) { try self.journalLocked(f, force: true, key: to) }
                return
            }
            try journal.begin()
            do {
                if s.symlinkForm == .native {
                    try await self.store.putSymlink(to, target: ObjectKey(s.symlinkTarget ?? ""),
                                                    options: self.writeOptions(contentType: nil,
                                                                               metadata: s.userMetadata))
                    try journal.startDeleting()
                } else {
                    let r = try await self.copyObject(from: from, to: to, size: s.size, etag: s.etag,
                                                      directive: .copy, source: s)
                    // Before the staged data follows the new key: a crash from here on never copies the old
                    // object over what it uploads there.
                    try journal.startDeleting()
                    if let f = self.inodes.existingOpenFile(at: source) {
                        f.with { st in
                            if st.pinnedETag == s.etag { st.pinnedETag = r.etag }
                        }
                        // Its staged data now belongs to the new key, loaded from the copy.
                        if f.with({ $0.record != nil }) { try? self.journalLocked(f, force: true, key: to) }
                    }
                }
            } catch {
                // Nothing was deleted; a copy that failed changed nothing (CopyObject is atomic).
                journal.end()
                throw error
            }
            // A failed delete (not a crash) ends the record too: the user may use the old name again.
            defer { journal.end() }
            try await self.store.delete(from)
        }
        if let f = inodes.existingOpenFile(at: source) {
            try await f.lock.withLock { try await move() }
        } else {
            try await move()
        }
    }

    /// Key by key: list everything below the source, copy each (multireq_max at once), and only when every
    /// copy landed, delete the sources; a failed copy removes the copies made so far.
    func renameDirectory(_ source: FSPath, to target: FSPath, _ s: NodeInfo, replacing t: NodeInfo?) async throws {
        let open = inodes.openFiles(within: source)   // ascending inode number: the lock order
        for f in open { await f.lock.lock() }
        defer { for f in open.reversed() { f.lock.unlock() } }

        if t != nil { try await store.delete(names.markerKey(target)) }
        let fromPrefix = names.listPrefix(source)
        let toPrefix = names.listPrefix(target)
        var legacy: ObjectKey?
        // An s3fs `dir_$folder$` beside children or a `dir/` marker: it moves too, or the old name returns.
        // Asked while the listing runs.
        let folder = ObjectKey(names.fileKey(source).rawValue + OSSFS1Metadata.folderSuffix)
        let askFolder: Bool
        if case .marker(let k)? = s.directorySource, k != names.markerKey(source) {
            legacy = k
            askFolder = false
        } else {
            askFolder = !config.noImplicitDirectories
        }
        async let folderAnswer = askFolder ? headOrNil(folder) : nil
        var objects: [ListedObject] = []
        var token: String?
        repeat {
            let page = try await store.list(ListRequest(prefix: fromPrefix, delimiter: nil, continuationToken: token,
                                                        maxKeys: 1000))
            objects += page.objects
            token = page.nextToken
        } while token != nil
        if try await folderAnswer != nil { legacy = folder }
        if objects.isEmpty, legacy == nil, case .implicit? = s.directorySource { return }

        var markerMetadata: [String: String]?
        if legacy != nil, !objects.contains(where: { $0.key == names.markerKey(source) }) {
            // A legacy form (`dir` typed as a directory, or s3fs's `dir_$folder$`) becomes a proper marker.
            var meta = s.userMetadata
            meta[OSSFS1Metadata.mode] = String(FileKind.directory.typeBits | s.permissions)
            markerMetadata = meta
        }
        let journal = RenameJournal(area: area, record: RenameRecord(
            sourcePrefix: fromPrefix, destinationPrefix: toPrefix, phase: .copying,
            sources: objects.map { .init(key: $0.key.rawValue, size: $0.size, etag: $0.etag.rawValue,
                                         symlink: $0.objectType == .symlink) },
            copied: [], legacyKey: legacy?.rawValue, markerMetadata: markerMetadata))
        try journal.begin()

        let store = self.store
        let listed = objects
        let results: [WriteResult?]
        do {
            results = try await Self.inParallel(listed.count, limit: max(config.multiRequestMax,
                                                                         Self.minimumPrefetchRequests)) { i in
                let r = try await self.copyListed(listed[i], fromPrefix: fromPrefix, toPrefix: toPrefix)
                journal.copied(i)
                return r
            }
            if let markerMetadata {
                _ = try await store.put(names.markerKey(target), payload: .empty,
                                        options: writeOptions(contentType: OSSFS1Metadata.directoryContentType,
                                                              metadata: markerMetadata))
            }
            try journal.startDeleting()
        } catch {
            let copies = objects.map { Self.rebasedKey($0.key, from: fromPrefix, to: toPrefix) }
            try? await deleteKeys(copies)
            journal.end()
            throw error
        }
        // Open files below follow their inodes: they now read the copies.
        var copied: [ObjectKey: (ETag, ETag)] = [:]
        for (o, r) in zip(objects, results) { if let r { copied[Self.rebasedKey(o.key, from: fromPrefix, to: toPrefix)] = (o.etag, r.etag) } }
        for f in open {
            guard let p = inodes.path(f.ino) else { continue }
            let newKey = names.fileKey(p.rebased(from: source, to: target))
            if let (old, new) = copied[newKey] { f.with { if $0.pinnedETag == old { $0.pinnedETag = new } } }
            // Their staging records follow (the rename record already says `deleting`, so a crash from here
            // on never copies the old object over what they upload to the new key).
            abandonEagerLocked(f)   // it was going to the old key
            if f.with({ $0.record != nil }) { try? journalLocked(f, force: true, key: newKey) }
        }
        // A failure here (not a crash) ends the record too: the mount keeps running and the user may change
        // the old names again, which a later "finish" must not delete. Both trees then stay, nothing lost.
        defer { journal.end() }
        try await deleteKeys(objects.map(\.key) + (legacy.map { [$0] } ?? []))
    }

    /// `key` (listed below `fromPrefix`) moved below `toPrefix`. Cut by bytes: a name that starts with a
    /// combining mark would otherwise lose it to the "/" before it, and land under another name.
    static func rebasedKey(_ key: ObjectKey, from fromPrefix: String, to toPrefix: String) -> ObjectKey {
        ObjectKey(toPrefix + key.rawValue.droppingBytes(first: fromPrefix.utf8.count))
    }

    /// Copies one listed object of a directory being renamed to its place below `toPrefix` (nil result for
    /// a native symlink, which is made anew).
    func copyListed(_ o: ListedObject, fromPrefix: String, toPrefix: String) async throws -> WriteResult? {
        let to = Self.rebasedKey(o.key, from: fromPrefix, to: toPrefix)
        if o.objectType == .symlink {
            let (linkTarget, own) = try await store.getSymlink(o.key)
            try await store.putSymlink(to, target: linkTarget,
                                       options: writeOptions(contentType: nil, metadata: own.userMetadata))
            return nil
        }
        var info = NodeInfo(kind: .regular, permissions: 0, uid: 0, gid: 0, size: o.size,
                            atime: o.lastModified, mtime: o.lastModified, ctime: o.lastModified,
                            objectKey: o.key, etag: o.etag, objectType: o.objectType)
        if o.size > config.singlePartCopyLimit || o.objectType == .appendable || !config.copyAPIEnabled {
            let m = try await store.head(o.key)   // the metadata a multipart copy must carry over
            info.contentType = m.contentType
            info.userMetadata = m.userMetadata
        }
        return try await copyObject(from: o.key, to: to, size: o.size, etag: o.etag, directive: .copy, source: info)
    }

    /// DeleteMultipleObjects in batches of 1000, four batches at once.
    func deleteKeys(_ keys: [ObjectKey]) async throws {
        let batches = stride(from: 0, to: keys.count, by: 1000).map { Array(keys[$0..<min($0 + 1000, keys.count)]) }
        let store = self.store
        _ = try await Self.inParallel(batches.count, limit: 4) { i in
            let r = try await store.deleteMultiple(batches[i])
            if let (key, code) = r.failed.first { throw FSError.io("could not delete \(key): \(code)") }
        }
    }
}

/// The progress record of one directory or file rename (no-ops without a staging area).
final class RenameJournal: Sendable {
    let area: StagingArea?
    let name: String
    /// fsync each phase (directory renames); a file rename's record only has to outlive the process.
    let durable: Bool
    private let record: Locked<RenameRecord>
    private let unsaved = Locked(0)

    static let minimumNoteBatch = 1024

    init(area: StagingArea?, durable: Bool = true, record: RenameRecord) {
        self.area = area
        self.durable = durable
        self.name = area?.uniqueName(".rename") ?? ""
        self.record = Locked(record)
    }

    /// Before the first copy: written (durable when `durable`), or the rename does not start.
    func begin() throws {
        guard let area else { return }
        try record.withLock { try area.writeRename($0, name: name, sync: durable) }
    }

    /// A copy is confirmed; noted in batches (a missing note only costs a HEAD at recovery). A note rewrites
    /// the whole record, every source included, so the batch grows with the directory: about four notes per
    /// rename whatever its size, and none below `minimumNoteBatch` objects, whose recovery HEADs take a moment.
    /// (One every 64 copies made renaming n objects cost O(n²) in JSON: a quarter of the daemon's CPU in `mv`
    /// of 1,000 files, and minutes for 100,000.)
    func copied(_ index: Int) {
        guard let area else { return }
        record.withLock { r in
            r.copied.append(index)
            let batch = max(Self.minimumNoteBatch, r.sources.count / 4)
            let due = unsaved.withLock { n -> Bool in
                n += 1
                if n >= batch { n = 0; return true }
                return false
            }
            if due { try? area.writeRename(r, name: name, sync: false) }
        }
    }

    /// Every copy is confirmed: only from now on may sources be deleted.
    func startDeleting() throws {
        guard let area else { return }
        try record.withLock { r in
            r.phase = .deleting
            r.copied = Array(r.sources.indices)
            try area.writeRename(r, name: name, sync: durable)
        }
    }

    func end() { area?.removeRename(name: name, sync: durable) }
}
