import CCRC64
import Foundation
import Testing
@testable import OSSCore

/// A GF(2) polynomial as a coefficient array, slow and obvious: the independent derivation of the folding constants.
private struct GF2Polynomial {
    var coefficients: [Bool]   // index = power of x

    static let crc64 = GF2Polynomial(bits: 0x42F0_E1EB_A9EA_3693, plusXToThe: 64)

    init(bits: UInt64, plusXToThe top: Int? = nil) {
        coefficients = (0..<64).map { bits >> UInt64($0) & 1 == 1 }
        if let top {
            coefficients += [Bool](repeating: false, count: top + 1 - 64)
            coefficients[top] = true
        }
    }

    init(xToThe n: Int) {
        coefficients = [Bool](repeating: false, count: n + 1)
        coefficients[n] = true
    }

    var degree: Int { coefficients.lastIndex(of: true) ?? -1 }

    /// Quotient and remainder of long division by `divisor`.
    func divided(by divisor: GF2Polynomial) -> (quotient: GF2Polynomial, remainder: GF2Polynomial) {
        var remainder = self
        var quotient = GF2Polynomial(bits: 0)
        quotient.coefficients = [Bool](repeating: false, count: max(degree - divisor.degree + 1, 1))
        while remainder.degree >= divisor.degree {
            let shift = remainder.degree - divisor.degree
            quotient.coefficients[shift] = true
            for i in 0...divisor.degree where divisor.coefficients[i] { remainder.coefficients[i + shift].toggle() }
        }
        return (quotient, remainder)
    }

    /// Divided by x, dropping the x^0 term.
    var shiftedDown: GF2Polynomial {
        var p = self
        p.coefficients.removeFirst()
        return p
    }

    /// The bit-reflected 64-bit image: bit i holds the coefficient of x^(63 - i). The degree must be below 64.
    var reflected64: UInt64 {
        precondition(degree < 64)
        var value: UInt64 = 0
        for (power, set) in coefficients.enumerated() where set { value |= 1 << UInt64(63 - power) }
        return value
    }
}

private func xPowerModP(_ n: Int) -> UInt64 {
    GF2Polynomial(xToThe: n).divided(by: .crc64).remainder.reflected64
}

/// The old GF(2) 64x64 matrix-squaring combine (zlib's method), kept as the reference for the cheaper one.
private func matrixCombine(_ crc1: UInt64, _ crc2: UInt64, length2: UInt64) -> UInt64 {
    func times(_ matrix: [UInt64], _ vector: UInt64) -> UInt64 {
        var sum: UInt64 = 0, v = vector, i = 0
        while v != 0 {
            if v & 1 != 0 { sum ^= matrix[i] }
            v >>= 1
            i += 1
        }
        return sum
    }
    func square(_ matrix: [UInt64]) -> [UInt64] { matrix.map { times(matrix, $0) } }
    guard length2 > 0 else { return crc1 }
    var odd = [CRC64.polynomial] + (0..<63).map { UInt64(1) << UInt64($0) }
    var even = square(odd)
    odd = square(even)
    var crc = crc1, len = length2
    repeat {
        even = square(odd)
        if len & 1 != 0 { crc = times(even, crc) }
        len >>= 1
        if len == 0 { break }
        odd = square(even)
        if len & 1 != 0 { crc = times(odd, crc) }
        len >>= 1
    } while len != 0
    return crc ^ crc2
}

private func randomBytes(_ count: Int, _ rng: inout SplitMix64) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var i = 0
    while i < count {
        var word = rng.next()
        for _ in 0..<min(8, count - i) {
            bytes[i] = UInt8(truncatingIfNeeded: word)
            word >>= 8
            i += 1
        }
    }
    return bytes
}

/// CRC64.update with the blocks forced through the 256-bit entry point at every length of 16 or more.
private func updateWide(_ crc: UInt64, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
    guard bytes.count >= 16 else { return CRC64.updateWithTables(crc, bytes) }
    let register = ossfs_crc64_vpclmul_blocks(~crc, bytes.baseAddress!, bytes.count)
    return CRC64.updateWithTables(~register, UnsafeRawBufferPointer(rebasing: bytes[(bytes.count & ~15)...]))
}

