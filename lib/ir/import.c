/* import.c - ModelProto -> bs_ir_graph.  Decodes initializers and tensor
 * attributes into native arrays, normalises custom-op domains, reads QONNX
 * annotations, and rejects structurally broken models with one error that
 * names the broken field.  The ModelProto is kept (g->src) so that export can
 * carry over what the IR does not model. */
#include "ir_int.h"
#include "brainsmith/onnx.h"
#include "onnx.pb-c.h"
#include "brainsmith/util.h"

#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

bs_ir_graph *bs_ir__graph_alloc(void);

static const char *S(const char *s) { return s ? s : ""; }

/* Arena copy of n elements (at least one zeroed slot, so n = 0 is fine). */
static void *dup_arr(bs_arena *a, const void *p, size_t n, size_t es)
{
    void *d = bs_arena_calloc(a, n + 1, es);
    if (d && n) memcpy(d, p, n * es);
    return d;
}

static int read_type(bs_ir_graph *g, bs_ir_tensor *t, const Onnx__TypeProto *tp, const char *where)
{
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type) return 0;
    const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
    if (tt->has_elem_type) t->elem_type = tt->elem_type;
    if (!tt->shape) return 0;
    size_t r = tt->shape->n_dim;
    if (r > BS_IR_MAX_RANK)
        return bs_error_set(BS_EUNSUPPORTED, "%s '%s': rank %zu exceeds %d", where, t->name, r,
                            BS_IR_MAX_RANK);
    int64_t dims[BS_IR_MAX_RANK] = {0};
    const char *params[BS_IR_MAX_RANK] = {0};
    bool sym = false;
    for (size_t i = 0; i < r; i++) {
        const Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];
        dims[i] = -1;
        params[i] = NULL;
        if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
            if (d->dim_value < 0)
                return bs_error_set(BS_ECORRUPT, "%s '%s': dim %zu is negative (%lld)", where,
                                    t->name, i, (long long)d->dim_value);
            dims[i] = d->dim_value;
        } else {
            sym = true;
            if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM)
                params[i] = d->dim_param;
        }
    }
    int rc = bs_ir_tensor_set_shape(g, t, (int)r, dims);
    if (rc) return rc;
    if (sym) {
        t->dim_params = bs_arena_calloc(&g->arena, r ? r : 1, sizeof(char *));
        if (!t->dim_params) return BS_ENOMEM;
        for (size_t i = 0; i < r; i++)
            t->dim_params[i] = params[i] ? bs_arena_strdup(&g->arena, params[i]) : NULL;
    }
    return 0;
}

