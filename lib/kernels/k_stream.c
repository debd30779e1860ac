/* k_stream.c - the streaming utility kernels: StreamingMaxPool, Pool,
 * StreamingFIFO, StreamingDataWidthConverter, LabelSelect, AddStreams,
 * GlobalAccPool, DuplicateStreams, FMPadding and StreamingEltwise
 * (finn-reference §7.5-7.8).  Most estimate no resources; FIFO and DWC have
 * FINN's LUT/BRAM/URAM models, with the StreamingFIFO branch bug of FINN dev
 * 2025 reproduced for BS_FINN_DEV2025 and the intended model otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include "kernels_int.h"

static const int64_t ONE[] = {1};
static const int64_t PAD1[] = {1, 1, 1, 1};
static const int64_t FIFO_D[] = {0};
static const int64_t TWO2[] = {2, 2};

/* vecs + [ch] (normal) or vecs + [ch/pe, pe] (folded) */
static void vshape(const int64_t *vecs, int nv, int kind, int64_t ch, int64_t pe, int64_t *d,
                   size_t *nd) {
    size_t k = 0;
    for (int i = 0; i < nv; i++) d[k++] = vecs[i];
    if (kind == KS_NORMAL) d[k++] = ch;
    else { d[k++] = ch / pe; d[k++] = pe; }
    *nd = k;
}
static int64_t fold_beats(const int64_t *vecs, int nv, int64_t ch, int64_t pe) {
    return prod_i(vecs, nv) * (ch / pe);
}
static int64_t zero_cycles(const bs_knode *n) { return 0; }

/* ---------------- StreamingMaxPool (FINN main / legacy) ---------------- */
enum { MP_IMG, MP_POOL, MP_CH, MP_PE, MP_CEIL, MP_DT, MP_N };
const bs_kattr_def bs_k_smp_attrs[] = {
    [MP_IMG] = {"ImgDim", BS_KA_INTS, true, 0, NULL, NULL, 0, NULL, "[H, W]"},
    [MP_POOL] = {"PoolDim", BS_KA_INTS, true, 0, NULL, NULL, 0, NULL, "[kh, kw] (stride = kernel)"},
    [MP_CH] = {"NumChannels", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "channels"},
    [MP_PE] = {"PE", BS_KA_INT, false, 0, NULL, NULL, 0, NULL, "channel parallelism (1D only)"},
    [MP_CEIL] = {"CeilMode", BS_KA_INT, false, 0, NULL, NULL, 0, NULL, "ceil output size"},
    [MP_DT] = {"dataType", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "datatype"},
};
const int bs_k_smp_nattrs = MP_N;

static void smp_norm(const bs_knode *n, int64_t img[2], int64_t k[2]) {
    img[0] = AV(n, MP_IMG)[0]; img[1] = AV(n, MP_IMG)[1];
    k[0] = AV(n, MP_POOL)[0]; k[1] = AV(n, MP_POOL)[1];
    if (img[1] == 1) {
        int64_t t = img[0]; img[0] = img[1]; img[1] = t;
        t = k[0]; k[0] = k[1]; k[1] = t;
    }
}
static bool smp_1d(const bs_knode *n) {
    int64_t img[2], k[2];
    smp_norm(n, img, k);
    return img[0] == 1 && k[0] == 1;
}
static int64_t pool_out(int64_t ifm, int64_t k, int64_t s, bool ceil_mode) {
    double v = (double)(ifm - k) / (double)s + 1;
    return p2i((ceil_mode ? ceil(v) : floor(v)));
}
static int smp_check(const bs_knode *n) {
    if (AN(n, MP_IMG) != 2 || AN(n, MP_POOL) != 2) return bs_k_fail(n, "ImgDim and PoolDim need 2 values");
    int rc = bs_k_need_min(n, MP_IMG, 1);
    if (rc == 0) rc = bs_k_need_min(n, MP_POOL, 1);
    if (rc) return rc;
    if (smp_1d(n)) return bs_k_need_div(n, "PE", AI(n, MP_PE), "NumChannels", AI(n, MP_CH));
    for (int i = 0; i < 2; i++)
        if (AV(n, MP_POOL)[i] <= 0 || AV(n, MP_IMG)[i] % AV(n, MP_POOL)[i] != 0)
            return bs_k_fail(n, "ImgDim[%d]=%lld is not a multiple of PoolDim[%d]=%lld "
                             "(rule of the 2D StreamingMaxPool)", i, (long long)AV(n, MP_IMG)[i],
                             i, (long long)AV(n, MP_POOL)[i]);
    return 0;
}
static int smp_shape(const bs_knode *n, int kind, int out, int idx, int64_t *d, size_t *nd) {
    if (idx != 0) return bs_k_fail(n, "no stream %d", idx);
    bool d1 = smp_1d(n);
    int64_t ch = AI(n, MP_CH), pe = AI(n, MP_PE);
    d[0] = 1;
    if (!out) { d[1] = AV(n, MP_IMG)[0]; d[2] = AV(n, MP_IMG)[1]; }
    else {
        bool cm = AI(n, MP_CEIL) != 0;
        d[1] = pool_out(AV(n, MP_IMG)[0], AV(n, MP_POOL)[0], AV(n, MP_POOL)[0], cm);
        d[2] = pool_out(AV(n, MP_IMG)[1], AV(n, MP_POOL)[1], AV(n, MP_POOL)[1], cm);
    }
    if (kind == KS_NORMAL) { d[3] = ch; *nd = 4; }
    else if (d1) { d[3] = ch / pe; d[4] = pe; *nd = 5; }
    else { d[3] = 1; d[4] = ch; *nd = 5; }
    return 0;
}
static int smp_width(const bs_knode *n, int out, int idx, int64_t *w) {
    if (idx != 0) return bs_k_fail(n, "no stream %d", idx);
    *w = (int64_t)ADT(n, MP_DT)->bits * (smp_1d(n) ? AI(n, MP_PE) : AI(n, MP_CH));
    return 0;
}
static int64_t smp_cycles(const bs_knode *n) {
    int64_t img[2], k[2];
    smp_norm(n, img, k);
    if (smp_1d(n)) {
        int64_t ofm = pool_out(img[1], k[1], k[1], AI(n, MP_CEIL) != 0);
        return ofm * (AI(n, MP_CH) / AI(n, MP_PE)) * (k[1] + 1);
    }
    return p2i(((double)(img[1] * img[1]) * (1 + 1 / (double)(k[1] * k[1]))));
}
const bs_kops bs_k_smp_ops = {smp_check, smp_shape, smp_width, smp_cycles, NULL, NULL, NULL};

