/* util.c - growable strings, file and path helpers, clocks, strict parsers.
 *
 * Small things every module needs; kept here so nobody writes them twice. */
#include "brainsmith/util.h"
#include "brainsmith/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- strbuf */

static int sb_grow(bs_strbuf *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->cap)
        return 0;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + extra + 1)
        cap *= 2;
    char *n = realloc(sb->buf, cap);
    if (!n)
        return bs_error_set(BS_ENOMEM, "string buffer: cannot grow to %zu bytes", cap);
    sb->buf = n;
    sb->cap = cap;
    return 0;
}

int bs_strbuf_append(bs_strbuf *sb, const char *s, size_t n)
{
    int rc = sb_grow(sb, n);
    if (rc)
        return rc;
    if (n)
        memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
    return 0;
}

int bs_strbuf_puts(bs_strbuf *sb, const char *s) { return bs_strbuf_append(sb, s, strlen(s)); }

int bs_strbuf_vprintf(bs_strbuf *sb, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return bs_error_set(BS_EINVAL, "string buffer: bad format");
    int rc = sb_grow(sb, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
    return 0;
}

int bs_strbuf_printf(bs_strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = bs_strbuf_vprintf(sb, fmt, ap);
    va_end(ap);
    return rc;
}

char *bs_strbuf_detach(bs_strbuf *sb)
{
    char *b = sb->buf ? sb->buf : strdup("");
    sb->buf = NULL;
    sb->len = sb->cap = 0;
    return b;
}

void bs_strbuf_free(bs_strbuf *sb)
{
    free(sb->buf);
    sb->buf = NULL;
    sb->len = sb->cap = 0;
}

/* ----------------------------------------------------------------- files */

int bs_read_file(const char *path, char **out, size_t *len)
{
    *out = NULL;
    if (len)
        *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return bs_error_set(errno == ENOENT ? BS_ENOTFOUND : BS_EIO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
        int e = S_ISDIR(st.st_mode) ? EISDIR : errno;
        close(fd);
        return bs_error_set(BS_EIO, "%s: %s", path, strerror(e));
    }
    size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return bs_error_set(BS_ENOMEM, "%s: cannot allocate %zu bytes", path, cap);
    }
    for (;;) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                close(fd);
                return bs_error_set(BS_ENOMEM, "%s: file too large", path);
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            close(fd);
            return bs_error_set(BS_EIO, "%s: read: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int bs_write_file_atomic(const char *path, const void *data, size_t len)
{
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 32);
    if (!tmp)
        return bs_error_set(BS_ENOMEM, "%s: out of memory", path);
    snprintf(tmp, pl + 32, "%s.tmp.%d.XXXXXX", path, (int)getpid());
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return bs_error_set(BS_EIO, "%s: cannot create temp file: %s", path, strerror(e));
    }
    int rc = 0;
    if (write_all(fd, data, len) < 0 || fsync(fd) < 0)
        rc = bs_error_set(BS_EIO, "%s: write: %s", path, strerror(errno));
    if (fchmod(fd, 0644) < 0 && rc == 0)
        rc = bs_error_set(BS_EIO, "%s: chmod: %s", path, strerror(errno));
    close(fd);
    if (rc == 0 && rename(tmp, path) < 0)
        rc = bs_error_set(BS_EIO, "%s: rename: %s", path, strerror(errno));
    if (rc)
        unlink(tmp);
    free(tmp);
    return rc;
}

int bs_mkdir_p(const char *path)
{
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return bs_error_set(BS_EINVAL, "mkdir: bad path '%s'", path);
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                return bs_error_set(BS_EIO, "mkdir %s: %s", buf, strerror(errno));
            buf[i] = c;
        }
    }
    if (!bs_is_dir(path))
        return bs_error_set(BS_EIO, "mkdir %s: exists and is not a directory", path);
    return 0;
}

