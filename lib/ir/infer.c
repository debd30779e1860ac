/* infer.c - shape and datatype inference: the op registry, the drivers
 * (InferShapes / InferDataTypes) and the evaluation of small shape-computing
 * chains (Shape -> Gather -> Concat -> Reshape).  The rules of the standard
 * ops are in infer_std.c, QONNX/FINN custom ops in infer_custom.c. */
#include "ir_int.h"
#include "brainsmith/onnx.h"
#include "brainsmith/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- registry --------------------------------------------------------------- */

static const bs_ir_opdef **reg;
static int nreg, capreg;

int bs_ir_register_op(const bs_ir_opdef *def)
{
    if (!def || !def->op_type || !def->domain)
        return bs_error_set(BS_EINVAL, "ir: register_op: op_type and domain are required");
    if (nreg == capreg) {
        int nc = capreg ? capreg * 2 : 32;
        const bs_ir_opdef **n = realloc(reg, sizeof(*n) * (size_t)nc);
        if (!n) return bs_error_set(BS_ENOMEM, "ir: register_op");
        reg = n;
        capreg = nc;
    }
    reg[nreg++] = def;
    return 0;
}

int bs_ir_register_ops(const bs_ir_opdef *defs)
{
    for (; defs && defs->op_type; defs++) {
        int rc = bs_ir_register_op(defs);
        if (rc) return rc;
    }
    return 0;
}

static const bs_ir_opdef *find_exact(const char *domain, const char *op)
{
    for (int i = nreg - 1; i >= 0; i--)
        if (!strcmp(reg[i]->op_type, op) && !strcmp(reg[i]->domain, domain)) return reg[i];
    int n;
    const bs_ir_opdef *t = bs_ir__builtin_ops(&n);
    for (int i = 0; i < n; i++)
        if (!strcmp(t[i].op_type, op) && !strcmp(t[i].domain, domain)) return &t[i];
    t = bs_ir__custom_ops(&n);
    for (int i = 0; i < n; i++)
        if (!strcmp(t[i].op_type, op) && !strcmp(t[i].domain, domain)) return &t[i];
    return NULL;
}

const bs_ir_opdef *bs_ir_op_lookup(const char *domain, const char *op_type)
{
    const char *d = bs_ir_domain_normalise(domain, NULL);
    const bs_ir_opdef *def = find_exact(d, op_type);
    if (def || !bs_ir_domain_is_fpgadataflow(d)) return def;
    /* <Op>_hls / <Op>_rtl fall back to the abstract <Op>. */
    size_t l = strlen(op_type);
    if (l > 4 && (!strcmp(op_type + l - 4, "_hls") || !strcmp(op_type + l - 4, "_rtl"))) {
        char base[128];
        snprintf(base, sizeof base, "%.*s", (int)(l - 4), op_type);
        return find_exact(BS_DOMAIN_FPGADATAFLOW, base);
    }
    return find_exact(BS_DOMAIN_FPGADATAFLOW, op_type);
}

const bs_ir_opdef *bs_ir_op_at(int i)
{
    int nb, nc;
    const bs_ir_opdef *b = bs_ir__builtin_ops(&nb), *c = bs_ir__custom_ops(&nc);
    if (i < 0) return NULL;
    if (i < nb) return &b[i];
    if (i < nb + nc) return &c[i - nb];
    if (i < nb + nc + nreg) return reg[i - nb - nc];
    return NULL;
}

/* ---- helpers ---------------------------------------------------------------- */

int bs_ir_set_out_shape(bs_ir_graph *g, bs_ir_node *n, int i, int32_t elem_type, int rank,
                        const int64_t *dims)
{
    if (i >= n->noutputs) return 0;
    bs_ir_tensor *t = n->outputs[i];
    if (elem_type) t->elem_type = elem_type;
    return bs_ir_tensor_set_shape(g, t, rank, dims);
}

int bs_ir_copy_shape(bs_ir_graph *g, bs_ir_node *n, int from, int to)
{
    if (from >= n->ninputs || !n->inputs[from])
        return bs_error_set(BS_EINVAL, "node %s: missing input %d", bs_ir_node_desc(n), from);
    bs_ir_tensor *s = n->inputs[from];
    return bs_ir_set_out_shape(g, n, to, s->elem_type, s->rank, s->dims);
}

/* ---- known-value evaluation for shape-computing chains ------------------------ */

