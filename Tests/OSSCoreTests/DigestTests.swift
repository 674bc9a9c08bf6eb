import Testing
@testable import OSSCore

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

@Suite struct DigestTests {
    @Test func md5KnownAnswers() {
        #expect(Hex.encode(Digest.md5([UInt8]())) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(Base64.encode(Digest.md5([UInt8]())) == "1B2M2Y8AsgTpgAmY7PhCfg==")   // Content-MD5 of empty body
        #expect(Hex.encode(Digest.md5(bytes("hello world")), uppercase: true) == "5EB63BBBE01EEED093CB22BB8F5ACDC3")
    }

    @Test func shaKnownAnswers() {
        #expect(Hex.encode(Digest.sha1(bytes("abc"))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(Hex.encode(Digest.sha256(bytes("abc")))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.encode(Digest.sha256([UInt8]()))
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func hmacKnownAnswers() {
        // RFC 2202 test case 2 and RFC 4231 test case 2.
        let key = bytes("Jefe"), data = bytes("what do ya want for nothing?")
        #expect(Hex.encode(Digest.hmacSHA1(key: key, data)) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
        #expect(Hex.encode(Digest.hmacSHA256(key: key, data))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func md5StreamMatchesOneShot() {
        var rng = SplitMix64(state: 7)
        let data = (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let stream = MD5Stream()
        var offset = 0
        while offset < data.count {
            let n = min(Int.random(in: 0...9000, using: &rng), data.count - offset)
            data[offset..<(offset + n)].withUnsafeBytes { stream.update($0) }
            offset += n
        }
        #expect(stream.finalize() == Digest.md5(data))
    }

    @Test func md5StreamOfNothing() {
        #expect(Base64.encode(MD5Stream().finalize()) == "1B2M2Y8AsgTpgAmY7PhCfg==")
    }
}
