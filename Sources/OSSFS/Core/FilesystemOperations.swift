import ObjectStore

// The contract between the FUSE adapter (Sources/OSSFS/FUSE) and the filesystem core (Sources/OSSFS/Core).
// The adapter decodes a request, calls one of these, and encodes the reply; it holds no policy. The core never
// sees FUSE's C types. Every call may suspend; the adapter replies when it completes.

/// An inode number as FUSE sees it. `.root` is FUSE_ROOT_ID.
public struct InodeNumber: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static let root = InodeNumber(1)
    public static func < (a: InodeNumber, b: InodeNumber) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "ino \(rawValue)" }
}

/// An open file or directory, as the `fh` FUSE hands back on every later call.
public struct HandleID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "fh \(rawValue)" }
}

public enum FileKind: Sendable, Hashable {
    case regular, directory, symlink

    /// The S_IFMT bits of st_mode.
    public var typeBits: UInt32 {
        switch self {
        case .regular: 0o100000
        case .directory: 0o040000
        case .symlink: 0o120000
        }
    }
}

/// What `stat` shows.
public struct FileAttributes: Sendable, Hashable {
    public var ino: InodeNumber
    public var kind: FileKind
    /// Permission bits only (0o7777); the adapter adds `kind.typeBits`.
    public var permissions: UInt32
    public var nlink: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var size: UInt64
    public var atime: Timestamp
    public var mtime: Timestamp
    public var ctime: Timestamp
    public init(ino: InodeNumber, kind: FileKind, permissions: UInt32, nlink: UInt32, uid: UInt32, gid: UInt32,
                size: UInt64, atime: Timestamp, mtime: Timestamp, ctime: Timestamp)
    {
        self.ino = ino
        self.kind = kind
        self.permissions = permissions
        self.nlink = nlink
        self.uid = uid
        self.gid = gid
        self.size = size
        self.atime = atime
        self.mtime = mtime
        self.ctime = ctime
    }
    public var mode: UInt32 { kind.typeBits | (permissions & 0o7777) }
    /// 512-byte blocks, as du counts them.
    public var blocks: UInt64 { (size + 511) / 512 }
}

/// A reply that names an inode. Every `Entry` the core returns adds one to that inode's lookup count, which
/// a later `forget` removes (the core counts; the adapter must hand every Entry to the kernel or forget it).
public struct Entry: Sendable, Hashable {
    public var attributes: FileAttributes
    /// Seconds the kernel may cache the name and the attributes.
    public var entryTimeout: Double
    public var attributeTimeout: Double
    public init(attributes: FileAttributes, entryTimeout: Double, attributeTimeout: Double) {
        self.attributes = attributes
        self.entryTimeout = entryTimeout
        self.attributeTimeout = attributeTimeout
    }
}

/// One name in a directory listing. `offset` is the cookie the kernel passes back to continue after it.
public struct DirectoryEntry: Sendable, Hashable {
    public var name: String
    public var ino: InodeNumber
    public var kind: FileKind
    public var offset: UInt64
    /// For readdirplus only; its lookup is counted only once the adapter confirms it was sent
    /// (`confirmLookups`), since a full reply buffer drops the tail.
    public var entry: Entry?
    public init(name: String, ino: InodeNumber, kind: FileKind, offset: UInt64, entry: Entry? = nil) {
        self.name = name
        self.ino = ino
        self.kind = kind
        self.offset = offset
        self.entry = entry
    }
}

/// Who is asking: from the FUSE request context.
public struct Caller: Sendable, Hashable {
    public var uid: UInt32
    public var gid: UInt32
    public var pid: Int32
    /// The caller's umask (FUSE passes it on create/mkdir when the kernel supports it).
    public var umask: UInt32
    public init(uid: UInt32, gid: UInt32, pid: Int32, umask: UInt32 = 0o022) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.umask = umask
    }
}

public enum TimeChange: Sendable, Hashable {
    case now
    case to(Timestamp)
}

