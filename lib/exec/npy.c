/* npy.c - NumPy .npy read/write (v1.0-3.0 headers, both byte orders, C and
 * Fortran order on read; C-order little-endian v1.0 on write). */
#include "brainsmith/npy.h"
#include "brainsmith/error.h"
#include "brainsmith/onnx.h"
#include "brainsmith/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct { char kind; int size; int32_t elem; } dtypes[] = {
    {'f', 4, BS_ELEM_FLOAT}, {'f', 8, BS_ELEM_DOUBLE}, {'f', 2, BS_ELEM_FLOAT16},
    {'i', 1, BS_ELEM_INT8},  {'i', 2, BS_ELEM_INT16},  {'i', 4, BS_ELEM_INT32}, {'i', 8, BS_ELEM_INT64},
    {'u', 1, BS_ELEM_UINT8}, {'u', 2, BS_ELEM_UINT16}, {'u', 4, BS_ELEM_UINT32}, {'u', 8, BS_ELEM_UINT64},
    {'b', 1, BS_ELEM_BOOL},
};

/* Finds 'key': in the header dict and returns a pointer after the colon. */
static const char *find_key(const char *h, const char *key)
{
    char pat[32];
    snprintf(pat, sizeof pat, "'%s'", key);
    const char *p = strstr(h, pat);
    if (!p) return NULL;
    p += strlen(pat);
    while (isspace((unsigned char)*p)) p++;
    if (*p != ':') return NULL;
    p++;
    while (isspace((unsigned char)*p)) p++;
    return p;
}

int bs_npy_parse(const void *buf, size_t len, const char *what, bs_value *out)
{
    const unsigned char *b = buf;
    if (!what) what = "npy";
    if (len < 10 || memcmp(b, "\x93NUMPY", 6))
        return bs_error_set(BS_EPARSE, "%s: not a .npy file (bad magic)", what);
    int major = b[6];
    size_t hlen, hoff;
    if (major == 1) { hlen = (size_t)b[8] | ((size_t)b[9] << 8); hoff = 10; }
    else if (major == 2 || major == 3) {
        if (len < 12) return bs_error_set(BS_EPARSE, "%s: truncated header", what);
        hlen = (size_t)b[8] | ((size_t)b[9] << 8) | ((size_t)b[10] << 16) | ((size_t)b[11] << 24);
        hoff = 12;
    } else return bs_error_set(BS_EUNSUPPORTED, "%s: .npy format version %d", what, major);
    if (hlen > len - hoff || hlen > 1 << 20) return bs_error_set(BS_EPARSE, "%s: truncated header", what);
    char *h = malloc(hlen + 1);
    if (!h) return BS_ENOMEM;
    memcpy(h, b + hoff, hlen);
    h[hlen] = 0;
    int rc = 0;
    const char *p = find_key(h, "descr");
    char endian = 0, kind = 0;
    int size = 0;
    if (!p || (*p != '\'' && *p != '"') || !p[1] || !p[2]) { rc = bs_error_set(BS_EPARSE, "%s: header has no 'descr'", what); goto done; }
    endian = p[1];
    kind = p[2];
    size = atoi(p + 3);
    if (endian != '<' && endian != '>' && endian != '|' && endian != '=') {
        rc = bs_error_set(BS_EPARSE, "%s: bad byte order in descr", what);
        goto done;
    }
    int32_t elem = 0;
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (dtypes[i].kind == kind && dtypes[i].size == size) elem = dtypes[i].elem;
    if (!elem || elem == BS_ELEM_FLOAT16) {
        rc = bs_error_set(BS_EUNSUPPORTED, "%s: dtype '%c%c%d' is not supported (float32/64, int8-64, uint8-64, bool)",
                          what, endian, kind, size);
        goto done;
    }
    p = find_key(h, "fortran_order");
    if (!p) { rc = bs_error_set(BS_EPARSE, "%s: header has no 'fortran_order'", what); goto done; }
    bool fortran = !strncmp(p, "True", 4);
    p = find_key(h, "shape");
    if (!p || *p != '(') { rc = bs_error_set(BS_EPARSE, "%s: header has no 'shape' tuple", what); goto done; }
    p++;
    int64_t dims[BS_IR_MAX_RANK];
    int rank = 0;
    for (;;) {
        while (isspace((unsigned char)*p) || *p == ',') p++;
        if (*p == ')') break;
        char *end;
        long long d = strtoll(p, &end, 10);
        if (end == p || d < 0) { rc = bs_error_set(BS_EPARSE, "%s: bad 'shape'", what); goto done; }
        if (rank >= BS_IR_MAX_RANK) { rc = bs_error_set(BS_EUNSUPPORTED, "%s: rank > %d", what, BS_IR_MAX_RANK); goto done; }
        dims[rank++] = d;
        p = end;
    }
    bs_value v = {0};
    if ((rc = bs_value_alloc(&v, elem, rank, dims))) goto done;
    size_t need = (size_t)v.numel * (size_t)size, doff = hoff + hlen;
    if (len - doff < need) {
        bs_value_free(&v);
        rc = bs_error_set(BS_EPARSE, "%s: %zu data bytes, shape needs %zu", what, len - doff, need);
        goto done;
    }
    const unsigned char *src = b + doff;
    unsigned char *dst = v.data;
    bool swap = endian == '>' && size > 1;
    int64_t st[BS_IR_MAX_RANK];
    int64_t s = 1;
    for (int i = 0; i < rank; i++) { st[i] = s; s *= dims[i]; }  /* Fortran strides */
    for (int64_t i = 0; i < v.numel; i++) {
        int64_t si = i;
        if (fortran && rank > 1) {
            int64_t rem = i;
            si = 0;
            for (int k = rank - 1; k >= 0; k--) { si += (rem % dims[k]) * st[k]; rem /= dims[k]; }
        }
        for (int k = 0; k < size; k++)
            dst[(size_t)i * size + k] = src[(size_t)si * size + (swap ? size - 1 - k : k)];
    }
    if (elem == BS_ELEM_BOOL)
        for (int64_t i = 0; i < v.numel; i++) dst[i] = dst[i] != 0;
    bs_value_free(out);
    *out = v;
done:
    free(h);
    return rc;
}

