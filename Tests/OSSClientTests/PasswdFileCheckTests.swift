import Glibc
import Testing
@testable import OSSClient

@Suite struct PasswdFileCheckTests {
    let path = "/tmp/passwd-ossfs-check"

    func problems(_ text: String) -> [PasswdFileProblem] {
        PasswdFileCheck.formatProblems(contents: Array(text.utf8), path: path)
    }

    @Test func aCleanFileHasNoProblems() {
        #expect(problems("# comment\n\n  # indented\nDEF:ds\nabc:I:S\r\nOSSAccessKeyId=K\nOSSSecretKey=V\n").isEmpty)
    }

    @Test func namesEveryBadLineNotJustTheFirst() {
        let found = problems("good:I:S\nbad line:x\n[section]\nabc:I:S\nabc:J:T\nstray\nanother bad\n")
        #expect(found.map(\.line) == [2, 3, 5, 6, 7])
        #expect(found[0].message == "\(path):2: invalid line in passwd file, found whitespace character.")
        #expect(found[1].message == "\(path):3: invalid line in passwd file, found a bracket \"[\" character.")
        #expect(found[2].message == "\(path):5: there are multiple entries for the same bucket(abc) in the passwd file. (first entry at line 4)")
        #expect(found[3].message.hasPrefix("\(path):6: ossfs ignores this line"))
        #expect(found[4].message == "\(path):7: invalid line in passwd file, found whitespace character.")
        #expect(found.allSatisfy { $0.hint != nil })
    }

    @Test func reportsEmptyFieldsAndIncompleteKeyValuePairs() {
        let found = problems("abc::S\nxyz:I:\nOSSAccessKeyId=K\n")
        #expect(found.map(\.line) == [1, 2, 3])
        #expect(found[0].message == "\(path):1: failed to set internal data for access key/secret key from passwd file.")
        #expect(found[2].message == "\(path):3: Accesskey or Secretkey is not specified.")
        #expect(problems("OSSAccessKeyId=K\nOSSSecretKey=\n").map(\.message) == ["\(path):2: failed to set access key/secret key."])
    }

    @Test func reportsARepeatedKeyNameAndAnInvalidBucketName() {
        let found = problems("OSSAccessKeyId=K\nOSSSecretKey=V\nOSSAccessKeyId=K2\nMy_Bucket:I:S\n")
        #expect(found.map(\.line) == [3, 4])
        #expect(found[0].message.hasPrefix("\(path):3: same key name(OSSAccessKeyId)"))
        #expect(found[1].message.hasPrefix("\(path):4: bucket name \"My_Bucket\" is not a valid OSS bucket name"))
    }

    @Test func aFileWithoutEntriesIsAProblem() {
        #expect(problems("# only comments\n\n").map(\.message) == ["\(path): Not found access key/secret key in passwd file."])
        #expect(problems("").map(\.line) == [nil])
    }

    @Test func problemsNeverQuoteASecret() {
        let found = problems("abc:I:sec ret\nDEF:topsecret\nDEF:othersecret\nOSSSecretKey=kvsecret\n")
        #expect(!found.isEmpty)
        for problem in found {
            for secret in ["sec ret", "topsecret", "othersecret", "kvsecret"] {
                #expect(!problem.description.contains(secret))
            }
        }
    }

    @Test func permissionsFollowTheRulesOssfsApplies() throws {
        try withCredentialsTempDir { dir in
            let file = try dir.write("passwd", "a:b\n", mode: 0o600)
            #expect(PasswdFileCheck.permissionProblem(path: file, isSystemFile: false) == nil)
            chmod(file, 0o644)
            let others = PasswdFileCheck.permissionProblem(path: file, isSystemFile: false)
            #expect(others?.description == "credentials file \(file) should not have others permissions. Fix with: chmod 600 \(file)")
            chmod(file, 0o640)
            #expect(PasswdFileCheck.permissionProblem(path: file, isSystemFile: false)?.message
                == "credentials file \(file) should not have group permissions.")
            #expect(PasswdFileCheck.permissionProblem(path: file, isSystemFile: true) == nil)
            chmod(file, 0o700)
            #expect(PasswdFileCheck.permissionProblem(path: file, isSystemFile: false)?.message
                == "credentials file \(file) should not have executable permissions.")
        }
    }
}
