import Testing
@testable import OSSCore

@Suite struct HexTests {
    @Test func encodesBothCases() {
        #expect(Hex.encode([0x00, 0x0F, 0xA5, 0xFF]) == "000fa5ff")
        #expect(Hex.encode([0x00, 0x0F, 0xA5, 0xFF], uppercase: true) == "000FA5FF")
        #expect(Hex.encode([UInt8]()) == "")
    }

    @Test func decodes() {
        #expect(Hex.decode("000fA5Ff") == [0x00, 0x0F, 0xA5, 0xFF])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }
}

@Suite struct Base64Tests {
    @Test(arguments: [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                      ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")])
    func rfc4648Vectors(plain: String, encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(encoded) == Array(plain.utf8))
    }

    @Test func roundTripsAllByteValues() {
        let all = (0...255).map { UInt8($0) }
        #expect(Base64.decode(Base64.encode(all)) == all)
        #expect(Base64.encode([0xFB, 0xFF]) == "+/8=")
    }

    @Test func rejectsMalformed() {
        #expect(Base64.decode("Zm9v!") == nil)
        #expect(Base64.decode("Z") == nil)
        #expect(Base64.decode("Zm9=") == nil)   // non-zero trailing bits
        #expect(Base64.decode("Zg=") == nil)    // wrong padding length
        #expect(Base64.decode("Zg") == [0x66])  // unpadded is accepted
    }
}

@Suite struct PercentEncodingTests {
    @Test func keyWithSlashKept() {
        #expect(PercentEncoding.encode("dir/a b+c~(1).txt", keepSlash: true) == "dir/a%20b%2Bc~%281%29.txt")
        #expect(PercentEncoding.encode("dir/", keepSlash: false) == "dir%2F")
    }

    @Test func utf8Keys() {
        #expect(PercentEncoding.encode("目录/a b+c.txt", keepSlash: true) == "%E7%9B%AE%E5%BD%95/a%20b%2Bc.txt")
        #expect(PercentEncoding.encode("é", keepSlash: false) == "%C3%A9")
    }

    @Test func unreservedUntouched() {
        let unreserved = "ABCXYZabcxyz0189-_.~"
        #expect(PercentEncoding.encode(unreserved, keepSlash: false) == unreserved)
        #expect(PercentEncoding.encode("=&?%#*", keepSlash: false) == "%3D%26%3F%25%23%2A")
    }

    @Test func decodes() {
        #expect(PercentEncoding.decode("%E7%9B%AE%E5%BD%95/a%20b%2bc.txt") == "目录/a b+c.txt")
        #expect(PercentEncoding.decode("a+b") == "a+b")
        #expect(PercentEncoding.decode("a+b", plusAsSpace: true) == "a b")
        #expect(PercentEncoding.decode("a%2Bb", plusAsSpace: true) == "a+b")
        // Nothing to decode: the same bytes back (a decomposed é stays decomposed).
        #expect(PercentEncoding.decode("dir/cafe\u{301}.txt").map { Array($0.utf8) } == Array("dir/cafe\u{301}.txt".utf8))
        #expect(PercentEncoding.decode("", plusAsSpace: true) == "")
    }

    @Test func decodeRejectsMalformed() {
        #expect(PercentEncoding.decode("%") == nil)
        #expect(PercentEncoding.decode("abc%4") == nil)
        #expect(PercentEncoding.decode("%zz") == nil)
        #expect(PercentEncoding.decode("%FF%FE") == nil)   // not UTF-8
    }

    @Test func roundTripsArbitraryStrings() {
        for s in ["", "a/b/c", "  lead", "100%", "x\u{1}y", "😀/ü", "+&=?"] {
            #expect(PercentEncoding.decode(PercentEncoding.encode(s, keepSlash: true)) == s)
            #expect(PercentEncoding.decode(PercentEncoding.encode(s, keepSlash: false)) == s)
        }
    }
}

@Suite struct CredentialsTests {
    @Test func descriptionRedactsSecrets() {
        let c = Credentials(accessKeyID: "LTAI5tFakeAccessKeyId0001", accessKeySecret: "SuperSecretValue",
                            securityToken: "TokenValue==")
        for text in [String(describing: c), String(reflecting: c), "\(c)", dumped(c)] {
            #expect(text.contains("LTAI5tFakeAccessKeyId0001"))
            #expect(!text.contains("SuperSecretValue"))
            #expect(!text.contains("TokenValue"))
        }
    }

    @Test func equalityUsesAllFields() {
        let a = Credentials(accessKeyID: "id", accessKeySecret: "s")
        #expect(a == Credentials(accessKeyID: "id", accessKeySecret: "s", securityToken: nil))
        #expect(a != Credentials(accessKeyID: "id", accessKeySecret: "s2"))
        #expect(a != Credentials(accessKeyID: "id", accessKeySecret: "s", securityToken: "t"))
    }

    private func dumped(_ c: Credentials) -> String {
        var out = ""
        dump(c, to: &out)
        return out
    }
}
