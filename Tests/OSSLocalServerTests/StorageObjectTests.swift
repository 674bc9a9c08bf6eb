import Foundation
import NIOCore
import OSSCore
import Testing
@testable import OSSLocalServer

@Suite("Storage objects")
struct StorageObjectTests {
    @Test(arguments: StorageTestBackend.allCases)
    func putHeadGet(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            let b = f.bucket
            let data = storagePattern(300_000) { $0 * 31 + $0 / 7 }
            var attrs = ObjectAttributes(contentType: "text/plain", userMetadata: ["mode": "33188"])
            attrs.cacheControl = "no-cache"
            let stored = try b.put("dir/file.bin", blob: b.blob(data), attributes: attrs, forbidOverwrite: false)
            #expect(stored.size == 300_000)
            #expect(stored.etag == Hex.encode(Digest.md5(data), uppercase: true))
            #expect(stored.contentMD5 == Base64.encode(Digest.md5(data)))
            #expect(stored.crc64 == CRC64.checksum(data))
            #expect(stored.kind == .normal)

            let head = try #require(b.head("dir/file.bin"))
            #expect(head.etag == stored.etag)
            #expect(head.attributes == attrs)
            #expect(try b.contents("dir/file.bin") == data)
            #expect(try b.contents(of: head, range: 1000..<1010) == Array(data[1000..<1010]))
            #expect(try Array(b.read(head, range: 299_990..<300_000).readableBytesView) == Array(data[299_990...]))
            #expect(b.head("dir/file.bi") == nil)
            #expect(b.head("dir/") == nil)
        }
    }

    @Test(arguments: StorageTestBackend.allCases)
    func emptyObject(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            let o = try f.bucket.put("dir/", "")
            #expect(o.size == 0)
            #expect(o.crc64 == 0)
            #expect(o.etag == "D41D8CD98F00B204E9800998ECF8427E")
            #expect(try f.bucket.contents("dir/") == [])
        }
    }

    @Test(arguments: StorageTestBackend.allCases)
    func overwriteDeleteAndConditions(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            let b = f.bucket
            let first = try b.put("k", "first")
            try b.put("k", "second version")
            #expect(try b.contents("k") == Array("second version".utf8))
            #expect(b.stat().objectCount == 1)
            #expect(b.stat().storage == 14)

            #expect(throws: StorageError.fileAlreadyExists) {
                try b.put("k", blob: b.blob("x"), attributes: ObjectAttributes(), forbidOverwrite: true)
            }
            #expect(throws: StorageError.preconditionFailed) {
                try b.put("k", blob: b.blob("x"), attributes: ObjectAttributes(), forbidOverwrite: false, ifMatch: first.etag)
            }
            let current = try #require(b.head("k"))
            try b.put("k", blob: b.blob("third"), attributes: ObjectAttributes(), forbidOverwrite: false,
                      ifMatch: "\"\(current.etag.lowercased())\"")
            #expect(try b.contents("k") == Array("third".utf8))

            #expect(b.delete("k"))
            #expect(!b.delete("k"))
            #expect(b.head("k") == nil)
            #expect(b.stat().objectCount == 0)
            #expect(b.stat().storage == 0)
            try b.put("k", blob: b.blob("new"), attributes: ObjectAttributes(), forbidOverwrite: true)
            #expect(try b.contents("k") == Array("new".utf8))
        }
    }

    /// A GET that opened an object keeps reading its bytes even if the object is overwritten and deleted.
    @Test(arguments: StorageTestBackend.allCases)
    func openedContentSurvivesOverwriteAndDelete(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            let b = f.bucket
            let data = storagePattern(200_000) { $0 % 253 }
            try b.put("k", blob: b.blob(data), attributes: ObjectAttributes(), forbidOverwrite: false)
            let (object, opened) = try #require(try b.headAndOpen("k"))
            defer { opened.close() }
            try b.put("k", "replaced")
            #expect(b.delete("k"))
            var got: [UInt8] = []
            for case .file(let handle, let offset, let length) in opened.segments {
                var buf = [UInt8](repeating: 0, count: Int(length))
                try handle.withUnsafeFileDescriptor { fd in
                    try buf.withUnsafeMutableBytes { try StorageFiles.preadAll(fd, $0, offset: offset, path: "t") }
                }
                got += buf
            }
            for case .bytes(let bytes) in opened.segments { got += bytes.readableBytesView }
            #expect(got == data)
            // The stale snapshot's bytes are gone for new opens (disk) or still held by the value (memory).
            if kind == .disk {
                #expect(throws: StorageError.noSuchKey) { try b.open(object) }
            }
        }
    }

    /// Keys are compared by bytes: NFC and NFD spellings of "é" are two different objects.
    @Test(arguments: StorageTestBackend.allCases)
    func keysAreBytes(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            let b = f.bucket
            try b.put("caf\u{E9}", "nfc")
            try b.put("cafe\u{301}", "nfd")
            #expect(b.stat().objectCount == 2)
            #expect(try b.contents("caf\u{E9}") == Array("nfc".utf8))
            #expect(try b.contents("cafe\u{301}") == Array("nfd".utf8))
            #expect(b.keys().map { Array($0.utf8) } == [Array("cafe\u{301}".utf8), Array("caf\u{E9}".utf8)])
        }
    }

    @Test(arguments: StorageTestBackend.allCases)
    func deleteMultiple(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            let b = f.bucket
            for k in ["a", "b", "c"] { try b.put(k, k) }
            #expect(b.deleteMultiple(["a", "c", "missing"]) == ["a", "c", "missing"])
            #expect(b.keys() == ["b"])
        }
    }

    @Test(arguments: StorageTestBackend.allCases)
    func copyKeepsOrReplacesAttributes(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            let b = f.bucket
            let src = try b.put("src", "copy me", attributes: ObjectAttributes(contentType: "text/x", userMetadata: ["a": "1"]))
            let same = try b.copy(from: src, to: "dst", attributes: nil, forbidOverwrite: false)
            #expect(same.etag == src.etag)
            #expect(same.crc64 == src.crc64)
            #expect(same.attributes == src.attributes)
            #expect(try b.contents("dst") == Array("copy me".utf8))

            let replaced = try b.copy(from: src, to: "src", attributes: ObjectAttributes(userMetadata: ["b": "2"]),
                                      forbidOverwrite: false)
            #expect(replaced.attributes.userMetadata == ["b": "2"])
            #expect(try b.contents("src") == Array("copy me".utf8))

            let other = f.engine.bucket("other")!
            _ = try other.copy(from: try #require(b.head("dst")), to: "x", attributes: nil, forbidOverwrite: false)
            #expect(b.delete("dst") && b.delete("src"))
            #expect(try other.contents("x") == Array("copy me".utf8))
            #expect(throws: StorageError.fileAlreadyExists) {
                try other.copy(from: other.head("x")!, to: "x", attributes: nil, forbidOverwrite: true)
            }
        }
    }

    @Test(arguments: StorageTestBackend.allCases)
    func symlink(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            let b = f.bucket
            let link = try b.putSymlink("link", target: "dir/target file", attributes: ObjectAttributes(userMetadata: ["m": "v"]),
                                        forbidOverwrite: false)
            #expect(link.kind == .symlink)
            let head = try #require(b.head("link"))
            #expect(head.symlinkTarget == "dir/target file")
            #expect(head.attributes.userMetadata == ["m": "v"])
            #expect(b.head("dir/target file") == nil)   // the target is not checked
            #expect(throws: StorageError.fileAlreadyExists) {
                try b.putSymlink("link", target: "t", attributes: ObjectAttributes(), forbidOverwrite: true)
            }
        }
    }

    @Test(arguments: StorageTestBackend.allCases)
    func stats(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            let b = f.bucket
            #expect(b.stat() == BucketStat(storage: 0, objectCount: 0, multipartUploadCount: 0, lastModified: 0))
            try b.put("a", "12345")
            try b.put("b", "123")
            _ = try b.initiateUpload("c", attributes: ObjectAttributes())
            let s = b.stat()
            #expect(s.storage == 8)
            #expect(s.objectCount == 2)
            #expect(s.multipartUploadCount == 1)
            #expect(s.lastModified >= b.head("a")!.lastModified.seconds)
        }
    }

    @Test(arguments: StorageTestBackend.allCases)
    func writerLimitsAndAbort(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            let w = try f.bucket.newWriter()
            try w.write(ByteBuffer(bytes: [1, 2, 3]))
            w.abort()
            if let dir = f.dir {
                #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/tmp").isEmpty)
            }
            var sums = StorageChecksummer(limit: 10)
            try sums.update(ByteBuffer(bytes: [UInt8](repeating: 0, count: 10)))
            #expect(throws: StorageError.entityTooLarge) { try sums.update(ByteBuffer(bytes: [0])) }
        }
    }

    @Test(arguments: StorageTestBackend.allCases)
    func restoreForTests(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            try f.bucket.put("cold", "x", attributes: ObjectAttributes(storageClass: "Archive"))
            #expect(f.bucket.head("cold")?.restored == false)
            f.bucket.restoreForTests("cold")
            #expect(f.bucket.head("cold")?.restored == true)
        }
    }
}
