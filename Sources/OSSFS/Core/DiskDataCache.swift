#if canImport(Glibc)
import Glibc
#endif
import ObjectStore
import OSSCore

/// `use_cache=DIR`: file data kept on local disk in 1 MiB blocks, so that what was read once is read again
/// without a request: by the same open file, by later opens and by later mounts.
///
/// A block is one file, `DIR/.ossfs-blocks/<bucket>/<xx>/<key hash>-<ETag hash>-<index>`, named by the object
/// version it belongs to. Readers pin an ETag at open and ask for that version's blocks only, so an object
/// replaced by another client is never answered from an older version's blocks; those go once a newer version
/// of the key is cached, or with the least recently used.
///
/// Integrity: the file begins with a header naming the key, the ETag and the index, with the CRC64 of each
/// 16 KiB segment of the data and a CRC64 of the header itself. A read checks the header and every segment it
/// serves; a block that fails (torn by power loss, damaged on disk, another key with the same hash) is deleted
/// and counts as a miss. Blocks are written under a temporary name and renamed into place, so a concurrent
/// reader, or another mount sharing the directory, sees a whole block or none.
///
/// Space: least recently used blocks are deleted while the cache's filesystem has less than `floor` bytes
/// free; `reclaim` lets staged writes, which must not fail for a cache, take space back.
final class DiskDataCache: Sendable {
    static let blockSize = 1 << 20
    /// A 4 KiB random read reads and checks one segment: small segments keep that cheap, for 8 bytes of header each.
    static let segmentSize = 16 << 10
    static let subdirectory = ".ossfs-blocks"
    private static let magic: [UInt8] = Array("OSSFSBK1".utf8)
    /// Evictions free at least this much at once (or 1/64 of the cache if more): each pass sorts the index.
    static let evictionBatch: UInt64 = 32 << 20

    /// Where this bucket's blocks live.
    let root: String
    /// Free bytes the cache leaves on its filesystem.
    let floor: UInt64
    private let freeSpace: @Sendable (String) -> UInt64?

    private struct Entry {
        var size: UInt64
        var tick: UInt64
    }
    private struct State {
        /// Block file names ("<key hash>-<ETag hash>-<index>") to their size and last use.
        var entries: [String: Entry] = [:]
        /// The version of each key hash that was cached last, with its block indexes.
        var versions: [String: (etagHash: String, blocks: Set<UInt64>)] = [:]
        /// Live uses count from here: blocks a scan finds on disk rank below them, oldest first.
        var tick: UInt64 = 1 << 40
        var bytes: UInt64 = 0
    }
    private let state = Locked(State())

    /// Opens (creating it when needed) the cache of `bucket` under `directory` and indexes the blocks a
    /// previous mount left, oldest first. The cache leaves `reserve` (ensure_diskfree) plus 5% of its
    /// filesystem free.
    /// When the blocks already on disk are indexed: before `init` returns, on a background task (reads of
    /// blocks not indexed yet fetch them again meanwhile), or not at all (they are about to be wiped).
    enum Indexing { case now, inBackground, none }

    init(directory: String, bucket: String, reserve: UInt64, freeSpace: (@Sendable (String) -> UInt64?)? = nil,
         index: Indexing = .now) throws
    {
        let base = directory + "/" + Self.subdirectory
        root = base + "/" + (bucket.isEmpty ? "_" : bucket)
        for dir in [base, root] where mkdir(dir, 0o700) != 0 && errno != EEXIST {
            throw FSError.io("use_cache: cannot create \(dir): \(String(cString: strerror(errno)))")
        }
        self.freeSpace = freeSpace ?? { StagingFile.freeSpace($0) }
        var s = statvfs()
        self.floor = reserve + (statvfs(root, &s) == 0 ? UInt64(s.f_blocks) * UInt64(s.f_frsize) / 20 : 0)
        switch index {
        case .now: scan()
        case .inBackground: Task.detached(priority: .utility) { [self] in scan() }
        case .none: break
        }
    }

    // MARK: - Names

