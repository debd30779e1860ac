/* edit.c - the node editing API used by transformations: add, move,
 * remove, replace, rewire, bypass, rename, unique names, topological sort,
 * unused-tensor removal and a structural validator. */
#include "ir_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bs_ir__add_consumer(bs_ir_graph *g, bs_ir_tensor *t, bs_ir_node *n)
{
    if (bs_ir__grow(&g->arena, (void **)&t->consumers, t->nconsumers, &t->capconsumers,
                    sizeof(void *)))
        return bs_error_set(BS_ENOMEM, "ir: consumers of '%s'", t->name);
    t->consumers[t->nconsumers++] = n;
    return 0;
}

void bs_ir__del_consumer(bs_ir_tensor *t, const bs_ir_node *n)
{
    for (int i = 0; i < t->nconsumers; i++)
        if (t->consumers[i] == n) {
            memmove(t->consumers + i, t->consumers + i + 1,
                    sizeof(void *) * (size_t)(t->nconsumers - i - 1));
            t->nconsumers--;
            return;
        }
}

const char *bs_ir_unique_name(bs_ir_graph *g, const char *prefix)
{
    if (!bs_ir_tensor_find(g, prefix) && !bs_ir_node_find(g, prefix))
        return bs_arena_strdup(&g->arena, prefix);
    char buf[512];
    for (long k = 0;; k++) {
        snprintf(buf, sizeof buf, "%.480s_%ld", prefix, k);
        if (!bs_ir_tensor_find(g, buf) && !bs_ir_node_find(g, buf))
            return bs_arena_strdup(&g->arena, buf);
    }
}

static int insert_at(bs_ir_graph *g, bs_ir_node *n, int pos)
{
    if (bs_ir__grow(&g->arena, (void **)&g->nodes, g->nnodes, &g->capnodes, sizeof(void *)))
        return bs_error_set(BS_ENOMEM, "ir: nodes");
    if (pos < 0 || pos > g->nnodes) pos = g->nnodes;
    memmove(g->nodes + pos + 1, g->nodes + pos, sizeof(void *) * (size_t)(g->nnodes - pos));
    g->nodes[pos] = n;
    g->nnodes++;
    return 0;
}

static int unlink_order(bs_ir_graph *g, bs_ir_node *n)
{
    int i = bs_ir_node_index(g, n);
    if (i < 0) return bs_error_set(BS_ENOTFOUND, "ir: node %s is not in the graph", bs_ir_node_desc(n));
    memmove(g->nodes + i, g->nodes + i + 1, sizeof(void *) * (size_t)(g->nnodes - i - 1));
    g->nnodes--;
    return 0;
}

bs_ir_node *bs_ir_node_add(bs_ir_graph *g, const char *op_type, const char *domain,
                           const char *name, bs_ir_tensor *const *inputs, int ninputs,
                           bs_ir_tensor *const *outputs, int noutputs, bs_ir_node *before)
{
    if (!op_type || !*op_type) { bs_error_set(BS_EINVAL, "ir: node without op_type"); return NULL; }
    for (int i = 0; i < noutputs; i++) {
        if (!outputs[i]) { bs_error_set(BS_EINVAL, "ir: %s output %d is NULL", op_type, i); return NULL; }
        if (outputs[i]->producer) {
            bs_error_set(BS_EEXISTS, "ir: tensor '%s' already produced by %s", outputs[i]->name,
                         bs_ir_node_desc(outputs[i]->producer));
            return NULL;
        }
    }
    if (name && *name && bs_ir_node_find(g, name)) {
        bs_error_set(BS_EEXISTS, "ir: node name '%s' is taken", name);
        return NULL;
    }
    bs_arena *a = &g->arena;
    bs_ir_node *n = bs_arena_calloc(a, 1, sizeof *n);
    if (!n) return NULL;
    n->op_type = bs_arena_strdup(a, op_type);
    n->domain = bs_arena_strdup(a, domain ? domain : "");
    if (name && *name) n->name = bs_arena_strdup(a, name);
    else {
        char buf[256];
        snprintf(buf, sizeof buf, "%.200s", op_type);
        n->name = bs_ir_unique_name(g, buf);
    }
    n->inputs = bs_arena_calloc(a, (size_t)(ninputs ? ninputs : 1), sizeof(void *));
    n->outputs = bs_arena_calloc(a, (size_t)(noutputs ? noutputs : 1), sizeof(void *));
    if (!n->op_type || !n->domain || !n->name || !n->inputs || !n->outputs) {
        bs_error_set(BS_ENOMEM, "ir: node");
        return NULL;
    }
    n->id = g->next_node_id++;
    n->ninputs = ninputs;
    n->noutputs = noutputs;
    for (int i = 0; i < ninputs; i++) {
        n->inputs[i] = inputs[i];
        if (inputs[i] && bs_ir__add_consumer(g, inputs[i], n)) return NULL;
    }
    for (int i = 0; i < noutputs; i++) {
        n->outputs[i] = outputs[i];
        outputs[i]->producer = n;
    }
    int pos = before ? bs_ir_node_index(g, before) : -1;
    if (insert_at(g, n, pos) || bs_ir__index_put_node(g, n)) return NULL;
    return n;
}

