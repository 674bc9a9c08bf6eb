#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One thing wrong with a passwd file, as `ossfs-passwd check` reports it. Never contains a secret.
public struct PasswdFileProblem: Sendable, Hashable, CustomStringConvertible {
    /// nil: the file as a whole (its mode, or that it holds no entry).
    public let line: Int?
    /// Names the file (and line); ossfs's own wording where ossfs has one.
    public let message: String
    /// What to do about it.
    public let hint: String?

    public var description: String { hint.map { "\(message) \($0)" } ?? message }
}

/// Validates a passwd file by the rules ossfs applies when it mounts, naming every bad line rather than the
/// first. The rules are PasswdFile's and PasswdFileAccess's; nothing here re-implements them.
public enum PasswdFileCheck {
    /// The file's mode and readability (PasswdFileAccess.checkPermissions), or nil when ossfs accepts them.
    public static func permissionProblem(path: String, isSystemFile: Bool) -> PasswdFileProblem? {
        do {
            try PasswdFileAccess.checkPermissions(path, isSystemFile: isSystemFile)
            return nil
        } catch let error as CredentialsError {
            return problem(error)
        } catch {
            return PasswdFileProblem(line: nil, message: "\(path): \(error)", hint: nil)
        }
    }

    /// Every problem with the contents, ordered by line.
    public static func formatProblems(contents: [UInt8], path: String) -> [PasswdFileProblem] {
        var lines = PasswdFileEditor.lines(contents)
        var problems: [PasswdFileProblem] = []

        // PasswdFile stops at the first bad line. Blank that line (it stays, so numbers do not move) and parse
        // again, until the rest parses: every bad line is named, each by the parser's own rule.
        var parsed: PasswdFile?
        for _ in 0...lines.count {
            do {
                parsed = try PasswdFile(contents: PasswdFileEditor.join(lines), path: path)
                break
            } catch let error as CredentialsError {
                problems.append(problem(error))
                guard let line = problem(error).line, lines.indices.contains(line - 1), !lines[line - 1].isEmpty else {
                    break
                }
                lines[line - 1] = []
            } catch {
                problems.append(PasswdFileProblem(line: nil, message: "\(path): \(error)", hint: nil))
                break
            }
        }
        guard let parsed else { return sorted(problems) }

        for warning in parsed.warnings {
            problems.append(PasswdFileProblem(line: lineNumber(in: warning, path: path), message: warning,
                                              hint: "ossfs uses the first; delete this line."))
        }
        if !parsed.keyValues.isEmpty {
            // The same call ossfs makes when it mounts: reports a missing or empty OSSAccessKeyId=/OSSSecretKey=.
            do { _ = try parsed.credentials(forBucket: "") } catch let error as CredentialsError {
                problems.append(problem(error))
            } catch {}
        }
        for (bucket, pair) in parsed.pairs {
            if pair.accessKeyID.isEmpty || pair.secret.isEmpty {
                problems.append(problem(.emptyKeyInEntry(path: path, line: pair.line)))
            } else if !bucket.isEmpty, let reason = PasswdFileEditor.bucketNameProblem(bucket) {
                problems.append(PasswdFileProblem(
                    line: pair.line,
                    message: "\(path):\(pair.line): bucket name \"\(bucket)\" \(reason); no mount uses this entry.",
                    hint: "Correct the bucket name."))
            }
        }
        // Lines the parser reads as nothing at all: ossfs skips them silently, which hides typos.
        for (index, line) in lines.enumerated() where !isBlankOrComment(line) {
            if let single = try? PasswdFile(contents: Array(line), path: path),
               single.pairs.isEmpty, single.keyValues.isEmpty {
                problems.append(PasswdFileProblem(
                    line: index + 1,
                    message: "\(path):\(index + 1): ossfs ignores this line: it is not id:secret, bucket:id:secret, "
                        + "\(PasswdFile.accessKeyIDKey)=ID or \(PasswdFile.secretKeyKey)=SECRET.",
                    hint: "Fix it or make it a comment with '#'."))
            }
        }
        if problems.isEmpty, parsed.pairs.isEmpty, parsed.keyValues.isEmpty {
            problems.append(problem(.noMatchingEntry(path: path)))
        }
        return sorted(problems)
    }

    /// The problem for a credentials error, with the line it names and what to do about it.
    static func problem(_ error: CredentialsError) -> PasswdFileProblem {
        let message = error.description
        switch error {
        case .whitespaceInLine(_, let line):
            return .init(line: line, message: message, hint: "Remove the spaces and tabs.")
        case .bracketInLine(_, let line):
            return .init(line: line, message: message,
                         hint: "ossfs reads no [sections]; use id:secret or bucket:id:secret lines.")
        case .duplicateBucket(_, _, let line, _):
            return .init(line: line, message: message, hint: "Delete one of the two entries.")
        case .keyValuePairIncomplete(_, let line):
            return .init(line: line, message: message,
                         hint: "Give both \(PasswdFile.accessKeyIDKey)= and \(PasswdFile.secretKeyKey)=.")
        case .emptyKeyValue(_, let line):
            return .init(line: line, message: message, hint: "The value is empty; fill it in or delete the line.")
        case .emptyKeyInEntry(_, let line):
            return .init(line: line, message: message,
                         hint: "The AccessKey ID or secret is empty; fill it in or delete the line.")
        case .noMatchingEntry:
            return .init(line: nil, message: message, hint: "Add one with: ossfs-passwd set [BUCKET] ACCESS_KEY_ID")
        case .othersPermissions(let path), .groupPermissions(let path), .executable(let path):
            return .init(line: nil, message: message, hint: "Fix with: chmod 600 \(path)")
        case .groupWritable(let path):
            return .init(line: nil, message: message, hint: "Fix with: chmod 640 \(path)")
        case .notReadable:
            return .init(line: nil, message: message, hint: "Run as the file's owner or fix its owner and mode.")
        default:
            return .init(line: nil, message: message, hint: nil)
        }
    }

    /// Blank lines and `#` comments, after the trimming ossfs does (spaces, tabs, CR).
    private static func isBlankOrComment(_ line: ArraySlice<UInt8>) -> Bool {
        guard let first = line.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return true }
        return first == UInt8(ascii: "#")
    }

    /// The N of a "PATH:N: ..." parser warning.
    private static func lineNumber(in warning: String, path: String) -> Int? {
        guard warning.hasPrefix(path + ":") else { return nil }
        return Int(warning.dropFirst(path.count + 1).prefix(while: { $0.isNumber }))
    }

    private static func sorted(_ problems: [PasswdFileProblem]) -> [PasswdFileProblem] {
        problems.enumerated()
            .sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }
            .map(\.element)
    }
}
