/* test_transform.c - every transformation the FINN flow applies is checked
 * by executing the model with the reference executor before and after it
 * on the same inputs (the outputs must be equal: exactly for integer
 * outputs, within float32 rounding for float ones), on the shared models
 * (SKIP without $BS_SHARED_DATA) and on a small synthetic model built here.
 * Also: registry contents, the driver's fixpoint/cleanup, and clear errors
 * for unmappable ops naming the node. */
#include "test_util.h"

#include <math.h>

#include "brainsmith/error.h"
#include "brainsmith/exec.h"
#include "brainsmith/ir.h"
#include "brainsmith/kernels.h"
#include "brainsmith/transform.h"

void bs_flow_register_hw_exec(void);

typedef struct {
    bs_value in;
    bs_value ref;
    int nsamples;
} golden;

/* Deterministic pseudo-random input in the input datatype's range. */
static void make_input(const bs_ir_graph *g, bs_value *v, unsigned seed)
{
    const bs_ir_tensor *t = g->inputs[0];
    assert_true(t->rank > 0);
    assert_int_equal(bs_value_alloc(v, BS_ELEM_FLOAT, t->rank, t->dims), 0);
    uint64_t s = 0x9e3779b97f4a7c15ull * (seed + 1);
    bs_dt dt = t->dtype;
    for (int64_t i = 0; i < v->numel; i++) {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        double u = (double)(s >> 11) / 9007199254740992.0;
        double x;
        if (dt.kind == BS_DT_BIPOLAR) x = u < 0.5 ? -1 : 1;
        else if (bs_dt_is_integer(dt)) x = floor(bs_dt_min(dt) + u * (bs_dt_max(dt) - bs_dt_min(dt) + 1));
        else x = u;   /* float inputs: [0, 1) like normalised images */
        bs_value_set(v, i, x);
    }
}

static void run(const bs_ir_graph *g, const bs_value *in, bs_value *out)
{
    int rc = bs_exec_graph_once(g, in, 1, out);
    if (rc) fail_msg("exec: %s", bs_error_msg());
}

static void expect_same(const bs_value *a, const bs_value *b, const char *what)
{
    if (a->numel != b->numel) fail_msg("%s: output size %lld vs %lld", what, (long long)a->numel, (long long)b->numel);
    for (int64_t i = 0; i < a->numel; i++) {
        double x = bs_value_get(a, i), y = bs_value_get(b, i);
        double tol = (x == floor(x) && fabs(x) < 1e6) ? 0 : 1e-5 * (1 + fabs(x));
        if (fabs(x - y) > tol && !(x == floor(x) && fabs(x - y) <= 1e-5 * (1 + fabs(x))))
            fail_msg("%s: output %lld differs: %.9g vs %.9g", what, (long long)i, x, y);
    }
}

/* Applies names one at a time, executing after each and comparing. */
static void apply_checked(bs_xform_ctx *x, const char *const *names, const bs_value *in, const bs_value *ref,
                          const char *model)
{
    for (int i = 0; names[i]; i++) {
        int rc = bs_xform_apply(x, names[i], NULL);
        if (rc) fail_msg("%s: %s: %s", model, names[i], bs_error_msg());
        if (bs_ir_validate(x->g)) fail_msg("%s: after %s: %s", model, names[i], bs_error_msg());
        bs_value out = {0};
        run(x->g, in, &out);
        char what[256];
        snprintf(what, sizeof what, "%s after %s", model, names[i]);
        expect_same(ref, &out, what);
        bs_value_free(&out);
    }
}

/* The transformation sequence of the estimate flow (partitioning left
 * out: the later steps run on the whole graph). */
