/* xf_tidy.c - QONNX's general tidy-up transformations (finn-reference §6.2):
 * InferShapes/InferDataTypes (delegating to lib/ir), FoldConstants with a
 * small constant evaluator, GiveUniqueNodeNames, GiveReadableTensorNames,
 * RemoveStaticGraphInputs, RemoveIdentityOps (with QONNX's rewiring: the
 * producer takes over the removed node's output tensor), GemmToMatMul,
 * FoldTransposeIntoQuantInit, InferDataLayouts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xf_int.h"

int xf_InferShapes(bs_xform_ctx *x, bool *changed) { return bs_ir_infer_shapes(x->g); }
int xf_InferDataTypes(bs_xform_ctx *x, bool *changed) { return bs_ir_infer_datatypes(x->g); }
int xf_SortGraph(bs_xform_ctx *x, bool *changed) { return bs_xform_sort_graph(x->g); }
int xf_GiveUniqueNodeNames(bs_xform_ctx *x, bool *changed)
{
    return bs_ir_give_unique_node_names(x->g, "");
}
int xf_RemoveUnusedTensors(bs_xform_ctx *x, bool *changed)
{
    bs_ir_remove_unused_tensors(x->g);
    return 0;
}

int xf_RemoveStaticGraphInputs(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int i = 0; i < g->ninputs;) {
        if (g->inputs[i]->init) {
            int rc = bs_ir_remove_input(g, g->inputs[i]);
            if (rc < 0) return rc;
            *changed = true;
        } else {
            i++;
        }
    }
    return 0;
}

int xf_GiveReadableTensorNames(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    char buf[512];
    /* random-ish unique names first so no rename collides */
    for (int i = 0; i < g->ntensors; i++) {
        bs_ir_tensor *t = g->tensors[i];
        if (t->removed) continue;
        snprintf(buf, sizeof buf, "__bs_tmp_%d", t->id);
        int rc = bs_ir_tensor_rename(g, t, buf);
        if (rc < 0) return rc;
    }
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!n->name || !*n->name) return bs_error_set(BS_EINVAL, "Found empty node name");
        for (int o = 0; o < n->noutputs; o++) {
            if (!n->outputs[o]) continue;
            snprintf(buf, sizeof buf, "%s_out%d", n->name, o);
            int rc = bs_ir_tensor_rename(g, n->outputs[o], buf);
            if (rc < 0) return rc;
        }
        int p = 0;
        for (int i = 0; i < n->ninputs; i++) {
            bs_ir_tensor *t = n->inputs[i];
            if (!t || !t->init) continue;
            snprintf(buf, sizeof buf, "%s_param%d", n->name, p++);
            bs_ir_tensor *other = bs_ir_tensor_find(g, buf);
            if (other == t) continue;
            int rc = bs_ir_tensor_rename(g, t, buf);
            if (rc < 0) return rc;
        }
    }
    for (int i = 0; i < g->ninputs; i++) {
        if (i == 0) snprintf(buf, sizeof buf, "global_in");
        else snprintf(buf, sizeof buf, "global_in_%d", i);
        int rc = bs_ir_tensor_rename(g, g->inputs[i], buf);
        if (rc < 0) return rc;
    }
    for (int i = 0; i < g->noutputs; i++) {
        if (i == 0) snprintf(buf, sizeof buf, "global_out");
        else snprintf(buf, sizeof buf, "global_out_%d", i);
        int rc = bs_ir_tensor_rename(g, g->outputs[i], buf);
        if (rc < 0) return rc;
    }
    return 0;
}

int xf_GiveUniqueParameterTensors(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        for (int i = 0; i < n->ninputs; i++) {
            bs_ir_tensor *t = n->inputs[i];
            if (!t || !t->init || t->nconsumers < 2 || t->consumers[0] == n) continue;
            bs_ir_tensor *c = bs_ir_tensor_new(g, t->name);
            if (!c) return bs_error_set(BS_ENOMEM, "GiveUniqueParameterTensors");
            bs_ir_data *d = bs_ir_data_copy(g, t->init);
            int rc = bs_ir_tensor_set_init(g, c, d->elem_type, d->rank, d->dims, d->data);
            if (rc < 0) return rc;
            if (t->has_dtype) bs_ir_tensor_set_dtype(c, t->dtype);
            if ((rc = bs_ir_node_set_input(g, n, i, c)) < 0) return rc;
            *changed = true;
        }
    }
    return 0;
}

/* ---- FoldConstants --------------------------------------------------------- */

