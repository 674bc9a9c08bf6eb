import OSSCore

/// Static credentials and where they came from.
public struct ResolvedCredentials: Sendable {
    public let credentials: Credentials
    public let source: CredentialsSource
    /// Notices worth logging (a duplicate key in a passwd file). Never contain a secret.
    public let warnings: [String]

    public var provider: StaticCredentialsProvider { StaticCredentialsProvider(credentials) }
}

/// ossfs 1.x's search for static keys (`S3fsCred::InitialCredentials`), in its order:
/// 1. `passwd_file=`;
/// 2. the environment: OSSACCESSKEYID or OSS_ACCESS_KEY_ID, OSSSECRETACCESSKEY or OSS_ACCESS_KEY_SECRET,
///    OSSSESSIONTOKEN or OSS_SESSION_TOKEN (the first name wins when both are set);
/// 3. the file named by OSS_CREDENTIAL_FILE;
/// 4. $HOME/.passwd-ossfs, when readable; it falls through to the next step when it holds no pair for the bucket;
/// 5. /etc/passwd-ossfs, when readable.
/// The first source found decides: its errors end the search. `ram_role` skips the chain altogether.
public struct CredentialsChain: Sendable {
    public var bucket: String
    /// `passwd_file=`.
    public var passwdFile: String?
    /// `use_session_token`: environment keys then require a session token.
    public var useSessionToken: Bool
    /// Injected so tests never read the real environment or HOME.
    public var environment: [String: String]
    /// Injected so tests never read the real /etc/passwd-ossfs; this path gets the system file's permission rule.
    public var systemPasswdFile: String

    public init(bucket: String, passwdFile: String? = nil, useSessionToken: Bool = false,
                environment: [String: String] = ProcessEnvironment.current(),
                systemPasswdFile: String = PasswdFileAccess.systemPasswdFilePath) {
        self.bucket = bucket
        self.passwdFile = passwdFile
        self.useSessionToken = useSessionToken
        self.environment = environment
        self.systemPasswdFile = systemPasswdFile
    }

    public func resolve() throws -> ResolvedCredentials {
        if let passwdFile, !passwdFile.isEmpty {
            return try fromFile(passwdFile)
        }
        if let resolved = try fromEnvironment() { return resolved }
        if let path = environment["OSS_CREDENTIAL_FILE"], !path.isEmpty {
            guard PasswdFileAccess.isReadable(path) else { throw CredentialsError.credentialFileNotReadable(path: path) }
            return try fromFile(path)
        }
        if let home = environment["HOME"] {
            let path = home + "/.passwd-ossfs"
            if PasswdFileAccess.isReadable(path) {
                do { return try fromFile(path) } catch CredentialsError.noMatchingEntry(_) { /* on to /etc */ }
            }
        }
        if PasswdFileAccess.isReadable(systemPasswdFile) {
            return try fromFile(systemPasswdFile)
        }
        throw CredentialsError.notFound
    }

    private func fromFile(_ path: String) throws -> ResolvedCredentials {
        let file = try PasswdFileAccess.load(path, isSystemFile: path == systemPasswdFile)
        guard let match = try file.credentials(forBucket: bucket) else {
            throw CredentialsError.noMatchingEntry(path: path)
        }
        return ResolvedCredentials(credentials: match.credentials, source: .passwdFile(path: path, line: match.line),
                                   warnings: file.warnings)
    }

    /// A variable that is set counts even when empty, as getenv(3) does for ossfs 1.x.
    private func variable(_ names: String...) -> (name: String, value: String)? {
        for name in names { if let value = environment[name] { return (name, value) } }
        return nil
    }

    private func fromEnvironment() throws -> ResolvedCredentials? {
        let id = variable("OSSACCESSKEYID", "OSS_ACCESS_KEY_ID")
        let secret = variable("OSSSECRETACCESSKEY", "OSS_ACCESS_KEY_SECRET")
        let token = variable("OSSSESSIONTOKEN", "OSS_SESSION_TOKEN")
        if id == nil && secret == nil { return nil }
        guard let id, let secret else { throw CredentialsError.environmentPairIncomplete }
        var names = [id.name, secret.name]
        if let token {
            guard !id.value.isEmpty, !secret.value.isEmpty, !token.value.isEmpty else {
                throw CredentialsError.sessionTokenInvalid
            }
            names.append(token.name)
        } else if useSessionToken {
            throw CredentialsError.sessionTokenExpected
        }
        guard !id.value.isEmpty, !secret.value.isEmpty else { throw CredentialsError.environmentKeysEmpty }
        let credentials = Credentials(accessKeyID: id.value, accessKeySecret: secret.value, securityToken: token?.value)
        return ResolvedCredentials(credentials: credentials, source: .environment(variables: names), warnings: [])
    }
}