static void flow_checked(const char *path, const char *model, int64_t target_cycles, bool has_quant)
{
    bs_ir_graph *g = NULL;
    if (bs_ir_load(path, &g)) fail_msg("%s: %s", path, bs_error_msg());
    assert_int_equal(bs_ir_infer(g), 0);
    bs_flow_register_hw_exec();
    bs_value in = {0}, ref = {0};
    make_input(g, &in, 7);
    run(g, &in, &ref);
    bs_xform_ctx x = {0};
    x.g = g;
    x.fpga_part = "xc7z020clg400-1";
    x.max_multithreshold_bit_width = 8;
    x.mvau_wwidth_max = 36;
    x.two_pass_relaxation = true;
    x.target_cycles = target_cycles;
    x.create_shallow_fifos = true;
    static const char *const qonnx[] = {
        "ConvertQuantDomains", "InferShapes", "GiveUniqueParameterTensors", "FoldConstants",
        "FoldTransposeIntoQuantInit", "RemoveUnusedTensors", "RemoveStaticGraphInputs", "GiveUniqueNodeNames",
        "GiveReadableTensorNames", "ExtractBiasFromConv", "GemmToMatMul", "FoldTransposeIntoQuantInit",
        "InferDataTypes", "FoldQuantWeights", "ConvertQuantActToMultiThreshold", "InferDataTypes",
        "AvgPoolAndTruncToQuantAvgPool", "RemoveIdentityOps", NULL};
    static const char *const tidy[] = {"InferShapes", "FoldConstants", "GiveUniqueNodeNames",
                                       "GiveReadableTensorNames", "InferDataTypes", "RemoveStaticGraphInputs", NULL};
    /* Streamline's members individually (with its tidy-up), twice around the
     * bipolar conversion, as step_streamline does */
    static const char *const sl[] = {
        "AbsorbSignBiasIntoMultiThreshold", "ConvertSubToAdd", "ConvertDivToMul", "BatchNormToAffine",
        "ConvertSignToThres", "MoveMulPastMaxPool", "AbsorbSignBiasIntoMultiThreshold",
        "MoveScalarLinearPastInvariants", "MoveAddPastMul", "MoveScalarAddPastMatMul", "MoveAddPastConv",
        "MoveScalarMulPastMatMul", "MoveScalarMulPastConv", "MoveAddPastMul", "CollapseRepeatedAdd",
        "CollapseRepeatedMul", "MoveMulPastMaxPool", "AbsorbAddIntoMultiThreshold", "FactorOutMulSignMagnitude",
        "AbsorbMulIntoMultiThreshold", "Absorb1BitMulIntoMatMul", "Absorb1BitMulIntoConv",
        "RoundAndClipThresholds", "RemoveIdentityOps", "GiveUniqueNodeNames", "GiveReadableTensorNames",
        "InferDataTypes", "LowerConvsToMatMul", "MakeMaxPoolNHWC", "AbsorbTransposeIntoMultiThreshold",
        "MakeMaxPoolNHWC", "AbsorbConsecutiveTransposes", "ConvertBipolarMatMulToXnorPopcount", "Streamline", "AbsorbScalarMulAddIntoTopK",
        "InferDataLayouts", "RemoveUnusedTensors", NULL};
    static const char *const hw[] = {"InferBinaryMatrixVectorActivation", "InferQuantizedMatrixVectorActivation",
                                     "InferLabelSelectLayer", "InferThresholdingLayer", "InferPool",
                                     "InferConvInpGen", "RemoveCNVtoFCFlatten", "AbsorbConsecutiveTransposes", "GiveUniqueNodeNames", "InferDataLayouts",
                                     "SpecializeLayers", "InferShapes", "InferDataTypes", "SetFolding",
                                     "MinimizeWeightBitWidth", "MinimizeAccumulatorWidth",
                                     "RoundAndClipThresholds", "InferDataTypes", "AnnotateCycles", "InsertDWC",
                                     "InsertFIFO", "SpecializeLayers", "GiveUniqueNodeNames", "RemoveShallowFIFOs", NULL};
    if (has_quant) apply_checked(&x, qonnx, &in, &ref, model);
    apply_checked(&x, tidy, &in, &ref, model);
    apply_checked(&x, sl, &in, &ref, model);
    apply_checked(&x, hw, &in, &ref, model);
    /* every MatMul/MultiThreshold became a HW node */
    for (int k = 0; k < g->nnodes; k++) {
        const bs_ir_node *n = g->nodes[k];
        if (!strcmp(n->op_type, "MatMul") || !strcmp(n->op_type, "MultiThreshold") || !strcmp(n->op_type, "Im2Col") ||
            !strcmp(n->op_type, "Conv") || !strncmp(n->op_type, "MaxPool", 7))
            fail_msg("%s: %s left unconverted", model, bs_ir_node_desc(n));
    }
    /* a second input also agrees */
    bs_value in2 = {0}, o2 = {0};
    bs_ir_graph *g0 = NULL;
    assert_int_equal(bs_ir_load(path, &g0), 0);
    assert_int_equal(bs_ir_infer(g0), 0);
    make_input(g0, &in2, 99);
    bs_value r2 = {0};
    run(g0, &in2, &r2);
    run(g, &in2, &o2);
    expect_same(&r2, &o2, "second input");
    bs_value_free(&in); bs_value_free(&ref); bs_value_free(&in2); bs_value_free(&o2); bs_value_free(&r2);
    bs_ir_free(g0);
    bs_ir_free(g);
}