    static func hash(_ s: String) -> String {
        let h = CRC64.checksum(Array(s.utf8))
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// A block file's name: `<key hash>-<ETag hash>-<index>` (`drop` and `scan` read the parts back).
    static func blockName(_ keyHash: String, _ etagHash: String, _ block: UInt64) -> String {
        "\(keyHash)-\(etagHash)-\(block)"
    }

    private func path(_ name: String) -> String { root + "/" + name.prefix(2) + "/" + name }

    // MARK: - Reading

    /// What a read of a block found.
    struct Found {
        /// The object's CRC64 as the GET that brought the block named it.
        let objectCRC: UInt64?
        /// CRC64 of the bytes served, when they are whole segments (else nil: the caller hashes if it needs to).
        let crc: UInt64?
    }

    /// Copies `range` (offsets inside the block) of the block into `destination` (exactly `range.count`
    /// bytes), once the segments it lies in pass their CRCs. nil when the block is not cached or fails.
    func read(keyHash: String, etagHash: String, key: String, etag: String, block: UInt64, range: Range<Int>,
              into destination: UnsafeMutableRawBufferPointer) -> Found?
    {
        let name = Self.blockName(keyHash, etagHash, block)
        let known = state.withLock { s -> Bool in
            guard s.entries[name] != nil else { return false }
            s.tick += 1
            s.entries[name]!.tick = s.tick
            return true
        }
        guard known, let opened = openBlock(name), opened.header.key == key, opened.header.etag == etag,
              opened.header.block == block, range.upperBound <= opened.header.dataLength
        else {
            if known { drop([name]) }
            return nil
        }
        let (fd, header) = (opened.fd, opened.header)
        let seg = Self.segmentSize
        let first = range.lowerBound / seg
        let last = (range.upperBound + seg - 1) / seg
        let span = first * seg..<min(last * seg, header.dataLength)
        let wholeSegments = span == range
        // Whole segments land in place; a part of one is read with the rest of its segment, then copied out.
        let scratch = wholeSegments ? nil : UnsafeMutableRawBufferPointer.allocate(byteCount: span.count, alignment: 16)
        defer { scratch?.deallocate() }
        let target = scratch ?? destination
        guard preadFully(fd, target.baseAddress!, span.count, offset: header.length + span.lowerBound) else {
            drop([name])
            return nil
        }
        var crc: UInt64 = 0
        for i in first..<last {
            let lo = i * seg - span.lowerBound
            let hi = min((i + 1) * seg, header.dataLength) - span.lowerBound
            let c = CRC64.update(0, UnsafeRawBufferPointer(rebasing: target[lo..<hi]))
            guard c == header.segmentCRCs[i] else {
                drop([name])
                return nil
            }
            crc = CRC64.combine(crc, c, length2: UInt64(hi - lo))
        }
        if let scratch {
            let lo = range.lowerBound - span.lowerBound
            destination.baseAddress!.copyMemory(from: scratch.baseAddress! + lo, byteCount: range.count)
        }
        return Found(objectCRC: header.objectCRC, crc: wholeSegments ? crc : nil)
    }

    func contains(keyHash: String, etagHash: String, block: UInt64) -> Bool {
        state.withLock { $0.entries[Self.blockName(keyHash, etagHash, block)] != nil }
    }

    // MARK: - Storing

    /// Keeps `bytes` as the block (all of it: `blockSize` bytes, or the object's last, shorter block).
    /// Best effort: a block that cannot be written (no room, I/O error) is simply not cached.
    func store(keyHash: String, etagHash: String, key: String, etag: String, block: UInt64,
               bytes: UnsafeRawBufferPointer, objectCRC: UInt64?)
    {
        let name = Self.blockName(keyHash, etagHash, block)
        if state.withLock({ $0.entries[name] != nil }) { return }
        let header = Self.header(key: key, etag: etag, block: block, bytes: bytes, objectCRC: objectCRC)
        let size = UInt64(header.count + bytes.count)
        guard makeRoom(size) else { return }
        let dir = root + "/" + name.prefix(2)
        if mkdir(dir, 0o700) != 0, errno != EEXIST { return }
        let temp = dir + "/.tmp-\(name)-\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let written = header.withUnsafeBytes { h in
            writeFully(fd, h.baseAddress!, h.count) && writeFully(fd, bytes.baseAddress!, bytes.count)
        }
        close(fd)
        guard written, rename(temp, path(name)) == 0 else {
            unlink(temp)
            return
        }
        let stale = state.withLock { s -> [String] in
            var stale: [String] = []
            if let v = s.versions[keyHash], v.etagHash != etagHash {
                // A newer version of the key: the older one's blocks will not be asked for again.
                stale = v.blocks.map { Self.blockName(keyHash, v.etagHash, $0) }
                s.versions[keyHash] = nil
            }
            s.versions[keyHash, default: (etagHash, [])].blocks.insert(block)
            s.tick += 1
            if s.entries.updateValue(Entry(size: size, tick: s.tick), forKey: name) == nil { s.bytes += size }
            return stale
        }
        drop(stale)
    }

    // MARK: - Space

    /// Deletes least recently used blocks until `count` more bytes leave `floor` free. False when even an
    /// empty cache would not make room.
    private func makeRoom(_ count: UInt64) -> Bool {
        guard let free = freeSpace(root) else { return true }
        if free >= floor + count { return true }
        let freed = evict(max(floor + count - free, Self.evictionBatch))
        return free + freed >= floor + count
    }

