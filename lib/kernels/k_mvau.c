/* k_mvau.c - MVAU (matrix-vector-activation unit) and VVAU (vector-vector,
 * depthwise) kernels: attributes, shapes, stream widths and FINN's FINN-R
 * cost models (finn-reference §7.1-7.2; FINN dev 54ede869
 * matrixvectoractivation.py / vectorvectoractivation.py and their hls/rtl
 * backends; the v0.6 LUT model of StreamingFCLayer_Batch for BS_FINN_V06).
 * Arithmetic follows the Python expressions step by step (true division,
 * math.log(x, 2) = log(x)/log(2), int() truncation) so results match FINN
 * bit for bit. */
#include <stdio.h>
#include "kernels_int.h"

static const int64_t ONE[] = {1};

/* ---------------- MVAU ---------------- */
enum { M_PE, M_SIMD, M_MW, M_MH, M_RESTYPE, M_ACTVAL, M_IDT, M_WDT, M_ODT, M_ADT, M_XNOR,
       M_NOACT, M_VECS, M_MEMMODE, M_RAMSTYLE, M_RAMSTYLE_THR, M_RTW, M_PUMPMEM, M_DYNIN,
       M_NBASE };

#define MEMMODES "|internal_embedded|internal_decoupled|external|"
#define RAMSTYLES "|auto|block|distributed|ultra|"

const bs_kattr_def bs_k_mvau_attrs[] = {
    [M_PE] = {"PE", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "output-channel parallelism; MH % PE == 0"},
    [M_SIMD] = {"SIMD", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "input-channel parallelism; MW % SIMD == 0"},
    [M_MW] = {"MW", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "matrix width (input features)"},
    [M_MH] = {"MH", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "matrix height (output features)"},
    [M_RESTYPE] = {"resType", BS_KA_STR, false, 0, "auto", NULL, 0, "|auto|lut|dsp|", "multiplier resources; auto counts as LUT"},
    [M_ACTVAL] = {"ActVal", BS_KA_INT, false, 0, NULL, NULL, 0, NULL, "activation bias"},
    [M_IDT] = {"inputDataType", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "input datatype"},
    [M_WDT] = {"weightDataType", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "weight datatype"},
    [M_ODT] = {"outputDataType", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "output datatype"},
    [M_ADT] = {"accDataType", BS_KA_DTYPE, false, 0, "INT32", NULL, 0, NULL, "accumulator datatype (MinimizeAccumulatorWidth)"},
    [M_XNOR] = {"binaryXnorMode", BS_KA_INT, false, 0, NULL, NULL, 0, "|0|1|", "treat binary inputs/weights as bipolar (xnor-popcount)"},
    [M_NOACT] = {"noActivation", BS_KA_INT, false, 0, NULL, NULL, 0, "|0|1|", "1 = output accumulators, no thresholds"},
    [M_VECS] = {"numInputVectors", BS_KA_INTS, false, 0, NULL, ONE, 1, NULL, "leading dims, e.g. [1, H, W]"},
    [M_MEMMODE] = {"mem_mode", BS_KA_STR, false, 0, "internal_decoupled", NULL, 0, MEMMODES, "weight storage"},
    [M_RAMSTYLE] = {"ram_style", BS_KA_STR, false, 0, "auto", NULL, 0, RAMSTYLES, "weight memory; auto counts as BRAM"},
    [M_RAMSTYLE_THR] = {"ram_style_thresholds", BS_KA_STR, false, 0, "auto", NULL, 0, "|auto|block|distributed|", "threshold memory"},
    [M_RTW] = {"runtime_writeable_weights", BS_KA_INT, false, 0, NULL, NULL, 0, "|0|1|", "AXI-lite writable weights (needed for ultra)"},
    [M_PUMPMEM] = {"pumpedMemory", BS_KA_INT, false, 0, NULL, NULL, 0, "|0|1|", "double-pumped weight memory"},
    [M_DYNIN] = {"dynamic_input", BS_KA_INT, false, 0, NULL, NULL, 0, "|0|1|", "weights arrive as a stream input"},
};
const int bs_k_mvau_nattrs = M_NBASE;
const bs_kattr_def bs_k_mvau_hls_x[] = {
    {"resType", BS_KA_STR, false, 0, "lut", NULL, 0, "|auto|lut|dsp|", "multiplier resources (hls default lut)"},
};
const int bs_k_mvau_hls_nx = 1;
const bs_kattr_def bs_k_mvau_rtl_x[] = {
    {"pumpedCompute", BS_KA_INT, false, 0, NULL, NULL, 0, "|0|1|", "double-pumped DSPs"},
};
const int bs_k_mvau_rtl_nx = 1;

