/* ops_nn.c - ONNX kernels with accumulation: MatMul, Gemm, Conv, pooling,
 * BatchNormalization, Softmax, TopK, ArgMax and reductions.  Sums of
 * products are accumulated in double and rounded to float32 once: exact for
 * integer-valued (quantized) data, within float32 rounding otherwise. */
#include "exec_int.h"
#include "brainsmith/onnx.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef int kfn(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);

/* Reads element i of any value as double; fast for float. */
static inline double at(const bs_value *v, int64_t i)
{
    return v->elem == BS_ELEM_FLOAT ? ((const float *)v->data)[i] : bs_value_get(v, i);
}

/* ---- MatMul ---------------------------------------------------------------------- */

/* Smallest s in [0, 20] such that every v * 2^s is an integer (-1 if none),
 * and the largest |v|.  Quantized tensors are such dyadic values. */
static int dyadic(const float *v, int64_t n, double *maxabs)
{
    int s = 0;
    double m = 0, f = 1;
    for (int64_t i = 0; i < n; i++) {
        double x = v[i], a = fabs(x);
        if (a > m) m = a;
        if (a >= 1e15) return -1;
        while ((double)(int64_t)(x * f) != x * f) {
            if (++s > 20) return -1;
            f *= 2;
        }
    }
    *maxabs = m;
    return s;
}

/* Exactness data of a constant 2-D right operand B[K,N], cached per node:
 * float32 accumulation of A[M,K] B is exact when all values are dyadic and
 * max|A| * max_j sum_k |B[k,j]| stays below 2^24 quanta. */
typedef struct mm_cache { const void *data; int64_t numel; int sw; double colsum; } mm_cache;

static const mm_cache *mm_exactness(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *b)
{
    if (b->elem != BS_ELEM_FLOAT || b->rank != 2 || !n->inputs[1] || !n->inputs[1]->init) return NULL;
    mm_cache *c = bs_exec_state(cx);
    if (c && c->data == b->data && c->numel == b->numel) return c->sw >= 0 ? c : NULL;
    if (!c) {
        c = malloc(sizeof *c);
        if (!c) return NULL;
        bs_exec_set_state(cx, c, free);
    }
    const float *pb = b->data;
    int64_t K = b->dims[0], N = b->dims[1];
    double mx;
    c->data = b->data;
    c->numel = b->numel;
    c->sw = dyadic(pb, b->numel, &mx);
    c->colsum = 0;
    for (int64_t j = 0; j < N && c->sw >= 0; j++) {
        double sum = 0;
        for (int64_t k = 0; k < K; k++) sum += fabs(pb[k * N + j]);
        if (sum > c->colsum) c->colsum = sum;
    }
    return c->sw >= 0 ? c : NULL;
}

/* C = A B with float32 accumulation (caller checked exactness). */
static void mm_float(const float *pa, const float *pb, float *pc, int64_t M, int64_t K, int64_t N)
{
    for (int64_t i = 0; i < M; i++) {
        float *acc = pc + i * N;
        for (int64_t j = 0; j < N; j++) acc[j] = 0;
        for (int64_t k = 0; k < K; k++) {
            float x = pa[i * K + k];
            if (x == 0) continue;
            const float *row = pb + k * N;
            for (int64_t j = 0; j < N; j++) acc[j] += x * row[j];
        }
    }
}

/* C[M,N] = A[M,K] B[K,N] for one batch; A/B given with offsets. */
static void mm_block(const bs_value *a, int64_t oa, const bs_value *b, int64_t ob, bs_value *c,
                     int64_t oc, int64_t M, int64_t K, int64_t N, double *acc)
{
    bool fast = a->elem == BS_ELEM_FLOAT && b->elem == BS_ELEM_FLOAT && c->elem == BS_ELEM_FLOAT;
    for (int64_t i = 0; i < M; i++) {
        for (int64_t j = 0; j < N; j++) acc[j] = 0;
        if (fast) {
            const float *pa = (const float *)a->data + oa + i * K, *pb = (const float *)b->data + ob;
            for (int64_t k = 0; k < K; k++) {
                double x = pa[k];
                if (x == 0) continue;
                const float *row = pb + k * N;
                for (int64_t j = 0; j < N; j++) acc[j] += x * row[j];
            }
            float *pc = (float *)c->data + oc + i * N;
            for (int64_t j = 0; j < N; j++) pc[j] = (float)acc[j];
        } else {
            for (int64_t k = 0; k < K; k++) {
                double x = at(a, oa + i * K + k);
                for (int64_t j = 0; j < N; j++) acc[j] += x * at(b, ob + k * N + j);
            }
            for (int64_t j = 0; j < N; j++) bs_value_set(c, oc + i * N + j, acc[j]);
        }
    }
}

