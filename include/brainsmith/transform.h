/* transform.h - graph transformations (module lib/transform): a static
 * registry of FINN/QONNX transformations by their FINN class names
 * (help text, function, whether it runs to a fixpoint) and a driver that
 * applies one or a list the way FINN's model.transform() does: repeat
 * until the transformation reports no change, then clean up (remove unused
 * tensors, keep the graph topologically sorted).  Each application that
 * changed the graph is published on the event bus ("transform" events with
 * name, passes, milliseconds) when a bus is set.
 *
 * A transformation function gets a context (the graph plus the parameters
 * FINN passes to the class constructors: fpga part, max MultiThreshold bit
 * width, SetFolding targets, config files) and sets *changed when it
 * rewrote something.  Functions that return after the first rewrite rely on
 * the fixpoint loop, as FINN's do.  Errors name the node: "MVAU_0 (MVAU):
 * ...".  Unsupported patterns are left alone (FINN semantics), except where
 * FINN raises. */
#ifndef BRAINSMITH_TRANSFORM_H
#define BRAINSMITH_TRANSFORM_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>

typedef struct bs_ir_graph bs_ir_graph;
typedef struct bs_bus bs_bus;

typedef struct bs_xform_ctx {
    bs_ir_graph *g;
    /* parameters (FINN constructor arguments) */
    const char *fpga_part;            /* SpecializeLayers, estimates */
    int64_t max_multithreshold_bit_width;   /* ConvertQONNXtoFINN filter (8) */
    int64_t target_cycles;            /* SetFolding */
    int64_t mvau_wwidth_max;          /* SetFolding (36) */
    bool two_pass_relaxation;         /* SetFolding (true) */
    const char *config_file;          /* ApplyConfig */
    bool create_shallow_fifos;        /* InsertFIFO */
    const cJSON *config_json;         /* ApplyConfig, instead of a file */
    /* observers */
    bs_bus *bus;
    const char *build_id;
    void (*warn)(void *ud, const char *msg);   /* FINN warnings (NULL = bs_log) */
    void *warn_ud;
    /* statistics */
    int napplied;                     /* transformations applied */
} bs_xform_ctx;

typedef int (*bs_xform_fn)(bs_xform_ctx *x, bool *changed);

typedef struct bs_xform_def {
    const char *name;       /* FINN/QONNX class name, e.g. "MoveScalarAddPastMatMul" */
    bs_xform_fn fn;
    bool fixpoint;          /* repeat until no change */
    const char *group;      /* "tidy", "qonnx", "streamline", "hw", "fold", "minimize" */
    const char *help;
} bs_xform_def;

const bs_xform_def *bs_xform_find(const char *name);
int bs_xform_count(void);
const bs_xform_def *bs_xform_at(int i);

/* Applies one transformation (to a fixpoint if it is one) plus FINN's
 * cleanup.  *changed (may be NULL) tells whether the graph changed. */
int bs_xform_apply(bs_xform_ctx *x, const char *name, bool *changed);
/* Applies a NULL-terminated list in order. */
int bs_xform_apply_list(bs_xform_ctx *x, const char *const *names);
/* Emits a FINN-style warning through ctx->warn or bs_log. */
void bs_xform_warn(bs_xform_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- analyses used by the flow (finn-reference §3, §8) ---------------- */

/* FINN extract_model_config_to_json: {"Defaults": {}, node: {attr: value}}
 * for every fpgadataflow node, listing each attribute of `attrs` the node's
 * op defines (value = node attribute or the op's default). */
int bs_xform_extract_config(bs_ir_graph *g, const char *const *attrs, cJSON **out);

/* True for nodes in the finn.custom_op.fpgadataflow(.hls|.rtl) domains. */
bool bs_xform_is_hw(const void *node);

/* CreateDataflowPartition (finn-reference §6.5): x->g becomes the parent
 * (one StreamingDataflowPartition "GenericPartition_0"); *child is the model
 * of the HW nodes.  A non-HW node between HW nodes is an error naming it. */
int bs_xform_create_partition(bs_xform_ctx *x, bs_ir_graph **child);

/* QONNX SortGraph (level-wise topological order, ascending index within a
 * level); the driver runs it after every transformation. */
int bs_xform_sort_graph(bs_ir_graph *g);

/* Loads an IR node into the kernels module (attribute adapter); BS_ENOTFOUND
 * when no kernel knows the op type. */
struct bs_ir_node;
struct bs_knode;
int bs_xform_knode(const struct bs_ir_node *n, struct bs_knode *kn);

#endif