/// setattr's fields; nil leaves a field alone.
public struct AttributeChanges: Sendable, Hashable {
    public var permissions: UInt32?
    public var uid: UInt32?
    public var gid: UInt32?
    public var size: UInt64?
    public var atime: TimeChange?
    public var mtime: TimeChange?
    public init(permissions: UInt32? = nil, uid: UInt32? = nil, gid: UInt32? = nil, size: UInt64? = nil,
                atime: TimeChange? = nil, mtime: TimeChange? = nil)
    {
        self.permissions = permissions
        self.uid = uid
        self.gid = gid
        self.size = size
        self.atime = atime
        self.mtime = mtime
    }
}

/// open(2) flags that matter to the core.
public struct OpenFlags: Sendable, Hashable {
    public enum Access: Sendable, Hashable { case readOnly, writeOnly, readWrite }
    public var access: Access
    public var truncate: Bool
    public var append: Bool
    public var exclusive: Bool
    public init(access: Access, truncate: Bool = false, append: Bool = false, exclusive: Bool = false) {
        self.access = access
        self.truncate = truncate
        self.append = append
        self.exclusive = exclusive
    }
    public var writes: Bool { access != .readOnly }
}

/// What the core asks of the kernel for an opened file.
public struct OpenReply: Sendable {
    public var handle: HandleID
    /// Keep the kernel's page cache across opens (the object did not change since it was cached).
    public var keepCache: Bool
    /// Bypass the page cache for this handle.
    public var directIO: Bool
    /// The whole file at the pinned version, CRC-checked, when the open's GET brought all of it: the kernel
    /// may take it into its page cache before the open returns, so that reading it costs no READ request.
    public var wholeFile: ReadBuffer?
    /// The size of the version the open pinned, for a clean file: when the kernel still holds another size
    /// (another client replaced the object within the attribute timeout), its attributes must go, or reads
    /// would stop at the old end.
    public var size: UInt64?
    public init(handle: HandleID, keepCache: Bool = false, directIO: Bool = false, wholeFile: ReadBuffer? = nil,
                size: UInt64? = nil)
    {
        self.handle = handle
        self.keepCache = keepCache
        self.directIO = directIO
        self.wholeFile = wholeFile
        self.size = size
    }
}

public enum RenameFlags: Sendable, Hashable {
    case none
    /// RENAME_NOREPLACE: fail with `exists` if the target exists.
    case noReplace
    /// RENAME_EXCHANGE: the core may answer `notSupported`.
    case exchange
}

public enum XattrSetMode: Sendable, Hashable {
    case either
    /// XATTR_CREATE
    case create
    /// XATTR_REPLACE
    case replace
}

/// statvfs.
public struct FilesystemStatistics: Sendable, Hashable {
    public var blockSize: UInt32
    public var blocks: UInt64
    public var freeBlocks: UInt64
    public var availableBlocks: UInt64
    public var files: UInt64
    public var freeFiles: UInt64
    public var nameMax: UInt32
    public init(blockSize: UInt32, blocks: UInt64, freeBlocks: UInt64, availableBlocks: UInt64, files: UInt64,
                freeFiles: UInt64, nameMax: UInt32)
    {
        self.blockSize = blockSize
        self.blocks = blocks
        self.freeBlocks = freeBlocks
        self.availableBlocks = availableBlocks
        self.files = files
        self.freeFiles = freeFiles
        self.nameMax = nameMax
    }
}

