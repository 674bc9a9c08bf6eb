import ObjectStore

/// The OSS client's settings as the command line gives them. Plain values: the executable turns them into
/// the client's own configuration, so this library need not depend on the client.
public struct ClientOptions: Sendable, Hashable {
    public enum Signature: Sendable, Hashable {
        /// V4 when a region is known (region= or derivable from the endpoint), else V1.
        case auto
        /// `sigv1`
        case v1
        /// `sigv4`
        case v4
    }
    public enum CurlDebug: String, Sendable, Hashable { case normal, body }

    /// `url=` / `host=`: scheme, host and port of the endpoint; a trailing `/` is dropped.
    public var url: String = "https://oss-cn-hangzhou.aliyuncs.com"
    /// `region=` (or ossfs 1.x's `endpoint=`).
    public var region: String?
    public var signature: Signature = .auto
    /// `passwd_file=`
    public var passwdFile: String?
    /// `use_session_token`
    public var useSessionToken = false
    /// `ram_role[=auto|NAME|URL]`: "auto" when given bare.
    public var ramRole: String?
    /// `disable_imdsv2`
    public var disableIMDSv2 = false
    /// `retries=`
    public var retries = 5
    /// `connect_timeout=` seconds.
    public var connectTimeout = 300
    /// `readwrite_timeout=` seconds.
    public var readwriteTimeout = 120
    /// ListObjectsV2 (`listobjectsv2`, the default here) rather than v1.
    public var listObjectsV2 = true
    /// `list_object_max_keys=`, capped at OSS's 1000.
    public var maxKeys = 1000
    /// `use_path_request_style`
    public var forcePathStyle = false
    /// False with `no_check_certificate` (or `ssl_verify_hostname=0`).
    public var verifyTLS = true
    /// `ssl_ca_file=`: PEM file of the certificate authorities to trust instead of the system's.
    public var caFile: String?
    /// `curldbg[=normal|body]`
    public var curlDebug: CurlDebug?

    public init() {}
}

/// Everything `ossfs BUCKET[:/PREFIX] MOUNTPOINT [-o ...] [-f] [-d] [-s]` asks for.
public struct MountOptions: Sendable {
    public var bucket = ""
    /// The `:/PREFIX` part as a key prefix: "" or ending in "/".
    public var prefix = ""
    /// As given; the executable resolves it to an absolute path.
    public var mountpoint = ""
    /// `-f`
    public var foreground = false
    /// `-d` once: debug logging; twice: libfuse prints every request too.
    public var debugCount = 0
    /// `-s`
    public var singleThreaded = false
    /// `nonempty`: mount over a directory that has entries.
    public var nonempty = false
    /// `logfile=`: nil logs to syslog (stderr with -f).
    public var logFile: String?
    /// `dbglevel=` (ossfs 1.x's code defaults to err).
    public var logLevel: LogLevel = .error
    /// `check_cache_dir_exist`: fail when the use_cache= directory is missing instead of creating it.
    public var checkCacheDirectoryExists = false

    public var filesystem = FilesystemConfiguration()
    public var client = ClientOptions()
    /// Options for libfuse's mount (`allow_other`, `ro`, `default_permissions`, `fsname=`, ...), unescaped.
    public var fuseOptions: [String] = []
    public var adapter = FuseAdapterSettings()

    /// Options accepted for ossfs 1.x compatibility that change nothing here, with the reason; logged at start.
    public var notices: [String] = []

    public init() {}

    /// `BUCKET` or `BUCKET:/PREFIX`, as mount(8) shows the source.
    public var source: String { prefix.isEmpty ? bucket : "\(bucket):/\(prefix.dropLast())" }

    /// libfuse's own option list, with the defaults ossfs adds: fsname (the source) and subtype (so mounts
    /// show as fuse.ossfs). Commas and backslashes in values are escaped for libfuse's option parser.
    public var libfuseOptions: [String] {
        var options = fuseOptions
        if !options.contains(where: { $0.hasPrefix("fsname=") }) { options.append("fsname=\(source)") }
        if !options.contains(where: { $0.hasPrefix("subtype=") }) { options.append("subtype=ossfs") }
        return options.map { option in
            var out = ""
            for c in option {
                if c == "," || c == "\\" { out.append("\\") }
                out.append(c)
            }
            return out
        }
    }
}

/// What the command line asks for.
public enum CommandLineAction: Sendable {
    case mount(MountOptions)
    case help
    case version
    /// `ossfs --incomplete-mpu-list BUCKET[:/PREFIX]` or `--incomplete-mpu-abort[=AGE] BUCKET[:/PREFIX]`
    /// (ossfs 1.x's utility mode): the client options apply, there is no mount point.
    case incompleteUploads(MountOptions, IncompleteUploadsCommand)
}

/// The utility mode's two commands.
public enum IncompleteUploadsCommand: Sendable, Hashable {
    /// `-u` / `--incomplete-mpu-list`
    case list
    /// `--incomplete-mpu-abort[=all|AGE]`: uploads initiated at least this many seconds ago (0: all).
    case abort(olderThan: Int64)
}

/// A command line ossfs refuses: one line naming the argument or option and what is wrong with it.
public struct CommandLineError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
