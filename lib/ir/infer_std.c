/* infer_std.c - shape rules of the standard ONNX ops, the generic QONNX
 * datatype rules (finn-reference §4.5) and the built-in op table.  The
 * drivers and the registry are in infer.c, custom ops in infer_custom.c. */
#include "ir_int.h"
#include "brainsmith/onnx.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- standard ONNX shape rules ---------------------------------------------- */

static int sh_unary(bs_ir_graph *g, bs_ir_node *n)
{
    NEED_RANK(n, 0);
    int rc = bs_ir_copy_shape(g, n, 0, 0);
    for (int i = 1; i < n->noutputs && !rc; i++) rc = bs_ir_copy_shape(g, n, 0, i);
    return rc;
}

static int broadcast(const bs_ir_node *n, int64_t *out, int *orank)
{
    int r = 0;
    for (int i = 0; i < n->ninputs; i++) {
        NEED_RANK(n, i);
        if (n->inputs[i]->rank > r) r = n->inputs[i]->rank;
    }
    for (int k = 0; k < r; k++) out[k] = 1;
    for (int i = 0; i < n->ninputs; i++) {
        const bs_ir_tensor *t = n->inputs[i];
        for (int k = 0; k < t->rank; k++) {
            int64_t d = t->dims[t->rank - 1 - k], *o = &out[r - 1 - k];
            if (d == 1) continue;
            if (*o == 1 || *o == d) *o = d;
            else if (d < 0 || *o < 0) *o = -1;
            else
                return bs_error_set(BS_EINVAL, "node %s: shapes of '%s' and other inputs do not broadcast",
                                    bs_ir_node_desc(n), t->name);
        }
    }
    *orank = r;
    return 0;
}

static int sh_bcast(bs_ir_graph *g, bs_ir_node *n)
{
    int64_t d[BS_IR_MAX_RANK];
    int r, rc = broadcast(n, d, &r);
    if (rc) return rc;
    int32_t et = n->inputs[0]->elem_type;
    return bs_ir_set_out_shape(g, n, 0, et, r, d);
}

static int sh_compare(bs_ir_graph *g, bs_ir_node *n)
{
    int64_t d[BS_IR_MAX_RANK];
    int r, rc = broadcast(n, d, &r);
    if (rc) return rc;
    return bs_ir_set_out_shape(g, n, 0, BS_ELEM_BOOL, r, d);
}

static int sh_where(bs_ir_graph *g, bs_ir_node *n)
{
    int64_t d[BS_IR_MAX_RANK];
    int r, rc = broadcast(n, d, &r);
    if (rc) return rc;
    return bs_ir_set_out_shape(g, n, 0, IN(n, 1) ? IN(n, 1)->elem_type : 1, r, d);
}

static int matmul_shape(bs_ir_graph *g, bs_ir_node *n, int32_t et)
{
    NEED_RANK(n, 0);
    NEED_RANK(n, 1);
    const bs_ir_tensor *a = n->inputs[0], *b = n->inputs[1];
    if (a->rank < 1 || b->rank < 1) return bad(n, "MatMul inputs must have rank >= 1");
    int64_t ad[BS_IR_MAX_RANK + 1], bd[BS_IR_MAX_RANK + 1];
    int ar = a->rank, br = b->rank;
    memcpy(ad, a->dims, sizeof(int64_t) * (size_t)ar);
    memcpy(bd, b->dims, sizeof(int64_t) * (size_t)br);
    bool a1 = ar == 1, b1 = br == 1;
    if (a1) { ad[1] = ad[0]; ad[0] = 1; ar = 2; }
    if (b1) { bd[1] = 1; br = 2; }
    if (ad[ar - 1] >= 0 && bd[br - 2] >= 0 && ad[ar - 1] != bd[br - 2])
        return bs_error_set(BS_EINVAL, "node %s: inner dims differ (%lld vs %lld)",
                            bs_ir_node_desc(n), (long long)ad[ar - 1], (long long)bd[br - 2]);
    int r = ar > br ? ar : br;
    int64_t o[BS_IR_MAX_RANK + 1];
    for (int k = 0; k < r - 2; k++) {
        int ia = ar - 3 - k, ib = br - 3 - k;
        int64_t da = ia >= 0 ? ad[ia] : 1, db = ib >= 0 ? bd[ib] : 1;
        if (da != 1 && db != 1 && da != db) return bad(n, "batch dims do not broadcast");
        o[r - 3 - k] = da == 1 ? db : da;
    }
    o[r - 2] = ad[ar - 2];
    o[r - 1] = bd[br - 1];
    int orank = r;
    if (b1) orank--;
    if (a1) { o[r - 2] = o[r - 1]; orank--; if (b1) orank = r - 2; }
    if (orank > BS_IR_MAX_RANK) return bad(n, "rank too large");
    return bs_ir_set_out_shape(g, n, 0, et, orank, o);
}

