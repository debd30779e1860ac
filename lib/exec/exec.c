/* exec.c - executor core: values, the op table (built-ins + registered
 * kernels), sessions and the run loop.  Kernels are in ops_*.c. */
#include "exec_int.h"
#include "brainsmith/error.h"
#include "brainsmith/onnx.h"
#include "brainsmith/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- values ------------------------------------------------------------------ */

int bs_value_alloc(bs_value *v, int32_t elem, int rank, const int64_t *dims)
{
    size_t es = bs_onnx_elem_size(elem);
    if (!es || rank < 0 || rank > BS_IR_MAX_RANK)
        return bs_error_set(BS_EINVAL, "exec: cannot allocate a %s value of rank %d",
                            bs_onnx_elem_name(elem), rank);
    int64_t n = 1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0 || (dims[i] && n > (INT64_C(1) << 34) / dims[i]))
            return bs_error_set(BS_ERANGE, "exec: bad or too large dimension %lld",
                                (long long)dims[i]);
        n *= dims[i];
    }
    size_t bytes = (size_t)n * es;
    if (v->cap < bytes || !v->cap) {
        if (v->cap) free(v->data);
        v->data = malloc(bytes ? bytes : 1);
        if (!v->data) { v->cap = 0; return bs_error_set(BS_ENOMEM, "exec: %zu bytes", bytes); }
        v->cap = bytes ? bytes : 1;
    }
    memset(v->data, 0, bytes);
    v->elem = elem;
    v->rank = rank;
    for (int i = 0; i < rank; i++) v->dims[i] = dims[i];
    v->numel = n;
    return 0;
}

void bs_value_free(bs_value *v)
{
    if (v->cap) free(v->data);
    memset(v, 0, sizeof *v);
}

double bs_value_get(const bs_value *v, int64_t i)
{
    const void *d = v->data;
    switch (v->elem) {
    case BS_ELEM_FLOAT: return ((const float *)d)[i];
    case BS_ELEM_DOUBLE: return ((const double *)d)[i];
    case BS_ELEM_INT64: return (double)((const int64_t *)d)[i];
    case BS_ELEM_INT32: return ((const int32_t *)d)[i];
    case BS_ELEM_INT16: return ((const int16_t *)d)[i];
    case BS_ELEM_INT8: return ((const int8_t *)d)[i];
    case BS_ELEM_UINT8: case BS_ELEM_BOOL: return ((const uint8_t *)d)[i];
    case BS_ELEM_UINT16: return ((const uint16_t *)d)[i];
    case BS_ELEM_UINT32: return ((const uint32_t *)d)[i];
    case BS_ELEM_UINT64: return (double)((const uint64_t *)d)[i];
    default: return NAN;
    }
}

/* Saturating double -> integer conversion (no UB on out-of-range input). */
static int64_t to_i64(double x)
{
    if (isnan(x)) return 0;
    if (x >= 9.2233720368547758e18) return INT64_MAX;
    if (x <= -9.2233720368547758e18) return INT64_MIN;
    return (int64_t)x;
}

void bs_value_set(bs_value *v, int64_t i, double x)
{
    void *d = v->data;
    int64_t k = to_i64(x);
    switch (v->elem) {
    case BS_ELEM_FLOAT: ((float *)d)[i] = (float)x; break;
    case BS_ELEM_DOUBLE: ((double *)d)[i] = x; break;
    case BS_ELEM_INT64: ((int64_t *)d)[i] = k; break;
    case BS_ELEM_INT32: ((int32_t *)d)[i] = (int32_t)k; break;
    case BS_ELEM_INT16: ((int16_t *)d)[i] = (int16_t)k; break;
    case BS_ELEM_INT8: ((int8_t *)d)[i] = (int8_t)k; break;
    case BS_ELEM_UINT8: ((uint8_t *)d)[i] = (uint8_t)k; break;
    case BS_ELEM_BOOL: ((uint8_t *)d)[i] = x != 0; break;
    case BS_ELEM_UINT16: ((uint16_t *)d)[i] = (uint16_t)k; break;
    case BS_ELEM_UINT32: ((uint32_t *)d)[i] = (uint32_t)k; break;
    case BS_ELEM_UINT64: ((uint64_t *)d)[i] = x <= 0 ? 0 : x >= 1.8446744073709552e19 ? UINT64_MAX : (uint64_t)x; break;
    default: break;
    }
}

