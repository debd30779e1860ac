/* xf_hw.c - convert-to-hardware (finn-reference §6.4: MatMul [+
 * MultiThreshold] -> MVAU, XnorPopcountMatMul -> binary MVAU, MultiThreshold
 * -> Thresholding, TopK -> LabelSelect), CreateDataflowPartition (§6.5) and
 * SpecializeLayers (§6.6).  New HW nodes get FINN's attributes in FINN's
 * (alphabetical, make_node) order and FINN's names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brainsmith/kernels.h"
#include "brainsmith/util.h"
#include "xf_int.h"

static bool is_op(const bs_ir_node *n, const char *op) { return n && !strcmp(n->op_type, op); }

static bs_ir_node *next_of(bs_ir_graph *g, bs_ir_node *n)
{
    int i = bs_ir_node_index(g, n);
    return i >= 0 && i + 1 < g->nnodes ? g->nodes[i + 1] : NULL;
}

static int set_vecs(bs_ir_graph *g, bs_ir_node *n, const bs_ir_tensor *in)
{
    int64_t v[BS_IR_MAX_RANK];
    int r = in->rank > 1 ? in->rank - 1 : 1;
    if (in->rank <= 1) v[0] = 1;
    else for (int i = 0; i < r; i++) v[i] = in->dims[i];
    return bs_ir_attr_set_ints(g, n, "numInputVectors", v, r);
}

static int mvau(bs_xform_ctx *x, bool *changed, bool binary)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, binary ? "XnorPopcountMatMul" : "MatMul")) continue;
        bs_ir_tensor *in = n->inputs[0], *W = n->inputs[1], *out = n->outputs[0];
        if (!binary && W->sparsity) continue;
        bs_dt idt = in->dtype, wdt = W->dtype;
        if (binary) {
            if (!bs_dt_eq(idt, BS_DT_BINARY_V) || !bs_dt_eq(wdt, BS_DT_BINARY_V))
                return bs_error_set(BS_EINVAL, "%s: XnorPopcountMatMul needs BINARY input and weights",
                                    bs_ir_node_desc(n));
        } else if (!bs_dt_is_integer(idt) || !bs_dt_is_integer(wdt)) {
            continue;
        }
        if (!W->init) return bs_error_set(BS_EUNSUPPORTED, "%s: MatMul with dynamic weights is not supported", bs_ir_node_desc(n));
        if (W->init->rank != 2) continue;
        int64_t mw = W->init->dims[0], mh = W->init->dims[1];
        bs_ir_node *c = out->nconsumers == 1 && !out->is_output ? out->consumers[0] : NULL;
        bs_ir_tensor *ins[3] = {in, W, NULL};
        int nin = 2;
        bs_ir_tensor *o = out;
        int64_t actval = 0;
        bool act = c && is_op(c, "MultiThreshold");
        bs_dt odt = out->dtype;
        if (act) {
            bs_ir_tensor *T = c->inputs[1];
            if (!T->init || (T->init->dims[0] != 1 && T->init->dims[0] != mh))
                return bs_error_set(BS_EINVAL, "%s: First dimension of thresholds neither 1 nor MH.", bs_ir_node_desc(c));
            o = c->outputs[0];
            odt = o->dtype;
            double scale = bs_ir_attr_float(c, "out_scale", 1.0), bias = bs_ir_attr_float(c, "out_bias", 0.0);
            if ((double)(int64_t)bias != bias)
                return bs_error_set(BS_EINVAL, "%s: out_bias must be integer for HLS conversion.", bs_ir_node_desc(c));
            actval = (int64_t)bias;
            bool bip = odt.kind == BS_DT_BIPOLAR && scale == 2.0 && actval == -1;
            if (scale != 1.0 && !bip)
                return bs_error_set(BS_EINVAL, "%s: out_scale=1 or bipolar output needed for conversion.", bs_ir_node_desc(c));
            if (binary) actval = bs_dt_bitwidth(odt) == 1 ? 0 : (int64_t)bs_dt_min(odt);
            else {
                if (bs_dt_signed(odt) && !bip && actval >= 0)
                    return bs_error_set(BS_EINVAL, "%s: Signed output requres actval < 0", bs_ir_node_desc(c));
                if (bip) actval = 0;
            }
            ins[2] = T;
            nin = 3;
        }
        char name[256];
        if (binary) snprintf(name, sizeof name, "%s", n->name);
        else snprintf(name, sizeof name, "MVAU_%s", n->name);
        bs_ir_node *nx = act ? next_of(g, c) : next_of(g, n);
        int rc;
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        if (act && (rc = bs_ir_node_remove(g, c)) < 0) return rc;
        bs_ir_node *m = bs_ir_node_add(g, "MVAU", BS_DOMAIN_FPGADATAFLOW, name, ins, nin, &o, 1, nx);
        if (!m) return bs_error_wrap(BS_EINVAL, "creating MVAU for %s", name);
        bs_ir_attr_set_int(g, m, "ActVal", actval);
        bs_ir_attr_set_int(g, m, "MH", mh);
        bs_ir_attr_set_int(g, m, "MW", mw);
        bs_ir_attr_set_int(g, m, "PE", 1);
        bs_ir_attr_set_int(g, m, "SIMD", 1);
        bs_ir_attr_set_str(g, m, "backend", "fpgadataflow");
        bs_ir_attr_set_int(g, m, "binaryXnorMode", binary ? 1 : 0);
        if (!binary) bs_ir_attr_set_int(g, m, "dynamic_input", 0);
        if (!binary) { int64_t d2 = 2; bs_ir_attr_set_ints(g, m, "inFIFODepths", &d2, 1); }
        bs_ir_attr_set_dt(g, m, "inputDataType", idt);
        bs_ir_attr_set_int(g, m, "noActivation", act ? 0 : 1);
        set_vecs(g, m, in);
        bs_ir_attr_set_dt(g, m, "outputDataType", odt);
        bs_ir_attr_set_dt(g, m, "weightDataType", wdt);
        *changed = true;
        if ((rc = bs_ir_infer_shapes(g)) < 0) return rc;
        return bs_ir_infer_datatypes(g);
    }
    return 0;
}

int xf_InferBinaryMatrixVectorActivation(bs_xform_ctx *x, bool *changed) { return mvau(x, changed, true); }
int xf_InferQuantizedMatrixVectorActivation(bs_xform_ctx *x, bool *changed) { return mvau(x, changed, false); }

int xf_InferThresholdingLayer(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "MultiThreshold")) continue;
        bs_ir_tensor *in = n->inputs[0], *T = n->inputs[1], *out = n->outputs[0];
        bs_dt idt = in->dtype, tdt = T->dtype;
        bool idt_ok = bs_dt_is_integer(idt) || idt.kind == BS_DT_FLOAT32 || idt.kind == BS_DT_FLOAT16;
        bool tdt_ok = bs_dt_is_integer(tdt) || tdt.kind == BS_DT_FLOAT32 || tdt.kind == BS_DT_FLOAT16;
        if (!idt_ok || !tdt_ok) continue;
        bool nchw_in = in->rank == 4 && in->layout && !strcmp(in->layout, "['N', 'C', 'H', 'W']") &&
                       strcmp(bs_ir_attr_str(n, "data_layout", "NCHW"), "NHWC");
        bool nchw_out = out->rank == 4 && out->layout && !strcmp(out->layout, "['N', 'C', 'H', 'W']") &&
                        strcmp(bs_ir_attr_str(n, "data_layout", "NCHW"), "NHWC");
        if (!T->init || T->init->rank != 2)
            return bs_error_set(BS_EINVAL, "%s: thresholds must be a constant 2-D tensor", bs_ir_node_desc(n));
        double scale = bs_ir_attr_float(n, "out_scale", 1.0), bias = bs_ir_attr_float(n, "out_bias", 0.0);
        if (scale != 1.0)
            return bs_error_set(BS_EINVAL, "%s: MultiThreshold out_scale must be 1 for HLS conversion.", bs_ir_node_desc(n));
        if ((double)(int64_t)bias != bias)
            return bs_error_set(BS_EINVAL, "%s: MultiThreshold out_bias must be integer for HLS conversion.", bs_ir_node_desc(n));
        bs_dt odt = out->dtype;
        if (odt.kind != BS_DT_BIPOLAR && bs_dt_signed(odt) && bias >= 0)
            return bs_error_set(BS_EINVAL, "%s: Signed output requires actval < 0", bs_ir_node_desc(n));
        char name[256];
        snprintf(name, sizeof name, "Thresholding_%s", n->name);
        bs_ir_node *nx = next_of(g, n);
        int rc;
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        /* FINN's nchw_to_nhwc: Transposes around a channels-last Thresholding */
        static const int64_t to_nhwc[4] = {0, 2, 3, 1}, to_nchw[4] = {0, 3, 1, 2};
        bs_ir_tensor *tin = in, *tout = out;
        if (nchw_in) {
            int64_t d[4] = {in->dims[0], in->dims[2], in->dims[3], in->dims[1]};
            tin = bs_ir_tensor_new(g, "thr_nhwc_in");
            bs_ir_tensor_set_shape(g, tin, 4, d);
            bs_ir_tensor_set_dtype(tin, idt);
            bs_ir_tensor_set_layout(g, tin, "['N', 'H', 'W', 'C']");
            bs_ir_node *tr = bs_ir_node_add(g, "Transpose", "", "", &in, 1, &tin, 1, nx);
            if (!tr) return bs_error_wrap(BS_EINVAL, "%s", name);
            bs_ir_attr_set_ints(g, tr, "perm", to_nhwc, 4);
        }
        if (nchw_out) {
            int64_t d[4] = {out->dims[0], out->dims[2], out->dims[3], out->dims[1]};
            tout = bs_ir_tensor_new(g, "thr_nhwc_out");
            bs_ir_tensor_set_shape(g, tout, 4, d);
            bs_ir_tensor_set_layout(g, tout, "['N', 'H', 'W', 'C']");
        }
        bs_ir_tensor *ins[2] = {tin, T};
        in = tin;
        bs_ir_node *t = bs_ir_node_add(g, "Thresholding", BS_DOMAIN_FPGADATAFLOW, name, ins, 2, &tout, 1, nx);
        if (!t) return bs_error_wrap(BS_EINVAL, "creating %s", name);
        bs_ir_attr_set_int(g, t, "ActVal", (int64_t)bias);
        bs_ir_attr_set_int(g, t, "NumChannels", in->dims[in->rank - 1]);
        bs_ir_attr_set_int(g, t, "PE", 1);
        bs_ir_attr_set_str(g, t, "backend", "fpgadataflow");
        bs_ir_attr_set_dt(g, t, "inputDataType", idt);
        set_vecs(g, t, in);
        bs_ir_attr_set_int(g, t, "numSteps", T->init->dims[1]);
        bs_ir_attr_set_dt(g, t, "outputDataType", odt);
        bs_ir_attr_set_dt(g, t, "weightDataType", tdt);
        if (nchw_out) {
            bs_ir_node *tr = bs_ir_node_add(g, "Transpose", "", "", &tout, 1, &out, 1, nx);
            if (!tr) return bs_error_wrap(BS_EINVAL, "%s", name);
            bs_ir_attr_set_ints(g, tr, "perm", to_nchw, 4);
        }
        *changed = true;
        if ((rc = bs_ir_infer_shapes(g)) < 0) return rc;
        return bs_ir_infer_datatypes(g);
    }
    return 0;
}