static int mvau_check(const bs_knode *n) {
    int rc = bs_k_need_min(n, M_VECS, 1);
    if (rc == 0) rc = bs_k_need_div(n, "PE", AI(n, M_PE), "MH", AI(n, M_MH));
    if (rc == 0) rc = bs_k_need_div(n, "SIMD", AI(n, M_SIMD), "MW", AI(n, M_MW));
    return rc;
}

static int put(int64_t *d, size_t *nd, const int64_t *pre, int npre, int64_t a, int64_t b, int nlast) {
    size_t k = 0;
    for (int i = 0; i < npre; i++) d[k++] = pre[i];
    d[k++] = a;
    if (nlast == 2) d[k++] = b;
    *nd = k;
    return 0;
}

static int mvau_shape(const bs_knode *n, int kind, int out, int idx, int64_t *d, size_t *nd) {
    int64_t mw = AI(n, M_MW), mh = AI(n, M_MH), pe = AI(n, M_PE), simd = AI(n, M_SIMD);
    const int64_t *vecs = AV(n, M_VECS);
    int nv = AN(n, M_VECS);
    if (out) {
        if (idx != 0) return bs_k_fail(n, "has no output %d", idx);
        return kind == KS_NORMAL ? put(d, nd, vecs, nv, mh, 0, 1)
                                 : put(d, nd, vecs, nv, mh / pe, pe, 2);
    }
    if (idx == 0)
        return kind == KS_NORMAL ? put(d, nd, vecs, nv, mw, 0, 1)
                                 : put(d, nd, vecs, nv, mw / simd, simd, 2);
    if (idx == 1) {
        if (kind == KS_NORMAL) return put(d, nd, NULL, 0, mw, mh, 2);
        if (AI(n, M_DYNIN)) {
            int64_t pre[BS_KINTS_MAX + 1];
            int np = nv < 2 ? nv : 2;
            for (int i = 0; i < np; i++) pre[i] = vecs[i];
            pre[np++] = mw;
            return put(d, nd, pre, np, mh / pe, pe, 2);
        }
        if (SEQ(AS(n, M_MEMMODE), "external"))
            return put(d, nd, vecs, nv, (mw / simd) * (mh / pe), simd * pe, 2);
    }
    return bs_k_fail(n, "undefined %s shape for input %d", kind ? "folded" : "normal", idx);
}

static int mvau_width(const bs_knode *n, int out, int idx, int64_t *w) {
    if (out) { *w = (int64_t)ADT(n, M_ODT)->bits * AI(n, M_PE); return 0; }
    if (idx == 0) { *w = (int64_t)ADT(n, M_IDT)->bits * AI(n, M_SIMD); return 0; }
    if (idx == 1) {
        const char *mm = AS(n, M_MEMMODE);
        if (AI(n, M_DYNIN)) *w = AI(n, M_PE) * ADT(n, M_WDT)->bits;
        else if (SEQ(mm, "internal_decoupled") || SEQ(mm, "external"))
            *w = AI(n, M_PE) * AI(n, M_SIMD) * ADT(n, M_WDT)->bits;
        else *w = 0;
        return 0;
    }
    if (idx == 2 && !AI(n, M_NOACT)) { *w = 0; return 0; }
    return bs_k_fail(n, "input index %d out of range", idx);
}

