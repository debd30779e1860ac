/* ops_shape.c - ONNX data-movement kernels: Reshape, Flatten, Squeeze,
 * Unsqueeze, Transpose, Concat, Shape, Gather, Pad, Constant, Slice, Expand,
 * Split.  Shapes are computed at run time (symbolic batch dims work); the
 * op table is in ops_std.c. */
#include "exec_int.h"
#include "brainsmith/onnx.h"

#include <math.h>
#include <string.h>

/* ---- data movement ---------------------------------------------------------------------- */

static size_t esz(const bs_value *v) { return bs_onnx_elem_size(v->elem); }

/* Copy of x with a new shape (numel must match). */
static int reshaped(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *x, int r, const int64_t *d)
{
    int64_t cnt = 1;
    for (int i = 0; i < r; i++) cnt *= d[i];
    if (cnt != x->numel)
        return bs_exec__fail(n, "cannot reshape %s (%lld elements) to %lld elements",
                             bs_value_shape_str(x), (long long)x->numel, (long long)cnt);
    bs_value *o = bs_exec_out(cx, 0, x->elem, r, d);
    if (!o) return bs_error_code();
    if (x->numel) memcpy(o->data, x->data, (size_t)x->numel * esz(x));
    return 0;
}

/* Uses the inferred output shape when it is static and fits. */
static int bs_exec__k_inferred_reshape(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 0);
    const bs_ir_tensor *t = n->outputs[0];
    if (bs_ir_tensor_numel(t) != in[0]->numel)
        return bs_exec__fail(n, "output shape not inferred (run shape inference first)");
    return reshaped(cx, n, in[0], t->rank, t->dims);
}

int bs_exec__k_reshape(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 0);
    int64_t s[BS_IR_MAX_RANK];
    int r = nin > 1 && in[1] ? bs_exec__ints(in[1], s, BS_IR_MAX_RANK) : -1;
    if (r < 0) return bs_exec__k_inferred_reshape(cx, n, in, nin);
    int64_t known = 1;
    int neg = -1;
    for (int i = 0; i < r; i++) {
        if (s[i] == 0 && !bs_ir_attr_int(n, "allowzero", 0)) {
            if (i >= in[0]->rank) return bs_exec__fail(n, "0 in shape past the input rank");
            s[i] = in[0]->dims[i];
        }
        if (s[i] == -1) { if (neg >= 0) return bs_exec__fail(n, "two -1 in shape"); neg = i; }
        else if (s[i] < 0) return bs_exec__fail(n, "negative dim in shape");
        else if (__builtin_mul_overflow(known, s[i], &known)) return bs_exec__fail(n, "shape too large");
    }
    if (neg >= 0) {
        if (!known || in[0]->numel % known) return bs_exec__fail(n, "shape does not divide the input");
        s[neg] = in[0]->numel / known;
    }
    return reshaped(cx, n, in[0], r, s);
}

int bs_exec__k_flatten(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 0);
    int64_t ax = bs_ir_attr_int(n, "axis", 1);
    if (ax < 0) ax += in[0]->rank;
    if (ax < 0 || ax > in[0]->rank) return bs_exec__fail(n, "axis out of range");
    int64_t d[2] = {1, 1};
    for (int i = 0; i < in[0]->rank; i++) d[i < ax ? 0 : 1] *= in[0]->dims[i];
    return reshaped(cx, n, in[0], 2, d);
}

int bs_exec__k_transpose(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 0);
    const bs_value *x = in[0];
    int r = x->rank;
    int64_t perm[BS_IR_MAX_RANK], od[BS_IR_MAX_RANK], is[BS_IR_MAX_RANK], ps[BS_IR_MAX_RANK];
    const int64_t *p;
    int np;
    if (bs_ir_attr_get_ints(n, "perm", &p, &np)) {
        for (int i = 0; i < r; i++) perm[i] = r - 1 - i;
    } else {
        if (np != r) return bs_exec__fail(n, "perm has %d entries for rank %d", np, r);
        bool seen[BS_IR_MAX_RANK] = {0};
        for (int i = 0; i < r; i++) {
            if (p[i] < 0 || p[i] >= r || seen[p[i]]) return bs_exec__fail(n, "bad perm");
            seen[p[i]] = true;
            perm[i] = p[i];
        }
    }
    for (int i = 0; i < r; i++) od[i] = x->dims[perm[i]];
    bs_value *o = bs_exec_out(cx, 0, x->elem, r, od);
    if (!o) return bs_error_code();
    bs_exec__strides(r, x->dims, is);
    for (int i = 0; i < r; i++) ps[i] = is[perm[i]];
    size_t es = esz(x);
    int64_t idx[BS_IR_MAX_RANK] = {0}, off = 0;
    for (int64_t i = 0; i < o->numel; i++) {
        memcpy((char *)o->data + (size_t)i * es, (const char *)x->data + (size_t)off * es, es);
        for (int k = r - 1; k >= 0; k--) {
            idx[k]++;
            off += ps[k];
            if (idx[k] < od[k]) break;
            off -= ps[k] * od[k];
            idx[k] = 0;
        }
    }
    return 0;
}

