/* xf_int.h - private helpers shared by the transformation files of
 * lib/transform: constant-tensor access in numpy float32 semantics, node
 * creation shortcuts, and the prototypes of every registered function. */
#ifndef BS_XF_INT_H
#define BS_XF_INT_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "brainsmith/datatype.h"
#include "brainsmith/error.h"
#include "brainsmith/ir.h"
#include "brainsmith/transform.h"

/* A dense float array (row-major) with its shape; values are kept as
 * double but every arithmetic helper rounds to float32 like numpy does on
 * float32 arrays.  Memory from the graph arena. */
typedef struct xf_arr {
    int rank;
    int64_t dims[BS_IR_MAX_RANK];
    int64_t n;
    double *v;
} xf_arr;

/* Frees the scratch memory of every xf_arr (the driver calls it after each
 * pass; arrays must not be kept across a nested bs_xform_apply). */
void xf_scratch_reset(void);
/* Loads the initializer of t (BS_EINVAL when t is not constant). */
int xf_arr_get(bs_ir_graph *g, const bs_ir_tensor *t, xf_arr *a);
/* New array of shape dims (zeroed). */
int xf_arr_new(bs_ir_graph *g, int rank, const int64_t *dims, xf_arr *a);
/* Stores a as t's initializer in float32 (or keeps elem_type when it is an
 * integer type and keep_int). */
int xf_arr_set(bs_ir_graph *g, bs_ir_tensor *t, const xf_arr *a);
/* A new constant tensor holding a (float32). */
bs_ir_tensor *xf_const(bs_ir_graph *g, const char *prefix, const xf_arr *a);
/* numpy broadcasting of a binary op in float32: op '+', '-', '*', '/', 'p' (pow). */
int xf_arr_binop(bs_ir_graph *g, const xf_arr *a, const xf_arr *b, char op, xf_arr *out);
static inline float xf_f32(double v) { return (float)v; }

bool xf_is_scalar(const bs_ir_tensor *t);
/* Constant value of a scalar/size-1 initializer. */
double xf_scalar(const bs_ir_tensor *t);
/* The other input of a binary node (the constant one index, -1 if none). */
int xf_const_input(const bs_ir_node *n);
/* True when no other node reads t (and it is not a graph output). */
bool xf_single_use(const bs_ir_tensor *t);
bool xf_is_fork(const bs_ir_node *n);
bool xf_is_join(const bs_ir_node *n);
/* New empty tensor named after prefix, with shape copied from `like`. */
bs_ir_tensor *xf_tensor_like(bs_ir_graph *g, const char *prefix, const bs_ir_tensor *like);
/* Adds a node with 1-2 inputs and 1 output right before `before`. */
bs_ir_node *xf_node(bs_ir_graph *g, const char *op, const char *domain, bs_ir_tensor *a,
                    bs_ir_tensor *b, bs_ir_tensor *out, bs_ir_node *before);
/* Node input/output datatype shortcuts. */
static inline bs_dt xf_dt(const bs_ir_tensor *t) { return t->dtype; }

/* registered functions (one per FINN/QONNX class) */
#define XF(name) int xf_##name(bs_xform_ctx *x, bool *changed)
/* tidy / general (xf_tidy.c) */
XF(InferShapes); XF(InferDataTypes); XF(FoldConstants); XF(GiveUniqueNodeNames);
XF(GiveReadableTensorNames); XF(RemoveStaticGraphInputs); XF(RemoveUnusedTensors);
XF(RemoveIdentityOps); XF(SortGraph); XF(GiveUniqueParameterTensors); XF(InferDataLayouts);
XF(GemmToMatMul); XF(FoldTransposeIntoQuantInit); XF(ConvertQuantDomains);
/* qonnx -> finn (xf_qonnx.c) */
XF(FoldQuantWeights); XF(ConvertQuantActToMultiThreshold); XF(ExtractBiasFromConv);
XF(AvgPoolAndTruncToQuantAvgPool);
/* streamline (xf_streamline.c) */
XF(ConvertSubToAdd); XF(ConvertDivToMul); XF(BatchNormToAffine); XF(ConvertSignToThres);
XF(MoveMulPastMaxPool); XF(AbsorbSignBiasIntoMultiThreshold); XF(MoveScalarLinearPastInvariants);
XF(MoveAddPastMul); XF(MoveScalarAddPastMatMul); XF(MoveAddPastConv); XF(MoveScalarMulPastMatMul);
XF(MoveScalarMulPastConv); XF(CollapseRepeatedAdd); XF(CollapseRepeatedMul);
XF(AbsorbAddIntoMultiThreshold); XF(FactorOutMulSignMagnitude); XF(AbsorbMulIntoMultiThreshold);
XF(Absorb1BitMulIntoMatMul); XF(Absorb1BitMulIntoConv); XF(RoundAndClipThresholds);
XF(ConvertBipolarMatMulToXnorPopcount); XF(AbsorbScalarMulAddIntoTopK);
XF(AbsorbConsecutiveTransposes); XF(Streamline);
/* convolutions (xf_conv.c) */
XF(LowerConvsToMatMul); XF(MakeMaxPoolNHWC); XF(AbsorbTransposeIntoMultiThreshold); XF(InferPool);
XF(InferConvInpGen); XF(RemoveCNVtoFCFlatten);
/* stream plumbing (xf_fifo.c) */
XF(InsertDWC); XF(InsertFIFO); XF(RemoveShallowFIFOs);
XF(InferVectorVectorActivation); XF(InferAddStreamsLayer); XF(InferDuplicateStreamsLayer); XF(InferChannelwiseLinearLayer); XF(InferGlobalAccPoolLayer);
/* convert to hw, partition, specialize (xf_hw.c) */
XF(InferBinaryMatrixVectorActivation); XF(InferQuantizedMatrixVectorActivation);
XF(InferLabelSelectLayer); XF(InferThresholdingLayer); XF(CreateDataflowPartition);
XF(SpecializeLayers);
/* folding and bit widths (xf_fold.c) */
XF(SetFolding); XF(ApplyConfig); XF(AnnotateCycles); XF(MinimizeWeightBitWidth);
XF(MinimizeAccumulatorWidth);
#undef XF


#endif
