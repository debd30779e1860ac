/* ir.h - the graph IR every transformation, kernel cost model and generator
 * works on (module lib/ir).
 *
 * A bs_ir_graph owns one arena: every tensor, node, attribute and string of
 * the graph lives there and is freed once by bs_ir_free.  Structs are
 * transparent so passes can READ fields directly (n->op_type,
 * t->dims[i], t->producer, t->consumers[k]); all CHANGES go through the
 * functions below, which keep the producer/consumer links, the name index
 * and the graph input/output lists consistent.  Strings handed to the API
 * are copied into the arena; pointers returned stay valid until bs_ir_free
 * (removed nodes/tensors stay allocated, only unlinked).
 *
 * Model of the graph
 * - Tensors are unique by name.  A tensor has an ONNX element type, a shape
 *   (rank -1 = unknown; dims[i] = -1 with dim_params[i] for symbolic dims),
 *   a QONNX datatype annotation (finn_datatype; FLOAT32 when absent), the
 *   other annotation entries (tensor_layout, tensor_sparsity, ...), and,
 *   for initializers, the data (bs_ir_data, native element type, row-major).
 * - Nodes have op_type, a domain (normalised on import, see below), a name,
 *   ordered inputs/outputs (an omitted optional input is NULL) and
 *   attributes in file order.
 * - Graph order is g->nodes[0..nnodes).  Importers and bs_ir_toposort keep it
 *   topological; editing functions insert where asked and do not re-sort.
 *
 * Domain normalisation (on import, finn-reference §5.1): "onnx.brevitas",
 * "finn.custom_op.general", "finn" (without backend=fpgadataflow) become
 * "qonnx.custom_op.general"; "finn" with attribute backend="fpgadataflow"
 * becomes "finn.custom_op.fpgadataflow"; "ai.onnx" becomes "".  A missing
 * opset_import for a used custom domain is added (version 1) on export.
 *
 * Export (bs_ir_to_model / bs_ir_save) writes a ModelProto FINN and onnx can
 * load: nodes in graph order, initializers as raw_data, value_info for
 * every non-I/O tensor with a known shape, quantization_annotation for
 * tensors with a datatype/layout/other annotation.  Everything the IR does
 * not model (metadata_props, doc strings, functions, training_info,
 * unknown-typed attributes such as subgraphs, model/producer fields) is
 * carried over from the imported ModelProto unchanged.
 *
 * Error handling: functions return 0 or a negative BS_E* with the detail in
 * bs_error_msg(); pointer-returning functions return NULL on error. */
#ifndef BRAINSMITH_IR_H
#define BRAINSMITH_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "brainsmith/arena.h"
#include "brainsmith/datatype.h"

typedef struct Onnx__ModelProto Onnx__ModelProto;
typedef struct bs_ir_graph bs_ir_graph;
typedef struct bs_ir_node bs_ir_node;
typedef struct bs_ir_tensor bs_ir_tensor;

/* ONNX element types (TensorProto.DataType) used by name in the code base. */
enum {
    BS_ELEM_UNDEFINED = 0, BS_ELEM_FLOAT = 1, BS_ELEM_UINT8 = 2, BS_ELEM_INT8 = 3,
    BS_ELEM_UINT16 = 4, BS_ELEM_INT16 = 5, BS_ELEM_INT32 = 6, BS_ELEM_INT64 = 7,
    BS_ELEM_STRING = 8, BS_ELEM_BOOL = 9, BS_ELEM_FLOAT16 = 10, BS_ELEM_DOUBLE = 11,
    BS_ELEM_UINT32 = 12, BS_ELEM_UINT64 = 13,
};

#define BS_IR_MAX_RANK 8

/* Well-known domains (the normalised spellings). */
#define BS_DOMAIN_ONNX ""
#define BS_DOMAIN_QONNX "qonnx.custom_op.general"
#define BS_DOMAIN_FPGADATAFLOW "finn.custom_op.fpgadataflow"
#define BS_DOMAIN_FPGADATAFLOW_HLS "finn.custom_op.fpgadataflow.hls"
#define BS_DOMAIN_FPGADATAFLOW_RTL "finn.custom_op.fpgadataflow.rtl"

/* A dense constant: initializer data or a tensor-valued attribute.
 * Numeric data is row-major in the native C type of elem_type (float,
 * int64_t, int32_t, uint8_t, ...; BOOL as uint8_t; FLOAT16 as uint16_t bits). */
