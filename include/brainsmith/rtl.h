/* rtl.h - Verilog generation for FINN's streaming dataflow kernels.
 *
 * One generator per kernel in a table (bs_rtl_gen): MVAU, Thresholding,
 * StreamingFIFO, StreamingDataWidthConverter, LabelSelect, AddStreams,
 * ConvolutionInputGenerator and StreamingMaxPool.  Each turns a node,
 * described by FINN's attribute names at its folding (bs_rtl_node), into a
 * synthesisable Verilog-2001 wrapper module with FINN's AXI-Stream port
 * names (ap_clk, ap_rst_n, in0_V_TDATA/TVALID/TREADY, ..., out_V_*) around
 * a parameterised library module (lib/rtl/hdl/ *.v files, embedded at build time),
 * plus $readmemh init files for weights and thresholds.
 *
 * Stream packing is FINN's: a tensor travels in its folded shape, beat by
 * beat in row-major order of folded_shape[:-1]; within a beat element i of
 * the innermost dimension sits at bits [i*bits +: bits] (two's complement
 * for signed types), TDATA is padded with zeros to a multiple of 8 bits.
 *
 * A design is an ordered chain of nodes (the stitched top level); bs_rtl_
 * design_new inserts DWCs where neighbouring widths differ and FIFOs between
 * layers, as FINN's InsertDWC/InsertFIFO do.  Each kernel also has a C
 * golden model of its semantics (bit-exact with the RTL) and FINN's
 * expected-cycles formula (finn-reference §7).  See docs/rtl.md. */
#ifndef BRAINSMITH_RTL_H
#define BRAINSMITH_RTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bs_strbuf;

/* ---- datatypes (integer QONNX types only) ---- */
typedef struct bs_rtl_dt {
    char name[24];
    int bits;             /* 1..32 */
    bool is_signed;
    bool bipolar;         /* BIPOLAR: 1-bit code, 0 = -1, 1 = +1 */
} bs_rtl_dt;
/* Parses BINARY, BIPOLAR, UINTn, INTn (n = 1..32); BS_EINVAL otherwise. */
int bs_rtl_dt_parse(const char *name, bs_rtl_dt *out);

/* ---- a node: FINN attribute names, only those of the op are read ---- */
typedef struct bs_rtl_node {
    char name[64];            /* FINN node name, e.g. "MVAU_hls_0" ([A-Za-z0-9_]) */
    char op[48];              /* FINN op type, with or without _hls/_rtl */
    int64_t MW, MH, PE, SIMD;
    int64_t NumChannels, numSteps, ActVal, binaryXnorMode, noActivation;
    int64_t numInputVectors;  /* product of FINN's numInputVectors list */
    int64_t Labels, K;
    int64_t depth;            /* StreamingFIFO */
    int64_t inWidth, outWidth;/* StreamingDataWidthConverter (bits) */
    int64_t elems;            /* FIFO/DWC: elements per frame (prod(normal_shape)) */
    int64_t IFMChannels, IFMDim[2], OFMDim[2], ConvKernelDim[2], Stride[2], Dilation[2];
    int64_t depthwise;        /* ConvolutionInputGenerator: 1 = window order (OH, OW, CF, KH, KW, SIMD) */
    /* Pool: Channels -> NumChannels, KernelSize -> PoolDim, OutImgDims -> OFMDim,
     * BatchSize -> numInputVectors, Function -> Func (MaxPool), In/OutputDataType -> in/outputDataType */
    int64_t ImgDim[2], PoolDim[2];   /* StreamingMaxPool; FMPadding; GlobalAccPool: H, W */
    int64_t Padding[4];       /* FMPadding: top, left, bottom, right */
    char Func[16];            /* ChannelwiseOp: cmp_le | cmp_ge | add | mul */
    char paramDataType[24];   /* ChannelwiseOp */
    const int64_t *params;    /* ChannelwiseOp: one parameter per channel */
    char inputDataType[24], weightDataType[24], outputDataType[24], accDataType[24];
    char dataType[24];        /* FIFO, DWC, StreamingMaxPool */
    char mem_mode[32];        /* internal_embedded | internal_decoupled | external */
    char ram_style[16];       /* MVAU weights: auto | block | distributed ("" = auto);
                                 auto = block when SF*NF > 128 words (FINN's rule) */
    const int64_t *weights;   /* MVAU: MW*MH values, W[i*MH + j] (MatMul orientation) */
    const int64_t *thresholds;/* MVAU/Thresholding: channels x numSteps, row-major */
} bs_rtl_node;

