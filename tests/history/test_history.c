/* test_history.c - unit tests of lib/history on real SQLite files, real
 * child processes and a real HTTP listener:
 *   - change points on the synthetic suite at 1/5/10% noise (precision and
 *     recall asserted), constant / one-point / empty / NaN / tied series;
 *   - Mann-Whitney and Theil-Sen against hand-computed values;
 *   - store round trip, bad input, baselines and the regression check;
 *   - a series assembled from the shared real FINN reports, with the change
 *     attributed to the layer that really grew;
 *   - alerts: de-duplication, a jsonl file, an exec action (a real child),
 *     a webhook POSTed to a listener on 127.0.0.1, a failing webhook. */
#include "test_util.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include "brainsmith/db.h"
#include "brainsmith/error.h"
#include "brainsmith/history.h"
#include "brainsmith/json.h"
#include "brainsmith/util.h"
#include "synth.h"

/* ---- change points ----------------------------------------------------------- */

static void suite(double noise, size_t nseries, double min_p, double min_r)
{
    enum { LEN = 300 };
    double x[LEN];
    size_t truth[8], det[LEN];
    size_t tp = 0, nt = 0, nd = 0;
    for (size_t s = 0; s < nseries; s++) {
        size_t k = synth_series(77 + s, LEN, 1 + s % 6, 25, noise, x, truth);
        bs_change_point *cp = NULL;
        size_t ncp = 0;
        assert_int_equal(bs_cpd_detect(x, LEN, NULL, &cp, &ncp), 0);
        for (size_t i = 0; i < ncp; i++) {
            det[i] = cp[i].index;
            assert_true(cp[i].pvalue <= 0.001);
        }
        tp += synth_match(truth, k, det, ncp, 2);
        nt += k;
        nd += ncp;
        free(cp);
    }
    double p = nd ? (double)tp / (double)nd : 1, r = (double)tp / (double)nt;
    print_message("noise %.0f%%: %zu true, %zu detected, precision %.3f recall %.3f\n", noise * 100, nt, nd, p, r);
    assert_true(p >= min_p);
    assert_true(r >= min_r);
}

static void test_suite_1pct(void **st) { (void)st; suite(0.01, 30, 0.95, 0.97); }
static void test_suite_5pct(void **st) { (void)st; suite(0.05, 30, 0.92, 0.92); }
static void test_suite_10pct(void **st) { (void)st; suite(0.10, 30, 0.85, 0.75); }

static void test_degenerate(void **st)
{
    (void)st;
    bs_change_point *cp = NULL;
    size_t n = 99;
    double c[100];
    for (int i = 0; i < 100; i++) c[i] = 42.0;
    assert_int_equal(bs_cpd_detect(c, 100, NULL, &cp, &n), 0);   /* constant */
    assert_int_equal(n, 0);
    assert_null(cp);
    assert_int_equal(bs_cpd_detect(c, 1, NULL, &cp, &n), 0);     /* one point */
    assert_int_equal(n, 0);
    assert_int_equal(bs_cpd_detect(c, 0, NULL, &cp, &n), 0);     /* empty */
    assert_int_equal(n, 0);
    double nan[10];
    for (int i = 0; i < 10; i++) nan[i] = NAN;
    assert_int_equal(bs_cpd_detect(nan, 10, NULL, &cp, &n), 0);  /* all missing */
    assert_int_equal(n, 0);
    assert_true(bs_cpd_qhat_max(c, 100, NULL, NULL) == 0.0);
    /* the shortest clean step found at p = 0.001: 7 points on each side
     * (a permutation p below 0.001 needs enough arrangements) */
    for (int k = 4; k <= 8; k++) {
        double x[16];
        for (int i = 0; i < 2 * k; i++) x[i] = (i < k ? 100 : 110) + (i % 3) * 0.5;
        assert_int_equal(bs_cpd_detect(x, (size_t)(2 * k), NULL, &cp, &n), 0);
        assert_int_equal(n, k >= 7 ? 1 : 0);
        if (n) assert_int_equal(cp[0].index, k);
        free(cp);
    }
    bs_cpd_opts o;
    bs_cpd_opts_default(&o);
    o.max_pvalue = 1.5;
    assert_int_equal(bs_cpd_detect(c, 100, &o, &cp, &n), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "p-value"));
}

/* Pure noise, Gaussian and integer-valued (heavy ties): no change points. */
static void test_no_change(void **st)
{
    (void)st;
    enum { LEN = 400 };
    double x[LEN];
    size_t total = 0;
    for (int s = 0; s < 20; s++) {
        synth_rng r = {(uint64_t)(500 + s)};
        for (int i = 0; i < LEN; i++)
            x[i] = s % 2 ? 1000.0 * (1 + 0.05 * synth_normal(&r)) : floor(3 * synth_unif(&r));
        bs_change_point *cp = NULL;
        size_t n = 0;
        assert_int_equal(bs_cpd_detect(x, LEN, NULL, &cp, &n), 0);
        total += n;
        free(cp);
    }
    assert_true(total <= 1);   /* ~0.08 expected at the measured false-positive rate */
}