    /// Space for staged writes: deletes least recently used blocks worth at least `count` bytes; returns the
    /// bytes freed.
    @discardableResult
    func reclaim(_ count: UInt64) -> UInt64 { evict(max(count, Self.evictionBatch)) }

    private func evict(_ asked: UInt64) -> UInt64 {
        let (victims, freed) = state.withLock { s -> ([String], UInt64) in
            // At least 1/64 of the cache at once: a pass sorts every entry, so a large cache under churn
            // must not sort for every few blocks it takes in.
            let wanted = max(asked, s.bytes / 64)
            var freed: UInt64 = 0
            var victims: [String] = []
            for (name, e) in s.entries.sorted(by: { $0.value.tick < $1.value.tick }) {
                guard freed < wanted else { break }
                victims.append(name)
                freed += e.size
            }
            return (victims, freed)
        }
        drop(victims)
        return freed
    }

    /// A block file kept open with its checked header, so that a hit costs one pread: closed when the last
    /// reader holding it is done.
    private final class OpenBlock: Sendable {
        let fd: Int32
        let header: Header
        init(fd: Int32, header: Header) {
            self.fd = fd
            self.header = header
        }
        deinit { close(fd) }
    }
    private let openBlocks = Locked<[String: OpenBlock]>([:])
    static let openBlockLimit = 64

