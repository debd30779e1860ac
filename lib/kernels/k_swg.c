/* k_swg.c - ConvolutionInputGenerator (sliding-window generator, SWG):
 * the abstract op, the HLS variants of FINN main / v0.5-0.6 (2D, 1D,
 * 1D_parallel, dws, dws_stride, dws_naive) and the RTL generator of FINN
 * dev 2025 (default and parallel implementation styles).  Formulas follow
 * finn-reference §7.4 and FINN's convolutioninputgenerator{,_hls,_rtl}.py,
 * including the 1D_parallel LUT quirk of the HLS model. */
#include <stdio.h>
#include "kernels_int.h"

static const int64_t ONES2[] = {1, 1};

enum { S_K, S_CH, S_IFM, S_OFM, S_SIMD, S_STRIDE, S_DIL, S_IDT, S_ODT, S_DW, S_RAMSTYLE, S_PW,
       S_IS1D, S_DYN, S_NBASE };
enum { SR_M = S_NBASE };

const bs_kattr_def bs_k_swg_attrs[] = {
    [S_K] = {"ConvKernelDim", BS_KA_INTS, true, 0, NULL, NULL, 0, NULL, "[kh, kw]"},
    [S_CH] = {"IFMChannels", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "input channels"},
    [S_IFM] = {"IFMDim", BS_KA_INTS, true, 0, NULL, NULL, 0, NULL, "input [H, W]"},
    [S_OFM] = {"OFMDim", BS_KA_INTS, true, 0, NULL, NULL, 0, NULL, "output [H, W]"},
    [S_SIMD] = {"SIMD", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "channel parallelism; IFMChannels % SIMD == 0"},
    [S_STRIDE] = {"Stride", BS_KA_INTS, true, 0, NULL, ONES2, 2, NULL, "[sh, sw]"},
    [S_DIL] = {"Dilation", BS_KA_INTS, true, 0, NULL, ONES2, 2, NULL, "[dh, dw]"},
    [S_IDT] = {"inputDataType", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "input datatype"},
    [S_ODT] = {"outputDataType", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "output datatype"},
    [S_DW] = {"depthwise", BS_KA_INT, false, 0, NULL, NULL, 0, "|0|1|", "depthwise window order"},
    [S_RAMSTYLE] = {"ram_style", BS_KA_STR, false, 0, "distributed", NULL, 0, "|auto|block|distributed|ultra|", "buffer memory"},
    [S_PW] = {"parallel_window", BS_KA_INT, false, 0, NULL, NULL, 0, "|0|1|", "emit the whole window per cycle"},
    [S_IS1D] = {"is1D", BS_KA_INT, false, 0, NULL, NULL, 0, NULL, "1D spatial data"},
    [S_DYN] = {"dynamic_mode", BS_KA_INT, false, 0, NULL, NULL, 0, "|0|1|", "runtime-reprogrammable dims"},
};
const int bs_k_swg_nattrs = S_NBASE;
const bs_kattr_def bs_k_swg_rtl_x[] = {
    {"M", BS_KA_INT, false, 1, NULL, NULL, 0, NULL, "extra parallelism (not implemented in FINN)"},
};
const int bs_k_swg_rtl_nx = 1;

typedef struct { int64_t ch, ih, iw, oh, ow, kh, kw, sh, sw, dh, dw; } swg_dims;

static void dims(const bs_knode *n, swg_dims *g, bool norm1d) {
    g->ch = AI(n, S_CH);
    g->ih = AV(n, S_IFM)[0]; g->iw = AV(n, S_IFM)[1];
    g->oh = AV(n, S_OFM)[0]; g->ow = AV(n, S_OFM)[1];
    g->kh = AV(n, S_K)[0]; g->kw = AV(n, S_K)[1];
    g->sh = AV(n, S_STRIDE)[0]; g->sw = AV(n, S_STRIDE)[1];
    g->dh = AV(n, S_DIL)[0]; g->dw = AV(n, S_DIL)[1];
    if (norm1d && g->iw == 1) {      /* get_1d_conv_attrs_normalized: [D,1] -> [1,D] */
        int64_t t;
#define SW(a, b) (t = a, a = b, b = t)
        SW(g->ih, g->iw); SW(g->oh, g->ow); SW(g->kh, g->kw); SW(g->sh, g->sw); SW(g->dh, g->dw);
#undef SW
    }
}

static bool is_rtl(const bs_knode *n) { return SEQ(n->k->backend, "rtl"); }
static bool is_hls(const bs_knode *n) {
    return SEQ(n->k->backend, "hls") || n->k->legacy_of != NULL;
}