/* A step hidden among missing values: the index maps back to the input. */
static void test_nan_and_ties(void **st)
{
    (void)st;
    double x[120];
    for (int i = 0; i < 120; i++) x[i] = i < 70 ? 5.0 : 7.0;     /* exact ties on both sides */
    for (int i = 3; i < 120; i += 7) x[i] = NAN;
    x[70] = NAN;                                                   /* first point after the change is missing */
    bs_change_point *cp = NULL;
    size_t n = 0;
    assert_int_equal(bs_cpd_detect(x, 120, NULL, &cp, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(cp[0].index, 71);
    assert_true(cp[0].mean_before == 5.0 && cp[0].mean_after == 7.0);
    assert_true(fabs(cp[0].rel_change - 0.4) < 1e-12);
    free(cp);
    /* two-valued noise with heavy ties and no change: nothing */
    synth_rng r = {5};
    for (int i = 0; i < 120; i++) x[i] = synth_unif(&r) < 0.5 ? 1.0 : 2.0;
    assert_int_equal(bs_cpd_detect(x, 120, NULL, &cp, &n), 0);
    assert_int_equal(n, 0);
    /* threshold rule on a deterministic series */
    double y[] = {100, 100, 100, 100, 100, 100, 108, 108, 108, 108, 108, 90};
    bs_change_point *tp = NULL;
    assert_int_equal(bs_threshold_detect(y, 12, NULL, &tp, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(tp[0].index, 6);
    assert_int_equal(tp[1].index, 11);
    assert_true(isnan(tp[0].pvalue));
    free(tp);
}

/* ---- statistics ------------------------------------------------------------- */

static void test_mann_whitney(void **st)
{
    (void)st;
    double u, p;
    double a1[] = {1, 2, 3, 4, 5}, b1[] = {6, 7, 8, 9, 10};
    assert_int_equal(bs_stat_mann_whitney(a1, 5, b1, 5, &u, &p), 0);
    assert_true(u == 0);
    assert_true(fabs(p - 2.0 / 252.0) < 1e-12);               /* exact */
    double a2[] = {1.5, 2.5, 3.1, 4.2}, b2[] = {2.2, 3.3, 5.1, 6.4, 7.5};
    assert_int_equal(bs_stat_mann_whitney(a2, 4, b2, 5, &u, &p), 0);
    assert_true(u == 4);
    assert_true(fabs(p - 24.0 / 126.0) < 1e-12);              /* 12 of 126 arrangements have U <= 4 */
    double a3[] = {1, 2, 2, 3, 3, 4}, b3[] = {3, 4, 4, 5, 6, 6, 7};
    assert_int_equal(bs_stat_mann_whitney(a3, 6, b3, 7, &u, &p), 0);
    assert_true(u == 3);
    assert_true(fabs(p - 0.011242651868798576) < 1e-9);       /* tie-corrected normal approximation */
    double same[] = {4, 4, 4};
    assert_int_equal(bs_stat_mann_whitney(same, 3, same, 3, &u, &p), 0);
    assert_true(p == 1.0);
    assert_int_equal(bs_stat_mann_whitney(same, 0, same, 3, &u, &p), BS_EINVAL);
}

static void test_theil_sen(void **st)
{
    (void)st;
    double x[20], y[20], s, lo, hi, ic;
    for (int i = 0; i < 20; i++) { x[i] = i; y[i] = 2 * i + 1; }
    assert_int_equal(bs_stat_theil_sen(x, y, 20, 0.95, &s, &lo, &hi, &ic), 0);
    assert_true(s == 2 && lo == 2 && hi == 2 && ic == 1);
    synth_rng r = {9};
    for (int i = 0; i < 20; i++) y[i] = 0.5 * i + synth_normal(&r);
    y[7] = 1000;                                                /* an outlier does not move it */
    assert_int_equal(bs_stat_theil_sen(x, y, 20, 0.95, &s, &lo, &hi, &ic), 0);
    assert_true(lo < 0.5 && 0.5 < hi && lo < s && s < hi);
    assert_true(fabs(s - 0.5) < 0.2);
    double one[] = {3};
    assert_int_equal(bs_stat_theil_sen(one, one, 1, 0.95, &s, &lo, &hi, &ic), BS_EINVAL);
}

static bs_hist_direction always_higher(const char *id, void *ud)
{
    (void)id;
    (*(int *)ud)++;
    return BS_HIST_DIR_HIGHER;
}

static void test_directions(void **st)
{
    (void)st;
    assert_int_equal(bs_history_direction_default("resources.lut", NULL), BS_HIST_DIR_LOWER);
    assert_int_equal(bs_history_direction_default("resources.wires", NULL), BS_HIST_DIR_UNKNOWN);
    assert_int_equal(bs_history_direction_default("timing.wns_ns", NULL), BS_HIST_DIR_HIGHER);
    assert_int_equal(bs_history_direction_default("perf.latency_ns", NULL), BS_HIST_DIR_LOWER);
    assert_int_equal(bs_history_direction_default("perf.throughput_fps", NULL), BS_HIST_DIR_HIGHER);
    assert_int_equal(bs_history_direction_default("est.bram_efficiency", NULL), BS_HIST_DIR_HIGHER);
    assert_int_equal(bs_history_direction_default("no.such.metric", NULL), BS_HIST_DIR_UNKNOWN);
    bs_hist_direction d;
    assert_int_equal(bs_hist_direction_parse("max", &d), 0);
    assert_int_equal(d, BS_HIST_DIR_HIGHER);
    assert_int_equal(bs_hist_direction_parse("up", &d), BS_EINVAL);
}

/* ---- store, baselines, regression check -------------------------------------- */

typedef struct fx { char *dir; sqlite3 *db; } fx;

static int setup_db(void **st)
{
    fx *f = calloc(1, sizeof(*f));
    f->dir = bs_test_mkdtemp("history");
    char *p = bs_path_join(f->dir, "brainsmith.db");
    assert_int_equal(bs_db_open(p, true, &f->db), 0);
    free(p);
    assert_int_equal(bs_history_migrate(f->db), 0);
    assert_int_equal(bs_history_migrate(f->db), 0);   /* idempotent */
    *st = f;
    return 0;
}

static int teardown_db(void **st)
{
    fx *f = *st;
    bs_db_close(f->db);
    bs_test_rmdir(f->dir);
    free(f);
    return 0;
}

static void rec(sqlite3 *db, const char *metric, const char *build, int64_t t, double v,
                const double *reps, int nr)
{
    bs_hist_record r = {.model = "tfc", .platform = "zcu104", .metric = metric, .build_id = build,
                        .time_ms = t, .value = v, .repeats = reps, .n_repeats = nr};
    assert_int_equal(bs_history_record(db, &r), 0);
}

static void test_store(void **st)
{
    fx *f = *st;
    double reps[] = {3, 1, 2};
    bs_hist_layer layers[] = {{"MVAU_0", 10}, {"MVAU_1", 20}};
    bs_hist_record r = {.model = "tfc", .platform = "zcu104", .metric = "resources.lut", .build_id = "b1",
                        .time_ms = 1000, .version = "abc", .value = NAN, .repeats = reps, .n_repeats = 3,
                        .layers = layers, .n_layers = 2, .direction = BS_HIST_DIR_LOWER};
    assert_int_equal(bs_history_record(f->db, &r), 0);
    rec(f->db, "resources.lut", "b2", 2000, NAN, NULL, 0);      /* missing value */
    rec(f->db, "resources.lut", "b0", 500, 7, NULL, 0);
    rec(f->db, "resources.lut", "b0", 500, 8, NULL, 0);         /* replaces */
    bs_hist_set *set = NULL;
    bs_hist_filter flt = {.metric = "resources.lut"};
    assert_int_equal(bs_history_query(f->db, &flt, &set), 0);
    assert_int_equal(set->n, 1);
    const bs_hist_series *s = &set->series[0];
    assert_string_equal(s->config, "default");
    assert_int_equal(s->direction, BS_HIST_DIR_LOWER);
    assert_int_equal(s->n, 3);
    assert_string_equal(s->points[0].build_id, "b0");
    assert_true(s->points[0].value == 8);
    assert_true(s->points[1].value == 2);                      /* median of the repeats */
    assert_int_equal(s->points[1].n_repeats, 3);
    assert_true(s->points[1].repeats[0] == 3);
    assert_int_equal(s->points[1].n_layers, 2);
    assert_string_equal(s->points[1].layers[1].name, "MVAU_1");
    assert_string_equal(s->points[1].version, "abc");
    assert_true(isnan(s->points[2].value));
    assert_int_equal(bs_hist_series_find(s, "b2"), 2);
    bs_hist_set_free(set);

    bs_hist_record bad = r;
    bad.metric = "";
    assert_int_equal(bs_history_record(f->db, &bad), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "metric"));
    bad = r;
    bad.value = INFINITY;
    bad.n_repeats = 0;
    assert_int_equal(bs_history_record(f->db, &bad), BS_EINVAL);
    double badrep[] = {1, NAN};
    bad = r;
    bad.repeats = badrep;
    bad.n_repeats = 2;
    assert_int_equal(bs_history_record(f->db, &bad), BS_EINVAL);
    char *latest = NULL;
    assert_int_equal(bs_history_latest_build(f->db, &latest), 0);
    assert_string_equal(latest, "b2");
    free(latest);
    assert_int_equal(bs_history_baseline_set(f->db, "rel", "nope"), BS_ENOTFOUND);
}

static void test_regress(void **st)
{
    fx *f = *st;
    double base[] = {100, 101, 99, 100, 102}, noisy[] = {95, 110, 104, 99, 123}, worse[] = {110, 111, 109, 112, 110};
    for (int i = 0; i < 6; i++) {
        char b[16];
        snprintf(b, sizeof b, "b%d", i);
        rec(f->db, "perf.latency_ns", b, 1000 + i, 100 + (i % 2), i == 0 ? base : NULL, i == 0 ? 5 : 0);
    }
    rec(f->db, "perf.latency_ns", "b6", 2000, bs_stat_median(noisy, 5), noisy, 5);
    assert_int_equal(bs_history_baseline_set(f->db, "release", "b0"), 0);
    assert_int_equal(bs_history_baseline_set(f->db, "release", "b0"), 0);  /* re-pin */
    bs_regress_report *r = NULL;
    /* +4% median, not significant: no regression against the baseline */
    assert_int_equal(bs_history_regress_check(f->db, "b6", NULL, &r), 0);
    assert_int_equal(r->n, 2);
    assert_string_equal(r->items[0].against, "baseline:release");
    assert_true(isfinite(r->items[0].pvalue) && r->items[0].pvalue > 0.05);
    assert_false(r->items[0].regression);
    bs_regress_report_free(r);
    /* clearly worse, significant: regression */
    rec(f->db, "perf.latency_ns", "b7", 3000, NAN, worse, 5);
    assert_int_equal(bs_history_regress_check(f->db, NULL, NULL, &r), 0);
    assert_string_equal(r->build_id, "b7");
    assert_true(r->items[0].regression);
    assert_true(r->items[0].pvalue < 0.05);
    assert_int_equal(r->items[0].kind, BS_CHANGE_REGRESSION);
    assert_true(r->n_regressions >= 1);
    assert_non_null(strstr(r->items[0].message, "REGRESSION"));
    bs_regress_report_free(r);
    assert_int_equal(bs_history_regress_check(f->db, "zzz", NULL, &r), BS_ENOTFOUND);
    bs_hist_baseline *bl;
    size_t nbl;
    assert_int_equal(bs_history_baseline_list(f->db, &bl, &nbl), 0);
    assert_int_equal(nbl, 1);
    assert_string_equal(bl[0].build_id, "b0");
    bs_hist_baselines_free(bl, nbl);
    assert_int_equal(bs_history_baseline_rm(f->db, "release"), 0);
    assert_int_equal(bs_history_baseline_rm(f->db, "release"), BS_ENOTFOUND);
}

/* ---- real data ------------------------------------------------------------------ */

/* Records one point from a FINN estimate_layer_resources.json: the total LUT
 * and one value per layer. */
static void rec_report(sqlite3 *db, const char *path, const char *build, int64_t t, cJSON **keep)
{
    cJSON *j = NULL;
    assert_int_equal(bs_json_load_file(path, &j), 0);
    bs_hist_layer layers[64];
    int n = 0;
    double total = NAN;
    const cJSON *e;
    cJSON_ArrayForEach(e, j) {
        const cJSON *lut = cJSON_GetObjectItemCaseSensitive(e, "LUT");
        assert_true(cJSON_IsNumber(lut));
        if (strcmp(e->string, "total") == 0) total = lut->valuedouble;
        else if (n < 64) layers[n++] = (bs_hist_layer){e->string, lut->valuedouble};
    }
    bs_hist_record r = {.model = "tfc_w2a2", .platform = "xc7z020clg400-1", .metric = "resources.lut",
                        .build_id = build, .time_ms = t, .value = total, .layers = layers, .n_layers = n};
    assert_int_equal(bs_history_record(db, &r), 0);
    *keep = j;
}

static void test_real_builds(void **st)
{
    fx *f = *st;
    const char *data = bs_test_shared_data();
    if (!data) skip();
    char *fps = bs_path_join(data, "finn_oracle/tfc_w2a2_fps/report/estimate_layer_resources.json");
    char *fold = bs_path_join(data, "finn_oracle/tfc_w2a2_fold/report/estimate_layer_resources.json");
    /* 14 builds with target_fps folding, then 10 with the finn-examples folding */
    cJSON *a = NULL, *b = NULL;
    for (int i = 0; i < 24; i++) {
        char id[16];
        snprintf(id, sizeof id, "r%02d", i);
        cJSON *j = NULL;
        rec_report(f->db, i < 14 ? fps : fold, id, 1763000000000LL + i * 3600000LL, &j);
        if (i == 0) a = j; else if (i == 23) b = j; else cJSON_Delete(j);
    }
    /* the layer whose LUT grew most, read from the reports themselves */
    const char *grew = NULL;
    double best = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, b) {
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(a, e->string);
        if (!o || strcmp(e->string, "total") == 0) continue;
        double d = cJSON_GetObjectItemCaseSensitive(e, "LUT")->valuedouble -
                   cJSON_GetObjectItemCaseSensitive(o, "LUT")->valuedouble;
        if (d > best) { best = d; grew = e->string; }
    }
    assert_non_null(grew);
    bs_hist_set *set = NULL;
    bs_hist_filter flt = {.model = "tfc_w2a2"};
    assert_int_equal(bs_history_query(f->db, &flt, &set), 0);
    assert_int_equal(set->n, 1);
    bs_hist_change *ch = NULL;
    size_t n = 0;
    assert_int_equal(bs_history_detect(&set->series[0], NULL, &ch, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ch[0].index, 14);
    assert_string_equal(ch[0].method, "edivisive");
    assert_int_equal(ch[0].kind, BS_CHANGE_REGRESSION);        /* resources.* : lower is better */
    {   /* a caller-supplied direction callback decides the kind */
        bs_analyze_opts ao;
        bs_analyze_opts_default(&ao);
        int calls = 0;
        ao.direction = always_higher;
        ao.direction_ud = &calls;
        bs_hist_change *c2 = NULL;
        size_t n2 = 0;
        assert_int_equal(bs_history_detect(&set->series[0], &ao, &c2, &n2), 0);
        assert_int_equal(n2, 1);
        assert_int_equal(c2[0].kind, BS_CHANGE_IMPROVEMENT);
        assert_true(calls > 0);
        free(c2);
    }
    assert_string_equal(ch[0].layer, grew);
    char *msg = bs_history_insight(&ch[0]);
    print_message("%s\n", msg);
    assert_non_null(strstr(msg, "rose"));
    assert_non_null(strstr(msg, "(p<0.001)"));
    assert_non_null(strstr(msg, grew));
    free(msg);
    bs_trend t;
    assert_int_equal(bs_history_trend(&set->series[0], 0, 0.95, &t), 0);
    assert_true(t.per_build >= 0);

    /* the cybsec MLP estimated by two real FINN runs (finn_build and the
     * finn_oracle rerun) agrees: alternating them is a flat series */
    char *c1 = bs_path_join(data, "finn_build/cybsec_mlp_dac2026/report/estimate_layer_resources.json");
    char *c2 = bs_path_join(data, "finn_oracle/cybsec/report/estimate_layer_resources.json");
    for (int i = 0; i < 16; i++) {
        cJSON *j = NULL, *lut;
        assert_int_equal(bs_json_load_file(i % 2 ? c2 : c1, &j), 0);
        lut = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "total"), "LUT");
        char id[16];
        snprintf(id, sizeof id, "c%02d", i);
        bs_hist_record r = {.model = "cybsec_mlp", .platform = "xc7z020clg400-1", .metric = "resources.lut",
                            .build_id = id, .time_ms = 1763000000000LL + i, .value = lut->valuedouble};
        assert_int_equal(bs_history_record(f->db, &r), 0);
        cJSON_Delete(j);
    }
    free(c1);
    free(c2);
    bs_hist_set *cs = NULL;
    bs_hist_filter cf = {.model = "cybsec_mlp"};
    assert_int_equal(bs_history_query(f->db, &cf, &cs), 0);
    bs_hist_change *cc = NULL;
    size_t ncc = 0;
    assert_int_equal(bs_history_detect(&cs->series[0], NULL, &cc, &ncc), 0);
    assert_int_equal(ncc, 0);
    assert_int_equal(bs_history_baseline_set(f->db, "dac", "c00"), 0);
    bs_regress_report *rr = NULL;
    assert_int_equal(bs_history_regress_check(f->db, "c15", NULL, &rr), 0);
    assert_int_equal(rr->n_regressions, 0);
    bs_regress_report_free(rr);
    bs_hist_set_free(cs);
    char *svg = bs_path_join(f->dir, "real.svg");
    assert_int_equal(bs_history_plot_svg(set, ch, n, NULL, 0, "real", svg), 0);
    char *txt = NULL;
    size_t len = 0;
    assert_int_equal(bs_read_file(svg, &txt, &len), 0);
    assert_non_null(strstr(txt, "<svg"));
    assert_non_null(strstr(txt, "regression"));
    free(txt);
    free(svg);
    free(ch);
    bs_hist_set_free(set);
    cJSON_Delete(a);
    cJSON_Delete(b);
    free(fps);
    free(fold);
}

/* ---- alerts ------------------------------------------------------------------------ */

typedef struct listener { int fd; int status; char req[8192]; size_t len; int served; } listener;

/* Serves one connection per call: reads the request (headers + body) and
 * answers with l->status. */
static void *serve(void *arg)
{
    listener *l = arg;
    int c = accept(l->fd, NULL, NULL);
    if (c < 0) return NULL;
    l->len = 0;
    for (;;) {
        ssize_t r = recv(c, l->req + l->len, sizeof l->req - 1 - l->len, 0);
        if (r <= 0) break;
        l->len += (size_t)r;
        l->req[l->len] = 0;
        char *hdr_end = strstr(l->req, "\r\n\r\n");
        char *cl = strcasestr(l->req, "Content-Length:");
        if (hdr_end && cl && l->len >= (size_t)(hdr_end + 4 - l->req) + (size_t)atol(cl + 15)) break;
    }
    char resp[128];
    int n = snprintf(resp, sizeof resp, "HTTP/1.1 %d X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", l->status);
    send(c, resp, (size_t)n, MSG_NOSIGNAL);
    close(c);
    l->served++;
    return NULL;
}

static int listen_local(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 4), 0);
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    *port = ntohs(a.sin_port);
    return fd;
}

