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

    @Test func preparedHMACKeyMatchesOneShot() {
        // RFC 2202 / RFC 4231 test case 2, then a key longer than a block (hashed first), an empty key and message.
        let jefe1 = HMACKey(sha1: bytes("Jefe")), jefe256 = HMACKey(sha256: bytes("Jefe"))
        let data = bytes("what do ya want for nothing?")
        for _ in 0..<2 {   // the keyed state is copied, never used up
            #expect(Hex.encode(jefe1.authenticate(data)) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
            #expect(Hex.encode(jefe256.authenticate(data))
                    == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        }
        let long = [UInt8](repeating: 0xAA, count: 80)
        #expect(Hex.encode(HMACKey(sha1: long).authenticate(bytes("Test Using Larger Than Block-Size Key - Hash Key First")))
                == "aa4ae5e15272d00e95705637ce8a3b55ed402112")
        let messages = [[UInt8](), bytes("x"), [UInt8](repeating: 7, count: 1000)]
        for key in [[UInt8](), bytes("secret"), long] {
            for m in messages {
                #expect(HMACKey(sha1: key).authenticate(m) == Digest.hmacSHA1(key: key, m))
                #expect(HMACKey(sha256: key).authenticate(m) == Digest.hmacSHA256(key: key, m))
            }
        }
    }

    @Test func preparedHMACKeyIsSharedAcrossThreads() async {
        let key = HMACKey(sha1: bytes("secret"))
        let expected = (0..<64).map { Digest.hmacSHA1(key: bytes("secret"), bytes("message \($0)")) }
        let results = await withTaskGroup(of: (Int, [UInt8]).self) { group in
            for i in 0..<64 { group.addTask { (i, key.authenticate(bytes("message \(i)"))) } }
            var out = [[UInt8]](repeating: [], count: 64)
            for await (i, mac) in group { out[i] = mac }
            return out
        }
        #expect(results == expected)
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
