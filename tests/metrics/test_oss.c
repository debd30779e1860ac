/* test_oss.c - the open-source flow's reports, produced for real: Yosys
 * synthesizes tests/metrics/data/mac.v for iCE40 (`stat -json`), nextpnr
 * places and routes it (`--report`), icetime times the bitstream and a
 * Verilator testbench prints rtlsim counts.  Their parsers are checked
 * against the tools' own output, and then the acceptance check: every
 * metric of the registry is produced by at least one source (the shared
 * reports and FINN dirs, these tool outputs, the quality comparison and
 * the orchestrator's process usage).  SKIPs when the tools are missing. */
#include "test_util.h"

#include <cJSON.h>
#include <math.h>

#include "brainsmith/error.h"
#include "brainsmith/json.h"
#include "brainsmith/metrics.h"
#include "brainsmith/proc.h"

static char *tmp;
static const char *src;

static void run(const char *const *argv, const char *out_file)
{
    char *out = NULL;
    size_t n = 0;
    bs_exit ex;
    int rc = bs_run_capture(argv, tmp, true, 300000, &out, &n, &ex);
    if (rc || !ex.exited || ex.code != 0)
        fail_msg("%s failed (rc %d, exit %d): %.*s", argv[0], rc, ex.code, (int)(n > 2000 ? 2000 : n),
                 out ? out : "");
    if (out_file) {
        char *p = bs_path_join(tmp, out_file);
        assert_int_equal(bs_write_file_atomic(p, out, n), 0);
        free(p);
    }
    free(out);
}

static char *tpath(const char *f)
{
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmp, f);
    return buf[k];
}

static int setup(void **st)
{
    char v[1024], tb[1024];
    snprintf(v, sizeof v, "%s/tests/metrics/data/mac.v", src);
    snprintf(tb, sizeof tb, "%s/tests/metrics/data/mac_tb.v", src);
    const char *ys[] = {"yosys", "-q", "-p", "synth_ice40 -top mac -json mac.json; tee -q -o stat.json stat -json",
                        v, NULL};
    run(ys, NULL);
    const char *pnr[] = {"nextpnr-ice40", "--up5k", "--package", "sg48", "--json", "mac.json", "--asc", "mac.asc",
                         "--report", "report.json", "--freq", "12", "-q", NULL};
    run(pnr, NULL);
    const char *it[] = {"icetime", "-d", "up5k", "-P", "sg48", "-t", "mac.asc", NULL};
    run(it, "icetime.txt");
    const char *it2[] = {"icetime", "-d", "up5k", "-P", "sg48", "mac.asc", NULL};
    run(it2, "icetime_short.txt");
    const char *vl[] = {"verilator", "--binary", "--timing", "-Wno-fatal", "-Wno-lint", "-Wno-style", "--top-module",
                        "mac_tb", "-Mdir", "obj", v, tb, NULL};
    run(vl, NULL);
    const char *sim[] = {tpath("obj/Vmac_tb"), NULL};
    run(sim, "rtlsim.log");
    (void)st;
    return 0;
}

/* Reads a number out of the tool's JSON independently of the parser. */
static double json_at(const char *file, const char *const *keys)
{
    cJSON *j;
    assert_int_equal(bs_json_load_file(tpath(file), &j), 0);
    const cJSON *x = j;
    for (int i = 0; keys[i]; i++)
        x = cJSON_GetObjectItemCaseSensitive(x, keys[i]);
    double v = cJSON_IsNumber(x) ? x->valuedouble : NAN;
    cJSON_Delete(j);
    return v;
}

static void t_yosys(void **st)
{
    bs_metric_set s;
    bs_metrics_init(&s);
    assert_int_equal(bs_metrics_parse_file(&s, tpath("stat.json"), NULL), 0);   /* detected by content */
    const char *lut[] = {"design", "num_cells_by_type", "SB_LUT4", NULL};
    const char *car[] = {"design", "num_cells_by_type", "SB_CARRY", NULL};
    const char *cells[] = {"design", "num_cells", NULL};
    const char *wires[] = {"design", "num_wires", NULL};
    assert_true(bs_metrics_num(&s, "resources.lut", NULL) == json_at("stat.json", lut));
    assert_true(bs_metrics_num(&s, "resources.carry", NULL) == json_at("stat.json", car));
    assert_true(bs_metrics_num(&s, "resources.cells", NULL) == json_at("stat.json", cells));
    assert_true(bs_metrics_num(&s, "resources.wires", NULL) == json_at("stat.json", wires));
    /* a 16-bit accumulator and a 4-bit counter: 20 flip-flops whatever the version */
    assert_true(bs_metrics_num(&s, "resources.ff", NULL) == 20);
    assert_true(bs_metrics_num(&s, "resources.carry", NULL) >= 8);
    bs_metrics_free(&s);
    (void)st;
}

