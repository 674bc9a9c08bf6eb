import ObjectStore
import OSSCore

// Uploads from staging files and server-side copies. close() and fsync() succeed only when the object is in
// OSS with the CRC64 of the staged bytes; otherwise EIO and the data stays staged for the next flush.
extension Filesystem {
    /// Uploads the file's pending contents and metadata (under `file.lock`). Any failure is EIO and leaves
    /// the file dirty, its staging file intact.
    func uploadLocked(_ file: OpenFile) async throws {
        let (dirty, detached, staging, base, etag) = file.with {
            ($0.dirty, $0.detached, $0.staging, $0.baseSize, $0.pinnedETag)
        }
        guard dirty, !detached, let path = inodes.path(file.ino) else { return }
        let key = names.fileKey(path)
        var info = file.info
        info.userMetadata = OSSFS1Metadata.encode(info)
        let forbidOverwrite = file.with { !$0.existsInStore && $0.forbidOverwrite }
        let options = writeOptions(contentType: info.contentType ?? "application/octet-stream",
                                   metadata: info.userMetadata, forbidOverwrite: forbidOverwrite)
        let result: WriteResult
        var mixed = false
        do {
            // The record takes the metadata (chmod, times) this upload stores, in case it is cut short.
            if staging != nil { try journalLocked(file, force: true) }
            let journal = uploadJournal(file)
            if let staging, let r = try await finishEagerLocked(file, staging, key: key, info: info, options: options) {
                result = r
            } else if let staging {
                if let etag, base > 0, config.copyAPIEnabled, info.objectType != .appendable, usesMultipart(info.size) {
                    // Parts nobody wrote are copied from the pinned object; only the others are loaded and sent.
                    let reuse = PartReuse(source: key, etag: etag, base: base, written: file.with { $0.written }) {
                        range in try await self.fillGapsLocked(file, range)
                    }
                    result = try await uploadStaged(staging, size: info.size, key: key, options: options, reuse: reuse,
                                                    journal: journal)
                    mixed = true
                } else {
                    try await fillGapsLocked(file, 0..<base)
                    result = try await uploadStaged(staging, size: info.size, key: key, options: options,
                                                    journal: journal)
                }
            } else {
                // Only attributes changed (chmod while open): rewrite the metadata in place.
                result = try await copyObject(from: key, to: key, size: info.size, etag: etag,
                                              directive: .replace(options), source: info)
            }
        } catch let e as ObjectStoreError where e.code == .fileAlreadyExists && forbidOverwrite && staging != nil {
            // An earlier attempt may have stored it after all (its answer was lost, or its CRC64 looked wrong):
            // then the object there is ours; anybody else's stays, and ours stays staged.
            guard let own = try? await ownEarlierUpload(staging!, key: key, info: info, options: options) else {
                cache.forgetComplete(path.parent)   // another client wrote here: ask the store from now on
                throw FSError.io("upload of \(key) failed, data kept staged: \(Self.fsError(e, key: key))")
            }
            result = own
        } catch {
            throw FSError.io("upload of \(key) failed, data kept staged: \(Self.fsError(error, key: key))")
        }
        file.with { s in
            s.pinnedETag = result.etag
            s.baseSize = s.size
            if !mixed { s.valid = ByteRangeSet(0..<s.size) }   // else: what is staged is still right
            s.written = ByteRangeSet()
            s.dirty = false
            s.dirtyBytes = 0
            s.info.etag = result.etag
            s.info.userMetadata = info.userMetadata
            s.info.objectKey = key
            s.info.contentType = options.contentType
            s.info.objectType = nil
            s.existsInStore = true
            s.forbidOverwrite = false
            s.eagerRefused = false
        }
        forgetRecordLocked(file)
        inodes.bumpEpoch(file.ino)
        let stored = file.info
        cache.created(path, stored)   // keeps a complete parent complete (cp -r into a new directory)
        inodes.setInfo(file.ino, stored)
    }

