import ObjectStore

// The disk data cache (use_cache=) and what this mount writes.
extension Filesystem {
    /// A file whose last handle goes: when its staging file holds every byte of the version it just uploaded,
    /// those bytes go into the disk cache before the staging file is deleted, so reading back what was written
    /// costs no GET. Under `file.lock`.
    func cacheUploadedVersionLocked(_ file: OpenFile) {
        guard let dataCache, let path = inodes.path(file.ino) else { return }
        let uploaded = file.with { s -> (staging: StagingFile, etag: ETag, size: UInt64, crc: UInt64?)? in
            guard let staging = s.staging, let etag = s.pinnedETag, !s.dirty, !s.detached, s.existsInStore,
                  s.size > 0, s.valid.contains(0..<s.size) else { return nil }
            return (staging, etag, s.size, s.info.crc64?.value(for: etag))
        }
        guard let uploaded else { return }
        let version = CachedVersion(cache: dataCache, key: names.fileKey(path), etag: uploaded.etag, size: uploaded.size)
        var at: UInt64 = 0
        while at < uploaded.size {
            let count = Int(min(uploaded.size - at, CachedVersion.blockSize))
            guard let bytes = try? uploaded.staging.read(at: at, count: count) else { return }
            bytes.withUnsafeBytes { version.keep(at..<at + UInt64(count), $0, objectCRC: uploaded.crc) }
            at += UInt64(count)
        }
    }
}
