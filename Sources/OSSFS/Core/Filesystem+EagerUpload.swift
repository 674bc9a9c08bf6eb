import ObjectStore
import OSSCore

// Streaming upload of a file written in order from offset 0 (EagerUpload): started once the file passes the
// multipart threshold, fed with each part the writer has passed, finished by the next flush/fsync/close
// through uploadStaged's resume path (the parts already confirmed are kept, the rest sent, the combined
// CRC64 checked). Everything here runs under the file's lock.
extension Filesystem {
    /// Before bytes of `range` are staged: parts of the upload they fall into stop counting, and the record
    /// forgets them first, so that after a crash it never names a part whose bytes changed.
    func eagerBeforeWriteLocked(_ file: OpenFile, _ range: Range<UInt64>) throws {
        guard !range.isEmpty, let eager = file.with({ $0.eager }) else { return }
        let first = Int(range.lowerBound / eager.partSize) + 1
        let last = Int((range.upperBound - 1) / eager.partSize) + 1
        var recorded: Set<Int> = []
        for n in first...last where eager.invalidate(n) { recorded.insert(n) }
        guard !recorded.isEmpty else { return }
        try journalLocked(file) { $0?.parts.removeAll { recorded.contains($0.number) } }
    }

    /// After a write that started at `writeStart`: records parts confirmed meanwhile, starts the upload when
    /// the file qualifies, and sends the parts the writer has passed. Never fails the write: a part that is
    /// not sent now is sent by the final upload.
    func eagerAfterWriteLocked(_ file: OpenFile, writeStart: UInt64) async {
        if file.with({ $0.eager }) == nil {
            guard await startEagerLocked(file, writeStart: writeStart) != nil else { return }
        }
        feedEagerLocked(file, writeStart: writeStart)
    }

    /// Whether staging a write of `range` makes the file qualify for a streaming upload it does not have yet
    /// (starting one is a request: the writer must be able to wait). Mirrors startEagerLocked's test on the
    /// state the write will leave.
    func eagerStartDue(_ file: OpenFile, _ range: Range<UInt64>) -> Bool {
        let (absent, inOrder, size) = file.with { s -> (Bool, Bool, UInt64) in
            var written = s.written
            written.insert(range)
            let size = max(s.size, range.upperBound)
            return (s.eager == nil && !s.detached && !s.eagerRefused, s.baseSize == 0 && written.ranges == [0..<size],
                    size)
        }
        return absent && inOrder && usesMultipart(size)
            && range.lowerBound >= Self.partSize(for: size, configured: config.multipartSize)
    }

    /// Records parts of the streaming upload confirmed meanwhile and sends the parts the writer has passed
    /// (at most parallel_count at once). Waits for nothing.
    func feedEagerLocked(_ file: OpenFile, writeStart: UInt64) {
        guard let eager = file.with({ $0.eager }), let staging = file.with({ $0.staging }) else { return }
        recordConfirmedLocked(file, eager)
        let (size, written) = file.with { ($0.size, $0.written) }
        let store = self.store
        var n = 1
        while eager.runningCount < config.parallelCount, n <= 10_000 {   // OSS's part number limit
            let range = eager.range(of: n, size: size)
            guard UInt64(range.count) == eager.partSize, range.upperBound <= writeStart else { break }
            if !eager.isTaken(n), written.contains(range) {
                let number = n
                eager.start(number) {
                    try await Self.sendStagedPart(store, staging, key: eager.key, uploadID: eager.uploadID,
                                                  number: number, range: range)
                }
            }
            n += 1
        }
    }

