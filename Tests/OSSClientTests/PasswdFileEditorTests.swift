import OSSCore
import Testing
@testable import OSSClient

@Suite struct PasswdFileEditorTests {
    let path = "/tmp/passwd-ossfs-test"

    func editor(_ text: String) throws -> PasswdFileEditor {
        try PasswdFileEditor(contents: Array(text.utf8), path: path)
    }

    func text(_ editor: PasswdFileEditor) -> String { String(decoding: editor.contents, as: UTF8.self) }

    /// What ossfs would use for `bucket` in the edited file, read by the parser ossfs uses.
    func reread(_ editor: PasswdFileEditor, bucket: String) throws -> Credentials? {
        try PasswdFile(contents: editor.contents, path: path).credentials(forBucket: bucket)?.credentials
    }

    func editError(_ body: () throws -> Void) -> PasswdFileEditError? {
        do { try body(); return nil } catch let error as PasswdFileEditError { return error } catch { return nil }
    }

    // MARK: set

    @Test func addsToAnEmptyFile() throws {
        var e = try editor("")
        #expect(try e.set(.bucket("mybucket"), accessKeyID: "LTAIid", secret: "s3cret") == .added(line: 1))
        #expect(text(e) == "mybucket:LTAIid:s3cret\n")
        var d = try editor("")
        try d.set(.defaultEntry, accessKeyID: "LTAIid", secret: "s3cret")
        #expect(text(d) == "LTAIid:s3cret\n")
    }

    @Test func replacesInPlaceKeepingCommentsAndOtherEntriesByteForByte() throws {
        let before = "# keys for the nas box\n\n  # indented comment\nDEF:defsecret\nmybucket:OLD:oldsecret\nother:OID:osecret\n"
        var e = try editor(before)
        #expect(try e.set(.bucket("mybucket"), accessKeyID: "NEW", secret: "newsecret") == .replaced(line: 5))
        #expect(text(e) == "# keys for the nas box\n\n  # indented comment\nDEF:defsecret\nmybucket:NEW:newsecret\nother:OID:osecret\n")
        #expect(try reread(e, bucket: "mybucket") == Credentials(accessKeyID: "NEW", accessKeySecret: "newsecret"))
        #expect(try reread(e, bucket: "other") == Credentials(accessKeyID: "OID", accessKeySecret: "osecret"))
        #expect(try reread(e, bucket: "unlisted") == Credentials(accessKeyID: "DEF", accessKeySecret: "defsecret"))
    }

    @Test func replacesTheDefaultEntryNotABucketOne() throws {
        var e = try editor("bkt:BID:bsecret\nDEF:old\n# end")
        #expect(try e.set(.defaultEntry, accessKeyID: "DEF2", secret: "new") == .replaced(line: 2))
        #expect(text(e) == "bkt:BID:bsecret\nDEF2:new\n# end")
    }

    @Test func appendsAfterAnUnterminatedLastLine() throws {
        var e = try editor("# no newline at the end")
        #expect(try e.set(.bucket("abc"), accessKeyID: "ID", secret: "S") == .added(line: 2))
        #expect(text(e) == "# no newline at the end\nabc:ID:S\n")
    }

    @Test func keepsCRLFLineEndings() throws {
        var e = try editor("# windows\r\nabc:ID:S\r\n")
        try e.set(.bucket("abc"), accessKeyID: "ID2", secret: "S2")
        try e.set(.bucket("xyz"), accessKeyID: "ID3", secret: "S3")
        #expect(text(e) == "# windows\r\nabc:ID2:S2\r\nxyz:ID3:S3\r\n")
        #expect(try reread(e, bucket: "xyz") == Credentials(accessKeyID: "ID3", accessKeySecret: "S3"))
    }

    @Test func defaultEntryKeepsTheKeyValueFormWhenTheFileUsesIt() throws {
        var e = try editor("# kv\nOSSAccessKeyId=OLD\nOSSSecretKey=oldsecret\n")
        #expect(try e.set(.defaultEntry, accessKeyID: "NEW", secret: "ne=w") == .replaced(line: 2))
        #expect(text(e) == "# kv\nOSSAccessKeyId=NEW\nOSSSecretKey=ne=w\n")
        #expect(try reread(e, bucket: "any") == Credentials(accessKeyID: "NEW", accessKeySecret: "ne=w"))
    }

    @Test func completesAnIncompleteKeyValuePair() throws {
        var e = try editor("OSSAccessKeyId=OLD\n")
        try e.set(.defaultEntry, accessKeyID: "NEW", secret: "sec")
        #expect(text(e) == "OSSAccessKeyId=NEW\nOSSSecretKey=sec\n")
    }

    @Test func refusesABucketEntryThatKeyValueLinesWouldOverride() throws {
        var e = try editor("# x\nOSSAccessKeyId=KV\nOSSSecretKey=kvs\n")
        let error = editError { try e.set(.bucket("mybucket"), accessKeyID: "ID", secret: "S") }
        #expect(error == .overriddenByKeyValueLines(bucket: "mybucket", path: path, line: 2))
        #expect(text(e) == "# x\nOSSAccessKeyId=KV\nOSSSecretKey=kvs\n")
    }

