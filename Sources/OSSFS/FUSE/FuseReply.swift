import CFuse
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The answer to one FUSE request. libfuse requires exactly one reply per request, possibly later and from
/// another thread; a noncopyable value cannot be captured by a `Task`, so this class enforces the rule at run
/// time: a second reply is a bug (precondition), and a reply object dropped without replying answers EIO so the
/// calling process is never left hanging.
final class FuseReply: @unchecked Sendable {
    /// nil once replied. Taken by an atomic exchange, so a racing double reply is caught, not silently sent
    /// (every FUSE request makes one of these: no lock, no second allocation).
    private let request: Atomic<fuse_req_t?>

    init(_ req: fuse_req_t?) { request = Atomic(req) }

    deinit {
        if let req = request.load(ordering: .acquiring) {
            assertionFailure("FUSE request dropped without a reply")
            fuse_reply_err(req, EIO)
        }
    }

    private func take() -> fuse_req_t? {
        let req = request.exchange(nil, ordering: .acquiringAndReleasing)
        precondition(req != nil, "second reply to one FUSE request")
        return req
    }

    /// The request, still unanswered, for packing helpers (fuse_add_direntry) that take it before the reply.
    var pending: fuse_req_t? { request.load(ordering: .acquiring) }

    func error(_ errno: Int32) { fuse_reply_err(take(), errno) }
    /// Success without data (unlink, rename, flush, release, setxattr, ...): FUSE spells it as error 0.
    func ok() { fuse_reply_err(take(), 0) }

    func entry(_ e: Entry) {
        var param = FuseEncoding.entryParam(e)
        fuse_reply_entry(take(), &param)
    }

    /// A negative entry: the kernel caches "no such name" for `timeout` seconds.
    func negativeEntry(timeout: Double) {
        var param = fuse_entry_param()
        param.ino = 0
        param.entry_timeout = timeout
        fuse_reply_entry(take(), &param)
    }

    func attributes(_ a: FileAttributes, timeout: Double) {
        var st = FuseEncoding.stat(a)
        fuse_reply_attr(take(), &st, timeout)
    }

    func readlink(_ target: String) {
        let req = take()
        target.withCString { _ = fuse_reply_readlink(req, $0) }
    }

    /// `info` is the caller's copy of the request's fuse_file_info with fh and cache flags filled in.
    func open(_ info: fuse_file_info) {
        var fi = info
        fuse_reply_open(take(), &fi)
    }

    func create(_ e: Entry, _ info: fuse_file_info) {
        var param = FuseEncoding.entryParam(e)
        var fi = info
        fuse_reply_create(take(), &param, &fi)
    }

    func bytes(_ data: [UInt8]) {
        let req = take()
        data.withUnsafeBytes { _ = fuse_reply_buf(req, $0.baseAddress?.assumingMemoryBound(to: CChar.self), $0.count) }
    }

    /// A read's bytes, written to the kernel straight from where they are (fuse_reply_iov gathers the pieces
    /// in one writev; the buffer's memory is held until it returns).
    func bytes(_ data: ReadBuffer) {
        let req = take()
        data.withBuffers { buffers in
            if buffers.count <= 1 {
                let b = buffers.first
                _ = fuse_reply_buf(req, b?.baseAddress?.assumingMemoryBound(to: CChar.self), b?.count ?? 0)
                return
            }
            var vectors = buffers.map { iovec(iov_base: UnsafeMutableRawPointer(mutating: $0.baseAddress), iov_len: $0.count) }
            _ = fuse_reply_iov(req, &vectors, Int32(vectors.count))
        }
    }

    func bytes(_ data: UnsafeRawBufferPointer) {
        _ = fuse_reply_buf(take(), data.baseAddress?.assumingMemoryBound(to: CChar.self), data.count)
    }

    func written(_ count: Int) { fuse_reply_write(take(), count) }

    /// The size-0 probe of getxattr/listxattr: tell the caller how big a buffer it needs.
    func xattrSize(_ size: Int) { fuse_reply_xattr(take(), size) }

    func statfs(_ s: FilesystemStatistics) {
        var v = FuseEncoding.statvfs(s)
        fuse_reply_statfs(take(), &v)
    }
}
