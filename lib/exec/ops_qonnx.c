/* ops_qonnx.c - kernels for the QONNX general ops (finn-reference §5):
 * Quant (every rounding mode), BipolarQuant, Trunc v1/v2, MultiThreshold,
 * Im2Col, QuantAvgPool2d, XnorPopcountMatMul, MaxPoolNHWC, DebugMarker.
 * Arithmetic follows QONNX's numpy code step by step in float32 so that
 * results are bit-exact with it. */
#include "exec_int.h"
#include "brainsmith/onnx.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static inline float fat(const bs_value *v, int64_t i)
{
    return v->elem == BS_ELEM_FLOAT ? ((const float *)v->data)[i] : (float)bs_value_get(v, i);
}

typedef float (*roundfn)(float);
static float r_even(float x) { return bs_exec__rint_f(x); }
static float r_ceil(float x) { return ceilf(x); }
static float r_floor(float x) { return floorf(x); }
static float r_up(float x) { return x < 0 ? -ceilf(-x) : ceilf(x); }
static float r_down(float x) { return truncf(x); }
static float r_half_up(float x) { return x < 0 ? -floorf(-x + 0.5f) : floorf(x + 0.5f); }
static float r_half_down(float x) { return x < 0 ? -ceilf(-x - 0.5f) : ceilf(x - 0.5f); }

static const struct { const char *name; roundfn fn; } round_modes[] = {
    {"ROUND", r_even}, {"HALF_EVEN", r_even}, {"CEIL", r_ceil}, {"FLOOR", r_floor},
    {"UP", r_up}, {"DOWN", r_down}, {"HALF_UP", r_half_up}, {"HALF_DOWN", r_half_down},
};

static int rounding(const bs_ir_node *n, const char *def, roundfn *out)
{
    const char *m = bs_ir_attr_str(n, "rounding_mode", def);
    for (size_t i = 0; i < sizeof round_modes / sizeof round_modes[0]; i++)
        if (!strcasecmp(m, round_modes[i].name)) { *out = round_modes[i].fn; return 0; }
    return bs_exec__fail(n, "unknown rounding_mode '%s' (ROUND, HALF_EVEN, CEIL, FLOOR, UP, DOWN, HALF_UP, HALF_DOWN)", m);
}

static float min_int(bool sgn, bool narrow, float bw)
{
    if (!sgn) return 0.0f;
    return narrow ? -exp2f(bw - 1) + 1 : -exp2f(bw - 1);
}
static float max_int(bool sgn, bool narrow, float bw)
{
    if (!sgn) return narrow ? exp2f(bw) - 2 : exp2f(bw) - 1;
    return exp2f(bw - 1) - 1;
}

/* Broadcast offsets of up to 4 parameter inputs against x. */
typedef struct pb { int r; int64_t d[BS_IR_MAX_RANK], st[4][BS_IR_MAX_RANK]; } pb;

static int param_bcast(const bs_ir_node *n, const bs_value *x, const bs_value *const *p, int np, pb *b)
{
    b->r = x->rank;
    memcpy(b->d, x->dims, sizeof b->d);
    for (int i = 0; i < np; i++) {
        int r;
        int64_t d[BS_IR_MAX_RANK];
        int rc = bs_exec__bcast_shape(n, x, p[i], &r, d);
        if (rc) return rc;
        if (r != x->rank || memcmp(d, x->dims, sizeof(int64_t) * (size_t)r))
            return bs_exec__fail(n, "parameter %d of shape %s does not broadcast to the input %s", i + 1,
                                 bs_value_shape_str(p[i]), bs_value_shape_str(x));
        bs_exec__bcast_strides(p[i], r, d, b->st[i]);
    }
    return 0;
}

static inline int64_t poff(const pb *b, int k, int64_t i)
{
    int64_t off = 0;
    for (int a = b->r - 1; a >= 0; a--) {
        off += (i % b->d[a]) * b->st[k][a];
        i /= b->d[a];
    }
    return off;
}