/* Decodes a TensorProto; undecodable kinds keep the proto. */
static int read_data(bs_ir_graph *g, const Onnx__TensorProto *tp, const char *what,
                     bs_ir_data **out)
{
    int32_t et = tp->has_data_type ? tp->data_type : 0;
    if (tp->n_dims > BS_IR_MAX_RANK)
        return bs_error_set(BS_EUNSUPPORTED, "%s: rank %zu exceeds %d", what, tp->n_dims,
                            BS_IR_MAX_RANK);
    int64_t numel = 1;
    for (size_t i = 0; i < tp->n_dims; i++) {
        if (tp->dims[i] < 0 || (tp->dims[i] > 0 && numel > (INT64_C(1) << 40) / tp->dims[i]))
            return bs_error_set(BS_ECORRUPT, "%s: bad dims[%zu] = %lld", what, i,
                                (long long)tp->dims[i]);
        numel *= tp->dims[i];
    }
    size_t es = bs_onnx_elem_size(et);
    bool external = tp->has_data_location &&
                    tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    if (!es || external || et == BS_ELEM_STRING || tp->segment) {
        bs_ir_data *d = bs_arena_calloc(&g->arena, 1, sizeof *d);
        if (!d) return BS_ENOMEM;
        d->elem_type = et;
        d->rank = (int)tp->n_dims;
        d->dims = dup_arr(&g->arena, tp->dims, tp->n_dims, sizeof(int64_t));
        d->numel = numel;
        d->proto = tp;
        *out = d;
        return 0;
    }
    bs_ir_data *d = bs_ir_data_new(g, et, (int)tp->n_dims, tp->dims);
    if (!d) return bs_error_code() ? bs_error_code() : BS_ENOMEM;
    size_t n = (size_t)numel;
    if (tp->has_raw_data) {
        if (tp->raw_data.len != d->nbytes)
            return bs_error_set(BS_ECORRUPT, "%s: raw_data has %zu bytes, dims need %zu", what,
                                tp->raw_data.len, d->nbytes);
        if (d->nbytes) memcpy(d->data, tp->raw_data.data, d->nbytes);
        *out = d;
        return 0;
    }
    size_t have;
    switch (et) {
    case BS_ELEM_FLOAT: have = tp->n_float_data; break;
    case BS_ELEM_INT64: have = tp->n_int64_data; break;
    case BS_ELEM_DOUBLE: have = tp->n_double_data; break;
    case BS_ELEM_UINT32: case BS_ELEM_UINT64: have = tp->n_uint64_data; break;
    case BS_ELEM_INT32: case BS_ELEM_INT16: case BS_ELEM_INT8: case BS_ELEM_UINT16:
    case BS_ELEM_UINT8: case BS_ELEM_BOOL: case BS_ELEM_FLOAT16: case 16:
        have = tp->n_int32_data; break;
    case 14: have = tp->n_float_data / 2; break;
    case 15: have = tp->n_double_data / 2; break;
    default: have = 0; break;
    }
    if (have != n)
        return bs_error_set(BS_ECORRUPT, "%s: holds %zu values, dims need %zu", what, have, n);
    for (size_t i = 0; i < n; i++) {
        switch (et) {
        case BS_ELEM_FLOAT: ((float *)d->data)[i] = tp->float_data[i]; break;
        case BS_ELEM_INT64: ((int64_t *)d->data)[i] = tp->int64_data[i]; break;
        case BS_ELEM_DOUBLE: ((double *)d->data)[i] = tp->double_data[i]; break;
        case BS_ELEM_UINT32: ((uint32_t *)d->data)[i] = (uint32_t)tp->uint64_data[i]; break;
        case BS_ELEM_UINT64: ((uint64_t *)d->data)[i] = tp->uint64_data[i]; break;
        case BS_ELEM_INT32: ((int32_t *)d->data)[i] = tp->int32_data[i]; break;
        case BS_ELEM_INT16: ((int16_t *)d->data)[i] = (int16_t)tp->int32_data[i]; break;
        case BS_ELEM_INT8: ((int8_t *)d->data)[i] = (int8_t)tp->int32_data[i]; break;
        case BS_ELEM_UINT16: case BS_ELEM_FLOAT16: case 16:
            ((uint16_t *)d->data)[i] = (uint16_t)tp->int32_data[i]; break;
        case BS_ELEM_UINT8: case BS_ELEM_BOOL: ((uint8_t *)d->data)[i] = (uint8_t)tp->int32_data[i]; break;
        case 14: ((float *)d->data)[2 * i] = tp->float_data[2 * i];
                 ((float *)d->data)[2 * i + 1] = tp->float_data[2 * i + 1]; break;
        case 15: ((double *)d->data)[2 * i] = tp->double_data[2 * i];
                 ((double *)d->data)[2 * i + 1] = tp->double_data[2 * i + 1]; break;
        }
    }
    *out = d;
    return 0;
}

