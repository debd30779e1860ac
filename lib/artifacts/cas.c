/* cas.c - the content-addressed blob store under <home>/cas.
 *
 * A blob is one zstd frame of some content, named by the SHA-256 of the
 * uncompressed content: cas/ab/cdef... (2 + 62 hex chars).  Writes stream
 * the source through the hash and the compressor into cas/tmp/<unique>,
 * held under flock(LOCK_EX) by its writer (so gc can tell an abandoned temp
 * file from a live one), then fsync + rename into place + fsync of the
 * directory: a reader (or a crash) sees either no blob or the whole blob.
 * Reads decompress and re-hash, so corruption is never handed out silently.
 * Directories are manifests, see tree.c. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "art_int.h"
#include "brainsmith/error.h"
#include "brainsmith/util.h"

#define IO_CHUNK (1u << 20)

bool art_is_digest(const char *s)
{
    if (!s)
        return false;
    for (int i = 0; i < BS_SHA256_HEX_LEN; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return s[BS_SHA256_HEX_LEN] == '\0';
}

char *art_blob_path(const bs_art_store *s, const char *digest)
{
    size_t n = strlen(s->cas) + 70;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%.2s/%s", s->cas, digest, digest + 2);
    return p;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return bs_error_set(BS_EIO, "cas: open %s: %s", dir, strerror(errno));
    int rc = fsync(fd) == 0 ? 0 : bs_error_set(BS_EIO, "cas: fsync %s: %s", dir, strerror(errno));
    close(fd);
    return rc;
}

static int hexval(char c)
{
    return c <= '9' ? c - '0' : c - 'a' + 10;
}

void art_dirsync_begin(bs_art_store *s)
{
    s->defer_dirsync++;
}

int art_dirsync_flush(bs_art_store *s)
{
    if (s->defer_dirsync > 0)
        s->defer_dirsync--;
    int rc = 0;
    for (int i = 0; i < 256; i++) {
        if (!s->dirty[i])
            continue;
        s->dirty[i] = 0;
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s/%02x", s->cas, i);
        int r = fsync_dir(dir);
        if (r && !rc)
            rc = r;
    }
    return rc;
}

static int write_all(int fd, const void *p, size_t n, const char *what)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return bs_error_set(BS_EIO, "cas: write %s: %s", what, strerror(errno));
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Opens a fresh temp file in cas/tmp, locked by this process. */
static int open_temp(bs_art_store *s, char **path_out, int *fd_out)
{
    for (int attempt = 0; attempt < 16; attempt++) {
        char *p = malloc(strlen(s->tmp) + 64);
        if (!p)
            return bs_error_set(BS_ENOMEM, "cas: temp path");
        sprintf(p, "%s/put-%ld-%016llx.tmp", s->tmp, (long)getpid(),
                (unsigned long long)bs_random_u64());
        int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 && errno == EEXIST) {
            free(p);
            continue;
        }
        if (fd < 0) {
            int e = errno;
            free(p);
            return bs_error_set(BS_EIO, "cas: create temp in %s: %s", s->tmp, strerror(e));
        }
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) { /* cannot happen for a new file */
            close(fd);
            unlink(p);
            free(p);
            continue;
        }
        *path_out = p;
        *fd_out = fd;
        return 0;
    }
    return bs_error_set(BS_EIO, "cas: cannot create a unique temp file in %s", s->tmp);
}

typedef struct fd_src { int fd; } fd_src;
typedef struct buf_src { const char *p; size_t n, off; } buf_src;

static ssize_t read_fd_src(void *ud, void *buf, size_t n)
{
    for (;;) {
        ssize_t r = read(((fd_src *)ud)->fd, buf, n);
        if (r >= 0 || errno != EINTR)
            return r;
    }
}

static ssize_t read_buf_src(void *ud, void *buf, size_t n)
{
    buf_src *b = ud;
    size_t take = b->n - b->off < n ? b->n - b->off : n;
    memcpy(buf, b->p + b->off, take);
    b->off += take;
    return (ssize_t)take;
}

