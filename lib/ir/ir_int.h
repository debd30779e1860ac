/* ir_int.h - private helpers shared by the files of lib/ir. */
#ifndef BRAINSMITH_IR_INT_H
#define BRAINSMITH_IR_INT_H

#include "brainsmith/ir.h"
#include "brainsmith/error.h"

/* Grows an arena-held pointer array *arr (count n, capacity *cap) to hold
 * one more element; returns 0 or BS_ENOMEM. */
int bs_ir__grow(bs_arena *a, void **arr, int n, int *cap, size_t elem);
/* Name index (tensors and nodes share nothing: two tables). */
int bs_ir__index_init(bs_ir_graph *g);
int bs_ir__index_put_tensor(bs_ir_graph *g, bs_ir_tensor *t);
void bs_ir__index_del_tensor(bs_ir_graph *g, const char *name);
int bs_ir__index_put_node(bs_ir_graph *g, bs_ir_node *n);
void bs_ir__index_del_node(bs_ir_graph *g, const char *name);
void bs_ir__index_free(bs_ir_graph *g);
/* Adds/removes one consumer entry. */
int bs_ir__add_consumer(bs_ir_graph *g, bs_ir_tensor *t, bs_ir_node *n);
void bs_ir__del_consumer(bs_ir_tensor *t, const bs_ir_node *n);
/* Builds the built-in op table lookups. */
const bs_ir_opdef *bs_ir__builtin_ops(int *count);
const bs_ir_opdef *bs_ir__custom_ops(int *count);
/* Generic datatype rules (infer_std.c). */
int bs_ir__dt_keep(bs_ir_graph *g, bs_ir_node *n);
int bs_ir__dt_copy(bs_ir_graph *g, bs_ir_node *n);

/* ---- helpers for inference rules (infer*.c) ---- */
#include <string.h>
#define IN(n, i) ((i) < (n)->ninputs ? (n)->inputs[i] : NULL)
#define NEED_RANK(n, i)                                                                     \
    do {                                                                                    \
        if (!IN(n, i) || IN(n, i)->rank < 0)                                                \
            return bs_error_set(BS_EINVAL, "node %s: shape of input %d ('%s') is unknown",  \
                                bs_ir_node_desc(n), i, IN(n, i) ? IN(n, i)->name : "");     \
    } while (0)

static inline const bs_ir_data *cval(const bs_ir_tensor *t)
{
    return t ? (t->init ? t->init : t->known) : NULL;
}

/* Integer values of a constant/known tensor, up to max; -1 if not known. */
static inline int ivals(const bs_ir_tensor *t, int64_t *v, int max)
{
    const bs_ir_data *d = cval(t);
    if (!d || d->proto || d->numel > max) return -1;
    for (int64_t i = 0; i < d->numel; i++) v[i] = (int64_t)bs_ir_data_get(d, i);
    return (int)d->numel;
}

static inline int bad(const bs_ir_node *n, const char *what)
{
    return bs_error_set(BS_EINVAL, "node %s: %s", bs_ir_node_desc(n), what);
}


#endif
