import Testing
@testable import OSSCore

@Suite struct HTTPDateTests {
    @Test func rfc1123() {
        #expect(HTTPDate.rfc1123(1_704_164_645) == "Tue, 02 Jan 2024 03:04:05 GMT")
        #expect(HTTPDate.rfc1123(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.rfc1123(1_672_223_261) == "Wed, 28 Dec 2022 10:27:41 GMT")
        #expect(HTTPDate.rfc1123(951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
        // The last second the fixed-width writer handles, and the first one past it (interpolated as before).
        #expect(HTTPDate.rfc1123(253_402_300_799) == "Fri, 31 Dec 9999 23:59:59 GMT")
        #expect(HTTPDate.rfc1123(253_402_300_800) == "Sat, 01 Jan 10000 00:00:00 GMT")
        #expect(HTTPDate.parseRFC1123("Tue, 02 Jan 2024 03:04:05 GMT") == 1_704_164_645)
    }

    @Test func rfc1123Rejects() {
        #expect(HTTPDate.parseRFC1123("Tue, 02 Jan 2024 03:04:05 PST") == nil)
        #expect(HTTPDate.parseRFC1123("Tue, 31 Apr 2024 03:04:05 GMT") == nil)
        #expect(HTTPDate.parseRFC1123("Tue, 02 Foo 2024 03:04:05 GMT") == nil)
        #expect(HTTPDate.parseRFC1123("Tue, 2 Jan 2024 03:04:05 GMT") == nil)
        #expect(HTTPDate.parseRFC1123("") == nil)
    }

    @Test func iso8601Basic() {
        #expect(HTTPDate.iso8601Basic(1_704_164_645) == "20240102T030405Z")
        #expect(HTTPDate.iso8601Basic(1_702_743_657) == "20231216T162057Z")
        #expect(HTTPDate.parseISO8601Basic("20240102T030405Z") == 1_704_164_645)
        #expect(HTTPDate.parseISO8601Basic("20240102T030405") == nil)
        #expect(HTTPDate.parseISO8601Basic("20241302T030405Z") == nil)
    }

    @Test func iso8601Extended() {
        #expect(HTTPDate.iso8601(1_329_980_494) == "2012-02-23T07:01:34.000Z")
        #expect(HTTPDate.iso8601(1_329_980_494, milliseconds: 7) == "2012-02-23T07:01:34.007Z")
        #expect(HTTPDate.parseISO8601("2012-02-23T07:01:34.000Z")! == (1_329_980_494, 0))
        #expect(HTTPDate.parseISO8601("2012-02-23T07:01:34Z")! == (1_329_980_494, 0))
        #expect(HTTPDate.parseISO8601("2012-02-23T07:01:34.5Z")! == (1_329_980_494, 500_000_000))
        #expect(HTTPDate.parseISO8601("2012-02-23T15:01:34+08:00")! == (1_329_980_494, 0))
        #expect(HTTPDate.parseISO8601("2012-02-23T07:01:34") == nil)
        #expect(HTTPDate.parseISO8601("2012-02-23T07:01:34.Z") == nil)
        #expect(HTTPDate.parseISO8601("2012-02-30T07:01:34Z") == nil)
    }

    /// Every format round-trips across leap years, century rules and pre-epoch times.
    @Test func roundTrips() {
        var rng = SplitMix64(state: 1)
        var samples: [Int64] = [0, -1, 86399, 86400, 951_782_400, 4_107_542_399, -2_208_988_800]
        for _ in 0..<500 { samples.append(Int64.random(in: -2_000_000_000...8_000_000_000, using: &rng)) }
        for t in samples {
            #expect(HTTPDate.parseRFC1123(HTTPDate.rfc1123(t)) == t, "t=\(t)")
            #expect(HTTPDate.parseISO8601Basic(HTTPDate.iso8601Basic(t)) == t, "t=\(t)")
            #expect(HTTPDate.parseISO8601(HTTPDate.iso8601(t, milliseconds: 123))! == (t, 123_000_000), "t=\(t)")
        }
    }
}
