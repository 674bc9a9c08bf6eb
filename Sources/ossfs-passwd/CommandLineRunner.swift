import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the command line with the tool's own exit statuses (ArgumentParser's would be 64 for usage errors):
/// 0 success, 1 usage, 2 file problems. Every error is one line on standard error.
enum CommandLineRunner {
    static func run(_ arguments: [String]) -> Never {
        do {
            var command = try OSSFSPasswdCommand.parseAsRoot(fileOptionAfterSubcommand(arguments))
            try command.run()
            exit(0)
        } catch let error as ToolError {
            Output.error(error.message)
            exit(error.exitCode)
        } catch {
            let code = OSSFSPasswdCommand.exitCode(for: error)
            if code == .success {                      // --help, --version
                Output.result(OSSFSPasswdCommand.fullMessage(for: error))
                exit(0)
            }
            let message = redacted(OSSFSPasswdCommand.message(for: error), arguments: arguments)
            Output.error(oneLine(message) + " (see '\(helpCommand(for: arguments))')")
            exit(1)
        }
    }

    /// `--file PATH` is an option of each subcommand; `ossfs-passwd --file PATH list` is accepted too by moving
    /// a --file given before the subcommand to just after it.
    static func fileOptionAfterSubcommand(_ arguments: [String]) -> [String] {
        var moved: [String] = []
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            if word == "--file", index + 1 < arguments.count {
                moved += arguments[index...index + 1]
                index += 2
            } else if word.hasPrefix("--file=") {
                moved.append(word)
                index += 1
            } else if OSSFSPasswdCommand.subcommandNames.contains(word) {
                // Only --file words come before it, so they move as a block.
                return [word] + moved + arguments[(index + 1)...]
            } else {
                return arguments
            }
        }
        return arguments
    }

    /// ArgumentParser quotes the arguments it rejects ("Unexpected argument 'x'"); a user who typed a secret as an
    /// argument must not see it echoed into logs, so quoted command-line words are replaced.
    static func redacted(_ message: String, arguments: [String]) -> String {
        var text = message
        for word in arguments where !word.hasPrefix("-") && !OSSFSPasswdCommand.subcommandNames.contains(word) {
            text = text.replacing("'\(word)'", with: "(not repeated here, in case it is a secret)")
        }
        return text
    }

    private static func oneLine(_ text: String) -> String {
        var lines = text.split(separator: "\n").map { $0.trimmingPrefix("Error: ") }
        lines = lines.filter { !$0.isEmpty && !$0.hasPrefix("Usage:") && !$0.hasPrefix("  See '") }
        return lines.joined(separator: "; ")
    }

    private static func helpCommand(for arguments: [String]) -> String {
        if let sub = arguments.first(where: { OSSFSPasswdCommand.subcommandNames.contains($0) }) {
            return "\(Output.program) \(sub) --help"
        }
        return "\(Output.program) --help"
    }
}
