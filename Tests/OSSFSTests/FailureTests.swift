import ObjectStore
import ObjectStoreTesting
import OSSCore
@testable import OSSFS
import Testing

@Suite struct FailureTests {
    func harness(_ configure: @escaping (inout FilesystemConfiguration) -> Void = { _ in }) -> (Harness, FaultyStore) {
        let faulty = FaultyStore(MemoryObjectStore())
        return (Harness(store: faulty, memory: faulty.inner, configure), faulty)
    }

    func isIO(_ e: any Error) -> Bool { if case .io? = e as? FSError { true } else { false } }

    @Test func failedPutIsEIOAndDataStaysStagedForTheNextFlush() async throws {
        let (t, faulty) = harness()
        let h = try await t.create("f")
        _ = try await t.fs.write(h, offset: 0, data: bytes("precious"))
        faulty.failNext("put")
        await #expect(performing: { try await t.fs.flush(h) }, throws: isIO)
        #expect(t.memory.storedBytes("f") == nil, "a new file's first upload is what creates its object")
        #expect(t.stagingFiles.count == 1)
        try await t.fs.flush(h)
        #expect(t.memory.storedBytes("f") == bytes("precious"))
        await t.fs.release(h)
        #expect(t.stagingFiles.isEmpty)
    }

    @Test func failedReleaseKeepsDataForReopen() async throws {
        let (t, faulty) = harness()
        let h = try await t.create("f")
        _ = try await t.fs.write(h, offset: 0, data: bytes("keep me"))
        faulty.failNext("put", 2)
        await #expect(performing: { try await t.fs.flush(h) }, throws: isIO)
        await t.fs.release(h)                       // its last-chance upload fails too
        #expect(t.stagingFiles.count == 1)
        #expect(try await t.stat("f").size == 7)    // still shown with the pending size
        let h2 = try await t.open("f")
        #expect(try await t.readAll(h2) == bytes("keep me"))
        try await t.fs.flush(h2)
        await t.fs.release(h2)
        #expect(t.memory.storedBytes("f") == bytes("keep me"))
        #expect(t.stagingFiles.isEmpty)
    }

    @Test func failedPartAbortsUploadAndRetrySucceeds() async throws {
        let (t, faulty) = harness {
            $0.multipartSize = 100 << 10
            $0.multipartThreshold = 100 << 10
            $0.parallelCount = 2
        }
        let data = randomBytes(450 << 10, seed: 11)
        let h = try await t.create("big")
        _ = try await t.fs.write(h, offset: 0, data: data)
        faulty.failNext("uploadPart")
        await #expect(performing: { try await t.fs.flush(h) }, throws: isIO)
        #expect(faulty.calls("abort") == 1)
        #expect(try await t.memory.listMultipartUploads(prefix: "", keyMarker: nil, uploadIDMarker: nil,
                                                        maxUploads: 100).uploads.isEmpty)
        faulty.failNext("complete")
        await #expect(performing: { try await t.fs.flush(h) }, throws: isIO)
        try await t.fs.flush(h)
        #expect(t.memory.storedBytes("big") == data)
        await t.fs.release(h)
    }

    @Test func crcMismatchIsDetected() async throws {
        let (t, faulty) = harness()
        let h = try await t.create("f")
        _ = try await t.fs.write(h, offset: 0, data: bytes("data"))
        faulty.setCorruptCRC(true)
        await #expect(performing: { try await t.fs.flush(h) }, throws: { e in
            if case .io(let msg)? = e as? FSError { return msg.contains("CRC64") }
            return false
        })
        #expect(t.stagingFiles.count == 1)
        faulty.setCorruptCRC(false)
        try await t.fs.flush(h)
        await t.fs.release(h)
        #expect(try await t.head("f").crc64 == CRC64.checksum(bytes("data")))
    }

    @Test func crcMismatchOfAPartIsDetected() async throws {
        let (t, faulty) = harness { $0.multipartSize = 100 << 10; $0.multipartThreshold = 100 << 10 }
        let h = try await t.create("f")
        _ = try await t.fs.write(h, offset: 0, data: randomBytes(300 << 10, seed: 3))
        faulty.setCorruptCRC(true)
        await #expect(performing: { try await t.fs.flush(h) }, throws: isIO)
        faulty.setCorruptCRC(false)
        try await t.fs.flush(h)
        await t.fs.release(h)
    }

    /// A store that does not report the CRC64 of what it sent: the staged bytes are hashed instead, and a
    /// stored CRC64 that differs is still caught, for a single PUT and for parts.
    @Test func crcMismatchIsDetectedWhenTheStoreDoesNotHashWhatItSends() async throws {
        for size in [4, 300 << 10] {
            let (t, faulty) = harness { $0.multipartSize = 100 << 10; $0.multipartThreshold = 100 << 10 }
            faulty.setHidesSentCRC(true)
            let data = randomBytes(size, seed: 5)
            let h = try await t.create("f")
            _ = try await t.fs.write(h, offset: 0, data: data)
            faulty.setCorruptCRC(true)
            await #expect(performing: { try await t.fs.flush(h) }, throws: isIO)
            #expect(t.stagingFiles.count == 1)
            faulty.setCorruptCRC(false)
            try await t.fs.flush(h)
            await t.fs.release(h)
            #expect(t.memory.storedBytes("f") == data)
            #expect(try await t.head("f").crc64 == CRC64.checksum(data))
        }
    }

    @Test func storeErrorsSurfaceAsFSErrors() async throws {
        let (t, faulty) = harness()
        faulty.failNext("head", 3)
        faulty.failNext("list", 1)
        await #expect(performing: { _ = try await t.fs.lookup(parent: .root, name: "x") }, throws: { e in
            if case .store(let s)? = e as? FSError { return s.code == .serviceUnavailable }
            return false
        })
    }
}

@Suite struct StrandedStagingTests {
    @Test func unlinkOfAFileWhoseUploadFailedDropsItsStaging() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        let h = try await t.create("f")
        _ = try await t.fs.write(h, offset: 0, data: bytes("doomed"))
        faulty.failNext("put", 2)
        try? await t.fs.flush(h)
        await t.fs.release(h)
        #expect(t.stagingFiles.count == 1)
        try await t.fs.unlink(parent: .root, name: "f")
        #expect(t.stagingFiles.isEmpty)
        #expect(t.memory.keys.isEmpty)
        await t.fs.shutdown()
        #expect(t.memory.keys.isEmpty, "shutdown does not resurrect it")
    }

    @Test func shutdownUploadsWhatAFailedReleaseKept() async throws {
        let faulty = FaultyStore(MemoryObjectStore())
        let t = Harness(store: faulty, memory: faulty.inner)
        let h = try await t.create("f")
        _ = try await t.fs.write(h, offset: 0, data: bytes("late"))
        faulty.failNext("put", 2)
        try? await t.fs.flush(h)
        await t.fs.release(h)
        await t.fs.shutdown()
        #expect(t.memory.storedBytes("f") == bytes("late"))
        #expect(t.stagingFiles.isEmpty)
    }
}
