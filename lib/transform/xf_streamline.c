/* xf_streamline.c - FINN's streamlining set (finn-reference §6.3, FINN dev
 * 2025 order): scalar/per-channel Add and Mul are moved past MatMuls,
 * collapsed and absorbed into MultiThreshold thresholds; BatchNorm becomes
 * Mul+Add; thresholds are rounded and clipped for integer inputs.  Numeric
 * work is float32 as in numpy.  Each function performs one rewrite per call
 * and relies on the driver's fixpoint loop.  Conv/MaxPool streamlining
 * (CNV) is refused with an error naming the node. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xf_int.h"

static bool is_op(const bs_ir_node *n, const char *op)
{
    return n && !strcmp(n->op_type, op);
}

static bs_ir_node *single_consumer(const bs_ir_node *n)
{
    bs_ir_tensor *o = n->outputs[0];
    return o->nconsumers == 1 ? o->consumers[0] : NULL;
}

static bs_ir_node *next_of(bs_ir_graph *g, bs_ir_node *n)
{
    int i = bs_ir_node_index(g, n);
    return i >= 0 && i + 1 < g->nnodes ? g->nodes[i + 1] : NULL;
}

static bool all_ones_shape(const bs_ir_tensor *t)
{
    if (!t->init) return false;
    for (int i = 0; i < t->init->rank; i++)
        if (t->init->dims[i] != 1) return false;
    return true;
}

static int n_gt1_dims(const bs_ir_tensor *t)
{
    int c = 0;
    for (int i = 0; i < t->init->rank; i++) c += t->init->dims[i] > 1;
    return c;
}

int xf_ConvertSubToAdd(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "Sub") || n->ninputs != 2 || !n->inputs[1]->init || n->inputs[0]->init) continue;
        xf_arr a;
        int rc;
        if ((rc = xf_arr_get(g, n->inputs[1], &a)) < 0) return rc;
        for (int64_t i = 0; i < a.n; i++) a.v[i] = -(float)a.v[i];
        bs_ir_tensor *c = xf_const(g, n->inputs[1]->name, &a);
        bs_ir_tensor *in = n->inputs[0], *out = n->outputs[0];
        bs_ir_node *nx = next_of(g, n);
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        if (!xf_node(g, "Add", "", in, c, out, nx)) return bs_error_set(BS_ENOMEM, "ConvertSubToAdd");
        *changed = true;
        return 0;
    }
    return 0;
}

int xf_ConvertDivToMul(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "Div") || n->ninputs != 2 || !n->inputs[1]->init || n->inputs[0]->init) continue;
        xf_arr a;
        int rc;
        if ((rc = xf_arr_get(g, n->inputs[1], &a)) < 0) return rc;
        for (int64_t i = 0; i < a.n; i++) a.v[i] = 1.0f / (float)a.v[i];
        bs_ir_tensor *c = xf_const(g, n->inputs[1]->name, &a);
        bs_ir_tensor *in = n->inputs[0], *out = n->outputs[0];
        bs_ir_node *nx = next_of(g, n);
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        if (!xf_node(g, "Mul", "", in, c, out, nx)) return bs_error_set(BS_ENOMEM, "ConvertDivToMul");
        *changed = true;
        return 0;
    }
    return 0;
}

int xf_BatchNormToAffine(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "BatchNormalization")) continue;
        xf_arr sc, bi, mean, var;
        int rc;
        for (int i = 1; i < 5; i++)
            if (!n->inputs[i] || !n->inputs[i]->init)
                return bs_error_set(BS_EUNSUPPORTED, "%s: BatchNormalization parameters must be constant",
                                    bs_ir_node_desc(n));
        if ((rc = xf_arr_get(g, n->inputs[1], &sc)) < 0 || (rc = xf_arr_get(g, n->inputs[2], &bi)) < 0 ||
            (rc = xf_arr_get(g, n->inputs[3], &mean)) < 0 || (rc = xf_arr_get(g, n->inputs[4], &var)) < 0)
            return rc;
        float eps = (float)bs_ir_attr_float(n, "epsilon", 1e-5);
        bs_ir_tensor *in = n->inputs[0], *out = n->outputs[0];
        /* surrounding Unsqueeze / Squeeze are absorbed (BN on 1-D features) */
        bs_ir_node *pu = in->producer, *cs = out->nconsumers == 1 ? out->consumers[0] : NULL;
        bool absorb_u = is_op(pu, "Unsqueeze"), absorb_s = is_op(cs, "Squeeze");
        if (absorb_u) in = pu->inputs[0];
        if (absorb_s) out = cs->outputs[0];
        int64_t rank = in->rank >= 2 ? in->rank : 2;
        xf_arr A, B;
        int64_t td[BS_IR_MAX_RANK];
        td[0] = 1;
        td[1] = sc.n;
        for (int i = 2; i < rank; i++) td[i] = 1;
        xf_arr_new(g, (int)rank, td, &A);
        xf_arr_new(g, (int)rank, td, &B);
        for (int64_t c = 0; c < sc.n; c++) {
            float a = (float)sc.v[c] / sqrtf(eps + (float)var.v[c]);
            A.v[c] = a;
            B.v[c] = (float)bi.v[c] - a * (float)mean.v[c];
        }
        bs_ir_tensor *at = xf_const(g, "bn_mul", &A), *bt = xf_const(g, "bn_add", &B);
        bs_ir_tensor *mid = xf_tensor_like(g, "bn_mid", in);
        bs_ir_node *nx = next_of(g, absorb_s ? cs : n);
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        if (absorb_s && (rc = bs_ir_node_remove(g, cs)) < 0) return rc;
        if (absorb_u && pu->outputs[0]->nconsumers == 0 && (rc = bs_ir_node_remove(g, pu)) < 0) return rc;
        if (!xf_node(g, "Mul", "", in, at, mid, nx) || !xf_node(g, "Add", "", mid, bt, out, nx))
            return bs_error_set(BS_ENOMEM, "BatchNormToAffine");
        *changed = true;
        return bs_ir_infer_shapes(g);
    }
    return 0;
}