int bs_value_copy(bs_value *dst, const bs_value *src)
{
    int rc = bs_value_alloc(dst, src->elem, src->rank, src->dims);
    if (!rc && src->numel) memcpy(dst->data, src->data, (size_t)src->numel * bs_onnx_elem_size(src->elem));
    return rc;
}

int bs_value_to_float(bs_value *v)
{
    if (v->elem == BS_ELEM_FLOAT) return 0;
    bs_value t = {0};
    int rc = bs_value_alloc(&t, BS_ELEM_FLOAT, v->rank, v->dims);
    if (rc) return rc;
    for (int64_t i = 0; i < v->numel; i++) ((float *)t.data)[i] = (float)bs_value_get(v, i);
    bs_value_free(v);
    *v = t;
    return 0;
}

const char *bs_value_shape_str(const bs_value *v)
{
    static _Thread_local char ring[4][160];
    static _Thread_local unsigned k;
    char *b = ring[k++ & 3];
    int o = snprintf(b, 160, "[");
    for (int i = 0; i < v->rank && o < 140; i++)
        o += snprintf(b + o, (size_t)(160 - o), "%s%lld", i ? ", " : "", (long long)v->dims[i]);
    snprintf(b + o, (size_t)(160 - o), "]");
    return b;
}

/* ---- op table ------------------------------------------------------------------ */

static const bs_exec_op **reg;
static int nreg, capreg;

int bs_exec_register(const bs_exec_op *op)
{
    if (!op || !op->op_type || !op->domain || !op->fn)
        return bs_error_set(BS_EINVAL, "exec: register: domain, op_type and fn are required");
    if (nreg == capreg) {
        int nc = capreg ? capreg * 2 : 32;
        const bs_exec_op **n = realloc(reg, sizeof(*n) * (size_t)nc);
        if (!n) return bs_error_set(BS_ENOMEM, "exec: register");
        reg = n;
        capreg = nc;
    }
    reg[nreg++] = op;
    return 0;
}

int bs_exec_register_table(const bs_exec_op *ops)
{
    for (; ops && ops->op_type; ops++) {
        int rc = bs_exec_register(ops);
        if (rc) return rc;
    }
    return 0;
}

static const bs_exec_op *find_exact(const char *domain, const char *op)
{
    for (int i = nreg - 1; i >= 0; i--)
        if (!strcmp(reg[i]->op_type, op) && !strcmp(reg[i]->domain, domain)) return reg[i];
    for (int t = 0; t < 3; t++) {
        int n;
        const bs_exec_op *tab = t == 0 ? bs_exec__std_ops(&n) : t == 1 ? bs_exec__qonnx_ops(&n) : bs_exec__misc_ops(&n);
        for (int i = 0; i < n; i++)
            if (!strcmp(tab[i].op_type, op) && !strcmp(tab[i].domain, domain)) return &tab[i];
    }
    return NULL;
}

const bs_exec_op *bs_exec_lookup(const char *domain, const char *op_type)
{
    const char *d = bs_ir_domain_normalise(domain, NULL);
    const bs_exec_op *o = find_exact(d, op_type);
    if (o || !bs_ir_domain_is_fpgadataflow(d)) return o;
    size_t l = strlen(op_type);
    if (l > 4 && (!strcmp(op_type + l - 4, "_hls") || !strcmp(op_type + l - 4, "_rtl"))) {
        char base[128];
        snprintf(base, sizeof base, "%.*s", (int)(l - 4), op_type);
        return find_exact(BS_DOMAIN_FPGADATAFLOW, base);
    }
    return find_exact(BS_DOMAIN_FPGADATAFLOW, op_type);
}

