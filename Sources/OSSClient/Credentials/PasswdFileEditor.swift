#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Edits the bytes of an ossfs 1.x passwd file: adds, replaces or removes one entry and leaves every other
/// line (comments, blank lines, other entries, CRLF endings) byte for byte as it was.
///
/// Entries are located with `PasswdFile`, the parser ossfs itself uses, and every edit is parsed again before it
/// is accepted, so what is written is exactly what ossfs will read back.
public struct PasswdFileEditor: Sendable {
    public let path: String
    public private(set) var contents: [UInt8]
    private var parsed: PasswdFile

    /// A file that ossfs cannot parse cannot be edited safely; the parser's error (with file:line) is thrown.
    public init(contents: [UInt8], path: String) throws {
        self.path = path
        self.contents = contents
        self.parsed = try PasswdFile(contents: contents, path: path)
    }

    /// Reads `path` without checking its permissions (an edit is how bad permissions get fixed).
    public static func read(path: String) throws -> [UInt8] {
        try PasswdFileAccess.readContents(path)
    }

    // MARK: reading

    /// A `[bucket:]id:secret` entry, without its secret.
    public struct Entry: Sendable, Hashable {
        /// nil for the default `id:secret` entry.
        public let bucket: String?
        public let accessKeyID: String
        public let line: Int
    }

    /// The `OSSAccessKeyId=`/`OSSSecretKey=` lines that ossfs uses for every bucket when present.
    public struct KeyValueEntry: Sendable, Hashable {
        public let accessKeyID: String?
        public let accessKeyIDLine: Int?
        public let secretLine: Int?
        /// Both lines are there with non-empty values.
        public let isComplete: Bool
    }

    /// The `[bucket:]id:secret` entries in file order.
    public var entries: [Entry] {
        parsed.pairs
            .map { Entry(bucket: $0.key.isEmpty ? nil : $0.key, accessKeyID: $0.value.accessKeyID, line: $0.value.line) }
            .sorted { $0.line < $1.line }
    }

    public var keyValueEntry: KeyValueEntry? {
        let id = parsed.keyValues[PasswdFile.accessKeyIDKey], secret = parsed.keyValues[PasswdFile.secretKeyKey]
        guard id != nil || secret != nil else { return nil }
        return KeyValueEntry(accessKeyID: id?.text, accessKeyIDLine: id?.line, secretLine: secret?.line,
                             isComplete: !(id?.text.isEmpty ?? true) && !(secret?.text.isEmpty ?? true))
    }

    /// Notices from the parser (a key given twice); they never contain a secret.
    public var warnings: [String] { parsed.warnings }

    // MARK: editing

    public enum SetOutcome: Sendable, Hashable {
        case added(line: Int)
        case replaced(line: Int)
    }

    /// Writes the entry for `target`, replacing the existing one in place or appending a new line.
    ///
    /// For the default entry, a file that already uses the `OSSAccessKeyId=`/`OSSSecretKey=` form keeps that form
    /// (those lines are what ossfs reads); otherwise the `id:secret` line is written. A bucket entry is refused when
    /// such lines exist, because ossfs would never use it.
    @discardableResult
    public mutating func set(_ target: PasswdFileTarget, accessKeyID: String, secret: String) throws -> SetOutcome {
        try Self.validate(accessKeyID: accessKeyID)
        try Self.validate(secret: secret)
        var lines = Self.lines(contents)
        let outcome: SetOutcome
        switch target {
        case .bucket(let bucket):
            try Self.validate(bucket: bucket)
            if let first = [parsed.keyValues[PasswdFile.accessKeyIDKey], parsed.keyValues[PasswdFile.secretKeyKey]]
                .compactMap({ $0?.line }).min() {
                throw PasswdFileEditError.overriddenByKeyValueLines(bucket: bucket, path: path, line: first)
            }
            outcome = Self.put("\(bucket):\(accessKeyID):\(secret)", at: parsed.pairs[bucket]?.line, in: &lines)
        case .defaultEntry:
            if parsed.keyValues.isEmpty {
                outcome = Self.put("\(accessKeyID):\(secret)", at: parsed.pairs[""]?.line, in: &lines)
            } else {
                let idLine = parsed.keyValues[PasswdFile.accessKeyIDKey]?.line
                let secretLine = parsed.keyValues[PasswdFile.secretKeyKey]?.line
                let first = Self.put("\(PasswdFile.accessKeyIDKey)=\(accessKeyID)", at: idLine, in: &lines)
                _ = Self.put("\(PasswdFile.secretKeyKey)=\(secret)", at: secretLine, in: &lines)
                outcome = first
            }
        }
        let edited = Self.join(lines)
        let reread = try PasswdFile(contents: edited, path: path)
        guard let match = try? reread.credentials(forBucket: target.bucketKey),
              match.credentials.accessKeyID == accessKeyID, match.credentials.accessKeySecret == secret else {
            throw PasswdFileEditError.notReadBack(path: path)
        }
        contents = edited
        parsed = reread
        return outcome
    }

