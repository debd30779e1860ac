/* registry.c - the kernel registry: one line per FINN op type (abstract,
 * _hls, _rtl and legacy names), pointing at the attribute tables and cost
 * models of lib/kernels/k_*.c, plus lookup, FINN version names and the part
 * helpers (is_versal, get_dsp_block) the cost models need. */
#include <stdio.h>
#include <strings.h>
#include "kernels_int.h"

/* Legacy (FINN <= 0.9) defaults: mem_mode "const", resType "lut". */
static const bs_kattr_def mvau_legacy_x[] = {
    {"resType", BS_KA_STR, false, 0, "lut", NULL, 0, "|auto|lut|dsp|", "multiplier resources"},
    {"mem_mode", BS_KA_STR, false, 0, "const", NULL, 0, "|const|decoupled|external|internal_embedded|internal_decoupled|",
     "weight storage (legacy names const/decoupled)"},
};
static const bs_kattr_def vvau_legacy_x[] = {
    {"mem_mode", BS_KA_STR, false, 0, "const", NULL, 0, "|const|decoupled|external|internal_embedded|internal_decoupled|",
     "weight storage (legacy names const/decoupled)"},
};
static const bs_kattr_def thr_legacy_x[] = {
    {"mem_mode", BS_KA_STR, false, 0, "const", NULL, 0, "|const|decoupled|internal_embedded|internal_decoupled|",
     "threshold storage (legacy names const/decoupled)"},
    {"ram_style", BS_KA_STR, false, 0, "distributed", NULL, 0, "|distributed|block|", "threshold memory"},
};

#define K(op, base, be, help, at, nat, x, nx, ops, fold, leg) \
    {op, base, be, help, at, nat, x, nx, &ops, fold, leg}

