/* test_partition.c - the executor's open op table used the way the kernels
 * module will: minimal MVAU / Thresholding kernels registered from outside,
 * then FINN's own hardware models (after convert_to_hw, specialize_layers,
 * the dataflow partition and its parent with a StreamingDataflowPartition
 * node) must compute bit-exactly what FINN's streamlined model computes. */
#include "test_util.h"

#include "brainsmith/error.h"
#include "brainsmith/exec.h"
#include "brainsmith/ir.h"

#include <math.h>

/* count of thresholds passed, then FINN's activation offset */
static double activate(const bs_ir_node *n, const bs_value *T, int64_t c, double acc)
{
    int64_t S = T->dims[1], row = T->dims[0] == 1 ? 0 : c;
    double cnt = 0;
    for (int64_t s = 0; s < S; s++) cnt += acc >= bs_value_get(T, row * S + s);
    bs_dt odt;
    if (!bs_ir_attr_get_dt(n, "outputDataType", &odt) && odt.kind == BS_DT_BIPOLAR) return 2 * cnt - 1;
    return cnt + (double)bs_ir_attr_int(n, "ActVal", 0);
}

static int k_mvau(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    const bs_value *x = in[0], *w = in[1];
    int64_t MW = bs_ir_attr_int(n, "MW", 0), MH = bs_ir_attr_int(n, "MH", 0);
    bool act = !bs_ir_attr_int(n, "noActivation", 0), xnor = bs_ir_attr_int(n, "binaryXnorMode", 0);
    if (w->numel != MW * MH || x->numel % MW) return bs_error_set(BS_EINVAL, "test MVAU: bad shapes");
    int64_t d[BS_IR_MAX_RANK];
    memcpy(d, x->dims, sizeof d);
    d[x->rank - 1] = MH;
    bs_value *o = bs_exec_out(cx, 0, BS_ELEM_FLOAT, x->rank, d);
    if (!o) return bs_error_code();
    for (int64_t r = 0; r < x->numel / MW; r++)
        for (int64_t j = 0; j < MH; j++) {
            double acc = 0;
            for (int64_t k = 0; k < MW; k++) {
                double a = bs_value_get(x, r * MW + k), b = bs_value_get(w, k * MH + j);
                acc += xnor ? (a == b) : a * b;
            }
            bs_value_set(o, r * MH + j, act && nin > 2 ? activate(n, in[2], j, acc) : acc);
        }
    return 0;
}

static int k_thresholding(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    (void)nin;
    const bs_value *x = in[0];
    int64_t C = x->dims[x->rank - 1];
    bs_value *o = bs_exec_out_like(cx, 0, BS_ELEM_FLOAT, x);
    if (!o) return bs_error_code();
    for (int64_t i = 0; i < x->numel; i++) bs_value_set(o, i, activate(n, in[1], i % C, bs_value_get(x, i)));
    return 0;
}

static const bs_exec_op test_kernels[] = {
    {BS_DOMAIN_FPGADATAFLOW, "MVAU", k_mvau, "test MVAU"},
    {BS_DOMAIN_FPGADATAFLOW, "Thresholding", k_thresholding, "test Thresholding"},
    {NULL, NULL, NULL, NULL},
};

static bs_ir_graph *load_rel(const char *data, const char *rel)
{
    char *p = bs_path_join(data, rel);
    bs_ir_graph *g;
    if (bs_ir_load(p, &g) || bs_ir_infer(g)) fail_msg("%s: %s", rel, bs_error_msg());
    free(p);
    return g;
}

static void test_hw_models_equal_streamlined(void **st)
{
    (void)st;
    const char *data = bs_test_shared_data();
    if (!data) skip();
    /* before registration the partition's content is reported */
    bs_ir_graph *parent = load_rel(data, "finn_oracle/cybsec/intermediate_models/dataflow_parent.onnx");
    assert_int_equal(bs_exec_check(parent), BS_EUNSUPPORTED);
    assert_non_null(strstr(bs_error_msg(), "'MVAU_3' (MVAU"));
    assert_int_equal(bs_exec_register_table(test_kernels), 0);
    assert_int_equal(bs_exec_check(parent), 0);
    const char *builds[] = {"cybsec", "tfc_w2a2_fps", "tfc_w2a2_fold"};
    const char *steps[] = {"step_convert_to_hw", "step_specialize_layers", "step_minimize_bit_width",
                           "supported_op_partitions/partition_0", "dataflow_parent"};
    int checked = 0;
    for (int b = 0; b < 3; b++) {
        char rel[256];
        snprintf(rel, sizeof rel, "finn_oracle/%s/intermediate_models/step_streamline.onnx", builds[b]);
        bs_ir_graph *ref = load_rel(data, rel);
        snprintf(rel, sizeof rel, "finn_oracle/%s/intermediate_models/supported_op_partitions/partition_0.onnx", builds[b]);
        bs_ir_graph *part = load_rel(data, rel);
        for (int s = 0; s < 5; s++) {
            snprintf(rel, sizeof rel, "finn_oracle/%s/intermediate_models/%s.onnx", builds[b], steps[s]);
            bs_ir_graph *hw = load_rel(data, rel);
            /* TFC's child models start after the input Reshape: they are
             * compared with the partition, which dataflow_parent (checked
             * against the streamlined model) runs */
            bs_ir_graph *r = hw->inputs[0]->rank == ref->inputs[0]->rank ? ref : part;
            if (!(r == part && s == 3)) {   /* not the partition against itself */
                if (bs_exec_equivalent(hw, r, 6, 99, 0, 0)) fail_msg("%s: %s", rel, bs_error_msg());
                checked++;
            }
            bs_ir_free(hw);
        }
        bs_ir_free(part);
        bs_ir_free(ref);
    }
    print_message("%d FINN hardware models bit-exact with their streamlined models\n", checked);
    assert_true(checked >= 13);
    bs_ir_free(parent);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_hw_models_equal_streamlined)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
