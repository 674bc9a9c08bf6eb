import ObjectStore
import OSSCore

/// The OSS client: every API the filesystem needs, over an `HTTPTransport`, signed V1 or V4, with retries,
/// clock-skew correction, CRC64 checks and a redacted request log.
///
/// Module map: Transport/ (HTTPTransport, the libcurl multi transport, body sources), Configuration/
/// (endpoint, region, signing choice), Client/ (this type: APIRequest -> RequestBuilder signs ->
/// `execute` sends and retries -> ResponseHeaders / ResponseDecoders / ErrorDecoder decode), Logging/
/// (redaction), Credentials/ (credential sources). `init` logs the V1 fallback notice and the TLS-off
/// warning through the configured logger.
public final class OSSClient: ObjectStore {
    public let configuration: ClientConfiguration
    public let signing: ResolvedSigning
    let builder: RequestBuilder
    let credentialsProvider: any CredentialsProvider
    let transport: any HTTPTransport
    let environment: ClientEnvironment
    let retryPolicy: RetryPolicy
    /// Seconds to add to the local clock so signatures carry the server's time (after RequestTimeTooSkewed).
    private let clockOffset = Locked<Int64>(0)
    /// The end position and CRC64 of objects this client appended to, so the next append's CRC can be checked.
    let appendState = Locked<[ObjectKey: (position: UInt64, crc: UInt64)]>([:])

    /// `transport` nil: a `CurlTransport` configured from `configuration`.
    public init(configuration: ClientConfiguration, credentials: any CredentialsProvider,
                transport: (any HTTPTransport)? = nil, environment: ClientEnvironment = .live) throws
    {
        guard ClientConfiguration.isValidBucketName(configuration.bucket) else {
            throw ClientConfigurationError.invalidBucketName(configuration.bucket)
        }
        self.configuration = configuration
        let (signing, notice) = try configuration.resolveSigning()
        self.signing = signing
        builder = RequestBuilder(endpoint: configuration.endpoint, bucket: configuration.bucket,
                                 pathStyle: configuration.usesPathStyle, signing: signing)
        credentialsProvider = credentials
        self.environment = environment
        retryPolicy = RetryPolicy(maxRetries: configuration.retries, baseDelay: configuration.retryBaseDelay,
                                  maxDelay: configuration.retryMaxDelay)
        if let transport {
            self.transport = transport
        } else {
            self.transport = try CurlTransport(options: CurlTransportOptions(
                verifyTLS: configuration.verifyTLS, caFile: configuration.caFile,
                userAgent: configuration.userAgent, ioThreads: configuration.transportThreads))
        }
        if let notice { log(.notice, notice) }
        if !configuration.verifyTLS {
            log(.warning, "TLS certificate verification is off (no_check_certificate): the connection to "
                + "\(configuration.endpoint.host) can be intercepted")
        }
    }

    // MARK: logging

    func log(_ level: ClientLogLevel, _ message: @autoclosure () -> String) {
        guard let logger = configuration.logger, level <= configuration.logLevel else { return }
        logger(level, message())
    }

    // MARK: clock

    /// The time to sign with: local clock plus the offset learned from the server.
    var signingTime: Int64 { environment.now() + clockOffset.withLock { $0 } }

    // MARK: executing a request

    /// Signs and sends `request`, retrying per the policy, and returns the 2xx answer; anything else becomes
    /// an `ObjectStoreError` (or the error a body sink threw, or `CancellationError`).
    func execute(_ request: APIRequest) async throws -> HTTPResponse {
        try await execute(request, firstAttempt: nil)
    }

    /// A request already sent once (by `executeTogether`) and what came back.
    private struct Attempt {
        let http: HTTPRequest
        let result: Result<HTTPResponse, any Error>
        let millis: UInt64
    }

    /// Signs and sends each request, all at once (one round trip's wait where the transport can), and
    /// returns each one's outcome as `execute` would: an answer that `execute` would retry is retried alone.
    func executeTogether(_ requests: [APIRequest]) async -> [Result<HTTPResponse, any Error>] {
        guard requests.count > 1,
              (try? requests.forEach { try Self.checkHeaders($0.headers) }) != nil,
              let credentials = try? await currentCredentials()
        else {
            var results: [Result<HTTPResponse, any Error>] = []
            for request in requests { results.append(await Self.outcome { try await self.execute(request) }) }
            return results
        }
        let https = requests.map { signed($0, credentials) }
        let started = environment.monotonicNanoseconds()
        let answers = await transport.sendTogether(https)
        let millis = (environment.monotonicNanoseconds() &- started) / 1_000_000
        var results: [Result<HTTPResponse, any Error>] = []
        for (i, request) in requests.enumerated() {
            let attempt = Attempt(http: https[i], result: answers[i], millis: millis)
            results.append(await Self.outcome { try await self.execute(request, firstAttempt: attempt) })
        }
        return results
    }

    private static func outcome<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    private func currentCredentials() async throws -> Credentials {
        do {
            return try await credentialsProvider.credentials()
        } catch let e as ObjectStoreError {
            throw e
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ObjectStoreError.credentials("\(error)")
        }
    }

