import ObjectStore
import ObjectStoreTesting
import OSSCore
@testable import OSSFS
import Testing

/// `cat dir/*` after a plain readdir: the small files that follow each other in the listing are fetched
/// ahead, in parallel, and their lookups and opens send nothing of their own.
@Suite struct DirectoryReadaheadTests {
    func fixture(_ count: Int) async throws -> (Harness, FaultyStore, InodeNumber, [[UInt8]]) {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        var bodies: [[UInt8]] = []
        for i in 0..<count {
            bodies.append(randomBytes(1000 + i, seed: UInt64(i)))
            try await t.put(String(format: "d/f%03d", i), bodies[i], meta: ["mode": "33216"])
        }
        let d = try await t.ino("d")
        _ = try await t.list("d")   // plain readdir: the shell's glob
        faulty.resetCounts()
        return (t, faulty, d, bodies)
    }

    /// lookup, open, read whole, release: what `cat` does with one name.
    func cat(_ t: Harness, _ d: InodeNumber, _ i: Int) async throws -> [UInt8] {
        let e = try await t.fs.lookup(parent: d, name: String(format: "f%03d", i))
        #expect(e.attributes.permissions == 0o700, "the object's metadata, not the listing's guess")
        let h = try await t.fs.open(e.attributes.ino, flags: OpenFlags(access: .readOnly), caller: user).handle
        defer { Task { await t.fs.release(h) } }
        return try await t.readAll(h)
    }

    func settled(_ t: Harness) async {
        while t.fs.directoryReadahead.inFlightCount > 0 { try? await Task.sleep(for: .milliseconds(1)) }
    }

    @Test func filesReadInListingOrderAreFetchedAheadOnce() async throws {
        let (t, faulty, d, bodies) = try await fixture(50)
        #expect(try await cat(t, d, 0) == bodies[0])
        #expect(try await cat(t, d, 1) == bodies[1])
        await settled(t)
        #expect(faulty.calls("get") == 2 + 32, "the second name in order started 32 fetches ahead")
        for i in 2..<50 { #expect(try await cat(t, d, i) == bodies[i]) }
        await settled(t)
        #expect(faulty.calls("get") == 50 && faulty.calls("head") == 0, "every file fetched once, by one GET")
        #expect(t.fs.lookupBodies.count == 0, "every body kept was opened")
    }

    @Test func aWalkLongAfterAnLsLIsFetchedAheadOnceToo() async throws {
        let (t, faulty, d, bodies) = try await fixture(40)
        _ = try await t.list("d", plus: true)   // `ls -l`: every name HEADed
        t.clock.advance(5)   // past the open-reuse window, inside the stat cache's TTL
        faulty.resetCounts()
        for i in 0..<40 { #expect(try await cat(t, d, i) == bodies[i]) }
        await settled(t)
        #expect(faulty.calls("get") == 40 && faulty.calls("head") == 0, "each file by one GET, ahead from the third")
        #expect(t.fs.lookupBodies.count == 0, "every body fetched ahead was opened")
    }

    @Test func offWithoutAStatCache() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner) { $0.statCacheTTL = 0 }
        for i in 0..<10 { try await t.put(String(format: "d/f%03d", i), bytes("body \(i)"), meta: ["mode": "33216"]) }
        let d = try await t.ino("d")
        _ = try await t.list("d")
        faulty.resetCounts()
        for i in 0..<10 { #expect(try await cat(t, d, i) == bytes("body \(i)")) }
        await settled(t)
        #expect(faulty.calls("get") <= 10, "no open could take a body fetched ahead: none is")
    }

    @Test func onlyASequenceStartsIt() async throws {
        let (t, faulty, d, bodies) = try await fixture(40)
        #expect(try await cat(t, d, 7) == bodies[7])
        #expect(try await cat(t, d, 3) == bodies[3])
        #expect(try await cat(t, d, 20) == bodies[20])
        await settled(t)
        #expect(faulty.calls("get") == 3, "opens out of listing order fetch nothing ahead")
        _ = try await t.list("d")   // `ls`: names only
        await settled(t)
        #expect(faulty.calls("get") == 3 && faulty.calls("head") == 0)
    }

    @Test func largeFilesAreLeftToTheFileReadahead() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        for i in 0..<10 { try await t.put("d/f\(i)", randomBytes(100 << 10, seed: UInt64(i))) }
        let d = try await t.ino("d")
        _ = try await t.list("d")
        faulty.resetCounts()
        for i in 0..<3 { _ = try await t.fs.lookup(parent: d, name: "f\(i)") }
        await settled(t)
        #expect(faulty.calls("get") + faulty.calls("head") == 3, "one request per lookup, none ahead")
    }

    @Test func bodiesStayWithinTheirBudgetAndWindow() throws {
        let pool = ChunkPool(limit: 1 << 20, chunkSize: 64 << 10)
        let bodies = LookupBodies(byteLimit: 10_000, window: 1)
        func head(_ n: Int) throws -> OpenedHead {
            let memory = try #require(pool.acquire(n))
            return OpenedHead(etag: ETag("e"), chunk: FetchedChunk(memory: memory, count: n, crc: 0, objectCRC: nil))
        }
        let t0 = Timestamp(seconds: 100)
        bodies.put(FSPath("a"), try head(6000), now: t0)
        #expect(bodies.hasRoom(for: 4000, now: t0) && !bodies.hasRoom(for: 4001, now: t0))
        bodies.put(FSPath("b"), try head(6000), now: t0)   // over the budget: the oldest goes
        #expect(bodies.count == 1 && bodies.bytes == 6000)
        #expect(bodies.take(FSPath("a"), etag: ETag("e"), now: t0) == nil)
        let later = Timestamp(seconds: 102)
        #expect(bodies.hasRoom(for: 10_000, now: later), "expired bodies make room")
        #expect(bodies.count == 0)
    }
}
