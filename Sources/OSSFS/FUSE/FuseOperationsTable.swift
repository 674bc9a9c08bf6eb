import CFuse
#if canImport(Glibc)
import Glibc
#endif

/// The C callback table handed to fuse_session_new. Each entry is a capture-free closure (a C function
/// pointer) that finds the adapter through the request's userdata and copies every pointer argument before
/// returning, because libfuse frees them when the callback returns.
enum FuseOperationsTable {
    static func make() -> fuse_lowlevel_ops {
        var ops = fuse_lowlevel_ops()
        ops.`init` = { userdata, conn in FuseAdapter.from(userdata: userdata).initialize(conn!) }
        ops.destroy = { userdata in FuseAdapter.from(userdata: userdata).destroy() }

        ops.lookup = { req, parent, name in
            guard let name = strictUTF8(name) else { return FuseReply(req).error(ENOENT) }   // no such key can exist
            FuseAdapter.from(req).lookup(req, parent: parent, name: name)
        }
        ops.forget = { req, ino, nlookup in FuseAdapter.from(req).forget(req, ino: ino, count: nlookup) }
        ops.forget_multi = { req, count, forgets in
            FuseAdapter.from(req).forgetMulti(req, UnsafeBufferPointer(start: forgets, count: count))
        }
        ops.getattr = { req, ino, fi in FuseAdapter.from(req).getattr(req, ino: ino, fh: fi?.pointee.fh) }
        ops.setattr = { req, ino, attr, toSet, fi in
            let changes = FuseEncoding.attributeChanges(attr!.pointee, toSet: toSet)
            FuseAdapter.from(req).setattr(req, ino: ino, changes: changes, fh: fi?.pointee.fh)
        }
        ops.readlink = { req, ino in FuseAdapter.from(req).readlink(req, ino: ino) }
        ops.mknod = { req, parent, name, mode, _ in
            guard let name = strictUTF8(name) else { return FuseReply(req).error(EILSEQ) }
            FuseAdapter.from(req).mknod(req, parent: parent, name: name, mode: mode)
        }
        ops.mkdir = { req, parent, name, mode in
            guard let name = strictUTF8(name) else { return FuseReply(req).error(EILSEQ) }
            FuseAdapter.from(req).mkdir(req, parent: parent, name: name, mode: mode)
        }
        ops.unlink = { req, parent, name in
            guard let name = strictUTF8(name) else { return FuseReply(req).error(ENOENT) }
            FuseAdapter.from(req).unlink(req, parent: parent, name: name)
        }
        ops.rmdir = { req, parent, name in
            guard let name = strictUTF8(name) else { return FuseReply(req).error(ENOENT) }
            FuseAdapter.from(req).rmdir(req, parent: parent, name: name)
        }
        ops.symlink = { req, link, parent, name in
            guard let target = strictUTF8(link), let name = strictUTF8(name) else { return FuseReply(req).error(EILSEQ) }
            FuseAdapter.from(req).symlink(req, target: target, parent: parent, name: name)
        }
        ops.rename = { req, parent, name, newParent, newName, flags in
            guard let name = strictUTF8(name) else { return FuseReply(req).error(ENOENT) }
            guard let newName = strictUTF8(newName) else { return FuseReply(req).error(EILSEQ) }
            FuseAdapter.from(req).rename(req, parent: parent, name: name, newParent: newParent, newName: newName,
                                         flags: flags)
        }
        ops.link = { req, ino, newParent, newName in
            guard let newName = strictUTF8(newName) else { return FuseReply(req).error(EILSEQ) }
            FuseAdapter.from(req).link(req, ino: ino, newParent: newParent, newName: newName)
        }

        ops.open = { req, ino, fi in FuseAdapter.from(req).open(req, ino: ino, info: fi!.pointee) }
        ops.create = { req, parent, name, mode, fi in
            guard let name = strictUTF8(name) else { return FuseReply(req).error(EILSEQ) }
            FuseAdapter.from(req).create(req, parent: parent, name: name, mode: mode, info: fi!.pointee)
        }
        ops.read = { req, _, size, off, fi in
            FuseAdapter.from(req).read(req, fh: fi!.pointee.fh, size: size, offset: Int(off))
        }
        ops.write = { req, ino, buf, size, off, fi in
            FuseAdapter.from(req).write(req, ino: ino, fh: fi!.pointee.fh,
                                        buffer: UnsafeRawBufferPointer(start: buf, count: size),
                                        offset: Int(off))
        }
        ops.flush = { req, _, fi in FuseAdapter.from(req).flush(req, fh: fi!.pointee.fh) }
        ops.release = { req, _, fi in FuseAdapter.from(req).release(req, fh: fi!.pointee.fh) }
        ops.fsync = { req, _, datasync, fi in
            FuseAdapter.from(req).fsync(req, fh: fi!.pointee.fh, dataOnly: datasync != 0)
        }

        ops.opendir = { req, ino, fi in FuseAdapter.from(req).opendir(req, ino: ino, info: fi!.pointee) }
        ops.readdir = { req, _, size, off, fi in
            FuseAdapter.from(req).readdir(req, fh: fi!.pointee.fh, size: size, offset: Int(off), plus: false)
        }
        ops.readdirplus = { req, _, size, off, fi in
            FuseAdapter.from(req).readdir(req, fh: fi!.pointee.fh, size: size, offset: Int(off), plus: true)
        }
        ops.releasedir = { req, _, fi in FuseAdapter.from(req).releasedir(req, fh: fi!.pointee.fh) }

        ops.statfs = { req, _ in FuseAdapter.from(req).statfs(req) }
        ops.setxattr = { req, ino, name, value, size, flags in
            guard let name = strictUTF8(name) else { return FuseReply(req).error(EILSEQ) }
            let bytes = [UInt8](UnsafeRawBufferPointer(start: value, count: size))
            FuseAdapter.from(req).setxattr(req, ino: ino, name: name, value: bytes, flags: flags)
        }
        ops.getxattr = { req, ino, name, size in
            guard let name = strictUTF8(name) else { return FuseReply(req).error(ENODATA) }
            FuseAdapter.from(req).getxattr(req, ino: ino, name: name, size: size)
        }
        ops.listxattr = { req, ino, size in FuseAdapter.from(req).listxattr(req, ino: ino, size: size) }
        ops.removexattr = { req, ino, name in
            guard let name = strictUTF8(name) else { return FuseReply(req).error(ENODATA) }
            FuseAdapter.from(req).removexattr(req, ino: ino, name: name)
        }
        ops.access = { req, ino, mask in FuseAdapter.from(req).access(req, ino: ino, mask: mask) }
        return ops
    }
}

/// A name (or symlink target) the kernel sent, or nil when its bytes are not UTF-8. OSS keys are UTF-8, and
/// `String(cString:)` would replace each bad sequence with U+FFFD: two names in a legacy encoding (Latin-1
/// "r\xe9sum\xe9" and "r\xe8sum\xe8", say, from an old tar archive) would become one key, and the second
/// file would silently replace the first. Such a name is refused instead (EILSEQ for a new one; a lookup or
/// removal finds nothing, as no key can have it).
func strictUTF8(_ text: UnsafePointer<CChar>?) -> String? {
    guard let text else { return nil }
    return String(validatingCString: text)
}