static char *model_path(const char *name)
{
    const char *d = bs_test_shared_data();
    if (!d) return NULL;
    char *p = malloc(strlen(d) + strlen(name) + 16);
    sprintf(p, "%s/models/%s", d, name);
    return p;
}

#define SHARED_TEST(fn, file, cycles, quant)                                     \
    static void fn(void **state)                                                 \
    {                                                                            \
        (void)state;                                                             \
        char *p = model_path(file);                                              \
        if (!p) skip();                                                          \
        flow_checked(p, file, cycles, quant);                                    \
        free(p);                                                                 \
    }

SHARED_TEST(t_cybsec, "cybsec_mlp_w2a2_ready.onnx", 100, false)
SHARED_TEST(t_tfc_w2a2, "tfc_w2a2_qonnx.onnx", 1000, true)
SHARED_TEST(t_tfc_w1a1_bipolar, "tfc_w1a1_qonnx.onnx", 1000, true)
SHARED_TEST(t_tfc_w1a1_finn, "tfc_w1a1_finn_build_dataflow.onnx", 100, false)
SHARED_TEST(t_bls, "bls_mlp_wb3_ab3_prune0.9_datelbr.onnx", 50, true)
SHARED_TEST(t_facile, "facile_v3_6b.onnx", 10, false)

int bs_flow_example_mlp(const int *layers, int nlayers, int wbits, int abits, uint64_t seed, bs_ir_graph **out);

/* brainsmith's own example MLP at several bit widths (no shared data needed) */
static void t_example(void **state)
{
    (void)state;
    static const int bits[][2] = {{1, 1}, {2, 2}, {4, 4}, {3, 2}};
    int layers[4] = {48, 24, 24, 10};
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++) {
        bs_ir_graph *g = NULL;
        if (bs_flow_example_mlp(layers, 4, bits[i][0], bits[i][1], 3 + i, &g)) fail_msg("%s", bs_error_msg());
        char *d = bs_test_mkdtemp("example");
        char path[512], name[64];
        snprintf(path, sizeof path, "%s/m.onnx", d);
        assert_int_equal(bs_ir_save(g, path), 0);
        bs_ir_free(g);
        snprintf(name, sizeof name, "example w%da%d", bits[i][0], bits[i][1]);
        flow_checked(path, name, 50, true);
        bs_test_rmdir(d);
    }
}

int bs_flow_example_cnv_ex(int wbits, int abits, uint64_t seed, int chdiv, bs_ir_graph **out);

