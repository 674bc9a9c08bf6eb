import OSSCore
import Testing
@testable import OSSLocalServer

@Suite("Storage append")
struct StorageAppendTests {
    @Test(arguments: StorageTestBackend.allCases)
    func appendGrowsCombinesCRCAndChangesETag(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            let b = f.bucket
            let attrs = ObjectAttributes(contentType: "text/log", userMetadata: ["first": "yes"])
            let a = try b.append("log", position: 0, blob: b.blob("hello "), attributes: attrs)
            #expect(a.kind == .appendable)
            #expect(a.size == 6)
            #expect(a.crc64 == 1_796_661_072_844_795_914)
            let c = try b.append("log", position: 6, blob: b.blob("world"), attributes: ObjectAttributes())
            #expect(c.crc64 == 5_981_764_153_023_615_706)
            #expect(c.size == 11)
            #expect(c.etag != a.etag)
            #expect(c.attributes == attrs)      // later appends keep the first attributes
            #expect(try b.contents("log") == Array("hello world".utf8))
            let big = storagePattern(150_000) { $0 * 13 }
            let d = try b.append("log", position: 11, blob: b.blob(big), attributes: ObjectAttributes())
            #expect(d.crc64 == CRC64.checksum(Array("hello world".utf8) + big))
            #expect(try b.contents(of: d, range: 5..<20) == Array((Array("hello world".utf8) + big)[5..<20]))
        }
    }

    @Test(arguments: StorageTestBackend.allCases)
    func positionMismatchReportsCurrentLength(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            let b = f.bucket
            #expect(throws: StorageError.positionNotEqualToLength(current: 0)) {
                try b.append("new", position: 5, blob: b.blob("x"), attributes: ObjectAttributes())
            }
            #expect(b.head("new") == nil)
            _ = try b.append("new", position: 0, blob: b.blob("abc"), attributes: ObjectAttributes())
            #expect(throws: StorageError.positionNotEqualToLength(current: 3)) {
                try b.append("new", position: 0, blob: b.blob("x"), attributes: ObjectAttributes())
            }
            #expect(throws: StorageError.positionNotEqualToLength(current: 3)) {
                try b.append("new", position: 4, blob: b.blob("x"), attributes: ObjectAttributes())
            }
            #expect(try b.contents("new") == Array("abc".utf8))
        }
    }

    @Test(arguments: StorageTestBackend.allCases)
    func normalObjectsAreNotAppendable(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            let b = f.bucket
            try b.put("plain", "abc")
            #expect(throws: StorageError.objectNotAppendable) {
                try b.append("plain", position: 3, blob: b.blob("x"), attributes: ObjectAttributes())
            }
            // Overwriting an appendable object with a PUT makes it Normal.
            _ = try b.append("app", position: 0, blob: b.blob("abc"), attributes: ObjectAttributes())
            try b.put("app", "put")
            #expect(throws: StorageError.objectNotAppendable) {
                try b.append("app", position: 3, blob: b.blob("x"), attributes: ObjectAttributes())
            }
        }
    }

    /// Concurrent appenders at the same position: exactly one wins each round, the others see the new length.
    @Test(arguments: StorageTestBackend.allCases)
    func concurrentAppendsSerialise(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            let b = f.bucket
            _ = try b.append("c", position: 0, blob: b.blob(""), attributes: ObjectAttributes())
            let rounds = 20
            StorageConcurrency.concurrentPerform(iterations: 4 * rounds) { i in
                let piece = Array("\(i % 10)".utf8)
                while true {
                    let position = b.head("c")!.size
                    do {
                        _ = try b.append("c", position: position, blob: b.blob(piece), attributes: ObjectAttributes())
                        return
                    } catch StorageError.positionNotEqualToLength {
                        continue
                    } catch {
                        Issue.record("unexpected \(error)")
                        return
                    }
                }
            }
            let final = try #require(b.head("c"))
            #expect(final.size == UInt64(4 * rounds))
            let bytes = try b.contents("c") ?? []
            #expect(bytes.count == 4 * rounds)
            #expect(final.crc64 == CRC64.checksum(bytes))
        }
    }

    /// Many small appends keep a handful of segments (merged like a binary counter), not one per append.
    @Test(arguments: StorageTestBackend.allCases)
    func smallAppendsStayFewSegments(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            let b = f.bucket
            var all: [UInt8] = []
            var object: StoredObject?
            for i in 0..<500 {
                let piece = storagePattern(1 + i % 37) { $0 &+ i }
                object = try b.append("many", position: UInt64(all.count), blob: b.blob(piece), attributes: ObjectAttributes())
                all += piece
            }
            let final = try #require(object)
            #expect(final.content.segments.count <= 10)
            #expect(final.size == UInt64(all.count))
            #expect(final.crc64 == CRC64.checksum(all))
            #expect(try b.contents("many") == all)
            if let dir = f.dir {
                // Superseded pieces were freed: only the object's own files remain.
                #expect(StorageTestFiles.names(dir + "/blobs").count == final.content.segments.count)
            }
        }
    }
}
