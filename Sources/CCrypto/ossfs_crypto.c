#include "ossfs_crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

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