/* ---------------- Pool ---------------- */
enum { PL_CH, PL_PE, PL_K, PL_FN, PL_ODIM, PL_IDT, PL_ODT, PL_ACC, PL_SIZE, PL_B, PL_N };
const bs_kattr_def bs_k_pool_attrs[] = {
    [PL_CH] = {"Channels", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "channels"},
    [PL_PE] = {"PE", BS_KA_INT, true, 1, NULL, NULL, 0, NULL, "channel parallelism; Channels % PE == 0"},
    [PL_K] = {"KernelSize", BS_KA_INTS, true, 0, NULL, NULL, 0, NULL, "pool window"},
    [PL_FN] = {"Function", BS_KA_STR, true, 0, "", NULL, 0, "|MaxPool|QuantAvgPool|", "pool function"},
    [PL_ODIM] = {"OutImgDims", BS_KA_INTS, true, 0, NULL, NULL, 0, NULL, "output spatial dims"},
    [PL_IDT] = {"InputDataType", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "input datatype"},
    [PL_ODT] = {"OutputDataType", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "output datatype"},
    [PL_ACC] = {"AccumBits", BS_KA_INT, false, 0, NULL, NULL, 0, NULL, "accumulator bits"},
    [PL_SIZE] = {"Size", BS_KA_INT, false, 1, NULL, NULL, 0, NULL, "QuantAvgPool shift"},
    [PL_B] = {"BatchSize", BS_KA_INT, false, 1, NULL, NULL, 0, NULL, "batch size"},
};
const int bs_k_pool_nattrs = PL_N;
static int pool_check(const bs_knode *n) {
    int rc = bs_k_need_min(n, PL_K, 1);
    if (rc == 0) rc = bs_k_need_min(n, PL_ODIM, 1);
    if (rc == 0 && AI(n, PL_B) < 1) rc = bs_k_fail(n, "BatchSize must be >= 1");
    if (rc) return rc;
    return bs_k_need_div(n, "PE", AI(n, PL_PE), "Channels", AI(n, PL_CH));
}
static int pool_shape(const bs_knode *n, int kind, int out, int idx, int64_t *d, size_t *nd) {
    if (idx != 0) return bs_k_fail(n, "no stream %d", idx);
    int64_t pre[BS_KINTS_MAX + 1];
    pre[0] = AI(n, PL_B);
    for (int i = 0; i < AN(n, PL_ODIM); i++) pre[i + 1] = AV(n, PL_ODIM)[i];
    int64_t c = AI(n, PL_CH) * (out ? 1 : prod_i(AV(n, PL_K), AN(n, PL_K)));
    int64_t pe = AI(n, PL_PE);
    vshape(pre, AN(n, PL_ODIM) + 1, kind, c, pe, d, nd);
    return 0;
}
static int pool_width(const bs_knode *n, int out, int idx, int64_t *w) {
    if (idx != 0) return bs_k_fail(n, "no stream %d", idx);
    *w = (int64_t)ADT(n, out ? PL_ODT : PL_IDT)->bits * AI(n, PL_PE);
    return 0;
}
static int64_t pool_cycles(const bs_knode *n) {
    double c = (double)(AI(n, PL_CH) * prod_i(AV(n, PL_K), AN(n, PL_K))) / (double)AI(n, PL_PE);
    c = c * (double)prod_i(AV(n, PL_ODIM), AN(n, PL_ODIM)) * (double)AI(n, PL_B);
    return p2i(c);
}
static int pool_odt(const bs_knode *n, int idx, bs_kdt *o) { *o = *ADT(n, PL_ODT); return 0; }
const bs_kops bs_k_pool_ops = {pool_check, pool_shape, pool_width, pool_cycles, NULL, pool_odt, NULL};

