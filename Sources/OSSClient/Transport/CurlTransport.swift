#if canImport(Glibc)
import Glibc
#endif
import CCurl
import ObjectStore
import OSSCore
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
    /// How many I/O threads (each its own multi handle and connection cache) carry the requests; each new
    /// request goes to the one with the fewest in flight.
    public var ioThreads: Int

    public init(verifyTLS: Bool = true, caFile: String? = nil, userAgent: String = "",
                proxy: String? = nil, noProxy: String? = nil, maxIdleConnections: Int = 256, resolve: [String] = [],
                ioThreads: Int = 1)
    {
        self.verifyTLS = verifyTLS
        self.caFile = caFile
        self.userAgent = userAgent
        self.proxy = proxy
        self.noProxy = noProxy
        self.maxIdleConnections = maxIdleConnections
        self.resolve = resolve
        self.ioThreads = max(1, ioThreads)
    }
}

/// curl_global_init must run once before any handle exists; a lazy global gives exactly-once.
private let curlGlobalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

/// HTTP over libcurl's multi interface: requests run on a few dedicated I/O threads (epoll and
/// curl_multi_socket_action, so each wake-up costs only the sockets that are ready), so hundreds can be in
/// flight without a thread each, and connections are reused from each multi handle's cache. A request sent
/// from a thread that `BlockingCaller` marks (a FUSE worker) is carried out there instead, up to
/// `maxCallerTransfers` at once.
public final class CurlTransport: HTTPTransport {
    private let loops: [CurlMultiLoop]
    private let options: CurlTransportOptions
    /// Easy handles for requests carried out on the calling thread (`BlockingCaller`); each keeps its own
    /// kept-alive connection, and the last one returned is the next one taken, so one request at a time
    /// always finds its connection.
    private let callerHandles = Locked(CallerHandles())
    /// Requests being carried out by their callers now. Past `maxCallerTransfers` the rest go through the I/O
    /// threads: a caller's thread is held for the whole request, and on a slow network many held FUSE workers
    /// would leave none for other requests, while at that concurrency the hand-offs cost little per request.
    /// libfuse 3.12 and later run at most 10 workers for our 3.5-style loop config, so 8 keeps two free.
    /// (16, all ten held, measured 4% more random reads at queue depth 16: not worth a stalled `ls`.)
    private let callerTransfers = Atomic<Int>(0)
    static let maxCallerTransfers = 8
    /// Multi handles for requests a caller carries out together (`sendTogether`), each with its connection
    /// cache; the last one returned is the next one taken, as for `callerHandles`.
    private let callerMultis = Locked<[CallerMulti]>([])

    public init(options: CurlTransportOptions = CurlTransportOptions()) throws {
        guard curlGlobalInit == CURLE_OK else {
            throw TransportError(kind: .other, detail: "curl_global_init failed")
        }
        var loops: [CurlMultiLoop] = []
        for _ in 0..<max(1, options.ioThreads) { loops.append(try CurlMultiLoop(options: options)) }
        self.loops = loops
        self.options = options
    }

    deinit {
        for loop in loops { loop.stop() }
        callerHandles.withLock { $0.cleanUp() }
        callerMultis.withLock { $0 = [] }
    }