int xf_InferLabelSelectLayer(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "TopK") || n->noutputs < 2) continue;
        bs_ir_tensor *in = n->inputs[0], *kt = n->inputs[1], *val = n->outputs[0], *idx = n->outputs[1];
        if (!kt || !kt->init || !bs_dt_is_integer(in->dtype)) continue;
        if (val->nconsumers || val->is_output) continue;
        int64_t K = (int64_t)xf_scalar(kt);
        char name[256];
        snprintf(name, sizeof name, "LabelSelect_%s", n->name);
        bs_ir_node *nx = next_of(g, n);
        int rc;
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        bs_ir_node *l = bs_ir_node_add(g, "LabelSelect", BS_DOMAIN_FPGADATAFLOW, name, &in, 1, &idx, 1, nx);
        if (!l) return bs_error_wrap(BS_EINVAL, "creating %s", name);
        bs_ir_attr_set_int(g, l, "K", K);
        bs_ir_attr_set_int(g, l, "Labels", in->dims[in->rank - 1]);
        bs_ir_attr_set_int(g, l, "PE", 1);
        bs_ir_attr_set_str(g, l, "backend", "fpgadataflow");
        bs_ir_attr_set_dt(g, l, "inputDataType", in->dtype);
        set_vecs(g, l, in);
        /* LabelSelect's constructor: smallest type for Labels-1, bits rounded up to 8 */
        bs_dt s = bs_dt_smallest((double)(in->dims[in->rank - 1] - 1));
        int bw = (bs_dt_bitwidth(s) + 7) / 8 * 8;
        bs_ir_attr_set_dt(g, l, "outputDataType", bs_dt_signed(s) ? bs_dt_int(bw) : bs_dt_uint(bw));
        *changed = true;
        if ((rc = bs_ir_infer_shapes(g)) < 0) return rc;
        return bs_ir_infer_datatypes(g);
    }
    return 0;
}

