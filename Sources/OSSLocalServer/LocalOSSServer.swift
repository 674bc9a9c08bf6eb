import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The local OSS-compatible server: one event loop per core, a thread pool for disk work, HTTP/1.1 keep-alive.
///
/// Layout of the module (storage engine aside, see Storage/StorageAPI.swift):
/// - Request/: addressing (path style and virtual-hosted), query decoding, routing to an `OSSOperation`,
///   the S3 dialect (`x-amz-*` twins of `x-oss-*` headers).
/// - Auth/: V1 and V4 verification, headers and presigned URLs, with OSSCore's signers.
/// - HTTP/: the NIO connection handler (streaming uploads, FileRegion downloads, faults) and responses.
/// - Handlers/: one function per OSS API over the storage engine, plus Range, conditionals, key rules.
/// - Errors/: OSS error answers (XML body, or `x-oss-ec`/`x-oss-err` headers for HEAD).
/// - Faults/: the seeded dice behind `--fault-rate`, `--fault-kinds`, `--seed`.
public final class LocalOSSServer: @unchecked Sendable {
    public let configuration: ServerConfiguration
    private let lock = NSLock()
    private var group: MultiThreadedEventLoopGroup?
    private var pool: NIOThreadPool?
    private var channel: Channel?
    private var context: ServerContext?

    public init(configuration: ServerConfiguration) {
        self.configuration = configuration
    }

    /// Opens the storage, binds and starts serving. Returns the bound port (the ephemeral one for port 0).
    @discardableResult
    public func start() throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        precondition(channel == nil, "LocalOSSServer.start() called twice")
        let clock = configuration.clock
        let created = Int64(clock())
        let definitions = configuration.buckets.map {
            BucketDefinition(name: $0.name, storageClass: $0.storageClass,
                             region: $0.region ?? configuration.defaultRegion, creationDate: created)
        }
        let engine = try StorageEngine(backend: configuration.storage, buckets: definitions, now: {
            let t = clock()
            let seconds = t.rounded(.down)
            return StorageTimestamp(seconds: Int64(seconds), nanoseconds: Int32((t - seconds) * 1e9))
        })
        let pool = NIOThreadPool(numberOfThreads: max(1, configuration.blockingThreads))
        pool.start()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.eventLoopThreads))
        let context = ServerContext(configuration: configuration, engine: engine, pool: pool)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                // Response headers are built here from values that came in as validated request headers or from
                // our own formatting; NIO's re-validation of every outgoing header was ~10% of the CPU of a HEAD.
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true,
                                                             withOutboundHeaderValidation: false).flatMap {
                    channel.pipeline.addHandler(OSSHTTPHandler(server: context))
                }
            }
        let bound: Channel
        do {
            bound = try bootstrap.bind(host: configuration.host, port: configuration.port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            try? pool.syncShutdownGracefully()
            throw error
        }
        let port = bound.localAddress?.port ?? configuration.port
        context.port = port
        self.group = group
        self.pool = pool
        self.channel = bound
        self.context = context
        return port
    }

    /// The bound port, once started.
    public var port: Int? {
        lock.lock()
        defer { lock.unlock() }
        return context?.port
    }

    /// Closes the listener and every connection (stalled ones included) and stops the threads. Idempotent.
    public func stop() {
        lock.lock()
        let channel = self.channel, group = self.group, pool = self.pool
        self.channel = nil
        self.group = nil
        self.pool = nil
        self.context = nil
        lock.unlock()
        try? channel?.close().wait()
        try? group?.syncShutdownGracefully()
        try? pool?.syncShutdownGracefully()
    }

    deinit { stop() }
}