    /// The loop with the fewest requests in flight, the first on a tie: one request at a time always goes to
    /// the same loop and finds its kept-alive connection there.
    private func leastBusy() -> CurlMultiLoop {
        var best = loops[0]
        var bestLoad = best.load.load(ordering: .relaxed)
        for loop in loops.dropFirst() where bestLoad > 0 {
            let load = loop.load.load(ordering: .relaxed)
            if load < bestLoad { best = loop; bestLoad = load }
        }
        return best
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try Task.checkCancellation()
        let body = try RequestBodySource(request.body, hashing: request.hashRequestBody)
        let transfer = CurlTransfer(request: request, body: body)
        if BlockingCaller.isAllowedHere, takeCallerSlot() {
            defer { callerTransfers.subtract(1, ordering: .relaxed) }
            return try performHere(transfer)
        }
        let loop = leastBusy()
        loop.load.add(1, ordering: .relaxed)
        defer { loop.load.subtract(1, ordering: .relaxed) }
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

extension CurlTransport {
    /// From a thread `BlockingCaller` marks, the requests are carried out together on it, on a multi handle of
    /// its own: one round trip's wait, and no hand-off to the I/O thread and back for any of them (a lookup's
    /// three probes cost three such hand-offs each way otherwise).
    public func sendTogether(_ requests: [HTTPRequest]) async -> [Result<HTTPResponse, any Error>] {
        if requests.count > 1, !Task.isCancelled, BlockingCaller.isAllowedHere, takeCallerSlot() {
            defer { callerTransfers.subtract(1, ordering: .relaxed) }
            return performTogetherHere(requests)
        }
        return await sendConcurrently(requests)
    }

    private func performTogetherHere(_ requests: [HTTPRequest]) -> [Result<HTTPResponse, any Error>] {
        var results = [Result<HTTPResponse, any Error>](
            repeating: .failure(TransportError(kind: .other, detail: "request not started")), count: requests.count)
        guard let caller = callerMultis.withLock({ $0.popLast() }) ?? CallerMulti(options: options) else {
            return results.map { _ in .failure(TransportError(kind: .other, detail: "curl_multi_init failed")) }
        }
        defer { callerMultis.withLock { $0.append(caller) } }
        var running: [Int: CurlTransfer] = [:]
        for (i, request) in requests.enumerated() {
            do {
                let transfer = CurlTransfer(request: request, body: try RequestBodySource(request.body, hashing: request.hashRequestBody))
                guard let easy = caller.idle.popLast() ?? curl_easy_init() else {
                    results[i] = .failure(TransportError(kind: .other, detail: "curl_easy_init failed"))
                    continue
                }
                let rc = transfer.configure(easy, options: options)
                let added = rc == CURLE_OK ? curl_multi_add_handle(caller.multi, easy) : CURLM_OK
                guard rc == CURLE_OK, added == CURLM_OK else {
                    caller.release(easy)
                    let detail = rc != CURLE_OK ? curl_easy_strerror(rc) : curl_multi_strerror(added)
                    results[i] = .failure(TransportError(kind: .other, detail: String(cString: detail!)))
                    continue
                }
                running[i] = transfer
            } catch {
                results[i] = .failure(error)
            }
        }
        var stillRunning: Int32 = 0
        while !running.isEmpty {
            let rc = curl_multi_perform(caller.multi, &stillRunning)
            guard rc == CURLM_OK else {
                let failure = TransportError(kind: .other, detail: String(cString: curl_multi_strerror(rc)))
                for (i, t) in running {
                    if let easy = t.easy { curl_multi_remove_handle(caller.multi, easy); caller.release(easy) }
                    t.easy = nil
                    results[i] = .failure(failure)
                }
                break
            }
            var remaining: Int32 = 0
            while let msg = curl_multi_info_read(caller.multi, &remaining) {
                guard msg.pointee.msg == CURLMSG_DONE, let easy = msg.pointee.easy_handle,
                      let (i, t) = running.first(where: { $0.value.easy == easy }) else { continue }
                results[i] = t.outcome(ossfs_curl_msg_result(msg))
                curl_multi_remove_handle(caller.multi, easy)
                caller.release(easy)
                t.easy = nil
                running[i] = nil
            }
            // The transfers' own timeouts end a stalled one; poll wakes as soon as a socket is ready.
            if !running.isEmpty { _ = curl_multi_poll(caller.multi, nil, 0, 100, nil) }
        }
        return results
    }

    private func takeCallerSlot() -> Bool {
        if callerTransfers.add(1, ordering: .relaxed).newValue <= Self.maxCallerTransfers { return true }
        callerTransfers.subtract(1, ordering: .relaxed)
        return false
    }

    /// Carries out the transfer on the calling thread (curl_easy_perform): no hand-off to the I/O thread and
    /// none back. Cancellation is not seen until it ends; its timeouts are the same as on the I/O thread.
    private func performHere(_ transfer: CurlTransfer) throws -> HTTPResponse {
        guard let easy = callerHandles.withLock({ $0.take() }) ?? curl_easy_init() else {
            throw TransportError(kind: .other, detail: "curl_easy_init failed")
        }
        defer {
            transfer.easy = nil
            curl_easy_reset(easy)   // keeps the handle's live connection and TLS sessions
            let kept = callerHandles.withLock { $0.put(easy) }
            if !kept { curl_easy_cleanup(easy) }
        }
        let rc = transfer.configure(easy, options: options)
        guard rc == CURLE_OK else {
            throw TransportError(kind: .other, detail: String(cString: curl_easy_strerror(rc)))
        }
        return try transfer.outcome(curl_easy_perform(easy)).get()
    }
}

/// A multi handle that a caller drives itself (`sendTogether`), with its idle easy handles. Used by one thread
/// at a time: it is taken from the transport's list and put back.
private final class CallerMulti: @unchecked Sendable {
    let multi: UnsafeMutableRawPointer
    var idle: [UnsafeMutableRawPointer] = []
    private static let maxIdle = 8

    init?(options: CurlTransportOptions) {
        guard let multi = curl_multi_init() else { return nil }
        self.multi = multi
        _ = ossfs_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, Self.maxIdle)
    }

    /// Keeps a reset handle (with its TLS session cache) or frees it.
    func release(_ easy: UnsafeMutableRawPointer) {
        if idle.count < Self.maxIdle {
            curl_easy_reset(easy)
            idle.append(easy)
        } else {
            curl_easy_cleanup(easy)
        }
    }

    deinit {
        for easy in idle { curl_easy_cleanup(easy) }
        curl_multi_cleanup(multi)
    }
}

/// Idle easy handles of requests carried out by their callers, most recently used last.
private struct CallerHandles: @unchecked Sendable {
    private var idle: [UnsafeMutableRawPointer] = []
    private static let limit = 64

