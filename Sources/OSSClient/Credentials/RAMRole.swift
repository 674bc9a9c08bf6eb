/// The `ram_role` option as ossfs 1.x reads it (`S3fsCred::DetectParam`).
public enum RAMRole: Sendable, Hashable, CustomStringConvertible {
    /// `ram_role` or `ram_role=auto`: ask the metadata service for the instance's role name.
    case auto
    /// `ram_role=NAME`.
    case named(String)
    /// `ram_role=http...`: the full credentials URL (ossfs 1.x's "old mode"; also how tests name a stand-in).
    case url(String)

    /// `value` is what follows `ram_role=`, nil for a bare `ram_role`. An empty value means no role, as in 1.x.
    public init?(optionValue value: String?) {
        guard let value else { self = .auto; return }
        if value.isEmpty { return nil }
        if value == "auto" { self = .auto } else if value.hasPrefix("http") { self = .url(value) } else { self = .named(value) }
    }

    public var description: String {
        switch self {
        case .auto: "auto"
        case .named(let name): name
        case .url(let url): url
        }
    }
}
