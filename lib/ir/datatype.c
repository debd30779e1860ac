/* datatype.c - QONNX datatypes: parse/print names, ranges, allowed(),
 * smallest type for a value.  Matches qonnx.core.datatype (finn-reference §4),
 * including its quirks (get_smallest_possible(-1) == BIPOLAR). */
#include "brainsmith/datatype.h"
#include "brainsmith/error.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bs_dt bs_dt_int(int bits)
{
    bs_dt d = {0};
    if (bits >= 1 && bits <= 64) { d.kind = BS_DT_INT; d.bits = (uint8_t)bits; }
    return d;
}

bs_dt bs_dt_uint(int bits)
{
    bs_dt d = {0};
    if (bits >= 1 && bits <= 64) { d.kind = BS_DT_UINT; d.bits = (uint8_t)bits; }
    return d;
}

bs_dt bs_dt_make(bs_dt_kind kind)
{
    bs_dt d = {0};
    d.kind = (uint8_t)kind;
    switch (kind) {
    case BS_DT_BIPOLAR: d.bits = 1; break;
    case BS_DT_TERNARY: d.bits = 2; break;
    case BS_DT_FLOAT32: d.bits = 32; break;
    case BS_DT_FLOAT16: d.bits = 16; break;
    default: d.kind = BS_DT_INVALID; break;
    }
    return d;
}

bs_dt bs_dt_fixed(int bits, int ibits)
{
    bs_dt d = {0};
    if (bits >= 1 && bits <= 64 && ibits >= 0 && ibits < bits) {
        d.kind = BS_DT_FIXED; d.bits = (uint8_t)bits; d.ibits = (uint8_t)ibits;
    }
    return d;
}

/* Parses "<a,b,c>" numbers after a prefix; returns count or -1. */
static int parse_args(const char *s, long *v, int maxn)
{
    if (*s != '<') return -1;
    s++;
    int n = 0;
    for (;;) {
        while (isspace((unsigned char)*s)) s++;
        char *end;
        long x = strtol(s, &end, 10);
        if (end == s || n >= maxn) return -1;
        v[n++] = x;
        s = end;
        while (isspace((unsigned char)*s)) s++;
        if (*s == ',') { s++; continue; }
        if (*s == '>' && s[1] == '\0') return n;
        return -1;
    }
}

static int parse_uint_suffix(const char *s, long *out)
{
    if (!*s) return -1;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p)) return -1;
    *out = strtol(s, NULL, 10);
    return 0;
}

int bs_dt_parse(const char *name, bs_dt *out)
{
    bs_dt d = {0};
    long v[3];
    int n;
    if (!name) return bs_error_set(BS_EPARSE, "datatype: missing name");
    if (!strcmp(name, "BINARY")) d = BS_DT_BINARY_V;
    else if (!strcmp(name, "BIPOLAR")) d = bs_dt_make(BS_DT_BIPOLAR);
    else if (!strcmp(name, "TERNARY")) d = bs_dt_make(BS_DT_TERNARY);
    else if (!strcmp(name, "FLOAT32")) d = BS_DT_FLOAT32_V;
    else if (!strcmp(name, "FLOAT16")) d = bs_dt_make(BS_DT_FLOAT16);
    else if (!strncmp(name, "UINT", 4)) {
        if (parse_uint_suffix(name + 4, v) == 0 && v[0] >= 1 && v[0] <= 64) d = bs_dt_uint((int)v[0]);
    } else if (!strncmp(name, "INT", 3)) {
        if (parse_uint_suffix(name + 3, v) == 0 && v[0] >= 1 && v[0] <= 64) d = bs_dt_int((int)v[0]);
    } else if (!strncmp(name, "FIXED", 5)) {
        if (parse_args(name + 5, v, 3) == 2 && v[0] >= 1 && v[0] <= 64 && v[1] >= 0 && v[1] < v[0])
            d = bs_dt_fixed((int)v[0], (int)v[1]);
    } else if (!strncmp(name, "SCALEDINT", 9)) {
        if (parse_args(name + 9, v, 3) == 1 && v[0] >= 1 && v[0] <= 64) {
            d.kind = BS_DT_SCALEDINT; d.bits = (uint8_t)v[0];
        }
    } else if (!strncmp(name, "FLOAT", 5)) {
        n = parse_args(name + 5, v, 3);
        if (n == 2 || n == 3) {
            long e = v[0], m = v[1];
            long b = n == 3 ? v[2] : (1L << (e - 1)) - 1;
            if (e >= 1 && e <= 15 && m >= 0 && m <= 52 && 1 + e + m <= 64 &&
                b >= -32768 && b <= 32767) {
                d.kind = BS_DT_FLOAT; d.bits = (uint8_t)(1 + e + m);
                d.ibits = (uint8_t)e; d.mbits = (uint8_t)m; d.bias = (int16_t)b;
            }
        }
    }
    if (d.kind == BS_DT_INVALID)
        return bs_error_set(BS_EPARSE, "datatype: unknown QONNX datatype '%s'", name);
    *out = d;
    return 0;
}