const bs_exec_op *bs_exec_op_at(int i)
{
    int ns, nq, nm;
    const bs_exec_op *s = bs_exec__std_ops(&ns), *q = bs_exec__qonnx_ops(&nq), *m = bs_exec__misc_ops(&nm);
    if (i < 0) return NULL;
    if (i < ns) return &s[i];
    if (i < ns + nq) return &q[i - ns];
    if (i < ns + nq + nm) return &m[i - ns - nq];
    if (i < ns + nq + nm + nreg) return reg[i - ns - nq - nm];
    return NULL;
}

int bs_exec_check(const bs_ir_graph *g)
{
    bs_strbuf sb = BS_STRBUF_INIT;
    int cnt = 0;
    static _Thread_local int depth;
    for (int i = 0; i < g->nnodes; i++) {
        const bs_ir_node *n = g->nodes[i];
        bool part = !strcmp(n->op_type, "StreamingDataflowPartition") || !strcmp(n->op_type, "GenericPartition");
        if (part && depth < 4) {
            /* look inside: the child's nodes need kernels too */
            bs_ir_graph *c;
            int rc = bs_ir_load_partition(g, n, &c);
            if (!rc) {
                depth++;
                rc = bs_exec_check(c);
                depth--;
                bs_ir_free(c);
            }
            if (rc) {
                bs_strbuf_printf(&sb, "%s%s [%s]", cnt ? ", " : "", bs_ir_node_desc(n), bs_error_msg());
                cnt++;
            }
            continue;
        }
        if (bs_exec_lookup(n->domain, n->op_type)) continue;
        bs_strbuf_printf(&sb, "%s%s", cnt ? ", " : "", bs_ir_node_desc(n));
        cnt++;
    }
    if (!cnt) return 0;
    int rc = bs_error_set(BS_EUNSUPPORTED, "no executor kernel for %d node%s: %s", cnt,
                          cnt > 1 ? "s" : "", sb.buf ? sb.buf : "");
    bs_strbuf_free(&sb);
    return rc;
}

/* ---- sessions -------------------------------------------------------------------- */

struct bs_exec_ctx {
    bs_exec_session *s;
    const bs_ir_node *node;
    int pos;                    /* node position in graph order */
};

struct bs_exec_session {
    const bs_ir_graph *g;
    bs_value *vals;             /* by tensor id */
    const bs_exec_op **ops;     /* by node position */
    const bs_ir_tensor **ins;   /* graph inputs without initializer */
    int nins;
    const bs_value **argv;      /* scratch for kernel inputs */
    int maxin;
    uint8_t *have;              /* by tensor id: value computed this run */
    uint8_t *cnode;             /* by node position: all inputs constant */
    uint8_t *ctensor;           /* by tensor id: initializer or constant-derived */
    bool const_done;            /* constant nodes were computed by a run */
    void **state;               /* by node position: kernel state */
    void (**state_free)(void *);
};

const bs_ir_graph *bs_exec_graph(const bs_exec_ctx *cx) { return cx->s->g; }

void *bs_exec_state(bs_exec_ctx *cx) { return cx->s->state[cx->pos]; }

void bs_exec_set_state(bs_exec_ctx *cx, void *state, void (*free_fn)(void *))
{
    bs_exec_session *s = cx->s;
    if (s->state[cx->pos] && s->state_free[cx->pos]) s->state_free[cx->pos](s->state[cx->pos]);
    s->state[cx->pos] = state;
    s->state_free[cx->pos] = free_fn;
}

bs_value *bs_exec_out(bs_exec_ctx *cx, int i, int32_t elem, int rank, const int64_t *dims)
{
    const bs_ir_node *n = cx->node;
    if (i < 0 || i >= n->noutputs) {
        bs_error_set(BS_EINTERNAL, "exec: node %s has no output %d", bs_ir_node_desc(n), i);
        return NULL;
    }
    const bs_ir_tensor *t = n->outputs[i];
    bs_value *v = &cx->s->vals[t->id];
    if (bs_value_alloc(v, elem, rank, dims)) {
        bs_error_wrap(bs_error_code(), "node %s", bs_ir_node_desc(n));
        return NULL;
    }
    cx->s->have[t->id] = 1;
    return v;
}

