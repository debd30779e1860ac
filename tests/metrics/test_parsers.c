/* test_parsers.c - every report parser against the real files in
 * $BS_SHARED_DATA: values read by hand from the files are pinned (at least
 * three per parser), every shared report and FINN file parses without
 * error, and broken or truncated copies give an error naming the file, the
 * line and what was expected while earlier metrics of the set are kept. */
#include "test_util.h"

#include <math.h>
#include <sys/stat.h>

#include "brainsmith/error.h"
#include "brainsmith/metrics.h"

static const char *data;

static char *dpath(const char *rel)
{
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", data, rel);
    return buf[k];
}

/* Parses one shared file into a fresh set; asserts no error. */
static void parse_ok(bs_metric_set *s, const char *rel, const char *parser)
{
    bs_metrics_init(s);
    int rc = bs_metrics_parse_file(s, dpath(rel), parser);
    if (rc)
        fail_msg("%s: %s", rel, bs_error_msg());
    assert_int_equal(s->nerr, 0);
}

#define PIN(s, id, scope, want)                                                              \
    do {                                                                                     \
        const bs_metric_val *v_ = bs_metrics_get((s), (id), (scope));                       \
        if (!v_)                                                                             \
            fail_msg("%s[%s] missing", (id), (scope) ? (scope) : "");                        \
        double w_ = (want);                                                                  \
        if (fabs(v_->value - w_) > 1e-9 * (fabs(w_) + 1))                                    \
            fail_msg("%s[%s] = %.12g, want %.12g", (id), (scope) ? (scope) : "", v_->value, w_); \
    } while (0)

#define PIN_TEXT(s, id, want)                                                                \
    do {                                                                                     \
        const bs_metric_val *v_ = bs_metrics_get((s), (id), NULL);                          \
        assert_non_null(v_);                                                                 \
        assert_non_null(v_->text);                                                           \
        assert_string_equal(v_->text, (want));                                               \
    } while (0)

static void t_vivado_util_7series(void **st)
{
    bs_metric_set s;
    parse_ok(&s, "reports/vivado_2018.3_xc7z020_utilization_placed.rpt", NULL);
    PIN(&s, "resources.lut", NULL, 7674);
    PIN(&s, "resources.ff", NULL, 8563);
    PIN(&s, "resources.dsp", NULL, 148);
    PIN(&s, "util.dsp_pct", NULL, 67.27);
    PIN(&s, "resources.bram_tiles", NULL, 2);
    PIN(&s, "resources.bram18", NULL, 4);     /* 2 x RAMB36 */
    PIN(&s, "resources.lutram", NULL, 48);
    PIN(&s, "resources.srl", NULL, 119);
    PIN(&s, "resources.carry", NULL, 1076);   /* CARRY4 in the Primitives table */
    PIN(&s, "resources.slices", NULL, 2955);
    PIN(&s, "resources.control_sets", NULL, 196);
    assert_string_equal(s.part, "7z020clg484-1");
    bs_metrics_free(&s);

    parse_ok(&s, "reports/vivado_2020.1_xc7z020_finn_cnv_partition1_util_synth.rpt", NULL);
    PIN(&s, "resources.lut", NULL, 12105);   /* "Slice LUTs*" */
    PIN(&s, "resources.f7f8_mux", NULL, 1756 + 808);
    PIN(&s, "resources.bram_tiles", NULL, 258.5);
    /* synthesis report: rank below an implementation report */
    assert_int_equal(bs_metrics_get(&s, "resources.lut", NULL)->rank, BS_RANK_SYNTH);
    bs_metrics_free(&s);
    (void)st;
}

