import Foundation
import OSSCore
@testable import OSSLocalServer

/// Keys and a bucket the HTTP tests share.
enum TestKeys {
    static let id = "LTAI5tTestAccessKeyId001"
    static let secret = "TestAccessKeySecretForOssLocal01"
    static let stsID = "STS.TestTemporaryKeyId01"
    static let stsSecret = "TestTemporarySecret0000000000001"
    static let stsToken = "CAISTestSecurityToken=="
    static let bucket = "testbucket"

    static var credentials: Credentials { Credentials(accessKeyID: id, accessKeySecret: secret) }
    static var sts: Credentials { Credentials(accessKeyID: stsID, accessKeySecret: stsSecret, securityToken: stsToken) }
}

/// How a test request is authenticated.
enum Signing {
    case none, v1, v4
    case v1With(Credentials), v4With(Credentials, region: String)
}

/// A running in-process server on an ephemeral port, with request helpers that sign like the client does.
final class TestServer {
    let server: LocalOSSServer
    let port: Int
    /// What the signers use as "now"; tests that move the server's clock keep this one real.
    var signingNow: () -> Int64 = { Int64(Date().timeIntervalSince1970) }

    init(_ configuration: ServerConfiguration) throws {
        server = LocalOSSServer(configuration: configuration)
        port = try server.start()
    }

    static func configuration(storage: StorageBackend = .memory, anonymous: Bool = false,
                              faults: FaultConfiguration = FaultConfiguration(),
                              clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
                              buckets: [ServerBucket] = [ServerBucket(name: TestKeys.bucket),
                                                         ServerBucket(name: "archivebucket", storageClass: "Archive")])
        -> ServerConfiguration {
        ServerConfiguration(host: "127.0.0.1", port: 0, buckets: buckets, storage: storage,
                            accessKeys: [AccessKey(id: TestKeys.id, secret: TestKeys.secret),
                                         AccessKey(id: TestKeys.stsID, secret: TestKeys.stsSecret,
                                                   securityToken: TestKeys.stsToken)],
                            anonymous: anonymous, faults: faults, clock: clock,
                            eventLoopThreads: 2, blockingThreads: 2)
    }

    /// Runs `body` against a fresh server and always stops it.
    static func with<T>(_ configuration: ServerConfiguration = TestServer.configuration(),
                        _ body: (TestServer) throws -> T) throws -> T {
        let server = try TestServer(configuration)
        defer { server.server.stop() }
        return try body(server)
    }

    /// `/bucket/key?query` with every byte outside the unreserved set encoded (`/` kept in the key).
    static func target(bucket: String?, key: String, query: [(name: String, value: String?)], virtualHosted: Bool) -> String {
        var path = "/"
        if let bucket, !virtualHosted { path += bucket + "/" }
        path += PercentEncoding.encode(key, keepSlash: true)
        if query.isEmpty { return path }
        return path + "?" + query.map { item in
            let name = PercentEncoding.encode(item.name, keepSlash: false)
            return item.value.map { name + "=" + PercentEncoding.encode($0, keepSlash: false) } ?? name
        }.joined(separator: "&")
    }

    @discardableResult
    func request(_ method: String, _ key: String = "", bucket: String? = TestKeys.bucket,
                 query: [(name: String, value: String?)] = [], headers: [(name: String, value: String)] = [],
                 body: [UInt8] = [], signing: Signing = .v1, virtualHosted: Bool = false,
                 client: HTTPTestClient? = nil) throws -> HTTPTestClient.Response {
        var signable = SignableRequest(method: method, bucket: bucket, key: key.isEmpty ? nil : key,
                                       query: query, headers: headers)
        let host = virtualHosted ? "\(bucket ?? "").localhost:\(port)" : "127.0.0.1:\(port)"
        signable.headers.append(("Host", host))
        if !body.isEmpty || method == "PUT" || method == "POST",
           !signable.headers.contains(where: { $0.name.lowercased() == "content-type" }) {
            signable.headers.append(("Content-Type", "application/octet-stream"))
        }
        switch signing {
        case .none: break
        case .v1: SignatureV1.sign(&signable, credentials: TestKeys.credentials, now: signingNow())
        case .v1With(let c): SignatureV1.sign(&signable, credentials: c, now: signingNow())
        case .v4: SignatureV4.sign(&signable, credentials: TestKeys.credentials, region: "cn-hangzhou", now: signingNow())
        case .v4With(let c, let region): SignatureV4.sign(&signable, credentials: c, region: region, now: signingNow())
        }
        let target = Self.target(bucket: bucket, key: key, query: query, virtualHosted: virtualHosted)
        let connection = try client ?? HTTPTestClient(port: port)
        return try connection.send(method: method, target: target, headers: signable.headers, body: body)
    }

    /// Sends a raw target (e.g. a presigned URL's path and query) unsigned.
    func raw(_ method: String, _ target: String, headers: [(name: String, value: String)] = [],
             body: [UInt8] = []) throws -> HTTPTestClient.Response {
        try HTTPTestClient(port: port).send(method: method, target: target,
                                            headers: [("Host", "127.0.0.1:\(port)")] + headers, body: body)
    }
}

extension HTTPTestClient.Response {
    /// The text of a top-level element of an XML answer.
    func xmlText(_ name: String) -> String? {
        guard let root = try? XML.parse(body) else { return nil }
        return root.childText(name)
    }
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