static const bs_kernel kernels[] = {
    K("MVAU", "MVAU", "", "matrix-vector-activation unit (FC / conv as matmul), abstract",
      bs_k_mvau_attrs, BS_K_MVAU_N, NULL, 0, bs_k_mvau_ops, BS_KFOLD_NONE, NULL),
    K("MVAU_hls", "MVAU", "hls", "MVAU, finn-hlslib MatrixVectorActivation",
      bs_k_mvau_attrs, BS_K_MVAU_N, bs_k_mvau_hls_x, 1, bs_k_mvau_hls_ops, BS_KFOLD_MVAU, NULL),
    K("MVAU_rtl", "MVAU", "rtl", "MVAU, finn-rtllib DSP-based mvu",
      bs_k_mvau_attrs, BS_K_MVAU_N, bs_k_mvau_rtl_x, 1, bs_k_mvau_rtl_ops, BS_KFOLD_MVAU, NULL),
    K("VVAU", "VVAU", "", "vector-vector-activation unit (depthwise conv), abstract",
      bs_k_vvau_attrs, BS_K_VVAU_N, NULL, 0, bs_k_vvau_ops, BS_KFOLD_NONE, NULL),
    K("VVAU_hls", "VVAU", "hls", "VVAU, finn-hlslib Vector_Vector_Activate",
      bs_k_vvau_attrs, BS_K_VVAU_N, NULL, 0, bs_k_vvau_hls_ops, BS_KFOLD_DEPTHWISE, NULL),
    K("VVAU_rtl", "VVAU", "rtl", "VVAU, finn-rtllib DSP-based vvu",
      bs_k_vvau_attrs, BS_K_VVAU_N, NULL, 0, bs_k_vvau_rtl_ops, BS_KFOLD_DEPTHWISE, NULL),
    K("Thresholding", "Thresholding", "", "multi-threshold activation, abstract",
      bs_k_thr_attrs, BS_K_THR_N, NULL, 0, bs_k_thr_ops, BS_KFOLD_NONE, NULL),
    K("Thresholding_hls", "Thresholding", "hls", "thresholding, finn-hlslib",
      bs_k_thr_attrs, BS_K_THR_N, bs_k_thr_hls_x, 2, bs_k_thr_hls_ops, BS_KFOLD_PE, NULL),
    K("Thresholding_rtl", "Thresholding", "rtl", "thresholding, finn-rtllib binary search",
      bs_k_thr_attrs, BS_K_THR_N, bs_k_thr_rtl_x, 4, bs_k_thr_rtl_ops, BS_KFOLD_PE, NULL),
    K("ConvolutionInputGenerator", "ConvolutionInputGenerator", "", "sliding-window generator (im2col stream), abstract",
      bs_k_swg_attrs, BS_K_SWG_N, NULL, 0, bs_k_swg_ops, BS_KFOLD_NONE, NULL),
    K("ConvolutionInputGenerator_hls", "ConvolutionInputGenerator", "hls", "SWG, finn-hlslib 2D/1D variants (FINN main)",
      bs_k_swg_attrs, BS_K_SWG_N, NULL, 0, bs_k_swg_hls_ops, BS_KFOLD_SIMD, NULL),
    K("ConvolutionInputGenerator_rtl", "ConvolutionInputGenerator", "rtl", "SWG, finn-rtllib swg (default/parallel)",
      bs_k_swg_attrs, BS_K_SWG_N, bs_k_swg_rtl_x, 1, bs_k_swg_rtl_ops, BS_KFOLD_SIMD, NULL),
    K("StreamingMaxPool", "StreamingMaxPool", "", "max pooling, stride = kernel, abstract (FINN main)",
      bs_k_smp_attrs, BS_K_SMP_N, NULL, 0, bs_k_smp_ops, BS_KFOLD_NONE, NULL),
    K("StreamingMaxPool_hls", "StreamingMaxPool", "hls", "max pooling, finn-hlslib (FINN main)",
      bs_k_smp_attrs, BS_K_SMP_N, NULL, 0, bs_k_smp_ops, BS_KFOLD_NONE, NULL),
    K("Pool", "Pool", "", "pooling over SWG windows (MaxPool, QuantAvgPool), abstract",
      bs_k_pool_attrs, BS_K_POOL_N, NULL, 0, bs_k_pool_ops, BS_KFOLD_NONE, NULL),
    K("Pool_hls", "Pool", "hls", "pooling, finn-hlslib Pool_batch",
      bs_k_pool_attrs, BS_K_POOL_N, NULL, 0, bs_k_pool_ops, BS_KFOLD_DEPTHWISE, NULL),
    K("StreamingFIFO", "StreamingFIFO", "", "stream FIFO, abstract (legacy: with impl_style)",
      bs_k_fifo_attrs, BS_K_FIFO_N, bs_k_fifo_rtl_x, 1, bs_k_fifo_rtl_ops, BS_KFOLD_NONE, NULL),
    K("StreamingFIFO_rtl", "StreamingFIFO", "rtl", "stream FIFO, Q_srl (rtl) or AXIS FIFO IP (vivado)",
      bs_k_fifo_attrs, BS_K_FIFO_N, bs_k_fifo_rtl_x, 1, bs_k_fifo_rtl_ops, BS_KFOLD_NONE, NULL),
    K("StreamingDataWidthConverter", "StreamingDataWidthConverter", "", "stream width converter, abstract",
      bs_k_dwc_attrs, BS_K_DWC_N, NULL, 0, bs_k_dwc_ops, BS_KFOLD_NONE, NULL),
    K("StreamingDataWidthConverter_hls", "StreamingDataWidthConverter", "hls", "width converter, finn-hlslib",
      bs_k_dwc_attrs, BS_K_DWC_N, NULL, 0, bs_k_dwc_ops, BS_KFOLD_NONE, NULL),
    K("StreamingDataWidthConverter_rtl", "StreamingDataWidthConverter", "rtl", "width converter, finn-rtllib (integer ratios)",
      bs_k_dwc_attrs, BS_K_DWC_N, NULL, 0, bs_k_dwc_ops, BS_KFOLD_NONE, NULL),
    K("LabelSelect", "LabelSelect", "", "top-K label indices, abstract",
      bs_k_lsel_attrs, BS_K_LSEL_N, NULL, 0, bs_k_lsel_ops, BS_KFOLD_NONE, NULL),
    K("LabelSelect_hls", "LabelSelect", "hls", "top-K, finn-hlslib",
      bs_k_lsel_attrs, BS_K_LSEL_N, NULL, 0, bs_k_lsel_ops, BS_KFOLD_LABELSELECT, NULL),
    K("AddStreams", "AddStreams", "", "elementwise add of two streams, abstract",
      bs_k_add_attrs, BS_K_ADD_N, NULL, 0, bs_k_add_ops, BS_KFOLD_NONE, NULL),
    K("AddStreams_hls", "AddStreams", "hls", "elementwise add, finn-hlslib",
      bs_k_add_attrs, BS_K_ADD_N, NULL, 0, bs_k_add_ops, BS_KFOLD_PE, NULL),
    K("ChannelwiseOp", "ChannelwiseOp", "", "per-channel cmp/add/mul with parameters, abstract",
      bs_k_cwo_attrs, BS_K_CWO_N, NULL, 0, bs_k_cwo_ops, BS_KFOLD_NONE, NULL),
    K("ChannelwiseOp_hls", "ChannelwiseOp", "hls", "per-channel op, finn-hlslib",
      bs_k_cwo_attrs, BS_K_CWO_N, NULL, 0, bs_k_cwo_hls_ops, BS_KFOLD_PE, NULL),
    K("GlobalAccPool", "GlobalAccPool", "", "global sum pooling, abstract",
      bs_k_gap_attrs, BS_K_GAP_N, NULL, 0, bs_k_gap_ops, BS_KFOLD_NONE, NULL),
    K("GlobalAccPool_hls", "GlobalAccPool", "hls", "global sum pooling, finn-hlslib",
      bs_k_gap_attrs, BS_K_GAP_N, NULL, 0, bs_k_gap_ops, BS_KFOLD_PE, NULL),
    K("DuplicateStreams", "DuplicateStreams", "", "stream fan-out, abstract",
      bs_k_dup_attrs, BS_K_DUP_N, NULL, 0, bs_k_dup_ops, BS_KFOLD_NONE, NULL),
    K("DuplicateStreams_hls", "DuplicateStreams", "hls", "stream fan-out, finn-hlslib",
      bs_k_dup_attrs, BS_K_DUP_N, NULL, 0, bs_k_dup_ops, BS_KFOLD_PE, NULL),
    K("FMPadding", "FMPadding", "", "feature-map zero padding, abstract",
      bs_k_fmp_attrs, BS_K_FMP_N, NULL, 0, bs_k_fmp_ops, BS_KFOLD_NONE, NULL),
    K("FMPadding_hls", "FMPadding", "hls", "padding, finn-hlslib (FINN main)",
      bs_k_fmp_attrs, BS_K_FMP_N, NULL, 0, bs_k_fmp_ops, BS_KFOLD_SIMD, NULL),
    K("FMPadding_rtl", "FMPadding", "rtl", "padding, finn-rtllib",
      bs_k_fmp_attrs, BS_K_FMP_N, bs_k_fmp_rtl_x, 1, bs_k_fmp_ops, BS_KFOLD_SIMD, NULL),
    K("StreamingEltwise", "StreamingEltwise", "", "elementwise Add/Sub/AbsDiff of two streams, abstract",
      bs_k_elt_attrs, BS_K_ELT_N, NULL, 0, bs_k_elt_ops, BS_KFOLD_NONE, NULL),
    K("StreamingEltwise_hls", "StreamingEltwise", "hls", "elementwise binary op, finn-hlslib (FINN main)",
      bs_k_elt_attrs, BS_K_ELT_N, NULL, 0, bs_k_elt_ops, BS_KFOLD_NONE, NULL),
    /* legacy names (FINN <= 0.9), mapped to today's ops */
    K("StreamingFCLayer_Batch", "MVAU", "", "legacy (<= v0.7) name of MVAU_hls",
      bs_k_mvau_attrs, BS_K_MVAU_N, mvau_legacy_x, 2, bs_k_mvau_hls_ops, BS_KFOLD_MVAU, "MVAU_hls"),
    K("MatrixVectorActivation", "MVAU", "", "legacy (v0.8-v0.9) name of MVAU_hls",
      bs_k_mvau_attrs, BS_K_MVAU_N, mvau_legacy_x, 2, bs_k_mvau_hls_ops, BS_KFOLD_MVAU, "MVAU_hls"),
    K("Vector_Vector_Activate_Batch", "VVAU", "", "legacy (<= v0.7) name of VVAU_hls",
      bs_k_vvau_attrs, BS_K_VVAU_N, vvau_legacy_x, 1, bs_k_vvau_hls_ops, BS_KFOLD_DEPTHWISE, "VVAU_hls"),
    K("VectorVectorActivation", "VVAU", "", "legacy (v0.8-v0.9) name of VVAU_hls",
      bs_k_vvau_attrs, BS_K_VVAU_N, vvau_legacy_x, 1, bs_k_vvau_hls_ops, BS_KFOLD_DEPTHWISE, "VVAU_hls"),
    K("Thresholding_Batch", "Thresholding", "", "legacy name of Thresholding_hls",
      bs_k_thr_attrs, BS_K_THR_N, thr_legacy_x, 2, bs_k_thr_hls_ops, BS_KFOLD_PE, "Thresholding_hls"),
    K("Thresholding_Binary_Search", "Thresholding", "", "legacy (v0.9) name of Thresholding_rtl",
      bs_k_thr_attrs, BS_K_THR_N, bs_k_thr_rtl_x, 4, bs_k_thr_rtl_ops, BS_KFOLD_PE, "Thresholding_rtl"),
    K("StreamingMaxPool_Batch", "StreamingMaxPool", "", "legacy name of StreamingMaxPool_hls",
      bs_k_smp_attrs, BS_K_SMP_N, NULL, 0, bs_k_smp_ops, BS_KFOLD_NONE, "StreamingMaxPool_hls"),
    K("Pool_Batch", "Pool", "", "legacy name of Pool_hls",
      bs_k_pool_attrs, BS_K_POOL_N, NULL, 0, bs_k_pool_ops, BS_KFOLD_DEPTHWISE, "Pool_hls"),
    K("StreamingDataWidthConverter_Batch", "StreamingDataWidthConverter", "", "legacy name of StreamingDataWidthConverter_hls",
      bs_k_dwc_attrs, BS_K_DWC_N, NULL, 0, bs_k_dwc_ops, BS_KFOLD_NONE, "StreamingDataWidthConverter_hls"),
    K("LabelSelect_Batch", "LabelSelect", "", "legacy name of LabelSelect_hls",
      bs_k_lsel_attrs, BS_K_LSEL_N, NULL, 0, bs_k_lsel_ops, BS_KFOLD_LABELSELECT, "LabelSelect_hls"),
    K("AddStreams_Batch", "AddStreams", "", "legacy name of AddStreams_hls",
      bs_k_add_attrs, BS_K_ADD_N, NULL, 0, bs_k_add_ops, BS_KFOLD_PE, "AddStreams_hls"),
    K("ChannelwiseOp_Batch", "ChannelwiseOp", "", "legacy name of ChannelwiseOp_hls",
      bs_k_cwo_attrs, BS_K_CWO_N, NULL, 0, bs_k_cwo_hls_ops, BS_KFOLD_PE, "ChannelwiseOp_hls"),
    K("GlobalAccPool_Batch", "GlobalAccPool", "", "legacy name of GlobalAccPool_hls",
      bs_k_gap_attrs, BS_K_GAP_N, NULL, 0, bs_k_gap_ops, BS_KFOLD_PE, "GlobalAccPool_hls"),
    K("DuplicateStreams_Batch", "DuplicateStreams", "", "legacy name of DuplicateStreams_hls",
      bs_k_dup_attrs, BS_K_DUP_N, NULL, 0, bs_k_dup_ops, BS_KFOLD_PE, "DuplicateStreams_hls"),
    K("FMPadding_Batch", "FMPadding", "", "legacy name of FMPadding_hls",
      bs_k_fmp_attrs, BS_K_FMP_N, NULL, 0, bs_k_fmp_ops, BS_KFOLD_SIMD, "FMPadding_hls"),
};

