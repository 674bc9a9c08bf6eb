import Glibc
import Testing
@testable import OSSClient

/// ossfs 1.x's mode rules. "System" is the file the chain was told is /etc/passwd-ossfs (here a temp path).
@Suite struct CredentialsPermissionTests {
    func check(mode: mode_t, system: Bool) throws -> CredentialsError? {
        try withCredentialsTempDir { dir in
            let file = try dir.write(system ? "etc/passwd-ossfs" : "home/.passwd-ossfs", "ID:secret\n", mode: mode)
            return credentialsError { try PasswdFileAccess.load(file, isSystemFile: system) }
        }
    }

    @Test func ownerOnlyIsFineEverywhere() throws {
        #expect(try check(mode: 0o600, system: false) == nil)
        #expect(try check(mode: 0o600, system: true) == nil)
        #expect(try check(mode: 0o400, system: false) == nil)
    }

    @Test func systemFileMayBeGroupReadable() throws {
        #expect(try check(mode: 0o640, system: true) == nil)
    }

    @Test func otherFilesMayNotBeGroupReadable() throws {
        let error = try #require(try check(mode: 0o640, system: false))
        guard case .groupPermissions(let path) = error else { Issue.record("got \(error)"); return }
        #expect(error.description == "credentials file \(path) should not have group permissions.")
    }

    @Test func systemFileMayNotBeGroupWritable() throws {
        let error = try #require(try check(mode: 0o660, system: true))
        guard case .groupWritable(let path) = error else { Issue.record("got \(error)"); return }
        #expect(path.hasSuffix("/etc/passwd-ossfs"))
        #expect(error.description == "credentials file \(path) should not have group writable permissions.")
    }

    @Test func noOthersBits() throws {
        for mode: mode_t in [0o644, 0o604, 0o602, 0o601] {
            for system in [false, true] {
                let error = try #require(try check(mode: mode, system: system))
                guard case .othersPermissions(let path) = error else { Issue.record("mode \(mode): \(error)"); continue }
                #expect(error.description == "credentials file \(path) should not have others permissions.")
            }
        }
    }

    @Test func noExecuteBits() throws {
        let error = try #require(try check(mode: 0o700, system: false))
        guard case .executable(let path) = error else { Issue.record("got \(error)"); return }
        #expect(error.description == "credentials file \(path) should not have executable permissions.")
        // Group execute on the system file: not group-writable, but executable.
        guard case .executable = try #require(try check(mode: 0o610, system: true)) else {
            Issue.record("0610 system file accepted"); return
        }
        guard case .executable = try #require(try check(mode: 0o700, system: true)) else {
            Issue.record("0700 system file accepted"); return
        }
    }

    @Test func missingFileReportsStat() throws {
        try withCredentialsTempDir { dir in
            let file = dir.path + "/missing"
            let error = credentialsError { try PasswdFileAccess.load(file, isSystemFile: false) }
            #expect(error == .statFailed(path: file, reason: "No such file or directory"))
            #expect(error?.description == "unexpected error from stat(\(file)): No such file or directory")
        }
    }

    @Test func unreadableFile() throws {
        try withCredentialsTempDir { dir in
            let file = try dir.unixSocket("sock")
            let error = credentialsError { try PasswdFileAccess.load(file, isSystemFile: false) }
            #expect(error == .notReadable(path: file))
            #expect(error?.description == "S3fs passwd file \"\(file)\" is not readable.")
        }
    }

    @Test func symlinkIsFollowedAndTargetModeCounts() throws {
        try withCredentialsTempDir { dir in
            let target = try dir.write("target", "ID:secret\n", mode: 0o644)
            let link = dir.path + "/link"
            #expect(symlink(target, link) == 0)
            #expect(credentialsError { try PasswdFileAccess.load(link, isSystemFile: false) } == .othersPermissions(path: link))
            #expect(chmod(target, 0o600) == 0)
            #expect(try PasswdFileAccess.load(link, isSystemFile: false).credentials(forBucket: "b")?.credentials.accessKeyID == "ID")
        }
    }
}
