/* example.c - brainsmith's bundled example models, written by C code (no
 * Python needed for the demo): a Brevitas-style QONNX MLP (Quant on the
 * input, per-layer Quant'ed weights with Transpose + MatMul, BatchNorm and
 * Quant activations, TopK at the end) with seeded random weights.  The
 * output is what Brevitas' export produces for TFC-like networks, so the
 * whole flow (qonnx_to_finn .. estimate reports) runs on it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brainsmith/error.h"
#include "brainsmith/ir.h"
#include "flow_int.h"

typedef struct rng { uint64_t s; } rng;
static double rnd(rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (double)(r->s >> 11) / 9007199254740992.0;
}

static bs_ir_tensor *cst(bs_ir_graph *g, const char *name, int rank, const int64_t *dims, const float *v)
{
    bs_ir_tensor *t = bs_ir_tensor_get(g, name);
    if (bs_ir_tensor_set_init_f32(g, t, rank, dims, v) < 0) return NULL;
    return t;
}

static bs_ir_tensor *scalar(bs_ir_graph *g, const char *name, float v)
{
    return cst(g, name, 0, NULL, &v);
}

/* Quant(x, scale, zeropt, bitwidth) signed/narrow as Brevitas exports it */
static bs_ir_tensor *quant(bs_ir_graph *g, const char *name, bs_ir_tensor *x, float scale, int bits, bool narrow,
                           bool sgn)
{
    char b[128];
    snprintf(b, sizeof b, "%s_scale", name);
    bs_ir_tensor *s = scalar(g, b, scale);
    snprintf(b, sizeof b, "%s_zeropt", name);
    bs_ir_tensor *z = scalar(g, b, 0);
    snprintf(b, sizeof b, "%s_bitwidth", name);
    bs_ir_tensor *w = scalar(g, b, (float)bits);
    snprintf(b, sizeof b, "%s_out", name);
    bs_ir_tensor *o = bs_ir_tensor_get(g, b);
    bs_ir_tensor *in[4] = {x, s, z, w};
    bs_ir_node *n = bs_ir_node_add(g, "Quant", BS_DOMAIN_QONNX, name, in, 4, &o, 1, NULL);
    if (!n) return NULL;
    bs_ir_attr_set_int(g, n, "narrow", narrow);
    bs_ir_attr_set_str(g, n, "rounding_mode", "ROUND");
    bs_ir_attr_set_int(g, n, "signed", sgn);
    return o;
}