int bs_exec__k_matmul(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 1);
    const bs_value *a = in[0], *b = in[1];
    if (a->rank < 1 || b->rank < 1) return bs_exec__fail(n, "inputs must have rank >= 1");
    bs_value A = *a, B = *b;   /* views with 1-D promoted to 2-D */
    if (A.rank == 1) { A.dims[1] = A.dims[0]; A.dims[0] = 1; A.rank = 2; }
    if (B.rank == 1) { B.dims[1] = 1; B.rank = 2; }
    int64_t M = A.dims[A.rank - 2], K = A.dims[A.rank - 1], N = B.dims[B.rank - 1];
    if (B.dims[B.rank - 2] != K)
        return bs_exec__fail(n, "inner dims differ: %s x %s", bs_value_shape_str(a), bs_value_shape_str(b));
    /* batch broadcast */
    bs_value ab = {.rank = A.rank - 2}, bb = {.rank = B.rank - 2};
    memcpy(ab.dims, A.dims, sizeof(int64_t) * (size_t)ab.rank);
    memcpy(bb.dims, B.dims, sizeof(int64_t) * (size_t)bb.rank);
    int br;
    int64_t bd[BS_IR_MAX_RANK];
    int rc = bs_exec__bcast_shape(n, &ab, &bb, &br, bd);
    if (rc) return rc;
    int64_t od[BS_IR_MAX_RANK + 2];
    int orank = 0;
    for (int i = 0; i < br; i++) od[orank++] = bd[i];
    if (a->rank > 1) od[orank++] = M;
    if (b->rank > 1) od[orank++] = N;
    if (orank > BS_IR_MAX_RANK) return bs_exec__fail(n, "rank too large");
    int32_t et = a->elem == BS_ELEM_FLOAT || b->elem == BS_ELEM_FLOAT ? BS_ELEM_FLOAT : a->elem;
    bs_value *o = bs_exec_out(cx, 0, et, orank, od);
    if (!o) return bs_error_code();
    /* exact float32 fast path: A plain float, B a cached constant matrix */
    const mm_cache *ex = a->elem == BS_ELEM_FLOAT && et == BS_ELEM_FLOAT && br == 0 ? mm_exactness(cx, n, b) : NULL;
    if (ex) {
        double ma;
        int sa = dyadic(a->data, a->numel, &ma);
        if (sa >= 0 && ldexp(ma * ex->colsum, sa + ex->sw) < 16777216.0) {
            mm_float(a->data, b->data, o->data, M, K, N);
            return 0;
        }
    }
    double *acc = malloc(sizeof(double) * (size_t)(N ? N : 1));
    if (!acc) return bs_error_set(BS_ENOMEM, "exec: matmul");
    int64_t sa[BS_IR_MAX_RANK], sb[BS_IR_MAX_RANK], nb = 1;
    bs_exec__bcast_strides(&ab, br, bd, sa);
    bs_exec__bcast_strides(&bb, br, bd, sb);
    for (int i = 0; i < br; i++) nb *= bd[i];
    for (int64_t t = 0; t < nb; t++) {
        int64_t rem = t, oa = 0, ob = 0;
        for (int k = br - 1; k >= 0; k--) {
            int64_t c = rem % bd[k];
            rem /= bd[k];
            oa += c * sa[k];
            ob += c * sb[k];
        }
        mm_block(&A, oa * M * K, &B, ob * K * N, o, t * M * N, M, K, N, acc);
    }
    free(acc);
    return 0;
}

