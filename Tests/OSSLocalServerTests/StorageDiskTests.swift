import Foundation
import NIOCore
import OSSCore
import Testing
@testable import OSSLocalServer

@Suite("Storage disk backend")
struct StorageDiskTests {
    @Test func restartKeepsObjectsMetadataAndUploads() throws {
        try withStorage(.disk) { f in
            var b = f.bucket
            let attrs = ObjectAttributes(contentType: "image/png", userMetadata: ["mtime": "1700000000", "ünï": "v"],
                                         storageClass: "IA", cacheControl: "max-age=1")
            let data = storagePattern(250_000) { $0 ^ ($0 >> 8) }
            let normal = try b.put("dir/é file", blob: b.blob(data), attributes: attrs, forbidOverwrite: false)
            let app = try b.append("log", position: 0, blob: b.blob("one "), attributes: ObjectAttributes(contentType: "text/plain"))
            _ = try b.append("log", position: app.size, blob: b.blob("two"), attributes: ObjectAttributes())
            _ = try b.putSymlink("link", target: "dir/é file", attributes: ObjectAttributes(), forbidOverwrite: false)
            let mp = try b.initiateUpload("mp", attributes: ObjectAttributes(userMetadata: ["a": "b"]))
            let done = try b.initiateUpload("done", attributes: ObjectAttributes())
            let d1 = try b.uploadPart(uploadID: done, key: "done", partNumber: 1, blob: b.blob(StorageMultipartTests.part1))
            let d2 = try b.uploadPart(uploadID: done, key: "done", partNumber: 2, blob: b.blob("end"))
            let completed = try b.completeUpload(uploadID: done, key: "done", parts: [(1, d1.etag), (2, d2.etag)],
                                                 all: false, forbidOverwrite: false)
            let part = try b.uploadPart(uploadID: mp, key: "mp", partNumber: 7, blob: b.blob(StorageMultipartTests.part2))
            try b.put("deleted", "gone")
            #expect(b.delete("deleted"))
            let statBefore = b.stat()

            try f.restart()
            b = f.bucket
            #expect(f.engine.startupCleanupCount == 0)
            let statAfter = b.stat()
            #expect(statAfter.storage == statBefore.storage && statAfter.objectCount == statBefore.objectCount)
            #expect(statAfter.multipartUploadCount == statBefore.multipartUploadCount)
            // Deletes are not journaled, so after a restart the time is that of the newest surviving object.
            #expect(statAfter.lastModified >= completed.lastModified.seconds)
            let n = try #require(b.head("dir/é file"))
            #expect(n.etag == normal.etag && n.crc64 == normal.crc64 && n.contentMD5 == normal.contentMD5)
            #expect(n.attributes == attrs)
            #expect(n.lastModified == normal.lastModified)
            #expect(try b.contents("dir/é file") == data)
            let log = try #require(b.head("log"))
            #expect(log.kind == .appendable && log.size == 7)
            #expect(try b.contents("log") == Array("one two".utf8))
            _ = try b.append("log", position: 7, blob: b.blob("!"), attributes: ObjectAttributes())
            #expect(b.head("link")?.symlinkTarget == "dir/é file")
            let c = try #require(b.head("done"))
            #expect(c.etag == completed.etag && c.kind == .multipart && c.crc64 == completed.crc64)
            #expect(b.head("deleted") == nil)
            #expect(b.keys() == ["dir/é file", "done", "link", "log"])

            let parts = try b.listParts(uploadID: mp, key: "mp", partNumberMarker: 0, maxParts: 100)
            #expect(parts.parts == [part])
            #expect(parts.attributes.userMetadata == ["a": "b"])
            let tail = try b.uploadPart(uploadID: mp, key: "mp", partNumber: 8, blob: b.blob("t"))
            _ = try b.completeUpload(uploadID: mp, key: "mp", parts: [(7, part.etag), (8, tail.etag)], all: false, forbidOverwrite: false)
            #expect(try b.contents("mp") == StorageMultipartTests.part2 + Array("t".utf8))
            #expect(f.engine.bucket("other") != nil)
        }
    }

    /// A crash mid-write leaves a staging file, and a crash between a blob's rename and its record leaves an
    /// unreferenced blob: both are ignored and removed at startup; committed objects are untouched.
    @Test func crashLeftoversAreCleanedAtStartup() throws {
        try withStorage(.disk) { f in
            let dir = try #require(f.dir)
            try f.bucket.put("kept", "kept bytes")
            let writer = try f.bucket.newWriter()
            try writer.write(ByteBuffer(string: "half written"))   // never finished: the "crash"
            _ = FileManager.default.createFile(atPath: dir + "/tmp/0123.meta", contents: Data("{\"torn".utf8))
            _ = FileManager.default.createFile(atPath: dir + "/blobs/ORPHANBLOB", contents: Data("orphan".utf8))
            _ = FileManager.default.createFile(atPath: dir + "/buckets/b/objects/garbage.json", contents: Data("{".utf8))
            try FileManager.default.createDirectory(atPath: dir + "/buckets/b/uploads/ABORTED", withIntermediateDirectories: true)

            try f.restart()
            #expect(f.engine.startupCleanupCount == 5)
            #expect(StorageTestFiles.names(dir + "/tmp").isEmpty)
            #expect(!StorageTestFiles.exists(dir + "/blobs/ORPHANBLOB"))
            #expect(!StorageTestFiles.exists(dir + "/buckets/b/objects/garbage.json"))
            #expect(!StorageTestFiles.exists(dir + "/buckets/b/uploads/ABORTED"))
            #expect(f.bucket.keys() == ["kept"])
            #expect(try f.bucket.contents("kept") == Array("kept bytes".utf8))
            #expect(StorageTestFiles.names(dir + "/blobs").count == 1)
            withExtendedLifetime(writer) {}
        }
    }