    /// Initiates the upload of a file written in order from 0 that has passed the multipart threshold and
    /// its first part; its id goes into the record (fsync'd) before any part is sent.
    private func startEagerLocked(_ file: OpenFile, writeStart: UInt64) async -> EagerUpload? {
        let (eligible, size) = file.with { s -> (Bool, UInt64) in
            let inOrder = s.baseSize == 0 && s.written.ranges == [0..<s.size]
            return (inOrder && !s.detached && !s.eagerRefused, s.size)
        }
        let part = Self.partSize(for: size, configured: config.multipartSize)
        guard eligible, usesMultipart(size), writeStart >= part,
              let path = inodes.path(file.ino) else { return nil }
        let key = names.fileKey(path)
        let info = file.info
        let metadata = Self.timelessMetadata(info)
        let options = writeOptions(contentType: info.contentType ?? "application/octet-stream", metadata: metadata,
                                   forbidOverwrite: file.with { !$0.existsInStore && $0.forbidOverwrite })
        let uploadID: UploadID
        do { uploadID = try await store.initiateMultipartUpload(key, options: options) } catch {
            file.with { $0.eagerRefused = true }   // the final upload will try again, once
            return nil
        }
        let eager = EagerUpload(key: key, uploadID: uploadID, partSize: part, metadata: metadata,
                                contentType: options.contentType)
        do { try uploadJournal(file)?.started(uploadID, part) } catch {
            file.with { $0.eagerRefused = true }
            Task { [store] in try? await store.abortMultipartUpload(key, uploadID: uploadID) }
            return nil
        }
        file.with { $0.eager = eager }
        return eager
    }

    /// Adds the parts confirmed since the last call to the record.
    private func recordConfirmedLocked(_ file: OpenFile, _ eager: EagerUpload) {
        let parts = eager.takeConfirmed()
        guard !parts.isEmpty else { return }
        try? journalLocked(file) { upload in
            for p in parts {
                upload?.parts.removeAll { $0.number == p.partNumber }
                upload?.parts.append(StagingRecord.Part(number: p.partNumber, etag: p.etag.rawValue, size: p.size,
                                                        crc64: p.crc64))
            }
        }
    }

    /// Completes the file's streaming upload: waits for the parts on their way, sends the rest and checks
    /// the object's CRC64. Nil when there is none, or when it no longer fits (other key, other part size):
    /// then it is abandoned and the caller uploads as usual. A failure abandons it too, so the next attempt
    /// starts clean.
    func finishEagerLocked(_ file: OpenFile, _ staging: StagingFile, key: ObjectKey, info: NodeInfo,
                           options: WriteOptions) async throws -> WriteResult?
    {
        guard let eager = file.with({ $0.eager }) else { return nil }
        let size = info.size
        guard eager.key == key, usesMultipart(size),
              Self.partSize(for: size, configured: config.multipartSize) == eager.partSize
        else {
            abandonEagerLocked(file)
            return nil
        }
        await eager.settle()
        recordConfirmedLocked(file, eager)
        let confirmed = eager.confirmed
        let resume = ResumedUpload(uploadID: eager.uploadID, partSize: eager.partSize, stored: confirmed,
                                   recorded: confirmed.map {
                                       StagingRecord.Part(number: $0.partNumber, etag: $0.etag.rawValue, size: $0.size,
                                                          crc64: $0.crc64)
                                   })
        do {
            var result = try await uploadStaged(staging, size: size, key: key, options: options,
                                                journal: uploadJournal(file), resume: resume)
            // The upload carries the metadata of its start, without times (Last-Modified stands in for
            // them); anything set since (chmod, utimens after the last write) is stored in place now.
            let writeTimes = file.with { $0.lastWriteTime == info.mtime }
            if !writeTimes || Self.timelessMetadata(info) != eager.metadata || options.contentType != eager.contentType {
                result = try await copyObject(from: key, to: key, size: size, etag: result.etag,
                                              directive: .replace(options), source: info)
            }
            file.with { $0.eager = nil }
            return result
        } catch {
            abandonEagerLocked(file)
            throw error
        }
    }

    /// Gives the streaming upload up (truncate, unlink, rename, failure): nothing on its way counts any
    /// more, the record forgets it, and OSS is asked to drop its parts (the age-based cleanup is the net).
    func abandonEagerLocked(_ file: OpenFile) {
        guard let eager = file.with({ s -> EagerUpload? in defer { s.eager = nil }; return s.eager }) else { return }
        eager.cancelAll()
        if file.with({ $0.record?.upload?.uploadID == eager.uploadID.rawValue }) {
            try? journalLocked(file) { $0 = nil }
        }
        let store = self.store
        Task { try? await store.abortMultipartUpload(eager.key, uploadID: eager.uploadID) }
    }

    /// The file's metadata without atime/mtime/ctime, which a streaming upload cannot know at its start.
    static func timelessMetadata(_ info: NodeInfo) -> [String: String] {
        var meta = OSSFS1Metadata.encode(info)
        for k in [OSSFS1Metadata.atime, OSSFS1Metadata.mtime, OSSFS1Metadata.ctime] { meta[k] = nil }
        return meta
    }
}
