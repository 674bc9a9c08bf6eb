import Foundation
import ObjectStore
import ObjectStoreTesting
import OSSCore
import Synchronization
import Testing
@testable import OSSFS

/// A scratch directory for one cache, removed with the value.
private final class CacheDirectory: @unchecked Sendable {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ossfs-cache-\(UUID().uuidString)").path
    init() { try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Every block file of the bucket "b".
    var blockFiles: [String] {
        let root = path + "/.ossfs-blocks/b"
        return ((try? FileManager.default.subpathsOfDirectory(atPath: root)) ?? [])
            .filter { $0.split(separator: "/").count == 2 }.map { root + "/" + $0 }
    }
}

/// A filesystem whose free space is what the test says minus what the cache holds.
private final class FakeDisk: @unchecked Sendable {
    let free = Mutex<UInt64>(0)
    let cache = Mutex<DiskDataCache?>(nil)
    var probe: @Sendable (String) -> UInt64? {
        { _ in
            let held = self.cache.withLock { $0?.bytes } ?? 0
            return self.free.withLock { $0 } - min(held, self.free.withLock { $0 })
        }
    }
}

private let MiB = 1 << 20

private func store(_ c: DiskDataCache, _ key: String, _ etag: String, _ block: UInt64, _ bytes: [UInt8]) {
    bytes.withUnsafeBytes {
        c.store(keyHash: DiskDataCache.hash(key), etagHash: DiskDataCache.hash(etag), key: key, etag: etag,
                block: block, bytes: $0, objectCRC: 42)
    }
}

private func read(_ c: DiskDataCache, _ key: String, _ etag: String, _ block: UInt64, _ range: Range<Int>) -> [UInt8]? {
    var out = [UInt8](repeating: 0, count: range.count)
    let found = out.withUnsafeMutableBytes {
        c.read(keyHash: DiskDataCache.hash(key), etagHash: DiskDataCache.hash(etag), key: key, etag: etag,
               block: block, range: range, into: $0)
    }
    return found == nil ? nil : out
}

/// Waits (up to 3 s) for the cache's background writes to reach `count` blocks.
private func blocks(_ c: DiskDataCache?, reach count: Int) async -> Bool {
    for _ in 0..<300 {
        if (c?.blockCount ?? 0) >= count { return true }
        try? await Task.sleep(nanoseconds: 10_000_000)
    }
    return false
}

@Suite struct DiskDataCacheTests {
    @Test func aBlockReadsBackWholeOrInPartWithItsChecks() throws {
        let dir = CacheDirectory()
        let c = try DiskDataCache(directory: dir.path, bucket: "b", reserve: 0)
        let data = randomBytes(MiB, seed: 1)
        store(c, "k", "e1", 3, data)
        #expect(read(c, "k", "e1", 3, 0..<MiB) == data)
        #expect(read(c, "k", "e1", 3, 70_000..<74_096) == Array(data[70_000..<74_096]), "a part of a segment")
        #expect(read(c, "k", "e1", 2, 0..<10) == nil, "another block")
        #expect(read(c, "k", "e2", 3, 0..<10) == nil, "another version")
        #expect(c.blockCount == 1 && c.bytes > UInt64(MiB))
    }

    @Test func aDamagedBlockIsAMissAndGoes() throws {
        let dir = CacheDirectory()
        let c = try DiskDataCache(directory: dir.path, bucket: "b", reserve: 0)
        store(c, "k", "e", 0, randomBytes(300_000, seed: 2))
        let file = try #require(dir.blockFiles.first)
        var bytes = try #require(FileManager.default.contents(atPath: file))
        bytes[bytes.count - 1000] ^= 0x40   // in the last segment
        try bytes.write(to: URL(fileURLWithPath: file))
        #expect(read(c, "k", "e", 0, 0..<1000) != nil, "the first segment is still sound")
        #expect(read(c, "k", "e", 0, 299_000..<300_000) == nil)
        #expect(!FileManager.default.fileExists(atPath: file) && c.blockCount == 0)
    }

    @Test func aHeaderNamingAnotherKeyIsAMiss() throws {
        let dir = CacheDirectory()
        let c = try DiskDataCache(directory: dir.path, bucket: "b", reserve: 0)
        let data = randomBytes(4096, seed: 3)
        // As if two keys had the same hash: the header names the key, and the other key is not served.
        data.withUnsafeBytes {
            c.store(keyHash: "0123456789abcdef", etagHash: "fedcba9876543210", key: "one", etag: "e", block: 0,
                    bytes: $0, objectCRC: nil)
        }
        var out = [UInt8](repeating: 0, count: 4096)
        let found = out.withUnsafeMutableBytes {
            c.read(keyHash: "0123456789abcdef", etagHash: "fedcba9876543210", key: "two", etag: "e", block: 0,
                   range: 0..<4096, into: $0)
        }
        #expect(found == nil)
        let header = data.withUnsafeBytes { DiskDataCache.header(key: "k", etag: "e", block: 7, bytes: $0, objectCRC: 9) }
        #expect(DiskDataCache.parseHeader(header)?.block == 7)
        var bent = header
        bent[20] ^= 1
        #expect(DiskDataCache.parseHeader(bent) == nil, "the header's own CRC catches a changed field")
    }

