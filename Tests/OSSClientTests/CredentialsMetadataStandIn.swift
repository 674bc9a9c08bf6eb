import Dispatch
import Foundation
import Glibc
@testable import OSSClient

/// A stand-in for the ECS metadata service: HTTP/1.1 on 127.0.0.1, an ephemeral port, one connection at a time
/// on its own thread, `Connection: close`. Each request is recorded, then answered by the test's handler.
final class MetadataStandIn: @unchecked Sendable {
    struct Request: Sendable {
        let method: String
        let path: String
        /// Lower-cased names.
        let headers: [String: String]
    }
    struct Response: Sendable {
        var status: Int
        var body: String
        /// Held back this long before answering, so concurrent callers overlap.
        var delay: Double = 0
        init(_ status: Int, _ body: String = "", delay: Double = 0) {
            self.status = status; self.body = body; self.delay = delay
        }
    }

    let port: UInt16
    private let listener: Int32
    private let handler: @Sendable (Request) -> Response
    private let lock = NSLock()
    private var recorded: [Request] = []
    private let finished = DispatchSemaphore(value: 0)

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var requests: [Request] { lock.withLock { recorded } }

    init(handler: @escaping @Sendable (Request) -> Response) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 64) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else { let e = errno; close(fd); throw POSIXError(.init(rawValue: e) ?? .EIO) }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in self.serve() }
        thread.start()
    }

    /// Stops accepting and waits for the serving thread to end.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        finished.wait()
        close(listener)
    }

    private func serve() {
        defer { finished.signal() }
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return   // shut down
            }
            answer(connection)
            close(connection)
        }
    }

    private func answer(_ fd: Int32) {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        while data.firstRange(of: end) == nil {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return }
            data.append(contentsOf: buffer[0..<n])
        }
        let head = String(decoding: data[..<data.firstRange(of: end)!.lowerBound], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2 else { return }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let request = Request(method: String(parts[0]), path: String(parts[1]), headers: headers)
        lock.withLock { recorded.append(request) }
        let response = handler(request)
        if response.delay > 0 { usleep(useconds_t(response.delay * 1_000_000)) }
        let body = Array(response.body.utf8)
        let reply = Array("HTTP/1.1 \(response.status) X\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8) + body
        var sent = 0
        while sent < reply.count {
            let n = reply[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            sent += n
        }
    }
}

/// Runs `body` against a stand-in and stops it afterwards, also when `body` throws.
func withMetadataStandIn<R>(_ handler: @escaping @Sendable (MetadataStandIn.Request) -> MetadataStandIn.Response,
                            _ body: (MetadataStandIn) async throws -> R) async throws -> R {
    let server = try MetadataStandIn(handler: handler)
    defer { server.stop() }
    return try await body(server)
}

/// A minimal MetadataFetcher for tests: plain HTTP/1.1 over a blocking socket, run on its own thread so the
/// Swift concurrency pool is never blocked. The production fetcher rides on the client's libcurl transport.
struct SocketMetadataFetcher: MetadataFetcher {
    struct Failure: Error, CustomStringConvertible { let description: String }

    func fetch(method: String, url: String, headers: [(String, String)]) async throws -> (status: Int, body: [UInt8]) {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try Self.exchange(method: method, url: url, headers: headers) })
            }.start()
        }
    }

    private static func exchange(method: String, url: String, headers: [(String, String)]) throws -> (status: Int, body: [UInt8]) {
        guard url.hasPrefix("http://") else { throw Failure(description: "not an http URL: \(url)") }
        let rest = url.dropFirst("http://".count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        let path = slash == rest.endIndex ? "/" : String(rest[slash...])
        guard let colon = authority.lastIndex(of: ":"), let port = UInt16(authority[authority.index(after: colon)...]) else {
            throw Failure(description: "no port in \(url)")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr(String(authority[..<colon]))
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw Failure(description: "connect to \(authority): errno \(errno)") }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(authority)\r\nConnection: close\r\nContent-Length: 0\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let request = Array((head + "\r\n").utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
            throw Failure(description: "send failed")
        }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 { throw Failure(description: "recv: errno \(errno)") }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        guard let split = data.firstRange(of: Array("\r\n\r\n".utf8)) else { throw Failure(description: "no header end") }
        let statusLine = String(decoding: data[..<split.lowerBound], as: UTF8.self).split(separator: "\r\n").first ?? ""
        let fields = statusLine.split(separator: " ")
        guard fields.count >= 2, let status = Int(fields[1]) else { throw Failure(description: "bad status line") }
        return (status, Array(data[split.upperBound...]))
    }
}