static void t_nextpnr(void **st)
{
    bs_metric_set s;
    bs_metrics_init(&s);
    assert_int_equal(bs_metrics_parse_file(&s, tpath("report.json"), NULL), 0);
    const char *lc[] = {"utilization", "ICESTORM_LC", "used", NULL};
    const char *lca[] = {"utilization", "ICESTORM_LC", "available", NULL};
    const char *io[] = {"utilization", "SB_IO", "used", NULL};
    assert_true(bs_metrics_num(&s, "resources.slices", NULL) == json_at("report.json", lc));
    assert_true(fabs(bs_metrics_num(&s, "util.lut_pct", NULL) -
                     100 * json_at("report.json", lc) / json_at("report.json", lca)) < 1e-9);
    /* 2+2x8+16+4 = 38 ports, one global buffer for clk (+ reset) */
    assert_true(bs_metrics_num(&s, "resources.io", NULL) == json_at("report.json", io));
    assert_true(bs_metrics_num(&s, "resources.io", NULL) == 38);
    assert_true(bs_metrics_num(&s, "resources.bufg", NULL) >= 1);
    double f = bs_metrics_num(&s, "timing.fmax_mhz", NULL);
    assert_true(f > 12);   /* met the 12 MHz constraint */
    assert_true(bs_metrics_num(&s, "timing.met", NULL) == 1);
    assert_true(bs_metrics_num(&s, "timing.target_mhz", NULL) == 12);
    assert_true(bs_metrics_num(&s, "timing.wns_ns", NULL) > 0);
    assert_true(bs_metrics_num(&s, "timing.crit_delay_ns", NULL) > 0);
    assert_non_null(bs_metrics_get(&s, "timing.crit_start", NULL));
    bs_metrics_free(&s);
    (void)st;
}

static void t_icetime(void **st)
{
    char *text;
    size_t n;
    assert_int_equal(bs_read_file(tpath("icetime.txt"), &text, &n), 0);
    const char *p = strstr(text, "Total path delay: ");
    assert_non_null(p);
    double ns = strtod(p + 18, NULL);
    const char *q = strchr(p, '(');
    double mhz = strtod(q + 1, NULL);
    const char *l = strstr(text, "Total number of logic levels: ");
    double levels = strtod(l + 30, NULL);
    free(text);
    bs_metric_set s;
    bs_metrics_init(&s);
    assert_int_equal(bs_metrics_parse_file(&s, tpath("icetime.txt"), NULL), 0);
    assert_true(bs_metrics_num(&s, "timing.crit_delay_ns", NULL) == ns);
    assert_true(bs_metrics_num(&s, "timing.fmax_mhz", NULL) == mhz);
    assert_true(bs_metrics_num(&s, "timing.crit_levels", NULL) == levels);
    assert_true(mhz > 12 && mhz < 500);
    bs_metrics_free(&s);
    /* without -t icetime prints one "Timing estimate" line: same numbers */
    bs_metrics_init(&s);
    assert_int_equal(bs_metrics_parse_file(&s, tpath("icetime_short.txt"), NULL), 0);
    assert_true(bs_metrics_num(&s, "timing.crit_delay_ns", NULL) == ns);
    assert_true(bs_metrics_num(&s, "timing.fmax_mhz", NULL) == mhz);
    assert_null(bs_metrics_get(&s, "timing.crit_levels", NULL));
    bs_metrics_free(&s);
    (void)st;
}

static void t_rtlsim(void **st)
{
    bs_metric_set s;
    bs_metrics_init(&s);
    assert_int_equal(bs_metrics_parse_file(&s, tpath("rtlsim.log"), NULL), 0);
    assert_true(bs_metrics_num(&s, "perf.cycles", NULL) == 100);
    assert_true(bs_metrics_num(&s, "perf.interval_cycles", NULL) == 1);
    assert_true(bs_metrics_num(&s, "perf.sim_batch", NULL) == 97);
    assert_true(bs_metrics_num(&s, "perf.stall_cycles", "mac") == 3);   /* reset held 3 cycles */
    assert_true(bs_metrics_num(&s, "perf.latency_cycles", NULL) >= 3);
    assert_true(bs_metrics_num(&s, "perf.throughput_fps", NULL) == 100e6);
    bs_metrics_free(&s);
    (void)st;
}