/* HLS: ConvolutionInputGenerator_hls.use_parallel_window_output */
static bool hls_parallel(const bs_knode *n) {
    if (!AI(n, S_IS1D) || AI(n, S_PW) != 1) return false;
    const char *rs = AS(n, S_RAMSTYLE);
    return AI(n, S_SIMD) == AI(n, S_CH) && AI(n, S_DW) == 0 && AV(n, S_STRIDE)[0] == 1 &&
           AV(n, S_STRIDE)[1] == 1 && AV(n, S_DIL)[0] == 1 && AV(n, S_DIL)[1] == 1 &&
           (SEQ(rs, "auto") || SEQ(rs, "distributed"));
}
static bool use_parallel(const bs_knode *n) {
    return is_hls(n) ? hls_parallel(n) : AI(n, S_PW) != 0;
}

enum { V2D, V1D_PAR, V1D, V1D_DWS, V1D_DWS_STRIDE, V1D_DWS_NAIVE };
static int hls_variant(const bs_knode *n) {
    if (!AI(n, S_IS1D)) return V2D;
    int64_t sp = AV(n, S_STRIDE)[0] * AV(n, S_STRIDE)[1];
    int64_t dp = AV(n, S_DIL)[0] * AV(n, S_DIL)[1];
    if (hls_parallel(n)) return V1D_PAR;
    if (!AI(n, S_DW)) return V1D;
    if ((sp > 1 && sp != 2) || dp > 1) return V1D_DWS_NAIVE;
    if (sp == 2) return V1D_DWS_STRIDE;
    return V1D_DWS;
}

/* ConvolutionInputGenerator_rtl.select_impl_style: true = "parallel" */
static bool rtl_parallel_style(const bs_knode *n) {
    int64_t mmv_out = AI(n, S_PW) ? AI(n, SR_M) * AV(n, S_K)[0] * AV(n, S_K)[1] : 1;
    return mmv_out > 1 || (AV(n, S_K)[0] == 1 && AV(n, S_K)[1] == 1);
}

static int swg_check(const bs_knode *n) {
    if (AN(n, S_K) != 2 || AN(n, S_IFM) != 2 || AN(n, S_OFM) != 2 || AN(n, S_STRIDE) != 2 ||
        AN(n, S_DIL) != 2)
        return bs_k_fail(n, "ConvKernelDim, IFMDim, OFMDim, Stride and Dilation need 2 values");
    int rc = 0;
    for (int i = S_K; i <= S_DIL && rc == 0; i++)
        if (i == S_K || i == S_IFM || i == S_OFM || i == S_STRIDE || i == S_DIL) rc = bs_k_need_min(n, i, 1);
    if (rc == 0) rc = bs_k_need_div(n, "SIMD", AI(n, S_SIMD), "IFMChannels", AI(n, S_CH));
    if (rc || !is_rtl(n)) return rc;
    swg_dims g;
    dims(n, &g, false);
    if ((g.kh - 1) * g.dh + 1 > g.ih || (g.kw - 1) * g.dw + 1 > g.iw || g.sh > g.ih || g.sw > g.iw)
        return bs_k_fail(n, "kernel or stride larger than the feature map (rtl SWG)");
    if (rtl_parallel_style(n) && !AI(n, S_DW) && !(g.kh == 1 && g.kw == 1) &&
        AI(n, S_SIMD) != g.ch)
        return bs_k_fail(n, "SIMD=%lld must equal IFMChannels=%lld with parallel_window=1 "
                         "(rule of the rtl SWG parallel style); nearest legal SIMD: %lld, or "
                         "set parallel_window=0", (long long)AI(n, S_SIMD), (long long)g.ch,
                         (long long)g.ch);
    return 0;
}

/* qonnx compute_conv_output_dim (0630ceae) with total_pad = 0 */
static int64_t conv_out(int64_t ifm, int64_t k, int64_t s, int64_t d) {
    return p2i(((double)(ifm - d * (k - 1) - 1) / (double)s + 1));
}

static int swg_shape(const bs_knode *n, int kind, int out, int idx, int64_t *d, size_t *nd) {
    if (idx != 0) return bs_k_fail(n, "no shape for %s %d", out ? "output" : "input", idx);
    swg_dims g;
    dims(n, &g, false);
    int64_t simd = AI(n, S_SIMD);
    d[0] = 1;
    if (!out) {
        d[1] = g.ih; d[2] = g.iw;
        if (kind == KS_NORMAL) { d[3] = g.ch; *nd = 4; }
        else { d[3] = g.ch / simd; d[4] = simd; *nd = 5; }
        return 0;
    }
    d[1] = conv_out(g.ih, g.kh, g.sh, g.dh);
    d[2] = conv_out(g.iw, g.kw, g.sw, g.dw);
    if (kind == KS_NORMAL) { d[3] = g.kh * g.kw * g.ch; *nd = 4; return 0; }
    if (use_parallel(n)) { d[3] = g.ch / simd; d[4] = g.kh * g.kw * simd; }
    else { d[3] = g.kh * g.kw * g.ch / simd; d[4] = simd; }
    *nd = 5;
    return 0;
}