int bs_exec__k_concat(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 0);
    const bs_value *x = in[0];
    int64_t ax = bs_ir_attr_int(n, "axis", 0);
    if (ax < 0) ax += x->rank;
    if (ax < 0 || ax >= x->rank) return bs_exec__fail(n, "axis out of range");
    int64_t d[BS_IR_MAX_RANK];
    memcpy(d, x->dims, sizeof d);
    d[ax] = 0;
    for (int i = 0; i < nin; i++) {
        NEED_IN(n, in, nin, i);
        if (in[i]->rank != x->rank || in[i]->elem != x->elem) return bs_exec__fail(n, "inputs differ in rank or type");
        for (int k = 0; k < x->rank; k++)
            if (k != ax && in[i]->dims[k] != x->dims[k]) return bs_exec__fail(n, "input %d shape %s does not match", i, bs_value_shape_str(in[i]));
        d[ax] += in[i]->dims[ax];
    }
    bs_value *o = bs_exec_out(cx, 0, x->elem, x->rank, d);
    if (!o) return bs_error_code();
    int64_t outer = 1, inner = 1;
    for (int k = 0; k < ax; k++) outer *= d[k];
    for (int k = (int)ax + 1; k < x->rank; k++) inner *= d[k];
    size_t es = esz(x);
    char *dst = o->data;
    for (int64_t ou = 0; ou < outer; ou++)
        for (int i = 0; i < nin; i++) {
            size_t chunk = (size_t)(in[i]->dims[ax] * inner) * es;
            memcpy(dst, (const char *)in[i]->data + (size_t)ou * chunk, chunk);
            dst += chunk;
        }
    return 0;
}

int bs_exec__k_shape(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 0);
    int64_t r = in[0]->rank;
    bs_value *o = bs_exec_out(cx, 0, BS_ELEM_INT64, 1, &r);
    if (!o) return bs_error_code();
    memcpy(o->data, in[0]->dims, sizeof(int64_t) * (size_t)r);
    return 0;
}

int bs_exec__k_gather(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 1);
    const bs_value *x = in[0], *ix = in[1];
    int64_t ax = bs_ir_attr_int(n, "axis", 0);
    if (ax < 0) ax += x->rank;
    if (ax < 0 || ax >= x->rank) return bs_exec__fail(n, "axis out of range");
    int r = x->rank - 1 + ix->rank;
    if (r > BS_IR_MAX_RANK) return bs_exec__fail(n, "rank too large");
    int64_t d[BS_IR_MAX_RANK];
    int k = 0;
    for (int i = 0; i < ax; i++) d[k++] = x->dims[i];
    for (int i = 0; i < ix->rank; i++) d[k++] = ix->dims[i];
    for (int i = (int)ax + 1; i < x->rank; i++) d[k++] = x->dims[i];
    bs_value *o = bs_exec_out(cx, 0, x->elem, r, d);
    if (!o) return bs_error_code();
    int64_t outer = 1, inner = 1, dim = x->dims[ax];
    for (int i = 0; i < ax; i++) outer *= x->dims[i];
    for (int i = (int)ax + 1; i < x->rank; i++) inner *= x->dims[i];
    size_t es = esz(x), chunk = (size_t)inner * es;
    char *dst = o->data;
    for (int64_t ou = 0; ou < outer; ou++)
        for (int64_t j = 0; j < ix->numel; j++) {
            int64_t id = ix->elem == BS_ELEM_INT64 ? ((const int64_t *)ix->data)[j] : bs_exec__i64(bs_value_get(ix, j));
            if (id < 0) id += dim;
            if (id < 0 || id >= dim) return bs_exec__fail(n, "index %lld out of range [0, %lld)", (long long)id, (long long)dim);
            memcpy(dst, (const char *)x->data + ((size_t)(ou * dim + id)) * chunk, chunk);
            dst += chunk;
        }
    return 0;
}