/* ---- CreateDataflowPartition ---------------------------------------------- */

int bs_xform_create_partition(bs_xform_ctx *x, bs_ir_graph **child_out)
{
    bs_ir_graph *g = x->g;
    int first = -1, last = -1, nhw = 0;
    for (int k = 0; k < g->nnodes; k++)
        if (bs_ir_domain_is_fpgadataflow(g->nodes[k]->domain)) {
            if (first < 0) first = k;
            last = k;
            nhw++;
        }
    if (nhw == 0) return bs_error_set(BS_EINVAL, "CreateDataflowPartition: the model has no HW (fpgadataflow) nodes");
    for (int k = first; k <= last; k++)
        if (!bs_ir_domain_is_fpgadataflow(g->nodes[k]->domain))
            return bs_error_set(BS_EUNSUPPORTED,
                                "CreateDataflowPartition: %s sits between HW nodes and has no HW implementation "
                                "(cycle-free graph violated); FINN cannot map this op",
                                bs_ir_node_desc(g->nodes[k]));
    bs_ir_graph *child = NULL;
    int rc = bs_ir_clone(g, &child);
    if (rc < 0) return rc;
    /* child: keep nodes [first, last] */
    bs_ir_node **cn = child->nodes;
    int cnn = child->nnodes;
    bs_ir_node **keep = malloc(sizeof *keep * (size_t)cnn);
    if (!keep) { bs_ir_free(child); return bs_error_set(BS_ENOMEM, "partition"); }
    memcpy(keep, cn, sizeof *keep * (size_t)cnn);
    for (int k = 0; k < cnn; k++)
        if (k < first || k > last) bs_ir_node_remove(child, keep[k]);
    /* boundary tensors */
    while (child->ninputs) bs_ir_remove_input(child, child->inputs[0]);
    while (child->noutputs) bs_ir_remove_output(child, child->outputs[0]);
    for (int k = 0; k < child->nnodes; k++) {
        bs_ir_node *n = child->nodes[k];
        for (int i = 0; i < n->ninputs; i++) {
            bs_ir_tensor *t = n->inputs[i];
            if (t && !t->init && !t->producer && !t->is_input) bs_ir_add_input(child, t);
        }
    }
    bs_ir_tensor **pouts = NULL;
    int npouts = 0;
    pouts = calloc((size_t)g->ntensors + 1, sizeof *pouts);
    for (int k = first; k <= last; k++) {
        bs_ir_node *n = g->nodes[k];
        for (int o = 0; o < n->noutputs; o++) {
            bs_ir_tensor *t = n->outputs[o];
            bool ext = t->is_output;
            for (int c = 0; c < t->nconsumers; c++) {
                int ci = bs_ir_node_index(g, t->consumers[c]);
                if (ci < first || ci > last) ext = true;
            }
            if (ext) {
                pouts[npouts++] = t;
                bs_ir_add_output(child, bs_ir_tensor_find(child, t->name));
            }
        }
    }
    bs_ir_remove_unused_tensors(child);
    /* parent: the HW nodes replaced by one StreamingDataflowPartition */
    bs_ir_tensor **pins = calloc((size_t)child->ninputs + 1, sizeof *pins);
    for (int i = 0; i < child->ninputs; i++) pins[i] = bs_ir_tensor_find(g, child->inputs[i]->name);
    bs_ir_node *after = last + 1 < g->nnodes ? g->nodes[last + 1] : NULL;
    bs_ir_node **hw = malloc(sizeof *hw * (size_t)(nhw ? nhw : 1));
    for (int k = first; k <= last; k++) hw[k - first] = g->nodes[k];
    for (int k = 0; k < nhw; k++) bs_ir_node_remove(g, hw[k]);
    bs_ir_node *sdp = bs_ir_node_add(g, "StreamingDataflowPartition", BS_DOMAIN_FPGADATAFLOW, "GenericPartition_0",
                                     pins, child->ninputs, pouts, npouts, after);
    free(hw);
    free(pins);
    free(pouts);
    free(keep);
    if (!sdp) { bs_ir_free(child); return bs_error_wrap(BS_EINVAL, "creating the partition node"); }
    bs_ir_attr_set_str(g, sdp, "model", x->config_file ? x->config_file : "");
    bs_ir_attr_set_int(g, sdp, "partition_id", 0);
    bs_ir_attr_set_int(g, sdp, "slr", -1);
    bs_ir_attr_set_str(g, sdp, "mem_port", "");
    bs_ir_remove_unused_tensors(g);
    *child_out = child;
    return 0;
}

