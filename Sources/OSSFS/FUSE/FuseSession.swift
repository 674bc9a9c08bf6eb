import CFuse
import Dispatch
import OSSCore
#if canImport(Glibc)
import Glibc
#endif

/// How to mount: the kernel-side options libfuse takes and how to run the request loop.
public struct FuseMountConfiguration: Sendable {
    /// Absolute path of the mount point.
    public var mountpoint: String
    /// Mount options libfuse itself understands (`allow_other`, `ro`, `default_permissions`, `fsname=`,
    /// `subtype=`, `max_read=`, ...), each passed as `-o value`.
    public var options: [String]
    /// `-d -d`: libfuse prints every request.
    public var fuseDebug: Bool
    /// `-s`: one libfuse thread reads requests (replies still come from tasks).
    public var singleThreaded: Bool
    public var maxIdleThreads: UInt32
    /// read_ahead_kb to give the mount's backing device (nil: leave the kernel's 128 KiB).
    public var readAheadKB: Int?
    public var adapter: FuseAdapterSettings

    public init(mountpoint: String, options: [String] = [], fuseDebug: Bool = false, singleThreaded: Bool = false,
                maxIdleThreads: UInt32 = 10, readAheadKB: Int? = 1024, adapter: FuseAdapterSettings = FuseAdapterSettings())
    {
        self.mountpoint = mountpoint
        self.options = options
        self.fuseDebug = fuseDebug
        self.singleThreaded = singleThreaded
        self.maxIdleThreads = maxIdleThreads
        self.readAheadKB = readAheadKB
        self.adapter = adapter
    }
}

public enum FuseSessionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// fuse_session_new refused the options (libfuse prints which on stderr).
    case sessionCreation([String])
    case mount(String)
    case signalHandlers
    case loop(Int32)
    case outOfMemory

    public var description: String {
        switch self {
        case .sessionCreation(let options):
            "libfuse refused the FUSE options" + (options.isEmpty ? "" : " (\(options.joined(separator: ",")))")
        case .mount(let mountpoint):
            "could not mount on \(mountpoint) (is /dev/fuse present and fusermount3 installed? "
                + "allow_other also needs user_allow_other in /etc/fuse.conf for non-root users)"
        case .signalHandlers: "could not install the FUSE signal handlers"
        case .loop(let rc): "the FUSE request loop failed: \(String(cString: strerror(rc < 0 ? -rc : rc)))"
        case .outOfMemory: "out of memory building FUSE arguments"
        }
    }
}

/// One libfuse low-level session: create, mount, serve, unmount, destroy. Not reusable.
///
/// The adapter is passed to libfuse as unretained userdata; this object keeps it alive, and it outlives the C
/// session because `close()` (or deinit) destroys the session before the adapter is released.
public final class FuseSession: @unchecked Sendable {
    public let configuration: FuseMountConfiguration
    private let adapter: FuseAdapter
    private var session: OpaquePointer?
    private var liveSession: LiveSession?
    private var mounted = false
    private var signalsInstalled = false
    private let log: LogHandler

    public init(filesystem: any FilesystemOperations, configuration: FuseMountConfiguration,
                log: @escaping LogHandler) throws
    {
        self.configuration = configuration
        self.log = log
        var settings = configuration.adapter
        settings.maxRead = Self.maxRead(in: configuration.options)
        adapter = FuseAdapter(filesystem: filesystem, settings: settings, log: log)
        var arguments = ["ossfs"]
        if configuration.fuseDebug { arguments.append("-d") }
        for option in configuration.options { arguments += ["-o", option] }
        var ops = FuseOperationsTable.make()
        let userdata = Unmanaged.passUnretained(adapter).toOpaque()
        let created: OpaquePointer? = try withFuseArguments(arguments) { args in
            ossfs_fuse_session_new(args, &ops, userdata)
        }
        guard let created else { throw FuseSessionError.sessionCreation(configuration.options) }
        session = created
        let live = LiveSession(created)
        liveSession = live
        adapter.live = live
        filesystem.kernelCacheNotifier?.install { ino in live.invalidateInode(ino) }
    }

    deinit { close() }

    /// The last `max_read=N` among the mount options (libfuse takes the last), 0 when absent.
    static func maxRead(in options: [String]) -> UInt32 {
        var value: UInt32 = 0
        for option in options {
            for item in option.split(separator: ",") where item.hasPrefix("max_read=") {
                value = UInt32(item.dropFirst("max_read=".count)) ?? value
            }
        }
        return value
    }

    /// Mounts on the mount point. From here on the kernel queues requests until `run` serves them.
    public func mount() throws {
        guard let session, !mounted else { return }
        guard fuse_session_mount(session, configuration.mountpoint) == 0 else {
            throw FuseSessionError.mount(configuration.mountpoint)
        }
        mounted = true
        if let kb = configuration.readAheadKB {
            switch KernelReadahead.raise(mountpoint: configuration.mountpoint, kilobytes: kb) {
            case .success(let device): log(.debug, "read_ahead_kb of bdi \(device) set to \(kb)")
            case .failure(let reason): log(.info, "kept the kernel's readahead: \(reason)")
            }
        }
    }