static int read_attr(bs_ir_graph *g, bs_ir_node *n, const Onnx__AttributeProto *ap,
                     bs_ir_attr *a)
{
    bs_arena *ar = &g->arena;
    memset(a, 0, sizeof *a);
    a->name = bs_arena_strdup(ar, S(ap->name));
    a->proto = ap;
    int type = ap->has_type ? (int)ap->type : 0;
    if (!type) { /* IR < 3 files may omit the type: infer from the field set */
        if (ap->has_f) type = BS_ATTR_FLOAT;
        else if (ap->has_i) type = BS_ATTR_INT;
        else if (ap->has_s) type = BS_ATTR_STRING;
        else if (ap->t) type = BS_ATTR_TENSOR;
        else if (ap->n_floats) type = BS_ATTR_FLOATS;
        else if (ap->n_ints) type = BS_ATTR_INTS;
        else if (ap->n_strings) type = BS_ATTR_STRINGS;
        else type = BS_ATTR_OTHER;
    }
    switch (type) {
    case BS_ATTR_FLOAT: a->type = BS_ATTR_FLOAT; a->f = ap->f; break;
    case BS_ATTR_INT: a->type = BS_ATTR_INT; a->i = ap->i; break;
    case BS_ATTR_STRING: {
        char *s = bs_arena_alloc(ar, ap->s.len + 1);
        if (!s) return BS_ENOMEM;
        if (ap->s.len) memcpy(s, ap->s.data, ap->s.len);
        s[ap->s.len] = 0;
        a->type = BS_ATTR_STRING; a->s = s; a->s_len = ap->s.len;
        break;
    }
    case BS_ATTR_FLOATS:
        a->type = BS_ATTR_FLOATS; a->n = (int)ap->n_floats;
        a->floats = dup_arr(ar, ap->floats, ap->n_floats, sizeof(float));
        break;
    case BS_ATTR_INTS:
        a->type = BS_ATTR_INTS; a->n = (int)ap->n_ints;
        a->ints = dup_arr(ar, ap->ints, ap->n_ints, sizeof(int64_t));
        break;
    case BS_ATTR_STRINGS:
        a->type = BS_ATTR_STRINGS; a->n = (int)ap->n_strings;
        a->strings = bs_arena_calloc(ar, ap->n_strings + 1, sizeof(char *));
        if (!a->strings) return BS_ENOMEM;
        for (size_t i = 0; i < ap->n_strings; i++)
            a->strings[i] = bs_arena_strndup(ar, (const char *)ap->strings[i].data, ap->strings[i].len);
        break;
    case BS_ATTR_TENSOR: {
        if (!ap->t)
            return bs_error_set(BS_ECORRUPT, "node %s: tensor attribute '%s' has no tensor",
                                bs_ir_node_desc(n), a->name);
        char what[300];
        snprintf(what, sizeof what, "node %s attribute '%s'", bs_ir_node_desc(n), a->name);
        int rc = read_data(g, ap->t, what, &a->t);
        if (rc) return rc;
        a->type = BS_ATTR_TENSOR;
        break;
    }
    case BS_ATTR_GRAPH: a->type = BS_ATTR_GRAPH; break;
    default: a->type = BS_ATTR_OTHER; break;
    }
    return 0;
}

