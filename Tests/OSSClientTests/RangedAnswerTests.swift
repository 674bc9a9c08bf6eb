import ObjectStore
@testable import OSSClient
import OSSCore
import Testing

/// A ranged GET answer must hold exactly the bytes its Content-Range names; one covering the whole object
/// is checked against the object's CRC64 (found by the reliability suite's lying proxy).
@Suite struct RangedAnswerTests {
    let body = Array("0123456789".utf8)

    @Test func bodyShorterThanItsContentRangeIsAnError() async throws {
        let t = ScriptedTransport([
            .respond(status: 206, headers: [("Content-Range", "bytes 0-9/10")], body: Array(body.prefix(5))),
        ])
        await #expect(throws: ObjectStoreError.self) {
            try await makeClient(t).get("k", range: 0..<10, conditions: GetConditions())
        }
    }

    @Test func answerStartingElsewhereIsAnError() async throws {
        let t = ScriptedTransport([
            .respond(status: 206, headers: [("Content-Range", "bytes 0-4/10")], body: Array(body.prefix(5))),
        ])
        await #expect(throws: ObjectStoreError.self) {
            try await makeClient(t).get("k", range: 5..<10, conditions: GetConditions())
        }
    }

    @Test func wholeObjectRangeIsCRCChecked() async throws {
        let crc = String(CRC64.checksum(body))
        let t = ScriptedTransport([
            .respond(status: 206, headers: [("Content-Range", "bytes 0-9/10"), ("x-oss-hash-crc64ecma", "1")], body: body),
            .respond(status: 206, headers: [("Content-Range", "bytes 0-9/10"), ("x-oss-hash-crc64ecma", crc)], body: body),
        ])
        let client = try makeClient(t)
        await #expect(throws: ObjectStoreError.integrity(key: "k", expected: 1, actual: CRC64.checksum(body))) {
            try await client.get("k", range: 0..<4096, conditions: GetConditions())
        }
        let ok = try await client.get("k", range: 0..<4096, conditions: GetConditions())
        #expect(ok.body == body)
    }

    @Test func contentRangeParsing() {
        #expect(OSSClient.parseContentRange("bytes 0-9/10")! == (0, 9, 10))
        #expect(OSSClient.parseContentRange(" bytes 5-5/6 ")! == (5, 5, 6))
        #expect(OSSClient.parseContentRange("bytes 4096-8191/268435456")! == (4096, 8191, 268_435_456))
        #expect(OSSClient.parseContentRange("\tbytes 0-0/18446744073709551615")! == (0, 0, UInt64.max))
        for bad in ["bytes 9-0/10", "bytes 0-9/*", "bytes=0-9/10", "bytes -9/10", "0-9/10", "bytes 0-9", "bytes ",
                    "bytes 0-/10", "bytes 0-9/", "bytes 0/9-10", "bytes 0-9/10/11", "bytes +0-9/10", "Bytes 0-9/10",
                    "bytes 0-9/18446744073709551616"] {
            #expect(OSSClient.parseContentRange(bad) == nil, "\(bad)")
        }
    }
}