static void eval_known(bs_ir_graph *g, bs_ir_node *n)
{
    if (n->noutputs < 1) return;
    bs_ir_tensor *o = n->outputs[0];
    if (o->rank < 0 || bs_ir_tensor_numel(o) < 0 || bs_ir_tensor_numel(o) > 64) return;
    const char *op = n->op_type;
    if (*n->domain) return;
    bs_ir_data *d;
    int64_t v[64];
    if (!strcmp(op, "Shape")) {
        if (!(d = bs_ir_data_new(g, BS_ELEM_INT64, 1, o->dims))) return;
        memcpy(d->data, n->inputs[0]->dims, sizeof(int64_t) * (size_t)n->inputs[0]->rank);
        for (int i = 0; i < n->inputs[0]->rank; i++) if (n->inputs[0]->dims[i] < 0) return;
        o->known = d;
        return;
    }
    bool identity = !strcmp(op, "Unsqueeze") || !strcmp(op, "Squeeze") || !strcmp(op, "Identity") ||
                    !strcmp(op, "Reshape") || !strcmp(op, "Flatten");
    if (identity || !strcmp(op, "Cast")) {
        int k = ivals(IN(n, 0), v, 64);
        if (k < 0) return;
        int32_t et = !strcmp(op, "Cast") ? (int32_t)bs_ir_attr_int(n, "to", 7) : cval(IN(n, 0))->elem_type;
        if (et != BS_ELEM_INT64 && et != BS_ELEM_INT32) return;
        if (!(d = bs_ir_data_new(g, BS_ELEM_INT64, o->rank, o->dims)) || d->numel != k) return;
        memcpy(d->data, v, sizeof(int64_t) * (size_t)k);
        o->known = d;
        return;
    }
    if (!strcmp(op, "Gather")) {
        int64_t idx[64];
        int k = ivals(IN(n, 0), v, 64), ni = ivals(IN(n, 1), idx, 64);
        if (k < 0 || ni < 0 || IN(n, 0)->rank != 1) return;
        if (!(d = bs_ir_data_new(g, BS_ELEM_INT64, o->rank, o->dims)) || d->numel != ni) return;
        for (int i = 0; i < ni; i++) {
            int64_t j = idx[i] < 0 ? idx[i] + k : idx[i];
            if (j < 0 || j >= k) return;
            ((int64_t *)d->data)[i] = v[j];
        }
        o->known = d;
        return;
    }
    if (!strcmp(op, "Concat")) {
        int64_t all[64];
        int tot = 0;
        for (int i = 0; i < n->ninputs; i++) {
            int k = ivals(IN(n, i), v, 64);
            if (k < 0 || tot + k > 64 || IN(n, i)->rank != 1) return;
            memcpy(all + tot, v, sizeof(int64_t) * (size_t)k);
            tot += k;
        }
        if (!(d = bs_ir_data_new(g, BS_ELEM_INT64, o->rank, o->dims)) || d->numel != tot) return;
        memcpy(d->data, all, sizeof(int64_t) * (size_t)tot);
        o->known = d;
    }
}

/* ---- drivers ------------------------------------------------------------------- */

static int unsupported_list(const bs_ir_graph *g, bool shape)
{
    bs_strbuf sb = BS_STRBUF_INIT;
    int cnt = 0;
    for (int i = 0; i < g->nnodes; i++) {
        const bs_ir_node *n = g->nodes[i];
        const bs_ir_opdef *d = bs_ir_op_lookup(n->domain, n->op_type);
        if (d && (!shape || d->infer_shape)) continue;
        bs_strbuf_printf(&sb, "%s%s", cnt ? ", " : "", bs_ir_node_desc(n));
        cnt++;
    }
    if (!cnt) return 0;
    int rc = bs_error_set(BS_EUNSUPPORTED, "no shape inference for %d node%s: %s", cnt,
                          cnt > 1 ? "s" : "", sb.buf ? sb.buf : "");
    bs_strbuf_free(&sb);
    return rc;
}

int bs_ir_infer_shapes(bs_ir_graph *g)
{
    int rc = unsupported_list(g, true);
    if (rc) return rc;
    for (int i = 0; i < g->nnodes; i++) {
        bs_ir_node *n = g->nodes[i];
        const bs_ir_opdef *d = bs_ir_op_lookup(n->domain, n->op_type);
        rc = d->infer_shape(g, n);
        if (rc) return bs_error_wrap(rc, "shape inference");
        eval_known(g, n);
    }
    return 0;
}

int bs_ir_infer_datatypes(bs_ir_graph *g)
{
    for (int i = 0; i < g->nnodes; i++) {
        bs_ir_node *n = g->nodes[i];
        const bs_ir_opdef *d = bs_ir_op_lookup(n->domain, n->op_type);
        int rc = (d && d->infer_dtype) ? d->infer_dtype(g, n) : bs_ir__dt_keep(g, n);
        if (rc) return bs_error_wrap(rc, "datatype inference");
    }
    return 0;
}

int bs_ir_infer(bs_ir_graph *g)
{
    int rc = bs_ir_infer_shapes(g);
    return rc ? rc : bs_ir_infer_datatypes(g);
}

