import ObjectStore
import OSSClient
import OSSCore
import OSSLocalServer

extension StoreFixtures {
    /// OSSClient over real HTTP to an in-process oss-local, signed both ways.
    static var ossFixtures: [StoreFixture] { [oss(.v1), oss(.v4)] }

    static func oss(_ signing: SignatureVersionChoice) -> StoreFixture {
        StoreFixture(name: "oss-local \(signing)") {
            let key = AccessKey(id: "LTAI5tConformance0001", secret: "ConformanceSecret0123456789")
            let server = LocalOSSServer(configuration: ServerConfiguration(
                host: "127.0.0.1", port: 0, buckets: [ServerBucket(name: "conformance")], storage: .memory,
                defaultRegion: "cn-hangzhou", accessKeys: [key], eventLoopThreads: 1, blockingThreads: 2))
            let port = try server.start()
            var config = ClientConfiguration(endpoint: Endpoint(scheme: .http, host: "127.0.0.1", port: port),
                                             bucket: "conformance")
            config.signatureVersion = signing
            if signing == .v4 { config.region = "cn-hangzhou" }
            do {
                let client = try OSSClient(
                    configuration: config,
                    credentials: StaticCredentialsProvider(Credentials(accessKeyID: key.id,
                                                                       accessKeySecret: key.secret)))
                return (client, { server.stop() })
            } catch {
                server.stop()
                throw error
            }
        }
    }
}
