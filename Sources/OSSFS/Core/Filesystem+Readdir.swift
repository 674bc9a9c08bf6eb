import ObjectStore

// opendir, readdir, readdirplus, releasedir.
extension Filesystem {
    /// readdirplus returns at most this many entries per call, so per-entry HEADs stay bounded; the kernel
    /// asks again from the last offset.
    static let plusBatch = 128

    public func opendir(_ ino: InodeNumber) async throws -> HandleID {
        try await guarded {
            _ = try directoryPath(ino)
            return handles.insert(.directory(DirectoryHandle(ino: ino)))
        }
    }

    public func readdir(_ handle: HandleID, offset: UInt64, plus: Bool) async throws -> [DirectoryEntry] {
        try await guarded {
            guard case .directory(let d)? = handles.get(handle) else { throw FSError.badHandle }
            let path = try directoryPath(d.ino)
            var listed = d.state.withLock { $0.entries }
            if offset == 0 || listed == nil {
                listed = try await list(path)
                d.state.withLock { $0.entries = listed }
            }
            let entries = listed!
            // Cookies: "." is 1, ".." is 2, entries[i] is i + 3.
            var out: [DirectoryEntry] = []
            if offset < 1 { out.append(DirectoryEntry(name: ".", ino: d.ino, kind: .directory, offset: 1)) }
            if offset < 2 {
                let parent = path.isRoot ? InodeNumber.root : (inodes.ino(at: path.parent) ?? d.ino)
                out.append(DirectoryEntry(name: "..", ino: parent, kind: .directory, offset: 2))
            }
            let start = Int(max(offset, 2) - 2)
            guard start < entries.count else { return out }
            var slice = Array(entries[start...])
            if plus {
                slice = Array(slice.prefix(Self.plusBatch))
                slice = await completeAttributes(path, slice)
            }
            var provisioned: [InodeNumber] = []
            for (i, e) in slice.enumerated() {
                let child = path.appending(e.name)
                let (ino, kind) = inodes.provision(child, kind: e.kind, info: e.info)
                provisioned.append(ino)
                var de = DirectoryEntry(name: e.name, ino: ino, kind: kind, offset: UInt64(start + i + 3))
                if plus {
                    var info = e.info
                    if kind != info.kind, let known = inodes.record(ino)?.info { info = known }
                    de.entry = Entry(attributes: attributes(ino, overlay(ino, info)),
                                     entryTimeout: config.entryTimeout, attributeTimeout: config.attributeTimeout)
                }
                out.append(de)
            }
            d.state.withLock { $0.provisioned += provisioned }
            return out
        }
    }

    public func releasedir(_ handle: HandleID) async {
        guard case .directory(let d)? = handles.remove(handle) else { return }
        inodes.unpin(d.state.withLock { $0.provisioned })
    }