static int k_quant(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    for (int i = 0; i < 4; i++) NEED_IN(n, in, nin, i);
    const bs_value *x = in[0], *sc = in[1], *zp = in[2];
    if (in[3]->numel != 1) return bs_exec__fail(n, "bitwidth must be a scalar");
    float bw = fat(in[3], 0);
    if (!(bw >= 1 && bw <= 64)) return bs_exec__fail(n, "bitwidth %g out of range [1, 64]", bw);
    /* QONNX declares signed and narrow required with default 1. */
    bool sgn = bs_ir_attr_int(n, "signed", 1), narrow = bs_ir_attr_int(n, "narrow", 1);
    roundfn rf;
    int rc = rounding(n, "ROUND", &rf);
    if (rc) return rc;
    pb b;
    const bs_value *ps[2] = {sc, zp};
    if ((rc = param_bcast(n, x, ps, 2, &b))) return rc;
    bs_value *o = bs_exec_out_like(cx, 0, BS_ELEM_FLOAT, x);
    if (!o) return bs_error_code();
    float lo = min_int(sgn, narrow, bw), hi = max_int(sgn, narrow, bw);
    bool scalar = sc->numel == 1 && zp->numel == 1;
    for (int64_t i = 0; i < x->numel; i++) {
        float s = fat(sc, scalar ? 0 : poff(&b, 0, i)), z = fat(zp, scalar ? 0 : poff(&b, 1, i));
        float y = fat(x, i) / s;
        y = y + z;
        if (bw == 1 && sgn) {
            y = y >= 0 ? 1.0f : -1.0f;
        } else {
            y = y > hi ? hi : y;
            y = y < lo ? lo : y;
            y = rf(y);
        }
        ((float *)o->data)[i] = (y - z) * s;
    }
    return 0;
}

static int k_bipolar_quant(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 0);
    NEED_IN(n, in, nin, 1);
    const bs_value *x = in[0], *sc = in[1];
    pb b;
    int rc = param_bcast(n, x, &in[1], 1, &b);
    if (rc) return rc;
    bs_value *o = bs_exec_out_like(cx, 0, BS_ELEM_FLOAT, x);
    if (!o) return bs_error_code();
    for (int64_t i = 0; i < x->numel; i++) {
        float y = fat(x, i) >= 0 ? 1.0f : -1.0f;
        ((float *)o->data)[i] = y * fat(sc, sc->numel == 1 ? 0 : poff(&b, 0, i));
    }
    return 0;
}

static int k_trunc(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    bool v2 = nin >= 6;
    for (int i = 0; i < (v2 ? 6 : 5); i++) NEED_IN(n, in, nin, i);
    const bs_value *x = in[0], *sc = in[1], *zp = in[2];
    roundfn rf;
    int rc = rounding(n, "FLOOR", &rf);
    if (rc) return rc;
    float ibw = fat(in[3], 0), obw = fat(in[v2 ? 5 : 4], 0);
    if (!(ibw >= 1 && ibw <= 64 && obw >= 1 && obw <= 64)) return bs_exec__fail(n, "bit widths out of range");
    pb b;
    const bs_value *ps[3] = {sc, zp, v2 ? in[4] : sc};
    if ((rc = param_bcast(n, x, ps, 3, &b))) return rc;
    bs_value *o = bs_exec_out_like(cx, 0, BS_ELEM_FLOAT, x);
    if (!o) return bs_error_code();
    bool sgn = bs_ir_attr_int(n, "signed", 1), narrow = bs_ir_attr_int(n, "narrow", 0);
    for (int64_t i = 0; i < x->numel; i++) {
        float s = fat(sc, poff(&b, 0, i)), z = fat(zp, poff(&b, 1, i));
        float y = bs_exec__rint_f(fat(x, i) / s + z);
        if (!v2) {
            y = y / exp2f(ibw - obw);
            y = rf(y);
            ((float *)o->data)[i] = (y - z) * s;
        } else {
            float os = fat(in[4], poff(&b, 2, i));
            float t = exp2f(bs_exec__rint_f(log2f(os / s)));
            y = y / t;
            float lo = min_int(sgn, narrow, obw), hi = max_int(sgn, narrow, obw);
            y = y > hi ? hi : y < lo ? lo : y;
            y = rf(y);
            ((float *)o->data)[i] = (y - z / t) * os;
        }
    }
    return 0;
}