static int sh_matmul(bs_ir_graph *g, bs_ir_node *n)
{
    return matmul_shape(g, n, n->inputs[0] ? n->inputs[0]->elem_type : 1);
}

static int sh_gemm(bs_ir_graph *g, bs_ir_node *n)
{
    NEED_RANK(n, 0);
    NEED_RANK(n, 1);
    const bs_ir_tensor *a = n->inputs[0], *b = n->inputs[1];
    if (a->rank != 2 || b->rank != 2) return bad(n, "Gemm inputs must be 2-D");
    int ta = (int)bs_ir_attr_int(n, "transA", 0), tb = (int)bs_ir_attr_int(n, "transB", 0);
    int64_t d[2] = {a->dims[ta ? 1 : 0], b->dims[tb ? 0 : 1]};
    int64_t ka = a->dims[ta ? 0 : 1], kb = b->dims[tb ? 1 : 0];
    if (ka >= 0 && kb >= 0 && ka != kb) return bad(n, "Gemm inner dims differ");
    return bs_ir_set_out_shape(g, n, 0, a->elem_type, 2, d);
}

/* Spatial output size with explicit pads (or auto_pad). */
static int pool_dims(const bs_ir_node *n, int sp, const int64_t *in, const int64_t *k,
                     int64_t *out, bool ceil_mode)
{
    const int64_t *st = NULL, *pads = NULL, *dil = NULL;
    int nst = 0, npads = 0, ndil = 0;
    bs_ir_attr_get_ints(n, "strides", &st, &nst);
    bs_ir_attr_get_ints(n, "pads", &pads, &npads);
    bs_ir_attr_get_ints(n, "dilations", &dil, &ndil);
    const char *ap = bs_ir_attr_str(n, "auto_pad", "NOTSET");
    for (int i = 0; i < sp; i++) {
        int64_t s = i < nst ? st[i] : 1, d = i < ndil ? dil[i] : 1;
        if (s <= 0 || d <= 0 || k[i] <= 0) return bad(n, "non-positive kernel/stride/dilation");
        int64_t ek = (k[i] - 1) * d + 1;
        if (in[i] < 0) { out[i] = -1; continue; }
        if (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
            out[i] = (in[i] + s - 1) / s;
            continue;
        }
        int64_t p = 0;
        if (strcmp(ap, "VALID") && npads >= 2 * sp) p = pads[i] + pads[i + sp];
        int64_t num = in[i] + p - ek;
        if (num < 0) return bad(n, "kernel larger than the padded input");
        out[i] = (ceil_mode ? (num + s - 1) / s : num / s) + 1;
    }
    return 0;
}

static int sh_conv(bs_ir_graph *g, bs_ir_node *n)
{
    NEED_RANK(n, 0);
    NEED_RANK(n, 1);
    const bs_ir_tensor *x = n->inputs[0], *w = n->inputs[1];
    if (x->rank < 3 || w->rank != x->rank) return bad(n, "Conv needs N,C,spatial input and matching weights");
    int sp = x->rank - 2;
    int64_t k[BS_IR_MAX_RANK], o[BS_IR_MAX_RANK];
    const int64_t *ks;
    int nks;
    for (int i = 0; i < sp; i++) k[i] = w->dims[2 + i];
    if (!bs_ir_attr_get_ints(n, "kernel_shape", &ks, &nks) && nks == sp)
        for (int i = 0; i < sp; i++) k[i] = ks[i];
    int64_t grp = bs_ir_attr_int(n, "group", 1);
    if (x->dims[1] >= 0 && w->dims[1] >= 0 && x->dims[1] != w->dims[1] * grp)
        return bad(n, "input channels do not match weights x group");
    o[0] = x->dims[0];
    o[1] = w->dims[0];
    int rc = pool_dims(n, sp, x->dims + 2, k, o + 2, false);
    if (rc) return rc;
    return bs_ir_set_out_shape(g, n, 0, x->elem_type, x->rank, o);
}

static int sh_pool(bs_ir_graph *g, bs_ir_node *n)
{
    NEED_RANK(n, 0);
    const bs_ir_tensor *x = n->inputs[0];
    const int64_t *ks;
    int nks;
    if (bs_ir_attr_get_ints(n, "kernel_shape", &ks, &nks) || nks != x->rank - 2)
        return bad(n, "kernel_shape missing or of the wrong length");
    int64_t o[BS_IR_MAX_RANK];
    o[0] = x->dims[0];
    o[1] = x->dims[1];
    int rc = pool_dims(n, nks, x->dims + 2, ks, o + 2, bs_ir_attr_int(n, "ceil_mode", 0) != 0);
    if (rc) return rc;
    rc = bs_ir_set_out_shape(g, n, 0, x->elem_type, x->rank, o);
    if (!rc && n->noutputs > 1) rc = bs_ir_set_out_shape(g, n, 1, BS_ELEM_INT64, x->rank, o);
    return rc;
}