static int import_graph(bs_ir_graph *g, const Onnx__GraphProto *gp)
{
    int rc;
    g->name = bs_arena_strdup(&g->arena, S(gp->name));
    for (size_t i = 0; i < gp->n_input; i++) {
        const Onnx__ValueInfoProto *vi = gp->input[i];
        if (!vi->name || !*vi->name)
            return bs_error_set(BS_ECORRUPT, "graph.input[%zu] has no name", i);
        bs_ir_tensor *t = bs_ir_tensor_get(g, vi->name);
        if (!t) return BS_ENOMEM;
        if ((rc = read_type(g, t, vi->type, "graph.input"))) return rc;
        if (vi->doc_string) t->doc_string = bs_arena_strdup(&g->arena, vi->doc_string);
        if ((rc = bs_ir_add_input(g, t)))
            return bs_error_set(BS_ECORRUPT, "graph.input '%s' is listed twice", vi->name);
    }
    for (size_t i = 0; i < gp->n_initializer; i++) {
        const Onnx__TensorProto *tp = gp->initializer[i];
        if (!tp->name || !*tp->name)
            return bs_error_set(BS_ECORRUPT, "graph.initializer[%zu] has no name", i);
        bs_ir_tensor *t = bs_ir_tensor_get(g, tp->name);
        if (!t) return BS_ENOMEM;
        if (t->init) return bs_error_set(BS_ECORRUPT, "graph.initializer '%s' appears twice", tp->name);
        char what[300];
        snprintf(what, sizeof what, "graph.initializer '%.250s'", tp->name);
        if ((rc = read_data(g, tp, what, &t->init))) return rc;
        t->elem_type = t->init->elem_type;
        if ((rc = bs_ir_tensor_set_shape(g, t, t->init->rank, t->init->dims))) return rc;
    }
    for (size_t i = 0; i < gp->n_value_info; i++) {
        const Onnx__ValueInfoProto *vi = gp->value_info[i];
        if (!vi->name || !*vi->name) continue;
        bs_ir_tensor *t = bs_ir_tensor_get(g, vi->name);
        if (!t) return BS_ENOMEM;
        if (!t->init && (rc = read_type(g, t, vi->type, "graph.value_info"))) return rc;
        if (vi->doc_string) t->doc_string = bs_arena_strdup(&g->arena, vi->doc_string);
    }
    for (size_t i = 0; i < gp->n_output; i++) {
        const Onnx__ValueInfoProto *vi = gp->output[i];
        if (!vi->name || !*vi->name)
            return bs_error_set(BS_ECORRUPT, "graph.output[%zu] has no name", i);
        bs_ir_tensor *t = bs_ir_tensor_get(g, vi->name);
        if (!t) return BS_ENOMEM;
        if ((rc = read_type(g, t, vi->type, "graph.output"))) return rc;
        if (vi->doc_string && !t->doc_string) t->doc_string = bs_arena_strdup(&g->arena, vi->doc_string);
        if ((rc = bs_ir_add_output(g, t)))
            return bs_error_set(BS_ECORRUPT, "graph.output '%s' is listed twice", vi->name);
    }
    for (size_t i = 0; i < gp->n_quantization_annotation; i++) {
        const Onnx__TensorAnnotation *ta = gp->quantization_annotation[i];
        if (!ta->tensor_name || !*ta->tensor_name) continue;
        bs_ir_tensor *t = bs_ir_tensor_get(g, ta->tensor_name);
        if (!t) return BS_ENOMEM;
        for (size_t k = 0; k < ta->n_quant_parameter_tensor_names; k++) {
            const Onnx__StringStringEntryProto *e = ta->quant_parameter_tensor_names[k];
            const char *key = S(e->key), *val = S(e->value);
            if (!strcmp(key, "finn_datatype")) {
                bs_dt dt;
                if (bs_dt_parse(val, &dt))
                    return bs_error_set(BS_ECORRUPT,
                                        "quantization_annotation of '%s': finn_datatype '%s' is not a QONNX datatype",
                                        t->name, val);
                bs_ir_tensor_set_dtype(t, dt);
            } else if (!strcmp(key, "tensor_layout")) {
                t->layout = bs_arena_strdup(&g->arena, val);
            } else if (!strcmp(key, "tensor_sparsity")) {
                t->sparsity = bs_arena_strdup(&g->arena, val);
            } else {
                if (bs_ir__grow(&g->arena, (void **)&t->annot, t->nannot, &(int){t->nannot},
                                sizeof(bs_ir_kv)))
                    return BS_ENOMEM;
                /* capacity == count: grow reallocates every time (rare path) */
                t->annot[t->nannot].key = bs_arena_strdup(&g->arena, key);
                t->annot[t->nannot++].value = bs_arena_strdup(&g->arena, val);
            }
        }
    }
    for (size_t i = 0; i < gp->n_node; i++) {
        const Onnx__NodeProto *np = gp->node[i];
        char where[64];
        snprintf(where, sizeof where, "graph.node[%zu]", i);
        if (!np->op_type || !*np->op_type)
            return bs_error_set(BS_ECORRUPT, "%s ('%s') has no op_type", where, S(np->name));
        const char *backend = NULL;
        for (size_t k = 0; k < np->n_attribute; k++) {
            const Onnx__AttributeProto *ap = np->attribute[k];
            if (ap->name && !strcmp(ap->name, "backend") && ap->has_s)
                backend = bs_arena_strndup(&g->arena, (const char *)ap->s.data, ap->s.len);
        }
        const char *dom = bs_ir_domain_normalise(S(np->domain), backend);
        bs_ir_tensor *ins[64], *outs[64];
        bs_ir_tensor **pin = np->n_input <= 64 ? ins : bs_arena_alloc(&g->arena, sizeof(void *) * np->n_input);
        bs_ir_tensor **pout = np->n_output <= 64 ? outs : bs_arena_alloc(&g->arena, sizeof(void *) * np->n_output);
        if (!pin || !pout) return BS_ENOMEM;
        for (size_t k = 0; k < np->n_input; k++) {
            pin[k] = NULL;
            if (np->input[k] && *np->input[k] && !(pin[k] = bs_ir_tensor_get(g, np->input[k])))
                return BS_ENOMEM;
        }
        for (size_t k = 0; k < np->n_output; k++) {
            if (!np->output[k] || !*np->output[k]) {
                /* an omitted optional output: give it a private name */
                pout[k] = bs_ir_tensor_new(g, "__unused_output");
            } else {
                pout[k] = bs_ir_tensor_get(g, np->output[k]);
            }
            if (!pout[k]) return BS_ENOMEM;
            if (pout[k]->producer)
                return bs_error_set(BS_ECORRUPT, "%s ('%s', %s): output '%s' is already produced by %s",
                                    where, S(np->name), np->op_type, pout[k]->name,
                                    bs_ir_node_desc(pout[k]->producer));
            for (size_t j = 0; j < k; j++)
                if (pout[j] == pout[k])
                    return bs_error_set(BS_ECORRUPT, "%s: output '%s' listed twice", where, pout[k]->name);
            if (pout[k]->init)
                return bs_error_set(BS_ECORRUPT, "%s ('%s'): output '%s' is also an initializer",
                                    where, S(np->name), pout[k]->name);
        }
        /* Node names need not be unique (or present) in ONNX: keep them as
         * is; only the first of a duplicated name is indexed. */
        const char *nm = S(np->name);
        bs_ir_node *dup = *nm ? bs_ir_node_find(g, nm) : NULL;
        bs_ir_node *n = bs_ir_node_add(g, np->op_type, dom, dup ? NULL : nm, pin, (int)np->n_input,
                                       pout, (int)np->n_output, NULL);
        if (!n) return bs_error_code() ? bs_error_code() : BS_ENOMEM;
        if (dup || !*nm) {
            bs_ir__index_del_node(g, n->name);
            n->name = bs_arena_strdup(&g->arena, nm);
        }
        if (np->doc_string) n->doc_string = bs_arena_strdup(&g->arena, np->doc_string);
        if (np->n_attribute) {
            n->attrs = bs_arena_calloc(&g->arena, np->n_attribute, sizeof(bs_ir_attr));
            if (!n->attrs) return BS_ENOMEM;
            n->capattrs = (int)np->n_attribute;
            for (size_t k = 0; k < np->n_attribute; k++) {
                if (!np->attribute[k]->name || !*np->attribute[k]->name)
                    return bs_error_set(BS_ECORRUPT, "%s ('%s'): attribute[%zu] has no name", where,
                                        S(np->name), k);
                if ((rc = read_attr(g, n, np->attribute[k], &n->attrs[n->nattrs]))) return rc;
                n->nattrs++;
            }
        }
    }
    /* Every node input must come from somewhere. */
    for (int i = 0; i < g->nnodes; i++) {
        bs_ir_node *n = g->nodes[i];
        for (int k = 0; k < n->ninputs; k++) {
            bs_ir_tensor *t = n->inputs[k];
            if (t && !t->producer && !t->init && !t->is_input)
                return bs_error_set(BS_ECORRUPT,
                                    "graph.node[%d] %s: input '%s' is not a graph input, an initializer or any node's output",
                                    i, bs_ir_node_desc(n), t->name);
        }
    }
    for (int i = 0; i < g->noutputs; i++) {
        bs_ir_tensor *t = g->outputs[i];
        if (!t->producer && !t->init && !t->is_input)
            return bs_error_set(BS_ECORRUPT, "graph.output '%s' is never produced", t->name);
    }
    return bs_ir_toposort(g);
}