static int swg_width(const bs_knode *n, int out, int idx, int64_t *w) {
    if (idx != 0) return bs_k_fail(n, "no stream %d", idx);
    int64_t in = AI(n, S_SIMD) * ADT(n, S_IDT)->bits;
    *w = (out && use_parallel(n)) ? in * AV(n, S_K)[0] * AV(n, S_K)[1] : in;
    return 0;
}

/* ---- HLS (FINN main / legacy) ---- */
static int64_t hls_cycles(const bs_knode *n) {
    double cf = (double)AI(n, S_CH) / (double)AI(n, S_SIMD);
    swg_dims g;
    if (!AI(n, S_IS1D)) {
        dims(n, &g, false);
        double wr = ((double)(g.ow * g.kw * g.kh) * cf) / 1;
        double rd = (double)(g.sw * g.iw) * cf;
        double mx = wr > rd ? wr : rd;
        return p2i(((double)(g.iw * g.kh * g.dh) * cf + (double)g.oh * mx));
    }
    dims(n, &g, true);
    double ch_simd = (double)g.ch / (double)AI(n, S_SIMD);
    double c = 0;
    switch (hls_variant(n)) {
    case V1D_PAR: c = (double)(g.kw + g.ow); break;
    case V1D: c = 1 + (double)(g.ow * g.kw * g.ch) / (double)AI(n, S_SIMD); break;
    case V1D_DWS:
    case V1D_DWS_STRIDE:
        c = 1 + (double)(g.ow * g.kw * g.ch) / (double)AI(n, S_SIMD) + ch_simd * (double)(g.kw - 1) -
            (double)(g.kw - 1);
        break;
    case V1D_DWS_NAIVE:
        c = (double)(g.iw * g.ch) / (double)AI(n, S_SIMD) +
            (double)(g.ow * g.kw * g.ch) / (double)AI(n, S_SIMD);
        break;
    }
    return p2i(c);
}

static int ram_width_for(double depth) {
    if (depth <= 512) return 36;
    if (depth <= 1024) return 18;
    if (depth <= 2048) return 9;
    if (depth <= 4096) return 4;
    if (depth <= 8192) return 2;
    return 1;
}

static void hls_res(const bs_knode *n, const char *part, bs_kcost *c) {
    int64_t simd = AI(n, S_SIMD), A = ADT(n, S_IDT)->bits;
    bool is1d = AI(n, S_IS1D) != 0;
    int var = hls_variant(n);
    const char *rs = AS(n, S_RAMSTYLE);
    swg_dims g;
    dims(n, &g, is1d);
    int64_t ifm = AV(n, S_IFM)[0], k = AV(n, S_K)[0], s = AV(n, S_STRIDE)[0];
    double depth1d = 0;
    if (var == V1D) depth1d = (double)((g.kw - 1) * g.ch) / (double)simd;
    else if (var == V1D_DWS_NAIVE) depth1d = (double)(g.iw * g.ch) / (double)simd;
    else if (var == V1D_DWS || var == V1D_DWS_STRIDE) depth1d = (double)(g.kw * g.ch) / (double)simd;
    /* BRAM */
    if (var != V1D_PAR && (SEQ(rs, "block") || SEQ(rs, "auto"))) {
        double depth = is1d ? depth1d : (double)(ifm * g.ch) / (double)simd;
        int rw = ram_width_for(depth);
        int64_t wmul = pceil(simd * A, rw);
        if (!is1d) {
            int64_t dmul = p2i(ceil((double)(ifm * g.ch) / (double)simd / depth));
            c->bram18 = (double)((k + s) * wmul * dmul);
        } else {
            c->bram18 = (double)(wmul * p2i(ceil(depth / 18432)));
        }
    }
    /* LUT (ram_luts of 1D_parallel is overwritten with 0 unless distributed) */
    int64_t ram_luts = 0;
    if (SEQ(rs, "distributed")) {
        if (var == V1D_PAR) ram_luts = p2i(ceil((double)(simd * A * (g.kw + 1)) / 64));
        if (!is1d)
            ram_luts = (k + s) * (simd * A * p2i(ceil((double)(ifm * g.ch) / (double)simd / 64)));
        if (var == V1D) ram_luts = p2i(ceil((double)(A * (g.kw - 1) * g.ch) / 64));
        else if (var == V1D_DWS_NAIVE) ram_luts = p2i(ceil((double)(A * g.iw * g.ch) / 64));
        else if (var == V1D_DWS || var == V1D_DWS_STRIDE)
            ram_luts = p2i(ceil((double)(A * g.kw * g.ch) / 64));
    }
    c->lut = (double)(300 + ram_luts);
    /* URAM */
    if (var != V1D_PAR && SEQ(rs, "ultra")) {
        if (!is1d)
            c->uram = (double)((k + s) * (pceil(simd * A, 64) *
                                          p2i(ceil((double)(ifm * g.ch) / (double)simd / 4096))));
        else
            c->uram = (double)(pceil(simd * A, 72) * p2i(ceil(depth1d / 4096)));
    }
}

