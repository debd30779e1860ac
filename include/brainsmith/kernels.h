/* kernels.h - the hardware kernel registry: FINN's fpgadataflow custom ops
 * (MVAU, VVAU, Thresholding, ConvolutionInputGenerator, ...), their node
 * attributes with defaults and validation, folded shapes, stream widths,
 * FINN's cost models (expected cycles, LUT, BRAM18, URAM, DSP, BRAM/URAM
 * efficiency) and the per-node pieces of FINN's SetFolding.
 *
 * The kernels do not know the graph IR.  A node is seen through a small
 * attribute source (bs_kattr_src: callbacks get_int/get_str/get_ints by FINN
 * attribute name, plus optional tensor shapes/datatypes), so the IR can be
 * adapted with a few lines and tests can feed attributes directly.
 *
 * Use:
 *     const bs_kernel *k = bs_kernel_find(node->op_type);   // "MVAU_hls", "StreamingFCLayer_Batch", ...
 *     bs_knode n;
 *     if (bs_knode_load(&n, k, &src, node->name, BS_FINN_AUTO) < 0) ... bs_error_msg()
 *     bs_kcost c;
 *     if (bs_knode_estimate(&n, "xc7z020clg400-1", &c) < 0) ...   // refuses illegal folding
 *
 * The numbers reproduce FINN dev of late 2025 (commit 54ede869, the version
 * that made shared/data/finn_oracle) by default; other FINN generations are
 * selected with bs_finn_version.  Python-visible quirks are reproduced:
 * int() truncation, values that FINN reports as floats (bs_kcost.pyfloat),
 * Thresholding_rtl's BRAM key bug.  See docs/kernels.md. */
#ifndef BRAINSMITH_KERNELS_H
#define BRAINSMITH_KERNELS_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- versions of FINN's cost models ---- */
typedef enum bs_finn_version {
    BS_FINN_AUTO = 0,     /* legacy op names -> V06, everything else -> DEV2025 */
    BS_FINN_DEV2025,      /* FINN dev 54ede869 (2025-10): the shared oracle */
    BS_FINN_MAIN,         /* FINN main v0.10.1 (39f0c9a): no StreamingFIFO bug */
    BS_FINN_V06,          /* FINN v0.6 (2021): StreamingFCLayer_Batch era */
    BS_FINN_V05,          /* FINN v0.5b: as v0.6, but mem_mode external still counts BRAM */
} bs_finn_version;
const char *bs_finn_version_name(bs_finn_version v);
/* Parses "dev2025", "main", "v0.6", "v0.5" (and "auto"); BS_EINVAL otherwise. */
int bs_finn_version_parse(const char *s, bs_finn_version *out);

/* ---- QONNX datatypes as the kernels need them ----
 * A flat view filled from lib/ir's datatype.h (bs_dt_parse), the project's
 * one QONNX datatype parser. */
typedef struct bs_kdt {
    char name[24];        /* canonical QONNX name: "INT2", "BIPOLAR", "FIXED<8,4>" */
    int bits;             /* bitwidth() */
    bool is_signed;       /* signed() */
    bool is_integer;      /* is_integer() */
    double min, max;      /* min(), max() (FIXED: scaled) */
} bs_kdt;
/* Parses a QONNX datatype name (BINARY, BIPOLAR, TERNARY, UINTn, INTn,
 * FIXED<w,i>, FLOAT32, FLOAT16, SCALEDINT<n>); BS_EINVAL naming it otherwise. */
int bs_kdt_parse(const char *name, bs_kdt *out);
/* QONNX get_smallest_possible(value): BINARY, UINT1..64, BIPOLAR, TERNARY,
 * INT1..64 in that order; FLOAT32 for non-integral values. */
void bs_kdt_smallest(double value, bs_kdt *out);

/* ---- the attribute source: how a kernel reads a node ---- */
#define BS_KATTR_JSON_MAX 16
typedef struct bs_kattr_src {
    void *ud;
    /* Each returns 0 and sets *out, or BS_ENOTFOUND when the node does not
     * carry the attribute (the kernel then uses FINN's default); any other
     * negative code is passed through.  Strings/arrays must stay valid for
     * the duration of bs_knode_load only. */
    int (*get_int)(void *ud, const char *name, int64_t *out);
    int (*get_str)(void *ud, const char *name, const char **out);
    int (*get_ints)(void *ud, const char *name, const int64_t **vals, size_t *n);
    /* Optional (NULL = not available). */
    int (*get_strs)(void *ud, const char *name, const char *const **vals, size_t *n);
    /* Optional: shape / QONNX datatype name of input (is_output=0) or output
     * tensor idx; used to cross-check attributes against the graph. */
    int (*get_shape)(void *ud, int is_output, int idx, const int64_t **dims, size_t *n);
    int (*get_dtype)(void *ud, int is_output, int idx, const char **name);
} bs_kattr_src;