int bs_ir_from_model(Onnx__ModelProto *m, bs_ir_graph **out)
{
    *out = NULL;
    bs_ir_graph *g = bs_ir__graph_alloc();
    if (!g) { bs_onnx_free(m); return BS_ENOMEM; }
    g->src = m;
    g->ir_version = m->has_ir_version ? m->ir_version : 0;
    for (size_t i = 0; i < m->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *o = m->opset_import[i];
        int rc = bs_ir_set_opset(g, S(o->domain), o->has_version ? o->version : 1);
        if (rc) { bs_ir_free(g); return rc; }
    }
    if (!m->graph) {
        bs_ir_free(g);
        return bs_error_set(BS_ECORRUPT, "model has no graph");
    }
    int rc = import_graph(g, m->graph);
    if (rc) {
        bs_ir_free(g);
        return rc;
    }
    *out = g;
    return 0;
}

int bs_ir_load_mem(const void *buf, size_t len, const char *what, bs_ir_graph **out)
{
    Onnx__ModelProto *m;
    *out = NULL;
    int rc = bs_onnx_load_mem(buf, len, what, &m);
    if (rc) return rc;
    rc = bs_ir_from_model(m, out);
    if (rc) bs_error_wrap(rc, "%s", what ? what : "memory");
    return rc;
}

