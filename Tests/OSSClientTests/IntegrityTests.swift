#if canImport(Glibc)
import Glibc
#endif
import ObjectStore
@testable import OSSClient
import OSSCore
import Testing

@Suite struct IntegrityTests {
    @Test func putComparesSentCRCWithServers() async throws {
        let payload = Array("hello world".utf8)
        let good = ScriptedTransport([ScriptedTransport.ok(headers: [("ETag", "\"AB\""), ("x-oss-hash-crc64ecma", "5981764153023615706")])])
        let r = try await makeClient(good).put("k", payload: .bytes(payload), options: WriteOptions())
        #expect(r.etag.rawValue == "AB" && r.crc64 == 5_981_764_153_023_615_706)
        #expect(good.requests[0].hashRequestBody && good.requests[0].header("Content-Type") == "application/octet-stream")

        let bad = ScriptedTransport([ScriptedTransport.ok(headers: [("ETag", "\"AB\""), ("x-oss-hash-crc64ecma", "1")])])
        await #expect(throws: ObjectStoreError.integrity(key: "k", expected: 5_981_764_153_023_615_706, actual: 1)) {
            try await makeClient(bad).put("k", payload: .bytes(payload), options: WriteOptions())
        }
    }

    /// Writes report the CRC64 of the bytes they read and sent, so ossfs need not read its staging file again.
    @Test func writesReportTheCRCOfWhatTheySent() async throws {
        let path = try writeTemporaryFile(Array("xxhello worldyy".utf8))
        defer { unlink(path) }
        let crc = "5981764153023615706"   // CRC64 of "hello world"
        let t = ScriptedTransport([
            ScriptedTransport.ok(headers: [("ETag", "\"A\""), ("x-oss-hash-crc64ecma", crc)]),
            ScriptedTransport.ok(headers: [("ETag", "\"B\"")]),   // a server that names no CRC64
        ])
        let client = try makeClient(t)
        let put = try await client.put("k", payload: .file(path: path, offset: 2, length: 11), options: WriteOptions())
        #expect(put.sentCRC64 == 5_981_764_153_023_615_706 && put.crc64 == 5_981_764_153_023_615_706)
        let part = try await client.uploadPart("k", uploadID: UploadID("U"), partNumber: 1,
                                               payload: .file(path: path, offset: 2, length: 11))
        #expect(part.sentCRC64 == 5_981_764_153_023_615_706 && part.crc64 == nil)

        // With CRC64 checks off nothing is hashed, and nothing is claimed.
        let off = ScriptedTransport([ScriptedTransport.ok(headers: [("ETag", "\"A\"")])])
        let quiet = try makeClient(off) { $0.verifyCRC64 = false }
        let r = try await quiet.put("k", payload: .bytes(Array("abc".utf8)), options: WriteOptions())
        #expect(r.sentCRC64 == nil && !off.requests[0].hashRequestBody)
    }

    @Test func wholeObjectGetIsVerifiedButRangesAreNot() async throws {
        let body = Array("abc".utf8)
        let t = ScriptedTransport([
            .respond(status: 200, headers: [("x-oss-hash-crc64ecma", "7")], body: body),
            .respond(status: 206, headers: [("x-oss-hash-crc64ecma", "7"), ("Content-Range", "bytes 0-2/10")], body: body),
        ])
        let client = try makeClient(t)
        await #expect(throws: ObjectStoreError.integrity(key: "k", expected: 7, actual: CRC64.checksum(body))) {
            try await client.get("k", range: nil, conditions: GetConditions())
        }
        let ranged = try await client.get("k", range: 0..<3, conditions: GetConditions(ifMatch: ETag("E")))
        #expect(ranged.body == body && ranged.metadata.size == 10)
        #expect(t.requests[1].header("Range") == "bytes=0-2")
        #expect(t.requests[1].header("If-Match") == "\"E\"")
        #expect(t.requests[1].header("x-oss-range-behavior") == "standard")
    }

    @Test func contentMD5WhenAsked() async throws {
        let t = ScriptedTransport([ScriptedTransport.ok(), ScriptedTransport.ok()])
        let client = try makeClient(t)
        _ = try await client.put("k", payload: .bytes([]), options: WriteOptions(sendContentMD5: true))
        #expect(t.requests[0].header("Content-MD5") == "1B2M2Y8AsgTpgAmY7PhCfg==")
        let path = try writeTemporaryFile(Array("xxhello worldyy".utf8))
        defer { unlink(path) }
        _ = try await client.put("k", payload: .file(path: path, offset: 2, length: 11),
                                 options: WriteOptions(sendContentMD5: true))
        #expect(t.requests[1].header("Content-MD5") == Base64.encode(Digest.md5(Array("hello world".utf8))))
    }

    @Test func appendCombinesWithThePreviousCRC() async throws {
        let a = Array("hello ".utf8), b = Array("world".utf8)
        let t = ScriptedTransport([
            ScriptedTransport.ok(headers: [("x-oss-next-append-position", "6"), ("x-oss-hash-crc64ecma", String(CRC64.checksum(a)))]),
            ScriptedTransport.ok(headers: [("x-oss-next-append-position", "11"), ("x-oss-hash-crc64ecma", "5981764153023615706")]),
            ScriptedTransport.ok(headers: [("x-oss-next-append-position", "16"), ("x-oss-hash-crc64ecma", "12345")]),
        ])
        let client = try makeClient(t)
        let r1 = try await client.append("k", position: 0, payload: .bytes(a), options: WriteOptions(contentType: "text/plain"))
        #expect(r1.nextPosition == 6)
        let r2 = try await client.append("k", position: 6, payload: .bytes(b), options: WriteOptions())
        #expect(r2.crc64 == 5_981_764_153_023_615_706)
        await #expect(throws: ObjectStoreError.self) {
            try await client.append("k", position: 11, payload: .bytes(b), options: WriteOptions())
        }
        #expect(t.requests[0].url.hasSuffix("/k?append&position=0"))
        #expect(t.requests[0].header("Content-Type") == "text/plain")
    }

    @Test func completeMultipartChecksTheCombinedCRC() async throws {
        let xml = "<CompleteMultipartUploadResult><Bucket>examplebucket</Bucket><Key>k</Key><ETag>\"M-2\"</ETag></CompleteMultipartUploadResult>"
        let parts = [
            UploadedPart(partNumber: 1, etag: ETag("a"), size: 6, crc64: CRC64.checksum(Array("hello ".utf8))),
            UploadedPart(partNumber: 2, etag: ETag("b"), size: 5, crc64: CRC64.checksum(Array("world".utf8))),
        ]
        let t = ScriptedTransport([
            ScriptedTransport.ok(xml, headers: [("x-oss-hash-crc64ecma", "5981764153023615706")]),
            ScriptedTransport.ok(xml, headers: [("x-oss-hash-crc64ecma", "99")]),
        ])
        let client = try makeClient(t)
        let r = try await client.completeMultipartUpload("k", uploadID: UploadID("U"), parts: parts)
        #expect(r.etag.rawValue == "M-2")
        let body = String(decoding: try #require({ if case .bytes(let b) = t.requests[0].body { b } else { nil } }()), as: UTF8.self)
        #expect(body.contains("<Part><PartNumber>1</PartNumber><ETag>") && body.contains("<PartNumber>2</PartNumber>"))
        await #expect(throws: ObjectStoreError.integrity(key: "k", expected: 5_981_764_153_023_615_706, actual: 99)) {
            try await client.completeMultipartUpload("k", uploadID: UploadID("U"), parts: parts)
        }
    }
}
