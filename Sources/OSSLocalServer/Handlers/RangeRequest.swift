/// OSS's Range rules (oss-protocol.md §3, GetObject): one range of `bytes=a-b`, `a-` or `-n`. By default an
/// invalid or unsatisfiable range is ignored (whole object, 200). With `x-oss-range-behavior: standard` the
/// end clamps to the last byte and a start at or past the end is 416 InvalidRange.
enum RangeRequest {
    enum Spec: Equatable { case closed(UInt64, UInt64), from(UInt64), suffix(UInt64) }

    /// nil = send the whole object with 200.
    static func resolve(header: String?, size: UInt64, standard: Bool) throws -> Range<UInt64>? {
        guard let header, let spec = parse(header) else { return nil }
        switch spec {
        case .closed(let a, let b):
            if a >= size {
                if standard { throw OSSError.invalidRange(size: size) }
                return nil
            }
            if b >= size {
                return standard ? a..<size : nil
            }
            return a..<(b + 1)
        case .from(let a):
            if a >= size {
                if standard { throw OSSError.invalidRange(size: size) }
                return nil
            }
            return a..<size
        case .suffix(let n):
            if n == 0 {
                if standard { throw OSSError.invalidRange(size: size) }
                return nil
            }
            if size == 0 {
                if standard { throw OSSError.invalidRange(size: size) }
                return nil
            }
            if n > size { return standard ? 0..<size : nil }
            return (size - n)..<size
        }
    }

    /// nil when the header is not a single well-formed byte range.
    static func parse(_ header: String) -> Spec? {
        let value = header.trimmingSpaces
        guard value.lowercased().hasPrefix("bytes=") else { return nil }
        let ranges = value.dropFirst("bytes=".count)
        guard !ranges.contains(","), let dash = ranges.firstIndex(of: "-") else { return nil }
        let first = ranges[..<dash].trimmingSpaces, last = ranges[ranges.index(after: dash)...].trimmingSpaces
        let digits: (String) -> Bool = { !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }
        if first.isEmpty {
            guard digits(last), let n = UInt64(last) else { return nil }
            return .suffix(n)
        }
        guard digits(first), let a = UInt64(first) else { return nil }
        if last.isEmpty { return .from(a) }
        guard digits(last), let b = UInt64(last), b >= a else { return nil }
        return .closed(a, b)
    }
}
