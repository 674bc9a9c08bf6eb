import OSSCore
import ObjectStore

// lookup, forget, getattr, mkdir, mknod, unlink, rmdir, symlink, readlink, link, statfs, access.
extension Filesystem {
    public func lookup(parent: InodeNumber, name: String) async throws -> Entry {
        try await guarded {
            let path = try childPath(parent, name)
            guard let info = try await resolve(path) else { throw FSError.notFound }
            return entry(path, info)
        }
    }

    public func forget(_ ino: InodeNumber, count: UInt64) { inodes.forget(ino, count: count) }

    public func confirmLookups(_ inodes: [InodeNumber]) { self.inodes.confirm(inodes) }

    public func getattr(_ ino: InodeNumber, handle: HandleID?) async throws -> (FileAttributes, timeout: Double) {
        try await guarded {
            (attributes(ino, try await currentInfo(ino)), config.attributeTimeout)
        }
    }

    /// The inode's attributes now: an open file's pending state, else the (cached) store answer, else, for
    /// a detached inode, the last attributes seen.
    func currentInfo(_ ino: InodeNumber, fresh: Bool = false) async throws -> NodeInfo {
        guard let record = inodes.record(ino) else { throw FSError.notFound }
        if let f = record.openFile { return f.info }
        guard let path = record.path else {
            guard let info = record.info else { throw FSError.notFound }
            return info
        }
        guard let info = try await resolve(path, fresh: fresh), info.kind == record.kind else {
            throw FSError.notFound
        }
        inodes.setInfo(ino, info)
        return info
    }

    public func mkdir(parent: InodeNumber, name: String, permissions: UInt32, caller: Caller) async throws -> Entry {
        try await guarded {
            try checkWritable()
            let path = try childPath(parent, name)
            try names.validateNew(path, directory: true)
            if try await resolve(path, fresh: true) != nil { throw FSError.exists }
            var info = newInfo(.directory, permissions: permissions & ~caller.umask, caller: caller)
            let key = names.markerKey(path)
            info.userMetadata = OSSFS1Metadata.encode(info)
            info.contentType = OSSFS1Metadata.directoryContentType
            info.objectKey = key
            info.directorySource = .marker(key)
            let r: WriteResult
            do {
                r = try await store.put(key, payload: .empty,
                                        options: writeOptions(contentType: info.contentType, metadata: info.userMetadata))
            } catch {
                cache.forgetComplete(path.parent)
                throw error
            }
            info.etag = r.etag
            cache.created(path, info)
            cache.markComplete(path)   // new and empty: its names are answered here until the TTL ends
            return entry(path, info)
        }
    }

    public func mknod(parent: InodeNumber, name: String, mode: UInt32, caller: Caller) async throws -> Entry {
        try await guarded {
            let type = mode & OSSFS1Metadata.typeMask
            guard type == 0 || type == FileKind.regular.typeBits else {
                throw FSError.notSupported("only regular files can be created with mknod")
            }
            try checkWritable()
            let path = try childPath(parent, name)
            if try await resolve(path, fresh: true) != nil { throw FSError.exists }
            let info = try await createObject(path, permissions: mode & ~caller.umask, caller: caller, exclusive: true)
            return entry(path, info)
        }
    }

    /// The attributes of a new regular file at `path` (name checked), not stored anywhere yet.
    func newFileInfo(_ path: FSPath, permissions: UInt32, caller: Caller) throws -> NodeInfo {
        try names.validateNew(path, directory: false)
        var info = newInfo(.regular, permissions: permissions, caller: caller)
        info.userMetadata = OSSFS1Metadata.encode(info)
        info.contentType = mimeTypes.contentType(forName: path.name)
        info.objectKey = names.fileKey(path)
        return info
    }

    /// Puts an empty file object (mknod): the name exists in OSS at once.
    func createObject(_ path: FSPath, permissions: UInt32, caller: Caller, exclusive: Bool) async throws -> NodeInfo {
        var info = try newFileInfo(path, permissions: permissions, caller: caller)
        let key = names.fileKey(path)
        do {
            let r = try await store.put(key, payload: .empty,
                                        options: writeOptions(contentType: info.contentType, metadata: info.userMetadata,
                                                              forbidOverwrite: exclusive))
            info.etag = r.etag
        } catch let e as ObjectStoreError where e.code == .fileAlreadyExists {
            cache.forgetComplete(path.parent)   // another client made it: this mount's knowledge is stale
            throw FSError.exists
        } catch {
            cache.forgetComplete(path.parent)
            throw error
        }
        cache.created(path, info)
        return info
    }

    public func unlink(parent: InodeNumber, name: String) async throws {
        try await guarded {
            try checkWritable()
            let path = try childPath(parent, name)
            // The cached answer suffices: DeleteObject of a key that is already gone succeeds.
            guard let info = try await resolve(path) else { throw FSError.notFound }
            guard info.kind != .directory else { throw FSError.isDirectory }
            if let f = inodes.existingOpenFile(at: path) {
                try await f.lock.withLock {
                    await detachLocked(f)
                    try await store.delete(names.fileKey(path))
                }
            } else {
                try await store.delete(names.fileKey(path))
            }
            removed(path, directory: false)
            await keepDirectoryAlive(path.parent)
        }
    }

    /// Bookkeeping after `path` disappeared from the store.
    func removed(_ path: FSPath, directory: Bool) {
        inodes.detach(path)
        cache.removed(path, directory: directory)
        cache.invalidate(path.parent)
    }