    private func signed(_ request: APIRequest, _ credentials: Credentials) -> HTTPRequest {
        builder.build(request, credentials: credentials, now: signingTime,
                      connectTimeout: configuration.connectTimeout, stallTimeout: configuration.readwriteTimeout)
    }

    private func execute(_ request: APIRequest, firstAttempt: Attempt?) async throws -> HTTPResponse {
        try Self.checkHeaders(request.headers)
        var retry = 0
        var resynced = false
        var pending = firstAttempt
        while true {
            try Task.checkCancellation()
            let http: HTTPRequest
            let result: Result<HTTPResponse, any Error>
            let millis: UInt64
            if let attempt = pending {
                pending = nil
                (http, result, millis) = (attempt.http, attempt.result, attempt.millis)
            } else {
                http = signed(request, try await currentCredentials())
                let started = environment.monotonicNanoseconds()
                do { result = .success(try await transport.send(http)) } catch { result = .failure(error) }
                millis = (environment.monotonicNanoseconds() &- started) / 1_000_000
            }

            switch result {
            case .success(let response) where (200..<300).contains(response.status):
                logRequest(http, outcome: "\(response.status)", millis: millis, retry: retry)
                return response

            case .success(let response):
                let error = ErrorDecoder.decode(status: response.status, headers: response.headers,
                                                body: response.body)
                logRequest(http, outcome: "\(response.status) \(error.code.name)", millis: millis, retry: retry)
                if error.code == .requestTimeTooSkewed, !resynced,
                   let date = response.headers["Date"], let server = HTTPDate.parseRFC1123(date)
                {
                    resynced = true
                    let offset = server - environment.now()
                    clockOffset.withLock { $0 = offset }
                    log(.warning, "clock skew: the server's clock is \(offset) s ahead of ours; signing with its time")
                    try resetSink(request)
                    continue
                }
                if RetryPolicy.isRetryable(status: response.status), retry < retryPolicy.maxRetries {
                    retry += 1
                    try await backoff(retry, reason: "\(response.status) \(error.code.name)", http: http)
                    try resetSink(request)
                    continue
                }
                throw ObjectStoreError.service(error)

            case .failure(let error as TransportError):
                logRequest(http, outcome: "failed (\(error.kind.rawValue)): \(error.detail)", millis: millis,
                           retry: retry)
                if let sinkError = error.sinkError { throw sinkError }
                if RetryPolicy.isRetryable(error.kind), retry < retryPolicy.maxRetries {
                    retry += 1
                    try await backoff(retry, reason: error.kind.rawValue, http: http)
                    try resetSink(request)
                    continue
                }
                throw ObjectStoreError.transport(kind: error.kind, detail: error.detail)

            case .failure(let error):
                throw error
            }
        }
    }

    /// A line break or NUL in a header (user metadata comes from the filesystem) would split the request;
    /// refuse it locally the way OSS refuses a bad argument.
    static func checkHeaders(_ headers: [(name: String, value: String)]) throws {
        for (name, value) in headers {
            let breaks: (UInt8) -> Bool = { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
            let bad = name.utf8.contains(where: breaks) || value.utf8.contains(where: breaks)
            if bad || name.isEmpty || name.utf8.contains(where: { $0 == 0x3A || $0 == 0x20 }) {
                throw ObjectStoreError.service(OSSServiceError(
                    status: 400, code: .invalidArgument, message: "header \(name) cannot be sent as given",
                    details: ["ArgumentName": name]))
            }
        }
    }

    private func backoff(_ retry: Int, reason: String, http: HTTPRequest) async throws {
        let delay = retryPolicy.delay(beforeRetry: retry, random: environment.random())
        log(.info, "retry \(retry)/\(retryPolicy.maxRetries) of \(http.method) \(Redaction.url(http.url)) "
            + "after \(reason), in \(Int(delay * 1000)) ms")
        try await environment.sleep(delay)
    }

    private func resetSink(_ request: APIRequest) throws {
        if case .stream(let sink) = request.response { try sink.reset() }
    }

    /// `outcome` is built only when the line is logged: every request passes here, few are logged.
    private func logRequest(_ http: HTTPRequest, outcome: @autoclosure () -> String, millis: UInt64, retry: Int) {
        log(.debug, "\(http.method) \(Redaction.url(http.url)) -> \(outcome()) in \(millis) ms"
            + (retry > 0 ? " (retry \(retry))" : "") + " [\(Redaction.headers(http.headers))]")
    }

    // MARK: integrity

    /// Compares the CRC64 we computed with the server's; silent when either is unknown or checks are off.
    func checkCRC(_ key: ObjectKey, ours: UInt64?, server: UInt64?, oursIsExpected: Bool = true) throws {
        guard configuration.verifyCRC64, let ours, let server, ours != server else { return }
        throw oursIsExpected
            ? ObjectStoreError.integrity(key: key, expected: ours, actual: server)
            : ObjectStoreError.integrity(key: key, expected: server, actual: ours)
    }
}
