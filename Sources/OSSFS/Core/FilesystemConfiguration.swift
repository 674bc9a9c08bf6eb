import ObjectStore

/// Everything the filesystem core is told by the command line (ossfs 1.x option names in comments). The
/// executable fills it; the core never parses options.
public struct FilesystemConfiguration: Sendable {
    /// The bucket's name: with `prefix`, it names the mount's staging area, so the next mount of the same
    /// bucket:/prefix finds (and finishes) what a crashed one left.
    public var bucket: String = ""
    /// `bucket:/prefix`: keys under this prefix ("" or ending in "/") form the mount's root.
    public var prefix: String = ""
    /// `uid=` / `gid=`: owner of objects without x-oss-meta-uid/gid (and of every file when forced).
    public var defaultUID: UInt32 = 0
    public var defaultGID: UInt32 = 0
    /// True when `uid=`/`gid=` were given: they override stored owners, as in ossfs 1.x.
    public var forceOwner: Bool = false
    /// `umask=` (octal), applied to every file's permissions when given.
    public var umask: UInt32? = nil
    /// `mp_umask=`; with `allow_other` the root shows 0777 & ~mp_umask, else 0700.
    public var mountPointUmask: UInt32 = 0
    public var allowOther: Bool = false
    /// `ro`
    public var readOnly: Bool = false

    /// `stat_cache_expire=` seconds (-1 never); also the kernel attr/entry timeout unless given.
    public var statCacheTTL: Double = 900
    /// `max_stat_cache_size=` entries.
    public var statCacheSize: Int = 100_000
    /// `disable_noobj_cache` turns the negative cache off.
    public var negativeCache: Bool = true
    /// Kernel timeouts (`attr_timeout=`, `entry_timeout=`, `negative_timeout=`).
    public var attributeTimeout: Double = 1
    public var entryTimeout: Double = 1
    public var negativeTimeout: Double = 0

    /// `multipart_size=` (MiB in ossfs 1.x; stored in bytes here).
    public var multipartSize: UInt64 = 10 << 20
    /// `multipart_threshold=`: at or above this a file is uploaded in parts.
    public var multipartThreshold: UInt64 = 25 << 20
    /// `nomultipart`
    public var multipartEnabled: Bool = true
    /// `parallel_count=`: parts uploaded at once per file.
    public var parallelCount: Int = 5
    /// `multireq_max=`: HEADs in flight during a listing.
    public var multiRequestMax: Int = 20
    /// `singlepart_copy_limit=`: above this, copies use UploadPartCopy.
    public var singlePartCopyLimit: UInt64 = 512 << 20
    /// `multipart_copy_size=`
    public var multipartCopySize: UInt64 = 512 << 20
    /// `nocopyapi`: rename and metadata changes re-upload instead of copying.
    public var copyAPIEnabled: Bool = true
    /// `max_dirty_data=` bytes before a file being written is flushed mid-write (nil: off).
    public var maxDirtyData: UInt64? = 5120 << 20

    /// `tmpdir=` / `use_cache=`: where staging files live.
    public var stagingDirectory: String = "/tmp"
    /// `use_cache=DIR`: a disk data cache, nil when off.
    public var cacheDirectory: String? = nil
    /// `del_cache`: delete the cached blocks at mount and at unmount.
    public var deleteCache: Bool = false
    /// `ensure_diskfree=` bytes kept free on the staging filesystem; below it writes get ENOSPC.
    public var ensureDiskFree: UInt64 = 0
    /// `mpu_abort_age=` seconds: multipart uploads under the prefix older than this are aborted at mount and
    /// hourly (abandoned parts cost money); 0 turns it off. Uploads the mount's staging records name are kept.
    public var multipartAbortAge: Int64 = 24 * 3600
    /// How often the cleanup above runs while mounted.
    public var maintenanceInterval: Double = 3600
    /// Test seam: the free-space probe behind ensure_diskfree (nil: statvfs).
    var freeSpaceProbe: (@Sendable (String) -> UInt64?)? = nil
    /// `direct_read_prefetch_limit=` (MiB in ossfs 1.x): memory all readers of the mount together may hold
    /// in read-ahead chunks.
    public var prefetchMemoryLimit: UInt64 = 128 << 20
    /// `direct_read_chunk_size=` (MiB in ossfs 1.x): the size of one read-ahead GET once a reader streams.
    public var prefetchChunkSize: UInt64 = 8 << 20
    /// How long read-ahead buffers stay mapped after the last reader let go, for the next file's reader.
    var prefetchIdleRelease: Duration = .seconds(2)

    /// `default_acl=`, `storage_class=`
    public var acl: ObjectACL? = nil
    public var storageClass: StorageClass? = nil
    /// `enable_content_md5`
    public var contentMD5: Bool = false

    /// `mime=`: the mime.types file that gives new objects their Content-Type by extension.
    public var mimeTypesFile: String? = "/etc/mime.types"

    /// `use_xattr`
    public var xattrEnabled: Bool = false
    /// `symlink_in_meta`: write symlink targets into x-oss-meta-symlink-target rather than the body.
    public var symlinkInMeta: Bool = false
    /// `readdir_optimize`: no per-entry HEAD; fake 0750/0640 and the mount owner.
    public var readdirOptimize: Bool = false
    /// `complement_stat`: synthesize a mode when x-oss-meta-mode is missing (on by default).
    public var complementStat: Bool = true
    /// `notsup_compat_dir`: only `dir/` marker objects are directories (no implicit directories).
    public var noImplicitDirectories: Bool = false

    public init() {}
}
