/* exec.h - the reference executor (module lib/exec).
 *
 * Runs a bs_ir_graph node by node in graph order.  Integer/quantized
 * semantics are bit-exact with QONNX/FINN's Python execution: tensors stay
 * float32 containers as in FINN, but products and sums are accumulated in
 * double (exact for every integer model FINN can build), then rounded to
 * float32 once, so integer outputs are exact and float outputs are within
 * float32 rounding of numpy.
 *
 * Ops are found in one table keyed by (normalised domain, op_type): the
 * built-ins (ONNX standard ops used by QONNX/FINN models, the QONNX general
 * ops) plus whatever other modules register with bs_exec_register - the
 * kernels module registers MVAU, Thresholding, ... this way.  For
 * finn.custom_op.fpgadataflow.hls/.rtl ops, "<Op>_hls"/"<Op>_rtl" falls back
 * to "<Op>" registered in finn.custom_op.fpgadataflow.
 *
 * A kernel receives its node, its input values and must fill its outputs
 * with bs_exec_out(), which allocates (and reuses across runs) the output
 * buffer.  Kernels must not keep pointers to values between calls. */
#ifndef BRAINSMITH_EXEC_H
#define BRAINSMITH_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "brainsmith/ir.h"

/* A dense tensor value.  data is row-major in the C type of elem
 * (BS_ELEM_FLOAT -> float, INT64 -> int64_t, INT32 -> int32_t, UINT8/BOOL ->
 * uint8_t, INT8 -> int8_t, DOUBLE -> double, ...). */
typedef struct bs_value {
    int32_t elem;
    int rank;
    int64_t dims[BS_IR_MAX_RANK];
    int64_t numel;
    void *data;
    size_t cap;      /* bytes allocated (0 = borrowed, not owned) */
} bs_value;

/* Allocates v's buffer (malloc) for the given type/shape, reusing the old
 * buffer when it is large enough.  Zero-fills. */
int bs_value_alloc(bs_value *v, int32_t elem, int rank, const int64_t *dims);
/* Frees an owned buffer and resets v. */
void bs_value_free(bs_value *v);
/* Element i as double / stores a double into element i (converting). */
double bs_value_get(const bs_value *v, int64_t i);
void bs_value_set(bs_value *v, int64_t i, double x);
/* Converts v in place to float32 (no-op when already FLOAT). */
int bs_value_to_float(bs_value *v);
/* Deep copy into dst (dst owned afterwards). */
int bs_value_copy(bs_value *dst, const bs_value *src);
/* Shape string "[1, 784]" in a thread-local ring buffer. */
const char *bs_value_shape_str(const bs_value *v);

typedef struct bs_exec_ctx bs_exec_ctx;

/* A kernel: read in[0..nin) (NULL for an omitted optional input), fill the
 * node's outputs through bs_exec_out.  Return 0 or BS_E* with a message
 * naming the node (bs_ir_node_desc). */
typedef int (*bs_exec_fn)(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in,
                          int nin);

typedef struct bs_exec_op {
    const char *domain;   /* normalised domain ("" for ONNX) */
    const char *op_type;
    bs_exec_fn fn;
    const char *help;     /* one line, shown by `brainsmith model check --ops` */
} bs_exec_op;

/* Registers (or overrides: the latest wins) a kernel.  The struct must stay
 * valid (static tables).  Call at start-up, not concurrently with runs. */
int bs_exec_register(const bs_exec_op *op);
/* Registers a {NULL}-terminated table. */
int bs_exec_register_table(const bs_exec_op *ops);
/* The kernel used for (domain, op_type), or NULL. */
const bs_exec_op *bs_exec_lookup(const char *domain, const char *op_type);
/* i-th known op (built-ins then registered), NULL past the end. */
const bs_exec_op *bs_exec_op_at(int i);

/* Output i of the node being run: allocated with the given type/shape. */
bs_value *bs_exec_out(bs_exec_ctx *cx, int i, int32_t elem, int rank, const int64_t *dims);
/* Same shape as value `like`. */
bs_value *bs_exec_out_like(bs_exec_ctx *cx, int i, int32_t elem, const bs_value *like);
/* The graph being run (for attribute reads of neighbours, datatypes, ...). */
const bs_ir_graph *bs_exec_graph(const bs_exec_ctx *cx);
/* Per-node state kept for the session's lifetime (e.g. repacked weights, a
 * loaded child model): NULL until set; free_fn (may be NULL) runs in
 * bs_exec_free. */