int bs_ir_load(const char *path, bs_ir_graph **out)
{
    Onnx__ModelProto *m;
    *out = NULL;
    int rc = bs_onnx_load_file(path, &m);
    if (rc) return rc;
    rc = bs_ir_from_model(m, out);
    if (rc) return bs_error_wrap(rc, "%s", path);
    (*out)->path = bs_arena_strdup(&(*out)->arena, path);
    return 0;
}

/* Only regular files are model candidates (never devices or FIFOs). */
static bool is_regular(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int bs_ir_load_partition(const bs_ir_graph *g, const bs_ir_node *n, bs_ir_graph **out)
{
    *out = NULL;
    const char *rel;
    int rc = bs_ir_attr_get_str(n, "model", &rel);
    if (rc) return rc;
    if (!*rel) return bs_error_set(BS_EINVAL, "node %s: empty 'model' attribute", bs_ir_node_desc(n));
    if (is_regular(rel)) return bs_ir_load(rel, out);
    if (rel[0] != '/' && g->path) {
        char *dir = strdup(g->path);
        if (!dir) return BS_ENOMEM;
        for (int up = 0; up < 4; up++) {
            char *slash = strrchr(dir, '/');
            if (!slash) break;
            *slash = 0;
            char *cand = bs_path_join(*dir ? dir : "/", rel);
            bool ok = cand && is_regular(cand);
            if (ok) {
                rc = bs_ir_load(cand, out);
                free(cand);
                free(dir);
                return rc;
            }
            free(cand);
        }
        free(dir);
    }
    return bs_error_set(BS_ENOTFOUND, "node %s: partition model '%s' not found (also tried relative to %s)",
                        bs_ir_node_desc(n), rel, g->path ? g->path : "the working directory");
}