    mutating func take() -> UnsafeMutableRawPointer? { idle.popLast() }

    /// false when enough are kept already: the caller frees it.
    mutating func put(_ easy: UnsafeMutableRawPointer) -> Bool {
        guard idle.count < Self.limit else { return false }
        idle.append(easy)
        return true
    }

    mutating func cleanUp() {
        for easy in idle { curl_easy_cleanup(easy) }
        idle = []
    }
}

/// The multi handle and the thread that drives it.
/// INVARIANT: `active`, `idleHandles` and every easy handle are touched only by the I/O thread; other threads
/// talk to it through `inbox` (then ossfs_curl_loop_wakeup, which is thread-safe).
final class CurlMultiLoop: @unchecked Sendable {
    private struct Inbox {
        var added: [CurlTransfer] = []
        var cancelled: [CurlTransfer] = []
        var stopping = false
    }

    private let multi: UnsafeMutableRawPointer
    private let events: OpaquePointer
    private let options: CurlTransportOptions
    private let inbox = Locked(Inbox())
    /// Requests handed to this loop and not yet answered (kept by `CurlTransport` to spread the load).
    let load = Atomic<Int>(0)
    private var active: [ObjectIdentifier: CurlTransfer] = [:]
    private var idleHandles: [UnsafeMutableRawPointer] = []
    private static let maxIdleHandles = 64

    init(options: CurlTransportOptions) throws {
        guard let multi = curl_multi_init() else {
            throw TransportError(kind: .other, detail: "curl_multi_init failed")
        }
        guard let events = ossfs_curl_loop_new(multi) else {
            curl_multi_cleanup(multi)
            throw TransportError(kind: .other, detail: "cannot set up epoll for curl")
        }
        self.multi = multi
        self.events = events
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
            throw TransportError(kind: .other, detail: "cannot start the curl I/O thread")
        }
        pthread_detach(thread)
    }

    deinit {
        curl_multi_cleanup(multi)
        ossfs_curl_loop_free(events)   // after: the cleanup still reports the sockets it closes
    }

    func enqueue(_ t: CurlTransfer) {
        let accepted = inbox.withLock { box -> Bool in
            if box.stopping { return false }
            box.added.append(t)
            return true
        }
        if accepted {
            ossfs_curl_loop_wakeup(events)
        } else {
            t.complete(.failure(TransportError(kind: .aborted, detail: "transport shut down")))
        }
    }

    func cancel(_ t: CurlTransfer) {
        inbox.withLock { $0.cancelled.append(t) }
        ossfs_curl_loop_wakeup(events)
    }

    func stop() {
        inbox.withLock { $0.stopping = true }
        ossfs_curl_loop_wakeup(events)
    }

    // MARK: I/O thread

    private func run() {
        while true {
            // Before taking the inbox: a hand-off after this point wakes the wait below.
            ossfs_curl_loop_rearm(events)
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
            // Added handles set curl's timer to 0, so this returns at once and starts them.
            if ossfs_curl_loop_wait(events, 1000) < 0 { usleep(1000) }
            finishDone()
        }
        for h in idleHandles { curl_easy_cleanup(h) }
        idleHandles = []
    }

    /// Answers every transfer curl reports done.
    private func finishDone() {
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