static void t_vivado_util_ultrascale(void **st)
{
    bs_metric_set s;
    parse_ok(&s, "reports/vivado_2022.2_xcu250_vitis_impl_1_full_util_routed.rpt", NULL);
    PIN(&s, "resources.lut", NULL, 85935);
    PIN(&s, "resources.ff", NULL, 148240);
    PIN(&s, "resources.bram_tiles", NULL, 143.5);
    PIN(&s, "resources.bram18", NULL, 2 * 140 + 7);
    PIN(&s, "resources.dsp", NULL, 15);
    PIN(&s, "resources.uram", NULL, 0);
    PIN(&s, "resources.carry", NULL, 715);
    PIN(&s, "util.lut_pct", NULL, 4.98);
    PIN(&s, "resources.slr_crossings", NULL, 6685);
    assert_int_equal(bs_metrics_get(&s, "resources.lut", NULL)->rank, BS_RANK_IMPL);
    bs_metrics_free(&s);

    parse_ok(&s, "reports/vivado_2020.2_xczu3eg_ultra96_vitis_impl_1_full_util_routed.rpt", NULL);
    PIN(&s, "resources.lut", NULL, 18180);
    PIN(&s, "resources.ff", NULL, 21273);
    PIN(&s, "resources.io", NULL, 45);
    bs_metrics_free(&s);

    parse_ok(&s, "reports/vivado_2022.2_xcu250_vitis_impl_1_slr_util_routed.rpt", NULL);
    PIN(&s, "resources.lut", "SLR1", 73575);
    PIN(&s, "util.lut_pct", "SLR1", 17.03);
    PIN(&s, "resources.ff", "SLR3", 2647);
    PIN(&s, "resources.slr_crossings", NULL, 6685);
    bs_metrics_free(&s);
    (void)st;
}

static void t_vivado_util_hier_xml(void **st)
{
    bs_metric_set s;
    parse_ok(&s, "finn_build/facile_v3_6b_ultra96_kf7lsu/output_final/report/post_synth_resources.xml", NULL);
    PIN(&s, "resources.lut", NULL, 6342);
    PIN(&s, "resources.ff", NULL, 9070);
    PIN(&s, "resources.bram18", NULL, 2);     /* RAMB36 0, RAMB18 2 */
    PIN(&s, "resources.lut", "StreamingFCLayer_Batch_0", 63);
    PIN(&s, "resources.lut", "Thresholding_Batch_0", 19);
    assert_int_equal(bs_metrics_get(&s, "resources.lut", NULL)->rank, BS_RANK_IMPL);   /* "Routed" */
    assert_string_equal(s.part, "xczu3egsbva484-1");
    bs_metrics_free(&s);
    (void)st;
}

/* The text form of report_utilization -hierarchical (layout as Vivado prints it). */
static void t_vivado_util_hier_text(void **st)
{
    static const char rpt[] =
        "| Command      : report_utilization -hierarchical -file u.rpt\n"
        "| Device       : xc7z020clg400-1\n"
        "| Design State : Routed\n\n"
        "1. Utilization by Hierarchy\n---------------------------\n\n"
        "+--------------------------+------------------------+------------+------------+---------+------+------+--------+--------+--------------+\n"
        "|         Instance         |         Module         | Total LUTs | Logic LUTs | LUTRAMs | SRLs |  FFs | RAMB36 | RAMB18 | DSP48 Blocks |\n"
        "+--------------------------+------------------------+------------+------------+---------+------+------+--------+--------+--------------+\n"
        "| top                      |                  (top) |       1000 |        900 |      60 |   40 | 1200 |      2 |      1 |            4 |\n"
        "|   (top)                  |                  (top) |         10 |         10 |       0 |    0 |   20 |      0 |      0 |            0 |\n"
        "|   MVAU_hls_0             |             MVAU_hls_0 |        700 |        650 |      30 |   20 |  800 |      2 |      0 |            4 |\n"
        "|     inst                 |        MVAU_hls_0_inst |        690 |        640 |      30 |   20 |  790 |      2 |      0 |            4 |\n"
        "|   Thresholding_rtl_0     |     Thresholding_rtl_0 |        290 |        240 |      30 |   20 |  380 |      0 |      1 |            0 |\n"
        "+--------------------------+------------------------+------------+------------+---------+------+------+--------+--------+--------------+\n";
    bs_metric_set s;
    bs_metrics_init(&s);
    assert_int_equal(bs_metrics_parse_text(&s, "vivado_utilization", "hier.rpt", rpt, sizeof rpt - 1), 0);
    PIN(&s, "resources.lut", NULL, 1000);
    PIN(&s, "resources.bram18", NULL, 5);
    PIN(&s, "resources.lut", "MVAU_hls_0", 700);
    PIN(&s, "resources.dsp", "MVAU_hls_0", 4);
    PIN(&s, "resources.ff", "Thresholding_rtl_0", 380);
    PIN(&s, "resources.lut", "MVAU_hls_0/inst", 690);
    assert_null(bs_metrics_get(&s, "resources.lut", "(top)"));
    bs_metrics_free(&s);
    (void)st;
}

