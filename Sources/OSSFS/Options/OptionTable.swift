import ObjectStore

/// One `-o` option: its names, whether it takes a value, its default as --help shows it, and what it does.
struct OptionSpec: Sendable {
    enum Argument: Sendable {
        case none
        case required(String)
        case optional(String)
    }
    let names: [String]
    let argument: Argument
    let defaultValue: String
    let help: String
    let apply: @Sendable (inout OptionState, String, String?) throws -> Void
}

/// The parser's working state: the options plus what later defaults depend on.
struct OptionState {
    var options = MountOptions()
    var attributeTimeoutGiven = false
    var entryTimeoutGiven = false
    var statCacheExpireGiven = false
    var uidGiven = false
    var ensureDiskFreeGiven = false
    /// `--incomplete-mpu-list` / `--incomplete-mpu-abort[=AGE]`: the utility mode, no mount.
    var incompleteUploads: IncompleteUploadsCommand?
    let euid: UInt32
    let egid: UInt32
}

/// Every option ossfs accepts, grouped as --help lists them. The parser and --help both read this table, so
/// an option cannot be accepted without being documented.
enum OptionTable {
    typealias V = OptionValues

    static func flag(_ names: [String], _ help: String, default d: String = "off",
                     _ body: @escaping @Sendable (inout OptionState) -> Void) -> OptionSpec
    {
        OptionSpec(names: names, argument: .none, defaultValue: d, help: help) { state, _, _ in body(&state) }
    }

    static func value(_ names: [String], _ arg: String, _ help: String, default d: String,
                      _ body: @escaping @Sendable (inout OptionState, String, String) throws -> Void) -> OptionSpec
    {
        OptionSpec(names: names, argument: .required(arg), defaultValue: d, help: help) { state, name, value in
            try body(&state, name, value!)
        }
    }

    /// Options for libfuse's mount itself, passed on unchanged.
    static func fuse(_ name: String, _ help: String, value: String? = nil, default d: String = "off") -> OptionSpec {
        OptionSpec(names: [name], argument: value.map { .required($0) } ?? .none, defaultValue: d, help: help) {
            state, name, v in
            state.options.fuseOptions.append(v.map { "\(name)=\($0)" } ?? name)
        }
    }

    /// ossfs 1.x options that have no effect here, accepted so existing fstab lines keep mounting.
    static func noEffect(_ names: [String], argument: OptionSpec.Argument = .none, _ why: String) -> OptionSpec {
        OptionSpec(names: names, argument: argument, defaultValue: "-", help: "accepted, no effect: \(why)") {
            state, name, _ in
            state.options.notices.append("option \(name) has no effect: \(why)")
        }
    }

    /// ossfs 1.x options this ossfs cannot honour; mounting without them would surprise, so they are errors.
    static func unsupported(_ names: [String], argument: OptionSpec.Argument = .none, _ why: String) -> OptionSpec {
        OptionSpec(names: names, argument: argument, defaultValue: "-", help: "not supported: \(why)") {
            _, name, _ in
            throw CommandLineError("option \(name) is not supported by this ossfs: \(why)")
        }
    }

