/* xf_qonnx.c - QONNX -> FINN-ONNX conversion (finn-reference §6.1):
 * FoldQuantWeights (constant Quant/BipolarQuant -> integer initializer and a
 * Mul by the scale after the consumer) and ConvertQuantActToMultiThreshold
 * (activation quantizers -> MultiThreshold [+ Add bias] [+ Mul scale], with
 * the Relu and Identity handlers).  Unlike stock FINN, BipolarQuant-only
 * models are converted (FINN's step checks for "BinaryQuant"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xf_int.h"

static bool is_quant(const bs_ir_node *n)
{
    return !strcmp(n->op_type, "Quant") || !strcmp(n->op_type, "BipolarQuant");
}

/* QONNX Quant semantics in float32 (finn-reference §5.2).  rm: 0 ROUND
 * (half even), 1 CEIL, 2 FLOOR, 3 UP, 4 DOWN, 5 HALF_UP, 6 HALF_DOWN. */
static float quant1(float x, float scale, float zp, bool bip, double mn, double mx, int rm)
{
    float y = x / scale + zp;
    if (bip) {
        y = y >= 0 ? 1.0f : -1.0f;
    } else {
        if (y < mn) y = (float)mn;
        if (y > mx) y = (float)mx;
        switch (rm) {
        case 1: y = ceilf(y); break;
        case 2: y = floorf(y); break;
        case 3: y = y < 0 ? floorf(y) : ceilf(y); break;
        case 4: y = truncf(y); break;
        case 5: y = copysignf(floorf(fabsf(y) + 0.5f), y); break;
        case 6: y = copysignf(ceilf(fabsf(y) - 0.5f), y); break;
        default: y = nearbyintf(y);
        }
    }
    return (y - zp) * scale;
}

