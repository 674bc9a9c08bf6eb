#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import OSSCore
import ObjectStore
import Synchronization

/// Runs blocking work (reading gigabytes of a staging file for its CRC64) on a Dispatch thread, so it
/// never pins one of the few threads of Swift's cooperative pool.
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            DispatchQueue.global().async { c.resume(with: Result { try body() }) }
        }
    }
}

/// A local sparse file holding a file's pending contents (`tmpdir=`). Holes read as zeros, so a write far past
/// the end costs no disk. Uploads read it by path (`Payload.file`), so it keeps its name until `remove()`.
/// pread/pwrite are safe from any thread; the owner (`OpenFile`) orders writes against uploads.
final class StagingFile: Sendable {
    let path: String
    private let fd: Int32
    /// `ensure_diskfree=`: writes that would leave less free space fail with ENOSPC.
    private let space: SpaceGuard

    private static let counter = Atomic<UInt64>(0)

    /// A new temporary file in `directory`.
    convenience init(directory: String, space: SpaceGuard) throws {
        let n = Self.counter.wrappingAdd(1, ordering: .relaxed).newValue
        let dir = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        try self.init(path: "\(dir)/.ossfs-staging-\(getpid())-\(n)", create: true, space: space)
    }

    /// The file at `path`: a new one (`create`), or one a crashed mount left (recovery).
    init(path: String, create: Bool, space: SpaceGuard) throws {
        let flags = create ? O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC : O_RDWR | O_CLOEXEC
        let fd = open(path, flags, 0o600)
        guard fd >= 0 else { throw Self.failure("open", path) }
        self.path = path
        self.fd = fd
        self.space = space
    }

    /// The last component of `path`: how the file's record names it.
    var name: String { path.afterLastSlash }

    /// The file's length (a recovered file's size).
    func length() throws -> UInt64 {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Self.failure("stat", path) }
        return UInt64(st.st_size)
    }

    deinit { close(fd) }

    /// Closes and deletes the file.
    func remove() { unlink(path) }

    static func failure(_ call: String, _ path: String) -> FSError {
        let e = errno
        if e == ENOSPC || e == EDQUOT { return .noSpace }
        return .io("staging \(call) \(path): \(String(cString: strerror(e)))")
    }

    /// Free bytes for unprivileged users on the staging filesystem.
    static func freeSpace(_ directory: String) -> UInt64? {
        var s = statvfs()
        guard statvfs(directory, &s) == 0 else { return nil }
        return UInt64(s.f_bavail) * UInt64(s.f_frsize)
    }

    /// ENOSPC when writing `count` more bytes would leave less than ensure_diskfree free.
    func reserve(_ count: UInt64) throws {
        guard space.ensureFree > 0, count > 0 else { return }
        let dir = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        try space.reserve(count, in: dir.isEmpty ? "/" : dir)
    }

    func write(_ bytes: [UInt8], at offset: UInt64) throws {
        try bytes.withUnsafeBytes { try write($0, at: offset) }
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
        try reserve(UInt64(bytes.count))
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw Self.failure("write", path) }
            done += n
        }
    }

    /// Reads exactly `count` bytes at `offset`; bytes past the end of the file read as zeros.
    func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { buf in
                pread(fd, buf.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw Self.failure("read", path) }
            if n == 0 { break }
            done += n
        }
        return bytes
    }

    func truncate(to size: UInt64) throws {
        guard ftruncate(fd, off_t(size)) == 0 else { throw Self.failure("truncate", path) }
    }

    /// CRC64 of `range`, read in 1 MiB pieces.
    func crc64(_ range: Range<UInt64>) throws -> UInt64 {
        var crc: UInt64 = 0
        var at = range.lowerBound
        while at < range.upperBound {
            let n = Int(min(range.upperBound - at, 1 << 20))
            let chunk = try read(at: at, count: n)
            crc = chunk.withUnsafeBytes { CRC64.update(crc, $0) }
            at += UInt64(n)
        }
        return crc
    }
}