static int64_t mvau_cycles(const bs_knode *n) {
    double c = ((double)AI(n, M_MH) / (double)AI(n, M_PE)) *
               ((double)AI(n, M_MW) / (double)AI(n, M_SIMD));
    c = c * (double)prod_i(AV(n, M_VECS), AN(n, M_VECS));
    return p2i(c);
}

int64_t bs_k_bram_ladder(int64_t w, double depth, int d9, int d18, int d36) {
    if (w == 1) return p2i(ceil(depth / 16384));
    if (w == 2) return p2i(ceil(depth / 8192));
    if (w <= 4) return p2i(ceil(depth / 4096)) * pceil(w, 4);
    if (w <= 9) return p2i(ceil(depth / 2048)) * pceil(w, d9);
    if (w <= 18 || depth > 512) return p2i(ceil(depth / 1024)) * pceil(w, d18);
    return p2i(ceil(depth / 512)) * pceil(w, d36);
}

/* Shared memory model of MVAU_hls and MVAU_rtl. */
static void mvau_mem(const bs_knode *n, bs_kcost *c) {
    int64_t P = AI(n, M_PE), Q = AI(n, M_SIMD), W = ADT(n, M_WDT)->bits;
    int64_t mw = AI(n, M_MW), mh = AI(n, M_MH);
    double omega = (double)(mw * mh) / (double)(Q * P);
    int64_t width = Q * W * P, wmem = mw * mh / (P * Q);
    const char *mm = AS(n, M_MEMMODE), *rs = AS(n, M_RAMSTYLE);
    bool dec = SEQ(mm, "internal_decoupled"), emb = SEQ(mm, "internal_embedded");
    bool ext = SEQ(mm, "external");
    int64_t bram = 0, uram = 0;
    /* v0.5b did not exempt external weights from the BRAM count */
    if (!((dec && (SEQ(rs, "distributed") || SEQ(rs, "ultra"))) || (emb && wmem <= 128) ||
          (ext && n->ver != BS_FINN_V05)))
        bram = bs_k_bram_ladder(width, omega, 9, 18, 36);
    if (!((dec && !SEQ(rs, "ultra")) || (emb && wmem <= 128) || ext))
        uram = pceil(width, 72) * p2i(ceil(omega / 4096));
    c->bram18 = (double)bram;
    c->uram = (double)uram;
    double wbits = (double)(W * mw * mh);
    if (bram) { c->bram_eff = wbits / (double)(bram * 36 * 512); c->pyfloat |= BS_KC_BRAM_EFF; }
    if (uram) { c->uram_eff = wbits / (double)(uram * 72 * 4096); c->pyfloat |= BS_KC_URAM_EFF; }
}

/* FINN-R LUT model shared by MVAU_hls and VVAU_hls; `dot` is MW (MVAU) or
 * kh*kw (VVAU).  thr_mode: 0 none, 1 MVAU (ceil(tmem/64)), 2 VVAU (tmem/64). */