int bs_exec__k_pad(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 0);
    const bs_value *x = in[0];
    int64_t p[2 * BS_IR_MAX_RANK];
    int np = nin > 1 && in[1] ? bs_exec__ints(in[1], p, 2 * BS_IR_MAX_RANK) : -1;
    if (np < 0) {
        const int64_t *a;
        if (bs_ir_attr_get_ints(n, "pads", &a, &np) || np > 2 * BS_IR_MAX_RANK) return bs_exec__fail(n, "pads missing");
        memcpy(p, a, sizeof(int64_t) * (size_t)np);
    }
    if (np != 2 * x->rank) return bs_exec__fail(n, "pads length %d is not 2 x rank", np);
    for (int i = 0; i < np; i++)
        if (!BS_EXEC_SANE(p[i])) return bs_exec__fail(n, "pad %lld out of range", (long long)p[i]);
    const char *mode = bs_ir_attr_str(n, "mode", "constant");
    if (strcmp(mode, "constant")) return bs_exec__fail(n, "pad mode '%s' is not supported", mode);
    double val = nin > 2 && in[2] ? bs_value_get(in[2], 0) : bs_ir_attr_float(n, "value", 0.0);
    int64_t d[BS_IR_MAX_RANK], os[BS_IR_MAX_RANK], idx[BS_IR_MAX_RANK];
    for (int i = 0; i < x->rank; i++) {
        d[i] = x->dims[i] + p[i] + p[i + x->rank];
        if (d[i] < 0) return bs_exec__fail(n, "negative padded size");
    }
    bs_value *o = bs_exec_out(cx, 0, x->elem, x->rank, d);
    if (!o) return bs_error_code();
    for (int64_t i = 0; i < o->numel; i++) bs_value_set(o, i, val);
    bs_exec__strides(x->rank, d, os);
    for (int64_t i = 0; i < x->numel; i++) {
        int64_t rem = i, off = 0;
        bool inside = true;
        for (int k = x->rank - 1; k >= 0; k--) {
            idx[k] = rem % x->dims[k];
            rem /= x->dims[k];
            int64_t c = idx[k] + p[k];
            if (c < 0 || c >= d[k]) inside = false;
            off += c * os[k];
        }
        if (inside) bs_value_set(o, off, bs_value_get(x, i));
    }
    return 0;
}

/* Squeeze / Unsqueeze with axes from input 1 (opset >= 13) or the
 * attribute; computed at run time so symbolic (batch) dims work. */
int bs_exec__k_squeeze_like(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 0);
    const bs_value *x = in[0];
    bool unsq = !strcmp(n->op_type, "Unsqueeze");
    int64_t ax[BS_IR_MAX_RANK], d[BS_IR_MAX_RANK];
    int na = nin > 1 && in[1] ? bs_exec__ints(in[1], ax, BS_IR_MAX_RANK) : -1;
    if (na < 0) {
        const int64_t *a;
        if (!bs_ir_attr_get_ints(n, "axes", &a, &na) && na <= BS_IR_MAX_RANK) memcpy(ax, a, sizeof(int64_t) * (size_t)na);
        else na = -1;
    }
    bool mark[BS_IR_MAX_RANK] = {0};
    int r = 0;
    if (unsq) {
        int orank = x->rank + (na < 0 ? 0 : na);
        if (na < 0 || orank > BS_IR_MAX_RANK) return bs_exec__fail(n, "axes missing or rank too large");
        for (int i = 0; i < na; i++) {
            int64_t a = ax[i] < 0 ? ax[i] + orank : ax[i];
            if (a < 0 || a >= orank || mark[a]) return bs_exec__fail(n, "axis out of range or repeated");
            mark[a] = true;
        }
        for (int i = 0, k = 0; i < orank; i++) d[r++] = mark[i] ? 1 : x->dims[k++];
    } else {
        for (int i = 0; i < na; i++) {
            int64_t a = ax[i] < 0 ? ax[i] + x->rank : ax[i];
            if (a < 0 || a >= x->rank || x->dims[a] != 1) return bs_exec__fail(n, "cannot squeeze axis %lld of %s", (long long)ax[i], bs_value_shape_str(x));
            mark[a] = true;
        }
        for (int i = 0; i < x->rank; i++)
            if (!(na < 0 ? x->dims[i] == 1 : mark[i])) d[r++] = x->dims[i];
    }
    return reshaped(cx, n, x, r, d);
}