void *bs_exec_state(bs_exec_ctx *cx);
void bs_exec_set_state(bs_exec_ctx *cx, void *state, void (*free_fn)(void *));

/* Fails with BS_EUNSUPPORTED listing EVERY node (name, op_type, domain)
 * that has no kernel; 0 when all are supported. */
int bs_exec_check(const bs_ir_graph *g);

/* A prepared execution of a graph (kernels resolved, buffers cached, so
 * repeated runs do not allocate). */
typedef struct bs_exec_session bs_exec_session;

/* Prepares g (which must outlive the session and not change while it
 * lives).  Fails like bs_exec_check. */
int bs_exec_new(const bs_ir_graph *g, bs_exec_session **out);
void bs_exec_free(bs_exec_session *s);
/* Runs with inputs[i] bound to the i-th graph input that has no initializer
 * (inputs are converted to the declared elem type; a shape mismatch with a
 * known declared shape is BS_EINVAL naming the input).  On success,
 * bs_exec_output()/bs_exec_value() give results valid until the next run. */
int bs_exec_run(bs_exec_session *s, const bs_value *inputs, int ninputs);
int bs_exec_num_inputs(const bs_exec_session *s);
/* The graph a session runs. */
const bs_ir_graph *bs_exec_graph_of(const bs_exec_session *s);
const bs_ir_tensor *bs_exec_input_tensor(const bs_exec_session *s, int i);
const bs_value *bs_exec_output(const bs_exec_session *s, int i);
/* Value of any tensor after a run (NULL if not computed). */
const bs_value *bs_exec_value(const bs_exec_session *s, const bs_ir_tensor *t);

/* One-shot: new + run + copy outputs into outs[0..g->noutputs) (owned). */
int bs_exec_graph_once(const bs_ir_graph *g, const bs_value *inputs, int ninputs, bs_value *outs);

/* Runs the kernel of one node on given input values (NULL = omitted) and
 * copies its outputs into outs[0..n->noutputs) (owned).  The building block
 * of FoldConstants: pass the initializers' values, store the results with
 * bs_ir_tensor_set_init.  Works for nodes of any graph state. */
int bs_exec_node(const bs_ir_graph *g, const bs_ir_node *n, const bs_value *const *inputs, int nin,
                 bs_value *outs);
/* A borrowed view of an initializer / known value (no copy; valid while
 * the graph is); BS_EINVAL if t has no decodable data. */
int bs_exec_const_view(const bs_ir_tensor *t, bs_value *out);

/* ---- verification helpers (lib/exec/verify.c) ------------------------------
 * For FINN-style verification of a transformation: run the graph before and
 * after on the same inputs and compare (yosys equiv_opt style). */

/* FINN verify_input_npy style batching: every input holds k samples (its
 * element count is k times the model input's); runs the k samples one by
 * one and concatenates each output along axis 0 into outs[0..noutputs)
 * (owned; free with bs_value_free).  k = 1 is a plain run. */
int bs_exec_run_batch(bs_exec_session *s, const bs_value *inputs, int ninputs, bs_value *outs);
/* A random value for graph input t (static shape required) whose elements
 * are allowed by t's QONNX datatype (BIPOLAR -> +-1, UINT4 -> 0..15, ...;
 * FLOAT32 -> uniform in [-1, 1)); deterministic in seed. */
int bs_exec_random_input(const bs_ir_tensor *t, uint64_t seed, bs_value *out);
/* Runs a and b on `trials` random input sets (from a's inputs' datatypes;
 * both graphs must have the same number of non-initializer inputs) and
 * compares every output: equal within atol + rtol*|ref| (0/0 = bit-exact).
 * Returns 0 when equivalent, BS_EVERIFY naming the output, trial, element
 * and both values otherwise (or another error if a graph cannot run). */
int bs_exec_equivalent(const bs_ir_graph *a, const bs_ir_graph *b, int trials, uint64_t seed,
                       double rtol, double atol);

#endif