/* a CNV topology with channels / 8: every conv transformation checked by execution */
static void t_example_cnv(void **state)
{
    (void)state;
    static const int bits[][3] = {{2, 2, 8}, {1, 1, 8}, {2, 2, -8}, {1, 1, -8}};
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++) {
        bs_ir_graph *g = NULL;
        if (bs_flow_example_cnv_ex(bits[i][0], bits[i][1], 9 + i, bits[i][2], &g)) fail_msg("%s", bs_error_msg());
        char *d = bs_test_mkdtemp("cnv");
        char path[512], name[64];
        snprintf(path, sizeof path, "%s/m.onnx", d);
        assert_int_equal(bs_ir_save(g, path), 0);
        bs_ir_free(g);
        snprintf(name, sizeof name, "cnv/8 w%da%d%s", bits[i][0], bits[i][1], bits[i][2] < 0 ? " mixed-sign BN" : "");
        flow_checked(path, name, 2000, true);
        bs_test_rmdir(d);
    }
}

/* residual-style graph: ChannelwiseOp (NCHW, transposes), DuplicateStreams,
 * AddStreams, GlobalAccPool - each conversion checked by execution and
 * estimated by the kernels */
static bs_ir_tensor *ci(bs_ir_graph *g, const char *name, const float *v)
{
    int64_t d[4] = {1, 8, 1, 1};
    bs_ir_tensor *t = bs_ir_tensor_get(g, name);
    bs_ir_tensor_set_init_f32(g, t, 4, d, v);
    return t;
}

static void t_residual(void **state)
{
    (void)state;
    bs_ir_graph *g = bs_ir_new("residual");
    bs_ir_tensor *x = bs_ir_tensor_get(g, "x");
    int64_t d[4] = {1, 8, 4, 4};
    bs_ir_tensor_set_shape(g, x, 4, d);
    bs_ir_tensor_set_dtype(x, bs_dt_int(4));
    bs_ir_add_input(g, x);
    float a[8] = {1, -2, 3, 0, 5, -1, 2, 4}, m[8] = {2, 1, 3, 1, 1, 2, 2, 1};
    bs_ir_tensor *y1 = bs_ir_tensor_get(g, "y1"), *y2 = bs_ir_tensor_get(g, "y2"), *y3 = bs_ir_tensor_get(g, "y3"),
                 *y4 = bs_ir_tensor_get(g, "y4");
    bs_ir_tensor *i1[2] = {x, ci(g, "a", a)}, *i2[2] = {y1, ci(g, "m", m)}, *i3[2] = {y1, y2};
    assert_non_null(bs_ir_node_add(g, "Add", "", "bias", i1, 2, &y1, 1, NULL));
    assert_non_null(bs_ir_node_add(g, "Mul", "", "scale", i2, 2, &y2, 1, NULL));
    assert_non_null(bs_ir_node_add(g, "Add", "", "residual", i3, 2, &y3, 1, NULL));
    assert_non_null(bs_ir_node_add(g, "GlobalAveragePool", "", "gap", &y3, 1, &y4, 1, NULL));
    bs_ir_add_output(g, y4);
    assert_int_equal(bs_ir_infer(g), 0);
    bs_flow_register_hw_exec();
    bs_value in = {0}, ref = {0};
    make_input(g, &in, 5);
    run(g, &in, &ref);
    bs_xform_ctx x2 = {0};
    x2.g = g;
    x2.fpga_part = "xczu7ev-ffvc1156-2-e";
    static const char *const l[] = {"InferDataLayouts", "InferChannelwiseLinearLayer", "InferDataTypes",
                                    "InferAddStreamsLayer", "InferGlobalAccPoolLayer", "InferDuplicateStreamsLayer",
                                    "AbsorbConsecutiveTransposes", "SpecializeLayers", "GiveUniqueNodeNames", NULL};
    apply_checked(&x2, l, &in, &ref, "residual");
    int nhw = 0;
    for (int k = 0; k < g->nnodes; k++) {
        const bs_ir_node *n = g->nodes[k];
        if (!bs_ir_domain_is_fpgadataflow(n->domain)) continue;
        nhw++;
        bs_knode kn;
        bs_kcost c;
        if (bs_xform_knode(n, &kn) || bs_knode_estimate(&kn, x2.fpga_part, &c))
            fail_msg("%s: %s", n->name, bs_error_msg());
    }
    assert_int_equal(nhw, 5);   /* 2 ChannelwiseOp, DuplicateStreams, AddStreams, GlobalAccPool */
    assert_non_null(bs_ir_node_find(g, "DuplicateStreams_hls_0"));
    assert_non_null(bs_ir_node_find(g, "GlobalAccPool_hls_0"));
    bs_value_free(&in);
    bs_value_free(&ref);
    bs_ir_free(g);
}