@Suite struct CRC64FoldingTests {
    @Test func foldingConstantsAreDerivedFromThePolynomial() {
        let folds: [(distance: Int, hi: UInt64, lo: UInt64)] = [
            (1024, OSSFS_CRC64_FOLD_1024_HI, OSSFS_CRC64_FOLD_1024_LO),
            (896, OSSFS_CRC64_FOLD_896_HI, OSSFS_CRC64_FOLD_896_LO),
            (768, OSSFS_CRC64_FOLD_768_HI, OSSFS_CRC64_FOLD_768_LO),
            (640, OSSFS_CRC64_FOLD_640_HI, OSSFS_CRC64_FOLD_640_LO),
            (512, OSSFS_CRC64_FOLD_512_HI, OSSFS_CRC64_FOLD_512_LO),
            (384, OSSFS_CRC64_FOLD_384_HI, OSSFS_CRC64_FOLD_384_LO),
            (256, OSSFS_CRC64_FOLD_256_HI, OSSFS_CRC64_FOLD_256_LO),
            (128, OSSFS_CRC64_FOLD_128_HI, OSSFS_CRC64_FOLD_128_LO),
        ]
        // The 256-bit lanes need no others: four ymm lanes fold by 1024, merge by 512 and 256, and hand over by 128.
        for fold in folds {
            #expect(fold.hi == xPowerModP(fold.distance + 63), "distance \(fold.distance)")
            #expect(fold.lo == xPowerModP(fold.distance - 1), "distance \(fold.distance)")
        }
        let mu = GF2Polynomial(xToThe: 128).divided(by: .crc64).quotient
        #expect(mu.degree == 64)
        #expect(OSSFS_CRC64_BARRETT_MU == mu.shiftedDown.reflected64)
        #expect(OSSFS_CRC64_BARRETT_POLY == GF2Polynomial.crc64.shiftedDown.reflected64)
        // The reflected polynomial the table code uses is the same P.
        #expect(GF2Polynomial(bits: 0x42F0_E1EB_A9EA_3693).reflected64 == CRC64.polynomial)
    }

    @Test(.enabled(if: CRC64.clmulAvailable)) func foldedBlocksMatchTablesFromAnyRegister() {
        var rng = SplitMix64(state: 7)
        for blocks in 1...80 {
            let data = randomBytes(blocks * 16 + Int(rng.next() % 16), &rng)
            let register = rng.next()
            let folded = data.withUnsafeBytes { ossfs_crc64_clmul_blocks(register, $0.baseAddress!, $0.count) }
            let table = data.withUnsafeBytes {
                ~CRC64.updateWithTables(~register, UnsafeRawBufferPointer(rebasing: $0[0..<(blocks * 16)]))
            }
            #expect(folded == table, "blocks \(blocks)")
        }
    }

    @Test(.enabled(if: CRC64.vpclmulAvailable, "this CPU lacks VPCLMULQDQ or AVX2: the 256-bit path is untested"))
    func wideBlocksMatchTablesFromAnyRegister() {
        var rng = SplitMix64(state: 11)
        for blocks in 1...80 {
            let data = randomBytes(blocks * 16 + Int(rng.next() % 16), &rng)
            let register = rng.next()
            let wide = data.withUnsafeBytes { ossfs_crc64_vpclmul_blocks(register, $0.baseAddress!, $0.count) }
            let narrow = data.withUnsafeBytes { ossfs_crc64_clmul_blocks(register, $0.baseAddress!, $0.count) }
            let table = data.withUnsafeBytes {
                ~CRC64.updateWithTables(~register, UnsafeRawBufferPointer(rebasing: $0[0..<(blocks * 16)]))
            }
            #expect(wide == table, "blocks \(blocks)")
            #expect(wide == narrow, "blocks \(blocks)")
        }
    }