    public func rmdir(parent: InodeNumber, name: String) async throws {
        try await guarded {
            try checkWritable()
            let path = try childPath(parent, name)
            guard let info = try await resolve(path, fresh: true) else { throw FSError.notFound }
            guard info.kind == .directory else { throw FSError.notDirectory }
            guard try await isEmptyDirectory(path) else { throw FSError.notEmpty }
            var keys = [names.markerKey(path)]
            if case .marker(let key)? = info.directorySource, key != names.markerKey(path) {
                keys.append(key)   // the legacy `dir` form
            }
            if !config.noImplicitDirectories {   // an s3fs `dir_$folder$` would bring the name back
                keys.append(ObjectKey(names.fileKey(path).rawValue + OSSFS1Metadata.folderSuffix))
            }
            // Independent deletes (an absent key deletes fine): at once, not one round trip after another.
            let store = self.store
            try await withThrowingTaskGroup(of: Void.self) { group in
                for key in keys { group.addTask { try await store.delete(key) } }
                try await group.waitForAll()
            }
            removed(path, directory: true)
            await keepDirectoryAlive(path.parent)
        }
    }

    public func symlink(parent: InodeNumber, name: String, target: String, caller: Caller) async throws -> Entry {
        try await guarded {
            try checkWritable()
            let path = try childPath(parent, name)
            try names.validateNew(path, directory: false)
            guard !target.isEmpty, target.utf8.count <= 4096 else { throw FSError.nameTooLong }
            if try await resolve(path, fresh: true) != nil { throw FSError.exists }
            var info = newInfo(.symlink, permissions: 0o777, caller: caller)
            let key = names.fileKey(path)
            var meta = OSSFS1Metadata.encode(info)
            let body: [UInt8]
            if config.symlinkInMeta {
                let (header, rest) = OSSFS1Metadata.encodeSymlinkHeader(target)
                meta[OSSFS1Metadata.symlinkTarget] = header
                body = rest
                info.symlinkForm = .header
            } else {
                body = Array(target.utf8)
                info.symlinkForm = .body
            }
            info.userMetadata = meta
            info.contentType = "application/octet-stream"
            info.objectKey = key
            info.symlinkTarget = target
            let r: WriteResult
            do {
                r = try await store.put(key, payload: .bytes(body),
                                        options: writeOptions(contentType: info.contentType, metadata: meta))
            } catch {
                cache.forgetComplete(path.parent)
                throw error
            }
            info.etag = r.etag
            info.size = UInt64(target.utf8.count)
            cache.created(path, info)
            return entry(path, info)
        }
    }

    public func readlink(_ ino: InodeNumber) async throws -> String {
        try await guarded {
            var info = try await currentInfo(ino)
            guard info.kind == .symlink else { throw FSError.invalidArgument("not a symlink") }
            if let target = info.symlinkTarget { return target }
            guard let key = info.objectKey else { throw FSError.notFound }
            let target: String
            switch info.symlinkForm {
            case .native?:
                target = try await store.getSymlink(key).target.rawValue
            default:
                // The body form, or the header form's `body:<len>:` for long targets.
                let (_, body) = try await store.get(key, range: nil, conditions: GetConditions(ifMatch: info.etag))
                target = String(decoding: body, as: UTF8.self)
            }
            info.symlinkTarget = target
            info.size = UInt64(target.utf8.count)
            inodes.setInfo(ino, info)
            if let path = inodes.path(ino) { cache.put(path, info) }
            return target
        }
    }

    public func link(_ ino: InodeNumber, newParent: InodeNumber, newName: String) async throws -> Entry {
        throw FSError.notPermitted("hard links are not supported on object storage")
    }

    /// OSS has no capacity limit: report 1 PiB total, less what the bucket stores (GetBucketStat; 0 when
    /// that fails, so df never errors).
    public func statfs() async throws -> FilesystemStatistics {
        let blockSize: UInt64 = 4096
        let capacity: UInt64 = 1 << 50
        let fileSlots: UInt64 = 1 << 32
        let stat = try? await store.bucketStat()
        let used = min(stat?.storage ?? 0, capacity)
        let objects = min(stat?.objectCount ?? 0, fileSlots)
        let free = (capacity - used) / blockSize
        return FilesystemStatistics(blockSize: UInt32(blockSize), blocks: capacity / blockSize, freeBlocks: free,
                                    availableBlocks: free, files: fileSlots, freeFiles: fileSlots - objects,
                                    nameMax: UInt32(Namespace.nameMax))
    }

    /// access(2): the mode bits against the caller; root passes except X_OK on a file with no x bit.
    public func access(_ ino: InodeNumber, mask: UInt32, caller: Caller) async throws {
        try await guarded {
            let a = attributes(ino, try await currentInfo(ino))
            let want = mask & 0o7
            guard want != 0 else { return }
            if want & 0o2 != 0, config.readOnly { throw FSError.readOnly }
            if caller.uid == 0 {
                if want & 0o1 != 0, a.kind != .directory, a.permissions & 0o111 == 0 { throw FSError.accessDenied }
                return
            }
            let bits: UInt32
            if caller.uid == a.uid {
                bits = (a.permissions >> 6) & 0o7
            } else if caller.gid == a.gid {
                bits = (a.permissions >> 3) & 0o7
            } else {
                bits = a.permissions & 0o7
            }
            if want & bits != want { throw FSError.accessDenied }
        }
    }
}