const char *bs_dt_name(bs_dt dt, char *buf)
{
    switch ((bs_dt_kind)dt.kind) {
    case BS_DT_UINT:
        if (dt.bits == 1) snprintf(buf, BS_DT_NAME_MAX, "BINARY");
        else snprintf(buf, BS_DT_NAME_MAX, "UINT%d", dt.bits);
        break;
    case BS_DT_INT: snprintf(buf, BS_DT_NAME_MAX, "INT%d", dt.bits); break;
    case BS_DT_BIPOLAR: snprintf(buf, BS_DT_NAME_MAX, "BIPOLAR"); break;
    case BS_DT_TERNARY: snprintf(buf, BS_DT_NAME_MAX, "TERNARY"); break;
    case BS_DT_FIXED: snprintf(buf, BS_DT_NAME_MAX, "FIXED<%d,%d>", dt.bits, dt.ibits); break;
    case BS_DT_SCALEDINT: snprintf(buf, BS_DT_NAME_MAX, "SCALEDINT<%d>", dt.bits); break;
    case BS_DT_FLOAT32: snprintf(buf, BS_DT_NAME_MAX, "FLOAT32"); break;
    case BS_DT_FLOAT16: snprintf(buf, BS_DT_NAME_MAX, "FLOAT16"); break;
    case BS_DT_FLOAT:
        snprintf(buf, BS_DT_NAME_MAX, "FLOAT<%d,%d,%d>", dt.ibits, dt.mbits, dt.bias);
        break;
    default: snprintf(buf, BS_DT_NAME_MAX, "INVALID"); break;
    }
    return buf;
}

const char *bs_dt_str(bs_dt dt)
{
    static _Thread_local char ring[8][BS_DT_NAME_MAX];
    static _Thread_local unsigned idx;
    return bs_dt_name(dt, ring[idx++ & 7]);
}

bool bs_dt_eq(bs_dt a, bs_dt b)
{
    return a.kind == b.kind && a.bits == b.bits && a.ibits == b.ibits &&
           a.mbits == b.mbits && a.bias == b.bias;
}

bool bs_dt_valid(bs_dt dt) { return dt.kind != BS_DT_INVALID; }
int bs_dt_bitwidth(bs_dt dt) { return dt.bits; }

bool bs_dt_signed(bs_dt dt) { return dt.kind != BS_DT_UINT && dt.kind != BS_DT_INVALID; }

bool bs_dt_is_integer(bs_dt dt)
{
    return dt.kind == BS_DT_UINT || dt.kind == BS_DT_INT || dt.kind == BS_DT_BIPOLAR ||
           dt.kind == BS_DT_TERNARY;
}

bool bs_dt_is_fixed_point(bs_dt dt) { return dt.kind == BS_DT_FIXED; }

bool bs_dt_is_float(bs_dt dt)
{
    return dt.kind == BS_DT_FLOAT32 || dt.kind == BS_DT_FLOAT16 || dt.kind == BS_DT_FLOAT;
}

static double float_max(bs_dt dt)
{
    double mant = 0;
    for (int k = 0; k <= dt.mbits; k++) mant += ldexp(1.0, -k);
    return mant * ldexp(1.0, (1 << dt.ibits) - 1 - dt.bias);
}

double bs_dt_min(bs_dt dt)
{
    switch ((bs_dt_kind)dt.kind) {
    case BS_DT_UINT: return 0;
    case BS_DT_INT: return -ldexp(1.0, dt.bits - 1);
    case BS_DT_BIPOLAR: case BS_DT_TERNARY: return -1;
    case BS_DT_FIXED: return -ldexp(1.0, dt.bits - 1) * ldexp(1.0, -(dt.bits - dt.ibits));
    case BS_DT_FLOAT32: return -3.4028234663852886e38;
    case BS_DT_FLOAT16: return -65504.0;
    case BS_DT_FLOAT: return -float_max(dt);
    default: return NAN;
    }
}