int bs_ir_node_move(bs_ir_graph *g, bs_ir_node *n, bs_ir_node *before)
{
    if (n == before) return 0;
    int rc = unlink_order(g, n);
    if (rc) return rc;
    return insert_at(g, n, before ? bs_ir_node_index(g, before) : -1);
}

int bs_ir_node_remove(bs_ir_graph *g, bs_ir_node *n)
{
    int rc = unlink_order(g, n);
    if (rc) return rc;
    for (int i = 0; i < n->ninputs; i++)
        if (n->inputs[i]) bs_ir__del_consumer(n->inputs[i], n);
    for (int i = 0; i < n->noutputs; i++)
        if (n->outputs[i]->producer == n) n->outputs[i]->producer = NULL;
    bs_ir__index_del_node(g, n->name);
    n->removed = true;
    return 0;
}

int bs_ir_node_replace(bs_ir_graph *g, bs_ir_node *old, bs_ir_node *repl)
{
    int rc = bs_ir_node_move(g, repl, old);
    if (rc) return rc;
    return bs_ir_node_remove(g, old);
}

int bs_ir_node_set_input(bs_ir_graph *g, bs_ir_node *n, int i, bs_ir_tensor *t)
{
    if (i < 0 || i >= n->ninputs)
        return bs_error_set(BS_ERANGE, "ir: %s has no input %d", bs_ir_node_desc(n), i);
    if (n->inputs[i]) bs_ir__del_consumer(n->inputs[i], n);
    n->inputs[i] = t;
    return t ? bs_ir__add_consumer(g, t, n) : 0;
}

int bs_ir_node_add_input(bs_ir_graph *g, bs_ir_node *n, bs_ir_tensor *t)
{
    bs_ir_tensor **in = bs_arena_alloc(&g->arena, sizeof(void *) * (size_t)(n->ninputs + 1));
    if (!in) return BS_ENOMEM;
    if (n->ninputs) memcpy(in, n->inputs, sizeof(void *) * (size_t)n->ninputs);
    in[n->ninputs] = t;
    n->inputs = in;
    n->ninputs++;
    return t ? bs_ir__add_consumer(g, t, n) : 0;
}

int bs_ir_node_remove_input(bs_ir_graph *g, bs_ir_node *n, int i)
{
    (void)g;
    if (i < 0 || i >= n->ninputs)
        return bs_error_set(BS_ERANGE, "ir: %s has no input %d", bs_ir_node_desc(n), i);
    if (n->inputs[i]) bs_ir__del_consumer(n->inputs[i], n);
    memmove(n->inputs + i, n->inputs + i + 1, sizeof(void *) * (size_t)(n->ninputs - i - 1));
    n->ninputs--;
    return 0;
}

