/* ir.c - the graph IR core: lifecycle, name index, lookup, tensors, graph
 * I/O, node editing and topological sort.  Attributes are in attr.c,
 * import/export in import.c/export.c, inference in infer*.c. */
#include "ir_int.h"
#include "brainsmith/onnx.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- arrays and name index ------------------------------------------------ */

int bs_ir__grow(bs_arena *a, void **arr, int n, int *cap, size_t elem)
{
    if (n < *cap) return 0;
    int nc = *cap ? *cap * 2 : 4;
    void *p = bs_arena_alloc(a, (size_t)nc * elem);
    if (!p) return BS_ENOMEM;
    if (n) memcpy(p, *arr, (size_t)n * elem);
    *arr = p;
    *cap = nc;
    return 0;
}

typedef struct slot { const char *key; void *val; } slot;
typedef struct table { slot *s; size_t cap, n; } table;
typedef struct index { table t, n; } index_t;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int table_put(table *t, const char *key, void *val);

static int table_grow(table *t)
{
    table nt = {calloc(t->cap ? t->cap * 2 : 64, sizeof(slot)), t->cap ? t->cap * 2 : 64, 0};
    if (!nt.s) return BS_ENOMEM;
    for (size_t i = 0; i < t->cap; i++)
        if (t->s[i].key && t->s[i].val) table_put(&nt, t->s[i].key, t->s[i].val);
    free(t->s);
    *t = nt;
    return 0;
}

static slot *table_slot(const table *t, const char *key)
{
    if (!t->cap) return NULL;
    size_t m = t->cap - 1, i = hash_str(key) & m;
    slot *tomb = NULL;
    for (;;) {
        slot *s = &t->s[i];
        if (!s->key) return tomb ? tomb : s;
        if (!s->val) { if (!tomb) tomb = s; }
        else if (!strcmp(s->key, key)) return s;
        i = (i + 1) & m;
    }
}

static int table_put(table *t, const char *key, void *val)
{
    if ((t->n + 1) * 2 > t->cap) {
        int rc = table_grow(t);
        if (rc) return rc;
    }
    slot *s = table_slot(t, key);
    if (!s->key || !s->val) t->n++;
    s->key = key;
    s->val = val;
    return 0;
}

static void *table_get(const table *t, const char *key)
{
    slot *s = table_slot(t, key);
    return (s && s->key && s->val && !strcmp(s->key, key)) ? s->val : NULL;
}

static void table_del(table *t, const char *key)
{
    slot *s = table_slot(t, key);
    if (s && s->key && s->val && !strcmp(s->key, key)) s->val = NULL; /* tombstone */
}

int bs_ir__index_init(bs_ir_graph *g)
{
    g->index = calloc(1, sizeof(index_t));
    return g->index ? 0 : bs_error_set(BS_ENOMEM, "ir: index");
}

int bs_ir__index_put_tensor(bs_ir_graph *g, bs_ir_tensor *t)
{
    return table_put(&((index_t *)g->index)->t, t->name, t);
}
void bs_ir__index_del_tensor(bs_ir_graph *g, const char *name)
{
    table_del(&((index_t *)g->index)->t, name);
}
int bs_ir__index_put_node(bs_ir_graph *g, bs_ir_node *n)
{
    if (!n->name || !*n->name) return 0;
    return table_put(&((index_t *)g->index)->n, n->name, n);
}
void bs_ir__index_del_node(bs_ir_graph *g, const char *name)
{
    if (name && *name) table_del(&((index_t *)g->index)->n, name);
}
void bs_ir__index_free(bs_ir_graph *g)
{
    index_t *ix = g->index;
    if (!ix) return;
    free(ix->t.s);
    free(ix->n.s);
    free(ix);
    g->index = NULL;
}

/* ---- lifecycle ------------------------------------------------------------ */

static bs_ir_graph *graph_alloc(void)
{
    bs_ir_graph *g = calloc(1, sizeof *g);
    if (!g) { bs_error_set(BS_ENOMEM, "ir: graph"); return NULL; }
    bs_arena_init(&g->arena, 0);
    if (bs_ir__index_init(g)) { free(g); return NULL; }
    g->ir_version = 8;
    return g;
}

