import ObjectStore

// opendir, readdir, readdirplus, releasedir.
extension Filesystem {
    /// readdirplus returns at most this many entries per call (each waits for its entries' metadata); the
    /// kernel asks again from the last offset.
    static let plusBatch = 128
    /// readdir returns at most this many (more than any kernel buffer holds): each one returned is pinned
    /// until releasedir, so handing out the whole rest of a big directory per call would cost O(n²).
    static let plainBatch = 2048

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
                // A (re)start: metadata requests of an earlier pass stop; this pass's start with each page.
                let prefetch = plus && !config.readdirOptimize ? attributePrefetch(path) : nil
                d.state.withLock { s in
                    s.prefetch?.cancel()
                    s.prefetch = prefetch
                }
                do {
                    listed = try await list(path) { page in
                        prefetch?.enqueue(page.filter { !$0.info.complete }.map { .init(name: $0.name, kind: $0.kind) })
                    }
                } catch {
                    prefetch?.cancel()
                    throw error
                }
                d.state.withLock { $0.entries = listed }
                directoryReadahead.remember(path, files: listed!.filter { $0.kind == .regular }
                    .map { ($0.name, $0.info.size) }, now: clock.now())
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
            let end = min(entries.count, start + (plus ? Self.plusBatch : Self.plainBatch))
            var slice = Array(entries[start..<end])
            if plus, !config.readdirOptimize, slice.contains(where: { !$0.info.complete }) {
                let prefetch = d.state.withLock { s in
                    if s.prefetch == nil { s.prefetch = attributePrefetch(path) }   // the pass began as readdir
                    return s.prefetch!
                }
                // (A re-read of these offsets finds the answers kept by the prefetch: writing them back into
                // the handle's listing would copy the whole array per call.)
                slice = await completeAttributes(slice, prefetch)
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
        let (provisioned, prefetch) = d.state.withLock { ($0.provisioned, $0.prefetch) }
        prefetch?.cancel()
        inodes.unpin(provisioned)
    }

    /// One pass over ListObjects (delimiter "/", 1000 keys a page), named by `addListedPage`. `onPage` sees
    /// each page's new or changed entries as soon as the page is in.
    func list(_ path: FSPath, onPage: ([ListedEntry]) -> Void = { _ in }) async throws -> [ListedEntry] {
        let prefix = names.listPrefix(path)
        var listed = ListedNames()
        var token: String?
        repeat {
            let page = try await store.list(ListRequest(prefix: prefix, delimiter: "/", continuationToken: token,
                                                        maxKeys: 1000))
            let touched = addListedPage(page, prefix: prefix, to: &listed)
            for i in touched { mergeCached(path, &listed.entries[i]) }
            onPage(touched.map { listed.entries[$0] })
            token = page.nextToken
        } while token != nil
        // A name the whole listing showed as a plain file has no directory of that name (it would have won):
        // kept as the listing's guess, a later lookup needs only the file's HEAD for its metadata, not the
        // marker HEAD and the listing of the full probe (`cat dir/*` after a plain readdir).
        if !config.readdirOptimize {
            for e in listed.entries where e.kind == .regular && !e.info.complete {
                cache.putUnlessKnown(path.appending(e.name), e.info)
            }
        }
        // Files created here whose first upload has not landed are not in the listing yet; what this mount
        // holds for them is the whole truth.
        for (name, file) in inodes.openFiles(in: path) where !listed.contains(name) {
            guard file.with({ !$0.existsInStore && !$0.detached }) else { continue }
            var info = file.info
            info.complete = true
            listed.add(ListedEntry(name: name, kind: .regular, info: info))
        }
        return listed.entries
    }