int xf_ConvertSignToThres(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "Sign")) continue;
        xf_arr T;
        int64_t td[2] = {1, 1};
        xf_arr_new(g, 2, td, &T);
        bs_ir_tensor *tt = xf_const(g, "sign_thres", &T);
        bs_ir_tensor *in = n->inputs[0], *out = n->outputs[0];
        bs_ir_node *nx = next_of(g, n);
        int rc;
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        bs_ir_node *mt = xf_node(g, "MultiThreshold", BS_DOMAIN_QONNX, in, tt, out, nx);
        if (!mt) return bs_error_set(BS_ENOMEM, "ConvertSignToThres");
        bs_ir_attr_set_float(g, mt, "out_scale", 2.0);
        bs_ir_attr_set_float(g, mt, "out_bias", -1.0);
        bs_ir_attr_set_str(g, mt, "out_dtype", "BIPOLAR");
        *changed = true;
        return 0;
    }
    return 0;
}

/* Add(scalar or (1,C,1,1)) -> Conv without padding => Conv -> Add(B) with
 * B[o] = sum_{c,y,x} W[o,c,y,x] * A[c] (the conv of the constant image). */
int xf_MoveAddPastConv(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "Add") || n->ninputs != 2 || xf_is_fork(n) || xf_is_join(n)) continue;
        bs_ir_node *c = single_consumer(n);
        if (!is_op(c, "Conv") || xf_is_join(c) || c->inputs[0] != n->outputs[0]) continue;
        bs_ir_tensor *At = n->inputs[1], *W = c->inputs[1];
        if (!At->init || !W->init || W->init->rank != 4 || c->ninputs > 2) continue;
        const int64_t *pads;
        int np;
        bool padded = false;
        if (bs_ir_attr_get_ints(c, "pads", &pads, &np) == 0)
            for (int i = 0; i < np; i++) padded |= pads[i] != 0;
        if (padded || bs_ir_attr_int(c, "group", 1) != 1) continue;
        xf_arr A, Wv;
        int rc;
        if ((rc = xf_arr_get(g, At, &A)) < 0 || (rc = xf_arr_get(g, W, &Wv)) < 0) return rc;
        int64_t O = Wv.dims[0], C = Wv.dims[1], KK = Wv.dims[2] * Wv.dims[3];
        bool per_ch = A.rank == 4 && A.dims[0] == 1 && A.dims[1] == C && A.dims[2] == 1 && A.dims[3] == 1;
        if (!(A.n == 1 || per_ch)) continue;
        xf_arr B;
        int64_t bd[4] = {1, O, 1, 1};
        xf_arr_new(g, 4, bd, &B);
        for (int64_t o = 0; o < O; o++) {
            float s = 0;
            for (int64_t ch = 0; ch < C; ch++) {
                float a = (float)A.v[A.n == 1 ? 0 : ch];
                for (int64_t q = 0; q < KK; q++) s += (float)Wv.v[(o * C + ch) * KK + q] * a;
            }
            B.v[o] = s;
        }
        bs_ir_tensor *xin = n->inputs[0], *y = c->outputs[0];
        if ((rc = bs_ir_node_remove(g, n)) < 0 || (rc = bs_ir_node_set_input(g, c, 0, xin)) < 0) return rc;
        bs_ir_tensor *mid = xf_tensor_like(g, "conv_out", y);
        if ((rc = bs_ir_node_set_output(g, c, 0, mid)) < 0) return rc;
        bs_ir_tensor *bt = xf_const(g, At->name, &B);
        if (!bt || !xf_node(g, "Add", "", mid, bt, y, next_of(g, c))) return bs_error_set(BS_ENOMEM, "MoveAddPastConv");
        *changed = true;
        return bs_ir_infer_shapes(g);
    }
    return 0;
}

