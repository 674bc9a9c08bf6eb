/// ossfs 1.x's expiry syntax for `--incomplete-mpu-abort=`: `all` (any age), or a sum of
/// <number><unit> with units Y or y (365 days), M (30 days), D, h, m, s, e.g. `1Y6M10D12h30m30s`; `H` is
/// accepted for hours (its documented default reads `24H`). Units are case-sensitive except H/h, as in
/// ossfs 1.x (M months, m minutes).
public enum UploadAge {
    public static let defaultAge: Int64 = 24 * 3600

    /// Seconds, or nil when `text` is not in the syntax.
    public static func parse(_ text: String) -> Int64? {
        if text == "all" { return 0 }
        guard !text.isEmpty else { return nil }
        var total: Int64 = 0
        var number: Int64?
        for c in text {
            if let d = c.wholeNumberValue, c.isASCII {
                let (m, o1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (v, o2) = m.addingReportingOverflow(Int64(d))
                guard !o1, !o2 else { return nil }
                number = v
                continue
            }
            let unit: Int64
            switch c {
            case "Y", "y": unit = 365 * 86400
            case "M": unit = 30 * 86400
            case "D", "d": unit = 86400
            case "h", "H": unit = 3600
            case "m": unit = 60
            case "s", "S": unit = 1
            default: return nil
            }
            guard let n = number else { return nil }
            let (p, o1) = n.multipliedReportingOverflow(by: unit)
            let (t, o2) = total.addingReportingOverflow(p)
            guard !o1, !o2 else { return nil }
            total = t
            number = nil
        }
        return number == nil ? total : nil   // a trailing number without unit is malformed
    }
}
