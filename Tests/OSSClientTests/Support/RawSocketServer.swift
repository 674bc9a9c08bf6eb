#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A one-connection TCP listener on 127.0.0.1 for transport tests: it either answers each request with a
/// fixed response and records the request head, or (silent) accepts and never answers. Runs on its own
/// thread so it never blocks the Swift concurrency pool. Always `close()` it.
final class RawSocketServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let heads = Mutex<[String]>([])
    private let closed = Atomic<Bool>(false)

    /// Request heads received so far (request line and headers, CRLF-separated).
    var requestHeads: [String] { heads.withLock { $0 } }

    /// `greeting`: bytes sent as soon as a connection is accepted, before reading anything (then closed).
    init(address: String = "127.0.0.1", silent: Bool = false, greeting: [UInt8]? = nil,
         response: String = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") throws
    {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr(address)
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, len) == 0 && listen(fd, 16) == 0 && getsockname(fd, sa, &len) == 0
            }
        }
        guard ok else { Glibc.close(fd); throw TestFileError(message: "cannot listen") }
        listener = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        Thread.detachNewThread { [self] in
            while !self.closed.load(ordering: .relaxed) {
                let conn = accept(fd, nil, nil)
                if conn < 0 { return }
                if silent { continue }  // keep it open and say nothing (leaks until close(), fine in tests)
                if let greeting {
                    _ = greeting.withUnsafeBytes { send(conn, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
                    Thread.sleep(forTimeInterval: 0.2)
                    Glibc.close(conn)
                    continue
                }
                Thread.detachNewThread { self.serve(conn, response: response) }
            }
        }
    }

    private func serve(_ conn: Int32, response: String) {
        defer { Glibc.close(conn) }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            // Read one request head, skip its body (Content-Length), answer; repeat for keep-alive.
            while !buffer.containsHeadEnd {
                let n = chunk.withUnsafeMutableBytes { recv(conn, $0.baseAddress!, $0.count, 0) }
                if n <= 0 { return }
                buffer += chunk[0..<n]
            }
            let end = buffer.headEnd!
            let head = String(decoding: buffer[0..<end], as: UTF8.self)
            heads.withLock { $0.append(head) }
            var bodyLength = 0
            for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                bodyLength = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
            }
            buffer.removeFirst(end + 4)
            while buffer.count < bodyLength {
                let n = chunk.withUnsafeMutableBytes { recv(conn, $0.baseAddress!, $0.count, 0) }
                if n <= 0 { return }
                buffer += chunk[0..<n]
            }
            buffer.removeFirst(bodyLength)
            let bytes = Array(response.utf8)
            _ = bytes.withUnsafeBytes { send(conn, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
        }
    }

    func close() {
        closed.store(true, ordering: .relaxed)
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
    }

    /// A port on which nothing listens at `address` (bound, then closed). Use an address other servers
    /// of the test run do not bind, so the port is not taken again meanwhile.
    static func closedPort(address: String) throws -> Int {
        let s = try RawSocketServer(address: address, silent: true)
        let p = s.port
        s.close()
        return p
    }
}

private extension [UInt8] {
    var headEnd: Int? {
        guard count >= 4 else { return nil }
        for i in 0...(count - 4) where self[i] == 13 && self[i + 1] == 10 && self[i + 2] == 13 && self[i + 3] == 10 {
            return i
        }
        return nil
    }
    var containsHeadEnd: Bool { headEnd != nil }
}
