/* json.c - cJSON helpers: located parse errors, typed getters and a printer
 * that matches Python's json.dumps, so FINN-format reports written by
 * brainsmith read the same as FINN's own. */
#include "brainsmith/json.h"
#include "brainsmith/error.h"
#include "brainsmith/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bs_json_parse(const char *text, size_t len, const char *what, cJSON **out)
{
    const char *end = NULL;
    *out = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (*out)
        return 0;
    size_t off = end && end >= text ? (size_t)(end - text) : 0;
    if (off > len)
        off = len;
    int line = 1, col = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    if (len == 0)
        return bs_error_set(BS_EPARSE, "%s: empty, expected a JSON document", what);
    return bs_error_set(BS_EPARSE, "%s:%d:%d: invalid JSON %s", what, line, col,
                        off >= len ? "(truncated?)" : "near here");
}

int bs_json_load_file(const char *path, cJSON **out)
{
    char *text;
    size_t len;
    *out = NULL;
    int rc = bs_read_file(path, &text, &len);
    if (rc)
        return rc;
    rc = bs_json_parse(text, len, path, out);
    free(text);
    return rc;
}

int bs_json_save_file(const char *path, const cJSON *j, bool pretty)
{
    char *s = bs_json_print_py(j, pretty ? 2 : -1);
    if (!s)
        return bs_error_set(BS_ENOMEM, "%s: cannot format JSON", path);
    int rc = bs_write_file_atomic(path, s, strlen(s));
    free(s);
    return rc;
}

static const cJSON *get_item(const cJSON *obj, const char *key, int *rc)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    *rc = it ? 0 : bs_error_set(BS_ENOTFOUND, "missing field '%s'", key);
    return it;
}

int bs_json_get_str(const cJSON *obj, const char *key, const char **out)
{
    int rc;
    const cJSON *it = get_item(obj, key, &rc);
    if (rc)
        return rc;
    if (!cJSON_IsString(it))
        return bs_error_set(BS_EINVAL, "field '%s': expected a string", key);
    *out = it->valuestring;
    return 0;
}

int bs_json_get_double(const cJSON *obj, const char *key, double *out)
{
    int rc;
    const cJSON *it = get_item(obj, key, &rc);
    if (rc)
        return rc;
    if (cJSON_IsRaw(it)) {
        char *end;
        double v = strtod(it->valuestring, &end);
        if (end != it->valuestring) {
            *out = v;
            return 0;
        }
    }
    if (!cJSON_IsNumber(it))
        return bs_error_set(BS_EINVAL, "field '%s': expected a number", key);
    *out = it->valuedouble;
    return 0;
}

int bs_json_get_i64(const cJSON *obj, const char *key, int64_t *out)
{
    double v;
    int rc = bs_json_get_double(obj, key, &v);
    if (rc)
        return rc;
    if (v != floor(v) || fabs(v) > 9007199254740992.0)
        return bs_error_set(BS_EINVAL, "field '%s': expected an integer, got %g", key, v);
    *out = (int64_t)v;
    return 0;
}

int bs_json_get_bool(const cJSON *obj, const char *key, bool *out)
{
    int rc;
    const cJSON *it = get_item(obj, key, &rc);
    if (rc)
        return rc;
    if (!cJSON_IsBool(it))
        return bs_error_set(BS_EINVAL, "field '%s': expected true or false", key);
    *out = cJSON_IsTrue(it);
    return 0;
}

/* ------------------------------------------------- Python-style printing */

char *bs_fmt_py_float(double v, char *buf, size_t n)
{
    if (isnan(v)) {
        snprintf(buf, n, "NaN");
        return buf;
    }
    if (isinf(v)) {
        snprintf(buf, n, v > 0 ? "Infinity" : "-Infinity");
        return buf;
    }
    if (v == 0) {
        snprintf(buf, n, signbit(v) ? "-0.0" : "0.0");
        return buf;
    }
    /* Shortest %e representation that round-trips (what repr() uses). */
    char e[40];
    int prec;
    for (prec = 0; prec < 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec, v);
        if (strtod(e, NULL) == v)
            break;
    }
    const char *p = e;
    bool neg = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    char digits[24];
    int nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    int exp10 = atoi(p + 1);
    char out[64];
    int o = 0;
    if (neg)
        out[o++] = '-';
    if (exp10 >= -4 && exp10 < 16) {
        if (exp10 >= 0) {
            for (int i = 0; i <= exp10; i++)
                out[o++] = i < nd ? digits[i] : '0';
            out[o++] = '.';
            if (nd > exp10 + 1)
                for (int i = exp10 + 1; i < nd; i++)
                    out[o++] = digits[i];
            else
                out[o++] = '0';
        } else {
            out[o++] = '0';
            out[o++] = '.';
            for (int i = 0; i < -exp10 - 1; i++)
                out[o++] = '0';
            for (int i = 0; i < nd; i++)
                out[o++] = digits[i];
        }
        out[o] = '\0';
    } else {
        out[o++] = digits[0];
        if (nd > 1) {
            out[o++] = '.';
            for (int i = 1; i < nd; i++)
                out[o++] = digits[i];
        }
        snprintf(out + o, sizeof out - (size_t)o, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
    }
    snprintf(buf, n, "%s", out);
    return buf;
}