static int k_multithreshold(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 1);
    const bs_value *x = in[0], *t = in[1];
    if (t->rank != 2) return bs_exec__fail(n, "thresholds must be 2-D, got %s", bs_value_shape_str(t));
    const char *layout = bs_ir_attr_str(n, "data_layout", "NCHW");
    size_t ll = strlen(layout);
    int cax = x->rank < 2 ? 0 : (ll && layout[ll - 1] == 'C') ? x->rank - 1 : 1;
    int64_t C = x->rank ? x->dims[cax] : 1, S = t->dims[1];
    if (t->dims[0] != C && t->dims[0] != 1)
        return bs_exec__fail(n, "thresholds have %lld rows for %lld channels", (long long)t->dims[0], (long long)C);
    float scale = (float)bs_ir_attr_float(n, "out_scale", 1.0), bias = (float)bs_ir_attr_float(n, "out_bias", 0.0);
    bs_value *o = bs_exec_out_like(cx, 0, BS_ELEM_FLOAT, x);
    if (!o) return bs_error_code();
    int64_t inner = 1;
    for (int i = cax + 1; i < x->rank; i++) inner *= x->dims[i];
    float *tf = NULL;
    if (t->elem != BS_ELEM_FLOAT) {
        tf = malloc(sizeof(float) * (size_t)(t->numel ? t->numel : 1));
        if (!tf) return BS_ENOMEM;
        for (int64_t i = 0; i < t->numel; i++) tf[i] = fat(t, i);
    }
    const float *T = tf ? tf : t->data;
    float *po = o->data;
    for (int64_t i = 0; i < x->numel; i++) {
        int64_t c = t->dims[0] == 1 ? 0 : (i / inner) % C;
        const float *row = T + c * S;
        float v = fat(x, i);
        int64_t cnt = 0;
        for (int64_t s = 0; s < S; s++) cnt += v >= row[s];
        po[i] = scale * (float)cnt + bias;
    }
    free(tf);
    return 0;
}

static int get2(const bs_ir_node *n, const char *name, int64_t *v, int64_t def)
{
    const int64_t *a;
    int na;
    if (bs_ir_attr_get_ints(n, name, &a, &na)) { v[0] = v[1] = def; return def < 0 ? -1 : 0; }
    if (na == 1) { v[0] = v[1] = a[0]; return 0; }
    if (na != 2) return -1;
    v[0] = a[0];
    v[1] = a[1];
    return 0;
}

static int k_im2col(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 0);
    const bs_value *x = in[0];
    if (x->rank != 4) return bs_exec__fail(n, "input must be NHWC 4-D, got %s", bs_value_shape_str(x));
    int64_t k[2], s[2], d[2], p[4] = {0, 0, 0, 0};
    if (get2(n, "kernel_size", k, -1) || get2(n, "stride", s, 1) || get2(n, "dilations", d, 1))
        return bs_exec__fail(n, "kernel_size/stride/dilations malformed");
    const int64_t *pa;
    int np;
    if (!bs_ir_attr_get_ints(n, "pad_amount", &pa, &np)) {
        if (np != 4) return bs_exec__fail(n, "pad_amount must have 4 entries");
        memcpy(p, pa, sizeof p);
    }
    float pv = (float)bs_ir_attr_int(n, "pad_value", 0);
    int64_t N = x->dims[0], H = x->dims[1], W = x->dims[2], C = x->dims[3], OH, OW;
    if (k[0] <= 0 || k[1] <= 0 || s[0] <= 0 || s[1] <= 0 || d[0] <= 0 || d[1] <= 0)
        return bs_exec__fail(n, "non-positive kernel, stride or dilation");
    int64_t nh = H + p[0] + p[2] - d[0] * (k[0] - 1) - 1, nw = W + p[1] + p[3] - d[1] * (k[1] - 1) - 1;
    if (nh < 0 || nw < 0) return bs_exec__fail(n, "kernel larger than the padded input");
    OH = nh / s[0] + 1;
    OW = nw / s[1] + 1;
    int64_t od[4] = {N, OH, OW, k[0] * k[1] * C};
    bs_value *o = bs_exec_out(cx, 0, BS_ELEM_FLOAT, 4, od);
    if (!o) return bs_error_code();
    float *po = o->data;
    for (int64_t b = 0; b < N; b++)
        for (int64_t oy = 0; oy < OH; oy++)
            for (int64_t ox = 0; ox < OW; ox++)
                for (int64_t ky = 0; ky < k[0]; ky++)
                    for (int64_t kx = 0; kx < k[1]; kx++) {
                        int64_t iy = oy * s[0] - p[0] + ky * d[0], ix = ox * s[1] - p[1] + kx * d[1];
                        bool in_img = iy >= 0 && iy < H && ix >= 0 && ix < W;
                        for (int64_t c = 0; c < C; c++)
                            *po++ = in_img ? fat(x, ((b * H + iy) * W + ix) * C + c) : pv;
                    }
    return 0;
}

