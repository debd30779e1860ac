/* knode.c - loading a node's attributes through a bs_kattr_src (defaults,
 * types, allowed values, datatypes, legacy value names), typed get/set, the
 * folding-legality check with nearest legal values, and the public wrappers
 * for shapes, widths, cycles, resource estimates and config alternatives. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "brainsmith/log.h"
#include "kernels_int.h"

int bs_k_fail(const bs_knode *n, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return bs_error_set(BS_EINVAL, "%s (%s): %s", n->name[0] ? n->name : "?", n->k->op_type, msg);
}

void bs_fold_nearest(int64_t total, int64_t p, int64_t *lo, int64_t *hi) {
    *lo = 0;
    *hi = 0;
    if (total <= 0) return;
    for (int64_t d = 1; d <= total; d++) {
        if (total % d) continue;
        if (d <= p) *lo = d;
        if (d >= p && *hi == 0) *hi = d;
    }
}

int bs_k_need_div(const bs_knode *n, const char *pname, int64_t p, const char *tname,
                  int64_t total) {
    if (total <= 0) return bs_k_fail(n, "%s=%lld must be >= 1", tname, (long long)total);
    if (p >= 1 && total % p == 0) return 0;
    int64_t lo, hi;
    bs_fold_nearest(total, p, &lo, &hi);
    if (p < 1)
        return bs_k_fail(n, "%s=%lld must be >= 1 (rule %s %% %s == 0); nearest legal %s: 1",
                         pname, (long long)p, tname, pname, pname);
    if (hi)
        return bs_k_fail(n, "%s=%lld does not divide %s=%lld (rule %s %% %s == 0); nearest legal %s: "
                         "%lld or %lld", pname, (long long)p, tname, (long long)total, tname, pname,
                         pname, (long long)lo, (long long)hi);
    return bs_k_fail(n, "%s=%lld does not divide %s=%lld (rule %s %% %s == 0); nearest legal %s: %lld "
                     "(the maximum)", pname, (long long)p, tname, (long long)total, tname, pname,
                     pname, (long long)lo);
}

int bs_k_need_min(const bs_knode *n, int i, int64_t lo) {
    for (int j = 0; j < n->a[i].n; j++)
        if (n->a[i].v[j] < lo)
            return bs_k_fail(n, "%s[%d]=%lld must be >= %lld", n->def[i]->name, j, (long long)n->a[i].v[j],
                             (long long)lo);
    return 0;
}

static bool allowed(const char *set, const char *v) {
    if (!set) return true;
    char pat[BS_KSTR_MAX + 3];
    snprintf(pat, sizeof pat, "|%s|", v);
    return strstr(set, pat) != NULL;
}

/* mem_mode names before FINN v0.10 */
static const char *legacy_value(const char *attr, const char *v) {
    if (SEQ(attr, "mem_mode")) {
        if (SEQ(v, "const")) return "internal_embedded";
        if (SEQ(v, "decoupled")) return "internal_decoupled";
    }
    return v;
}

static int set_str(bs_knode *n, const bs_kattr_def *d, bs_kval *v, const char *s) {
    if (strlen(s) >= BS_KSTR_MAX)
        return bs_k_fail(n, "attribute %s: value '%.32s...' is too long", d->name, s);
    if (d->type != BS_KA_DTYPE && !allowed(d->allowed, s))
        return bs_k_fail(n, "attribute %s: '%s' is not one of %s", d->name, s, d->allowed);
    snprintf(v->s, sizeof v->s, "%s", legacy_value(d->name, s));
    if (d->type == BS_KA_DTYPE) {
        memset(&v->dt, 0, sizeof v->dt);
        if (s[0] && bs_kdt_parse(s, &v->dt) < 0)
            return bs_k_fail(n, "attribute %s: unknown QONNX datatype '%s'", d->name, s);
        if (!s[0] && d->required)
            return bs_k_fail(n, "attribute %s: required datatype is empty", d->name);
    }
    return 0;
}

