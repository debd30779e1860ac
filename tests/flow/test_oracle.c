/* test_oracle.c - the estimate-only flow against the real FINN (dev 2025)
 * outputs in $BS_SHARED_DATA (SKIP when absent):
 *  - finn_oracle/{cybsec,tfc_w2a2_fps,tfc_w2a2_fold} and
 *    finn_build/cybsec_mlp_dac2026: every report JSON and
 *    auto_folding_config.json byte for byte;
 *  - the model after every step against FINN's intermediate_models/<step>.onnx:
 *    node op types, domains, order, names, attributes (type and value, in
 *    order), initializer values and datatype annotations of node inputs and
 *    outputs (by position: FINN's fresh tensor names are random);
 *  - the legacy facile HW model (StreamingFCLayer_Batch) reproduces the
 *    FINN v0.6 reports. */
#include "test_util.h"

#include <math.h>

#include "brainsmith/error.h"
#include "brainsmith/flow.h"
#include "brainsmith/ir.h"
#include "brainsmith/json.h"

static const char *const reports[] = {
    "report/op_and_param_counts.json", "report/estimate_layer_cycles.json", "report/estimate_layer_resources.json",
    "report/estimate_layer_config_alternatives.json", "report/estimate_network_performance.json",
    "auto_folding_config.json", "template_specialize_layers_config.json", NULL};

static const char *const steps[] = {
    "step_qonnx_to_finn", "step_tidy_up", "step_streamline", "step_convert_to_hw", "dataflow_parent",
    "step_create_dataflow_partition", "step_specialize_layers", "step_target_fps_parallelization",
    "step_apply_folding_config", "step_minimize_bit_width", "step_generate_estimate_reports", NULL};

static int ncompared;

static void same_file(const char *a, const char *b, const char *what)
{
    char *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    if (bs_read_file(b, &y, &ny)) return;   /* the oracle does not have it */
    if (bs_read_file(a, &x, &nx)) fail_msg("%s: brainsmith did not write %s", what, a);
    if (nx != ny || memcmp(x, y, nx)) fail_msg("%s: %s differs from FINN's %s", what, a, b);
    ncompared++;
    free(x);
    free(y);
}

static bool attr_equal(const bs_ir_attr *a, const bs_ir_attr *b)
{
    if (strcmp(a->name, b->name) || a->type != b->type) return false;
    switch (a->type) {
    case BS_ATTR_INT: return a->i == b->i;
    case BS_ATTR_FLOAT: return a->f == b->f;
    case BS_ATTR_STRING: return a->s_len == b->s_len && !memcmp(a->s, b->s, a->s_len);
    case BS_ATTR_INTS: return a->n == b->n && !memcmp(a->ints, b->ints, sizeof(int64_t) * (size_t)a->n);
    case BS_ATTR_FLOATS: return a->n == b->n && !memcmp(a->floats, b->floats, sizeof(float) * (size_t)a->n);
    default: return true;
    }
}

static void same_tensor(bs_ir_graph *ga, const bs_ir_tensor *a, bs_ir_graph *gb, const bs_ir_tensor *b,
                        const char *ctx)
{
    if (!a || !b) return;
    char x[BS_DT_NAME_MAX], y[BS_DT_NAME_MAX];
    if (!bs_dt_eq(a->dtype, b->dtype))
        fail_msg("%s: tensor %s datatype %s vs FINN %s", ctx, a->name, bs_dt_name(a->dtype, x), bs_dt_name(b->dtype, y));
    if ((a->init != NULL) != (b->init != NULL)) fail_msg("%s: tensor %s constness differs", ctx, a->name);
    if (!a->init) return;
    double *va, *vb;
    int64_t na, nb;
    assert_int_equal(bs_ir_tensor_values(ga, a, &va, &na), 0);
    assert_int_equal(bs_ir_tensor_values(gb, b, &vb, &nb), 0);
    if (na != nb) fail_msg("%s: initializer %s has %lld values, FINN %lld", ctx, a->name, (long long)na, (long long)nb);
    for (int64_t i = 0; i < na; i++)
        if (va[i] != vb[i] && !(isnan(va[i]) && isnan(vb[i])))
            fail_msg("%s: initializer %s[%lld] = %.9g, FINN %.9g", ctx, a->name, (long long)i, va[i], vb[i]);
}