static int eval_transpose(bs_ir_graph *g, const bs_ir_node *n, const xf_arr *a, xf_arr *o)
{
    int64_t perm[BS_IR_MAX_RANK];
    const int64_t *pv = NULL;
    int np = 0;
    if (bs_ir_attr_get_ints(n, "perm", &pv, &np) < 0) {
        np = a->rank;
        for (int i = 0; i < np; i++) perm[i] = np - 1 - i;
    } else {
        for (int i = 0; i < np; i++) perm[i] = pv[i];
    }
    if (np != a->rank) return bs_error_set(BS_EINVAL, "%s: perm rank mismatch", bs_ir_node_desc(n));
    int64_t od[BS_IR_MAX_RANK], st[BS_IR_MAX_RANK];
    for (int i = 0; i < np; i++) od[i] = a->dims[perm[i]];
    int rc = xf_arr_new(g, np, od, o);
    if (rc < 0) return rc;
    st[np - 1] = 1;
    for (int i = np - 2; i >= 0; i--) st[i] = st[i + 1] * a->dims[i + 1];
    int64_t idx[BS_IR_MAX_RANK] = {0};
    for (int64_t k = 0; k < o->n; k++) {
        int64_t src = 0;
        for (int i = 0; i < np; i++) src += idx[i] * st[perm[i]];
        o->v[k] = a->v[src];
        for (int i = np - 1; i >= 0; i--) {
            if (++idx[i] < od[i]) break;
            idx[i] = 0;
        }
    }
    return 0;
}

/* Evaluates n (all inputs constant); 1 = done, 0 = op not supported. */
static int eval_node(bs_ir_graph *g, bs_ir_node *n, xf_arr *out)
{
    bs_ir_tensor *o = n->outputs[0];
    if (o->known) { int rc = xf_arr_get(g, o, out); return rc < 0 ? rc : 1; }
    const char *op = n->op_type;
    if (n->domain && *n->domain) return 0;
    xf_arr a, b;
    int rc;
    char bop = 0;
    if (!strcmp(op, "Add")) bop = '+';
    else if (!strcmp(op, "Sub")) bop = '-';
    else if (!strcmp(op, "Mul")) bop = '*';
    else if (!strcmp(op, "Div")) bop = '/';
    else if (!strcmp(op, "Pow")) bop = 'p';
    if (bop && n->ninputs == 2) {
        if ((rc = xf_arr_get(g, n->inputs[0], &a)) < 0 || (rc = xf_arr_get(g, n->inputs[1], &b)) < 0) return rc;
        if ((rc = xf_arr_binop(g, &a, &b, bop, out)) < 0) return bs_error_wrap(rc, "%s", bs_ir_node_desc(n));
        return 1;
    }
    if (!strcmp(op, "Transpose")) {
        if ((rc = xf_arr_get(g, n->inputs[0], &a)) < 0) return rc;
        return (rc = eval_transpose(g, n, &a, out)) < 0 ? rc : 1;
    }
    if (!strcmp(op, "Identity") || !strcmp(op, "Reshape") || !strcmp(op, "Flatten") ||
        !strcmp(op, "Squeeze") || !strcmp(op, "Unsqueeze")) {
        if (o->rank < 0) return 0;
        if ((rc = xf_arr_get(g, n->inputs[0], &a)) < 0) return rc;
        *out = a;
        out->rank = o->rank;
        for (int i = 0; i < o->rank; i++) out->dims[i] = o->dims[i];
        return 1;
    }
    if (!strcmp(op, "Gather") && n->ninputs == 2) {
        xf_arr idx;
        if ((rc = xf_arr_get(g, n->inputs[0], &a)) < 0 || (rc = xf_arr_get(g, n->inputs[1], &idx)) < 0) return rc;
        int64_t axis = bs_ir_attr_int(n, "axis", 0);
        if (axis < 0) axis += a.rank;
        if (axis != 0 || a.rank < 1) return 0;
        int64_t inner = a.n / (a.dims[0] ? a.dims[0] : 1);
        int64_t od[BS_IR_MAX_RANK];
        int orank = idx.rank + a.rank - 1;
        if (orank > BS_IR_MAX_RANK) return 0;
        for (int i = 0; i < idx.rank; i++) od[i] = idx.dims[i];
        for (int i = 1; i < a.rank; i++) od[idx.rank + i - 1] = a.dims[i];
        if ((rc = xf_arr_new(g, orank, od, out)) < 0) return rc;
        for (int64_t j = 0; j < idx.n; j++) {
            int64_t r = (int64_t)idx.v[j];
            if (r < 0) r += a.dims[0];
            if (r < 0 || r >= a.dims[0]) return bs_error_set(BS_EINVAL, "%s: index out of range", bs_ir_node_desc(n));
            for (int64_t i = 0; i < inner; i++) out->v[j * inner + i] = a.v[r * inner + i];
        }
        return 1;
    }
    if (!strcmp(op, "Concat")) {
        int64_t axis = bs_ir_attr_int(n, "axis", 0);
        if (o->rank < 0) return 0;
        if (axis < 0) axis += o->rank;
        if (axis != 0) return 0;
        if ((rc = xf_arr_new(g, o->rank, o->dims, out)) < 0) return rc;
        int64_t pos = 0;
        for (int i = 0; i < n->ninputs; i++) {
            if ((rc = xf_arr_get(g, n->inputs[i], &a)) < 0) return rc;
            for (int64_t k = 0; k < a.n && pos < out->n; k++) out->v[pos++] = a.v[k];
        }
        return 1;
    }
    if (!strcmp(op, "Neg") || !strcmp(op, "Sqrt") || !strcmp(op, "Reciprocal") || !strcmp(op, "Abs")) {
        if ((rc = xf_arr_get(g, n->inputs[0], &a)) < 0) return rc;
        *out = a;
        for (int64_t i = 0; i < a.n; i++) {
            float v = (float)a.v[i];
            out->v[i] = op[0] == 'N' ? -v : op[0] == 'S' ? sqrtf(v) : op[0] == 'R' ? 1.0f / v : fabsf(v);
        }
        return 1;
    }
    return 0;
}

