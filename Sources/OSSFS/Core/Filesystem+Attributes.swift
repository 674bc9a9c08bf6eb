import OSSCore
import ObjectStore

// setattr (chmod, chown, utimens, truncate) and extended attributes.
extension Filesystem {
    public func setattr(_ ino: InodeNumber, changes: AttributeChanges, handle: HandleID?, caller: Caller) async throws
        -> (FileAttributes, timeout: Double)
    {
        try await guarded {
            try checkWritable()
            let current = try await currentInfo(ino, fresh: true)
            let shown = attributes(ino, current)
            try checkOwnership(changes, shown: shown, caller: caller)
            if ino == .root { return (shown, config.attributeTimeout) }   // the root has no object to store it in
            if changes.size != nil, current.kind == .directory { throw FSError.isDirectory }
            if changes.size != nil, current.kind == .symlink { throw FSError.invalidArgument("truncate of a symlink") }

            let onlyOwnership = changes.size == nil && changes.atime == nil && changes.mtime == nil
            if config.readdirOptimize, onlyOwnership {
                return (shown, config.attributeTimeout)   // ossfs 1.x: chmod/chown are no-ops with readdir_optimize
            }
            let now = clock.now()
            let apply = { (info: inout NodeInfo) in
                if let p = changes.permissions { info.permissions = p & 0o7777 }
                if let u = changes.uid { info.uid = u }
                if let g = changes.gid { info.gid = g }
                if let a = changes.atime { info.atime = Self.time(a, now) }
                if let m = changes.mtime { info.mtime = Self.time(m, now) }
                info.ctime = now
            }
            if current.kind == .regular, changes.size != nil || inodes.existingOpenFile(ino) != nil {
                return (attributes(ino, try await setFileAttributes(ino, changes: changes, apply: apply)),
                        config.attributeTimeout)
            }
            var info = current
            apply(&info)
            let stored = try await storeMetadata(ino, info)
            return (attributes(ino, stored), config.attributeTimeout)
        }
    }

    static func time(_ change: TimeChange, _ now: Timestamp) -> Timestamp {
        switch change {
        case .now: now
        case .to(let t): t
        }
    }

    /// chmod and explicit times need the owner (or root); chown to another user needs root.
    func checkOwnership(_ changes: AttributeChanges, shown: FileAttributes, caller: Caller) throws {
        guard caller.uid != 0 else { return }
        let owner = caller.uid == shown.uid
        if changes.permissions != nil, !owner { throw FSError.notPermitted("only the owner may chmod") }
        if let u = changes.uid, u != shown.uid { throw FSError.notPermitted("only root may chown") }
        if changes.gid != nil, !owner { throw FSError.notPermitted("only the owner may chgrp") }
        let explicitTime = [changes.atime, changes.mtime].contains { if case .to? = $0 { true } else { false } }
        if explicitTime, !owner { throw FSError.notPermitted("only the owner may set times") }
    }

    /// Attribute and size changes of a regular file go through its open-file state: pending with writers
    /// (uploaded at their flush), uploaded at once otherwise.
    func setFileAttributes(_ ino: InodeNumber, changes: AttributeChanges, apply: (inout NodeInfo) -> Void)
        async throws -> NodeInfo
    {
        for _ in 0..<100 {
            let existed = inodes.existingOpenFile(ino) != nil
            let file = try await sharedOpenFile(ino, known: nil)
            let result = try await file.lock.withLock { () -> NodeInfo? in
                // A last release may have dropped this state while we waited: start over with the current one.
                guard inodes.existingOpenFile(ino) === file else { return nil }
                if let size = changes.size { try truncateLocked(file, to: size) }
                file.with { s in
                    apply(&s.info)
                    s.dirty = true
                }
                if file.with({ $0.writers }) == 0 { try await uploadLocked(file) }
                if !existed, file.with({ $0.handles == 0 && !$0.dirty }) {
                    file.discardStaging(area)
                    inodes.dropOpenFile(ino, ifIdentical: file)
                }
                return file.info
            }
            if let result { return result }
        }
        throw FSError.io("setattr raced with release too often")
    }