typedef struct bs_ir_data {
    int32_t elem_type;
    int rank;
    int64_t *dims;
    int64_t numel;
    void *data;          /* numel * bs_onnx_elem_size(elem_type) bytes */
    size_t nbytes;
    const void *proto;   /* original TensorProto when the data could not be
                            decoded (strings, external data): exported as is */
} bs_ir_data;

/* Extra annotation entry (key/value of quantization_annotation) kept as is. */
typedef struct bs_ir_kv { const char *key, *value; } bs_ir_kv;

struct bs_ir_tensor {
    const char *name;
    int32_t elem_type;        /* BS_ELEM_*; 0 when unknown */
    int rank;                 /* -1: shape unknown */
    int64_t *dims;            /* rank entries; -1 for a symbolic dim */
    const char **dim_params;  /* NULL, or rank entries (NULL where concrete) */
    bs_dt dtype;              /* QONNX datatype; FLOAT32 unless annotated/inferred */
    bool has_dtype;           /* a finn_datatype annotation exists (or was set) */
    const char *layout;       /* tensor_layout annotation, e.g. "['N', 'C']", or NULL */
    const char *sparsity;     /* tensor_sparsity annotation or NULL */
    bs_ir_kv *annot;          /* other annotation entries (kept for export) */
    int nannot;
    bs_ir_data *init;         /* initializer data, or NULL */
    bs_ir_data *known;        /* value known at inference time (Shape chains);
                                 used by inference, never exported */
    bs_ir_node *producer;     /* node writing it, or NULL */
    bs_ir_node **consumers;   /* nodes reading it (a node reading it twice
                                 appears twice) */
    int nconsumers, capconsumers;
    bool is_input, is_output; /* listed in graph.input / graph.output */
    bool removed;             /* unlinked by bs_ir_remove_unused_tensors */
    const char *doc_string;
    int id;                   /* index in g->tensors (stable) */
};

typedef enum bs_ir_attr_type {
    BS_ATTR_UNDEFINED = 0, BS_ATTR_FLOAT = 1, BS_ATTR_INT = 2, BS_ATTR_STRING = 3,
    BS_ATTR_TENSOR = 4, BS_ATTR_GRAPH = 5, BS_ATTR_FLOATS = 6, BS_ATTR_INTS = 7,
    BS_ATTR_STRINGS = 8, BS_ATTR_OTHER = 100,  /* kept as the original proto */
} bs_ir_attr_type;

typedef struct bs_ir_attr {
    const char *name;
    bs_ir_attr_type type;
    int64_t i;
    float f;
    const char *s;            /* STRING, NUL-terminated (s_len bytes before it) */
    size_t s_len;
    int64_t *ints;
    float *floats;
    const char **strings;
    int n;                    /* count of ints/floats/strings */
    bs_ir_data *t;            /* TENSOR */
    const void *proto;        /* GRAPH/OTHER (and doc/ref fields): original
                                 AttributeProto, exported unchanged */
} bs_ir_attr;

struct bs_ir_node {
    const char *name;
    const char *op_type;
    const char *domain;       /* normalised */
    bs_ir_tensor **inputs;    /* NULL entry = omitted optional input */
    int ninputs;
    bs_ir_tensor **outputs;
    int noutputs;
    bs_ir_attr *attrs;
    int nattrs, capattrs;
    const char *doc_string;
    bool removed;
    int id;                   /* creation index (stable, unique) */
    void *user;               /* free for a pass to use */
};

typedef struct bs_ir_opset { const char *domain; int64_t version; } bs_ir_opset;

struct bs_ir_graph {
    bs_arena arena;
    const char *name;
    bs_ir_node **nodes;       /* graph order */
    int nnodes, capnodes;
    bs_ir_tensor **tensors;   /* every tensor ever created, by id */
    int ntensors, captensors;
    bs_ir_tensor **inputs;    /* graph inputs (including initializer-backed
                                 ones if the file listed them) */
    int ninputs, capinputs;
    bs_ir_tensor **outputs;
    int noutputs, capoutputs;
    bs_ir_opset *opsets;
    int nopsets, capopsets;
    int64_t ir_version;
    int next_node_id;
    const char *path;         /* file it was loaded from (bs_ir_load), or NULL;
                                 used to resolve partition child models */
    Onnx__ModelProto *src;    /* the imported proto (owned), for the fields
                                 the IR does not model; NULL for new graphs */
    void *index;              /* private name index */
};

