import ObjectStore
import OSSCore

/// The bytes of a request body. `file` streams a region of a local file so a 5 GB part never sits in memory.
public enum RequestBody: Sendable, Hashable {
    case none
    case bytes([UInt8])
    case file(path: String, offset: UInt64, length: UInt64)

    public var length: UInt64 {
        switch self {
        case .none: 0
        case .bytes(let b): UInt64(b.count)
        case .file(_, _, let length): length
        }
    }

    public init(_ payload: Payload) {
        switch payload {
        case .bytes(let b): self = .bytes(b)
        case .file(let path, let offset, let length): self = .file(path: path, offset: offset, length: length)
        }
    }
}

/// Where a response body goes. Only 2xx bodies reach a sink; any other status is collected (bounded) so the
/// error XML can be decoded and the sink never sees an error document.
public enum ResponseBodyHandling: Sendable {
    /// Keep the body in memory; a body larger than `limit` bytes fails the request.
    case collect(limit: Int)
    /// Hand 2xx bodies to the sink as they arrive. With `CurlTransport` the sink runs on the I/O thread that
    /// drives every transfer: it must copy or hand off quickly, never block on other requests.
    case stream(BodySink)
}

/// One HTTP exchange as the transport sends it. Headers are sent exactly as given (and signed as given).
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: RequestBody
    public var response: ResponseBodyHandling
    /// Seconds to establish the connection.
    public var connectTimeout: Int
    /// Seconds without a single byte moving in either direction before the transfer fails.
    public var stallTimeout: Int
    /// Compute the CRC64 of the request body as it is sent (reset when curl rewinds).
    public var hashRequestBody: Bool
    /// Compute the CRC64 of a 2xx response body as it arrives.
    public var hashResponseBody: Bool
    /// Ignore any proxy (the ECS metadata service is link-local and must never be proxied).
    public var bypassProxy: Bool

    public init(method: String, url: String, headers: [(name: String, value: String)] = [],
                body: RequestBody = .none, response: ResponseBodyHandling = .collect(limit: 16 << 20),
                connectTimeout: Int = 300, stallTimeout: Int = 120, hashRequestBody: Bool = false,
                hashResponseBody: Bool = false, bypassProxy: Bool = false)
    {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.response = response
        self.connectTimeout = connectTimeout
        self.stallTimeout = stallTimeout
        self.hashRequestBody = hashRequestBody
        self.hashResponseBody = hashResponseBody
        self.bypassProxy = bypassProxy
    }

    /// Case-insensitive lookup of a request header.
    public func header(_ name: String) -> String? {
        headers.first { ASCII.equalIgnoringCase($0.name, name) }?.value
    }
}

/// Response headers in arrival order with case-insensitive lookup.
public struct HTTPHeaders: Sendable, Sequence {
    public private(set) var entries: [(name: String, value: String)]
    public init(_ entries: [(name: String, value: String)] = []) { self.entries = entries }
    public mutating func add(_ name: String, _ value: String) { entries.append((name, value)) }
    public mutating func reserveCapacity(_ count: Int) { entries.reserveCapacity(count) }
    /// The first value of `name`, any case.
    public subscript(_ name: String) -> String? {
        entries.first { ASCII.equalIgnoringCase($0.name, name) }?.value
    }
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { entries.makeIterator() }
}

/// What came back. `body` is empty when a 2xx body was streamed into a sink.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// CRC64 of the request body as last sent in full, when asked for.
    public var sentBodyCRC64: UInt64?
    /// CRC64 of the 2xx response body, when asked for.
    public var receivedBodyCRC64: UInt64?
    /// Bytes of 2xx body received (collected or streamed).
    public var receivedBodyLength: UInt64
    /// New connections this request had to open (0 when it reused a kept-alive one).
    public var connectionsOpened: Int

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [],
                sentBodyCRC64: UInt64? = nil, receivedBodyCRC64: UInt64? = nil, receivedBodyLength: UInt64 = 0,
                connectionsOpened: Int = 0)
    {
        self.status = status
        self.headers = headers
        self.body = body
        self.sentBodyCRC64 = sentBodyCRC64
        self.receivedBodyCRC64 = receivedBodyCRC64
        self.receivedBodyLength = receivedBodyLength
        self.connectionsOpened = connectionsOpened
    }
}

/// A request that got no HTTP answer (or whose answer could not be taken in).
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public var kind: ObjectStoreError.TransportFailure
    /// Never contains a secret: curl's message names the host at most.
    public var detail: String
    /// The error a `BodySink` threw, which aborted the transfer; the caller rethrows it as is.
    public var sinkError: (any Error)?

    public init(kind: ObjectStoreError.TransportFailure, detail: String, sinkError: (any Error)? = nil) {
        self.kind = kind
        self.detail = detail
        self.sinkError = sinkError
    }

    public var description: String { "transport error (\(kind.rawValue)): \(detail)" }
}

/// Sends HTTP requests. The curl implementation multiplexes them on one I/O thread; tests script answers.
public protocol HTTPTransport: Sendable {
    /// Sends `request` and returns any HTTP answer (including 4xx/5xx). Throws `TransportError` when there
    /// is no answer, and `CancellationError` when the task is cancelled.
    func send(_ request: HTTPRequest) async throws -> HTTPResponse

    /// Sends every request at once and returns each one's outcome as `send` would, in order.
    func sendTogether(_ requests: [HTTPRequest]) async -> [Result<HTTPResponse, any Error>]
}

extension HTTPTransport {
    public func sendTogether(_ requests: [HTTPRequest]) async -> [Result<HTTPResponse, any Error>] {
        await sendConcurrently(requests)
    }

    /// Each request sent by a task of its own, all at once. (Children write into a locked array: a group of
    /// (index, Result) tuples crashed in release builds with a garbage index, see ObjectStore.headAll.)
    public func sendConcurrently(_ requests: [HTTPRequest]) async -> [Result<HTTPResponse, any Error>] {
        let answers = Locked([Result<HTTPResponse, any Error>?](repeating: nil, count: requests.count))
        await withTaskGroup(of: Void.self) { group in
            for (i, request) in requests.enumerated() {
                group.addTask {
                    let answer: Result<HTTPResponse, any Error>
                    do { answer = .success(try await send(request)) } catch { answer = .failure(error) }
                    answers.withLock { $0[i] = answer }
                }
            }
        }
        return answers.withLock { $0.map { $0 ?? .failure(CancellationError()) } }
    }
}
