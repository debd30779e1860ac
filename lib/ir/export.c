/* export.c - bs_ir_graph -> ModelProto.  The proto tree is built in a
 * scratch arena pointing at graph memory (no copies of weight data), then
 * packed.  Fields the IR does not model come from the imported proto. */
#include "ir_int.h"
#include "brainsmith/onnx.h"
#include "brainsmith/util.h"
#include "onnx.pb-c.h"

#include <stdlib.h>
#include <string.h>

static void *new_init(bs_arena *a, size_t n, const void *init)
{
    void *p = bs_arena_alloc(a, n);
    if (p) memcpy(p, init, n);
    return p;
}
/* A new proto message in the scratch arena, initialised with its _INIT. */
#define NEW(a, T, init) ((T *)new_init((a), sizeof(T), &(T)init))

static Onnx__TensorProto *data_proto(bs_arena *a, const bs_ir_data *d, const char *name)
{
    if (d->proto) {
        /* Undecoded tensor: export the original, renamed if needed. */
        Onnx__TensorProto *tp = NEW(a, Onnx__TensorProto, ONNX__TENSOR_PROTO__INIT);
        if (!tp) return NULL;
        *tp = *(const Onnx__TensorProto *)d->proto;
        if (name) tp->name = (char *)name;
        return tp;
    }
    Onnx__TensorProto *tp = NEW(a, Onnx__TensorProto, ONNX__TENSOR_PROTO__INIT);
    if (!tp) return NULL;
    tp->n_dims = (size_t)d->rank;
    tp->dims = d->dims;
    tp->has_data_type = 1;
    tp->data_type = d->elem_type;
    tp->name = (char *)name;
    tp->has_raw_data = 1;
    tp->raw_data.len = d->nbytes;
    tp->raw_data.data = d->data;
    return tp;
}

static Onnx__TypeProto *type_proto(bs_arena *a, const bs_ir_tensor *t)
{
    Onnx__TypeProto *tp = NEW(a, Onnx__TypeProto, ONNX__TYPE_PROTO__INIT);
    Onnx__TypeProto__Tensor *tt = NEW(a, Onnx__TypeProto__Tensor, ONNX__TYPE_PROTO__TENSOR__INIT);
    if (!tp || !tt) return NULL;
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    tt->has_elem_type = 1;
    tt->elem_type = t->elem_type ? t->elem_type : BS_ELEM_FLOAT;
    if (t->rank >= 0) {
        Onnx__TensorShapeProto *sp = NEW(a, Onnx__TensorShapeProto, ONNX__TENSOR_SHAPE_PROTO__INIT);
        if (!sp) return NULL;
        sp->n_dim = (size_t)t->rank;
        sp->dim = bs_arena_calloc(a, (size_t)t->rank + 1, sizeof(void *));
        if (!sp->dim) return NULL;
        for (int i = 0; i < t->rank; i++) {
            Onnx__TensorShapeProto__Dimension *d =
                NEW(a, Onnx__TensorShapeProto__Dimension, ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT);
            if (!d) return NULL;
            if (t->dims[i] >= 0) {
                d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
                d->dim_value = t->dims[i];
            } else if (t->dim_params && t->dim_params[i]) {
                d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
                d->dim_param = (char *)t->dim_params[i];
            }
            sp->dim[i] = d;
        }
        tt->shape = sp;
    }
    return tp;
}

static Onnx__ValueInfoProto *value_info(bs_arena *a, const bs_ir_tensor *t)
{
    Onnx__ValueInfoProto *vi = NEW(a, Onnx__ValueInfoProto, ONNX__VALUE_INFO_PROTO__INIT);
    if (!vi) return NULL;
    vi->name = (char *)t->name;
    vi->doc_string = (char *)t->doc_string;
    vi->type = type_proto(a, t);
    return vi->type ? vi : NULL;
}

static Onnx__AttributeProto *attr_proto(bs_arena *a, const bs_ir_attr *at)
{
    const Onnx__AttributeProto *orig = at->proto;
    if (orig && (at->type == BS_ATTR_GRAPH || at->type == BS_ATTR_OTHER))
        return (Onnx__AttributeProto *)orig;
    Onnx__AttributeProto *p = NEW(a, Onnx__AttributeProto, ONNX__ATTRIBUTE_PROTO__INIT);
    if (!p) return NULL;
    p->name = (char *)at->name;
    if (orig) { p->doc_string = orig->doc_string; p->ref_attr_name = orig->ref_attr_name; }
    p->has_type = 1;
    p->type = (Onnx__AttributeProto__AttributeType)at->type;
    switch (at->type) {
    case BS_ATTR_FLOAT: p->has_f = 1; p->f = at->f; break;
    case BS_ATTR_INT: p->has_i = 1; p->i = at->i; break;
    case BS_ATTR_STRING:
        p->has_s = 1; p->s.len = at->s_len; p->s.data = (uint8_t *)at->s; break;
    case BS_ATTR_FLOATS: p->n_floats = (size_t)at->n; p->floats = at->floats; break;
    case BS_ATTR_INTS: p->n_ints = (size_t)at->n; p->ints = at->ints; break;
    case BS_ATTR_STRINGS:
        p->n_strings = (size_t)at->n;
        p->strings = bs_arena_calloc(a, (size_t)at->n + 1, sizeof(ProtobufCBinaryData));
        if (!p->strings) return NULL;
        for (int i = 0; i < at->n; i++) {
            p->strings[i].data = (uint8_t *)at->strings[i];
            p->strings[i].len = strlen(at->strings[i]);
        }
        break;
    case BS_ATTR_TENSOR:
        p->t = data_proto(a, at->t, NULL);
        if (!p->t) return NULL;
        if (orig && orig->t) p->t->name = orig->t->name;
        break;
    default: break;
    }
    return p;
}