/* Streams content from src (returns bytes, 0 at end, <0 with errno) into a
 * blob; pledged >= 0 is the content size if known (recorded in the frame). */
int art_cas_put_src(bs_art_store *s, art_src_fn src, void *ud, int64_t pledged, const char *what,
                    char digest[BS_SHA256_HEX_LEN + 1], int64_t *size_out)
{
    char *tmp = NULL;
    int fd = -1, rc;
    uint8_t *inb = NULL, *outb = NULL;
    size_t outcap = ZSTD_CStreamOutSize();
    if (outcap < IO_CHUNK)
        outcap = IO_CHUNK;
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    bs_sha256_ctx *h = bs_sha256_new();
    outb = malloc(outcap);
    inb = malloc(IO_CHUNK);
    if (!cc || !h || !outb || !inb) {
        rc = bs_error_set(BS_ENOMEM, "cas: put %s", what);
        goto out;
    }
    ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, s->level);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    if (pledged >= 0)
        ZSTD_CCtx_setPledgedSrcSize(cc, (unsigned long long)pledged);
    if ((rc = open_temp(s, &tmp, &fd)))
        goto out;

    int64_t total = 0;
    bool eof = false;
    while (!eof) {
        ssize_t r = src(ud, inb, IO_CHUNK);
        if (r < 0) {
            rc = bs_error_set(BS_EIO, "cas: read %s: %s", what, strerror(errno));
            goto out;
        }
        ZSTD_inBuffer in = {inb, (size_t)r, 0};
        eof = r == 0;
        if (pledged >= 0 && total + r > pledged) {
            rc = bs_error_set(BS_EIO, "cas: %s grew while being stored", what);
            goto out;
        }
        if (in.size && (rc = bs_sha256_update(h, in.src, in.size)))
            goto out;
        total += (int64_t)in.size;
        ZSTD_EndDirective mode = eof ? ZSTD_e_end : ZSTD_e_continue;
        for (;;) {
            ZSTD_outBuffer ob = {outb, outcap, 0};
            size_t left = ZSTD_compressStream2(cc, &ob, &in, mode);
            if (ZSTD_isError(left)) {
                rc = bs_error_set(BS_EIO, "cas: compress %s: %s", what, ZSTD_getErrorName(left));
                goto out;
            }
            if (ob.pos && (rc = write_all(fd, outb, ob.pos, tmp)))
                goto out;
            if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size)
                break;
        }
    }
    uint8_t md[BS_SHA256_LEN];
    rc = bs_sha256_final(h, md);
    h = NULL;
    if (rc)
        goto out;
    bs_hex_encode(md, BS_SHA256_LEN, digest);
    if (size_out)
        *size_out = total;

    char *final = art_blob_path(s, digest);
    if (!final) {
        rc = bs_error_set(BS_ENOMEM, "cas: path");
        goto out;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/%.2s", s->cas, digest);
    if (access(final, F_OK) == 0) {
        /* Dedup: keep the existing blob, refresh its mtime so that gc's grace
         * period covers us until the digest is indexed or leased. */
        utimensat(AT_FDCWD, final, NULL, 0);
        unlink(tmp);
        rc = 0;
    } else if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        rc = bs_error_set(BS_EIO, "cas: mkdir %s: %s", dir, strerror(errno));
    } else if (fchmod(fd, 0444) != 0 || fsync(fd) != 0) {
        rc = bs_error_set(BS_EIO, "cas: fsync %s: %s", tmp, strerror(errno));
    } else if (rename(tmp, final) != 0) {
        rc = bs_error_set(BS_EIO, "cas: rename %s -> %s: %s", tmp, final, strerror(errno));
    } else if (s->defer_dirsync) {
        s->dirty[(hexval(digest[0]) << 4) | hexval(digest[1])] = 1;
    } else {
        rc = fsync_dir(dir);
    }
    free(final);
    if (rc == 0) {
        free(tmp);
        tmp = NULL;
    }
out:
    if (fd >= 0)
        close(fd);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    if (h)
        bs_sha256_free(h);
    ZSTD_freeCCtx(cc);
    free(inb);
    free(outb);
    return rc;
}