/* A ready-made source over a JSON object {"PE": 16, "inputDataType": "INT2",
 * "numInputVectors": [1], ...} (the CLI and the tests use it; numbers must be
 * integral).  st holds scratch space and must outlive the load call. */
typedef struct bs_kattr_json {
    const cJSON *obj;
    int64_t ints[BS_KATTR_JSON_MAX];
    const char *strs[4];
} bs_kattr_json;
void bs_kattr_src_json(bs_kattr_src *src, bs_kattr_json *st, const cJSON *obj);

/* ---- the registry ---- */
typedef enum { BS_KA_INT, BS_KA_STR, BS_KA_INTS, BS_KA_STRS, BS_KA_DTYPE } bs_kattr_type;

typedef struct bs_kattr_def {
    const char *name;       /* FINN attribute name */
    bs_kattr_type type;
    bool required;
    int64_t def_i;          /* default for INT */
    const char *def_s;      /* default for STR/DTYPE ("" = empty) */
    const int64_t *def_v;   /* default for INTS (def_n values) */
    int def_n;
    const char *allowed;    /* "|a|b|c|" allowed strings, or "|0|1|" ints; NULL = any */
    const char *help;
} bs_kattr_def;

typedef enum { BS_KFOLD_NONE, BS_KFOLD_MVAU, BS_KFOLD_PE, BS_KFOLD_LABELSELECT,
               BS_KFOLD_DEPTHWISE, BS_KFOLD_SIMD } bs_kfold_kind;

typedef struct bs_kops bs_kops;   /* private cost-model vtable */

typedef struct bs_kernel {
    const char *op_type;      /* "MVAU_hls" */
    const char *base;         /* "MVAU" */
    const char *backend;      /* "", "hls" or "rtl" */
    const char *help;
    const bs_kattr_def *attrs;   /* base attributes, then backend extras */
    int n_attrs;
    const bs_kattr_def *extra;   /* backend attributes (an extra with a base */
    int n_extra;                 /* name overrides that base default) */
    const bs_kops *ops;
    bs_kfold_kind fold;       /* SetFolding group in FINN dev 2025 */
    const char *legacy_of;    /* for legacy names: the current op type, else NULL */
} bs_kernel;

/* Finds a kernel by FINN op type: current names ("MVAU", "MVAU_hls",
 * "Thresholding_rtl", ...) and legacy names ("StreamingFCLayer_Batch",
 * "MatrixVectorActivation", "Thresholding_Batch", ...).  NULL if unknown. */
const bs_kernel *bs_kernel_find(const char *op_type);
size_t bs_kernel_count(void);
const bs_kernel *bs_kernel_at(size_t i);
/* The definition of attribute `name` of k, or NULL. */
const bs_kattr_def *bs_kernel_attr(const bs_kernel *k, const char *name);

/* ---- a loaded node ---- */
#define BS_KNODE_MAX_ATTRS 24
#define BS_KINTS_MAX 8
#define BS_KSTR_MAX 40
typedef struct bs_kval {
    bool set;                 /* present on the node (else default) */
    int64_t i;
    int n;                    /* INTS/STRS: element count */
    int64_t v[BS_KINTS_MAX];
    char s[BS_KSTR_MAX];      /* STR / DTYPE name; STRS: first element */
    char s2[BS_KSTR_MAX];     /* STRS: second element */
    bs_kdt dt;                /* DTYPE (and STRS of datatypes: element 0) */
    bs_kdt dt2;               /* STRS of datatypes: element 1 */
} bs_kval;

typedef struct bs_knode {
    const bs_kernel *k;
    bs_finn_version ver;      /* resolved (never AUTO) */
    char name[64];            /* node name, for messages */
    const bs_kattr_def *def[BS_KNODE_MAX_ATTRS];
    bs_kval a[BS_KNODE_MAX_ATTRS];
} bs_knode;

/* Reads every attribute of k from src, applying FINN's defaults, checking
 * types, allowed values, required attributes and datatype names.  Legacy
 * values (mem_mode const/decoupled) are mapped to the current ones.
 * Errors: BS_EINVAL "<node>: <op>: attribute X: ..." naming what is wrong.
 * Folding legality is NOT checked here (see bs_knode_check). */