/* Broken tool outputs name file and line. */
static void t_broken_tool_output(void **st)
{
    bs_metric_set s;
    bs_metrics_init(&s);
    static const char bad_ice[] = "// Reading input .asc file..\n// Timing estimate: fast\n";
    assert_int_equal(bs_metrics_parse_text(&s, "icetime", "x/icetime.txt", bad_ice, sizeof bad_ice - 1), BS_EPARSE);
    assert_int_equal(s.err[0].line, 2);
    assert_non_null(strstr(s.err[0].msg, "Timing estimate"));
    /* found by fuzzing: a '(' before a second ':' once made a negative length */
    static const char odd_ice[] = "// Timing estimate: 27.46 ns (36.41 M6 ns (36.41 levelv: 17\n"
                                  "Total path delay: 27.46 36 sn(.41 MHz)\n";
    bs_metric_set s2;
    bs_metrics_init(&s2);
    bs_metrics_parse_text(&s2, "icetime", "x/odd.txt", odd_ice, sizeof odd_ice - 1);
    bs_metrics_free(&s2);
    static const char bad_ys[] = "{\n \"creator\": \"Yosys\",\n \"modules\": {\n";
    assert_int_equal(bs_metrics_parse_text(&s, "yosys_stat", "x/stat.json", bad_ys, sizeof bad_ys - 1), BS_EPARSE);
    assert_non_null(strstr(s.err[1].msg, "truncated"));
    static const char bad_sim[] = "rtlsim: cycles=twelve\n";
    assert_int_equal(bs_metrics_parse_text(&s, "rtlsim_counts", "x/sim.log", bad_sim, sizeof bad_sim - 1), BS_EPARSE);
    assert_int_equal(s.err[2].line, 1);
    bs_metrics_free(&s);
    (void)st;
}

/* Adds every id of s to the seen list. */
static void mark(bool *seen, const bs_metric_set *s)
{
    size_t n;
    const bs_metric_def *t = bs_metric_table(&n);
    for (size_t i = 0; i < s->n; i++)
        for (size_t k = 0; k < n; k++)
            if (!strcmp(t[k].id, s->v[i].id))
                seen[k] = true;
}

static void collect_analyzed(bool *seen, const char *dir)
{
    bs_metric_set s;
    bs_metrics_init(&s);
    assert_int_equal(bs_metrics_collect_dir(&s, dir, NULL), 0);
    assert_int_equal(bs_metrics_analyze(&s), 0);
    mark(seen, &s);
    bs_metrics_free(&s);
}

static void t_every_metric_has_a_source(void **st)
{
    const char *data = bs_test_shared_data();
    if (!data)
        skip();
    size_t n;
    const bs_metric_def *t = bs_metric_table(&n);
    bool *seen = calloc(n, sizeof *seen);
    char p[1024];
    const char *dirs[] = {"reports", "finn_build/bls_mlp_wb3_ab3_prune_zcu104_datelbr",
                          "finn_build/cnv_w4a4_pynqz1_pgreksic", "finn_build/cybsec_mlp_dac2026",
                          "finn_build/facile_v3_6b_ultra96_kf7lsu", "finn_build/tfc_w1a1_finn_testdata",
                          "finn_oracle/cybsec", "finn_oracle/tfc_w2a2_fold"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", data, dirs[i]);
        collect_analyzed(seen, p);
    }
    collect_analyzed(seen, tmp);   /* yosys, nextpnr, icetime, rtlsim */
    /* quality comparison and the orchestrator's process usage */
    bs_metric_set s;
    bs_metrics_init(&s);
    double ref[] = {0.1, 0.9, 0.7, 0.2}, hw[] = {0.2, 0.8, 0.6, 0.3};
    int labels[] = {1, 0};
    bs_quality q;
    assert_int_equal(bs_metrics_quality(ref, hw, 2, 2, labels, &q), 0);
    assert_int_equal(bs_metrics_put_quality(&s, &q, "verify"), 0);
    bs_usage_sample u = {2.0, 1.5, 204800, "step_x"};
    assert_int_equal(bs_metrics_add_usage(&s, &u, "orchestrator"), 0);
    assert_int_equal(bs_metrics_put(&s, "build.attempts", NULL, 1, "orchestrator", BS_RANK_MEASURED, false), 0);
    mark(seen, &s);
    bs_metrics_free(&s);
    int missing = 0;
    for (size_t k = 0; k < n; k++)
        if (!seen[k]) {
            print_error("metric %s is produced by no source\n", t[k].id);
            missing++;
        }
    free(seen);
    assert_int_equal(missing, 0);
    (void)st;
}

int main(void)
{
    const char *tools[] = {"yosys", "nextpnr-ice40", "icetime", "verilator"};
    for (size_t i = 0; i < 4; i++) {
        char *w = bs_which(tools[i]);
        if (!w) {
            fprintf(stderr, "%s not installed: skipping\n", tools[i]);
            return 77;
        }
        free(w);
    }
    src = getenv("BS_SOURCE_DIR");
    if (!src)
        return 77;
    tmp = bs_test_mkdtemp("metrics-oss");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_yosys),
        cmocka_unit_test(t_nextpnr),
        cmocka_unit_test(t_icetime),
        cmocka_unit_test(t_rtlsim),
        cmocka_unit_test(t_broken_tool_output),
        cmocka_unit_test(t_every_metric_has_a_source),
    };
    int rc = cmocka_run_group_tests(tests, setup, NULL);
    bs_test_rmdir(tmp);
    return rc;
}
