import CFuse
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import ObjectStore

/// The FUSE side of the filesystem: every handler copies its C arguments into Swift values, starts a task that
/// awaits the core, and encodes the core's answer as exactly one reply. It holds no policy; errors become errno
/// through `FSError.errno`, the single table.
///
/// libfuse reaches this object through the session's userdata (`Unmanaged`), never through captured state:
/// `FuseSession` keeps it alive for as long as the C session exists.
final class FuseAdapter: @unchecked Sendable {
    let filesystem: any FilesystemOperations
    let settings: FuseAdapterSettings
    let log: LogHandler
    let limiter: InFlightLimiter
    /// The session, for page-cache stores; set once before the mount, so before any request.
    var live: LiveSession?
    let kernelSizes = KernelSizes()

    init(filesystem: any FilesystemOperations, settings: FuseAdapterSettings, log: @escaping LogHandler) {
        self.filesystem = filesystem
        self.settings = settings
        self.log = log
        limiter = InFlightLimiter(capacity: settings.maxInFlight)
    }

    static func from(_ req: fuse_req_t?) -> FuseAdapter {
        Unmanaged<FuseAdapter>.fromOpaque(fuse_req_userdata(req)!).takeUnretainedValue()
    }

    static func from(userdata: UnsafeMutableRawPointer?) -> FuseAdapter {
        Unmanaged<FuseAdapter>.fromOpaque(userdata!).takeUnretainedValue()
    }

    static func caller(_ req: fuse_req_t?) -> Caller {
        guard let ctx = fuse_req_ctx(req)?.pointee else { return Caller(uid: 0, gid: 0, pid: 0) }
        return Caller(uid: ctx.uid, gid: ctx.gid, pid: ctx.pid, umask: ctx.umask)
    }

    // MARK: the one path every asynchronous request takes

    /// Runs `work` on a task (within the in-flight bound) and replies with `encode` or with the error's errno.
    /// The task starts on the calling libfuse thread and runs there until its first real suspension (usually
    /// the request handed to the curl I/O thread): one thread wake-up less per request than a task queued to
    /// the cooperative pool, and a libfuse thread may block where a pool thread must not.
    /// `blocking`: until the task first waits, its requests to OSS are carried out by this thread itself
    /// (`BlockingCaller`, at most 8 at once so that workers stay free for other requests): one request at a
    /// time, as `rm -r`, `cp -r` or a random reader sends them, the hand-offs to the I/O thread and back are
    /// most of a request's cost on a small machine. Parts of big uploads are sent by their own tasks, never
    /// here.
    func submit<T>(_ reply: FuseReply, _ op: String, blocking: Bool = true,
                   _ work: @escaping @Sendable (any FilesystemOperations) async throws -> T,
                   encode: @escaping @Sendable (FuseReply, T) -> Void)
    {
        limiter.acquire()
        let fs = filesystem
        func start() {
            Task.immediate {
                defer { self.limiter.release() }
                do {
                    let value = try await work(fs)
                    encode(reply, value)
                } catch {
                    reply.error(self.errno(for: error, op))
                }
            }
        }
        if blocking { BlockingCaller.allowed(start) } else { start() }
    }

    /// Requests whose success reply carries no data.
    func submit(_ reply: FuseReply, _ op: String, _ work: @escaping @Sendable (any FilesystemOperations) async throws -> Void) {
        submit(reply, op, work) { reply, _ in reply.ok() }
    }

    func errno(for error: any Error, _ op: String) -> Int32 {
        switch error {
        case let e as FSError:
            switch e {
            case .io:
                // EIO tells the caller nothing: the reason (an archived object to restore, an upload kept
                // staged) must reach the log at the default level.
                log(.error, "\(op): \(e)")
            case .store, .stale:
                log(.warning, "\(op): \(e)")
            case .notFound, .exists, .noAttribute:
                break
            default:
                log(.debug, "\(op): \(e)")
            }
            return e.errno
        case is CancellationError:
            return EINTR
        default:
            log(.error, "\(op): unexpected error \(error) (answered EIO)")
            return EIO
        }
    }

