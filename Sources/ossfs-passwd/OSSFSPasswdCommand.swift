import ArgumentParser

/// `ossfs-passwd`: the root command; the work is in its subcommands.
struct OSSFSPasswdCommand: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: Output.program,
        abstract: "Set up and check ossfs credential files.",
        discussion: """
            The file holds one AccessKey pair per line, in the formats ossfs 1.x reads: ID:SECRET (the default \
            entry) and BUCKET:ID:SECRET (one bucket). Secrets are never printed and never taken as arguments.
            The file is /etc/passwd-ossfs when run as root and ~/.passwd-ossfs otherwise, unless --file is given.
            Exit status: 0 success, 1 usage error, 2 file problem.
            """,
        version: "\(Output.program) \(version)",
        subcommands: [SetCommand.self, ListCommand.self, RemoveCommand.self, CheckCommand.self])

    static var subcommandNames: Set<String> {
        Set(configuration.subcommands.map { $0._commandName })
    }

    func run() throws {
        throw ToolError.usage("missing subcommand: set, list, remove or check (see '\(Output.program) --help')")
    }
}