bs_ir_graph *bs_ir_new(const char *name)
{
    bs_ir_graph *g = graph_alloc();
    if (!g) return NULL;
    g->name = bs_arena_strdup(&g->arena, name ? name : "brainsmith");
    if (bs_ir_set_opset(g, "", 11) || bs_ir_set_opset(g, BS_DOMAIN_QONNX, 1)) {
        bs_ir_free(g);
        return NULL;
    }
    return g;
}

/* Used by import.c. */
bs_ir_graph *bs_ir__graph_alloc(void) { return graph_alloc(); }

void bs_ir_free(bs_ir_graph *g)
{
    if (!g) return;
    bs_ir__index_free(g);
    bs_onnx_free(g->src);
    bs_arena_free(&g->arena);
    free(g);
}

int bs_ir_clone(const bs_ir_graph *g, bs_ir_graph **out)
{
    uint8_t *buf;
    size_t len;
    *out = NULL;
    int rc = bs_ir_pack(g, &buf, &len);
    if (rc) return rc;
    rc = bs_ir_load_mem(buf, len, "clone", out);
    free(buf);
    return rc;
}

/* ---- lookup ----------------------------------------------------------------- */

bs_ir_tensor *bs_ir_tensor_find(const bs_ir_graph *g, const char *name)
{
    return name ? table_get(&((index_t *)g->index)->t, name) : NULL;
}

bs_ir_node *bs_ir_node_find(const bs_ir_graph *g, const char *name)
{
    return (name && *name) ? table_get(&((index_t *)g->index)->n, name) : NULL;
}

int bs_ir_node_index(const bs_ir_graph *g, const bs_ir_node *n)
{
    for (int i = 0; i < g->nnodes; i++)
        if (g->nodes[i] == n) return i;
    return -1;
}

bs_ir_node *bs_ir_node_pred(const bs_ir_node *n, int i)
{
    if (i < 0 || i >= n->ninputs || !n->inputs[i]) return NULL;
    return n->inputs[i]->producer;
}

bs_ir_node *bs_ir_node_succ(const bs_ir_node *n, int i)
{
    if (i < 0 || i >= n->noutputs) return NULL;
    bs_ir_tensor *t = n->outputs[i];
    return t->nconsumers == 1 ? t->consumers[0] : NULL;
}

bool bs_ir_node_is(const bs_ir_node *n, const char *domain, const char *op_type)
{
    return n && !strcmp(n->op_type, op_type) && (!domain || !strcmp(n->domain, domain));
}

bool bs_ir_domain_is_custom(const char *d)
{
    return d && (!strncmp(d, "qonnx.", 6) || !strncmp(d, "finn", 4) ||
                 !strncmp(d, "onnx.brevitas", 13));
}

bool bs_ir_domain_is_fpgadataflow(const char *d)
{
    size_t n = strlen(BS_DOMAIN_FPGADATAFLOW);
    return d && !strncmp(d, BS_DOMAIN_FPGADATAFLOW, n) && (d[n] == 0 || d[n] == '.');
}

const char *bs_ir_domain_normalise(const char *d, const char *backend)
{
    if (!d || !*d || !strcmp(d, "ai.onnx")) return "";
    if (!strcmp(d, "onnx.brevitas") || !strcmp(d, "finn.custom_op.general") ||
        !strcmp(d, "qonnx.custom_op.general"))
        return BS_DOMAIN_QONNX;
    if (!strcmp(d, "finn")) {
        if (backend && !strcmp(backend, "fpgadataflow")) return BS_DOMAIN_FPGADATAFLOW;
        return BS_DOMAIN_QONNX;
    }
    return d;
}

int64_t bs_ir_opset_version(const bs_ir_graph *g, const char *domain)
{
    const char *d = domain ? domain : "";
    for (int i = 0; i < g->nopsets; i++) {
        const char *od = g->opsets[i].domain;
        if (!strcmp(od, d) || (!*d && !strcmp(od, "ai.onnx"))) return g->opsets[i].version;
    }
    return 0;
}