static int rmode_code(const char *r)
{
    static const char *const names[] = {"ROUND", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP", "HALF_DOWN", NULL};
    if (!strcasecmp(r, "HALF_EVEN")) return 0;
    for (int i = 0; names[i]; i++)
        if (!strcasecmp(r, names[i])) return i;
    return 0;
}

/* Executes a constant Quant/BipolarQuant into out. */
static int exec_quant(bs_ir_graph *g, const bs_ir_node *q, xf_arr *out)
{
    xf_arr x, s, z = {0}, b = {0};
    int rc;
    if ((rc = xf_arr_get(g, q->inputs[0], &x)) < 0 || (rc = xf_arr_get(g, q->inputs[1], &s)) < 0) return rc;
    bool bip = !strcmp(q->op_type, "BipolarQuant");
    if (!bip && ((rc = xf_arr_get(g, q->inputs[2], &z)) < 0 || (rc = xf_arr_get(g, q->inputs[3], &b)) < 0))
        return rc;
    int rm = rmode_code(bs_ir_attr_str(q, "rounding_mode", "ROUND"));
    bool sgn = bs_ir_attr_int(q, "signed", 1), narrow = bs_ir_attr_int(q, "narrow", 0);
    double bw = bip ? 1 : b.v[0];
    double mn = sgn ? (narrow ? -pow(2, bw - 1) + 1 : -pow(2, bw - 1)) : 0;
    double mx = sgn ? pow(2, bw - 1) - 1 : (narrow ? pow(2, bw) - 2 : pow(2, bw) - 1);
    bool one_sign = bw == 1 && sgn;
    if (s.n == 1 && (bip || z.n == 1)) {
        /* per-tensor scale: no broadcasting needed */
        if ((rc = xf_arr_new(g, x.rank, x.dims, out)) < 0) return rc;
        float sc = (float)s.v[0], zp = bip ? 0.0f : (float)z.v[0];
        for (int64_t i = 0; i < x.n; i++)
            out->v[i] = bip ? sc * (x.v[i] >= 0 ? 1.0f : -1.0f) : quant1((float)x.v[i], sc, zp, one_sign, mn, mx, rm);
        return 0;
    }
    /* broadcast scale (and zeropt) to x */
    xf_arr sb, zb;
    xf_arr zero;
    int64_t one = 1;
    xf_arr_new(g, 0, &one, &zero);
    zero.n = 1;
    if ((rc = xf_arr_binop(g, &x, &s, '*', &sb)) < 0) return rc;  /* shape only */
    if ((rc = xf_arr_binop(g, &sb, &zero, '*', &zb)) < 0) return rc;
    if ((rc = xf_arr_new(g, sb.rank, sb.dims, out)) < 0) return rc;
    /* recompute element-wise with explicit broadcasting of each operand */
    xf_arr xs, ss, zs;
    if ((rc = xf_arr_binop(g, &x, &zb, '+', &xs)) < 0) return rc;
    if ((rc = xf_arr_binop(g, &s, &zb, '+', &ss)) < 0) return rc;
    if (!bip) {
        if ((rc = xf_arr_binop(g, &z, &zb, '+', &zs)) < 0) return rc;
    }
    for (int64_t i = 0; i < out->n; i++) {
        if (bip) out->v[i] = (float)ss.v[i] * (xs.v[i] >= 0 ? 1.0f : -1.0f);
        else out->v[i] = quant1((float)xs.v[i], (float)ss.v[i], (float)zs.v[i], one_sign, mn, mx, rm);
    }
    return 0;
}

static bs_dt quant_int_dt(bs_ir_graph *g, const bs_ir_node *q)
{
    if (!strcmp(q->op_type, "BipolarQuant")) return bs_dt_make(BS_DT_BIPOLAR);
    int bw = (int)xf_scalar(q->inputs[3]);
    bool sgn = bs_ir_attr_int(q, "signed", 1);
    if (bw == 1) return sgn ? bs_dt_make(BS_DT_BIPOLAR) : BS_DT_BINARY_V;
    return sgn ? bs_dt_int(bw) : bs_dt_uint(bw);
}

int xf_FoldQuantWeights(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_quant(n)) continue;
        bool all_const = true;
        for (int i = 0; i < n->ninputs; i++)
            if (n->inputs[i] && !n->inputs[i]->init) all_const = false;
        if (!all_const) continue;
        if (!strcmp(n->op_type, "Quant") && xf_scalar(n->inputs[2]) != 0)
            return bs_error_set(BS_EUNSUPPORTED, "%s: Only Quant nodes with zero-point == 0 are currently supported.",
                                bs_ir_node_desc(n));
        if (xf_is_fork(n))
            return bs_error_set(BS_EUNSUPPORTED, "%s: Weights quantized with the Quant node are not allowed to be fork nodes",
                                bs_ir_node_desc(n));
        bs_ir_tensor *out = n->outputs[0];
        bs_ir_node *succ = out->nconsumers ? out->consumers[0] : NULL;
        if (!succ)
            return bs_error_set(BS_EINVAL, "%s: Weights quantized with the Quant node must have a successor node.",
                                bs_ir_node_desc(n));
        xf_arr s, q;
        int rc;
        if ((rc = xf_arr_get(g, n->inputs[1], &s)) < 0) return rc;
        bool unity = true;
        for (int64_t i = 0; i < s.n; i++)
            if (s.v[i] != 1.0) unity = false;
        if ((rc = exec_quant(g, n, &q)) < 0) return rc;
        bs_dt idt = quant_int_dt(g, n);
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        if (unity) {
            if ((rc = xf_arr_set(g, out, &q)) < 0) return rc;
        } else {
            static const char *const mul_like[] = {"Mul", "Div", "Conv", "MatMul", "Gather", "ConvTranspose", NULL};
            bool mul = false, add = !strcmp(succ->op_type, "Add") || !strcmp(succ->op_type, "Sub");
            for (int i = 0; mul_like[i]; i++) mul |= !strcmp(succ->op_type, mul_like[i]);
            if (!mul && !add)
                return bs_error_set(BS_EUNSUPPORTED, "%s: Can't constant fold Quant weight node into node type %s",
                                    bs_ir_node_desc(succ), succ->op_type);
            xf_arr r;
            if ((rc = xf_arr_binop(g, &q, &s, '/', &r)) < 0) return rc;
            for (int64_t i = 0; i < r.n; i++) r.v[i] = nearbyintf((float)r.v[i]);
            if ((rc = xf_arr_set(g, out, &r)) < 0) return rc;
            bs_ir_tensor_set_dtype(out, idt);
            xf_arr sc = s;
            if (!strcmp(succ->op_type, "Conv") && s.rank > 0) {
                int64_t orank = succ->outputs[0]->rank;
                sc.rank = (int)orank;
                for (int i = 0; i < orank; i++) sc.dims[i] = 1;
                if (orank > 1) sc.dims[1] = s.n;
            }
            if (sc.rank == 1 && sc.dims[0] == 1) sc.rank = 0;
            bs_ir_tensor *st = xf_const(g, "fqw_scale", &sc);
            bs_ir_tensor *sout = succ->outputs[0];
            bs_ir_tensor *mid = bs_ir_tensor_new(g, "fqw_act");
            if (!st || !mid) return bs_error_set(BS_ENOMEM, "FoldQuantWeights");
            if ((rc = bs_ir_node_set_output(g, succ, 0, mid)) < 0) return rc;
            bs_ir_node *after = bs_ir_node_index(g, succ) + 1 < g->nnodes ? g->nodes[bs_ir_node_index(g, succ) + 1] : NULL;
            if (!xf_node(g, "Mul", "", mid, st, sout, after)) return bs_error_set(BS_ENOMEM, "FoldQuantWeights");
            if (add) {
                int other = succ->inputs[0] == out ? 1 : 0;
                bs_ir_tensor *dt = xf_const(g, "fqw_div", &sc);
                bs_ir_tensor *dout = bs_ir_tensor_new(g, "fqw_divout");
                if (!xf_node(g, "Div", "", succ->inputs[other], dt, dout, succ))
                    return bs_error_set(BS_ENOMEM, "FoldQuantWeights");
                if ((rc = bs_ir_node_set_input(g, succ, other, dout)) < 0) return rc;
            }
        }
        *changed = true;
        if ((rc = bs_ir_toposort(g)) < 0) return rc;
        return bs_ir_infer_shapes(g);
    }
    return 0;
}