    // MARK: kernel session

    func initialize(_ conn: UnsafeMutablePointer<fuse_conn_info>) {
        var c = conn.pointee
        let want = UInt32(FUSE_CAP_ASYNC_READ) | UInt32(FUSE_CAP_READDIRPLUS) | UInt32(FUSE_CAP_ATOMIC_O_TRUNC)
        c.want |= want & c.capable
        // splice moved no measurable throughput here and complicates buffer ownership.
        c.want &= ~(UInt32(FUSE_CAP_SPLICE_READ) | UInt32(FUSE_CAP_SPLICE_WRITE) | UInt32(FUSE_CAP_SPLICE_MOVE))
        // Object storage has no NFS file handles that survive a remount.
        c.want &= ~UInt32(FUSE_CAP_EXPORT_SUPPORT)
        c.max_write = settings.maxWrite
        c.max_readahead = settings.maxReadahead
        c.max_read = settings.maxRead
        c.max_background = settings.maxBackground
        c.congestion_threshold = settings.maxBackground * 3 / 4
        c.time_gran = 1
        conn.pointee = c
        log(.info, "FUSE protocol \(c.proto_major).\(c.proto_minor): max_write \(c.max_write), "
            + "max_readahead \(c.max_readahead), readdirplus \(c.want & UInt32(FUSE_CAP_READDIRPLUS) != 0)")
    }

    /// The kernel is done with the mount: let the core finish pending uploads before the process goes on to
    /// exit. Runs on a libfuse thread, which may block.
    func destroy() {
        let done = DoneSignal()
        let fs = filesystem
        Task {
            await fs.shutdown()
            done.signal()
        }
        done.wait()
    }

    /// Every entry reply goes out through here: the kernel's size for the inode becomes the entry's.
    func entry(_ reply: FuseReply, _ e: Entry) {
        kernelSizes.told(e.attributes)
        reply.entry(e)
    }

    // MARK: names

    func lookup(_ req: fuse_req_t?, parent: fuse_ino_t, name: String) {
        let reply = FuseReply(req)
        let negative = settings.negativeTimeout
        limiter.acquire()
        let fs = filesystem
        BlockingCaller.allowed {
            Task.immediate {   // on this thread until it waits, requests too: as in submit
                defer { self.limiter.release() }
                do {
                    self.entry(reply, try await fs.lookup(parent: InodeNumber(parent), name: name))
                } catch let e as FSError where e == .notFound && negative > 0 {
                    reply.negativeEntry(timeout: negative)
                } catch {
                    reply.error(self.errno(for: error, "lookup"))
                }
            }
        }
    }

    func forget(_ req: fuse_req_t?, ino: fuse_ino_t, count: UInt64) {
        kernelSizes.unknown(ino)
        filesystem.forget(InodeNumber(ino), count: count)
        fuse_reply_none(req)
    }

    func forgetMulti(_ req: fuse_req_t?, _ items: UnsafeBufferPointer<fuse_forget_data>) {
        for item in items {
            kernelSizes.unknown(item.ino)
            filesystem.forget(InodeNumber(item.ino), count: item.nlookup)
        }
        fuse_reply_none(req)
    }

    func getattr(_ req: fuse_req_t?, ino: fuse_ino_t, fh: UInt64?) {
        submit(FuseReply(req), "getattr") { fs in
            try await fs.getattr(InodeNumber(ino), handle: fh.map { HandleID($0) })
        } encode: { reply, result in
            self.kernelSizes.told(result.0)
            reply.attributes(result.0, timeout: result.timeout)
        }
    }

    func setattr(_ req: fuse_req_t?, ino: fuse_ino_t, changes: AttributeChanges, fh: UInt64?) {
        let caller = Self.caller(req)
        submit(FuseReply(req), "setattr") { fs in
            try await fs.setattr(InodeNumber(ino), changes: changes, handle: fh.map { HandleID($0) }, caller: caller)
        } encode: { reply, result in
            self.kernelSizes.told(result.0)
            reply.attributes(result.0, timeout: result.timeout)
        }
    }

