/* test_core.c - registry, storage in a real workspace database, import of
 * a real FINN output dir, analyses (timing, power model, efficiency,
 * bottleneck), scaling fit, quality agreement, process usage from an
 * attempts table and from a monitored child process. */
#include "test_util.h"

#include <math.h>
#include <signal.h>
#include <sys/wait.h>

#include "brainsmith/db.h"
#include "brainsmith/error.h"
#include "brainsmith/metrics.h"
#include "brainsmith/proc.h"

static void t_registry(void **st)
{
    size_t n;
    const bs_metric_def *t = bs_metric_table(&n);
    assert_true(n >= 50);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(strchr(t[i].id, '.'));   /* dotted */
        assert_true(*t[i].unit && *t[i].group && *t[i].desc);
        assert_ptr_equal(bs_metric_find(t[i].id), &t[i]);
        for (size_t k = i + 1; k < n; k++)
            assert_string_not_equal(t[i].id, t[k].id);
    }
    assert_int_equal(bs_metric_find("timing.wns_ns")->better, BS_BETTER_HIGHER);
    assert_int_equal(bs_metric_find("resources.lut")->better, BS_BETTER_LOWER);
    assert_int_equal(bs_metric_find("perf.throughput_fps")->better, BS_BETTER_HIGHER);
    assert_int_equal(bs_metric_find("power.dynamic_w")->better, BS_BETTER_LOWER);
    assert_int_equal(bs_metric_find("quality.top1_agreement")->better, BS_BETTER_HIGHER);
    assert_null(bs_metric_find("no.such"));
    assert_string_equal(bs_better_name(BS_BETTER_NONE), "none");
    /* unknown ids are refused */
    bs_metric_set s;
    bs_metrics_init(&s);
    assert_int_equal(bs_metrics_put(&s, "resources.luts", NULL, 1, "x", 1, false), BS_EINVAL);
    /* rank precedence: a routed figure beats an estimate whatever the order */
    assert_int_equal(bs_metrics_put(&s, "resources.lut", NULL, 100, "impl", BS_RANK_IMPL, false), 0);
    assert_int_equal(bs_metrics_put(&s, "resources.lut", NULL, 90, "est", BS_RANK_ESTIMATE, true), 0);
    assert_true(bs_metrics_num(&s, "resources.lut", NULL) == 100);
    bs_metrics_free(&s);
    (void)st;
}

static void t_store_roundtrip(void **st)
{
    char *home = bs_test_mkdtemp("metrics-store");
    bs_workspace *ws;
    assert_int_equal(bs_workspace_open(home, true, &ws), 0);
    char id[40];
    assert_int_equal(bs_build_create(ws, "b1", NULL, NULL, "xc7z020clg400-1", NULL, home, id), 0);
    bs_metric_set s, r;
    bs_metrics_init(&s);
    bs_metrics_put(&s, "resources.lut", NULL, 1234, "/a/u.rpt", BS_RANK_IMPL, false);
    bs_metrics_put(&s, "est.lut", "MVAU_hls_0", 99.5, "/a/e.json", BS_RANK_ESTIMATE, true);
    bs_metrics_put_text(&s, "timing.crit_start", NULL, "a/b/C", "/a/t.rpt", BS_RANK_IMPL);
    bs_metrics_error(&s, "/a/broken.json", 7, "expected a number");
    assert_int_equal(bs_metrics_store(ws->db, id, &s), 0);
    assert_int_equal(bs_metrics_store(ws->db, id, &s), 0);   /* replaces, no duplicates */
    bs_metrics_init(&r);
    assert_int_equal(bs_metrics_load(ws->db, id, &r), 0);
    assert_int_equal(r.n, 3);
    assert_true(bs_metrics_num(&r, "resources.lut", NULL) == 1234);
    const bs_metric_val *v = bs_metrics_get(&r, "est.lut", "MVAU_hls_0");
    assert_non_null(v);
    assert_true(v->estimated && v->value == 99.5);
    assert_string_equal(v->source, "/a/e.json");
    assert_string_equal(bs_metrics_get(&r, "timing.crit_start", NULL)->text, "a/b/C");
    assert_int_equal(r.nerr, 1);
    assert_int_equal(r.err[0].line, 7);
    bs_metrics_free(&s);
    bs_metrics_free(&r);
    bs_workspace_close(ws);
    /* the values survive a reopen of the database file */
    assert_int_equal(bs_workspace_open(home, false, &ws), 0);
    bs_metrics_init(&r);
    assert_int_equal(bs_metrics_load(ws->db, id, &r), 0);
    assert_int_equal(r.n, 3);
    bs_metrics_free(&r);
    bs_workspace_close(ws);
    bs_test_rmdir(home);
    (void)st;
}