/* Fills n from a node loaded by the kernel registry (lib/kernels, with FINN
 * defaults applied): every FINN attribute the generators read, INTS
 * attributes as [H, W] pairs (numInputVectors as its product), FIFO/DWC
 * element counts from normal_shape/shape and folded_shape[-1].  weights and
 * thresholds stay NULL (they are initializers in the graph), and so does an
 * MVAU's numSteps (the threshold tensor's second dimension).
 * BS_EUNSUPPORTED for an op without a generator. */
struct bs_knode;
int bs_rtl_node_from_knode(const struct bs_knode *kn, bs_rtl_node *n);

/* Sets FINN's defaults (PE=SIMD=1, numInputVectors=1, Stride=Dilation=1,
 * accDataType INT32, mem_mode internal_decoupled, depth 2, ...) and the
 * op and name. */
void bs_rtl_node_init(bs_rtl_node *n, const char *op, const char *name);

/* One AXI stream of a node. */
typedef struct bs_rtl_stream {
    char port[24];            /* "in0_V", "in1_V", "weights_V", "out_V" */
    int lanes;                /* folded_shape[-1] */
    bs_rtl_dt dt;             /* element type */
    int width;                /* lanes*bits */
    int width_padded;         /* rounded up to a multiple of 8 (TDATA width) */
    int64_t beats;            /* beats per frame (prod(folded_shape[:-1])) */
} bs_rtl_stream;
#define BS_RTL_MAX_IN 3

/* The generator table. */
typedef struct bs_rtl_gen {
    const char *op;           /* base FINN op type */
    const char *module;       /* library module it instantiates */
    const char *help;
    /* Validates the node's attributes and folding; BS_EINVAL naming the node. */
    int (*check)(const bs_rtl_node *n);
    /* Input streams (in[0] = in0_V, ...) and the output stream. */
    int (*streams)(const bs_rtl_node *n, bs_rtl_stream *in, int *n_in, bs_rtl_stream *out);
    /* Golden model: in[i] holds nframes * (beats*lanes) elements of input i
     * in stream order; out receives nframes * out elements. */
    int (*golden)(const bs_rtl_node *n, const int64_t *const *in, int64_t nframes, int64_t *out);
    /* FINN's get_exp_cycles() (0 where FINN has no model). */
    int64_t (*cycles)(const bs_rtl_node *n);
    /* Appends the wrapper module `mod` to v and writes its init files
     * (<dir>/<mod>_w.memh, <dir>/<mod>_t.memh). */
    int (*emit)(const bs_rtl_node *n, const char *mod, const char *dir, struct bs_strbuf *v);
} bs_rtl_gen;

/* The generator for op (suffix _hls/_rtl ignored), or NULL. */
const bs_rtl_gen *bs_rtl_gen_find(const char *op);
size_t bs_rtl_gen_count(void);
const bs_rtl_gen *bs_rtl_gen_at(size_t i);

/* Convenience wrappers over the table (BS_EUNSUPPORTED for an unknown op). */
int bs_rtl_node_check(const bs_rtl_node *n);
int bs_rtl_node_streams(const bs_rtl_node *n, bs_rtl_stream *in, int *n_in, bs_rtl_stream *out);
int bs_rtl_node_golden(const bs_rtl_node *n, const int64_t *const *in, int64_t nframes, int64_t *out);
int64_t bs_rtl_node_cycles(const bs_rtl_node *n);

/* Kernels: MVAU, Thresholding, StreamingFIFO, StreamingDataWidthConverter,
 * LabelSelect, AddStreams, ConvolutionInputGenerator, StreamingMaxPool,
 * FMPadding, ChannelwiseOp, GlobalAccPool (numInputVectors = batch N,
 * ImgDim = the pooled H, W), Pool (MaxPool over a depthwise SWG's windows). */

/* ---- designs: the stitched top level ---- */
typedef struct bs_rtl_design_opts {
    int64_t fifo_depth;       /* FIFO between consecutive nodes; 0 = none */
    bool insert_dwc;          /* add a DWC where out width != next in width */
} bs_rtl_design_opts;

typedef struct bs_rtl_port {
    char name[96];            /* top-level port prefix, e.g. "in0_V", "MVAU_0_weights_V" */
    int node;                 /* index of the node it belongs to */
    bs_rtl_stream s;
} bs_rtl_port;

typedef struct bs_rtl_design {
    char name[64];            /* top module name */
    bs_rtl_node *nodes;       /* owned copy of the chain incl. inserted FIFOs/DWCs */
    size_t n_nodes;
    bs_rtl_port in[8];        /* top-level inputs: in0_V first, then extra ones */
    int n_in;
    bs_rtl_port out;          /* out_V */
} bs_rtl_design;

/* Copies the chain (weights/thresholds stay borrowed: keep them alive),
 * inserts DWCs and FIFOs per opts, checks every node and every link
 * (element type and width must match).  BS_EINVAL naming the node. */