    static let groups: [(title: String, options: [OptionSpec])] = [
        ("Bucket, endpoint and credentials", [
            value(["bucket"], "BUCKET[:/PREFIX]", "bucket (and prefix) when not given as the first argument",
                  default: "-") { s, _, v in
                let (b, p) = try V.bucketAndPrefix(v)
                s.options.bucket = b
                s.options.prefix = p
            },
            value(["url", "host"], "URL", "OSS endpoint; use the -internal endpoint inside Alibaba Cloud",
                  default: "https://oss-cn-hangzhou.aliyuncs.com") { s, name, v in
                var url = v
                while url.hasSuffix("/") { url.removeLast() }
                guard !url.isEmpty else { throw V.fail(name, v, "an endpoint URL such as https://oss-cn-beijing.aliyuncs.com") }
                s.options.client.url = url
            },
            value(["servicepath"], "PATH", "service path of the endpoint (only / is supported)", default: "/") {
                _, name, v in
                guard v == "/" || v.isEmpty else { throw V.fail(name, v, "/") }
            },
            value(["region"], "REGION", "region for signature V4, e.g. cn-hangzhou",
                  default: "derived from url=") { s, _, v in s.options.client.region = v },
            value(["endpoint"], "REGION", "ossfs 1.x spelling of region=", default: "-") { s, _, v in
                if s.options.client.region == nil { s.options.client.region = v }
            },
            flag(["sigv1"], "sign requests with OSS signature V1", default: "V4 when the region is known") {
                $0.options.client.signature = .v1
            },
            flag(["sigv4"], "sign requests with OSS signature V4 (needs a region)",
                 default: "V4 when the region is known") { $0.options.client.signature = .v4 },
            value(["passwd_file"], "FILE", "credentials file (id:secret or bucket:id:secret lines, mode 600)",
                  default: "env, $OSS_CREDENTIAL_FILE, ~/.passwd-ossfs, /etc/passwd-ossfs") { s, _, v in
                s.options.client.passwdFile = v
            },
            flag(["use_session_token"], "require a session token (OSSSESSIONTOKEN) with environment keys") {
                $0.options.client.useSessionToken = true
            },
            OptionSpec(names: ["ram_role"], argument: .optional("auto|NAME|URL"), defaultValue: "off",
                       help: "credentials of the ECS instance's RAM role from the metadata service") { s, _, v in
                // Bare ram_role means auto; an empty value means no role, as in ossfs 1.x.
                s.options.client.ramRole = v == nil ? "auto" : (v!.isEmpty ? nil : v)
            },
            flag(["disable_imdsv2"], "ask the metadata service without an IMDSv2 token") {
                $0.options.client.disableIMDSv2 = true
            },
            flag(["use_path_request_style"], "address the bucket in the path, not the host name") {
                $0.options.client.forcePathStyle = true
            },
            flag(["no_check_certificate"], "do not verify the server's TLS certificate (unsafe)",
                 default: "verify") { $0.options.client.verifyTLS = false },
            value(["ssl_ca_file"], "FILE", "PEM file of the CAs to trust instead of the system's (a private CA)",
                  default: "system CAs") { s, _, v in s.options.client.caFile = v },
            value(["ssl_verify_hostname"], "0|1|2", "0 turns TLS verification off, like no_check_certificate",
                  default: "2") { s, name, v in
                switch v {
                case "0": s.options.client.verifyTLS = false
                case "1", "2": s.options.client.verifyTLS = true
                default: throw V.fail(name, v, "0, 1 or 2")
                }
            },
            value(["retries"], "N", "retries of a failed request", default: "5") { s, name, v in
                s.options.client.retries = try V.integer(name, v, max: 100)
            },
            value(["connect_timeout"], "SECONDS", "connection timeout", default: "300") { s, name, v in
                s.options.client.connectTimeout = try V.integer(name, v, min: 1)
            },
            value(["readwrite_timeout"], "SECONDS", "timeout without transfer progress", default: "120") {
                s, name, v in s.options.client.readwriteTimeout = try V.integer(name, v, min: 1)
            },
            value(["list_object_max_keys"], "N", "keys per listing page (≥ 1000; OSS returns at most 1000)",
                  default: "1000") { s, name, v in
                s.options.client.maxKeys = min(1000, try V.integer(name, v, min: 1000))
            },
            flag(["listobjectsv2"], "list with ListObjectsV2 (always used here)", default: "on") {
                $0.options.client.listObjectsV2 = true
            },
        ]),
        ("Ownership and permissions", [
            flag(["allow_other"], "let other users use the mount (adds default_permissions so modes are enforced; "
                + "non-root users need user_allow_other in /etc/fuse.conf)") { s in
                s.options.filesystem.allowOther = true
                s.options.fuseOptions.append("allow_other")
                if !s.options.fuseOptions.contains("default_permissions") {
                    s.options.fuseOptions.append("default_permissions")
                }
            },
            value(["uid"], "UID", "owner of every file", default: "stored owner, else the mounting user") {
                s, name, v in
                s.options.filesystem.defaultUID = try V.id(name, v)
                s.options.filesystem.forceOwner = true
                s.uidGiven = true
            },
            value(["gid"], "GID", "group of every file", default: "stored group, else the mounting user's") {
                s, name, v in
                s.options.filesystem.defaultGID = try V.id(name, v)
                s.options.filesystem.forceOwner = true
            },
            value(["umask"], "OCTAL", "permission bits removed from every file", default: "none") { s, name, v in
                s.options.filesystem.umask = try V.octal(name, v)
            },
            value(["mp_umask"], "OCTAL", "bits removed from the mount point's 0777 (with allow_other)",
                  default: "0000") { s, name, v in s.options.filesystem.mountPointUmask = try V.octal(name, v) },
            flag(["nonempty"], "allow mounting over a directory that is not empty") { $0.options.nonempty = true },
            flag(["ro"], "mount read-only") { s in
                s.options.filesystem.readOnly = true
                s.options.fuseOptions.append("ro")
            },
            value(["default_acl"], "ACL", "ACL of new objects: default, private, public-read, public-read-write",
                  default: "default") { s, name, v in s.options.filesystem.acl = try V.acl(name, v) },
            value(["storage_class"], "CLASS", "storage class of new objects: Standard, IA, Archive, ColdArchive, "
                + "DeepColdArchive", default: "Standard") { s, name, v in
                s.options.filesystem.storageClass = try V.storageClass(name, v)
            },
        ]),
        ("Reads", [
            value(["direct_read_prefetch_limit"], "MB", "memory all readers together may hold in read-ahead "
                + "(bounds the process's memory while files stream)", default: "128") { s, name, v in
                s.options.filesystem.prefetchMemoryLimit = try V.megabytes(name, v)
            },
            value(["direct_read_chunk_size"], "MB", "size of one read-ahead GET of a streaming reader", default: "8") {
                s, name, v in
                s.options.filesystem.prefetchChunkSize = UInt64(try V.integer(name, v, min: 1, max: 64)) << 20
            },
        ]),
        ("Uploads and copies", [
            value(["multipart_size"], "MB", "part size of multipart uploads", default: "10") { s, name, v in
                s.options.filesystem.multipartSize = try V.megabytes(name, v, min: 5)
            },
            value(["multipart_threshold"], "MB", "files this large or larger upload in parts", default: "25") {
                s, name, v in s.options.filesystem.multipartThreshold = try V.megabytes(name, v, min: 5)
            },
            flag(["nomultipart"], "never upload in parts (files are limited to 5 GB)") {
                $0.options.filesystem.multipartEnabled = false
            },
            value(["parallel_count", "parallel_upload"], "N", "parts of one file uploaded at once", default: "5") {
                s, name, v in s.options.filesystem.parallelCount = try V.integer(name, v, min: 1, max: 1000)
            },
            value(["multireq_max"], "N", "HEAD requests in flight while listing", default: "20") { s, name, v in
                s.options.filesystem.multiRequestMax = try V.integer(name, v, min: 1, max: 1000)
            },
            value(["singlepart_copy_limit"], "MB", "larger objects are copied with UploadPartCopy",
                  default: "512") { s, name, v in
                s.options.filesystem.singlePartCopyLimit = try V.megabytes(name, v, min: 1)
            },
            value(["multipart_copy_size"], "MB", "part size of multipart copies", default: "512") { s, name, v in
                s.options.filesystem.multipartCopySize = try V.megabytes(name, v, min: 5)
            },
            flag(["nocopyapi"], "rename and change metadata by uploading again instead of CopyObject") {
                $0.options.filesystem.copyAPIEnabled = false
            },
            value(["max_dirty_data"], "MB", "flush a file being written once this much is unsaved (-1: never)",
                  default: "5120") { s, name, v in
                if v == "-1" {
                    s.options.filesystem.maxDirtyData = nil
                } else {
                    s.options.filesystem.maxDirtyData = try V.megabytes(name, v, min: 50)
                }
            },
            flag(["enable_content_md5"], "send Content-MD5 with uploads") {
                $0.options.filesystem.contentMD5 = true
            },
        ]),
        ("Local staging and cache", [
            value(["tmpdir"], "DIR", "directory for staging files", default: "/tmp") { s, _, v in
                s.options.filesystem.stagingDirectory = v
            },
            value(["mime"], "FILE", "mime.types file giving new files their Content-Type by extension",
                  default: "/etc/mime.types") { s, _, v in
                s.options.filesystem.mimeTypesFile = v
            },
            value(["use_cache"], "DIR", "keep a disk cache of file data in DIR", default: "off") { s, _, v in
                s.options.filesystem.cacheDirectory = v.isEmpty ? nil : v
            },
            flag(["del_cache"], "delete the cached data at mount and at unmount") { $0.options.filesystem.deleteCache = true },
            flag(["check_cache_dir_exist"], "fail when the use_cache= directory does not exist") {
                $0.options.checkCacheDirectoryExists = true
            },
            value(["mpu_abort_age"], "AGE", "abort multipart uploads under the prefix left unfinished this long, "
                + "at mount and hourly (seconds, or 1Y6M10D12h30m30s; 0: never)", default: "24h") { s, name, v in
                guard v != "all", let age = Int64(v) ?? UploadAge.parse(v), age >= 0 else {
                    throw V.fail(name, v, "seconds or a duration such as 24h (0: off)")
                }
                s.options.filesystem.multipartAbortAge = age
            },
            value(["ensure_diskfree"], "MB", "free space kept on the staging disk (at least multipart_size)",
                  default: "0") { s, name, v in
                s.options.filesystem.ensureDiskFree = try V.megabytes(name, v)
                s.ensureDiskFreeGiven = true
            },
        ]),
        ("Metadata and caches", [
            value(["max_stat_cache_size"], "N", "entries in the stat cache", default: "100000") { s, name, v in
                s.options.filesystem.statCacheSize = try V.integer(name, v)
            },
            value(["stat_cache_expire"], "SECONDS", "stat cache TTL (-1: never); also the kernel's attr/entry "
                + "timeouts unless given", default: "900") { s, name, v in
                s.options.filesystem.statCacheTTL = v == "-1" ? -1 : try V.seconds(name, v)
                s.statCacheExpireGiven = true
            },
            flag(["disable_noobj_cache"], "do not cache that a name does not exist", default: "cache") {
                $0.options.filesystem.negativeCache = false
            },
            OptionSpec(names: ["use_xattr"], argument: .optional("0|1"), defaultValue: "0",
                       help: "support extended attributes (stored in x-oss-meta-xattr)") { s, name, v in
                s.options.filesystem.xattrEnabled = try V.bool(name, v)
            },
            flag(["symlink_in_meta"], "store symlink targets in metadata instead of the object body") {
                $0.options.filesystem.symlinkInMeta = true
            },
            flag(["readdir_optimize"], "no HEAD per listed entry: modes 0750/0640, the mount's owner") {
                $0.options.filesystem.readdirOptimize = true
            },
            flag(["complement_stat"], "give objects without x-oss-meta-mode a mode", default: "on") {
                $0.options.filesystem.complementStat = true
            },
            flag(["notsup_compat_dir"], "only dir/ marker objects are directories (no implicit directories)") {
                $0.options.filesystem.noImplicitDirectories = true
            },
        ]),
        ("Logging", [
            value(["logfile"], "FILE", "log to FILE (reopened on SIGHUP)", default: "syslog; stderr with -f") {
                s, _, v in s.options.logFile = v
            },
            value(["dbglevel"], "LEVEL", "crit, err, warn, info or debug", default: "err") { s, name, v in
                guard let level = LogLevel(option: v) else { throw V.fail(name, v, "crit, err, warn, info or debug") }
                s.options.logLevel = level
            },
            OptionSpec(names: ["curldbg"], argument: .optional("normal|body"), defaultValue: "off",
                       help: "log every HTTP request (body: and the XML bodies; never secrets)") { s, name, v in
                guard let mode = ClientOptions.CurlDebug(rawValue: v ?? "normal") else {
                    throw V.fail(name, v!, "normal or body")
                }
                s.options.client.curlDebug = mode
            },
        ]),
        ("FUSE", [
            fuse("default_permissions", "let the kernel check permissions against file modes"),
            flag(["kernel_cache"], "keep the kernel's page cache across opens") {
                $0.options.adapter.kernelCache = true
            },
            flag(["direct_io"], "bypass the kernel's page cache") { $0.options.adapter.directIO = true },
            noEffect(["auto_cache"], "the page cache is dropped on open unless kernel_cache is given"),
            value(["attr_timeout"], "SECONDS", "how long the kernel caches attributes",
                  default: "stat_cache_expire when given, else 1") { s, name, v in
                s.options.filesystem.attributeTimeout = try V.seconds(name, v)
                s.attributeTimeoutGiven = true
            },
            value(["entry_timeout"], "SECONDS", "how long the kernel caches names",
                  default: "stat_cache_expire when given, else 1") { s, name, v in
                s.options.filesystem.entryTimeout = try V.seconds(name, v)
                s.entryTimeoutGiven = true
            },
            value(["negative_timeout"], "SECONDS", "how long the kernel caches missing names", default: "0") {
                s, name, v in
                let t = try V.seconds(name, v)
                s.options.filesystem.negativeTimeout = t
                s.options.adapter.negativeTimeout = t
            },
            value(["max_write"], "BYTES", "largest write request", default: "1048576") { s, name, v in
                s.options.adapter.maxWrite = UInt32(try V.integer(name, v, min: 4096, max: 1 << 20))
            },
            value(["max_readahead"], "BYTES", "largest kernel readahead request", default: "1048576") {
                s, name, v in s.options.adapter.maxReadahead = UInt32(try V.integer(name, v, min: 0, max: 1 << 20))
            },
            fuse("max_read", "largest read request", value: "BYTES", default: "1048576"),
            fuse("fsname", "source shown by mount(8)", value: "NAME", default: "BUCKET[:/PREFIX]"),
            fuse("subtype", "type shown by mount(8) as fuse.TYPE", value: "TYPE", default: "ossfs"),
            fuse("allow_root", "let root (only) use the mount besides the owner"),
            fuse("auto_unmount", "unmount when the ossfs process dies"),
            fuse("nosuid", "ignore set-user-id bits", default: "on"),
            fuse("nodev", "ignore device files", default: "on"),
            fuse("noexec", "do not allow executing files"),
            fuse("exec", "allow executing files", default: "on"),
            fuse("sync", "synchronous I/O"),
            fuse("async", "asynchronous I/O", default: "on"),
            fuse("dirsync", "synchronous directory updates"),
            fuse("atime", "update access times"),
            fuse("noatime", "do not update access times"),
            fuse("relatime", "update access times relative to mtime"),
            fuse("norelatime", "do not use relatime"),
            fuse("strictatime", "always update access times"),
        ]),
        ("Accepted for ossfs 1.x compatibility", [
            noEffect(["direct_read"], "reads stream from OSS with prefetch by default"),
            noEffect(["direct_read_prefetch_thread", "direct_read_prefetch_chunks", "direct_read_backward_chunks",
                      "direct_read_local_file_cache_size_mb"], argument: .required("N"),
                     "reads stream from OSS with prefetch by default"),
            noEffect(["nomixupload", "norenameapi", "noshallowcopyapi"], "copies are chosen per object size"),
            noEffect(["noua"], "the User-Agent is ossfs/VERSION"),
            noEffect(["nodnscache", "nosscache"], "libcurl's connection and DNS reuse are always on"),
            noEffect(["enable_unsigned_payload"], "signature V4 always signs UNSIGNED-PAYLOAD"),
            noEffect(["stat_cache_interval_expire"], argument: .required("SECONDS"),
                     "the stat cache TTL counts from insertion (stat_cache_expire=)"),
            noEffect(["readdir_check_size"], argument: .required("N"), "listings report object sizes as listed"),
            noEffect(["no_time_stamp_msg"], "log lines carry the time of syslog or of the log file"),
            noEffect(["instance_name"], argument: .required("NAME"), "log lines carry the process id"),
            noEffect(["simulate_mtime_ns_with_crc64", "skip_clean_statcache_on_ro_flush"], "not applicable"),
        ]),
        ("Not supported", [
            unsupported(["use_sse"], argument: .optional("1|kms|kmsid:ID"), "server-side encryption headers"),
            unsupported(["cloudbox_id"], argument: .required("ID"), "OSS on CloudBox"),
            unsupported(["public_bucket"], argument: .required("1"), "anonymous access; requests are always signed"),
            unsupported(["credlib", "credlib_opts", "credential_process"], argument: .required("VALUE"),
                        "use passwd_file=, environment variables or ram_role"),
            unsupported(["ahbe_conf"], argument: .required("FILE"), "additional headers by file suffix"),
            unsupported(["requester_pays"], "requester-pays buckets"),
            unsupported(["upload_traffic_limit", "download_traffic_limit"], argument: .required("BITS"),
                        "per-connection traffic limits"),
            unsupported(["cipher_suites"], argument: .required("LIST"), "TLS cipher selection"),
            unsupported(["use_wtf8"], "WTF-8 name conversion"),
            unsupported(["free_space_ratio"], argument: .required("PERCENT"), "use ensure_diskfree=MB"),
            unsupported(["fake_diskfree"], argument: .required("MB"), "test-only option of ossfs 1.x"),
            unsupported(["set_check_cache_sigusr1"], argument: .optional("FILE"), "cache check on SIGUSR1"),
        ]),
    ]

    static let byName: [String: OptionSpec] = {
        var table: [String: OptionSpec] = [:]
        for group in groups {
            for spec in group.options {
                for name in spec.names {
                    precondition(table[name] == nil, "option \(name) listed twice")
                    table[name] = spec
                }
            }
        }
        return table
    }()

    /// Words mount(8), mount.fuse and fstab pass that mean nothing to ossfs: accepted and dropped.
    static let fstabWords: Set<String> = ["_netdev", "auto", "noauto", "user", "users", "nouser", "nofail",
                                          "defaults", "dev", "suid", "rw", "owner", "group"]

    /// Options ossfs 1.x removed; naming one is an error with 1.x's message.
    static let removed: Set<String> = ["accessKeyId", "secretAccessKey"]
}