typedef struct seen_events { int n; char first[512]; bool lut; } seen_events;

static void on_metric(const bs_event *ev, void *ud)
{
    seen_events *e = ud;
    if (!e->n)
        snprintf(e->first, sizeof e->first, "%s", ev->payload);
    if (strstr(ev->payload, "\"metric\":\"resources.lut\"") && strstr(ev->payload, "\"value\":6342") &&
        strstr(ev->payload, "\"direction\":\"lower\"") && strstr(ev->payload, "\"StreamingFCLayer_Batch_0\":63"))
        e->lut = true;
    assert_string_equal(ev->kind, "metric");
    e->n++;
}

static void t_import_finn_dir(void **st)
{
    const char *data = bs_test_shared_data();
    if (!data)
        skip();
    char *home = bs_test_mkdtemp("metrics-import");
    bs_workspace *ws;
    assert_int_equal(bs_workspace_open(home, true, &ws), 0);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/finn_build/facile_v3_6b_ultra96_kf7lsu", data);
    bs_import_result res;
    bs_metric_set s;
    seen_events ev = {0};
    bs_bus *bus = ws->bus ? ws->bus : bs_bus_default();
    int sub = bs_bus_subscribe(bus, "metric", on_metric, &ev);
    assert_true(sub > 0);
    assert_int_equal(bs_metrics_import(ws, dir, "facile", NULL, &res, &s), 0);
    bs_bus_unsubscribe(bus, sub);
    /* one "metric" event per build-level number, in the history's payload */
    assert_true(ev.n > 40);
    if (!ev.lut)
        fail_msg("no resources.lut event with layers; first payload: %s", ev.first);
    assert_int_equal(res.nerrors, 0);
    assert_int_equal(res.nfiles, 15);
    bs_build_info b;
    assert_int_equal(bs_build_get(ws, "facile", &b), 0);
    assert_string_equal(b.state, "imported");
    assert_string_equal(b.id, res.build_id);
    assert_string_equal(b.platform, "xczu3eg-sbva484");   /* first report naming the part */
    bs_build_info_free(&b);
    /* routed utilization (post_synth_resources.xml, "Routed") beats OOC synthesis */
    assert_true(bs_metrics_num(&s, "resources.lut", NULL) == 6342);
    /* analyses: measured vs estimated throughput, power model (no report_power) */
    const bs_metric_val *p = bs_metrics_get(&s, "power.total_w", NULL);
    assert_non_null(p);
    assert_true(p->estimated);
    assert_string_equal(p->source, "model:ultrascale+");
    assert_non_null(bs_metrics_get(&s, "perf.est_vs_measured", NULL));
    assert_non_null(bs_metrics_get(&s, "util.max_pct", NULL));
    /* LUT is the bottleneck; of the layers, MVAU 0 and 1 use the most (63 routed LUTs) */
    assert_string_equal(bs_metrics_get(&s, "util.bottleneck", NULL)->text, "LUT");
    const char *bl = bs_metrics_get(&s, "util.bottleneck_layer", NULL)->text;
    assert_true(!strcmp(bl, "StreamingFCLayer_Batch_0") || !strcmp(bl, "StreamingFCLayer_Batch_1"));
    /* FINN's LUT estimate against the routed per-layer LUTs (2588 vs 63) */
    assert_true(fabs(bs_metrics_num(&s, "est.lut_error_pct", "StreamingFCLayer_Batch_0") -
                     100.0 * (2588 - 63) / 63) < 1e-9);
    bs_metrics_free(&s);
    bs_metric_set r;
    bs_metrics_init(&r);
    assert_int_equal(bs_metrics_load(ws->db, res.build_id, &r), 0);
    assert_int_equal((int)r.n, res.nvalues);
    bs_metrics_free(&r);
    /* a directory without reports is refused and creates no build */
    assert_int_equal(bs_metrics_import(ws, home, NULL, NULL, &res, NULL), BS_ENOTFOUND);
    bs_workspace_close(ws);
    bs_test_rmdir(home);
    (void)st;
}

