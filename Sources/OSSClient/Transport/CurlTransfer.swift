import CCurl
import ObjectStore
import OSSCore
import Synchronization

/// One request in flight on the curl I/O thread: its easy-handle settings, what the callbacks collect, and the
/// continuation that gets exactly one answer. Everything but `cancelled` and `continuation` (set before the
/// transfer is handed to the loop) is touched only by the I/O thread.
final class CurlTransfer: @unchecked Sendable {
    let request: HTTPRequest
    let body: RequestBodySource
    /// Set by task cancellation from any thread; checked by the loop.
    let cancelled = Atomic<Bool>(false)
    var continuation: CheckedContinuation<HTTPResponse, any Error>?

    // I/O thread state.
    var easy: UnsafeMutableRawPointer?
    var headerList: UnsafeMutablePointer<curl_slist>?
    var resolveList: UnsafeMutablePointer<curl_slist>?
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    private var status = 0
    private var headers = HTTPHeaders()
    private var collected: [UInt8] = []
    private var received: UInt64 = 0
    private var crc: UInt64 = 0
    /// Why a callback stopped the transfer, when it did.
    private var callbackFailure: TransportError?

    /// Room for the headers of a typical OSS answer (a HEAD carries about 15), so the list is allocated once.
    static let expectedHeaderCount = 24

    /// Error bodies are small XML documents; a bigger one is cut (and then decoded as malformed).
    static let errorBodyLimit = 1 << 20

    init(request: HTTPRequest, body: RequestBodySource) {
        self.request = request
        self.body = body
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        if let headerList { curl_slist_free_all(headerList) }
        if let resolveList { curl_slist_free_all(resolveList) }
        errorBuffer.deallocate()
    }

    /// Resumes the waiting task once; later calls are ignored.
    func complete(_ result: Result<HTTPResponse, any Error>) {
        guard let c = continuation else { return }
        continuation = nil
        c.resume(with: result)
    }

    // MARK: configuring the easy handle