    /// The object at `key` when it holds exactly the staged bytes (size and CRC64), its metadata brought up
    /// to date; nil when it is somebody else's.
    func ownEarlierUpload(_ staging: StagingFile, key: ObjectKey, info: NodeInfo, options: WriteOptions)
        async throws -> WriteResult?
    {
        let current = try await store.head(key)
        guard current.size == info.size, let stored = current.crc64,
              stored == (try await Blocking.run { try staging.crc64(0..<info.size) }) else { return nil }
        if current.userMetadata == options.userMetadata, current.contentType == options.contentType {
            return WriteResult(etag: current.etag, crc64: stored)
        }
        var unconditional = options
        unconditional.forbidOverwrite = false
        return try await copyObject(from: key, to: key, size: info.size, etag: current.etag,
                                    directive: .replace(unconditional), source: info)
    }

    /// The part size for `size` bytes: the configured size (at least OSS's 100 KiB minimum), doubled until
    /// the object fits in 10000 parts.
    static func partSize(for size: UInt64, configured: UInt64) -> UInt64 {
        var part = max(configured, 100 << 10)
        while (size + part - 1) / part > 10_000 { part *= 2 }
        return part
    }

    /// Parts of an upload that may be copied server-side from the object being replaced.
    struct PartReuse: Sendable {
        var source: ObjectKey
        var etag: ETag
        /// Bytes `[0, base)` of the pinned object still belong to the file…
        var base: UInt64
        /// …except these.
        var written: ByteRangeSet
        /// Loads the pinned bytes of a range into the staging file (a part that must be sent).
        var fill: @Sendable (Range<UInt64>) async throws -> Void
        /// False when parts may not be copied (nocopyapi, appendable source): `fill` still loads old bytes.
        var copyAllowed = true

        func copyable(_ r: Range<UInt64>) -> Bool {
            copyAllowed && r.upperBound <= base && written.gaps(in: r) == [r]
        }
    }

    func usesMultipart(_ size: UInt64) -> Bool {
        config.multipartEnabled && size >= config.multipartThreshold
            && size > Self.partSize(for: size, configured: config.multipartSize)
    }

    /// PutObject below multipart_threshold, else a multipart upload with parallel_count parts in flight; the
    /// stored CRC64 must equal the staged bytes' (for parts copied through `reuse`, the combination of the
    /// CRC64s the server reports for them).
    ///
    /// `journal` records the upload id and confirmed parts (a crash then resumes, not restarts); `resume`
    /// continues an upload a crashed mount started: its parts are kept where ListParts shows them with the
    /// ETag the record confirmed, or with the CRC64 of the staged bytes, and only the others are sent.
    func uploadStaged(_ staging: StagingFile, size: UInt64, key: ObjectKey, options: WriteOptions,
                      reuse: PartReuse? = nil, journal: UploadJournal? = nil, resume: ResumedUpload? = nil)
        async throws -> WriteResult
    {
        let part = resume?.partSize ?? Self.partSize(for: size, configured: config.multipartSize)
        if resume == nil, !usesMultipart(size) {
            if let reuse { try await reuse.fill(0..<reuse.base) }
            let payload: Payload = size == 0 ? .empty : .file(path: staging.path, offset: 0, length: size)
            let r = try await store.put(key, payload: payload, options: options)
            try await verifyCRC(r.crc64, expected: try await Self.sentCRC(r, staging, 0..<size), key: key)
            return r
        }
        let count = Int((size + part - 1) / part)
        let uploadID: UploadID
        if let resume {
            uploadID = resume.uploadID
        } else {
            uploadID = try await store.initiateMultipartUpload(key, options: options)
            do { try journal?.started(uploadID, part) } catch {
                try? await store.abortMultipartUpload(key, uploadID: uploadID)
                throw error
            }
        }
        do {
            let store = self.store
            let parts = try await Self.inParallel(count, limit: config.parallelCount) { i in
                let lo = UInt64(i) * part
                let hi = min(size, lo + part)
                if let resume, let kept = try await self.reusablePart(i + 1, lo..<hi, resume, staging, reuse) {
                    resume.countReuse()
                    return kept
                }
                if let reuse, reuse.copyable(lo..<hi) {
                    let r = try await store.uploadPartCopy(key, uploadID: uploadID, partNumber: i + 1,
                                                           source: reuse.source, range: lo..<hi, ifMatch: reuse.etag)
                    let done = UploadedPart(partNumber: i + 1, etag: r.etag, size: hi - lo, crc64: r.crc64)
                    journal?.partDone(done)
                    return done
                }
                if let reuse { try await reuse.fill(lo..<hi) }
                let done = try await Self.sendStagedPart(store, staging, key: key, uploadID: uploadID,
                                                         number: i + 1, range: lo..<hi)
                journal?.partDone(done)
                return done
            }
            let r = try await store.completeMultipartUpload(key, uploadID: uploadID, parts: parts)
            if parts.allSatisfy({ $0.crc64 != nil }) {
                let combined = parts.reduce(UInt64(0)) { CRC64.combine($0, $1.crc64!, length2: $1.size) }
                try await verifyCRC(r.crc64, expected: combined, key: key)
            }
            return r
        } catch {
            // Nobody will finish this upload: abort it so its parts do not cost money. (After a completed
            // upload with a bad CRC this fails harmlessly: the upload no longer exists.) A resumed upload is
            // kept for the next attempt: its parts are what resuming saves.
            if resume == nil, (try? await store.abortMultipartUpload(key, uploadID: uploadID)) != nil {
                journal?.ended()
            }
            throw error
        }
    }

