/* kfold.c - the per-node pieces of FINN's SetFolding (finn-reference §8,
 * FINN dev 54ede869 set_folding.py): target cycles, divisors, the
 * optimize(attr, max) loop with its strict "cycles < target" stop, the MVAU
 * SIMD-then-PE search under mvau_wwidth_max, the PE group, LabelSelect, the
 * depthwise exceptions (VVAU/Pool setting their producer SWG) and the SIMD
 * group (SWG with parallel_window, FMPadding).  The graph walk and the
 * two-pass relaxation are the flow's job; see kernels.h for the driver. */
#include <stdlib.h>
#include "kernels_int.h"

int64_t bs_fold_target_cycles(double clk_ns, double fps) {
    if (!(clk_ns > 0) || !(fps > 0)) return -1;
    return p2i((1e9 / clk_ns) / fps);
}

size_t bs_fold_divisors(int64_t n, int64_t *out, size_t cap) {
    size_t k = 0;
    for (int64_t x = 1; x <= n; x++)
        if (n % x == 0) {
            if (k < cap) out[k] = x;
            k++;
        }
    return k;
}

bool bs_fold_mvau_width_ok(const bs_knode *n, int64_t simd, int64_t wmax) {
    const char *w = bs_knode_get_str(n, "weightDataType");
    bs_kdt dt;
    if (!w || bs_kdt_parse(w, &dt) < 0) return false;
    return (int64_t)dt.bits * simd <= wmax;
}

/* base op -> (attr, dimension) pairs; dimension "kh*kw" is the Kernel product */
static const struct { const char *base, *a1, *d1, *a2, *d2; } fparams[] = {
    {"MVAU", "PE", "MH", "SIMD", "MW"},
    {"VVAU", "PE", "Channels", "SIMD", "kh*kw"},
    {"Thresholding", "PE", "NumChannels", NULL, NULL},
    {"ChannelwiseOp", "PE", "NumChannels", NULL, NULL},
    {"AddStreams", "PE", "NumChannels", NULL, NULL},
    {"DuplicateStreams", "PE", "NumChannels", NULL, NULL},
    {"GlobalAccPool", "PE", "NumChannels", NULL, NULL},
    {"StreamingEltwise", "PE", "NumChannels", NULL, NULL},
    {"Pool", "PE", "Channels", NULL, NULL},
    {"LabelSelect", "PE", "Labels", NULL, NULL},
    {"ConvolutionInputGenerator", "SIMD", "IFMChannels", NULL, NULL},
    {"FMPadding", "SIMD", "NumChannels", NULL, NULL},
    {"StreamingMaxPool", "PE", "NumChannels", NULL, NULL},
};

static int64_t dim_of(const bs_knode *n, const char *d) {
    if (SEQ(d, "kh*kw")) {
        for (int i = 0; i < n->k->n_attrs; i++)
            if (SEQ(n->def[i]->name, "Kernel")) return prod_i(n->a[i].v, n->a[i].n);
        return 0;
    }
    int64_t v = 0;
    bs_knode_get_int(n, d, &v);
    return v;
}

int bs_fold_params(const bs_knode *n, bs_fold_param out[2]) {
    for (size_t i = 0; i < sizeof fparams / sizeof fparams[0]; i++) {
        if (!SEQ(fparams[i].base, n->k->base)) continue;
        if (SEQ(n->k->base, "StreamingMaxPool")) {     /* only the 1D variant folds */
            int64_t h = 0;
            for (int j = 0; j < n->k->n_attrs; j++)
                if (SEQ(n->def[j]->name, "ImgDim") && n->a[j].n == 2)
                    h = n->a[j].v[1] == 1 ? n->a[j].v[1] : n->a[j].v[0];
            if (h != 1) return 0;
        }
        int k = 0;
        const char *a[2] = {fparams[i].a1, fparams[i].a2}, *d[2] = {fparams[i].d1, fparams[i].d2};
        for (int j = 0; j < 2 && a[j]; j++) {
            out[k].attr = a[j];
            out[k].dim_name = d[j];
            out[k].dim = dim_of(n, d[j]);
            out[k].value = 0;
            bs_knode_get_int(n, a[j], &out[k].value);
            k++;
        }
        bs_error_clear();
        return k;
    }
    return 0;
}

static int64_t cyc(const bs_knode *n) { return n->k->ops->cycles ? n->k->ops->cycles(n) : 0; }

/* optimize_attribute_val: attr = each divisor of max ascending until cycles < target */
static void optimize(bs_knode *n, const char *attr, int64_t max, int64_t target) {
    bs_knode_set_int(n, attr, 1);
    for (int64_t v = 1; v <= max; v++) {
        if (max % v) continue;
        bs_knode_set_int(n, attr, v);
        if (cyc(n) < target) break;
    }
}

static void rec(bs_fold_result *r, const char *attr, int64_t v) {
    for (int i = 0; i < r->n_attrs; i++)
        if (SEQ(r->attr[i], attr)) { r->val[i] = v; return; }
    r->attr[r->n_attrs] = attr;
    r->val[r->n_attrs++] = v;
}

