#if canImport(Glibc)
import Glibc
#endif
import ObjectStore
import OSSClient
import OSSCore
import Synchronization
import Testing

/// Round trips of every object API through the real transport against the in-process local server,
/// signed V1 and V4, path style.
@Suite struct LocalServerObjectTests {
    @Test(arguments: [SignatureVersionChoice.v1, .v4])
    func putHeadGetDelete(signing: SignatureVersionChoice) async throws {
        try await withLocalServer { port in
            let client = try localClient(port: port, signing: signing)
            let body = pattern(300_000)
            let key: ObjectKey = "dir/目录/a b+c~(1).bin"
            let put = try await client.put(key, payload: .bytes(body), options: WriteOptions(
                contentType: "application/x-test", userMetadata: ["mode": "33188", "Mtime": "1704164645"],
                sendContentMD5: true))
            #expect(put.crc64 == CRC64.checksum(body))
            #expect(put.etag.rawValue == Hex.encode(Digest.md5(body), uppercase: true))

            let head = try await client.head(key)
            #expect(head.size == 300_000 && head.contentType == "application/x-test")
            #expect(head.userMetadata["mode"] == "33188" && head.userMetadata["mtime"] == "1704164645")
            #expect(head.etag == put.etag && head.crc64 == put.crc64 && head.objectType == .normal)

            let whole = try await client.get(key, range: nil, conditions: GetConditions(ifMatch: put.etag))
            #expect(whole.body == body)
            let part = try await client.get(key, range: 1000..<1100, conditions: GetConditions())
            #expect(part.body == Array(body[1000..<1100]) && part.metadata.size == 300_000)

            let sink = MemorySink()
            let streamed = try await client.get(key, range: nil, conditions: GetConditions(), into: sink)
            #expect(sink.bytes == body && streamed.crc64 == put.crc64)

            await #expect(throws: ObjectStoreError.self) {
                try await client.get(key, range: nil, conditions: GetConditions(ifMatch: ETag("0123")))
            }
            do {
                _ = try await client.get(key, range: nil, conditions: GetConditions(ifMatch: ETag("0123")))
            } catch let e as ObjectStoreError { #expect(e.code == .preconditionFailed) }
            do {
                _ = try await client.get(key, range: 400_000..<400_010, conditions: GetConditions())
                Issue.record("expected InvalidRange")
            } catch let e as ObjectStoreError { #expect(e.code == .invalidRange) }

            do {
                _ = try await client.get(key, range: nil, conditions: GetConditions(ifNoneMatch: put.etag))
                Issue.record("expected NotModified")
            } catch let e as ObjectStoreError { #expect(e.code == .notModified) }
            let empty = try await client.get(key, range: 10..<10, conditions: GetConditions())
            #expect(empty.body.isEmpty && empty.metadata.size == 300_000)
            let store: any ObjectStore = client
            #expect(try await store.head(key).etag == put.etag)

            let meta = try await client.getObjectMeta(key)
            #expect(meta.size == 300_000 && meta.etag == put.etag)

            try await client.delete(key)
            try await client.delete(key)
            do {
                _ = try await client.head(key)
                Issue.record("expected NoSuchKey")
            } catch let e as ObjectStoreError { #expect(e.code == .noSuchKey && e.isNotFound) }
        }
    }

    @Test func filePayloadsStreamFromARegion() async throws {
        try await withLocalServer { port in
            let client = try localClient(port: port, signing: .v4)
            let content = pattern(3 << 20, seed: 3)
            let path = try writeTemporaryFile(content)
            defer { unlink(path) }
            let region = 12345..<(12345 + 2_500_000)
            let put = try await client.put("big", payload: .file(path: path, offset: UInt64(region.lowerBound),
                                                                 length: UInt64(region.count)),
                                           options: WriteOptions(sendContentMD5: true))
            #expect(put.crc64 == CRC64.checksum(content[region]))
            let sink = MemorySink()
            _ = try await client.get("big", range: nil, conditions: GetConditions(), into: sink)
            #expect(sink.bytes == Array(content[region]))
            await #expect(throws: (any Error).self) {
                try await client.put("missing", payload: .file(path: "/nonexistent/file", offset: 0, length: 1),
                                     options: WriteOptions())
            }
        }
    }

    @Test func aThrowingSinkAbortsWithItsOwnErrorAndNoRetry() async throws {
        struct Full: Error, Equatable {}
        final class FailingSink: BodySink {
            let writes = Mutex(0)
            func write(_ chunk: UnsafeRawBufferPointer) throws {
                writes.withLock { $0 += 1 }
                throw Full()
            }
            func reset() throws {}
        }
        try await withLocalServer { port in
            let client = try localClient(port: port, signing: .v1)
            _ = try await client.put("x", payload: .bytes(pattern(100_000)), options: WriteOptions())
            let sink = FailingSink()
            await #expect(throws: Full()) {
                try await client.get("x", range: nil, conditions: GetConditions(), into: sink)
            }
            #expect(sink.writes.withLock { $0 } == 1)
        }
    }

    @Test(arguments: [SignatureVersionChoice.v1, .v4])
    func multipartUploadCopyListAndAbort(signing: SignatureVersionChoice) async throws {
        try await withLocalServer { port in
            let client = try localClient(port: port, signing: signing)
            let p1 = pattern(200_000, seed: 1), p2 = pattern(150_000, seed: 2), tail = Array("tail".utf8)
            let key: ObjectKey = "mp/ü ber+.bin"
            let source: ObjectKey = "mp/source"
            let src = try await client.put(source, payload: .bytes(p2), options: WriteOptions())

            let id = try await client.initiateMultipartUpload(key, options: WriteOptions(
                contentType: "application/x-mp", userMetadata: ["uid": "1000"]))
            let path = try writeTemporaryFile([0, 0] + p1 + [9])
            defer { unlink(path) }
            let r1 = try await client.uploadPart(key, uploadID: id, partNumber: 1,
                                                 payload: .file(path: path, offset: 2, length: UInt64(p1.count)))
            #expect(r1.crc64 == CRC64.checksum(p1))
            let r2 = try await client.uploadPartCopy(key, uploadID: id, partNumber: 2, source: source, range: nil,
                                                     ifMatch: src.etag)
            let r3 = try await client.uploadPart(key, uploadID: id, partNumber: 3, payload: .bytes(tail))

            let parts = try await client.listParts(key, uploadID: id, partNumberMarker: nil, maxParts: 2)
            #expect(parts.parts.map(\.partNumber) == [1, 2] && parts.nextPartNumberMarker == 2)
            let rest = try await client.listParts(key, uploadID: id, partNumberMarker: 2, maxParts: 1000)
            #expect(rest.parts.map(\.partNumber) == [3] && rest.nextPartNumberMarker == nil)
            #expect(parts.parts[0].size == 200_000 && parts.parts[0].etag == r1.etag)

            let uploads = try await client.listMultipartUploads(prefix: "mp/", keyMarker: nil, uploadIDMarker: nil,
                                                                maxUploads: 1000)
            #expect(uploads.uploads.map(\.key) == [key] && uploads.uploads[0].uploadID == id)

            let done = try await client.completeMultipartUpload(key, uploadID: id, parts: [
                UploadedPart(partNumber: 1, etag: r1.etag, size: UInt64(p1.count), crc64: r1.crc64),
                UploadedPart(partNumber: 2, etag: r2.etag, size: UInt64(p2.count), crc64: CRC64.checksum(p2)),
                UploadedPart(partNumber: 3, etag: r3.etag, size: 4, crc64: r3.crc64),
            ])
            #expect(done.crc64 == CRC64.checksum(p1 + p2 + tail))
            let got = try await client.get(key, range: nil, conditions: GetConditions())
            #expect(got.body == p1 + p2 + tail)
            #expect(got.metadata.objectType == .multipart && got.metadata.userMetadata["uid"] == "1000")
            #expect(got.metadata.contentType == "application/x-mp")

            let ranged = try await client.initiateMultipartUpload("mp/ranged", options: WriteOptions())
            let copied = try await client.uploadPartCopy("mp/ranged", uploadID: ranged, partNumber: 1, source: source,
                                                         range: 10..<20, ifMatch: nil)
            _ = try await client.completeMultipartUpload("mp/ranged", uploadID: ranged, parts: [
                UploadedPart(partNumber: 1, etag: copied.etag)])
            #expect(try await client.get("mp/ranged", range: nil, conditions: GetConditions()).body == Array(p2[10..<20]))

            let abandoned = try await client.initiateMultipartUpload("mp/abandoned", options: WriteOptions())
            try await client.abortMultipartUpload("mp/abandoned", uploadID: abandoned)
            let after = try await client.listMultipartUploads(prefix: "", keyMarker: nil, uploadIDMarker: nil, maxUploads: 10)
            #expect(after.uploads.isEmpty)
            do {
                _ = try await client.listParts("mp/abandoned", uploadID: abandoned, partNumberMarker: nil, maxParts: 10)
                Issue.record("expected NoSuchUpload")
            } catch let e as ObjectStoreError { #expect(e.code == .noSuchUpload) }
        }
    }

    @Test(arguments: [SignatureVersionChoice.v1, .v4])
    func appendObject(signing: SignatureVersionChoice) async throws {
        try await withLocalServer { port in
            let client = try localClient(port: port, signing: signing)
            let a = Array("hello ".utf8), b = Array("world".utf8)
            let r1 = try await client.append("log.txt", position: 0, payload: .bytes(a),
                                             options: WriteOptions(contentType: "text/plain", userMetadata: ["k": "v"]))
            #expect(r1.nextPosition == 6 && r1.crc64 == CRC64.checksum(a))
            let r2 = try await client.append("log.txt", position: 6, payload: .bytes(b), options: WriteOptions())
            #expect(r2.nextPosition == 11 && r2.crc64 == 5_981_764_153_023_615_706)
            do {
                _ = try await client.append("log.txt", position: 3, payload: .bytes(b), options: WriteOptions())
                Issue.record("expected PositionNotEqualToLength")
            } catch let e as ObjectStoreError {
                guard case .service(let s) = e else { Issue.record("\(e)"); return }
                #expect(s.code == .positionNotEqualToLength && s.details["NextAppendPosition"] == "11")
            }
            let head = try await client.head("log.txt")
            #expect(head.objectType == .appendable && head.nextAppendPosition == 11 && head.contentType == "text/plain")
            #expect(head.userMetadata["k"] == "v")
            _ = try await client.put("plain", payload: .bytes(a), options: WriteOptions())
            do {
                _ = try await client.append("plain", position: 6, payload: .bytes(b), options: WriteOptions())
                Issue.record("expected ObjectNotAppendable")
            } catch let e as ObjectStoreError { #expect(e.code == .objectNotAppendable) }
        }
    }

    @Test(arguments: [SignatureVersionChoice.v1, .v4])
    func symlinks(signing: SignatureVersionChoice) async throws {
        try await withLocalServer { port in
            let client = try localClient(port: port, signing: signing)
            let body = Array("target body".utf8)
            _ = try await client.put("dir/目 标.txt", payload: .bytes(body), options: WriteOptions())
            try await client.putSymlink("link", target: "dir/目 标.txt", options: WriteOptions(userMetadata: ["mode": "41471"]))
            let (target, meta) = try await client.getSymlink("link")
            #expect(target == "dir/目 标.txt" && meta.userMetadata["mode"] == "41471")
            let head = try await client.head("link")
            #expect(head.objectType == .symlink && head.size == UInt64(body.count))
            #expect(try await client.get("link", range: nil, conditions: GetConditions()).body == body)

            try await client.putSymlink("dangling", target: "nowhere", options: WriteOptions())
            do {
                _ = try await client.head("dangling")
                Issue.record("expected SymlinkTargetNotExist")
            } catch let e as ObjectStoreError { #expect(e.code == .symlinkTargetNotExist && e.isNotFound) }
            do {
                _ = try await client.getSymlink("dir/目 标.txt")
                Issue.record("a plain object is no symlink")
            } catch let e as ObjectStoreError { #expect(e.code != nil) }
            await #expect(throws: ObjectStoreError.self) {
                try await client.putSymlink("link", target: "x", options: WriteOptions(forbidOverwrite: true))
            }
        }
    }

    @Test(arguments: [SignatureVersionChoice.v1, .v4])
    func copyObject(signing: SignatureVersionChoice) async throws {
        try await withLocalServer { port in
            let client = try localClient(port: port, signing: signing)
            let body = pattern(1000)
            let src = try await client.put("src/a b", payload: .bytes(body), options: WriteOptions(
                contentType: "text/x-src", userMetadata: ["mode": "33188"]))
            let copy = try await client.copy(from: "src/a b", to: "dst/ü", metadata: .copy, ifMatch: src.etag)
            #expect(copy.etag == src.etag)
            let h = try await client.head("dst/ü")
            #expect(h.contentType == "text/x-src" && h.userMetadata == ["mode": "33188"] && h.crc64 == src.crc64)

            _ = try await client.copy(from: "src/a b", to: "src/a b", metadata: .replace(WriteOptions(
                contentType: "text/x-new", userMetadata: ["mode": "33261", "mtime": "5"])), ifMatch: nil)
            let r = try await client.head("src/a b")
            #expect(r.contentType == "text/x-new" && r.userMetadata == ["mode": "33261", "mtime": "5"])
            #expect(try await client.get("src/a b", range: nil, conditions: GetConditions()).body == body)

            do {
                _ = try await client.copy(from: "src/a b", to: "x", metadata: .copy, ifMatch: ETag("00"))
                Issue.record("expected PreconditionFailed")
            } catch let e as ObjectStoreError { #expect(e.code == .preconditionFailed) }
            do {
                _ = try await client.copy(from: "absent", to: "x", metadata: .copy, ifMatch: nil)
                Issue.record("expected NoSuchKey")
            } catch let e as ObjectStoreError { #expect(e.code == .noSuchKey) }
            await #expect(throws: ObjectStoreError.self) {
                try await client.put("dst/ü", payload: .bytes([1]), options: WriteOptions(forbidOverwrite: true))
            }
        }
    }
}