int bs_knode_load(bs_knode *n, const bs_kernel *k, const bs_kattr_src *src,
                  const char *node_name, bs_finn_version ver);
/* Typed access to a loaded attribute; BS_ENOTFOUND if the kernel has no
 * such attribute, BS_EINVAL on a type mismatch or a value not allowed. */
int bs_knode_get_int(const bs_knode *n, const char *attr, int64_t *out);
const char *bs_knode_get_str(const bs_knode *n, const char *attr);   /* NULL if none */
int bs_knode_set_int(bs_knode *n, const char *attr, int64_t v);
int bs_knode_set_str(bs_knode *n, const char *attr, const char *v);

/* Folding legality: 0 when the node's parallelism is legal for FINN, else
 * BS_EINVAL with the detail "<node>: PE=5 does not divide MH=64 (rule MH % PE
 * == 0); nearest legal PE: 4 or 8".  The first broken rule is reported. */
int bs_knode_check(const bs_knode *n);

/* Shapes (FINN get_{normal,folded}_{input,output}_shape).  dims has room for
 * BS_KINTS_MAX+2 values.  BS_EINVAL for an index the op does not have. */
int bs_knode_normal_shape(const bs_knode *n, int is_output, int idx, int64_t *dims, size_t *nd);
int bs_knode_folded_shape(const bs_knode *n, int is_output, int idx, int64_t *dims, size_t *nd);
/* Stream widths in bits (unpadded, as estimates and DWC insertion use them);
 * _padded rounds up to a multiple of 8 (0 stays 0). */
int bs_knode_stream_width(const bs_knode *n, int is_output, int idx, int64_t *bits);
int bs_knode_stream_width_padded(const bs_knode *n, int is_output, int idx, int64_t *bits);
/* Output datatype as FINN derives it (attribute or computed, e.g. AddStreams). */
int bs_knode_output_dtype(const bs_knode *n, int idx, bs_kdt *out);

/* ---- cost models ---- */
enum { BS_KC_BRAM = 1u, BS_KC_BRAM_EFF = 2u, BS_KC_LUT = 4u, BS_KC_URAM = 8u,
       BS_KC_URAM_EFF = 16u, BS_KC_DSP = 32u };
typedef struct bs_kcost {
    int64_t cycles;           /* int(get_exp_cycles()) */
    double bram18, bram_eff, lut, uram, uram_eff, dsp;
    unsigned pyfloat;         /* BS_KC_* bits: FINN reports this value as a
                                 Python float (e.g. Thresholding_rtl LUT 1216.0);
                                 clear = an int.  Efficiencies of 0-resources
                                 are the int 1 as in FINN. */
} bs_kcost;

/* FINN's expected cycles (int(get_exp_cycles())). Refuses illegal folding. */
int bs_knode_cycles(const bs_knode *n, int64_t *cycles);
/* FINN's node_res_estimation(fpgapart) plus cycles.  fpgapart selects the DSP
 * block (DSP58 on Versal, DSP48E1 on 7-series, else DSP48E2); NULL = 7-series.
 * Refuses illegal folding. */
int bs_knode_estimate(const bs_knode *n, const char *fpgapart, bs_kcost *out);
/* estimate_layer_config_alternatives: MVAU and VVAU ops -> resType dsp, lut;
 * ConvolutionInputGenerator ops -> ram_style block, distributed, ultra; others
 * -> one entry.  labels[i] names the alternative ("" for the single one). */
int bs_knode_alternatives(const bs_knode *n, const char *fpgapart, bs_kcost out[3],
                          const char *labels[3], int *count);
/* get_op_and_param_counts() for op_and_param_counts.json: MVAU/VVAU give
 * op_mac_<min>bx<max>b, param_weight_<W>b and (with activation)
 * param_threshold_<acc bits>b; Thresholding_hls param_threshold_<Wt>b =
 * NumChannels*numSteps; every other op an empty dict (*count = 0). */
typedef struct bs_kcount { char key[40]; int64_t value; } bs_kcount;
int bs_knode_op_param_counts(const bs_knode *n, bs_kcount out[4], int *count);

/* FINN SpecializeLayers' backend choice for an abstract node n (loaded with
 * the abstract kernel, e.g. "MVAU"): preferred is the node's
 * preferred_impl_style ("", "hls", "rtl"); weights_min is the smallest weight
 * value (NAN when the weights are dynamic / unknown: then wdt.min() is
 * assumed, i.e. not narrow) for the DSP48E1 narrow-weight rule of MVAU_rtl.
 * *out = the specialised kernel; *fallback = FINN would warn that the
 * preference could not be met.  Variants follow n->ver (dev 2025 has no HLS
 * SWG/FMPadding/StreamingMaxPool).  BS_EINVAL for a bad preference or an op
 * without variants. */
