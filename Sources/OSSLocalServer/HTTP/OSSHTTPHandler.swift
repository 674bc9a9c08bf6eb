import NIOCore
import NIOHTTP1
import OSSCore

/// One per connection: plans each request at its head (latency, addressing, routing, signature, fault dice),
/// streams upload bodies to the storage writer in the thread pool (holding socket reads while too much is
/// queued), runs writes in the pool and reads inline, and sends the answer (object bytes as FileRegions when
/// they are in files). All state is touched on the connection's event loop only.
///
/// One exchange at a time: NIO's HTTPServerPipelineHandler (ahead of us) holds a pipelined request back
/// until the previous response has ended.
final class OSSHTTPHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Queued upload bytes above which socket reads pause until the writer catches up.
    private static let highWater = 8 << 20
    /// Largest XML request body (CompleteMultipartUpload with 10000 parts fits).
    private static let maxXMLBody = 4 << 20

    private let server: ServerContext
    private var current: Exchange?
    private var readPending = false
    private var channelActive = true
    /// Request ids are this connection's random 64 bits then a 32-bit counter: 24 hex digits, unique, no syscall.
    private let connectionID = UInt64.random(in: .min ... .max)
    private var requestCounter: UInt32 = 0
    /// The Date header of the current second, rebuilt once a second per connection.
    private var dateCache: (second: Int64, text: String) = (-1, "")

    init(server: ServerContext) { self.server = server }

    // MARK: - inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            let exchange = Exchange(head: head, requestID: nextRequestID())
            current = exchange
            if head.headers.first(name: "expect")?.lowercased() == "100-continue" {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))),
                                      promise: nil)
            }
            start(exchange, context)
        case .body(let buffer):
            guard let exchange = current else { return }
            receive(buffer, exchange)
            pump(exchange, context)
        case .end:
            guard let exchange = current else { return }
            exchange.ended = true
            pump(exchange, context)
        }
    }

    func read(context: ChannelHandlerContext) {
        if let exchange = current, exchange.queuedBytes > Self.highWater {
            readPending = true
            return
        }
        context.read()
    }

    func channelInactive(context: ChannelHandlerContext) {
        channelActive = false
        // A writer busy in the pool is aborted when its batch completes (one thread at a time per writer).
        if let exchange = current, !exchange.finishing, !exchange.writing { abortWriter(exchange) }
        current = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    // MARK: - planning

    private func start(_ exchange: Exchange, _ context: ChannelHandlerContext) {
        let latency = server.faults.latencyMilliseconds
        let delay: EventLoopFuture<Void> = latency > 0
            ? context.eventLoop.scheduleTask(in: .milliseconds(Int64(latency))) {}.futureResult
            : context.eventLoop.makeSucceededVoidFuture()
        delay.flatMap { () -> EventLoopFuture<Void> in
            self.prepare(exchange, context.eventLoop)
        }.whenComplete { result in
            if case .failure(let error) = result { exchange.fail(OSSError.from(error)) }
            exchange.ready = true
            guard exchange === self.current else { return }
            self.pump(exchange, context)
        }
    }

    private func prepare(_ exchange: Exchange, _ eventLoop: EventLoop) -> EventLoopFuture<Void> {
        let plan: RequestPlan
        switch server.plan(exchange.head) {
        case .failure(let error): return eventLoop.makeFailedFuture(error)
        case .success(let p): plan = p
        }
        exchange.plan = plan
        if plan.operation.isDataPlane, let fault = server.faults.draw() {
            exchange.fault = fault
            return eventLoop.makeSucceededVoidFuture()
        }
        do {
            try Preflight.check(plan)
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        guard plan.operation.streamsBody, let bucket = plan.bucket else { return eventLoop.makeSucceededVoidFuture() }
        let store = UncheckedBox(bucket)
        return server.pool.runIfActive(eventLoop: eventLoop) { UncheckedBox(try store.value.newWriter()) }
            .map { exchange.writer = $0.value }
    }

    // MARK: - bodies

    private func receive(_ buffer: ByteBuffer, _ exchange: Exchange) {
        if exchange.discardsBody { return }
        guard exchange.awsChunked != nil else { return accept(buffer, exchange) }
        do {
            for payload in try exchange.awsChunked!.decode(buffer) { accept(payload, exchange) }
        } catch {
            exchange.fail(.invalidArgument("Content-Encoding", "aws-chunked", "The aws-chunked body is malformed."))
        }
    }

    /// Body bytes (framing removed): the XML document of the request, or upload data for the writer.
    private func accept(_ buffer: ByteBuffer, _ exchange: Exchange) {
        if let plan = exchange.plan, plan.operation.readsXMLBody {
            if exchange.xmlBody == nil { exchange.xmlBody = buffer } else { exchange.xmlBody!.writeImmutableBuffer(buffer) }
            if exchange.xmlBody!.readableBytes > Self.maxXMLBody {
                exchange.fail(.malformedXML)
                exchange.xmlBody = nil
            }
            return
        }
        exchange.queued.append(buffer)
        exchange.queuedBytes += buffer.readableBytes
    }

    /// Moves the exchange forward: writes queued chunks (one batch at a time), then finishes at the end.
    private func pump(_ exchange: Exchange, _ context: ChannelHandlerContext) {
        guard exchange.ready, !exchange.finishing, exchange === current else { return }
        if exchange.discardsBody, !exchange.queued.isEmpty, !exchange.writing {
            exchange.queued.removeAll()
            exchange.queuedBytes = 0
            resumeReads(context)
        }
        if exchange.plan?.operation.readsXMLBody == true, !exchange.queued.isEmpty {
            let early = exchange.queued   // chunks that came before the plan
            exchange.queued.removeAll()
            for buffer in early where exchange.failure == nil { accept(buffer, exchange) }
            exchange.queuedBytes = 0
            resumeReads(context)
        }
        if exchange.writing { return }
        if let writer = exchange.writer, !exchange.queued.isEmpty, exchange.failure == nil {
            exchange.writing = true
            let batch = UncheckedBox(exchange.queued), batchBytes = exchange.queuedBytes
            exchange.queued.removeAll()
            let box = UncheckedBox(writer)
            server.pool.runIfActive(eventLoop: context.eventLoop) {
                for buffer in batch.value { try box.value.write(buffer) }
            }.whenComplete { result in
                exchange.writing = false
                exchange.queuedBytes -= batchBytes
                if case .failure(let error) = result {
                    exchange.fail(OSSError.from(error, key: exchange.plan?.request.key ?? ""))
                    self.abortWriter(exchange)
                }
                guard exchange === self.current else {   // the connection went away mid-upload
                    self.abortWriter(exchange)
                    return
                }
                self.resumeReads(context)
                self.pump(exchange, context)
            }
            return
        }
        if exchange.ended { finish(exchange, context) }
    }

    private func resumeReads(_ context: ChannelHandlerContext) {
        guard readPending, (current?.queuedBytes ?? 0) <= Self.highWater else { return }
        readPending = false
        context.read()
    }

    private func abortWriter(_ exchange: Exchange) {
        guard let writer = exchange.writer else { return }
        exchange.writer = nil
        let box = UncheckedBox(writer)
        server.pool.submit { _ in box.value.abort() }
    }

    // MARK: - answering

    private func finish(_ exchange: Exchange, _ context: ChannelHandlerContext) {
        exchange.finishing = true
        if let fault = exchange.fault {
            switch fault {
            case .stall:
                logUnanswered(exchange, "stall")
                return   // never answer; the connection stays until the client gives up
            case .internalError:
                send(OSSError.internalError, exchange, context)
                return
            case .serviceUnavailable:
                send(OSSError.serviceUnavailable, exchange, context)
                return
            case .reset:
                guard let plan = exchange.plan, plan.operation.isReadOnly else {
                    logUnanswered(exchange, "reset")
                    context.close(promise: nil)   // nothing was stored; the client sees no answer
                    return
                }
                // Read-only: serve it, but cut the connection halfway through the body.
            }
        }
        if let failure = exchange.failure {
            abortWriter(exchange)
            send(failure, exchange, context)
            return
        }
        guard let plan = exchange.plan else { return send(.internalError, exchange, context) }
        let writer = exchange.writer.map(UncheckedBox.init)
        exchange.writer = nil
        let xml = exchange.xmlBody
        let server = self.server
        let planBox = UncheckedBox(plan)
        let work = { () throws -> UncheckedBox<OSSResponse> in
            do {
                return UncheckedBox(try OperationHandlers(server: server, plan: planBox.value)
                    .run(writer: writer?.value, xmlBody: xml))
            } catch {
                writer?.value.abort()
                throw error
            }
        }
        // Reads touch only the engine's in-memory index plus an open() of an immutable file: cheaper inline
        // than two thread hops, which is what makes thousands of small GETs a second possible.
        let answer = plan.operation.isReadOnly
            ? context.eventLoop.makeCompletedFuture(Result(catching: work))
            : server.pool.runIfActive(eventLoop: context.eventLoop, work)
        answer.whenComplete { result in
            guard exchange === self.current, self.channelActive else {
                if case .success(let response) = result { response.value.body.release() }
                return
            }
            switch result {
            case .success(let response):
                self.write(response.value, exchange, context, cutBody: exchange.fault == .reset)
            case .failure(let error):
                self.send(OSSError.from(error, key: plan.request.key, bucket: plan.request.bucket ?? ""), exchange, context,
                          cutBody: exchange.fault == .reset)
            }
        }
    }

    private func send(_ error: OSSError, _ exchange: Exchange, _ context: ChannelHandlerContext, cutBody: Bool = false) {
        let host = exchange.plan?.request.host ?? Addressing.hostWithoutPort(exchange.head.headers.first(name: "host") ?? "")
        write(error.response(requestID: exchange.requestID, hostID: host.isEmpty ? server.configuration.host : host,
                             isHead: exchange.isHead),
              exchange, context, cutBody: cutBody)
    }

    private func write(_ response: OSSResponse, _ exchange: Exchange, _ context: ChannelHandlerContext, cutBody: Bool) {
        if cutBody, response.body.length == 0 {   // a reset with nothing to cut: no answer at all
            logUnanswered(exchange, "reset")
            response.body.release()
            current = nil
            context.close(promise: nil)
            return
        }
        var headers = HTTPHeaders()
        headers.reserveCapacity(response.headers.count + 6)
        headers.add(name: "Server", value: "AliyunOSS")
        headers.add(name: "Date", value: dateHeader())
        headers.add(name: "x-oss-request-id", value: exchange.requestID)
        var hasLength = false
        for (name, value) in response.headers {
            // (The length check first: lowercased() allocates, and runs for every header of every response.)
            if !hasLength, name.utf8.count == 14, name.lowercased() == "content-length" { hasLength = true }
            headers.add(name: name, value: value)
        }
        let bodyless = response.status == .noContent || response.status == .notModified
        if !hasLength, !bodyless { headers.add(name: "Content-Length", value: String(response.body.length)) }
        let keepAlive = exchange.head.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        else if exchange.head.version.minor == 0 { headers.add(name: "Connection", value: "keep-alive") }

        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: exchange.head.version, status: response.status,
                                                             headers: headers))), promise: nil)
        if let log = server.configuration.accessLog { log(accessLine(exchange, response, cut: cutBody)) }
        let body = response.body
        if cutBody {
            writeBody(body, limit: body.length / 2, context)
            context.flush()
            let promise = context.eventLoop.makePromise(of: Void.self)
            promise.futureResult.whenComplete { _ in body.release() }
            context.close(promise: promise)
            current = nil
            return
        }
        writeBody(body, limit: body.length, context)
        current = nil
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        done.whenComplete { _ in
            body.release()
            if !keepAlive { context.close(promise: nil) }
        }
    }

    /// `GET /bucket/key?uploadId&partNumber 200 1234B 3ms UploadPart`: query names only, so no signature,
    /// token or other value ever reaches the log.
    private func accessLine(_ exchange: Exchange, _ response: OSSResponse, cut: Bool) -> String {
        let uri = exchange.head.uri
        let path = uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? uri
        let names = exchange.plan?.request.query.map(\.name) ?? []
        let query = names.isEmpty ? "" : "?" + names.joined(separator: "&")
        let ms = (NIODeadline.now() - exchange.started).nanoseconds / 1_000_000
        let op = exchange.plan?.operation.rawValue ?? "-"
        let fault = exchange.fault.map { " fault=\($0.rawValue)" } ?? ""
        return "\(exchange.head.method.rawValue) \(path)\(query) \(response.status.code) \(response.body.length)B \(ms)ms \(op)\(fault)\(cut ? " cut" : "")"
    }

    private func logUnanswered(_ exchange: Exchange, _ what: String) {
        guard let log = server.configuration.accessLog else { return }
        let path = exchange.head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? exchange.head.uri
        log("\(exchange.head.method.rawValue) \(path) - \(exchange.plan?.operation.rawValue ?? "-") fault=\(what)")
    }

    private func nextRequestID() -> String {
        requestCounter &+= 1
        return Self.hex(connectionID, digits: 16) + Self.hex(UInt64(requestCounter), digits: 8)
    }

    private static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    private func dateHeader() -> String {
        let second = Int64(server.now())
        if second != dateCache.second { dateCache = (second, HTTPDate.rfc1123(second)) }
        return dateCache.text
    }

    /// Writes at most `limit` bytes of the body.
    private func writeBody(_ body: ResponseBody, limit: UInt64, _ context: ChannelHandlerContext) {
        var remaining = limit
        switch body {
        case .empty:
            return
        case .buffer(let buffer):
            guard remaining > 0 else { return }
            let slice = buffer.getSlice(at: buffer.readerIndex, length: Int(min(remaining, UInt64(buffer.readableBytes))))!
            context.write(wrapOutboundOut(.body(.byteBuffer(slice))), promise: nil)
        case .content(let opened, _):
            for segment in opened.segments where remaining > 0 {
                switch segment {
                case .bytes(let buffer):
                    let n = Int(min(remaining, UInt64(buffer.readableBytes)))
                    if n > 0 {
                        context.write(wrapOutboundOut(.body(.byteBuffer(buffer.getSlice(at: buffer.readerIndex, length: n)!))),
                                      promise: nil)
                    }
                    remaining -= UInt64(n)
                case .file(let handle, let offset, let length):
                    let n = min(remaining, length)
                    if n > 0 {
                        let region = FileRegion(fileHandle: handle, readerIndex: Int(offset), endIndex: Int(offset + n))
                        context.write(wrapOutboundOut(.body(.fileRegion(region))), promise: nil)
                    }
                    remaining -= n
                }
            }
        }
    }
}