int xf_FoldConstants(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!strcmp(n->op_type, "Quant") || !strcmp(n->op_type, "BipolarQuant")) continue;
        bool all_const = true;
        for (int i = 0; i < n->ninputs; i++)
            if (n->inputs[i] && !n->inputs[i]->init) all_const = false;
        bool shape_known = !strcmp(n->op_type, "Shape") && n->ninputs && n->inputs[0]->rank >= 0;
        if (!(all_const || shape_known) || n->noutputs < 1) continue;
        bs_ir_tensor *o = n->outputs[0];
        xf_arr v;
        int r;
        if (shape_known && !o->known) {
            int64_t d1 = n->inputs[0]->rank;
            if ((r = xf_arr_new(g, 1, &d1, &v)) < 0) return r;
            for (int i = 0; i < d1; i++) v.v[i] = (double)n->inputs[0]->dims[i];
            r = 1;
        } else {
            r = eval_node(g, n, &v);
        }
        if (r < 0) return r;
        if (r == 0) continue;  /* cannot evaluate natively: leave it (FINN would execute it) */
        int rc;
        if (o->known && o->known->elem_type != BS_ELEM_FLOAT)
            rc = bs_ir_tensor_set_init(g, o, o->known->elem_type, o->known->rank, o->known->dims, o->known->data);
        else if (o->elem_type == BS_ELEM_INT64 || !strcmp(n->op_type, "Shape")) {
            int64_t *iv = malloc(sizeof(int64_t) * (size_t)(v.n ? v.n : 1));
            if (!iv) return bs_error_set(BS_ENOMEM, "FoldConstants");
            for (int64_t i = 0; i < v.n; i++) iv[i] = (int64_t)v.v[i];
            rc = bs_ir_tensor_set_init(g, o, BS_ELEM_INT64, v.rank, v.dims, iv);
            free(iv);
        } else {
            rc = xf_arr_set(g, o, &v);
        }
        if (rc < 0) return rc;
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        *changed = true;
        return bs_ir_infer_shapes(g);
    }
    return 0;
}

/* ---- RemoveIdentityOps ------------------------------------------------------ */

static int remove_and_rewire(bs_ir_graph *g, bs_ir_node *n)
{
    if (xf_is_join(n)) return 0;
    bs_ir_tensor *in = n->inputs[0], *out = n->outputs[0];
    bs_ir_node *p = in->producer;
    int oi = -1;
    if (p)
        for (int i = 0; i < p->noutputs; i++)
            if (p->outputs[i] == in) oi = i;
    if (p && !xf_is_fork(p) && oi == 0) {
        int rc = bs_ir_node_remove(g, n);
        if (rc < 0) return rc;
        return bs_ir_node_set_output(g, p, 0, out);
    }
    return bs_ir_node_bypass(g, n);
}

static bool all_close(bs_ir_graph *g, const bs_ir_tensor *t, double target)
{
    xf_arr a;
    if (!t || !t->init || xf_arr_get(g, t, &a) < 0) return false;
    for (int64_t i = 0; i < a.n; i++)
        if (!(fabs(a.v[i] - target) <= 1e-5 + 1e-8 * fabs(target))) return false;
    return true;
}