int bs_exec__k_constant(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    const bs_ir_data *t;
    if (!bs_ir_attr_get_tensor(n, "value", &t)) {
        bs_value *o = bs_exec_out(cx, 0, t->elem_type, t->rank, t->dims);
        if (!o) return bs_error_code();
        if (t->nbytes) memcpy(o->data, t->data, t->nbytes);
        return 0;
    }
    const bs_ir_attr *a;
    if ((a = bs_ir_attr_find(n, "value_float")) || (a = bs_ir_attr_find(n, "value_int"))) {
        bs_value *o = bs_exec_out(cx, 0, a->type == BS_ATTR_INT ? BS_ELEM_INT64 : BS_ELEM_FLOAT, 0, NULL);
        if (!o) return bs_error_code();
        bs_value_set(o, 0, a->type == BS_ATTR_INT ? (double)a->i : a->f);
        return 0;
    }
    if ((a = bs_ir_attr_find(n, "value_ints")) || (a = bs_ir_attr_find(n, "value_floats"))) {
        int64_t d = a->n;
        bs_value *o = bs_exec_out(cx, 0, a->type == BS_ATTR_INTS ? BS_ELEM_INT64 : BS_ELEM_FLOAT, 1, &d);
        if (!o) return bs_error_code();
        for (int i = 0; i < a->n; i++) bs_value_set(o, i, a->type == BS_ATTR_INTS ? (double)a->ints[i] : a->floats[i]);
        return 0;
    }
    return bs_exec__fail(n, "Constant without a supported value attribute");
}

int bs_exec__k_slice(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 0);
    const bs_value *x = in[0];
    int r = x->rank;
    int64_t st[BS_IR_MAX_RANK], en[BS_IR_MAX_RANK], ax[BS_IR_MAX_RANK], sp[BS_IR_MAX_RANK];
    int ns = nin > 1 ? bs_exec__ints(in[1], st, BS_IR_MAX_RANK) : -1;
    int ne = nin > 2 ? bs_exec__ints(in[2], en, BS_IR_MAX_RANK) : -1;
    if (ns < 0 || ne != ns) return bs_exec__fail(n, "starts/ends missing or of different length");
    int na = nin > 3 && in[3] ? bs_exec__ints(in[3], ax, BS_IR_MAX_RANK) : -1;
    int nsp = nin > 4 && in[4] ? bs_exec__ints(in[4], sp, BS_IR_MAX_RANK) : -1;
    int64_t b[BS_IR_MAX_RANK], step[BS_IR_MAX_RANK], d[BS_IR_MAX_RANK];
    for (int i = 0; i < r; i++) { b[i] = 0; step[i] = 1; d[i] = x->dims[i]; }
    for (int i = 0; i < ns; i++) {
        int64_t a = na >= 0 ? ax[i] : i, s = nsp >= 0 ? sp[i] : 1;
        if (a < 0) a += r;
        if (a < 0 || a >= r || s == 0) return bs_exec__fail(n, "bad axis or step");
        int64_t dim = x->dims[a], bb = st[i] < 0 ? st[i] + dim : st[i], e = en[i] < 0 ? en[i] + dim : en[i];
        if (s > dim + 1) s = dim + 1;        /* same result, no overflow */
        if (s < -dim - 1) s = -dim - 1;
        if (s > 0) {
            bb = bb < 0 ? 0 : bb > dim ? dim : bb;
            e = e < 0 ? 0 : e > dim ? dim : e;
            d[a] = e > bb ? (e - bb + s - 1) / s : 0;
        } else {
            bb = bb < 0 ? -1 : bb > dim - 1 ? dim - 1 : bb;
            e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
            d[a] = bb > e ? (bb - e - s - 1) / -s : 0;
        }
        b[a] = bb;
        step[a] = s;
    }
    bs_value *o = bs_exec_out(cx, 0, x->elem, r, d);
    if (!o) return bs_error_code();
    int64_t is[BS_IR_MAX_RANK];
    bs_exec__strides(r, x->dims, is);
    size_t es = esz(x);
    for (int64_t i = 0; i < o->numel; i++) {
        int64_t rem = i, off = 0;
        for (int k = r - 1; k >= 0; k--) {
            int64_t c = rem % d[k];
            rem /= d[k];
            off += (b[k] + c * step[k]) * is[k];
        }
        memcpy((char *)o->data + (size_t)i * es, (const char *)x->data + (size_t)off * es, es);
    }
    return 0;
}