cJSON *bs_json_py_float(double v)
{
    char buf[40];
    return cJSON_CreateRaw(bs_fmt_py_float(v, buf, sizeof buf));
}

static int put_string(bs_strbuf *sb, const char *s)
{
    int rc = bs_strbuf_puts(sb, "\"");
    const unsigned char *p = (const unsigned char *)s;
    while (rc == 0 && *p) {
        unsigned c = *p;
        char esc[16];
        if (c == '"')
            rc = bs_strbuf_puts(sb, "\\\"");
        else if (c == '\\')
            rc = bs_strbuf_puts(sb, "\\\\");
        else if (c == '\n')
            rc = bs_strbuf_puts(sb, "\\n");
        else if (c == '\r')
            rc = bs_strbuf_puts(sb, "\\r");
        else if (c == '\t')
            rc = bs_strbuf_puts(sb, "\\t");
        else if (c == '\b')
            rc = bs_strbuf_puts(sb, "\\b");
        else if (c == '\f')
            rc = bs_strbuf_puts(sb, "\\f");
        else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            rc = bs_strbuf_puts(sb, esc);
        } else if (c < 0x80) {
            rc = bs_strbuf_append(sb, (const char *)p, 1);
        } else {
            /* Decode UTF-8 and escape as Python's ensure_ascii does. */
            unsigned cp = 0;
            int extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
            cp = extra == 3 ? c & 7 : extra == 2 ? c & 15 : c & 31;
            int k;
            for (k = 1; k <= extra && (p[k] & 0xc0) == 0x80; k++)
                cp = (cp << 6) | (p[k] & 0x3f);
            if (extra == 0 || k <= extra) {
                cp = 0xfffd;
                k = 1;
            }
            if (cp >= 0x10000) {
                cp -= 0x10000;
                snprintf(esc, sizeof esc, "\\u%04x\\u%04x", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
            } else {
                snprintf(esc, sizeof esc, "\\u%04x", cp);
            }
            rc = bs_strbuf_puts(sb, esc);
            p += k - 1;
        }
        p++;
    }
    return rc ? rc : bs_strbuf_puts(sb, "\"");
}

static int put_indent(bs_strbuf *sb, int indent, int depth)
{
    if (indent < 0)
        return 0;
    int rc = bs_strbuf_puts(sb, "\n");
    for (int i = 0; rc == 0 && i < indent * depth; i++)
        rc = bs_strbuf_puts(sb, " ");
    return rc;
}

static int put_value(bs_strbuf *sb, const cJSON *j, int indent, int depth)
{
    char buf[64];
    if (cJSON_IsNull(j))
        return bs_strbuf_puts(sb, "null");
    if (cJSON_IsTrue(j))
        return bs_strbuf_puts(sb, "true");
    if (cJSON_IsFalse(j))
        return bs_strbuf_puts(sb, "false");
    if (cJSON_IsRaw(j))
        return bs_strbuf_puts(sb, j->valuestring ? j->valuestring : "null");
    if (cJSON_IsString(j))
        return put_string(sb, j->valuestring ? j->valuestring : "");
    if (cJSON_IsNumber(j)) {
        double v = j->valuedouble;
        if (isfinite(v) && v == floor(v) && fabs(v) < 9007199254740992.0)
            snprintf(buf, sizeof buf, "%.0f", v);
        else
            bs_fmt_py_float(v, buf, sizeof buf);
        return bs_strbuf_puts(sb, buf);
    }
    bool obj = cJSON_IsObject(j);
    if (!obj && !cJSON_IsArray(j))
        return bs_error_set(BS_EINVAL, "json: cannot print node of type %d", j->type);
    if (!j->child)
        return bs_strbuf_puts(sb, obj ? "{}" : "[]");
    int rc = bs_strbuf_puts(sb, obj ? "{" : "[");
    for (const cJSON *c = j->child; rc == 0 && c; c = c->next) {
        rc = put_indent(sb, indent, depth + 1);
        if (rc == 0 && obj) {
            rc = put_string(sb, c->string ? c->string : "");
            if (rc == 0)
                rc = bs_strbuf_puts(sb, ": ");
        }
        if (rc == 0)
            rc = put_value(sb, c, indent, depth + 1);
        if (rc == 0 && c->next)
            rc = bs_strbuf_puts(sb, indent < 0 ? ", " : ",");
    }
    if (rc == 0)
        rc = put_indent(sb, indent, depth);
    return rc ? rc : bs_strbuf_puts(sb, obj ? "}" : "]");
}

char *bs_json_print_py(const cJSON *j, int indent)
{
    bs_strbuf sb = BS_STRBUF_INIT;
    if (put_value(&sb, j, indent, 0)) {
        bs_strbuf_free(&sb);
        return NULL;
    }
    return bs_strbuf_detach(&sb);
}