static void same_model(const char *mine, const char *finn, const char *step, bool names)
{
    bs_ir_graph *a = NULL, *b = NULL;
    if (bs_ir_load(finn, &b)) return;   /* no such oracle model */
    if (bs_ir_load(mine, &a)) fail_msg("%s: %s", step, bs_error_msg());
    ncompared++;
    if (a->nnodes != b->nnodes) fail_msg("%s: %d nodes, FINN %d", step, a->nnodes, b->nnodes);
    for (int k = 0; k < a->nnodes; k++) {
        const bs_ir_node *x = a->nodes[k], *y = b->nodes[k];
        char ctx[512];
        snprintf(ctx, sizeof ctx, "%s: node %d (%s / FINN %s)", step, k, x->name, y->name);
        if (strcmp(x->op_type, y->op_type) || strcmp(x->domain, y->domain))
            fail_msg("%s: %s/%s vs FINN %s/%s", ctx, x->op_type, x->domain, y->op_type, y->domain);
        /* FINN leaves freshly created nodes unnamed (""): brainsmith names them */
        if (names && *y->name && strcmp(x->name, y->name)) fail_msg("%s: name differs", ctx);
        if (x->ninputs != y->ninputs || x->noutputs != y->noutputs) fail_msg("%s: arity differs", ctx);
        int ia = 0, ib = 0;
        while (ia < x->nattrs || ib < y->nattrs) {
            /* known difference: the SDP "model" path depends on the output dir */
            if (ia < x->nattrs && !strcmp(x->attrs[ia].name, "model")) { ia++; continue; }
            if (ib < y->nattrs && !strcmp(y->attrs[ib].name, "model")) { ib++; continue; }
            if (ia >= x->nattrs || ib >= y->nattrs) fail_msg("%s: attribute count differs", ctx);
            if (!attr_equal(&x->attrs[ia], &y->attrs[ib]))
                fail_msg("%s: attribute %s differs from FINN's %s", ctx, x->attrs[ia].name, y->attrs[ib].name);
            ia++;
            ib++;
        }
        for (int i = 0; i < x->ninputs; i++) same_tensor(a, x->inputs[i], b, y->inputs[i], ctx);
        for (int i = 0; i < x->noutputs; i++) same_tensor(a, x->outputs[i], b, y->outputs[i], ctx);
    }
    bs_ir_free(a);
    bs_ir_free(b);
}

static void run_case(const char *model, const char *cfgjson, const char *oracle, bool per_step)
{
    const char *d = bs_test_shared_data();
    if (!d) skip();
    char *tmp = bs_test_mkdtemp("oracle");
    char path[1024], mp[1024], a[1200], b[1200];
    snprintf(mp, sizeof mp, "%s/models/%s", d, model);
    char *txt = malloc(strlen(cfgjson) + 2048);
    sprintf(txt, cfgjson, d);
    cJSON *j = cJSON_Parse(txt);
    free(txt);
    assert_non_null(j);
    bs_flow_config cfg;
    assert_int_equal(bs_flow_config_from_json(j, "test", tmp, &cfg), 0);
    cJSON_Delete(j);
    snprintf(path, sizeof path, "%s/out", tmp);
    ncompared = 0;
    bs_flow_opts o = {0};
    o.model_path = mp;
    o.out_dir = path;
    if (bs_flow_build(&cfg, &o)) fail_msg("%s: %s", oracle, bs_error_msg());
    bs_flow_config_free(&cfg);
    for (int i = 0; reports[i]; i++) {
        snprintf(a, sizeof a, "%s/%s", path, reports[i]);
        snprintf(b, sizeof b, "%s/%s/%s", d, oracle, reports[i]);
        same_file(a, b, oracle);
    }
    snprintf(a, sizeof a, "%s/time_per_step.json", path);
    assert_true(bs_path_exists(a));
    for (int i = 0; per_step && steps[i]; i++) {
        snprintf(a, sizeof a, "%s/intermediate_models/%s.onnx", path, steps[i]);
        snprintf(b, sizeof b, "%s/%s/intermediate_models/%s.onnx", d, oracle, steps[i]);
        /* step_qonnx_to_finn: FINN's new nodes/tensors have random names */
        if (strcmp(steps[i], "step_qonnx_to_finn")) same_model(a, b, steps[i], true);
    }
    /* guard against comparing nothing (wrong oracle path) */
    if (ncompared < (per_step ? 14 : 5)) fail_msg("%s: only %d files compared", oracle, ncompared);
    bs_test_rmdir(tmp);
}

