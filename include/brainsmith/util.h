/* util.h - small shared helpers: growable strings, files, paths, time.
 *
 * Everything here is plain C on POSIX; functions that can fail return 0 or
 * a negative BS_E* code with the detail in the error context. */
#ifndef BRAINSMITH_UTIL_H
#define BRAINSMITH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/types.h>

/* ---- growable string ---- */
typedef struct bs_strbuf { char *buf; size_t len, cap; } bs_strbuf;
#define BS_STRBUF_INIT {NULL, 0, 0}
int bs_strbuf_append(bs_strbuf *sb, const char *s, size_t n);
int bs_strbuf_puts(bs_strbuf *sb, const char *s);
int bs_strbuf_printf(bs_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int bs_strbuf_vprintf(bs_strbuf *sb, const char *fmt, va_list ap);
/* Returns the buffer (never NULL; "" when empty) and gives up ownership. */
char *bs_strbuf_detach(bs_strbuf *sb);
void bs_strbuf_free(bs_strbuf *sb);

/* ---- files ---- */
/* Reads a whole file; *out is malloc'd and NUL-terminated (len excludes NUL). */
int bs_read_file(const char *path, char **out, size_t *len);
/* Writes data to path atomically: temp file in the same dir, fsync, rename. */
int bs_write_file_atomic(const char *path, const void *data, size_t len);
/* mkdir -p with mode 0755. */
int bs_mkdir_p(const char *path);
/* rm -rf (does not follow symlinks). Missing path is not an error. */
int bs_rm_rf(const char *path);
bool bs_path_exists(const char *path);
bool bs_is_dir(const char *path);
/* Joins two path parts with one '/'. malloc'd; NULL on OOM. */
char *bs_path_join(const char *a, const char *b);
/* Resolves `user_path` relative to `root` and fails with BS_EINVAL unless the
 * result stays inside root (no "..", no absolute escape, no symlink escape of
 * existing parts).  *out is malloc'd. */
int bs_path_confine(const char *root, const char *user_path, char **out);
/* Copies a file (preserving mode bits). */
int bs_copy_file(const char *src, const char *dst);

/* ---- time ---- */
/* Monotonic milliseconds / nanoseconds. */
int64_t bs_now_mono_ms(void);
int64_t bs_now_mono_ns(void);
/* Wall clock: milliseconds since the epoch. */
int64_t bs_now_ms(void);
/* Formats epoch ms as ISO-8601 UTC "2026-11-24T16:18:55.123Z" into buf (>= 32 bytes). */
char *bs_format_time(int64_t epoch_ms, char *buf, size_t n);
void bs_sleep_ms(int64_t ms);

/* ---- parsing ---- */
/* Strict integer/double parse of a whole string. */
int bs_parse_i64(const char *s, int64_t *out);
int bs_parse_double(const char *s, double *out);
/* Parses "512", "512M", "2G", "100k" into megabytes (plain numbers are MB). */
int bs_parse_mem_mb(const char *s, int64_t *out);
/* Parses "30", "30s", "5m", "2h", "1.5" into seconds. */
int bs_parse_duration_s(const char *s, double *out);

/* Random 64-bit value from the OS (getrandom); falls back to time^pid. */
uint64_t bs_random_u64(void);

#endif
