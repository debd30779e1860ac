/* attr.c - node attributes by name: typed getters (with FINN-style
 * defaults) and setters that create or replace in place. */
#include "ir_int.h"

#include <string.h>

static const char *type_name(bs_ir_attr_type t)
{
    switch (t) {
    case BS_ATTR_FLOAT: return "float";
    case BS_ATTR_INT: return "int";
    case BS_ATTR_STRING: return "string";
    case BS_ATTR_TENSOR: return "tensor";
    case BS_ATTR_GRAPH: return "graph";
    case BS_ATTR_FLOATS: return "floats";
    case BS_ATTR_INTS: return "ints";
    case BS_ATTR_STRINGS: return "strings";
    default: return "other";
    }
}

const bs_ir_attr *bs_ir_attr_find(const bs_ir_node *n, const char *name)
{
    for (int i = 0; i < n->nattrs; i++)
        if (!strcmp(n->attrs[i].name, name)) return &n->attrs[i];
    return NULL;
}

static int get(const bs_ir_node *n, const char *name, bs_ir_attr_type want,
               const bs_ir_attr **out)
{
    const bs_ir_attr *a = bs_ir_attr_find(n, name);
    if (!a)
        return bs_error_set(BS_ENOTFOUND, "node %s: attribute '%s' is missing", bs_ir_node_desc(n),
                            name);
    if (a->type != want && !(want == BS_ATTR_FLOAT && a->type == BS_ATTR_INT))
        return bs_error_set(BS_EINVAL, "node %s: attribute '%s' is %s, expected %s",
                            bs_ir_node_desc(n), name, type_name(a->type), type_name(want));
    *out = a;
    return 0;
}

int bs_ir_attr_get_int(const bs_ir_node *n, const char *name, int64_t *out)
{
    const bs_ir_attr *a;
    int rc = get(n, name, BS_ATTR_INT, &a);
    if (!rc) *out = a->i;
    return rc;
}

int bs_ir_attr_get_float(const bs_ir_node *n, const char *name, double *out)
{
    const bs_ir_attr *a;
    int rc = get(n, name, BS_ATTR_FLOAT, &a);
    if (!rc) *out = a->type == BS_ATTR_INT ? (double)a->i : a->f;
    return rc;
}

int bs_ir_attr_get_str(const bs_ir_node *n, const char *name, const char **out)
{
    const bs_ir_attr *a;
    int rc = get(n, name, BS_ATTR_STRING, &a);
    if (!rc) *out = a->s;
    return rc;
}

int bs_ir_attr_get_ints(const bs_ir_node *n, const char *name, const int64_t **v, int *count)
{
    const bs_ir_attr *a;
    int rc = get(n, name, BS_ATTR_INTS, &a);
    if (!rc) { *v = a->ints; *count = a->n; }
    return rc;
}

int bs_ir_attr_get_floats(const bs_ir_node *n, const char *name, const float **v, int *count)
{
    const bs_ir_attr *a;
    int rc = get(n, name, BS_ATTR_FLOATS, &a);
    if (!rc) { *v = a->floats; *count = a->n; }
    return rc;
}

int bs_ir_attr_get_strings(const bs_ir_node *n, const char *name, const char *const **v,
                           int *count)
{
    const bs_ir_attr *a;
    int rc = get(n, name, BS_ATTR_STRINGS, &a);
    if (!rc) { *v = a->strings; *count = a->n; }
    return rc;
}

int bs_ir_attr_get_tensor(const bs_ir_node *n, const char *name, const bs_ir_data **out)
{
    const bs_ir_attr *a;
    int rc = get(n, name, BS_ATTR_TENSOR, &a);
    if (!rc) {
        if (!a->t || a->t->proto)
            return bs_error_set(BS_EUNSUPPORTED, "node %s: tensor attribute '%s' has undecodable data",
                                bs_ir_node_desc(n), name);
        *out = a->t;
    }
    return rc;
}

int bs_ir_attr_get_dt(const bs_ir_node *n, const char *name, bs_dt *out)
{
    const char *s;
    int rc = bs_ir_attr_get_str(n, name, &s);
    if (rc) return rc;
    rc = bs_dt_parse(s, out);
    if (rc)
        return bs_error_set(rc, "node %s: attribute '%s' = '%s' is not a QONNX datatype",
                            bs_ir_node_desc(n), name, s);
    return 0;
}

int64_t bs_ir_attr_int(const bs_ir_node *n, const char *name, int64_t def)
{
    const bs_ir_attr *a = bs_ir_attr_find(n, name);
    return a && a->type == BS_ATTR_INT ? a->i : def;
}

double bs_ir_attr_float(const bs_ir_node *n, const char *name, double def)
{
    const bs_ir_attr *a = bs_ir_attr_find(n, name);
    if (a && a->type == BS_ATTR_FLOAT) return a->f;
    if (a && a->type == BS_ATTR_INT) return (double)a->i;
    return def;
}

const char *bs_ir_attr_str(const bs_ir_node *n, const char *name, const char *def)
{
    const bs_ir_attr *a = bs_ir_attr_find(n, name);
    return a && a->type == BS_ATTR_STRING ? a->s : def;
}