static void t_vivado_timing(void **st)
{
    bs_metric_set s;
    parse_ok(&s, "reports/vivado_2018.3_xc7z020_timing_summary_routed.rpt", NULL);
    PIN(&s, "timing.wns_ns", NULL, 6.828);
    PIN(&s, "timing.whs_ns", NULL, 0.022);
    PIN(&s, "timing.total_endpoints", NULL, 24726);
    PIN(&s, "timing.wpws_ns", NULL, 8.75);
    PIN(&s, "timing.period_ns", "clk_fpga_0", 20);
    PIN(&s, "timing.wns_ns", "clk_fpga_0", 6.828);
    PIN(&s, "timing.crit_delay_ns", NULL, 12.359);
    PIN(&s, "timing.crit_levels", NULL, 1);
    PIN_TEXT(&s, "timing.crit_start", "design_1_i/myip_0/inst/myip_v1_0_S00_AXI_inst/slv_reg0_reg[2]/C");
    PIN_TEXT(&s, "timing.crit_end", "design_1_i/myip_0/inst/my_fourbyfour/kernel_32/m150/CEP");
    assert_int_equal(bs_metrics_analyze(&s), 0);
    PIN(&s, "timing.met", NULL, 1);
    PIN(&s, "timing.fmax_mhz", NULL, 1000.0 / (20 - 6.828));
    bs_metrics_free(&s);

    parse_ok(&s, "reports/vivado_2020.2_xczu3eg_ultra96_vitis_timing_summary_routed.rpt", NULL);
    PIN(&s, "timing.wns_ns", NULL, 0.653);
    PIN(&s, "timing.clocks", NULL, 3);
    PIN(&s, "timing.period_ns", "clk_out1_u96v2_sbc_base_clk_wiz_0_0", 6.667);
    PIN(&s, "timing.crit_levels", NULL, 11);
    bs_metrics_free(&s);

    /* -slack_lesser_than 0 report: summary only, no paths */
    parse_ok(&s, "reports/vivado_2022.2_xcu250_vitis_dr_timing_summary.rpt", NULL);
    PIN(&s, "timing.wns_ns", NULL, 0.057);
    PIN(&s, "timing.total_endpoints", NULL, 367300);
    PIN(&s, "timing.hold_failing_endpoints", NULL, 0);
    assert_null(bs_metrics_get(&s, "timing.crit_start", NULL));
    bs_metrics_free(&s);

    parse_ok(&s, "finn_build/facile_v3_6b_ultra96_kf7lsu/output_final/report/post_route_timing.rpt", NULL);
    PIN(&s, "timing.wns_ns", NULL, 5.777);
    PIN(&s, "timing.period_ns", "clk_pl_0", 10);
    PIN(&s, "timing.total_endpoints", NULL, 35732);
    bs_metrics_free(&s);
    (void)st;
}

static void t_vivado_power(void **st)
{
    bs_metric_set s;
    parse_ok(&s, "reports/vivado_2018.3_xc7z020_power_routed.rpt", NULL);
    PIN(&s, "power.total_w", NULL, 1.636);
    PIN(&s, "power.dynamic_w", NULL, 1.495);
    PIN(&s, "power.static_w", NULL, 0.142);
    PIN(&s, "power.junction_c", NULL, 43.9);
    PIN(&s, "power.ps_w", NULL, 1.473);
    PIN(&s, "power.clocks_w", NULL, 0.014);
    PIN(&s, "power.bram_w", NULL, 0.003);
    PIN(&s, "power.rail_a", "Vccint", 0.036);
    PIN(&s, "power.rail_a", "Vcco_ddr", 0.423);
    PIN(&s, "power.dynamic_w", "processing_system7_0", 1.473);
    PIN_TEXT(&s, "power.confidence", "Medium");
    assert_false(bs_metrics_get(&s, "power.total_w", NULL)->estimated);
    bs_metrics_free(&s);
    (void)st;
}