bs_value *bs_exec_out_like(bs_exec_ctx *cx, int i, int32_t elem, const bs_value *like)
{
    return bs_exec_out(cx, i, elem, like->rank, like->dims);
}

int bs_exec_new(const bs_ir_graph *g, bs_exec_session **out)
{
    *out = NULL;
    int rc = bs_exec_check(g);
    if (rc) return rc;
    bs_exec_session *s = calloc(1, sizeof *s);
    if (!s) return BS_ENOMEM;
    s->g = g;
    s->vals = calloc((size_t)g->ntensors + 1, sizeof(bs_value));
    s->have = calloc((size_t)g->ntensors + 1, 1);
    s->ops = calloc((size_t)g->nnodes + 1, sizeof(void *));
    s->ins = calloc((size_t)g->ninputs + 1, sizeof(void *));
    for (int i = 0; i < g->nnodes; i++)
        if (g->nodes[i]->ninputs > s->maxin) s->maxin = g->nodes[i]->ninputs;
    s->argv = calloc((size_t)s->maxin + 1, sizeof(void *));
    s->cnode = calloc((size_t)g->nnodes + 1, 1);
    s->ctensor = calloc((size_t)g->ntensors + 1, 1);
    s->state = calloc((size_t)g->nnodes + 1, sizeof(void *));
    s->state_free = calloc((size_t)g->nnodes + 1, sizeof(*s->state_free));
    if (!s->vals || !s->have || !s->ops || !s->ins || !s->argv || !s->cnode || !s->ctensor || !s->state ||
        !s->state_free) {
        bs_exec_free(s);
        return bs_error_set(BS_ENOMEM, "exec: session");
    }
    for (int i = 0; i < g->nnodes; i++)
        s->ops[i] = bs_exec_lookup(g->nodes[i]->domain, g->nodes[i]->op_type);
    for (int i = 0; i < g->ninputs; i++)
        if (!g->inputs[i]->init) s->ins[s->nins++] = g->inputs[i];
    /* Constant subgraphs (weight quantizers, Shape chains, ...) are computed
     * by the first run only, as FINN's FoldConstants would. */
    for (int i = 0; i < g->ntensors; i++)
        s->ctensor[i] = g->tensors[i]->init && !g->tensors[i]->init->proto;
    for (int i = 0; i < g->nnodes; i++) {
        const bs_ir_node *n = g->nodes[i];
        bool c = true;
        for (int k = 0; k < n->ninputs; k++)
            if (n->inputs[k] && !s->ctensor[n->inputs[k]->id]) c = false;
        s->cnode[i] = c;
        if (c)
            for (int k = 0; k < n->noutputs; k++) s->ctensor[n->outputs[k]->id] = 1;
    }
    /* Initializers are borrowed views of the graph's data. */
    for (int i = 0; i < g->ntensors; i++) {
        const bs_ir_tensor *t = g->tensors[i];
        if (!t->init) continue;
        if (t->init->proto) continue;  /* undecodable: a kernel reading it fails */
        bs_value *v = &s->vals[i];
        v->elem = t->init->elem_type;
        v->rank = t->init->rank;
        for (int k = 0; k < v->rank; k++) v->dims[k] = t->init->dims[k];
        v->numel = t->init->numel;
        v->data = t->init->data;
        v->cap = 0;
    }
    *out = s;
    return 0;
}