/* ---- lifecycle ---------------------------------------------------------- */

/* Empty graph (ir_version 8, opset "" 11 + qonnx.custom_op.general 1).
 * The registries (bs_ir_register_op, bs_exec_register) are process-wide and
 * not locked: register at start-up.  A graph must not be edited from two
 * threads at once; distinct graphs are independent. */
bs_ir_graph *bs_ir_new(const char *name);
/* Imports a ModelProto; takes ownership of m on success AND on failure.
 * Fails with BS_ECORRUPT naming the broken field (a node input that is
 * never produced, a duplicate output, an initializer whose data does not
 * match its dims, ...). */
int bs_ir_from_model(Onnx__ModelProto *m, bs_ir_graph **out);
/* bs_onnx_load_file + bs_ir_from_model. */
int bs_ir_load(const char *path, bs_ir_graph **out);
int bs_ir_load_mem(const void *buf, size_t len, const char *what, bs_ir_graph **out);
/* Builds a ModelProto for the current graph.  The result references
 * memory of `scratch` and of g: free scratch (and keep g alive) only after
 * packing it. */
int bs_ir_to_model(const bs_ir_graph *g, bs_arena *scratch, Onnx__ModelProto **out);
/* Serializes the graph; *buf is malloc'd. */
int bs_ir_pack(const bs_ir_graph *g, uint8_t **buf, size_t *len);
int bs_ir_save(const bs_ir_graph *g, const char *path);
/* Deep copy (export + import); the copy is independent of g. */
int bs_ir_clone(const bs_ir_graph *g, bs_ir_graph **out);
void bs_ir_free(bs_ir_graph *g);

/* Loads the child model of a StreamingDataflowPartition / GenericPartition
 * node (attribute "model"), resolved as given, then relative to the
 * directory of g->path and up to three of its ancestors (FINN stores paths
 * relative to the build output dir).  BS_ENOTFOUND naming the path. */
int bs_ir_load_partition(const bs_ir_graph *g, const bs_ir_node *n, bs_ir_graph **out);

/* ---- lookup ------------------------------------------------------------- */

bs_ir_tensor *bs_ir_tensor_find(const bs_ir_graph *g, const char *name);
bs_ir_node *bs_ir_node_find(const bs_ir_graph *g, const char *name);
/* Index of n in g->nodes, or -1. */
int bs_ir_node_index(const bs_ir_graph *g, const bs_ir_node *n);
/* Convenience: the producer of n's input i / the single consumer of n's
 * output i (NULL when absent or when there are several). */
bs_ir_node *bs_ir_node_pred(const bs_ir_node *n, int i);
bs_ir_node *bs_ir_node_succ(const bs_ir_node *n, int i);
/* True when op_type matches and the node's domain is `domain` (NULL = any). */
bool bs_ir_node_is(const bs_ir_node *n, const char *domain, const char *op_type);
/* True for QONNX/FINN custom domains (qonnx.*, finn.*). */
bool bs_ir_domain_is_custom(const char *domain);
/* True when the domain is finn.custom_op.fpgadataflow[.hls|.rtl]. */
bool bs_ir_domain_is_fpgadataflow(const char *domain);
/* Normalised spelling of a domain string (see above); `backend` is the
 * node's backend attribute or NULL. Returns a static string or `domain`. */
const char *bs_ir_domain_normalise(const char *domain, const char *backend);
/* Version imported for domain ("" = ONNX) or 0. */
int64_t bs_ir_opset_version(const bs_ir_graph *g, const char *domain);
int bs_ir_set_opset(bs_ir_graph *g, const char *domain, int64_t version);
/* Number of elements of a tensor with a known static shape, else -1. */
int64_t bs_ir_tensor_numel(const bs_ir_tensor *t);
/* True if the tensor has an initializer. */
static inline bool bs_ir_is_const(const bs_ir_tensor *t) { return t && t->init; }

/* ---- tensors ------------------------------------------------------------ */

/* Returns the tensor named `name`, creating an empty one (unknown shape,
 * FLOAT elem type) if there is none. */