static size_t count_lines(const char *path)
{
    char *t = NULL;
    size_t len = 0, n = 0;
    if (bs_read_file(path, &t, &len) < 0) { bs_error_clear(); return 0; }
    for (size_t i = 0; i < len; i++) n += t[i] == '\n';
    free(t);
    return n;
}

static void test_alerts(void **st)
{
    fx *f = *st;
    for (int i = 0; i < 40; i++) {
        char b[16];
        snprintf(b, sizeof b, "a%02d", i);
        rec(f->db, "resources.lut", b, 5000 + i, i < 25 ? 1000 + (i % 3) : 1200 + (i % 3), NULL, 0);
    }
    int port;
    listener l = {.fd = listen_local(&port), .status = 200};
    char *jl = bs_path_join(f->dir, "alerts.jsonl"), *ex = bs_path_join(f->dir, "exec.out");
    char exec_action[600], hook[128];
    snprintf(exec_action, sizeof exec_action, "exec:[\"tee\",\"-a\",\"%s\"]", ex);
    snprintf(hook, sizeof hook, "webhook:http://127.0.0.1:%d/hook", port);
    char jsonl_action[600];
    snprintf(jsonl_action, sizeof jsonl_action, "jsonl:%s", jl);
    char *acts[] = {jsonl_action, exec_action, hook};
    bs_alert_rule r = {.name = "lut-up", .metric = "resources.lut", .platform = "zcu104",
                       .condition = "regression", .actions = acts, .n_actions = 3};
    assert_int_equal(bs_alert_add(f->db, &r), 0);
    assert_int_equal(bs_alert_add(f->db, &r), BS_EEXISTS);
    bs_alert_rule bad = r;
    bad.name = "bad";
    bad.condition = "rise:abc";
    assert_int_equal(bs_alert_add(f->db, &bad), BS_EINVAL);
    char *badact[] = {"exec:"};
    bad.condition = "regression";
    bad.actions = badact;
    bad.n_actions = 1;
    assert_int_equal(bs_alert_add(f->db, &bad), BS_EINVAL);

    pthread_t th;
    pthread_create(&th, NULL, serve, &l);
    int fired = 0, failed = 0;
    assert_int_equal(bs_alert_eval(f->db, NULL, &fired, &failed), 0);
    pthread_join(th, NULL);
    assert_int_equal(fired, 1);
    assert_int_equal(failed, 0);
    assert_int_equal(count_lines(jl), 1);
    assert_int_equal(count_lines(ex), 1);               /* the child got the alert on stdin */
    char *txt = NULL;
    size_t len;
    assert_int_equal(bs_read_file(ex, &txt, &len), 0);
    cJSON *j = NULL;
    assert_int_equal(bs_json_parse(txt, len, "exec.out", &j), 0);
    assert_string_equal(cJSON_GetObjectItem(j, "rule")->valuestring, "lut-up");
    assert_string_equal(cJSON_GetObjectItem(j, "build")->valuestring, "a25");
    assert_string_equal(cJSON_GetObjectItem(j, "kind")->valuestring, "regression");
    cJSON_Delete(j);
    free(txt);
    assert_int_equal(l.served, 1);
    assert_non_null(strstr(l.req, "POST /hook HTTP/1.1"));
    assert_non_null(strstr(l.req, "\"rule\":\"lut-up\""));

    /* evaluated again: nothing fires twice */
    assert_int_equal(bs_alert_eval(f->db, NULL, &fired, &failed), 0);
    assert_int_equal(fired, 0);
    assert_int_equal(count_lines(jl), 1);
    assert_int_equal(count_lines(ex), 1);

    /* a new value rule whose webhook answers 500: fired once, counted failed */
    char hook2[128];
    snprintf(hook2, sizeof hook2, "webhook:http://127.0.0.1:%d/x", port);
    char *acts2[] = {hook2, jsonl_action};
    bs_alert_rule r2 = {.name = "too-big", .metric = "resources.lut", .condition = "above:1100",
                        .actions = acts2, .n_actions = 2};
    assert_int_equal(bs_alert_add(f->db, &r2), 0);
    l.status = 500;
    pthread_create(&th, NULL, serve, &l);
    assert_int_equal(bs_alert_eval(f->db, NULL, &fired, &failed), 0);
    pthread_join(th, NULL);
    assert_int_equal(fired, 1);
    assert_int_equal(failed, 1);
    assert_int_equal(count_lines(jl), 2);
    assert_int_equal(bs_alert_eval(f->db, NULL, &fired, &failed), 0);
    assert_int_equal(fired, 0);
    close(l.fd);

    /* a webhook nobody listens on fails cleanly */
    assert_true(bs_http_post_json("http://127.0.0.1:1/x", "{}", 2000, NULL) < 0);
    assert_int_equal(bs_http_post_json("https://example.com/", "{}", 2000, NULL), BS_EUNSUPPORTED);

    bs_alert_rule *rules;
    size_t nr;
    assert_int_equal(bs_alert_list(f->db, &rules, &nr), 0);
    assert_int_equal(nr, 2);
    assert_int_equal(rules[0].n_actions, 3);
    bs_alert_rules_free(rules, nr);
    assert_int_equal(bs_alert_rm(f->db, "lut-up"), 0);
    assert_int_equal(bs_alert_rm(f->db, "lut-up"), BS_ENOTFOUND);
    free(jl);
    free(ex);
}