int bs_kernel_specialize(const bs_knode *n, const char *preferred, const char *fpgapart,
                         double weights_min, const bs_kernel **out, bool *fallback);

/* Which DSP block FINN assumes for a part: "DSP58", "DSP48E1" or "DSP48E2". */
const char *bs_kernel_dsp_block(const char *fpgapart);
bool bs_part_is_versal(const char *fpgapart);

/* ---- SetFolding, per node (finn-reference §8) ----
 * FINN's SetFolding(target_cycles_per_frame, mvau_wwidth_max,
 * two_pass_relaxation) is a graph pass.  The intended driver (lib/transform):
 *
 *   target = bs_fold_target_cycles(clk_ns, target_fps);
 *   pass(target):
 *     for each node in graph order whose domain is ...fpgadataflow.hls/.rtl:
 *       k = bs_kernel_find(op); if (!k || k->fold == BS_KFOLD_NONE) warn and skip
 *       bs_knode_load(&n, ...); bs_fold_node(&n, target, wwidth_max, &r);
 *       write r.attrs back into the node (PE / SIMD / parallel_window);
 *       if (r.set_producer_simd > 0): the producer must be a
 *           ConvolutionInputGenerator* -> set its SIMD (and parallel_window
 *           if r.producer_parallel_window >= 0 and it is _rtl); if there is no
 *           SWG producer and !r.producer_optional -> error as FINN raises.
 *   then GiveUniqueNodeNames, cycles of every node, max_cycles (first on ties);
 *   if two_pass and max_cycles > target: pass(max_cycles) once more, no relaxation.
 */
/* int((1e9/clk)/fps); -1 when clk or fps is not positive. */
int64_t bs_fold_target_cycles(double clk_ns, double target_fps);
/* Divisors of n in ascending order; returns how many (<= cap written). */
size_t bs_fold_divisors(int64_t n, int64_t *out, size_t cap);
/* Nearest legal values of a parallelism p for a dimension `total` (legal =
 * divisors of total): *lo = largest divisor <= p, *hi = smallest >= p
 * (0 if none). */
void bs_fold_nearest(int64_t total, int64_t p, int64_t *lo, int64_t *hi);
/* The parallelism attributes of a node and the dimension each must divide
 * (its candidate values are bs_fold_divisors(dim)): MVAU PE|MH, SIMD|MW;
 * VVAU PE|Channels, SIMD|kh*kw; Thresholding/ChannelwiseOp/AddStreams/
 * DuplicateStreams/GlobalAccPool/StreamingEltwise PE|NumChannels; Pool
 * PE|Channels; LabelSelect PE|Labels; SWG SIMD|IFMChannels; FMPadding
 * SIMD|NumChannels; 1D StreamingMaxPool PE|NumChannels.  Returns the count. */
typedef struct bs_fold_param { const char *attr, *dim_name; int64_t dim, value; } bs_fold_param;
int bs_fold_params(const bs_knode *n, bs_fold_param out[2]);
/* The weight-stream-width cap SetFolding applies to one MVAU PE:
 * weightDataType bits * SIMD must stay <= mvau_wwidth_max. */
bool bs_fold_mvau_width_ok(const bs_knode *n, int64_t simd, int64_t mvau_wwidth_max);

typedef struct bs_fold_result {
    int n_attrs;                       /* attributes to write back */
    const char *attr[3];               /* "PE", "SIMD", "parallel_window" */
    int64_t val[3];
    int64_t cycles;                    /* the node's cycles after folding */
    int64_t set_producer_simd;         /* >0: producer SWG gets SIMD = this */
    int producer_parallel_window;      /* -1 untouched, else 0/1 for an _rtl SWG */
    bool producer_optional;            /* a 1x1 kernel may lack the SWG */
    bool skipped;                      /* e.g. depthwise SWG: its consumer sets it */
} bs_fold_result;
/* Runs SetFolding's per-node step on n (mutating its PE/SIMD/parallel_window
 * as FINN does) and reports what to write back.  BS_EUNSUPPORTED when the
 * kernel has no SetFolding rule (FINN warns and skips). */
int bs_fold_node(bs_knode *n, int64_t target_cycles, int64_t mvau_wwidth_max,
                 bs_fold_result *r);

#endif