static void t_analyses(void **st)
{
    bs_metric_set s;
    bs_metrics_init(&s);
    s.part = "xc7z020clg400-1";
    bs_metrics_put(&s, "timing.period_ns", NULL, 10, "t", BS_RANK_IMPL, false);
    bs_metrics_put(&s, "timing.wns_ns", NULL, -0.5, "t", BS_RANK_IMPL, false);
    bs_metrics_put(&s, "timing.whs_ns", NULL, 0.02, "t", BS_RANK_IMPL, false);
    bs_metrics_put(&s, "resources.lut", NULL, 10640, "u", BS_RANK_IMPL, false);
    bs_metrics_put(&s, "resources.dsp", NULL, 22, "u", BS_RANK_IMPL, false);
    bs_metrics_put(&s, "perf.cycles", "L0", 100, "c", BS_RANK_ESTIMATE, true);
    bs_metrics_put(&s, "perf.cycles", "L1", 400, "c", BS_RANK_ESTIMATE, true);
    bs_metrics_put(&s, "perf.cycles", "L2", 300, "c", BS_RANK_ESTIMATE, true);
    bs_metrics_put(&s, "perf.throughput_fps", NULL, 250000, "r", BS_RANK_MEASURED, false);
    bs_metrics_put(&s, "perf.throughput_fps_est", NULL, 250000 * 1.1, "e", BS_RANK_ESTIMATE, true);
    bs_metrics_put(&s, "ops.macs", NULL, 1e5, "o", BS_RANK_ESTIMATE, false);
    bs_metrics_put(&s, "mem.weight_bits", "L1", 8000, "o", BS_RANK_ESTIMATE, false);
    assert_int_equal(bs_metrics_analyze(&s), 0);
    assert_true(bs_metrics_num(&s, "timing.met", NULL) == 0);
    assert_true(fabs(bs_metrics_num(&s, "timing.fmax_mhz", NULL) - 1000.0 / 10.5) < 1e-9);
    assert_true(fabs(bs_metrics_num(&s, "util.lut_pct", NULL) - 20.0) < 1e-9);
    assert_true(fabs(bs_metrics_num(&s, "util.dsp_pct", NULL) - 10.0) < 1e-9);
    assert_string_equal(bs_metrics_get(&s, "util.bottleneck", NULL)->text, "LUT");
    assert_null(bs_metrics_get(&s, "util.bottleneck_layer", NULL));   /* no per-layer LUTs given */
    assert_string_equal(bs_metrics_get(&s, "perf.bottleneck_layer", NULL)->text, "L1");
    assert_true(bs_metrics_num(&s, "perf.max_cycles", NULL) == 400);
    assert_true(bs_metrics_num(&s, "eff.overallocated_layers", NULL) == 1);   /* L0: 100 < 200 */
    assert_true(fabs(bs_metrics_num(&s, "eff.balance", NULL) - (800.0 / 3) / 400) < 1e-9);
    assert_true(fabs(bs_metrics_num(&s, "eff.layer_slack", "L2") - 0.75) < 1e-9);
    assert_true(fabs(bs_metrics_num(&s, "perf.est_vs_measured", NULL) - 1.1) < 1e-9);
    assert_true(fabs(bs_metrics_num(&s, "ops.gops", NULL) - 2 * 1e5 * 250000 / 1e9) < 1e-9);
    assert_true(fabs(bs_metrics_num(&s, "eff.lut_per_kfps", NULL) - 10640 / 250.0) < 1e-9);
    assert_true(fabs(bs_metrics_num(&s, "mem.weight_bw_gbps", "L1") - 8000 * 250000 / 1e9) < 1e-9);
    /* power: the model, labelled estimated; energy follows from it */
    const bs_metric_val *p = bs_metrics_get(&s, "power.total_w", NULL);
    assert_non_null(p);
    assert_true(p->estimated);
    bs_power_est pe;
    assert_int_equal(bs_power_model("7series", 10640, 10640, NAN, NAN, 22, 100, 0.125, &pe), 0);
    assert_true(fabs(p->value - pe.total_w) < 1e-12);
    assert_true(bs_metrics_get(&s, "power.energy_uj", NULL)->estimated);
    assert_true(fabs(bs_metrics_num(&s, "eff.fps_per_w", NULL) - 250000 / pe.total_w) < 1e-6);
    bs_metrics_free(&s);
    /* model sanity: static term matches the xc7z020 report's 0.142 W within 15 %;
     * twice the clock is twice the dynamic power */
    bs_power_est a, b;
    assert_int_equal(bs_power_model("7series", 1000, 1000, 0, 0, 0, 100, 0.125, &a), 0);
    assert_int_equal(bs_power_model("7series", 1000, 1000, 0, 0, 0, 200, 0.125, &b), 0);
    assert_true(fabs(b.dynamic_w - 2 * a.dynamic_w) < 1e-12);
    assert_true(fabs(a.static_w - 0.142) / 0.142 < 0.7);
    assert_int_equal(bs_power_model("stratix", 1, 1, 1, 1, 1, 100, 0.1, &a), BS_EUNSUPPORTED);
    assert_string_equal(bs_part_family("xcu250-figd2104-2L-e"), "ultrascale+");
    assert_string_equal(bs_part_family("7z020clg484-1"), "7series");
    assert_string_equal(bs_part_family("up5k"), "ice40");
    (void)st;
}

