// CCrypto: the few OpenSSL libcrypto calls ossfs needs, behind stable C signatures.
// Why a shim: OpenSSL's EVP names are partly macros (EVP_MD_CTX_create in 1.0, EVP_MD_CTX_new in 1.1+)
// and its headers differ between 1.1 (Rocky 8) and 3.x (Debian 12); this file is the one place that knows.
#ifndef OSSFS_CRYPTO_H
#define OSSFS_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    OSSFS_DIGEST_MD5 = 1,
    OSSFS_DIGEST_SHA1 = 2,
    OSSFS_DIGEST_SHA256 = 3,
} ossfs_digest_alg;

/// Length in bytes of the digest `alg` produces (16, 20 or 32), or 0 for an unknown algorithm.
size_t ossfs_digest_length(ossfs_digest_alg alg);

/// One-shot digest of `data`. `out` must hold ossfs_digest_length(alg) bytes. Returns 0 on success.
int ossfs_digest(ossfs_digest_alg alg, const void *_Nullable data, size_t length, uint8_t *_Nonnull out);

/// One-shot HMAC of `data` keyed by `key`. `out` must hold ossfs_digest_length(alg) bytes. Returns 0 on success.
int ossfs_hmac(ossfs_digest_alg alg, const void *_Nullable key, size_t key_length,
               const void *_Nullable data, size_t length, uint8_t *_Nonnull out);

/// An HMAC key prepared once (the key schedule and, on OpenSSL 3, the algorithm fetch) so that each message
/// costs only a reset of a keyed context: the one-shot ossfs_hmac redoes both on every call, and signing every
/// request with the same secret made that a visible share of a small request's CPU. Thread-safe: any number of
/// threads may call ossfs_hmac_key_mac on one key at once.
typedef struct ossfs_hmac_key ossfs_hmac_key;
ossfs_hmac_key *_Nullable ossfs_hmac_key_new(ossfs_digest_alg alg, const void *_Nullable key, size_t key_length);
/// HMAC of `data` under the prepared key. `out` must hold ossfs_digest_length(alg) bytes. Returns 0 on success.
int ossfs_hmac_key_mac(ossfs_hmac_key *_Nonnull key, const void *_Nullable data, size_t length,
                       uint8_t *_Nonnull out);
/// Also wipes the keyed state.
void ossfs_hmac_key_free(ossfs_hmac_key *_Nullable key);

/// Incremental digest, for bodies that stream (Content-MD5 of a multi-GB part). Opaque context.
typedef struct ossfs_digest_ctx ossfs_digest_ctx;
ossfs_digest_ctx *_Nullable ossfs_digest_new(ossfs_digest_alg alg);
int ossfs_digest_update(ossfs_digest_ctx *_Nonnull ctx, const void *_Nullable data, size_t length);
/// Writes the digest to `out` and frees the context.
int ossfs_digest_final(ossfs_digest_ctx *_Nonnull ctx, uint8_t *_Nonnull out);
void ossfs_digest_free(ossfs_digest_ctx *_Nullable ctx);

#ifdef __cplusplus
}
#endif
#endif
