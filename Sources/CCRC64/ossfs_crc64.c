// CRC-64/XZ by carry-less multiplication (the folding method of Gopal et al., "Fast CRC Computation for
// Generic Polynomials Using PCLMULQDQ", Intel 2009), written from the algebra below.
//
// Algebra. Bits are reflected: a 16-byte block loaded little-endian has bit i = coefficient of x^(127-i), so its
// low qword holds the high-degree half H and its high qword the low half L of the block polynomial B = H x^64 + L.
// The table-driven register after a message M is M x^64 mod P, with the incoming register XORed into M's
// first 64 bits. A block followed by D more bits contributes B x^D; since only the remainder mod P matters,
// B x^D may be replaced by H (x^(D+64) mod P) + L (x^D mod P), a polynomial of degree < 128: the block has
// been "folded" D bits forward and is XORed onto the block it lands on. PCLMULQDQ of two reflected 64-bit
// operands F and G yields the reflection of F*G*x (the product is 127 bits, right-aligned in 128), hence the
// constants are x^(D+63) and x^(D-1) mod P. Eight independent lanes fold 1024 bits at a time to hide the
// multiplier's latency; at the end lane i is folded (7-i)*128 bits onto lane 7, then whole blocks fold by 128.
//
// 256-bit lanes (VPCLMULQDQ on ymm). A ymm register holds two consecutive blocks, and _mm256_clmulepi64_epi128
// multiplies each 128-bit half by the matching half of the constant register, so one instruction folds both
// blocks by the same distance with the constants above repeated in each half. Four ymm lanes cover 128 bytes,
// so each block folds 1024 bits per round: the eight-lane constant again. The lanes merge pairwise (lanes two
// apart by 512 bits, then neighbours by 256), a single ymm then folds 256 bits per 32 bytes while it can, and
// finally its first block folds 128 bits onto its second, handing one block to the 128-bit tail and reduction.
//
// Reduction. The last block B must become B x^64 mod P. First T = H (x^128 mod P) + L x^64 (degree < 128),
// then Barrett: with T = Th x^64 + Tl and mu = floor(x^128 / P), q = floor(Th * mu / x^64) is exactly
// floor(Th x^64 / P), and T mod P = Tl + low64(q * P). Using mu div x and P div x as reflected operands puts
// q in the low qword of the first product and low64(q * (P - 1)) in the high qword of the second; adding q back
// gives low64(q * P).
//
// The constants in ossfs_crc64.h were computed with a few lines of GF(2) polynomial arithmetic (x^n mod P by
// shift-and-subtract, floor(x^128 / P) by long division, then bit reversal); OSSCoreTests recomputes them.
#include "ossfs_crc64.h"

#if defined(__x86_64__)
#include <immintrin.h>

bool ossfs_crc64_clmul_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}

bool ossfs_crc64_vpclmul_available(void) {
    // GCC's and clang's cpu model report avx2 only when XCR0 shows the OS saving ymm state.
    return ossfs_crc64_clmul_available() && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("vpclmulqdq");
}

#define CLMUL_TARGET __attribute__((target("pclmul,sse4.1")))

