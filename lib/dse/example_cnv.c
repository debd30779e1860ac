/* example_cnv.c - a CNV-topology design in FINN dev 2025 hardware form
 * (the graph FINN has after step_specialize_layers for BNN-PYNQ CNV:
 * input Thresholding, 6 convolutions as SWG + MVAU, 2 max pools as a
 * depthwise SWG + Pool, 3 fully connected MVAUs, LabelSelect), written by
 * brainsmith itself with seeded random weights.  The shared data has no CNV
 * model (every public export is > 4 MiB) and brainsmith's flow does not
 * lower convolutions yet, so this is the CNV the explorer and its benchmark
 * use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brainsmith/error.h"
#include "brainsmith/ir.h"
#include "brainsmith/dse.h"

typedef struct { uint64_t s; } rng;
static uint64_t next(rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

typedef struct {
    bs_ir_graph *g;
    rng r;
    int wbits, abits;
    char adt[16], wdt[16];
    int k;
} ctx;

static bs_ir_tensor *tensor(ctx *c, int rank, const int64_t *dims, const char *dt)
{
    bs_ir_tensor *t = bs_ir_tensor_new(c->g, "t");
    bs_ir_tensor_set_shape(c->g, t, rank, dims);
    bs_dt d;
    if (bs_dt_parse(dt, &d) == 0) bs_ir_tensor_set_dtype(t, d);
    return t;
}

static bs_ir_node *node(ctx *c, const char *op, bs_ir_tensor **in, int nin, bs_ir_tensor *out)
{
    const char *dom = strstr(op, "_rtl") ? BS_DOMAIN_FPGADATAFLOW_RTL : BS_DOMAIN_FPGADATAFLOW_HLS;
    char name[64];
    int k = 0;
    for (int i = 0; i < c->g->nnodes; i++) k += !strcmp(c->g->nodes[i]->op_type, op);
    snprintf(name, sizeof name, "%s_%d", op, k);
    bs_ir_node *n = bs_ir_node_add(c->g, op, dom, name, in, nin, &out, 1, NULL);
    if (n) bs_ir_attr_set_str(c->g, n, "backend", "fpgadataflow");
    return n;
}

static bs_ir_tensor *thresholds(ctx *c, int64_t ch, int64_t steps, int64_t lo, int64_t hi)
{
    float *v = malloc((size_t)(ch * steps) * sizeof *v);
    if (!v) return NULL;
    for (int64_t i = 0; i < ch; i++) {
        int64_t span = hi - lo;
        for (int64_t s = 0; s < steps; s++) v[i * steps + s] = (float)(lo + (span * (s + 1)) / (steps + 1));
    }
    int64_t dims[2] = {ch, steps};
    bs_ir_tensor *t = bs_ir_tensor_new(c->g, "thr");
    bs_ir_tensor_set_init_f32(c->g, t, 2, dims, v);
    free(v);
    return t;
}

static bs_ir_tensor *swg(ctx *c, bs_ir_tensor *in, int64_t ifm, int64_t ch, int64_t k, int64_t s, int dw, const char *dt)
{
    int64_t ofm = (ifm - k) / s + 1;
    int64_t od[4] = {1, ofm, ofm, k * k * ch};
    bs_ir_tensor *out = tensor(c, 4, od, dt);
    bs_ir_node *n = node(c, "ConvolutionInputGenerator_rtl", &in, 1, out);
    int64_t kk[2] = {k, k}, id[2] = {ifm, ifm}, o2[2] = {ofm, ofm}, st[2] = {s, s}, dl[2] = {1, 1};
    bs_ir_attr_set_ints(c->g, n, "ConvKernelDim", kk, 2);
    bs_ir_attr_set_int(c->g, n, "IFMChannels", ch);
    bs_ir_attr_set_ints(c->g, n, "IFMDim", id, 2);
    bs_ir_attr_set_ints(c->g, n, "OFMDim", o2, 2);
    bs_ir_attr_set_int(c->g, n, "SIMD", 1);
    bs_ir_attr_set_ints(c->g, n, "Stride", st, 2);
    bs_ir_attr_set_ints(c->g, n, "Dilation", dl, 2);
    bs_ir_attr_set_int(c->g, n, "depthwise", dw);
    bs_ir_attr_set_str(c->g, n, "inputDataType", dt);
    bs_ir_attr_set_str(c->g, n, "outputDataType", dt);
    bs_ir_attr_set_str(c->g, n, "ram_style", "distributed");
    return out;
}

static bs_ir_tensor *mvau(ctx *c, bs_ir_tensor *in, int64_t mw, int64_t mh, int nv, const int64_t *vecs, const char *idt,
                          bool last)
{
    float *w = malloc((size_t)(mw * mh) * sizeof *w);
    if (!w) return NULL;
    int64_t wmax = c->wbits == 1 ? 1 : (1 << (c->wbits - 1)) - 1;
    for (int64_t i = 0; i < mw * mh; i++) {
        if (c->wbits == 1) w[i] = (next(&c->r) & 1) ? 1.0f : -1.0f;
        else w[i] = (float)((int64_t)(next(&c->r) % (uint64_t)(2 * wmax + 2)) - wmax - 1);
    }
    int64_t wd[2] = {mw, mh};
    bs_ir_tensor *wt = bs_ir_tensor_new(c->g, "W");
    bs_ir_tensor_set_init_f32(c->g, wt, 2, wd, w);
    free(w);
    bs_dt wdt;
    bs_dt_parse(c->wdt, &wdt);
    bs_ir_tensor_set_dtype(wt, wdt);
    int64_t od[4];
    for (int i = 0; i < nv; i++) od[i] = vecs[i];
    od[nv] = mh;
    const char *odt = last ? "INT32" : c->adt;
    bs_ir_tensor *out = tensor(c, nv + 1, od, odt);
    bs_ir_tensor *ins[3] = {in, wt, NULL};
    int nin = 2;
    bool xnor = c->wbits == 1 && !strcmp(idt, "BIPOLAR");
    if (!last) {
        int64_t steps = c->abits == 1 ? 1 : (1 << c->abits) - 1;
        ins[2] = thresholds(c, mh, steps, -mw / 4, mw / 4 + 1);
        nin = 3;
    }
    bs_ir_node *n = node(c, "MVAU_hls", ins, nin, out);
    bs_ir_attr_set_int(c->g, n, "PE", 1);
    bs_ir_attr_set_int(c->g, n, "SIMD", 1);
    bs_ir_attr_set_int(c->g, n, "MW", mw);
    bs_ir_attr_set_int(c->g, n, "MH", mh);
    bs_ir_attr_set_ints(c->g, n, "numInputVectors", vecs, nv);
    bs_ir_attr_set_str(c->g, n, "inputDataType", idt);
    bs_ir_attr_set_str(c->g, n, "weightDataType", c->wdt);
    bs_ir_attr_set_str(c->g, n, "outputDataType", odt);
    bs_ir_attr_set_int(c->g, n, "noActivation", last ? 1 : 0);
    bs_ir_attr_set_int(c->g, n, "binaryXnorMode", xnor ? 1 : 0);
    bs_ir_attr_set_int(c->g, n, "ActVal", 0);
    bs_ir_attr_set_str(c->g, n, "accDataType", "INT32");
    bs_ir_attr_set_str(c->g, n, "mem_mode", "internal_decoupled");
    bs_ir_attr_set_str(c->g, n, "ram_style", "auto");
    bs_ir_attr_set_str(c->g, n, "resType", "lut");
    return out;
}

static bs_ir_tensor *pool(ctx *c, bs_ir_tensor *in, int64_t ifm, int64_t ch)
{
    bs_ir_tensor *w = swg(c, in, ifm, ch, 2, 2, 1, c->adt);
    int64_t o = ifm / 2, od[4] = {1, o, o, ch};
    bs_ir_tensor *out = tensor(c, 4, od, c->adt);
    bs_ir_node *n = node(c, "Pool_hls", &w, 1, out);
    int64_t ks[2] = {2, 2}, oi[2] = {o, o};
    bs_ir_attr_set_int(c->g, n, "Channels", ch);
    bs_ir_attr_set_int(c->g, n, "PE", 1);
    bs_ir_attr_set_ints(c->g, n, "KernelSize", ks, 2);
    bs_ir_attr_set_str(c->g, n, "Function", "MaxPool");
    bs_ir_attr_set_ints(c->g, n, "OutImgDims", oi, 2);
    bs_ir_attr_set_str(c->g, n, "InputDataType", c->adt);
    bs_ir_attr_set_str(c->g, n, "OutputDataType", c->adt);
    bs_ir_attr_set_int(c->g, n, "BatchSize", 1);
    return out;
}

int bs_dse_example_cnv(int wbits, int abits, uint64_t seed, bs_ir_graph **out)
{
    *out = NULL;
    if (wbits < 1 || wbits > 8 || abits < 1 || abits > 8)
        return bs_error_set(BS_EINVAL, "example CNV: weight/activation bits must be 1..8 (got w%d a%d)", wbits, abits);
    ctx c = {.g = bs_ir_new("cnv_hw"), .r = {seed ? seed : 1}, .wbits = wbits, .abits = abits};
    if (!c.g) return bs_error_set(BS_ENOMEM, "example CNV: out of memory");
    snprintf(c.adt, sizeof c.adt, abits == 1 ? "BIPOLAR" : "UINT%d", abits);
    snprintf(c.wdt, sizeof c.wdt, wbits == 1 ? "BIPOLAR" : "INT%d", wbits);
    int64_t ind[4] = {1, 32, 32, 3};
    bs_ir_tensor *x = tensor(&c, 4, ind, "UINT8");
    bs_ir_add_input(c.g, x);
    /* input thresholding (the streamlined input quantiser) */
    bs_ir_tensor *t0 = tensor(&c, 4, ind, "UINT8");
    bs_ir_tensor *ins[2] = {x, thresholds(&c, 3, 255, 0, 256)};
    bs_ir_node *th = node(&c, "Thresholding_rtl", ins, 2, t0);
    int64_t v0[3] = {1, 32, 32};
    bs_ir_attr_set_int(c.g, th, "PE", 1);
    bs_ir_attr_set_int(c.g, th, "NumChannels", 3);
    bs_ir_attr_set_int(c.g, th, "numSteps", 255);
    bs_ir_attr_set_ints(c.g, th, "numInputVectors", v0, 3);
    bs_ir_attr_set_str(c.g, th, "inputDataType", "UINT8");
    bs_ir_attr_set_str(c.g, th, "weightDataType", "UINT8");
    bs_ir_attr_set_str(c.g, th, "outputDataType", "UINT8");
    /* convolutions: (ifm, in channels, out channels, pool after) */
    static const int64_t conv[6][4] = {{32, 3, 64, 0}, {30, 64, 64, 1}, {14, 64, 128, 0},
                                       {12, 128, 128, 1}, {5, 128, 256, 0}, {3, 256, 256, 0}};
    bs_ir_tensor *cur = t0;
    const char *idt = "UINT8";
    for (int l = 0; l < 6; l++) {
        int64_t ifm = conv[l][0], ci = conv[l][1], co = conv[l][2], ofm = ifm - 2;
        cur = swg(&c, cur, ifm, ci, 3, 1, 0, idt);
        int64_t vec[3] = {1, ofm, ofm};
        cur = mvau(&c, cur, 9 * ci, co, 3, vec, idt, false);
        idt = c.adt;
        if (conv[l][3]) cur = pool(&c, cur, ofm, co);
    }
    static const int64_t fc[3][2] = {{256, 512}, {512, 512}, {512, 10}};
    int64_t one[3] = {1, 1, 1};
    for (int l = 0; l < 3; l++) cur = mvau(&c, cur, fc[l][0], fc[l][1], 3, one, c.adt, l == 2);
    int64_t od[2] = {1, 1};
    bs_ir_tensor *y = tensor(&c, 2, od, "UINT8");
    bs_ir_node *ls = node(&c, "LabelSelect_hls", &cur, 1, y);
    bs_ir_attr_set_int(c.g, ls, "Labels", 10);
    bs_ir_attr_set_int(c.g, ls, "PE", 1);
    bs_ir_attr_set_int(c.g, ls, "K", 1);
    bs_ir_attr_set_str(c.g, ls, "inputDataType", "INT32");
    bs_ir_attr_set_str(c.g, ls, "outputDataType", "UINT8");
    bs_ir_add_output(c.g, y);
    *out = c.g;
    return 0;
}