int bs_exec__k_gemm(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 1);
    const bs_value *a = in[0], *b = in[1], *c = nin > 2 ? in[2] : NULL;
    if (a->rank != 2 || b->rank != 2) return bs_exec__fail(n, "Gemm inputs must be 2-D");
    bool ta = bs_ir_attr_int(n, "transA", 0), tb = bs_ir_attr_int(n, "transB", 0);
    double alpha = bs_ir_attr_float(n, "alpha", 1.0), beta = bs_ir_attr_float(n, "beta", 1.0);
    int64_t M = ta ? a->dims[1] : a->dims[0], K = ta ? a->dims[0] : a->dims[1];
    int64_t N = tb ? b->dims[0] : b->dims[1], K2 = tb ? b->dims[1] : b->dims[0];
    if (K != K2) return bs_exec__fail(n, "inner dims differ");
    int64_t od[2] = {M, N}, sc[2] = {0, 0};
    if (c) {
        int r;
        int64_t d[BS_IR_MAX_RANK];
        bs_value ov = {.rank = 2, .dims = {M, N}};
        int rc = bs_exec__bcast_shape(n, &ov, c, &r, d);
        if (rc || r != 2 || d[0] != M || d[1] != N) return bs_exec__fail(n, "C does not broadcast to [M, N]");
        bs_exec__bcast_strides(c, 2, od, sc);
    }
    bs_value *o = bs_exec_out(cx, 0, BS_ELEM_FLOAT, 2, od);
    if (!o) return bs_error_code();
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
            double s = 0;
            for (int64_t k = 0; k < K; k++)
                s += at(a, ta ? k * M + i : i * K + k) * at(b, tb ? j * K + k : k * N + j);
            float r = (float)((float)alpha * (float)s);
            if (c) r = r + (float)beta * (float)at(c, i * sc[0] + j * sc[1]);
            ((float *)o->data)[i * N + j] = r;
        }
    return 0;
}

/* ---- convolution and pooling (1-D handled as H = 1) -------------------------------- */

typedef struct geo {
    int64_t N, C, H, W, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, OH, OW;
} geo;

static int geometry(const bs_ir_node *n, const bs_value *x, int64_t kh, int64_t kw, bool ceil_mode, geo *g)
{
    if (x->rank != 3 && x->rank != 4) return bs_exec__fail(n, "input must be 3-D or 4-D, got %s", bs_value_shape_str(x));
    bool one = x->rank == 3;
    g->N = x->dims[0]; g->C = x->dims[1];
    g->H = one ? 1 : x->dims[2]; g->W = x->dims[one ? 2 : 3];
    const int64_t *v;
    int nv;
    g->kh = kh; g->kw = kw;
    g->sh = g->sw = 1; g->dh = g->dw = 1; g->pt = g->pl = g->pb = g->pr = 0;
    if (!bs_ir_attr_get_ints(n, "strides", &v, &nv)) { if (one && nv >= 1) g->sw = v[0]; else if (nv >= 2) { g->sh = v[0]; g->sw = v[1]; } }
    if (!bs_ir_attr_get_ints(n, "dilations", &v, &nv)) { if (one && nv >= 1) g->dw = v[0]; else if (nv >= 2) { g->dh = v[0]; g->dw = v[1]; } }
    if (!bs_ir_attr_get_ints(n, "pads", &v, &nv)) {
        if (one && nv >= 2) { g->pl = v[0]; g->pr = v[1]; }
        else if (nv >= 4) { g->pt = v[0]; g->pl = v[1]; g->pb = v[2]; g->pr = v[3]; }
    }
    const char *ap = bs_ir_attr_str(n, "auto_pad", "NOTSET");
    if (g->sh <= 0 || g->sw <= 0 || g->dh <= 0 || g->dw <= 0 || kh <= 0 || kw <= 0)
        return bs_exec__fail(n, "non-positive kernel, stride or dilation");
    int64_t ekh = (kh - 1) * g->dh + 1, ekw = (kw - 1) * g->dw + 1;
    if (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
        int64_t oh = (g->H + g->sh - 1) / g->sh, ow = (g->W + g->sw - 1) / g->sw;
        int64_t ph = (oh - 1) * g->sh + ekh - g->H, pw = (ow - 1) * g->sw + ekw - g->W;
        if (ph < 0) ph = 0;
        if (pw < 0) pw = 0;
        bool up = !strcmp(ap, "SAME_UPPER");
        g->pt = up ? ph / 2 : ph - ph / 2; g->pb = ph - g->pt;
        g->pl = up ? pw / 2 : pw - pw / 2; g->pr = pw - g->pl;
    } else if (!strcmp(ap, "VALID")) {
        g->pt = g->pl = g->pb = g->pr = 0;
    }
    int64_t nh = g->H + g->pt + g->pb - ekh, nw = g->W + g->pl + g->pr - ekw;
    if (nh < 0 || nw < 0) return bs_exec__fail(n, "kernel larger than the padded input");
    g->OH = (ceil_mode ? (nh + g->sh - 1) / g->sh : nh / g->sh) + 1;
    g->OW = (ceil_mode ? (nw + g->sw - 1) / g->sw : nw / g->sw) + 1;
    if (ceil_mode) { /* last window must start inside the (left-padded) input */
        if ((g->OH - 1) * g->sh >= g->H + g->pt) g->OH--;
        if ((g->OW - 1) * g->sw >= g->W + g->pl) g->OW--;
    }
    return 0;
}