/* Value conditions (above/below/rise/drop), a dry run, and trend sentences. */
static void test_value_alerts_and_trend(void **st)
{
    fx *f = *st;
    for (int i = 0; i < 12; i++) {
        char b[16];
        snprintf(b, sizeof b, "v%02d", i);
        bs_hist_record r = {.model = "m", .platform = "p", .metric = "perf.throughput_fps", .build_id = b,
                            .time_ms = 1763000000000LL + i * 86400000LL, .value = i < 11 ? 1000 + 10 * i : 800};
        assert_int_equal(bs_history_record(f->db, &r), 0);
    }
    char *jl = bs_path_join(f->dir, "v.jsonl");
    char act[600];
    snprintf(act, sizeof act, "jsonl:%s", jl);
    char *acts[] = {act};
    const char *conds[] = {"above:900", "below:900", "rise:5%", "drop:15%", "improvement"};
    const int want[] = {0, 1, 0, 1, 0};
    for (int i = 0; i < 5; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%d", i);
        bs_alert_rule r = {.name = name, .metric = "perf.throughput_fps", .condition = (char *)conds[i],
                           .actions = acts, .n_actions = 1};
        assert_int_equal(bs_alert_add(f->db, &r), 0);
    }
    bs_alert_eval_opts o;
    bs_alert_eval_opts_default(&o);
    o.dry_run = true;
    int fired, failed;
    assert_int_equal(bs_alert_eval(f->db, &o, &fired, &failed), 0);
    assert_int_equal(fired, want[1] + want[3]);
    assert_int_equal(count_lines(jl), 0);               /* dry run: no action ran */
    assert_int_equal(bs_alert_eval(f->db, NULL, &fired, &failed), 0);
    assert_int_equal(fired, 2);
    assert_int_equal(count_lines(jl), 2);
    char *txt = NULL;
    size_t len;
    assert_int_equal(bs_read_file(jl, &txt, &len), 0);
    assert_non_null(strstr(txt, "\"kind\":\"below\""));
    assert_non_null(strstr(txt, "\"kind\":\"drop\""));
    free(txt);
    free(jl);
    assert_int_equal(bs_alert_condition_check("rise:-3%"), BS_EINVAL);
    assert_int_equal(bs_alert_condition_check("regression:3"), BS_EINVAL);
    assert_int_equal(bs_alert_action_check("webhook:ftp://x"), BS_EINVAL);
    assert_int_equal(bs_alert_action_check("exec:a,b,c"), 0);

    /* a steady rise gives a trend sentence; the last point's drop does not hide it */
    bs_hist_set *set = NULL;
    assert_int_equal(bs_history_query(f->db, NULL, &set), 0);
    bs_trend t;
    assert_int_equal(bs_history_trend(&set->series[0], 0, 0.95, &t), 0);
    assert_true(fabs(t.per_build - 10) < 1e-9);
    assert_true(fabs(t.per_week - 70) < 1e-6);
    char *msg = bs_history_trend_insight(&set->series[0], &t);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "rising"));
    assert_non_null(strstr(msg, "getting better"));       /* fps: higher is better */
    free(msg);
    bs_hist_set_free(set);
}