int bs_flow_example_mlp(const int *layers, int nlayers, int wbits, int abits, uint64_t seed, bs_ir_graph **out)
{
    if (nlayers < 2 || nlayers > 16 || wbits < 1 || wbits > 8 || abits < 1 || abits > 8)
        return bs_error_set(BS_EINVAL, "example MLP: need 2..16 layer sizes, 1..8 weight/activation bits");
    bs_ir_graph *g = bs_ir_new("brainsmith_example_mlp");
    if (!g) return bs_error_set(BS_ENOMEM, "example model");
    rng r = {seed * 0x9e3779b97f4a7c15ull + 1};
    char nm[128];
    bs_ir_tensor *x = bs_ir_tensor_get(g, "global_in");
    int64_t ind[2] = {1, layers[0]};
    bs_ir_tensor_set_shape(g, x, 2, ind);
    x->elem_type = BS_ELEM_FLOAT;
    bs_ir_add_input(g, x);
    /* preprocessing as BNN-PYNQ: x -> 2x - 1, then the input quantizer */
    bs_ir_tensor *two = scalar(g, "pre_mul_param", 2.0f), *one = scalar(g, "pre_sub_param", 1.0f);
    bs_ir_tensor *m = bs_ir_tensor_get(g, "pre_mul_out"), *sb = bs_ir_tensor_get(g, "pre_sub_out");
    bs_ir_tensor *i1[2] = {x, two}, *i2[2] = {m, one};
    if (!bs_ir_node_add(g, "Mul", "", "pre_mul", i1, 2, &m, 1, NULL) ||
        !bs_ir_node_add(g, "Sub", "", "pre_sub", i2, 2, &sb, 1, NULL))
        goto fail;
    double ascale = abits == 1 ? 1.0 : 1.0 / (double)((1 << (abits - 1)) - 1);
    bs_ir_tensor *cur = abits == 1 ? NULL : quant(g, "input_quant", sb, (float)ascale, abits, true, true);
    if (abits == 1) {
        bs_ir_tensor *s = scalar(g, "input_quant_scale", 1.0f), *o = bs_ir_tensor_get(g, "input_quant_out");
        bs_ir_tensor *in[2] = {sb, s};
        if (!bs_ir_node_add(g, "BipolarQuant", BS_DOMAIN_QONNX, "input_quant", in, 2, &o, 1, NULL)) goto fail;
        cur = o;
    }
    if (!cur) goto fail;
    for (int l = 1; l < nlayers; l++) {
        int64_t fin = layers[l - 1], fout = layers[l];
        /* weights [out, in] -> Quant -> Transpose -> MatMul (Brevitas Linear export) */
        float *w = malloc(sizeof(float) * (size_t)(fin * fout));
        if (!w) goto fail;
        for (int64_t i = 0; i < fin * fout; i++) w[i] = (float)(rnd(&r) * 2 - 1) * 0.5f;
        int64_t wd[2] = {fout, fin};
        snprintf(nm, sizeof nm, "fc%d_weight", l);
        bs_ir_tensor *wt = cst(g, nm, 2, wd, w);
        free(w);
        double wscale = wbits == 1 ? 1.0 : 0.5 / (double)((1 << (wbits - 1)) - 1);
        bs_ir_tensor *wq;
        snprintf(nm, sizeof nm, "fc%d_wquant", l);
        if (wbits == 1) {
            bs_ir_tensor *s = scalar(g, "fc_wq_scale1", 1.0f);
            char on[160];
            snprintf(on, sizeof on, "%s_out", nm);
            wq = bs_ir_tensor_get(g, on);
            bs_ir_tensor *in[2] = {wt, s};
            if (!bs_ir_node_add(g, "BipolarQuant", BS_DOMAIN_QONNX, nm, in, 2, &wq, 1, NULL)) goto fail;
        } else {
            wq = quant(g, nm, wt, (float)wscale, wbits, true, true);
        }
        if (!wq) goto fail;
        snprintf(nm, sizeof nm, "fc%d_transpose", l);
        char on[160];
        snprintf(on, sizeof on, "%s_out", nm);
        bs_ir_tensor *wtr = bs_ir_tensor_get(g, on);
        bs_ir_node *tn = bs_ir_node_add(g, "Transpose", "", nm, &wq, 1, &wtr, 1, NULL);
        if (!tn) goto fail;
        int64_t perm[2] = {1, 0};
        bs_ir_attr_set_ints(g, tn, "perm", perm, 2);
        snprintf(nm, sizeof nm, "fc%d_matmul", l);
        snprintf(on, sizeof on, "%s_out", nm);
        bs_ir_tensor *mm = bs_ir_tensor_get(g, on);
        bs_ir_tensor *mi[2] = {cur, wtr};
        if (!bs_ir_node_add(g, "MatMul", "", nm, mi, 2, &mm, 1, NULL)) goto fail;
        if (l == nlayers - 1) { cur = mm; break; }
        /* BatchNorm + activation quantizer */
        float *gm = malloc(sizeof(float) * (size_t)fout * 4);
        if (!gm) goto fail;
        for (int64_t i = 0; i < fout; i++) {
            gm[i] = (float)(0.5 + rnd(&r));                       /* gamma */
            gm[fout + i] = (float)(rnd(&r) - 0.5);                /* beta */
            gm[2 * fout + i] = (float)((rnd(&r) - 0.5) * 2);      /* mean */
            gm[3 * fout + i] = (float)(0.5 + 2 * rnd(&r));        /* var */
        }
        static const char *const pn[] = {"weight", "bias", "running_mean", "running_var"};
        bs_ir_tensor *bi[5] = {mm};
        for (int k = 0; k < 4; k++) {
            snprintf(nm, sizeof nm, "bn%d_%s", l, pn[k]);
            bi[k + 1] = cst(g, nm, 1, &fout, gm + k * fout);
        }
        free(gm);
        snprintf(nm, sizeof nm, "bn%d", l);
        snprintf(on, sizeof on, "%s_out", nm);
        bs_ir_tensor *bo = bs_ir_tensor_get(g, on);
        bs_ir_node *bn = bs_ir_node_add(g, "BatchNormalization", "", nm, bi, 5, &bo, 1, NULL);
        if (!bn) goto fail;
        bs_ir_attr_set_float(g, bn, "epsilon", 1e-5);
        snprintf(nm, sizeof nm, "act%d_quant", l);
        if (abits == 1) {
            bs_ir_tensor *s = scalar(g, "act_q_scale1", 1.0f);
            snprintf(on, sizeof on, "%s_out", nm);
            bs_ir_tensor *ao = bs_ir_tensor_get(g, on);
            bs_ir_tensor *in[2] = {bo, s};
            if (!bs_ir_node_add(g, "BipolarQuant", BS_DOMAIN_QONNX, nm, in, 2, &ao, 1, NULL)) goto fail;
            cur = ao;
        } else {
            cur = quant(g, nm, bo, (float)ascale, abits, true, true);
        }
        if (!cur) goto fail;
    }
    /* TopK(1) -> class index, as the BNN-PYNQ exports */
    int64_t k1 = 1, kd = 1;
    bs_ir_tensor *kt = bs_ir_tensor_get(g, "topk_k");
    if (bs_ir_tensor_set_init(g, kt, BS_ELEM_INT64, 1, &kd, &k1) < 0) goto fail;
    bs_ir_tensor *vals = bs_ir_tensor_get(g, "topk_values"), *idx = bs_ir_tensor_get(g, "global_out");
    bs_ir_tensor *ti[2] = {cur, kt}, *to[2] = {vals, idx};
    bs_ir_node *tk = bs_ir_node_add(g, "TopK", "", "topk", ti, 2, to, 2, NULL);
    if (!tk) goto fail;
    bs_ir_attr_set_int(g, tk, "axis", -1);
    bs_ir_add_output(g, idx);
    if (bs_ir_infer(g) < 0) goto fail;
    *out = g;
    return 0;
fail:
    {
        int rc = bs_error_code() ? bs_error_code() : BS_EINTERNAL;
        bs_error_wrap(rc, "example MLP");
        bs_ir_free(g);
        return rc;
    }
}

