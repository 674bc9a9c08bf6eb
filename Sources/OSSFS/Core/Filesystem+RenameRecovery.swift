import ObjectStore

// Finishing a directory or file rename a crashed mount left (the ordering argument is in
// Filesystem+Rename.swift; a file rename is a record with one source whose key is the source prefix).
extension Filesystem {
    func finishRename(_ name: String, _ saved: RenameRecord, _ area: StagingArea) async -> RecoveryReport.Item {
        var record = saved
        let destination = record.destinationPrefix.droppingBytes(first: config.prefix.utf8.count)
        func item(_ outcome: RecoveryReport.Outcome) -> RecoveryReport.Item {
            RecoveryReport.Item(key: destination, stagedPath: area.renamesDirectory + "/" + name, outcome: outcome)
        }
        var copies = 0
        do {
            if record.phase == .copying {
                let done = Set(record.copied)
                for i in record.sources.indices where !done.contains(i) {
                    if let etag = try await copyIfMissing(record.sources[i], record) {
                        record.sources[i].etag = etag.source   // what the copy was made from
                        if etag.copied { copies += 1 }
                    }
                }
                if let meta = record.markerMetadata {
                    let marker = ObjectKey(record.destinationPrefix)
                    if try await headOrNil(marker) == nil {
                        _ = try await store.put(marker, payload: .empty,
                                                options: writeOptions(contentType: OSSFS1Metadata.directoryContentType,
                                                                      metadata: meta))
                    }
                }
                record.phase = .deleting
                record.copied = Array(record.sources.indices)
                try area.writeRename(record, name: name, sync: true)
            }
            // Sources go only while they are what was copied: a key changed by another client since stays.
            var doomed: [ObjectKey] = []
            for s in record.sources {
                let key = ObjectKey(s.key)
                if s.symlink == true {
                    // HEAD follows a native link (a dangling one reads as absent): ask for the link itself.
                    if try await symlinkExists(key) { doomed.append(key) }
                    continue
                }
                guard let m = try await headOrNil(key) else { continue }
                if m.etag.rawValue == s.etag { doomed.append(key) }
            }
            if let legacy = record.legacyKey { doomed.append(ObjectKey(legacy)) }
            try await deleteKeys(doomed)
            area.removeRename(name: name)
            return item(.renameFinished(copied: copies, deleted: doomed.count))
        } catch {
            // Kept (in its current phase) for the next mount.
            return item(.renamePending(reason: "\(Self.fsError(error))"))
        }
    }

    /// Copies one source of an interrupted rename unless its destination already holds it (same size and
    /// CRC64). Returns the source ETag the destination matches, or nil when the source is gone (already
    /// moved and deleted, or deleted by someone: nothing to copy).
    func copyIfMissing(_ s: RenameRecord.Source, _ record: RenameRecord) async throws
        -> (source: String, copied: Bool)?
    {
        let from = ObjectKey(s.key)
        let to = Self.rebasedKey(from, from: record.sourcePrefix, to: record.destinationPrefix)
        if s.symlink == true {
            guard let (target, own) = try? await store.getSymlink(from) else { return nil }
            if let (existing, _) = try? await store.getSymlink(to), existing == target { return (s.etag, false) }
            try await store.putSymlink(to, target: target, options: writeOptions(contentType: nil,
                                                                                 metadata: own.userMetadata))
            return (s.etag, true)
        }
        guard let source = try await headOrNil(from) else { return nil }
        if let dest = try await headOrNil(to), dest.size == source.size, let a = dest.crc64, a == source.crc64 {
            return (source.etag.rawValue, false)
        }
        var info = NodeInfo(kind: .regular, permissions: 0, uid: 0, gid: 0, size: source.size,
                            atime: source.lastModified, mtime: source.lastModified, ctime: source.lastModified,
                            objectKey: from, etag: source.etag, objectType: source.objectType)
        info.contentType = source.contentType
        info.userMetadata = source.userMetadata
        _ = try await copyObject(from: from, to: to, size: source.size, etag: source.etag, directive: .copy,
                                 source: info)
        return (source.etag.rawValue, true)
    }

    func symlinkExists(_ key: ObjectKey) async throws -> Bool {
        do {
            _ = try await store.getSymlink(key)
            return true
        } catch let e as ObjectStoreError where e.isNotFound {
            return false
        }
    }
}