    /// SIGHUP, SIGINT, SIGTERM end the loop (libfuse's handlers); a caller that wants SIGHUP for something
    /// else reinstalls its own handler afterwards. One session per process may do this.
    public func installSignalHandlers() throws {
        guard let session, !signalsInstalled else { return }
        guard fuse_set_signal_handlers(session) == 0 else { throw FuseSessionError.signalHandlers }
        signalsInstalled = true
    }

    /// Serves requests until the file system is unmounted or `exit()` is called, then waits (bounded) for
    /// requests still being answered so no reply outlives the session.
    public func run() throws {
        guard let session else { return }
        let rc: Int32 = configuration.singleThreaded
            ? fuse_session_loop(session)
            : ossfs_fuse_session_loop_mt(session, 0, configuration.maxIdleThreads)
        if !adapter.limiter.waitUntilIdle(seconds: 300) {
            log(.error, "requests still in flight 300 s after the loop ended")
        }
        // A signal ends the loop with the signal number; that is a normal stop, not a failure.
        if rc < 0 { throw FuseSessionError.loop(rc) }
    }

    /// Asks the loop to stop; it notices at its next request (or when the mount goes away).
    public func exit() {
        if let session { fuse_session_exit(session) }
    }

    public func unmount() {
        guard let session, mounted else { return }
        fuse_session_unmount(session)
        mounted = false
    }

    /// Unmounts if needed and destroys the session; libfuse then calls the adapter's destroy, which waits for
    /// the core's shutdown (pending uploads).
    public func close() {
        guard let s = session else { return }
        liveSession?.end()
        if signalsInstalled { fuse_remove_signal_handlers(s); signalsInstalled = false }
        unmount()
        fuse_session_destroy(s)
        session = nil
    }
}

/// The session pointer for notifications sent from other threads, until the session is destroyed.
final class LiveSession: Sendable {
    private let pointer: Locked<OpaquePointer?>
    init(_ p: OpaquePointer) { pointer = Locked(p) }

    /// Drops the inode's cached pages. Sent from another thread: the kernel waits for pages a read in
    /// progress holds locked, and that read's reply may be the one being computed on the calling thread.
    func invalidateInode(_ ino: InodeNumber) {
        DispatchQueue.global().async { [self] in
            pointer.withLock { p in
                guard let p else { return }
                _ = fuse_lowlevel_notify_inval_inode(p, fuse_ino_t(ino.rawValue), 0, 0)
            }
        }
    }

    /// Marks the inode's attributes stale, on the calling thread (no page is touched, so nothing is waited for):
    /// the kernel asks for them again before it next needs the size.
    func invalidateAttributes(_ ino: InodeNumber) {
        pointer.withLock { p in
            guard let p else { return }
            _ = fuse_lowlevel_notify_inval_inode(p, fuse_ino_t(ino.rawValue), -1, 0)
        }
    }

    /// Puts `bytes` into the inode's page cache from offset 0, on the calling thread: only for an inode no
    /// read can hold pages of (the kernel would wait for them). False when the kernel did not take all of it.
    func store(_ ino: InodeNumber, _ bytes: ReadBuffer) -> Bool {
        bytes.withBuffers { buffers in
            guard buffers.count == 1, let b = buffers.first else { return false }
            return pointer.withLock { p in
                guard let p else { return false }
                var vector = fuse_bufvec(count: 1, idx: 0, off: 0,
                                         buf: fuse_buf(size: b.count, flags: fuse_buf_flags(rawValue: 0),
                                                       mem: UnsafeMutableRawPointer(mutating: b.baseAddress),
                                                       fd: -1, pos: 0))
                let copy = fuse_buf_copy_flags(rawValue: 0)
                return fuse_lowlevel_notify_store(p, fuse_ino_t(ino.rawValue), 0, &vector, copy) == 0
            }
        }
    }

    /// No notification after this returns (one in progress finishes first).
    func end() { pointer.withLock { $0 = nil } }
}

/// Builds a `struct fuse_args` that libfuse owns for the duration of `body` (FUSE_ARGS_INIT(0, NULL)).
func withFuseArguments<R>(_ arguments: [String], _ body: (UnsafeMutablePointer<fuse_args>) throws -> R) throws -> R {
    var args = fuse_args(argc: 0, argv: nil, allocated: 0)
    defer { fuse_opt_free_args(&args) }
    for argument in arguments {
        guard fuse_opt_add_arg(&args, argument) == 0 else { throw FuseSessionError.outOfMemory }
    }
    return try withUnsafeMutablePointer(to: &args, body)
}
