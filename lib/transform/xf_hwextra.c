/* xf_hwextra.c - FINN conversions outside FINN dev 2025's default
 * step_convert_to_hw (used by custom steps such as finn-examples'):
 * InferAddStreamsLayer, InferDuplicateStreamsLayer,
 * InferChannelwiseLinearLayer, InferGlobalAccPoolLayer (with FINN's NCHW
 * transposes) and InferVectorVectorActivation (depthwise conv -> VVAU). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