    @Test(.enabled(if: CRC64.vpclmulAvailable, "this CPU lacks VPCLMULQDQ or AVX2: the 256-bit path is untested"))
    func wideEveryLengthUpTo600AtEveryMisalignmentMatchesTables() {
        var rng = SplitMix64(state: 0x256)
        let data = randomBytes(600 + 16, &rng)
        data.withUnsafeBytes { all in
            for offset in 0..<16 {
                for length in 0...600 {
                    let slice = UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)])
                    let start = rng.next()
                    let expected = CRC64.updateWithTables(start, slice)
                    #expect(updateWide(start, slice) == expected, "offset \(offset) length \(length)")
                    #expect(CRC64.update(start, slice) == expected, "offset \(offset) length \(length)")
                }
            }
        }
    }

    @Test(.enabled(if: CRC64.vpclmulAvailable, "this CPU lacks VPCLMULQDQ or AVX2: the 256-bit path is untested"))
    func wideLargeLengthsAtEveryMisalignmentMatchTables() {
        var rng = SplitMix64(state: 0x2560)
        let lengths = [4096, (64 << 10) + 13, (1 << 20) + 7, 8 << 20]
        let data = randomBytes((8 << 20) + 16, &rng)
        data.withUnsafeBytes { all in
            for length in lengths {
                for offset in 0..<16 {
                    let slice = UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)])
                    let start = rng.next()
                    let expected = CRC64.updateWithTables(start, slice)
                    #expect(updateWide(start, slice) == expected, "offset \(offset) length \(length)")
                    #expect(CRC64.update(start, slice) == expected, "offset \(offset) length \(length)")
                }
            }
        }
    }

    @Test func everyLengthUpTo4096MatchesTables() {
        var rng = SplitMix64(state: 0x5EED)
        let data = randomBytes(4096 + 64, &rng)
        data.withUnsafeBytes { all in
            for length in 0...4096 {
                let offset = length % 61
                let slice = UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)])
                let start = rng.next()
                #expect(CRC64.update(start, slice) == CRC64.updateWithTables(start, slice), "length \(length)")
            }
        }
    }

    @Test func largeBuffersAtEveryAlignmentMatchTables() {
        var rng = SplitMix64(state: 99)
        let data = randomBytes((1 << 20) + 200, &rng)
        data.withUnsafeBytes { all in
            for offset in 0..<64 {
                let length = (1 << 20) + 137 - offset * 3
                let slice = UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)])
                #expect(CRC64.update(0, slice) == CRC64.updateWithTables(0, slice), "offset \(offset)")
                let start = rng.next()
                #expect(CRC64.update(start, slice) == CRC64.updateWithTables(start, slice), "offset \(offset)")
            }
        }
    }

    @Test func protocolVectorsThroughTheFoldingPath() {
        // 1 MiB of 'a' and of zeros: long enough for eight-lane folding, checked against the table loop and
        // against each other through combine.
        let a = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        for buffer in [a, zeros] {
            let fast = CRC64.checksum(buffer)
            #expect(fast == buffer.withUnsafeBytes { CRC64.updateWithTables(0, $0) })
            let half = 1 << 19
            let first = CRC64.checksum(buffer[..<half]), second = CRC64.checksum(buffer[half...])
            #expect(CRC64.combine(first, second, length2: UInt64(half)) == fast)
        }
        #expect(CRC64.checksum(Array("123456789".utf8)) == 0x995D_C9BB_DF19_39FA)
    }

    @Test func combineMatchesMatrixMethodAtAnyLength() {
        var rng = SplitMix64(state: 31337)
        var lengths: [UInt64] = [1, 2, 3, 7, 8, 255, 4 << 20, 8 << 20, 5 << 30, UInt64.max, 1 << 63]
        for _ in 0..<200 { lengths.append(rng.next() >> (rng.next() % 64)) }
        for length in lengths {
            let crc1 = rng.next(), crc2 = rng.next()
            #expect(CRC64.combine(crc1, crc2, length2: length) == matrixCombine(crc1, crc2, length2: length),
                    "length \(length)")
        }
    }

    /// Prints throughput; no assertion (timings are not tests). Run with OSSFS_CRC64_SPEED=1. Uses the thread's
    /// CPU time, not the wall clock, so figures stay comparable while other processes share the cores.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["OSSFS_CRC64_SPEED"] != nil))
    func printThroughput() {
        func cpuNanoseconds() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
            return Double(t.tv_sec) * 1e9 + Double(t.tv_nsec)
        }
        var rng = SplitMix64(state: 1)
        let data = randomBytes(8 << 20, &rng)
        func rate(_ label: String, rounds: Int, _ body: (UnsafeRawBufferPointer) -> UInt64) {
            var sink: UInt64 = 0
            let start = cpuNanoseconds()
            data.withUnsafeBytes { for _ in 0..<rounds { sink ^= body($0) } }
            let seconds = (cpuNanoseconds() - start) / 1e9
            print("CRC64 \(label): \(Int(Double(rounds * data.count) / seconds / 1e6)) MB/s (\(sink & 1))")
        }
        rate("tables", rounds: 16) { CRC64.updateWithTables(0, $0) }
        rate("update", rounds: 256) { CRC64.update(0, $0) }
        if CRC64.clmulAvailable {
            rate("128-bit blocks", rounds: 256) { ossfs_crc64_clmul_blocks(0, $0.baseAddress!, $0.count) }
        }
        if CRC64.vpclmulAvailable {
            rate("256-bit blocks", rounds: 256) { ossfs_crc64_vpclmul_blocks(0, $0.baseAddress!, $0.count) }
        }
        func perCall(_ label: String, calls: Int, _ body: (UInt64, UInt64) -> UInt64) {
            var sink: UInt64 = 0
            let start = cpuNanoseconds()
            for i in 0..<calls { sink ^= body(UInt64(i), sink) }
            print("CRC64 \(label): \(Int((cpuNanoseconds() - start) / Double(calls))) ns per call (\(sink & 1))")
        }
        // A 4 MiB chunk and an arbitrary 64-bit length.
        perCall("combine 4 MiB", calls: 100_000) { CRC64.combine($0, $1, length2: 4 << 20) }
        perCall("combine any length", calls: 100_000) { CRC64.combine($0, $1, length2: $0 &* 0x9E37_79B9_7F4A_7C15) }
        perCall("matrix combine 4 MiB", calls: 2_000) { matrixCombine($0, $1, length2: 4 << 20) }
    }
}