int bs_ir_set_opset(bs_ir_graph *g, const char *domain, int64_t version)
{
    for (int i = 0; i < g->nopsets; i++)
        if (!strcmp(g->opsets[i].domain, domain)) { g->opsets[i].version = version; return 0; }
    if (bs_ir__grow(&g->arena, (void **)&g->opsets, g->nopsets, &g->capopsets,
                    sizeof(bs_ir_opset)))
        return bs_error_set(BS_ENOMEM, "ir: opsets");
    g->opsets[g->nopsets].domain = bs_arena_strdup(&g->arena, domain);
    g->opsets[g->nopsets++].version = version;
    return 0;
}

int64_t bs_ir_tensor_numel(const bs_ir_tensor *t)
{
    if (!t || t->rank < 0) return -1;
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++) {
        if (t->dims[i] < 0) return -1;
        n *= t->dims[i];
    }
    return n;
}

const char *bs_ir_node_desc(const bs_ir_node *n)
{
    static _Thread_local char ring[4][256];
    static _Thread_local unsigned k;
    char *b = ring[k++ & 3];
    snprintf(b, 256, "'%s' (%s%s%s)", n->name ? n->name : "", n->op_type,
             n->domain && *n->domain ? ", " : "", n->domain ? n->domain : "");
    return b;
}

/* ---- tensors ---------------------------------------------------------------- */

static bs_ir_tensor *tensor_create(bs_ir_graph *g, const char *name)
{
    bs_ir_tensor *t = bs_arena_calloc(&g->arena, 1, sizeof *t);
    if (!t) return NULL;
    t->name = bs_arena_strdup(&g->arena, name);
    t->rank = -1;
    t->elem_type = BS_ELEM_FLOAT;
    t->dtype = BS_DT_FLOAT32_V;
    if (!t->name ||
        bs_ir__grow(&g->arena, (void **)&g->tensors, g->ntensors, &g->captensors, sizeof(void *)) ||
        bs_ir__index_put_tensor(g, t)) {
        bs_error_set(BS_ENOMEM, "ir: tensor '%s'", name);
        return NULL;
    }
    t->id = g->ntensors;
    g->tensors[g->ntensors++] = t;
    return t;
}

bs_ir_tensor *bs_ir_tensor_get(bs_ir_graph *g, const char *name)
{
    if (!name) { bs_error_set(BS_EINVAL, "ir: tensor name is NULL"); return NULL; }
    bs_ir_tensor *t = bs_ir_tensor_find(g, name);
    return t ? t : tensor_create(g, name);
}

bs_ir_tensor *bs_ir_tensor_new(bs_ir_graph *g, const char *prefix)
{
    const char *n = bs_ir_unique_name(g, prefix ? prefix : "t");
    return n ? tensor_create(g, n) : NULL;
}

int bs_ir_tensor_rename(bs_ir_graph *g, bs_ir_tensor *t, const char *name)
{
    if (!name || !*name) return bs_error_set(BS_EINVAL, "ir: empty tensor name");
    bs_ir_tensor *o = bs_ir_tensor_find(g, name);
    if (o == t) return 0;
    if (o) return bs_error_set(BS_EEXISTS, "ir: rename '%s': tensor '%s' exists", t->name, name);
    const char *nn = bs_arena_strdup(&g->arena, name);
    if (!nn) return BS_ENOMEM;
    bs_ir__index_del_tensor(g, t->name);
    t->name = nn;
    return bs_ir__index_put_tensor(g, t);
}

int bs_ir_tensor_set_shape(bs_ir_graph *g, bs_ir_tensor *t, int rank, const int64_t *dims)
{
    if (rank > BS_IR_MAX_RANK)
        return bs_error_set(BS_ERANGE, "ir: tensor '%s': rank %d > %d", t->name, rank,
                            BS_IR_MAX_RANK);
    if (rank < 0) { t->rank = -1; t->dims = NULL; t->dim_params = NULL; return 0; }
    int64_t *d = bs_arena_alloc(&g->arena, sizeof(int64_t) * (size_t)(rank ? rank : 1));
    if (!d) return BS_ENOMEM;
    for (int i = 0; i < rank; i++) d[i] = dims[i];
    /* Keep symbolic names where the dim stays symbolic. */
    if (t->dim_params && t->rank == rank) {
        for (int i = 0; i < rank; i++)
            if (d[i] >= 0) t->dim_params[i] = NULL;
    } else {
        t->dim_params = NULL;
    }
    t->dims = d;
    t->rank = rank;
    return 0;
}