static double finnr_lut(int64_t P, int64_t Q, int64_t W, int64_t A, bool idt_signed,
                        int64_t dot, int acc_dt_bits, bool dsp, int64_t c2, int thr_mode,
                        int64_t B, int64_t tmem, bool v06) {
    int64_t mult = dsp ? 0 : Q * (2 * pceil(W + A, 6) - 1) * (W + A);
    int64_t adder = (W + A) * (2 * Q - 1);
    double acc;
    if (v06) {
        acc = (double)(W + A) + ceil(log((double)dot) / log(2.0));
    } else {
        double alpha = log((double)dot) / log(2.0) + (double)W + (double)A - 1 - (idt_signed ? 1 : 0);
        double bound = ceil(alpha + log(1 + pow(2.0, -alpha)) / log(2.0) + 1);
        acc = (double)acc_dt_bits < bound ? (double)acc_dt_bits : bound;
    }
    double thr = 0, comp = 0;
    double steps = ldexp(1.0, (int)B) - 1;
    if (thr_mode == 1) {
        thr = steps * acc * (double)pceil(tmem, 64);
        comp = steps * acc;
    } else if (thr_mode == 2) {
        thr = steps * acc * (double)tmem / 64;
        comp = steps * acc;
    }
    double s = (double)mult + (double)adder;
    s = s + acc;
    s = s + thr;
    s = s + comp;
    double r = 300 + 1.1 * ((double)P * s);
    r = r + (double)c2;
    return trunc(r);   /* int() */
}

static void mvau_hls_res(const bs_knode *n, const char *part, bs_kcost *c) {
    mvau_mem(n, c);
    int64_t P = AI(n, M_PE), Q = AI(n, M_SIMD), W = ADT(n, M_WDT)->bits, A = ADT(n, M_IDT)->bits;
    int64_t wmem = AI(n, M_MW) * AI(n, M_MH) / (P * Q);
    const char *mm = AS(n, M_MEMMODE), *rs = AS(n, M_RAMSTYLE);
    int64_t c2 = 0;
    if ((SEQ(mm, "internal_decoupled") && SEQ(rs, "distributed")) ||
        (SEQ(mm, "internal_embedded") && wmem <= 128))
        c2 = P * Q * W * pceil(wmem, 64);
    bool v06 = n->ver == BS_FINN_V06 || n->ver == BS_FINN_V05;
    int thr = 0;
    if (AI(n, M_NOACT) == 0 && (v06 || SEQ(AS(n, M_RAMSTYLE_THR), "distributed"))) thr = 1;
    bool dsp = SEQ(AS(n, M_RESTYPE), "dsp");
    c->lut = finnr_lut(P, Q, W, A, ADT(n, M_IDT)->is_signed, AI(n, M_MW), ADT(n, M_ADT)->bits,
                       dsp, c2, thr, ADT(n, M_ODT)->bits, AI(n, M_NOACT) ? 0 : AI(n, M_MH) / P, v06);
    c->dsp = dsp ? (double)(P * Q * p2i(ceil((double)(W + A) / 48))) : 0;
}

static void mvau_rtl_res(const bs_knode *n, const char *part, bs_kcost *c) {
    mvau_mem(n, c);
    int64_t P = AI(n, M_PE), Q = AI(n, M_SIMD);
    c->lut = 0;
    if (SEQ(bs_kernel_dsp_block(part), "DSP58")) c->dsp = (double)(P * pceil(Q, 3));
    else c->dsp = (double)(pceil(P, 4) * Q);
}

/* op_mac_<min(A,W)>bx<max>b = ops, param_weight_<W>b, param_threshold_<acc>b = thr */
static int mac_counts(bs_kcount *o, int A, int W, int64_t macs, int64_t weights, int acc, int64_t thr) {
    snprintf(o[0].key, sizeof o[0].key, "op_mac_%dbx%db", A < W ? A : W, A < W ? W : A);
    o[0].value = macs;
    snprintf(o[1].key, sizeof o[1].key, "param_weight_%db", W);
    o[1].value = weights;
    if (thr < 0) return 2;
    snprintf(o[2].key, sizeof o[2].key, "param_threshold_%db", acc);
    o[2].value = thr;
    return 3;
}
static int mvau_counts(const bs_knode *n, bs_kcount *o) {
    int64_t mw = AI(n, M_MW), mh = AI(n, M_MH);
    return mac_counts(o, ADT(n, M_IDT)->bits, ADT(n, M_WDT)->bits,
                      mw * mh * prod_i(AV(n, M_VECS), AN(n, M_VECS)), mw * mh, ADT(n, M_ADT)->bits,
                      AI(n, M_NOACT) ? -1 : mh);
}