/* Finds or appends the slot for `name`, reset to `type`. */
static bs_ir_attr *slot(bs_ir_graph *g, bs_ir_node *n, const char *name, bs_ir_attr_type type)
{
    bs_ir_attr *a = (bs_ir_attr *)bs_ir_attr_find(n, name);
    if (!a) {
        if (bs_ir__grow(&g->arena, (void **)&n->attrs, n->nattrs, &n->capattrs, sizeof(bs_ir_attr))) {
            bs_error_set(BS_ENOMEM, "ir: attribute");
            return NULL;
        }
        a = &n->attrs[n->nattrs++];
        memset(a, 0, sizeof *a);
        a->name = bs_arena_strdup(&g->arena, name);
        if (!a->name) { n->nattrs--; return NULL; }
    } else {
        const char *nm = a->name;
        memset(a, 0, sizeof *a);
        a->name = nm;
    }
    a->type = type;
    return a;
}

int bs_ir_attr_set_int(bs_ir_graph *g, bs_ir_node *n, const char *name, int64_t v)
{
    bs_ir_attr *a = slot(g, n, name, BS_ATTR_INT);
    if (!a) return BS_ENOMEM;
    a->i = v;
    return 0;
}

int bs_ir_attr_set_float(bs_ir_graph *g, bs_ir_node *n, const char *name, double v)
{
    bs_ir_attr *a = slot(g, n, name, BS_ATTR_FLOAT);
    if (!a) return BS_ENOMEM;
    a->f = (float)v;
    return 0;
}

int bs_ir_attr_set_str(bs_ir_graph *g, bs_ir_node *n, const char *name, const char *v)
{
    bs_ir_attr *a = slot(g, n, name, BS_ATTR_STRING);
    if (!a) return BS_ENOMEM;
    a->s = bs_arena_strdup(&g->arena, v ? v : "");
    a->s_len = strlen(a->s);
    return a->s ? 0 : BS_ENOMEM;
}

int bs_ir_attr_set_ints(bs_ir_graph *g, bs_ir_node *n, const char *name, const int64_t *v,
                        int count)
{
    int64_t *c = count ? bs_arena_memdup(&g->arena, v, sizeof(int64_t) * (size_t)count) : NULL;
    if (count && !c) return BS_ENOMEM;
    bs_ir_attr *a = slot(g, n, name, BS_ATTR_INTS);
    if (!a) return BS_ENOMEM;
    a->ints = c;
    a->n = count;
    return 0;
}

int bs_ir_attr_set_floats(bs_ir_graph *g, bs_ir_node *n, const char *name, const float *v,
                          int count)
{
    float *c = count ? bs_arena_memdup(&g->arena, v, sizeof(float) * (size_t)count) : NULL;
    if (count && !c) return BS_ENOMEM;
    bs_ir_attr *a = slot(g, n, name, BS_ATTR_FLOATS);
    if (!a) return BS_ENOMEM;
    a->floats = c;
    a->n = count;
    return 0;
}

int bs_ir_attr_set_strings(bs_ir_graph *g, bs_ir_node *n, const char *name,
                           const char *const *v, int count)
{
    const char **c = bs_arena_calloc(&g->arena, (size_t)(count ? count : 1), sizeof(char *));
    if (!c) return BS_ENOMEM;
    for (int i = 0; i < count; i++)
        if (!(c[i] = bs_arena_strdup(&g->arena, v[i] ? v[i] : ""))) return BS_ENOMEM;
    bs_ir_attr *a = slot(g, n, name, BS_ATTR_STRINGS);
    if (!a) return BS_ENOMEM;
    a->strings = c;
    a->n = count;
    return 0;
}

int bs_ir_attr_set_tensor(bs_ir_graph *g, bs_ir_node *n, const char *name, const bs_ir_data *t)
{
    bs_ir_data *c = bs_ir_data_copy(g, t);
    if (!c) return BS_ENOMEM;
    bs_ir_attr *a = slot(g, n, name, BS_ATTR_TENSOR);
    if (!a) return BS_ENOMEM;
    a->t = c;
    return 0;
}

int bs_ir_attr_set_dt(bs_ir_graph *g, bs_ir_node *n, const char *name, bs_dt dt)
{
    char buf[BS_DT_NAME_MAX];
    return bs_ir_attr_set_str(g, n, name, bs_dt_name(dt, buf));
}

int bs_ir_attr_copy_all(bs_ir_graph *g, bs_ir_node *dst, const bs_ir_node *src)
{
    for (int i = 0; i < src->nattrs; i++) {
        const bs_ir_attr *s = &src->attrs[i];
        bs_ir_attr *a = slot(g, dst, s->name, s->type);
        if (!a) return BS_ENOMEM;
        const char *nm = a->name;
        *a = *s;   /* arena data of the same graph (or immutable proto): share */
        a->name = nm;
    }
    return 0;
}

int bs_ir_attr_remove(bs_ir_node *n, const char *name)
{
    for (int i = 0; i < n->nattrs; i++)
        if (!strcmp(n->attrs[i].name, name)) {
            memmove(n->attrs + i, n->attrs + i + 1, sizeof(bs_ir_attr) * (size_t)(n->nattrs - i - 1));
            n->nattrs--;
            return 0;
        }
    return bs_error_set(BS_ENOTFOUND, "node %s: no attribute '%s'", bs_ir_node_desc(n), name);
}
