import ObjectStore
@testable import OSSClient
import OSSCore
import Testing

@Suite struct RequestShapeTests {
    @Test func copySourceMetadataDirectiveAndConditions() async throws {
        let xml = "<CopyObjectResult><ETag>\"C\"</ETag><LastModified>2024-01-02T03:04:05.000Z</LastModified></CopyObjectResult>"
        let t = ScriptedTransport([ScriptedTransport.ok(xml), ScriptedTransport.ok(xml)])
        let client = try makeClient(t)
        let r = try await client.copy(from: "dir/a b+c.txt", to: "d", metadata: .copy, ifMatch: ETag("E"))
        #expect(r.etag.rawValue == "C")
        #expect(t.requests[0].header("x-oss-copy-source") == "/examplebucket/dir/a%20b%2Bc.txt")
        #expect(t.requests[0].header("x-oss-metadata-directive") == "COPY")
        #expect(t.requests[0].header("x-oss-copy-source-if-match") == "\"E\"")
        #expect(t.requests[0].header("Content-Type") == nil)
        _ = try await client.copy(from: "s", to: "s", metadata: .replace(WriteOptions(
            contentType: "text/plain", userMetadata: ["Mode": "33188"])), ifMatch: nil)
        #expect(t.requests[1].header("x-oss-metadata-directive") == "REPLACE")
        #expect(t.requests[1].header("x-oss-meta-mode") == "33188")
        #expect(t.requests[1].header("Content-Type") == "text/plain")
    }

    @Test func symlinkTargetIsEncodedWithoutSafeCharacters() async throws {
        let t = ScriptedTransport([ScriptedTransport.ok(),
                                   ScriptedTransport.ok(headers: [("x-oss-symlink-target", "dir%2F%E7%9B%AE"), ("ETag", "\"L\"")])])
        let client = try makeClient(t)
        try await client.putSymlink("link", target: "dir/目", options: WriteOptions())
        #expect(t.requests[0].header("x-oss-symlink-target") == "dir%2F%E7%9B%AE")
        #expect(t.requests[0].url.hasSuffix("/link?symlink"))
        let (target, meta) = try await client.getSymlink("link")
        #expect(target == "dir/目" && meta.etag.rawValue == "L")
    }

    @Test func deleteMultipleSendsQuietXMLWithMD5InBatches() async throws {
        let keys = (0..<1001).map { ObjectKey("k\($0)<&>") }
        let t = ScriptedTransport([ScriptedTransport.ok("<DeleteResult><EncodingType>url</EncodingType><Error><Key>k3%3C%26%3E</Key><Code>AccessDenied</Code></Error></DeleteResult>"),
                                   ScriptedTransport.ok("")])
        let client = try makeClient(t)
        let r = try await client.deleteMultiple(keys)
        #expect(t.requests.count == 2)
        #expect(r.deleted.count == 1000 && r.failed == ["k3<&>": "AccessDenied"])
        guard case .bytes(let body) = t.requests[0].body else { Issue.record("no body"); return }
        let text = String(decoding: body, as: UTF8.self)
        #expect(text.contains("<Quiet>true</Quiet>") && text.contains("<Key>k0&lt;&amp;&gt;</Key>"))
        #expect(t.requests[0].header("Content-MD5") == Base64.encode(Digest.md5(body)))
        #expect(t.requests[0].header("Content-Type") == "application/xml")
        #expect(t.requests[0].url.hasSuffix("/?delete&encoding-type=url"))
    }

    @Test func deleteOfAMissingKeySucceeds() async throws {
        let t = ScriptedTransport([.respond(status: 204, headers: [], body: []), ScriptedTransport.error(404, code: "NoSuchKey")])
        let client = try makeClient(t)
        try await client.delete("a")
        try await client.delete("b")
        #expect(t.requests.map(\.method) == ["DELETE", "DELETE"])
    }

    @Test func listUsesV2WithURLEncodingOrV1WithMarker() async throws {
        let empty = "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>"
        let t = ScriptedTransport([ScriptedTransport.ok(empty), ScriptedTransport.ok(empty)])
        let v2 = try makeClient(t, endpoint: "http://127.0.0.1:9000", configure: { $0.maxKeys = 500 })
        _ = try await v2.list(ListRequest(prefix: "dir/", continuationToken: "tok/=", maxKeys: 1000))
        #expect(t.requests[0].url == "http://127.0.0.1:9000/examplebucket/?list-type=2&prefix=dir%2F&delimiter=%2F"
            + "&continuation-token=tok%2F%3D&max-keys=500&encoding-type=url")
        let v1 = try makeClient(t, endpoint: "http://127.0.0.1:9000", configure: { $0.listObjectsV2 = false })
        _ = try await v1.list(ListRequest(prefix: "", delimiter: nil, startAfter: "m", maxKeys: 10))
        #expect(t.requests[1].url == "http://127.0.0.1:9000/examplebucket/?marker=m&max-keys=10&encoding-type=url")
    }
}

@Suite struct HeaderInjectionTests {
    @Test func lineBreaksInMetadataNeverReachTheWire() async throws {
        let t = ScriptedTransport([ScriptedTransport.ok()])
        let client = try makeClient(t)
        for meta in [["mode": "1\r\nx-oss-object-acl: public-read"], ["a b": "1"], ["x": "nul\u{0}"]] {
            do {
                _ = try await client.put("k", payload: .bytes([]), options: WriteOptions(userMetadata: meta))
                Issue.record("expected a refusal for \(meta)")
            } catch let e as ObjectStoreError {
                #expect(e.code == .invalidArgument)
            }
        }
        #expect(t.requests.isEmpty)
        _ = try await client.put("k", payload: .bytes([]), options: WriteOptions(userMetadata: ["mode": "33188"]))
        #expect(t.requests.count == 1)
    }
}
