/* error.h - brainsmith error codes and the per-thread error context.
 *
 * Every library function returns 0 on success or a negative BS_E* code.
 * The human detail (what failed and where) is kept in a thread-local error
 * context set with bs_error_set(); callers print bs_error_msg().  The codes
 * come from one X-macro table so that the enum, the names and the messages
 * can never drift apart. */
#ifndef BRAINSMITH_ERROR_H
#define BRAINSMITH_ERROR_H

#include <stdarg.h>

#define BS_ERRNO_MAP(X)                                                     \
    X(NOMEM, "out of memory")                                               \
    X(INVAL, "invalid argument")                                            \
    X(IO, "input/output error")                                             \
    X(PARSE, "parse error")                                                 \
    X(NOTFOUND, "not found")                                                \
    X(EXISTS, "already exists")                                             \
    X(UNSUPPORTED, "unsupported")                                           \
    X(CORRUPT, "corrupt data")                                              \
    X(BUSY, "resource busy")                                                \
    X(SPAWN, "cannot start process")                                        \
    X(TIMEOUT, "timed out")                                                 \
    X(CANCELLED, "cancelled")                                               \
    X(RANGE, "value out of range")                                          \
    X(DB, "database error")                                                 \
    X(CYCLE, "dependency cycle")                                            \
    X(STATE, "invalid state")                                               \
    X(VERIFY, "verification failed")                                        \
    X(TOOL, "external tool failed")                                         \
    X(INTERNAL, "internal error")

enum {
    BS_OK = 0,
#define BS_ERR_ENUM_(name, msg) BS_E##name,
    BS_E_FIRST_ = -1000,
    BS_ERRNO_MAP(BS_ERR_ENUM_)
#undef BS_ERR_ENUM_
    BS_E_LAST_
};

/* Message for a code ("out of memory"); "unknown error" for others. */
const char *bs_strerror(int code);
/* Short name of a code ("BS_ENOMEM"). */
const char *bs_errname(int code);

/* Records the detail of the current error and returns code, so that
 * `return bs_error_set(BS_EINVAL, "folding: PE=%d does not divide MH=%d", ...)`
 * is the usual idiom.  Replaces any earlier detail. */
int bs_error_set(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int bs_error_setv(int code, const char *fmt, va_list ap);
/* Prefixes the current detail with context ("loading x.onnx: "); returns code. */
int bs_error_wrap(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The detail of the last error of this thread, or the generic message of
 * `code` if none was set.  Never NULL. */
const char *bs_error_msg(void);
int bs_error_code(void);
void bs_error_clear(void);

#endif