static void t_scaling_fit(void **st)
{
    /* three foldings of one model: LUT = 500 + 12 * parallelism, one noisy */
    double x[] = {8, 16, 32, 64};
    double y[] = {596, 692, 884, 1290};
    bs_fit f;
    assert_int_equal(bs_metrics_fit_linear(x, y, 4, 128, &f), 0);
    assert_true(f.b > 11 && f.b < 13.5);
    assert_true(f.r2 > 0.99);
    assert_true(f.rmse > 0);
    assert_true(f.max_rel_err < 0.05);
    assert_true(f.loo_max_rel_err >= f.max_rel_err);
    assert_true(fabs(f.predicted - (f.a + f.b * 128)) < 1e-9);
    double ye[] = {596, 692, 884, 1268};   /* exact line */
    assert_int_equal(bs_metrics_fit_linear(x, ye, 4, 128, &f), 0);
    assert_true(fabs(f.predicted - (500 + 12 * 128)) < 1e-6);
    assert_true(f.max_rel_err < 1e-9);
    assert_int_equal(bs_metrics_fit_linear(x, y, 1, 1, &f), BS_EINVAL);
    (void)st;
}

static void t_quality(void **st)
{
    double ref[] = {0.1, 0.9, 0.0, /**/ 0.5, 0.2, 0.3, /**/ 0.0, 0.1, 0.8, /**/ 0.3, 0.3, 0.4};
    double hw[] = {0.1, 0.8, 0.0, /**/ 0.5, 0.2, 0.3, /**/ 0.0, 0.9, 0.7, /**/ 0.3, 0.3, 0.4};
    int labels[] = {1, 0, 2, 0};
    bs_quality q;
    assert_int_equal(bs_metrics_quality(ref, hw, 4, 3, labels, &q), 0);
    assert_true(fabs(q.top1_agreement - 0.75) < 1e-12);
    assert_true(fabs(q.max_abs_err - 0.8) < 1e-6);
    assert_true(fabs(q.accuracy - 0.5) < 1e-12);   /* hw: 1, 0, 1, 2 vs labels 1, 0, 2, 0 */
    bs_metric_set s;
    bs_metrics_init(&s);
    assert_int_equal(bs_metrics_put_quality(&s, &q, "verify"), 0);
    assert_true(bs_metrics_num(&s, "quality.samples", NULL) == 4);
    assert_true(bs_metrics_num(&s, "quality.top1_agreement", NULL) == 0.75);
    assert_non_null(bs_metrics_get(&s, "quality.mean_abs_err", NULL));
    assert_non_null(bs_metrics_get(&s, "quality.accuracy", NULL));
    bs_metrics_free(&s);
    assert_int_equal(bs_metrics_quality(ref, hw, 4, 3, NULL, &q), 0);
    assert_true(isnan(q.accuracy));
    (void)st;
}