static Onnx__StringStringEntryProto *kv(bs_arena *a, const char *k, const char *v)
{
    Onnx__StringStringEntryProto *e = NEW(a, Onnx__StringStringEntryProto,
                                          ONNX__STRING_STRING_ENTRY_PROTO__INIT);
    if (e) { e->key = (char *)k; e->value = (char *)v; }
    return e;
}

static bool live(const bs_ir_tensor *t)
{
    return !t->removed && (t->is_input || t->is_output || t->producer || t->nconsumers);
}

static int build_graph(const bs_ir_graph *g, bs_arena *a, Onnx__GraphProto *gp)
{
    const Onnx__GraphProto *src = g->src ? g->src->graph : NULL;
    gp->name = (char *)g->name;
    if (src) {
        gp->doc_string = src->doc_string;
        gp->n_sparse_initializer = src->n_sparse_initializer;
        gp->sparse_initializer = src->sparse_initializer;
    }
    gp->node = bs_arena_calloc(a, (size_t)g->nnodes + 1, sizeof(void *));
    if (!gp->node) return BS_ENOMEM;
    for (int i = 0; i < g->nnodes; i++) {
        const bs_ir_node *n = g->nodes[i];
        Onnx__NodeProto *np = NEW(a, Onnx__NodeProto, ONNX__NODE_PROTO__INIT);
        if (!np) return BS_ENOMEM;
        np->name = (char *)n->name;
        np->op_type = (char *)n->op_type;
        np->domain = (char *)n->domain;
        np->doc_string = (char *)n->doc_string;
        np->n_input = (size_t)n->ninputs;
        np->input = bs_arena_calloc(a, (size_t)n->ninputs + 1, sizeof(char *));
        np->n_output = (size_t)n->noutputs;
        np->output = bs_arena_calloc(a, (size_t)n->noutputs + 1, sizeof(char *));
        np->n_attribute = (size_t)n->nattrs;
        np->attribute = bs_arena_calloc(a, (size_t)n->nattrs + 1, sizeof(void *));
        if (!np->input || !np->output || !np->attribute) return BS_ENOMEM;
        for (int k = 0; k < n->ninputs; k++)
            np->input[k] = n->inputs[k] ? (char *)n->inputs[k]->name : "";
        for (int k = 0; k < n->noutputs; k++) {
            const char *on = n->outputs[k]->name;
            np->output[k] = strncmp(on, "__unused_output", 15) ? (char *)on : "";
        }
        for (int k = 0; k < n->nattrs; k++)
            if (!(np->attribute[k] = attr_proto(a, &n->attrs[k]))) return BS_ENOMEM;
        gp->node[gp->n_node++] = np;
    }
    size_t nt = (size_t)g->ntensors + 1;
    gp->initializer = bs_arena_calloc(a, nt, sizeof(void *));
    gp->value_info = bs_arena_calloc(a, nt, sizeof(void *));
    gp->quantization_annotation = bs_arena_calloc(a, nt, sizeof(void *));
    gp->input = bs_arena_calloc(a, (size_t)g->ninputs + 1, sizeof(void *));
    gp->output = bs_arena_calloc(a, (size_t)g->noutputs + 1, sizeof(void *));
    if (!gp->initializer || !gp->value_info || !gp->quantization_annotation || !gp->input ||
        !gp->output)
        return BS_ENOMEM;
    for (int i = 0; i < g->ninputs; i++)
        if (!(gp->input[gp->n_input++] = value_info(a, g->inputs[i]))) return BS_ENOMEM;
    for (int i = 0; i < g->noutputs; i++)
        if (!(gp->output[gp->n_output++] = value_info(a, g->outputs[i]))) return BS_ENOMEM;
    for (int i = 0; i < g->ntensors; i++) {
        const bs_ir_tensor *t = g->tensors[i];
        if (!live(t)) continue;
        if (t->init) {
            if (!(gp->initializer[gp->n_initializer++] = data_proto(a, t->init, t->name)))
                return BS_ENOMEM;
        } else if (!t->is_input && !t->is_output && t->rank >= 0 &&
                   strncmp(t->name, "__unused_output", 15)) {
            if (!(gp->value_info[gp->n_value_info++] = value_info(a, t))) return BS_ENOMEM;
        }
        int ne = (t->has_dtype ? 1 : 0) + (t->layout ? 1 : 0) + (t->sparsity ? 1 : 0) + t->nannot;
        if (!ne) continue;
        Onnx__TensorAnnotation *ta = NEW(a, Onnx__TensorAnnotation, ONNX__TENSOR_ANNOTATION__INIT);
        if (!ta) return BS_ENOMEM;
        ta->tensor_name = (char *)t->name;
        ta->quant_parameter_tensor_names = bs_arena_calloc(a, (size_t)ne, sizeof(void *));
        if (!ta->quant_parameter_tensor_names) return BS_ENOMEM;
        Onnx__StringStringEntryProto **e = ta->quant_parameter_tensor_names;
        size_t k = 0;
        if (t->has_dtype) {
            char *nm = bs_arena_alloc(a, BS_DT_NAME_MAX);
            if (!nm || !(e[k++] = kv(a, "finn_datatype", bs_dt_name(t->dtype, nm)))) return BS_ENOMEM;
        }
        if (t->layout && !(e[k++] = kv(a, "tensor_layout", t->layout))) return BS_ENOMEM;
        if (t->sparsity && !(e[k++] = kv(a, "tensor_sparsity", t->sparsity))) return BS_ENOMEM;
        for (int j = 0; j < t->nannot; j++)
            if (!(e[k++] = kv(a, t->annot[j].key, t->annot[j].value))) return BS_ENOMEM;
        ta->n_quant_parameter_tensor_names = k;
        gp->quantization_annotation[gp->n_quantization_annotation++] = ta;
    }
    return 0;
}

