import ObjectStore
import OSSCore
import Testing

/// One suite, run against every `ObjectStore`: the in-memory fake and OSSClient talking to oss-local over
/// HTTP. Whatever the filesystem core learns from the fake must hold against the real protocol.
@Suite struct ConformanceTests {
    static let fixtures = StoreFixtures.all

    @Test(arguments: fixtures)
    func putHeadGetDelete(_ fixture: StoreFixture) async throws {
        try await fixture.run { store in
            let body = Array("hello world".utf8)
            let put = try await store.put("dir/file.txt", payload: .bytes(body),
                                          options: WriteOptions(contentType: "text/plain",
                                                                userMetadata: ["mode": "33188", "Mtime": "1.5"]))
            #expect(put.etag.rawValue == Hex.encode(Digest.md5(body), uppercase: true))
            #expect(put.crc64 == 5_981_764_153_023_615_706)
            let head = try await store.head("dir/file.txt")
            #expect(head.size == 11)
            #expect(head.etag == put.etag)
            #expect(head.contentType == "text/plain")
            #expect(head.objectType == .normal)
            #expect(head.crc64 == put.crc64)
            #expect(head.userMetadata == ["mode": "33188", "mtime": "1.5"])
            let (meta, got) = try await store.get("dir/file.txt", range: nil, conditions: GetConditions())
            #expect(got == body)
            #expect(meta.etag == put.etag)
            let (_, part) = try await store.get("dir/file.txt", range: 6..<11, conditions: GetConditions())
            #expect(part == Array("world".utf8))
            let (_, clamped) = try await store.get("dir/file.txt", range: 6..<100, conditions: GetConditions())
            #expect(clamped == Array("world".utf8))
            await #expect(throws: ObjectStoreError.self) {
                _ = try await store.get("dir/file.txt", range: 11..<20, conditions: GetConditions())
            }
            try await store.delete("dir/file.txt")
            try await store.delete("dir/file.txt")  // deleting an absent key succeeds
            await expectCode(.noSuchKey) { _ = try await store.head("dir/file.txt") }
        }
    }

    @Test(arguments: fixtures)
    func conditionsAndOverwriteProtection(_ fixture: StoreFixture) async throws {
        try await fixture.run { store in
            let first = try await store.put("k", payload: .bytes([1, 2, 3]), options: WriteOptions())
            _ = try await store.get("k", range: nil, conditions: GetConditions(ifMatch: first.etag))
            await expectCode(.preconditionFailed) {
                _ = try await store.get("k", range: nil, conditions: GetConditions(ifMatch: ETag("0123")))
            }
            await expectCode(.fileAlreadyExists) {
                _ = try await store.put("k", payload: .bytes([9]), options: WriteOptions(forbidOverwrite: true))
            }
            await expectCode(.invalidObjectName) {
                _ = try await store.put("/leading-slash", payload: .empty, options: WriteOptions())
            }
        }
    }

    @Test(arguments: fixtures)
    func listingWithDelimiterAndPages(_ fixture: StoreFixture) async throws {
        try await fixture.run { store in
            // Sorted by UTF-8 bytes: "z" (0x7A) before "目" (0xE7).
            let keys = ["a/1", "a/2", "a/sub/x", "a/sub/y", "a/t b+c", "a/z", "a/目录/z", "b"]
            for k in keys { _ = try await store.put(ObjectKey(k), payload: .bytes([0]), options: WriteOptions()) }
            var seen: [String] = []
            var prefixes: [String] = []
            var token: String?
            var pages = 0
            repeat {
                let page = try await store.list(ListRequest(prefix: "a/", delimiter: "/", continuationToken: token,
                                                            maxKeys: 2))
                seen += page.objects.map(\.key.rawValue)
                prefixes += page.commonPrefixes
                token = page.nextToken
                pages += 1
            } while token != nil && pages < 20
            #expect(seen == ["a/1", "a/2", "a/t b+c", "a/z"])
            #expect(prefixes == ["a/sub/", "a/目录/"])
            let all = try await store.list(ListRequest(prefix: "", delimiter: nil, maxKeys: 1000))
            #expect(all.objects.map(\.key.rawValue) == keys)
            #expect(all.nextToken == nil)
        }
    }

    @Test(arguments: fixtures)
    func copyReplacesOrKeepsMetadata(_ fixture: StoreFixture) async throws {
        try await fixture.run { store in
            let body = Array(repeating: UInt8(7), count: 1000)
            _ = try await store.put("src", payload: .bytes(body),
                                    options: WriteOptions(contentType: "text/x", userMetadata: ["mode": "1"]))
            let kept = try await store.copy(from: "src", to: "dst", metadata: .copy, ifMatch: nil)
            #expect(kept.crc64 == CRC64.checksum(body))
            #expect(try await store.head("dst").userMetadata == ["mode": "1"])
            _ = try await store.copy(from: "src", to: "src",
                                     metadata: .replace(WriteOptions(contentType: "text/y",
                                                                     userMetadata: ["mode": "2"])),
                                     ifMatch: nil)
            let replaced = try await store.head("src")
            #expect(replaced.userMetadata == ["mode": "2"])
            #expect(replaced.contentType == "text/y")
            #expect(try await store.get("src", range: nil, conditions: GetConditions()).body == body)
        }
    }

    @Test(arguments: fixtures)
    func multipartUploadCombinesPartCRCs(_ fixture: StoreFixture) async throws {
        try await fixture.run { store in
            // The protocol doc's three-part vector.
            let p1 = (0..<102_400).map { UInt8($0 % 251) }
            let p2 = (0..<102_400).map { UInt8(($0 * 7) % 256) }
            let p3 = Array("tail".utf8)
            let id = try await store.initiateMultipartUpload("big", options: WriteOptions(userMetadata: ["mode": "3"]))
            var parts: [UploadedPart] = []
            for (n, p) in [p1, p2, p3].enumerated() {
                let r = try await store.uploadPart("big", uploadID: id, partNumber: n + 1, payload: .bytes(p))
                #expect(r.crc64 == CRC64.checksum(p))
                parts.append(UploadedPart(partNumber: n + 1, etag: r.etag, size: UInt64(p.count)))
            }
            let listed = try await store.listParts("big", uploadID: id, partNumberMarker: nil, maxParts: 1000)
            #expect(listed.parts.map(\.partNumber) == [1, 2, 3])
            let uploads = try await store.listMultipartUploads(prefix: "", keyMarker: nil, uploadIDMarker: nil,
                                                               maxUploads: 1000)
            #expect(uploads.uploads.map(\.uploadID) == [id])
            let done = try await store.completeMultipartUpload("big", uploadID: id, parts: parts)
            #expect(done.crc64 == 8_426_855_706_170_377_833)
            let head = try await store.head("big")
            #expect(head.objectType == .multipart)
            #expect(head.size == 204_804)
            #expect(head.userMetadata["mode"] == "3")
            #expect(try await store.get("big", range: nil, conditions: GetConditions()).body == p1 + p2 + p3)
        }
    }

    @Test(arguments: fixtures)
    func multipartRejectsSmallPartsAndUnknownUploads(_ fixture: StoreFixture) async throws {
        try await fixture.run { store in
            let id = try await store.initiateMultipartUpload("m", options: WriteOptions())
            let a = try await store.uploadPart("m", uploadID: id, partNumber: 1, payload: .bytes([1]))
            let b = try await store.uploadPart("m", uploadID: id, partNumber: 2, payload: .bytes([2]))
            await expectCode(.entityTooSmall) {
                _ = try await store.completeMultipartUpload(
                    "m", uploadID: id,
                    parts: [UploadedPart(partNumber: 1, etag: a.etag), UploadedPart(partNumber: 2, etag: b.etag)])
            }
            await expectCode(.invalidPart) {
                _ = try await store.completeMultipartUpload(
                    "m", uploadID: id, parts: [UploadedPart(partNumber: 1, etag: ETag("00000000000000000000000000000000"))])
            }
            try await store.abortMultipartUpload("m", uploadID: id)
            await expectCode(.noSuchUpload) {
                _ = try await store.uploadPart("m", uploadID: id, partNumber: 3, payload: .bytes([3]))
            }
        }
    }

    @Test(arguments: fixtures)
    func uploadPartCopyTakesARange(_ fixture: StoreFixture) async throws {
        try await fixture.run { store in
            let body = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            _ = try await store.put("source", payload: .bytes(body), options: WriteOptions())
            let id = try await store.initiateMultipartUpload("copy", options: WriteOptions())
            let a = try await store.uploadPartCopy("copy", uploadID: id, partNumber: 1, source: "source",
                                                   range: 0..<150_000, ifMatch: nil)
            let b = try await store.uploadPartCopy("copy", uploadID: id, partNumber: 2, source: "source",
                                                   range: 150_000..<300_000, ifMatch: nil)
            let done = try await store.completeMultipartUpload(
                "copy", uploadID: id, parts: [UploadedPart(partNumber: 1, etag: a.etag),
                                              UploadedPart(partNumber: 2, etag: b.etag)])
            #expect(done.crc64 == CRC64.checksum(body))
            #expect(try await store.get("copy", range: nil, conditions: GetConditions()).body == body)
        }
    }

    @Test(arguments: fixtures)
    func appendChecksPositionAndCombinesCRC(_ fixture: StoreFixture) async throws {
        try await fixture.run { store in
            let r1 = try await store.append("log", position: 0, payload: .bytes(Array("hello ".utf8)),
                                            options: WriteOptions(contentType: "text/plain"))
            #expect(r1.nextPosition == 6)
            #expect(r1.crc64 == 1_796_661_072_844_795_914)
            let r2 = try await store.append("log", position: 6, payload: .bytes(Array("world".utf8)),
                                            options: WriteOptions())
            #expect(r2.nextPosition == 11)
            #expect(r2.crc64 == 5_981_764_153_023_615_706)
            do {
                _ = try await store.append("log", position: 3, payload: .bytes([1]), options: WriteOptions())
                Issue.record("append at a wrong position succeeded")
            } catch let ObjectStoreError.service(e) {
                #expect(e.code == .positionNotEqualToLength)
            }
            let head = try await store.head("log")
            #expect(head.objectType == .appendable)
            #expect(head.nextAppendPosition == 11)
            _ = try await store.put("plain", payload: .bytes([1]), options: WriteOptions())
            await expectCode(.objectNotAppendable) {
                _ = try await store.append("plain", position: 1, payload: .bytes([2]), options: WriteOptions())
            }
        }
    }

    @Test(arguments: fixtures)
    func symlinksResolveOnRead(_ fixture: StoreFixture) async throws {
        try await fixture.run { store in
            _ = try await store.put("target", payload: .bytes([1, 2, 3]), options: WriteOptions())
            try await store.putSymlink("link", target: "target", options: WriteOptions(userMetadata: ["mode": "41471"]))
            let (target, meta) = try await store.getSymlink("link")
            #expect(target == "target")
            #expect(meta.userMetadata["mode"] == "41471")
            let head = try await store.head("link")
            #expect(head.objectType == .symlink)
            #expect(head.size == 3)
            #expect(try await store.get("link", range: nil, conditions: GetConditions()).body == [1, 2, 3])
            try await store.putSymlink("dangling", target: "nowhere", options: WriteOptions())
            await expectCode(.symlinkTargetNotExist) { _ = try await store.head("dangling") }
        }
    }

    @Test(arguments: fixtures)
    func deleteMultipleAndBucketCalls(_ fixture: StoreFixture) async throws {
        try await fixture.run { store in
            for k in ["x/1", "x/2", "x/3"] {
                _ = try await store.put(ObjectKey(k), payload: .bytes([1, 2]), options: WriteOptions())
            }
            let stat = try await store.bucketStat()
            #expect(stat.objectCount == 3)
            #expect(stat.storage == 6)
            let result = try await store.deleteMultiple(["x/1", "x/2", "x/absent"])
            #expect(Set(result.deleted) == ["x/1", "x/2", "x/absent"])
            #expect(try await store.list(ListRequest(prefix: "x/", delimiter: nil)).objects.map(\.key) == ["x/3"])
            let info = try await store.bucketInfo()
            #expect(info.region == "cn-hangzhou")
        }
    }

    @Test(arguments: fixtures)
    func filePayloadsStreamAndSinksReceiveBodies(_ fixture: StoreFixture) async throws {
        try await fixture.run { store in
            let body = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 131) }
            let path = try TemporaryFile.write(Array(repeating: 0xEE, count: 100) + body)
            defer { TemporaryFile.remove(path) }
            let put = try await store.put("from-file", payload: .file(path: path, offset: 100, length: 1_000_000),
                                          options: WriteOptions())
            #expect(put.crc64 == CRC64.checksum(body))
            let sink = CollectingSink()
            let meta = try await store.get("from-file", range: nil, conditions: GetConditions(), into: sink)
            #expect(meta.size == 1_000_000)
            #expect(sink.bytes == body)
        }
    }
}

func expectCode(_ code: OSSErrorCode, _ body: () async throws -> Void,
                sourceLocation: SourceLocation = #_sourceLocation) async
{
    do {
        try await body()
        Issue.record("expected \(code), but the call succeeded", sourceLocation: sourceLocation)
    } catch let error as ObjectStoreError {
        #expect(error.code == code, "got \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(code), got \(error)", sourceLocation: sourceLocation)
    }
}
