/* test_config.c - FINN's dataflow_build_config.json: every field of FINN
 * main and dev accepted, unknown fields warned, wrong values refused naming
 * the field; board -> part; the step registry and FINN's step lists;
 * start/stop slicing. */
#include "test_util.h"

#include "brainsmith/error.h"
#include "brainsmith/flow.h"
#include "brainsmith/json.h"
#include "brainsmith/log.h"

static int nwarn;
static char lastwarn[512];
static void sink(bs_log_level lvl, const char *msg, void *ud)
{
    (void)ud;
    if (lvl == BS_LOG_WARN) {
        nwarn++;
        snprintf(lastwarn, sizeof lastwarn, "%s", msg);
    }
}

static int parse(const char *text, bs_flow_config *c)
{
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    int rc = bs_flow_config_from_json(j, "cfg.json", "/base", c);
    cJSON_Delete(j);
    return rc;
}

#define REQ "\"output_dir\": \"out\", \"synth_clk_period_ns\": 10.0, \"generate_outputs\": [\"estimate_reports\"]"

static void t_all_fields(void **state)
{
    (void)state;
    /* every field of FINN main (M) and dev (D), with non-default values */
    const char *all =
        "{" REQ ", \"specialize_layers_config_file\": \"s.json\", \"folding_config_file\": \"f.json\","
        "\"target_fps\": 1000000, \"folding_two_pass_relaxation\": false,"
        "\"verify_steps\": [\"finn_onnx_python\", \"initial_python\", \"streamlined_python\", \"folded_hls_cppsim\","
        " \"node_by_node_rtlsim\", \"stitched_ip_rtlsim\"],"
        "\"verify_input_npy\": \"i.npy\", \"verify_expected_output_npy\": \"o.npy\", \"verify_save_full_context\": true,"
        "\"verify_save_rtlsim_waveforms\": true, \"verification_atol\": 0.5, \"stitched_ip_gen_dcp\": true,"
        "\"signature\": [1, 2, 3], \"mvau_wwidth_max\": 80, \"standalone_thresholds\": true, \"minimize_bit_width\": false,"
        "\"infer_shuffle_skip_first\": false, \"board\": \"Pynq-Z1\", \"shell_flow_type\": \"vivado_zynq\","
        "\"fpga_part\": \"xc7z020clg400-1\", \"auto_fifo_depths\": false, \"split_large_fifos\": true,"
        "\"auto_fifo_strategy\": \"characterize\", \"force_python_rtlsim\": true, \"large_fifo_mem_style\": \"ultra\","
        "\"fifosim_input_throttle\": false, \"fifosim_n_inferences\": 3, \"fifosim_save_waveform\": true,"
        "\"hls_clk_period_ns\": 5.0, \"default_swg_exception\": true, \"vitis_platform\": \"p\","
        "\"vitis_floorplan_file\": \"fp.json\", \"vitis_opt_strategy\": \"performance_best\","
        "\"save_intermediate_models\": false, \"enable_hw_debug\": true, \"enable_build_pdb_debug\": false,"
        "\"verbose\": true, \"steps\": [\"step_tidy_up\", \"step_streamline\"], \"start_step\": \"step_tidy_up\","
        "\"stop_step\": \"step_streamline\", \"max_multithreshold_bit_width\": 4, \"rtlsim_batch_size\": 10,"
        "\"rtlsim_use_vivado_comps\": false, \"mlo\": false, \"loop_body_hierarchy\": [[\"a\"]], \"loop_body_range\": [0, 2],"
        "\"cpp_driver_version\": \"abc\"}";
    bs_flow_config c;
    nwarn = 0;
    bs_log_set_sink(sink, NULL);
    int rc = parse(all, &c);
    if (rc) fail_msg("%s", bs_error_msg());
    assert_int_equal(nwarn, 0);
    assert_string_equal(c.output_dir, "out");
    assert_true(c.has_target_fps);
    assert_true(c.target_fps == 1e6);
    assert_false(c.folding_two_pass_relaxation);
    assert_int_equal(c.verify_steps, 0x3f);
    assert_int_equal(c.mvau_wwidth_max, 80);
    assert_int_equal(c.nsignature, 3);
    assert_string_equal(c.large_fifo_mem_style, "ultra");
    assert_true(bs_flow_config_hls_clk(&c) == 5.0);
    assert_int_equal(c.nsteps, 2);
    assert_int_equal(c.max_multithreshold_bit_width, 4);
    assert_true(c.verification_atol == 0.5);
    bs_flow_config_free(&c);
    bs_log_set_sink(NULL, NULL);
}