int bs_exec__k_expand(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 1);
    int64_t s[BS_IR_MAX_RANK];
    int r = bs_exec__ints(in[1], s, BS_IR_MAX_RANK);
    if (r < 0) return bs_exec__fail(n, "shape too long");
    bs_value shp = {.rank = r};
    memcpy(shp.dims, s, sizeof(int64_t) * (size_t)r);
    int orank;
    int64_t d[BS_IR_MAX_RANK], sx[BS_IR_MAX_RANK];
    int rc = bs_exec__bcast_shape(n, in[0], &shp, &orank, d);
    if (rc) return rc;
    bs_value *o = bs_exec_out(cx, 0, in[0]->elem, orank, d);
    if (!o) return bs_error_code();
    bs_exec__bcast_strides(in[0], orank, d, sx);
    size_t es = esz(in[0]);
    for (int64_t i = 0; i < o->numel; i++) {
        int64_t rem = i, off = 0;
        for (int k = orank - 1; k >= 0; k--) { off += (rem % d[k]) * sx[k]; rem /= d[k]; }
        memcpy((char *)o->data + (size_t)i * es, (const char *)in[0]->data + (size_t)off * es, es);
    }
    return 0;
}

int bs_exec__k_split(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 0);
    const bs_value *x = in[0];
    int64_t ax = bs_ir_attr_int(n, "axis", 0);
    if (ax < 0) ax += x->rank;
    if (ax < 0 || ax >= x->rank) return bs_exec__fail(n, "axis out of range");
    int64_t sp[64];
    int nsp = nin > 1 && in[1] ? bs_exec__ints(in[1], sp, 64) : -1;
    if (nsp < 0) {
        const int64_t *a;
        if (!bs_ir_attr_get_ints(n, "split", &a, &nsp) && nsp <= 64) memcpy(sp, a, sizeof(int64_t) * (size_t)nsp);
        else nsp = -1;
    }
    int no = n->noutputs;
    if (nsp < 0) {
        if (no > 64 || x->dims[ax] % no) return bs_exec__fail(n, "axis does not split evenly");
        for (int i = 0; i < no; i++) sp[i] = x->dims[ax] / no;
        nsp = no;
    }
    int64_t tot = 0;
    for (int i = 0; i < nsp; i++) {
        if (sp[i] < 0 || !BS_EXEC_SANE(sp[i])) return bs_exec__fail(n, "split size out of range");
        tot += sp[i];
    }
    if (nsp != no || tot != x->dims[ax]) return bs_exec__fail(n, "split sizes do not add up");
    int64_t outer = 1, inner = 1;
    for (int k = 0; k < ax; k++) outer *= x->dims[k];
    for (int k = (int)ax + 1; k < x->rank; k++) inner *= x->dims[k];
    size_t es = esz(x);
    int64_t start = 0;
    for (int i = 0; i < no; i++) {
        int64_t d[BS_IR_MAX_RANK];
        memcpy(d, x->dims, sizeof d);
        d[ax] = sp[i];
        bs_value *o = bs_exec_out(cx, i, x->elem, x->rank, d);
        if (!o) return bs_error_code();
        for (int64_t ou = 0; ou < outer; ou++)
            memcpy((char *)o->data + (size_t)(ou * sp[i] * inner) * es,
                   (const char *)x->data + (size_t)((ou * x->dims[ax] + start) * inner) * es,
                   (size_t)(sp[i] * inner) * es);
        start += sp[i];
    }
    return 0;
}