/* Attribute magnitudes are bounded so that FINN's formulas (products of a
 * few attributes) stay exact in int64/double; real models are far below. */
#define KMAX_VAL (INT64_C(1) << 24)
#define KMAX_PROD (INT64_C(1) << 32)

static int set_ints(bs_knode *n, const bs_kattr_def *d, bs_kval *v, const int64_t *x, size_t cnt) {
    if (cnt > BS_KINTS_MAX)
        return bs_k_fail(n, "attribute %s: %zu values, at most %d supported", d->name, cnt, BS_KINTS_MAX);
    int64_t prod = 1;
    for (size_t i = 0; i < cnt; i++) {
        if (x[i] > KMAX_VAL || x[i] < -KMAX_VAL)
            return bs_k_fail(n, "attribute %s: value %lld out of range (|v| <= %lld)", d->name,
                             (long long)x[i], (long long)KMAX_VAL);
        prod *= x[i] < 0 ? -x[i] : x[i];
        if (prod > KMAX_PROD)
            return bs_k_fail(n, "attribute %s: product of the values exceeds %lld", d->name,
                             (long long)KMAX_PROD);
    }
    for (size_t i = 0; i < cnt; i++) v->v[i] = x[i];
    v->n = (int)cnt;
    return 0;
}

static int read_attr(bs_knode *n, const bs_kattr_def *d, bs_kval *v, const bs_kattr_src *src) {
    int rc = BS_ENOTFOUND;
    switch (d->type) {
    case BS_KA_INT: {
        int64_t x;
        if (src->get_int) rc = src->get_int(src->ud, d->name, &x);
        if (rc == 0) {
            char b[32];
            if (x > KMAX_VAL || x < -KMAX_VAL)
                return bs_k_fail(n, "attribute %s: value %lld out of range (|v| <= %lld)", d->name,
                                 (long long)x, (long long)KMAX_VAL);
            snprintf(b, sizeof b, "%lld", (long long)x);
            if (!allowed(d->allowed, b))
                return bs_k_fail(n, "attribute %s: %lld is not one of %s", d->name, (long long)x, d->allowed);
            v->i = x;
        } else if (rc == BS_ENOTFOUND) v->i = d->def_i;
        break;
    }
    case BS_KA_STR:
    case BS_KA_DTYPE: {
        const char *s = NULL;
        if (src->get_str) rc = src->get_str(src->ud, d->name, &s);
        if (rc == 0) {
            if (!s) s = "";
            if ((rc = set_str(n, d, v, s)) < 0) return rc;
        } else if (rc == BS_ENOTFOUND && !d->required) {
            int r2 = set_str(n, d, v, d->def_s ? d->def_s : "");
            if (r2 < 0) return r2;
        }
        break;
    }
    case BS_KA_INTS: {
        const int64_t *x = NULL;
        size_t cnt = 0;
        if (src->get_ints) rc = src->get_ints(src->ud, d->name, &x, &cnt);
        if (rc == BS_ENOTFOUND && src->get_int) {     /* legacy scalar form (v0.5 SWG) */
            int64_t s;
            if (src->get_int(src->ud, d->name, &s) == 0) {
                int64_t two[2] = {s, s};
                rc = set_ints(n, d, v, two, d->def_n == 1 ? 1 : 2);
                if (rc < 0) return rc;
                v->set = true;
                return 0;
            }
        }
        if (rc == 0) {
            if ((rc = set_ints(n, d, v, x, cnt)) < 0) return rc;
        } else if (rc == BS_ENOTFOUND) set_ints(n, d, v, d->def_v, (size_t)d->def_n);
        break;
    }
    case BS_KA_STRS: {
        const char *const *x = NULL;
        size_t cnt = 0;
        if (src->get_strs) rc = src->get_strs(src->ud, d->name, &x, &cnt);
        if (rc == 0) {
            if (cnt > 2) return bs_k_fail(n, "attribute %s: at most 2 values supported", d->name);
            v->n = (int)cnt;
            for (size_t i = 0; i < cnt; i++) {
                char *dst = i ? v->s2 : v->s;
                bs_kdt *dt = i ? &v->dt2 : &v->dt;
                if (strlen(x[i]) >= BS_KSTR_MAX) return bs_k_fail(n, "attribute %s: value too long", d->name);
                snprintf(dst, BS_KSTR_MAX, "%s", x[i]);
                if (strstr(d->name, "DataType") && bs_kdt_parse(x[i], dt) < 0)
                    return bs_k_fail(n, "attribute %s: unknown QONNX datatype '%s'", d->name, x[i]);
            }
        }
        break;
    }
    }
    if (rc == 0) { v->set = true; return 0; }
    if (rc != BS_ENOTFOUND)
        return bs_error_wrap(rc, "%s (%s): reading attribute %s: ", n->name, n->k->op_type, d->name);
    if (d->required) return bs_k_fail(n, "required attribute %s is missing", d->name);
    return 0;
}