int bs_rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : bs_error_set(BS_EIO, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (!d)
            return bs_error_set(BS_EIO, "%s: %s", path, strerror(errno));
        struct dirent *de;
        int rc = 0;
        while ((de = readdir(d)) && rc == 0) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            char *c = bs_path_join(path, de->d_name);
            if (!c) {
                rc = bs_error_set(BS_ENOMEM, "rm: out of memory");
                break;
            }
            rc = bs_rm_rf(c);
            free(c);
        }
        closedir(d);
        if (rc)
            return rc;
        if (rmdir(path) < 0)
            return bs_error_set(BS_EIO, "rmdir %s: %s", path, strerror(errno));
        return 0;
    }
    if (unlink(path) < 0 && errno != ENOENT)
        return bs_error_set(BS_EIO, "unlink %s: %s", path, strerror(errno));
    return 0;
}

bool bs_path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

bool bs_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *bs_path_join(const char *a, const char *b)
{
    if (!a || !*a)
        return strdup(b);
    if (b[0] == '/')
        return strdup(b);
    size_t la = strlen(a), lb = strlen(b);
    while (la > 1 && a[la - 1] == '/')
        la--;
    char *r = malloc(la + lb + 2);
    if (!r)
        return NULL;
    memcpy(r, a, la);
    r[la] = '/';
    memcpy(r + la + 1, b, lb + 1);
    return r;
}

/* Lexically normalises an absolute path in place ("/a/./b/../c" -> "/a/c").
 * Returns false if ".." climbs above "/". */
static bool normalise_abs(char *p)
{
    char *out = p, *s = p;
    while (*s) {
        while (*s == '/')
            s++;
        if (!*s)
            break;
        char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 1 && s[0] == '.') {
            /* skip */
        } else if (n == 2 && s[0] == '.' && s[1] == '.') {
            if (out == p)
                return false;
            while (out > p && *--out != '/')
                ;
        } else {
            *out++ = '/';
            memmove(out, s, n);
            out += n;
        }
        s += n;
    }
    if (out == p)
        *out++ = '/';
    *out = '\0';
    return true;
}

static bool has_prefix_dir(const char *path, const char *root)
{
    size_t n = strlen(root);
    if (n == 1 && root[0] == '/')
        return true;
    return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int bs_path_confine(const char *root, const char *user_path, char **out)
{
    *out = NULL;
    char rootbuf[PATH_MAX];
    if (!realpath(root, rootbuf))
        return bs_error_set(BS_ENOTFOUND, "%s: %s", root, strerror(errno));
    if (!user_path || !*user_path)
        return bs_error_set(BS_EINVAL, "empty path");
    char *joined = user_path[0] == '/' ? strdup(user_path) : bs_path_join(rootbuf, user_path);
    if (!joined)
        return bs_error_set(BS_ENOMEM, "out of memory");
    if (!normalise_abs(joined) || !has_prefix_dir(joined, rootbuf)) {
        free(joined);
        return bs_error_set(BS_EINVAL, "path '%s' escapes %s", user_path, rootbuf);
    }
    /* Resolve symlinks of the longest existing prefix and check again. */
    char probe[PATH_MAX], real[PATH_MAX];
    snprintf(probe, sizeof probe, "%s", joined);
    for (;;) {
        if (realpath(probe, real)) {
            if (!has_prefix_dir(real, rootbuf)) {
                free(joined);
                return bs_error_set(BS_EINVAL, "path '%s' escapes %s through a symbolic link",
                                    user_path, rootbuf);
            }
            break;
        }
        char *slash = strrchr(probe, '/');
        if (!slash || slash == probe)
            break;
        *slash = '\0';
    }
    *out = joined;
    return 0;
}

int bs_copy_file(const char *src, const char *dst)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return bs_error_set(errno == ENOENT ? BS_ENOTFOUND : BS_EIO, "%s: %s", src, strerror(errno));
    struct stat st;
    fstat(in, &st);
    int o = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 07777);
    if (o < 0) {
        int e = errno;
        close(in);
        return bs_error_set(BS_EIO, "%s: %s", dst, strerror(e));
    }
    char buf[1 << 16];
    ssize_t r;
    int rc = 0;
    while ((r = read(in, buf, sizeof buf)) != 0) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = bs_error_set(BS_EIO, "%s: read: %s", src, strerror(errno));
            break;
        }
        if (write_all(o, buf, (size_t)r) < 0) {
            rc = bs_error_set(BS_EIO, "%s: write: %s", dst, strerror(errno));
            break;
        }
    }
    close(in);
    if (close(o) < 0 && rc == 0)
        rc = bs_error_set(BS_EIO, "%s: close: %s", dst, strerror(errno));
    return rc;
}