static bs_value *pool_out(bs_exec_ctx *cx, const bs_value *x, const geo *g, int64_t C)
{
    int64_t d[4] = {g->N, C, g->OH, g->OW};
    if (x->rank == 3) { d[2] = g->OW; return bs_exec_out(cx, 0, BS_ELEM_FLOAT, 3, d); }
    return bs_exec_out(cx, 0, BS_ELEM_FLOAT, 4, d);
}

/* True when sum_k w[m,k] * col[k,p] is exact in float32 for every order of
 * summation: all values dyadic and every partial sum below 2^24 quanta.
 * Then float accumulation gives exactly the double result, faster. */
static bool float_exact(const float *w, int64_t M, int64_t K, const float *cols, int64_t KP)
{
    double mw, mx;
    int sw = dyadic(w, M * K, &mw), sx = sw < 0 ? -1 : dyadic(cols, KP, &mx);
    if (sw < 0 || sx < 0) return false;
    double worst = 0;
    for (int64_t m = 0; m < M; m++) {
        double r = 0;
        for (int64_t k = 0; k < K; k++) r += fabs(w[m * K + k]);
        if (r > worst) worst = r;
    }
    return ldexp(worst * mx, sw + sx) < 16777216.0;
}

int bs_exec__k_conv(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 1);
    const bs_value *x = in[0], *w = in[1], *bias = nin > 2 ? in[2] : NULL;
    if (w->rank != x->rank) return bs_exec__fail(n, "weights rank differs from input rank");
    int64_t grp = bs_ir_attr_int(n, "group", 1);
    int64_t kh = x->rank == 3 ? 1 : w->dims[2], kw = w->dims[x->rank - 1];
    geo g;
    int rc = geometry(n, x, kh, kw, false, &g);
    if (rc) return rc;
    int64_t M = w->dims[0], Cg = w->dims[1];
    if (grp <= 0 || Cg * grp != g.C || M % grp) return bs_exec__fail(n, "channels %lld do not match weights x group", (long long)g.C);
    if (bias && bias->numel != M) return bs_exec__fail(n, "bias has %lld values for %lld channels", (long long)bias->numel, (long long)M);
    bs_value *o = pool_out(cx, x, &g, M);
    if (!o) return bs_error_code();
    float *po = o->data;
    /* im2col per (batch, group) into a K x P column buffer, then a dense
     * product accumulated in double (contiguous, vectorisable). */
    int64_t mg = M / grp, K = Cg * kh * kw, P = g.OH * g.OW;
    float *cols = malloc(sizeof(float) * (size_t)(K * P > 0 ? K * P : 1));
    const float *wf = w->elem == BS_ELEM_FLOAT ? (const float *)w->data : NULL;
    double *acc = malloc(sizeof(double) * (size_t)(4 * P + 1));
    if (!cols || !acc) { free(cols); free(acc); return bs_error_set(BS_ENOMEM, "exec: conv buffers"); }
    for (int64_t b = 0; b < g.N; b++)
        for (int64_t gi = 0; gi < grp; gi++) {
            for (int64_t c = 0; c < Cg; c++)
                for (int64_t ky = 0; ky < kh; ky++)
                    for (int64_t kx = 0; kx < kw; kx++) {
                        float *row = cols + ((c * kh + ky) * kw + kx) * P;
                        int64_t ci = gi * Cg + c;
                        for (int64_t oy = 0; oy < g.OH; oy++) {
                            int64_t iy = oy * g.sh - g.pt + ky * g.dh;
                            for (int64_t ox = 0; ox < g.OW; ox++) {
                                int64_t ix = ox * g.sw - g.pl + kx * g.dw;
                                row[oy * g.OW + ox] = (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W)
                                                          ? 0.0f
                                                          : (float)at(x, ((b * g.C + ci) * g.H + iy) * g.W + ix);
                            }
                        }
                    }
            if (wf && float_exact(wf + gi * mg * K, mg, K, cols, K * P)) {
                /* exact in float32: 4 channels per pass, vectorisable */
                float *fa = (float *)acc;
                for (int64_t mm = 0; mm < mg; mm += 4) {
                    int nb = mg - mm < 4 ? (int)(mg - mm) : 4;
                    int64_t m0 = gi * mg + mm;
                    for (int64_t p = 0; p < 4 * P; p++) fa[p] = 0;
                    for (int64_t k = 0; k < K; k++) {
                        float w0 = wf[m0 * K + k], w1 = nb > 1 ? wf[(m0 + 1) * K + k] : 0,
                              w2 = nb > 2 ? wf[(m0 + 2) * K + k] : 0, w3 = nb > 3 ? wf[(m0 + 3) * K + k] : 0;
                        if (w0 == 0 && w1 == 0 && w2 == 0 && w3 == 0) continue;
                        const float *row = cols + k * P;
                        float *a0 = fa, *a1 = fa + P, *a2 = fa + 2 * P, *a3 = fa + 3 * P;
                        for (int64_t p = 0; p < P; p++) {
                            float r = row[p];
                            a0[p] += w0 * r;
                            a1[p] += w1 * r;
                            a2[p] += w2 * r;
                            a3[p] += w3 * r;
                        }
                    }
                    for (int j = 0; j < nb; j++) {
                        float *dst = po + (b * M + m0 + j) * P;
                        for (int64_t p = 0; p < P; p++) dst[p] = bias ? fa[j * P + p] + (float)at(bias, m0 + j) : fa[j * P + p];
                    }
                }
                continue;
            }
            /* four output channels per pass: each column row is loaded once */
            for (int64_t mm = 0; mm < mg; mm += 4) {
                int nb = mg - mm < 4 ? (int)(mg - mm) : 4;
                int64_t m0 = gi * mg + mm;
                for (int64_t p = 0; p < nb * P; p++) acc[p] = 0;
                for (int64_t k = 0; k < K; k++) {
                    double w0 = at(w, m0 * K + k), w1 = nb > 1 ? at(w, (m0 + 1) * K + k) : 0,
                           w2 = nb > 2 ? at(w, (m0 + 2) * K + k) : 0, w3 = nb > 3 ? at(w, (m0 + 3) * K + k) : 0;
                    if (w0 == 0 && w1 == 0 && w2 == 0 && w3 == 0) continue;
                    const float *row = cols + k * P;
                    double *a0 = acc, *a1 = acc + P, *a2 = acc + 2 * P, *a3 = acc + 3 * P;
                    if (nb == 4)
                        for (int64_t p = 0; p < P; p++) {
                            double r = row[p];
                            a0[p] += w0 * r;
                            a1[p] += w1 * r;
                            a2[p] += w2 * r;
                            a3[p] += w3 * r;
                        }
                    else
                        for (int64_t p = 0; p < P; p++) {
                            double r = row[p];
                            a0[p] += w0 * r;
                            if (nb > 1) a1[p] += w1 * r;
                            if (nb > 2) a2[p] += w2 * r;
                        }
                }
                for (int j = 0; j < nb; j++) {
                    float *dst = po + (b * M + m0 + j) * P;
                    for (int64_t p = 0; p < P; p++) {
                        float r = (float)acc[j * P + p];
                        dst[p] = bias ? r + (float)at(bias, m0 + j) : r;
                    }
                }
            }
        }
    free(cols);
    free(acc);
    return 0;
}