/* ---- RTL (FINN dev 2025) ---- */
static int64_t rtl_buffer_depth(const bs_knode *n) {
    swg_dims g;
    dims(n, &g, false);
    int64_t cf = g.ch / AI(n, S_SIMD);
    if (!rtl_parallel_style(n)) {
        int64_t kk = g.kh * g.kw;   /* int(mmv_out * k_h * k_w / mmv_in) with mmv = 1 */
        int64_t b = ((g.kh - 1) * g.dh * g.iw + (g.kw - 1) * g.dw + 1) * cf;
        int64_t x1 = ((g.sw - 1) - kk) * cf, x2 = ((g.sh - 1) * g.iw - kk) * cf;
        return b + (x1 > 0 ? x1 : 0) + (x2 > 0 ? x2 : 0);
    }
    return ((g.kh - 1) * g.dh * g.iw + (g.kw - 1) * g.dw) * cf + 1 + 1;
}

static int64_t rtl_cycles(const bs_knode *n) {
    swg_dims g;
    dims(n, &g, false);
    int64_t cf = g.ch / AI(n, S_SIMD);
    if (rtl_parallel_style(n)) return g.ih * g.iw * cf + 2;   /* prod(folded_in[:-1]) + 2 */
    bool dw = AI(n, S_DW) != 0;
    if (g.ih == 1 || g.iw == 1) {
        dims(n, &g, true);
        if (dw) return g.ow * g.kw * cf + cf * (g.kw - 1) * (g.sw - 1) - (g.kw - 1) + 2;
        return g.ow * g.kw * cf + 2;
    }
    int64_t bmin = ((g.kh - 1) * g.dh * g.iw + (g.kw - 1) * g.dw + 1) * cf;
    int64_t wr = g.ow * g.kw * g.kh * cf, rd = g.sw * g.iw * cf;
    int64_t mx = wr > rd ? wr : rd;
    if (dw) mx += g.ow * (g.sw - 1) * (cf - 1);
    int64_t c = bmin + g.oh * mx;
    if (dw) c += (g.sh - 1) * g.iw * cf;
    return c;
}

/* Buffer geometry for BRAM/URAM; false = no buffer (1D parallel). */
static bool rtl_buffers(const bs_knode *n, int64_t *depth, int64_t *count) {
    swg_dims g;
    dims(n, &g, false);
    if (!rtl_parallel_style(n)) { *depth = rtl_buffer_depth(n); *count = 1; return true; }
    if (g.ih == 1 || g.iw == 1) return false;
    int64_t kwid = (g.kw - 1) * g.dw + 1;
    *depth = (g.iw - kwid) + g.iw * (g.dh - 1);
    *count = g.kh - 1;
    return true;
}

static void rtl_res(const bs_knode *n, const char *part, bs_kcost *c) {
    const char *rs = AS(n, S_RAMSTYLE);
    int64_t bw = AI(n, S_SIMD) * ADT(n, S_IDT)->bits, depth, count;
    if ((SEQ(rs, "block") || SEQ(rs, "auto")) && rtl_buffers(n, &depth, &count)) {
        int rw = ram_width_for((double)depth);
        int64_t cd = pceil(depth, 16384), cw = pceil(bw, rw), sav = 0;
        if (depth > 16384) sav = cw - pceil(bw, ram_width_for((double)(depth % 16384)));
        c->bram18 = (double)((cd * cw - sav) * count);
    }
    c->lut = (double)(300 + (SEQ(rs, "distributed") ? bw * pceil(rtl_buffer_depth(n), 38) : 0));
    if (SEQ(rs, "ultra") && rtl_buffers(n, &depth, &count))
        c->uram = (double)(pceil(depth, 4096) * pceil(bw, 72) * count);
}

static int64_t zero_cycles(const bs_knode *n) { return 0; }

const bs_kops bs_k_swg_ops = {swg_check, swg_shape, swg_width, zero_cycles, NULL, NULL, NULL};
const bs_kops bs_k_swg_hls_ops = {swg_check, swg_shape, swg_width, hls_cycles, hls_res, NULL, NULL};
const bs_kops bs_k_swg_rtl_ops = {swg_check, swg_shape, swg_width, rtl_cycles, rtl_res, NULL, NULL};

_Static_assert(S_NBASE == BS_K_SWG_N, "attribute count of BS_K_SWG_N");