double bs_dt_max(bs_dt dt)
{
    switch ((bs_dt_kind)dt.kind) {
    case BS_DT_UINT: return ldexp(1.0, dt.bits) - 1;
    case BS_DT_INT: return ldexp(1.0, dt.bits - 1) - 1;
    case BS_DT_BIPOLAR: case BS_DT_TERNARY: return 1;
    case BS_DT_FIXED:
        return (ldexp(1.0, dt.bits - 1) - 1) * ldexp(1.0, -(dt.bits - dt.ibits));
    case BS_DT_FLOAT32: return 3.4028234663852886e38;
    case BS_DT_FLOAT16: return 65504.0;
    case BS_DT_FLOAT: return float_max(dt);
    default: return NAN;
    }
}

double bs_dt_num_values(bs_dt dt)
{
    if (!bs_dt_is_integer(dt)) return NAN;
    if (dt.kind == BS_DT_BIPOLAR) return 2;
    return fabs(bs_dt_min(dt)) + fabs(bs_dt_max(dt)) + 1;
}

static bool float_allowed(bs_dt dt, double v)
{
    if (v == 0 || isnan(v) || isinf(v)) return !isnan(v) && !isinf(v);
    double a = fabs(v);
    if (a > float_max(dt)) return false;
    int e;
    frexp(a, &e);            /* a = f * 2^e, f in [0.5, 1) -> exponent e-1 */
    int exp = e - 1;
    int emin = 1 - dt.bias;  /* smallest normal exponent */
    if (exp < emin) exp = emin;  /* subnormal range: fixed quantum */
    double q = ldexp(1.0, exp - dt.mbits);
    return fmod(a, q) == 0;
}

bool bs_dt_allowed(bs_dt dt, double v)
{
    switch ((bs_dt_kind)dt.kind) {
    case BS_DT_UINT: case BS_DT_INT: case BS_DT_TERNARY:
        return v == floor(v) && v >= bs_dt_min(dt) && v <= bs_dt_max(dt);
    case BS_DT_BIPOLAR: return v == -1 || v == 1;
    case BS_DT_FIXED: {
        double s = ldexp(v, dt.bits - dt.ibits);
        bs_dt i = bs_dt_int(dt.bits);
        return s == floor(s) && s >= bs_dt_min(i) && s <= bs_dt_max(i);
    }
    case BS_DT_FLOAT32: case BS_DT_FLOAT16: case BS_DT_SCALEDINT: return true;
    case BS_DT_FLOAT: return float_allowed(dt, v);
    default: return false;
    }
}

bs_dt bs_dt_smallest(double v)
{
    if (v != floor(v) || isnan(v)) return BS_DT_FLOAT32_V;
    for (int b = 1; b <= 64; b++) {
        bs_dt d = bs_dt_uint(b);
        if (v >= bs_dt_min(d) && v <= bs_dt_max(d)) return d;
    }
    if (v == -1 || v == 1 || v == 0) {
        /* BIPOLAR is checked by range only in QONNX (min <= v <= max). */
        return bs_dt_make(BS_DT_BIPOLAR);
    }
    for (int b = 1; b <= 64; b++) {
        bs_dt d = bs_dt_int(b);
        if (v >= bs_dt_min(d) && v <= bs_dt_max(d)) return d;
    }
    return BS_DT_FLOAT32_V;
}

bs_dt bs_dt_smallest_range(double lo, double hi)
{
    if (lo < 0) return fabs(lo) > hi ? bs_dt_smallest(lo) : bs_dt_smallest(-hi - 1);
    return bs_dt_smallest(hi);
}

const char *bs_dt_hls_type(bs_dt dt, char *buf)
{
    switch ((bs_dt_kind)dt.kind) {
    case BS_DT_UINT: snprintf(buf, BS_DT_NAME_MAX, "ap_uint<%d>", dt.bits); return buf;
    case BS_DT_INT: case BS_DT_BIPOLAR: case BS_DT_TERNARY:
        snprintf(buf, BS_DT_NAME_MAX, "ap_int<%d>", dt.bits); return buf;
    case BS_DT_FIXED: snprintf(buf, BS_DT_NAME_MAX, "ap_fixed<%d, %d>", dt.bits, dt.ibits); return buf;
    case BS_DT_FLOAT32: snprintf(buf, BS_DT_NAME_MAX, "float"); return buf;
    case BS_DT_FLOAT16: snprintf(buf, BS_DT_NAME_MAX, "half"); return buf;
    default: return NULL;
    }
}