#define EST "\"steps\": [\"step_qonnx_to_finn\", \"step_tidy_up\", \"step_streamline\", \"step_convert_to_hw\", " \
            "\"step_create_dataflow_partition\", \"step_specialize_layers\", \"step_target_fps_parallelization\", " \
            "\"step_apply_folding_config\", \"step_minimize_bit_width\", \"step_generate_estimate_reports\"], " \
            "\"generate_outputs\": [\"estimate_reports\"], \"synth_clk_period_ns\": 10.0, \"output_dir\": \"out\""

static void t_cybsec(void **s)
{
    (void)s;
    run_case("cybsec_mlp_w2a2_ready.onnx",
             "{" EST ", \"fpga_part\": \"xc7z020clg400-1\", \"target_fps\": 1000000, \"mvau_wwidth_max\": 80}",
             "finn_oracle/cybsec", true);
    /* the real 2025 build (DAC2026 repository) */
    run_case("cybsec_mlp_w2a2_ready.onnx",
             "{" EST ", \"fpga_part\": \"xc7z020clg400-1\", \"target_fps\": 1000000, \"mvau_wwidth_max\": 80}",
             "finn_build/cybsec_mlp_dac2026", false);
}

static void t_tfc_fps(void **s)
{
    (void)s;
    run_case("tfc_w2a2_qonnx.onnx", "{" EST ", \"board\": \"Pynq-Z1\", \"target_fps\": 100000}",
             "finn_oracle/tfc_w2a2_fps", true);
}

static void t_tfc_fold(void **s)
{
    (void)s;
    run_case("tfc_w2a2_qonnx.onnx",
             "{" EST ", \"board\": \"Pynq-Z1\", \"folding_config_file\": "
             "\"%s/finn_build/finn_examples_bnn_pynq/folding_config/tfc-w2a2_folding_config.json\"}",
             "finn_oracle/tfc_w2a2_fold", true);
}

static void t_facile_legacy(void **s)
{
    (void)s;
    run_case("facile_v3_6b_after_step_generate_estimate_reports.onnx",
             "{\"steps\": [\"step_generate_estimate_reports\"], \"generate_outputs\": [\"estimate_reports\"], "
             "\"synth_clk_period_ns\": 200.0, \"board\": \"Ultra96\", \"output_dir\": \"out\", \"x\": \"%s\"}",
             "finn_build/facile_v3_6b_ultra96_kf7lsu/output_estimates_only", false);
}

/* Compares node k+off of `mine` with node k of FINN's model: op type (FINN's
 * legacy names mapped), the whitelisted attributes present in both and the
 * initializer values by input position. */
static const bs_ir_attr *fattr(const bs_ir_node *n, const char *name)
{
    return bs_ir_attr_find(n, name);
}

