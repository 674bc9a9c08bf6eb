// Small POSIX helpers for the disk backend: every failure becomes `StorageError.io` naming the call and path.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

enum StorageFiles {
    static func ioError(_ call: String, _ path: String, _ code: Int32 = errno) -> StorageError {
        .io("\(call) \(path): \(String(cString: strerror(code)))")
    }

    /// Opens a new file that must not exist yet (staging files have random names).
    static func createExclusive(_ path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ioError("open", path) }
        return fd
    }

    static func openForReading(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ioError("open", path) }
        return fd
    }

    /// Writes every byte, retrying short writes and EINTR.
    static func writeAll(_ fd: Int32, _ raw: UnsafeRawBufferPointer, path: String) throws {
        var done = 0
        while done < raw.count {
            let n = write(fd, raw.baseAddress! + done, raw.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw ioError("write", path)
            }
            done += n
        }
    }

    /// Reads exactly `count` bytes at `offset` into `buffer`.
    static func preadAll(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, offset: UInt64, path: String) throws {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw ioError("pread", path)
            }
            if n == 0 { throw StorageError.io("pread \(path): file shorter than its record") }
            done += n
        }
    }

    static func fsyncOrThrow(_ fd: Int32, path: String) throws {
        guard fsync(fd) == 0 else { throw ioError("fsync", path) }
    }

    static func renameOrThrow(_ from: String, _ to: String) throws {
        guard rename(from, to) == 0 else { throw ioError("rename", to) }
    }

    /// Unlinks, ignoring a file that is already gone.
    static func remove(_ path: String) {
        _ = unlink(path)
    }

    /// Writes `bytes` to a fresh file in `tempDir`, fsyncs and closes it, and returns its path: the caller
    /// renames it into place (same filesystem, so the rename is atomic) or unlinks it.
    static func stage(_ bytes: [UInt8], tempDir: String) throws -> String {
        let path = tempDir + "/" + randomName() + ".meta"
        let fd = try createExclusive(path)
        do {
            try bytes.withUnsafeBytes { try writeAll(fd, $0, path: path) }
            try fsyncOrThrow(fd, path: path)
        } catch {
            close(fd)
            remove(path)
            throw error
        }
        close(fd)
        return path
    }

    static func readWholeFile(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw StorageError.io("read \(path)") }
        return [UInt8](data)
    }

    static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw StorageError.io("mkdir \(path): \(error)")
        }
    }

    /// Names in a directory; empty when it does not exist.
    static func list(_ path: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    }

    /// 32 random upper-case hex digits: blob ids, upload ids and staging names.
    static func randomName() -> String {
        var g = SystemRandomNumberGenerator()
        let a = g.next() as UInt64, b = g.next() as UInt64
        return hex16(a) + hex16(b)
    }

    private static func hex16(_ v: UInt64) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