/* ---------------- StreamingFIFO ---------------- */
enum { F_DEPTH, F_FOLDED, F_NORMAL, F_DT, F_RAMSTYLE, F_MON, F_INFD, F_OUTFD, F_N };
enum { FR_IMPL = F_N };
const bs_kattr_def bs_k_fifo_attrs[] = {
    [F_DEPTH] = {"depth", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "FIFO depth"},
    [F_FOLDED] = {"folded_shape", BS_KA_INTS, true, 0, NULL, NULL, 0, NULL, "folded shape"},
    [F_NORMAL] = {"normal_shape", BS_KA_INTS, true, 0, NULL, NULL, 0, NULL, "normal shape"},
    [F_DT] = {"dataType", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "datatype"},
    [F_RAMSTYLE] = {"ram_style", BS_KA_STR, false, 0, "auto", NULL, 0, "|auto|block|distributed|ultra|", "memory (vivado impl)"},
    [F_MON] = {"depth_monitor", BS_KA_INT, false, 0, NULL, NULL, 0, NULL, "expose maxcount"},
    [F_INFD] = {"inFIFODepths", BS_KA_INTS, false, 0, NULL, FIFO_D, 1, NULL, "(unused)"},
    [F_OUTFD] = {"outFIFODepths", BS_KA_INTS, false, 0, NULL, FIFO_D, 1, NULL, "(unused)"},
};
const int bs_k_fifo_nattrs = F_N;
const bs_kattr_def bs_k_fifo_rtl_x[] = {
    {"impl_style", BS_KA_STR, false, 0, "rtl", NULL, 0, "|rtl|vivado|", "rtl = Q_srl, vivado = AXIS FIFO IP"},
};
const int bs_k_fifo_rtl_nx = 1;

static int fifo_check(const bs_knode *n) {
    if (AI(n, F_DEPTH) < 1) return bs_k_fail(n, "depth=%lld is too low (>= 1)", (long long)AI(n, F_DEPTH));
    if (AN(n, F_FOLDED) < 1) return bs_k_fail(n, "folded_shape is empty");
    if (ADT(n, F_DT)->bits < 1) return bs_k_fail(n, "dataType is empty");
    return 0;
}
static int fifo_shape(const bs_knode *n, int kind, int out, int idx, int64_t *d, size_t *nd) {
    if (idx != 0) return bs_k_fail(n, "no stream %d", idx);
    int i = kind == KS_NORMAL ? F_NORMAL : F_FOLDED;
    for (int j = 0; j < AN(n, i); j++) d[j] = AV(n, i)[j];
    *nd = (size_t)AN(n, i);
    return 0;
}
static int fifo_width(const bs_knode *n, int out, int idx, int64_t *w) {
    if (idx != 0) return bs_k_fail(n, "no stream %d", idx);
    *w = AV(n, F_FOLDED)[AN(n, F_FOLDED) - 1] * ADT(n, F_DT)->bits;
    return 0;
}
static void fifo_res(const bs_knode *n, const char *part, bs_kcost *c) {
    const char *impl = AS(n, FR_IMPL);     /* every FIFO entry carries impl_style */
    const char *rs = AS(n, F_RAMSTYLE);
    int64_t depth = AI(n, F_DEPTH), W;
    fifo_width(n, 0, 0, &W);
    bool old = n->ver == BS_FINN_V06 || n->ver == BS_FINN_V05;
    if (SEQ(impl, "vivado") && !old) {          /* round up to a power of 2 (>= v0.8) */
        int64_t p = 1;
        while (p < depth) p <<= 1;
        depth = p;
    }
    bool rtl = SEQ(impl, "rtl"), viv = SEQ(impl, "vivado");
    if (n->ver == BS_FINN_DEV2025) rtl = viv = false;   /* dev compares a bool to "rtl" */
    int64_t bram = 0, uram = 0;
    if (!(rtl || (viv && !SEQ(rs, "block")))) bram = bs_k_bram_ladder(W, (double)depth, 9, 18, 36);
    if (!(rtl || (viv && !SEQ(rs, "ultra")))) uram = pceil(depth, 4096) * pceil(W, 72);
    int64_t lut = 2 * p2i(ceil(log((double)depth) / log(2.0)));
    if (rtl || (viv && SEQ(rs, "distributed"))) lut += pceil(depth, 32) * pceil(W, 2);
    c->bram18 = (double)bram;
    c->uram = (double)uram;
    c->lut = (double)lut;
    if (bram) { c->bram_eff = (double)(W * depth) / (double)(bram * 36 * 512); c->pyfloat |= BS_KC_BRAM_EFF; }
}
static int fifo_odt(const bs_knode *n, int idx, bs_kdt *o) { *o = *ADT(n, F_DT); return 0; }
const bs_kops bs_k_fifo_ops = {fifo_check, fifo_shape, fifo_width, zero_cycles, NULL, fifo_odt, NULL};
const bs_kops bs_k_fifo_rtl_ops = {fifo_check, fifo_shape, fifo_width, zero_cycles, fifo_res, fifo_odt, NULL};

