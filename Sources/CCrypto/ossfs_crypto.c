#include "ossfs_crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/opensslv.h>
#include <pthread.h>
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

// OpenSSL 3 deprecates HMAC_CTX for EVP_MAC; 1.1 (Rocky 8) has only HMAC_CTX. Both keep a keyed template that
// is only ever read (duplicated), so threads can share it. A message resets a spare context to the keyed state
// (init without a key), which costs about half of duplicating the template and freeing the copy; spares are
// kept in a small list under a mutex.
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
typedef EVP_MAC_CTX ossfs_mac_ctx;
#define ossfs_mac_ctx_free EVP_MAC_CTX_free
#else
typedef HMAC_CTX ossfs_mac_ctx;
#define ossfs_mac_ctx_free HMAC_CTX_free
#endif

#define OSSFS_HMAC_SPARES 8

struct ossfs_hmac_key {
    ossfs_mac_ctx *keyed;
    size_t length;
    pthread_mutex_t lock;
    int spare_count;   // guarded by lock
    ossfs_mac_ctx *spares[OSSFS_HMAC_SPARES];   // guarded by lock; each in the keyed state or mid-reset
};

ossfs_hmac_key *ossfs_hmac_key_new(ossfs_digest_alg alg, const void *key, size_t key_length) {
    const EVP_MD *md = ossfs_md(alg);
    ossfs_hmac_key *k;
    if (!md) return NULL;
    k = OPENSSL_zalloc(sizeof(*k));
    if (!k) return NULL;
    if (pthread_mutex_init(&k->lock, NULL) != 0) {
        OPENSSL_free(k);
        return NULL;
    }
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

// A context in the keyed state: a spare reset to it, else a new copy of the template. NULL on failure.
static ossfs_mac_ctx *ossfs_hmac_take(ossfs_hmac_key *key) {
    ossfs_mac_ctx *ctx = NULL;
    pthread_mutex_lock(&key->lock);
    if (key->spare_count > 0) ctx = key->spares[--key->spare_count];
    pthread_mutex_unlock(&key->lock);
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    if (ctx && EVP_MAC_init(ctx, NULL, 0, NULL) == 1) return ctx;   // no key: back to the keyed state
    EVP_MAC_CTX_free(ctx);
    return EVP_MAC_CTX_dup(key->keyed);
#else
    if (ctx && HMAC_Init_ex(ctx, NULL, 0, NULL, NULL) == 1) return ctx;
    if (!ctx) ctx = HMAC_CTX_new();
    if (ctx && HMAC_CTX_copy(ctx, key->keyed) == 1) return ctx;
    HMAC_CTX_free(ctx);
    return NULL;
#endif
}

static void ossfs_hmac_give_back(ossfs_hmac_key *key, ossfs_mac_ctx *ctx) {
    pthread_mutex_lock(&key->lock);
    if (key->spare_count < OSSFS_HMAC_SPARES) {
        key->spares[key->spare_count++] = ctx;
        ctx = NULL;
    }
    pthread_mutex_unlock(&key->lock);
    ossfs_mac_ctx_free(ctx);
}

int ossfs_hmac_key_mac(ossfs_hmac_key *key, const void *data, size_t length, uint8_t *out) {
    int ok;
    if (!data) data = "";
    ossfs_mac_ctx *ctx = ossfs_hmac_take(key);
    if (!ctx) return -1;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    size_t written = 0;
    ok = EVP_MAC_update(ctx, data, length) == 1 && EVP_MAC_final(ctx, out, &written, key->length) == 1
        && written == key->length;
#else
    unsigned int written = 0;
    ok = HMAC_Update(ctx, data, length) == 1 && HMAC_Final(ctx, out, &written) == 1 && written == key->length;
#endif
    if (ok) ossfs_hmac_give_back(key, ctx);
    else ossfs_mac_ctx_free(ctx);   // in an unknown state: never reused
    return ok ? 0 : -1;
}

void ossfs_hmac_key_free(ossfs_hmac_key *key) {
    if (!key) return;
    for (int i = 0; i < key->spare_count; i++) ossfs_mac_ctx_free(key->spares[i]);
    ossfs_mac_ctx_free(key->keyed);
    pthread_mutex_destroy(&key->lock);
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