int xf_CreateDataflowPartition(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *child = NULL;
    int rc = bs_xform_create_partition(x, &child);
    if (rc < 0) return rc;
    bs_ir_free(child);
    *changed = true;
    return 0;
}

/* ---- SpecializeLayers -------------------------------------------------------- */

static bool mvu_rtl_possible(bs_ir_graph *g, const bs_ir_node *n, const char *part)
{
    if (bs_ir_attr_int(n, "noActivation", 0) != 1 || bs_ir_attr_int(n, "binaryXnorMode", 0)) return false;
    bs_dt idt, wdt;
    if (bs_ir_attr_get_dt(n, "inputDataType", &idt) < 0 || bs_ir_attr_get_dt(n, "weightDataType", &wdt) < 0) return false;
    if (!bs_dt_signed(wdt)) return false;
    const char *dsp = bs_kernel_dsp_block(part);
    if (!strcmp(dsp, "DSP48E1") && n->ninputs > 1 && n->inputs[1]->init) {
        double *v;
        int64_t cnt;
        if (bs_ir_tensor_values(g, n->inputs[1], &v, &cnt) == 0) {
            double mn = v[0];
            for (int64_t i = 1; i < cnt; i++) if (v[i] < mn) mn = v[i];
            if (mn == bs_dt_min(wdt)) return false;
        }
    }
    int ib = bs_dt_bitwidth(idt), wb = bs_dt_bitwidth(wdt);
    bool in_ok = (ib >= 2 && ib <= 8) || (ib == 9 && bs_dt_signed(idt));
    return in_ok && wb >= 2 && wb <= 8;
}

static const struct { const char *op; bool hls, rtl; } variants[] = {
    {"MVAU", true, true}, {"VVAU", true, true}, {"Thresholding", true, true},
    {"ConvolutionInputGenerator", true, true}, {"FMPadding", true, true},
    {"StreamingDataWidthConverter", true, true}, {"StreamingFIFO", false, true},
    {"StreamingMaxPool", true, false}, {"Pool", true, false}, {"LabelSelect", true, false},
    {"AddStreams", true, false}, {"ChannelwiseOp", true, false}, {"GlobalAccPool", true, false},
    {"DuplicateStreams", true, false}, {"StreamingEltwise", true, false}, {"Lookup", true, false},
    {"UpsampleNearestNeighbour", true, false}, {"StreamingConcat", true, false},
    {"StreamingSplit", true, false}, {"DownSampler", true, false}, {"FMPadding_Pixel", true, false},
};

int xf_SpecializeLayers(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    const char *part = x->fpga_part ? x->fpga_part : "xc7z020clg400-1";
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!n->domain || strcmp(n->domain, BS_DOMAIN_FPGADATAFLOW)) continue;
        int vi = -1;
        for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
            if (!strcmp(variants[i].op, n->op_type)) vi = (int)i;
        if (vi < 0)
            return bs_error_set(BS_EUNSUPPORTED, "%s: no hls or rtl variant of %s known to SpecializeLayers",
                                bs_ir_node_desc(n), n->op_type);
        const char *pref = bs_ir_attr_str(n, "preferred_impl_style", "");
        bool rtl;
        bool is_mvau = !strcmp(n->op_type, "MVAU"), is_vvau = !strcmp(n->op_type, "VVAU");
        if (!*pref) {
            if (is_mvau) {
                bs_dt idt, wdt;
                bool fit = bs_ir_attr_get_dt(n, "inputDataType", &idt) == 0 &&
                           bs_ir_attr_get_dt(n, "weightDataType", &wdt) == 0 &&
                           bs_dt_bitwidth(idt) >= 4 && bs_dt_bitwidth(wdt) >= 4;
                rtl = fit && mvu_rtl_possible(g, n, part);
            } else if (is_vvau) {
                rtl = false;  /* RTL VVU needs Versal DSP58 */
                if (bs_part_is_versal(part) && bs_ir_attr_int(n, "noActivation", 0) == 1) {
                    bs_dt idt, wdt;
                    rtl = bs_ir_attr_get_dt(n, "inputDataType", &idt) == 0 &&
                          bs_ir_attr_get_dt(n, "weightDataType", &wdt) == 0 && bs_dt_bitwidth(idt) >= 4 &&
                          bs_dt_bitwidth(wdt) >= 4 && bs_dt_bitwidth(idt) <= 8 && bs_dt_bitwidth(wdt) <= 8 &&
                          bs_dt_signed(wdt);
                }
            } else if (!strcmp(n->op_type, "StreamingDataWidthConverter")) {
                int64_t iw = bs_ir_attr_int(n, "inWidth", 1), ow = bs_ir_attr_int(n, "outWidth", 1);
                rtl = iw > 0 && ow > 0 && (iw % ow == 0 || ow % iw == 0);
            } else {
                rtl = variants[vi].rtl;
            }
        } else if (!strcmp(pref, "hls")) {
            rtl = !variants[vi].hls;
            if (rtl) bs_xform_warn(x, "%s: no hls variant, using rtl", bs_ir_node_desc(n));
        } else if (!strcmp(pref, "rtl")) {
            if (is_mvau) rtl = mvu_rtl_possible(g, n, part);
            else rtl = variants[vi].rtl;
            if (!rtl) bs_xform_warn(x, "%s: rtl not possible, using hls", bs_ir_node_desc(n));
        } else {
            return bs_error_set(BS_EINVAL, "%s: preferred_impl_style '%s' is not '', 'hls' or 'rtl'",
                                bs_ir_node_desc(n), pref);
        }
        char op[128];
        snprintf(op, sizeof op, "%s_%s", n->op_type, rtl ? "rtl" : "hls");
        bs_ir_node *nx = next_of(g, n);
        bs_ir_tensor *ins[16], *outs[16];
        int ni = n->ninputs < 16 ? n->ninputs : 16, no = n->noutputs < 16 ? n->noutputs : 16;
        for (int i = 0; i < ni; i++) ins[i] = n->inputs[i];
        for (int i = 0; i < no; i++) outs[i] = n->outputs[i];
        int rc;
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        bs_ir_node *s = bs_ir_node_add(g, op, rtl ? BS_DOMAIN_FPGADATAFLOW_RTL : BS_DOMAIN_FPGADATAFLOW_HLS, "",
                                       ins, ni, outs, no, nx);
        if (!s) return bs_error_wrap(BS_EINVAL, "SpecializeLayers");
        if ((rc = bs_ir_attr_copy_all(g, s, n)) < 0) return rc;
        bs_ir_attr_remove(s, "preferred_impl_style");
        *changed = true;
    }
    /* FINN leaves specialised nodes unnamed until the next GiveUniqueNodeNames;
     * brainsmith names them right away (same names FINN gives them later). */
    return *changed ? bs_ir_give_unique_node_names(g, "") : 0;
}