static int sh_global_pool(bs_ir_graph *g, bs_ir_node *n)
{
    NEED_RANK(n, 0);
    const bs_ir_tensor *x = n->inputs[0];
    int64_t o[BS_IR_MAX_RANK];
    for (int i = 0; i < x->rank; i++) o[i] = i < 2 ? x->dims[i] : 1;
    return bs_ir_set_out_shape(g, n, 0, x->elem_type, x->rank, o);
}

static int sh_reshape(bs_ir_graph *g, bs_ir_node *n)
{
    NEED_RANK(n, 0);
    int64_t s[BS_IR_MAX_RANK + 1];
    int r = ivals(IN(n, 1), s, BS_IR_MAX_RANK);
    if (r < 0) {
        const int64_t *a;
        int na;
        if (!bs_ir_attr_get_ints(n, "shape", &a, &na) && na <= BS_IR_MAX_RANK) {
            memcpy(s, a, sizeof(int64_t) * (size_t)na);
            r = na;
        } else {
            return bad(n, "target shape is not constant");
        }
    }
    const bs_ir_tensor *x = n->inputs[0];
    int64_t total = bs_ir_tensor_numel(x), known = 1;
    int neg = -1;
    bool allowzero = bs_ir_attr_int(n, "allowzero", 0) != 0;
    for (int i = 0; i < r; i++) {
        if (s[i] == 0 && !allowzero) {
            if (i >= x->rank) return bad(n, "0 in shape refers past the input rank");
            s[i] = x->dims[i];
        }
        if (s[i] == -1) {
            if (neg >= 0) return bad(n, "more than one -1 in shape");
            neg = i;
        } else if (s[i] < 0) {
            return bad(n, "negative dimension in shape");
        } else {
            known *= s[i];
        }
    }
    if (neg >= 0) s[neg] = (total >= 0 && known > 0) ? total / known : -1;
    int64_t prod = 1;
    for (int i = 0; i < r; i++) prod *= s[i];
    if (total >= 0 && prod >= 0 && neg < 0 && prod != total)
        return bs_error_set(BS_EINVAL, "node %s: cannot reshape %lld elements into %lld",
                            bs_ir_node_desc(n), (long long)total, (long long)prod);
    if (total >= 0 && neg >= 0 && known > 0 && total % known)
        return bad(n, "element count is not divisible by the known dims");
    return bs_ir_set_out_shape(g, n, 0, x->elem_type, r, s);
}

static int sh_flatten(bs_ir_graph *g, bs_ir_node *n)
{
    NEED_RANK(n, 0);
    const bs_ir_tensor *x = n->inputs[0];
    int64_t ax = bs_ir_attr_int(n, "axis", 1);
    if (ax < 0) ax += x->rank;
    if (ax < 0 || ax > x->rank) return bad(n, "axis out of range");
    int64_t d[2] = {1, 1};
    for (int i = 0; i < x->rank; i++) {
        int64_t *p = i < ax ? &d[0] : &d[1];
        *p = (*p < 0 || x->dims[i] < 0) ? -1 : *p * x->dims[i];
    }
    return bs_ir_set_out_shape(g, n, 0, x->elem_type, 2, d);
}

static int sh_transpose(bs_ir_graph *g, bs_ir_node *n)
{
    NEED_RANK(n, 0);
    const bs_ir_tensor *x = n->inputs[0];
    const int64_t *p;
    int np;
    int64_t d[BS_IR_MAX_RANK];
    if (bs_ir_attr_get_ints(n, "perm", &p, &np)) {
        for (int i = 0; i < x->rank; i++) d[i] = x->dims[x->rank - 1 - i];
    } else {
        if (np != x->rank) return bad(n, "perm length differs from the input rank");
        for (int i = 0; i < np; i++) {
            if (p[i] < 0 || p[i] >= x->rank) return bad(n, "perm entry out of range");
            d[i] = x->dims[p[i]];
        }
    }
    return bs_ir_set_out_shape(g, n, 0, x->elem_type, x->rank, d);
}

/* axes from input 1 (opset >= 13) or from the attribute. */
static int get_axes(const bs_ir_node *n, int64_t *ax, int max)
{
    int r = ivals(IN(n, 1), ax, max);
    if (r >= 0) return r;
    const int64_t *a;
    int na;
    if (!bs_ir_attr_get_ints(n, "axes", &a, &na) && na <= max) {
        memcpy(ax, a, sizeof(int64_t) * (size_t)na);
        return na;
    }
    return -1;
}

static int sh_squeeze(bs_ir_graph *g, bs_ir_node *n)
{
    NEED_RANK(n, 0);
    const bs_ir_tensor *x = n->inputs[0];
    int64_t ax[BS_IR_MAX_RANK], d[BS_IR_MAX_RANK];
    int na = get_axes(n, ax, BS_IR_MAX_RANK), r = 0;
    bool drop[BS_IR_MAX_RANK] = {0};
    if (na < 0) {
        for (int i = 0; i < x->rank; i++) drop[i] = x->dims[i] == 1;
    } else {
        for (int i = 0; i < na; i++) {
            int64_t a = ax[i] < 0 ? ax[i] + x->rank : ax[i];
            if (a < 0 || a >= x->rank) return bad(n, "axis out of range");
            if (x->dims[a] != 1 && x->dims[a] >= 0) return bad(n, "squeezing a dim that is not 1");
            drop[a] = true;
        }
    }
    for (int i = 0; i < x->rank; i++)
        if (!drop[i]) d[r++] = x->dims[i];
    return bs_ir_set_out_shape(g, n, 0, x->elem_type, r, d);
}

