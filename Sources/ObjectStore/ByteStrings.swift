#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Object keys and file names are byte strings. Swift's `String` compares and hashes by Unicode canonical
/// equivalence and counts grapheme clusters, so by its rules "é" written precomposed (NFC, as Linux tools
/// write it) and decomposed (NFD, as macOS does) are one name, and a segment that starts with a combining
/// mark merges with the "/" before it into one Character. Keys, paths and names are compared, hashed, cut
/// and measured here by their UTF-8 bytes instead, as OSS and the kernel do.
extension String {
    /// Whether both hold the same UTF-8 bytes.
    public func bytesEqual(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        if let equal = a.withContiguousStorageIfAvailable({ x in
            b.withContiguousStorageIfAvailable { y in x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
        }), let equal { return equal }
        return a.elementsEqual(b)
    }

    /// Feeds the UTF-8 bytes to `hasher` (and the length, so that pieces hashed one after another cannot
    /// run into each other).
    public func hashBytes(into hasher: inout Hasher) {
        hasher.combine(utf8.count)
        if utf8.withContiguousStorageIfAvailable({ hasher.combine(bytes: UnsafeRawBufferPointer($0)) }) == nil {
            for byte in utf8 { hasher.combine(byte) }
        }
    }

    /// Whether the UTF-8 bytes start with those of `prefix`.
    public func hasBytePrefix(_ prefix: String) -> Bool {
        let a = utf8, p = prefix.utf8
        guard a.count >= p.count else { return false }
        return a.prefix(p.count).elementsEqual(p)
    }

    /// Whether the UTF-8 bytes end with those of `suffix`.
    public func hasByteSuffix(_ suffix: String) -> Bool {
        let a = utf8, s = suffix.utf8
        guard a.count >= s.count else { return false }
        return a.suffix(s.count).elementsEqual(s)
    }

    /// The string without its first `first` and last `last` UTF-8 bytes. Callers cut where a prefix or suffix
    /// they matched ends, which is always between two scalars.
    public func droppingBytes(first: Int, last: Int = 0) -> String {
        let bytes = utf8
        guard first + last < bytes.count else { return "" }
        let lo = bytes.index(bytes.startIndex, offsetBy: first)
        let hi = bytes.index(bytes.endIndex, offsetBy: -last)
        return String(Substring(bytes[lo..<hi]))
    }

    /// The part before the last "/", nil when there is none.
    public var beforeLastSlash: String? {
        let bytes = utf8
        return bytes.lastIndex(of: UInt8(ascii: "/")).map { String(Substring(bytes[..<$0])) }
    }

    /// The part after the last "/", all of it when there is none.
    public var afterLastSlash: String {
        let bytes = utf8
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return self }
        return String(Substring(bytes[bytes.index(after: slash)...]))
    }
}

/// A String that is equal to another, and hashes, by its UTF-8 bytes: for sets and dictionaries of names and
/// keys (see `bytesEqual`).
public struct ExactString: Hashable, Sendable {
    public let string: String
    public init(_ string: String) { self.string = string }
    public static func == (a: ExactString, b: ExactString) -> Bool { a.string.bytesEqual(b.string) }
    public func hash(into hasher: inout Hasher) { string.hashBytes(into: &hasher) }
}
