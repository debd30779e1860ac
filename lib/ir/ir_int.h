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

#endif