static int sh_unsqueeze(bs_ir_graph *g, bs_ir_node *n)
{
    NEED_RANK(n, 0);
    const bs_ir_tensor *x = n->inputs[0];
    int64_t ax[BS_IR_MAX_RANK], d[BS_IR_MAX_RANK];
    int na = get_axes(n, ax, BS_IR_MAX_RANK);
    if (na < 0) return bad(n, "axes are not constant");
    int r = x->rank + na;
    if (r > BS_IR_MAX_RANK) return bad(n, "rank too large");
    bool ins[BS_IR_MAX_RANK] = {0};
    for (int i = 0; i < na; i++) {
        int64_t a = ax[i] < 0 ? ax[i] + r : ax[i];
        if (a < 0 || a >= r || ins[a]) return bad(n, "axis out of range or repeated");
        ins[a] = true;
    }
    for (int i = 0, k = 0; i < r; i++) d[i] = ins[i] ? 1 : x->dims[k++];
    return bs_ir_set_out_shape(g, n, 0, x->elem_type, r, d);
}

static int sh_concat(bs_ir_graph *g, bs_ir_node *n)
{
    NEED_RANK(n, 0);
    const bs_ir_tensor *x = n->inputs[0];
    int64_t ax = bs_ir_attr_int(n, "axis", 0);
    if (ax < 0) ax += x->rank;
    if (ax < 0 || ax >= x->rank) return bad(n, "axis out of range");
    int64_t d[BS_IR_MAX_RANK];
    memcpy(d, x->dims, sizeof(int64_t) * (size_t)x->rank);
    for (int i = 1; i < n->ninputs; i++) {
        NEED_RANK(n, i);
        const bs_ir_tensor *y = n->inputs[i];
        if (y->rank != x->rank) return bad(n, "inputs have different ranks");
        d[ax] = (d[ax] < 0 || y->dims[ax] < 0) ? -1 : d[ax] + y->dims[ax];
    }
    return bs_ir_set_out_shape(g, n, 0, x->elem_type, x->rank, d);
}

static int sh_shape(bs_ir_graph *g, bs_ir_node *n)
{
    NEED_RANK(n, 0);
    int64_t d = n->inputs[0]->rank;
    return bs_ir_set_out_shape(g, n, 0, BS_ELEM_INT64, 1, &d);
}

static int sh_gather(bs_ir_graph *g, bs_ir_node *n)
{
    NEED_RANK(n, 0);
    NEED_RANK(n, 1);
    const bs_ir_tensor *x = n->inputs[0], *idx = n->inputs[1];
    int64_t ax = bs_ir_attr_int(n, "axis", 0);
    if (ax < 0) ax += x->rank;
    if (ax < 0 || ax >= x->rank) return bad(n, "axis out of range");
    int r = x->rank - 1 + idx->rank;
    if (r > BS_IR_MAX_RANK) return bad(n, "rank too large");
    int64_t d[BS_IR_MAX_RANK];
    int k = 0;
    for (int i = 0; i < ax; i++) d[k++] = x->dims[i];
    for (int i = 0; i < idx->rank; i++) d[k++] = idx->dims[i];
    for (int i = (int)ax + 1; i < x->rank; i++) d[k++] = x->dims[i];
    return bs_ir_set_out_shape(g, n, 0, x->elem_type, r, d);
}

static int sh_pad(bs_ir_graph *g, bs_ir_node *n)
{
    NEED_RANK(n, 0);
    const bs_ir_tensor *x = n->inputs[0];
    int64_t p[2 * BS_IR_MAX_RANK];
    int np = ivals(IN(n, 1), p, 2 * BS_IR_MAX_RANK);
    if (np < 0) {
        const int64_t *a;
        if (bs_ir_attr_get_ints(n, "pads", &a, &np) || np > 2 * BS_IR_MAX_RANK)
            return bad(n, "pads are not constant");
        memcpy(p, a, sizeof(int64_t) * (size_t)np);
    }
    if (np != 2 * x->rank) return bad(n, "pads length is not 2 x rank");
    int64_t d[BS_IR_MAX_RANK];
    for (int i = 0; i < x->rank; i++)
        d[i] = x->dims[i] < 0 ? -1 : x->dims[i] + p[i] + p[i + x->rank];
    return bs_ir_set_out_shape(g, n, 0, x->elem_type, x->rank, d);
}

