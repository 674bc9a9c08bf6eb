import NIOCore
import Foundation

/// Everything a `LocalOSSServer` needs to start. Tests build one directly; `oss-local` builds one from its flags.
public struct ServerConfiguration: Sendable {
    /// Interface to bind; also accepted as a path-style Host.
    public var host: String
    /// 0 picks an ephemeral port (returned by `LocalOSSServer.start()`).
    public var port: Int
    public var buckets: [ServerBucket]
    public var storage: StorageBackend
    /// Region of buckets that name none, and of service-level V4 scopes. Bare form (`cn-hangzhou`).
    public var defaultRegion: String
    public var accessKeys: [AccessKey]
    /// Accept every request, signed or not (S3 tools such as s3fs and rclone).
    public var anonymous: Bool
    public var faults: FaultConfiguration
    /// Largest accepted distance between the request's Date / x-oss-date and `clock`.
    public var maxClockSkewSeconds: Int64
    /// Seconds since the epoch; injectable so tests can check skew and expiry deterministically.
    public var clock: @Sendable () -> Double
    /// Event loops; defaults to one per core.
    public var eventLoopThreads: Int
    /// Threads for blocking storage work (disk I/O).
    public var blockingThreads: Int
    /// Receives one line per answered request (method, path, query names, status, bytes, milliseconds, API).
    /// Never given signatures, tokens or query values.
    public var accessLog: (@Sendable (String) -> Void)?

    public init(host: String = "127.0.0.1", port: Int = 0, buckets: [ServerBucket] = [],
                storage: StorageBackend = .memory, defaultRegion: String = "cn-hangzhou",
                accessKeys: [AccessKey] = [], anonymous: Bool = false,
                faults: FaultConfiguration = FaultConfiguration(), maxClockSkewSeconds: Int64 = 15 * 60,
                clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
                eventLoopThreads: Int = System.coreCount, blockingThreads: Int = max(4, System.coreCount * 2),
                accessLog: (@Sendable (String) -> Void)? = nil) {
        self.host = host
        self.port = port
        self.buckets = buckets
        self.storage = storage
        self.defaultRegion = defaultRegion
        self.accessKeys = accessKeys
        self.anonymous = anonymous
        self.faults = faults
        self.maxClockSkewSeconds = maxClockSkewSeconds
        self.clock = clock
        self.eventLoopThreads = eventLoopThreads
        self.blockingThreads = blockingThreads
        self.accessLog = accessLog
    }
}

/// A bucket the server creates at start (kept if the data directory already has it).
public struct ServerBucket: Sendable, Hashable {
    public var name: String
    /// "Standard", "IA", "Archive", "ColdArchive" or "DeepColdArchive".
    public var storageClass: String
    /// nil = the server's default region.
    public var region: String?

    public init(name: String, storageClass: String = "Standard", region: String? = nil) {
        self.name = name
        self.storageClass = storageClass
        self.region = region
    }

    /// Storage classes OSS knows, in the spelling its headers and XML use.
    public static let storageClasses = ["Standard", "IA", "Archive", "ColdArchive", "DeepColdArchive"]

    /// The canonical spelling of `name` (case-insensitive), or nil if it is no storage class.
    public static func canonicalStorageClass(_ name: String) -> String? {
        storageClasses.first { $0.lowercased() == name.lowercased() }
    }

    /// Archive classes need a restore before GET.
    static func needsRestore(_ storageClass: String) -> Bool {
        storageClass == "Archive" || storageClass == "ColdArchive" || storageClass == "DeepColdArchive"
    }

    /// OSS bucket name rule: 3 to 63 characters of [a-z0-9-], not starting or ending with '-'.
    public static func isValidName(_ name: String) -> Bool {
        guard (3...63).contains(name.utf8.count), !name.hasPrefix("-"), !name.hasSuffix("-") else { return false }
        return name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
    }
}

/// A key pair the server accepts. The secret is never printed.
public struct AccessKey: Sendable, Hashable, CustomStringConvertible {
    public var id: String
    public var secret: String
    /// When set, requests signed with this key must carry exactly this STS token.
    public var securityToken: String?
    /// When set, the key is valid for this bucket only (passwd-ossfs `bucket:id:secret` lines).
    public var bucket: String?

    public init(id: String, secret: String, securityToken: String? = nil, bucket: String? = nil) {
        self.id = id
        self.secret = secret
        self.securityToken = securityToken
        self.bucket = bucket
    }

    public var description: String { "AccessKey(\(id), secret: <redacted>\(bucket.map { ", bucket: \($0)" } ?? ""))" }
}