static void same_hw(const char *mine, const char *finn, int off, const char *const *attrs, const char *what)
{
    bs_ir_graph *a = NULL, *b = NULL;
    if (bs_ir_load(mine, &a)) fail_msg("%s: %s", what, bs_error_msg());
    if (bs_ir_load(finn, &b)) fail_msg("%s: %s", what, bs_error_msg());
    if (a->nnodes - off != b->nnodes) fail_msg("%s: %d nodes (+%d), FINN %d", what, a->nnodes, off, b->nnodes);
    for (int k = 0; k < b->nnodes; k++) {
        const bs_ir_node *x = a->nodes[k + off], *y = b->nodes[k];
        const char *yo = y->op_type;
        if (!strcmp(yo, "StreamingFCLayer_Batch")) yo = "MVAU_hls";
        if (!strcmp(yo, "Thresholding_Batch")) yo = "Thresholding_rtl";
        char ctx[256];
        snprintf(ctx, sizeof ctx, "%s: node %d %s vs FINN %s", what, k, x->name, y->name);
        if (strcmp(x->op_type, yo) && strncmp(x->op_type, yo, strlen(yo))) fail_msg("%s: op %s vs %s", ctx, x->op_type, yo);
        for (int i = 0; attrs[i]; i++) {
            const bs_ir_attr *p = fattr(x, attrs[i]), *q = fattr(y, attrs[i]);
            if (p && q && !attr_equal(p, q)) fail_msg("%s: attribute %s differs", ctx, attrs[i]);
        }
        for (int i = 0; i < x->ninputs && i < y->ninputs; i++) {
            if (!x->inputs[i] || !y->inputs[i] || !x->inputs[i]->init || !y->inputs[i]->init) continue;
            double *va, *vb;
            int64_t na, nb;
            assert_int_equal(bs_ir_tensor_values(a, x->inputs[i], &va, &na), 0);
            assert_int_equal(bs_ir_tensor_values(b, y->inputs[i], &vb, &nb), 0);
            if (na != nb) fail_msg("%s: input %d has %lld values, FINN %lld", ctx, i, (long long)na, (long long)nb);
            for (int64_t j = 0; j < na; j++)
                if (va[j] != vb[j]) fail_msg("%s: input %d [%lld] = %g, FINN %g", ctx, i, (long long)j, va[j], vb[j]);
        }
    }
    bs_ir_free(a);
    bs_ir_free(b);
}

static const char *const hw_attrs[] = {
    "PE", "SIMD", "MW", "MH", "ActVal", "noActivation", "binaryXnorMode", "inputDataType", "weightDataType",
    "outputDataType", "numInputVectors", "NumChannels", "numSteps", "inWidth", "outWidth", "shape", "folded_shape",
    "normal_shape", "dataType", "impl_style", "ram_style", NULL};

/* FINN's HW models in shared/data: the cybsec MLP after FIFO insertion
 * (feature/kernel_flow, SetFolding at 1e6 fps, width 36, fixed FIFOs except
 * the simulated depth 38 of the input FIFO), the notebook's MVAU_hls model
 * (before folding; its thresholds are pre-dev INT32-clipped, so only weights
 * and structure compare), and facile's streamlined model. */