// Block x folded forward by the distance k encodes ({lo: HI constant, hi: LO constant}).
CLMUL_TARGET static inline __m128i fold(__m128i x, __m128i k) {
    return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

CLMUL_TARGET static inline __m128i load(const uint8_t *p) { return _mm_loadu_si128((const __m128i *)p); }

CLMUL_TARGET static inline __m128i pair(uint64_t hi_half_constant, uint64_t lo_half_constant) {
    return _mm_set_epi64x((long long)lo_half_constant, (long long)hi_half_constant);
}

// Folds the remaining whole blocks onto x one at a time, then reduces x, the last 128 bits, to the register.
CLMUL_TARGET static inline uint64_t finish(__m128i x, const uint8_t *p, size_t blocks) {
    const __m128i k128 = pair(OSSFS_CRC64_FOLD_128_HI, OSSFS_CRC64_FOLD_128_LO);
    while (blocks > 0) {
        x = _mm_xor_si128(fold(x, k128), load(p));
        p += 16;
        blocks -= 1;
    }

    // T = H (x^128 mod P) + L x^64: multiply the low qword, move the high qword down.
    const __m128i k127 = _mm_cvtsi64_si128((long long)OSSFS_CRC64_FOLD_128_LO);
    __m128i t = _mm_xor_si128(_mm_clmulepi64_si128(x, k127, 0x00), _mm_srli_si128(x, 8));
    // Barrett: q from Th (low qword of t), then Tl + low64(q * (P - 1)) + q.
    const __m128i barrett = _mm_set_epi64x((long long)OSSFS_CRC64_BARRETT_POLY, (long long)OSSFS_CRC64_BARRETT_MU);
    __m128i q = _mm_clmulepi64_si128(t, barrett, 0x00);      // Th * mu: q in the low qword
    __m128i qp = _mm_clmulepi64_si128(q, barrett, 0x10);     // q * (P div x): low64(q * (P - 1)) in the high qword
    __m128i r = _mm_xor_si128(_mm_xor_si128(qp, t), _mm_slli_si128(q, 8));
    return (uint64_t)_mm_extract_epi64(r, 1);
}

CLMUL_TARGET uint64_t ossfs_crc64_clmul_blocks(uint64_t reg, const void *data, size_t length) {
    const uint8_t *p = data;
    size_t blocks = length / 16;
    __m128i x = _mm_xor_si128(load(p), _mm_cvtsi64_si128((long long)reg));
    p += 16;
    blocks -= 1;

    if (blocks >= 15) {   // at least two rounds of eight lanes: worth the lane set-up and merge
        __m128i lane[8];
        lane[0] = x;
        for (int i = 1; i < 8; i++) lane[i] = load(p + 16 * (i - 1));
        p += 16 * 7;
        blocks -= 7;
        const __m128i k1024 = pair(OSSFS_CRC64_FOLD_1024_HI, OSSFS_CRC64_FOLD_1024_LO);
        while (blocks >= 8) {
            for (int i = 0; i < 8; i++) lane[i] = _mm_xor_si128(fold(lane[i], k1024), load(p + 16 * i));
            p += 128;
            blocks -= 8;
        }
        x = lane[7];
        x = _mm_xor_si128(x, fold(lane[0], pair(OSSFS_CRC64_FOLD_896_HI, OSSFS_CRC64_FOLD_896_LO)));
        x = _mm_xor_si128(x, fold(lane[1], pair(OSSFS_CRC64_FOLD_768_HI, OSSFS_CRC64_FOLD_768_LO)));
        x = _mm_xor_si128(x, fold(lane[2], pair(OSSFS_CRC64_FOLD_640_HI, OSSFS_CRC64_FOLD_640_LO)));
        x = _mm_xor_si128(x, fold(lane[3], pair(OSSFS_CRC64_FOLD_512_HI, OSSFS_CRC64_FOLD_512_LO)));
        x = _mm_xor_si128(x, fold(lane[4], pair(OSSFS_CRC64_FOLD_384_HI, OSSFS_CRC64_FOLD_384_LO)));
        x = _mm_xor_si128(x, fold(lane[5], pair(OSSFS_CRC64_FOLD_256_HI, OSSFS_CRC64_FOLD_256_LO)));
        x = _mm_xor_si128(x, fold(lane[6], pair(OSSFS_CRC64_FOLD_128_HI, OSSFS_CRC64_FOLD_128_LO)));
    }

    return finish(x, p, blocks);
}

#define WIDE_TARGET __attribute__((target("vpclmulqdq,avx2,pclmul,sse4.1")))

// The 256-bit forms: both 128-bit halves of x are folded by the same distance, k holding its pair in each half.
WIDE_TARGET static inline __m256i fold256(__m256i x, __m256i k) {
    return _mm256_xor_si256(_mm256_clmulepi64_epi128(x, k, 0x00), _mm256_clmulepi64_epi128(x, k, 0x11));
}

WIDE_TARGET static inline __m256i load256(const uint8_t *p) { return _mm256_loadu_si256((const __m256i *)p); }

WIDE_TARGET static inline __m256i pair256(uint64_t hi_half_constant, uint64_t lo_half_constant) {
    return _mm256_broadcastsi128_si256(pair(hi_half_constant, lo_half_constant));
}

WIDE_TARGET uint64_t ossfs_crc64_vpclmul_blocks(uint64_t reg, const void *data, size_t length) {
    size_t blocks = length / 16;
    // Fewer than eight blocks cannot fill the four lanes once.
    if (blocks < 8) return ossfs_crc64_clmul_blocks(reg, data, length);
    const uint8_t *p = data;
    // Four lanes of two blocks each: on Zen 3 the multiplier's throughput, not latency, then bounds the loop
    // (eight lanes measured no faster, and need twice the input before they pay).
    __m256i lane[4];
    lane[0] = _mm256_xor_si256(load256(p), _mm256_set_epi64x(0, 0, 0, (long long)reg));
    for (int i = 1; i < 4; i++) lane[i] = load256(p + 32 * i);
    p += 128;
    blocks -= 8;
    const __m256i k1024 = pair256(OSSFS_CRC64_FOLD_1024_HI, OSSFS_CRC64_FOLD_1024_LO);
    while (blocks >= 8) {
        for (int i = 0; i < 4; i++) lane[i] = _mm256_xor_si256(fold256(lane[i], k1024), load256(p + 32 * i));
        p += 128;
        blocks -= 8;
    }
    // Merge as a tree (lanes 0, 1 onto 2, 3 by 512 bits, then 2 onto 3 by 256) so the products overlap.
    const __m256i k512 = pair256(OSSFS_CRC64_FOLD_512_HI, OSSFS_CRC64_FOLD_512_LO);
    const __m256i k256 = pair256(OSSFS_CRC64_FOLD_256_HI, OSSFS_CRC64_FOLD_256_LO);
    lane[2] = _mm256_xor_si256(lane[2], fold256(lane[0], k512));
    lane[3] = _mm256_xor_si256(lane[3], fold256(lane[1], k512));
    __m256i y = _mm256_xor_si256(lane[3], fold256(lane[2], k256));
    // Up to three more register pairs, two blocks per step instead of one.
    while (blocks >= 2) {
        y = _mm256_xor_si256(fold256(y, k256), load256(p));
        p += 32;
        blocks -= 2;
    }
    // The earlier block of y onto the later one; the 128-bit code takes the last odd block and the reduction.
    __m128i x = _mm_xor_si128(_mm256_extracti128_si256(y, 1),
                              fold(_mm256_castsi256_si128(y), pair(OSSFS_CRC64_FOLD_128_HI, OSSFS_CRC64_FOLD_128_LO)));
    return finish(x, p, blocks);
}

#else

bool ossfs_crc64_clmul_available(void) { return false; }
bool ossfs_crc64_vpclmul_available(void) { return false; }

uint64_t ossfs_crc64_vpclmul_blocks(uint64_t reg, const void *data, size_t length) {
    (void)data;
    (void)length;
    return reg;   // never called: ossfs_crc64_vpclmul_available() is false on this architecture
}

uint64_t ossfs_crc64_clmul_blocks(uint64_t reg, const void *data, size_t length) {
    (void)data;
    (void)length;
    return reg;   // never called: ossfs_crc64_clmul_available() is false on this architecture
}

#endif