/* ---------------- StreamingDataWidthConverter ---------------- */
enum { W_SHAPE, W_IN, W_OUT, W_DT, W_N };
const bs_kattr_def bs_k_dwc_attrs[] = {
    [W_SHAPE] = {"shape", BS_KA_INTS, true, 0, NULL, NULL, 0, NULL, "normal shape"},
    [W_IN] = {"inWidth", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "input stream width (bits)"},
    [W_OUT] = {"outWidth", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "output stream width (bits)"},
    [W_DT] = {"dataType", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "datatype"},
};
const int bs_k_dwc_nattrs = W_N;
static int dwc_check(const bs_knode *n) {
    int64_t in = AI(n, W_IN), out = AI(n, W_OUT), b = ADT(n, W_DT)->bits;
    if (in <= 0 || out <= 0) return bs_k_fail(n, "inWidth and outWidth must be >= 1");
    if (AN(n, W_SHAPE) < 1) return bs_k_fail(n, "shape is empty");
    int64_t ch = AV(n, W_SHAPE)[AN(n, W_SHAPE) - 1];
    int rc = bs_k_need_div(n, "element bits", b, "inWidth", in);
    if (rc == 0) rc = bs_k_need_div(n, "element bits", b, "outWidth", out);
    if (rc == 0) rc = bs_k_need_div(n, "inWidth/bits", in / b, "channels", ch);
    if (rc == 0) rc = bs_k_need_div(n, "outWidth/bits", out / b, "channels", ch);
    if (rc == 0 && SEQ(n->k->backend, "rtl") && in % out != 0 && out % in != 0)
        return bs_k_fail(n, "rtl DWC needs an integer width ratio, got %lld -> %lld",
                         (long long)in, (long long)out);
    return rc;
}
static int dwc_shape(const bs_knode *n, int kind, int out, int idx, int64_t *d, size_t *nd) {
    if (idx != 0) return bs_k_fail(n, "no stream %d", idx);
    int ns = AN(n, W_SHAPE);
    for (int i = 0; i < ns; i++) d[i] = AV(n, W_SHAPE)[i];
    *nd = (size_t)ns;
    if (kind == KS_NORMAL) return 0;
    int64_t el = AI(n, out ? W_OUT : W_IN) / ADT(n, W_DT)->bits;
    d[ns - 1] = AV(n, W_SHAPE)[ns - 1] / el;
    d[ns] = el;
    *nd = (size_t)ns + 1;
    return 0;
}
static int dwc_width(const bs_knode *n, int out, int idx, int64_t *w) {
    if (idx != 0) return bs_k_fail(n, "no stream %d", idx);
    *w = AI(n, out ? W_OUT : W_IN);
    return 0;
}
static int64_t gcd64(int64_t a, int64_t b) { while (b) { int64_t t = a % b; a = b; b = t; } return a; }
static void dwc_res(const bs_knode *n, const char *part, bs_kcost *c) {
    int64_t inw = AI(n, W_IN), outw = AI(n, W_OUT);
    int64_t mn = inw < outw ? inw : outw, mx = inw < outw ? outw : inw;
    int64_t intw = mx * mn / gcd64(mx, mn);
    int64_t cnt = 0, cset = 0;
    if (inw != intw) {
        cnt += llabs((long long)ceil(log((double)inw / (double)intw) / log(2.0)));
        cset += intw;
    }
    if (intw != outw) {
        cnt += llabs((long long)ceil(log((double)intw / (double)outw) / log(2.0)));
        cset += outw;
    }
    c->lut = (double)(cnt + cset);
}
static int dwc_odt(const bs_knode *n, int idx, bs_kdt *o) { *o = *ADT(n, W_DT); return 0; }
const bs_kops bs_k_dwc_ops = {dwc_check, dwc_shape, dwc_width, zero_cycles, dwc_res, dwc_odt, NULL};