static void t_hw_models(void **s)
{
    (void)s;
    const char *d = bs_test_shared_data();
    if (!d) skip();
    char *tmp = bs_test_mkdtemp("hw");
    char mp[1024], out[1024], a[1200], b[1200];
    snprintf(mp, sizeof mp, "%s/models/cybsec_mlp_w2a2_ready.onnx", d);
    snprintf(out, sizeof out, "%s/kf", tmp);
    cJSON *j = cJSON_Parse("{" EST ", \"board\": \"Pynq-Z1\", \"target_fps\": 1000000, \"auto_fifo_depths\": false}");
    cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "steps");
    cJSON_AddItemToArray(st, cJSON_CreateString("step_set_fifo_depths"));
    bs_flow_config cfg;
    assert_int_equal(bs_flow_config_from_json(j, "test", tmp, &cfg), 0);
    cJSON_Delete(j);
    bs_flow_opts o = {0};
    o.model_path = mp;
    o.out_dir = out;
    if (bs_flow_build(&cfg, &o)) fail_msg("%s", bs_error_msg());
    bs_flow_config_free(&cfg);
    /* the input FIFO depth came from FINN's FIFO simulation (38): compare without depth */
    snprintf(a, sizeof a, "%s/intermediate_models/step_set_fifo_depths.onnx", out);
    snprintf(b, sizeof b, "%s/models/cybsec_mlp_w2a2_hw_after_set_fifo_depths.onnx", d);
    same_hw(a, b, 0, hw_attrs, "cybsec after set_fifo_depths");
    static const char *const struct_attrs[] = {"MW", "MH", "ActVal", "noActivation", "binaryXnorMode",
                                               "inputDataType", "weightDataType", "outputDataType", NULL};
    /* notebook model: thresholds there are clipped by an older FINN; compare the step before minimize */
    snprintf(a, sizeof a, "%s/intermediate_models/step_specialize_layers.onnx", out);
    snprintf(b, sizeof b, "%s/models/cybsec_mlp_w2a2_hw_mvau_hls.onnx", d);
    {
        bs_ir_graph *x = NULL, *y = NULL;
        assert_int_equal(bs_ir_load(a, &x), 0);
        assert_int_equal(bs_ir_load(b, &y), 0);
        assert_int_equal(x->nnodes, y->nnodes);
        for (int k = 0; k < x->nnodes; k++) {
            assert_string_equal(x->nodes[k]->op_type, y->nodes[k]->op_type);
            for (int i = 0; struct_attrs[i]; i++) {
                const bs_ir_attr *p = bs_ir_attr_find(x->nodes[k], struct_attrs[i]),
                                 *q = bs_ir_attr_find(y->nodes[k], struct_attrs[i]);
                if (p && q && !attr_equal(p, q)) fail_msg("notebook model: %s differs at node %d", struct_attrs[i], k);
            }
            double *va, *vb;
            int64_t na, nb;
            assert_int_equal(bs_ir_tensor_values(x, x->nodes[k]->inputs[1], &va, &na), 0);
            assert_int_equal(bs_ir_tensor_values(y, y->nodes[k]->inputs[1], &vb, &nb), 0);
            assert_int_equal(na, nb);
            for (int64_t i = 0; i < na; i++) if (va[i] != vb[i]) fail_msg("notebook model: weights differ at node %d", k);
        }
        bs_ir_free(x);
        bs_ir_free(y);
    }
    /* facile: the streamlined model (weights and threshold values) */
    snprintf(mp, sizeof mp, "%s/models/facile_v3_6b.onnx", d);
    snprintf(out, sizeof out, "%s/fac", tmp);
    j = cJSON_Parse("{" EST ", \"board\": \"Ultra96\", \"target_fps\": 10000, \"stop_step\": \"step_streamline\"}");
    assert_int_equal(bs_flow_config_from_json(j, "test", tmp, &cfg), 0);
    cJSON_Delete(j);
    o.model_path = mp;
    o.out_dir = out;
    if (bs_flow_build(&cfg, &o)) fail_msg("%s", bs_error_msg());
    bs_flow_config_free(&cfg);
    snprintf(a, sizeof a, "%s/intermediate_models/step_streamline.onnx", out);
    snprintf(b, sizeof b, "%s/models/facile_v3_6b_after_step_streamline.onnx", d);
    static const char *const mt_attrs[] = {"out_bias", "out_scale", "out_dtype", NULL};
    same_hw(a, b, 0, mt_attrs, "facile streamlined");
    bs_test_rmdir(tmp);
}

/* FINN's own end-to-end test (test_end2end_cybsec_mlp, on the notebook's
 * MVAU_hls model): target_fps 1e6 at 10 ns on Pynq-Z1 must give
 * MVAU_hls_0 = 80 and MVAU_hls_1 = 64 cycles, total BRAM_18K 36, LUT 7899. */
static void t_cybsec_end2end(void **s)
{
    (void)s;
    const char *d = bs_test_shared_data();
    if (!d) skip();
    char *tmp = bs_test_mkdtemp("e2e");
    char mp[1024], out[1024], p[1200];
    snprintf(mp, sizeof mp, "%s/models/cybsec_mlp_w2a2_hw_mvau_hls.onnx", d);
    snprintf(out, sizeof out, "%s/o", tmp);
    cJSON *j = cJSON_Parse("{" EST ", \"board\": \"Pynq-Z1\", \"target_fps\": 1000000}");
    bs_flow_config cfg;
    assert_int_equal(bs_flow_config_from_json(j, "test", tmp, &cfg), 0);
    cJSON_Delete(j);
    bs_flow_opts o = {0};
    o.model_path = mp;
    o.out_dir = out;
    if (bs_flow_build(&cfg, &o)) fail_msg("%s", bs_error_msg());
    bs_flow_config_free(&cfg);
    cJSON *cyc = NULL, *res = NULL;
    snprintf(p, sizeof p, "%s/report/estimate_layer_cycles.json", out);
    assert_int_equal(bs_json_load_file(p, &cyc), 0);
    snprintf(p, sizeof p, "%s/report/estimate_layer_resources.json", out);
    assert_int_equal(bs_json_load_file(p, &res), 0);
    assert_int_equal((int)cJSON_GetObjectItem(cyc, "MVAU_hls_0")->valuedouble, 80);
    assert_int_equal((int)cJSON_GetObjectItem(cyc, "MVAU_hls_1")->valuedouble, 64);
    const cJSON *t = cJSON_GetObjectItem(res, "total");
    assert_true(cJSON_GetObjectItem(t, "BRAM_18K")->valuedouble == 36);
    assert_true(cJSON_GetObjectItem(t, "LUT")->valuedouble == 7899);
    cJSON_Delete(cyc);
    cJSON_Delete(res);
    bs_test_rmdir(tmp);
}