/* ---- further FINN conversions (used by custom steps / finn-examples) ------- */

/* FINN's nchw_to_nhwc: a Transpose in front of (or, reverse, behind) a
 * channels-last HW node.  Returns the tensor the HW node uses. */
static bs_ir_tensor *nhwc_wrap(bs_ir_graph *g, bs_ir_tensor *t, bool reverse, bs_ir_node *before)
{
    static const int64_t to_nhwc[4] = {0, 2, 3, 1}, to_nchw[4] = {0, 3, 1, 2};
    int64_t d[4] = {t->dims[0], t->dims[2], t->dims[3], t->dims[1]};
    bs_ir_tensor *n = bs_ir_tensor_new(g, reverse ? "hw_nhwc_out" : "hw_nhwc_in");
    if (!n) return NULL;
    bs_ir_tensor_set_shape(g, n, 4, d);
    bs_ir_tensor_set_dtype(n, t->dtype);
    bs_ir_tensor_set_layout(g, n, "['N', 'H', 'W', 'C']");
    bs_ir_tensor *in = reverse ? n : t, *out = reverse ? t : n;
    bs_ir_node *tr = bs_ir_node_add(g, "Transpose", "", "", &in, 1, &out, 1, before);
    if (!tr) return NULL;
    bs_ir_attr_set_ints(g, tr, "perm", reverse ? to_nchw : to_nhwc, 4);
    return n;
}

/* Transpose(NHWC -> NCHW) from the HW node's output `res` to `out`. */
static bool nhwc_unwrap(bs_ir_graph *g, bs_ir_tensor *res, bs_ir_tensor *out, bs_ir_node *before)
{
    static const int64_t to_nchw[4] = {0, 3, 1, 2};
    bs_ir_tensor_set_layout(g, res, "['N', 'H', 'W', 'C']");
    bs_ir_node *tr = bs_ir_node_add(g, "Transpose", "", "", &res, 1, &out, 1, before);
    if (!tr) return false;
    bs_ir_attr_set_ints(g, tr, "perm", to_nchw, 4);
    return true;
}

static bool is_nchw(const bs_ir_tensor *t)
{
    return t->rank == 4 && t->layout && !strcmp(t->layout, "['N', 'C', 'H', 'W']");
}

int xf_InferAddStreamsLayer(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "Add") || n->ninputs != 2) continue;
        bs_ir_tensor *a = n->inputs[0], *b = n->inputs[1], *o = n->outputs[0];
        if (a->init || b->init || a->rank != b->rank || a->rank < 1) continue;
        bool same = true;
        for (int i = 0; i < a->rank; i++) same &= a->dims[i] == b->dims[i];
        if (!same || !bs_dt_is_integer(a->dtype) || !bs_dt_is_integer(b->dtype)) continue;
        bs_ir_node *nx = next_of(g, n);
        char name[256];
        snprintf(name, sizeof name, "AddStreams_%s", n->name);
        bs_dt d0 = a->dtype, d1 = b->dtype;
        int rc;
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        if (is_nchw(a)) a = nhwc_wrap(g, a, false, nx);
        if (is_nchw(b)) b = nhwc_wrap(g, b, false, nx);
        bs_ir_tensor *res = o;
        bool wrap_out = is_nchw(o);
        if (wrap_out) {
            int64_t dd[4] = {o->dims[0], o->dims[2], o->dims[3], o->dims[1]};
            res = bs_ir_tensor_new(g, "addstreams_out");
            bs_ir_tensor_set_shape(g, res, 4, dd);
        }
        bs_ir_tensor *ins[2] = {a, b};
        bs_ir_node *s = a && b ? bs_ir_node_add(g, "AddStreams", BS_DOMAIN_FPGADATAFLOW, name, ins, 2, &res, 1, nx) : NULL;
        if (!s) return bs_error_wrap(BS_EINVAL, "%s", name);
        const char *dts[2];
        char b0[BS_DT_NAME_MAX], b1[BS_DT_NAME_MAX];
        dts[0] = bs_dt_name(d0, b0);
        dts[1] = bs_dt_name(d1, b1);
        bs_ir_attr_set_int(g, s, "NumChannels", a->dims[a->rank - 1]);
        bs_ir_attr_set_int(g, s, "PE", 1);
        bs_ir_attr_set_str(g, s, "backend", "fpgadataflow");
        /* FINN dev: inputDataTypes; the kernels module reads main's inputDataType */
        bs_ir_attr_set_dt(g, s, "inputDataType", d0);
        bs_ir_attr_set_strings(g, s, "inputDataTypes", dts, 2);
        set_vecs(g, s, a);
        if (wrap_out && !nhwc_unwrap(g, res, o, nx)) return bs_error_wrap(BS_EINVAL, "%s", name);
        *changed = true;
        if ((rc = bs_ir_infer_shapes(g)) < 0) return rc;
        return bs_ir_infer_datatypes(g);
    }
    return 0;
}