    /// A part of a resumed upload that need not be sent again: stored with the size expected, and either with
    /// the ETag the record confirmed or with the CRC64 of the staged bytes (old bytes loaded first).
    func reusablePart(_ number: Int, _ range: Range<UInt64>, _ resume: ResumedUpload, _ staging: StagingFile,
                      _ reuse: PartReuse?) async throws -> UploadedPart?
    {
        guard var stored = resume.stored[number], stored.size == UInt64(range.count) else { return nil }
        if let confirmed = resume.recorded[number], confirmed.etag == stored.etag.rawValue,
           confirmed.size == stored.size
        {
            if stored.crc64 == nil { stored.crc64 = confirmed.crc64 }
            if let a = stored.crc64, let b = confirmed.crc64, a != b { return nil }
            return stored
        }
        guard let serverCRC = stored.crc64 else { return nil }
        if let reuse { try await reuse.fill(range) }
        let crc = try await Blocking.run { try staging.crc64(range) }
        return crc == serverCRC ? stored : nil
    }

    /// One part sent from the staging file, its CRC64 (that of the staged bytes as they were read and sent)
    /// checked against the server's (shared by the upload at close and the streaming upload while writing).
    static func sendStagedPart(_ store: any ObjectStore, _ staging: StagingFile, key: ObjectKey, uploadID: UploadID,
                               number: Int, range: Range<UInt64>) async throws -> UploadedPart
    {
        try Task.checkCancellation()
        let r = try await store.uploadPart(key, uploadID: uploadID, partNumber: number,
                                           payload: .file(path: staging.path, offset: range.lowerBound,
                                                          length: UInt64(range.count)))
        let crc = try await sentCRC(r, staging, range)
        if let got = r.crc64, got != crc {
            throw FSError.io("CRC64 mismatch in part \(number) of \(key): staged \(crc), stored \(got)")
        }
        return UploadedPart(partNumber: number, etag: r.etag, size: UInt64(range.count), crc64: crc)
    }

    /// The CRC64 of the staged bytes a write sent: the one the store computed while reading them from the
    /// staging file (so every byte is read and hashed once), or, from a store that did not hash them, the
    /// range read again. (Parts of a streaming upload whose bytes change meanwhile are invalidated first, so
    /// reading afterwards still names the bytes that count.)
    static func sentCRC(_ r: WriteResult, _ staging: StagingFile, _ range: Range<UInt64>) async throws -> UInt64 {
        if let sent = r.sentCRC64 { return sent }
        return try await Blocking.run { try staging.crc64(range) }
    }

    /// The object's CRC64 must equal what was sent. When the write's answer carries none, a HEAD asks.
    func verifyCRC(_ returned: UInt64?, expected: UInt64, key: ObjectKey) async throws {
        var actual = returned
        if actual == nil { actual = try await store.head(key).crc64 }
        if let actual, actual != expected {
            throw FSError.io("CRC64 mismatch for \(key): staged \(expected), stored \(actual)")
        }
    }

