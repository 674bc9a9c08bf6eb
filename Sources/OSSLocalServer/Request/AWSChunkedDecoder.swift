import NIOCore
import NIOHTTP1

/// S3 dialect: newer S3 SDKs frame upload bodies as `aws-chunked` (`<hex size>;chunk-signature=…\r\n<data>\r\n`
/// … `0;…\r\n<trailers>\r\n\r\n`) when `x-amz-content-sha256` is `STREAMING-…` or Content-Encoding says so.
/// This strips the framing so only the object's bytes reach storage. Signatures and trailing checksums are
/// not checked: such requests come only in anonymous mode.
struct AWSChunkedDecoder {
    struct Malformed: Error {}

    private enum State { case sizeLine, data(Int), dataEnd(Int), trailers }
    private var state = State.sizeLine
    private var line: [UInt8] = []

    static func applies(to headers: HTTPHeaders) -> Bool {
        if headers.first(name: "x-amz-content-sha256")?.hasPrefix("STREAMING-") == true { return true }
        return headers[canonicalForm: "content-encoding"].contains { $0.lowercased() == "aws-chunked" }
    }

    /// The payload bytes inside `buffer` (slices, no copies of the data).
    mutating func decode(_ buffer: ByteBuffer) throws -> [ByteBuffer] {
        var input = buffer
        var out: [ByteBuffer] = []
        while input.readableBytes > 0 {
            switch state {
            case .sizeLine:
                let byte = input.readInteger(as: UInt8.self)!
                if byte == UInt8(ascii: "\n") {
                    guard line.last == UInt8(ascii: "\r") else { throw Malformed() }
                    let hex = line.dropLast().prefix { $0 != UInt8(ascii: ";") }
                    guard !hex.isEmpty, hex.count <= 16, let size = Int(String(decoding: hex, as: UTF8.self), radix: 16) else {
                        throw Malformed()
                    }
                    line.removeAll()
                    state = size == 0 ? .trailers : .data(size)
                } else {
                    line.append(byte)
                    guard line.count <= 4096 else { throw Malformed() }
                }
            case .data(let remaining):
                let n = min(remaining, input.readableBytes)
                out.append(input.readSlice(length: n)!)
                state = n == remaining ? .dataEnd(2) : .data(remaining - n)
            case .dataEnd(let left):
                let byte = input.readInteger(as: UInt8.self)!
                guard byte == (left == 2 ? UInt8(ascii: "\r") : UInt8(ascii: "\n")) else { throw Malformed() }
                state = left == 2 ? .dataEnd(1) : .sizeLine
            case .trailers:
                input.moveReaderIndex(forwardBy: input.readableBytes)   // trailing checksums: not needed
            }
        }
        return out
    }
}