static int pool(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin, bool avg)
{
    NEED_IN(n, in, nin, 0);
    const bs_value *x = in[0];
    const int64_t *ks;
    int nk;
    if (bs_ir_attr_get_ints(n, "kernel_shape", &ks, &nk) || nk != x->rank - 2)
        return bs_exec__fail(n, "kernel_shape missing or of the wrong length");
    geo g;
    int rc = geometry(n, x, nk == 1 ? 1 : ks[0], ks[nk - 1], bs_ir_attr_int(n, "ceil_mode", 0), &g);
    if (rc) return rc;
    bool incl = bs_ir_attr_int(n, "count_include_pad", 0);
    bs_value *o = pool_out(cx, x, &g, g.C);
    if (!o) return bs_error_code();
    float *po = o->data;
    for (int64_t bc = 0; bc < g.N * g.C; bc++)
        for (int64_t oy = 0; oy < g.OH; oy++)
            for (int64_t ox = 0; ox < g.OW; ox++) {
                double s = 0, m = -INFINITY;
                int64_t cnt = 0, cnt_pad = 0;
                for (int64_t ky = 0; ky < g.kh; ky++) {
                    int64_t iy = oy * g.sh - g.pt + ky * g.dh;
                    for (int64_t kx = 0; kx < g.kw; kx++) {
                        int64_t ix = ox * g.sw - g.pl + kx * g.dw;
                        if (iy < g.H + g.pb && ix < g.W + g.pr) cnt_pad++;
                        if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) continue;
                        double v = at(x, (bc * g.H + iy) * g.W + ix);
                        s += v;
                        if (v > m) m = v;
                        cnt++;
                    }
                }
                po[(bc * g.OH + oy) * g.OW + ox] =
                    avg ? (float)(s / (double)(incl ? cnt_pad : cnt ? cnt : 1)) : (float)m;
            }
    return 0;
}
int bs_exec__k_maxpool(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin) { return pool(cx, n, in, nin, false); }
int bs_exec__k_avgpool(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin) { return pool(cx, n, in, nin, true); }