static int sh_topk(bs_ir_graph *g, bs_ir_node *n)
{
    NEED_RANK(n, 0);
    const bs_ir_tensor *x = n->inputs[0];
    int64_t k[1];
    if (ivals(IN(n, 1), k, 1) != 1) {
        if (!bs_ir_attr_find(n, "k")) return bad(n, "K is not constant");
        k[0] = bs_ir_attr_int(n, "k", 1);
    }
    int64_t ax = bs_ir_attr_int(n, "axis", -1);
    if (ax < 0) ax += x->rank;
    if (ax < 0 || ax >= x->rank) return bad(n, "axis out of range");
    int64_t d[BS_IR_MAX_RANK];
    memcpy(d, x->dims, sizeof(int64_t) * (size_t)x->rank);
    d[ax] = k[0];
    int rc = bs_ir_set_out_shape(g, n, 0, x->elem_type, x->rank, d);
    if (!rc) rc = bs_ir_set_out_shape(g, n, 1, BS_ELEM_INT64, x->rank, d);
    return rc;
}

static int sh_reduce(bs_ir_graph *g, bs_ir_node *n, bool argmax)
{
    NEED_RANK(n, 0);
    const bs_ir_tensor *x = n->inputs[0];
    int64_t ax[BS_IR_MAX_RANK], d[BS_IR_MAX_RANK];
    int na;
    if (argmax) { ax[0] = bs_ir_attr_int(n, "axis", 0); na = 1; }
    else na = get_axes(n, ax, BS_IR_MAX_RANK);
    bool red[BS_IR_MAX_RANK] = {0};
    if (na < 0 || na == 0) for (int i = 0; i < x->rank; i++) red[i] = true;
    for (int i = 0; i < na; i++) {
        int64_t a = ax[i] < 0 ? ax[i] + x->rank : ax[i];
        if (a < 0 || a >= x->rank) return bad(n, "axis out of range");
        red[a] = true;
    }
    bool keep = bs_ir_attr_int(n, "keepdims", 1) != 0;
    int r = 0;
    for (int i = 0; i < x->rank; i++) {
        if (!red[i]) d[r++] = x->dims[i];
        else if (keep) d[r++] = 1;
    }
    return bs_ir_set_out_shape(g, n, 0, argmax ? BS_ELEM_INT64 : x->elem_type, r, d);
}
static int sh_reduce_op(bs_ir_graph *g, bs_ir_node *n) { return sh_reduce(g, n, false); }
static int sh_argmax(bs_ir_graph *g, bs_ir_node *n) { return sh_reduce(g, n, true); }

static int sh_cast(bs_ir_graph *g, bs_ir_node *n)
{
    NEED_RANK(n, 0);
    return bs_ir_set_out_shape(g, n, 0, (int32_t)bs_ir_attr_int(n, "to", 1), n->inputs[0]->rank,
                               n->inputs[0]->dims);
}

static int sh_constant(bs_ir_graph *g, bs_ir_node *n)
{
    const bs_ir_data *t;
    if (!bs_ir_attr_get_tensor(n, "value", &t)) {
        int rc = bs_ir_set_out_shape(g, n, 0, t->elem_type, t->rank, t->dims);
        if (!rc && n->noutputs) n->outputs[0]->known = (bs_ir_data *)t;
        return rc;
    }
    const bs_ir_attr *a;
    if ((a = bs_ir_attr_find(n, "value_float"))) return bs_ir_set_out_shape(g, n, 0, 1, 0, NULL);
    if ((a = bs_ir_attr_find(n, "value_int"))) return bs_ir_set_out_shape(g, n, 0, 7, 0, NULL);
    if ((a = bs_ir_attr_find(n, "value_ints"))) {
        int64_t d = a->n;
        return bs_ir_set_out_shape(g, n, 0, 7, 1, &d);
    }
    if ((a = bs_ir_attr_find(n, "value_floats"))) {
        int64_t d = a->n;
        return bs_ir_set_out_shape(g, n, 0, 1, 1, &d);
    }
    return bad(n, "Constant without a supported value attribute");
}