void bs_ir_tensor_set_dtype(bs_ir_tensor *t, bs_dt dt)
{
    t->dtype = dt;
    t->has_dtype = true;
}

void bs_ir_tensor_clear_dtype(bs_ir_tensor *t)
{
    t->dtype = BS_DT_FLOAT32_V;
    t->has_dtype = false;
}

int bs_ir_tensor_set_layout(bs_ir_graph *g, bs_ir_tensor *t, const char *layout)
{
    t->layout = layout ? bs_arena_strdup(&g->arena, layout) : NULL;
    return 0;
}

bs_ir_data *bs_ir_data_new(bs_ir_graph *g, int32_t elem_type, int rank, const int64_t *dims)
{
    size_t es = bs_onnx_elem_size(elem_type);
    if (!es || rank < 0 || rank > BS_IR_MAX_RANK) {
        bs_error_set(BS_EINVAL, "ir: data of elem type %s, rank %d", bs_onnx_elem_name(elem_type),
                     rank);
        return NULL;
    }
    bs_ir_data *d = bs_arena_calloc(&g->arena, 1, sizeof *d);
    if (!d) return NULL;
    d->elem_type = elem_type;
    d->rank = rank;
    d->dims = bs_arena_alloc(&g->arena, sizeof(int64_t) * (size_t)(rank ? rank : 1));
    if (!d->dims) return NULL;
    int64_t n = 1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0 || (dims[i] && n > INT64_MAX / 16 / dims[i])) {
            bs_error_set(BS_ERANGE, "ir: bad data dim %lld", (long long)dims[i]);
            return NULL;
        }
        d->dims[i] = dims[i];
        n *= dims[i];
    }
    d->numel = n;
    d->nbytes = (size_t)n * es;
    d->data = bs_arena_calloc(&g->arena, 1, d->nbytes ? d->nbytes : 1);
    if (!d->data) { bs_error_set(BS_ENOMEM, "ir: %zu bytes of tensor data", d->nbytes); return NULL; }
    return d;
}

bs_ir_data *bs_ir_data_copy(bs_ir_graph *g, const bs_ir_data *s)
{
    if (s->proto) {
        bs_ir_data *d = bs_arena_calloc(&g->arena, 1, sizeof *d);
        if (d) *d = *s;
        return d;
    }
    bs_ir_data *d = bs_ir_data_new(g, s->elem_type, s->rank, s->dims);
    if (d && s->nbytes) memcpy(d->data, s->data, s->nbytes);
    return d;
}

int bs_ir_tensor_set_init(bs_ir_graph *g, bs_ir_tensor *t, int32_t elem_type, int rank,
                          const int64_t *dims, const void *data)
{
    bs_ir_data *d = bs_ir_data_new(g, elem_type, rank, dims);
    if (!d) return bs_error_code() ? bs_error_code() : BS_ENOMEM;
    if (data && d->nbytes) memcpy(d->data, data, d->nbytes);
    t->init = d;
    t->elem_type = elem_type;
    return bs_ir_tensor_set_shape(g, t, rank, dims);
}

int bs_ir_tensor_set_init_f32(bs_ir_graph *g, bs_ir_tensor *t, int rank, const int64_t *dims,
                              const float *data)
{
    return bs_ir_tensor_set_init(g, t, BS_ELEM_FLOAT, rank, dims, data);
}

void bs_ir_tensor_clear_init(bs_ir_tensor *t) { t->init = NULL; }

bs_ir_tensor *bs_ir_const_new(bs_ir_graph *g, const char *prefix, int32_t elem_type, int rank,
                              const int64_t *dims, const void *data)
{
    bs_ir_tensor *t = bs_ir_tensor_new(g, prefix);
    if (!t || bs_ir_tensor_set_init(g, t, elem_type, rank, dims, data)) return NULL;
    return t;
}

bs_ir_tensor *bs_ir_const_f32(bs_ir_graph *g, const char *prefix, int rank, const int64_t *dims,
                              const float *data)
{
    return bs_ir_const_new(g, prefix, BS_ELEM_FLOAT, rank, dims, data);
}