/* depthwise convolution -> lowered with the sparsity annotation -> VVAU +
 * depthwise SWG; SetFolding sets the SWG's SIMD from the VVAU's PE */
static void t_depthwise(void **state)
{
    (void)state;
    bs_ir_graph *g = bs_ir_new("dw");
    bs_ir_tensor *x = bs_ir_tensor_get(g, "x"), *w = bs_ir_tensor_get(g, "w"), *y = bs_ir_tensor_get(g, "y"),
                 *t = bs_ir_tensor_get(g, "t"), *z = bs_ir_tensor_get(g, "z");
    int64_t d[4] = {1, 8, 6, 6}, wd[4] = {8, 1, 3, 3}, td[2] = {8, 3};
    bs_ir_tensor_set_shape(g, x, 4, d);
    bs_ir_tensor_set_dtype(x, bs_dt_uint(4));
    bs_ir_add_input(g, x);
    float wv[72], tv[24];
    for (int i = 0; i < 72; i++) wv[i] = (float)((i * 7) % 5) - 2;
    for (int c = 0; c < 8; c++)
        for (int s = 0; s < 3; s++) tv[c * 3 + s] = (float)(-10 + 12 * s + c);
    bs_ir_tensor_set_init_f32(g, w, 4, wd, wv);
    bs_ir_tensor_set_dtype(w, bs_dt_int(3));
    bs_ir_tensor_set_init_f32(g, t, 2, td, tv);
    bs_ir_tensor *ci[2] = {x, w}, *mi[2] = {y, t};
    bs_ir_node *cv = bs_ir_node_add(g, "Conv", "", "dwconv", ci, 2, &y, 1, NULL);
    int64_t k2[2] = {3, 3}, one2[2] = {1, 1}, p4[4] = {1, 1, 1, 1};
    bs_ir_attr_set_int(g, cv, "group", 8);
    bs_ir_attr_set_ints(g, cv, "kernel_shape", k2, 2);
    bs_ir_attr_set_ints(g, cv, "pads", p4, 4);
    bs_ir_attr_set_ints(g, cv, "strides", one2, 2);
    bs_ir_node *mt = bs_ir_node_add(g, "MultiThreshold", BS_DOMAIN_QONNX, "act", mi, 2, &z, 1, NULL);
    bs_ir_attr_set_str(g, mt, "out_dtype", "UINT2");
    bs_ir_add_output(g, z);
    assert_int_equal(bs_ir_infer(g), 0);
    bs_flow_register_hw_exec();
    bs_value in = {0}, ref = {0};
    make_input(g, &in, 2);
    run(g, &in, &ref);
    bs_xform_ctx c = {0};
    c.g = g;
    c.fpga_part = "xczu7ev-ffvc1156-2-e";
    c.target_cycles = 100;
    c.mvau_wwidth_max = 36;
    static const char *const l[] = {"InferDataLayouts", "LowerConvsToMatMul", "AbsorbTransposeIntoMultiThreshold",
                                    "InferVectorVectorActivation", "InferConvInpGen", "AbsorbConsecutiveTransposes",
                                    "SpecializeLayers", "GiveUniqueNodeNames", "SetFolding", "MinimizeWeightBitWidth",
                                    "MinimizeAccumulatorWidth", NULL};
    apply_checked(&c, l, &in, &ref, "depthwise");
    const bs_ir_node *v = bs_ir_node_find(g, "VVAU_hls_0"), *s = bs_ir_node_find(g, "ConvolutionInputGenerator_rtl_0");
    const bs_ir_node *f = bs_ir_node_find(g, "FMPadding_rtl_0");
    if (!v || !s || !f) fail_msg("expected VVAU_hls_0, FMPadding_rtl_0 and ConvolutionInputGenerator_rtl_0");
    assert_int_equal(bs_ir_attr_int(s, "depthwise", 0), 1);
    assert_int_equal(bs_ir_attr_int(s, "SIMD", 0), bs_ir_attr_int(v, "PE", -1));
    bs_value_free(&in);
    bs_value_free(&ref);
    bs_ir_free(g);
}

