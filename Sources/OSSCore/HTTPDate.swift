/// The three date formats OSS speaks, all UTC, as seconds since the Unix epoch. Pure arithmetic (no
/// Foundation formatters, no locale, no time zone database), so it is thread-safe and identical everywhere.
public enum HTTPDate {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static let weekdayBytes: [UInt8] = Array("SunMonTueWedThuFriSat".utf8)
    private static let monthBytes: [UInt8] = Array("JanFebMarAprMayJunJulAugSepOctNovDec".utf8)

    /// "Tue, 02 Jan 2024 03:04:05 GMT": the Date header and the V1 StringToSign.
    public static func rfc1123(_ seconds: Int64) -> String {
        let t = CivilTime(seconds)
        let weekday = Int(((t.days % 7) + 11) % 7)   // 1970-01-01 was a Thursday
        guard (0...9999).contains(t.year) else {
            return "\(weekdays[weekday]), \(pad(t.day, 2)) \(months[t.month - 1]) \(pad(t.year, 4)) "
                + "\(pad(t.hour, 2)):\(pad(t.minute, 2)):\(pad(t.second, 2)) GMT"
        }
        // Every signed request formats one: write the 29 fixed-width bytes at once rather than interpolate.
        return String(unsafeUninitializedCapacity: 29) { out in
            var i = 0
            func put(_ byte: UInt8) { out[i] = byte; i += 1 }
            func name(_ table: [UInt8], _ index: Int) { for k in 0..<3 { put(table[index * 3 + k]) } }
            func digits(_ value: Int, _ width: Int) {
                var divisor = 1
                for _ in 1..<width { divisor *= 10 }
                while divisor > 0 { put(0x30 + UInt8(value / divisor % 10)); divisor /= 10 }
            }
            name(weekdayBytes, weekday); put(0x2C); put(0x20)
            digits(t.day, 2); put(0x20); name(monthBytes, t.month - 1); put(0x20); digits(t.year, 4); put(0x20)
            digits(t.hour, 2); put(0x3A); digits(t.minute, 2); put(0x3A); digits(t.second, 2)
            for byte in " GMT".utf8 { put(byte) }
            return i
        }
    }

    /// Parses the RFC 1123 form ("GMT" or "UTC" zone). The weekday must be a valid name but is not
    /// cross-checked against the date, as HTTP servers commonly do.
    public static func parseRFC1123(_ s: String) -> Int64? {
        // Every HEAD and GET answer's Last-Modified comes here: read the bytes in place.
        s.utf8.withContiguousStorageIfAvailable(parseRFC1123) ?? Array(s.utf8).withUnsafeBufferPointer(parseRFC1123)
    }

    private static func parseRFC1123(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard b.count == 29, b[3] == 0x2C, b[4] == 0x20, b[7] == 0x20, b[11] == 0x20, b[16] == 0x20,
              b[19] == 0x3A, b[22] == 0x3A, b[25] == 0x20,
              nameIndex(weekdayBytes, b, at: 0) != nil, let monthIndex = nameIndex(monthBytes, b, at: 8),
              let day = digits(b, 5, 2), let year = digits(b, 12, 4),
              let hour = digits(b, 17, 2), let minute = digits(b, 20, 2), let second = digits(b, 23, 2)
        else { return nil }
        let zone = (b[26], b[27], b[28])
        guard zone == (0x47, 0x4D, 0x54) || zone == (0x55, 0x54, 0x43) else { return nil }   // GMT, UTC
        return CivilTime.seconds(year: year, month: monthIndex + 1, day: day, hour: hour, minute: minute, second: second)
    }

    /// Which three-letter name of `table` (names back to back) the bytes at `at` spell, exactly.
    private static func nameIndex(_ table: [UInt8], _ b: UnsafeBufferPointer<UInt8>, at: Int) -> Int? {
        for i in 0..<(table.count / 3)
            where table[i * 3] == b[at] && table[i * 3 + 1] == b[at + 1] && table[i * 3 + 2] == b[at + 2] {
            return i
        }
        return nil
    }

