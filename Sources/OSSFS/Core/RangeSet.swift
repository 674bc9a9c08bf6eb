/// A set of byte offsets as sorted, disjoint, non-adjacent half-open ranges: which bytes of a staging file
/// hold the file's current contents.
struct ByteRangeSet: Sendable, Hashable {
    private(set) var ranges: [Range<UInt64>] = []

    init() {}
    init(_ r: Range<UInt64>) { insert(r) }

    mutating func insert(_ r: Range<UInt64>) {
        guard !r.isEmpty else { return }
        var lower = r.lowerBound
        var upper = r.upperBound
        var out: [Range<UInt64>] = []
        out.reserveCapacity(ranges.count + 1)
        var placed = false
        for x in ranges {
            if x.upperBound < lower {
                out.append(x)
            } else if x.lowerBound > upper {
                if !placed { out.append(lower..<upper); placed = true }
                out.append(x)
            } else {
                lower = min(lower, x.lowerBound)
                upper = max(upper, x.upperBound)
            }
        }
        if !placed { out.append(lower..<upper) }
        ranges = out
    }

    /// Drops everything at or above `end` (truncate).
    mutating func clip(to end: UInt64) {
        ranges = ranges.compactMap { r in
            if r.lowerBound >= end { return nil }
            return r.lowerBound..<min(r.upperBound, end)
        }
    }

    /// The parts of `r` not in the set, ascending.
    func gaps(in r: Range<UInt64>) -> [Range<UInt64>] {
        var out: [Range<UInt64>] = []
        var cursor = r.lowerBound
        for x in ranges where x.upperBound > cursor {
            if x.lowerBound >= r.upperBound { break }
            if x.lowerBound > cursor { out.append(cursor..<x.lowerBound) }
            cursor = max(cursor, x.upperBound)
            if cursor >= r.upperBound { break }
        }
        if cursor < r.upperBound { out.append(cursor..<r.upperBound) }
        return out
    }

    func contains(_ r: Range<UInt64>) -> Bool { r.isEmpty || gaps(in: r).isEmpty }
}
