/* xform.c - the transformation registry (static table: FINN class name,
 * function, fixpoint flag, group, help), the driver mirroring FINN's
 * model.transform() (repeat to a fixpoint, then RemoveUnusedTensors,
 * RemoveStaticGraphInputs and SortGraph), "transform" events, and the
 * numeric helpers the transformation files share. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brainsmith/events.h"
#include "brainsmith/log.h"
#include "brainsmith/util.h"
#include "xf_int.h"

#define T(n, fix, grp, help) {#n, xf_##n, fix, grp, help}
static const bs_xform_def table[] = {
    T(InferShapes, false, "tidy", "ONNX shape inference incl. FINN/QONNX custom ops"),
    T(InferDataTypes, false, "tidy", "QONNX datatype inference (finn_datatype annotations)"),
    T(FoldConstants, true, "tidy", "evaluate nodes whose inputs are all constant (not Quant/BipolarQuant)"),
    T(GiveUniqueNodeNames, false, "tidy", "rename nodes <op_type>_<k>, k per op type in graph order"),
    T(GiveReadableTensorNames, false, "tidy", "<node>_out<i>, <node>_param<j>, global_in/global_out"),
    T(RemoveStaticGraphInputs, false, "tidy", "drop graph inputs that have initializers"),
    T(RemoveUnusedTensors, false, "tidy", "drop tensors nothing references"),
    T(RemoveIdentityOps, true, "tidy", "remove Add/Sub 0, Mul/Div 1, Identity, 1-to-1 Reshape/Flatten"),
    T(SortGraph, false, "tidy", "topological sort of the node list"),
    T(GiveUniqueParameterTensors, false, "tidy", "duplicate initializers shared by several nodes"),
    T(InferDataLayouts, false, "tidy", "tensor_layout annotations (NC, NHWC, ...)"),
    T(GemmToMatMul, true, "qonnx", "Gemm -> [Transpose] MatMul [Mul alpha] [Add C]"),
    T(FoldTransposeIntoQuantInit, true, "qonnx", "Transpose after a constant Quant -> transposed Quant inputs"),
    T(ConvertQuantDomains, false, "qonnx", "Quant/BipolarQuant/Trunc domain -> qonnx.custom_op.general"),
    T(FoldQuantWeights, true, "qonnx", "constant Quant/BipolarQuant -> integer initializer (+ Mul scale)"),
    T(ConvertQuantActToMultiThreshold, true, "qonnx", "activation Quant/BipolarQuant -> MultiThreshold [+ Add bias] [+ Mul scale]"),
    T(ExtractBiasFromConv, true, "qonnx", "Conv bias -> separate Add"),
    T(AvgPoolAndTruncToQuantAvgPool, true, "qonnx", "AveragePool-Mul-Trunc -> QuantAvgPool2d"),
    T(ConvertSubToAdd, true, "streamline", "Sub(x, A) -> Add(x, -A)"),
    T(ConvertDivToMul, true, "streamline", "Div(x, A) -> Mul(x, 1/A)"),
    T(BatchNormToAffine, true, "streamline", "BatchNormalization -> Mul + Add"),
    T(ConvertSignToThres, true, "streamline", "Sign -> bipolar MultiThreshold"),
    T(MoveMulPastMaxPool, true, "streamline", "Mul(A>=0) -> MaxPool => MaxPool -> Mul"),
    T(AbsorbSignBiasIntoMultiThreshold, true, "streamline", "MultiThreshold -> Add(scalar) => out_bias"),
    T(MoveScalarLinearPastInvariants, true, "streamline", "scalar Mul/Add/Div past Reshape/Transpose/Flatten/GAP"),
    T(MoveAddPastMul, true, "streamline", "(x + B) * A -> x * A + B * A"),
    T(MoveScalarAddPastMatMul, true, "streamline", "(x + a) W -> x W + a 1 W"),
    T(MoveAddPastConv, true, "streamline", "Add -> Conv (no padding) => Conv -> Add"),
    T(MoveScalarMulPastMatMul, true, "streamline", "(x a) W -> (x W) a"),
    T(MoveScalarMulPastConv, true, "streamline", "(x a) * K -> (x * K) a"),
    T(CollapseRepeatedAdd, true, "streamline", "Add(A) -> Add(B) => Add(A+B)"),
    T(CollapseRepeatedMul, true, "streamline", "Mul(A) -> Mul(B) => Mul(A*B)"),
    T(AbsorbAddIntoMultiThreshold, true, "streamline", "Add(A) -> MultiThreshold => T - A"),
    T(FactorOutMulSignMagnitude, true, "streamline", "Mul(A<0) -> Mul(sign A) Mul(|A|)"),
    T(AbsorbMulIntoMultiThreshold, true, "streamline", "Mul(A>0) -> MultiThreshold => T / A"),
    T(Absorb1BitMulIntoMatMul, true, "streamline", "MatMul -> Mul(1-bit A) => W * A"),
    T(Absorb1BitMulIntoConv, true, "streamline", "Conv -> Mul(1-bit A) => W * A"),
    T(RoundAndClipThresholds, true, "streamline", "ceil + clip thresholds of integer-input MultiThreshold/Thresholding"),
    T(ConvertBipolarMatMulToXnorPopcount, true, "streamline", "bipolar MatMul -> XnorPopcountMatMul + Mul(2) + Add(-K)"),
    T(AbsorbScalarMulAddIntoTopK, true, "streamline", "drop scalar Mul/Add in front of TopK"),
    T(AbsorbConsecutiveTransposes, true, "streamline", "remove Transpose pairs composing to identity"),
    T(LowerConvsToMatMul, true, "streamline", "Conv -> Transpose, Im2Col, MatMul, Transpose (NHWC)"),
    T(MakeMaxPoolNHWC, true, "streamline", "MaxPool next to an NHWC Transpose -> MaxPoolNHWC"),
    T(AbsorbTransposeIntoMultiThreshold, true, "streamline", "Transpose(NHWC->NCHW) -> MultiThreshold => NHWC MultiThreshold"),
    T(InferPool, true, "hw", "MaxPool(NHWC) -> Im2Col(depthwise) + Pool"),
    T(InferConvInpGen, true, "hw", "Im2Col -> [FMPadding] + ConvolutionInputGenerator"),
    T(RemoveCNVtoFCFlatten, true, "hw", "drop flatten (and NHWC transpose, permuting MVAU weights) between HW nodes"),
    T(InferVectorVectorActivation, true, "hw", "depthwise-sparse MatMul [+ MultiThreshold] -> VVAU (PE = Channels)"),
    T(InferAddStreamsLayer, true, "hw", "Add of two integer streams -> AddStreams"),
    T(InferDuplicateStreamsLayer, true, "hw", "integer tensor with >= 2 consumers -> DuplicateStreams"),
    T(InferChannelwiseLinearLayer, true, "hw", "Add/Mul by integral per-channel constants -> ChannelwiseOp"),
    T(InferGlobalAccPoolLayer, true, "hw", "GlobalAveragePool -> GlobalAccPool + Mul(1/(H*W))"),
    T(InsertDWC, false, "hw", "StreamingDataWidthConverter where folded stream widths differ"),
    T(InsertFIFO, true, "hw", "StreamingFIFO on HW edges (depth from in/outFIFODepths) and at graph I/O"),
    T(RemoveShallowFIFOs, true, "hw", "remove FIFOs of depth <= 0 (FINN dev threshold)"),
    T(Streamline, false, "streamline", "FINN dev-2025 Streamline(): 22 transformations, each with tidy-up"),
    T(InferBinaryMatrixVectorActivation, true, "hw", "XnorPopcountMatMul [+ MultiThreshold] -> MVAU (binaryXnorMode)"),
    T(InferQuantizedMatrixVectorActivation, true, "hw", "integer MatMul [+ MultiThreshold] -> MVAU"),
    T(InferLabelSelectLayer, true, "hw", "TopK -> LabelSelect"),
    T(InferThresholdingLayer, true, "hw", "MultiThreshold -> Thresholding"),
    T(CreateDataflowPartition, false, "hw", "HW nodes -> StreamingDataflowPartition (child model)"),
    T(SpecializeLayers, false, "hw", "HW nodes -> <op>_hls / <op>_rtl (FINN rules)"),
    T(SetFolding, false, "fold", "PE/SIMD for a target cycles per frame (finn-reference §8)"),
    T(ApplyConfig, false, "fold", "set node attributes from a folding/specialize JSON"),
    T(AnnotateCycles, false, "fold", "cycles_estimate attribute on every HW node"),
    T(MinimizeWeightBitWidth, false, "minimize", "weightDataType from the weight values"),
    T(MinimizeAccumulatorWidth, false, "minimize", "accDataType from weights, input type and thresholds"),
};
#undef T
#define NT ((int)(sizeof table / sizeof table[0]))

const bs_xform_def *bs_xform_find(const char *name)
{
    for (int i = 0; i < NT; i++)
        if (!strcmp(table[i].name, name)) return &table[i];
    return NULL;
}
int bs_xform_count(void) { return NT; }
const bs_xform_def *bs_xform_at(int i) { return i >= 0 && i < NT ? &table[i] : NULL; }

void bs_xform_warn(bs_xform_ctx *x, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (x->warn) x->warn(x->warn_ud, msg);
    else BS_WARN("%s", msg);
}

/* QONNX SortGraph: toposort_flatten of the node dependency graph, i.e.
 * level by level (every node whose predecessors are all placed), each level
 * in ascending original index.  Constant-input nodes thus move to the top. */