    /// Rewrites an entry's metadata in OSS: CopyObject onto itself (REPLACE) for objects, a new marker for an
    /// implicit directory; native symlinks keep theirs (OSS copies a link's target, not the link).
    func storeMetadata(_ ino: InodeNumber, _ info: NodeInfo) async throws -> NodeInfo {
        if let f = inodes.existingOpenFile(ino) {
            return try await f.lock.withLock {
                f.with { s in
                    let size = s.size
                    s.info = info
                    s.info.size = size
                    s.dirty = true
                }
                if f.with({ $0.writers }) == 0 { try await uploadLocked(f) }
                return f.info
            }
        }
        guard let path = inodes.path(ino) else { return info }
        var stored = info
        stored.userMetadata = OSSFS1Metadata.encode(info)
        if info.kind == .directory {
            let key: ObjectKey
            if case .marker(let k)? = info.directorySource { key = k } else { key = names.markerKey(path) }
            stored.contentType = info.contentType ?? OSSFS1Metadata.directoryContentType
            let options = writeOptions(contentType: stored.contentType, metadata: stored.userMetadata)
            let r: WriteResult
            if case .marker? = info.directorySource {
                r = try await copyObject(from: key, to: key, size: 0, etag: nil, directive: .replace(options),
                                         source: info)
            } else {
                r = try await store.put(key, payload: .empty, options: options)
            }
            stored.etag = r.etag
            stored.objectKey = key
            stored.directorySource = .marker(key)
        } else if info.symlinkForm == .native {
            return info
        } else {
            let key = info.objectKey ?? names.fileKey(path)
            let options = writeOptions(contentType: info.contentType, metadata: stored.userMetadata)
            let r = try await copyObject(from: key, to: key, size: info.size, etag: info.etag,
                                         directive: .replace(options), source: info)
            stored.etag = r.etag
        }
        cache.put(path, stored)
        inodes.setInfo(ino, stored)
        return stored
    }

    // MARK: - Extended attributes (use_xattr): JSON in x-oss-meta-xattr, as ossfs 1.x.

    func xattrs(_ ino: InodeNumber) async throws -> (NodeInfo, [String: [UInt8]]) {
        guard config.xattrEnabled else { throw FSError.notSupported("extended attributes are off (use_xattr)") }
        let info = try await currentInfo(ino)
        return (info, XattrCodec.decode(info.userMetadata[OSSFS1Metadata.xattr]))
    }

    public func getxattr(_ ino: InodeNumber, name: String) async throws -> [UInt8] {
        try await guarded {
            guard let value = try await xattrs(ino).1[name] else { throw FSError.noAttribute }
            return value
        }
    }

    public func listxattr(_ ino: InodeNumber) async throws -> [String] {
        try await guarded { try await xattrs(ino).1.keys.sorted() }
    }

    public func setxattr(_ ino: InodeNumber, name: String, value: [UInt8], mode: XattrSetMode) async throws {
        try await guarded {
            try checkWritable()
            var (info, attrs) = try await xattrs(ino)
            guard ino != .root else { throw FSError.notSupported("the mount root stores no attributes") }
            guard !name.isEmpty, name.utf8.count <= 255 else { throw FSError.outOfRange }
            switch mode {
            case .create where attrs[name] != nil: throw FSError.exists
            case .replace where attrs[name] == nil: throw FSError.noAttribute
            default: break
            }
            attrs[name] = value
            info.userMetadata[OSSFS1Metadata.xattr] = XattrCodec.encode(attrs)
            info.ctime = clock.now()
            _ = try await storeMetadata(ino, info)
        }
    }

    public func removexattr(_ ino: InodeNumber, name: String) async throws {
        try await guarded {
            try checkWritable()
            var (info, attrs) = try await xattrs(ino)
            guard attrs.removeValue(forKey: name) != nil else { throw FSError.noAttribute }
            info.userMetadata[OSSFS1Metadata.xattr] = XattrCodec.encode(attrs)
            info.ctime = clock.now()
            _ = try await storeMetadata(ino, info)
        }
    }
}