/* Actions that fail: a command exiting non-zero, a command that hangs
 * (killed at the timeout), a webhook server that never answers. */
static void test_action_failures(void **st)
{
    fx *f = *st;
    for (int i = 0; i < 3; i++) {
        char b[16];
        snprintf(b, sizeof b, "t%d", i);
        rec(f->db, "resources.dsp", b, 100 + i, 50 + i, NULL, 0);
    }
    char *acts1[] = {"exec:false"};
    bs_alert_rule r1 = {.name = "exit1", .metric = "resources.dsp", .condition = "above:10",
                        .actions = acts1, .n_actions = 1};
    assert_int_equal(bs_alert_add(f->db, &r1), 0);
    char *acts2[] = {"exec:sleep,5"};
    bs_alert_rule r2 = {.name = "hang", .metric = "resources.dsp", .condition = "above:10",
                        .actions = acts2, .n_actions = 1};
    assert_int_equal(bs_alert_add(f->db, &r2), 0);
    bs_alert_eval_opts o;
    bs_alert_eval_opts_default(&o);
    o.action_timeout_ms = 300;
    int fired, failed;
    int64_t t0 = bs_now_mono_ms();
    assert_int_equal(bs_alert_eval(f->db, &o, &fired, &failed), 0);
    assert_int_equal(fired, 2);
    assert_int_equal(failed, 2);
    assert_true(bs_now_mono_ms() - t0 < 4000);          /* the sleeper was killed */
    /* the failure is stored with the alert, which does not fire again */
    sqlite3_stmt *q;
    assert_int_equal(bs_db_prepare(f->db, "SELECT count(*) FROM history_alerts_fired WHERE status LIKE '%exec:%'", &q), 0);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 2);
    sqlite3_finalize(q);
    assert_int_equal(bs_alert_eval(f->db, &o, &fired, &failed), 0);
    assert_int_equal(fired, 0);
    /* a listener that accepts connections but never answers */
    int port;
    int fd = listen_local(&port);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/slow", port);
    t0 = bs_now_mono_ms();
    assert_int_equal(bs_http_post_json(url, "{}", 300, NULL), BS_ETIMEOUT);
    assert_true(bs_now_mono_ms() - t0 < 3000);
    close(fd);
    assert_int_equal(bs_http_post_json("http://127.0.0.1:80x/", "{}", 300, NULL), BS_EINVAL);
}