int xf_Absorb1BitMulIntoConv(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "Conv") || xf_is_fork(n) || !n->inputs[1]->init) continue;
        bs_ir_node *c = single_consumer(n);
        if (!is_op(c, "Mul") || !c->inputs[1]->init || bs_dt_bitwidth(c->inputs[1]->dtype) != 1) continue;
        bs_ir_tensor *At = c->inputs[1], *Wt = n->inputs[1];
        if (!(At->init->numel == 1 || n_gt1_dims(At) == 1)) continue;
        xf_arr A, W;
        int rc;
        if ((rc = xf_arr_get(g, At, &A)) < 0 || (rc = xf_arr_get(g, Wt, &W)) < 0) return rc;
        if (W.rank != 4 || (A.n != 1 && A.n != W.dims[0])) continue;
        int64_t per = W.n / W.dims[0];
        bool ok = true;
        for (int64_t i = 0; i < W.n && ok; i++) {
            double v = (float)A.v[A.n == 1 ? 0 : i / per] * (float)W.v[i];
            ok = bs_dt_allowed(Wt->dtype, v);
            W.v[i] = v;
        }
        if (!ok) continue;
        bs_dt wdt = Wt->dtype;
        bool had = Wt->has_dtype;
        if ((rc = xf_arr_set(g, Wt, &W)) < 0) return rc;
        if (had) bs_ir_tensor_set_dtype(Wt, wdt);
        bs_ir_tensor *end = c->outputs[0];
        if ((rc = bs_ir_node_remove(g, c)) < 0 || (rc = bs_ir_node_set_output(g, n, 0, end)) < 0) return rc;
        *changed = true;
        return 0;
    }
    return 0;
}

int xf_AbsorbSignBiasIntoMultiThreshold(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "MultiThreshold") || xf_is_fork(n) || xf_is_join(n)) continue;
        bs_ir_node *c = single_consumer(n);
        if (!is_op(c, "Add") || c->ninputs != 2) continue;
        bs_ir_tensor *T = n->inputs[1], *A = c->inputs[1];
        if (!T->init || !A->init || !all_ones_shape(A)) continue;
        float bias = (float)xf_scalar(A);
        double b = (double)bias + bs_ir_attr_float(n, "out_bias", 0.0);
        int64_t steps = T->init->rank ? T->init->dims[T->init->rank - 1] : 1;
        bs_dt s = bs_dt_smallest((double)steps);
        bs_dt odt = s.kind == BS_DT_UINT ? bs_dt_int(s.bits) : s;
        if (!bs_dt_allowed(odt, b) || !bs_dt_allowed(odt, (double)steps + b))
            return bs_error_set(BS_EINVAL, "%s: AbsorbSignBiasIntoMultiThreshold: range [%g, %g] does not fit %s",
                                bs_ir_node_desc(n), b, (double)steps + b, bs_dt_str(odt));
        bs_ir_attr_set_float(g, n, "out_bias", (float)b);
        bs_ir_attr_set_dt(g, n, "out_dtype", odt);
        bs_ir_tensor *end = c->outputs[0];
        int rc;
        if ((rc = bs_ir_node_remove(g, c)) < 0 || (rc = bs_ir_node_set_output(g, n, 0, end)) < 0) return rc;
        bs_ir_tensor_set_dtype(end, odt);
        *changed = true;
        return bs_ir_infer_datatypes(g);
    }
    return 0;
}