int bs_ir_node_set_output(bs_ir_graph *g, bs_ir_node *n, int i, bs_ir_tensor *t)
{
    (void)g;
    if (i < 0 || i >= n->noutputs)
        return bs_error_set(BS_ERANGE, "ir: %s has no output %d", bs_ir_node_desc(n), i);
    if (t->producer && t->producer != n)
        return bs_error_set(BS_EEXISTS, "ir: tensor '%s' already produced by %s", t->name,
                            bs_ir_node_desc(t->producer));
    if (n->outputs[i]->producer == n) n->outputs[i]->producer = NULL;
    n->outputs[i] = t;
    t->producer = n;
    return 0;
}

int bs_ir_replace_uses(bs_ir_graph *g, bs_ir_tensor *old, bs_ir_tensor *repl)
{
    if (old == repl) return 0;
    while (old->nconsumers > 0) {
        bs_ir_node *c = old->consumers[0];
        for (int i = 0; i < c->ninputs; i++)
            if (c->inputs[i] == old) {
                int rc = bs_ir_node_set_input(g, c, i, repl);
                if (rc) return rc;
            }
    }
    if (old->is_output) return bs_ir_replace_output(g, old, repl);
    return 0;
}

int bs_ir_node_bypass(bs_ir_graph *g, bs_ir_node *n)
{
    if (n->ninputs < 1 || !n->inputs[0] || n->noutputs < 1)
        return bs_error_set(BS_EINVAL, "ir: cannot bypass %s", bs_ir_node_desc(n));
    bs_ir_tensor *in = n->inputs[0], *out = n->outputs[0];
    int rc = bs_ir_node_remove(g, n);
    if (rc) return rc;
    if (out->is_output && !in->is_input && !in->is_output && !in->init) {
        /* Keep the graph output's name: the input takes it over. */
        const char *oname = out->name;
        rc = bs_ir_replace_uses(g, out, in);
        if (rc) return rc;
        char tmp[64];
        snprintf(tmp, sizeof tmp, "__bypassed_%d", out->id);
        if ((rc = bs_ir_tensor_rename(g, out, bs_ir_unique_name(g, tmp)))) return rc;
        return bs_ir_tensor_rename(g, in, oname);
    }
    return bs_ir_replace_uses(g, out, in);
}

int bs_ir_node_rename(bs_ir_graph *g, bs_ir_node *n, const char *name)
{
    bs_ir_node *o = bs_ir_node_find(g, name);
    if (o == n) return 0;
    if (o) return bs_error_set(BS_EEXISTS, "ir: node name '%s' is taken", name);
    const char *nn = bs_arena_strdup(&g->arena, name ? name : "");
    if (!nn) return BS_ENOMEM;
    bs_ir__index_del_node(g, n->name);
    n->name = nn;
    return bs_ir__index_put_node(g, n);
}

int bs_ir_give_unique_node_names(bs_ir_graph *g, const char *prefix)
{
    /* Count per op_type in graph order; clear old names first so that a
     * new name never collides with a not-yet-renamed node. */
    for (int i = 0; i < g->nnodes; i++) bs_ir__index_del_node(g, g->nodes[i]->name);
    for (int i = 0; i < g->nnodes; i++) g->nodes[i]->name = "";
    for (int i = 0; i < g->nnodes; i++) {
        bs_ir_node *n = g->nodes[i];
        int k = 0;
        for (int j = 0; j < i; j++)
            if (!strcmp(g->nodes[j]->op_type, n->op_type)) k++;
        n->name = bs_arena_sprintf(&g->arena, "%s%s_%d", prefix ? prefix : "", n->op_type, k);
        if (!n->name) return BS_ENOMEM;
        int rc = bs_ir__index_put_node(g, n);
        if (rc) return rc;
    }
    return 0;
}