int xf_RemoveIdentityOps(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        const char *op = n->op_type;
        if (n->domain && *n->domain) continue;
        bool rm = false;
        if ((!strcmp(op, "Add") || !strcmp(op, "Sub")) && n->ninputs == 2) rm = all_close(g, n->inputs[1], 0);
        else if ((!strcmp(op, "Mul") || !strcmp(op, "Div")) && n->ninputs == 2) rm = all_close(g, n->inputs[1], 1);
        else if (!strcmp(op, "Identity")) rm = true;
        else if (!strcmp(op, "Dropout")) rm = n->ninputs == 1;
        if (!rm) continue;
        if (xf_is_join(n)) continue;
        int rc = remove_and_rewire(g, n);
        if (rc < 0) return rc;
        *changed = true;
        return bs_ir_infer_shapes(g);
    }
    return bs_ir_infer_shapes(g);
}

/* ---- GemmToMatMul ---------------------------------------------------------- */

int xf_GemmToMatMul(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (strcmp(n->op_type, "Gemm") || (n->domain && *n->domain)) continue;
        bs_ir_tensor *a = n->inputs[0], *b = n->inputs[1];
        bs_ir_tensor *c = n->ninputs > 2 ? n->inputs[2] : NULL;
        bs_ir_tensor *out = n->outputs[0];
        double alpha = bs_ir_attr_float(n, "alpha", 1.0), beta = bs_ir_attr_float(n, "beta", 1.0);
        int64_t ta = bs_ir_attr_int(n, "transA", 0), tb = bs_ir_attr_int(n, "transB", 0);
        int rc;
        bs_ir_node *before = n;
        if (ta) {
            bs_ir_tensor *t = bs_ir_tensor_new(g, "gemm_tA");
            bs_ir_node *tn = xf_node(g, "Transpose", "", a, NULL, t, before);
            if (!tn) return bs_error_set(BS_ENOMEM, "GemmToMatMul");
            int64_t perm[2] = {1, 0};
            bs_ir_attr_set_ints(g, tn, "perm", perm, 2);
            a = t;
        }
        if (tb) {
            bs_ir_tensor *t = bs_ir_tensor_new(g, "gemm_tB");
            bs_ir_node *tn = xf_node(g, "Transpose", "", b, NULL, t, before);
            if (!tn) return bs_error_set(BS_ENOMEM, "GemmToMatMul");
            int64_t perm[2] = {1, 0};
            bs_ir_attr_set_ints(g, tn, "perm", perm, 2);
            b = t;
        }
        bs_ir_tensor *mm = bs_ir_tensor_new(g, "gemm_mm");
        bs_ir_node *mn = xf_node(g, "MatMul", "", a, b, mm, before);
        if (!mn) return bs_error_set(BS_ENOMEM, "GemmToMatMul");
        bs_ir_tensor *cur = mm;
        if (alpha != 1.0) {
            xf_arr s;
            int64_t one = 1;
            xf_arr_new(g, 0, &one, &s);
            s.n = 1; s.v[0] = alpha;
            bs_ir_tensor *st = xf_const(g, "gemm_alpha", &s);
            bs_ir_tensor *t = bs_ir_tensor_new(g, "gemm_alpha_out");
            if (!xf_node(g, "Mul", "", cur, st, t, before)) return bs_error_set(BS_ENOMEM, "GemmToMatMul");
            cur = t;
        }
        if (c) {
            bs_ir_tensor *cc = c;
            if (beta != 1.0) {
                xf_arr s, cv, r;
                int64_t one = 1;
                xf_arr_new(g, 0, &one, &s);
                s.n = 1; s.v[0] = beta;
                if (c->init) {
                    if ((rc = xf_arr_get(g, c, &cv)) < 0 || (rc = xf_arr_binop(g, &cv, &s, '*', &r)) < 0) return rc;
                    cc = xf_const(g, "gemm_c", &r);
                } else {
                    bs_ir_tensor *st = xf_const(g, "gemm_beta", &s);
                    cc = bs_ir_tensor_new(g, "gemm_beta_out");
                    if (!xf_node(g, "Mul", "", c, st, cc, before)) return bs_error_set(BS_ENOMEM, "GemmToMatMul");
                }
            }
            if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
            if (!xf_node(g, "Add", "", cur, cc, out, NULL)) return bs_error_wrap(BS_EINVAL, "GemmToMatMul");
        } else {
            if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
            bs_ir_node *last = cur->producer;
            if ((rc = bs_ir_node_set_output(g, last, 0, out)) < 0) return rc;
        }
        *changed = true;
        if ((rc = bs_ir_toposort(g)) < 0) return rc;
        return bs_ir_infer_shapes(g);
    }
    return 0;
}

