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
        xf_arr wa;
        if (xf_arr_get(g, n->inputs[1], &wa) == 0) {
            double *v = wa.v;
            int64_t cnt = wa.n;
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
