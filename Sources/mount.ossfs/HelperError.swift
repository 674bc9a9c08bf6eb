/// A reason mount.ossfs stops, with the exit status mount(8) documents for it.
struct HelperError: Error, CustomStringConvertible {
    /// mount(8)'s exit statuses that a helper returns.
    enum Status: Int32 {
        case usage = 1          // incorrect invocation
        case mountFailure = 32  // the mount did not happen (bad option, daemon refused, ...)
    }

    let status: Status
    let description: String

    static func usage(_ message: String) -> HelperError { HelperError(status: .usage, description: message) }
    static func mountFailure(_ message: String) -> HelperError {
        HelperError(status: .mountFailure, description: message)
    }
}