/* ---------------- LabelSelect ---------------- */
enum { L_LABELS, L_PE, L_K, L_IDT, L_ODT, L_VECS, L_N };
const bs_kattr_def bs_k_lsel_attrs[] = {
    [L_LABELS] = {"Labels", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "number of labels"},
    [L_PE] = {"PE", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "parallelism; Labels % PE == 0"},
    [L_K] = {"K", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "top-K"},
    [L_IDT] = {"inputDataType", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "input datatype"},
    [L_ODT] = {"outputDataType", BS_KA_DTYPE, false, 0, "", NULL, 0, NULL, "index datatype (default: smallest, 8-bit multiple)"},
    [L_VECS] = {"numInputVectors", BS_KA_INTS, false, 0, NULL, ONE, 1, NULL, "leading dims"},
};
const int bs_k_lsel_nattrs = L_N;
static int lsel_check(const bs_knode *n) {
    int rc = bs_k_need_min(n, L_VECS, 1);
    if (rc == 0 && AI(n, L_K) < 1) rc = bs_k_fail(n, "K must be >= 1");
    if (rc) return rc;
    return bs_k_need_div(n, "PE", AI(n, L_PE), "Labels", AI(n, L_LABELS));
}
static int lsel_odt(const bs_knode *n, int idx, bs_kdt *o) {
    if (ADT(n, L_ODT)->bits > 0) { *o = *ADT(n, L_ODT); return 0; }
    bs_kdt s;
    bs_kdt_smallest((double)(AI(n, L_LABELS) - 1), &s);
    int bw = (s.bits + 7) / 8 * 8;
    char from[16], to[16], nm[48];
    snprintf(from, sizeof from, "%d", s.bits);
    snprintf(to, sizeof to, "%d", bw);
    const char *p = strstr(s.name, from);     /* odt.name.replace(str(bits), str(bw)) */
    if (p) snprintf(nm, sizeof nm, "%.*s%s%s", (int)(p - s.name), s.name, to, p + strlen(from));
    else snprintf(nm, sizeof nm, "%s", s.name);
    return bs_kdt_parse(nm, o);
}
static int lsel_shape(const bs_knode *n, int kind, int out, int idx, int64_t *d, size_t *nd) {
    if (idx != 0) return bs_k_fail(n, "no stream %d", idx);
    if (!out) { vshape(AV(n, L_VECS), AN(n, L_VECS), kind, AI(n, L_LABELS), AI(n, L_PE), d, nd); return 0; }
    vshape(AV(n, L_VECS), AN(n, L_VECS), KS_NORMAL, AI(n, L_K), 1, d, nd);
    if (kind == KS_FOLDED) d[(*nd)++] = 1;
    return 0;
}
static int lsel_width(const bs_knode *n, int out, int idx, int64_t *w) {
    if (idx != 0) return bs_k_fail(n, "no stream %d", idx);
    if (!out) { *w = (int64_t)ADT(n, L_IDT)->bits * AI(n, L_PE); return 0; }
    bs_kdt o;
    int rc = lsel_odt(n, 0, &o);
    *w = o.bits;
    return rc;
}
static int64_t lsel_cycles(const bs_knode *n) {
    return p2i(((double)AI(n, L_LABELS) / (double)AI(n, L_PE)));
}
const bs_kops bs_k_lsel_ops = {lsel_check, lsel_shape, lsel_width, lsel_cycles, NULL, lsel_odt, NULL};

/* ------- PE-folded elementwise kernels: AddStreams, DuplicateStreams,
 * GlobalAccPool, StreamingEltwise (attribute 0 = NumChannels, 1 = PE) ------- */
