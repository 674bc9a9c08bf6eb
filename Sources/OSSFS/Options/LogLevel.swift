/// `dbglevel=`: how much the daemon logs. Ordered from least to most verbose.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case critical, error, warning, info, debug

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }

    /// The spellings ossfs 1.x accepts (`crit`, `err`, `warn`, `info`, `debug`, and their long forms).
    public init?(option: String) {
        switch option.lowercased() {
        case "crit", "critical": self = .critical
        case "err", "error": self = .error
        case "warn", "warning": self = .warning
        case "info", "information": self = .info
        case "debug", "dbg": self = .debug
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .critical: "crit"
        case .error: "err"
        case .warning: "warn"
        case .info: "info"
        case .debug: "debug"
        }
    }
}

/// Where library code sends a log line; the executable decides whether it goes to syslog, a file or stderr.
/// Lines never contain a secret.
public typealias LogHandler = @Sendable (LogLevel, String) -> Void
