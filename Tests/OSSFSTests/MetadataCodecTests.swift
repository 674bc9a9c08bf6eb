import ObjectStore
@testable import OSSFS
import Testing

@Suite struct MetadataCodecTests {
    @Test func integersParseLikeStrtolBase0() {
        #expect(OSSFS1Metadata.parseInteger("33188") == 33188)
        #expect(OSSFS1Metadata.parseInteger("0100644") == 0o100644)
        #expect(OSSFS1Metadata.parseInteger("0x81a4") == 0x81A4)
        #expect(OSSFS1Metadata.parseInteger(" 16877 ") == 16877)
        #expect(OSSFS1Metadata.parseInteger("0") == 0)
        #expect(OSSFS1Metadata.parseInteger("abc") == nil)
        #expect(OSSFS1Metadata.parseInteger("") == nil)
        #expect(OSSFS1Metadata.parseInteger("+420") == 420)
        #expect(OSSFS1Metadata.parseInteger("\t0755") == 0o755)
        #expect(OSSFS1Metadata.parseInteger("09") == nil, "not an octal number")
        #expect(OSSFS1Metadata.parseInteger("0x") == nil)
        #expect(OSSFS1Metadata.parseInteger("12 34") == nil)
        #expect(OSSFS1Metadata.parseInteger("18446744073709551615") == UInt64.max)
        #expect(OSSFS1Metadata.parseInteger("18446744073709551616") == nil, "overflow")
    }

    @Test func directoryContentTypesWithParametersAndBlanks() {
        #expect(OSSFS1Metadata.isDirectoryContentType("application/x-directory"))
        #expect(OSSFS1Metadata.isDirectoryContentType(" application/x-directory ; charset=utf-8"))
        #expect(OSSFS1Metadata.isDirectoryContentType("httpd/unix-directory"))
        #expect(!OSSFS1Metadata.isDirectoryContentType("application/x-directory-not"))
        #expect(!OSSFS1Metadata.isDirectoryContentType("text/plain"))
        #expect(!OSSFS1Metadata.isDirectoryContentType(""))
        #expect(!OSSFS1Metadata.isDirectoryContentType(nil))
    }

    @Test func timesRoundTripWithNanoseconds() {
        #expect(OSSFS1Metadata.formatTime(Timestamp(seconds: 1_700_000_000)) == "1700000000")
        #expect(OSSFS1Metadata.formatTime(Timestamp(seconds: 1_700_000_000, nanoseconds: 5)) == "1700000000.000000005")
        #expect(OSSFS1Metadata.formatTime(Timestamp(seconds: 1_700_000_000, nanoseconds: 500_000_000)) == "1700000000.500000000")
        #expect(OSSFS1Metadata.formatTime(Timestamp(seconds: 0, nanoseconds: 999_999_999)) == "0.999999999")
        #expect(OSSFS1Metadata.formatTime(Timestamp(seconds: -5, nanoseconds: 123_000)) == "-5.000123000")
        #expect(OSSFS1Metadata.parseTime("1700000000.5") == Timestamp(seconds: 1_700_000_000, nanoseconds: 500_000_000))
        #expect(OSSFS1Metadata.parseTime("1700000000.123456789") == Timestamp(seconds: 1_700_000_000, nanoseconds: 123_456_789))
        #expect(OSSFS1Metadata.parseTime("1700000000") == Timestamp(seconds: 1_700_000_000))
        #expect(OSSFS1Metadata.parseTime("x") == nil)
        #expect(OSSFS1Metadata.parseTime(" 1700000000.25\t") == Timestamp(seconds: 1_700_000_000, nanoseconds: 250_000_000))
        #expect(OSSFS1Metadata.parseTime("-5") == Timestamp(seconds: -5))
        #expect(OSSFS1Metadata.parseTime("1700000000.") == nil)
        #expect(OSSFS1Metadata.parseTime(".5") == nil)
        #expect(OSSFS1Metadata.parseTime("1700000000.1234567890") == nil, "finer than nanoseconds")
        #expect(OSSFS1Metadata.parseTime("1700000000.12a") == nil)
        #expect(OSSFS1Metadata.parseTime("9223372036854775808") == nil, "overflow")
        #expect(OSSFS1Metadata.parseTime("-9223372036854775808") == Timestamp(seconds: Int64.min))
        for t in [Timestamp(seconds: 1, nanoseconds: 999_999_999), Timestamp(seconds: 1_800_000_000, nanoseconds: 10)] {
            #expect(OSSFS1Metadata.parseTime(OSSFS1Metadata.formatTime(t)) == t)
        }
    }

    @Test func xattrJSONRoundTripsAndReadsOSSFS1Form() {
        let attrs: [String: [UInt8]] = ["user.a": [1, 2, 3], "user.quote\"d": Array("v".utf8), "user.empty": []]
        let header = XattrCodec.encode(attrs)!
        #expect(!header.contains("{"))          // URL-encoded as a whole
        #expect(XattrCodec.decode(header) == attrs)
        // What ossfs 1.x writes for user.k=hello: {"user.k":"aGVsbG8="} URL-encoded.
        #expect(XattrCodec.decode("%7B%22user.k%22%3A%22aGVsbG8%3D%22%7D") == ["user.k": Array("hello".utf8)])
        #expect(XattrCodec.decode("not json") == [:])
        #expect(XattrCodec.encode([:]) == nil)
    }

    @Test func symlinkHeaderForms() {
        let (h, body) = OSSFS1Metadata.encodeSymlinkHeader("../a b/c")
        #expect(h == "header:8:..%2Fa%20b%2Fc")
        #expect(body.isEmpty)
        #expect(OSSFS1Metadata.decodeSymlinkHeader(h) == "../a b/c")
        let long = String(repeating: "x", count: 3000)
        let (h2, body2) = OSSFS1Metadata.encodeSymlinkHeader(long)
        #expect(h2 == "body:3000:")
        #expect(body2.count == 3000)
        #expect(OSSFS1Metadata.decodeSymlinkHeader(h2) == nil)
    }

    @Test func rangeSetGapsAndClip() {
        var r = ByteRangeSet()
        r.insert(10..<20)
        r.insert(30..<40)
        r.insert(20..<25)
        #expect(r.ranges == [10..<25, 30..<40])
        #expect(r.gaps(in: 0..<50) == [0..<10, 25..<30, 40..<50])
        #expect(r.gaps(in: 12..<24).isEmpty)
        r.insert(0..<100)
        #expect(r.ranges == [0..<100])
        r.clip(to: 33)
        #expect(r.ranges == [0..<33])
        #expect(r.contains(5..<33))
        #expect(!r.contains(5..<34))
    }

    @Test func pathsRebaseAndNest() {
        let p = FSPath("a/b/c")
        #expect(p.parent == FSPath("a/b"))
        #expect(p.name == "c")
        #expect(p.isWithin(FSPath("a")))
        #expect(!FSPath("ab").isWithin(FSPath("a")))
        #expect(p.rebased(from: FSPath("a/b"), to: FSPath("x")) == FSPath("x/c"))
        #expect(Namespace(prefix: "/pre").listPrefix(.root) == "pre/")
        #expect(Namespace(prefix: "pre/").fileKey(FSPath("f")) == "pre/f")
        #expect(Namespace(prefix: "").markerKey(FSPath("d")) == "d/")
    }
}