enum { E_CH, E_PE };
enum { A_IDT = 2, A_IDTS, A_VECS, A_INFD, A_N };
const bs_kattr_def bs_k_add_attrs[] = {
    [E_CH] = {"NumChannels", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "channels"},
    [E_PE] = {"PE", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "parallelism; NumChannels % PE == 0"},
    [A_IDT] = {"inputDataType", BS_KA_DTYPE, false, 0, "", NULL, 0, NULL, "input datatype (FINN main)"},
    [A_IDTS] = {"inputDataTypes", BS_KA_STRS, false, 0, NULL, NULL, 0, NULL, "input datatypes (FINN dev)"},
    [A_VECS] = {"numInputVectors", BS_KA_INTS, false, 0, NULL, ONE, 1, NULL, "leading dims"},
    [A_INFD] = {"inFIFODepths", BS_KA_INTS, false, 0, NULL, TWO2, 2, NULL, "input FIFO depths"},
};
const int bs_k_add_nattrs = A_N;
enum { D_NOUT = 2, D_IDT, D_VECS, D_N };
const bs_kattr_def bs_k_dup_attrs[] = {
    [E_CH] = {"NumChannels", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "channels"},
    [E_PE] = {"PE", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "parallelism; NumChannels % PE == 0"},
    [D_NOUT] = {"NumOutputStreams", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "number of copies"},
    [D_IDT] = {"inputDataType", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "datatype"},
    [D_VECS] = {"numInputVectors", BS_KA_INTS, false, 0, NULL, ONE, 1, NULL, "leading dims"},
};
const int bs_k_dup_nattrs = D_N;
enum { G_IDT = 2, G_VECS, G_N };
const bs_kattr_def bs_k_gap_attrs[] = {
    [E_CH] = {"NumChannels", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "channels"},
    [E_PE] = {"PE", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "parallelism; NumChannels % PE == 0"},
    [G_IDT] = {"inputDataType", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "datatype"},
    [G_VECS] = {"numInputVectors", BS_KA_INTS, false, 0, NULL, ONE, 1, NULL, "[N, H, W]"},
};
const int bs_k_gap_nattrs = G_N;
enum { EL_IDT0 = 2, EL_IDT1, EL_OP, EL_VECS, EL_INFD, EL_N };
const bs_kattr_def bs_k_elt_attrs[] = {
    [E_CH] = {"NumChannels", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "channels"},
    [E_PE] = {"PE", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "parallelism; NumChannels % PE == 0"},
    [EL_IDT0] = {"inputDataType0", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "datatype of input 0"},
    [EL_IDT1] = {"inputDataType1", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "datatype of input 1"},
    [EL_OP] = {"eltwiseOp", BS_KA_STR, true, 0, "", NULL, 0, "|Add|Sub|AbsDiff|", "operation"},
    [EL_VECS] = {"numInputVectors", BS_KA_INTS, false, 0, NULL, ONE, 1, NULL, "leading dims"},
    [EL_INFD] = {"inFIFODepths", BS_KA_INTS, false, 0, NULL, TWO2, 2, NULL, "input FIFO depths"},
};
const int bs_k_elt_nattrs = EL_N;