static int sh_slice(bs_ir_graph *g, bs_ir_node *n)
{
    NEED_RANK(n, 0);
    const bs_ir_tensor *x = n->inputs[0];
    int64_t st[BS_IR_MAX_RANK], en[BS_IR_MAX_RANK], ax[BS_IR_MAX_RANK], sp[BS_IR_MAX_RANK];
    int ns = ivals(IN(n, 1), st, BS_IR_MAX_RANK), ne = ivals(IN(n, 2), en, BS_IR_MAX_RANK);
    if (ns < 0 || ne != ns) return bad(n, "starts/ends are not constant");
    int na = IN(n, 3) ? ivals(IN(n, 3), ax, BS_IR_MAX_RANK) : -2;
    int nsp = IN(n, 4) ? ivals(IN(n, 4), sp, BS_IR_MAX_RANK) : -2;
    if (na == -1 || nsp == -1) return bad(n, "axes/steps are not constant");
    int64_t d[BS_IR_MAX_RANK];
    memcpy(d, x->dims, sizeof(int64_t) * (size_t)x->rank);
    for (int i = 0; i < ns; i++) {
        int64_t a = na >= 0 ? ax[i] : i, s = nsp >= 0 ? sp[i] : 1;
        if (a < 0) a += x->rank;
        if (a < 0 || a >= x->rank || s == 0) return bad(n, "bad axis/step");
        int64_t dim = x->dims[a];
        if (dim < 0) { d[a] = -1; continue; }
        int64_t b = st[i] < 0 ? st[i] + dim : st[i], e = en[i] < 0 ? en[i] + dim : en[i];
        if (s > 0) {
            b = b < 0 ? 0 : b > dim ? dim : b;
            e = e < 0 ? 0 : e > dim ? dim : e;
            d[a] = e > b ? (e - b + s - 1) / s : 0;
        } else {
            b = b < 0 ? -1 : b > dim - 1 ? dim - 1 : b;
            e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
            d[a] = b > e ? (b - e - s - 1) / -s : 0;
        }
    }
    return bs_ir_set_out_shape(g, n, 0, x->elem_type, x->rank, d);
}

static int sh_split(bs_ir_graph *g, bs_ir_node *n)
{
    NEED_RANK(n, 0);
    const bs_ir_tensor *x = n->inputs[0];
    int64_t ax = bs_ir_attr_int(n, "axis", 0);
    if (ax < 0) ax += x->rank;
    if (ax < 0 || ax >= x->rank || n->noutputs < 1) return bad(n, "axis out of range");
    int64_t sp[64];
    int nsp = IN(n, 1) ? ivals(IN(n, 1), sp, 64) : -1;
    if (nsp < 0) {
        const int64_t *a;
        if (!bs_ir_attr_get_ints(n, "split", &a, &nsp) && nsp <= 64) memcpy(sp, a, sizeof(int64_t) * (size_t)nsp);
        else nsp = -1;
    }
    for (int o = 0; o < n->noutputs; o++) {
        int64_t d[BS_IR_MAX_RANK];
        memcpy(d, x->dims, sizeof(int64_t) * (size_t)x->rank);
        if (nsp == n->noutputs) d[ax] = sp[o];
        else if (x->dims[ax] >= 0) d[ax] = x->dims[ax] / n->noutputs;
        int rc = bs_ir_set_out_shape(g, n, o, x->elem_type, x->rank, d);
        if (rc) return rc;
    }
    return 0;
}

static int sh_expand(bs_ir_graph *g, bs_ir_node *n)
{
    NEED_RANK(n, 0);
    int64_t s[BS_IR_MAX_RANK];
    int r = ivals(IN(n, 1), s, BS_IR_MAX_RANK);
    if (r < 0) return bad(n, "shape is not constant");
    const bs_ir_tensor *x = n->inputs[0];
    int orank = r > x->rank ? r : x->rank;
    int64_t d[BS_IR_MAX_RANK];
    for (int i = 0; i < orank; i++) {
        int ix = i - (orank - x->rank), is = i - (orank - r);
        int64_t a = ix >= 0 ? x->dims[ix] : 1, b = is >= 0 ? s[is] : 1;
        d[i] = a == 1 ? b : a;
    }
    return bs_ir_set_out_shape(g, n, 0, x->elem_type, orank, d);
}

static int sh_quantize_linear(bs_ir_graph *g, bs_ir_node *n)
{
    NEED_RANK(n, 0);
    int32_t et = IN(n, 2) ? IN(n, 2)->elem_type : BS_ELEM_UINT8;
    return bs_ir_set_out_shape(g, n, 0, et, n->inputs[0]->rank, n->inputs[0]->dims);
}

static int sh_dequantize_linear(bs_ir_graph *g, bs_ir_node *n)
{
    NEED_RANK(n, 0);
    return bs_ir_set_out_shape(g, n, 0, BS_ELEM_FLOAT, n->inputs[0]->rank, n->inputs[0]->dims);
}

static int sh_tile(bs_ir_graph *g, bs_ir_node *n)
{
    NEED_RANK(n, 0);
    const bs_ir_tensor *x = n->inputs[0];
    int64_t r[BS_IR_MAX_RANK], d[BS_IR_MAX_RANK];
    if (ivals(IN(n, 1), r, BS_IR_MAX_RANK) != x->rank) return bad(n, "repeats are not constant or of the wrong length");
    for (int i = 0; i < x->rank; i++) d[i] = x->dims[i] < 0 ? -1 : x->dims[i] * r[i];
    return bs_ir_set_out_shape(g, n, 0, x->elem_type, x->rank, d);
}

/* ---- generic datatype rules (§4.5) -------------------------------------------- */

int bs_ir__dt_keep(bs_ir_graph *g, bs_ir_node *n)
{
    (void)g;
    for (int i = 0; i < n->noutputs; i++) {
        bs_ir_tensor *t = n->outputs[i];
        if (!t->has_dtype || t->dtype.kind == BS_DT_FLOAT32) bs_ir_tensor_set_dtype(t, BS_DT_FLOAT32_V);
    }
    return 0;
}