/* ---- CNV ------------------------------------------------------------------ */

static bs_ir_node *op1(bs_ir_graph *g, const char *op, const char *name, bs_ir_tensor *a, bs_ir_tensor *b,
                       bs_ir_tensor **out)
{
    char on[160];
    snprintf(on, sizeof on, "%s_out", name);
    *out = bs_ir_tensor_get(g, on);
    bs_ir_tensor *in[2] = {a, b};
    return bs_ir_node_add(g, op, "", name, in, b ? 2 : 1, out, 1, NULL);
}

static bs_ir_tensor *act(bs_ir_graph *g, const char *name, bs_ir_tensor *x, int abits)
{
    if (abits == 1) {
        bs_ir_tensor *s = scalar(g, "act_bq_scale", 1.0f), *o;
        char on[160];
        snprintf(on, sizeof on, "%s_out", name);
        o = bs_ir_tensor_get(g, on);
        bs_ir_tensor *in[2] = {x, s};
        return bs_ir_node_add(g, "BipolarQuant", BS_DOMAIN_QONNX, name, in, 2, &o, 1, NULL) ? o : NULL;
    }
    return quant(g, name, x, 0.5f, abits, false, true);
}

static bs_ir_tensor *wq(bs_ir_graph *g, rng *r, const char *name, int rank, const int64_t *dims, int wbits)
{
    int64_t n = 1;
    for (int i = 0; i < rank; i++) n *= dims[i];
    float *w = malloc(sizeof(float) * (size_t)n);
    if (!w) return NULL;
    for (int64_t i = 0; i < n; i++) w[i] = (float)(rnd(r) * 2 - 1);
    char nm[160];
    snprintf(nm, sizeof nm, "%s_weight", name);
    bs_ir_tensor *t = cst(g, nm, rank, dims, w);
    free(w);
    snprintf(nm, sizeof nm, "%s_wquant", name);
    if (wbits == 1) {
        bs_ir_tensor *s = scalar(g, "w_bq_scale", 1.0f), *o;
        char on[200];
        snprintf(on, sizeof on, "%s_out", nm);
        o = bs_ir_tensor_get(g, on);
        bs_ir_tensor *in[2] = {t, s};
        return bs_ir_node_add(g, "BipolarQuant", BS_DOMAIN_QONNX, nm, in, 2, &o, 1, NULL) ? o : NULL;
    }
    return quant(g, nm, t, 1.0f / (float)((1 << (wbits - 1)) - 1), wbits, true, true);
}