int xf_MoveScalarLinearPastInvariants(bs_xform_ctx *x, bool *changed)
{
    static const char *const inv[] = {"GlobalAveragePool", "Reshape", "Transpose", "Flatten", "Slice",
                                      "Squeeze", "Unsqueeze", NULL};
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!(is_op(n, "Mul") || is_op(n, "Add") || is_op(n, "Div")) || n->ninputs != 2) continue;
        if (!n->inputs[1]->init || !xf_is_scalar(n->inputs[1]) || xf_is_fork(n) || xf_is_join(n)) continue;
        bs_ir_node *c = single_consumer(n);
        if (!c) continue;
        bool ok = false;
        for (int i = 0; inv[i]; i++) ok |= is_op(c, inv[i]);
        if (!ok || c->inputs[0] != n->outputs[0]) continue;
        /* x -> lin -> inv -> y   =>   x -> inv -> lin -> y */
        bs_ir_tensor *xin = n->inputs[0], *param = n->inputs[1], *y = c->outputs[0];
        const char *op = n->op_type;
        int rc;
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        if ((rc = bs_ir_node_set_input(g, c, 0, xin)) < 0) return rc;
        bs_ir_tensor *m2 = xf_tensor_like(g, "inv_out", y);
        if (!m2 || (rc = bs_ir_node_set_output(g, c, 0, m2)) < 0) return rc < 0 ? rc : BS_ENOMEM;
        if (!xf_node(g, op, "", m2, param, y, next_of(g, c)))
            return bs_error_set(BS_ENOMEM, "MoveScalarLinearPastInvariants");
        *changed = true;
        if ((rc = bs_ir_toposort(g)) < 0) return rc;
        return bs_ir_infer_shapes(g);
    }
    return 0;
}

int xf_MoveAddPastMul(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "Add") || xf_is_fork(n) || xf_is_join(n)) continue;
        bs_ir_node *c = single_consumer(n);
        if (!is_op(c, "Mul") || xf_is_join(c) || c->inputs[0] != n->outputs[0]) continue;
        bs_ir_tensor *At = c->inputs[1], *Bt = n->inputs[1];
        if (!At->init || !Bt->init) continue;
        xf_arr A, B, BA;
        int rc;
        if ((rc = xf_arr_get(g, At, &A)) < 0 || (rc = xf_arr_get(g, Bt, &B)) < 0) return rc;
        if ((rc = xf_arr_binop(g, &B, &A, '*', &BA)) < 0) return rc;
        bs_ir_tensor *start = n->inputs[0], *mid = n->outputs[0], *end = c->outputs[0];
        bs_ir_node *nx = next_of(g, c);
        if ((rc = bs_ir_node_remove(g, n)) < 0 || (rc = bs_ir_node_remove(g, c)) < 0) return rc;
        bs_ir_tensor *bat = xf_const(g, Bt->name, &BA);
        if (!xf_node(g, "Mul", "", start, At, mid, nx) || !xf_node(g, "Add", "", mid, bat, end, nx))
            return bs_error_set(BS_ENOMEM, "MoveAddPastMul");
        *changed = true;
        if ((rc = bs_ir_infer_shapes(g)) < 0) return rc;
        return bs_ir_infer_datatypes(g);
    }
    return 0;
}

int xf_MoveScalarAddPastMatMul(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "Add") || xf_is_fork(n) || xf_is_join(n)) continue;
        bs_ir_node *c = single_consumer(n);
        if (!is_op(c, "MatMul") || xf_is_join(c) || c->inputs[0] != n->outputs[0]) continue;
        bs_ir_tensor *At = n->inputs[1], *Wt = c->inputs[1];
        if (!At->init || !Wt->init || !all_ones_shape(At) || Wt->init->rank != 2) continue;
        xf_arr W;
        int rc;
        if ((rc = xf_arr_get(g, Wt, &W)) < 0) return rc;
        float a = (float)xf_scalar(At);
        int64_t K = W.dims[0], N = W.dims[1];
        xf_arr An;
        xf_arr_new(g, 1, &N, &An);
        for (int64_t j = 0; j < N; j++) {
            double acc = 0;
            for (int64_t i = 0; i < K; i++) acc += (double)(a * (float)W.v[i * N + j]);
            An.v[j] = (float)acc;
        }
        bs_ir_tensor *start = n->inputs[0], *mid = n->outputs[0], *end = c->outputs[0];
        bs_ir_node *nx = next_of(g, c);
        if ((rc = bs_ir_node_remove(g, n)) < 0 || (rc = bs_ir_node_remove(g, c)) < 0) return rc;
        bs_ir_tensor *ant = xf_const(g, At->name, &An);
        if (!xf_node(g, "MatMul", "", start, Wt, mid, nx) || !xf_node(g, "Add", "", mid, ant, end, nx))
            return bs_error_set(BS_ENOMEM, "MoveScalarAddPastMatMul");
        *changed = true;
        return bs_ir_infer_shapes(g);
    }
    return 0;
}

