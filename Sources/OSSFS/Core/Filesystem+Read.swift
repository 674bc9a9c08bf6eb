import ObjectStore

// read: clean files from OSS through the handle's read-ahead, files being written from their staging file.
extension Filesystem {
    public func read(_ handle: HandleID, offset: UInt64, size: Int) async throws -> [UInt8] {
        try await guarded {
            let h = try fileHandle(handle)
            guard h.flags.access != .writeOnly else { throw FSError.badHandle }
            guard size > 0 else { return [] }
            if h.file.hasStaging {
                return try await h.file.lock.withLock { try await readStagedLocked(h.file, offset: offset, size: size) }
            }
            return try await readRemote(h, offset: offset, size: size)
        }
    }

    /// A read of a clean file. An open that took a lookup's recent answer instead of a HEAD may have pinned
    /// a version another client replaced just then: while nothing has been read under that pin, it moves to
    /// the current version, as if the open had asked.
    func readRemote(_ h: FileHandle, offset: UInt64, size: Int) async throws -> [UInt8] {
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
        guard h.file.with({ $0.pinUnconfirmed }), let path = inodes.record(h.ino)?.path,
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
    func readPinned(_ h: FileHandle, offset: UInt64, size: Int) async throws -> [UInt8] {
        let (etag, fileSize, info) = h.file.with { ($0.pinnedETag, $0.size, $0.info) }
        guard offset < fileSize else { return [] }
        guard let path = inodes.record(h.ino)?.path else { throw FSError.stale(ObjectKey("")) }
        let key = names.fileKey(path)
        let reader = h.reader.withLock { r -> Prefetcher in
            if let r, r.key == key, r.etag == etag, r.size == fileSize { return r }
            r?.close()
            let notifier = kernelCacheNotifier
            let ino = h.ino
            let fresh = Prefetcher(key: key, etag: etag, size: fileSize,
                                   objectCRC: info.crc64?.value(for: etag), store: store, pool: chunkPool,
                                   invalidateKernelCache: { notifier?.invalidate(ino) })
            r = fresh
            return fresh
        }
        do { return try await reader.read(at: offset, count: size) } catch { throw Self.fsError(error, key: key) }
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