static bool bn_mixed_sign;   /* example CNV: negative BatchNorm gammas too */

static bs_ir_tensor *bnorm(bs_ir_graph *g, rng *r, const char *name, bs_ir_tensor *x, int64_t c, double fan_in)
{
    float *v = malloc(sizeof(float) * (size_t)c * 4);
    if (!v) return NULL;
    for (int64_t i = 0; i < c; i++) {
        v[i] = (float)(0.5 + rnd(r));                    /* gamma > 0 */
        if (bn_mixed_sign && rnd(r) < 0.3) v[i] = -v[i];
        v[c + i] = (float)(rnd(r) - 0.5);
        v[2 * c + i] = (float)((rnd(r) - 0.5) * sqrt(fan_in));
        v[3 * c + i] = (float)(fan_in * (0.2 + 0.4 * rnd(r)));
    }
    static const char *const pn[] = {"weight", "bias", "running_mean", "running_var"};
    bs_ir_tensor *bi[5] = {x};
    char nm[160];
    for (int k = 0; k < 4; k++) {
        snprintf(nm, sizeof nm, "%s_%s", name, pn[k]);
        bi[k + 1] = cst(g, nm, 1, &c, v + k * c);
    }
    free(v);
    snprintf(nm, sizeof nm, "%s_out", name);
    bs_ir_tensor *o = bs_ir_tensor_get(g, nm);
    bs_ir_node *n = bs_ir_node_add(g, "BatchNormalization", "", name, bi, 5, &o, 1, NULL);
    if (!n) return NULL;
    bs_ir_attr_set_float(g, n, "epsilon", 1e-5);
    return o;
}

int bs_flow_example_cnv(int wbits, int abits, uint64_t seed, bs_ir_graph **out)
{
    return bs_flow_example_cnv_ex(wbits, abits, seed, 1, out);
}