static void t_hls(void **st)
{
    bs_metric_set s;
    parse_ok(&s, "reports/vivado_hls_2020.1_xc7z020_finn_StreamingFCLayer_Batch_0_csynth.xml", NULL);
    const char *top = "StreamingFCLayer_Batch_0";
    PIN(&s, "hls.lut", top, 3568);
    PIN(&s, "hls.ff", top, 4841);
    PIN(&s, "hls.dsp", top, 0);             /* <DSP48E> */
    PIN(&s, "hls.clock_ns", top, 8.573);
    PIN(&s, "hls.latency_cycles", top, 1843205);
    PIN(&s, "hls.interval_cycles", top, 1843206);
    PIN(&s, "hls.target_clock_ns", top, 10);
    bs_metrics_free(&s);

    parse_ok(&s, "reports/vitis_hls_2022.2_xcu250_topKQueryScores_csynth.xml", NULL);
    PIN(&s, "hls.dsp", "topKQueryScores", 12);  /* <DSP> */
    PIN(&s, "hls.lut", "topKQueryScores", 7271);
    PIN(&s, "hls.clock_ns", "topKQueryScores", 2.433);
    assert_null(bs_metrics_get(&s, "hls.latency_cycles", "topKQueryScores"));   /* "undef" */
    bs_metrics_free(&s);

    parse_ok(&s, "reports/vitis_hls_2020.2_xczu3eg_lzw_fpga_csynth.rpt", NULL);
    PIN(&s, "hls.bram18", "lzw_fpga", 4110);
    PIN(&s, "hls.lut", "lzw_fpga", 10569);
    PIN(&s, "hls.clock_ns", "lzw_fpga", 4.891);
    bs_metrics_free(&s);

    parse_ok(&s, "reports/vivado_hls_2020.1_xc7z020_finn_StreamingFCLayer_Batch_0_csynth.rpt", NULL);
    PIN(&s, "hls.ff", top, 4841);
    PIN(&s, "hls.lut", top, 3568);
    PIN(&s, "hls.latency_cycles", top, 1843205);
    PIN(&s, "hls.interval_cycles", top, 1843205);   /* the .rpt says ...205, the .xml ...206 */
    bs_metrics_free(&s);

    parse_ok(&s, "reports/vitis_hls_2022.2_xcu250_topKQueryScores_csynth.rpt", NULL);
    PIN(&s, "hls.dsp", "topKQueryScores", 12);
    PIN(&s, "hls.ff", "topKQueryScores", 5275);
    PIN(&s, "hls.target_clock_ns", "topKQueryScores", 3.33);
    bs_metrics_free(&s);
    (void)st;
}

