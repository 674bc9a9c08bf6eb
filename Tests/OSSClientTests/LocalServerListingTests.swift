#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ObjectStore
import OSSClient
import OSSCore
import OSSLocalServer
import Testing

/// Listings, deletes and bucket calls against the local server.
@Suite struct LocalServerListingTests {
    static let keys: [ObjectKey] = [
        "dir/a", "dir/b b", "dir/c+d", "dir/目录/x.txt", "dir/目录/y.txt", "dir/ü", "dir/😀", "dir/a%20b",
        "dir/x&y<z>'\"", "dir/sub/", "dir/sub/1", "dir/sub/2", "dir/tab\tname", "dir/ctl\u{01}", "dir/~tilde",
        "other/1", "top",
    ]

    func fill(_ client: OSSClient) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for k in Self.keys {
                group.addTask { _ = try await client.put(k, payload: .bytes(Array(k.rawValue.utf8)), options: WriteOptions()) }
            }
            try await group.waitForAll()
        }
    }

    func listAll(_ client: OSSClient, _ request: ListRequest) async throws -> (keys: [ObjectKey], prefixes: [String], pages: Int) {
        var req = request
        var keys: [ObjectKey] = [], prefixes: [String] = [], pages = 0
        while true {
            let page = try await client.list(req)
            pages += 1
            keys += page.objects.map(\.key)
            prefixes += page.commonPrefixes
            guard let next = page.nextToken else { break }
            req.continuationToken = next
            #expect(pages < 100)
        }
        return (keys, prefixes, pages)
    }

    @Test(arguments: [(SignatureVersionChoice.v1, true), (.v4, true), (.v4, false), (.v1, false)])
    func paginationWithUnicodeKeys(signing: SignatureVersionChoice, v2: Bool) async throws {
        try await withLocalServer { port in
            let client = try localClient(port: port, signing: signing, configure: { $0.listObjectsV2 = v2 })
            try await fill(client)

            let recursive = try await listAll(client, ListRequest(prefix: "dir/", delimiter: nil, maxKeys: 4))
            let expected = Self.keys.filter { $0.rawValue.hasPrefix("dir/") }.sorted()
            #expect(recursive.keys == expected)
            #expect(recursive.pages == (expected.count + 3) / 4)

            let shallow = try await listAll(client, ListRequest(prefix: "dir/", delimiter: "/", maxKeys: 3))
            #expect(shallow.prefixes == ["dir/sub/", "dir/目录/"])
            #expect(shallow.keys == expected.filter { !$0.rawValue.dropFirst(4).contains("/") })

            let root = try await listAll(client, ListRequest(prefix: "", delimiter: "/"))
            #expect(root.keys == ["top"] && root.prefixes == ["dir/", "other/"] && root.pages == 1)

            let after = try await listAll(client, ListRequest(prefix: "dir/", delimiter: nil, startAfter: "dir/sub/2"))
            #expect(after.keys == expected.filter { $0 > "dir/sub/2" })

            let listed = try await client.list(ListRequest(prefix: "dir/目录/", delimiter: "/"))
            #expect(listed.objects.map(\.size) == [UInt64("dir/目录/x.txt".utf8.count), UInt64("dir/目录/y.txt".utf8.count)])
            #expect(listed.objects.allSatisfy { $0.etag.rawValue.count == 32 && $0.lastModified.seconds > 1_700_000_000 })
        }
    }

    @Test func deleteMultipleAndBucketCalls() async throws {
        try await withLocalServer { port in
            let client = try localClient(port: port, signing: .v4)
            try await fill(client)
            let info = try await client.bucketInfo()
            #expect(info.name == serverBucket && info.region == "cn-hangzhou" && info.storageClass == .standard)
            let stat = try await client.bucketStat()
            #expect(stat.objectCount == UInt64(Self.keys.count))
            #expect(stat.storage == Self.keys.reduce(0) { $0 + UInt64($1.rawValue.utf8.count) })

            let result = try await client.deleteMultiple(Self.keys + ["never-existed"])
            #expect(Set(result.deleted) == Set(Self.keys + ["never-existed"]) && result.failed.isEmpty)
            let left = try await client.list(ListRequest(prefix: "", delimiter: nil))
            #expect(left.objects.isEmpty)
            #expect(try await client.bucketStat().objectCount == 0)
        }
    }
}

/// Errors, credentials, skew and presigning against the local server.
@Suite struct LocalServerErrorTests {
    @Test(arguments: [SignatureVersionChoice.v1, .v4])
    func wrongSecretIsSignatureDoesNotMatchWithoutRetry(signing: SignatureVersionChoice) async throws {
        try await withLocalServer { port in
            let logs = LogCapture()
            let bad = Credentials(accessKeyID: serverKey.id, accessKeySecret: "WrongSecretValue000000000000")
            let client = try localClient(port: port, signing: signing, credentials: bad, configure: {
                $0.logger = logs.handler
                $0.logLevel = .debug
            })
            do {
                _ = try await client.head("k")
                Issue.record("expected an error")
            } catch let e as ObjectStoreError {
                #expect(e.code == .signatureDoesNotMatch)
            }
            do {
                _ = try await client.get("k", range: nil, conditions: GetConditions())
                Issue.record("expected an error")
            } catch let e as ObjectStoreError {
                guard case .service(let s) = e else { Issue.record("\(e)"); return }
                #expect(s.code == .signatureDoesNotMatch && s.status == 403)
                #expect(s.details["StringToSign"] != nil && s.details["SignatureProvided"] == nil)
                #expect(!"\(e)".contains("WrongSecretValue"))
            }
            #expect(logs.all.count == 2)
            #expect(logs.all.allSatisfy { !$0.contains("WrongSecretValue") && !$0.contains(serverKey.secret) })
        }
    }