int xf_MoveScalarMulPastMatMul(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "Mul") || xf_is_fork(n) || xf_is_join(n)) continue;
        bs_ir_node *c = single_consumer(n);
        if (!is_op(c, "MatMul")) continue;
        bs_ir_tensor *At = n->inputs[1];
        if (!At->init || !all_ones_shape(At)) continue;
        int pos = c->inputs[0] == n->outputs[0] ? 0 : 1;
        bs_ir_tensor *start = n->inputs[0], *mid = n->outputs[0], *end = c->outputs[0];
        bs_ir_tensor *other = c->inputs[1 - pos];
        bs_ir_node *nx = next_of(g, c);
        int rc;
        if ((rc = bs_ir_node_remove(g, n)) < 0 || (rc = bs_ir_node_remove(g, c)) < 0) return rc;
        bs_ir_node *mm = pos == 0 ? xf_node(g, "MatMul", "", start, other, mid, nx)
                                  : xf_node(g, "MatMul", "", other, start, mid, nx);
        if (!mm || !xf_node(g, "Mul", "", mid, At, end, nx)) return bs_error_set(BS_ENOMEM, "MoveScalarMulPastMatMul");
        *changed = true;
        return bs_ir_infer_shapes(g);
    }
    return 0;
}

static int collapse(bs_xform_ctx *x, bool *changed, const char *op, char bop)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, op) || xf_is_fork(n) || xf_is_join(n)) continue;
        bs_ir_node *c = single_consumer(n);
        if (!is_op(c, op) || xf_is_join(c)) continue;
        bs_ir_tensor *p0 = n->inputs[1], *p1 = c->inputs[1];
        if (!p0->init || !p1->init)
            return bs_error_set(BS_EINVAL, "%s: Initializer for parameters is not set", bs_ir_node_desc(n));
        xf_arr a, b, r;
        int rc;
        if ((rc = xf_arr_get(g, p0, &a)) < 0 || (rc = xf_arr_get(g, p1, &b)) < 0 ||
            (rc = xf_arr_binop(g, &a, &b, bop, &r)) < 0)
            return rc;
        bs_ir_tensor *start = n->inputs[0], *end = c->outputs[0];
        bs_ir_node *nx = next_of(g, c);
        if ((rc = bs_ir_node_remove(g, n)) < 0 || (rc = bs_ir_node_remove(g, c)) < 0) return rc;
        bs_ir_tensor *pt = xf_const(g, p0->name, &r);
        if (!pt || !xf_node(g, op, "", start, pt, end, nx)) return bs_error_set(BS_ENOMEM, "Collapse");
        bs_ir_tensor_set_dtype(pt, BS_DT_FLOAT32_V);
        bs_ir_tensor_set_dtype(end, BS_DT_FLOAT32_V);
        *changed = true;
        return bs_ir_infer_shapes(g);
    }
    return 0;
}

int xf_CollapseRepeatedAdd(bs_xform_ctx *x, bool *changed) { return collapse(x, changed, "Add", '+'); }
int xf_CollapseRepeatedMul(bs_xform_ctx *x, bool *changed) { return collapse(x, changed, "Mul", '*'); }

/* T (C|1, N) combined with per-channel A reshaped to (-1, 1). */
static int thres_op(bs_ir_graph *g, bs_ir_tensor *Tt, const xf_arr *A, char op)
{
    xf_arr T, a2, r;
    int rc;
    if ((rc = xf_arr_get(g, Tt, &T)) < 0) return rc;
    a2 = *A;
    a2.rank = 2;
    a2.dims[0] = A->n;
    a2.dims[1] = 1;
    if ((rc = xf_arr_binop(g, &T, &a2, op, &r)) < 0) return rc;
    bs_dt dt = Tt->dtype;
    bool had = Tt->has_dtype;
    rc = xf_arr_set(g, Tt, &r);
    if (had) bs_ir_tensor_set_dtype(Tt, dt);
    return rc;
}