    func readlink(_ req: fuse_req_t?, ino: fuse_ino_t) {
        submit(FuseReply(req), "readlink") { fs in try await fs.readlink(InodeNumber(ino)) }
            encode: { reply, target in reply.readlink(target) }
    }

    func mknod(_ req: fuse_req_t?, parent: fuse_ino_t, name: String, mode: UInt32) {
        let caller = Self.caller(req)
        submit(FuseReply(req), "mknod") { fs in
            try await fs.mknod(parent: InodeNumber(parent), name: name, mode: mode, caller: caller)
        } encode: { reply, entry in self.entry(reply, entry) }
    }

    func mkdir(_ req: fuse_req_t?, parent: fuse_ino_t, name: String, mode: UInt32) {
        let caller = Self.caller(req)
        submit(FuseReply(req), "mkdir") { fs in
            try await fs.mkdir(parent: InodeNumber(parent), name: name, permissions: mode & 0o7777, caller: caller)
        } encode: { reply, entry in self.entry(reply, entry) }
    }

    func unlink(_ req: fuse_req_t?, parent: fuse_ino_t, name: String) {
        submit(FuseReply(req), "unlink") { fs in try await fs.unlink(parent: InodeNumber(parent), name: name) }
    }

    func rmdir(_ req: fuse_req_t?, parent: fuse_ino_t, name: String) {
        submit(FuseReply(req), "rmdir") { fs in try await fs.rmdir(parent: InodeNumber(parent), name: name) }
    }

    func symlink(_ req: fuse_req_t?, target: String, parent: fuse_ino_t, name: String) {
        let caller = Self.caller(req)
        submit(FuseReply(req), "symlink") { fs in
            try await fs.symlink(parent: InodeNumber(parent), name: name, target: target, caller: caller)
        } encode: { reply, entry in self.entry(reply, entry) }
    }

    func rename(_ req: fuse_req_t?, parent: fuse_ino_t, name: String, newParent: fuse_ino_t, newName: String,
                flags: UInt32)
    {
        let reply = FuseReply(req)
        guard let mode = FuseEncoding.renameFlags(flags) else { return reply.error(EINVAL) }
        submit(reply, "rename") { fs in
            try await fs.rename(parent: InodeNumber(parent), name: name, newParent: InodeNumber(newParent),
                                newName: newName, flags: mode)
        }
    }

    func link(_ req: fuse_req_t?, ino: fuse_ino_t, newParent: fuse_ino_t, newName: String) {
        submit(FuseReply(req), "link") { fs in
            try await fs.link(InodeNumber(ino), newParent: InodeNumber(newParent), newName: newName)
        } encode: { reply, entry in self.entry(reply, entry) }
    }

    // MARK: files

    /// Applies `kernel_cache`/`direct_io` and the core's wishes to the reply's copy of fuse_file_info.
    /// A read-only descriptor has nothing to upload at close: FOPEN_NOFLUSH spares its close a FLUSH round
    /// trip (a quarter of the requests of `cat` on a small file). Data written through other descriptors is
    /// flushed by their own close.
    private func fileInfo(_ info: fuse_file_info, _ open: OpenReply) -> fuse_file_info {
        var fi = info
        fi.fh = open.handle.rawValue
        fi.keep_cache = (open.keepCache || settings.kernelCache) ? 1 : 0
        fi.direct_io = (open.directIO || settings.directIO) ? 1 : 0
        fi.noflush = FuseEncoding.openFlags(info.flags).access == .readOnly ? 1 : 0
        return fi
    }