static void mvau_abs_res(const bs_knode *n, const char *part, bs_kcost *c) { mvau_mem(n, c); }
const bs_kops bs_k_mvau_ops = {mvau_check, mvau_shape, mvau_width, mvau_cycles, mvau_abs_res, NULL, mvau_counts};
const bs_kops bs_k_mvau_hls_ops = {mvau_check, mvau_shape, mvau_width, mvau_cycles, mvau_hls_res, NULL, mvau_counts};
const bs_kops bs_k_mvau_rtl_ops = {mvau_check, mvau_shape, mvau_width, mvau_cycles, mvau_rtl_res, NULL, mvau_counts};

/* ---------------- VVAU ---------------- */
enum { V_PE, V_SIMD, V_DIM, V_CH, V_KERNEL, V_RESTYPE, V_ACTVAL, V_IDT, V_WDT, V_ODT, V_ADT,
       V_NOACT, V_MEMMODE, V_RTW, V_RAMSTYLE, V_XNOR, V_NBASE };

const bs_kattr_def bs_k_vvau_attrs[] = {
    [V_PE] = {"PE", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "channel parallelism; Channels % PE == 0"},
    [V_SIMD] = {"SIMD", BS_KA_INT, false, 1, NULL, NULL, 0, NULL, "window parallelism; kh*kw % SIMD == 0"},
    [V_DIM] = {"Dim", BS_KA_INTS, true, 0, NULL, NULL, 0, NULL, "output [H, W]"},
    [V_CH] = {"Channels", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "channels"},
    [V_KERNEL] = {"Kernel", BS_KA_INTS, true, 0, NULL, NULL, 0, NULL, "[kh, kw]"},
    [V_RESTYPE] = {"resType", BS_KA_STR, false, 0, "auto", NULL, 0, "|auto|lut|dsp|", "multiplier resources; auto counts as LUT"},
    [V_ACTVAL] = {"ActVal", BS_KA_INT, false, 0, NULL, NULL, 0, NULL, "activation bias"},
    [V_IDT] = {"inputDataType", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "input datatype"},
    [V_WDT] = {"weightDataType", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "weight datatype"},
    [V_ODT] = {"outputDataType", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "output datatype"},
    [V_ADT] = {"accDataType", BS_KA_DTYPE, false, 0, "INT32", NULL, 0, NULL, "accumulator datatype"},
    [V_NOACT] = {"noActivation", BS_KA_INT, false, 0, NULL, NULL, 0, "|0|1|", "1 = no thresholds"},
    [V_MEMMODE] = {"mem_mode", BS_KA_STR, false, 0, "internal_decoupled", NULL, 0, MEMMODES, "weight storage"},
    [V_RTW] = {"runtime_writeable_weights", BS_KA_INT, false, 0, NULL, NULL, 0, "|0|1|", "AXI-lite writable weights"},
    [V_RAMSTYLE] = {"ram_style", BS_KA_STR, false, 0, "auto", NULL, 0, RAMSTYLES, "weight memory; auto with WMEM <= 128 counts as LUTRAM"},
    [V_XNOR] = {"binaryXnorMode", BS_KA_INT, false, 0, NULL, NULL, 0, "|0|1|", "xnor-popcount mode"},
};
const int bs_k_vvau_nattrs = V_NBASE;

static int vvau_check(const bs_knode *n) {
    if (AN(n, V_DIM) != 2 || AN(n, V_KERNEL) != 2)
        return bs_k_fail(n, "Dim and Kernel must have 2 values");
    int rc = bs_k_need_min(n, V_DIM, 1);
    if (rc == 0) rc = bs_k_need_min(n, V_KERNEL, 1);
    if (rc == 0) rc = bs_k_need_div(n, "PE", AI(n, V_PE), "Channels", AI(n, V_CH));
    if (rc == 0)
        rc = bs_k_need_div(n, "SIMD", AI(n, V_SIMD), "kh*kw", AV(n, V_KERNEL)[0] * AV(n, V_KERNEL)[1]);
    return rc;
}

