import NIOCore
import OSSCore

/// MD5 and CRC64 computed incrementally while bytes arrive, with the running size and the 5 GiB limit.
struct StorageChecksummer {
    private let md5 = MD5Stream()
    private(set) var crc64: UInt64 = 0
    private(set) var size: UInt64 = 0
    let limit: UInt64

    init(limit: UInt64 = StorageLimits.maxObjectSize) { self.limit = limit }

    /// Throws `.entityTooLarge` (before hashing) when the total would exceed the limit.
    mutating func update(_ bytes: ByteBuffer) throws {
        let n = UInt64(bytes.readableBytes)
        guard size + n <= limit else { throw StorageError.entityTooLarge }
        size += n
        let crc = bytes.withUnsafeReadableBytes { raw -> UInt64 in
            md5.update(raw)
            return CRC64.update(crc64, raw)
        }
        crc64 = crc
    }

    mutating func update(_ raw: UnsafeRawBufferPointer) {
        size += UInt64(raw.count)
        md5.update(raw)
        crc64 = CRC64.update(crc64, raw)
    }

    func finalizeMD5() -> [UInt8] { md5.finalize() }
}