static void t_finn_estimates(void **st)
{
    bs_metric_set s;
    parse_ok(&s, "finn_build/cybsec_mlp_dac2026/report/estimate_network_performance.json", NULL);
    PIN(&s, "perf.critical_path_cycles", NULL, 252);
    PIN(&s, "perf.max_cycles", NULL, 64);
    PIN(&s, "perf.throughput_fps_est", NULL, 1562500.0);
    PIN(&s, "perf.latency_ns_est", NULL, 2520.0);
    PIN(&s, "perf.clock_mhz", NULL, 100);
    PIN_TEXT(&s, "perf.bottleneck_layer", "MVAU_hls_1");
    bs_metrics_free(&s);

    parse_ok(&s, "finn_build/cybsec_mlp_dac2026/report/estimate_layer_resources.json", NULL);
    PIN(&s, "est.lut", "MVAU_hls_0", 6741);
    PIN(&s, "est.bram18", "MVAU_hls_0", 36);
    PIN(&s, "est.bram_efficiency", "MVAU_hls_3", 0.006944444444444444);
    PIN(&s, "est.lut", NULL, 9354);      /* the "total" entry */
    PIN(&s, "est.bram18", NULL, 45);
    bs_metrics_free(&s);

    parse_ok(&s, "finn_build/cybsec_mlp_dac2026/report/estimate_layer_cycles.json", NULL);
    PIN(&s, "perf.cycles", "MVAU_hls_0", 60);
    PIN(&s, "perf.cycles", "MVAU_hls_1", 64);
    PIN(&s, "perf.cycles", "MVAU_hls_3", 64);
    bs_metrics_free(&s);

    parse_ok(&s, "finn_build/cybsec_mlp_dac2026/report/estimate_layer_config_alternatives.json", NULL);
    PIN(&s, "est.alternatives", "MVAU_hls_0", 2);
    PIN(&s, "est.alternatives", "MVAU_hls_3", 2);
    PIN(&s, "est.alternatives", "MVAU_hls_1", 2);
    bs_metrics_free(&s);

    parse_ok(&s, "finn_build/cybsec_mlp_dac2026/report/op_and_param_counts.json", NULL);
    PIN(&s, "ops.macs", "MVAU_hls_0", 38400);
    PIN(&s, "mem.weight_bits", "MVAU_hls_0", 38400 * 2);
    PIN(&s, "mem.threshold_bits", "MVAU_hls_0", 64 * 9);
    PIN(&s, "ops.macs", NULL, 38400 + 8256);
    PIN(&s, "mem.weight_bits", NULL, 46656 * 2);
    bs_metrics_free(&s);

    parse_ok(&s, "finn_build/facile_v3_6b_ultra96_kf7lsu/output_final/report/estimate_layer_resources_hls.json", NULL);
    PIN(&s, "hls.ff", "StreamingFCLayer_Batch_0", 1129);    /* values are JSON strings */
    PIN(&s, "hls.lut", "StreamingFCLayer_Batch_2", 3132);
    PIN(&s, "hls.lut", "Thresholding_Batch_0", 765);
    bs_metrics_free(&s);

    parse_ok(&s, "finn_build/bls_mlp_wb3_ab3_prune_zcu104_datelbr/report/estimate_layer_resources_hls.json", NULL);
    PIN(&s, "hls.lut", "MVAU_hls_0", 9188);
    PIN(&s, "hls.ff", "MVAU_hls_1", 453);
    PIN(&s, "hls.dsp", "MVAU_hls_0", 0);   /* "DSP48E": 0 (int) and "DSP": "0" */
    bs_metrics_free(&s);
    (void)st;
}

