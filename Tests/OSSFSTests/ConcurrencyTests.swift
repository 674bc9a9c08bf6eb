import ObjectStore
import ObjectStoreTesting
@testable import OSSFS
import Testing

@Suite struct ConcurrencyTests {
    @Test func concurrentWritersOnDifferentFiles() async throws {
        let t = Harness { $0.multipartSize = 100 << 10; $0.multipartThreshold = 200 << 10 }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<16 {
                group.addTask {
                    let data = randomBytes(50_000 * (i + 1), seed: UInt64(i))
                    let h = try await t.create("f\(i)")
                    var at = 0
                    while at < data.count {
                        let n = min(70_000, data.count - at)
                        _ = try await t.fs.write(h, offset: UInt64(at), data: Array(data[at..<at + n]))
                        at += n
                    }
                    try await t.fs.flush(h)
                    await t.fs.release(h)
                }
            }
            try await group.waitForAll()
        }
        for i in 0..<16 {
            let expected = randomBytes(50_000 * (i + 1), seed: UInt64(i))
            #expect(t.memory.storedBytes(ObjectKey("f\(i)")) == expected)
        }
        #expect(t.stagingFiles.isEmpty)
    }

    @Test func openAndReleaseRacesKeepOneSharedState() async throws {
        let t = Harness()
        try await t.writeFile("f", bytes("base"))
        let ino = try await t.ino("f")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<40 {
                group.addTask {
                    let h = try await t.fs.open(ino, flags: OpenFlags(access: .readWrite), caller: user).handle
                    _ = try await t.fs.write(h, offset: UInt64(4 + i), data: [UInt8(65 + i % 26)])
                    try await t.fs.flush(h)
                    await t.fs.release(h)
                }
            }
            try await group.waitForAll()
        }
        let stored = t.memory.storedBytes("f")!
        #expect(stored.count == 44)
        let expected: [UInt8] = (0..<40).map { i in UInt8(65 + i % 26) }
        #expect(Array(stored[4...]) == expected, "no write was lost to a second state")
        #expect(t.fs.inodes.record(ino)?.openFile == nil)
        #expect(t.stagingFiles.isEmpty)
    }

    @Test func parallelReadersOfOneFile() async throws {
        let t = Harness()
        let data = randomBytes(5 << 20, seed: 21)
        try await t.put("big", data)
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<8 {
                group.addTask {
                    let h = try await t.open("big", OpenFlags(access: .readOnly))
                    var ok = true
                    for j in 0..<20 {
                        let offset = (i * 7919 + j * 104_729) % data.count
                        let got = try await t.fs.read(h, offset: UInt64(offset), size: 4096)
                        ok = ok && got == Array(data[offset..<min(offset + 4096, data.count)])
                    }
                    await t.fs.release(h)
                    return ok
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }
}
