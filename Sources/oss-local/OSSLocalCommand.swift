import ArgumentParser
import Foundation
import OSSLocalServer

/// `oss-local`: the local OSS-compatible server for tests, benchmarks and the demo.
@main
struct OSSLocalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oss-local",
        abstract: "A local OSS-compatible server (signatures checked, faults injectable).",
        discussion: """
            Keys come from the environment (OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET and optionally \
            OSS_SESSION_TOKEN, which requests must then carry) or from --credentials FILE in passwd-ossfs \
            format (`id:secret` or `bucket:id:secret` lines, # comments); never from the command line. \
            Prints `oss-local listening on http://HOST:PORT` once ready; stops on SIGTERM or SIGINT.
            """)

    @Option(name: .long, help: ArgumentHelp("Address to listen on; port 0 picks a free port.", valueName: "host:port"))
    var listen: String = "127.0.0.1:0"

    @Option(name: .long, help: ArgumentHelp("A bucket to serve (repeatable); NAME:Archive (or IA, ColdArchive, DeepColdArchive) sets its storage class.",
                                            valueName: "name[:class]"))
    var bucket: [String] = []

    @Option(name: .long, help: ArgumentHelp("Keep objects in this directory (they survive restarts).", valueName: "dir"))
    var data: String?

    @Flag(name: .long, help: "Keep objects in memory (the default).")
    var memory = false

    @Option(name: .long, help: "Region of the buckets (V4 signing scope; Location oss-REGION).")
    var region: String = "cn-hangzhou"

    @Option(name: .long, help: ArgumentHelp("passwd-ossfs style file of accepted keys.", valueName: "file"))
    var credentials: String?

    @Flag(name: .long, help: "Accept every request, signed or not (for S3 tools such as s3fs and rclone).")
    var anonymous = false

    @Option(name: .long, help: "Seed of the fault dice; the same seed replays the same faults.")
    var seed: UInt64 = 0

    @Option(name: .long, help: ArgumentHelp("Share of data-plane requests that fail, 0 to 1.", valueName: "rate"))
    var faultRate: Double = 0

    @Option(name: .long, help: ArgumentHelp("Comma-separated fault kinds: 500, 503, reset (drop the connection mid-body), stall (never answer).",
                                            valueName: "kinds"))
    var faultKinds: String = "500,503,reset,stall"

    @Option(name: .long, help: ArgumentHelp("Milliseconds added to every request.", valueName: "ms"))
    var latencyMs: Int = 0

    @Flag(name: .long, help: "Log one line per request to stderr (method, path, query names, status, bytes, time; never signatures or values).")
    var log = false

    /// The --log sink: one line per request on stderr.
    static let logToStandardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    func validate() throws {
        if bucket.isEmpty { throw ValidationError("give at least one --bucket NAME") }
        if data != nil && memory { throw ValidationError("--data and --memory exclude each other") }
        if !(0...1).contains(faultRate) { throw ValidationError("--fault-rate must be between 0 and 1") }
        if latencyMs < 0 { throw ValidationError("--latency-ms must not be negative") }
    }

    func run() throws {
        let (host, port) = try ListenAddress.parse(listen)
        let buckets = try bucket.map(BucketArgument.parse)
        let kinds: [FaultKind]
        switch FaultKind.parseList(faultKinds) {
        case .success(let k): kinds = k
        case .failure(let e): throw ValidationError(e.description)
        }
        var keys = AccessKeySources.fromEnvironment(ProcessInfo.processInfo.environment)
        if let credentials { keys += try KeySources.fromFile(credentials) }
        if keys.isEmpty && !anonymous {
            FileHandle.standardError.write(Data("""
                oss-local: no access keys: set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET, pass --credentials FILE, \
                or run with --anonymous\n
                """.utf8))
            throw ExitCode(2)
        }
        let configuration = ServerConfiguration(
            host: host, port: port, buckets: buckets,
            storage: data.map { .directory($0) } ?? .memory,
            defaultRegion: region, accessKeys: keys, anonymous: anonymous,
            faults: FaultConfiguration(rate: faultRate, kinds: kinds, seed: seed, latencyMilliseconds: latencyMs),
            accessLog: log ? Self.logToStandardError : nil)
        // Block SIGTERM and SIGINT before any thread starts (threads inherit the mask), then take them with
        // sigwait on this thread: no async-signal-safety concerns, and stop() runs as ordinary code.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

        let server = LocalOSSServer(configuration: configuration)
        let bound: Int
        do {
            bound = try server.start()
        } catch {
            let reason: String
            if case .io(let detail)? = error as? StorageError { reason = "cannot use the data directory: \(detail)" }
            else { reason = "cannot start on \(listen): \(error)" }
            FileHandle.standardError.write(Data("oss-local: \(reason)\n".utf8))
            throw ExitCode(1)
        }

        let shownHost = host.contains(":") ? "[\(host)]" : host
        print("oss-local listening on http://\(shownHost):\(bound)")
        fflush(stdout)
        var received: Int32 = 0
        sigwait(&stopSignals, &received)
        server.stop()
    }
}

/// `--listen host:port` (IPv6 as `[::1]:port`).
enum ListenAddress {
    static func parse(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port) else {
            throw ValidationError("--listen wants host:port, got '\(text)'")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "0.0.0.0" }
        return (host, port)
    }
}

/// `--bucket name[:StorageClass]`.
enum BucketArgument {
    static func parse(_ text: String) throws -> ServerBucket {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard ServerBucket.isValidName(parts[0]) else {
            throw ValidationError("invalid bucket name '\(parts[0])': 3-63 characters of a-z, 0-9 and '-', not starting or ending with '-'")
        }
        var storageClass = "Standard"
        if parts.count == 2 {
            guard let canonical = ServerBucket.canonicalStorageClass(parts[1]) else {
                throw ValidationError("unknown storage class '\(parts[1])' (Standard, IA, Archive, ColdArchive, DeepColdArchive)")
            }
            storageClass = canonical
        }
        return ServerBucket(name: parts[0], storageClass: storageClass)
    }
}