int bs_cas_put_file(bs_art_store *s, const char *path, char digest[BS_SHA256_HEX_LEN + 1],
                    int64_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return bs_error_set(errno == ENOENT ? BS_ENOTFOUND : BS_EIO, "cas: open %s: %s", path,
                            strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return bs_error_set(BS_EINVAL, "cas: %s is not a regular file", path);
    }
    fd_src src = {fd};
    int rc = art_cas_put_src(s, read_fd_src, &src, st.st_size, path, digest, size);
    close(fd);
    return rc;
}

int bs_cas_put_buf(bs_art_store *s, const void *data, size_t n,
                   char digest[BS_SHA256_HEX_LEN + 1])
{
    buf_src src = {data, n, 0};
    return art_cas_put_src(s, read_buf_src, &src, (int64_t)n, "buffer", digest, NULL);
}

bool bs_cas_has(bs_art_store *s, const char *digest)
{
    if (!art_is_digest(digest))
        return false;
    char *p = art_blob_path(s, digest);
    bool ok = p && access(p, F_OK) == 0;
    free(p);
    return ok;
}

typedef struct fd_sink { int fd; const char *what; } fd_sink;

static int sink_fd(void *ud, const void *p, size_t n)
{
    fd_sink *k = ud;
    return write_all(k->fd, p, n, k->what);
}

static int sink_mem(void *ud, const void *p, size_t n)
{
    return bs_strbuf_append(ud, p, n);
}

/* Decompresses blob digest into sink (may be NULL), re-hashing; BS_ECORRUPT
 * on any mismatch (the sink may have seen part of the data by then). */
int art_cas_read_sink(bs_art_store *s, const char *digest, art_sink_fn sink, void *ud)
{
    if (!art_is_digest(digest))
        return bs_error_set(BS_EINVAL, "cas: '%s' is not a SHA-256 digest", digest);
    char *path = art_blob_path(s, digest);
    if (!path)
        return bs_error_set(BS_ENOMEM, "cas: path");
    int rc = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = errno == ENOENT ? bs_error_set(BS_ENOTFOUND, "cas: blob %s is missing", digest)
                             : bs_error_set(BS_EIO, "cas: open %s: %s", path, strerror(errno));
        free(path);
        return rc;
    }
    size_t outcap = ZSTD_DStreamOutSize() > IO_CHUNK ? ZSTD_DStreamOutSize() : IO_CHUNK;
    uint8_t *inb = malloc(IO_CHUNK), *outb = malloc(outcap);
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    bs_sha256_ctx *h = bs_sha256_new();
    if (!inb || !outb || !dc || !h) {
        rc = bs_error_set(BS_ENOMEM, "cas: read %s", digest);
        goto out;
    }
    size_t last = 1; /* nonzero until a frame has been completely decoded */
    for (;;) {
        ssize_t r = read(fd, inb, IO_CHUNK);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = bs_error_set(BS_EIO, "cas: read %s: %s", path, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        ZSTD_inBuffer in = {inb, (size_t)r, 0};
        while (in.pos < in.size) {
            ZSTD_outBuffer ob = {outb, outcap, 0};
            last = ZSTD_decompressStream(dc, &ob, &in);
            if (ZSTD_isError(last)) {
                rc = bs_error_set(BS_ECORRUPT, "cas: blob %s is corrupt (%s)", digest,
                                  ZSTD_getErrorName(last));
                goto out;
            }
            if (ob.pos) {
                bs_sha256_update(h, outb, ob.pos);
                if (sink && (rc = sink(ud, outb, ob.pos)))
                    goto out;
            }
        }
    }
    /* Flush anything the decoder still holds. */
    for (int i = 0; last != 0 && i < 1024; i++) {
        ZSTD_inBuffer in = {inb, 0, 0};
        ZSTD_outBuffer ob = {outb, outcap, 0};
        last = ZSTD_decompressStream(dc, &ob, &in);
        if (ZSTD_isError(last) || ob.pos == 0)
            break;
        bs_sha256_update(h, outb, ob.pos);
        if (sink && (rc = sink(ud, outb, ob.pos)))
            goto out;
    }
    if (last != 0) {
        rc = bs_error_set(BS_ECORRUPT, "cas: blob %s is truncated", digest);
        goto out;
    }
    uint8_t md[BS_SHA256_LEN];
    char hex[BS_SHA256_HEX_LEN + 1];
    rc = bs_sha256_final(h, md);
    h = NULL;
    if (rc)
        goto out;
    bs_hex_encode(md, BS_SHA256_LEN, hex);
    if (strcmp(hex, digest) != 0)
        rc = bs_error_set(BS_ECORRUPT, "cas: blob %s is corrupt (content hashes to %.16s...)",
                          digest, hex);
out:
    if (h)
        bs_sha256_free(h);
    ZSTD_freeDCtx(dc);
    free(inb);
    free(outb);
    close(fd);
    free(path);
    return rc;
}