    /// "20240102T030405Z": V4's x-oss-date.
    public static func iso8601Basic(_ seconds: Int64) -> String {
        let t = CivilTime(seconds)
        return "\(pad(t.year, 4))\(pad(t.month, 2))\(pad(t.day, 2))T\(pad(t.hour, 2))\(pad(t.minute, 2))\(pad(t.second, 2))Z"
    }

    public static func parseISO8601Basic(_ s: String) -> Int64? {
        let b = Array(s.utf8)
        guard b.count == 16, b[8] == 0x54, b[15] == 0x5A,
              let year = digits(b, 0, 4), let month = digits(b, 4, 2), let day = digits(b, 6, 2),
              let hour = digits(b, 9, 2), let minute = digits(b, 11, 2), let second = digits(b, 13, 2)
        else { return nil }
        return CivilTime.seconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// "2012-02-23T07:01:34.000Z": XML LastModified and friends.
    public static func iso8601(_ seconds: Int64, milliseconds: Int = 0) -> String {
        let t = CivilTime(seconds)
        return "\(pad(t.year, 4))-\(pad(t.month, 2))-\(pad(t.day, 2))T\(pad(t.hour, 2)):\(pad(t.minute, 2)):\(pad(t.second, 2))"
            + ".\(pad(min(max(milliseconds, 0), 999), 3))Z"
    }

    /// Accepts "2012-02-23T07:01:34Z", any number of fraction digits, and a "Z" or "±hh:mm" zone
    /// (STS Expiration has no fraction; XML listings have milliseconds).
    public static func parseISO8601(_ s: String) -> (seconds: Int64, nanoseconds: Int32)? {
        let b = Array(s.utf8)
        guard b.count >= 20, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54 || b[10] == 0x74, b[13] == 0x3A, b[16] == 0x3A,
              let year = digits(b, 0, 4), let month = digits(b, 5, 2), let day = digits(b, 8, 2),
              let hour = digits(b, 11, 2), let minute = digits(b, 14, 2), let second = digits(b, 17, 2),
              var seconds = CivilTime.seconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        var i = 19
        var nanoseconds: Int32 = 0
        if b[i] == 0x2E {
            i += 1
            var scale: Int32 = 100_000_000
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                nanoseconds += Int32(b[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        guard i < b.count else { return nil }
        if b[i] == 0x5A || b[i] == 0x7A {
            guard i + 1 == b.count else { return nil }
        } else if b[i] == 0x2B || b[i] == 0x2D {
            guard i + 6 == b.count, b[i + 3] == 0x3A, let oh = digits(b, i + 1, 2), let om = digits(b, i + 4, 2),
                  oh < 24, om < 60 else { return nil }
            let offset = Int64(oh * 3600 + om * 60)
            seconds += b[i] == 0x2B ? -offset : offset
        } else {
            return nil
        }
        return (seconds, nanoseconds)
    }

    private static func digits<Bytes: RandomAccessCollection<UInt8>>(_ b: Bytes, _ at: Int, _ count: Int) -> Int?
        where Bytes.Index == Int
    {
        guard at + count <= b.count else { return nil }
        var v = 0
        for c in b[at..<(at + count)] {
            guard c >= 0x30, c <= 0x39 else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

/// UTC calendar fields of a Unix time, via Howard Hinnant's days-from-civil algorithms (proleptic Gregorian).
struct CivilTime {
    var days: Int64        // days since 1970-01-01
    var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

    init(_ seconds: Int64) {
        days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secs = Int(seconds - days * 86400)
        hour = secs / 3600
        minute = secs / 60 % 60
        second = secs % 60
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = Int(doy - (153 * mp + 2) / 5 + 1)
        month = Int(mp < 10 ? mp + 3 : mp - 9)
        year = Int(yoe + era * 400) + (month <= 2 ? 1 : 0)
    }

    /// nil when a field is out of range (month 13, 31 April, 25 o'clock). Second 60 is refused too.
    static func seconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int64? {
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second) else { return nil }
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return days * 86400 + Int64(hour * 3600 + minute * 60 + second)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
