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

    /// A read of a clean file: ranged GETs of the pinned version, through the handle's read-ahead buffer
    /// and, while reads stay sequential, a background fetch of the next window.
    func readRemote(_ h: FileHandle, offset: UInt64, size: Int) async throws -> [UInt8] {
        let (etag, fileSize) = h.file.with { ($0.pinnedETag, $0.size) }
        guard offset < fileSize else { return [] }
        let wanted = offset..<min(offset + UInt64(size), fileSize)
        let (window, sequential) = h.readAhead.withLock { ra -> (UInt64, Bool) in
            let sequential = offset == ra.nextOffset
            ra.window = sequential ? min(ra.window * 2, ReadAhead.maximumWindow) : ReadAhead.minimumWindow
            ra.nextOffset = wanted.upperBound
            return (ra.window, sequential)
        }
        guard let path = inodes.record(h.ino)?.path else { throw FSError.stale(ObjectKey("")) }
        let key = names.fileKey(path)
        let serve = { h.readAhead.withLock { $0.serve(wanted, etag: etag) } }
        if let hit = serve() {
            if sequential { prefetch(h, key: key, etag: etag, fileSize: fileSize, window: window) }
            return hit
        }
        // The background fetch that covers this offset becomes the buffer.
        let pending = h.readAhead.withLock { ra -> Prefetch? in
            guard let p = ra.pending, p.etag == etag, p.range.contains(offset) else { return nil }
            ra.pending = nil
            return p
        }
        if let p = pending { prefetchBudget.release(UInt64(p.range.count)) }
        if let p = pending, let body = try? await p.task.value, body.count == p.range.count {
            h.readAhead.withLock { ra in
                ra.buffer = body
                ra.bufferOffset = p.range.lowerBound
                ra.etag = etag
            }
            if let hit = serve() {
                if sequential { prefetch(h, key: key, etag: etag, fileSize: fileSize, window: window) }
                return hit
            }
        }
        let fetch = offset..<min(fileSize, offset + max(UInt64(wanted.count), window))
        let body: [UInt8]
        do {
            body = try await store.get(key, range: fetch, conditions: GetConditions(ifMatch: etag)).body
        } catch { throw Self.fsError(error, key: key) }
        h.readAhead.withLock { ra in
            ra.buffer = body
            ra.bufferOffset = fetch.lowerBound
            ra.etag = etag
            dropPending(&ra)   // it was fetching for a position we left
        }
        if sequential { prefetch(h, key: key, etag: etag, fileSize: fileSize, window: window) }
        let n = min(wanted.count, body.count)
        return Array(body[0..<n])
    }

    func dropPending(_ ra: inout ReadAhead) {
        guard let p = ra.pending else { return }
        p.task.cancel()
        ra.pending = nil
        prefetchBudget.release(UInt64(p.range.count))
    }

    /// Starts fetching the window after the buffer, unless one is already on its way.
    func prefetch(_ h: FileHandle, key: ObjectKey, etag: ETag?, fileSize: UInt64, window: UInt64) {
        let store = self.store
        h.readAhead.withLock { ra in
            guard ra.pending == nil, ra.etag == etag else { return }
            let start = ra.bufferOffset + UInt64(ra.buffer.count)
            guard start < fileSize else { return }
            let range = start..<min(fileSize, start + window)
            guard prefetchBudget.reserve(UInt64(range.count)) else { return }   // all readers share a bound
            ra.pending = Prefetch(range: range, etag: etag, task: Task {
                try await store.get(key, range: range, conditions: GetConditions(ifMatch: etag)).body
            })
        }
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