static int gpool(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin, bool avg)
{
    NEED_IN(n, in, nin, 0);
    const bs_value *x = in[0];
    if (x->rank < 2) return bs_exec__fail(n, "input must have rank >= 2");
    int64_t d[BS_IR_MAX_RANK], sp = 1;
    for (int i = 0; i < x->rank; i++) d[i] = i < 2 ? x->dims[i] : 1;
    for (int i = 2; i < x->rank; i++) sp *= x->dims[i];
    bs_value *o = bs_exec_out(cx, 0, BS_ELEM_FLOAT, x->rank, d);
    if (!o) return bs_error_code();
    for (int64_t c = 0; c < x->dims[0] * x->dims[1]; c++) {
        double s = 0, m = -INFINITY;
        for (int64_t i = 0; i < sp; i++) {
            double v = at(x, c * sp + i);
            s += v;
            if (v > m) m = v;
        }
        ((float *)o->data)[c] = avg ? (float)(s / (double)(sp ? sp : 1)) : (float)m;
    }
    return 0;
}
int bs_exec__k_gavgpool(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin) { return gpool(cx, n, in, nin, true); }
int bs_exec__k_gmaxpool(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin) { return gpool(cx, n, in, nin, false); }

int bs_exec__k_batchnorm(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    for (int i = 0; i < 5; i++) NEED_IN(n, in, nin, i);
    const bs_value *x = in[0];
    if (x->rank < 2) return bs_exec__fail(n, "input must have rank >= 2");
    int64_t C = x->dims[1], sp = 1;
    for (int i = 2; i < x->rank; i++) sp *= x->dims[i];
    for (int i = 1; i < 5; i++)
        if (in[i]->numel != C) return bs_exec__fail(n, "parameter %d has %lld values for %lld channels", i, (long long)in[i]->numel, (long long)C);
    float eps = (float)bs_ir_attr_float(n, "epsilon", 1e-5);
    bs_value *o = bs_exec_out_like(cx, 0, BS_ELEM_FLOAT, x);
    if (!o) return bs_error_code();
    for (int64_t b = 0; b < x->dims[0]; b++)
        for (int64_t c = 0; c < C; c++) {
            float sc = (float)at(in[1], c), bi = (float)at(in[2], c), mu = (float)at(in[3], c), var = (float)at(in[4], c);
            float den = sqrtf(var + eps);
            for (int64_t i = 0; i < sp; i++) {
                int64_t k = (b * C + c) * sp + i;
                ((float *)o->data)[k] = ((float)at(x, k) - mu) / den * sc + bi;
            }
        }
    return 0;
}