static int k_quantavgpool(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 0);
    const bs_value *x = in[0];
    if (x->rank != 4) return bs_exec__fail(n, "input must be 4-D");
    int64_t k = bs_ir_attr_int(n, "kernel", 0), s = bs_ir_attr_int(n, "stride", 0);
    int64_t ib = bs_ir_attr_int(n, "ibits", 0), ob = bs_ir_attr_int(n, "obits", 0);
    if (k <= 0 || s <= 0 || ib < 1 || ib > 32 || ob < 1 || ob > 32) return bs_exec__fail(n, "bad kernel/stride/ibits/obits");
    bool nhwc = !strcmp(bs_ir_attr_str(n, "data_layout", "NCHW"), "NHWC");
    int64_t N = x->dims[0], C = x->dims[nhwc ? 3 : 1], H = x->dims[nhwc ? 1 : 2], W = x->dims[nhwc ? 2 : 3];
    if (H < k || W < k) return bs_exec__fail(n, "kernel larger than the input");
    int64_t OH = (H - k) / s + 1, OW = (W - k) / s + 1;
    double maxv = (ldexp(1.0, (int)ib) - 1) * (double)(k * k);
    int bits = 0;
    for (uint64_t m = (uint64_t)maxv; m; m >>= 1) bits++;
    int shift = bits - (int)ob > 0 ? bits - (int)ob : 0;
    int64_t od[4] = {N, nhwc ? OH : C, nhwc ? OW : OH, nhwc ? C : OW};
    bs_value *o = bs_exec_out(cx, 0, BS_ELEM_FLOAT, 4, od);
    if (!o) return bs_error_code();
    for (int64_t b = 0; b < N; b++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t oy = 0; oy < OH; oy++)
                for (int64_t ox = 0; ox < OW; ox++) {
                    double sum = 0;
                    for (int64_t ky = 0; ky < k; ky++)
                        for (int64_t kx = 0; kx < k; kx++) {
                            int64_t iy = oy * s + ky, ix = ox * s + kx;
                            sum += fat(x, nhwc ? ((b * H + iy) * W + ix) * C + c : ((b * C + c) * H + iy) * W + ix);
                        }
                    double v = floor(nearbyint(sum) / ldexp(1.0, shift));
                    int64_t oi = nhwc ? ((b * OH + oy) * OW + ox) * C + c : ((b * C + c) * OH + oy) * OW + ox;
                    ((float *)o->data)[oi] = (float)v;
                }
    return 0;
}

static int k_xnor(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 1);
    const bs_value *a = in[0], *w = in[1];
    if (a->rank < 1 || w->rank != 2) return bs_exec__fail(n, "expects x[..., K] and W[K, N]");
    int64_t K = w->dims[0], N = w->dims[1];
    if (a->dims[a->rank - 1] != K) return bs_exec__fail(n, "inner dims differ");
    int64_t d[BS_IR_MAX_RANK], rows = a->numel / (K ? K : 1);
    memcpy(d, a->dims, sizeof d);
    d[a->rank - 1] = N;
    bs_value *o = bs_exec_out(cx, 0, BS_ELEM_FLOAT, a->rank, d);
    if (!o) return bs_error_code();
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < N; j++) {
            int64_t agree = 0;
            for (int64_t k = 0; k < K; k++) {
                float x = fat(a, r * K + k), y = fat(w, k * N + j);
                if ((x != 0 && x != 1) || (y != 0 && y != 1))
                    return bs_exec__fail(n, "inputs must be BINARY {0, 1}, found %g and %g", x, y);
                agree += x == y;
            }
            ((float *)o->data)[r * N + j] = (float)agree;
        }
    return 0;
}

static int k_maxpool_nhwc(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 0);
    const bs_value *x = in[0];
    if (x->rank != 4) return bs_exec__fail(n, "input must be NHWC 4-D");
    int64_t k[2], s[2], p[4] = {0, 0, 0, 0};
    if (get2(n, "kernel_shape", k, -1) || get2(n, "strides", s, 1)) return bs_exec__fail(n, "kernel_shape/strides malformed");
    const int64_t *pa;
    int np;
    if (!bs_ir_attr_get_ints(n, "pads", &pa, &np) && np == 4) memcpy(p, pa, sizeof p);
    bool ceil_mode = bs_ir_attr_int(n, "ceil_mode", 0);
    int64_t N = x->dims[0], H = x->dims[1], W = x->dims[2], C = x->dims[3];
    if (k[0] <= 0 || k[1] <= 0 || s[0] <= 0 || s[1] <= 0) return bs_exec__fail(n, "non-positive kernel or stride");
    int64_t nh = H + p[0] + p[2] - k[0], nw = W + p[1] + p[3] - k[1];
    if (nh < 0 || nw < 0) return bs_exec__fail(n, "kernel larger than the input");
    int64_t OH = (ceil_mode ? (nh + s[0] - 1) / s[0] : nh / s[0]) + 1, OW = (ceil_mode ? (nw + s[1] - 1) / s[1] : nw / s[1]) + 1;
    int64_t od[4] = {N, OH, OW, C};
    bs_value *o = bs_exec_out(cx, 0, BS_ELEM_FLOAT, 4, od);
    if (!o) return bs_error_code();
    for (int64_t b = 0; b < N; b++)
        for (int64_t oy = 0; oy < OH; oy++)
            for (int64_t ox = 0; ox < OW; ox++)
                for (int64_t c = 0; c < C; c++) {
                    float m = -INFINITY;
                    for (int64_t ky = 0; ky < k[0]; ky++)
                        for (int64_t kx = 0; kx < k[1]; kx++) {
                            int64_t iy = oy * s[0] - p[0] + ky, ix = ox * s[1] - p[1] + kx;
                            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                            float v = fat(x, ((b * H + iy) * W + ix) * C + c);
                            if (v > m) m = v;
                        }
                    ((float *)o->data)[((b * OH + oy) * OW + ox) * C + c] = m;
                }
    return 0;
}

