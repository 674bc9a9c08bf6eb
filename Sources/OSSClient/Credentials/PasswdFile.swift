import OSSCore

/// The contents of an ossfs 1.x passwd file (`/etc/passwd-ossfs`, `~/.passwd-ossfs`, `passwd_file=`).
///
/// Line forms, after trimming; `#` lines and blank lines are skipped:
/// - `id:secret`: the default pair;
/// - `bucket:id:secret`: the pair for one bucket (split on the first and the last `:`);
/// - `OSSAccessKeyId=id` and `OSSSecretKey=secret`: a pair that wins over every other line.
/// ossfs 1.x reads the `key=value` lines and the `:` lines in two separate passes over the same lines; we do
/// the same, so a file means exactly what it meant to ossfs 1.x.
public struct PasswdFile: Sendable {
    public static let accessKeyIDKey = "OSSAccessKeyId"
    public static let secretKeyKey = "OSSSecretKey"

    /// A pair found for a bucket, and the line it came from (for logs).
    public struct Match: Sendable {
        public let credentials: Credentials
        public let line: Int
    }

    struct Value: Sendable { let text: String; let line: Int }
    struct Pair: Sendable { let accessKeyID: String; let secret: String; let line: Int }

    public let path: String
    /// Values of the `OSSAccessKeyId=` / `OSSSecretKey=` lines; the first line with a key wins.
    let keyValues: [String: Value]
    /// `bucket:id:secret` entries by bucket; "" holds the default `id:secret` pair.
    let pairs: [String: Pair]
    /// Notices about the file that are not errors (a key given twice). Never contain a secret.
    public let warnings: [String]

    /// Parses the file's bytes; `path` only names the file in messages.
    public init(contents: [UInt8], path: String) throws {
        self.path = path
        var lines: [(number: Int, text: String)] = []
        for (index, raw) in contents.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let line = Self.trimmed(raw)
            if line.isEmpty || line.first == UInt8(ascii: "#") { continue }
            if line.contains(UInt8(ascii: " ")) || line.contains(UInt8(ascii: "\t")) {
                throw CredentialsError.whitespaceInLine(path: path, line: index + 1)
            }
            if line.first == UInt8(ascii: "[") { throw CredentialsError.bracketInLine(path: path, line: index + 1) }
            lines.append((index + 1, String(decoding: line, as: UTF8.self)))
        }

        // Pass 1: `key=value` lines. Only the two key names we use are kept, so a warning can never echo a
        // fragment of some other line (such as `id:sec=ret`).
        var keyValues: [String: Value] = [:]
        var warnings: [String] = []
        for (number, text) in lines {
            guard let eq = text.firstIndex(of: "=") else { continue }
            let key = Self.trimmed(text[..<eq])
            guard key == Self.accessKeyIDKey || key == Self.secretKeyKey else { continue }
            if let first = keyValues[key] {
                warnings.append("\(path):\(number): same key name(\(key)) found in passwd file, skip this. "
                    + "(first at line \(first.line))")
                continue
            }
            keyValues[key] = Value(text: Self.trimmed(text[text.index(after: eq)...]), line: number)
        }

        // Pass 2: `[bucket:]id:secret` lines.
        var pairs: [String: Pair] = [:]
        for (number, text) in lines {
            guard let first = text.firstIndex(of: ":"), let last = text.lastIndex(of: ":") else { continue }
            let bucket: String, id: String, secret: String
            if first != last {
                bucket = Self.trimmed(text[..<first])
                id = Self.trimmed(text[text.index(after: first)..<last])
                secret = Self.trimmed(text[text.index(after: last)...])
            } else {
                bucket = ""
                id = Self.trimmed(text[..<first])
                secret = Self.trimmed(text[text.index(after: first)...])
            }
            if let earlier = pairs[bucket] {
                throw CredentialsError.duplicateBucket(bucket: bucket, path: path, line: number, firstLine: earlier.line)
            }
            pairs[bucket] = Pair(accessKeyID: id, secret: secret, line: number)
        }
        self.keyValues = keyValues
        self.pairs = pairs
        self.warnings = warnings
    }

    /// The pair ossfs 1.x would use for `bucket`: the `OSSAccessKeyId=`/`OSSSecretKey=` pair, else the bucket's
    /// own entry, else the default pair. nil when the file holds none of them.
    public func credentials(forBucket bucket: String) throws -> Match? {
        let id = keyValues[Self.accessKeyIDKey], secret = keyValues[Self.secretKeyKey]
        if let id, let secret {
            guard !id.text.isEmpty, !secret.text.isEmpty else {
                throw CredentialsError.emptyKeyValue(path: path, line: id.text.isEmpty ? id.line : secret.line)
            }
            return Match(credentials: Credentials(accessKeyID: id.text, accessKeySecret: secret.text), line: id.line)
        }
        if let only = id ?? secret { throw CredentialsError.keyValuePairIncomplete(path: path, line: only.line) }

        guard let pair = (bucket.isEmpty ? nil : pairs[bucket]) ?? pairs[""] else { return nil }
        guard !pair.accessKeyID.isEmpty, !pair.secret.isEmpty else {
            throw CredentialsError.emptyKeyInEntry(path: path, line: pair.line)
        }
        return Match(credentials: Credentials(accessKeyID: pair.accessKeyID, accessKeySecret: pair.secret), line: pair.line)
    }

    /// ossfs 1.x trims spaces, tabs, CR and LF (so CRLF files work).
    private static func isTrimmed(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard let start = bytes.firstIndex(where: { !isTrimmed($0) }),
              let end = bytes.lastIndex(where: { !isTrimmed($0) }) else { return [] }
        return bytes[start...end]
    }

    private static func trimmed(_ s: Substring) -> String {
        String(decoding: trimmed(ArraySlice(s.utf8)), as: UTF8.self)
    }
}