int bs_ir_to_model(const bs_ir_graph *g, bs_arena *a, Onnx__ModelProto **out)
{
    Onnx__ModelProto *m = NEW(a, Onnx__ModelProto, ONNX__MODEL_PROTO__INIT);
    Onnx__GraphProto *gp = NEW(a, Onnx__GraphProto, ONNX__GRAPH_PROTO__INIT);
    if (!m || !gp) return BS_ENOMEM;
    if (g->src) {
        const Onnx__ModelProto *s = g->src;
        m->producer_name = s->producer_name;
        m->producer_version = s->producer_version;
        m->domain = s->domain;
        m->has_model_version = s->has_model_version;
        m->model_version = s->model_version;
        m->doc_string = s->doc_string;
        m->n_metadata_props = s->n_metadata_props;
        m->metadata_props = s->metadata_props;
        m->n_training_info = s->n_training_info;
        m->training_info = s->training_info;
        m->n_functions = s->n_functions;
        m->functions = s->functions;
        m->base.n_unknown_fields = s->base.n_unknown_fields;
        m->base.unknown_fields = s->base.unknown_fields;
    } else {
        m->producer_name = "brainsmith";
    }
    m->has_ir_version = 1;
    m->ir_version = g->ir_version ? g->ir_version : 8;
    /* opset imports: the graph's, plus qonnx custom domains in use. */
    m->opset_import = bs_arena_calloc(a, (size_t)g->nopsets + 2, sizeof(void *));
    if (!m->opset_import) return BS_ENOMEM;
    bool need_qonnx = false;
    for (int i = 0; i < g->nnodes; i++)
        if (!strcmp(g->nodes[i]->domain, BS_DOMAIN_QONNX)) need_qonnx = true;
    for (int i = 0; i < g->nopsets; i++) {
        Onnx__OperatorSetIdProto *o = NEW(a, Onnx__OperatorSetIdProto, ONNX__OPERATOR_SET_ID_PROTO__INIT);
        if (!o) return BS_ENOMEM;
        o->domain = (char *)g->opsets[i].domain;
        o->has_version = 1;
        o->version = g->opsets[i].version;
        m->opset_import[m->n_opset_import++] = o;
        if (!strcmp(o->domain, BS_DOMAIN_QONNX)) need_qonnx = false;
    }
    if (need_qonnx) {
        Onnx__OperatorSetIdProto *o = NEW(a, Onnx__OperatorSetIdProto, ONNX__OPERATOR_SET_ID_PROTO__INIT);
        if (!o) return BS_ENOMEM;
        o->domain = BS_DOMAIN_QONNX;
        o->has_version = 1;
        o->version = 1;
        m->opset_import[m->n_opset_import++] = o;
    }
    int rc = build_graph(g, a, gp);
    if (rc) return bs_error_set(rc, "ir: export: out of memory");
    m->graph = gp;
    *out = m;
    return 0;
}

int bs_ir_pack(const bs_ir_graph *g, uint8_t **buf, size_t *len)
{
    bs_arena a;
    bs_arena_init(&a, 0);
    Onnx__ModelProto *m;
    int rc = bs_ir_to_model(g, &a, &m);
    if (!rc) rc = bs_onnx_pack(m, buf, len);
    bs_arena_free(&a);
    return rc;
}

int bs_ir_save(const bs_ir_graph *g, const char *path)
{
    uint8_t *buf;
    size_t len;
    int rc = bs_ir_pack(g, &buf, &len);
    if (rc) return rc;
    rc = bs_write_file_atomic(path, buf, len);
    free(buf);
    if (rc) bs_error_wrap(rc, "saving %s", path);
    return rc;
}
