import ObjectStore

// rename of files and directories.
//
// Directory renames copy key by key, then delete. If the mount dies between, both trees exist. Design note
// for issue 8 (resumable directory rename), not built yet: before the first copy, write a progress record
// `<staging>/renames/<uuid>.json` = {source prefix, destination prefix, state: copying|deleting, the sorted
// key list or the last listed key, keys copied so far (their ETags)}, fsync'd every N copies. On mount,
// a record in `copying` resumes the copy from the last confirmed key (re-HEADing the destination to skip
// what landed, comparing ETags/CRC64), then switches to `deleting` and deletes the source keys; a record in
// `deleting` finishes the deletes. The record is removed only after the last delete. Rename would then
// answer only after the record is durable, so a crash never leaves two half-trees without a way forward.
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
            guard let s = try await resolve(source, fresh: true) else { throw FSError.notFound }
            let t = try await resolve(target, fresh: true)
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
    func renameFile(_ source: FSPath, to target: FSPath, _ s: NodeInfo, replacing t: NodeInfo?) async throws {
        if t != nil, let tf = inodes.existingOpenFile(at: target) {
            await tf.lock.withLock { await detachLocked(tf) }
        }
        let from = names.fileKey(source)
        let to = names.fileKey(target)
        let move = {
            if s.symlinkForm == .native {
                try await self.store.putSymlink(to, target: ObjectKey(s.symlinkTarget ?? ""),
                                                options: self.writeOptions(contentType: nil, metadata: s.userMetadata))
            } else {
                let r = try await self.copyObject(from: from, to: to, size: s.size, etag: s.etag, directive: .copy,
                                                  source: s)
                if let f = self.inodes.existingOpenFile(at: source) {
                    f.with { st in
                        if st.pinnedETag == s.etag { st.pinnedETag = r.etag }
                    }
                }
            }
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
        var objects: [ListedObject] = []
        var token: String?
        repeat {
            let page = try await store.list(ListRequest(prefix: fromPrefix, delimiter: nil, continuationToken: token,
                                                        maxKeys: 1000))
            objects += page.objects
            token = page.nextToken
        } while token != nil
        var legacy: ObjectKey?
        if case .marker(let k)? = s.directorySource, k != names.markerKey(source) {
            legacy = k
        } else if !config.noImplicitDirectories {
            // An s3fs `dir_$folder$` beside children or a `dir/` marker: it moves too, or the old name returns.
            let folder = ObjectKey(names.fileKey(source).rawValue + OSSFS1Metadata.folderSuffix)
            if try await headOrNil(folder) != nil { legacy = folder }
        }
        if objects.isEmpty, legacy == nil, case .implicit? = s.directorySource { return }

        let store = self.store
        let listed = objects
        let results: [WriteResult?]
        do {
            results = try await Self.inParallel(listed.count, limit: config.multiRequestMax) { i in
                let o = listed[i]
                let to = ObjectKey(toPrefix + o.key.rawValue.dropFirst(fromPrefix.count))
                if o.objectType == .symlink {
                    let (linkTarget, own) = try await store.getSymlink(o.key)
                    try await store.putSymlink(to, target: linkTarget,
                                               options: self.writeOptions(contentType: nil, metadata: own.userMetadata))
                    return nil
                }
                var info = NodeInfo(kind: .regular, permissions: 0, uid: 0, gid: 0, size: o.size,
                                    atime: o.lastModified, mtime: o.lastModified, ctime: o.lastModified,
                                    objectKey: o.key, etag: o.etag, objectType: o.objectType)
                if o.size > self.config.singlePartCopyLimit || o.objectType == .appendable
                    || !self.config.copyAPIEnabled
                {
                    let m = try await store.head(o.key)   // the metadata a multipart copy must carry over
                    info.contentType = m.contentType
                    info.userMetadata = m.userMetadata
                }
                return try await self.copyObject(from: o.key, to: to, size: o.size, etag: o.etag, directive: .copy,
                                                 source: info)
            }
            if legacy != nil, !objects.contains(where: { $0.key == names.markerKey(source) }) {
                // A legacy form (`dir` typed as a directory, or s3fs's `dir_$folder$`) becomes a proper marker.
                var meta = s.userMetadata
                meta[OSSFS1Metadata.mode] = String(FileKind.directory.typeBits | s.permissions)
                _ = try await store.put(names.markerKey(target), payload: .empty,
                                        options: writeOptions(contentType: OSSFS1Metadata.directoryContentType,
                                                              metadata: meta))
            }
        } catch {
            let copies = objects.map { ObjectKey(toPrefix + $0.key.rawValue.dropFirst(fromPrefix.count)) }
            try? await deleteKeys(copies)
            throw error
        }
        // Open files below follow their inodes: they now read the copies.
        var copied: [ObjectKey: (ETag, ETag)] = [:]
        for (o, r) in zip(objects, results) { if let r { copied[ObjectKey(toPrefix + o.key.rawValue.dropFirst(fromPrefix.count))] = (o.etag, r.etag) } }
        for f in open {
            guard let p = inodes.record(f.ino)?.path else { continue }
            let newKey = names.fileKey(p.rebased(from: source, to: target))
            if let (old, new) = copied[newKey] { f.with { if $0.pinnedETag == old { $0.pinnedETag = new } } }
        }
        try await deleteKeys(objects.map(\.key) + (legacy.map { [$0] } ?? []))
    }

    /// DeleteMultipleObjects in batches of 1000.
    func deleteKeys(_ keys: [ObjectKey]) async throws {
        var i = 0
        while i < keys.count {
            let batch = Array(keys[i..<min(i + 1000, keys.count)])
            let r = try await store.deleteMultiple(batch)
            if let (key, code) = r.failed.first { throw FSError.io("could not delete \(key): \(code)") }
            i += batch.count
        }
    }
}
