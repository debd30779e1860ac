/* exec_int.h - private helpers shared by the executor's kernel files. */
#ifndef BRAINSMITH_EXEC_INT_H
#define BRAINSMITH_EXEC_INT_H

#include "brainsmith/exec.h"
#include "brainsmith/error.h"

const bs_exec_op *bs_exec__std_ops(int *count);
const bs_exec_op *bs_exec__qonnx_ops(int *count);
const bs_exec_op *bs_exec__misc_ops(int *count);

/* Error naming the node. */
int bs_exec__fail(const bs_ir_node *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Requires input i to be present (else BS_EINVAL naming the node). */
#define NEED_IN(n, in, nin, i)                                                         \
    do {                                                                               \
        if ((i) >= (nin) || !(in)[i])                                                  \
            return bs_exec__fail((n), "input %d is missing", (int)(i));                \
    } while (0)
/* Integer values of a (small) input; -1 when too many. */
int bs_exec__ints(const bs_value *v, int64_t *out, int max);
/* Row-major strides of dims. */
void bs_exec__strides(int rank, const int64_t *dims, int64_t *strides);
/* Computes the numpy-broadcast shape of a and b. */
int bs_exec__bcast_shape(const bs_ir_node *n, const bs_value *a, const bs_value *b, int *rank,
                         int64_t *dims);
/* Broadcast strides of v within an output of rank r (0 on broadcast axes). */
void bs_exec__bcast_strides(const bs_value *v, int r, const int64_t *odims, int64_t *st);
/* Round half to even (numpy round) in float / double. */
float bs_exec__rint_f(float x);
/* The current node's output slot i (after bs_exec_out). */
bs_value *bs_exec__cur_out(bs_exec_ctx *cx, int i);

#endif