static void t_defaults_and_unknown(void **state)
{
    (void)state;
    bs_flow_config c;
    nwarn = 0;
    bs_log_set_sink(sink, NULL);
    assert_int_equal(parse("{" REQ ", \"bogus_field\": 1}", &c), 0);
    assert_int_equal(nwarn, 1);
    assert_non_null(strstr(lastwarn, "bogus_field"));
    assert_int_equal(c.nwarnings, 1);
    assert_true(c.folding_two_pass_relaxation);
    assert_true(c.minimize_bit_width);
    assert_true(c.save_intermediate_models);
    assert_int_equal(c.mvau_wwidth_max, 36);
    assert_int_equal(c.max_multithreshold_bit_width, 8);
    assert_string_equal(c.auto_fifo_strategy, "largefifo_rtlsim");
    assert_false(c.has_target_fps);
    assert_true(bs_flow_config_hls_clk(&c) == 10.0);
    bs_flow_config_free(&c);
    bs_log_set_sink(NULL, NULL);
}

static void expect_refused(const char *text, const char *field)
{
    bs_flow_config c;
    int rc = parse(text, &c);
    assert_int_equal(rc, BS_EINVAL);
    if (!strstr(bs_error_msg(), field)) fail_msg("error does not name '%s': %s", field, bs_error_msg());
}

static void t_wrong_values(void **state)
{
    (void)state;
    expect_refused("{\"synth_clk_period_ns\": 10.0, \"generate_outputs\": []}", "output_dir");
    expect_refused("{" REQ ", \"target_fps\": \"fast\"}", "target_fps");
    expect_refused("{" REQ ", \"mvau_wwidth_max\": 3.5}", "mvau_wwidth_max");
    expect_refused("{" REQ ", \"minimize_bit_width\": 1}", "minimize_bit_width");
    expect_refused("{" REQ ", \"shell_flow_type\": \"vivado\"}", "shell_flow_type");
    expect_refused("{" REQ ", \"auto_fifo_strategy\": \"magic\"}", "auto_fifo_strategy");
    expect_refused("{\"output_dir\": \"o\", \"synth_clk_period_ns\": 10, \"generate_outputs\": [\"bitstream\"]}",
                   "generate_outputs");
    expect_refused("{" REQ ", \"verify_steps\": [\"cppsim\"]}", "verify_steps");
    expect_refused("{" REQ ", \"steps\": [\"step_nope\"]}", "step_nope");
    expect_refused("{" REQ ", \"synth_clk_period_ns\": -1}", "synth_clk_period_ns");
    expect_refused("{" REQ ", \"output_dir\": null}", "output_dir");
    expect_refused("{" REQ ", \"brainsmith_user_steps\": {\"step_tidy_up\": [\"true\"]}}", "brainsmith_user_steps");
    expect_refused("{" REQ ", \"brainsmith_user_steps\": {\"u\": {\"transforms\": [\"Nope\"]}}}", "Nope");
    expect_refused("{" REQ ", \"steps\": [\"step_tidy_up\"], \"steps\": [1]}", "steps");   /* repeated key: last wins */
}

static void t_parts(void **state)
{
    (void)state;
    bs_flow_config c;
    const char *p;
    assert_int_equal(parse("{" REQ ", \"board\": \"ZCU104\"}", &c), 0);
    assert_int_equal(bs_flow_config_part(&c, &p), 0);
    assert_string_equal(p, "xczu7ev-ffvc1156-2-e");
    bs_flow_config_free(&c);
    assert_int_equal(parse("{" REQ ", \"board\": \"U250\", \"fpga_part\": \"xcu250-figd2104-2L-e\"}", &c), 0);
    assert_int_equal(bs_flow_config_part(&c, &p), 0);
    assert_string_equal(p, "xcu250-figd2104-2L-e");
    bs_flow_config_free(&c);
    assert_int_equal(parse("{" REQ ", \"board\": \"NoSuchBoard\"}", &c), 0);
    assert_int_equal(bs_flow_config_part(&c, &p), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "NoSuchBoard"));
    bs_flow_config_free(&c);
    assert_string_equal(bs_flow_board_part("Pynq-Z2"), "xc7z020clg400-1");
}

