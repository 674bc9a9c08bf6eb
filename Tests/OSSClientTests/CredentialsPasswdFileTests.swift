import Glibc
import Testing
@testable import OSSClient

@Suite struct CredentialsPasswdFileTests {
    let path = "/etc/passwd-ossfs"

    func parse(_ text: String) throws -> PasswdFile { try PasswdFile(contents: Array(text.utf8), path: path) }

    @Test func defaultPair() throws {
        let match = try #require(try parse("AKID:s3cret\n").credentials(forBucket: "mybucket"))
        #expect(match.credentials.accessKeyID == "AKID")
        #expect(match.credentials.accessKeySecret == "s3cret")
        #expect(match.credentials.securityToken == nil)
        #expect(match.line == 1)
    }

    @Test func bucketEntryBeatsDefaultAndDefaultServesOtherBuckets() throws {
        let file = try parse("# keys\n\nDEFID:defsecret\nmybucket:BUCKETID:bucketsecret\nother:OTHERID:othersecret\n")
        let mine = try #require(try file.credentials(forBucket: "mybucket"))
        #expect(mine.credentials.accessKeyID == "BUCKETID")
        #expect(mine.credentials.accessKeySecret == "bucketsecret")
        #expect(mine.line == 4)
        let unknown = try #require(try file.credentials(forBucket: "unlisted"))
        #expect(unknown.credentials.accessKeyID == "DEFID")
        #expect(unknown.line == 3)
    }

    @Test func bucketOnlyEntriesGiveNothingForAnotherBucket() throws {
        let file = try parse("a:IDA:SA\nb:IDB:SB\n")
        #expect(try file.credentials(forBucket: "c") == nil)
        #expect(try file.credentials(forBucket: "b")?.credentials.accessKeyID == "IDB")
    }

    @Test func splitsOnFirstAndLastColon() throws {
        let match = try #require(try parse("bkt:ID:WITH:COLONS:secret\n").credentials(forBucket: "bkt"))
        #expect(match.credentials.accessKeyID == "ID:WITH:COLONS")
        #expect(match.credentials.accessKeySecret == "secret")
    }

    @Test func keyValueLinesWin() throws {
        let file = try parse("mybucket:BUCKETID:bucketsecret\nOSSAccessKeyId=KVID\nOSSSecretKey=kvsecret\n")
        let match = try #require(try file.credentials(forBucket: "mybucket"))
        #expect(match.credentials.accessKeyID == "KVID")
        #expect(match.credentials.accessKeySecret == "kvsecret")
        #expect(match.line == 2)
    }

    @Test func keyValueWithOnlyOneKeyIsAnError() throws {
        let file = try parse("# only the id\nOSSAccessKeyId=KVID\nDEF:defsecret\n")
        let error = credentialsError { try file.credentials(forBucket: "b") }
        #expect(error == .keyValuePairIncomplete(path: path, line: 2))
        #expect(error?.description == "/etc/passwd-ossfs:2: Accesskey or Secretkey is not specified.")
    }