    /// The entries one page of a listing below `prefix` shows, added to what earlier pages showed; returns the
    /// indexes of entries the page added or changed. Common prefixes are directories, objects are files;
    /// names a filesystem cannot show are hidden; a directory hides a same-named file, even one listed on an
    /// earlier page (see `Namespace`); s3fs's `name_$folder$` is the directory `name` unless a plain file
    /// `name` was listed (lookup, like s3fs, asks for the folder marker only when nothing else answers).
    /// Readdir and the lookup probe's listing name entries only through here.
    func addListedPage(_ page: ListPage, prefix: String, to listed: inout ListedNames) -> [Int] {
        var touched: [Int] = []
        for p in page.commonPrefixes where p.hasByteSuffix("/") {
            guard let name = Namespace.childName(p, below: prefix, dropSuffix: "/"),
                  Namespace.displayableName(name) else { continue }
            var info = OSSFS1Metadata.implicitDirectory(defaults: defaults, time: mountTime)
            info.complete = false
            touched.append(listed.add(ListedEntry(name: name, kind: .directory, info: info)))
        }
        for o in page.objects {
            let key = o.key.rawValue
            if key.hasByteSuffix(OSSFS1Metadata.folderSuffix), !config.noImplicitDirectories {
                guard let name = Namespace.childName(key, below: prefix, dropSuffix: OSSFS1Metadata.folderSuffix),
                      Namespace.displayableName(name) else { continue }
                if let existing = listed.entry(name), existing.kind != .directory { continue }
                var info = OSSFS1Metadata.implicitDirectory(defaults: defaults, time: o.lastModified)
                info.complete = false
                touched.append(listed.add(ListedEntry(name: name, kind: .directory, info: info)))
                continue
            }
            // "" is our own marker.
            guard let name = Namespace.childName(key, below: prefix), Namespace.displayableName(name) else { continue }
            if listed.contains(name) { continue }   // the directory wins
            let info = listedObjectInfo(o)
            touched.append(listed.add(ListedEntry(name: name, kind: info.kind, info: info)))
        }
        return touched
    }

    /// A listed object as the listing shows it (size and times; mode and owner come with its HEAD): a guess,
    /// not complete.
    func listedObjectInfo(_ o: ListedObject) -> NodeInfo {
        let kind: FileKind = o.objectType == .symlink ? .symlink : .regular
        var info = NodeInfo(kind: kind,
                            permissions: defaults.complementStat ? OSSFS1Metadata.Defaults.filePermissions : 0,
                            uid: defaults.uid, gid: defaults.gid, size: o.size, atime: o.lastModified,
                            mtime: o.lastModified, ctime: o.lastModified, objectKey: o.key, etag: o.etag,
                            objectType: o.objectType, storageClass: o.storageClass)
        info.complete = false
        if kind == .symlink { info.symlinkForm = .native }
        return info
    }

    /// What the stat cache already knows beats the listing's guesses (and is what lookup will say).
    private func mergeCached(_ dir: FSPath, _ e: inout ListedEntry) {
        let child = dir.appending(e.name)
        let cached = cache.get(child)
        if case .absent? = cached { cache.invalidate(child) }   // the listing proves it exists now
        if case .present(let info)? = cached, info.kind == e.kind || info.kind == .symlink, info.complete {
            e.kind = info.kind
            e.info = info
        } else if config.readdirOptimize {
            cache.put(child, e.info)
        }
    }

    /// The metadata requests of one directory pass: a file's object, a directory's `dir/` marker (an implicit
    /// directory without one), at most max(multireq_max, 32) at once. Answers go to the stat cache, unless
    /// it learned something meanwhile (a local change, or a lookup's fresher answer).
    func attributePrefetch(_ dir: FSPath) -> AttributePrefetch {
        AttributePrefetch(limit: max(config.multiRequestMax, Self.minimumPrefetchRequests)) { name, kind in
            let child = dir.appending(name)
            let info: NodeInfo?
            if kind == .directory {
                if let m = try? await self.headOrNil(self.names.markerKey(child)) {
                    info = OSSFS1Metadata.decodeMarker(m, defaults: self.defaults)
                } else {
                    info = OSSFS1Metadata.implicitDirectory(defaults: self.defaults, time: self.mountTime)
                }
            } else {
                info = try? await self.headFile(self.names.fileKey(child))
            }
            if let info { self.cache.putUnlessKnown(child, info) }
            return info
        }
    }

    static let minimumPrefetchRequests = 32

    /// readdirplus: mode/uid/gid need each object's metadata (from the prefetch). With readdir_optimize the
    /// listing's guesses stand (ossfs 1.x).
    func completeAttributes(_ entries: [ListedEntry], _ prefetch: AttributePrefetch) async -> [ListedEntry] {
        let todo = entries.indices.filter { !entries[$0].info.complete }
        guard !todo.isEmpty else { return entries }
        let keys = todo.map { AttributePrefetch.Key(name: entries[$0].name, kind: entries[$0].kind) }
        let answers = await prefetch.answers(keys)
        var out = entries
        for (i, key) in zip(todo, keys) {
            guard let info = answers[key] else { continue }
            out[i].kind = info.kind
            out[i].info = info
        }
        return out
    }
}