int xf_InferDuplicateStreamsLayer(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    /* graph inputs first, then node outputs, as FINN */
    int nt = g->ninputs;
    for (int pass = 0; pass < 2; pass++) {
        int count = pass == 0 ? nt : g->nnodes;
        for (int k = 0; k < count; k++) {
            bs_ir_tensor *t = NULL;
            bs_ir_node *prod = NULL;
            if (pass == 0) t = g->inputs[k];
            else {
                prod = g->nodes[k];
                if (!strcmp(prod->op_type, "DuplicateStreams")) continue;
            }
            int nout = pass == 0 ? 1 : prod->noutputs;
            for (int o = 0; o < nout; o++) {
                if (pass) t = prod->outputs[o];
                if (!t || t->nconsumers < 2 || !bs_dt_is_integer(t->dtype) || t->rank < 1) continue;
                int n = t->nconsumers;
                bs_ir_tensor **clones = calloc((size_t)n, sizeof *clones);
                bs_ir_node **cons = calloc((size_t)n, sizeof *cons);
                if (!clones || !cons) { free(clones); free(cons); return bs_error_set(BS_ENOMEM, "DuplicateStreams"); }
                for (int i = 0; i < n; i++) {
                    clones[i] = xf_tensor_like(g, "dup_out", t);
                    bs_ir_tensor_set_dtype(clones[i], t->dtype);
                    if (t->layout) bs_ir_tensor_set_layout(g, clones[i], t->layout);
                    cons[i] = t->consumers[i];
                }
                char name[256];
                snprintf(name, sizeof name, "DuplicateStreams_%s", pass == 0 ? t->name : prod->name);
                bs_ir_node *before = pass == 0 ? (g->nnodes ? g->nodes[0] : NULL) : next_of(g, prod);
                bs_ir_node *d = bs_ir_node_add(g, "DuplicateStreams", BS_DOMAIN_FPGADATAFLOW, name, &t, 1, clones, n, before);
                if (!d) { free(clones); free(cons); return bs_error_wrap(BS_EINVAL, "%s", name); }
                bs_ir_attr_set_int(g, d, "NumChannels", t->dims[t->rank - 1]);
                bs_ir_attr_set_int(g, d, "NumOutputStreams", n);
                bs_ir_attr_set_int(g, d, "PE", 1);
                bs_ir_attr_set_str(g, d, "backend", "fpgadataflow");
                bs_ir_attr_set_dt(g, d, "inputDataType", t->dtype);
                set_vecs(g, d, t);
                int64_t *depths = malloc(sizeof(int64_t) * (size_t)n);
                for (int i = 0; i < n; i++) depths[i] = 2;
                bs_ir_attr_set_ints(g, d, "outFIFODepths", depths, n);
                free(depths);
                /* each consumer reads its own clone (first matching input) */
                for (int i = 0; i < n; i++) {
                    bs_ir_node *c = cons[i];
                    for (int j = 0; j < c->ninputs; j++)
                        if (c->inputs[j] == t) { bs_ir_node_set_input(g, c, j, clones[i]); break; }
                }
                free(clones);
                free(cons);
                *changed = true;
                int rc = bs_xform_sort_graph(g);
                if (rc < 0) return rc;
                if ((rc = bs_ir_infer_shapes(g)) < 0) return rc;
                return bs_ir_infer_datatypes(g);
            }
        }
    }
    return 0;
}

/* QONNX get_accumulator_dt_cands order without BIPOLAR/TERNARY/FLOAT32 */
static bs_dt smallest_of(const double *v, int n)
{
    bs_dt c[130];
    int nc = 0;
    c[nc++] = BS_DT_BINARY_V;
    for (int b = 2; b <= 64; b++) c[nc++] = bs_dt_uint(b);
    for (int b = 2; b <= 64; b++) c[nc++] = bs_dt_int(b);
    for (int i = 0; i < nc; i++) {
        bool ok = true;
        for (int j = 0; j < n; j++) ok &= v[j] >= bs_dt_min(c[i]) && v[j] <= bs_dt_max(c[i]);
        if (ok) return c[i];
    }
    bool pos = true;
    for (int j = 0; j < n; j++) pos &= v[j] >= 0;
    return pos ? bs_dt_uint(64) : bs_dt_int(64);
}

