import ObjectStore
import OSSClient
import OSSCore
import Synchronization

/// An `HTTPTransport` that answers from a script and records every request, for tests that need exact
/// control over statuses, headers, bodies and failures.
final class ScriptedTransport: HTTPTransport {
    enum Step: Sendable {
        case respond(status: Int, headers: [(name: String, value: String)], body: [UInt8])
        case fail(TransportError)
        /// Computes the answer from the request.
        case compute(@Sendable (HTTPRequest) -> Step)
    }

    private struct State {
        var steps: [Step]
        var requests: [HTTPRequest] = []
    }
    private let state: Mutex<State>

    init(_ steps: [Step]) { state = Mutex(State(steps: steps)) }

    var requests: [HTTPRequest] { state.withLock { $0.requests } }

    static func ok(_ body: String = "", headers: [(name: String, value: String)] = []) -> Step {
        .respond(status: 200, headers: headers, body: Array(body.utf8))
    }

    static func error(_ status: Int, code: String, message: String = "m", headers: [(name: String, value: String)] = [])
        -> Step
    {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Error><Code>\(code)</Code><Message>\(message)</Message><RequestId>5C3D9175B6FC201293AD0000</RequestId><HostId>examplebucket.oss-cn-hangzhou.aliyuncs.com</HostId><EC>0002-00000001</EC></Error>
        """
        return .respond(status: status, headers: [("Content-Type", "application/xml")] + headers, body: Array(xml.utf8))
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var step: Step = state.withLock { s in
            s.requests.append(request)
            return s.steps.isEmpty ? .fail(TransportError(kind: .other, detail: "script exhausted")) : s.steps.removeFirst()
        }
        while case .compute(let f) = step { step = f(request) }
        switch step {
        case .fail(let e):
            throw e
        case .compute:
            fatalError("unreachable")
        case .respond(let status, let headers, let body):
            var response = HTTPResponse(status: status, headers: HTTPHeaders(headers))
            if request.hashRequestBody { response.sentBodyCRC64 = try Self.crc(of: request.body) }
            if (200..<300).contains(status) {
                response.receivedBodyLength = UInt64(body.count)
                if request.hashResponseBody { response.receivedBodyCRC64 = CRC64.checksum(body) }
                if case .stream(let sink) = request.response {
                    try body.withUnsafeBytes { try sink.write($0) }
                } else {
                    response.body = body
                }
            } else {
                response.body = body
            }
            return response
        }
    }

    static func crc(of body: RequestBody) throws -> UInt64 {
        switch body {
        case .none: return 0
        case .bytes(let b): return CRC64.checksum(b)
        case .file(let path, let offset, let length):
            let all = try readFile(path)
            return CRC64.checksum(all[Int(offset)..<Int(offset + length)])
        }
    }
}

/// Records the client's sleeps instead of sleeping.
final class SleepRecorder: Sendable {
    private let delays = Mutex<[Double]>([])
    var recorded: [Double] { delays.withLock { $0 } }
    func sleep(_ d: Double) { delays.withLock { $0.append(d) } }
}

/// Captures log lines.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var handler: ClientLogHandler { { _, line in self.lines.withLock { $0.append(line) } } }
}

/// A body sink that keeps everything in memory and counts resets.
final class MemorySink: BodySink {
    private let state = Mutex<(bytes: [UInt8], resets: Int)>(([], 0))
    var bytes: [UInt8] { state.withLock { $0.bytes } }
    var resets: Int { state.withLock { $0.resets } }
    func write(_ chunk: UnsafeRawBufferPointer) throws { state.withLock { $0.bytes.append(contentsOf: chunk) } }
    func reset() throws { state.withLock { $0.bytes = []; $0.resets += 1 } }
}

let testCredentials = Credentials(accessKeyID: "LTAI5tFakeAccessKeyId0001",
                                  accessKeySecret: "FakeAccessKeySecretForTestVectors01")

/// A client over `transport` with a fixed clock, recorded sleeps and a fixed jitter of `random`.
func makeClient(_ transport: any HTTPTransport, endpoint: String = "https://oss-cn-hangzhou.aliyuncs.com",
                bucket: String = "examplebucket", credentials: Credentials = testCredentials,
                configure: (inout ClientConfiguration) -> Void = { _ in }, sleeps: SleepRecorder = SleepRecorder(),
                now: Int64 = 1_704_164_645, random: Double = 0.5) throws -> OSSClient
{
    var config = ClientConfiguration(endpoint: try Endpoint(parsing: endpoint), bucket: bucket)
    configure(&config)
    let env = ClientEnvironment(now: { now }, monotonicNanoseconds: { 0 }, sleep: { sleeps.sleep($0) },
                                random: { random })
    return try OSSClient(configuration: config, credentials: StaticCredentialsProvider(credentials),
                         transport: transport, environment: env)
}