void bs_exec_free(bs_exec_session *s)
{
    if (!s) return;
    if (s->vals)
        for (int i = 0; i < s->g->ntensors; i++) bs_value_free(&s->vals[i]);
    free(s->vals);
    free(s->have);
    free(s->ops);
    free(s->ins);
    free(s->argv);
    for (int i = 0; s->state && s->state_free && i < s->g->nnodes; i++)
        if (s->state[i] && s->state_free[i]) s->state_free[i](s->state[i]);
    free(s->state);
    free(s->state_free);
    free(s->cnode);
    free(s->ctensor);
    free(s);
}

int bs_exec_num_inputs(const bs_exec_session *s) { return s->nins; }
const bs_ir_graph *bs_exec_graph_of(const bs_exec_session *s) { return s->g; }
const bs_ir_tensor *bs_exec_input_tensor(const bs_exec_session *s, int i)
{
    return i >= 0 && i < s->nins ? s->ins[i] : NULL;
}

static int bind_input(bs_exec_session *s, const bs_ir_tensor *t, const bs_value *in)
{
    if (t->rank >= 0) {
        bool ok = t->rank == in->rank;
        for (int k = 0; ok && k < t->rank; k++)
            if (t->dims[k] >= 0 && t->dims[k] != in->dims[k]) ok = false;
        if (!ok) {
            bs_value tmp = {.rank = t->rank};
            for (int k = 0; k < t->rank; k++) tmp.dims[k] = t->dims[k];
            /* A flat input with the right element count is accepted (FINN
             * reshapes npy inputs the same way). */
            if (bs_ir_tensor_numel(t) != in->numel)
                return bs_error_set(BS_EINVAL, "input '%s': shape %s does not match the model's %s",
                                    t->name, bs_value_shape_str(in), bs_value_shape_str(&tmp));
        }
    }
    bs_value *v = &s->vals[t->id];
    int32_t et = t->elem_type ? t->elem_type : BS_ELEM_FLOAT;
    int rank = t->rank >= 0 && bs_ir_tensor_numel(t) == in->numel ? t->rank : in->rank;
    const int64_t *dims = t->rank >= 0 && bs_ir_tensor_numel(t) == in->numel ? t->dims : in->dims;
    int rc = bs_value_alloc(v, et, rank, dims);
    if (rc) return rc;
    if (in->elem == et) memcpy(v->data, in->data, (size_t)in->numel * bs_onnx_elem_size(et));
    else
        for (int64_t i = 0; i < in->numel; i++) bs_value_set(v, i, bs_value_get(in, i));
    s->have[t->id] = 1;
    return 0;
}

int bs_exec_run(bs_exec_session *s, const bs_value *inputs, int ninputs)
{
    const bs_ir_graph *g = s->g;
    if (ninputs != s->nins)
        return bs_error_set(BS_EINVAL, "exec: the model has %d input%s, %d given", s->nins,
                            s->nins == 1 ? "" : "s", ninputs);
    for (int i = 0; i < g->ntensors; i++)
        if (!s->const_done || !s->ctensor[i])
            s->have[i] = g->tensors[i]->init && !g->tensors[i]->init->proto;
    for (int i = 0; i < s->nins; i++) {
        int rc = bind_input(s, s->ins[i], &inputs[i]);
        if (rc) return rc;
    }
    bs_exec_ctx cx = {s, NULL, 0};
    for (int i = 0; i < g->nnodes; i++) {
        const bs_ir_node *n = g->nodes[i];
        if (s->cnode[i] && s->const_done) continue;
        cx.node = n;
        cx.pos = i;
        for (int k = 0; k < n->ninputs; k++) {
            const bs_ir_tensor *t = n->inputs[k];
            if (t && !s->have[t->id])
                return bs_error_set(BS_EINVAL, "exec: node %s: input '%s' has no value",
                                    bs_ir_node_desc(n), t->name);
            s->argv[k] = t ? &s->vals[t->id] : NULL;
        }
        int rc = s->ops[i]->fn(&cx, n, s->argv, n->ninputs);
        if (rc) return bs_error_code() == rc ? rc : bs_error_set(rc, "exec: node %s failed", bs_ir_node_desc(n));
        for (int k = 0; k < n->noutputs; k++)
            if (!s->have[n->outputs[k]->id] && strncmp(n->outputs[k]->name, "__unused_output", 15) &&
                n->outputs[k]->nconsumers + n->outputs[k]->is_output > 0)
                return bs_error_set(BS_EINTERNAL, "exec: node %s did not produce output '%s'",
                                    bs_ir_node_desc(n), n->outputs[k]->name);
    }
    s->const_done = true;
    return 0;
}