    /// Runs jobs 0..<count with at most `limit` in flight; results in job order. The first failure cancels
    /// the rest.
    static func inParallel<T: Sendable>(_ count: Int, limit: Int,
                                        _ job: @escaping @Sendable (Int) async throws -> T) async throws -> [T]
    {
        guard count > 0 else { return [] }
        return try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var results = [T?](repeating: nil, count: count)
            var next = 0
            for _ in 0..<min(max(limit, 1), count) {
                let i = next
                group.addTask { (i, try await job(i)) }
                next += 1
            }
            while let (i, value) = try await group.next() {
                results[i] = value
                if next < count {
                    let j = next
                    group.addTask { (j, try await job(j)) }
                    next += 1
                }
            }
            return results.map { $0! }
        }
    }

    /// Copies an object (rename, or `to == from` to rewrite metadata): CopyObject up to
    /// singlepart_copy_limit, UploadPartCopy in multipart_copy_size parts above it, and download + upload
    /// when the copy API is off (`nocopyapi`) or cannot copy the object (appendable objects).
    func copyObject(from source: ObjectKey, to destination: ObjectKey, size: UInt64, etag: ETag?,
                    directive: MetadataDirective, source info: NodeInfo) async throws -> WriteResult
    {
        let options: WriteOptions
        switch directive {
        case .replace(let o): options = o
        case .copy: options = writeOptions(contentType: info.contentType, metadata: info.userMetadata)
        }
        if !config.copyAPIEnabled || info.objectType == .appendable {
            return try await copyByDownload(from: source, to: destination, etag: etag, options: options)
        }
        if size <= config.singlePartCopyLimit {
            do {
                return try await store.copy(from: source, to: destination, metadata: directive, ifMatch: etag)
            } catch let e as ObjectStoreError where e.code == .objectNotAppendable {
                return try await copyByDownload(from: source, to: destination, etag: etag, options: options)
            }
        }
        let part = Self.partSize(for: size, configured: config.multipartCopySize)
        let count = Int((size + part - 1) / part)
        let uploadID = try await store.initiateMultipartUpload(destination, options: options)
        do {
            let store = self.store
            let parts = try await Self.inParallel(count, limit: config.parallelCount) { i in
                let lo = UInt64(i) * part
                let hi = min(size, lo + part)
                let r = try await store.uploadPartCopy(destination, uploadID: uploadID, partNumber: i + 1,
                                                       source: source, range: lo..<hi, ifMatch: etag)
                return UploadedPart(partNumber: i + 1, etag: r.etag, size: hi - lo, crc64: r.crc64)
            }
            let r = try await store.completeMultipartUpload(destination, uploadID: uploadID, parts: parts)
            if parts.allSatisfy({ $0.crc64 != nil }) {
                let combined = parts.reduce(UInt64(0)) { CRC64.combine($0, $1.crc64!, length2: $1.size) }
                try await verifyCRC(r.crc64, expected: combined, key: destination)
            }
            return r
        } catch {
            try? await store.abortMultipartUpload(destination, uploadID: uploadID)
            throw error
        }
    }

    /// A copy through a temporary staging file (never the whole object in memory).
    func copyByDownload(from source: ObjectKey, to destination: ObjectKey, etag: ETag?, options: WriteOptions)
        async throws -> WriteResult
    {
        let staging = try makeTemporaryFile()
        defer { staging.remove() }
        let sink = StagingSink(staging)
        _ = try await store.get(source, range: nil, conditions: GetConditions(ifMatch: etag), into: sink)
        return try await uploadStaged(staging, size: sink.length, key: destination, options: options)
    }
}

/// Streams a GET into a staging file.
final class StagingSink: BodySink {
    private let staging: StagingFile
    private let offset = Locked<UInt64>(0)
    init(_ staging: StagingFile) { self.staging = staging }
    var length: UInt64 { offset.withLock { $0 } }

    func write(_ chunk: UnsafeRawBufferPointer) throws {
        let at = offset.withLock { o -> UInt64 in
            defer { o += UInt64(chunk.count) }
            return o
        }
        try staging.write(Array(chunk), at: at)
    }

    func reset() throws {
        offset.withLock { $0 = 0 }
        try staging.truncate(to: 0)
    }
}