static void t_registry(void **state)
{
    (void)state;
    assert_true(bs_xform_count() > 40);
    for (int i = 0; i < bs_xform_count(); i++) {
        const bs_xform_def *d = bs_xform_at(i);
        assert_non_null(d->fn);
        assert_true(strlen(d->help) > 5);
        assert_ptr_equal(bs_xform_find(d->name), d);
    }
    assert_null(bs_xform_find("NoSuchTransformation"));
    bs_xform_ctx x = {0};
    x.g = bs_ir_new("t");
    assert_int_equal(bs_xform_apply(&x, "NoSuchTransformation", NULL), BS_ENOTFOUND);
    assert_non_null(strstr(bs_error_msg(), "NoSuchTransformation"));
    bs_ir_free(x.g);
}

/* A graph FINN cannot map: the error names the node. */
static void t_unmappable(void **state)
{
    (void)state;
    bs_ir_graph *g = bs_ir_new("bad");
    bs_ir_tensor *in = bs_ir_tensor_get(g, "x"), *mid = bs_ir_tensor_get(g, "m"), *mid2 = bs_ir_tensor_get(g, "m2"),
                 *out = bs_ir_tensor_get(g, "y"), *w = bs_ir_tensor_get(g, "w"), *w2 = bs_ir_tensor_get(g, "w2");
    int64_t d[2] = {1, 4}, wd[2] = {4, 4};
    bs_ir_tensor_set_shape(g, in, 2, d);
    bs_ir_add_input(g, in);
    bs_ir_tensor_set_dtype(in, bs_dt_int(4));
    float wv[16];
    for (int i = 0; i < 16; i++) wv[i] = (float)(i % 3) - 1;
    bs_ir_tensor_set_init_f32(g, w, 2, wd, wv);
    bs_ir_tensor_set_dtype(w, bs_dt_int(2));
    bs_ir_tensor_set_init_f32(g, w2, 2, wd, wv);
    bs_ir_tensor_set_dtype(w2, bs_dt_int(2));
    bs_ir_tensor *i1[2] = {in, w}, *i2[1] = {mid}, *i3[2] = {mid2, w2};
    assert_non_null(bs_ir_node_add(g, "MatMul", "", "mm0", i1, 2, &mid, 1, NULL));
    assert_non_null(bs_ir_node_add(g, "Relu", "", "weird_relu", i2, 1, &mid2, 1, NULL));
    assert_non_null(bs_ir_node_add(g, "MatMul", "", "mm1", i3, 2, &out, 1, NULL));
    bs_ir_add_output(g, out);
    assert_int_equal(bs_ir_infer(g), 0);
    bs_ir_tensor_set_dtype(mid2, bs_dt_int(8));   /* an integer op FINN has no HW for */
    bs_xform_ctx x = {0};
    x.g = g;
    static const char *const l[] = {"InferQuantizedMatrixVectorActivation", NULL};
    assert_int_equal(bs_xform_apply_list(&x, l), 0);
    bs_ir_graph *child = NULL;
    int rc = bs_xform_create_partition(&x, &child);
    assert_true(rc < 0);
    assert_non_null(strstr(bs_error_msg(), "weird_relu"));
    assert_null(child);
    bs_ir_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_registry),       cmocka_unit_test(t_unmappable),     cmocka_unit_test(t_example),  cmocka_unit_test(t_example_cnv), cmocka_unit_test(t_residual), cmocka_unit_test(t_depthwise),
        cmocka_unit_test(t_cybsec),         cmocka_unit_test(t_tfc_w2a2),
        cmocka_unit_test(t_tfc_w1a1_bipolar), cmocka_unit_test(t_tfc_w1a1_finn),
        cmocka_unit_test(t_bls),            cmocka_unit_test(t_facile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
