/* test_rtl_e2e.c - a hand-made 3-layer MLP end to end on open tools:
 * generated, simulated bit-exact with Verilator (with back-pressure, then at
 * full rate for report/rtlsim_performance.json), synthesised for xc7 with
 * Yosys (report/post_synth_resources.json, per layer) and placed and routed
 * to an iCE40 UP5K bitstream with fmax.  SKIP (77) when a tool is missing. */
#include "../test_util.h"

#include <sys/stat.h>

#include "brainsmith/backends.h"
#include "brainsmith/error.h"
#include "brainsmith/json.h"
#include "brainsmith/rtl.h"
#include "rtl_cases.h"

#define NFRAMES 8

static void test_mlp_e2e(void **state)
{
    const char *tools[] = {"verilator", "yosys", "nextpnr-ice40", "icepack", "icetime"};
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
        bs_tool_info ti;
        if (bs_tool_probe(tools[i], &ti) < 0) { print_message("SKIP: %s\n", bs_error_msg()); exit(77); }
    }
    rc_pool pool = {0};
    bs_rtl_node ch[4];
    ch[0] = rc_mvau(&pool, "MVAU_hls_0", 32, 16, 4, 8, "UINT2", "INT2", "UINT2", 3, 1);
    ch[1] = rc_mvau(&pool, "MVAU_hls_1", 16, 16, 4, 4, "UINT2", "INT2", "UINT2", 3, 1);
    ch[2] = rc_mvau(&pool, "MVAU_hls_2", 16, 10, 5, 4, "UINT2", "INT2", "INT10", 0, 1);
    bs_rtl_node_init(&ch[3], "LabelSelect_hls", "LabelSelect_hls_0");
    ch[3].Labels = 10; ch[3].PE = 1; ch[3].K = 1;
    snprintf(ch[3].inputDataType, sizeof ch[3].inputDataType, "INT10");
    snprintf(ch[3].outputDataType, sizeof ch[3].outputDataType, "UINT8");
    bs_rtl_design *d;
    bs_rtl_design_opts o = {8, true};
    if (bs_rtl_design_new("tiny_mlp", ch, 4, &o, &d) < 0) fail_msg("%s", bs_error_msg());

    const char *bin = getenv("BS_BINARY_DIR");
    char work[512], rep[600], out[600];
    snprintf(work, sizeof work, "%s/tests/rtl/work-e2e", bin ? bin : ".");
    bs_vl_model m;
    if (bs_vl_build(&d, 1, work, getenv("BS_VL_CACHE"), &m) < 0) fail_msg("%s", bs_error_msg());
    int64_t **in = rc_inputs(&pool, d, NFRAMES);
    int64_t *exp = rc_alloc(&pool, (size_t)(NFRAMES * bs_rtl_stream_elems(&d->out.s)));
    assert_int_equal(bs_rtl_design_golden(d, (const int64_t *const *)in, NFRAMES, exp), 0);
    assert_int_equal(bs_vl_write_data(&m, 0, d, (const int64_t *const *)in, exp, NFRAMES), 0);
    bs_vl_result r;
    bs_vl_run_opts bp = {25, 50, 5, 100000, 100};
    if (bs_vl_run(&m, &bp, &r, NULL) < 0) fail_msg("%s", bs_error_msg());
    assert_int_equal(r.mismatches, 0);
    assert_int_equal(r.extra_beats, 0);
    assert_int_equal(r.out_beats, NFRAMES);
    bs_vl_run_opts full = {0, 0, 1, 100000, 20};
    if (bs_vl_run(&m, &full, &r, NULL) < 0) fail_msg("%s", bs_error_msg());
    assert_int_equal(r.mismatches, 0);
    int64_t est = bs_rtl_design_max_cycles(d, NULL);
    double interval = (double)(r.cycles - r.latency_cycles) / (NFRAMES - 1);
    print_message("rtlsim: latency %lld cycles, %.2f cycles/frame, FINN estimate %lld (gap %+.1f%%)\n",
                  (long long)r.latency_cycles, interval, (long long)est, 100.0 * (interval - est) / est);
    assert_true(interval <= est * 1.05 + 1);
    snprintf(rep, sizeof rep, "%s/report/rtlsim_performance.json", work);
    assert_int_equal(bs_report_rtlsim_performance(rep, &r, 10.0), 0);
    cJSON *j;
    assert_int_equal(bs_json_load_file(rep, &j), 0);
    int64_t v;
    assert_int_equal(bs_json_get_i64(j, "N", &v), 0);
    assert_int_equal(v, NFRAMES);
    assert_non_null(cJSON_GetObjectItemCaseSensitive(j, "stable_throughput[images/s]"));
    cJSON_Delete(j);

    /* Yosys xc7, per layer */
    bs_synth_result s;
    snprintf(out, sizeof out, "%s/synth", work);
    if (bs_yosys_synth(d, m.srcdir, BS_SYNTH_XC7, out, &s) < 0) fail_msg("%s", bs_error_msg());
    print_message("xc7: LUT %lld FF %lld CARRY %lld BRAM18 %lld DSP %lld (%.1f s)\n", (long long)s.total.lut,
                  (long long)s.total.ff, (long long)s.total.carry, (long long)s.total.bram18,
                  (long long)s.total.dsp, s.seconds);
    assert_true(s.total.lut > 0 && s.total.ff > 0);
    assert_int_equal(s.n_layers, d->n_nodes);
    int64_t lut_sum = 0;
    for (size_t i = 0; i < s.n_layers; i++) lut_sum += s.layers[i].lut;
    assert_true(s.layers[0].lut > 0);
    assert_int_equal(lut_sum, s.total.lut);
    snprintf(rep, sizeof rep, "%s/report/post_synth_resources.json", work);
    assert_int_equal(bs_report_post_synth(rep, &s), 0);
    assert_int_equal(bs_json_load_file(rep, &j), 0);
    assert_non_null(cJSON_GetObjectItemCaseSensitive(j, "(top)"));
    assert_non_null(cJSON_GetObjectItemCaseSensitive(j, "MVAU_hls_1"));
    cJSON_Delete(j);

    /* iCE40 UP5K bitstream */
    bs_synth_result si;
    if (bs_yosys_synth(d, m.srcdir, BS_SYNTH_ICE40_UP5K, out, &si) < 0) fail_msg("%s", bs_error_msg());
    bs_pnr_result p;
    if (bs_ice40_pnr(&si, BS_SYNTH_ICE40_UP5K, 12, out, &p) < 0) fail_msg("%s", bs_error_msg());
    print_message("up5k: LC %lld/%lld RAM %lld/%lld DSP %lld/%lld fmax %.2f MHz (icetime %.2f), %lld-byte bitstream; "
                  "synth %.1f s, pnr %.1f s, pack %.2f s, icetime %.1f s\n",
                  (long long)p.lc_used, (long long)p.lc_avail, (long long)p.ram_used, (long long)p.ram_avail,
                  (long long)p.dsp_used, (long long)p.dsp_avail, p.fmax_mhz, p.icetime_mhz,
                  (long long)p.bin_bytes, si.seconds, p.pnr_s, p.pack_s, p.time_s);
    assert_true(p.fmax_mhz > 1);
    assert_true(p.bin_bytes > 10000);
    assert_true(p.lc_used > 0);
    bs_rtl_design_free(d);
    rc_free(&pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_mlp_e2e)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