static int vecs_idx(const bs_knode *n);
static int ew_check(const bs_knode *n) {
    int rc = bs_k_need_min(n, vecs_idx(n), 1);
    if (rc == 0 && n->k->attrs == bs_k_dup_attrs && AI(n, D_NOUT) < 1)
        rc = bs_k_fail(n, "NumOutputStreams must be >= 1");
    if (rc) return rc;
    return bs_k_need_div(n, "PE", AI(n, E_PE), "NumChannels", AI(n, E_CH));
}
static int vecs_idx(const bs_knode *n) {
    const bs_kattr_def *a = n->k->attrs;
    return a == bs_k_add_attrs ? A_VECS : a == bs_k_dup_attrs ? D_VECS
         : a == bs_k_gap_attrs ? G_VECS : EL_VECS;
}
static int ew_shape(const bs_knode *n, int kind, int out, int idx, int64_t *d, size_t *nd) {
    int iv = vecs_idx(n);
    int nin = n->k->attrs == bs_k_add_attrs || n->k->attrs == bs_k_elt_attrs ? 2 : 1;
    int nout = n->k->attrs == bs_k_dup_attrs ? (int)AI(n, D_NOUT) : 1;
    if (idx < 0 || idx >= (out ? nout : nin)) return bs_k_fail(n, "no stream %d", idx);
    if (out && n->k->attrs == bs_k_gap_attrs) {
        int nv = AN(n, iv);
        int64_t pre[3] = {AV(n, iv)[0], 1, 1};
        if (nv == 1) vshape(AV(n, iv), 1, kind, AI(n, E_CH), AI(n, E_PE), d, nd);
        else vshape(pre, 3, kind, AI(n, E_CH), AI(n, E_PE), d, nd);
        return 0;
    }
    vshape(AV(n, iv), AN(n, iv), kind, AI(n, E_CH), AI(n, E_PE), d, nd);
    return 0;
}
static int add_idt(const bs_knode *n, int i, bs_kdt *o) {
    if (n->a[A_IDTS].set && n->a[A_IDTS].n > 0) {
        *o = i == 0 || n->a[A_IDTS].n < 2 ? n->a[A_IDTS].dt : n->a[A_IDTS].dt2;
        return 0;
    }
    if (ADT(n, A_IDT)->bits == 0) return bs_k_fail(n, "needs inputDataType or inputDataTypes");
    *o = *ADT(n, A_IDT);
    return 0;
}
static int ew_odt(const bs_knode *n, int idx, bs_kdt *o) {
    const bs_kattr_def *a = n->k->attrs;
    if (a == bs_k_dup_attrs) { *o = *ADT(n, D_IDT); return 0; }
    if (a == bs_k_gap_attrs) {
        const bs_kdt *t = ADT(n, G_IDT);
        int nv = AN(n, G_VECS);
        if (nv < 2) return bs_k_fail(n, "numInputVectors needs [N, H, W]");
        double px = (double)(AV(n, G_VECS)[nv - 1] * AV(n, G_VECS)[nv - 2]);
        bs_kdt_smallest(px * (t->is_signed ? t->min : t->max), o);
        return 0;
    }
    if (a == bs_k_add_attrs) {
        if (n->a[A_IDTS].set) {              /* FINN dev: over all inputs */
            double mn = 0, mx = 0;
            for (int i = 0; i < n->a[A_IDTS].n && i < 2; i++) {
                const bs_kdt *t = i ? &n->a[A_IDTS].dt2 : &n->a[A_IDTS].dt;
                if (t->min < mn) mn = t->min;
                if (t->max > mx) mx = t->max;
            }
            char nm[16];
            if (mn >= 0) snprintf(nm, sizeof nm, "UINT%d", (int)ceil(log2(mx + 1)) + 1);
            else {
                double m = -mn > 1 + mx ? -mn : 1 + mx;
                snprintf(nm, sizeof nm, "INT%d", (int)ceil(log2(m) + 1) + 1);
            }
            return bs_kdt_parse(nm, o);
        }
        bs_kdt t = {0};
        int rc = add_idt(n, 0, &t);
        if (rc) return rc;
        bs_kdt_smallest(t.is_signed ? 2 * t.min : 2 * t.max, o);
        return 0;
    }
    /* StreamingEltwise */
    const bs_kdt *t0 = ADT(n, EL_IDT0), *t1 = ADT(n, EL_IDT1);
    if (t0->is_signed != t1->is_signed) return bs_k_fail(n, "inputs must have the same signedness");
    double c[4] = {t0->min - t1->min, t0->min - t1->max, t0->max - t1->min, t0->max - t1->max};
    double big = 0;
    for (int i = 0; i < 4; i++) if (fabs(c[i]) > big) big = fabs(c[i]);
    const char *op = AS(n, EL_OP);
    if (SEQ(op, "Add")) bs_kdt_smallest(t0->is_signed ? t0->min + t1->min : t0->max + t1->max, o);
    else if (SEQ(op, "Sub")) bs_kdt_smallest(-big, o);
    else bs_kdt_smallest(big, o);
    return 0;
}
static int ew_width(const bs_knode *n, int out, int idx, int64_t *w) {
    bs_kdt t = {0};
    int rc;
    const bs_kattr_def *a = n->k->attrs;
    if (out) rc = ew_odt(n, idx, &t);
    else if (a == bs_k_add_attrs) rc = add_idt(n, idx, &t);
    else if (a == bs_k_elt_attrs) { t = *ADT(n, idx ? EL_IDT1 : EL_IDT0); rc = 0; }
    else { t = *ADT(n, a == bs_k_dup_attrs ? D_IDT : G_IDT); rc = 0; }
    *w = (int64_t)t.bits * AI(n, E_PE);
    return rc;
}
static int64_t ew_cycles(const bs_knode *n) {
    int iv = vecs_idx(n);
    int64_t c = fold_beats(AV(n, iv), AN(n, iv), AI(n, E_CH), AI(n, E_PE));
    if (n->k->attrs == bs_k_gap_attrs) c += AI(n, E_CH) / AI(n, E_PE);
    return c;
}
const bs_kops bs_k_add_ops = {ew_check, ew_shape, ew_width, ew_cycles, NULL, ew_odt, NULL};
const bs_kops bs_k_dup_ops = {ew_check, ew_shape, ew_width, ew_cycles, NULL, ew_odt, NULL};
const bs_kops bs_k_gap_ops = {ew_check, ew_shape, ew_width, ew_cycles, NULL, ew_odt, NULL};
const bs_kops bs_k_elt_ops = {ew_check, ew_shape, ew_width, ew_cycles, NULL, ew_odt, NULL};