const bs_value *bs_exec_output(const bs_exec_session *s, int i)
{
    if (i < 0 || i >= s->g->noutputs) return NULL;
    return bs_exec_value(s, s->g->outputs[i]);
}

const bs_value *bs_exec_value(const bs_exec_session *s, const bs_ir_tensor *t)
{
    return t && s->have[t->id] ? &s->vals[t->id] : NULL;
}

int bs_exec_graph_once(const bs_ir_graph *g, const bs_value *inputs, int ninputs, bs_value *outs)
{
    bs_exec_session *s;
    int rc = bs_exec_new(g, &s);
    if (rc) return rc;
    rc = bs_exec_run(s, inputs, ninputs);
    for (int i = 0; !rc && i < g->noutputs; i++) {
        const bs_value *v = bs_exec_output(s, i);
        memset(&outs[i], 0, sizeof outs[i]);
        rc = v ? bs_value_copy(&outs[i], v) : bs_error_set(BS_EINTERNAL, "exec: output %d missing", i);
    }
    bs_exec_free(s);
    return rc;
}

bs_value *bs_exec__cur_out(bs_exec_ctx *cx, int i)
{
    return &cx->s->vals[cx->node->outputs[i]->id];
}

int bs_exec_const_view(const bs_ir_tensor *t, bs_value *out)
{
    const bs_ir_data *d = t->init ? t->init : t->known;
    if (!d || d->proto || !d->data)
        return bs_error_set(BS_EINVAL, "exec: tensor '%s' has no constant data", t->name);
    memset(out, 0, sizeof *out);
    out->elem = d->elem_type;
    out->rank = d->rank;
    for (int k = 0; k < d->rank; k++) out->dims[k] = d->dims[k];
    out->numel = d->numel;
    out->data = d->data;
    return 0;
}

int bs_exec_node(const bs_ir_graph *g, const bs_ir_node *n, const bs_value *const *inputs, int nin,
                 bs_value *outs)
{
    const bs_exec_op *op = bs_exec_lookup(n->domain, n->op_type);
    if (!op)
        return bs_error_set(BS_EUNSUPPORTED, "no executor kernel for node %s", bs_ir_node_desc(n));
    /* a minimal session: value slots for every tensor, nothing else */
    bs_exec_session s = {0};
    s.g = g;
    s.vals = calloc((size_t)g->ntensors + 1, sizeof(bs_value));
    s.have = calloc((size_t)g->ntensors + 1, 1);
    s.state = calloc((size_t)g->nnodes + 1, sizeof(void *));
    s.state_free = calloc((size_t)g->nnodes + 1, sizeof(*s.state_free));
    int rc = 0;
    if (!s.vals || !s.have || !s.state || !s.state_free) rc = bs_error_set(BS_ENOMEM, "exec: node");
    bs_exec_ctx cx = {&s, n, 0};
    if (!rc) rc = op->fn(&cx, n, inputs, nin);
    for (int k = 0; k < n->noutputs && !rc; k++) {
        memset(&outs[k], 0, sizeof outs[k]);
        if (s.have[n->outputs[k]->id]) rc = bs_value_copy(&outs[k], &s.vals[n->outputs[k]->id]);
    }
    if (s.vals)
        for (int i = 0; i < g->ntensors; i++) bs_value_free(&s.vals[i]);
    for (int i = 0; s.state && s.state_free && i < g->nnodes; i++)
        if (s.state[i] && s.state_free[i]) s.state_free[i](s.state[i]);
    free(s.vals);
    free(s.have);
    free(s.state);
    free(s.state_free);
    return rc;
}