    func open(_ req: fuse_req_t?, ino: fuse_ino_t, info: fuse_file_info) {
        let caller = Self.caller(req)
        let flags = FuseEncoding.openFlags(info.flags)
        submit(FuseReply(req), "open") { fs in
            try await fs.open(InodeNumber(ino), flags: flags, caller: caller)
        } encode: { reply, opened in
            var fi = self.fileInfo(info, opened)
            // The kernel's size is another version's: it asks again before reading past it.
            if let size = opened.size, let told = self.kernelSizes.size(ino), told != size, let live = self.live {
                live.invalidateAttributes(InodeNumber(ino))
                self.kernelSizes.unknown(ino)
            }
            // The kernel takes the whole file into its page cache now, so reading it sends no READ. Only
            // when its size is the file's: a larger one could leave an older version's pages readable past
            // the end.
            if fi.direct_io == 0, let whole = opened.wholeFile, let live = self.live,
               self.kernelSizes.size(ino) == UInt64(whole.count), live.store(InodeNumber(ino), whole)
            {
                fi.keep_cache = 1
            }
            reply.open(fi)
        }
    }

    func create(_ req: fuse_req_t?, parent: fuse_ino_t, name: String, mode: UInt32, info: fuse_file_info) {
        let caller = Self.caller(req)
        let flags = FuseEncoding.openFlags(info.flags)
        submit(FuseReply(req), "create") { fs in
            try await fs.create(parent: InodeNumber(parent), name: name, permissions: mode & 0o7777, flags: flags,
                                caller: caller)
        } encode: { reply, result in
            self.kernelSizes.told(result.0.attributes)
            reply.create(result.0, self.fileInfo(info, result.1))
        }
    }

    /// Bytes that already arrived are sent from the libfuse thread that got the request (no task, no thread
    /// hop: a streaming reader sends thousands of these a second); the rest wait on a task.
    func read(_ req: fuse_req_t?, fh: UInt64, size: Int, offset: Int) {
        let reply = FuseReply(req)
        let at = UInt64(max(0, offset))
        do {
            if let ready = try filesystem.readIfArrived(HandleID(fh), offset: at, size: size) {
                return reply.bytes(ready)
            }
        } catch {
            return reply.error(errno(for: error, "read"))
        }
        submit(reply, "read") { fs in
            try await fs.readBuffer(HandleID(fh), offset: at, size: size)
        } encode: { reply, data in reply.bytes(data) }
    }

    /// `buffer` is libfuse's, valid only during this call: answered here when the core can stage it at once
    /// (the hot path of sequential writes), else copied and handed to a task like every other request.
    func write(_ req: fuse_req_t?, ino: fuse_ino_t, fh: UInt64, buffer: UnsafeRawBufferPointer, offset: Int) {
        kernelSizes.unknown(ino)   // a write past the end grows the kernel's size before we answer
        let at = UInt64(max(0, offset))
        do {
            if let count = try filesystem.writeImmediately(HandleID(fh), offset: at, data: buffer) {
                return FuseReply(req).written(count)
            }
        } catch {
            return FuseReply(req).error(errno(for: error, "write"))
        }
        let data = [UInt8](buffer)
        // A write that has to wait usually waits for upload memory: it must not hold a worker meanwhile.
        submit(FuseReply(req), "write", blocking: false) { fs in
            try await fs.write(HandleID(fh), offset: at, data: data)
        } encode: { reply, count in reply.written(count) }
    }

    func flush(_ req: fuse_req_t?, fh: UInt64) {
        submit(FuseReply(req), "flush") { fs in try await fs.flush(HandleID(fh)) }
    }

    func fsync(_ req: fuse_req_t?, fh: UInt64, dataOnly: Bool) {
        submit(FuseReply(req), "fsync") { fs in try await fs.fsync(HandleID(fh), dataOnly: dataOnly) }
    }

    func release(_ req: fuse_req_t?, fh: UInt64) {
        submit(FuseReply(req), "release") { fs in await fs.release(HandleID(fh)) }
    }

    // MARK: directories

    func opendir(_ req: fuse_req_t?, ino: fuse_ino_t, info: fuse_file_info) {
        submit(FuseReply(req), "opendir") { fs in try await fs.opendir(InodeNumber(ino)) }
            encode: { reply, handle in
                var fi = info
                fi.fh = handle.rawValue
                reply.open(fi)
            }
    }