bs_ir_tensor *bs_ir_tensor_get(bs_ir_graph *g, const char *name);
/* Creates a tensor with a fresh unique name derived from `prefix`. */
bs_ir_tensor *bs_ir_tensor_new(bs_ir_graph *g, const char *prefix);
/* Renames a tensor (fails with BS_EEXISTS if the name is taken). */
int bs_ir_tensor_rename(bs_ir_graph *g, bs_ir_tensor *t, const char *name);
/* Sets the shape (rank 0 = scalar, rank -1 = unknown); dims copied. */
int bs_ir_tensor_set_shape(bs_ir_graph *g, bs_ir_tensor *t, int rank, const int64_t *dims);
/* Sets (or with has=false clears) the finn_datatype annotation. */
void bs_ir_tensor_set_dtype(bs_ir_tensor *t, bs_dt dt);
void bs_ir_tensor_clear_dtype(bs_ir_tensor *t);
int bs_ir_tensor_set_layout(bs_ir_graph *g, bs_ir_tensor *t, const char *layout);
/* Makes t an initializer with a copy of data (numel derived from dims);
 * also sets t's elem type and shape. */
int bs_ir_tensor_set_init(bs_ir_graph *g, bs_ir_tensor *t, int32_t elem_type, int rank,
                          const int64_t *dims, const void *data);
/* Same for float32 data (the common case for weights and thresholds). */
int bs_ir_tensor_set_init_f32(bs_ir_graph *g, bs_ir_tensor *t, int rank, const int64_t *dims,
                              const float *data);
void bs_ir_tensor_clear_init(bs_ir_tensor *t);
/* New initializer tensor with a unique name from prefix (data copied);
 * NULL on error.  The usual way passes create weights/thresholds/scales. */
bs_ir_tensor *bs_ir_const_new(bs_ir_graph *g, const char *prefix, int32_t elem_type, int rank,
                              const int64_t *dims, const void *data);
bs_ir_tensor *bs_ir_const_f32(bs_ir_graph *g, const char *prefix, int rank, const int64_t *dims,
                              const float *data);
/* Initializer (or known) values as doubles: *out has numel entries,
 * allocated in g's arena.  BS_EINVAL if t has no data. */
int bs_ir_tensor_values(bs_ir_graph *g, const bs_ir_tensor *t, double **out, int64_t *numel);
/* Element i of an initializer/known value as double (no bounds check beyond
 * returning NAN when i is out of range or there is no data). */
double bs_ir_data_get(const bs_ir_data *d, int64_t i);
/* A new data block in g's arena (zero-filled) and a deep copy of one. */
bs_ir_data *bs_ir_data_new(bs_ir_graph *g, int32_t elem_type, int rank, const int64_t *dims);
bs_ir_data *bs_ir_data_copy(bs_ir_graph *g, const bs_ir_data *d);

/* ---- graph inputs / outputs --------------------------------------------- */

int bs_ir_add_input(bs_ir_graph *g, bs_ir_tensor *t);
int bs_ir_add_output(bs_ir_graph *g, bs_ir_tensor *t);
int bs_ir_remove_input(bs_ir_graph *g, bs_ir_tensor *t);
int bs_ir_remove_output(bs_ir_graph *g, bs_ir_tensor *t);
/* Replaces graph output `old` by `t` at the same position. */
int bs_ir_replace_output(bs_ir_graph *g, bs_ir_tensor *old, bs_ir_tensor *t);

/* ---- nodes -------------------------------------------------------------- */

/* Creates a node and inserts it in graph order before `before` (NULL =
 * append).  name NULL or "" gets bs_ir_unique_name(op_type) ("MatMul", then
 * "MatMul_0", ...; FINN-style names come from bs_ir_give_unique_node_names).
 * inputs may contain NULL (omitted optional input).  Outputs must not
 * already have a producer (BS_EEXISTS).  Does not re-sort: insert before the
 * first consumer, or call bs_ir_toposort afterwards. */
bs_ir_node *bs_ir_node_add(bs_ir_graph *g, const char *op_type, const char *domain,
                           const char *name, bs_ir_tensor *const *inputs, int ninputs,
                           bs_ir_tensor *const *outputs, int noutputs, bs_ir_node *before);
