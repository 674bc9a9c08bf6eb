import Glibc
import Testing
@testable import OSSClient

/// The lookup order, with a made-up environment, HOME and /etc so the real ones are never read.
@Suite struct CredentialsChainTests {
    struct Layout {
        let dir: CredentialsTempDir
        var home: String { dir.path + "/home" }
        var homeFile: String { home + "/.passwd-ossfs" }
        var systemFile: String { dir.path + "/etc/passwd-ossfs" }

        func chain(bucket: String = "mybucket", passwdFile: String? = nil, useSessionToken: Bool = false,
                   env: [String: String] = [:], withHome: Bool = true) -> CredentialsChain {
            var environment = env
            if withHome { environment["HOME"] = home }
            return CredentialsChain(bucket: bucket, passwdFile: passwdFile, useSessionToken: useSessionToken,
                                    environment: environment, systemPasswdFile: systemFile)
        }
        @discardableResult func home(_ text: String, mode: mode_t = 0o600) throws -> String {
            try dir.write("home/.passwd-ossfs", text, mode: mode)
        }
        @discardableResult func system(_ text: String, mode: mode_t = 0o640) throws -> String {
            try dir.write("etc/passwd-ossfs", text, mode: mode)
        }
    }

    func withLayout<R>(_ body: (Layout) throws -> R) throws -> R {
        try withCredentialsTempDir { dir in try body(Layout(dir: dir)) }
    }

    @Test func passwdFileOptionComesFirst() throws {
        try withLayout { l in
            let given = try l.dir.write("given", "# x\nGIVENID:givensecret\n")
            try l.home("HOMEID:homesecret\n")
            let resolved = try l.chain(passwdFile: given,
                                       env: ["OSS_ACCESS_KEY_ID": "ENVID", "OSS_ACCESS_KEY_SECRET": "envsecret"]).resolve()
            #expect(resolved.credentials.accessKeyID == "GIVENID")
            #expect(resolved.source == .passwdFile(path: given, line: 2))
            #expect(resolved.source.description == "passwd file \(given) line 2")
        }
    }