static void t_steps(void **state)
{
    (void)state;
    const char *const *d = bs_flow_default_steps(), *const *e = bs_flow_estimate_steps();
    int nd = 0, ne = 0;
    while (d[nd]) nd++;
    while (e[ne]) ne++;
    assert_int_equal(nd, 19);   /* FINN dev 2025 (54ede869) */
    assert_int_equal(ne, 10);
    assert_string_equal(d[9], "step_generate_estimate_reports");
    assert_string_equal(d[17], "step_make_driver");
    assert_non_null(bs_step_find("step_transpose_decomposition"));   /* later dev name, known */
    assert_string_equal(e[9], "step_generate_estimate_reports");
    for (int i = 0; i < nd; i++) assert_non_null(bs_step_find(d[i]));
    assert_null(bs_step_find("step_hls_ipgen"));
    const bs_step_def *s = bs_step_find("step_hw_ipgen");
    assert_null(s->fn);
    assert_non_null(strstr(s->backend, "vitis_hls"));
    for (int i = 0; i < ne; i++) assert_non_null(bs_step_find(e[i])->fn);
}

static void t_start_stop(void **state)
{
    (void)state;
    bs_flow_config c;
    const char **names, **full;
    int n, nfull, first;
    assert_int_equal(parse("{" REQ ", \"start_step\": \"step_streamline\", \"stop_step\": \"step_specialize_layers\"}", &c), 0);
    assert_int_equal(bs_flow_resolve_steps(&c, &names, &n, &full, &nfull, &first), 0);
    assert_int_equal(n, 4);
    assert_int_equal(first, 2);
    assert_int_equal(nfull, 19);
    assert_string_equal(names[0], "step_streamline");
    assert_string_equal(names[3], "step_specialize_layers");
    free(names);
    free(full);
    bs_flow_config_free(&c);
    /* start at the first step: FINN's "Invalid step+delta combination" */
    assert_int_equal(parse("{" REQ ", \"start_step\": \"step_qonnx_to_finn\"}", &c), 0);
    assert_int_equal(bs_flow_resolve_steps(&c, &names, &n, NULL, NULL, &first), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "Invalid step+delta"));
    bs_flow_config_free(&c);
    /* stop before start */
    assert_int_equal(parse("{" REQ ", \"start_step\": \"step_streamline\", \"stop_step\": \"step_tidy_up\"}", &c), 0);
    assert_int_equal(bs_flow_resolve_steps(&c, &names, &n, NULL, NULL, &first), BS_EINVAL);
    bs_flow_config_free(&c);
    /* custom list with a user step */
    assert_int_equal(parse("{" REQ ", \"steps\": [\"step_tidy_up\", \"my_tool\"],"
                           " \"brainsmith_user_steps\": {\"my_tool\": [\"cp\", \"{in}\", \"{out}\"]}}", &c), 0);
    assert_int_equal(c.nuser_steps, 1);
    assert_string_equal(c.user_steps[0].argv[1], "{in}");
    assert_int_equal(bs_flow_resolve_steps(&c, &names, &n, NULL, NULL, &first), 0);
    assert_int_equal(n, 2);
    free(names);
    bs_flow_config_free(&c);
}

static void t_shared_configs(void **state)
{
    (void)state;
    const char *d = bs_test_shared_data();
    if (!d) skip();
    char p[1024];
    snprintf(p, sizeof p, "%s/finn_build/tfc_w1a1_finn_testdata/dataflow_build_config.json", d);
    bs_flow_config c;
    nwarn = 0;
    bs_log_set_sink(sink, NULL);
    int rc = bs_flow_config_load(p, &c);
    if (rc) fail_msg("%s", bs_error_msg());
    assert_int_equal(nwarn, 0);   /* force_python_rtlsim is a FINN main field: accepted */
    assert_true(c.force_python_rtlsim);
    assert_int_equal(c.mvau_wwidth_max, 10000);
    assert_int_equal(c.generate_outputs & BS_OUT_ESTIMATE_REPORTS, BS_OUT_ESTIMATE_REPORTS);
    char *fold = bs_flow_config_path(&c, c.folding_config_file);
    assert_true(bs_path_exists(fold));
    free(fold);
    bs_flow_config_free(&c);
    bs_log_set_sink(NULL, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_all_fields), cmocka_unit_test(t_defaults_and_unknown), cmocka_unit_test(t_wrong_values),
        cmocka_unit_test(t_parts),      cmocka_unit_test(t_steps),                cmocka_unit_test(t_start_stop),
        cmocka_unit_test(t_shared_configs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