static int vvau_shape(const bs_knode *n, int kind, int out, int idx, int64_t *d, size_t *nd) {
    int64_t h = AV(n, V_DIM)[0], w = AV(n, V_DIM)[1], ch = AI(n, V_CH);
    int64_t k2 = AV(n, V_KERNEL)[0] * AV(n, V_KERNEL)[1];
    int64_t pe = AI(n, V_PE), simd = AI(n, V_SIMD);
    int64_t pre[3] = {1, h, w};
    if (out) {
        if (idx != 0) return bs_k_fail(n, "has no output %d", idx);
        return kind == KS_NORMAL ? put(d, nd, pre, 3, ch, 0, 1) : put(d, nd, pre, 3, ch / pe, pe, 2);
    }
    if (idx == 0)
        return kind == KS_NORMAL ? put(d, nd, pre, 3, k2 * ch, 0, 1)
                                 : put(d, nd, pre, 3, (k2 / simd) * (ch / pe), simd * pe, 2);
    if (idx == 1 && kind == KS_FOLDED && SEQ(AS(n, V_MEMMODE), "external"))
        return put(d, nd, pre, 1, (k2 / simd) * (ch / pe), pe, 2);
    return bs_k_fail(n, "undefined %s shape for input %d", kind ? "folded" : "normal", idx);
}

static int vvau_width(const bs_knode *n, int out, int idx, int64_t *w) {
    if (out) { *w = (int64_t)ADT(n, V_ODT)->bits * AI(n, V_PE); return 0; }
    if (idx == 0) { *w = (int64_t)ADT(n, V_IDT)->bits * AI(n, V_SIMD) * AI(n, V_PE); return 0; }
    if (idx == 1) {
        const char *mm = AS(n, V_MEMMODE);
        *w = (SEQ(mm, "internal_decoupled") || SEQ(mm, "external"))
                 ? AI(n, V_SIMD) * AI(n, V_PE) * ADT(n, V_WDT)->bits : 0;
        return 0;
    }
    if (idx == 2 && !AI(n, V_NOACT)) { *w = 0; return 0; }
    return bs_k_fail(n, "input index %d out of range", idx);
}

static int64_t vvau_cycles(const bs_knode *n) {
    int64_t k2 = AV(n, V_KERNEL)[0] * AV(n, V_KERNEL)[1];
    double c = (double)(AI(n, V_CH) * k2) / (double)AI(n, V_PE) / (double)AI(n, V_SIMD);
    c = c * 1 * (double)(AV(n, V_DIM)[0] * AV(n, V_DIM)[1]);
    return p2i(c);
}

static int64_t vvau_wmem(const bs_knode *n) {
    int64_t k2 = AV(n, V_KERNEL)[0] * AV(n, V_KERNEL)[1];
    return (k2 * AI(n, V_CH) / AI(n, V_PE)) / AI(n, V_SIMD);
}

static void vvau_mem(const bs_knode *n, bs_kcost *c) {
    int64_t P = AI(n, V_PE), Q = AI(n, V_SIMD), W = ADT(n, V_WDT)->bits;
    int64_t wmem = vvau_wmem(n), width = Q * W * P;
    const char *mm = AS(n, V_MEMMODE), *rs = AS(n, V_RAMSTYLE);
    bool dec = SEQ(mm, "internal_decoupled"), emb = SEQ(mm, "internal_embedded");
    bool ext = SEQ(mm, "external");
    int64_t bram = 0, uram = 0;
    if (!((dec && (SEQ(rs, "distributed") || SEQ(rs, "ultra"))) || (SEQ(rs, "auto") && wmem <= 128) ||
          (emb && wmem <= 128) || ext))
        bram = bs_k_bram_ladder(width, (double)wmem, 8, 16, 32);
    if (!((dec && !SEQ(rs, "ultra")) || emb || ext))
        uram = pceil(width, 72) * pceil(wmem, 4096);
    c->bram18 = (double)bram;
    c->uram = (double)uram;
    if (bram) {
        c->bram_eff = (double)(W * P * wmem) / (double)(bram * 36 * 512);
        c->pyfloat |= BS_KC_BRAM_EFF;
    }
    if (uram) {
        int64_t k2 = AV(n, V_KERNEL)[0] * AV(n, V_KERNEL)[1];
        c->uram_eff = (double)(W * k2 * AI(n, V_CH)) / (double)(uram * 72 * 4096);
        c->pyfloat |= BS_KC_URAM_EFF;
    }
}