    /// One pass over ListObjects (delimiter "/", 1000 keys a page): common prefixes are directories, objects
    /// are files; names a filesystem cannot show are hidden and a directory hides a same-named file (see
    /// `Namespace`).
    func list(_ path: FSPath) async throws -> [ListedEntry] {
        let prefix = names.listPrefix(path)
        var entries: [ListedEntry] = []
        var index: [String: Int] = [:]
        var token: String?
        let now = mountTime
        repeat {
            let page = try await store.list(ListRequest(prefix: prefix, delimiter: "/", continuationToken: token,
                                                        maxKeys: 1000))
            for p in page.commonPrefixes {
                guard p.hasPrefix(prefix), p.hasSuffix("/") else { continue }
                let name = p.dropFirst(prefix.count).dropLast()
                guard Namespace.displayableName(name) else { continue }
                var info = OSSFS1Metadata.implicitDirectory(defaults: defaults, time: now)
                info.complete = false
                let e = ListedEntry(name: String(name), kind: .directory, info: info)
                if let i = index[e.name] { entries[i] = e } else {
                    index[e.name] = entries.count
                    entries.append(e)
                }
            }
            for o in page.objects {
                guard o.key.rawValue.hasPrefix(prefix) else { continue }
                var name = o.key.rawValue.dropFirst(prefix.count)
                if name.hasSuffix(OSSFS1Metadata.folderSuffix), !config.noImplicitDirectories {
                    // s3fs's `dir_$folder$`: the directory `dir`.
                    name = name.dropLast(OSSFS1Metadata.folderSuffix.count)
                    guard Namespace.displayableName(name) else { continue }
                    var info = OSSFS1Metadata.implicitDirectory(defaults: defaults, time: o.lastModified)
                    info.complete = false
                    let e = ListedEntry(name: String(name), kind: .directory, info: info)
                    if let i = index[e.name] { entries[i] = e } else {
                        index[e.name] = entries.count
                        entries.append(e)
                    }
                    continue
                }
                guard !name.isEmpty, Namespace.displayableName(name) else { continue }   // "" is our own marker
                if index[String(name)] != nil { continue }                                 // the directory wins
                let kind: FileKind = o.objectType == .symlink ? .symlink : .regular
                var info = NodeInfo(kind: kind,
                                    permissions: defaults.complementStat ? OSSFS1Metadata.Defaults.filePermissions : 0,
                                    uid: defaults.uid, gid: defaults.gid, size: o.size, atime: o.lastModified,
                                    mtime: o.lastModified, ctime: o.lastModified, objectKey: o.key, etag: o.etag,
                                    objectType: o.objectType, storageClass: o.storageClass)
                info.complete = false
                if kind == .symlink { info.symlinkForm = .native }
                index[String(name)] = entries.count
                entries.append(ListedEntry(name: String(name), kind: kind, info: info))
            }
            token = page.nextToken
        } while token != nil
        // Files created here whose first upload has not landed are not in the listing yet.
        for (name, file) in inodes.openFiles(in: path) where index[name] == nil {
            guard file.with({ !$0.existsInStore && !$0.detached }) else { continue }
            index[name] = entries.count
            entries.append(ListedEntry(name: name, kind: .regular, info: file.info))
        }
        // What the stat cache already knows beats the listing's guesses (and is what lookup will say).
        for i in entries.indices {
            let child = path.appending(entries[i].name)
            let cached = cache.get(child)
            if case .absent? = cached { cache.invalidate(child) }   // the listing proves it exists now
            if case .present(let info)? = cached, info.kind == entries[i].kind || info.kind == .symlink,
               info.complete
            {
                entries[i].kind = info.kind
                entries[i].info = info
            } else if config.readdirOptimize {
                cache.put(child, entries[i].info)
            }
        }
        return entries
    }

    /// readdirplus: mode/uid/gid need each object's metadata; HEADs run in parallel, at most multireq_max at
    /// once. With readdir_optimize the listing's guesses stand (ossfs 1.x).
    func completeAttributes(_ dir: FSPath, _ entries: [ListedEntry]) async -> [ListedEntry] {
        if config.readdirOptimize { return entries }
        let todo = entries.indices.filter { !entries[$0].info.complete }
        guard !todo.isEmpty else { return entries }
        let results: [NodeInfo?] = (try? await Self.inParallel(todo.count, limit: config.multiRequestMax) { j in
            let e = entries[todo[j]]
            let child = dir.appending(e.name)
            if e.kind == .directory {
                if let m = try? await self.headOrNil(self.names.markerKey(child)) {
                    return OSSFS1Metadata.decodeMarker(m, defaults: self.defaults)
                }
                return OSSFS1Metadata.implicitDirectory(defaults: self.defaults, time: self.mountTime)
            }
            return try? await self.headFile(self.names.fileKey(child))
        }) ?? []
        var out = entries
        for (j, i) in todo.enumerated() where j < results.count {
            guard let info = results[j] else { continue }
            let child = dir.appending(out[i].name)
            out[i].kind = info.kind
            out[i].info = info
            cache.put(child, info)
        }
        return out
    }
}