int bs_ir__dt_copy(bs_ir_graph *g, bs_ir_node *n)
{
    (void)g;
    if (!IN(n, 0)) return bs_ir__dt_keep(g, n);
    for (int i = 0; i < n->noutputs; i++) bs_ir_tensor_set_dtype(n->outputs[i], n->inputs[0]->dtype);
    return 0;
}

static int dt_sign(bs_ir_graph *g, bs_ir_node *n)
{
    (void)g;
    bs_ir_tensor_set_dtype(n->outputs[0], bs_dt_make(BS_DT_BIPOLAR));
    return 0;
}

/* MatMul, Gemm, Conv, Add, Sub, Mul (Q behaviour). */
static int dt_arith(bs_ir_graph *g, bs_ir_node *n)
{
    (void)g;
    bool all_int = true, all_q = true, any_signed = false, any_float = false;
    int nin = !strcmp(n->op_type, "Gemm") || !strcmp(n->op_type, "Conv") ? 2 : n->ninputs;
    if (nin > n->ninputs) nin = n->ninputs;
    for (int i = 0; i < nin; i++) {
        const bs_ir_tensor *t = n->inputs[i];
        if (!t) continue;
        bs_dt d = t->dtype;
        if (!bs_dt_is_integer(d)) all_int = false;
        if (!bs_dt_is_integer(d) && d.kind != BS_DT_FIXED && d.kind != BS_DT_SCALEDINT) all_q = false;
        if (bs_dt_signed(d)) any_signed = true;
        if (bs_dt_is_float(d)) any_float = true;
    }
    bs_ir_tensor *o = n->outputs[0];
    if (all_int) {
        bool s = any_signed || !strcmp(n->op_type, "Sub");
        bs_ir_tensor_set_dtype(o, s ? bs_dt_int(32) : bs_dt_uint(32));
    } else if (all_q) {
        /* qonnx 0630ceae (FINN dev 2025): mixed float/int keeps the original
         * output annotation (no "any FLOAT -> FLOAT32" rule yet) */
        (void)any_float;
        bs_ir_tensor_set_dtype(o, BS_DT_FLOAT32_V);  /* SCALEDINT<32> -> FLOAT32 in Q */
    } else {
        return bs_ir__dt_keep(g, n);
    }
    return 0;
}

/* QuantizeLinear -> INT/UINT of the output element type (§4.5). */
static int dt_quantize_linear(bs_ir_graph *g, bs_ir_node *n)
{
    (void)g;
    int32_t et = n->outputs[0]->elem_type;
    bs_dt d = et == BS_ELEM_INT8 ? bs_dt_int(8) : et == BS_ELEM_UINT8 ? bs_dt_uint(8) : et == BS_ELEM_INT16 ? bs_dt_int(16)
              : et == BS_ELEM_UINT16 ? bs_dt_uint(16) : et == BS_ELEM_INT32 ? bs_dt_int(32) : BS_DT_FLOAT32_V;
    bs_ir_tensor_set_dtype(n->outputs[0], d);
    return 0;
}

/* DequantizeLinear -> SCALEDINT, which Q's InferDataTypes turns into FLOAT32. */
static int dt_float32(bs_ir_graph *g, bs_ir_node *n)
{
    (void)g;
    bs_ir_tensor_set_dtype(n->outputs[0], BS_DT_FLOAT32_V);
    return 0;
}

/* ---- the built-in table ---------------------------------------------------------- */