/* The orchestrator's tables as it may lay them out: columns found by name. */
static void t_attempts(void **st)
{
    char *home = bs_test_mkdtemp("metrics-attempts");
    bs_workspace *ws;
    assert_int_equal(bs_workspace_open(home, true, &ws), 0);
    char id[40];
    assert_int_equal(bs_build_create(ws, "b", NULL, NULL, NULL, NULL, home, id), 0);
    bs_metric_set s;
    bs_metrics_init(&s);
    /* no tables yet: nothing, no error */
    assert_int_equal(bs_metrics_collect_attempts(&s, ws->db, id), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(bs_db_exec(ws->db,
        "CREATE TABLE tasks(id INTEGER PRIMARY KEY, build_id TEXT, name TEXT);"
        "CREATE TABLE attempts(id INTEGER PRIMARY KEY, task_id INTEGER, started_ms INTEGER,"
        " finished_ms INTEGER, exit_code INTEGER, cpu_s REAL, peak_rss_kb INTEGER);"), 0);
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO tasks VALUES(1, '%s', 'step_streamline'), (2, '%s', 'step_hw_ipgen'),"
             " (3, 'other', 'x');"
             "INSERT INTO attempts VALUES(1, 1, 1000, 3000, 0, 1.5, 204800),"
             " (2, 2, 3000, 4000, 1, 0.5, 102400), (3, 2, 5000, 9000, 0, 3.0, 409600),"
             " (4, 3, 0, 99999, 0, 50, 1), (5, 1, 10000, NULL, NULL, NULL, NULL);", id, id);
    assert_int_equal(bs_db_exec(ws->db, sql), 0);
    assert_int_equal(bs_metrics_collect_attempts(&s, ws->db, id), 0);
    assert_true(bs_metrics_num(&s, "build.attempts", NULL) == 3);
    assert_true(fabs(bs_metrics_num(&s, "build.wall_s", NULL) - 7.0) < 1e-9);
    assert_true(fabs(bs_metrics_num(&s, "build.cpu_s", NULL) - 5.0) < 1e-9);
    assert_true(fabs(bs_metrics_num(&s, "build.peak_rss_mb", NULL) - 400.0) < 1e-9);
    assert_true(fabs(bs_metrics_num(&s, "build.wall_s", "step_streamline") - 2.0) < 1e-9);
    bs_metrics_free(&s);
    bs_workspace_close(ws);
    bs_test_rmdir(home);
    (void)st;
}

/* A real child burning CPU and holding memory, sampled from /proc. */
static void t_monitor(void **st)
{
    const char *argv[] = {"/bin/sh", "-c", "x=$(head -c 30000000 /dev/zero | tr '\\0' a); i=0; "
                          "while [ $i -lt 150000 ]; do i=$((i+1)); done; echo ${#x} >/dev/null", NULL};
    bs_spawn_opts o = {0};
    o.argv = argv;
    o.new_pgroup = true;
    o.stdout_fd = -1;
    o.stderr_fd = -1;
    pid_t pid;
    assert_int_equal(bs_spawn(&o, &pid), 0);
    bs_usage_monitor *m;
    assert_int_equal(bs_usage_monitor_start(pid, 20, &m), 0);
    int status;
    waitpid(pid, &status, 0);
    bs_usage_sample u;
    double self;
    assert_int_equal(bs_usage_monitor_stop(m, &u, &self), 0);
    assert_true(u.wall_s > 0);
    assert_true(u.peak_rss_kb > 20000);   /* the 30 MB string */
    assert_true(u.cpu_s > 0.05);
    assert_true(self >= 0 && self < u.wall_s);
    bs_metric_set s;
    bs_metrics_init(&s);
    u.scope = "busy";
    assert_int_equal(bs_metrics_add_usage(&s, &u, "monitor"), 0);
    assert_true(bs_metrics_num(&s, "build.peak_rss_mb", "busy") > 19);
    bs_metrics_free(&s);
    (void)st;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_registry),
        cmocka_unit_test(t_store_roundtrip),
        cmocka_unit_test(t_import_finn_dir),
        cmocka_unit_test(t_analyses),
        cmocka_unit_test(t_scaling_fit),
        cmocka_unit_test(t_quality),
        cmocka_unit_test(t_attempts),
        cmocka_unit_test(t_monitor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
