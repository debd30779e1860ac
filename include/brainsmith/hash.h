/* hash.h - SHA-256 (OpenSSL libcrypto) for content addressing and cache keys. */
#ifndef BRAINSMITH_HASH_H
#define BRAINSMITH_HASH_H

#include <stddef.h>
#include <stdint.h>

#define BS_SHA256_LEN 32
#define BS_SHA256_HEX_LEN 64

typedef struct bs_sha256_ctx bs_sha256_ctx;

bs_sha256_ctx *bs_sha256_new(void);
int bs_sha256_update(bs_sha256_ctx *c, const void *data, size_t n);
/* Finishes into out[32] and frees the context. */
int bs_sha256_final(bs_sha256_ctx *c, uint8_t out[BS_SHA256_LEN]);
void bs_sha256_free(bs_sha256_ctx *c);

int bs_sha256(const void *data, size_t n, uint8_t out[BS_SHA256_LEN]);
/* Hex digest of a buffer / a file into hex[65] (NUL-terminated). */
int bs_sha256_hex(const void *data, size_t n, char hex[BS_SHA256_HEX_LEN + 1]);
int bs_sha256_file_hex(const char *path, char hex[BS_SHA256_HEX_LEN + 1]);
void bs_hex_encode(const uint8_t *in, size_t n, char *out /* 2n+1 */);

#endif
