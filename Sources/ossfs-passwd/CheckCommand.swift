import ArgumentParser
import OSSClient
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `ossfs-passwd check`: the file's mode and every line, by the rules ossfs applies when it mounts.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the file's permissions and every line by the rules ossfs applies; exit 0 only when clean.",
        discussion: """
            Each problem is printed as FILE:LINE: message (or FILE: message for the file as a whole), every bad \
            line rather than only the first.
            """)

    @OptionGroup var options: FileOption

    func run() throws {
        let path = try options.path()
        var info = stat()
        guard stat(path, &info) == 0 else { throw PasswdFileReading.statError(path, errno) }
        var problems: [PasswdFileProblem] = []
        if let problem = PasswdFileCheck.permissionProblem(path: path, isSystemFile: FileOption.isSystemFile(path)) {
            problems.append(problem)
        }
        // An unreadable file has no lines to check; its permission problem already says so.
        if PasswdFileAccess.isReadable(path) {
            problems += PasswdFileCheck.formatProblems(contents: try PasswdFileReading.contents(path), path: path)
        }
        guard problems.isEmpty else {
            for problem in problems { Output.finding("\(problem)") }
            throw ToolError.file("\(path): \(problems.count) problem\(problems.count == 1 ? "" : "s") found")
        }
        Output.result("\(path): OK")
    }
}
