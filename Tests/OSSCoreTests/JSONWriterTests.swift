#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import OSSCore

/// JSONWriter's output must be what JSONDecoder reads back, for any string a key or a value may hold.
@Suite struct JSONWriterTests {
    private struct Sample: Codable, Equatable {
        var text: String
        var big: UInt64
        var negative: Int
        var flag: Bool
        var list: [UInt64]
        var nested: [String: String]
    }

    @Test func escapesWhatJSONRequiresAndNothingElse() {
        var w = JSONWriter()
        w.beginObject()
        w.string("a\"b", "q\"b\\s\n\r\t\u{01}\u{1F} é日本😀/")
        w.endObject()
        #expect(String(decoding: w.bytes, as: UTF8.self)
            == #"{"a\"b":"q\"b\\s\n\r\t\u0001\u001f é日本😀/"}"#)
    }

    @Test func membersAndElementsAreSeparatedByCommas() {
        var w = JSONWriter()
        w.beginObject()
        w.number("n", UInt64.max)
        w.number("i", -42)
        w.bool("t", true)
        w.beginArray("list")
        for n: UInt64 in [0, 1, 2] { w.number(nil, n) }
        w.endArray()
        w.beginArray("empty")
        w.endArray()
        w.beginObject("o")
        w.endObject()
        w.bool("f", false)
        w.endObject()
        #expect(String(decoding: w.bytes, as: UTF8.self)
            == #"{"n":18446744073709551615,"i":-42,"t":true,"list":[0,1,2],"empty":[],"o":{},"f":false}"#)
    }

    @Test func JSONDecoderReadsBackEveryCharacterClass() throws {
        // Every control character, both escapes, ASCII, two-, three- and four-byte UTF-8.
        let odd = String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self) + "\"\\/ ~é€😀"
        let sample = Sample(text: odd, big: UInt64.max, negative: Int.min, flag: true, list: [UInt64.max, 0],
                            nested: [odd: odd, "": "", "k": "v"])
        var w = JSONWriter()
        w.beginObject()
        w.string("text", sample.text)
        w.number("big", sample.big)
        w.number("negative", sample.negative)
        w.bool("flag", sample.flag)
        w.beginArray("list")
        for n in sample.list { w.number(nil, n) }
        w.endArray()
        w.beginObject("nested")
        for (k, v) in sample.nested { w.string(k, v) }
        w.endObject()
        w.endObject()
        #expect(try JSONDecoder().decode(Sample.self, from: Data(w.bytes)) == sample)
    }
}