/* ---------------- FMPadding ---------------- */
enum { P_IMG, P_PAD, P_CH, P_SIMD, P_IDT, P_VECS, P_N };
const bs_kattr_def bs_k_fmp_attrs[] = {
    [P_IMG] = {"ImgDim", BS_KA_INTS, true, 0, NULL, NULL, 0, NULL, "[H, W]"},
    [P_PAD] = {"Padding", BS_KA_INTS, true, 0, NULL, PAD1, 4, NULL, "[top, left, bottom, right]"},
    [P_CH] = {"NumChannels", BS_KA_INT, true, 0, NULL, NULL, 0, NULL, "channels"},
    [P_SIMD] = {"SIMD", BS_KA_INT, false, 1, NULL, NULL, 0, NULL, "parallelism; NumChannels % SIMD == 0"},
    [P_IDT] = {"inputDataType", BS_KA_DTYPE, true, 0, "", NULL, 0, NULL, "datatype"},
    [P_VECS] = {"numInputVectors", BS_KA_INT, false, 1, NULL, NULL, 0, NULL, "batch size"},
};
const int bs_k_fmp_nattrs = P_N;
const bs_kattr_def bs_k_fmp_rtl_x[] = {
    {"dynamic_mode", BS_KA_INT, false, 0, NULL, NULL, 0, "|0|1|", "runtime-reprogrammable dims"},
};
const int bs_k_fmp_rtl_nx = 1;
static int fmp_check(const bs_knode *n) {
    if (AN(n, P_IMG) != 2 || AN(n, P_PAD) != 4) return bs_k_fail(n, "ImgDim needs 2 and Padding 4 values");
    int rc = bs_k_need_min(n, P_IMG, 1);
    if (rc == 0) rc = bs_k_need_min(n, P_PAD, 0);
    if (rc == 0 && AI(n, P_VECS) < 1) rc = bs_k_fail(n, "numInputVectors must be >= 1");
    if (rc) return rc;
    return bs_k_need_div(n, "SIMD", AI(n, P_SIMD), "NumChannels", AI(n, P_CH));
}
static int fmp_shape(const bs_knode *n, int kind, int out, int idx, int64_t *d, size_t *nd) {
    if (idx != 0) return bs_k_fail(n, "no stream %d", idx);
    const int64_t *p = AV(n, P_PAD);
    int64_t pre[3] = {1, AV(n, P_IMG)[0], AV(n, P_IMG)[1]};
    if (out) { pre[1] += p[0] + p[2]; pre[2] += p[1] + p[3]; }
    vshape(pre, 3, kind, AI(n, P_CH), AI(n, P_SIMD), d, nd);
    return 0;
}
static int fmp_width(const bs_knode *n, int out, int idx, int64_t *w) {
    if (idx != 0) return bs_k_fail(n, "no stream %d", idx);
    *w = (int64_t)ADT(n, P_IDT)->bits * AI(n, P_SIMD);
    return 0;
}
static int64_t fmp_cycles(const bs_knode *n) {
    const int64_t *p = AV(n, P_PAD);
    int64_t oh = AV(n, P_IMG)[0] + p[0] + p[2], ow = AV(n, P_IMG)[1] + p[1] + p[3];
    double c = (double)AI(n, P_CH) / (double)AI(n, P_SIMD) * (double)AI(n, P_VECS) * (double)oh * (double)ow;
    return p2i(c);
}
static int fmp_odt(const bs_knode *n, int idx, bs_kdt *o) { *o = *ADT(n, P_IDT); return 0; }
const bs_kops bs_k_fmp_ops = {fmp_check, fmp_shape, fmp_width, fmp_cycles, NULL, fmp_odt, NULL};

_Static_assert(MP_N == BS_K_SMP_N, "attribute count of BS_K_SMP_N");
_Static_assert(PL_N == BS_K_POOL_N, "attribute count of BS_K_POOL_N");
_Static_assert(F_N == BS_K_FIFO_N, "attribute count of BS_K_FIFO_N");
_Static_assert(W_N == BS_K_DWC_N, "attribute count of BS_K_DWC_N");
_Static_assert(L_N == BS_K_LSEL_N, "attribute count of BS_K_LSEL_N");
_Static_assert(A_N == BS_K_ADD_N, "attribute count of BS_K_ADD_N");
_Static_assert(G_N == BS_K_GAP_N, "attribute count of BS_K_GAP_N");
_Static_assert(D_N == BS_K_DUP_N, "attribute count of BS_K_DUP_N");
_Static_assert(P_N == BS_K_FMP_N, "attribute count of BS_K_FMP_N");
_Static_assert(EL_N == BS_K_ELT_N, "attribute count of BS_K_ELT_N");
