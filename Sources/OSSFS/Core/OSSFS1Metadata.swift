import ObjectStore
import OSSCore

/// Reading and writing the object metadata conventions of ossfs 1.x (docs: ossfs1-compat.md §4), so that
/// buckets move between ossfs 1.x and this ossfs in both directions:
/// `x-oss-meta-mode` (decimal st_mode, parsed like strtol base 0), `-uid`, `-gid`, `-atime`, `-ctime`,
/// `-mtime` (epoch seconds, `.NNNNNNNNN` when sub-second), `Content-Type: application/x-directory` markers,
/// `x-oss-meta-symlink-target`, and `x-oss-meta-xattr`.
enum OSSFS1Metadata {
    static let mode = "mode", uid = "uid", gid = "gid", atime = "atime", mtime = "mtime", ctime = "ctime"
    static let symlinkTarget = "symlink-target"
    static let xattr = "xattr"
    static let directoryContentType = "application/x-directory"
    /// s3fs's legacy directory marker: `dir_$folder$`.
    static let folderSuffix = "_$folder$"
    static let typeMask: UInt32 = 0o170000

    /// What the mount supplies when an object lacks metadata.
    struct Defaults: Sendable {
        var uid: UInt32
        var gid: UInt32
        /// complement_stat: synthesize 0750/0640 when x-oss-meta-mode is missing.
        var complementStat: Bool
        static let directoryPermissions: UInt32 = 0o750
        static let filePermissions: UInt32 = 0o640
    }

    // MARK: Numbers and times

    /// strtol(s, nil, 0): "0x…" hex, "0…" octal, else decimal; surrounding blanks ignored.
    static func parseInteger(_ s: String) -> UInt64? {
        var t = Substring(s.trimmingBlanks())
        guard !t.isEmpty else { return nil }
        if t.hasPrefix("+") { t = t.dropFirst() }
        if t.hasPrefix("0x") || t.hasPrefix("0X") { return UInt64(t.dropFirst(2), radix: 16) }
        if t.count > 1, t.hasPrefix("0") { return UInt64(t.dropFirst(), radix: 8) }
        return UInt64(t, radix: 10)
    }

    /// "1700000000" or "1700000000.123456789" (fraction of any length up to nanoseconds).
    static func parseTime(_ s: String) -> Timestamp? {
        let t = s.trimmingBlanks()
        let parts = t.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let secs = Int64(parts[0]) else { return nil }
        guard parts.count == 2 else { return Timestamp(seconds: secs) }
        let frac = parts[1]
        guard !frac.isEmpty, frac.count <= 9, frac.allSatisfy({ $0.isASCII && $0.isNumber }),
              var ns = Int64(frac) else { return nil }
        for _ in frac.count..<9 { ns *= 10 }
        return Timestamp(seconds: secs, nanoseconds: Int32(ns))
    }

    static func formatTime(_ t: Timestamp) -> String {
        guard t.nanoseconds != 0 else { return String(t.seconds) }
        let ns = String(t.nanoseconds)
        return "\(t.seconds).\(String(repeating: "0", count: 9 - ns.count))\(ns)"
    }

    // MARK: Decoding

    /// The entry a HEAD of a file key (not a `dir/` marker) describes. Native symlinks need their target
    /// from GetSymlink; the caller fills `symlinkTarget` for those.
    static func decodeObject(_ m: ObjectMetadata, defaults: Defaults) -> NodeInfo {
        let meta = m.userMetadata
        let storedMode = meta[mode].flatMap(parseInteger).map { UInt32(truncatingIfNeeded: $0) }
        let type = storedMode.map { $0 & typeMask }
        var kind: FileKind = .regular
        var form: SymlinkForm?
        var target: String?
        if m.objectType == .symlink {
            kind = .symlink
            form = .native
            target = m.symlinkTarget?.rawValue
        } else if let header = meta[symlinkTarget] {
            kind = .symlink
            form = .header
            target = decodeSymlinkHeader(header)
        } else if type == FileKind.symlink.typeBits {
            kind = .symlink
            form = .body
        } else if type == FileKind.directory.typeBits || isDirectoryContentType(m.contentType) {
            kind = .directory
        }
        var info = decodeCommon(m, kind: kind, storedMode: storedMode, defaults: defaults)
        info.symlinkForm = form
        info.symlinkTarget = target
        if kind == .directory { info.directorySource = .marker(m.key); info.size = 0 }
        if kind == .symlink {
            if let target { info.size = UInt64(target.utf8.count) }
            if storedMode == nil { info.permissions = 0o777 }
        }
        return info
    }