    private func openBlock(_ name: String) -> OpenBlock? {
        if let b = openBlocks.withLock({ $0[name] }) { return b }
        let fd = open(path(name), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        guard let header = readHeader(fd) else {
            close(fd)
            return nil
        }
        let b = OpenBlock(fd: fd, header: header)
        let displaced = openBlocks.withLock { open -> OpenBlock? in
            var out: OpenBlock?
            if open.count >= Self.openBlockLimit, let any = open.keys.first { out = open.removeValue(forKey: any) }
            open[name] = b
            return out
        }
        _ = displaced   // closed here, outside the lock, unless a reader still holds it
        return b
    }

    /// Deletes blocks and forgets them.
    private func drop(_ names: [String]) {
        guard !names.isEmpty else { return }
        let closing = openBlocks.withLock { open in names.compactMap { open.removeValue(forKey: $0) } }
        _ = closing
        state.withLock { s in
            for name in names {
                guard let e = s.entries.removeValue(forKey: name) else { continue }
                s.bytes -= e.size
                let parts = name.split(separator: "-")
                if parts.count == 3, let block = UInt64(parts[2]), s.versions[String(parts[0])]?.etagHash == String(parts[1]) {
                    s.versions[String(parts[0])]!.blocks.remove(block)
                }
            }
        }
        for name in names { unlink(path(name)) }
    }

    /// Deletes every block of one object version (its bytes failed the whole-object check).
    func forget(keyHash: String, etagHash: String) {
        let prefix = "\(keyHash)-\(etagHash)-"
        drop(state.withLock { s in s.entries.keys.filter { $0.hasPrefix(prefix) } })
    }

    /// Bytes the cache holds.
    var bytes: UInt64 { state.withLock { $0.bytes } }
    var blockCount: Int { state.withLock { $0.entries.count } }

    /// Deletes every block of this bucket (`del_cache`, at start and at exit).
    func wipe() {
        let names = state.withLock { s -> [String] in
            defer { s = State() }
            return Array(s.entries.keys)
        }
        openBlocks.withLock { $0 = [:] }
        for name in names { unlink(path(name)) }
        for sub in StagingArea.names(in: root) {
            for name in StagingArea.names(in: root + "/" + sub) { unlink(root + "/" + sub + "/" + name) }
        }
    }

    /// Indexes the blocks on disk, least recently modified first; removes temporary files a crash left.
    private func scan() {
        var found: [(name: String, size: UInt64, mtime: Int)] = []
        for sub in StagingArea.names(in: root) where sub.utf8.count == 2 {
            let dir = root + "/" + sub
            for name in StagingArea.names(in: dir) {
                let full = dir + "/" + name
                if name.hasPrefix(".tmp-") {
                    unlink(full)
                    continue
                }
                var st = stat()
                guard name.split(separator: "-").count == 3, stat(full, &st) == 0 else { continue }
                found.append((name, UInt64(st.st_size), st.st_mtim.tv_sec))
            }
        }
        // Blocks found on disk rank below anything stored or read while the scan ran (their ticks are below
        // every live one), oldest first; a key the mount has cached since keeps that version.
        found.sort { $0.mtime < $1.mtime }
        state.withLock { s in
            let live = Set(s.versions.keys)
            for (i, f) in found.enumerated() where s.entries[f.name] == nil {
                s.entries[f.name] = Entry(size: f.size, tick: UInt64(i))
                s.bytes += f.size
                let parts = f.name.split(separator: "-")
                guard let block = UInt64(parts[2]) else { continue }
                let kh = String(parts[0]), eh = String(parts[1])
                if !live.contains(kh), s.versions[kh]?.etagHash != eh { s.versions[kh] = (eh, []) }
                if s.versions[kh]?.etagHash == eh { s.versions[kh]!.blocks.insert(block) }
            }
        }
    }

    // MARK: - Block file format

    struct Header {
        var length: Int
        var dataLength: Int
        var block: UInt64
        var objectCRC: UInt64?
        var key: String
        var etag: String
        var segmentCRCs: [UInt64]
    }

    /// magic, header length (u32), data length (u32), block index (u64), has object CRC (u8), object CRC (u64),
    /// key length (u32), ETag length (u32), segment count (u32), segment CRCs (u64 each), key, ETag, CRC64 of
    /// everything before it (u64). Integers little-endian.
    static func header(key: String, etag: String, block: UInt64, bytes: UnsafeRawBufferPointer, objectCRC: UInt64?) -> [UInt8] {
        var crcs: [UInt64] = []
        var lo = 0
        while lo < bytes.count {
            let hi = min(lo + segmentSize, bytes.count)
            crcs.append(CRC64.update(0, UnsafeRawBufferPointer(rebasing: bytes[lo..<hi])))
            lo = hi
        }
        let k = Array(key.utf8), e = Array(etag.utf8)
        let length = magic.count + 4 + 4 + 8 + 1 + 8 + 4 + 4 + 4 + 8 * crcs.count + k.count + e.count + 8
        var out: [UInt8] = magic
        out.reserveCapacity(length)
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        put(UInt32(length))
        put(UInt32(bytes.count))
        put(block)
        put(UInt8(objectCRC == nil ? 0 : 1))
        put(objectCRC ?? 0)
        put(UInt32(k.count))
        put(UInt32(e.count))
        put(UInt32(crcs.count))
        for c in crcs { put(c) }
        out += k
        out += e
        put(CRC64.checksum(out))
        return out
    }

    static func parseHeader(_ b: [UInt8]) -> Header? {
        var at = 0
        func get<T: FixedWidthInteger>(_: T.Type) -> T? {
            guard at + MemoryLayout<T>.size <= b.count else { return nil }
            defer { at += MemoryLayout<T>.size }
            return T(littleEndian: b.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: T.self) })
        }
        guard b.count >= magic.count + 4, Array(b[0..<magic.count]) == magic else { return nil }
        at = magic.count
        guard let length = get(UInt32.self).map(Int.init), length <= b.count, length >= at + 8,
              let dataLength = get(UInt32.self).map(Int.init), let block = get(UInt64.self),
              let hasCRC = get(UInt8.self), let objectCRC = get(UInt64.self),
              let keyLength = get(UInt32.self).map(Int.init), let etagLength = get(UInt32.self).map(Int.init),
              let count = get(UInt32.self).map(Int.init),
              count == (dataLength + segmentSize - 1) / segmentSize,
              at + 8 * count + keyLength + etagLength + 8 == length
        else { return nil }
        var crcs: [UInt64] = []
        for _ in 0..<count { crcs.append(get(UInt64.self)!) }
        let key = String(decoding: b[at..<at + keyLength], as: UTF8.self)
        at += keyLength
        let etag = String(decoding: b[at..<at + etagLength], as: UTF8.self)
        at += etagLength
        guard get(UInt64.self) == CRC64.checksum(b[0..<length - 8]) else { return nil }
        return Header(length: length, dataLength: dataLength, block: block, objectCRC: hasCRC == 1 ? objectCRC : nil,
                      key: key, etag: etag, segmentCRCs: crcs)
    }

    private func readHeader(_ fd: Int32) -> Header? {
        var b = [UInt8](repeating: 0, count: 4096)
        let n = b.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, 0) }
        guard n > 12 else { return nil }
        let length = Int(UInt32(littleEndian: b.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self) }))
        if length > n {
            // A long key: read the whole header.
            guard length <= 1 << 20 else { return nil }
            b = [UInt8](repeating: 0, count: length)
            guard b.withUnsafeMutableBytes({ preadFully(fd, $0.baseAddress!, length, offset: 0) }) else { return nil }
        } else {
            b.removeLast(b.count - n)
        }
        return Self.parseHeader(b)
    }

    private func preadFully(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ count: Int, offset: Int) -> Bool {
        var done = 0
        while done < count {
            let n = pread(fd, p + done, count - done, off_t(offset + done))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }

    private func writeFully(_ fd: Int32, _ p: UnsafeRawPointer, _ count: Int) -> Bool {
        var done = 0
        while done < count {
            let n = write(fd, p + done, count - done)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }
}
