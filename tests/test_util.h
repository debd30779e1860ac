/* test_util.h - shared helpers for cmocka tests: temp dirs and env lookups. */
#ifndef BS_TEST_UTIL_H
#define BS_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "brainsmith/util.h"

/* Makes a fresh temporary directory (removed by bs_test_rmdir). */
static inline char *bs_test_mkdtemp(const char *tag)
{
    char tmpl[256];
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(tmpl, sizeof tmpl, "%s/bs-test-%s-XXXXXX", base, tag);
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static inline void bs_test_rmdir(char *d)
{
    if (d) {
        bs_rm_rf(d);
        free(d);
    }
}

/* Path of the shared test data, or NULL (test should skip) if absent. */
static inline const char *bs_test_shared_data(void)
{
    const char *d = getenv("BS_SHARED_DATA");
    return d && bs_is_dir(d) ? d : NULL;
}

#endif
