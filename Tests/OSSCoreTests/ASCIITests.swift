import Testing
@testable import OSSCore

/// The allocation-free helpers every request and response header goes through.
@Suite struct ASCIITests {
    @Test func equalIgnoringCaseFoldsOnlyASCIILetters() {
        #expect(ASCII.equalIgnoringCase("Content-Length", "content-length"))
        #expect(ASCII.equalIgnoringCase("X-OSS-HASH-CRC64ECMA", "x-oss-hash-crc64ecma"))
        #expect(ASCII.equalIgnoringCase("", ""))
        #expect(!ASCII.equalIgnoringCase("ETag", "ETags"))
        #expect(!ASCII.equalIgnoringCase("a-b", "a_b"))
        #expect(!ASCII.equalIgnoringCase("@", "`"))          // 0x40 and 0x60 differ by the case bit, but are not letters
        #expect(!ASCII.equalIgnoringCase("[", "{"))
        #expect(!ASCII.equalIgnoringCase("É", "é"))           // non-ASCII is compared as is
    }

    @Test func hasPrefixIgnoringCase() {
        #expect(ASCII.hasPrefixIgnoringCase("X-Oss-Meta-Color", "x-oss-meta-"))
        #expect(ASCII.hasPrefixIgnoringCase("x-oss-meta-", "x-oss-meta-"))
        #expect(!ASCII.hasPrefixIgnoringCase("x-oss-met", "x-oss-meta-"))
        #expect(!ASCII.hasPrefixIgnoringCase("Content-Type", "x-oss-"))
        #expect(ASCII.hasPrefixIgnoringCase("anything", ""))
    }

    @Test func caseConversionChangesOnlyASCIILetters() {
        #expect(ASCII.lowercased("Content-MD5") == "content-md5")
        #expect(ASCII.lowercased("already") == "already")
        #expect(ASCII.lowercased("X-OSS-Meta-ÄB") == "x-oss-meta-Äb")
        #expect(ASCII.uppercased("get") == "GET")
        #expect(ASCII.uppercased("PUT") == "PUT")
    }

    @Test func trimmedStripsSpacesTabsAndLineEndsOnly() {
        #expect(ASCII.trimmed("  value \t") == "value")
        #expect(ASCII.trimmed("value") == "value")
        #expect(ASCII.trimmed("\r\n") == "")
        #expect(ASCII.trimmed("") == "")
        #expect(ASCII.trimmed(" a b ") == "a b")
        #expect(ASCII.trimmed(" café ") == "café")           // ends on a multi-byte scalar
        #expect(ASCII.trimmed("\t日本\t") == "日本")
    }

    @Test func decimalReadsDigitsOnlyAndRefusesOverflow() {
        #expect(ASCII.decimal("0"[...]) == 0)
        #expect(ASCII.decimal(" 4096\t"[...]) == 4096)
        #expect(ASCII.decimal("18446744073709551615"[...]) == UInt64.max)
        #expect(ASCII.decimal("18446744073709551616"[...]) == nil)     // one past UInt64.max
        #expect(ASCII.decimal("99999999999999999999"[...]) == nil)     // overflows in the multiplication
        for bad in ["", "  ", "+5", "-1", "1 2", "0x10", "١٢", "12a"] {
            #expect(ASCII.decimal(bad[...]) == nil, "\(bad)")
        }
        let text = "bytes 0-9/10"
        #expect(ASCII.decimal(text[text.index(text.startIndex, offsetBy: 10)...]) == 10)   // a substring's own bytes
    }
}
