/// A failure the user must act on: one line saying what is wrong and what to do, and the exit status.
/// Messages never contain a secret.
struct ToolError: Error {
    let message: String
    let exitCode: Int32

    /// Exit 1: the command line (or the secret typed) is wrong.
    static func usage(_ message: String) -> ToolError { ToolError(message: message, exitCode: 1) }
    /// Exit 2: the file is missing, unreadable, malformed, or could not be written.
    static func file(_ message: String) -> ToolError { ToolError(message: message, exitCode: 2) }
}