int bs_rtl_design_new(const char *name, const bs_rtl_node *chain, size_t n,
                      const bs_rtl_design_opts *opts, bs_rtl_design **out);
void bs_rtl_design_free(bs_rtl_design *d);

/* Writes <dir>/bs_rtl_lib.v (the kernel library), <dir>/<name>.v (one
 * wrapper module <name>__<node> per node, marked keep_hierarchy, and the
 * top module <name>) and <dir>/<name>__<node>_{w,t}.memh init files that
 * the Verilog loads relative to the working directory of the tool.
 */
int bs_rtl_emit(const bs_rtl_design *d, const char *dir);
/* Writes only the library file <dir>/bs_rtl_lib.v. */
int bs_rtl_emit_library(const char *dir);

/* Golden model of the whole chain: in[i] feeds d->in[i].  out receives
 * nframes * d->out elements. */
int bs_rtl_design_golden(const bs_rtl_design *d, const int64_t *const *in, int64_t nframes,
                         int64_t *out);
/* Elements per frame of a stream. */
static inline int64_t bs_rtl_stream_elems(const bs_rtl_stream *s) { return s->beats * s->lanes; }
/* Sum of FINN expected cycles and the max over nodes (the throughput bound). */
int64_t bs_rtl_design_max_cycles(const bs_rtl_design *d, int *max_node);

/* ---- cycle-level model and FIFO sizing ---- */
/* A data-free model of the generated RTL's handshakes: every kernel's
 * registers that decide TVALID/TREADY are mirrored exactly, so cycles and
 * FIFO occupancies equal Verilator's for a full-rate source and an
 * always-ready sink (extra inputs - in1_V, weights_V - always valid). */
typedef struct bs_rtl_fifosim {
    int64_t cycles;           /* cycle at which the last output beat arrived */
    int64_t latency;          /* cycle at which frame 0's last output beat arrived */
    int64_t out_beats;
    bool deadlock;            /* nothing moved for a long time before the end */
    int64_t *max_occ;         /* per node: max FIFO occupancy, -1 for non-FIFOs (malloc'd) */
    int64_t *stall_out;       /* per node: cycles with out_valid & ~out_ready (back-pressured) */
    int64_t *starve_in;       /* per node: cycles with in0 ready & ~valid (waiting for input) */
} bs_rtl_fifosim;
int bs_rtl_fifosim_run(const bs_rtl_design *d, int64_t nframes, bs_rtl_fifosim *r);
void bs_rtl_fifosim_free(bs_rtl_fifosim *r);

typedef struct bs_rtl_fifo_sizing {
    int64_t base_cycles;      /* nframes with unbounded FIFOs */
    int64_t final_cycles;     /* with the chosen depths (== base_cycles) */
    int64_t sims;             /* model runs used */
    int64_t bits_maxocc;      /* sum depth*width after step 1 (max occupancy + 1) */
    int64_t bits_final;       /* sum depth*width at the end */
    double seconds;
} bs_rtl_fifo_sizing;
/* Sets the depth of every StreamingFIFO node of d: max occupancy + 1 with
 * unbounded FIFOs over nframes (FINN's rtlsim method), then each FIFO shrunk by binary search to
 * the smallest depth that keeps the total cycles of nframes unchanged (no
 * throughput loss, no deadlock). */
int bs_rtl_size_fifos(bs_rtl_design *d, int64_t nframes, bs_rtl_fifo_sizing *rep);
/* Writes FINN's final_hw_config.json for d: {"Defaults": {}, "<node>": {...}}
 * with the folding attributes of each node, FIFO depth/impl_style/ram_style
 * for StreamingFIFO nodes and inFIFODepths/outFIFODepths from the FIFOs
 * around each node (0 where there is none). */
int bs_rtl_write_hw_config(const bs_rtl_design *d, const char *path);

/* ---- packing ---- */
/* Writes elems (nbeats*s->lanes values) as hex lines, one beat per line,
 * width_padded/4 digits (MSB first). Values are masked to the element bits. */
int bs_rtl_write_beats(const char *path, const bs_rtl_stream *s, const int64_t *elems,
                       int64_t nbeats);
/* Hex text of one word of `lanes` values of `bits` bits (digits = ceil(width/4)). */
void bs_rtl_pack_hex(const int64_t *vals, int lanes, int bits, char *hex, size_t hexlen);

/* The MVAU's weight stream beats for mem_mode=external (SF*NF beats per
 * input vector, repeated numInputVectors*nframes times), lanes PE*SIMD. */
int bs_rtl_mvau_weight_stream(const bs_rtl_node *n, int64_t nframes, int64_t **elems,
                              int64_t *nbeats);

#endif