/// Every operation the FUSE adapter forwards. Names follow FUSE's low-level API. Calls throw `FSError`; the
/// adapter maps any other error to EIO (and logs it), so the core should never let one escape.
public protocol FilesystemOperations: AnyObject, Sendable {
    /// Where the FUSE session plugs in its way to invalidate the kernel's page cache (nil: not needed).
    var kernelCacheNotifier: KernelCacheNotifier? { get }
    func lookup(parent: InodeNumber, name: String) async throws -> Entry
    /// The kernel dropped `count` references; the core may evict the inode at zero. Never fails.
    func forget(_ ino: InodeNumber, count: UInt64)
    /// readdirplus entries the adapter actually sent: count one lookup for each.
    func confirmLookups(_ inodes: [InodeNumber])
    func getattr(_ ino: InodeNumber, handle: HandleID?) async throws -> (FileAttributes, timeout: Double)
    func setattr(_ ino: InodeNumber, changes: AttributeChanges, handle: HandleID?, caller: Caller) async throws
        -> (FileAttributes, timeout: Double)
    func readlink(_ ino: InodeNumber) async throws -> String
    func mkdir(parent: InodeNumber, name: String, permissions: UInt32, caller: Caller) async throws -> Entry
    /// mknod: regular files only (S_IFREG); FIFOs, sockets and devices are `notSupported`.
    func mknod(parent: InodeNumber, name: String, mode: UInt32, caller: Caller) async throws -> Entry
    func unlink(parent: InodeNumber, name: String) async throws
    func rmdir(parent: InodeNumber, name: String) async throws
    func symlink(parent: InodeNumber, name: String, target: String, caller: Caller) async throws -> Entry
    func rename(parent: InodeNumber, name: String, newParent: InodeNumber, newName: String, flags: RenameFlags)
        async throws
    /// Hard links: always `permissionDenied` (EPERM), as object storage has no links.
    func link(_ ino: InodeNumber, newParent: InodeNumber, newName: String) async throws -> Entry

    func open(_ ino: InodeNumber, flags: OpenFlags, caller: Caller) async throws -> OpenReply
    func create(parent: InodeNumber, name: String, permissions: UInt32, flags: OpenFlags, caller: Caller)
        async throws -> (Entry, OpenReply)
    /// Up to `size` bytes at `offset` (fewer only at the end of the file), possibly in read-ahead memory.
    func readBuffer(_ handle: HandleID, offset: UInt64, size: Int) async throws -> ReadBuffer
    /// The same read when it can be answered at once, without waiting for storage (bytes already fetched),
    /// on the calling thread; nil when `readBuffer` must answer it.
    func readIfArrived(_ handle: HandleID, offset: UInt64, size: Int) throws -> ReadBuffer?
    /// Returns the number of bytes written (all of them, or an error).
    func write(_ handle: HandleID, offset: UInt64, data: [UInt8]) async throws -> Int
    /// The same write done on the calling thread from the caller's buffer when it needs nothing that waits;
    /// nil when it does (the caller then copies the bytes and calls `write`).
    func writeImmediately(_ handle: HandleID, offset: UInt64, data: UnsafeRawBufferPointer) throws -> Int?
    /// close(2) of one descriptor: uploads pending data; succeeds only when it is durable with a matching CRC64.
    func flush(_ handle: HandleID) async throws
    func fsync(_ handle: HandleID, dataOnly: Bool) async throws
    /// The last close of the handle. Errors here are not seen by any caller; the core must have done its
    /// durable work in flush.
    func release(_ handle: HandleID) async

    func opendir(_ ino: InodeNumber) async throws -> HandleID
    /// Entries after the cookie `offset` (0 = from the start, including "." and ".."). `plus` fills `entry`.
    func readdir(_ handle: HandleID, offset: UInt64, plus: Bool) async throws -> [DirectoryEntry]
    func releasedir(_ handle: HandleID) async

    func statfs() async throws -> FilesystemStatistics
    func getxattr(_ ino: InodeNumber, name: String) async throws -> [UInt8]
    func setxattr(_ ino: InodeNumber, name: String, value: [UInt8], mode: XattrSetMode) async throws
    func listxattr(_ ino: InodeNumber) async throws -> [String]
    func removexattr(_ ino: InodeNumber, name: String) async throws
    /// access(2) with R_OK/W_OK/X_OK bits in `mask` (F_OK = 0).
    func access(_ ino: InodeNumber, mask: UInt32, caller: Caller) async throws

    /// The kernel is done with the mount: finish pending uploads (bounded by a grace period).
    func shutdown() async
}

extension FilesystemOperations {
    public var kernelCacheNotifier: KernelCacheNotifier? { nil }
    public func readIfArrived(_ handle: HandleID, offset: UInt64, size: Int) throws -> ReadBuffer? { nil }
    public func writeImmediately(_ handle: HandleID, offset: UInt64, data: UnsafeRawBufferPointer) throws -> Int? {
        nil
    }
}
