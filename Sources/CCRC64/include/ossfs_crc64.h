// CCRC64: CRC-64/XZ (OSS's x-oss-hash-crc64ecma) over whole 16-byte blocks with carry-less multiplication.
// Why C: Swift cannot emit PCLMULQDQ; a C function compiled with a target attribute can, and the caller picks it
// at run time only when the CPU has the instruction. OSSCore's CRC64 owns the public API, the byte tail and the
// table-driven fallback; this file only folds blocks.
#ifndef OSSFS_CRC64_H
#define OSSFS_CRC64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// True when this CPU (x86-64 with PCLMULQDQ and SSE4.1) can run ossfs_crc64_clmul_blocks.
bool ossfs_crc64_clmul_available(void);

/// Advances the reflected CRC register `reg` (the complemented CRC, as in a table-driven loop) over the first
/// `length & ~15` bytes of `data`, and returns the new register. Requires length >= 16 and
/// ossfs_crc64_clmul_available(). The caller processes the remaining `length % 16` bytes itself.
uint64_t ossfs_crc64_clmul_blocks(uint64_t reg, const void *_Nonnull data, size_t length);

/// True when this CPU also has VPCLMULQDQ and AVX2 (and the OS saves ymm state): ossfs_crc64_vpclmul_blocks can run.
bool ossfs_crc64_vpclmul_available(void);

/// ossfs_crc64_clmul_blocks on 256-bit registers, two blocks per register, about twice as fast: same contract,
/// and requires ossfs_crc64_vpclmul_available(). Inputs under 128 bytes take the 128-bit path.
uint64_t ossfs_crc64_vpclmul_blocks(uint64_t reg, const void *_Nonnull data, size_t length);

// Folding constants, bit-reflected 64-bit images of polynomials modulo P = x^64 + 0x42F0E1EBA9EA3693
// (see ossfs_crc64.c for the derivation; OSSCoreTests re-derives every one of them).
// Folding a 128-bit block forward by D bits multiplies its first half by x^(D+63) mod P and its second half by
// x^(D-1) mod P: the -1 makes up for PCLMULQDQ's product of two reflected operands landing one bit low.
#define OSSFS_CRC64_FOLD_1024_HI 0x8757d71d4fcc1000ULL   /* rev64(x^1087 mod P): eight xmm or four ymm lanes apart */
#define OSSFS_CRC64_FOLD_1024_LO 0xd7d86b2af73de740ULL   /* rev64(x^1023 mod P) */
#define OSSFS_CRC64_FOLD_896_HI  0x9e735cb59b4724daULL   /* rev64(x^959 mod P): lane 0 onto lane 7 */
#define OSSFS_CRC64_FOLD_896_LO  0x947874de595052cbULL   /* rev64(x^895 mod P) */
#define OSSFS_CRC64_FOLD_768_HI  0x2fe3fd2920ce82ecULL
#define OSSFS_CRC64_FOLD_768_LO  0xe4ce2cd55fea0037ULL
#define OSSFS_CRC64_FOLD_640_HI  0x2e30203212cac325ULL
#define OSSFS_CRC64_FOLD_640_LO  0x0e31d519421a63a5ULL
#define OSSFS_CRC64_FOLD_512_HI  0x6ae3efbb9dd441f3ULL   /* also ymm lane 0 onto 2 and 1 onto 3 */
#define OSSFS_CRC64_FOLD_512_LO  0x081f6054a7842df4ULL
#define OSSFS_CRC64_FOLD_384_HI  0xb5ea1af9c013aca4ULL
#define OSSFS_CRC64_FOLD_384_LO  0x69a35d91c3730254ULL
#define OSSFS_CRC64_FOLD_256_HI  0x60095b008a9efa44ULL   /* also ymm lane 2 onto 3, and the one-ymm loop */
#define OSSFS_CRC64_FOLD_256_LO  0x3be653a30fe1af51ULL
#define OSSFS_CRC64_FOLD_128_HI  0xe05dd497ca393ae4ULL   /* rev64(x^191 mod P): one block ahead */
#define OSSFS_CRC64_FOLD_128_LO  0xdabe95afc7875f40ULL   /* rev64(x^127 mod P), also the first reduction step */
// Barrett reduction of 128 bits to 64: mu = floor(x^128 / P), both mu and P shifted right one bit
// (dropping their x^0 term) before reflecting, so the products come out aligned to a qword.
#define OSSFS_CRC64_BARRETT_MU   0x9c3e466c172963d5ULL   /* rev64(floor(x^128 / P) div x) */
#define OSSFS_CRC64_BARRETT_POLY 0x92d8af2baf0e1e85ULL   /* rev64(P div x) */

#ifdef __cplusplus
}
#endif

#endif
