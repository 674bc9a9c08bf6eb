#if canImport(Glibc)
import Glibc
#endif
import OSSCore

/// Feeds a request body to curl's read callback from memory or from a file region (pread, so no shared file
/// offset), hashing what is sent. Rewinding to the start (curl resends on a reused connection that died)
/// restarts the hash; a seek elsewhere makes the hash unknown.
final class RequestBodySource {
    private enum Storage {
        case bytes([UInt8])
        case file(fd: Int32, offset: UInt64)
    }

    let length: UInt64
    private let storage: Storage
    private var position: UInt64 = 0
    private let hashing: Bool
    private var crc: UInt64 = 0
    private var hashValid = true
    /// Set when reading the file failed; the transfer reports it.
    private(set) var readError: String?

    /// Opens the file now, so a missing file fails before anything is sent.
    init(_ body: RequestBody, hashing: Bool) throws {
        self.hashing = hashing
        switch body {
        case .none:
            storage = .bytes([])
            length = 0
        case .bytes(let b):
            storage = .bytes(b)
            length = UInt64(b.count)
        case .file(let path, let offset, let len):
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw TransportError(kind: .other, detail: "cannot open \(path): \(String(cString: strerror(errno)))")
            }
            storage = .file(fd: fd, offset: offset)
            length = len
        }
    }

    deinit {
        if case .file(let fd, _) = storage { close(fd) }
    }

    /// CRC64 of the body, valid once all of it has been read from the start.
    var sentCRC64: UInt64? { hashing && hashValid && position == length ? crc : nil }

    /// Fills `buffer`; returns the byte count, 0 at the end, or nil on a read error.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        let want = Int(min(UInt64(buffer.count), length - position))
        if want == 0 { return 0 }
        var got = 0
        switch storage {
        case .bytes(let b):
            b.withUnsafeBytes { src in
                buffer.baseAddress!.copyMemory(from: src.baseAddress! + Int(position), byteCount: want)
            }
            got = want
        case .file(let fd, let offset):
            while got < want {
                let n = pread(fd, buffer.baseAddress! + got, want - got, off_t(offset + position) + off_t(got))
                if n < 0 {
                    if errno == EINTR { continue }
                    readError = "read failed: \(String(cString: strerror(errno)))"
                    return nil
                }
                if n == 0 {
                    readError = "file shorter than the payload length \(length)"
                    return nil
                }
                got += n
            }
        }
        if hashing {
            crc = CRC64.update(crc, UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
        }
        position += UInt64(got)
        return got
    }

    /// curl's seek callback: only SEEK_SET within the body.
    func seek(to offset: UInt64) -> Bool {
        guard offset <= length else { return false }
        position = offset
        if offset == 0 {
            crc = 0
            hashValid = true
        } else {
            hashValid = false
        }
        return true
    }
}