int bs_flow_example_cnv_ex(int wbits, int abits, uint64_t seed, int chdiv, bs_ir_graph **out)
{
    /* chdiv < 0: channels / -chdiv and BatchNorm gammas of both signs */
    bn_mixed_sign = chdiv < 0;
    if (chdiv < 0) chdiv = -chdiv;
    if (wbits < 1 || wbits > 8 || abits < 1 || abits > 8 || chdiv < 1 || 64 % chdiv)
        return bs_error_set(BS_EINVAL, "example CNV: weight/activation bits must be 1..8, chdiv a divisor of 64");
    bs_ir_graph *g = bs_ir_new("brainsmith_example_cnv");
    if (!g) return bs_error_set(BS_ENOMEM, "example model");
    rng r = {seed * 0x9e3779b97f4a7c15ull + 7};
    bs_ir_tensor *x = bs_ir_tensor_get(g, "global_in"), *h;
    int64_t ind[4] = {1, 3, 32, 32};
    bs_ir_tensor_set_shape(g, x, 4, ind);
    x->elem_type = BS_ELEM_FLOAT;
    bs_ir_add_input(g, x);
    /* pixels 0..255 -> [-1, 1] -> 8-bit input quantizer (BNN-PYNQ CNV) */
    if (!op1(g, "Mul", "pre_mul", x, scalar(g, "pre_mul_param", 2.0f / 255.0f), &h)) goto fail;
    if (!op1(g, "Add", "pre_add", h, scalar(g, "pre_add_param", -1.0f), &h)) goto fail;
    if (!(h = quant(g, "input_quant", h, 1.0f / 128.0f, 8, false, true))) goto fail;
    static const struct { int64_t ch; bool pool; } blocks[] = {{64, false}, {64, true}, {128, false},
                                                               {128, true}, {256, false}, {256, false}};
    int64_t cin = 3;
    char nm[64];
    for (int b = 0; b < 6; b++) {
        int64_t cout = blocks[b].ch / chdiv;
        int64_t wd[4] = {cout, cin, 3, 3};
        snprintf(nm, sizeof nm, "conv%d", b);
        bs_ir_tensor *w = wq(g, &r, nm, 4, wd, wbits);
        bs_ir_node *cv = w ? op1(g, "Conv", nm, h, w, &h) : NULL;
        if (!cv) goto fail;
        int64_t ks[2] = {3, 3}, st[2] = {1, 1}, pd[4] = {0, 0, 0, 0}, dl[2] = {1, 1};
        bs_ir_attr_set_ints(g, cv, "dilations", dl, 2);
        bs_ir_attr_set_int(g, cv, "group", 1);
        bs_ir_attr_set_ints(g, cv, "kernel_shape", ks, 2);
        bs_ir_attr_set_ints(g, cv, "pads", pd, 4);
        bs_ir_attr_set_ints(g, cv, "strides", st, 2);
        snprintf(nm, sizeof nm, "bn_conv%d", b);
        if (!(h = bnorm(g, &r, nm, h, cout, (double)(cin * 9)))) goto fail;
        snprintf(nm, sizeof nm, "act_conv%d", b);
        if (!(h = act(g, nm, h, abits))) goto fail;
        if (blocks[b].pool) {
            snprintf(nm, sizeof nm, "pool%d", b);
            bs_ir_node *mp = op1(g, "MaxPool", nm, h, NULL, &h);
            if (!mp) goto fail;
            int64_t k2[2] = {2, 2}, p0[4] = {0, 0, 0, 0};
            bs_ir_attr_set_ints(g, mp, "kernel_shape", k2, 2);
            bs_ir_attr_set_ints(g, mp, "pads", p0, 4);
            bs_ir_attr_set_ints(g, mp, "strides", k2, 2);
        }
        cin = cout;
    }
    int64_t shp[2] = {1, -1}, two = 2;
    bs_ir_tensor *st = bs_ir_tensor_get(g, "flatten_shape");
    if (bs_ir_tensor_set_init(g, st, BS_ELEM_INT64, 1, &two, shp) < 0) goto fail;
    if (!op1(g, "Reshape", "flatten", h, st, &h)) goto fail;
    int64_t fcs[3][2] = {{256 / chdiv, 512 / chdiv}, {512 / chdiv, 512 / chdiv}, {512 / chdiv, 10}};
    for (int f = 0; f < 3; f++) {
        snprintf(nm, sizeof nm, "fc%d", f);
        bs_ir_tensor *w = wq(g, &r, nm, 2, fcs[f], wbits);
        if (!w || !op1(g, "MatMul", nm, h, w, &h)) goto fail;
        if (f == 2) break;
        snprintf(nm, sizeof nm, "bn_fc%d", f);
        if (!(h = bnorm(g, &r, nm, h, fcs[f][1], (double)fcs[f][0]))) goto fail;
        snprintf(nm, sizeof nm, "act_fc%d", f);
        if (!(h = act(g, nm, h, abits))) goto fail;
    }
    /* TensorNorm-like scalar scale, then TopK(1) */
    if (!op1(g, "Mul", "tensornorm", h, scalar(g, "tensornorm_scale", 0.125f), &h)) goto fail;
    int64_t k1 = 1, kd = 1;
    bs_ir_tensor *kt = bs_ir_tensor_get(g, "topk_k");
    if (bs_ir_tensor_set_init(g, kt, BS_ELEM_INT64, 1, &kd, &k1) < 0) goto fail;
    bs_ir_tensor *vals = bs_ir_tensor_get(g, "topk_values"), *idx = bs_ir_tensor_get(g, "global_out");
    bs_ir_tensor *ti[2] = {h, kt}, *to[2] = {vals, idx};
    bs_ir_node *tk = bs_ir_node_add(g, "TopK", "", "topk", ti, 2, to, 2, NULL);
    if (!tk) goto fail;
    bs_ir_attr_set_int(g, tk, "axis", -1);
    bs_ir_add_output(g, idx);
    if (bs_ir_infer(g) < 0) goto fail;
    *out = g;
    return 0;
fail:
    {
        int rc = bs_error_code() ? bs_error_code() : BS_EINTERNAL;
        bs_error_wrap(rc, "example CNV");
        bs_ir_free(g);
        return rc;
    }
}
