/* hash.c - SHA-256 through OpenSSL's EVP interface. */
#include "brainsmith/hash.h"
#include "brainsmith/error.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct bs_sha256_ctx { EVP_MD_CTX *md; };

bs_sha256_ctx *bs_sha256_new(void)
{
    bs_sha256_ctx *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    c->md = EVP_MD_CTX_new();
    if (!c->md || EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(c->md);
        free(c);
        bs_error_set(BS_EINTERNAL, "sha256: cannot initialise libcrypto digest");
        return NULL;
    }
    return c;
}

int bs_sha256_update(bs_sha256_ctx *c, const void *data, size_t n)
{
    if (EVP_DigestUpdate(c->md, data, n) != 1)
        return bs_error_set(BS_EINTERNAL, "sha256: update failed");
    return 0;
}

int bs_sha256_final(bs_sha256_ctx *c, uint8_t out[BS_SHA256_LEN])
{
    unsigned int len = 0;
    int ok = EVP_DigestFinal_ex(c->md, out, &len) == 1 && len == BS_SHA256_LEN;
    bs_sha256_free(c);
    return ok ? 0 : bs_error_set(BS_EINTERNAL, "sha256: final failed");
}

void bs_sha256_free(bs_sha256_ctx *c)
{
    if (!c)
        return;
    EVP_MD_CTX_free(c->md);
    free(c);
}

int bs_sha256(const void *data, size_t n, uint8_t out[BS_SHA256_LEN])
{
    unsigned int len = 0;
    if (EVP_Digest(data, n, out, &len, EVP_sha256(), NULL) != 1)
        return bs_error_set(BS_EINTERNAL, "sha256 failed");
    return 0;
}

void bs_hex_encode(const uint8_t *in, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[in[i] >> 4];
        out[2 * i + 1] = hx[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int bs_sha256_hex(const void *data, size_t n, char hex[BS_SHA256_HEX_LEN + 1])
{
    uint8_t d[BS_SHA256_LEN];
    int rc = bs_sha256(data, n, d);
    if (rc == 0)
        bs_hex_encode(d, sizeof d, hex);
    return rc;
}

int bs_sha256_file_hex(const char *path, char hex[BS_SHA256_HEX_LEN + 1])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return bs_error_set(errno == ENOENT ? BS_ENOTFOUND : BS_EIO, "%s: %s", path, strerror(errno));
    bs_sha256_ctx *c = bs_sha256_new();
    if (!c) {
        close(fd);
        return BS_EINTERNAL;
    }
    unsigned char buf[1 << 16];
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            bs_sha256_free(c);
            close(fd);
            return bs_error_set(BS_EIO, "%s: read: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        bs_sha256_update(c, buf, (size_t)r);
    }
    close(fd);
    uint8_t d[BS_SHA256_LEN];
    int rc = bs_sha256_final(c, d);
    if (rc == 0)
        bs_hex_encode(d, sizeof d, hex);
    return rc;
}
