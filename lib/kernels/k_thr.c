/* k_thr.c - Thresholding (hls/rtl) and ChannelwiseOp kernels: attributes,
 * shapes, widths and FINN's cost models (finn-reference §7.3, §7.8; FINN dev
 * 54ede869 thresholding.py, hls/thresholding_hls.py, rtl/thresholding_rtl.py,
 * channelwise_op.py).  Thresholding_rtl's estimate is FINN's memory-primitive
 * search, reproduced with Python's int/float distinction (a depth that is a
 * float >= the primitive depth makes the count a float, so FINN prints e.g.
 * "LUT": 1216.0) and its key bug (BRAM is looked up as "BRAM" but stored as
 * "BRAM18", so it is always 0). */
#include <stdio.h>
#include "kernels_int.h"

static const int64_t ONE[] = {1};

enum { T_RTW, T_PE, T_CH, T_STEPS, T_IDT, T_WDT, T_ODT, T_VECS, T_ACTVAL, T_NBASE };
enum { TH_MEMMODE = T_NBASE, TH_RAMSTYLE };
enum { TR_TRIG_URAM = T_NBASE, TR_TRIG_BRAM, TR_UNIFORM, TR_DEEP };

const bs_kattr_def bs_k_thr_attrs[] = {
    [T_RTW] = {"runtime_writeable_weights", BS_KA_INT, false, 0, NULL, NULL, 0, "|0|1|", "AXI-lite writable thresholds"},
    [T_PE] = {"PE", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "channel parallelism; NumChannels % PE == 0"},
    [T_CH] = {"NumChannels", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "channels"},
    [T_STEPS] = {"numSteps", BS_KA_INT, true, 1, NULL, NULL, 0, NULL, "thresholds per channel"},
    [T_IDT] = {"inputDataType", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "input datatype"},
    [T_WDT] = {"weightDataType", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "threshold datatype"},
    [T_ODT] = {"outputDataType", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "output datatype"},
    [T_VECS] = {"numInputVectors", BS_KA_INTS, false, 0, NULL, ONE, 1, NULL, "leading dims"},
    [T_ACTVAL] = {"ActVal", BS_KA_INT, false, 0, NULL, NULL, 0, NULL, "activation bias"},
};
const int bs_k_thr_nattrs = T_NBASE;
const bs_kattr_def bs_k_thr_hls_x[] = {
    {"mem_mode", BS_KA_STR, false, 0, "internal_decoupled", NULL, 0, "|internal_embedded|internal_decoupled|", "threshold storage"},
    {"ram_style", BS_KA_STR, false, 0, "distributed", NULL, 0, "|distributed|block|", "threshold memory"},
};
const int bs_k_thr_hls_nx = 2;
const bs_kattr_def bs_k_thr_rtl_x[] = {
    {"depth_trigger_uram", BS_KA_INT, false, 0, NULL, NULL, 0, NULL, "depth from which URAM is used (0 = off)"},
    {"depth_trigger_bram", BS_KA_INT, false, 0, NULL, NULL, 0, NULL, "depth from which BRAM is used (0 = off)"},
    {"uniform_thres", BS_KA_INT, false, 0, NULL, NULL, 0, "|0|1|", "uniform thresholds (estimate only)"},
    {"deep_pipeline", BS_KA_INT, false, 1, NULL, NULL, 0, "|0|1|", "deep pipelining"},
};
const int bs_k_thr_rtl_nx = 4;

static int thr_check(const bs_knode *n) {
    int rc = bs_k_need_min(n, T_VECS, 1);
    if (rc == 0 && AI(n, T_STEPS) < 1) rc = bs_k_fail(n, "numSteps must be >= 1");
    return rc ? rc : bs_k_need_div(n, "PE", AI(n, T_PE), "NumChannels", AI(n, T_CH));
}

/* vecs + [C] or vecs + [C/PE, PE]; shared with ChannelwiseOp via indices. */
static int vec_shape(const bs_knode *n, int kind, int ivecs, int64_t ch, int64_t pe, int64_t *d,
                     size_t *nd) {
    size_t k = 0;
    for (int i = 0; i < AN(n, ivecs); i++) d[k++] = AV(n, ivecs)[i];
    if (kind == KS_NORMAL) d[k++] = ch;
    else { d[k++] = ch / pe; d[k++] = pe; }
    *nd = k;
    return 0;
}

static int thr_shape(const bs_knode *n, int kind, int out, int idx, int64_t *d, size_t *nd) {
    if (idx != 0) return bs_k_fail(n, "no shape for %s %d", out ? "output" : "input", idx);
    return vec_shape(n, kind, T_VECS, AI(n, T_CH), AI(n, T_PE), d, nd);
}