int bs_ir_toposort(bs_ir_graph *g)
{
    int n = g->nnodes;
    if (!n) return 0;
    /* Kahn's algorithm, always taking the ready node that comes first in
     * the current order, so an already sorted graph is unchanged.  Node
     * positions are looked up by node id (n->user stays the caller's). */
    int *indeg = calloc((size_t)n, sizeof(int)), *pos = malloc(sizeof(int) * (size_t)(g->next_node_id + 1));
    bs_ir_node **out = malloc(sizeof(void *) * (size_t)n);
    char *done = calloc((size_t)n, 1);
    if (!indeg || !pos || !out || !done) { free(indeg); free(pos); free(out); free(done); return BS_ENOMEM; }
    for (int i = 0; i <= g->next_node_id; i++) pos[i] = -1;
    for (int i = 0; i < n; i++) pos[g->nodes[i]->id] = i;
    for (int i = 0; i < n; i++) {
        bs_ir_node *nd = g->nodes[i];
        for (int k = 0; k < nd->ninputs; k++) {
            bs_ir_tensor *t = nd->inputs[k];
            if (t && t->producer && pos[t->producer->id] >= 0) indeg[i]++;
        }
    }
    int cnt = 0, rc = 0, first = 0;
    while (cnt < n) {
        int pick = -1;
        while (first < n && done[first]) first++;
        for (int i = first; i < n; i++)
            if (!done[i] && indeg[i] == 0) { pick = i; break; }
        if (pick < 0) {
            rc = bs_error_set(BS_ECYCLE, "ir: graph has a cycle: node %s waits on itself through its inputs", bs_ir_node_desc(g->nodes[first]));
            break;
        }
        done[pick] = 1;
        bs_ir_node *p = g->nodes[pick];
        out[cnt++] = p;
        for (int o = 0; o < p->noutputs; o++) {
            bs_ir_tensor *t = p->outputs[o];
            for (int c = 0; c < t->nconsumers; c++)
                if (pos[t->consumers[c]->id] >= 0) indeg[pos[t->consumers[c]->id]]--;
        }
    }
    if (!rc) memcpy(g->nodes, out, sizeof(void *) * (size_t)n);
    free(indeg);
    free(pos);
    free(out);
    free(done);
    return rc;
}

int bs_ir_remove_unused_tensors(bs_ir_graph *g)
{
    int count = 0;
    for (int i = 0; i < g->ntensors; i++) {
        bs_ir_tensor *t = g->tensors[i];
        if (t->removed || t->is_input || t->is_output || t->producer || t->nconsumers) continue;
        t->removed = true;
        bs_ir__index_del_tensor(g, t->name);
        count++;
    }
    return count;
}

int bs_ir_validate(const bs_ir_graph *g)
{
    for (int i = 0; i < g->nnodes; i++) {
        bs_ir_node *n = g->nodes[i];
        if (n->removed) return bs_error_set(BS_ECORRUPT, "ir: removed node %s in order", bs_ir_node_desc(n));
        for (int k = 0; k < n->ninputs; k++) {
            bs_ir_tensor *t = n->inputs[k];
            if (!t) continue;
            int seen = 0;
            for (int c = 0; c < t->nconsumers; c++) seen += t->consumers[c] == n;
            if (!seen)
                return bs_error_set(BS_ECORRUPT, "ir: %s reads '%s' but is not its consumer",
                                    bs_ir_node_desc(n), t->name);
            if (bs_ir_tensor_find(g, t->name) != t)
                return bs_error_set(BS_ECORRUPT, "ir: tensor '%s' is not indexed", t->name);
            if (t->producer) {
                int pi = bs_ir_node_index(g, t->producer);
                if (pi < 0 || pi >= i)
                    return bs_error_set(BS_ECORRUPT,
                                        "ir: %s reads '%s' before its producer %s (not topological)",
                                        bs_ir_node_desc(n), t->name, bs_ir_node_desc(t->producer));
            } else if (!t->init && !t->is_input) {
                return bs_error_set(BS_ECORRUPT,
                                    "ir: %s input '%s' has no producer, initializer or graph input",
                                    bs_ir_node_desc(n), t->name);
            }
        }
        for (int k = 0; k < n->noutputs; k++)
            if (n->outputs[k]->producer != n)
                return bs_error_set(BS_ECORRUPT, "ir: %s output '%s' has another producer",
                                    bs_ir_node_desc(n), n->outputs[k]->name);
    }
    for (int i = 0; i < g->noutputs; i++) {
        bs_ir_tensor *t = g->outputs[i];
        if (!t->producer && !t->is_input && !t->init)
            return bs_error_set(BS_ECORRUPT, "ir: graph output '%s' is never produced", t->name);
    }
    return 0;
}