int bs_xform_sort_graph(bs_ir_graph *g)
{
    int n = g->nnodes;
    if (n <= 1) return 0;
    int *idx = malloc(sizeof(int) * (size_t)n), *level = malloc(sizeof(int) * (size_t)n);
    bs_ir_node **order = malloc(sizeof *order * (size_t)n);
    if (!idx || !level || !order) { free(idx); free(level); free(order); return bs_error_set(BS_ENOMEM, "SortGraph"); }
    for (int i = 0; i < n; i++) { g->nodes[i]->user = &idx[i]; idx[i] = i; level[i] = -1; }
    int placed = 0, lv = 0;
    while (placed < n) {
        int before = placed;
        for (int i = 0; i < n; i++) {
            if (level[i] >= 0) continue;
            bs_ir_node *nd = g->nodes[i];
            bool ready = true;
            for (int k = 0; k < nd->ninputs && ready; k++) {
                bs_ir_tensor *t = nd->inputs[k];
                if (!t || !t->producer || !t->producer->user) continue;
                int p = *(int *)t->producer->user;
                if (p == i) continue;
                if (level[p] < 0 || level[p] == lv) ready = false;
            }
            if (ready) { level[i] = lv; order[placed++] = nd; }
        }
        if (placed == before) {
            for (int i = 0; i < n; i++) g->nodes[i]->user = NULL;
            free(idx); free(level); free(order);
            return bs_ir_toposort(g);  /* a cycle: let the IR report it */
        }
        lv++;
    }
    for (int i = 0; i < n; i++) order[i]->user = NULL;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) rc = bs_ir_node_move(g, order[i], NULL);
    free(idx); free(level); free(order);
    return rc;
}

