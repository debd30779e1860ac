/* kspecial.c - FINN's SpecializeLayers decision (finn-reference §6.6, FINN
 * dev 54ede869 / main 39f0c9a specialize_layers.py): which backend an
 * abstract HW node becomes, from preferred_impl_style, the variants that
 * exist in that FINN, the rtl-possible rules of MVAU/VVAU/DWC and (FINN main)
 * the HLS-SWG constraints.  The graph rewrite itself belongs to lib/transform. */
#include <stdio.h>
#include "kernels_int.h"

/* Variants the registry knows but FINN dev 2025 no longer has. */
static bool exists(const char *op, bs_finn_version v) {
    if (!bs_kernel_find(op)) return false;
    if (v == BS_FINN_DEV2025 && (SEQ(op, "ConvolutionInputGenerator_hls") || SEQ(op, "FMPadding_hls") ||
                                 SEQ(op, "StreamingMaxPool_hls")))
        return false;
    return true;
}

static const bs_kdt *dt(const bs_knode *n, const char *a) {
    for (int i = 0; i < n->k->n_attrs; i++)
        if (SEQ(n->def[i]->name, a)) return &n->a[i].dt;
    return NULL;
}
static int64_t iv(const bs_knode *n, const char *a) {
    int64_t v = 0;
    bs_knode_get_int(n, a, &v);
    return v;
}

static bool mvu_rtl_possible(const bs_knode *n, const char *part, double wmin) {
    if (iv(n, "noActivation") == 0 || iv(n, "binaryXnorMode") == 1) return false;
    const bs_kdt *w = dt(n, "weightDataType"), *i = dt(n, "inputDataType");
    if (!w || !i || !w->is_signed) return false;
    bool narrow = !(wmin != wmin) && wmin != w->min;   /* no initializer: wdt.min() */
    if (!narrow && SEQ(bs_kernel_dsp_block(part), "DSP48E1")) return false;
    int lo = n->ver == BS_FINN_MAIN ? 0 : 2;            /* dev adds a 2-bit lower bound */
    bool in_ok = (i->bits >= lo && i->bits <= 8) || (i->bits == 9 && i->is_signed);
    return in_ok && w->bits >= lo && w->bits <= 8;
}

static bool vvu_rtl_possible(const bs_knode *n, const char *part) {
    if (!iv(n, "noActivation") || !bs_part_is_versal(part)) return false;
    const bs_kdt *w = dt(n, "weightDataType"), *i = dt(n, "inputDataType");
    if (!w || !i) return false;
    return (i->bits <= 8 || (i->bits == 9 && i->min < 0)) && w->bits <= 8 && w->min < 0;
}

static bool dwc_rtl(const bs_knode *n) {
    int64_t a = iv(n, "inWidth"), b = iv(n, "outWidth");
    return a > 0 && b > 0 && (a % b == 0 || b % a == 0);
}

/* FINN main: HLS SWG needs dynamic_mode 0 and (1D, or square 2D, dilation 1) */
static bool swg_hls_possible(const bs_knode *n) {
    if (iv(n, "dynamic_mode")) return false;
    if (iv(n, "is1D")) return true;
    const int64_t *k = NULL, *ifm = NULL, *ofm = NULL, *s = NULL, *d = NULL;
    for (int j = 0; j < n->k->n_attrs; j++) {
        const char *nm = n->def[j]->name;
        if (n->a[j].n != 2) continue;
        if (SEQ(nm, "ConvKernelDim")) k = n->a[j].v;
        else if (SEQ(nm, "IFMDim")) ifm = n->a[j].v;
        else if (SEQ(nm, "OFMDim")) ofm = n->a[j].v;
        else if (SEQ(nm, "Stride")) s = n->a[j].v;
        else if (SEQ(nm, "Dilation")) d = n->a[j].v;
    }
    return k && ifm && ofm && s && d && k[0] == k[1] && ifm[0] == ifm[1] && ofm[0] == ofm[1] && s[0] == s[1] &&
           d[0] == 1 && d[1] == 1;
}

int bs_kernel_specialize(const bs_knode *n, const char *preferred, const char *part, double wmin,
                         const bs_kernel **out, bool *fallback) {
    *out = NULL;
    *fallback = false;
    const char *base = n->k->base;
    if (n->k->backend[0] || n->k->legacy_of)
        return bs_k_fail(n, "is already specialised");
    char hn[80], rn[80];
    snprintf(hn, sizeof hn, "%s_hls", base);
    snprintf(rn, sizeof rn, "%s_rtl", base);
    bs_finn_version v = n->ver;
    bool hls = exists(hn, v), rtl = exists(rn, v);
    const char *pick = NULL;
    if (!preferred) preferred = "";
    bool mvau = SEQ(base, "MVAU"), vvau = SEQ(base, "VVAU"), dwc = SEQ(base, "StreamingDataWidthConverter");
    if (!preferred[0]) {
        if (dwc) pick = dwc_rtl(n) ? rn : hn;
        else if (rtl && (mvau || vvau)) {
            const bs_kdt *w = dt(n, "weightDataType"), *i = dt(n, "inputDataType");
            bool fit = w && i && i->bits >= 4 && w->bits >= 4;
            bool ok = mvau ? mvu_rtl_possible(n, part, wmin) : vvu_rtl_possible(n, part);
            pick = fit && ok ? rn : hn;
        } else if (rtl) pick = rn;
        else if (hls) pick = hn;
    } else if (SEQ(preferred, "hls")) {
        if (v == BS_FINN_MAIN && SEQ(base, "ConvolutionInputGenerator")) {
            if (swg_hls_possible(n)) pick = hn;
            else { pick = rn; *fallback = true; }
        } else if (hls) pick = hn;
        else if (rtl) { pick = rn; *fallback = true; }
    } else if (SEQ(preferred, "rtl")) {
        if (dwc) { pick = dwc_rtl(n) ? rn : hn; *fallback = !dwc_rtl(n); }
        else if (mvau) { bool ok = mvu_rtl_possible(n, part, wmin); pick = ok ? rn : hn; *fallback = !ok; }
        else if (vvau) { bool ok = vvu_rtl_possible(n, part); pick = ok ? rn : hn; *fallback = !ok; }
        else if (rtl) pick = rn;
        else if (hls) { pick = hn; *fallback = true; }
    } else {
        return bs_k_fail(n, "preferred_impl_style '%s' is not one of \"\", hls, rtl", preferred);
    }
    if (!pick || !(*out = bs_kernel_find(pick)))
        return bs_k_fail(n, "op type %s has no hardware implementation variant", base);
    return 0;
}
