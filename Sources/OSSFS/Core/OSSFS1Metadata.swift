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

    // Every entry of `ls -l` parses a mode, two ids and three times: on UTF-8 bytes, not through Strings split
    // and trimmed (that cost about 6% of the mount's CPU in a cold listing).

    /// strtol(s, nil, 0): "0x…" hex, "0…" octal, else decimal; surrounding blanks ignored.
    static func parseInteger(_ s: String) -> UInt64? {
        var s = s
        return s.withUTF8 { all in
            var t = ASCII.trimmingBlanks(all[...])
            guard !t.isEmpty else { return nil }
            if t.first == UInt8(ascii: "+") { t = t.dropFirst() }
            if t.count > 2, t[t.startIndex] == UInt8(ascii: "0"), t[t.startIndex + 1] | 0x20 == UInt8(ascii: "x") {
                return number(t.dropFirst(2), radix: 16)
            }
            if t.count > 1, t.first == UInt8(ascii: "0") { return number(t.dropFirst(), radix: 8) }
            return number(t, radix: 10)
        }
    }

    /// "1700000000" or "1700000000.123456789" (fraction of any length up to nanoseconds).
    static func parseTime(_ s: String) -> Timestamp? {
        var s = s
        return s.withUTF8 { all -> Timestamp? in
            var t = ASCII.trimmingBlanks(all[...])
            var negative = false
            if let sign = t.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                negative = sign == UInt8(ascii: "-")
                t = t.dropFirst()
            }
            let dot = t.firstIndex(of: UInt8(ascii: "."))
            guard let magnitude = number(t[..<(dot ?? t.endIndex)], radix: 10),
                  magnitude <= (negative ? UInt64(Int64.max) + 1 : UInt64(Int64.max)) else { return nil }
            let secs = negative ? Int64(truncatingIfNeeded: 0 &- magnitude) : Int64(magnitude)
            guard let dot else { return Timestamp(seconds: secs) }
            let frac = t[(dot + 1)...]
            guard !frac.isEmpty, frac.count <= 9, var ns = number(frac, radix: 10) else { return nil }
            for _ in frac.count..<9 { ns *= 10 }
            return Timestamp(seconds: secs, nanoseconds: Int32(ns))
        }
    }

    /// The digits of `bytes` in `radix` (at least one, nothing else), nil when they overflow.
    private static func number(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, radix: UInt64) -> UInt64? {
        guard !bytes.isEmpty else { return nil }
        var value: UInt64 = 0
        for b in bytes {
            let digit: UInt64
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt64(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt64(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt64(b - UInt8(ascii: "A") + 10)
            default: return nil
            }
            guard digit < radix else { return nil }
            let (shifted, o1) = value.multipliedReportingOverflow(by: radix)
            let (sum, o2) = shifted.addingReportingOverflow(digit)
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return value
    }

    static func formatTime(_ t: Timestamp) -> String {
        guard t.nanoseconds != 0 else { return String(t.seconds) }
        guard t.nanoseconds > 0, t.nanoseconds < 1_000_000_000 else { return "\(t.seconds).\(t.nanoseconds)" }
        // The nine fraction digits, zero-padded, appended to the seconds: written every time an entry's
        // metadata is (three times per created file).
        var text = String(t.seconds)
        var fraction = (UInt8(ascii: "."), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0),
                        UInt8(0), UInt8(0))
        withUnsafeMutableBytes(of: &fraction) { digits in
            var n = t.nanoseconds
            for i in stride(from: 9, through: 1, by: -1) {
                digits[i] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: n % 10)
                n /= 10
            }
            text += String(decoding: digits, as: UTF8.self)
        }
        return text
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
        guard var t else { return false }
        return t.withUTF8 { all in
            let base = ASCII.trimmingBlanks(all[..<(all.firstIndex(of: UInt8(ascii: ";")) ?? all.endIndex)])
            return base.elementsEqual(directoryContentType.utf8) || base.elementsEqual("httpd/unix-directory".utf8)
        }
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
        meta.reserveCapacity(preserving.count + 6)   // one allocation, not a table that doubles three times
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
