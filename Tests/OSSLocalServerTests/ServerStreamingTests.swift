import Foundation
import OSSCore
import NIOCore
import Testing
@testable import OSSLocalServer

@Suite("oss-local streaming bodies")
struct ServerStreamingTests {
    /// More than the handler's 8 MiB read-pause threshold, so backpressure engages.
    static let big: [UInt8] = (0..<(12 << 20)).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }

    @Test(arguments: ["memory", "disk"])
    func largeUploadsStreamAndReadBackWhole(backend: String) throws {
        let directory = ServerFaultTests.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let storage: StorageBackend = backend == "memory" ? .memory : .directory(directory)
        try TestServer.with(TestServer.configuration(storage: storage)) { s in
            let put = try s.request("PUT", "stream/big", body: Self.big)
            #expect(put.status == 200)
            #expect(put.header("x-oss-hash-crc64ecma") == String(CRC64.checksum(Self.big)))
            let get = try s.request("GET", "stream/big")
            #expect(get.body.count == Self.big.count)
            #expect(get.body == Self.big)
            let range = try s.request("GET", "stream/big", headers: [("Range", "bytes=10485750-10485769")])
            #expect(range.status == 206 && range.body == Array(Self.big[10_485_750...10_485_769]))
        }
    }

    @Test func chunkedUploadsAreAccepted() throws {
        try TestServer.with { s in
            let payload = bytes("chunked transfer body")
            var body = bytes("5\r\n") + payload[0..<5] + bytes("\r\n")
            body += bytes(String(payload.count - 5, radix: 16) + "\r\n") + payload[5...] + bytes("\r\n0\r\n\r\n")
            let put = try s.request("PUT", "chunked", headers: [("Transfer-Encoding", "chunked")], body: body)
            #expect(put.status == 200)
            #expect(try s.request("GET", "chunked").body == payload)
        }
    }

    @Test func putWithoutLengthIsMissingContentLength() throws {
        try TestServer.with { s in
            var r = SignableRequest(method: "PUT", bucket: TestKeys.bucket, key: "nolength",
                                    headers: [("Host", "127.0.0.1:\(s.port)")])
            SignatureV1.sign(&r, credentials: TestKeys.credentials, now: Int64(Date().timeIntervalSince1970))
            let answer = try HTTPTestClient(port: s.port).send(method: "PUT", target: "/testbucket/nolength",
                                                               headers: r.headers, frameBody: false)
            #expect(answer.status == 411 && answer.xmlText("Code") == "MissingContentLength")
        }
    }
}

@Suite("oss-local S3 aws-chunked bodies")
struct ServerAWSChunkedTests {
    @Test func framingIsStrippedBeforeStorage() throws {
        try TestServer.with(TestServer.configuration(anonymous: true)) { s in
            let payload = bytes("hello aws-chunked world")
            var body = bytes("a;chunk-signature=00\r\n") + payload[0..<10] + bytes("\r\n")
            body += bytes("d;chunk-signature=11\r\n") + payload[10...] + bytes("\r\n")
            body += bytes("0;chunk-signature=22\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n")
            let put = try s.request("PUT", "chunked-s3", headers: [
                ("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"), ("Content-Encoding", "aws-chunked"),
                ("x-amz-decoded-content-length", String(payload.count)),
            ], body: body, signing: .none)
            #expect(put.status == 200)
            #expect(put.header("x-oss-hash-crc64ecma") == String(CRC64.checksum(payload)))
            #expect(try s.request("GET", "chunked-s3", signing: .none).body == payload)
            let broken = try s.request("PUT", "broken", headers: [("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")],
                                       body: bytes("zz\r\nabc"), signing: .none)
            #expect(broken.status == 400)
            #expect(try s.request("HEAD", "broken", signing: .none).status == 404)
        }
    }

    @Test func decoderHandlesSplitsAnywhere() throws {
        let framed = bytes("3;s=1\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        for split in 1..<framed.count {
            var decoder = AWSChunkedDecoder()
            var out: [UInt8] = []
            for part in [Array(framed[..<split]), Array(framed[split...])] {
                for b in try decoder.decode(ByteBuffer(bytes: part)) { out += Array(b.readableBytesView) }
            }
            #expect(out == bytes("abcde"), "split at \(split)")
        }
    }
}
