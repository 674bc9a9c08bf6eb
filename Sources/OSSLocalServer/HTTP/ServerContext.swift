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
}