static void t_finn_measured(void **st)
{
    bs_metric_set s;
    /* 2021 rtlsim_performance keys */
    parse_ok(&s, "finn_build/facile_v3_6b_ultra96_kf7lsu/output_ipstitch_ooc_rtlsim/report/rtlsim_performance.json", NULL);
    PIN(&s, "perf.cycles", NULL, 3422);
    PIN(&s, "perf.latency_cycles", NULL, 782);
    PIN(&s, "perf.throughput_fps", NULL, 10227.936879018118);
    PIN(&s, "mem.act_in_mbps", NULL, 0.10739333722969023);
    PIN(&s, "perf.clock_mhz", NULL, 5.0);
    PIN(&s, "perf.latency_ns", NULL, 782 * 1000.0 / 5.0);
    PIN(&s, "perf.sim_batch", NULL, 7);
    bs_metrics_free(&s);

    /* 2025 keys: stable throughput, interval, unfinished counters */
    parse_ok(&s, "finn_build/bls_mlp_wb3_ab3_prune_zcu104_datelbr/report/rtlsim_performance.json", NULL);
    PIN(&s, "perf.latency_cycles", NULL, 34);
    PIN(&s, "perf.interval_cycles", NULL, 33);
    PIN(&s, "perf.clock_mhz", NULL, 500);
    PIN(&s, "perf.throughput_fps", NULL, 14285714.285714285);
    PIN(&s, "perf.sim_incomplete", NULL, 0);
    bs_metrics_free(&s);

    parse_ok(&s, "finn_build/facile_v3_6b_ultra96_kf7lsu/output_ipstitch_ooc_rtlsim/report/ooc_synth_and_timing.json", NULL);
    PIN(&s, "resources.lut", NULL, 343);
    PIN(&s, "resources.ff", NULL, 423);
    PIN(&s, "timing.wns_ns", NULL, 196.981);
    PIN(&s, "timing.fmax_mhz", NULL, 331.23550844650487);
    PIN(&s, "perf.throughput_fps_fmax", NULL, 763215.4572500113);
    bs_metrics_free(&s);

    parse_ok(&s, "finn_build/bls_mlp_wb3_ab3_prune_zcu104_datelbr/report/ooc_synth_and_timing.json", NULL);
    PIN(&s, "resources.lut", NULL, 12249);
    PIN(&s, "resources.lutram", NULL, 132);
    PIN(&s, "resources.carry", NULL, 454);
    PIN(&s, "resources.dsp", NULL, 8);
    PIN(&s, "timing.period_ns", NULL, 2.0);   /* 1000/fmax + WNS */
    bs_metrics_free(&s);

    parse_ok(&s, "finn_build/bls_mlp_wb3_ab3_prune_zcu104_datelbr/time_per_step.json", NULL);
    PIN(&s, "build.steps", NULL, 19);
    PIN(&s, "build.wall_s", "step_hw_ipgen", 144.85527300834656);
    PIN(&s, "build.wall_s", "step_out_of_context_synthesis", 225.62092208862305);
    bs_metrics_free(&s);

    parse_ok(&s, "finn_build/cnv_w4a4_pynqz1_pgreksic/output_ipstitch_ooc_rtlsim/final_hw_config.json", NULL);
    PIN(&s, "fold.pe", "StreamingFCLayer_Batch_1", 4);
    PIN(&s, "fold.simd", "StreamingFCLayer_Batch_1", 4);
    PIN(&s, "fold.simd", "ConvolutionInputGenerator_0", 2);
    PIN(&s, "fold.fifo_depth", "StreamingFIFO_1", 8192);
    bs_metrics_free(&s);

    parse_ok(&s, "finn_build/cybsec_mlp_dac2026/auto_folding_config.json", NULL);
    PIN(&s, "fold.pe", "MVAU_hls_0", 16);
    PIN(&s, "fold.simd", "MVAU_hls_0", 40);
    PIN(&s, "fold.layers", NULL, 4);
    PIN(&s, "fold.parallelism", NULL, 16 * 40 + 64 + 64 + 1);
    bs_metrics_free(&s);

    parse_ok(&s, "finn_build/cybsec_mlp_dac2026/build_dataflow.log", NULL);
    PIN(&s, "build.steps", NULL, 12);   /* two runs appended: the last one ran 12 of 19 steps */
    bs_metrics_free(&s);

    parse_ok(&s, "finn_build/tfc_w1a1_finn_testdata/dataflow_build_config.json", NULL);
    PIN(&s, "timing.target_mhz", NULL, 100);
    bs_metrics_free(&s);
    (void)st;
}

/* post_synth_resources.json has no public sample: the layout FINN's
 * step_synthesize_bitfile writes (instance -> resource counts). */
static void t_post_synth_json(void **st)
{
    static const char js[] = "{\"(top)\": {\"LUT\": 6342, \"FF\": 9070, \"BRAM_36K\": 1, \"BRAM_18K\": 2, \"DSP\": 3},"
                             " \"MVAU_hls_0\": {\"LUT\": \"120\", \"FF\": 80, \"SRL\": 4}}";
    bs_metric_set s;
    bs_metrics_init(&s);
    assert_int_equal(bs_metrics_parse_text(&s, NULL, "report/post_synth_resources.json", js, sizeof js - 1), 0);
    PIN(&s, "resources.lut", NULL, 6342);
    PIN(&s, "resources.bram18", NULL, 4);
    PIN(&s, "resources.dsp", NULL, 3);
    PIN(&s, "resources.lut", "MVAU_hls_0", 120);
    PIN(&s, "resources.srl", "MVAU_hls_0", 4);
    bs_metrics_free(&s);
    (void)st;
}

/* Every file under reports/, finn_build/ and finn_oracle/ that is a report
 * is detected and parses with no error; the rest are not reports. */