int xf_AbsorbAddIntoMultiThreshold(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "Add") || xf_is_fork(n) || xf_is_join(n)) continue;
        bs_ir_node *c = single_consumer(n);
        if (!is_op(c, "MultiThreshold")) continue;
        bs_ir_tensor *At = n->inputs[1];
        if (!At->init || !c->inputs[1]->init)
            return bs_error_set(BS_EINVAL, "%s: Initializer for add weights is not set", bs_ir_node_desc(n));
        int r = At->init->rank;
        int cdim = r == 1 ? 0 : 1;
        bool scalar = all_ones_shape(At);
        if (!(scalar || (r > cdim && At->init->dims[cdim] == At->init->numel))) continue;
        xf_arr A;
        int rc;
        if ((rc = xf_arr_get(g, At, &A)) < 0) return rc;
        if ((rc = thres_op(g, c->inputs[1], &A, '-')) < 0) return rc;
        bs_ir_tensor *start = n->inputs[0];
        if ((rc = bs_ir_node_remove(g, n)) < 0 || (rc = bs_ir_node_set_input(g, c, 0, start)) < 0) return rc;
        *changed = true;
        return 0;
    }
    return 0;
}

int xf_AbsorbMulIntoMultiThreshold(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "Mul") || xf_is_fork(n) || xf_is_join(n)) continue;
        bs_ir_tensor *At = n->inputs[1];
        if (!At->init) continue;
        bs_ir_node *c = single_consumer(n);
        if (!is_op(c, "MultiThreshold")) continue;
        xf_arr A;
        int rc;
        if ((rc = xf_arr_get(g, At, &A)) < 0) return rc;
        bool neg = false;
        for (int64_t i = 0; i < A.n; i++) neg |= A.v[i] < 0;
        if (neg || !(all_ones_shape(At) || n_gt1_dims(At) == 1)) continue;
        if ((rc = thres_op(g, c->inputs[1], &A, '/')) < 0) return rc;
        bs_ir_tensor *start = n->inputs[0];
        if ((rc = bs_ir_node_remove(g, n)) < 0 || (rc = bs_ir_node_set_input(g, c, 0, start)) < 0) return rc;
        *changed = true;
        return 0;
    }
    return 0;
}

int xf_FactorOutMulSignMagnitude(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "Mul") || xf_is_join(n) || n->ninputs != 2) continue;
        bs_ir_tensor *At = n->inputs[1];
        if (!At->init) continue;
        if (At->has_dtype && At->dtype.kind == BS_DT_BIPOLAR) continue;
        xf_arr A;
        int rc;
        if ((rc = xf_arr_get(g, At, &A)) < 0) return rc;
        bool neg = false;
        for (int64_t i = 0; i < A.n; i++) neg |= A.v[i] < 0;
        if (!neg || !(A.n == 1 || n_gt1_dims(At) == 1)) continue;
        xf_arr S = A, M = A;
        xf_arr_new(g, A.rank, A.dims, &S);
        xf_arr_new(g, A.rank, A.dims, &M);
        for (int64_t i = 0; i < A.n; i++) {
            S.v[i] = A.v[i] > 0 ? 1 : A.v[i] < 0 ? -1 : 0;
            M.v[i] = fabsf((float)A.v[i]);
        }
        bs_ir_tensor *st = xf_const(g, "sign", &S);
        bs_ir_tensor_set_dtype(st, bs_dt_make(BS_DT_BIPOLAR));
        if ((rc = xf_arr_set(g, At, &M)) < 0) return rc;
        bs_ir_tensor *mid = xf_tensor_like(g, "sign_out", n->inputs[0]);
        bs_ir_tensor *start = n->inputs[0];
        if (!xf_node(g, "Mul", "", start, st, mid, n)) return bs_error_set(BS_ENOMEM, "FactorOutMulSignMagnitude");
        if ((rc = bs_ir_node_set_input(g, n, 0, mid)) < 0) return rc;
        *changed = true;
        return 0;
    }
    return 0;
}