size_t bs_kernel_count(void) { return sizeof kernels / sizeof kernels[0]; }
const bs_kernel *bs_kernel_at(size_t i) { return i < bs_kernel_count() ? &kernels[i] : NULL; }

const bs_kernel *bs_kernel_find(const char *op_type) {
    if (!op_type) return NULL;
    for (size_t i = 0; i < bs_kernel_count(); i++)
        if (SEQ(kernels[i].op_type, op_type)) return &kernels[i];
    return NULL;
}

const bs_kattr_def *bs_kernel_attr(const bs_kernel *k, const char *name) {
    for (int i = 0; i < k->n_extra; i++)
        if (SEQ(k->extra[i].name, name)) return &k->extra[i];
    for (int i = 0; i < k->n_attrs; i++)
        if (SEQ(k->attrs[i].name, name)) return &k->attrs[i];
    return NULL;
}

static const char *const vnames[] = {"auto", "dev2025", "main", "v0.6", "v0.5"};
const char *bs_finn_version_name(bs_finn_version v) {
    return (unsigned)v < 5 ? vnames[v] : "?";
}
int bs_finn_version_parse(const char *s, bs_finn_version *out) {
    static const struct { const char *s; bs_finn_version v; } t[] = {
        {"auto", BS_FINN_AUTO}, {"dev2025", BS_FINN_DEV2025}, {"dev", BS_FINN_DEV2025},
        {"main", BS_FINN_MAIN}, {"v0.10", BS_FINN_MAIN}, {"v0.10.1", BS_FINN_MAIN},
        {"v0.6", BS_FINN_V06}, {"v0.5", BS_FINN_V05}, {"v0.5b", BS_FINN_V05},
        {"legacy", BS_FINN_V06},
    };
    for (size_t i = 0; s && i < sizeof t / sizeof t[0]; i++)
        if (strcasecmp(s, t[i].s) == 0) { *out = t[i].v; return 0; }
    return bs_error_set(BS_EINVAL, "unknown FINN cost-model version '%s' (auto, dev2025, main, v0.6, v0.5)",
                        s ? s : "(null)");
}

bool bs_part_is_versal(const char *p) {
    if (!p) return false;
    static const char *const p4[] = {"xcvc", "xcve", "xcvp", "xcvm", "xqvc", "xqvm"};
    for (size_t i = 0; i < 6; i++)
        if (strncasecmp(p, p4[i], 4) == 0) return true;
    return strncasecmp(p, "xqrvc", 5) == 0 || strncasecmp(p, "xcv80", 5) == 0;
}

const char *bs_kernel_dsp_block(const char *p) {
    if (bs_part_is_versal(p)) return "DSP58";
    if (!p || strlen(p) < 3 || p[2] == '7') return "DSP48E1";
    return "DSP48E2";
}