static void t_all_shared_files_parse(void **st)
{
    const char *dirs[] = {"reports", "finn_build", "finn_oracle"};
    for (size_t i = 0; i < 3; i++) {
        bs_metric_set s;
        int n = 0;
        bs_metrics_init(&s);
        assert_int_equal(bs_metrics_collect_dir(&s, dpath(dirs[i]), &n), 0);
        for (size_t e = 0; e < s.nerr; e++)
            print_error("%s:%d: %s\n", s.err[e].file, s.err[e].line, s.err[e].msg);
        assert_int_equal(s.nerr, 0);
        assert_true(n >= 15);
        bs_metrics_free(&s);
    }
    (void)st;
}

/* Writes the first `keep` bytes of a shared file (plus optional junk) to tmp. */
static char *broken_copy(const char *dir, const char *rel, double keep_frac, const char *append)
{
    char *text;
    size_t len;
    assert_int_equal(bs_read_file(dpath(rel), &text, &len), 0);
    const char *base = strrchr(rel, '/') + 1;
    char *out = bs_path_join(dir, base);
    size_t k = (size_t)(len * keep_frac);
    bs_strbuf sb = BS_STRBUF_INIT;
    bs_strbuf_append(&sb, text, k);
    if (append)
        bs_strbuf_puts(&sb, append);
    assert_int_equal(bs_write_file_atomic(out, sb.buf ? sb.buf : "", sb.len), 0);
    bs_strbuf_free(&sb);
    free(text);
    return out;
}

static void expect_error(bs_metric_set *s, const char *path, const char *needle, int min_line)
{
    size_t before = s->nerr;
    int rc = bs_metrics_parse_file(s, path, NULL);
    if (rc != BS_EPARSE)
        fail_msg("%s: rc %d (%s), want a parse error", path, rc, rc ? bs_error_msg() : "ok");
    assert_int_equal(s->nerr, before + 1);
    const bs_metric_err *e = &s->err[s->nerr - 1];
    assert_string_equal(e->file, path);
    if (!strstr(e->msg, needle))
        fail_msg("%s: error '%s' lacks '%s'", path, e->msg, needle);
    if (e->line < min_line)
        fail_msg("%s: error line %d < %d", path, e->line, min_line);
    /* the error context names file and line too */
    assert_non_null(strstr(bs_error_msg(), path));
}

