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

    /// A read of a clean file, through the descriptor's prefetcher for the pinned version.
    func readRemote(_ h: FileHandle, offset: UInt64, size: Int) async throws -> [UInt8] {
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
