/// An object key as OSS compares it: by its UTF-8 bytes. (Swift's String equality and ordering follow Unicode
/// canonical equivalence, which would merge "é" with "e\u{301}" and sort differently from OSS.)
struct StorageKey: Hashable, Comparable, Sendable {
    let bytes: [UInt8]
    init(_ key: String) { bytes = Array(key.utf8) }
    init(bytes: [UInt8]) { self.bytes = bytes }
    var string: String { String(decoding: bytes, as: UTF8.self) }
    static func < (a: StorageKey, b: StorageKey) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
}

/// The keys of a bucket in byte order. Insert and remove are O(n) moves of references, which stays fast for the
/// object counts a local test server holds; lookups are binary searches.
struct SortedKeys {
    private(set) var keys: [StorageKey] = []

    /// The first index whose key is >= `bytes`.
    func lowerBound(_ bytes: [UInt8]) -> Int {
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keys[mid].bytes.lexicographicallyPrecedes(bytes) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The first index whose key is > `bytes`.
    func upperBound(_ bytes: [UInt8]) -> Int {
        let i = lowerBound(bytes)
        return i < keys.count && keys[i].bytes == bytes ? i + 1 : i
    }

    mutating func insert(_ key: StorageKey) {
        let i = lowerBound(key.bytes)
        if i < keys.count && keys[i] == key { return }
        keys.insert(key, at: i)
    }

    mutating func remove(_ key: StorageKey) {
        let i = lowerBound(key.bytes)
        if i < keys.count && keys[i] == key { keys.remove(at: i) }
    }

    /// Bulk load (startup): sorts once.
    mutating func replaceAll(_ all: [StorageKey]) { keys = all.sorted() }
}
