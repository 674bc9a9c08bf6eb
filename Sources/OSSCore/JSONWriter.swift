/// Writes one JSON object as UTF-8 bytes, member by member, for small records written often (a staging
/// record per created file): JSONEncoder builds a tree of boxed values and sorts keys for every record, which
/// cost more than the file's own bytes. Strings are escaped as RFC 8259 requires (quote, backslash and the
/// control characters); everything else passes through as UTF-8. JSONDecoder reads the result.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// Per open object or array: whether a member was written yet (a comma goes before the next one).
    private var hasMembers: [Bool] = []

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    // MARK: containers

    public mutating func beginObject(_ key: String? = nil) { open(key, UInt8(ascii: "{")) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray(_ key: String? = nil) { open(key, UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    private mutating func open(_ key: String?, _ bracket: UInt8) {
        startValue(key)
        bytes.append(bracket)
        hasMembers.append(false)
    }

    private mutating func close(_ bracket: UInt8) {
        precondition(!hasMembers.isEmpty, "JSONWriter: a close without an open object or array")
        hasMembers.removeLast()
        bytes.append(bracket)
    }

    // MARK: values (a key inside an object, none inside an array)

    public mutating func string(_ key: String?, _ value: String) {
        startValue(key)
        appendQuoted(value)
    }

    public mutating func number(_ key: String?, _ value: UInt64) {
        startValue(key)
        bytes.append(contentsOf: String(value).utf8)   // 15 digits or fewer stay in the String itself
    }

    public mutating func number(_ key: String?, _ value: Int) {
        startValue(key)
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func bool(_ key: String?, _ value: Bool) {
        startValue(key)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    // MARK: output pieces

    private mutating func startValue(_ key: String?) {
        if let last = hasMembers.indices.last {
            if hasMembers[last] { bytes.append(UInt8(ascii: ",")) }
            hasMembers[last] = true
        }
        if let key {
            appendQuoted(key)
            bytes.append(UInt8(ascii: ":"))
        }
    }

    private mutating func appendQuoted(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                bytes.append(contentsOf: "\\u00".utf8)
                bytes.append(contentsOf: [Self.hexDigit(byte >> 4), Self.hexDigit(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