int bs_npy_read(const char *path, bs_value *out)
{
    char *data;
    size_t len;
    int rc = bs_read_file(path, &data, &len);
    if (rc) return rc;
    rc = bs_npy_parse(data, len, path, out);
    free(data);
    return rc;
}

int bs_npy_pack(const bs_value *v, char **buf, size_t *len)
{
    const char *descr = NULL;
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (dtypes[i].elem == v->elem) {
            static _Thread_local char d[8];
            snprintf(d, sizeof d, "%c%c%d", dtypes[i].size == 1 ? '|' : '<', dtypes[i].kind, dtypes[i].size);
            descr = d;
        }
    if (!descr || v->elem == BS_ELEM_FLOAT16)
        return bs_error_set(BS_EUNSUPPORTED, "npy: cannot write elem type %s", bs_onnx_elem_name(v->elem));
    char shape[256] = "";
    int o = 0;
    for (int i = 0; i < v->rank; i++)
        o += snprintf(shape + o, sizeof shape - (size_t)o, "%lld,%s", (long long)v->dims[i],
                      v->rank > 1 && i < v->rank - 1 ? " " : "");
    if (v->rank > 1) shape[--o] = 0; /* drop the trailing comma: "(1, 10)" */
    char hdr[512];
    int hl = snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, shape);
    int total = 10 + hl + 1, pad = (64 - total % 64) % 64;
    size_t es = bs_onnx_elem_size(v->elem), dbytes = (size_t)v->numel * es;
    size_t n = (size_t)(total + pad) + dbytes;
    char *b = malloc(n);
    if (!b) return BS_ENOMEM;
    memcpy(b, "\x93NUMPY\x01\x00", 8);
    int hsz = hl + pad + 1;
    b[8] = (char)(hsz & 0xff);
    b[9] = (char)(hsz >> 8);
    memcpy(b + 10, hdr, (size_t)hl);
    memset(b + 10 + hl, ' ', (size_t)pad);
    b[10 + hl + pad] = '\n';
    if (dbytes) memcpy(b + total + pad, v->data, dbytes);
    *buf = b;
    *len = n;
    return 0;
}

int bs_npy_write(const char *path, const bs_value *v)
{
    char *b;
    size_t n;
    int rc = bs_npy_pack(v, &b, &n);
    if (rc) return rc;
    rc = bs_write_file_atomic(path, b, n);
    free(b);
    return rc;
}