int bs_cas_check(bs_art_store *s, const char *digest)
{
    return art_cas_read_sink(s, digest, NULL, NULL);
}

int bs_cas_read(bs_art_store *s, const char *digest, char **out, size_t *len)
{
    bs_strbuf sb = BS_STRBUF_INIT;
    int rc = art_cas_read_sink(s, digest, sink_mem, &sb);
    if (rc) {
        bs_strbuf_free(&sb);
        return rc;
    }
    if (len)
        *len = sb.len;
    *out = bs_strbuf_detach(&sb);
    return 0;
}

int bs_cas_get_file(bs_art_store *s, const char *digest, const char *out_path, int mode)
{
    size_t n = strlen(out_path) + 40;
    char *tmp = malloc(n);
    if (!tmp)
        return bs_error_set(BS_ENOMEM, "cas: get");
    snprintf(tmp, n, "%s.bs-tmp-%08x", out_path, (unsigned)bs_random_u64());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return bs_error_set(BS_EIO, "cas: create %s: %s", out_path, strerror(e));
    }
    fd_sink k = {fd, out_path};
    int rc = art_cas_read_sink(s, digest, sink_fd, &k);
    if (rc == 0 && fchmod(fd, (mode_t)(mode ? mode : 0644) & 07777) != 0)
        rc = bs_error_set(BS_EIO, "cas: chmod %s: %s", out_path, strerror(errno));
    if (close(fd) != 0 && rc == 0)
        rc = bs_error_set(BS_EIO, "cas: close %s: %s", out_path, strerror(errno));
    if (rc == 0 && rename(tmp, out_path) != 0)
        rc = bs_error_set(BS_EIO, "cas: rename to %s: %s", out_path, strerror(errno));
    if (rc)
        unlink(tmp);
    free(tmp);
    return rc;
}

int art_blob_content_size(bs_art_store *s, const char *digest, int64_t *size)
{
    char *path = art_blob_path(s, digest);
    if (!path)
        return bs_error_set(BS_ENOMEM, "cas: path");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    free(path);
    if (fd < 0)
        return bs_error_set(BS_ENOTFOUND, "cas: blob %s is missing", digest);
    uint8_t hdr[18]; /* ZSTD_FRAMEHEADERSIZE_MAX (a static-only macro) */
    ssize_t r = read(fd, hdr, sizeof hdr);
    close(fd);
    unsigned long long n = r > 0 ? ZSTD_getFrameContentSize(hdr, (size_t)r) : ZSTD_CONTENTSIZE_ERROR;
    if (n == ZSTD_CONTENTSIZE_ERROR)
        return bs_error_set(BS_ECORRUPT, "cas: blob %s has no valid zstd header", digest);
    if (n == ZSTD_CONTENTSIZE_UNKNOWN) { /* not written by us: count it */
        bs_strbuf sb = BS_STRBUF_INIT;
        int rc = art_cas_read_sink(s, digest, sink_mem, &sb);
        *size = (int64_t)sb.len;
        bs_strbuf_free(&sb);
        return rc;
    }
    *size = (int64_t)n;
    return 0;
}