int bs_knode_load(bs_knode *n, const bs_kernel *k, const bs_kattr_src *src,
                  const char *node_name, bs_finn_version ver) {
    if (!n || !k || !src) return bs_error_set(BS_EINVAL, "bs_knode_load: NULL argument");
    memset(n, 0, sizeof *n);
    snprintf(n->name, sizeof n->name, "%s", node_name ? node_name : "");
    if (ver == BS_FINN_AUTO) ver = k->legacy_of ? BS_FINN_V06 : BS_FINN_DEV2025;
    /* In v0.5/v0.6 graphs the unsuffixed ops (ConvolutionInputGenerator,
     * StreamingFIFO, ...) were the HLS implementations themselves. */
    if ((ver == BS_FINN_V06 || ver == BS_FINN_V05) && !k->backend[0] && !k->legacy_of) {
        char nm[80];
        snprintf(nm, sizeof nm, "%s_hls", k->base);
        const bs_kernel *h = bs_kernel_find(nm);
        if (h) k = h;
    }
    n->k = k;
    n->ver = ver;
    if (k->n_attrs + k->n_extra > BS_KNODE_MAX_ATTRS)
        return bs_error_set(BS_EINTERNAL, "%s: too many attributes", k->op_type);
    for (int i = 0; i < k->n_attrs; i++) n->def[i] = &k->attrs[i];
    for (int j = 0; j < k->n_extra; j++) {
        n->def[k->n_attrs + j] = &k->extra[j];
        for (int i = 0; i < k->n_attrs; i++)
            if (SEQ(k->attrs[i].name, k->extra[j].name)) {   /* backend override */
                n->def[i] = &k->extra[j];
                n->def[k->n_attrs + j] = NULL;
            }
    }
    for (int i = 0; i < k->n_attrs + k->n_extra; i++) {
        if (!n->def[i]) continue;
        int rc = read_attr(n, n->def[i], &n->a[i], src);
        if (rc < 0) return rc;
        /* FINN main's MVAU_hls keeps the base default resType "auto" (dev: "lut") */
        if (ver == BS_FINN_MAIN && !n->a[i].set && SEQ(k->op_type, "MVAU_hls") &&
            SEQ(n->def[i]->name, "resType"))
            snprintf(n->a[i].s, sizeof n->a[i].s, "auto");
    }
    /* Cross-check against the graph when the adapter offers shapes. */
    if (src->get_shape && bs_knode_check(n) == 0) {
        const int64_t *dims;
        size_t nd;
        int64_t want[BS_KINTS_MAX + 2];
        size_t wn;
        for (int out = 0; out < 2; out++) {
            if (src->get_shape(src->ud, out, 0, &dims, &nd) != 0) continue;
            if (k->ops->shape(n, KS_NORMAL, out, 0, want, &wn) != 0) { bs_error_clear(); continue; }
            int64_t a = 1, b = 1;
            for (size_t i = 0; i < nd; i++) a *= dims[i];
            for (size_t i = 0; i < wn; i++) b *= want[i];
            if (a != b)
                return bs_k_fail(n, "%s tensor has %lld elements but the attributes describe %lld",
                                 out ? "output" : "input", (long long)a, (long long)b);
        }
    }
    /* FINN's InferDataTypes would rewrite a stale input datatype attribute: say so */
    if (src->get_dtype) {
        static const char *const names[] = {"inputDataType", "dataType", "InputDataType", "inputDataType0"};
        const char *tdt = NULL;
        if (src->get_dtype(src->ud, 0, 0, &tdt) == 0 && tdt)
            for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
                const char *a = bs_knode_get_str(n, names[i]);
                if (!a) continue;
                if (a[0] && strcmp(a, tdt) != 0)
                    bs_log(BS_LOG_WARN, "%s (%s): input tensor datatype %s differs from attribute %s=%s",
                           n->name, k->op_type, tdt, names[i], a);
                break;
            }
    }
    bs_error_clear();
    return 0;
}