/* ---- ConvertQuantActToMultiThreshold -------------------------------------- */

int xf_ConvertQuantActToMultiThreshold(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_quant(n)) continue;
        if (n->inputs[0]->init || n->outputs[0]->init) continue;
        bool bip = !strcmp(n->op_type, "BipolarQuant");
        for (int i = 1; i < n->ninputs; i++)
            if (!n->inputs[i] || !n->inputs[i]->init)
                return bs_error_set(BS_EUNSUPPORTED, "%s: quantizer parameters (scale, zero-point, bit width) must be constant",
                                    bs_ir_node_desc(n));
        if (!bip && xf_scalar(n->inputs[2]) != 0)
            return bs_error_set(BS_EUNSUPPORTED, "%s: Only Quant nodes with zero-point == 0 are currently supported.",
                                bs_ir_node_desc(n));
        double bw = bip ? 1 : xf_scalar(n->inputs[3]);
        if (!bip && bw > (double)x->max_multithreshold_bit_width) {
            bs_xform_warn(x, "The Quant node with name: \"%s\" was not converted to a MultiThreshold node, "
                          "because the filtering function returned False for this node.", n->name);
            continue;
        }
        bs_ir_node *pred = n->inputs[0]->producer;
        const char *pop = pred ? pred->op_type : NULL;
        bool relu = pop && (!strcmp(pop, "Relu") || !strcmp(pop, "Selu"));
        if (pop && !strcmp(pop, "Selu"))
            return bs_error_set(BS_EUNSUPPORTED, "%s: Quant after Selu is not supported by brainsmith",
                                bs_ir_node_desc(n));
        bool sgn = bip ? true : bs_ir_attr_int(n, "signed", 1);
        bool narrow = bip ? false : bs_ir_attr_int(n, "narrow", 0);
        xf_arr s;
        int rc;
        if ((rc = xf_arr_get(g, n->inputs[1], &s)) < 0) return rc;
        int64_t N, C = s.n;
        xf_arr T, bias, scale;
        int64_t one = 1;
        xf_arr_new(g, 0, &one, &bias);
        bias.n = 1;
        if (relu && !bip) {
            if (sgn || narrow)
                return bs_error_set(BS_EUNSUPPORTED, "%s: FINN only supports unsigned and non-narrow Quant nodes for Relu activations.",
                                    bs_ir_node_desc(n));
            N = (int64_t)pow(2, bw) - 1;
            int64_t td[2] = {C, N};
            xf_arr_new(g, 2, td, &T);
            for (int64_t c = 0; c < C; c++) {
                float step = fabsf((float)s.v[c]), mn = step / 2;
                for (int64_t t = 0; t < N; t++) T.v[c * N + t] = (float)(mn + step * (float)t);
            }
            bias.v[0] = 0;
            scale = s;
        } else {
            if (!bip && !sgn)
                return bs_error_set(BS_EUNSUPPORTED, "%s: FINN only supports signed Quant nodes for identity activations.",
                                    bs_ir_node_desc(n));
            if (bw == 1) {
                if (s.n != 1 || s.v[0] != 1.0)
                    return bs_error_set(BS_EUNSUPPORTED, "%s: FINN only supports Bipolar identity activations with scale 1",
                                        bs_ir_node_desc(n));
                int64_t td[2] = {1, 1};
                xf_arr_new(g, 2, td, &T);
                T.v[0] = 0;
                bias.v[0] = -0.5;
                scale = s;
                for (int64_t i = 0; i < s.n; i++) scale.v[i] = 2 * s.v[i];
            } else {
                N = (int64_t)(narrow ? pow(2, bw) - 1 : pow(2, bw)) - 1;
                int64_t td[2] = {C, N};
                xf_arr_new(g, 2, td, &T);
                for (int64_t c = 0; c < C; c++) {
                    float step = fabsf((float)s.v[c]), half = step / 2.0f;
                    float mn = -half - step * (float)((N / 2) - 1);
                    if (!narrow) mn -= step;
                    for (int64_t t = 0; t < N; t++) T.v[c * N + t] = (float)(mn + step * (float)t);
                }
                bias.v[0] = narrow ? -(pow(2, bw - 1) - 1) : -pow(2, bw - 1);
                scale = s;
            }
        }
        bs_ir_tensor *out = n->outputs[0];
        if (T.dims[0] != 1 && out->rank > 1 && T.dims[0] != out->dims[1])
            return bs_error_set(BS_EUNSUPPORTED, "%s: Quant node cannot be converted to MultiThreshold because only "
                                "per tensor or per channel quantization supported.", bs_ir_node_desc(n));
        bs_dt odt = quant_int_dt(g, n);
        bs_ir_tensor *in = relu ? pred->inputs[0] : n->inputs[0];
        bs_ir_tensor *tt = xf_const(g, "mt_thres", &T);
        bs_ir_tensor *mt_out = bs_ir_tensor_new(g, "mt_out");
        if (!tt || !mt_out) return bs_error_set(BS_ENOMEM, "ConvertQuantActToMultiThreshold");
        bs_ir_node *before = n;
        bs_ir_node *mt = xf_node(g, "MultiThreshold", BS_DOMAIN_QONNX, in, tt, mt_out, before);
        if (!mt) return bs_error_set(BS_ENOMEM, "ConvertQuantActToMultiThreshold");
        bs_ir_attr_set_dt(g, mt, "out_dtype", odt);
        bool bscal = true, sscal = s.n == 1;
        bs_ir_tensor *cur = mt_out;
        if (sscal && bscal && bip) {
            bs_ir_attr_set_float(g, mt, "out_scale", (float)scale.v[0]);
            bs_ir_attr_set_float(g, mt, "out_bias", (float)bias.v[0] * (float)scale.v[0]);
        } else {
            if (bias.v[0] != 0.0) {
                bs_ir_tensor *bt = xf_const(g, "act_bias", &bias);
                bs_ir_tensor *ao = bs_ir_tensor_new(g, "act_add");
                if (!xf_node(g, "Add", "", cur, bt, ao, before)) return bs_error_set(BS_ENOMEM, "act add");
                cur = ao;
            }
            bool unity = sscal && scale.v[0] == 1.0;
            if (!unity) {
                xf_arr sc = scale;
                if (sscal) sc.rank = 0;
                bs_ir_tensor *st = xf_const(g, "act_scale", &sc);
                bs_ir_tensor *mo = bs_ir_tensor_new(g, "act_mul");
                if (!xf_node(g, "Mul", "", cur, st, mo, before)) return bs_error_set(BS_ENOMEM, "act mul");
                cur = mo;
            }
        }
        /* the last new node produces the Quant's output tensor */
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        if (relu && (rc = bs_ir_node_remove(g, pred)) < 0) return rc;
        /* the last new node produces the Quant's output tensor (keeps its name) */
        if ((rc = bs_ir_node_set_output(g, cur->producer, 0, out)) < 0) return rc;
        *changed = true;
        if ((rc = bs_ir_toposort(g)) < 0) return rc;
        return bs_ir_infer_shapes(g);
    }
    return 0;
}