    /// Overwrites and deletes free the old blob files once nothing references them; copies share them.
    @Test func blobFilesAreFreedWhenUnreferenced() throws {
        try withStorage(.disk) { f in
            let dir = try #require(f.dir)
            let b = f.bucket
            let src = try b.put("a", "content")
            #expect(StorageTestFiles.names(dir + "/blobs").count == 1)
            _ = try b.copy(from: src, to: "b", attributes: nil, forbidOverwrite: false)
            #expect(StorageTestFiles.names(dir + "/blobs").count == 1)
            try b.put("a", "other")
            #expect(StorageTestFiles.names(dir + "/blobs").count == 2)
            #expect(b.delete("b"))
            #expect(StorageTestFiles.names(dir + "/blobs").count == 1)
            do { _ = try b.blob("dropped without storing") }
            #expect(StorageTestFiles.names(dir + "/blobs").count == 1)
            #expect(throws: StorageError.fileAlreadyExists) {
                try b.put("a", blob: b.blob("refused"), attributes: ObjectAttributes(), forbidOverwrite: true)
            }
            #expect(StorageTestFiles.names(dir + "/blobs").count == 1)
            #expect(StorageTestFiles.names(dir + "/tmp").isEmpty)
            #expect(b.delete("a"))
            #expect(StorageTestFiles.names(dir + "/blobs").isEmpty)
            #expect(StorageTestFiles.names(dir + "/tmp").isEmpty)
        }
    }

    /// An object made of parts copied from one source opens one descriptor, not one per part.
    @Test func partsOfOneFileShareADescriptor() throws {
        try withStorage(.disk) { f in
            let b = f.bucket
            let data = storagePattern(409_600) { $0 % 241 }
            let src = try b.put("src", blob: b.blob(data), attributes: ObjectAttributes(), forbidOverwrite: false)
            let id = try b.initiateUpload("dst", attributes: ObjectAttributes())
            var parts: [(Int, String)] = []
            for i in 0..<4 {
                let lo = UInt64(i * 102_400)
                let p = try b.uploadPartCopy(uploadID: id, key: "dst", partNumber: i + 1, source: src, range: lo..<(lo + 102_400))
                parts.append((i + 1, p.etag))
            }
            let o = try b.completeUpload(uploadID: id, key: "dst", parts: parts, all: false, forbidOverwrite: false)
            let opened = try b.open(o)
            var handles = Set<ObjectIdentifier>()
            for case .file(let h, _, _) in opened.segments { handles.insert(ObjectIdentifier(h)) }
            #expect(opened.segments.count == 4)
            #expect(handles.count == 1)
            opened.close()
            #expect(try b.contents("dst") == data)
        }
    }

    /// A restart keeps a bucket's creation date, takes region changes from the configuration, and still serves
    /// buckets that are on disk but no longer configured.
    @Test func bucketDefinitionsAcrossRestarts() throws {
        try withStorage(.disk) { f in
            let dir = try #require(f.dir)
            try f.engine.bucket("other")!.put("x", "y")
            let moved = try StorageEngine(backend: .directory(dir),
                                          buckets: [BucketDefinition(name: "b", region: "cn-beijing", creationDate: 1_800_000_000)])
            #expect(moved.bucket("b")?.definition == BucketDefinition(name: "b", region: "cn-beijing", creationDate: 1_700_000_000))
            #expect(try moved.bucket("other")?.contents("x") == Array("y".utf8))
            #expect(moved.bucketNames == ["b", "other"])
            let again = try StorageEngine(backend: .directory(dir), buckets: [])
            #expect(again.bucket("b")?.definition.region == "cn-beijing")
        }
    }

    /// A record whose data file is missing or shorter than it says is dropped at startup, never served torn.
    @Test func recordsWithMissingOrShortDataAreDropped() throws {
        try withStorage(.disk) { f in
            let dir = try #require(f.dir)
            let b = f.bucket
            let short = try b.put("short", "0123456789")
            let gone = try b.put("gone", "abc")
            try b.put("fine", "ok")
            guard case .file(let shortPath, _, _) = short.content.segments[0],
                  case .file(let gonePath, _, _) = gone.content.segments[0] else { Issue.record("not files"); return }
            #expect(truncate(shortPath, 4) == 0)
            #expect(unlink(gonePath) == 0)
            try f.restart()
            #expect(f.bucket.keys() == ["fine"])
            #expect(f.engine.startupCleanupCount == 3)     // two records and the short blob file
            #expect(try f.bucket.contents("fine") == Array("ok".utf8))
        }
    }
}