static int find_attr(const bs_knode *n, const char *attr) {
    for (int i = 0; i < n->k->n_attrs + n->k->n_extra; i++)
        if (n->def[i] && SEQ(n->def[i]->name, attr)) return i;
    return -1;
}

int bs_knode_get_int(const bs_knode *n, const char *attr, int64_t *out) {
    int i = find_attr(n, attr);
    if (i < 0) return bs_error_set(BS_ENOTFOUND, "%s has no attribute %s", n->k->op_type, attr);
    if (n->def[i]->type != BS_KA_INT) return bs_error_set(BS_EINVAL, "attribute %s is not an int", attr);
    *out = n->a[i].i;
    return 0;
}

const char *bs_knode_get_str(const bs_knode *n, const char *attr) {
    int i = find_attr(n, attr);
    if (i < 0 || (n->def[i]->type != BS_KA_STR && n->def[i]->type != BS_KA_DTYPE)) return NULL;
    return n->a[i].s;
}

int bs_knode_set_int(bs_knode *n, const char *attr, int64_t v) {
    int i = find_attr(n, attr);
    if (i < 0) return bs_error_set(BS_ENOTFOUND, "%s has no attribute %s", n->k->op_type, attr);
    if (n->def[i]->type != BS_KA_INT) return bs_error_set(BS_EINVAL, "attribute %s is not an int", attr);
    if (v > KMAX_VAL || v < -KMAX_VAL)
        return bs_k_fail(n, "attribute %s: value %lld out of range", attr, (long long)v);
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)v);
    if (!allowed(n->def[i]->allowed, b))
        return bs_k_fail(n, "attribute %s: %lld is not one of %s", attr, (long long)v, n->def[i]->allowed);
    n->a[i].i = v;
    n->a[i].set = true;
    return 0;
}

int bs_knode_set_str(bs_knode *n, const char *attr, const char *v) {
    int i = find_attr(n, attr);
    if (i < 0) return bs_error_set(BS_ENOTFOUND, "%s has no attribute %s", n->k->op_type, attr);
    if (n->def[i]->type != BS_KA_STR && n->def[i]->type != BS_KA_DTYPE)
        return bs_error_set(BS_EINVAL, "attribute %s is not a string", attr);
    int rc = set_str(n, n->def[i], &n->a[i], v);
    if (rc == 0) n->a[i].set = true;
    return rc;
}

int bs_knode_check(const bs_knode *n) {
    if (!n || !n->k) return bs_error_set(BS_EINVAL, "bs_knode_check: node not loaded");
    return n->k->ops->check ? n->k->ops->check(n) : 0;
}

