import NIOCore
import NIOPosix
import OSSCore

/// What every connection shares: configuration, storage, verifier, fault dice, the blocking-work pool.
final class ServerContext: @unchecked Sendable {
    let configuration: ServerConfiguration
    let engine: StorageEngine
    let authenticator: RequestAuthenticator
    let faults: FaultInjector
    let pool: NIOThreadPool
    let addressing: Addressing
    /// Set once the listener is bound (Location URLs name it).
    var port: Int = 0

    init(configuration: ServerConfiguration, engine: StorageEngine, pool: NIOThreadPool) {
        self.configuration = configuration
        self.engine = engine
        self.authenticator = RequestAuthenticator(configuration: configuration)
        self.faults = FaultInjector(configuration.faults)
        self.pool = pool
        let engineRef = engine
        self.addressing = Addressing(listenHost: configuration.host, knownBucket: { engineRef.bucket($0) != nil })
    }

    func now() -> Double { configuration.clock() }

    /// 24 upper-case hex digits, as OSS request ids look.
    func newRequestID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64, low = generator.next() as UInt32
        let a = String(high, radix: 16, uppercase: true), b = String(low, radix: 16, uppercase: true)
        return String(repeating: "0", count: 16 - a.count) + a + String(repeating: "0", count: 8 - b.count) + b
    }

    func region(of bucket: BucketStore) -> String { bucket.definition.region }
}