int xf_InferChannelwiseLinearLayer(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        bool add = is_op(n, "Add"), mul = is_op(n, "Mul");
        if ((!add && !mul) || n->ninputs != 2 || !n->inputs[1] || !n->inputs[1]->init) continue;
        bs_ir_tensor *in = n->inputs[0], *out = n->outputs[0], *ct = n->inputs[1];
        if (!in->layout) continue;
        int chi;
        int64_t ch;
        if (!strcmp(in->layout, "['N', 'H', 'W', 'C']") || !strcmp(in->layout, "['N', 'C']")) { chi = -1; ch = in->dims[in->rank - 1]; }
        else if (!strcmp(in->layout, "['N', 'C', 'H', 'W']")) { chi = 1; ch = in->dims[1]; }
        else continue;
        xf_arr c;
        int rc;
        if ((rc = xf_arr_get(g, ct, &c)) < 0) return rc;
        if (c.n == 1) {
            double v = c.v[0];
            xf_arr_new(g, 1, &ch, &c);
            for (int64_t i = 0; i < ch; i++) c.v[i] = v;
        } else {
            int idx = chi < 0 ? c.rank - 1 : chi;
            if (c.n != ch || idx < 0 || idx >= c.rank || c.dims[idx] != ch) continue;
        }
        bool integral = true;
        for (int64_t i = 0; i < c.n; i++) integral &= c.v[i] == (double)(int32_t)c.v[i];
        bs_dt idt = in->dtype;
        if (!integral || !bs_dt_is_integer(idt)) continue;
        double pmin = c.v[0], pmax = c.v[0];
        for (int64_t i = 1; i < c.n; i++) { if (c.v[i] < pmin) pmin = c.v[i]; if (c.v[i] > pmax) pmax = c.v[i]; }
        double pv[2] = {pmin, pmax};
        bs_dt pdt = smallest_of(pv, 2), odt;
        if (add) {
            double ov[2] = {bs_dt_min(idt) + pmin, bs_dt_max(idt) + pmax};
            odt = smallest_of(ov, 2);
        } else {
            double ov[4] = {bs_dt_min(idt) * pmin, bs_dt_min(idt) * pmax, bs_dt_max(idt) * pmin, bs_dt_max(idt) * pmax};
            odt = smallest_of(ov, 4);
        }
        char name[256];
        snprintf(name, sizeof name, "ChannelwiseOp_%s", n->name);
        bs_ir_node *nx = next_of(g, n);
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        bs_ir_tensor *hin = chi == 1 ? nhwc_wrap(g, in, false, nx) : in, *hout = out;
        if (chi == 1) {
            int64_t dd[4] = {out->dims[0], out->dims[2], out->dims[3], out->dims[1]};
            hout = bs_ir_tensor_new(g, "channelwise_out");
            bs_ir_tensor_set_shape(g, hout, 4, dd);
        }
        c.rank = 1;
        c.dims[0] = ch;
        bs_ir_tensor *pt = xf_const(g, ct->name, &c);
        bs_ir_tensor_set_dtype(pt, pdt);
        bs_ir_tensor *ins[2] = {hin, pt};
        bs_ir_node *s = hin ? bs_ir_node_add(g, "ChannelwiseOp", BS_DOMAIN_FPGADATAFLOW, name, ins, 2, &hout, 1, nx) : NULL;
        if (!s) return bs_error_wrap(BS_EINVAL, "%s", name);
        bs_ir_attr_set_str(g, s, "Func", add ? "add" : "mul");
        bs_ir_attr_set_int(g, s, "NumChannels", ch);
        bs_ir_attr_set_int(g, s, "PE", 1);
        bs_ir_attr_set_str(g, s, "backend", "fpgadataflow");
        bs_ir_attr_set_dt(g, s, "inputDataType", idt);
        set_vecs(g, s, hin);
        bs_ir_attr_set_dt(g, s, "outputDataType", odt);
        bs_ir_attr_set_dt(g, s, "paramDataType", pdt);
        bs_ir_tensor_set_dtype(hout, odt);
        if (chi == 1 && !nhwc_unwrap(g, hout, out, nx)) return bs_error_wrap(BS_EINVAL, "%s", name);
        *changed = true;
        if ((rc = bs_ir_infer_shapes(g)) < 0) return rc;
        return bs_ir_infer_datatypes(g);
    }
    return 0;
}

int xf_InferGlobalAccPoolLayer(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "GlobalAveragePool")) continue;
        bs_ir_tensor *in = n->inputs[0], *out = n->outputs[0];
        if (!bs_dt_is_integer(in->dtype) || in->rank != 4) continue;
        char name[256];
        snprintf(name, sizeof name, "GlobalAccPool_%s", n->name);
        bs_ir_node *nx = next_of(g, n);
        int rc;
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        bs_ir_tensor *hin = is_nchw(in) ? nhwc_wrap(g, in, false, nx) : in, *res = out;
        bool wrap_out = is_nchw(out);
        if (wrap_out) {
            int64_t dd[4] = {out->dims[0], out->dims[2], out->dims[3], out->dims[1]};
            res = bs_ir_tensor_new(g, "gap_nhwc_out");
            bs_ir_tensor_set_shape(g, res, 4, dd);
        }
        bs_ir_tensor *pool = xf_tensor_like(g, "gap_acc", res);
        bs_ir_node *p = hin ? bs_ir_node_add(g, "GlobalAccPool", BS_DOMAIN_FPGADATAFLOW, name, &hin, 1, &pool, 1, nx) : NULL;
        if (!p) return bs_error_wrap(BS_EINVAL, "%s", name);
        bs_ir_attr_set_int(g, p, "NumChannels", hin->dims[3]);
        bs_ir_attr_set_int(g, p, "PE", 1);
        bs_ir_attr_set_str(g, p, "backend", "fpgadataflow");
        bs_ir_attr_set_dt(g, p, "inputDataType", in->dtype);
        set_vecs(g, p, hin);
        xf_arr m;
        int64_t one = 1;
        xf_arr_new(g, 1, &one, &m);
        m.v[0] = 1.0f / (float)(hin->dims[1] * hin->dims[2]);
        bs_ir_tensor *mt = xf_const(g, "gap_scale", &m);
        if (!xf_node(g, "Mul", "", pool, mt, res, nx)) return bs_error_wrap(BS_EINVAL, "%s", name);
        if (wrap_out && !nhwc_unwrap(g, res, out, nx)) return bs_error_wrap(BS_EINVAL, "%s", name);
        *changed = true;
        if ((rc = bs_ir_infer_shapes(g)) < 0) return rc;
        return bs_ir_infer_datatypes(g);
    }
    return 0;
}