static void vvau_hls_res(const bs_knode *n, const char *part, bs_kcost *c) {
    vvau_mem(n, c);
    int64_t P = AI(n, V_PE), Q = AI(n, V_SIMD), W = ADT(n, V_WDT)->bits, A = ADT(n, V_IDT)->bits;
    int64_t wmem = vvau_wmem(n);
    const char *mm = AS(n, V_MEMMODE), *rs = AS(n, V_RAMSTYLE);
    int64_t c2 = 0;
    if ((SEQ(mm, "internal_decoupled") && SEQ(rs, "distributed")) ||
        (SEQ(mm, "internal_embedded") && wmem <= 128))
        c2 = P * Q * W * pceil(wmem, 64);
    bool dsp = SEQ(AS(n, V_RESTYPE), "dsp");
    int64_t k2 = AV(n, V_KERNEL)[0] * AV(n, V_KERNEL)[1];
    int64_t tmem = AI(n, V_NOACT) ? 0 : AI(n, V_CH) / P;
    c->lut = finnr_lut(P, Q, W, A, ADT(n, V_IDT)->is_signed, k2, ADT(n, V_ADT)->bits, dsp, c2,
                       AI(n, V_NOACT) == 0 ? 2 : 0, ADT(n, V_ODT)->bits, tmem, false);
    c->dsp = dsp ? (double)(P * p2i(ceil((double)(W + A) / 48))) : 0;
}

static void vvau_rtl_res(const bs_knode *n, const char *part, bs_kcost *c) {
    vvau_mem(n, c);
    c->lut = 0;
    c->dsp = (double)(AI(n, V_PE) * pceil(AI(n, V_SIMD), 3));
}

static int vvau_counts(const bs_knode *n, bs_kcount *o) {
    int64_t k2 = AV(n, V_KERNEL)[0] * AV(n, V_KERNEL)[1], fm = AI(n, V_CH);
    return mac_counts(o, ADT(n, V_IDT)->bits, ADT(n, V_WDT)->bits,
                      k2 * fm * AV(n, V_DIM)[0] * AV(n, V_DIM)[1], k2 * fm, ADT(n, V_ADT)->bits,
                      AI(n, V_NOACT) ? -1 : fm);
}
static void vvau_abs_res(const bs_knode *n, const char *part, bs_kcost *c) { vvau_mem(n, c); }
const bs_kops bs_k_vvau_ops = {vvau_check, vvau_shape, vvau_width, vvau_cycles, vvau_abs_res, NULL, vvau_counts};
const bs_kops bs_k_vvau_hls_ops = {vvau_check, vvau_shape, vvau_width, vvau_cycles, vvau_hls_res, NULL, vvau_counts};
const bs_kops bs_k_vvau_rtl_ops = {vvau_check, vvau_shape, vvau_width, vvau_cycles, vvau_rtl_res, NULL, vvau_counts};

_Static_assert(M_NBASE == BS_K_MVAU_N, "attribute count of BS_K_MVAU_N");
_Static_assert(V_NBASE == BS_K_VVAU_N, "attribute count of BS_K_VVAU_N");