static int cleanup(bs_xform_ctx *x)
{
    bool ch;
    bs_ir_remove_unused_tensors(x->g);
    xf_RemoveStaticGraphInputs(x, &ch);
    return bs_xform_sort_graph(x->g);
}

int bs_xform_apply(bs_xform_ctx *x, const char *name, bool *changed)
{
    const bs_xform_def *d = bs_xform_find(name);
    if (!d) return bs_error_set(BS_ENOTFOUND, "unknown transformation '%s' (see `brainsmith transforms`)", name);
    int64_t t0 = bs_now_mono_ns();
    bool any = false;
    int passes = 0;
    for (;;) {
        bool ch = false;
        int rc = d->fn(x, &ch);
        xf_scratch_reset();
        passes++;
        if (rc < 0) return bs_error_wrap(rc, "%s", name);
        any |= ch;
        if (!ch || !d->fixpoint) break;
        if (passes > 100000) return bs_error_set(BS_EINTERNAL, "%s: no fixpoint after %d passes", name, passes);
    }
    int rc = cleanup(x);
    if (rc < 0) return bs_error_wrap(rc, "%s: cleanup", name);
    x->napplied++;
    if (changed) *changed = any;
    if (x->bus && any) {
        char payload[256];
        snprintf(payload, sizeof payload, "{\"transform\": \"%s\", \"passes\": %d, \"changed\": %s, \"ms\": %.3f}",
                 name, passes, any ? "true" : "false", (double)(bs_now_mono_ns() - t0) / 1e6);
        bs_bus_emit(x->bus, "transform", x->build_id, 0, payload);
    }
    return 0;
}