#define U(op, help) {"", op, sh_unary, NULL, help}
#define C(op, help) {"", op, sh_unary, bs_ir__dt_copy, help}
static const bs_ir_opdef builtin[] = {
    {"", "Add", sh_bcast, dt_arith, "elementwise a + b (broadcast)"},
    {"", "Sub", sh_bcast, dt_arith, "elementwise a - b (broadcast)"},
    {"", "Mul", sh_bcast, dt_arith, "elementwise a * b (broadcast)"},
    {"", "Div", sh_bcast, NULL, "elementwise a / b (broadcast)"},
    {"", "Pow", sh_bcast, NULL, "elementwise a ^ b"},
    {"", "Max", sh_bcast, NULL, "elementwise max"},
    {"", "Min", sh_bcast, NULL, "elementwise min"},
    {"", "Mod", sh_bcast, NULL, "elementwise modulo"},
    {"", "Equal", sh_compare, NULL, "a == b"},
    {"", "Less", sh_compare, NULL, "a < b"},
    {"", "LessOrEqual", sh_compare, NULL, "a <= b"},
    {"", "Greater", sh_compare, NULL, "a > b"},
    {"", "GreaterOrEqual", sh_compare, NULL, "a >= b"},
    {"", "And", sh_compare, NULL, "logical and"},
    {"", "Or", sh_compare, NULL, "logical or"},
    {"", "Where", sh_where, NULL, "select by condition"},
    {"", "MatMul", sh_matmul, dt_arith, "matrix product (numpy semantics)"},
    {"", "Gemm", sh_gemm, dt_arith, "alpha*A'*B' + beta*C"},
    {"", "Conv", sh_conv, dt_arith, "N-D convolution (groups, pads, strides, dilations)"},
    {"", "MaxPool", sh_pool, bs_ir__dt_copy, "max pooling"},
    {"", "AveragePool", sh_pool, NULL, "average pooling"},
    {"", "GlobalAveragePool", sh_global_pool, NULL, "mean over spatial dims"},
    {"", "GlobalMaxPool", sh_global_pool, bs_ir__dt_copy, "max over spatial dims"},
    {"", "Reshape", sh_reshape, bs_ir__dt_copy, "reshape to a constant shape (0 and -1 rules)"},
    {"", "Flatten", sh_flatten, bs_ir__dt_copy, "flatten to 2-D at axis"},
    {"", "Transpose", sh_transpose, bs_ir__dt_copy, "permute axes"},
    {"", "Squeeze", sh_squeeze, bs_ir__dt_copy, "drop size-1 axes (attribute or input axes)"},
    {"", "Unsqueeze", sh_unsqueeze, bs_ir__dt_copy, "insert size-1 axes"},
    {"", "Concat", sh_concat, bs_ir__dt_copy, "concatenate along axis"},
    {"", "Shape", sh_shape, NULL, "shape of a tensor (INT64)"},
    {"", "Gather", sh_gather, bs_ir__dt_copy, "gather along axis"},
    {"", "Pad", sh_pad, bs_ir__dt_copy, "constant padding"},
    {"", "TopK", sh_topk, NULL, "top-k values and indices along axis"},
    {"", "ArgMax", sh_argmax, NULL, "index of the maximum"},
    {"", "ReduceMean", sh_reduce_op, NULL, "mean over axes"},
    {"", "ReduceSum", sh_reduce_op, NULL, "sum over axes"},
    {"", "ReduceMax", sh_reduce_op, NULL, "max over axes"},
    {"", "Cast", sh_cast, NULL, "element type conversion"},
    {"", "Constant", sh_constant, NULL, "constant tensor"},
    {"", "Slice", sh_slice, bs_ir__dt_copy, "slice with constant starts/ends/axes/steps"},
    {"", "Split", sh_split, bs_ir__dt_copy, "split along axis"},
    {"", "Expand", sh_expand, bs_ir__dt_copy, "broadcast to a constant shape"},
    {"", "Sign", sh_unary, dt_sign, "sign (BIPOLAR)"},
    {"", "QuantizeLinear", sh_quantize_linear, dt_quantize_linear, "ONNX QDQ quantizer"},
    {"", "DequantizeLinear", sh_dequantize_linear, dt_float32, "ONNX QDQ dequantizer"},
    {"", "Tile", sh_tile, bs_ir__dt_copy, "repeat along axes"},
    C("Identity", "identity"), C("Clip", "clamp to [min, max]"), U("Dropout", "identity at inference"),
    U("BatchNormalization", "per-channel affine (inference mode)"),
    U("Relu", "max(x, 0)"), U("LeakyRelu", "leaky ReLU"), U("Sigmoid", "logistic"),
    U("Tanh", "tanh"), U("Abs", "|x|"), U("Neg", "-x"), U("Exp", "e^x"), U("Log", "ln x"),
    U("Sqrt", "square root"), U("Floor", "floor"), U("Ceil", "ceil"), U("Round", "round half to even"),
    U("Erf", "error function"), U("Softmax", "softmax along axis"), U("HardSigmoid", "hard sigmoid"),
    U("Reciprocal", "1/x"), U("Not", "logical not"),
};
#undef U
#undef C

const bs_ir_opdef *bs_ir__builtin_ops(int *count)
{
    *count = (int)(sizeof builtin / sizeof builtin[0]);
    return builtin;
}

int bs_ir_infer_same_shape(bs_ir_graph *g, bs_ir_node *n) { return sh_unary(g, n); }
int bs_ir_infer_bs_ir__dt_copy(bs_ir_graph *g, bs_ir_node *n) { return bs_ir__dt_copy(g, n); }

/* Exported for infer_custom.c. */
int bs_ir__bs_ir__dt_copy(bs_ir_graph *g, bs_ir_node *n) { return bs_ir__dt_copy(g, n); }
int bs_ir__sh_unary(bs_ir_graph *g, bs_ir_node *n) { return sh_unary(g, n); }
int bs_ir__matmul_shape(bs_ir_graph *g, bs_ir_node *n) { return matmul_shape(g, n, BS_ELEM_FLOAT); }
int bs_ir__pool_dims(const bs_ir_node *n, int sp, const int64_t *in, const int64_t *k, int64_t *out)
{
    return pool_dims(n, sp, in, k, out, bs_ir_attr_int(n, "ceil_mode", 0) != 0);
}