int bs_exec__k_softmax(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 0);
    const bs_value *x = in[0];
    int64_t opset = bs_ir_opset_version(bs_exec_graph(cx), "");
    int64_t ax = bs_ir_attr_int(n, "axis", opset >= 13 ? -1 : 1);
    if (ax < 0) ax += x->rank;
    if (ax < 0 || ax >= (x->rank ? x->rank : 1)) return bs_exec__fail(n, "axis out of range");
    bs_value *o = bs_exec_out_like(cx, 0, BS_ELEM_FLOAT, x);
    if (!o) return bs_error_code();
    int64_t outer = 1, len = 1, inner = 1;
    for (int i = 0; i < ax; i++) outer *= x->dims[i];
    if (opset >= 13) {
        len = x->dims[ax];
        for (int i = (int)ax + 1; i < x->rank; i++) inner *= x->dims[i];
    } else {
        for (int i = (int)ax; i < x->rank; i++) len *= x->dims[i];
    }
    for (int64_t a = 0; a < outer; a++)
        for (int64_t c = 0; c < inner; c++) {
            double m = -INFINITY, s = 0;
            for (int64_t i = 0; i < len; i++) m = fmax(m, at(x, (a * len + i) * inner + c));
            for (int64_t i = 0; i < len; i++) s += exp(at(x, (a * len + i) * inner + c) - m);
            for (int64_t i = 0; i < len; i++) {
                int64_t k = (a * len + i) * inner + c;
                ((float *)o->data)[k] = (float)(exp(at(x, k) - m) / s);
            }
        }
    return 0;
}

typedef struct kv { double v; int64_t i; } kv;
static int cmp_desc(const void *a, const void *b)
{
    const kv *x = a, *y = b;
    if (x->v != y->v) return x->v > y->v ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}
static int cmp_asc(const void *a, const void *b)
{
    const kv *x = a, *y = b;
    if (x->v != y->v) return x->v < y->v ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

int bs_exec__k_topk(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 0);
    const bs_value *x = in[0];
    int64_t k = nin > 1 && in[1] ? (int64_t)bs_value_get(in[1], 0) : bs_ir_attr_int(n, "k", 1);
    int64_t ax = bs_ir_attr_int(n, "axis", -1);
    if (ax < 0) ax += x->rank;
    if (ax < 0 || ax >= x->rank) return bs_exec__fail(n, "axis out of range");
    int64_t len = x->dims[ax];
    if (k < 0 || k > len) return bs_exec__fail(n, "K = %lld out of range [0, %lld]", (long long)k, (long long)len);
    bool largest = bs_ir_attr_int(n, "largest", 1);
    int64_t d[BS_IR_MAX_RANK], outer = 1, inner = 1;
    memcpy(d, x->dims, sizeof d);
    d[ax] = k;
    for (int i = 0; i < ax; i++) outer *= x->dims[i];
    for (int i = (int)ax + 1; i < x->rank; i++) inner *= x->dims[i];
    bs_value *ov = bs_exec_out(cx, 0, x->elem, x->rank, d);
    if (!ov) return bs_error_code();
    bs_value *oi = n->noutputs > 1 ? bs_exec_out(cx, 1, BS_ELEM_INT64, x->rank, d) : NULL;
    if (n->noutputs > 1 && !oi) return bs_error_code();
    kv *buf = malloc(sizeof(kv) * (size_t)(len ? len : 1));
    if (!buf) return BS_ENOMEM;
    for (int64_t a = 0; a < outer; a++)
        for (int64_t c = 0; c < inner; c++) {
            for (int64_t i = 0; i < len; i++) { buf[i].v = bs_value_get(x, (a * len + i) * inner + c); buf[i].i = i; }
            qsort(buf, (size_t)len, sizeof(kv), largest ? cmp_desc : cmp_asc);
            for (int64_t i = 0; i < k; i++) {
                int64_t o = (a * k + i) * inner + c;
                bs_value_set(ov, o, buf[i].v);
                if (oi) ((int64_t *)oi->data)[o] = buf[i].i;
            }
        }
    free(buf);
    return 0;
}