int bs_xform_apply_list(bs_xform_ctx *x, const char *const *names)
{
    for (int i = 0; names[i]; i++) {
        int rc = bs_xform_apply(x, names[i], NULL);
        if (rc < 0) return rc;
    }
    return 0;
}

/* ---- numeric helpers ----------------------------------------------------- */

/* xf_arr values live in a per-thread scratch arena that the driver frees
 * after every pass of a transformation: they are temporaries (results are
 * copied into initializers by xf_arr_set), and large models would otherwise
 * pile up copies of their weights in the graph arena. */
static _Thread_local bs_arena scratch;

void xf_scratch_reset(void) { bs_arena_free(&scratch); }

static void *scratch_alloc(size_t n)
{
    if (!scratch.block_size) bs_arena_init(&scratch, 1 << 20);
    return bs_arena_alloc(&scratch, n);
}

int xf_arr_get(bs_ir_graph *g, const bs_ir_tensor *t, xf_arr *a)
{
    const bs_ir_data *d = t ? (t->init ? t->init : t->known) : NULL;
    if (!d) return bs_error_set(BS_EINVAL, "tensor %s is not constant", t ? t->name : "?");
    memset(a, 0, sizeof *a);
    a->rank = d->rank;
    for (int i = 0; i < d->rank && i < BS_IR_MAX_RANK; i++) a->dims[i] = d->dims[i];
    a->n = d->numel;
    a->v = scratch_alloc(sizeof(double) * (size_t)(a->n ? a->n : 1));
    if (!a->v) return bs_error_set(BS_ENOMEM, "tensor values");
    if (d->elem_type == BS_ELEM_FLOAT) {
        const float *f = d->data;
        for (int64_t i = 0; i < a->n; i++) a->v[i] = f[i];
    } else {
        for (int64_t i = 0; i < a->n; i++) a->v[i] = bs_ir_data_get(d, i);
    }
    return 0;
}

int xf_arr_new(bs_ir_graph *g, int rank, const int64_t *dims, xf_arr *a)
{
    memset(a, 0, sizeof *a);
    a->rank = rank;
    a->n = 1;
    for (int i = 0; i < rank; i++) { a->dims[i] = dims[i]; a->n *= dims[i]; }
    a->v = scratch_alloc(sizeof(double) * (size_t)(a->n ? a->n : 1));
    if (!a->v) return bs_error_set(BS_ENOMEM, "tensor values");
    memset(a->v, 0, sizeof(double) * (size_t)(a->n ? a->n : 1));
    return 0;
}

int xf_arr_set(bs_ir_graph *g, bs_ir_tensor *t, const xf_arr *a)
{
    float *f = malloc(sizeof(float) * (size_t)(a->n ? a->n : 1));
    if (!f) return bs_error_set(BS_ENOMEM, "initializer");
    for (int64_t i = 0; i < a->n; i++) f[i] = (float)a->v[i];
    int rc = bs_ir_tensor_set_init_f32(g, t, a->rank, a->dims, f);
    free(f);
    return rc;
}

