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
            FuseAdapter.from(req).lookup(req, parent: parent, name: String(cString: name!))
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
            FuseAdapter.from(req).mknod(req, parent: parent, name: String(cString: name!), mode: mode)
        }
        ops.mkdir = { req, parent, name, mode in
            FuseAdapter.from(req).mkdir(req, parent: parent, name: String(cString: name!), mode: mode)
        }
        ops.unlink = { req, parent, name in
            FuseAdapter.from(req).unlink(req, parent: parent, name: String(cString: name!))
        }
        ops.rmdir = { req, parent, name in
            FuseAdapter.from(req).rmdir(req, parent: parent, name: String(cString: name!))
        }
        ops.symlink = { req, link, parent, name in
            FuseAdapter.from(req).symlink(req, target: String(cString: link!), parent: parent,
                                          name: String(cString: name!))
        }
        ops.rename = { req, parent, name, newParent, newName, flags in
            FuseAdapter.from(req).rename(req, parent: parent, name: String(cString: name!), newParent: newParent,
                                         newName: String(cString: newName!), flags: flags)
        }
        ops.link = { req, ino, newParent, newName in
            FuseAdapter.from(req).link(req, ino: ino, newParent: newParent, newName: String(cString: newName!))
        }

        ops.open = { req, ino, fi in FuseAdapter.from(req).open(req, ino: ino, info: fi!.pointee) }
        ops.create = { req, parent, name, mode, fi in
            FuseAdapter.from(req).create(req, parent: parent, name: String(cString: name!), mode: mode,
                                         info: fi!.pointee)
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
            let bytes = [UInt8](UnsafeRawBufferPointer(start: value, count: size))
            FuseAdapter.from(req).setxattr(req, ino: ino, name: String(cString: name!), value: bytes, flags: flags)
        }
        ops.getxattr = { req, ino, name, size in
            FuseAdapter.from(req).getxattr(req, ino: ino, name: String(cString: name!), size: size)
        }
        ops.listxattr = { req, ino, size in FuseAdapter.from(req).listxattr(req, ino: ino, size: size) }
        ops.removexattr = { req, ino, name in
            FuseAdapter.from(req).removexattr(req, ino: ino, name: String(cString: name!))
        }
        ops.access = { req, ino, mask in FuseAdapter.from(req).access(req, ino: ino, mask: mask) }
        return ops
    }
}