int bs_exec__k_argmax(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 0);
    const bs_value *x = in[0];
    int64_t ax = bs_ir_attr_int(n, "axis", 0);
    if (ax < 0) ax += x->rank;
    if (ax < 0 || ax >= x->rank) return bs_exec__fail(n, "axis out of range");
    bool keep = bs_ir_attr_int(n, "keepdims", 1), last = bs_ir_attr_int(n, "select_last_index", 0);
    int64_t d[BS_IR_MAX_RANK], outer = 1, inner = 1, len = x->dims[ax];
    int r = 0;
    for (int i = 0; i < x->rank; i++) {
        if (i != ax) d[r++] = x->dims[i];
        else if (keep) d[r++] = 1;
    }
    for (int i = 0; i < ax; i++) outer *= x->dims[i];
    for (int i = (int)ax + 1; i < x->rank; i++) inner *= x->dims[i];
    bs_value *o = bs_exec_out(cx, 0, BS_ELEM_INT64, r, d);
    if (!o) return bs_error_code();
    for (int64_t a = 0; a < outer; a++)
        for (int64_t c = 0; c < inner; c++) {
            int64_t best = 0;
            double bv = -INFINITY;
            for (int64_t i = 0; i < len; i++) {
                double v = bs_value_get(x, (a * len + i) * inner + c);
                if (i == 0 || v > bv || (last && v == bv)) { bv = v; best = i; }
            }
            ((int64_t *)o->data)[a * inner + c] = best;
        }
    return 0;
}

enum { R_MEAN, R_SUM, R_MAX };
static int reduce(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin, int op)
{
    NEED_IN(n, in, nin, 0);
    const bs_value *x = in[0];
    int64_t ax[BS_IR_MAX_RANK];
    int na = nin > 1 && in[1] ? bs_exec__ints(in[1], ax, BS_IR_MAX_RANK) : -1;
    if (na < 0) {
        const int64_t *a;
        if (!bs_ir_attr_get_ints(n, "axes", &a, &na) && na <= BS_IR_MAX_RANK) memcpy(ax, a, sizeof(int64_t) * (size_t)na);
        else na = 0;
    }
    bool red[BS_IR_MAX_RANK] = {0};
    if (!na) for (int i = 0; i < x->rank; i++) red[i] = true;
    for (int i = 0; i < na; i++) {
        int64_t a = ax[i] < 0 ? ax[i] + x->rank : ax[i];
        if (a < 0 || a >= x->rank) return bs_exec__fail(n, "axis out of range");
        red[a] = true;
    }
    bool keep = bs_ir_attr_int(n, "keepdims", 1);
    int64_t d[BS_IR_MAX_RANK], kd[BS_IR_MAX_RANK], ks[BS_IR_MAX_RANK];
    int r = 0;
    for (int i = 0; i < x->rank; i++) {
        kd[i] = red[i] ? 1 : x->dims[i];
        if (!red[i]) d[r++] = x->dims[i];
        else if (keep) d[r++] = 1;
    }
    bs_value *o = bs_exec_out(cx, 0, x->elem, r, d);
    if (!o) return bs_error_code();
    double *acc = calloc((size_t)(o->numel ? o->numel : 1), sizeof(double));
    int64_t *cnt = calloc((size_t)(o->numel ? o->numel : 1), sizeof(int64_t));
    if (!acc || !cnt) { free(acc); free(cnt); return BS_ENOMEM; }
    bs_exec__strides(x->rank, kd, ks);
    for (int64_t i = 0; i < x->numel; i++) {
        int64_t rem = i, off = 0;
        for (int k = x->rank - 1; k >= 0; k--) {
            int64_t c = rem % x->dims[k];
            rem /= x->dims[k];
            if (!red[k]) off += c * ks[k];
        }
        double v = bs_value_get(x, i);
        if (op == R_MAX) acc[off] = cnt[off] ? fmax(acc[off], v) : v;
        else acc[off] += v;
        cnt[off]++;
    }
    for (int64_t i = 0; i < o->numel; i++)
        bs_value_set(o, i, op == R_MEAN ? acc[i] / (double)(cnt[i] ? cnt[i] : 1) : acc[i]);
    free(acc);
    free(cnt);
    return 0;
}
int bs_exec__k_reduce_mean(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin) { return reduce(cx, n, in, nin, R_MEAN); }
int bs_exec__k_reduce_sum(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin) { return reduce(cx, n, in, nin, R_SUM); }
int bs_exec__k_reduce_max(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin) { return reduce(cx, n, in, nin, R_MAX); }