static void t_broken_files(void **st)
{
    char *tmp = bs_test_mkdtemp("metrics-broken");
    bs_metric_set s;
    bs_metrics_init(&s);
    /* a good file first: its metrics must survive the errors below */
    assert_int_equal(bs_metrics_parse_file(&s, dpath("reports/vivado_2018.3_xc7z020_power_routed.rpt"), NULL), 0);

    char *p = broken_copy(tmp, "finn_build/cybsec_mlp_dac2026/report/estimate_network_performance.json", 0.5, NULL);
    expect_error(&s, p, "truncated", 3);
    free(p);
    p = broken_copy(tmp, "finn_build/bls_mlp_wb3_ab3_prune_zcu104_datelbr/report/ooc_synth_and_timing.json", 1.0,
                    "garbage");
    expect_error(&s, p, "expected valid JSON", 18);
    free(p);
    p = broken_copy(tmp, "reports/vivado_hls_2020.1_xc7z020_finn_StreamingFCLayer_Batch_0_csynth.xml", 0.3, NULL);
    expect_error(&s, p, "end of file", 10);
    free(p);
    p = broken_copy(tmp, "finn_build/facile_v3_6b_ultra96_kf7lsu/output_final/report/post_synth_resources.xml", 0.5, NULL);
    expect_error(&s, p, "got end of file", 200);
    free(p);
    p = broken_copy(tmp, "reports/vivado_2018.3_xc7z020_timing_summary_routed.rpt", 0.0005, NULL);
    /* a header line survives, so detection works; the summary table is gone */
    {
        char *t; size_t l;
        bs_read_file(dpath("reports/vivado_2018.3_xc7z020_timing_summary_routed.rpt"), &t, &l);
        bs_write_file_atomic(p, t, 1300);   /* header + table of contents, cut before the summary */
        free(t);
    }
    expect_error(&s, p, "Design Timing Summary", 1);
    free(p);
    p = broken_copy(tmp, "reports/vivado_2018.3_xc7z020_timing_summary_routed.rpt", 1.0, NULL);
    {
        /* the summary row cut off right after its header */
        char *t; size_t l;
        bs_read_file(p, &t, &l);
        char *h = strstr(t, "    -------      -------");
        assert_non_null(h);
        bs_write_file_atomic(p, t, (size_t)(strchr(h, '\n') + 1 - t));
        free(t);
    }
    expect_error(&s, p, "row of numbers", 0);
    free(p);
    p = broken_copy(tmp, "reports/vivado_2018.3_xc7z020_power_routed.rpt", 0.1, NULL);
    expect_error(&s, p, "Total On-Chip Power", 10);
    free(p);
    p = broken_copy(tmp, "reports/vivado_2018.3_xc7z020_utilization_placed.rpt", 0.12, NULL);
    expect_error(&s, p, "utilization table", 1);
    free(p);
    p = broken_copy(tmp, "reports/vitis_hls_2020.2_xczu3eg_lzw_fpga_csynth.rpt", 0.18, NULL);
    expect_error(&s, p, "Utilization Estimates", 1);
    free(p);
    p = broken_copy(tmp, "finn_build/cybsec_mlp_dac2026/report/estimate_layer_cycles.json", 0.0, "{\"MVAU_hls_0\": \"x\"}");
    expect_error(&s, p, "expected a number of cycles", 1);
    free(p);

    /* found by fuzzing: a short row in the By Hierarchy table */
    {
        static const char odd[] = "| Command : report_power\n"
                                  "+----------+-----------+\n| Name     | Power (W) |\n+----------+-----------+\n"
                                  "| top      |     1.495 |\n|     myip_73 |\n|\n+----------+-----------+\n";
        bs_metric_set s2;
        bs_metrics_init(&s2);
        assert_int_equal(bs_metrics_parse_text(&s2, "vivado_power", "odd.rpt", odd, sizeof odd - 1), BS_EPARSE);
        assert_true(bs_metrics_num(&s2, "power.dynamic_w", "top") == 1.495);
        bs_metrics_free(&s2);
    }

    /* found by fuzzing: a step counter at the very end of the buffer */
    {
        static const char tail[] = {'R', 'u', 'n', 'n', 'i', 'n', 'g', ' ', 's', 't', 'e', 'p', ' ', '[', '2', '/', '1'};
        char *buf = malloc(sizeof tail);   /* exact size: ASan sees any read past it */
        memcpy(buf, tail, sizeof tail);
        bs_metric_set s2;
        bs_metrics_init(&s2);
        assert_int_equal(bs_metrics_parse_text(&s2, "finn_log", "x/build_dataflow.log", buf, sizeof tail), 0);
        assert_true(bs_metrics_num(&s2, "build.steps", NULL) == 1);
        bs_metrics_free(&s2);
        free(buf);
    }

    /* the good file's metrics are all still there */
    PIN(&s, "power.total_w", NULL, 1.636);
    PIN(&s, "power.rail_a", "Vccint", 0.036);
    assert_int_equal(s.nerr, 10);
    bs_metrics_free(&s);
    bs_test_rmdir(tmp);
    (void)st;
}

int main(void)
{
    data = bs_test_shared_data();
    if (!data) {
        fprintf(stderr, "BS_SHARED_DATA not found: skipping\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_vivado_util_7series),
        cmocka_unit_test(t_vivado_util_ultrascale),
        cmocka_unit_test(t_vivado_util_hier_xml),
        cmocka_unit_test(t_vivado_util_hier_text),
        cmocka_unit_test(t_vivado_timing),
        cmocka_unit_test(t_vivado_power),
        cmocka_unit_test(t_hls),
        cmocka_unit_test(t_finn_estimates),
        cmocka_unit_test(t_finn_measured),
        cmocka_unit_test(t_post_synth_json),
        cmocka_unit_test(t_all_shared_files_parse),
        cmocka_unit_test(t_broken_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
