import ObjectStore

/// Why a directory exists. Lookups prefer a directory over a same-named file.
enum DirectorySource: Sendable, Hashable {
    /// A marker object: `a/b/` (or the legacy ossfs/s3fs `a/b` object typed as a directory).
    case marker(ObjectKey)
    /// Only descendants `a/b/…` exist; the directory disappears with them (unless a marker is written).
    case implicit
    /// The mount's root: always a directory, whatever the store holds.
    case root
}

/// How a symlink is stored (all three are read; `body` or `header` is written).
enum SymlinkForm: Sendable, Hashable {
    /// ossfs 1.x default: the body is the target, x-oss-meta-mode has S_IFLNK.
    case body
    /// ossfs 1.x `symlink_in_meta`: `x-oss-meta-symlink-target: header:<len>:<urlencoded>` (or `body:<len>:`).
    case header
    /// A native OSS Symlink object (PutSymlink), as ossfs 2.0 writes.
    case native
}

/// What the store says about one path: the decoded ossfs 1.x attributes plus what is needed to rewrite the
/// object's metadata without losing anything. Permissions are as stored (before the mount's umask and
/// forced owner, which `Filesystem.attributes` applies for display).
struct NodeInfo: Sendable, Hashable {
    var kind: FileKind
    /// Permission bits (0o7777).
    var permissions: UInt32
    var uid: UInt32
    var gid: UInt32
    var size: UInt64
    var atime: Timestamp
    var mtime: Timestamp
    var ctime: Timestamp
    /// The object that holds this entry (file key or marker key); nil for implicit directories and the root.
    var objectKey: ObjectKey?
    var etag: ETag?
    /// `x-oss-hash-crc64ecma` of the object (from a HEAD; listings do not carry it), with the ETag it
    /// belongs to: writes replace the ETag, so an old CRC never passes for a new version's.
    var crc64: VersionCRC?
    var contentType: String?
    /// All x-oss-meta-* of the object (lower-case names), kept so a metadata rewrite preserves xattrs and
    /// keys other tools wrote.
    var userMetadata: [String: String] = [:]
    var objectType: ObjectType?
    var storageClass: StorageClass?
    var directorySource: DirectorySource?
    var symlinkForm: SymlinkForm?
    /// The symlink target when known without reading the body.
    var symlinkTarget: String?
    /// False when mode/uid/gid are guesses (readdir_optimize listing entries): a later lookup HEADs.
    var complete: Bool = true
}

/// An object's CRC64 and the version (ETag) it describes.
struct VersionCRC: Sendable, Hashable {
    var etag: ETag
    var value: UInt64

    /// The CRC64 when it describes `etag`.
    func value(for etag: ETag?) -> UInt64? { etag == self.etag ? value : nil }
}