static int k_debug_marker(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 0);
    bs_value *o = bs_exec_out_like(cx, 0, in[0]->elem, in[0]);
    if (!o) return bs_error_code();
    if (in[0]->numel) memcpy(o->data, in[0]->data, (size_t)in[0]->numel * bs_onnx_elem_size(in[0]->elem));
    return 0;
}

/* StreamingDataflowPartition / GenericPartition: runs the child model
 * (loaded once per session, relative to the parent's file). */
typedef struct partition { bs_ir_graph *g; bs_exec_session *s; } partition;

static void partition_free(void *p)
{
    partition *pt = p;
    bs_exec_free(pt->s);
    bs_ir_free(pt->g);
    free(pt);
}

static int k_partition(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    partition *pt = bs_exec_state(cx);
    if (!pt) {
        pt = calloc(1, sizeof *pt);
        if (!pt) return BS_ENOMEM;
        int rc = bs_ir_load_partition(bs_exec_graph(cx), n, &pt->g);
        if (!rc) rc = bs_ir_infer(pt->g);
        if (!rc) rc = bs_exec_new(pt->g, &pt->s);
        if (rc) {
            partition_free(pt);
            return bs_error_wrap(rc, "partition %s", bs_ir_node_desc(n));
        }
        bs_exec_set_state(cx, pt, partition_free);
    }
    bs_value args[16];
    if (nin > 16) return bs_exec__fail(n, "more than 16 inputs");
    for (int i = 0; i < nin; i++) {
        NEED_IN(n, in, nin, i);
        args[i] = *in[i];
        args[i].cap = 0;   /* borrowed */
    }
    int rc = bs_exec_run(pt->s, args, nin);
    if (rc) return bs_error_wrap(rc, "partition %s", bs_ir_node_desc(n));
    if (pt->g->noutputs != n->noutputs) return bs_exec__fail(n, "child model has %d outputs", pt->g->noutputs);
    for (int i = 0; i < n->noutputs; i++) {
        const bs_value *v = bs_exec_output(pt->s, i);
        bs_value *o = bs_exec_out(cx, i, v->elem, v->rank, v->dims);
        if (!o) return bs_error_code();
        if (v->numel) memcpy(o->data, v->data, (size_t)v->numel * bs_onnx_elem_size(v->elem));
    }
    return 0;
}

#define Q BS_DOMAIN_QONNX
static const bs_exec_op qonnx_ops[] = {
    {BS_DOMAIN_FPGADATAFLOW, "StreamingDataflowPartition", k_partition, "runs the child model (attribute 'model')"},
    {Q, "GenericPartition", k_partition, "runs the child model (attribute 'model')"},
    {Q, "Quant", k_quant, "clamp-then-round integer quantizer, all QONNX rounding modes"},
    {Q, "IntQuant", k_quant, "alias of Quant"},
    {Q, "BipolarQuant", k_bipolar_quant, "scale * (x >= 0 ? +1 : -1)"},
    {Q, "Trunc", k_trunc, "Trunc v1 (5 inputs) and v2 (6 inputs)"},
    {Q, "MultiThreshold", k_multithreshold, "out_scale * #(x >= T[c]) + out_bias"},
    {Q, "Im2Col", k_im2col, "NHWC sliding windows, (kh, kw, C) innermost"},
    {Q, "QuantAvgPool2d", k_quantavgpool, "window sum >> shift"},
    {Q, "XnorPopcountMatMul", k_xnor, "popcount of agreeing binary positions"},
    {Q, "MaxPoolNHWC", k_maxpool_nhwc, "channels-last max pooling"},
    {Q, "DebugMarker", k_debug_marker, "identity"},
};
#undef Q

const bs_exec_op *bs_exec__qonnx_ops(int *count)
{
    *count = (int)(sizeof qonnx_ops / sizeof qonnx_ops[0]);
    return qonnx_ops;
}