static int64_t geti(const bs_knode *n, const char *a) {
    int64_t v = 0;
    bs_knode_get_int(n, a, &v);
    return v;
}

int bs_fold_node(bs_knode *n, int64_t target, int64_t wmax, bs_fold_result *r) {
    memset(r, 0, sizeof *r);
    r->producer_parallel_window = -1;
    const bs_kernel *k = n->k;
    const char *op = k->legacy_of ? k->legacy_of : k->op_type;
    switch (k->fold) {
    case BS_KFOLD_MVAU: {
        int64_t mw = geti(n, "MW"), mh = geti(n, "MH");
        if (mw < 1 || mh < 1) return bs_k_fail(n, "MW and MH must be >= 1");
        bs_knode_set_int(n, "PE", 1);
        bs_knode_set_int(n, "SIMD", 1);
        for (int64_t s = 1; s <= mw; s++) {
            if (mw % s) continue;
            int64_t prev = geti(n, "SIMD");
            bs_knode_set_int(n, "SIMD", s);
            if (cyc(n) < target) break;
            if (!bs_fold_mvau_width_ok(n, s, wmax)) {
                bs_knode_set_int(n, "SIMD", prev);
                break;
            }
        }
        optimize(n, "PE", mh, target);
        rec(r, "PE", geti(n, "PE"));
        rec(r, "SIMD", geti(n, "SIMD"));
        break;
    }
    case BS_KFOLD_PE: {
        int64_t ch = geti(n, "NumChannels");
        if (ch < 1) return bs_k_fail(n, "NumChannels must be >= 1");
        optimize(n, "PE", ch, target);
        rec(r, "PE", geti(n, "PE"));
        break;
    }
    case BS_KFOLD_LABELSELECT:
        optimize(n, "PE", geti(n, "Labels"), target);
        rec(r, "PE", geti(n, "PE"));
        break;
    case BS_KFOLD_DEPTHWISE: {
        bool vvau = !strncmp(op, "VVAU", 4);
        if (vvau) bs_knode_set_int(n, "SIMD", 1);
        int64_t ch = geti(n, "Channels");
        if (ch < 1) return bs_k_fail(n, "Channels must be >= 1");
        optimize(n, "PE", ch, target);
        int64_t pe = geti(n, "PE");
        rec(r, "PE", pe);
        if (vvau) {
            int64_t kk = 1;
            for (int i = 0; i < n->k->n_attrs; i++)
                if (SEQ(n->def[i]->name, "Kernel"))
                    for (int j = 0; j < n->a[i].n; j++) kk *= n->a[i].v[j];
            if (pe == ch && cyc(n) > target) optimize(n, "SIMD", kk, target);
            rec(r, "SIMD", geti(n, "SIMD"));
            r->producer_parallel_window = geti(n, "SIMD") > 1 ? 1 : 0;
            r->producer_optional = kk == 1;
        } else {
            r->producer_parallel_window = 0;
            r->producer_optional = false;   /* FINN compares the KernelSize list to 1 */
        }
        r->set_producer_simd = pe;
        break;
    }
    case BS_KFOLD_SIMD:
        /* FINN main folds FMPadding_hls and the HLS SWG, dev 2025 FMPadding_rtl */
        if ((n->ver == BS_FINN_MAIN && SEQ(op, "FMPadding_rtl")) ||
            (n->ver == BS_FINN_DEV2025 && (SEQ(op, "FMPadding_hls") || SEQ(op, "ConvolutionInputGenerator_hls"))))
            return bs_error_set(BS_EUNSUPPORTED, "SetFolding (FINN %s) doesn't know how to handle op_type %s",
                                bs_finn_version_name(n->ver), op);
        if (!strncmp(op, "ConvolutionInputGenerator", 25)) {
            if (geti(n, "depthwise") != 0) { r->skipped = true; break; }
            int64_t ch = geti(n, "IFMChannels");
            bool rtl = SEQ(op, "ConvolutionInputGenerator_rtl");
            if (rtl) bs_knode_set_int(n, "parallel_window", 0);
            optimize(n, "SIMD", ch, target);
            if (rtl && geti(n, "SIMD") == ch && cyc(n) > target)
                bs_knode_set_int(n, "parallel_window", 1);
            rec(r, "SIMD", geti(n, "SIMD"));
            if (rtl) rec(r, "parallel_window", geti(n, "parallel_window"));
        } else {
            optimize(n, "SIMD", geti(n, "NumChannels"), target);
            rec(r, "SIMD", geti(n, "SIMD"));
        }
        break;
    default:
        return bs_error_set(BS_EUNSUPPORTED, "SetFolding doesn't know how to handle op_type %s",
                            k->op_type);
    }
    r->cycles = bs_knode_check(n) == 0 ? cyc(n) : 0;
    bs_error_clear();
    return 0;
}
