import NIOCore
import NIOHTTP1

/// One request/response on a connection. Touched only on the connection's event loop.
final class Exchange {
    let head: HTTPRequestHead
    let requestID: String
    let started = NIODeadline.now()
    /// Set once the request is resolved, routed and authenticated.
    var plan: RequestPlan?
    /// The first error; the body is then drained and the error answered at its end.
    var failure: OSSError?
    var fault: FaultKind?
    /// Streaming uploads: the storage writer and the chunks waiting for it.
    var writer: BlobWriter?
    var queued: [ByteBuffer] = []
    var queuedBytes = 0
    var writing = false
    /// Set when an S3 client frames the upload as aws-chunked.
    var awsChunked: AWSChunkedDecoder?
    /// DeleteMultipleObjects / CompleteMultipartUpload bodies.
    var xmlBody: ByteBuffer?
    /// Planning (latency, auth, writer creation) has finished.
    var ready = false
    var ended = false
    var finishing = false

    init(head: HTTPRequestHead, requestID: String) {
        self.head = head
        self.requestID = requestID
        if AWSChunkedDecoder.applies(to: head.headers) { awsChunked = AWSChunkedDecoder() }
    }

    var isHead: Bool { head.method == .HEAD }

    func fail(_ error: OSSError) {
        if failure == nil { failure = error }
    }

    /// Bodies we keep only the end of: faults, failures, and requests that take no body.
    var discardsBody: Bool {
        if failure != nil || fault != nil { return true }
        guard let plan else { return false }   // not planned yet: queue until we know
        return !plan.operation.streamsBody && !plan.operation.readsXMLBody
    }
}

/// A resolved, routed, authenticated request.
struct RequestPlan {
    let request: OSSRequest
    let operation: OSSOperation
    /// nil only for service-level requests.
    let bucket: BucketStore?
}

/// Lets a value cross into the thread pool; the exchange guarantees one user at a time.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
