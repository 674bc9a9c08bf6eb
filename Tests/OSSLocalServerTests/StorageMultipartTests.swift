import Foundation
import OSSCore
import Testing
@testable import OSSLocalServer

@Suite("Storage multipart")
struct StorageMultipartTests {
    /// The three-part vector of oss-protocol.md §5.
    static let part1 = storagePattern(102_400) { $0 % 251 }
    static let part2 = storagePattern(102_400) { ($0 * 7) % 256 }
    static let part3 = Array("tail".utf8)

    @Test(arguments: StorageTestBackend.allCases)
    func completeCombinesCRCAndReferencesParts(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            let b = f.bucket
            let attrs = ObjectAttributes(contentType: "video/mp4", userMetadata: ["k": "v"])
            let id = try b.initiateUpload("big", attributes: attrs)
            #expect(id.count == 32 && id.allSatisfy { $0.isHexDigit && !$0.isLowercase })
            let p3 = try b.uploadPart(uploadID: id, key: "big", partNumber: 3, blob: b.blob(Self.part3))
            let p1 = try b.uploadPart(uploadID: id, key: "big", partNumber: 1, blob: b.blob(Self.part1))
            let p2 = try b.uploadPart(uploadID: id, key: "big", partNumber: 2, blob: b.blob(Self.part2))
            #expect(p1.etag == Hex.encode(Digest.md5(Self.part1), uppercase: true))
            #expect(p2.crc64 == CRC64.checksum(Self.part2))

            let object = try b.completeUpload(uploadID: id, key: "big",
                                              parts: [(1, "\"\(p1.etag)\""), (2, p2.etag.lowercased()), (3, p3.etag)],
                                              all: false, forbidOverwrite: false)
            let whole = Self.part1 + Self.part2 + Self.part3
            #expect(object.crc64 == 8_426_855_706_170_377_833)
            #expect(object.crc64 == CRC64.checksum(whole))
            #expect(object.size == UInt64(whole.count))
            #expect(object.kind == .multipart)
            #expect(object.attributes == attrs)
            #expect(object.etag.hasSuffix("-3"))
            #expect(object.etag != Hex.encode(Digest.md5(whole), uppercase: true))
            #expect(object.content.segments.count == 3)      // the parts themselves, not a copy
            #expect(try b.contents("big") == whole)
            #expect(try b.contents(of: object, range: 102_390..<102_410) == Array(whole[102_390..<102_410]))
            #expect(b.stat().multipartUploadCount == 0)
            #expect(throws: StorageError.noSuchUpload) {
                try b.completeUpload(uploadID: id, key: "big", parts: [(1, p1.etag)], all: false, forbidOverwrite: false)
            }
            if let dir = f.dir {
                #expect(!StorageTestFiles.exists(dir + "/buckets/b/uploads/" + id))
            }
        }
    }

    @Test(arguments: StorageTestBackend.allCases)
    func completeErrors(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            let b = f.bucket
            let id = try b.initiateUpload("k", attributes: ObjectAttributes())
            let small = try b.uploadPart(uploadID: id, key: "k", partNumber: 1, blob: b.blob(storagePattern(102_399) { $0 }))
            let big = try b.uploadPart(uploadID: id, key: "k", partNumber: 2, blob: b.blob(Self.part1))
            let last = try b.uploadPart(uploadID: id, key: "k", partNumber: 5, blob: b.blob("x"))

            #expect(throws: StorageError.entityTooSmall(partNumber: 1)) {
                try b.completeUpload(uploadID: id, key: "k", parts: [(1, small.etag), (2, big.etag)], all: false, forbidOverwrite: false)
            }
            #expect(throws: StorageError.invalidPartOrder) {
                try b.completeUpload(uploadID: id, key: "k", parts: [(2, big.etag), (1, small.etag)], all: false, forbidOverwrite: false)
            }
            #expect(throws: StorageError.invalidPartOrder) {
                try b.completeUpload(uploadID: id, key: "k", parts: [(2, big.etag), (2, big.etag)], all: false, forbidOverwrite: false)
            }
            #expect(throws: StorageError.invalidPart(3)) {
                try b.completeUpload(uploadID: id, key: "k", parts: [(2, big.etag), (3, big.etag)], all: false, forbidOverwrite: false)
            }
            #expect(throws: StorageError.invalidPart(2)) {
                try b.completeUpload(uploadID: id, key: "k", parts: [(2, small.etag)], all: false, forbidOverwrite: false)
            }
            #expect(throws: StorageError.noSuchUpload) {
                try b.completeUpload(uploadID: id, key: "other", parts: [(2, big.etag)], all: false, forbidOverwrite: false)
            }
            // An upload belongs to its key's bytes: another spelling of the same text is another key.
            let nfc = try b.initiateUpload("caf\u{E9}", attributes: ObjectAttributes())
            #expect(throws: StorageError.noSuchUpload) { try b.abortUpload(uploadID: nfc, key: "cafe\u{301}") }
            try b.abortUpload(uploadID: nfc, key: "caf\u{E9}")
            #expect(throws: StorageError.noSuchUpload) {
                try b.uploadPart(uploadID: "0123", key: "k", partNumber: 1, blob: b.blob("x"))
            }
            // complete-all sees part 1 (too small, not last).
            #expect(throws: StorageError.entityTooSmall(partNumber: 1)) {
                try b.completeUpload(uploadID: id, key: "k", parts: [], all: true, forbidOverwrite: false)
            }
            try b.put("k", "exists")
            #expect(throws: StorageError.fileAlreadyExists) {
                try b.completeUpload(uploadID: id, key: "k", parts: [(2, big.etag), (5, last.etag)], all: false, forbidOverwrite: true)
            }
            // A gap (2, 5) is fine; the upload survived the failures above.
            let o = try b.completeUpload(uploadID: id, key: "k", parts: [(2, big.etag), (5, last.etag)], all: false, forbidOverwrite: false)
            #expect(try b.contents("k") == Self.part1 + Array("x".utf8))
            #expect(o.crc64 == CRC64.checksum(Self.part1 + Array("x".utf8)))
        }
    }

    @Test(arguments: StorageTestBackend.allCases)
    func completeAllReplacedPartsAndListParts(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            let b = f.bucket
            let id = try b.initiateUpload("k", attributes: ObjectAttributes())
            _ = try b.uploadPart(uploadID: id, key: "k", partNumber: 2, blob: b.blob("old part two"))
            _ = try b.uploadPart(uploadID: id, key: "k", partNumber: 1, blob: b.blob(Self.part2))
            let p2 = try b.uploadPart(uploadID: id, key: "k", partNumber: 2, blob: b.blob(Self.part3))

            let page = try b.listParts(uploadID: id, key: "k", partNumberMarker: 0, maxParts: 1)
            #expect(page.parts.map(\.partNumber) == [1])
            #expect(page.isTruncated && page.nextPartNumberMarker == 1)
            let rest = try b.listParts(uploadID: id, key: "k", partNumberMarker: 1, maxParts: 10)
            #expect(rest.parts == [p2])
            #expect(!rest.isTruncated)

            let o = try b.completeUpload(uploadID: id, key: "k", parts: [], all: true, forbidOverwrite: false)
            #expect(try b.contents("k") == Self.part2 + Self.part3)
            #expect(o.crc64 == CRC64.checksum(Self.part2 + Self.part3))
            #expect(throws: StorageError.noSuchUpload) { try b.listParts(uploadID: id, key: "k", partNumberMarker: 0, maxParts: 10) }
        }
    }

    @Test(arguments: StorageTestBackend.allCases)
    func abortFreesTheUpload(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            let b = f.bucket
            let id = try b.initiateUpload("k", attributes: ObjectAttributes())
            _ = try b.uploadPart(uploadID: id, key: "k", partNumber: 1, blob: b.blob(Self.part1))
            #expect(throws: StorageError.noSuchUpload) { try b.abortUpload(uploadID: id, key: "wrong") }
            try b.abortUpload(uploadID: id, key: "k")
            #expect(throws: StorageError.noSuchUpload) { try b.abortUpload(uploadID: id, key: "k") }
            #expect(b.stat().multipartUploadCount == 0)
            if let dir = f.dir {
                #expect(StorageTestFiles.names(dir + "/blobs").isEmpty)
                #expect(StorageTestFiles.names(dir + "/buckets/b/uploads").isEmpty)
            }
        }
    }

    @Test(arguments: StorageTestBackend.allCases)
    func uploadPartCopyRanges(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            let b = f.bucket
            let data = Self.part1 + Self.part2
            let src = try b.put("src", blob: b.blob(data), attributes: ObjectAttributes(), forbidOverwrite: false)
            let id = try f.engine.bucket("other")!.initiateUpload("dst", attributes: ObjectAttributes())
            let other = f.engine.bucket("other")!
            let p1 = try other.uploadPartCopy(uploadID: id, key: "dst", partNumber: 1, source: src, range: 0..<150_000)
            let p2 = try other.uploadPartCopy(uploadID: id, key: "dst", partNumber: 2, source: src, range: 50_000..<204_800)
            let p3 = try other.uploadPartCopy(uploadID: id, key: "dst", partNumber: 3, source: src, range: nil)
            #expect(p1.etag == Hex.encode(Digest.md5(data[0..<150_000]), uppercase: true))
            #expect(p2.crc64 == CRC64.checksum(data[50_000...]))
            #expect(p3.etag == src.etag && p3.size == 204_800)
            #expect(b.delete("src"))     // parts keep their bytes
            let o = try other.completeUpload(uploadID: id, key: "dst", parts: [(1, p1.etag), (2, p2.etag), (3, p3.etag)],
                                             all: false, forbidOverwrite: false)
            let expected = Array(data[0..<150_000]) + Array(data[50_000...]) + data
            #expect(try other.contents("dst") == expected)
            #expect(o.crc64 == CRC64.checksum(expected))
        }
    }
}

enum StorageTestFiles {
    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
    static func names(_ path: String) -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] }
}