int xf_ExtractBiasFromConv(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (strcmp(n->op_type, "Conv") || n->ninputs < 3 || !n->inputs[2]) continue;
        bs_ir_tensor *b = n->inputs[2];
        if (!b->init) continue;
        xf_arr bv;
        int rc;
        if ((rc = xf_arr_get(g, b, &bv)) < 0) return rc;
        bs_ir_tensor *out = n->outputs[0];
        int64_t orank = out->rank > 0 ? out->rank : 4;
        bv.rank = (int)orank;
        for (int i = 0; i < orank; i++) bv.dims[i] = 1;
        bv.dims[1] = bv.n;
        bs_ir_tensor *bt = xf_const(g, "conv_bias", &bv);
        bs_ir_tensor *mid = xf_tensor_like(g, "conv_nobias", out);
        if ((rc = bs_ir_node_remove_input(g, n, 2)) < 0) return rc;
        if ((rc = bs_ir_node_set_output(g, n, 0, mid)) < 0) return rc;
        bs_ir_node *after = bs_ir_node_index(g, n) + 1 < g->nnodes ? g->nodes[bs_ir_node_index(g, n) + 1] : NULL;
        if (!xf_node(g, "Add", "", mid, bt, out, after)) return bs_error_set(BS_ENOMEM, "ExtractBiasFromConv");
        *changed = true;
        return 0;
    }
    return 0;
}

int xf_AvgPoolAndTruncToQuantAvgPool(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++)
        if (!strcmp(g->nodes[k]->op_type, "Trunc"))
            return bs_error_set(BS_EUNSUPPORTED, "%s: Trunc (AveragePool-Mul-Trunc -> QuantAvgPool2d) is not "
                                "supported by brainsmith yet", bs_ir_node_desc(g->nodes[k]));
    return 0;
}
