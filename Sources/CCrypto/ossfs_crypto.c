#include "ossfs_crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/opensslv.h>
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
#include <openssl/core_names.h>
#endif

struct ossfs_digest_ctx {
    EVP_MD_CTX *md;
};

static const EVP_MD *ossfs_md(ossfs_digest_alg alg) {
    switch (alg) {
    case OSSFS_DIGEST_MD5: return EVP_md5();
    case OSSFS_DIGEST_SHA1: return EVP_sha1();
    case OSSFS_DIGEST_SHA256: return EVP_sha256();
    }
    return NULL;
}

size_t ossfs_digest_length(ossfs_digest_alg alg) {
    const EVP_MD *md = ossfs_md(alg);
    return md ? (size_t)EVP_MD_size(md) : 0;
}

int ossfs_digest(ossfs_digest_alg alg, const void *data, size_t length, uint8_t *out) {
    const EVP_MD *md = ossfs_md(alg);
    unsigned int written = 0;
    if (!md) return -1;
    return EVP_Digest(data ? data : "", length, out, &written, md, NULL) == 1 ? 0 : -1;
}

int ossfs_hmac(ossfs_digest_alg alg, const void *key, size_t key_length,
               const void *data, size_t length, uint8_t *out) {
    const EVP_MD *md = ossfs_md(alg);
    unsigned int written = 0;
    if (!md) return -1;
    return HMAC(md, key ? key : "", (int)key_length, data ? data : (const void *)"", length, out, &written)
        ? 0 : -1;
}

// OpenSSL 3 deprecates HMAC_CTX for EVP_MAC; 1.1 (Rocky 8) has only HMAC_CTX. Both keep a keyed template
// and duplicate it per message, which leaves the template untouched (safe to share between threads).
struct ossfs_hmac_key {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    EVP_MAC_CTX *keyed;
#else
    HMAC_CTX *keyed;
#endif
    size_t length;
};

ossfs_hmac_key *ossfs_hmac_key_new(ossfs_digest_alg alg, const void *key, size_t key_length) {
    const EVP_MD *md = ossfs_md(alg);
    ossfs_hmac_key *k;
    if (!md) return NULL;
    k = OPENSSL_zalloc(sizeof(*k));
    if (!k) return NULL;
    k->length = (size_t)EVP_MD_size(md);
    if (!key) key = "";
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac) {
        k->keyed = EVP_MAC_CTX_new(mac);   // holds its own reference to `mac`
        EVP_MAC_free(mac);
    }
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0),
        OSSL_PARAM_construct_end(),
    };
    if (!k->keyed || EVP_MAC_init(k->keyed, key, key_length, params) != 1) {
        ossfs_hmac_key_free(k);
        return NULL;
    }
#else
    k->keyed = HMAC_CTX_new();
    if (!k->keyed || HMAC_Init_ex(k->keyed, key, (int)key_length, md, NULL) != 1) {
        ossfs_hmac_key_free(k);
        return NULL;
    }
#endif
    return k;
}

int ossfs_hmac_key_mac(const ossfs_hmac_key *key, const void *data, size_t length, uint8_t *out) {
    int ok;
    if (!data) data = "";
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    size_t written = 0;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(key->keyed);
    ok = ctx && EVP_MAC_update(ctx, data, length) == 1 && EVP_MAC_final(ctx, out, &written, key->length) == 1
        && written == key->length;
    EVP_MAC_CTX_free(ctx);
#else
    unsigned int written = 0;
    HMAC_CTX *ctx = HMAC_CTX_new();
    ok = ctx && HMAC_CTX_copy(ctx, key->keyed) == 1 && HMAC_Update(ctx, data, length) == 1
        && HMAC_Final(ctx, out, &written) == 1 && written == key->length;
    HMAC_CTX_free(ctx);
#endif
    return ok ? 0 : -1;
}

void ossfs_hmac_key_free(ossfs_hmac_key *key) {
    if (!key) return;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    EVP_MAC_CTX_free(key->keyed);
#else
    HMAC_CTX_free(key->keyed);
#endif
    OPENSSL_free(key);
}

ossfs_digest_ctx *ossfs_digest_new(ossfs_digest_alg alg) {
    const EVP_MD *md = ossfs_md(alg);
    ossfs_digest_ctx *ctx;
    if (!md) return NULL;
    ctx = OPENSSL_zalloc(sizeof(*ctx));
    if (!ctx) return NULL;
    ctx->md = EVP_MD_CTX_new();
    if (!ctx->md || EVP_DigestInit_ex(ctx->md, md, NULL) != 1) {
        ossfs_digest_free(ctx);
        return NULL;
    }
    return ctx;
}

int ossfs_digest_update(ossfs_digest_ctx *ctx, const void *data, size_t length) {
    if (length == 0) return 0;
    return EVP_DigestUpdate(ctx->md, data, length) == 1 ? 0 : -1;
}

int ossfs_digest_final(ossfs_digest_ctx *ctx, uint8_t *out) {
    unsigned int written = 0;
    int rc = EVP_DigestFinal_ex(ctx->md, out, &written) == 1 ? 0 : -1;
    ossfs_digest_free(ctx);
    return rc;
}

void ossfs_digest_free(ossfs_digest_ctx *ctx) {
    if (!ctx) return;
    EVP_MD_CTX_free(ctx->md);
    OPENSSL_free(ctx);
}
