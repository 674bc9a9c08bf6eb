#if canImport(Glibc)
import Glibc
#endif
import CCurl
import Synchronization

/// Settings shared by every request of one transport.
public struct CurlTransportOptions: Sendable, Hashable {
    /// Verify the server certificate and host name (`no_check_certificate` turns this off; the caller warns).
    public var verifyTLS: Bool
    /// A CA bundle to verify against instead of the system's.
    public var caFile: String?
    public var userAgent: String
    /// An explicit proxy; nil leaves curl to read http_proxy / HTTPS_PROXY / NO_PROXY from the environment.
    public var proxy: String?
    /// An explicit no-proxy list; nil leaves curl to read NO_PROXY.
    public var noProxy: String?
    /// How many idle connections the multi handle keeps for reuse.
    public var maxIdleConnections: Int
    /// Fixed name resolutions, curl's `HOST:PORT:ADDRESS` form (tests reach a local server under a
    /// virtual-hosted name this way).
    public var resolve: [String]

    public init(verifyTLS: Bool = true, caFile: String? = nil, userAgent: String = "",
                proxy: String? = nil, noProxy: String? = nil, maxIdleConnections: Int = 256, resolve: [String] = [])
    {
        self.verifyTLS = verifyTLS
        self.caFile = caFile
        self.userAgent = userAgent
        self.proxy = proxy
        self.noProxy = noProxy
        self.maxIdleConnections = maxIdleConnections
        self.resolve = resolve
    }
}

/// curl_global_init must run once before any handle exists; a lazy global gives exactly-once.
private let curlGlobalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

/// HTTP over libcurl's multi interface: every request of this transport runs on one dedicated I/O thread
/// (curl_multi_poll, woken by curl_multi_wakeup), so hundreds can be in flight without a thread each, and
/// connections are reused from the multi handle's connection cache.
public final class CurlTransport: HTTPTransport {
    private let loop: CurlMultiLoop

    public init(options: CurlTransportOptions = CurlTransportOptions()) throws {
        guard curlGlobalInit == CURLE_OK else {
            throw TransportError(kind: .other, detail: "curl_global_init failed")
        }
        loop = try CurlMultiLoop(options: options)
    }

    deinit { loop.stop() }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try Task.checkCancellation()
        let body = try RequestBodySource(request.body, hashing: request.hashRequestBody)
        let transfer = CurlTransfer(request: request, body: body)
        let loop = self.loop
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.continuation = continuation
                loop.enqueue(transfer)
            }
        } onCancel: {
            transfer.cancelled.store(true, ordering: .relaxed)
            loop.cancel(transfer)
        }
    }
}

/// The multi handle and the thread that drives it.
/// INVARIANT: `active`, `idleHandles` and every easy handle are touched only by the I/O thread; other threads
/// talk to it through `inbox` (then curl_multi_wakeup, which is thread-safe).
final class CurlMultiLoop: @unchecked Sendable {
    private struct Inbox {
        var added: [CurlTransfer] = []
        var cancelled: [CurlTransfer] = []
        var stopping = false
    }

    private let multi: UnsafeMutableRawPointer
    private let options: CurlTransportOptions
    private let inbox = Mutex(Inbox())
    private var active: [ObjectIdentifier: CurlTransfer] = [:]
    private var idleHandles: [UnsafeMutableRawPointer] = []
    private static let maxIdleHandles = 64

    init(options: CurlTransportOptions) throws {
        guard let multi = curl_multi_init() else {
            throw TransportError(kind: .other, detail: "curl_multi_init failed")
        }
        self.multi = multi
        self.options = options
        _ = ossfs_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, options.maxIdleConnections)

