/// The credential options of the ossfs command line, and the one decision between them: `ram_role` skips the
/// passwd-file/environment chain (as in ossfs 1.x); everything else goes through `CredentialsChain`.
public struct CredentialsConfiguration: Sendable {
    public var bucket: String
    /// `passwd_file=`.
    public var passwdFile: String?
    /// `use_session_token`.
    public var useSessionToken: Bool
    /// `ram_role[=auto|NAME|URL]`.
    public var ramRole: RAMRole?
    /// `disable_imdsv2`.
    public var disableIMDSv2: Bool
    /// Scheme and host of the ECS metadata service; tests point it at a local stand-in.
    public var metadataBaseURL: String
    public var environment: [String: String]
    public var systemPasswdFile: String

    public init(bucket: String, passwdFile: String? = nil, useSessionToken: Bool = false, ramRole: RAMRole? = nil,
                disableIMDSv2: Bool = false,
                metadataBaseURL: String = RAMRoleCredentialsProvider.defaultMetadataBaseURL,
                environment: [String: String] = ProcessEnvironment.current(),
                systemPasswdFile: String = PasswdFileAccess.systemPasswdFilePath) {
        self.bucket = bucket
        self.passwdFile = passwdFile
        self.useSessionToken = useSessionToken
        self.ramRole = ramRole
        self.disableIMDSv2 = disableIMDSv2
        self.metadataBaseURL = metadataBaseURL
        self.environment = environment
        self.systemPasswdFile = systemPasswdFile
    }

    /// The provider to sign with, where its keys come from (for a log line) and notices to log.
    /// Static sources are read now, so their errors surface at mount time; the RAM role is fetched on first use.
    public func makeProvider(fetcher: any MetadataFetcher, clock: CredentialsClock = .system,
                             log: @escaping @Sendable (String) -> Void = { _ in })
        throws -> (provider: any CredentialsProvider, source: CredentialsSource, warnings: [String]) {
        if let ramRole {
            let provider = RAMRoleCredentialsProvider(role: ramRole, metadataBaseURL: metadataBaseURL,
                                                      imdsV2: !disableIMDSv2, fetcher: fetcher, clock: clock, log: log)
            return (provider, provider.source, [])
        }
        let resolved = try CredentialsChain(bucket: bucket, passwdFile: passwdFile, useSessionToken: useSessionToken,
                                            environment: environment, systemPasswdFile: systemPasswdFile).resolve()
        return (resolved.provider, resolved.source, resolved.warnings)
    }
}
