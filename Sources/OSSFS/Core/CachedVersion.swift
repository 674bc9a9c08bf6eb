import ObjectStore
import OSSCore

/// One object version's blocks in the disk cache (`use_cache=`), as its reader sees them: byte ranges of the
/// file, in and out of whole blocks.
struct CachedVersion: Sendable {
    let cache: DiskDataCache
    let key: ObjectKey
    let etag: ETag
    let size: UInt64
    private let keyHash: String
    private let etagHash: String

    init(cache: DiskDataCache, key: ObjectKey, etag: ETag, size: UInt64) {
        self.cache = cache
        self.key = key
        self.etag = etag
        self.size = size
        keyHash = DiskDataCache.hash(key.rawValue)
        etagHash = DiskDataCache.hash(etag.rawValue)
    }

    static let blockSize = UInt64(DiskDataCache.blockSize)

    private func block(_ i: UInt64) -> Range<UInt64> { i * Self.blockSize..<min((i + 1) * Self.blockSize, size) }

    /// `range` widened to whole blocks (the last block ends at the file's end).
    func aligned(_ range: Range<UInt64>) -> Range<UInt64> {
        let b = Self.blockSize
        return range.lowerBound / b * b..<min((range.upperBound + b - 1) / b * b, size)
    }

    /// The first block boundary after `offset` (or the file's end).
    func boundary(after offset: UInt64) -> UInt64 { min((offset / Self.blockSize + 1) * Self.blockSize, size) }

    /// Fills `memory` (`range.count` bytes) with `range` from cached blocks, each checked; nil when any block
    /// is missing or fails. `crc` is the CRC64 of the bytes, `objectCRC` the object's as the blocks recorded it.
    func load(_ range: Range<UInt64>, into memory: UnsafeMutableRawBufferPointer) -> (crc: UInt64, objectCRC: UInt64?)? {
        guard !range.isEmpty, range.upperBound <= size else { return nil }
        var crc: UInt64 = 0
        var objectCRC: UInt64?
        for i in range.lowerBound / Self.blockSize...(range.upperBound - 1) / Self.blockSize {
            let b = block(i)
            let lo = max(b.lowerBound, range.lowerBound), hi = min(b.upperBound, range.upperBound)
            let into = UnsafeMutableRawBufferPointer(rebasing: memory[Int(lo - range.lowerBound)..<Int(hi - range.lowerBound)])
            guard let found = cache.read(keyHash: keyHash, etagHash: etagHash, key: key.rawValue, etag: etag.rawValue,
                                         block: i, range: Int(lo - b.lowerBound)..<Int(hi - b.lowerBound), into: into)
            else { return nil }
            objectCRC = objectCRC ?? found.objectCRC
            crc = CRC64.combine(crc, found.crc ?? CRC64.update(0, UnsafeRawBufferPointer(into)), length2: hi - lo)
        }
        return (crc, objectCRC)
    }

    /// Keeps the whole blocks that lie inside `range`, whose bytes are `bytes`.
    func keep(_ range: Range<UInt64>, _ bytes: UnsafeRawBufferPointer, objectCRC: UInt64?) {
        guard !range.isEmpty, bytes.count == range.count else { return }
        let b = Self.blockSize
        var i = (range.lowerBound + b - 1) / b
        while i * b < range.upperBound {
            let r = block(i)
            guard r.upperBound <= range.upperBound else { break }
            let lo = Int(r.lowerBound - range.lowerBound)
            cache.store(keyHash: keyHash, etagHash: etagHash, key: key.rawValue, etag: etag.rawValue, block: i,
                        bytes: UnsafeRawBufferPointer(rebasing: bytes[lo..<lo + r.count]), objectCRC: objectCRC)
            i += 1
        }
    }

    /// True when block `index` is in the cache's index (not yet checked).
    func holds(block index: UInt64) -> Bool {
        cache.contains(keyHash: keyHash, etagHash: etagHash, block: index)
    }

    /// Drops every cached block of this version.
    func forget() { cache.forget(keyHash: keyHash, etagHash: etagHash) }
}
