/// Where credentials came from, for logs ("credentials from passwd file /etc/passwd-ossfs line 3").
/// Names places and variables only, never a key.
public enum CredentialsSource: Sendable, Hashable, CustomStringConvertible {
    case passwdFile(path: String, line: Int)
    /// The environment variables that were read, e.g. ["OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET"].
    case environment(variables: [String])
    /// The ECS metadata service; `role` is the name, "auto" or the credentials URL.
    case ramRole(String)

    public var description: String {
        switch self {
        case .passwdFile(let path, let line): "passwd file \(path) line \(line)"
        case .environment(let variables): "environment (\(variables.joined(separator: ", ")))"
        case .ramRole(let role): "ECS RAM role \(role)"
        }
    }
}