double bs_ir_data_get(const bs_ir_data *d, int64_t i)
{
    if (!d || !d->data || i < 0 || i >= d->numel) return NAN;
    switch (d->elem_type) {
    case BS_ELEM_FLOAT: return ((const float *)d->data)[i];
    case BS_ELEM_DOUBLE: return ((const double *)d->data)[i];
    case BS_ELEM_INT64: return (double)((const int64_t *)d->data)[i];
    case BS_ELEM_INT32: return ((const int32_t *)d->data)[i];
    case BS_ELEM_INT16: return ((const int16_t *)d->data)[i];
    case BS_ELEM_INT8: return ((const int8_t *)d->data)[i];
    case BS_ELEM_UINT8: case BS_ELEM_BOOL: return ((const uint8_t *)d->data)[i];
    case BS_ELEM_UINT16: return ((const uint16_t *)d->data)[i];
    case BS_ELEM_UINT32: return ((const uint32_t *)d->data)[i];
    case BS_ELEM_UINT64: return (double)((const uint64_t *)d->data)[i];
    default: return NAN;
    }
}

int bs_ir_tensor_values(bs_ir_graph *g, const bs_ir_tensor *t, double **out, int64_t *numel)
{
    const bs_ir_data *d = t->init ? t->init : t->known;
    if (!d || !d->data)
        return bs_error_set(BS_EINVAL, "ir: tensor '%s' has no constant data", t->name);
    double *v = bs_arena_alloc(&g->arena, sizeof(double) * (size_t)(d->numel ? d->numel : 1));
    if (!v) return BS_ENOMEM;
    for (int64_t i = 0; i < d->numel; i++) v[i] = bs_ir_data_get(d, i);
    *out = v;
    *numel = d->numel;
    return 0;
}

/* ---- graph inputs / outputs --------------------------------------------------- */

static int list_add(bs_ir_graph *g, bs_ir_tensor ***arr, int *n, int *cap, bs_ir_tensor *t)
{
    for (int i = 0; i < *n; i++)
        if ((*arr)[i] == t) return bs_error_set(BS_EEXISTS, "ir: '%s' listed twice", t->name);
    if (bs_ir__grow(&g->arena, (void **)arr, *n, cap, sizeof(void *))) return BS_ENOMEM;
    (*arr)[(*n)++] = t;
    return 0;
}

static int list_del(bs_ir_tensor **arr, int *n, bs_ir_tensor *t)
{
    for (int i = 0; i < *n; i++)
        if (arr[i] == t) {
            memmove(arr + i, arr + i + 1, sizeof(void *) * (size_t)(*n - i - 1));
            (*n)--;
            return 0;
        }
    return bs_error_set(BS_ENOTFOUND, "ir: '%s' is not in the list", t->name);
}

int bs_ir_add_input(bs_ir_graph *g, bs_ir_tensor *t)
{
    int rc = list_add(g, &g->inputs, &g->ninputs, &g->capinputs, t);
    if (!rc) t->is_input = true;
    return rc;
}

int bs_ir_add_output(bs_ir_graph *g, bs_ir_tensor *t)
{
    int rc = list_add(g, &g->outputs, &g->noutputs, &g->capoutputs, t);
    if (!rc) t->is_output = true;
    return rc;
}

int bs_ir_remove_input(bs_ir_graph *g, bs_ir_tensor *t)
{
    int rc = list_del(g->inputs, &g->ninputs, t);
    if (!rc) t->is_input = false;
    return rc;
}

int bs_ir_remove_output(bs_ir_graph *g, bs_ir_tensor *t)
{
    int rc = list_del(g->outputs, &g->noutputs, t);
    if (!rc) t->is_output = false;
    return rc;
}

int bs_ir_replace_output(bs_ir_graph *g, bs_ir_tensor *old, bs_ir_tensor *t)
{
    for (int i = 0; i < g->noutputs; i++)
        if (g->outputs[i] == old) {
            g->outputs[i] = t;
            old->is_output = false;
            t->is_output = true;
            return 0;
        }
    return bs_error_set(BS_ENOTFOUND, "ir: '%s' is not a graph output", old->name);
}