/* ---- FoldTransposeIntoQuantInit ----------------------------------------------- */

int xf_FoldTransposeIntoQuantInit(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (strcmp(n->op_type, "Transpose")) continue;
        bs_ir_node *q = n->inputs[0]->producer;
        if (!q || (strcmp(q->op_type, "Quant") && strcmp(q->op_type, "BipolarQuant"))) continue;
        bool all_const = true;
        for (int i = 0; i < q->ninputs; i++)
            if (q->inputs[i] && !q->inputs[i]->init) all_const = false;
        if (!all_const || xf_is_fork(q)) continue;
        /* transpose every non-scalar input of the Quant */
        int rc;
        for (int i = 0; i < q->ninputs; i++) {
            bs_ir_tensor *t = q->inputs[i];
            if (!t || t->init->numel <= 1) continue;
            xf_arr a, o;
            if ((rc = xf_arr_get(g, t, &a)) < 0) return rc;
            if (a.rank != n->outputs[0]->rank && n->outputs[0]->rank >= 0) continue;
            if ((rc = eval_transpose(g, n, &a, &o)) < 0) return rc;
            bs_ir_tensor *nt = xf_const(g, t->name, &o);
            if (!nt) return bs_error_set(BS_ENOMEM, "FoldTransposeIntoQuantInit");
            if (t->has_dtype) bs_ir_tensor_set_dtype(nt, t->dtype);
            if ((rc = bs_ir_node_set_input(g, q, i, nt)) < 0) return rc;
        }
        /* the Quant now produces the Transpose's output */
        bs_ir_tensor *out = n->outputs[0];
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        if ((rc = bs_ir_node_set_output(g, q, 0, out)) < 0) return rc;
        *changed = true;
        return bs_ir_infer_shapes(g);
    }
    return 0;
}

int xf_ConvertQuantDomains(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!strcmp(n->op_type, "Quant") || !strcmp(n->op_type, "BipolarQuant") || !strcmp(n->op_type, "Trunc"))
            n->domain = BS_DOMAIN_QONNX;
    }
    return 0;
}

/* ---- InferDataLayouts ---------------------------------------------------------- */

static const char *layout_for_rank(int r)
{
    switch (r) {
    case 2: return "['N', 'C']";
    case 3: return "['N', 'W', 'C']";   /* unused by FINN MLPs */
    case 4: return "['N', 'C', 'H', 'W']";
    }
    return NULL;
}

int xf_InferDataLayouts(bs_xform_ctx *x, bool *changed)
{
    /* QONNX's InferDataLayouts: graph inputs get NC / NCHW by rank, layouts
     * propagate through layout-preserving ops, Transposes permute them and
     * fpgadataflow/MultiThreshold(data_layout=NHWC) outputs are NHWC. */
    bs_ir_graph *g = x->g;
    for (int i = 0; i < g->ninputs; i++) {
        bs_ir_tensor *t = g->inputs[i];
        if (!t->layout && layout_for_rank(t->rank)) bs_ir_tensor_set_layout(g, t, layout_for_rank(t->rank));
    }
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        for (int o = 0; o < n->noutputs; o++) {
            bs_ir_tensor *t = n->outputs[o];
            if (!t || t->rank < 0) continue;
            const char *lay = NULL;
            if (t->rank == 2) lay = "['N', 'C']";
            else if (t->rank == 4) {
                bool nhwc = bs_ir_domain_is_fpgadataflow(n->domain) ||
                            !strcmp(n->op_type, "Im2Col") || !strcmp(n->op_type, "MaxPoolNHWC") ||
                            !strcmp(bs_ir_attr_str(n, "data_layout", "NCHW"), "NHWC");
                if (!strcmp(n->op_type, "Transpose")) {
                    const int64_t *p; int np;
                    if (bs_ir_attr_get_ints(n, "perm", &p, &np) == 0 && np == 4)
                        nhwc = p[1] == 2 && p[2] == 3 && p[3] == 1;
                } else if (!nhwc && n->ninputs && n->inputs[0] && n->inputs[0]->layout &&
                           n->inputs[0]->rank == 4) {
                    lay = n->inputs[0]->layout;
                }
                if (!lay) lay = nhwc ? "['N', 'H', 'W', 'C']" : "['N', 'C', 'H', 'W']";
            }
            if (lay && (!t->layout || strcmp(t->layout, lay))) bs_ir_tensor_set_layout(g, t, lay);
        }
    }
    return 0;
}