    /// Removes the entry for `target` and returns the numbers (in the old file) of the lines removed. For the
    /// default entry that is the `id:secret` line and every `OSSAccessKeyId=`/`OSSSecretKey=` line.
    @discardableResult
    public mutating func remove(_ target: PasswdFileTarget) throws -> [Int] {
        var lines = Self.lines(contents)
        var doomed: Set<Int> = []
        if let pair = parsed.pairs[target.bucketKey] { doomed.insert(pair.line) }
        if target == .defaultEntry {
            // Duplicated key lines are not in `parsed.keyValues` (the first wins), so each line is parsed alone.
            for (index, line) in lines.enumerated() {
                if let single = try? PasswdFile(contents: Array(line), path: path), !single.keyValues.isEmpty {
                    doomed.insert(index + 1)
                }
            }
        }
        guard !doomed.isEmpty else { throw PasswdFileEditError.entryNotFound(target, path: path) }
        for number in doomed.sorted(by: >) { lines.remove(at: number - 1) }
        let edited = Self.join(lines)
        parsed = try PasswdFile(contents: edited, path: path)
        contents = edited
        return doomed.sorted()
    }

    // MARK: field rules

    /// OSS bucket naming: 3 to 63 characters, lowercase letters, digits and hyphens, starting and ending with a
    /// letter or digit. ossfs compares names exactly, so an entry under any other name is never used.
    public static func validate(bucket: String) throws {
        if let reason = bucketNameProblem(bucket) { throw PasswdFileEditError.invalidBucket(bucket, reason: reason) }
    }

    static func bucketNameProblem(_ bucket: String) -> String? {
        let bytes = Array(bucket.utf8)
        if bytes.contains(UInt8(ascii: ":")) {
            return "contains ':'; give the bucket alone, without a :/prefix or key"
        }
        let isLowerOrDigit = { (b: UInt8) in (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) }
        guard (3...63).contains(bytes.count), bytes.allSatisfy({ isLowerOrDigit($0) || $0 == UInt8(ascii: "-") }),
              let first = bytes.first, let last = bytes.last, isLowerOrDigit(first), isLowerOrDigit(last) else {
            return "is not a valid OSS bucket name: 3 to 63 lowercase letters, digits and hyphens, "
                + "starting and ending with a letter or digit"
        }
        return nil
    }

    /// AccessKey IDs (`LTAI…`, `STS.…`) are letters, digits, `.`, `_` and `-`; anything else (a `:`, `=`, `#`,
    /// whitespace) would change how ossfs splits the line.
    public static func validate(accessKeyID: String) throws {
        if let reason = fieldProblem(accessKeyID, allowed: { isAlphanumeric($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D },
                                     allowedText: "letters, digits, '.', '_' and '-'") {
            throw PasswdFileEditError.invalidAccessKeyID(reason: reason)
        }
    }

    /// Secrets may hold any printable ASCII except `:` (the field separator) and whitespace (ossfs 1.x rejects
    /// the whole line).
    public static func validate(secret: String) throws {
        if let reason = fieldProblem(secret, allowed: { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") },
                                     allowedText: "printable ASCII other than ':'") {
            throw PasswdFileEditError.invalidSecret(reason: reason)
        }
    }

    /// Describes the first problem with a field without quoting it.
    private static func fieldProblem(_ value: String, allowed: (UInt8) -> Bool, allowedText: String) -> String? {
        let bytes = Array(value.utf8)
        if bytes.isEmpty { return "is empty" }
        if bytes.contains(where: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            return "contains whitespace (a space, tab or line break), which ossfs rejects; check what was pasted"
        }
        if bytes.contains(UInt8(ascii: ":")) {
            return "contains ':', the passwd file's separator, so ossfs would split the entry in the wrong place"
        }
        if let bad = bytes.firstIndex(where: { !allowed($0) }) {
            return "has a character not allowed at position \(bad + 1); it may hold only \(allowedText)"
        }
        return nil
    }

    private static func isAlphanumeric(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    // MARK: rewrite mode

    /// The mode a rewritten file gets: 0600, except that /etc/passwd-ossfs stays 0640 when it was (ossfs allows
    /// that one file to be group-readable). Anything looser is tightened, never kept.
    public static func rewriteMode(existing: mode_t?, isSystemFile: Bool) -> mode_t {
        if isSystemFile, let existing, existing & 0o7777 == 0o640 { return 0o640 }
        return 0o600
    }

    // MARK: lines

    /// The file split on LF exactly as PasswdFile numbers it (line N is element N-1); joining restores the bytes.
    static func lines(_ contents: [UInt8]) -> [ArraySlice<UInt8>] {
        contents.split(separator: 0x0A, omittingEmptySubsequences: false)
    }

    static func join(_ lines: [ArraySlice<UInt8>]) -> [UInt8] {
        Array(lines.joined(separator: [0x0A]))
    }

    /// Replaces line `number` with `text` (keeping its CR when the line had one), or appends `text` as a new
    /// line ending the way the file's lines end.
    private static func put(_ text: String, at number: Int?, in lines: inout [ArraySlice<UInt8>]) -> SetOutcome {
        let cr: UInt8 = 0x0D
        if let number {
            let keepsCR = lines[number - 1].last == cr
            lines[number - 1] = ArraySlice(Array(text.utf8) + (keepsCR ? [cr] : []))
            return .replaced(line: number)
        }
        if lines == [[]] {                       // an empty file
            lines = [ArraySlice(text.utf8), []]
            return .added(line: 1)
        }
        // CRLF when every LF in the file has a CR before it.
        let endedLines = lines.dropLast()
        let usesCRLF = !endedLines.isEmpty && endedLines.allSatisfy { $0.last == cr }
        let newLine = ArraySlice(Array(text.utf8) + (usesCRLF ? [cr] : []))
        // A file ending in LF splits into lines ending with an empty one; the new line goes before it.
        let terminated = lines.last?.isEmpty == true
        if terminated {
            lines.insert(newLine, at: lines.count - 1)
        } else {
            lines.append(newLine)
            lines.append([])
        }
        return .added(line: lines.count - 1)
    }
}