static int shape(const bs_knode *n, int kind, int out, int idx, int64_t *d, size_t *nd) {
    int rc = bs_knode_check(n);
    if (rc) return rc;
    return n->k->ops->shape(n, kind, out, idx, d, nd);
}
int bs_knode_normal_shape(const bs_knode *n, int out, int idx, int64_t *d, size_t *nd) {
    return shape(n, KS_NORMAL, out, idx, d, nd);
}
int bs_knode_folded_shape(const bs_knode *n, int out, int idx, int64_t *d, size_t *nd) {
    return shape(n, KS_FOLDED, out, idx, d, nd);
}

int bs_knode_stream_width(const bs_knode *n, int out, int idx, int64_t *bits) {
    int rc = bs_knode_check(n);
    if (rc) return rc;
    return n->k->ops->width(n, out, idx, bits);
}
int bs_knode_stream_width_padded(const bs_knode *n, int out, int idx, int64_t *bits) {
    int rc = bs_knode_stream_width(n, out, idx, bits);
    if (rc == 0 && *bits % 8) *bits += 8 - *bits % 8;
    return rc;
}

int bs_knode_output_dtype(const bs_knode *n, int idx, bs_kdt *out) {
    if (n->k->ops->odt) return n->k->ops->odt(n, idx, out);
    const char *s = bs_knode_get_str(n, "outputDataType");
    if (!s) s = bs_knode_get_str(n, "dataType");
    if (!s || !*s) return bs_k_fail(n, "has no output datatype");
    return bs_kdt_parse(s, out);
}

int bs_knode_cycles(const bs_knode *n, int64_t *cycles) {
    int rc = bs_knode_check(n);
    if (rc) return rc;
    *cycles = n->k->ops->cycles ? n->k->ops->cycles(n) : 0;
    return 0;
}

int bs_knode_estimate(const bs_knode *n, const char *part, bs_kcost *c) {
    int rc = bs_knode_check(n);
    if (rc) return rc;
    memset(c, 0, sizeof *c);
    c->bram_eff = 1;
    c->uram_eff = 1;
    c->cycles = n->k->ops->cycles ? n->k->ops->cycles(n) : 0;
    if (n->k->ops->res) n->k->ops->res(n, part, c);
    return 0;
}

int bs_knode_op_param_counts(const bs_knode *n, bs_kcount out[4], int *count) {
    *count = 0;
    int rc = bs_knode_check(n);
    if (rc) return rc;
    if (n->k->ops->counts) *count = n->k->ops->counts(n, out);
    return 0;
}

int bs_knode_alternatives(const bs_knode *n, const char *part, bs_kcost out[3],
                          const char *labels[3], int *count) {
    const char *op = n->k->op_type;
    static const char *const rt[] = {"dsp", "lut"};
    static const char *const rs[] = {"block", "distributed", "ultra"};
    const char *attr = NULL;
    const char *const *vals = NULL;
    int nv = 0;
    if (!strncmp(op, "MVAU", 4) || !strncmp(op, "VVAU", 4) || SEQ(op, "StreamingFCLayer_Batch") ||
        SEQ(op, "Vector_Vector_Activate_Batch")) {
        attr = "resType"; vals = rt; nv = 2;
    } else if (!strncmp(op, "ConvolutionInputGenerator", 25)) {
        attr = "ram_style"; vals = rs; nv = 3;
    }
    if (!attr) {
        labels[0] = "";
        *count = 1;
        return bs_knode_estimate(n, part, &out[0]);
    }
    bs_knode *tmp = malloc(sizeof *tmp);
    if (!tmp) return bs_error_set(BS_ENOMEM, "alternatives: out of memory");
    *tmp = *n;
    int rc = 0;
    for (int i = 0; i < nv && rc == 0; i++) {
        rc = bs_knode_set_str(tmp, attr, vals[i]);
        if (rc == 0) rc = bs_knode_estimate(tmp, part, &out[i]);
        labels[i] = vals[i];
    }
    free(tmp);
    *count = nv;
    return rc;
}
