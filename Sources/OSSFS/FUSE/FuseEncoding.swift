import CFuse
#if canImport(Glibc)
import Glibc
#endif
import ObjectStore

/// The core's value types as the C structs FUSE replies carry, and back. Pure conversions, no policy.
enum FuseEncoding {
    static func timespec(_ t: Timestamp) -> Glibc.timespec {
        Glibc.timespec(tv_sec: Int(t.seconds), tv_nsec: Int(t.nanoseconds))
    }

    static func stat(_ a: FileAttributes) -> Glibc.stat {
        var st = Glibc.stat()
        st.st_ino = UInt(a.ino.rawValue)
        st.st_mode = a.mode
        st.st_nlink = UInt(a.nlink)
        st.st_uid = a.uid
        st.st_gid = a.gid
        st.st_size = Int(clamping: a.size)
        st.st_blocks = Int(clamping: a.blocks)
        st.st_blksize = 4096
        st.st_atim = timespec(a.atime)
        st.st_mtim = timespec(a.mtime)
        st.st_ctim = timespec(a.ctime)
        return st
    }

    static func entryParam(_ e: Entry) -> fuse_entry_param {
        var p = fuse_entry_param()
        p.ino = e.attributes.ino.rawValue
        p.generation = 0
        p.attr = stat(e.attributes)
        p.attr_timeout = e.attributeTimeout
        p.entry_timeout = e.entryTimeout
        return p
    }

    static func statvfs(_ s: FilesystemStatistics) -> Glibc.statvfs {
        var v = Glibc.statvfs()
        v.f_bsize = UInt(s.blockSize)
        v.f_frsize = UInt(s.blockSize)
        v.f_blocks = UInt(s.blocks)
        v.f_bfree = UInt(s.freeBlocks)
        v.f_bavail = UInt(s.availableBlocks)
        v.f_files = UInt(s.files)
        v.f_ffree = UInt(s.freeFiles)
        v.f_favail = UInt(s.freeFiles)
        v.f_namemax = UInt(s.nameMax)
        return v
    }

    static func timestamp(_ t: Glibc.timespec) -> Timestamp {
        Timestamp(seconds: Int64(t.tv_sec), nanoseconds: Int32(t.tv_nsec))
    }

    /// setattr's `to_set` bits and the kernel's `struct stat` as the core's change set.
    static func attributeChanges(_ st: Glibc.stat, toSet: Int32) -> AttributeChanges {
        var c = AttributeChanges()
        if toSet & FUSE_SET_ATTR_MODE != 0 { c.permissions = st.st_mode & 0o7777 }
        if toSet & FUSE_SET_ATTR_UID != 0 { c.uid = st.st_uid }
        if toSet & FUSE_SET_ATTR_GID != 0 { c.gid = st.st_gid }
        if toSet & FUSE_SET_ATTR_SIZE != 0 { c.size = UInt64(max(0, st.st_size)) }
        if toSet & FUSE_SET_ATTR_ATIME_NOW != 0 {
            c.atime = .now
        } else if toSet & FUSE_SET_ATTR_ATIME != 0 {
            c.atime = .to(timestamp(st.st_atim))
        }
        if toSet & FUSE_SET_ATTR_MTIME_NOW != 0 {
            c.mtime = .now
        } else if toSet & FUSE_SET_ATTR_MTIME != 0 {
            c.mtime = .to(timestamp(st.st_mtim))
        }
        return c
    }

    static func openFlags(_ flags: Int32) -> OpenFlags {
        let access: OpenFlags.Access = switch flags & O_ACCMODE {
        case O_WRONLY: .writeOnly
        case O_RDWR: .readWrite
        default: .readOnly
        }
        return OpenFlags(access: access, truncate: flags & O_TRUNC != 0, append: flags & O_APPEND != 0,
                         exclusive: flags & O_EXCL != 0)
    }

    /// rename(2)'s flags; nil for bits the kernel should never send (RENAME_WHITEOUT, unknown).
    static func renameFlags(_ flags: UInt32) -> RenameFlags? {
        switch flags {
        case 0: RenameFlags.none
        case 1: .noReplace   // RENAME_NOREPLACE
        case 2: .exchange    // RENAME_EXCHANGE
        default: nil
        }
    }

    /// setxattr(2)'s flags; nil when both XATTR_CREATE and XATTR_REPLACE are set or unknown bits are.
    static func xattrMode(_ flags: Int32) -> XattrSetMode? {
        switch flags {
        case 0: .either
        case 1: .create    // XATTR_CREATE
        case 2: .replace   // XATTR_REPLACE
        default: nil
        }
    }

    /// listxattr's reply: each name followed by a NUL.
    static func xattrNameList(_ names: [String]) -> [UInt8] {
        var out: [UInt8] = []
        for n in names { out += Array(n.utf8); out.append(0) }
        return out
    }
}