static int thr_width(const bs_knode *n, int out, int idx, int64_t *w) {
    if (out) { *w = (int64_t)ADT(n, T_ODT)->bits * AI(n, T_PE); return 0; }
    if (idx == 0) { *w = (int64_t)ADT(n, T_IDT)->bits * AI(n, T_PE); return 0; }
    if (idx == 1) {
        bool hls = SEQ(n->k->backend, "hls") || n->k->legacy_of;
        *w = (hls && SEQ(AS(n, TH_MEMMODE), "internal_decoupled"))
                 ? AI(n, T_PE) * ADT(n, T_WDT)->bits * AI(n, T_STEPS) : 0;
        return 0;
    }
    return bs_k_fail(n, "input index %d out of range", idx);
}

static int64_t thr_cycles(const bs_knode *n) {
    return prod_i(AV(n, T_VECS), AN(n, T_VECS)) * (AI(n, T_CH) / AI(n, T_PE));
}

/* hls: ceil(A*P/16)*ceil(tmem/1024) BRAM if block, LUT comparators + LUTRAM */
static void hls_thr_like(int64_t A, int64_t P, int64_t tmem, const char *style, bs_kcost *c) {
    c->bram18 = (SEQ(style, "block") && tmem > 1) ? (double)(pceil(A * P, 16) * pceil(tmem, 1024)) : 0;
    c->lut = (double)(A * P + ((SEQ(style, "distributed") && tmem > 1) ? P * A * pceil(tmem, 64) : 0));
}

static void thr_hls_res(const bs_knode *n, const char *part, bs_kcost *c) {
    hls_thr_like(ADT(n, T_IDT)->bits, AI(n, T_PE), AI(n, T_CH) / AI(n, T_PE), AS(n, TH_RAMSTYLE), c);
}

/* FINN util.basic mem_primitives_versal, in dict order (ties keep it). */
static const struct { const char *name; int kind; int w, d; } prims[] = {
    {"URAM_72x4096", 2, 72, 4096},  {"URAM_36x8192", 2, 36, 8192},
    {"URAM_18x16384", 2, 18, 16384}, {"URAM_9x32768", 2, 9, 32768},
    {"BRAM18_36x512", 1, 36, 512},  {"BRAM18_18x1024", 1, 18, 1024},
    {"BRAM18_9x2048", 1, 9, 2048},  {"LUTRAM", 0, 1, 64},
};

static void thr_rtl_res(const bs_knode *n, const char *part, bs_kcost *c) {
    int64_t pe = AI(n, T_PE), wbits = ADT(n, T_WDT)->bits, obits = ADT(n, T_ODT)->bits;
    double cf = (double)AI(n, T_CH) / (double)pe;
    int64_t trig_b = AI(n, TR_TRIG_BRAM), trig_u = AI(n, TR_TRIG_URAM);
    bool uniform = AI(n, TR_UNIFORM) != 0;
    double res[3] = {0, 0, 0};          /* LUTRAM, BRAM18, URAM */
    bool has[3] = {false, false, false}, isf[3] = {false, false, false};
    for (int64_t x = uniform ? 1 : 0; x < obits; x++) {
        int64_t w = uniform ? obits - x : wbits;
        double d = cf * ldexp(1.0, (int)x);
        int allow = 7;                   /* bit per kind */
        if (trig_b != 0 || trig_u != 0) {
            if (d >= (double)trig_b && d < (double)trig_u) allow = 2;
            else if (d >= (double)trig_u) allow = 4;
        }
        int best = -1;
        double best_waste = 0, best_count = 0;
        bool best_float = false;
        for (int p = 0; p < NELEM(prims); p++) {
            if (!(allow & (1 << prims[p].kind))) continue;
            int64_t pw = prims[p].w, pd = prims[p].d;
            int64_t mw = w < pw ? pw : (w % pw == 0 ? w : w + (pw - w % pw));
            double md;
            bool f;
            if (d < (double)pd) { md = (double)pd; f = false; }
            else {
                double r = fmod(d, (double)pd);
                md = r == 0 ? d : d + ((double)pd - r);
                f = true;
            }
            double count = floor(md / (double)pd) * (double)(mw / pw);
            double waste = count * (double)pw * (double)pd - (double)w * d;
            if (best < 0 || waste < best_waste) {
                best = p; best_waste = waste; best_count = count; best_float = f;
            }
        }
        int kd = prims[best].kind;
        res[kd] += (double)pe * best_count;
        has[kd] = true;
        isf[kd] = isf[kd] || best_float;
    }
    c->lut = has[0] ? res[0] : 0;
    if (has[0] && isf[0]) c->pyfloat |= BS_KC_LUT;
    c->uram = has[2] ? res[2] : 0;
    if (has[2] && isf[2]) c->pyfloat |= BS_KC_URAM;
    c->bram18 = 0;   /* FINN bug: res_dict.get("BRAM", 0) but the key is "BRAM18" */
    /* uram_efficiency_estimation is the base's 1 */
}