    @Test func unknownKeyIdAndBucket() async throws {
        try await withLocalServer { port in
            let stranger = try localClient(port: port, signing: .v4, credentials: Credentials(
                accessKeyID: "LTAI5tNobody", accessKeySecret: "x"))
            do {
                _ = try await stranger.head("k")
                Issue.record("expected an error")
            } catch let e as ObjectStoreError { #expect(e.code == .invalidAccessKeyId) }
            let elsewhere = try localClient(port: port, signing: .v1, configure: { $0.bucket = "nobucket" })
            do {
                _ = try await elsewhere.list(ListRequest())
                Issue.record("expected an error")
            } catch let e as ObjectStoreError { #expect(e.code == .noSuchBucket) }
        }
    }

    @Test(arguments: [SignatureVersionChoice.v1, .v4])
    func stsTokenIsSentAndChecked(signing: SignatureVersionChoice) async throws {
        let sts = AccessKey(id: "STS.LocalTempKey", secret: "TempSecret0123456789", securityToken: "CAISTokenValue==")
        try await withLocalServer(configure: { $0.accessKeys.append(sts) }) { port in
            let good = try localClient(port: port, signing: signing, credentials: Credentials(
                accessKeyID: sts.id, accessKeySecret: sts.secret, securityToken: sts.securityToken))
            _ = try await good.put("sts", payload: .bytes([1, 2, 3]), options: WriteOptions())
            let wrong = try localClient(port: port, signing: signing, credentials: Credentials(
                accessKeyID: sts.id, accessKeySecret: sts.secret, securityToken: "OtherToken"))
            await #expect(throws: ObjectStoreError.self) { try await wrong.head("sts") }
            // A bad signature with a token: the server echoes what it signed, token included; we must not.
            let badSecret = try localClient(port: port, signing: signing, credentials: Credentials(
                accessKeyID: sts.id, accessKeySecret: "NotTheSecret", securityToken: sts.securityToken))
            do {
                _ = try await badSecret.list(ListRequest())
                Issue.record("expected SignatureDoesNotMatch")
            } catch {
                #expect((error as? ObjectStoreError)?.code == .signatureDoesNotMatch)
                if case .service(let s)? = error as? ObjectStoreError { #expect(!"\(s.details)".contains("CAISTokenValue")) }
                #expect(!"\(error)".contains("CAISTokenValue"))
            }
        }
    }

    @Test(arguments: [SignatureVersionChoice.v1, .v4])
    func clockSkewIsCorrectedFromTheServersDate(signing: SignatureVersionChoice) async throws {
        // The server lives two hours in the future.
        try await withLocalServer(configure: { c in c.clock = { Double(time(nil)) + 7200 } }) { port in
            let client = try localClient(port: port, signing: signing)
            _ = try await client.put("skew", payload: .bytes([1]), options: WriteOptions())
            #expect(try await client.head("skew").size == 1)
        }
    }

    @Test(arguments: [SignatureVersionChoice.v1, .v4])
    func presignedURLsWorkWithoutCredentials(signing: SignatureVersionChoice) async throws {
        try await withLocalServer { port in
            let client = try localClient(port: port, signing: signing)
            let body = Array("presigned body".utf8)
            _ = try await client.put("dir/p q.txt", payload: .bytes(body), options: WriteOptions())
            let url = try await client.presignURL(key: "dir/p q.txt", expiresIn: 600)
            let transport = try CurlTransport()
            let response = try await transport.send(HTTPRequest(method: "GET", url: url))
            #expect(response.status == 200 && response.body == body)
            let tampered = url.replacingOccurrences(of: "p%20q", with: "p%20r")
            #expect(try await transport.send(HTTPRequest(method: "GET", url: tampered)).status == 403)
        }
    }
}

/// Virtual-hosted addressing (`bucket.host`) end to end: curl resolves the made-up names to the local server.
@Suite struct LocalServerVirtualHostTests {
    @Test(arguments: [SignatureVersionChoice.v1, .v4])
    func virtualHostedRequests(signing: SignatureVersionChoice) async throws {
        try await withLocalServer { port in
            let host = "oss-cn-hangzhou.aliyuncs.com"
            let transport = try CurlTransport(options: CurlTransportOptions(resolve: [
                "\(serverBucket).\(host):\(port):127.0.0.1",
            ]))
            var config = ClientConfiguration(endpoint: Endpoint(scheme: .http, host: host, port: port), bucket: serverBucket)
            config.signatureVersion = signing
            #expect(!config.usesPathStyle)
            let client = try OSSClient(configuration: config, credentials: StaticCredentialsProvider(Credentials(
                accessKeyID: serverKey.id, accessKeySecret: serverKey.secret)), transport: transport)
            if signing == .v4 { #expect(client.signing == .v4(region: "cn-hangzhou")) }
            _ = try await client.put("vh/a b", payload: .bytes([1, 2, 3]), options: WriteOptions())
            #expect(try await client.get("vh/a b", range: nil, conditions: GetConditions()).body == [1, 2, 3])
            #expect(try await client.list(ListRequest(prefix: "vh/")).objects.map(\.key) == ["vh/a b"])
        }
    }
}