int xf_Absorb1BitMulIntoMatMul(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "MatMul") || xf_is_fork(n) || !n->inputs[1]->init) continue;
        bs_ir_node *c = single_consumer(n);
        if (!is_op(c, "Mul") || !c->inputs[1]->init) continue;
        bs_ir_tensor *At = c->inputs[1], *Wt = n->inputs[1];
        if (bs_dt_bitwidth(At->dtype) != 1) continue;
        xf_arr A, W, Wn;
        int rc;
        if ((rc = xf_arr_get(g, At, &A)) < 0 || (rc = xf_arr_get(g, Wt, &W)) < 0 ||
            (rc = xf_arr_binop(g, &A, &W, '*', &Wn)) < 0)
            return rc;
        if (Wn.n != W.n) continue;
        bool ok = true;
        for (int64_t i = 0; i < Wn.n && ok; i++) ok = bs_dt_allowed(Wt->dtype, Wn.v[i]);
        if (!ok) continue;
        bs_dt wdt = Wt->dtype;
        bool had = Wt->has_dtype;
        Wn.rank = W.rank;
        for (int i = 0; i < W.rank; i++) Wn.dims[i] = W.dims[i];
        if ((rc = xf_arr_set(g, Wt, &Wn)) < 0) return rc;
        if (had) bs_ir_tensor_set_dtype(Wt, wdt);
        bs_ir_tensor *end = c->outputs[0];
        if ((rc = bs_ir_node_remove(g, c)) < 0 || (rc = bs_ir_node_set_output(g, n, 0, end)) < 0) return rc;
        *changed = true;
        return 0;
    }
    return 0;
}

int xf_RoundAndClipThresholds(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!(is_op(n, "MultiThreshold") || !strncmp(n->op_type, "Thresholding", 12))) continue;
        if (n->ninputs < 2 || !n->inputs[1]->init) continue;
        bs_dt dt = n->inputs[0]->dtype;
        if (!bs_dt_is_integer(dt)) continue;
        xf_arr T;
        int rc;
        if ((rc = xf_arr_get(g, n->inputs[1], &T)) < 0) return rc;
        double mn = bs_dt_min(dt), mx = bs_dt_max(dt) + 1;
        bool mod = false;
        for (int64_t i = 0; i < T.n; i++) {
            double v = ceil(T.v[i]);
            if (v < mn) v = mn;
            if (v > mx) v = mx;
            v = (float)v;
            if (v != T.v[i]) mod = true;
            T.v[i] = v;
        }
        if ((rc = xf_arr_set(g, n->inputs[1], &T)) < 0) return rc;
        bs_dt tdt = bs_dt_signed(dt) ? bs_dt_smallest(-mx - 1) : bs_dt_smallest(mx);
        bs_ir_tensor_set_dtype(n->inputs[1], tdt);
        if (!strncmp(n->op_type, "Thresholding", 12)) bs_ir_attr_set_dt(g, n, "weightDataType", tdt);
        if (mod) *changed = true;
        if ((rc = bs_ir_infer_datatypes(g)) < 0) return rc;
    }
    return 0;
}