/* Points arrive as "metric" events on the bus. */
static void test_events(void **st)
{
    fx *f = *st;
    bs_bus *bus = bs_bus_new();
    assert_true(bs_history_subscribe(bus, f->db) > 0);
    bs_bus_emit(bus, "metric", "e1", 0,
                "{\"model\":\"tfc\",\"platform\":\"zcu104\",\"metric\":\"resources.lut\",\"value\":1200,"
                "\"layers\":{\"MVAU_0\":700,\"MVAU_1\":500},\"version\":\"abc\"}");
    bs_bus_emit(bus, "metric", "e2", 0,
                "{\"model\":\"tfc\",\"platform\":\"zcu104\",\"metric\":\"perf.latency_ns\",\"value\":null,"
                "\"repeats\":[5,6,7],\"direction\":\"lower\"}");
    bs_bus_emit(bus, "metric", "e3", 0, "{\"model\":\"tfc\"}");    /* invalid: logged, not recorded */
    bs_bus_emit(bus, "task.state", "e4", 0, "{}");                     /* other kinds ignored */
    bs_bus_free(bus);
    bs_hist_set *set = NULL;
    assert_int_equal(bs_history_query(f->db, NULL, &set), 0);
    assert_int_equal(set->n, 2);
    assert_string_equal(set->series[0].metric, "perf.latency_ns");
    assert_true(set->series[0].points[0].value == 6);
    assert_int_equal(set->series[0].direction, BS_HIST_DIR_LOWER);
    assert_int_equal(set->series[1].points[0].n_layers, 2);
    assert_string_equal(set->series[1].points[0].version, "abc");
    bs_hist_set_free(set);
    bs_event bad = {.kind = "metric", .build_id = "x", .payload = "{\"model\":\"a\",\"platform\":\"b\",\"metric\":\"c\",\"value\":\"high\"}"};
    assert_int_equal(bs_history_record_event(f->db, &bad), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "value"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_suite_1pct),
        cmocka_unit_test(test_suite_5pct),
        cmocka_unit_test(test_suite_10pct),
        cmocka_unit_test(test_degenerate),
        cmocka_unit_test(test_nan_and_ties),
        cmocka_unit_test(test_no_change),
        cmocka_unit_test_setup_teardown(test_value_alerts_and_trend, setup_db, teardown_db),
        cmocka_unit_test(test_mann_whitney),
        cmocka_unit_test(test_theil_sen),
        cmocka_unit_test(test_directions),
        cmocka_unit_test_setup_teardown(test_store, setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(test_regress, setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(test_real_builds, setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(test_alerts, setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(test_events, setup_db, teardown_db),
        cmocka_unit_test_setup_teardown(test_action_failures, setup_db, teardown_db),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