bs_ir_tensor *xf_const(bs_ir_graph *g, const char *prefix, const xf_arr *a)
{
    bs_ir_tensor *t = bs_ir_tensor_new(g, prefix);
    if (!t || xf_arr_set(g, t, a) < 0) return NULL;
    return t;
}

static float binop1(float a, float b, char op)
{
    switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    case 'p': return powf(a, b);
    }
    return 0;
}

int xf_arr_binop(bs_ir_graph *g, const xf_arr *a, const xf_arr *b, char op, xf_arr *out)
{
    int r = a->rank > b->rank ? a->rank : b->rank;
    int64_t da[BS_IR_MAX_RANK], db[BS_IR_MAX_RANK], dout[BS_IR_MAX_RANK];
    for (int i = 0; i < r; i++) {
        int ia = i - (r - a->rank), ib = i - (r - b->rank);
        da[i] = ia >= 0 ? a->dims[ia] : 1;
        db[i] = ib >= 0 ? b->dims[ib] : 1;
        if (da[i] != db[i] && da[i] != 1 && db[i] != 1)
            return bs_error_set(BS_EINVAL, "shapes do not broadcast (axis %d: %lld vs %lld)", i,
                                (long long)da[i], (long long)db[i]);
        dout[i] = da[i] > db[i] ? da[i] : db[i];
        if (da[i] == 0 || db[i] == 0) dout[i] = 0;
    }
    int rc = xf_arr_new(g, r, dout, out);
    if (rc < 0) return rc;
    int64_t idx[BS_IR_MAX_RANK] = {0};
    for (int64_t k = 0; k < out->n; k++) {
        int64_t oa = 0, ob = 0;
        for (int i = 0; i < r; i++) {
            oa = oa * da[i] + (da[i] == 1 ? 0 : idx[i]);
            ob = ob * db[i] + (db[i] == 1 ? 0 : idx[i]);
        }
        out->v[k] = binop1((float)a->v[oa], (float)b->v[ob], op);
        for (int i = r - 1; i >= 0; i--) {
            if (++idx[i] < dout[i]) break;
            idx[i] = 0;
        }
    }
    return 0;
}

bool xf_is_scalar(const bs_ir_tensor *t)
{
    const bs_ir_data *d = t ? t->init : NULL;
    return d && d->numel == 1;
}

double xf_scalar(const bs_ir_tensor *t) { return bs_ir_data_get(t->init, 0); }

int xf_const_input(const bs_ir_node *n)
{
    for (int i = 0; i < n->ninputs; i++)
        if (n->inputs[i] && n->inputs[i]->init) return i;
    return -1;
}

bool xf_single_use(const bs_ir_tensor *t) { return t->nconsumers == 1 && !t->is_output; }

bool xf_is_fork(const bs_ir_node *n)
{
    int c = 0;
    for (int i = 0; i < n->noutputs; i++) c += n->outputs[i]->nconsumers;
    return c > 1;
}

bool xf_is_join(const bs_ir_node *n)
{
    int c = 0;
    for (int i = 0; i < n->ninputs; i++)
        if (n->inputs[i] && n->inputs[i]->producer) c++;
    return c > 1;
}

bs_ir_tensor *xf_tensor_like(bs_ir_graph *g, const char *prefix, const bs_ir_tensor *like)
{
    bs_ir_tensor *t = bs_ir_tensor_new(g, prefix);
    if (t && like && like->rank >= 0) {
        bs_ir_tensor_set_shape(g, t, like->rank, like->dims);
        t->elem_type = like->elem_type;
    }
    return t;
}

bs_ir_node *xf_node(bs_ir_graph *g, const char *op, const char *domain, bs_ir_tensor *a,
                    bs_ir_tensor *b, bs_ir_tensor *out, bs_ir_node *before)
{
    bs_ir_tensor *ins[2] = {a, b};
    return bs_ir_node_add(g, op, domain ? domain : "", "", ins, b ? 2 : 1, &out, 1, before);
}

bool bs_xform_is_hw(const void *node)
{
    const bs_ir_node *n = node;
    return n && bs_ir_domain_is_fpgadataflow(n->domain);
}