/* InferVectorVectorActivation: MatMul with a depthwise sparsity annotation
 * (from LowerConvsToMatMul) [+ MultiThreshold] -> VVAU with PE = Channels. */
int xf_InferVectorVectorActivation(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "MatMul") || !n->inputs[1]->sparsity) continue;
        bs_ir_tensor *in = n->inputs[0], *W = n->inputs[1], *out = n->outputs[0];
        const char *ks = strstr(W->sparsity, "kernel_shape");
        long long kh = 0, kw = 0;
        if (!ks || sscanf(strchr(ks, '[') ? strchr(ks, '[') : ks, "[%lld, %lld]", &kh, &kw) != 2)
            return bs_error_set(BS_EINVAL, "%s: sparsity annotation doesn't indicate that MatMul belongs to a "
                                "depthwise convolution", bs_ir_node_desc(n));
        bs_dt idt = in->dtype, wdt = W->dtype;
        if (!bs_dt_is_integer(idt) || !bs_dt_is_integer(wdt) || !W->init || in->rank != 4) continue;
        xf_arr Wd, Wv;
        int rc;
        if ((rc = xf_arr_get(g, W, &Wd)) < 0) return rc;
        int64_t ch = Wd.dims[1], K = kh * kw;
        /* dense (K*C, C) rows ordered (kh, kw, C) -> (C, 1, kh, kw) diagonal */
        int64_t vd[4] = {ch, 1, kh, kw};
        xf_arr_new(g, 4, vd, &Wv);
        for (int64_t c = 0; c < ch; c++)
            for (int64_t q = 0; q < K; q++) Wv.v[c * K + q] = Wd.v[(q * ch + c) * ch + c];
        if ((rc = xf_arr_set(g, W, &Wv)) < 0) return rc;
        bs_ir_tensor_set_dtype(W, wdt);
        W->sparsity = NULL;
        bs_ir_node *c = out->nconsumers == 1 && !out->is_output ? out->consumers[0] : NULL;
        bool act = c && is_op(c, "MultiThreshold");
        bs_ir_tensor *ins[3] = {in, W, NULL}, *o = out;
        int64_t actval = 0;
        bs_dt odt = out->dtype;
        if (act) {
            bs_ir_tensor *T = c->inputs[1];
            if (!T->init || (T->init->dims[0] != 1 && T->init->dims[0] != ch))
                return bs_error_set(BS_EINVAL, "%s: First dimension of thresholds neither 1 nor Channels.", bs_ir_node_desc(c));
            if (bs_ir_attr_float(c, "out_scale", 1.0) != 1.0)
                return bs_error_set(BS_EINVAL, "%s: out_scale must be equal to 1.0 for HLS conversion.", bs_ir_node_desc(c));
            double b = bs_ir_attr_float(c, "out_bias", 0.0);
            if ((double)(int64_t)b != b)
                return bs_error_set(BS_EINVAL, "%s: out_bias must be integer for HLS conversion.", bs_ir_node_desc(c));
            actval = (int64_t)b;
            o = c->outputs[0];
            odt = o->dtype;
            if (bs_dt_signed(odt) && actval >= 0)
                return bs_error_set(BS_EINVAL, "%s: Signed output requres actval < 0", bs_ir_node_desc(c));
            ins[2] = T;
        }
        char name[256];
        snprintf(name, sizeof name, "VVAU_%s", n->name);
        bs_ir_node *nx = act ? next_of(g, c) : next_of(g, n);
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        if (act && (rc = bs_ir_node_remove(g, c)) < 0) return rc;
        bs_ir_node *v = bs_ir_node_add(g, "VVAU", BS_DOMAIN_FPGADATAFLOW, name, ins, act ? 3 : 2, &o, 1, nx);
        if (!v) return bs_error_wrap(BS_EINVAL, "%s", name);
        int64_t dim[2] = {in->dims[1], in->dims[2]}, kern[2] = {kh, kw};
        bs_ir_attr_set_int(g, v, "ActVal", actval);
        bs_ir_attr_set_int(g, v, "Channels", ch);
        bs_ir_attr_set_ints(g, v, "Dim", dim, 2);
        bs_ir_attr_set_ints(g, v, "Kernel", kern, 2);
        bs_ir_attr_set_int(g, v, "PE", ch);
        bs_ir_attr_set_str(g, v, "backend", "fpgadataflow");
        bs_ir_attr_set_dt(g, v, "inputDataType", idt);
        bs_ir_attr_set_int(g, v, "noActivation", act ? 0 : 1);
        bs_ir_attr_set_dt(g, v, "outputDataType", odt);
        bs_ir_attr_set_dt(g, v, "weightDataType", wdt);
        *changed = true;
        if ((rc = bs_ir_infer_shapes(g)) < 0) return rc;
        return bs_ir_infer_datatypes(g);
    }
    return 0;
}