int xf_ConvertBipolarMatMulToXnorPopcount(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "MatMul") || !n->inputs[1]->init) continue;
        bs_ir_tensor *xin = n->inputs[0], *Wt = n->inputs[1];
        if (xin->dtype.kind != BS_DT_BIPOLAR || Wt->dtype.kind != BS_DT_BIPOLAR) continue;
        /* find_upstream: the bipolar MultiThreshold may sit behind Im2Col,
         * MaxPoolNHWC, Transpose, Reshape, ... */
        bs_ir_node *mt = xin->producer;
        while (mt && !is_op(mt, "MultiThreshold") && mt->ninputs > 0 && mt->inputs[0]) mt = mt->inputs[0]->producer;
        int rc;
        if (mt && is_op(mt, "MultiThreshold")) {
            if (bs_ir_attr_float(mt, "out_scale", 1.0) != 2.0 || bs_ir_attr_float(mt, "out_bias", 0.0) != -1.0)
                return bs_error_set(BS_EUNSUPPORTED, "%s: bipolar MultiThreshold must have out_scale 2, out_bias -1",
                                    bs_ir_node_desc(mt));
            bs_ir_attr_set_float(g, mt, "out_scale", 1.0);
            bs_ir_attr_set_float(g, mt, "out_bias", 0.0);
            bs_ir_attr_set_str(g, mt, "out_dtype", "BINARY");
            bs_ir_tensor_set_dtype(mt->outputs[0], BS_DT_BINARY_V);
            if ((rc = bs_ir_infer_datatypes(g)) < 0) return rc;
            bs_ir_tensor_set_dtype(xin, BS_DT_BINARY_V);
        } else if (!mt && xin->is_input) {
            bs_xform_warn(x, "%s: converting bipolar graph input %s to BINARY", bs_ir_node_desc(n), xin->name);
            bs_ir_tensor_set_dtype(xin, BS_DT_BINARY_V);
        } else {
            return bs_error_set(BS_EUNSUPPORTED, "%s: bipolar MatMul input must come from a MultiThreshold or the graph input",
                                bs_ir_node_desc(n));
        }
        xf_arr W;
        if ((rc = xf_arr_get(g, Wt, &W)) < 0) return rc;
        for (int64_t i = 0; i < W.n; i++) W.v[i] = (W.v[i] + 1) / 2;
        if ((rc = xf_arr_set(g, Wt, &W)) < 0) return rc;
        bs_ir_tensor_set_dtype(Wt, BS_DT_BINARY_V);
        int64_t K = W.dims[0];
        bs_ir_tensor *out = n->outputs[0];
        bs_ir_tensor *xo = xf_tensor_like(g, "xnor_out", out), *mo = xf_tensor_like(g, "xnor_mul", out);
        bs_ir_node *nx = next_of(g, n);
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        bs_ir_node *xn = xf_node(g, "XnorPopcountMatMul", BS_DOMAIN_FPGADATAFLOW_HLS, xin, Wt, xo, nx);
        /* FINN puts XnorPopcountMatMul in finn.custom_op.general -> qonnx */
        if (xn) xn->domain = BS_DOMAIN_QONNX;
        xf_arr two, mk;
        int64_t one = 1;
        xf_arr_new(g, 0, &one, &two);
        two.n = 1; two.v[0] = 2;
        xf_arr_new(g, 0, &one, &mk);
        mk.n = 1; mk.v[0] = -(double)K;
        bs_ir_tensor *tt = xf_const(g, "xnor_two", &two), *kt = xf_const(g, "xnor_k", &mk);
        if (!xn || !xf_node(g, "Mul", "", xo, tt, mo, nx) || !xf_node(g, "Add", "", mo, kt, out, nx))
            return bs_error_set(BS_ENOMEM, "ConvertBipolarMatMulToXnorPopcount");
        *changed = true;
        if ((rc = bs_ir_infer_shapes(g)) < 0) return rc;
        return bs_ir_infer_datatypes(g);
    }
    return 0;
}

int xf_AbsorbScalarMulAddIntoTopK(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!(is_op(n, "Mul") || is_op(n, "Add")) || n->ninputs != 2 || !n->inputs[1]->init) continue;
        bs_ir_node *c = single_consumer(n);
        if (!is_op(c, "TopK") || !xf_is_scalar(n->inputs[1])) continue;
        if (is_op(n, "Mul") && xf_scalar(n->inputs[1]) <= 0) continue;
        int rc;
        bs_ir_tensor *start = n->inputs[0];
        if ((rc = bs_ir_node_remove(g, n)) < 0 || (rc = bs_ir_node_set_input(g, c, 0, start)) < 0) return rc;
        *changed = true;
        return 0;
    }
    return 0;
}

int xf_Streamline(bs_xform_ctx *x, bool *changed)
{
    static const char *const list[] = {
        "ConvertSubToAdd", "ConvertDivToMul", "BatchNormToAffine", "ConvertSignToThres",
        "MoveMulPastMaxPool", "AbsorbSignBiasIntoMultiThreshold", "MoveScalarLinearPastInvariants",
        "MoveAddPastMul", "MoveScalarAddPastMatMul", "MoveAddPastConv", "MoveScalarMulPastMatMul",
        "MoveScalarMulPastConv", "MoveAddPastMul", "CollapseRepeatedAdd", "CollapseRepeatedMul",
        "MoveMulPastMaxPool", "AbsorbAddIntoMultiThreshold", "FactorOutMulSignMagnitude",
        "AbsorbMulIntoMultiThreshold", "Absorb1BitMulIntoMatMul", "Absorb1BitMulIntoConv",
        "RoundAndClipThresholds", NULL};
    static const char *const tidy[] = {"RemoveIdentityOps", "GiveUniqueNodeNames", "GiveReadableTensorNames",
                                       "InferDataTypes", NULL};
    for (int i = 0; list[i]; i++) {
        int rc = bs_xform_apply(x, list[i], NULL);
        if (rc < 0) return rc;
        if ((rc = bs_xform_apply_list(x, tidy)) < 0) return rc;
    }
    return 0;
}