const bs_kops bs_k_thr_ops = {thr_check, thr_shape, thr_width, thr_cycles, NULL, NULL, NULL};
/* Thresholding_hls only (the rtl backend inherits the base's {}) */
static int thr_counts(const bs_knode *n, bs_kcount *o) {
    snprintf(o[0].key, sizeof o[0].key, "param_threshold_%db", ADT(n, T_WDT)->bits);
    o[0].value = AI(n, T_CH) * AI(n, T_STEPS);
    return 1;
}
const bs_kops bs_k_thr_hls_ops = {thr_check, thr_shape, thr_width, thr_cycles, thr_hls_res, NULL, thr_counts};
const bs_kops bs_k_thr_rtl_ops = {thr_check, thr_shape, thr_width, thr_cycles, thr_rtl_res, NULL, NULL};

/* ---------------- ChannelwiseOp ---------------- */
enum { C_FUNC, C_PE, C_CH, C_RAMSTYLE, C_IDT, C_PDT, C_ODT, C_VECS, C_NBASE };
const bs_kattr_def bs_k_cwo_attrs[] = {
    [C_FUNC] = {"Func", BS_KA_STR, false, 0, "cmp_le", NULL, 0, "|cmp_le|cmp_ge|add|mul|", "per-channel function"},
    [C_PE] = {"PE", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "channel parallelism"},
    [C_CH] = {"NumChannels", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "channels"},
    [C_RAMSTYLE] = {"ram_style", BS_KA_STR, false, 0, "distributed", NULL, 0, "|distributed|block|", "parameter memory"},
    [C_IDT] = {"inputDataType", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "input datatype"},
    [C_PDT] = {"paramDataType", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "parameter datatype"},
    [C_ODT] = {"outputDataType", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "output datatype"},
    [C_VECS] = {"numInputVectors", BS_KA_INTS, false, 0, NULL, ONE, 1, NULL, "leading dims"},
};
const int bs_k_cwo_nattrs = C_NBASE;

static int cwo_check(const bs_knode *n) {
    int rc = bs_k_need_min(n, C_VECS, 1);
    if (rc) return rc;
    return bs_k_need_div(n, "PE", AI(n, C_PE), "NumChannels", AI(n, C_CH));
}
static int cwo_shape(const bs_knode *n, int kind, int out, int idx, int64_t *d, size_t *nd) {
    if (idx != 0) return bs_k_fail(n, "no shape for %s %d", out ? "output" : "input", idx);
    return vec_shape(n, kind, C_VECS, AI(n, C_CH), AI(n, C_PE), d, nd);
}
static int cwo_width(const bs_knode *n, int out, int idx, int64_t *w) {
    if (out) { *w = (int64_t)ADT(n, C_ODT)->bits * AI(n, C_PE); return 0; }
    if (idx == 0) { *w = (int64_t)ADT(n, C_IDT)->bits * AI(n, C_PE); return 0; }
    if (idx == 1) { *w = 0; return 0; }
    return bs_k_fail(n, "input index %d out of range", idx);
}
static int64_t cwo_cycles(const bs_knode *n) {
    return prod_i(AV(n, C_VECS), AN(n, C_VECS)) * (AI(n, C_CH) / AI(n, C_PE));
}
static void cwo_hls_res(const bs_knode *n, const char *part, bs_kcost *c) {
    hls_thr_like(ADT(n, C_IDT)->bits, AI(n, C_PE), AI(n, C_CH) / AI(n, C_PE), AS(n, C_RAMSTYLE), c);
}
const bs_kops bs_k_cwo_ops = {cwo_check, cwo_shape, cwo_width, cwo_cycles, NULL, NULL, NULL};
const bs_kops bs_k_cwo_hls_ops = {cwo_check, cwo_shape, cwo_width, cwo_cycles, cwo_hls_res, NULL, NULL};

_Static_assert(T_NBASE == BS_K_THR_N, "attribute count of BS_K_THR_N");
_Static_assert(C_NBASE == BS_K_CWO_N, "attribute count of BS_K_CWO_N");
