import ObjectStore

/// Parsers for option values; each failure names the option, the value and what was expected.
enum OptionValues {
    static func fail(_ name: String, _ value: String, _ expected: String) -> CommandLineError {
        CommandLineError("invalid value for option '\(name)': \"\(value)\" (expected \(expected))")
    }

    static func integer(_ name: String, _ value: String, min: Int = 0, max: Int = Int.max) throws -> Int {
        guard let n = Int(value), n >= min, n <= max else {
            let range = max == Int.max ? "a whole number ≥ \(min)" : "a whole number from \(min) to \(max)"
            throw fail(name, value, range)
        }
        return n
    }

    static func seconds(_ name: String, _ value: String) throws -> Double {
        guard let s = Double(value), s >= 0, s.isFinite else { throw fail(name, value, "seconds ≥ 0") }
        return s
    }

    static func octal(_ name: String, _ value: String) throws -> UInt32 {
        guard let n = UInt32(value, radix: 8), n <= 0o7777 else { throw fail(name, value, "an octal mode such as 022") }
        return n
    }

    static func id(_ name: String, _ value: String) throws -> UInt32 {
        guard let n = UInt32(value) else { throw fail(name, value, "a numeric id") }
        return n
    }

    /// Sizes given in MB, as ossfs 1.x takes them; returned in bytes.
    static func megabytes(_ name: String, _ value: String, min: Int = 0) throws -> UInt64 {
        UInt64(try integer(name, value, min: min, max: 1 << 40)) << 20
    }

    static func bool(_ name: String, _ value: String?) throws -> Bool {
        switch value?.lowercased() {
        case nil, "1", "true", "yes", "on": true
        case "0", "false", "no", "off": false
        default: throw fail(name, value!, "0 or 1")
        }
    }

    static func storageClass(_ name: String, _ value: String) throws -> StorageClass {
        guard let c = StorageClass.allCases.first(where: { $0.rawValue.lowercased() == value.lowercased() }) else {
            throw fail(name, value, StorageClass.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return c
    }

    static func acl(_ name: String, _ value: String) throws -> ObjectACL {
        guard let acl = ObjectACL(rawValue: value.lowercased()) else {
            throw fail(name, value, "default, private, public-read or public-read-write")
        }
        return acl
    }

    /// `BUCKET` or `BUCKET:/PREFIX` (also `BUCKET:PREFIX`): the prefix comes back as "" or "a/b/".
    static func bucketAndPrefix(_ text: String) throws -> (bucket: String, prefix: String) {
        guard let colon = text.firstIndex(of: ":") else {
            guard !text.isEmpty else { throw CommandLineError("the bucket name is empty") }
            return (text, "")
        }
        let bucket = String(text[..<colon])
        guard !bucket.isEmpty else { throw CommandLineError("the bucket name is empty in \"\(text)\"") }
        let segments = text[text.index(after: colon)...].split(separator: "/")
        for s in segments where s == "." || s == ".." {
            throw CommandLineError("the prefix in \"\(text)\" may not contain '.' or '..' segments")
        }
        let prefix = segments.joined(separator: "/")
        return (bucket, prefix.isEmpty ? "" : prefix + "/")
    }
}