    @Test func passwdFileOptionErrorsDoNotFallThrough() throws {
        try withLayout { l in
            try l.home("HOMEID:homesecret\n")
            let missing = l.dir.path + "/nope"
            #expect(credentialsError { try l.chain(passwdFile: missing).resolve() }
                == .statFailed(path: missing, reason: "No such file or directory"))
            let other = try l.dir.write("other", "otherbucket:ID:secret\n")
            #expect(credentialsError { try l.chain(passwdFile: other).resolve() } == .noMatchingEntry(path: other))
            #expect(CredentialsError.noMatchingEntry(path: other).description
                == "\(other): Not found access key/secret key in passwd file.")
        }
    }

    @Test func environmentBeforeFiles() throws {
        try withLayout { l in
            try l.home("HOMEID:homesecret\n")
            try l.system("SYSID:syssecret\n")
            let credFile = try l.dir.write("credfile", "CREDID:credsecret\n")
            let resolved = try l.chain(env: ["OSS_ACCESS_KEY_ID": "ENVID", "OSS_ACCESS_KEY_SECRET": "envsecret",
                                             "OSS_CREDENTIAL_FILE": credFile]).resolve()
            #expect(resolved.credentials == .init(accessKeyID: "ENVID", accessKeySecret: "envsecret"))
            #expect(resolved.source.description == "environment (OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET)")
        }
    }

    @Test func oldVariableNamesWinOverNewOnes() throws {
        try withLayout { l in
            let resolved = try l.chain(env: [
                "OSSACCESSKEYID": "OLDID", "OSS_ACCESS_KEY_ID": "NEWID",
                "OSSSECRETACCESSKEY": "oldsecret", "OSS_ACCESS_KEY_SECRET": "newsecret",
                "OSSSESSIONTOKEN": "oldtoken", "OSS_SESSION_TOKEN": "newtoken",
            ]).resolve()
            #expect(resolved.credentials == .init(accessKeyID: "OLDID", accessKeySecret: "oldsecret", securityToken: "oldtoken"))
            #expect(resolved.source == .environment(variables: ["OSSACCESSKEYID", "OSSSECRETACCESSKEY", "OSSSESSIONTOKEN"]))
        }
    }

    @Test func stsTokenFromEnvironment() throws {
        try withLayout { l in
            let resolved = try l.chain(useSessionToken: true, env: [
                "OSS_ACCESS_KEY_ID": "STS.ID", "OSS_ACCESS_KEY_SECRET": "stssecret", "OSS_SESSION_TOKEN": "CAIStoken",
            ]).resolve()
            #expect(resolved.credentials.securityToken == "CAIStoken")
            #expect(resolved.source.description == "environment (OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, OSS_SESSION_TOKEN)")
            // Mixed families are fine: each variable is looked up on its own.
            let mixed = try l.chain(env: ["OSSACCESSKEYID": "A", "OSS_ACCESS_KEY_SECRET": "b"]).resolve()
            #expect(mixed.credentials == .init(accessKeyID: "A", accessKeySecret: "b"))
        }
    }

    @Test func environmentErrors() throws {
        try withLayout { l in
            try l.home("HOMEID:homesecret\n")
            let half = credentialsError { try l.chain(env: ["OSS_ACCESS_KEY_ID": "ID"]).resolve() }
            #expect(half == .environmentPairIncomplete)
            #expect(half?.description
                == "both environment variables OSSACCESSKEYID and OSSSECRETACCESSKEY must be set together.")
            #expect(credentialsError { try l.chain(env: ["OSSSECRETACCESSKEY": "topsecret"]).resolve() }
                == .environmentPairIncomplete)

            let empty = credentialsError { try l.chain(env: ["OSS_ACCESS_KEY_ID": "", "OSS_ACCESS_KEY_SECRET": "s"]).resolve() }
            #expect(empty?.description == "if one access key is specified, both keys need to be specified.")

            let badToken = credentialsError {
                try l.chain(env: ["OSS_ACCESS_KEY_ID": "ID", "OSS_ACCESS_KEY_SECRET": "s", "OSS_SESSION_TOKEN": ""]).resolve()
            }
            #expect(badToken?.description == "session token is invalid.")

            let noToken = credentialsError {
                try l.chain(useSessionToken: true, env: ["OSS_ACCESS_KEY_ID": "ID", "OSS_ACCESS_KEY_SECRET": "s"]).resolve()
            }
            #expect(noToken?.description == "environment variable OSSSESSIONTOKEN is expected to be set.")
        }
    }

    @Test func credentialFileVariableBeforeHome() throws {
        try withLayout { l in
            try l.home("HOMEID:homesecret\n")
            let credFile = try l.dir.write("credfile", "mybucket:CREDID:credsecret\n")
            let resolved = try l.chain(env: ["OSS_CREDENTIAL_FILE": credFile]).resolve()
            #expect(resolved.credentials.accessKeyID == "CREDID")
            #expect(resolved.source == .passwdFile(path: credFile, line: 1))

            let missing = l.dir.path + "/missing"
            let error = credentialsError { try l.chain(env: ["OSS_CREDENTIAL_FILE": missing]).resolve() }
            #expect(error?.description == "OSS_CREDENTIAL_FILE: \"\(missing)\" is not readable.")
            // Empty means unset (ossfs 1.x checks the length).
            #expect(try l.chain(env: ["OSS_CREDENTIAL_FILE": ""]).resolve().credentials.accessKeyID == "HOMEID")
        }
    }

    @Test func homeBeforeSystem() throws {
        try withLayout { l in
            try l.home("HOMEID:homesecret\n")
            try l.system("SYSID:syssecret\n")
            let resolved = try l.chain().resolve()
            #expect(resolved.credentials.accessKeyID == "HOMEID")
            #expect(resolved.source.description == "passwd file \(l.homeFile) line 1")
        }
    }

    @Test func homeWithoutKeysForTheBucketFallsThrough() throws {
        try withLayout { l in
            try l.home("otherbucket:OTHERID:othersecret\n# OLD:commentedout\n")
            try l.system("\nmybucket:SYSID:syssecret\n")
            let resolved = try l.chain().resolve()
            #expect(resolved.credentials.accessKeyID == "SYSID")
            #expect(resolved.source == .passwdFile(path: l.systemFile, line: 2))
            // Only comments: same.
            try l.home("# nothing here\n")
            #expect(try l.chain().resolve().credentials.accessKeyID == "SYSID")
        }
    }

    @Test func brokenHomeFileStopsTheSearch() throws {
        try withLayout { l in
            try l.system("SYSID:syssecret\n")
            try l.home("ID:secret\nbad line\n")
            #expect(credentialsError { try l.chain().resolve() } == .whitespaceInLine(path: l.homeFile, line: 2))
            try l.home("ID:secret\n", mode: 0o640)
            #expect(credentialsError { try l.chain().resolve() } == .groupPermissions(path: l.homeFile))
        }
    }

    @Test func systemFileRulesApplyOnlyToTheSystemPath() throws {
        try withLayout { l in
            try l.system("SYSID:syssecret\n", mode: 0o640)
            #expect(try l.chain(withHome: false).resolve().credentials.accessKeyID == "SYSID")
            // The same file given as passwd_file= is still the system file (1.x compares the path).
            #expect(try l.chain(passwdFile: l.systemFile).resolve().credentials.accessKeyID == "SYSID")
            let copy = try l.dir.write("copy", "SYSID:syssecret\n", mode: 0o640)
            #expect(credentialsError { try l.chain(passwdFile: copy).resolve() } == .groupPermissions(path: copy))
        }
    }

    @Test func systemFileWithoutMatchIsAnError() throws {
        try withLayout { l in
            try l.system("otherbucket:ID:secret\n")
            #expect(credentialsError { try l.chain().resolve() } == .noMatchingEntry(path: l.systemFile))
        }
    }

    @Test func bucketSpecificEntryAcrossTheChain() throws {
        try withLayout { l in
            try l.home("DEFID:defsecret\nmybucket:MINEID:minesecret\n")
            #expect(try l.chain(bucket: "mybucket").resolve().source == .passwdFile(path: l.homeFile, line: 2))
            #expect(try l.chain(bucket: "another").resolve().credentials.accessKeyID == "DEFID")
        }
    }

    @Test func nothingFound() throws {
        try withLayout { l in
            let error = credentialsError { try l.chain().resolve() }
            #expect(error == .notFound)
            #expect(error?.description == "Could not determine how to establish security credentials. "
                + "Please check your password file, ram_role, or environment variables.")
            #expect(credentialsError { try l.chain(withHome: false).resolve() } == .notFound)
        }
    }

    @Test func warningsAreCarriedOut() throws {
        try withLayout { l in
            try l.home("OSSAccessKeyId=A\nOSSAccessKeyId=B\nOSSSecretKey=kvsecret\n")
            let resolved = try l.chain().resolve()
            #expect(resolved.credentials.accessKeyID == "A")
            #expect(resolved.warnings.count == 1)
            #expect(resolved.warnings.allSatisfy { !$0.contains("kvsecret") })
        }
    }

    @Test func providerServesTheResolvedKeys() async throws {
        let dir = try CredentialsTempDir()
        defer { dir.remove() }
        let l = Layout(dir: dir)
        try l.home("HOMEID:homesecret\n")
        let config = CredentialsConfiguration(bucket: "mybucket", environment: ["HOME": l.home], systemPasswdFile: l.systemFile)
        let made = try config.makeProvider(fetcher: UnreachableFetcher())
        #expect(try await made.provider.credentials() == .init(accessKeyID: "HOMEID", accessKeySecret: "homesecret"))
        #expect(made.source == .passwdFile(path: l.homeFile, line: 1))
    }
}

/// For configurations that must never reach the metadata service.
struct UnreachableFetcher: MetadataFetcher {
    struct Called: Error {}
    func fetch(method: String, url: String, headers: [(String, String)]) async throws -> (status: Int, body: [UInt8]) {
        Issue.record("metadata service asked for \(method) \(url)")
        throw Called()
    }
}