    @Test func leastRecentlyUsedBlocksGoWhenTheDiskRunsLow() throws {
        let dir = CacheDirectory()
        let disk = FakeDisk()
        let c = try DiskDataCache(directory: dir.path, bucket: "b", reserve: 0, freeSpace: disk.probe)
        disk.cache.withLock { $0 = c }
        // Room for 40 blocks above the floor; the eviction batch is 32 MiB.
        disk.free.withLock { $0 = c.floor + UInt64(40 * (MiB + 4096)) }
        for i in 0..<40 { store(c, "k", "e", UInt64(i), randomBytes(MiB, seed: UInt64(i))) }
        #expect(c.blockCount == 40)
        _ = read(c, "k", "e", 0, 0..<10)   // block 0 is used again: the oldest is now block 1
        store(c, "k", "e", 40, randomBytes(MiB, seed: 40))
        #expect(read(c, "k", "e", 0, 0..<10) != nil, "recently read, kept")
        #expect(read(c, "k", "e", 1, 0..<10) == nil, "least recently used, evicted")
        #expect(read(c, "k", "e", 40, 0..<10) != nil)
        #expect(c.blockCount < 40 - 20, "evicted in a batch")
    }

    @Test func aNewerVersionDropsTheOlderOnesBlocks() throws {
        let dir = CacheDirectory()
        let c = try DiskDataCache(directory: dir.path, bucket: "b", reserve: 0)
        store(c, "k", "old", 0, randomBytes(1000, seed: 4))
        store(c, "k", "old", 1, randomBytes(1000, seed: 5))
        store(c, "other", "old", 0, randomBytes(1000, seed: 6))
        store(c, "k", "new", 0, randomBytes(1000, seed: 7))
        #expect(read(c, "k", "old", 0, 0..<10) == nil && read(c, "k", "old", 1, 0..<10) == nil)
        #expect(read(c, "other", "old", 0, 0..<10) != nil && read(c, "k", "new", 0, 0..<10) != nil)
        #expect(dir.blockFiles.count == 2)
    }

    @Test func aLaterMountFindsTheBlocksAndDelCacheWipesThem() throws {
        let dir = CacheDirectory()
        let data = randomBytes(5000, seed: 8)
        do {
            let c = try DiskDataCache(directory: dir.path, bucket: "b", reserve: 0)
            store(c, "k", "e", 0, data)
        }
        let leftover = dir.path + "/.ossfs-blocks/b/ab/.tmp-crash"
        try FileManager.default.createDirectory(atPath: dir.path + "/.ossfs-blocks/b/ab", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: leftover, contents: Data([1, 2, 3]))
        let c = try DiskDataCache(directory: dir.path, bucket: "b", reserve: 0)
        #expect(c.blockCount == 1 && read(c, "k", "e", 0, 0..<5000) == data)
        #expect(!FileManager.default.fileExists(atPath: leftover), "a crash's temporary file is removed")
        c.wipe()
        #expect(dir.blockFiles.isEmpty && c.blockCount == 0 && c.bytes == 0)
    }

    @Test func aMountIndexesTheBlocksInTheBackground() async throws {
        let dir = CacheDirectory()
        let one = randomBytes(1000, seed: 13), two = randomBytes(1000, seed: 14)
        do {
            let c = try DiskDataCache(directory: dir.path, bucket: "b", reserve: 0)
            store(c, "k", "e", 0, one)
            store(c, "other", "e", 0, two)
        }
        let c = try DiskDataCache(directory: dir.path, bucket: "b", reserve: 0, index: .inBackground)
        store(c, "third", "e", 0, randomBytes(1000, seed: 15))   // the mount works while the scan runs
        #expect(await blocks(c, reach: 3))
        #expect(read(c, "k", "e", 0, 0..<1000) == one && read(c, "other", "e", 0, 0..<1000) == two)
        #expect(c.bytes == UInt64(dir.blockFiles.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }))
    }

    @Test func stagedWritesTakeSpaceBackFromTheCache() throws {
        let dir = CacheDirectory()
        let disk = FakeDisk()
        let c = try DiskDataCache(directory: dir.path, bucket: "b", reserve: 0, freeSpace: disk.probe)
        disk.cache.withLock { $0 = c }
        disk.free.withLock { $0 = c.floor + UInt64(100 * MiB) }
        for i in 0..<60 { store(c, "k", "e", UInt64(i), randomBytes(MiB, seed: UInt64(i))) }
        // 40 MiB free now; a write of 50 MiB with ensure_diskfree 10 MiB needs 20 MiB of the cache's back.
        let guardWithCache = SpaceGuard(ensureFree: c.floor + UInt64(10 * MiB), freeSpace: disk.probe,
                                        reclaim: { c.reclaim($0) })
        #expect(throws: Never.self) { try guardWithCache.reserve(UInt64(50 * MiB), in: dir.path) }
        #expect(c.blockCount < 60)
        let without = SpaceGuard(ensureFree: c.floor + UInt64(10 * MiB), freeSpace: disk.probe)
        #expect(throws: FSError.noSpace) { try without.reserve(UInt64(200 * MiB), in: dir.path) }
    }

