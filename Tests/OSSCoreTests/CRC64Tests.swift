import Testing
@testable import OSSCore

/// The bitwise definition from oss-protocol.md §5, as the reference the table-driven code must agree with.
private func referenceCRC(_ crc: UInt64, _ bytes: [UInt8]) -> UInt64 {
    var c = ~crc
    for b in bytes {
        c ^= UInt64(b)
        for _ in 0..<8 { c = c & 1 == 1 ? (c >> 1) ^ 0xC96C_5795_D787_0F42 : c >> 1 }
    }
    return ~c
}

/// A tiny deterministic generator (SplitMix64), so a failing property case can be reproduced.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

@Suite struct CRC64Tests {
    @Test func checkValue() {
        #expect(CRC64.checksum(bytes("123456789")) == 0x995D_C9BB_DF19_39FA)
        #expect(CRC64.checksum(bytes("123456789")) == 11_051_210_869_376_104_954)
    }

    @Test func emptyIsZero() {
        #expect(CRC64.checksum([UInt8]()) == 0)
        #expect(CRC64.update(0, UnsafeRawBufferPointer(start: nil, count: 0)) == 0)
        #expect(CRC64.update(12345, UnsafeRawBufferPointer(start: nil, count: 0)) == 12345)
    }

    @Test func helloWorldAndCombine() {
        let hello = CRC64.checksum(bytes("hello "))
        let world = CRC64.checksum(bytes("world"))
        #expect(hello == 1_796_661_072_844_795_914)
        #expect(world == 4_472_352_582_074_980_600)
        #expect(CRC64.combine(hello, world, length2: 5) == 5_981_764_153_023_615_706)
        #expect(CRC64.checksum(bytes("hello world")) == 5_981_764_153_023_615_706)
    }

    @Test func combineWithEmptySecondPartIsIdentity() {
        let a = CRC64.checksum(bytes("abc"))
        #expect(CRC64.combine(a, 0, length2: 0) == a)
        #expect(CRC64.combine(0, a, length2: 3) == a)   // empty first part
    }

    @Test func threePartVector() {
        let part1 = (0..<102_400).map { UInt8($0 % 251) }
        let part2 = (0..<102_400).map { UInt8(($0 * 7) % 256) }
        let part3 = bytes("tail")
        var acc: UInt64 = 0
        for part in [part1, part2, part3] {
            acc = CRC64.combine(acc, CRC64.checksum(part), length2: UInt64(part.count))
        }
        #expect(acc == 8_426_855_706_170_377_833)
        #expect(CRC64.checksum(part1 + part2 + part3) == 8_426_855_706_170_377_833)
    }

    @Test func updateContinues() {
        let whole = bytes("hello world")
        let first = whole[..<6].withUnsafeBytes { CRC64.update(0, $0) }
        let both = whole[6...].withUnsafeBytes { CRC64.update(first, $0) }
        #expect(both == CRC64.checksum(whole))
    }

    @Test func agreesWithBitwiseReferenceAtEveryLengthAndAlignment() {
        var rng = SplitMix64(state: 42)
        let data = (0..<300).map { _ in UInt8.random(in: 0...255, using: &rng) }
        data.withUnsafeBytes { all in
            for offset in 0..<8 {
                for length in stride(from: 0, to: 300 - offset, by: 7) {
                    let slice = UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)])
                    let expected = referenceCRC(0, Array(slice))
                    #expect(CRC64.update(0, slice) == expected, "offset \(offset) length \(length)")
                }
            }
        }
    }

    @Test func nonContiguousCollection() {
        let data = bytes("123456789")
        #expect(CRC64.checksum(data.lazy.map { $0 }) == 0x995D_C9BB_DF19_39FA)
    }

    /// combine(crc(A), crc(B), len B) == crc(A + B) for random data split at random points.
    @Test func combineMatchesConcatenationAtRandomSplits() {
        var rng = SplitMix64(state: 0xC0FFEE)
        for _ in 0..<200 {
            let length = Int.random(in: 0...5000, using: &rng)
            let data = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let split = Int.random(in: 0...length, using: &rng)
            let a = Array(data[..<split]), b = Array(data[split...])
            let combined = CRC64.combine(CRC64.checksum(a), CRC64.checksum(b), length2: UInt64(b.count))
            #expect(combined == CRC64.checksum(data), "length \(length) split \(split)")
            let continued = b.withUnsafeBytes { CRC64.update(CRC64.checksum(a), $0) }
            #expect(continued == CRC64.checksum(data))
        }
    }

    @Test func combineHandlesLargeLengths() {
        // 1 MiB of zeros appended: combine must equal continuing the CRC over real zeros.
        let a = CRC64.checksum(bytes("prefix"))
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        let expected = zeros.withUnsafeBytes { CRC64.update(a, $0) }
        #expect(CRC64.combine(a, CRC64.checksum(zeros), length2: UInt64(zeros.count)) == expected)
    }
}
