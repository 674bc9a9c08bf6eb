import NIOCore
import NIOHTTP1

/// What a handler answers; the connection handler adds the common headers and sends it.
struct OSSResponse {
    var status: HTTPResponseStatus
    var headers: [(name: String, value: String)]
    var body: ResponseBody

    init(_ status: HTTPResponseStatus = .ok, headers: [(name: String, value: String)] = [], body: ResponseBody = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// An XML document body.
    static func xml(_ document: String, status: HTTPResponseStatus = .ok,
                    headers: [(name: String, value: String)] = []) -> OSSResponse {
        var buffer = ByteBufferAllocator().buffer(capacity: document.utf8.count)
        buffer.writeString(document)
        return OSSResponse(status, headers: headers + [("Content-Type", "application/xml")], body: .buffer(buffer))
    }
}

enum ResponseBody {
    case empty
    case buffer(ByteBuffer)
    /// Object bytes opened by the storage engine; closed once sent (or on failure).
    case content(OpenedContent, length: UInt64)

    var length: UInt64 {
        switch self {
        case .empty: return 0
        case .buffer(let b): return UInt64(b.readableBytes)
        case .content(_, let length): return length
        }
    }

    func release() {
        if case .content(let opened, _) = self { opened.close() }
    }
}
