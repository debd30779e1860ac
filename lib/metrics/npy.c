/* npy.c - reading NumPy .npy arrays (the format FINN's verification
 * inputs/outputs use) as doubles, for the quality comparison.
 *
 * Supports format versions 1-3, C order, little-endian or byte dtypes
 * f4/f8/i1/i2/i4/i8/u1/u2/u4/u8/b1.  Anything else (Fortran order, object
 * arrays, big-endian) is refused with a message naming the file. */
#include <stdlib.h>
#include <string.h>
#include "brainsmith/error.h"
#include "brainsmith/metrics.h"
#include "brainsmith/util.h"

static const char *find_key(const char *h, const char *key)
{
    const char *p = strstr(h, key);
    if (!p)
        return NULL;
    p += strlen(key);
    while (*p == ' ' || *p == ':' || *p == '\'' || *p == '"')
        p++;
    return p;
}

int bs_npy_load(const char *path, double **out, int64_t *count, int64_t *shape, int *ndim)
{
    char *buf;
    size_t len;
    int rc = bs_read_file(path, &buf, &len);
    if (rc)
        return rc;
    const unsigned char *u = (const unsigned char *)buf;
    if (len < 10 || memcmp(buf, "\x93NUMPY", 6) != 0) {
        free(buf);
        return bs_error_set(BS_EPARSE, "%s: expected the .npy magic \\x93NUMPY", path);
    }
    size_t hl, off;
    if (u[6] == 1) {
        hl = u[8] | (size_t)u[9] << 8;
        off = 10;
    } else if (len >= 12) {
        hl = u[8] | (size_t)u[9] << 8 | (size_t)u[10] << 16 | (size_t)u[11] << 24;
        off = 12;
    } else {
        free(buf);
        return bs_error_set(BS_EPARSE, "%s: truncated .npy header", path);
    }
    if (off + hl > len || hl > 65536) {
        free(buf);
        return bs_error_set(BS_EPARSE, "%s: .npy header length %zu exceeds the file", path, hl);
    }
    char *h = strndup(buf + off, hl);
    const char *d = find_key(h, "descr");
    const char *fo = find_key(h, "fortran_order");
    const char *sh = find_key(h, "shape");
    rc = 0;
    char kind = 0;
    int size = 0;
    if (!d || !fo || !sh || d[0] == '>' || strncmp(fo, "False", 5) != 0 || *sh != '(') {
        rc = bs_error_set(BS_EUNSUPPORTED, "%s: expected a C-order little-endian numeric .npy array", path);
    } else {
        if (d[0] == '<' || d[0] == '|' || d[0] == '=')
            d++;
        kind = d[0];
        size = atoi(d + 1);
        if (!strchr("fiub", kind) || !(size == 1 || size == 2 || size == 4 || size == 8) ||
            (kind == 'f' && size < 4))
            rc = bs_error_set(BS_EUNSUPPORTED, "%s: dtype '%.8s' not supported", path, d);
    }
    int64_t n = 1;
    int nd = 0;
    if (!rc) {
        const char *p = sh + 1;
        while (*p && *p != ')' && nd < 8) {
            while (*p == ' ' || *p == ',')
                p++;
            if (*p == ')')
                break;
            char *e;
            long long v = strtoll(p, &e, 10);
            if (e == p || v < 0 || v > (1LL << 40)) {
                rc = bs_error_set(BS_EPARSE, "%s: bad shape in the .npy header", path);
                break;
            }
            if (shape)
                shape[nd] = v;
            nd++;
            n *= v;
            p = e;
        }
    }
    free(h);
    if (!rc && (size_t)(n * size) > len - off - hl)
        rc = bs_error_set(BS_EPARSE, "%s: .npy data is truncated (%lld values of %d bytes expected)", path,
                          (long long)n, size);
    if (rc) {
        free(buf);
        return rc;
    }
    double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    if (!v) {
        free(buf);
        return bs_error_set(BS_ENOMEM, "%s: out of memory", path);
    }
    const unsigned char *p = u + off + hl;
    for (int64_t i = 0; i < n; i++, p += size) {
        union { float f; double d; int8_t i1; int16_t i2; int32_t i4; int64_t i8;
                uint8_t u1; uint16_t u2; uint32_t u4; uint64_t u8; } x;
        memcpy(&x, p, (size_t)size);   /* the machine is little-endian (x86/arm64) */
        switch (kind) {
        case 'f': v[i] = size == 4 ? x.f : x.d; break;
        case 'i': v[i] = size == 1 ? x.i1 : size == 2 ? x.i2 : size == 4 ? x.i4 : (double)x.i8; break;
        default: v[i] = size == 1 ? x.u1 : size == 2 ? x.u2 : size == 4 ? x.u4 : (double)x.u8; break;
        }
    }
    free(buf);
    *out = v;
    *count = n;
    if (ndim)
        *ndim = nd;
    return 0;
}

int bs_metrics_quality_files(const char *ref, const char *hw, const char *lab, bs_quality *q)
{
    double *r = NULL, *h = NULL, *l = NULL;
    int64_t nr, nh, nl = 0, shape[8];
    int nd = 0, rc = bs_npy_load(ref, &r, &nr, shape, &nd);
    if (!rc)
        rc = bs_npy_load(hw, &h, &nh, NULL, NULL);
    if (!rc && lab)
        rc = bs_npy_load(lab, &l, &nl, NULL, NULL);
    int64_t n = nd > 0 ? shape[0] : 1;
    if (!rc && (nr != nh || n <= 0 || nr % n || n > INT32_MAX))
        rc = bs_error_set(BS_EINVAL, "quality: %s has %lld values, %s has %lld: expected the same shape", ref,
                          (long long)nr, hw, (long long)nh);
    if (!rc && lab && nl != n)
        rc = bs_error_set(BS_EINVAL, "quality: %s has %lld labels, expected %lld (one per input)", lab,
                          (long long)nl, (long long)n);
    int *labels = NULL;
    if (!rc && lab) {
        labels = calloc((size_t)n, sizeof *labels);
        if (!labels)
            rc = bs_error_set(BS_ENOMEM, "quality: out of memory");
        for (int64_t i = 0; labels && i < n; i++)
            labels[i] = (int)l[i];
    }
    if (!rc)
        rc = bs_metrics_quality(r, h, (int)n, (int)(nr / n), labels, q);
    free(r);
    free(h);
    free(l);
    free(labels);
    return rc;
}
