/// The keys a request is signed with. The secret and the STS token must never reach a log, an error message or
/// argv, so every textual rendering of this value (description, debugDescription, Mirror/dump) redacts them.
public struct Credentials: Sendable, Hashable {
    public var accessKeyID: String
    public var accessKeySecret: String
    public var securityToken: String?

    public init(accessKeyID: String, accessKeySecret: String, securityToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.accessKeySecret = accessKeySecret
        self.securityToken = securityToken
    }
}

extension Credentials: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        let token = securityToken == nil ? "none" : "<redacted>"
        return "Credentials(accessKeyID: \(accessKeyID), accessKeySecret: <redacted>, securityToken: \(token))"
    }

    public var debugDescription: String { description }

    /// `dump()` and the default reflection would otherwise print every stored property verbatim.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "accessKeyID": accessKeyID,
            "accessKeySecret": "<redacted>",
            "securityToken": securityToken == nil ? "none" : "<redacted>",
        ], displayStyle: .struct)
    }
}
