// libFuzzer target: every XML response decoder of OSSClient on an arbitrary body, and the error decoder on
// arbitrary bodies and x-oss-err headers. Each must return a value or throw; never crash (a bad server
// answer, or a man in the middle with no TLS, must not take the mount down).
import OSSCore
@testable import OSSClient

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoders(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? ResponseDecoders.listV1(body)
    _ = try? ResponseDecoders.listV2(body)
    _ = try? ResponseDecoders.initiateMultipartUpload(body)
    _ = try? ResponseDecoders.completeMultipartUpload(body)
    _ = try? ResponseDecoders.copyResult(body, root: "CopyObjectResult")
    _ = try? ResponseDecoders.copyResult(body, root: "CopyPartResult")
    _ = try? ResponseDecoders.listMultipartUploads(body)
    _ = try? ResponseDecoders.listParts(body)
    _ = try? ResponseDecoders.deleteResult(body)
    _ = try? ResponseDecoders.bucketInfo(body)
    _ = try? ResponseDecoders.bucketStat(body)
    for status in [400, 403, 404, 409, 500, 503] {
        _ = ErrorDecoder.decode(status: status, headers: HTTPHeaders(), body: body)
    }
    // HEAD answers carry the error document base64-encoded in x-oss-err instead of a body.
    let header = HTTPHeaders([("x-oss-err", Base64.encode(body)), ("x-oss-request-id", "fuzz")])
    _ = ErrorDecoder.decode(status: 403, headers: header, body: [])
    if let text = String(validating: body, as: UTF8.self) {
        _ = ErrorDecoder.decode(status: 404, headers: HTTPHeaders([("x-oss-err", text)]), body: [])
    }
    return 0
}