    @Test func emptyValuesAreErrors() throws {
        let kv = try parse("OSSAccessKeyId=KVID\nOSSSecretKey=\n")
        #expect(credentialsError { try kv.credentials(forBucket: "b") } == .emptyKeyValue(path: path, line: 2))
        let pair = try parse("b:ID:\n")
        let error = credentialsError { try pair.credentials(forBucket: "b") }
        #expect(error == .emptyKeyInEntry(path: path, line: 1))
        #expect(error?.description
            == "/etc/passwd-ossfs:1: failed to set internal data for access key/secret key from passwd file.")
    }

    @Test func linesAreTrimmedAndCRLFWorks() throws {
        let match = try #require(try parse("  \t# comment\r\n\r\n   ID:secret  \r\n").credentials(forBucket: "b"))
        #expect(match.credentials.accessKeyID == "ID")
        #expect(match.credentials.accessKeySecret == "secret")
        #expect(match.line == 3)
    }

    @Test func whitespaceInsideALineNamesFileAndLineButNotTheSecret() {
        let error = credentialsError { try parse("# c\nID:good\nb:ID:topsecret with-space\n") }
        #expect(error == .whitespaceInLine(path: path, line: 3))
        #expect(error?.description == "/etc/passwd-ossfs:3: invalid line in passwd file, found whitespace character.")
        #expect(error?.description.contains("topsecret") == false)
        #expect(credentialsError { try parse("ID:sec\tret\n") } == .whitespaceInLine(path: path, line: 1))
    }

    @Test func bracketLine() {
        let error = credentialsError { try parse("\n[default]\nID:secret\n") }
        #expect(error == .bracketInLine(path: path, line: 2))
        #expect(error?.description == "/etc/passwd-ossfs:2: invalid line in passwd file, found a bracket \"[\" character.")
    }

    @Test func duplicateBucketEntries() {
        let error = credentialsError { try parse("b:ID1:s1\nID:s\nb:ID2:s2\n") }
        #expect(error == .duplicateBucket(bucket: "b", path: path, line: 3, firstLine: 1))
        #expect(error?.description == "/etc/passwd-ossfs:3: there are multiple entries for the same bucket(b) in the "
            + "passwd file. (first entry at line 1)")
        #expect(error?.description.contains("s2") == false)
    }

    @Test func duplicateDefaultPairIsNamedDefault() {
        let error = credentialsError { try parse("ID1:s1\nID2:s2\n") }
        #expect(error?.description.contains("the same bucket(default) in the passwd file.") == true)
    }

    @Test func lineErrorsComeBeforeDuplicateErrors() {
        // ossfs 1.x checks every line's characters before it looks for duplicates.
        let error = credentialsError { try parse("ID1:s1\nID2:s2\nx y\n") }
        #expect(error == .whitespaceInLine(path: path, line: 3))
    }

    @Test func repeatedKeyWarnsAndFirstWins() throws {
        let file = try parse("OSSAccessKeyId=FIRST\nOSSAccessKeyId=SECOND\nOSSSecretKey=kvsecret\n")
        #expect(try file.credentials(forBucket: "b")?.credentials.accessKeyID == "FIRST")
        #expect(file.warnings == ["/etc/passwd-ossfs:2: same key name(OSSAccessKeyId) found in passwd file, skip this. "
            + "(first at line 1)"])
    }

    @Test func commentsAndBlankLinesOnlyHoldNothing() throws {
        #expect(try parse("# ID:secret\n\n   \n").credentials(forBucket: "b") == nil)
        #expect(try parse("").credentials(forBucket: "b") == nil)
    }
}

@Suite struct CredentialsSecretHygieneTests {
    /// Every way a file can be refused, each holding the same secret: no message may contain it.
    @Test func noPasswdErrorQuotesTheSecret() throws {
        let secret = "TOPSECRETvalue"
        let files = [
            "b:ID:\(secret) x", "[b]\nID:\(secret)", "b:ID:\(secret)\nb:ID2:\(secret)", "ID:\(secret)\nID:\(secret)",
            "OSSSecretKey=\(secret)", "OSSAccessKeyId=\nOSSSecretKey=\(secret)",
        ]
        for text in files {
            let file = try? PasswdFile(contents: Array(text.utf8), path: "/p")
            let error = credentialsError { try PasswdFile(contents: Array(text.utf8), path: "/p") }
                ?? credentialsError { try file?.credentials(forBucket: "b") }
            let described = try #require(error, "no error for \(text.count)-byte file")
            #expect(!described.description.contains(secret))
            #expect(!described.objectStoreError.description.contains(secret))
            #expect(!"\(described)".contains(secret))
        }
    }

    @Test func processEnvironmentIsRead() {
        let name = "OSSFS_CREDS_TEST_\(getpid())"
        setenv(name, "a=b", 1)
        defer { unsetenv(name) }
        #expect(ProcessEnvironment.current()[name] == "a=b")
    }
}
