import OSSCore

/// How requests are signed: `auto` picks V4 when a region is known, else V1 (ossfs 1.x's default).
public enum SignatureVersionChoice: String, Sendable, Hashable {
    case auto
    /// `sigv1`
    case v1
    /// `sigv4`
    case v4
}

/// The signature the client actually uses.
public enum ResolvedSigning: Sendable, Hashable {
    case v1
    case v4(region: String)
}

public enum ClientConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    case v4RequiresRegion
    case invalidBucketName(String)
    public var description: String {
        switch self {
        case .v4RequiresRegion: "Using OSSV4 signature requires specifying the region"
        case .invalidBucketName(let b): "invalid bucket name: \(b)"
        }
    }
}

/// Severity of a client log line.
public enum ClientLogLevel: Int, Sendable, Comparable {
    case error, warning, notice, info, debug
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// Receives the client's log lines; secrets are redacted before a line gets here.
public typealias ClientLogHandler = @Sendable (ClientLogLevel, String) -> Void

/// Everything the OSS client needs to know besides credentials.
public struct ClientConfiguration: Sendable {
    public static let version = OSSFSVersion.string

    public var endpoint: Endpoint
    public var bucket: String
    /// `region=`; nil derives it from the endpoint host name.
    public var region: String?
    public var signatureVersion: SignatureVersionChoice
    /// `use_path_request_style`: force `host/bucket/key`. IP and localhost endpoints are path-style anyway.
    public var forcePathStyle: Bool
    /// False only with `no_check_certificate`.
    public var verifyTLS: Bool
    public var caFile: String?
    /// Retries per request after the first attempt (`retries=`).
    public var retries: Int
    /// Seconds (`connect_timeout=`).
    public var connectTimeout: Int
    /// Seconds without progress before a transfer fails (`readwrite_timeout=`).
    public var readwriteTimeout: Int
    /// ListObjectsV2 (true) or v1 (false) for `list`.
    public var listObjectsV2: Bool
    /// Page size of `list` calls that ask for more (1...1000).
    public var maxKeys: Int
    public var userAgent: String
    /// The largest body kept in memory by `get(...)` without a sink.
    public var maxCollectedBody: Int
    /// Check x-oss-hash-crc64ecma on uploads and whole-object downloads.
    public var verifyCRC64: Bool
    /// Backoff before retry n (1-based): random in 0...min(maxDelay, baseDelay * 2^(n-1)).
    public var retryBaseDelay: Double
    public var retryMaxDelay: Double
    public var logger: ClientLogHandler?
    /// Lines above this level are not built at all.
    public var logLevel: ClientLogLevel
    /// I/O threads of the curl transport (`CurlTransportOptions.ioThreads`) when `OSSClient` makes it.
    public var transportThreads = 1

    public init(endpoint: Endpoint, bucket: String, region: String? = nil,
                signatureVersion: SignatureVersionChoice = .auto, forcePathStyle: Bool = false,
                verifyTLS: Bool = true, caFile: String? = nil, retries: Int = 5, connectTimeout: Int = 300,
                readwriteTimeout: Int = 120, listObjectsV2: Bool = true, maxKeys: Int = 1000,
                userAgent: String = "ossfs/\(ClientConfiguration.version)", maxCollectedBody: Int = 64 << 20,
                verifyCRC64: Bool = true, retryBaseDelay: Double = 0.1, retryMaxDelay: Double = 10,
                logger: ClientLogHandler? = nil, logLevel: ClientLogLevel = .notice)
    {
        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region
        self.signatureVersion = signatureVersion
        self.forcePathStyle = forcePathStyle
        self.verifyTLS = verifyTLS
        self.caFile = caFile
        self.retries = retries
        self.connectTimeout = connectTimeout
        self.readwriteTimeout = readwriteTimeout
        self.listObjectsV2 = listObjectsV2
        self.maxKeys = maxKeys
        self.userAgent = userAgent
        self.maxCollectedBody = maxCollectedBody
        self.verifyCRC64 = verifyCRC64
        self.retryBaseDelay = retryBaseDelay
        self.retryMaxDelay = retryMaxDelay
        self.logger = logger
        self.logLevel = logLevel
    }

    /// Convenience: parse the endpoint URL too.
    public init(endpointURL: String, bucket: String) throws {
        self.init(endpoint: try Endpoint(parsing: endpointURL), bucket: bucket)
    }

    /// Path style when forced or when the endpoint cannot carry a bucket label.
    public var usesPathStyle: Bool { forcePathStyle || endpoint.requiresPathStyle }

    /// The region from `region=`, else from the endpoint host.
    public var effectiveRegion: String? {
        if let region, !region.isEmpty { return region }
        return endpoint.derivedRegion
    }

    /// The signature to use and, when V1 is chosen for lack of a region, the one-line notice to print.
    public func resolveSigning() throws -> (signing: ResolvedSigning, notice: String?) {
        switch signatureVersion {
        case .v1:
            return (.v1, nil)
        case .v4:
            guard let r = effectiveRegion else { throw ClientConfigurationError.v4RequiresRegion }
            return (.v4(region: r), nil)
        case .auto:
            if let r = effectiveRegion { return (.v4(region: r), nil) }
            return (.v1, Self.v1FallbackNotice(endpoint: endpoint))
        }
    }

    /// The notice printed when no region is known and V1 is used.
    public static func v1FallbackNotice(endpoint: Endpoint) -> String {
        "[NOTICE] no region given and none derivable from \(endpoint.host): signing with OSS signature V1; "
            + "set region= (and sigv4) to use signature V4"
    }

    /// OSS bucket names: 3-63 of `[a-z0-9-]`, not starting or ending with `-`.
    public static func isValidBucketName(_ b: String) -> Bool {
        (3...63).contains(b.count) && !b.hasPrefix("-") && !b.hasSuffix("-")
            && b.allSatisfy { $0.isASCIILowercaseLetter || $0.isASCIIDigit || $0 == "-" }
    }
}
