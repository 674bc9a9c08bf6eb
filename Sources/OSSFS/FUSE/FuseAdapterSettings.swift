/// What the adapter needs to know besides the filesystem: kernel-facing settings from FUSE's own options.
public struct FuseAdapterSettings: Sendable, Hashable {
    /// `kernel_cache`: keep the page cache across opens for every file.
    public var kernelCache: Bool = false
    /// `direct_io`: bypass the page cache for every file.
    public var directIO: Bool = false
    /// `negative_timeout=`: seconds the kernel remembers that a name does not exist (0: not at all).
    public var negativeTimeout: Double = 0
    /// Largest write request the kernel sends (FUSE `max_write`).
    public var maxWrite: UInt32 = 1 << 20
    /// Largest readahead the kernel asks for (FUSE `max_readahead`).
    public var maxReadahead: UInt32 = 1 << 20
    /// The `max_read=` mount option (0: none). libfuse aborts the session at INIT unless init() reports the
    /// same value the mount was given, so `FuseSession` fills this from its mount options.
    public var maxRead: UInt32 = 0
    /// Requests served at once before libfuse threads wait for a free slot.
    public var maxInFlight: Int = 256
    /// Kernel background requests (readahead, async writes) in flight at once.
    public var maxBackground: UInt32 = 64
    /// `use_xattr`. Off: xattr requests are answered ENOSYS, which the kernel remembers for the mount and turns
    /// into EOPNOTSUPP itself, so it stops asking (it asks for security.capability before every write(2)).
    public var xattrs: Bool = true
    public init() {}
}