/* Moves n to just before `before` (NULL = end) in graph order. */
int bs_ir_node_move(bs_ir_graph *g, bs_ir_node *n, bs_ir_node *before);
/* Unlinks n from the graph (its tensors stay; see remove_unused_tensors). */
int bs_ir_node_remove(bs_ir_graph *g, bs_ir_node *n);
/* Puts `repl` (already added anywhere) at old's position and removes old. */
int bs_ir_node_replace(bs_ir_graph *g, bs_ir_node *old, bs_ir_node *repl);
/* Rewires input i of n to t (t may be NULL for "omitted"). */
int bs_ir_node_set_input(bs_ir_graph *g, bs_ir_node *n, int i, bs_ir_tensor *t);
/* Appends an input (e.g. thresholds for an MVAU). */
int bs_ir_node_add_input(bs_ir_graph *g, bs_ir_node *n, bs_ir_tensor *t);
/* Removes input i, shifting later ones. */
int bs_ir_node_remove_input(bs_ir_graph *g, bs_ir_node *n, int i);
/* Makes n produce t as output i (t must have no other producer). */
int bs_ir_node_set_output(bs_ir_graph *g, bs_ir_node *n, int i, bs_ir_tensor *t);
/* Every reader of `old` (node inputs and graph outputs) reads `repl`. */
int bs_ir_replace_uses(bs_ir_graph *g, bs_ir_tensor *old, bs_ir_tensor *repl);
/* Removes a node whose output 0 is replaced by its input 0 everywhere
 * (RemoveIdentityOps style).  If the output is a graph output, the input
 * takes over that role and the output's name. */
int bs_ir_node_bypass(bs_ir_graph *g, bs_ir_node *n);
/* Renames a node (BS_EEXISTS if taken by another node). */
int bs_ir_node_rename(bs_ir_graph *g, bs_ir_node *n, const char *name);
/* A name "<prefix>", or "<prefix>_<k>" for the smallest k >= 0 making it
 * unique among both node and tensor names.  Arena string. */
const char *bs_ir_unique_name(bs_ir_graph *g, const char *prefix);
/* FINN GiveUniqueNodeNames: every node becomes "<prefix><op_type>_<k>", k
 * counted per op_type in graph order from 0. */
int bs_ir_give_unique_node_names(bs_ir_graph *g, const char *prefix);
/* Topologically sorts g->nodes, stable with respect to the current order
 * where possible.  BS_ECYCLE naming a node on a cycle. */
int bs_ir_toposort(bs_ir_graph *g);
/* Drops tensors no node or graph input/output references. Returns count. */
int bs_ir_remove_unused_tensors(bs_ir_graph *g);
/* Structural self-check: every link consistent, names unique, graph order
 * topological.  BS_ECORRUPT naming the first problem. */
int bs_ir_validate(const bs_ir_graph *g);

/* ---- attributes --------------------------------------------------------- */

/* The attribute named `name`, or NULL. */
const bs_ir_attr *bs_ir_attr_find(const bs_ir_node *n, const char *name);
/* Typed getters: 0 and *out set; BS_ENOTFOUND when absent; BS_EINVAL (naming
 * node, attribute and the actual type) when the type differs.  An INT
 * attribute is also accepted by get_float. */
int bs_ir_attr_get_int(const bs_ir_node *n, const char *name, int64_t *out);
int bs_ir_attr_get_float(const bs_ir_node *n, const char *name, double *out);
int bs_ir_attr_get_str(const bs_ir_node *n, const char *name, const char **out);
int bs_ir_attr_get_ints(const bs_ir_node *n, const char *name, const int64_t **v, int *count);
int bs_ir_attr_get_floats(const bs_ir_node *n, const char *name, const float **v, int *count);
int bs_ir_attr_get_strings(const bs_ir_node *n, const char *name, const char *const **v,
                           int *count);
int bs_ir_attr_get_tensor(const bs_ir_node *n, const char *name, const bs_ir_data **out);
/* Parses a string attribute holding a QONNX datatype name
 * (inputDataType, weightDataType, out_dtype, ...). */
int bs_ir_attr_get_dt(const bs_ir_node *n, const char *name, bs_dt *out);
/* Getters with a default returned when the attribute is absent or has
 * another type (FINN get_nodeattr style). */
int64_t bs_ir_attr_int(const bs_ir_node *n, const char *name, int64_t def);
double bs_ir_attr_float(const bs_ir_node *n, const char *name, double def);
const char *bs_ir_attr_str(const bs_ir_node *n, const char *name, const char *def);
/* Setters create or replace (keeping the attribute's position). */
int bs_ir_attr_set_int(bs_ir_graph *g, bs_ir_node *n, const char *name, int64_t v);
int bs_ir_attr_set_float(bs_ir_graph *g, bs_ir_node *n, const char *name, double v);
int bs_ir_attr_set_str(bs_ir_graph *g, bs_ir_node *n, const char *name, const char *v);
int bs_ir_attr_set_ints(bs_ir_graph *g, bs_ir_node *n, const char *name, const int64_t *v,
                        int count);
