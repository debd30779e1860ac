/* kdtype.c - the small QONNX datatype parser the kernels use (bitwidth,
 * signedness, integer-ness, min, max from a name such as "INT2", "BIPOLAR",
 * "FIXED<8,4>").  It exists only until lib/ir's include/brainsmith/datatype.h
 * lands on main; then bs_kdt_parse becomes a thin wrapper over it.  The rules
 * follow finn-reference §4.1-4.3 (QONNX DataType). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include "kernels_int.h"

static void set_int(bs_kdt *d, const char *name, int bits, bool sgn) {
    snprintf(d->name, sizeof d->name, "%s", name);
    d->bits = bits;
    d->is_signed = sgn;
    d->is_integer = true;
    if (sgn) {
        d->min = -ldexp(1.0, bits - 1);
        d->max = ldexp(1.0, bits - 1) - 1;
    } else {
        d->min = 0;
        d->max = ldexp(1.0, bits) - 1;
    }
}

/* Parses "<a>" or "<a,b>" after a prefix; whitespace tolerated. */
static int parse_args(const char *s, long *vals, int maxn) {
    if (*s != '<') return -1;
    s++;
    int n = 0;
    for (;;) {
        while (isspace((unsigned char)*s)) s++;
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || n >= maxn) return -1;
        vals[n++] = v;
        s = end;
        while (isspace((unsigned char)*s)) s++;
        if (*s == ',') { s++; continue; }
        if (*s == '>' && s[1] == 0) return n;
        return -1;
    }
}

static int parse_uint(const char *s, long *out) {
    if (!*s) return -1;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p)) return -1;
    *out = strtol(s, NULL, 10);
    return 0;
}

int bs_kdt_parse(const char *name, bs_kdt *d) {
    memset(d, 0, sizeof *d);
    long v[3];
    if (!name || !*name) return bs_error_set(BS_EINVAL, "empty datatype name");
    if (SEQ(name, "BINARY")) { set_int(d, "BINARY", 1, false); return 0; }
    if (SEQ(name, "BIPOLAR")) {
        set_int(d, "BIPOLAR", 1, true);
        d->min = -1; d->max = 1;
        return 0;
    }
    if (SEQ(name, "TERNARY")) {
        set_int(d, "TERNARY", 2, true);
        d->min = -1; d->max = 1;
        return 0;
    }
    if (SEQ(name, "FLOAT32") || SEQ(name, "FLOAT16")) {
        bool f32 = name[5] == '3';
        snprintf(d->name, sizeof d->name, "%s", name);
        d->bits = f32 ? 32 : 16;
        d->is_signed = true;
        d->max = f32 ? 3.4028234663852886e38 : 65504.0;
        d->min = -d->max;
        return 0;
    }
    if (strncmp(name, "UINT", 4) == 0) {
        if (parse_uint(name + 4, &v[0]) == 0 && v[0] >= 1 && v[0] <= 64) {
            set_int(d, v[0] == 1 ? "BINARY" : name, (int)v[0], false);
            return 0;
        }
    } else if (strncmp(name, "INT", 3) == 0) {
        if (parse_uint(name + 3, &v[0]) == 0 && v[0] >= 1 && v[0] <= 64) {
            set_int(d, name, (int)v[0], true);
            return 0;
        }
    } else if (strncmp(name, "FIXED", 5) == 0) {
        if (parse_args(name + 5, v, 3) == 2 && v[0] >= 1 && v[0] <= 64 && v[1] < v[0] && v[1] > -1000) {
            snprintf(d->name, sizeof d->name, "FIXED<%d,%d>", (int)v[0], (int)v[1]);
            d->bits = (int)v[0];
            d->is_signed = true;
            double scale = ldexp(1.0, -(int)(v[0] - v[1]));
            d->min = -ldexp(1.0, (int)v[0] - 1) * scale;
            d->max = (ldexp(1.0, (int)v[0] - 1) - 1) * scale;
            return 0;
        }
    } else if (strncmp(name, "SCALEDINT", 9) == 0) {
        if (parse_args(name + 9, v, 3) == 1 && v[0] >= 1 && v[0] <= 64) {
            snprintf(d->name, sizeof d->name, "SCALEDINT<%d>", (int)v[0]);
            d->bits = (int)v[0];
            d->is_signed = true;
            return 0;
        }
    }
    return bs_error_set(BS_EINVAL, "unknown QONNX datatype '%s'", name);
}

void bs_kdt_smallest(double value, bs_kdt *out) {
    if (value != floor(value)) {
        bs_kdt_parse("FLOAT32", out);
        return;
    }
    char nm[16];
    for (int b = 1; b <= 64; b++) {          /* BINARY, UINT2.. */
        if (value >= 0 && value <= ldexp(1.0, b) - 1) {
            snprintf(nm, sizeof nm, "UINT%d", b);
            bs_kdt_parse(nm, out);
            return;
        }
    }
    if (value >= -1 && value <= 1) {         /* BIPOLAR wins for -1 (and 1) */
        bs_kdt_parse("BIPOLAR", out);
        return;
    }
    for (int b = 1; b <= 64; b++) {
        if (value >= -ldexp(1.0, b - 1) && value <= ldexp(1.0, b - 1) - 1) {
            snprintf(nm, sizeof nm, "INT%d", b);
            bs_kdt_parse(nm, out);
            return;
        }
    }
    bs_kdt_parse("FLOAT32", out);
}
