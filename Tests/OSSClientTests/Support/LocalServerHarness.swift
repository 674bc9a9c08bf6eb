import ObjectStore
import OSSClient
import OSSCore
import OSSLocalServer

let serverBucket = "testbucket"
let serverKey = AccessKey(id: "LTAI5tLocalTestKey0001", secret: "LocalSecretForClientTests0123456789")

/// Starts a `LocalOSSServer` on an ephemeral port, runs `body`, and stops the server even when `body` throws.
func withLocalServer<T>(
    configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: (_ port: Int) async throws -> T
) async throws -> T {
    var config = ServerConfiguration(host: "127.0.0.1", port: 0, buckets: [ServerBucket(name: serverBucket)],
                                     storage: .memory, defaultRegion: "cn-hangzhou", accessKeys: [serverKey],
                                     eventLoopThreads: 1, blockingThreads: 2)
    configure(&config)
    let server = LocalOSSServer(configuration: config)
    let port = try server.start()
    do {
        let result = try await body(port)
        server.stop()
        return result
    } catch {
        server.stop()
        throw error
    }
}

/// A real client (curl transport) for the local server.
func localClient(port: Int, signing: SignatureVersionChoice, credentials: Credentials? = nil,
                 transport: (any HTTPTransport)? = nil, configure: (inout ClientConfiguration) -> Void = { _ in })
    throws -> OSSClient
{
    var config = ClientConfiguration(endpoint: Endpoint(scheme: .http, host: "127.0.0.1", port: port),
                                     bucket: serverBucket)
    config.signatureVersion = signing
    if signing == .v4 { config.region = "cn-hangzhou" }
    config.retryBaseDelay = 0.01
    config.retryMaxDelay = 0.05
    configure(&config)
    let creds = credentials ?? Credentials(accessKeyID: serverKey.id, accessKeySecret: serverKey.secret)
    return try OSSClient(configuration: config, credentials: StaticCredentialsProvider(creds), transport: transport)
}

/// Deterministic test bytes.
func pattern(_ count: Int, seed: Int = 0) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 31 &+ seed &* 7 &+ ($0 >> 8)) % 251) }
}