/* ------------------------------------------------------------------ time */

int64_t bs_now_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t bs_now_mono_ms(void) { return bs_now_mono_ns() / 1000000; }

int64_t bs_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

char *bs_format_time(int64_t epoch_ms, char *buf, size_t n)
{
    time_t t = (time_t)(epoch_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char tmp[32];
    strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, n, "%s.%03dZ", tmp, (int)(epoch_ms % 1000));
    return buf;
}

void bs_sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* --------------------------------------------------------------- parsing */

int bs_parse_i64(const char *s, int64_t *out)
{
    if (!s || !*s)
        return bs_error_set(BS_EINVAL, "expected an integer, got an empty string");
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s)
        return bs_error_set(BS_EINVAL, "expected an integer, got '%s'", s);
    *out = v;
    return 0;
}

int bs_parse_double(const char *s, double *out)
{
    if (!s || !*s)
        return bs_error_set(BS_EINVAL, "expected a number, got an empty string");
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || end == s || !isfinite(v))
        return bs_error_set(BS_EINVAL, "expected a number, got '%s'", s);
    *out = v;
    return 0;
}

int bs_parse_mem_mb(const char *s, int64_t *out)
{
    if (!s || !*s)
        return bs_error_set(BS_EINVAL, "expected a memory size, got an empty string");
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0)
        return bs_error_set(BS_EINVAL, "expected a memory size like 512, 512M or 2G, got '%s'", s);
    double mult = 1;
    if (*end) {
        switch (*end) {
        case 'k': case 'K': mult = 1.0 / 1024; break;
        case 'm': case 'M': mult = 1; break;
        case 'g': case 'G': mult = 1024; break;
        case 't': case 'T': mult = 1024 * 1024; break;
        default:
            return bs_error_set(BS_EINVAL, "expected a memory size like 512, 512M or 2G, got '%s'", s);
        }
        end++;
        if (*end == 'B' || *end == 'b')
            end++;
        if (*end)
            return bs_error_set(BS_EINVAL, "expected a memory size like 512, 512M or 2G, got '%s'", s);
    }
    *out = (int64_t)ceil(v * mult);
    return 0;
}

int bs_parse_duration_s(const char *s, double *out)
{
    if (!s || !*s)
        return bs_error_set(BS_EINVAL, "expected a duration, got an empty string");
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0 || !isfinite(v))
        return bs_error_set(BS_EINVAL, "expected a duration like 30, 30s, 5m or 2h, got '%s'", s);
    double mult = 1;
    if (!strcmp(end, "") || !strcmp(end, "s"))
        mult = 1;
    else if (!strcmp(end, "ms"))
        mult = 0.001;
    else if (!strcmp(end, "m"))
        mult = 60;
    else if (!strcmp(end, "h"))
        mult = 3600;
    else if (!strcmp(end, "d"))
        mult = 86400;
    else
        return bs_error_set(BS_EINVAL, "expected a duration like 30, 30s, 5m or 2h, got '%s'", s);
    *out = v * mult;
    return 0;
}

uint64_t bs_random_u64(void)
{
    uint64_t v;
    if (getrandom(&v, sizeof v, 0) == (ssize_t)sizeof v)
        return v;
    return (uint64_t)bs_now_mono_ns() ^ ((uint64_t)getpid() << 32);
}