/* TFC-w1a1 from its BipolarQuant-only QONNX export (which stock FINN cannot
 * convert) with the finn-examples folding at 5 ns: the cycles and BRAM of
 * finn-reference §3 and MVAU_hls_0's LUT after MinimizeAccumulatorWidth
 * (5615, §12.4). */
static void t_tfc_w1a1_bipolar(void **s)
{
    (void)s;
    const char *d = bs_test_shared_data();
    if (!d) skip();
    char *tmp = bs_test_mkdtemp("w1a1");
    char mp[1024], out[1024], p[1200], cfgtxt[2048];
    snprintf(mp, sizeof mp, "%s/models/tfc_w1a1_qonnx.onnx", d);
    snprintf(out, sizeof out, "%s/o", tmp);
    snprintf(cfgtxt, sizeof cfgtxt, "{" EST ", \"board\": \"Pynq-Z1\", \"folding_config_file\": "
             "\"%s/finn_build/finn_examples_bnn_pynq/folding_config/tfc-w1a1_folding_config.json\"}", d);
    cJSON *j = cJSON_Parse(cfgtxt);
    cJSON_ReplaceItemInObject(j, "synth_clk_period_ns", cJSON_CreateNumber(5.0));
    bs_flow_config cfg;
    assert_int_equal(bs_flow_config_from_json(j, "test", tmp, &cfg), 0);
    cJSON_Delete(j);
    bs_flow_opts o = {0};
    o.model_path = mp;
    o.out_dir = out;
    if (bs_flow_build(&cfg, &o)) fail_msg("%s", bs_error_msg());
    bs_flow_config_free(&cfg);
    cJSON *cyc = NULL, *res = NULL, *perf = NULL;
    snprintf(p, sizeof p, "%s/report/estimate_layer_cycles.json", out);
    assert_int_equal(bs_json_load_file(p, &cyc), 0);
    snprintf(p, sizeof p, "%s/report/estimate_layer_resources.json", out);
    assert_int_equal(bs_json_load_file(p, &res), 0);
    snprintf(p, sizeof p, "%s/report/estimate_network_performance.json", out);
    assert_int_equal(bs_json_load_file(p, &perf), 0);
    static const struct { const char *n; int cyc, bram; } want[] = {
        {"Thresholding_rtl_0", 16, 0}, {"MVAU_hls_0", 64, 22}, {"MVAU_hls_1", 64, 2}, {"MVAU_hls_2", 64, 2},
        {"MVAU_hls_3", 8, 0}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const cJSON *c = cJSON_GetObjectItem(cyc, want[i].n), *r = cJSON_GetObjectItem(res, want[i].n);
        if (!c || !r) fail_msg("no %s in the reports", want[i].n);
        assert_int_equal((int)c->valuedouble, want[i].cyc);
        assert_int_equal((int)cJSON_GetObjectItem(r, "BRAM_18K")->valuedouble, want[i].bram);
    }
    assert_int_equal((int)cJSON_GetObjectItem(cJSON_GetObjectItem(res, "MVAU_hls_0"), "LUT")->valuedouble, 5615);
    assert_true(cJSON_GetObjectItem(perf, "estimated_throughput_fps")->valuedouble == 3125000.0);
    cJSON_Delete(cyc);
    cJSON_Delete(res);
    cJSON_Delete(perf);
    bs_test_rmdir(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_cybsec), cmocka_unit_test(t_tfc_fps), cmocka_unit_test(t_tfc_fold),
        cmocka_unit_test(t_facile_legacy), cmocka_unit_test(t_hw_models), cmocka_unit_test(t_cybsec_end2end), cmocka_unit_test(t_tfc_w1a1_bipolar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
