#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import NIOCore

/// Blob files under `<data>/blobs/<32 hex>`, staged in `<data>/tmp` (same filesystem: the rename is atomic).
/// A blob file is written once, fsynced, renamed into place, and never changed again; it is unlinked when its
/// reference count drops to zero.
final class DiskBlobSpace: StorageBlobSpace, @unchecked Sendable {
    let blobsDir: String
    let tmpDir: String

    /// LOCK ORDER: last. Taken inside a BucketStore's lock at most; nothing is called while holding it.
    private let lock = NSLock()
    /// Guarded by `lock`. References per blob id; absent = freed (or never existed).
    private var refcounts: [String: Int] = [:]

    init(root: String) throws {
        blobsDir = root + "/blobs"
        tmpDir = root + "/tmp"
        try StorageFiles.makeDirectory(blobsDir)
        try StorageFiles.makeDirectory(tmpDir)
    }

    func path(ofBlob id: Substring) -> String { blobsDir + "/" + id }

    /// The blob id of a file segment made by this space.
    private func blobID(_ path: String) -> Substring {
        precondition(path.hasPrefix(blobsDir + "/"), "segment outside the blob directory: \(path)")
        return path.dropFirst(blobsDir.count + 1)
    }

    private func ids(_ segments: [ContentSegment]) -> [String] {
        segments.compactMap {
            guard case .file(let path, _, _) = $0 else { preconditionFailure("bytes segment in the disk backend") }
            return String(blobID(path))
        }
    }

    func newWriter(coalescing: Bool) throws -> BlobWriter { try DiskBlobWriter(space: self) }

    /// A finished writer's file enters with one reference (the Blob's).
    func register(_ id: String) {
        lock.lock(); defer { lock.unlock() }
        refcounts[id, default: 0] += 1
    }

    func retain(_ segments: [ContentSegment]) throws {
        let list = ids(segments)
        lock.lock(); defer { lock.unlock() }
        guard list.allSatisfy({ refcounts[$0] != nil }) else { throw StorageError.noSuchKey }
        for id in list { refcounts[id]! += 1 }
    }

    func release(_ segments: [ContentSegment]) {
        let list = ids(segments)
        var dead: [String] = []
        lock.lock()
        for id in list {
            guard let n = refcounts[id] else { preconditionFailure("release of a freed blob \(id)") }
            if n == 1 {
                refcounts[id] = nil
                dead.append(id)
            } else {
                refcounts[id] = n - 1
            }
        }
        lock.unlock()
        for id in dead { StorageFiles.remove(path(ofBlob: id[...])) }
    }

    func open(_ segments: [ContentSegment]) throws -> OpenedContent {
        // Holding a reference while opening guarantees the files are still there; once open, an unlink
        // does not disturb the reader.
        try retain(segments)
        defer { release(segments) }
        var opened: [OpenedContent.Segment] = []
        // One descriptor per distinct file: parts copied from one source (UploadPartCopy) share a blob.
        var handles: [String: NIOFileHandle] = [:]
        do {
            for case .file(let path, let offset, let length) in segments {
                let handle: NIOFileHandle
                if let h = handles[path] {
                    handle = h
                } else {
                    handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: try StorageFiles.openForReading(path))
                    handles[path] = handle
                }
                opened.append(.file(handle, offset: offset, length: length))
            }
        } catch {
            OpenedContent(segments: opened).close()
            throw error
        }
        return OpenedContent(segments: opened)
    }

    // MARK: startup

    /// The blob files present on disk and their sizes.
    func filesOnDisk() -> [String: UInt64] {
        var sizes: [String: UInt64] = [:]
        for name in StorageFiles.list(blobsDir) {
            var st = stat()
            if stat(blobsDir + "/" + name, &st) == 0 { sizes[name] = UInt64(st.st_size) }
        }
        return sizes
    }

    /// Startup: counts a reference found in a record (the file is known to exist).
    func adopt(_ segments: [ContentSegment]) {
        let list = ids(segments)
        lock.lock(); defer { lock.unlock() }
        for id in list { refcounts[id, default: 0] += 1 }
    }

    /// Startup, after every record was adopted: removes blob files no record uses (a crash between a blob's
    /// rename and its record's commit) and every staging file (a crash mid-write). Returns how many were removed.
    @discardableResult
    func removeOrphans() -> Int {
        var removed = 0
        lock.lock()
        let live = refcounts
        lock.unlock()
        for name in StorageFiles.list(blobsDir) where live[name] == nil {
            StorageFiles.remove(blobsDir + "/" + name)
            removed += 1
        }
        for name in StorageFiles.list(tmpDir) {
            StorageFiles.remove(tmpDir + "/" + name)
            removed += 1
        }
        return removed
    }
}

/// Streams a PUT/part/append body into a staging file, hashing as it goes.
final class DiskBlobWriter: BlobWriter, @unchecked Sendable {
    private let space: DiskBlobSpace
    private let stagingPath: String
    private var fd: Int32
    private var sums = StorageChecksummer()

    init(space: DiskBlobSpace) throws {
        self.space = space
        stagingPath = space.tmpDir + "/" + StorageFiles.randomName() + ".blob"
        fd = try StorageFiles.createExclusive(stagingPath)
    }

    deinit { abort() }

    func write(_ bytes: ByteBuffer) throws {
        guard fd >= 0 else { throw StorageError.io("write after finish or abort") }
        try sums.update(bytes)
        try bytes.withUnsafeReadableBytes { try StorageFiles.writeAll(fd, $0, path: stagingPath) }
    }

    func finish() throws -> Blob {
        guard fd >= 0 else { throw StorageError.io("finish after finish or abort") }
        let md5 = sums.finalizeMD5()
        if sums.size == 0 {
            abort()
            return Blob(size: 0, md5: md5, crc64: 0, data: BlobData(content: ObjectContent(segments: []), owner: nil))
        }
        do {
            try StorageFiles.fsyncOrThrow(fd, path: stagingPath)
        } catch {
            abort()
            throw error
        }
        close(fd)
        fd = -1
        let id = StorageFiles.randomName()
        let finalPath = space.path(ofBlob: id[...])
        do {
            try StorageFiles.renameOrThrow(stagingPath, finalPath)
        } catch {
            StorageFiles.remove(stagingPath)
            throw error
        }
        space.register(id)
        let content = ObjectContent(segments: [.file(path: finalPath, offset: 0, length: sums.size)])
        return Blob(size: sums.size, md5: md5, crc64: sums.crc64, data: BlobData(content: content, owner: space))
    }

    func abort() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
        StorageFiles.remove(stagingPath)
    }
}