    /// The directory a HEAD of its `dir/` marker describes.
    static func decodeMarker(_ m: ObjectMetadata, defaults: Defaults) -> NodeInfo {
        let storedMode = m.userMetadata[mode].flatMap(parseInteger).map { UInt32(truncatingIfNeeded: $0) }
        var info = decodeCommon(m, kind: .directory, storedMode: storedMode, defaults: defaults)
        info.directorySource = .marker(m.key)
        info.size = 0
        return info
    }

    private static func decodeCommon(_ m: ObjectMetadata, kind: FileKind, storedMode: UInt32?, defaults: Defaults)
        -> NodeInfo
    {
        let meta = m.userMetadata
        let permissions: UInt32
        if let storedMode {
            permissions = storedMode & 0o7777
        } else if defaults.complementStat {
            permissions = kind == .directory ? Defaults.directoryPermissions : Defaults.filePermissions
        } else {
            permissions = 0
        }
        let mtime = meta[Self.mtime].flatMap(parseTime) ?? m.lastModified
        return NodeInfo(
            kind: kind, permissions: permissions,
            uid: meta[Self.uid].flatMap(parseInteger).map { UInt32(truncatingIfNeeded: $0) } ?? defaults.uid,
            gid: meta[Self.gid].flatMap(parseInteger).map { UInt32(truncatingIfNeeded: $0) } ?? defaults.gid,
            size: m.size,
            atime: meta[Self.atime].flatMap(parseTime) ?? mtime,
            mtime: mtime,
            ctime: meta[Self.ctime].flatMap(parseTime) ?? mtime,
            objectKey: m.key, etag: m.etag, crc64: m.crc64.map { VersionCRC(etag: m.etag, value: $0) }, contentType: m.contentType, userMetadata: meta,
            objectType: m.objectType, storageClass: m.storageClass)
    }

    static func isDirectoryContentType(_ t: String?) -> Bool {
        guard let t else { return false }
        let base = t.split(separator: ";").first.map { $0.trimmingCharacters() } ?? ""
        return base == directoryContentType || base == "httpd/unix-directory"
    }

    /// A directory that exists only through its children.
    static func implicitDirectory(defaults: Defaults, time: Timestamp) -> NodeInfo {
        NodeInfo(kind: .directory, permissions: Defaults.directoryPermissions, uid: defaults.uid, gid: defaults.gid,
                 size: 0, atime: time, mtime: time, ctime: time, directorySource: .implicit)
    }

    // MARK: Symlink header form

    /// `header:<len>:<urlencoded target>` → target; `body:<len>:` → nil (the body holds it).
    static func decodeSymlinkHeader(_ value: String) -> String? {
        guard value.hasPrefix("header:") else { return nil }
        let rest = value.dropFirst("header:".count)
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        return PercentEncoding.decode(String(rest[rest.index(after: colon)...]))
    }

    /// Targets below this many bytes go in the header; longer ones in the body (`body:<len>:`).
    static let symlinkHeaderLimit = 2048

    static func encodeSymlinkHeader(_ target: String) -> (header: String, body: [UInt8]) {
        let n = target.utf8.count
        if n < symlinkHeaderLimit {
            return ("header:\(n):" + PercentEncoding.encode(target, keepSlash: false), [])
        }
        return ("body:\(n):", Array(target.utf8))
    }

    // MARK: Encoding

    /// The user metadata to store for an entry: POSIX attributes in ossfs 1.x form, over `preserving` (other
    /// keys such as xattr or metadata other tools wrote are kept).
    static func encode(kind: FileKind, permissions: UInt32, uid: UInt32, gid: UInt32, atime: Timestamp,
                       mtime: Timestamp, ctime: Timestamp, preserving: [String: String] = [:]) -> [String: String]
    {
        var meta = preserving
        meta[mode] = String(kind.typeBits | (permissions & 0o7777))
        meta[Self.uid] = String(uid)
        meta[Self.gid] = String(gid)
        meta[Self.atime] = formatTime(atime)
        meta[Self.mtime] = formatTime(mtime)
        meta[Self.ctime] = formatTime(ctime)
        return meta
    }

    static func encode(_ info: NodeInfo) -> [String: String] {
        encode(kind: info.kind, permissions: info.permissions, uid: info.uid, gid: info.gid, atime: info.atime,
               mtime: info.mtime, ctime: info.ctime, preserving: info.userMetadata)
    }
}

extension StringProtocol {
    func trimmingBlanks() -> String {
        // On UTF-8 bytes: the Character-wise reverse-and-rebuild this replaced cost ~9% of ls -l's CPU.
        let s = String(self)
        guard let first = s.utf8.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return "" }
        let last = s.utf8.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })!
        return String(s[first...last])
    }
    func trimmingCharacters() -> String { trimmingBlanks() }
}