        var thread = pthread_t()
        let retained = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, { arg in
            let loop = Unmanaged<CurlMultiLoop>.fromOpaque(arg!).takeRetainedValue()
            loop.run()
            return nil
        }, retained)
        guard rc == 0 else {
            Unmanaged<CurlMultiLoop>.fromOpaque(retained).release()
            curl_multi_cleanup(multi)
            throw TransportError(kind: .other, detail: "cannot start the curl I/O thread")
        }
        pthread_detach(thread)
    }

    deinit { curl_multi_cleanup(multi) }

    func enqueue(_ t: CurlTransfer) {
        let accepted = inbox.withLock { box -> Bool in
            if box.stopping { return false }
            box.added.append(t)
            return true
        }
        if accepted {
            curl_multi_wakeup(multi)
        } else {
            t.complete(.failure(TransportError(kind: .aborted, detail: "transport shut down")))
        }
    }

    func cancel(_ t: CurlTransfer) {
        inbox.withLock { $0.cancelled.append(t) }
        curl_multi_wakeup(multi)
    }

    func stop() {
        inbox.withLock { $0.stopping = true }
        curl_multi_wakeup(multi)
    }

    // MARK: I/O thread

    private func run() {
        while true {
            let (added, cancelled, stopping) = inbox.withLock { box in
                defer { box.added = []; box.cancelled = [] }
                return (box.added, box.cancelled, box.stopping)
            }
            for t in added { start(t) }
            for t in cancelled where active[ObjectIdentifier(t)] != nil { finish(t, .failure(CancellationError())) }
            if stopping {
                for t in active.values { finish(t, .failure(TransportError(kind: .aborted, detail: "transport shut down"))) }
                break
            }
            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            var remaining: Int32 = 0
            while let msg = curl_multi_info_read(multi, &remaining) {
                guard msg.pointee.msg == CURLMSG_DONE, let easy = msg.pointee.easy_handle else { continue }
                let code = ossfs_curl_msg_result(msg)
                var ptr: UnsafeMutableRawPointer? = nil
                _ = ossfs_curl_easy_getinfo_ptr(easy, CURLINFO_PRIVATE, &ptr)
                guard let ptr else { continue }
                let t = Unmanaged<CurlTransfer>.fromOpaque(ptr).takeUnretainedValue()
                finish(t, t.outcome(code))
            }
            _ = curl_multi_poll(multi, nil, 0, 1000, nil)
        }
        for h in idleHandles { curl_easy_cleanup(h) }
        idleHandles = []
    }

    private func start(_ t: CurlTransfer) {
        if t.cancelled.load(ordering: .relaxed) {
            t.complete(.failure(CancellationError()))
            return
        }
        guard let easy = idleHandles.popLast() ?? curl_easy_init() else {
            t.complete(.failure(TransportError(kind: .other, detail: "curl_easy_init failed")))
            return
        }
        let rc = t.configure(easy, options: options)
        guard rc == CURLE_OK else {
            release(easy)
            t.easy = nil
            t.complete(.failure(TransportError(kind: .other, detail: String(cString: curl_easy_strerror(rc)))))
            return
        }
        guard curl_multi_add_handle(multi, easy) == CURLM_OK else {
            release(easy)
            t.easy = nil
            t.complete(.failure(TransportError(kind: .other, detail: "curl_multi_add_handle failed")))
            return
        }
        active[ObjectIdentifier(t)] = t
    }

    private func finish(_ t: CurlTransfer, _ result: Result<HTTPResponse, any Error>) {
        active[ObjectIdentifier(t)] = nil
        if let easy = t.easy {
            curl_multi_remove_handle(multi, easy)
            release(easy)
            t.easy = nil
        }
        t.complete(result)
    }

    /// Keeps a reset handle for reuse (curl_easy_reset keeps its TLS session cache) or frees it.
    private func release(_ easy: UnsafeMutableRawPointer) {
        if idleHandles.count < Self.maxIdleHandles {
            curl_easy_reset(easy)
            idleHandles.append(easy)
        } else {
            curl_easy_cleanup(easy)
        }
    }
}
