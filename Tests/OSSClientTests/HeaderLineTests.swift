import Testing
@testable import OSSClient

/// Status lines are parsed from bytes on the curl thread; anything malformed must read as 0, never a guess.
@Suite struct HeaderLineTests {
    private func status(_ line: String) -> Int {
        Array(line.utf8).withUnsafeBytes { CurlTransfer.statusCode($0) }
    }

    @Test func statusCodes() {
        #expect(status("HTTP/1.1 200 OK") == 200)
        #expect(status("HTTP/1.1 404 Not Found") == 404)
        #expect(status("HTTP/1.1 100 Continue") == 100)
        #expect(status("HTTP/2 503") == 503)
        #expect(status("HTTP/1.1 2000 Weird") == 0)
        #expect(status("HTTP/1.1 20") == 0)
        #expect(status("HTTP/1.1 2x0 OK") == 0)
        #expect(status("HTTP/1.1") == 0)
    }

    @Test func headerLookupIgnoresCaseAndKeepsTheFirstValue() {
        var headers = HTTPHeaders()
        headers.add("ETag", "\"a\"")
        headers.add("etag", "\"b\"")
        headers.add("x-oss-hash-crc64ecma", "123")
        #expect(headers["etag"] == "\"a\"")
        #expect(headers["X-OSS-Hash-CRC64ECMA"] == "123")
        #expect(headers["Content-Length"] == nil)
    }
}