    @Test func refusesAFileOssfsCannotParse() {
        #expect(throws: CredentialsError.whitespaceInLine(path: path, line: 2)) { try editor("a:b\nc d:e\n") }
        #expect(throws: CredentialsError.duplicateBucket(bucket: "abc", path: path, line: 2, firstLine: 1)) {
            try editor("abc:I:S\nabc:J:T\n")
        }
    }

    // MARK: field rules

    @Test func rejectsBadSecretsWithoutQuotingThem() throws {
        var e = try editor("")
        for secret in ["", "has space", "tab\there", "line\nbreak", "co:lon", "caf\u{e9}", "bell\u{7}"] {
            let error = editError { try e.set(.defaultEntry, accessKeyID: "ID", secret: secret) }
            guard case .invalidSecret = error else {
                Issue.record("secret \(secret.debugDescription) was not rejected as a secret: \(String(describing: error))")
                continue
            }
            if !secret.isEmpty { #expect(!(error?.description.contains(secret) ?? true)) }
        }
        #expect(e.contents.isEmpty)
        #expect(editError { try e.set(.defaultEntry, accessKeyID: "ID", secret: "s with space") }?.description
            == "the AccessKey secret contains whitespace (a space, tab or line break), which ossfs rejects; check what was pasted")
    }

    @Test func rejectsBadAccessKeyIDs() throws {
        var e = try editor("")
        for id in ["", "a b", "a:b", "OSSAccessKeyId=x", "#comment", "[x", "id\u{0}"] {
            guard case .invalidAccessKeyID = editError({ try e.set(.defaultEntry, accessKeyID: id, secret: "S") }) else {
                Issue.record("id \(id.debugDescription) was accepted")
                continue
            }
        }
        try e.set(.defaultEntry, accessKeyID: "STS.NUx-y_z", secret: "S")
        #expect(text(e) == "STS.NUx-y_z:S\n")
    }

    @Test func rejectsBucketsOssWouldNotName() throws {
        var e = try editor("")
        for bucket in ["ab", String(repeating: "a", count: 64), "My-Bucket", "-abc", "abc-", "a_b", "bkt:/prefix", "a b"] {
            guard case .invalidBucket(bucket, _) = editError({ try e.set(.bucket(bucket), accessKeyID: "ID", secret: "S") }) else {
                Issue.record("bucket \(bucket.debugDescription) was accepted")
                continue
            }
        }
        #expect(editError { try PasswdFileEditor.validate(bucket: "bkt:/prefix") }?.description
            == "bucket name \"bkt:/prefix\" contains ':'; give the bucket alone, without a :/prefix or key")
        try e.set(.bucket("a-1"), accessKeyID: "ID", secret: "S")
        try e.set(.bucket(String(repeating: "b", count: 63)), accessKeyID: "ID", secret: "S")
        #expect(e.entries.count == 2)
    }

    // MARK: remove

    @Test func removesOneBucketEntryKeepingTheRest() throws {
        var e = try editor("# head\nabc:I:S\n\nxyz:J:T\n# tail\n")
        #expect(try e.remove(.bucket("abc")) == [2])
        #expect(text(e) == "# head\n\nxyz:J:T\n# tail\n")
        #expect(try reread(e, bucket: "abc") == nil)
    }

    @Test func removingTheDefaultTakesTheKeyValueLinesToo() throws {
        var e = try editor("DEF:d\nabc:I:S\nOSSAccessKeyId=K\nOSSSecretKey=V\nOSSAccessKeyId=K2\n")
        #expect(try e.remove(.defaultEntry) == [1, 3, 4, 5])
        #expect(text(e) == "abc:I:S\n")
        #expect(try reread(e, bucket: "abc") == Credentials(accessKeyID: "I", accessKeySecret: "S"))
        #expect(try reread(e, bucket: "other") == nil)
    }

    @Test func removingAnAbsentEntryIsAnErrorAndChangesNothing() throws {
        var e = try editor("abc:I:S\n")
        #expect(editError { try e.remove(.bucket("xyz")) } == .entryNotFound(.bucket("xyz"), path: path))
        #expect(editError { try e.remove(.defaultEntry) } == .entryNotFound(.defaultEntry, path: path))
        #expect(text(e) == "abc:I:S\n")
        #expect(PasswdFileEditError.entryNotFound(.bucket("xyz"), path: path).description
            == "\(path) has no entry for bucket xyz; 'ossfs-passwd list' shows the entries it has")
    }

    // MARK: listing and mode

    @Test func listsEntriesInFileOrderWithoutSecrets() throws {
        let e = try editor("zzz:ZID:zs\nDEF:ds\naaa:AID:as\nOSSSecretKey=kvs\nOSSAccessKeyId=KVID\n")
        #expect(e.entries == [
            .init(bucket: "zzz", accessKeyID: "ZID", line: 1),
            .init(bucket: nil, accessKeyID: "DEF", line: 2),
            .init(bucket: "aaa", accessKeyID: "AID", line: 3),
        ])
        #expect(e.keyValueEntry == .init(accessKeyID: "KVID", accessKeyIDLine: 5, secretLine: 4, isComplete: true))
        #expect(try editor("OSSSecretKey=x\n").keyValueEntry?.isComplete == false)
        #expect(try editor("a:b\n").keyValueEntry == nil)
    }

    @Test func rewriteModeIsOwnerOnlyExceptAGroupReadableSystemFile() {
        #expect(PasswdFileEditor.rewriteMode(existing: nil, isSystemFile: false) == 0o600)
        #expect(PasswdFileEditor.rewriteMode(existing: nil, isSystemFile: true) == 0o600)
        #expect(PasswdFileEditor.rewriteMode(existing: 0o100644, isSystemFile: false) == 0o600)
        #expect(PasswdFileEditor.rewriteMode(existing: 0o100640, isSystemFile: false) == 0o600)
        #expect(PasswdFileEditor.rewriteMode(existing: 0o100640, isSystemFile: true) == 0o640)
        #expect(PasswdFileEditor.rewriteMode(existing: 0o100644, isSystemFile: true) == 0o600)
        #expect(PasswdFileEditor.rewriteMode(existing: 0o100660, isSystemFile: true) == 0o600)
        #expect(PasswdFileEditor.rewriteMode(existing: 0o100400, isSystemFile: false) == 0o600)
    }
}
