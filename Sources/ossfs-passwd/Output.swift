#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the tool's words go: results on standard output, errors and notices on standard error, each one line
/// prefixed with the program name so they stand out in scripts and boot logs.
enum Output {
    static let program = "ossfs-passwd"

    static func result(_ line: String) {
        print(line)
    }

    static func error(_ message: String) {
        writeError("\(program): \(message)\n")
    }

    static func notice(_ message: String) {
        writeError("\(program): notice: \(message)\n")
    }

    static func warning(_ message: String) {
        writeError("\(program): warning: \(message)\n")
    }

    /// A line as is (a check finding already starts with file:line).
    static func finding(_ line: String) {
        writeError(line + "\n")
    }

    static func writeError(_ text: String) {
        fflush(stdout)
        fputs(text, stderr)
    }
}