    func readdir(_ req: fuse_req_t?, fh: UInt64, size: Int, offset: Int, plus: Bool) {
        submit(FuseReply(req), plus ? "readdirplus" : "readdir") { fs in
            try await fs.readdir(HandleID(fh), offset: UInt64(max(0, offset)), plus: plus)
        } encode: { reply, entries in
            // Only entries that fit the buffer gain a lookup; the rest are dropped with it. They are counted
            // before the reply goes out: after it, the kernel may FORGET them or the caller may closedir (which
            // unpins them), and a count arriving then would name an inode the core already evicted.
            _ = DirectoryBuffer.fill(reply, size: size, entries: entries, plus: plus) { sent in
                guard plus else { return }
                let looked = sent.filter { $0.entry != nil && !DirectoryBuffer.isDot($0.name) }
                self.kernelSizes.told(looked.lazy.compactMap { $0.entry?.attributes })
                if !looked.isEmpty { self.filesystem.confirmLookups(looked.map(\.ino)) }
            }
        }
    }

    func releasedir(_ req: fuse_req_t?, fh: UInt64) {
        submit(FuseReply(req), "releasedir") { fs in await fs.releasedir(HandleID(fh)) }
    }

    // MARK: filesystem and attributes

    func statfs(_ req: fuse_req_t?) {
        submit(FuseReply(req), "statfs") { fs in try await fs.statfs() } encode: { reply, s in reply.statfs(s) }
    }

    /// Without use_xattr every xattr request ends here: ENOSYS makes the kernel answer EOPNOTSUPP on its own
    /// from then on, saving a round trip per write(2) (security.capability) and per ls -l entry (ACL probes).
    private func xattrsOff(_ reply: FuseReply) -> Bool {
        guard !settings.xattrs else { return false }
        reply.error(ENOSYS)
        return true
    }

    func setxattr(_ req: fuse_req_t?, ino: fuse_ino_t, name: String, value: [UInt8], flags: Int32) {
        let reply = FuseReply(req)
        if xattrsOff(reply) { return }
        guard let mode = FuseEncoding.xattrMode(flags) else { return reply.error(EINVAL) }
        submit(reply, "setxattr") { fs in
            try await fs.setxattr(InodeNumber(ino), name: name, value: value, mode: mode)
        }
    }

    /// getxattr(2) and listxattr(2) ask with size 0 to learn the length, then with a buffer; a value that
    /// does not fit the buffer is ERANGE.
    private static func replyXattr(_ reply: FuseReply, _ value: [UInt8], size: Int) {
        if size == 0 {
            reply.xattrSize(value.count)
        } else if value.count > size {
            reply.error(ERANGE)
        } else {
            reply.bytes(value)
        }
    }

    func getxattr(_ req: fuse_req_t?, ino: fuse_ino_t, name: String, size: Int) {
        let reply = FuseReply(req)
        if xattrsOff(reply) { return }
        submit(reply, "getxattr") { fs in try await fs.getxattr(InodeNumber(ino), name: name) }
            encode: { reply, value in Self.replyXattr(reply, value, size: size) }
    }

    func listxattr(_ req: fuse_req_t?, ino: fuse_ino_t, size: Int) {
        let reply = FuseReply(req)
        if xattrsOff(reply) { return }
        submit(reply, "listxattr") { fs in try await fs.listxattr(InodeNumber(ino)) }
            encode: { reply, names in Self.replyXattr(reply, FuseEncoding.xattrNameList(names), size: size) }
    }

    func removexattr(_ req: fuse_req_t?, ino: fuse_ino_t, name: String) {
        let reply = FuseReply(req)
        if xattrsOff(reply) { return }
        submit(reply, "removexattr") { fs in try await fs.removexattr(InodeNumber(ino), name: name) }
    }

    func access(_ req: fuse_req_t?, ino: fuse_ino_t, mask: Int32) {
        let caller = Self.caller(req)
        submit(FuseReply(req), "access") { fs in
            try await fs.access(InodeNumber(ino), mask: UInt32(bitPattern: mask), caller: caller)
        }
    }
}

/// A one-shot signal a libfuse thread can block on while a task finishes.
final class DoneSignal: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    func signal() { semaphore.signal() }
    func wait() { semaphore.wait() }
}
