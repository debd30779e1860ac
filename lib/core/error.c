/* error.c - error code table and the thread-local error context.
 *
 * The detail string of the last error is kept per thread so library calls
 * can return a bare code and the caller can still say what and where. */
#include "brainsmith/error.h"

#include <stdio.h>
#include <string.h>

#define BS_ERR_DETAIL_MAX 2048

static _Thread_local char err_detail[BS_ERR_DETAIL_MAX];
static _Thread_local int err_code;

struct err_entry { int code; const char *name; const char *msg; };

static const struct err_entry err_table[] = {
#define BS_ERR_ROW_(name, msg) {BS_E##name, "BS_E" #name, msg},
    BS_ERRNO_MAP(BS_ERR_ROW_)
#undef BS_ERR_ROW_
};

static const struct err_entry *err_find(int code)
{
    for (size_t i = 0; i < sizeof err_table / sizeof err_table[0]; i++)
        if (err_table[i].code == code)
            return &err_table[i];
    return NULL;
}

const char *bs_strerror(int code)
{
    if (code == 0)
        return "success";
    const struct err_entry *e = err_find(code);
    return e ? e->msg : "unknown error";
}

const char *bs_errname(int code)
{
    if (code == 0)
        return "BS_OK";
    const struct err_entry *e = err_find(code);
    return e ? e->name : "BS_E?";
}

int bs_error_setv(int code, const char *fmt, va_list ap)
{
    err_code = code;
    if (fmt)
        vsnprintf(err_detail, sizeof err_detail, fmt, ap);
    else
        snprintf(err_detail, sizeof err_detail, "%s", bs_strerror(code));
    return code;
}

int bs_error_set(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bs_error_setv(code, fmt, ap);
    va_end(ap);
    return code;
}

int bs_error_wrap(int code, const char *fmt, ...)
{
    char prefix[512], old[BS_ERR_DETAIL_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    if (err_code == 0 || err_detail[0] == '\0')
        snprintf(old, sizeof old, "%s", bs_strerror(code));
    else
        snprintf(old, sizeof old, "%s", err_detail);
    snprintf(err_detail, sizeof err_detail, "%s: %s", prefix, old);
    err_code = code;
    return code;
}

const char *bs_error_msg(void)
{
    if (err_detail[0])
        return err_detail;
    return bs_strerror(err_code);
}

int bs_error_code(void) { return err_code; }

void bs_error_clear(void)
{
    err_code = 0;
    err_detail[0] = '\0';
}