int bs_ir_attr_set_floats(bs_ir_graph *g, bs_ir_node *n, const char *name, const float *v,
                          int count);
int bs_ir_attr_set_strings(bs_ir_graph *g, bs_ir_node *n, const char *name,
                           const char *const *v, int count);
int bs_ir_attr_set_tensor(bs_ir_graph *g, bs_ir_node *n, const char *name,
                          const bs_ir_data *t);
int bs_ir_attr_set_dt(bs_ir_graph *g, bs_ir_node *n, const char *name, bs_dt dt);
/* Copies every attribute of src onto dst (SpecializeLayers-style). */
int bs_ir_attr_copy_all(bs_ir_graph *g, bs_ir_node *dst, const bs_ir_node *src);
/* Removes an attribute; BS_ENOTFOUND if absent. */
int bs_ir_attr_remove(bs_ir_node *n, const char *name);

/* ---- shape and datatype inference (lib/ir/infer*.c) ---------------------- */

/* Per-op inference hooks.  infer_shape sets the shape (and elem type) of
 * n's outputs from its inputs/attributes; infer_dtype sets the QONNX
 * datatype of the outputs (NULL = the generic §4.5 rule: keep a non-FLOAT32
 * annotation, else FLOAT32).  Both return 0 or BS_E* with a message naming
 * the node. */
typedef int (*bs_ir_infer_fn)(bs_ir_graph *g, bs_ir_node *n);

typedef struct bs_ir_opdef {
    const char *domain;       /* normalised domain; for fpgadataflow ops use
                                 BS_DOMAIN_FPGADATAFLOW: <Op>_hls/_rtl in the
                                 .hls/.rtl domains fall back to <Op> */
    const char *op_type;
    bs_ir_infer_fn infer_shape;
    bs_ir_infer_fn infer_dtype;
    const char *help;
} bs_ir_opdef;

/* Registers (or overrides: the latest registration wins) inference hooks
 * for an op.  The def must stay valid (use static tables).  Thread-unsafe:
 * register at start-up (kernels module init). */
int bs_ir_register_op(const bs_ir_opdef *def);
/* Registers every entry of a table terminated by {NULL}. */
int bs_ir_register_ops(const bs_ir_opdef *defs);
/* The definition used for n (built-in or registered), or NULL. */
const bs_ir_opdef *bs_ir_op_lookup(const char *domain, const char *op_type);
/* Iterates built-in + registered defs: returns the i-th or NULL. */
const bs_ir_opdef *bs_ir_op_at(int i);

/* InferShapes: walks the graph in order and sets every non-input tensor's
 * shape and elem type; evaluates small shape-computing chains (Shape,
 * Gather, Unsqueeze, Concat, Constant, ...) into t->known.  Fails with
 * BS_EUNSUPPORTED listing EVERY node (name, op_type, domain) whose op has no
 * inference, or with the first node whose inputs are inconsistent. */
int bs_ir_infer_shapes(bs_ir_graph *g);
/* InferDataTypes (finn-reference §4.5 + custom ops). */
int bs_ir_infer_datatypes(bs_ir_graph *g);
/* Both, shapes first. */
int bs_ir_infer(bs_ir_graph *g);

/* Helpers for inference hooks (and passes). */
int bs_ir_set_out_shape(bs_ir_graph *g, bs_ir_node *n, int i, int32_t elem_type, int rank,
                        const int64_t *dims);
/* Copies input `from`'s shape and elem type to output `to`. */
int bs_ir_copy_shape(bs_ir_graph *g, bs_ir_node *n, int from, int to);
/* Ready-made hooks for op tables: every output gets input 0's shape and
 * elem type / input 0's datatype / the datatype named by the node's
 * "outputDataType" attribute (FINN HW ops). */
int bs_ir_infer_same_shape(bs_ir_graph *g, bs_ir_node *n);
int bs_ir_infer_dt_copy(bs_ir_graph *g, bs_ir_node *n);
int bs_ir_infer_dt_output_attr(bs_ir_graph *g, bs_ir_node *n);
/* Node description for messages: "'name' (op_type, domain)" in a thread-
 * local ring buffer. */
const char *bs_ir_node_desc(const bs_ir_node *n);

#endif