    /// Sets every option this request needs on a fresh (or reset) easy handle.
    func configure(_ easy: UnsafeMutableRawPointer, options: CurlTransportOptions) -> CURLcode {
        self.easy = easy
        let me = Unmanaged.passUnretained(self).toOpaque()
        var rc = CURLE_OK
        func set(_ r: CURLcode) { if rc == CURLE_OK { rc = r } }

        // withCString hands curl (which copies) the string's own bytes; passing a String where a C string is
        // expected makes an array copy first, and every request passes its URL and each header line.
        request.url.withCString { set(ossfs_curl_easy_setopt_string(easy, CURLOPT_URL, $0)) }
        set(ossfs_curl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        set(ossfs_curl_easy_setopt_ptr(easy, CURLOPT_PRIVATE, me))
        set(ossfs_curl_easy_setopt_ptr(easy, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer)))
        set(ossfs_curl_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1))
        set(ossfs_curl_easy_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1))
        // Bigger buffers than curl's 16/64 KiB defaults: fewer callbacks per GB on fast links.
        set(ossfs_curl_easy_setopt_long(easy, CURLOPT_BUFFERSIZE, 256 << 10))
        set(ossfs_curl_easy_setopt_long(easy, CURLOPT_UPLOAD_BUFFERSIZE, 512 << 10))

        let method = ASCII.uppercased(request.method)
        let hasBody = method == "PUT" || method == "POST" || body.length > 0
        if method == "HEAD" {
            set(ossfs_curl_easy_setopt_long(easy, CURLOPT_NOBODY, 1))
        } else if hasBody {
            // Upload mode streams the body through the read callback for any method, with a known length;
            // curl adds no Content-Type of its own this way (unlike POSTFIELDS).
            set(ossfs_curl_easy_setopt_long(easy, CURLOPT_UPLOAD, 1))
            set(ossfs_curl_easy_setopt_off(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(body.length)))
            set(ossfs_curl_easy_setopt_data_cb(easy, CURLOPT_READFUNCTION, curlRead))
            set(ossfs_curl_easy_setopt_ptr(easy, CURLOPT_READDATA, me))
            set(ossfs_curl_easy_setopt_seek_cb(easy, curlSeek))
            set(ossfs_curl_easy_setopt_ptr(easy, CURLOPT_SEEKDATA, me))
            if method != "PUT" { set(ossfs_curl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method)) }
        } else if method == "GET" {
            set(ossfs_curl_easy_setopt_long(easy, CURLOPT_HTTPGET, 1))
        } else {
            set(ossfs_curl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method))
        }

        set(ossfs_curl_easy_setopt_data_cb(easy, CURLOPT_WRITEFUNCTION, curlWrite))
        set(ossfs_curl_easy_setopt_ptr(easy, CURLOPT_WRITEDATA, me))
        set(ossfs_curl_easy_setopt_data_cb(easy, CURLOPT_HEADERFUNCTION, curlHeader))
        set(ossfs_curl_easy_setopt_ptr(easy, CURLOPT_HEADERDATA, me))

        set(ossfs_curl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT, max(1, request.connectTimeout)))
        // A stall, not a slow transfer, is the failure: less than 1 byte/s for the whole window.
        set(ossfs_curl_easy_setopt_long(easy, CURLOPT_LOW_SPEED_LIMIT, 1))
        set(ossfs_curl_easy_setopt_long(easy, CURLOPT_LOW_SPEED_TIME, max(1, request.stallTimeout)))

        set(ossfs_curl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, options.verifyTLS ? 1 : 0))
        set(ossfs_curl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, options.verifyTLS ? 2 : 0))
        if let caFile = options.caFile { set(ossfs_curl_easy_setopt_string(easy, CURLOPT_CAINFO, caFile)) }
        if !options.userAgent.isEmpty {
            options.userAgent.withCString { set(ossfs_curl_easy_setopt_string(easy, CURLOPT_USERAGENT, $0)) }
        }
        // Proxies: curl reads http_proxy/HTTPS_PROXY/NO_PROXY from the environment unless told otherwise.
        if request.bypassProxy {
            set(ossfs_curl_easy_setopt_string(easy, CURLOPT_NOPROXY, "*"))
        } else {
            if let proxy = options.proxy { set(ossfs_curl_easy_setopt_string(easy, CURLOPT_PROXY, proxy)) }
            if let noProxy = options.noProxy { set(ossfs_curl_easy_setopt_string(easy, CURLOPT_NOPROXY, noProxy)) }
        }

        if !options.resolve.isEmpty {
            var entries: UnsafeMutablePointer<curl_slist>? = nil
            for entry in options.resolve { entries = curl_slist_append(entries, entry) }
            resolveList = entries
            set(ossfs_curl_easy_setopt_slist(easy, CURLOPT_RESOLVE, entries))
        }

        var list: UnsafeMutablePointer<curl_slist>? = nil
        for (name, value) in request.headers {
            // "Name;" is curl's way to send a header with an empty value; "Name:" would delete it.
            let line = value.isEmpty ? name + ";" : name + ": " + value
            list = line.withCString { curl_slist_append(list, $0) }
        }
        // Never let curl invent a Content-Type (it would not be signed) or wait for 100-continue. It adds
        // either only to a request with a body; each line it is given costs it a scan per header it checks.
        if hasBody {
            if request.header("Content-Type") == nil { list = curl_slist_append(list, "Content-Type:") }
            if request.header("Expect") == nil { list = curl_slist_append(list, "Expect:") }
        }
        headerList = list
        set(ossfs_curl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, list))
        return rc
    }

    // MARK: callbacks (I/O thread)

    /// Parses one header line as bytes: only the trimmed name and value become Strings (every response passes
    /// through here, a HEAD is nothing else).
    fileprivate func receiveHeader(_ bytes: UnsafeRawBufferPointer) {
        var end = bytes.count
        while end > 0, ASCII.isSpace(bytes[end - 1]) { end -= 1 }
        let line = UnsafeRawBufferPointer(rebasing: bytes[0..<end])
        if line.starts(with: "HTTP/".utf8) {
            // A new status line (100 Continue, or a resend): start over.
            status = Self.statusCode(line)
            headers = HTTPHeaders()
            headers.reserveCapacity(Self.expectedHeaderCount)
            return
        }
        guard let colon = line.firstIndex(of: 0x3A) else { return }
        var nameEnd = colon
        while nameEnd > 0, ASCII.isSpace(line[nameEnd - 1]) { nameEnd -= 1 }
        var valueStart = colon + 1
        while valueStart < line.count, ASCII.isSpace(line[valueStart]) { valueStart += 1 }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: line[0..<nameEnd]), as: UTF8.self)
        let value = String(decoding: UnsafeRawBufferPointer(rebasing: line[valueStart...]), as: UTF8.self)
        headers.add(name, value)
        // A collected body of announced length lands in one allocation, not in a doubling array.
        if nameEnd == 14, isSuccess, case .collect(let limit) = request.response,
           ASCII.equalIgnoringCase(name, "content-length"), let length = Int(value), length > 0, length <= limit
        {
            collected.reserveCapacity(length)
        }
    }

    /// The three digits after "HTTP/x.y ", 0 when they are not there.
    static func statusCode(_ line: UnsafeRawBufferPointer) -> Int {
        guard let space = line.firstIndex(of: 0x20), space + 4 <= line.count else { return 0 }
        var code = 0
        for byte in line[(space + 1)..<(space + 4)] {
            guard byte >= 0x30 && byte <= 0x39 else { return 0 }
            code = code * 10 + Int(byte - 0x30)
        }
        if space + 4 < line.count, line[space + 4] != 0x20 { return 0 }
        return code
    }

    private var isSuccess: Bool { (200..<300).contains(status) }

    /// Returns false to abort the transfer.
    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if isSuccess {
            if request.hashResponseBody { crc = CRC64.update(crc, bytes) }
            received += UInt64(bytes.count)
            switch request.response {
            case .stream(let sink):
                do { try sink.write(bytes) } catch {
                    callbackFailure = TransportError(kind: .aborted, detail: "body sink failed: \(error)",
                                                     sinkError: error)
                    return false
                }
                return true
            case .collect(let limit):
                return append(bytes, limit: limit)
            }
        }
        return append(bytes, limit: Self.errorBodyLimit)
    }

    private func append(_ bytes: UnsafeRawBufferPointer, limit: Int) -> Bool {
        guard collected.count + bytes.count <= limit else {
            callbackFailure = TransportError(kind: .aborted, detail: "response body exceeds \(limit) bytes")
            return false
        }
        collected.append(contentsOf: bytes)
        return true
    }

    fileprivate func sendBody(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        if cancelled.load(ordering: .relaxed) { return Int(CURL_READFUNC_ABORT) }
        guard let n = body.read(into: buffer) else {
            callbackFailure = TransportError(kind: .other, detail: body.readError ?? "request body read failed")
            return Int(CURL_READFUNC_ABORT)
        }
        return n
    }

    // MARK: finishing

    /// The answer for a transfer curl reports done with `code`.
    func outcome(_ code: CURLcode) -> Result<HTTPResponse, any Error> {
        if let callbackFailure { return .failure(callbackFailure) }
        guard code == CURLE_OK else {
            let message = String(cString: errorBuffer)
            let text = message.isEmpty ? String(cString: curl_easy_strerror(code)) : message
            return .failure(TransportError(kind: CurlErrorClassifier.kind(code), detail: text))
        }
        var responseCode: Int = 0
        if let easy, ossfs_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &responseCode) == CURLE_OK,
           responseCode != 0
        {
            status = responseCode
        }
        var connects: Int = 0
        if let easy { _ = ossfs_curl_easy_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &connects) }
        return .success(HTTPResponse(
            status: status, headers: headers, body: collected,
            sentBodyCRC64: body.sentCRC64,
            receivedBodyCRC64: isSuccess && request.hashResponseBody ? crc : nil,
            receivedBodyLength: received, connectionsOpened: connects))
    }
}


// C callbacks: no captures; the transfer arrives as userdata.

private let curlWrite: ossfs_curl_data_cb = { ptr, size, nmemb, userdata in
    let t = Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
    let n = size * nmemb
    return t.receiveBody(UnsafeRawBufferPointer(start: ptr, count: n)) ? n : 0
}

private let curlHeader: ossfs_curl_data_cb = { ptr, size, nmemb, userdata in
    let t = Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
    let n = size * nmemb
    t.receiveHeader(UnsafeRawBufferPointer(start: ptr, count: n))
    return n
}

private let curlRead: ossfs_curl_data_cb = { ptr, size, nmemb, userdata in
    let t = Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
    return t.sendBody(into: UnsafeMutableRawBufferPointer(start: ptr, count: size * nmemb))
}

private let curlSeek: ossfs_curl_seek_cb = { userdata, offset, origin in
    let t = Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
    guard origin == SEEK_SET, offset >= 0, t.body.seek(to: UInt64(offset)) else { return CURL_SEEKFUNC_CANTSEEK }
    return CURL_SEEKFUNC_OK
}