    // MARK: - Through the filesystem

    private func harness(_ faulty: FaultyStore, _ dir: CacheDirectory) -> Harness {
        Harness(store: faulty, memory: faulty.inner) {
            $0.cacheDirectory = dir.path
            $0.bucket = "b"
        }
    }

    @Test func aSecondOpenReadsFromTheCache() async throws {
        let dir = CacheDirectory()
        let faulty = FaultyStore(MemoryObjectStore())
        let t = harness(faulty, dir)
        let data = randomBytes(5 * MiB + 12345, seed: 9)
        try await t.put("f", data)
        var h = try await t.open("f", OpenFlags(access: .readOnly))
        faulty.resetCounts()
        #expect(try await t.readAll(h, chunk: 128 << 10) == data)
        let lengths = faulty.getRanges.compactMap { $0 }.map(\.count)
        #expect(lengths.max() ?? 0 > UInt64(MiB), "chunks still grow past one block: \(lengths)")
        await t.fs.release(h)
        #expect(await blocks(t.fs.dataCache, reach: 6))
        h = try await t.open("f", OpenFlags(access: .readOnly))
        faulty.resetCounts()
        #expect(try await t.readAll(h, chunk: 128 << 10) == data)
        #expect(faulty.getRanges.allSatisfy { $0 == nil || $0!.lowerBound == 0 },
                "only the open's first GET, if any: \(faulty.getRanges)")
        await t.fs.release(h)
    }

    @Test func aRandomReadFetchesItsBlockOnceAndReadsItFromDiskAfter() async throws {
        let dir = CacheDirectory()
        let faulty = FaultyStore(MemoryObjectStore())
        let t = harness(faulty, dir)
        let data = randomBytes(6 * MiB, seed: 10)
        try await t.put("f", data)
        let h = try await t.open("f", OpenFlags(access: .readOnly))
        _ = try await t.fs.read(h, offset: 0, size: 4096)
        try await Task.sleep(nanoseconds: 100_000_000)   // the first chunk's GET, if any, has ended
        faulty.resetCounts()
        let before = t.fs.dataCache?.blockCount ?? -1
        let at = 3 * MiB + 100
        #expect(try await t.fs.read(h, offset: UInt64(at), size: 4096) == Array(data[at..<at + 4096]))
        #expect(faulty.getRanges == [UInt64(3 * MiB)..<UInt64(4 * MiB)], "the whole block")
        // Kept before the read returns: blocks left to background tasks piled up in memory under load.
        #expect(t.fs.dataCache?.blockCount == before + 1)
        faulty.resetCounts()
        let again = 3 * MiB + 900_000
        #expect(try await t.fs.read(h, offset: UInt64(again), size: 8192) == Array(data[again..<again + 8192]))
        #expect(faulty.getRanges.isEmpty)
        await t.fs.release(h)
    }

    @Test func whatThisMountWroteIsReadBackFromTheCache() async throws {
        let dir = CacheDirectory()
        let faulty = FaultyStore(MemoryObjectStore())
        let t = harness(faulty, dir)
        let data = randomBytes(2 * MiB + 777, seed: 12)
        try await t.writeFile("w", data)
        #expect(t.fs.dataCache?.blockCount == 3, "kept as the last handle went")
        faulty.resetCounts()
        let h = try await t.open("w", OpenFlags(access: .readOnly))
        #expect(try await t.readAll(h, chunk: 128 << 10) == data)
        #expect(faulty.getRanges.isEmpty, "\(faulty.getRanges)")
        await t.fs.release(h)
    }

    @Test func aDamagedBlockIsFetchedAgain() async throws {
        let dir = CacheDirectory()
        let faulty = FaultyStore(MemoryObjectStore())
        let t = harness(faulty, dir)
        let data = randomBytes(3 * MiB, seed: 11)
        try await t.put("f", data)
        var h = try await t.open("f", OpenFlags(access: .readOnly))
        #expect(try await t.readAll(h, chunk: MiB) == data)
        await t.fs.release(h)
        #expect(await blocks(t.fs.dataCache, reach: 3))
        for file in dir.blockFiles {
            var bytes = try #require(FileManager.default.contents(atPath: file))
            bytes[bytes.count - 5] ^= 0xFF
            try bytes.write(to: URL(fileURLWithPath: file))
        }
        h = try await t.open("f", OpenFlags(access: .readOnly))
        faulty.resetCounts()
        #expect(try await t.readAll(h, chunk: MiB) == data)
        #expect(!faulty.getRanges.isEmpty)
        await t.fs.release(h)
    }
}
