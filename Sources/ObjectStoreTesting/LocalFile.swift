#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ObjectStore

/// Reads a region of a local file, for `Payload.file` in stores that hold bytes in memory.
enum LocalFile {
    static func read(path: String, offset: UInt64, length: UInt64) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open", path) }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: Int(length))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { buf in
                pread(fd, buf.baseAddress! + done, buf.count - done, off_t(offset) + off_t(done))
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw failure(n == 0 ? "read (file shorter than payload)" : "read", path) }
            done += n
        }
        return bytes
    }

    private static func failure(_ call: String, _ path: String) -> ObjectStoreError {
        .transport(kind: .other, detail: "\(call) \(path): \(String(cString: strerror(errno)))")
    }
}
