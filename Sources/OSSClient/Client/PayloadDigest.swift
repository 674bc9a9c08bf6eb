#if canImport(Glibc)
import Glibc
#endif
import ObjectStore
import OSSCore

/// Content-MD5 of a payload, which must be known before the headers go out: a file region is read once
/// for it (only when `enable_content_md5` asks; CRC64 is the cheap check computed while sending).
enum PayloadDigest {
    static func contentMD5(_ payload: Payload) throws -> String {
        switch payload {
        case .bytes(let b):
            return Base64.encode(Digest.md5(b))
        case .file(let path, let offset, let length):
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw ObjectStoreError.transport(kind: .other, detail: "cannot open \(path): \(String(cString: strerror(errno)))")
            }
            defer { close(fd) }
            let md5 = MD5Stream()
            let chunk = 1 << 20
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
            defer { buffer.deallocate() }
            var done: UInt64 = 0
            while done < length {
                let want = Int(min(UInt64(chunk), length - done))
                let n = pread(fd, buffer.baseAddress!, want, off_t(offset + done))
                if n < 0, errno == EINTR { continue }
                guard n > 0 else {
                    throw ObjectStoreError.transport(kind: .other, detail: "cannot read \(path) for Content-MD5")
                }
                md5.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                done += UInt64(n)
            }
            return Base64.encode(md5.finalize())
        }
    }
}
