/* history.h - metric time series, change-point detection, baselines,
 * trends, alerts and insights.
 *
 * Every build's metrics form time series.  A series is keyed by
 * (model, platform, configuration label, metric id); its points carry the
 * build id, a time, a version label (a commit, a tag), the value and
 * optionally the individual repeat measurements and per-layer values.
 * Series live in the workspace SQLite database (tables history_*, migrated
 * with bs_db_migrate(db, "history", ...)).
 *
 * Analysis answers "what changed, when, how sure, does it matter":
 *   - change points: E-divisive on means (Matteson & James) run in sliding
 *     windows with a permutation significance test, followed by the merge
 *     step of Hunter/Otava (Fleming et al. 2023) that re-tests every weak
 *     change point against its neighbours; plus a relative-threshold rule;
 *   - baselines: named pinned builds; a build is compared with a baseline
 *     by a relative threshold and, when both have repeats, a Mann-Whitney U
 *     test (tie-corrected);
 *   - trends: Theil-Sen slope with Sen's confidence interval, per build and
 *     per week;
 *   - alerts: stored rules (metric, series filter, condition) whose actions
 *     (print, JSON lines file, command, webhook) run once per alert;
 *   - insights: plain sentences, naming the layer that moved most when
 *     per-layer values were recorded.
 *
 * The better-direction of a metric decides whether a change is a regression
 * or an improvement.  It is looked up through a bs_hist_direction_fn;
 * bs_history_direction_default() is the glue to the metric registry.
 *
 * Statistical routines (bs_cpd_*, bs_stat_*) are pure functions on arrays
 * and usable without a database.  Nothing here prints. */
#ifndef BRAINSMITH_HISTORY_H
#define BRAINSMITH_HISTORY_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "brainsmith/arena.h"
#include "brainsmith/events.h"

/* ------------------------------------------------------------------ */
/* Directions and series                                               */
/* ------------------------------------------------------------------ */

typedef enum {
    BS_HIST_DIR_UNKNOWN = 0,  /* changes are reported as "change" */
    BS_HIST_DIR_LOWER = 1,    /* lower is better (LUTs, latency, build time) */
    BS_HIST_DIR_HIGHER = 2    /* higher is better (fps, fmax, slack) */
} bs_hist_direction;

/* "lower", "higher", "unknown"; parse accepts also "min"/"max". */
const char *bs_hist_direction_name(bs_hist_direction d);
int bs_hist_direction_parse(const char *s, bs_hist_direction *out);

/* Looks up the better-direction of a metric id. */
typedef bs_hist_direction (*bs_hist_direction_fn)(const char *metric_id, void *ud);

/* The default lookup: the metric registry (lib/metrics) when it is linked,
 * else a small built-in table of well-known metric prefixes. */
bs_hist_direction bs_history_direction_default(const char *metric_id, void *ud);

typedef struct bs_hist_layer {
    const char *name;     /* layer / node name, e.g. "MVAU_hls_2" */
    double value;
} bs_hist_layer;

typedef struct bs_hist_point {
    int64_t id;
    const char *build_id;
    int64_t time_ms;          /* epoch ms */
    const char *version;      /* may be NULL */
    double value;             /* NaN = missing */
    const double *repeats;    /* individual measurements, may be NULL */
    int n_repeats;
    const bs_hist_layer *layers;  /* per-layer values, may be NULL */
    int n_layers;
} bs_hist_point;

typedef struct bs_hist_series {
    int64_t id;
    const char *model, *platform, *config, *metric;
    bs_hist_direction direction;   /* stored with the series; may be UNKNOWN */
    const bs_hist_point *points;   /* ordered by time, then insertion */
    size_t n;
} bs_hist_series;

/* A set of series; everything lives in the set's arena. */
typedef struct bs_hist_set {
    bs_arena arena;
    bs_hist_series *series;
    size_t n;
} bs_hist_set;
void bs_hist_set_free(bs_hist_set *s);

/* Series selection: NULL fields match anything. */
typedef struct bs_hist_filter {
    const char *model, *platform, *config, *metric;
} bs_hist_filter;

/* ------------------------------------------------------------------ */
/* Store                                                               */
/* ------------------------------------------------------------------ */

/* Creates / upgrades the history tables in db (idempotent). */
int bs_history_migrate(sqlite3 *db);

typedef struct bs_hist_record {
    const char *model;        /* required: model name or digest */
    const char *platform;     /* required */
    const char *config;       /* NULL = "default" */
    const char *metric;       /* required: metric id, e.g. "resources.lut" */
    const char *build_id;     /* required */
    int64_t time_ms;          /* 0 = now */
    const char *version;      /* may be NULL */
    double value;             /* NaN with repeats: the median of the repeats */
    const double *repeats;    /* may be NULL */
    int n_repeats;
    const bs_hist_layer *layers;  /* may be NULL */
    int n_layers;
    bs_hist_direction direction;  /* UNKNOWN: keep what the series has */
} bs_hist_record;

/* Adds (or replaces: same series and build) one point.  Creates the series
 * on first use.  Non-finite repeats or empty names are BS_EINVAL naming the
 * field.  A missing value (NaN, no repeats) is stored as missing. */
int bs_history_record(sqlite3 *db, const bs_hist_record *r);

/* Records a point from a "metric" event of the bus (events.h), so the
 * history follows builds without the metrics module calling in:
 *   kind "metric", build_id set, payload
 *   {"model": M, "platform": P, "config": C?, "metric": ID, "value": V | null,
 *    "repeats": [..]?, "layers": {NAME: V, ..}?, "version": S?, "direction": "lower"|"higher"?}
 * time = the event's time.  Returns 0 or a negative BS_E* naming the field. */
int bs_history_record_event(sqlite3 *db, const bs_event *ev);

/* Subscribes bs_history_record_event to bus (prefix "metric"); failures are
 * logged as warnings (a subscriber cannot return them).  Returns the
 * subscription id or a negative error. */
int bs_history_subscribe(bs_bus *bus, sqlite3 *db);

/* Loads every series matching f with all its points. */
int bs_history_query(sqlite3 *db, const bs_hist_filter *f, bs_hist_set **out);

/* Index of the point of build_id in s, or -1. */
ptrdiff_t bs_hist_series_find(const bs_hist_series *s, const char *build_id);

/* The build of the newest point over all series (malloc'd), BS_ENOTFOUND
 * when there are no points. */
int bs_history_latest_build(sqlite3 *db, char **build_id);

/* ------------------------------------------------------------------ */
/* Change-point detection on arrays                                    */
/* ------------------------------------------------------------------ */

typedef struct bs_cpd_opts {
    double max_pvalue;     /* final significance, default 0.001 */
    int window;            /* sliding window length, default 50 */
    int split_permutations;/* permutations in the split step, default 99 */
    int merge_permutations;/* permutations in the merge step, default 1999 */
    double min_magnitude;  /* minimal |relative change| kept, default 0 */
    uint64_t seed;         /* permutation RNG seed (results reproducible) */
} bs_cpd_opts;
void bs_cpd_opts_default(bs_cpd_opts *o);

typedef struct bs_change_point {
    size_t index;          /* first point after the change (input index) */
    double pvalue;         /* merge-test p-value (permutation, or a conservative
                            * Bonferroni bound for clear shifts); NaN for
                            * threshold rules */
    double qhat;           /* E-divisive statistic of the split */
    double mean_before, mean_after;
    double std_before, std_after;
    double rel_change;     /* mean_after / mean_before - 1; NaN if before == 0 */
} bs_change_point;

/* E-divisive change points of x[0..n).  NaN values are skipped (a change
 * point's index is then the first finite value after the change).  Series
 * shorter than 4 finite points have none.  *out is malloc'd (NULL when
 * *n_out == 0).  Deterministic for a given seed. */
int bs_cpd_detect(const double *x, size_t n, const bs_cpd_opts *o,
                  bs_change_point **out, size_t *n_out);

/* Maximum of the E-divisive statistic q over all splits x[0..tau) |
 * x[tau..kappa), 1 <= tau < kappa <= n: O(n^2) time, O(n) memory.
 * Exposed for tests and benchmarks. */
double bs_cpd_qhat_max(const double *x, size_t n, size_t *tau, size_t *kappa);

typedef struct bs_threshold_opts {
    double rel;            /* |relative change| that counts, default 0.05 */
    int lookback;          /* reference = median of the previous N points, default 5 */
} bs_threshold_opts;
void bs_threshold_opts_default(bs_threshold_opts *o);

/* Relative-threshold rule: flags point i when |x[i] / median(previous
 * lookback finite points) - 1| >= rel and, with 3+ reference points, the
 * jump exceeds 3 x 1.4826 x MAD of the reference (noise guard); after a flag
 * the reference restarts at the flagged point.  pvalue of results is NaN. */
int bs_threshold_detect(const double *x, size_t n, const bs_threshold_opts *o,
                        bs_change_point **out, size_t *n_out);

/* ------------------------------------------------------------------ */
/* Statistics                                                          */
/* ------------------------------------------------------------------ */

/* Two-sided Mann-Whitney U test.  Exact distribution when there are no
 * ties and n1 + n2 <= 40, else the normal approximation with tie and
 * continuity corrections.  u = U statistic of sample a.  NaNs are ignored;
 * fewer than 1 value on a side is BS_EINVAL. */
int bs_stat_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
                         double *u, double *pvalue);

/* Theil-Sen slope of y over x with Sen's (1968) confidence interval at
 * level conf (e.g. 0.95).  Pairs with equal x are skipped; NaN y skipped.
 * BS_EINVAL with fewer than 2 distinct x. */
int bs_stat_theil_sen(const double *x, const double *y, size_t n, double conf,
                      double *slope, double *lo, double *hi, double *intercept);

double bs_stat_median(const double *x, size_t n);   /* NaN-free input; NaN if n == 0 */
double bs_stat_norm_cdf(double z);

/* ------------------------------------------------------------------ */
/* Series analysis                                                     */
/* ------------------------------------------------------------------ */

typedef enum {
    BS_CHANGE_UNKNOWN = 0,     /* direction unknown */
    BS_CHANGE_REGRESSION,
    BS_CHANGE_IMPROVEMENT
} bs_change_kind;
const char *bs_change_kind_name(bs_change_kind k);  /* "change", "regression", "improvement" */

typedef struct bs_analyze_opts {
    bs_cpd_opts cpd;
    bs_threshold_opts thr;
    bool use_threshold;        /* also apply the relative-threshold rule (default true) */
    bs_hist_direction_fn direction;  /* NULL: bs_history_direction_default */
    void *direction_ud;
} bs_analyze_opts;
void bs_analyze_opts_default(bs_analyze_opts *o);

typedef struct bs_hist_change {
    const bs_hist_series *series;
    size_t index;              /* point index in series */
    const char *build_id;      /* == series->points[index].build_id */
    const char *method;        /* "edivisive" or "threshold" */
    bs_change_point cp;
    bs_change_kind kind;
    const char *layer;         /* layer that moved most in the change's direction, or NULL */
    double layer_before, layer_after;
} bs_hist_change;

/* The direction used for s: the series' stored direction, else the lookup. */
bs_hist_direction bs_history_series_direction(const bs_hist_series *s, const bs_analyze_opts *o);

/* Change points of one series (both methods; a threshold flag at the index
 * of an E-divisive change point is merged into it).  *out is malloc'd and
 * points into s. */
int bs_history_detect(const bs_hist_series *s, const bs_analyze_opts *o,
                      bs_hist_change **out, size_t *n_out);

typedef struct bs_trend {
    size_t n;                  /* points used */
    double conf;               /* confidence level */
    double per_build, per_build_lo, per_build_hi;
    double per_week, per_week_lo, per_week_hi;     /* NaN when all times are equal */
    double rel_per_week;       /* per_week / median value; NaN if median is 0 */
} bs_trend;

/* Theil-Sen trend of the last `last` points (0 = all, capped at 2000). */
int bs_history_trend(const bs_hist_series *s, size_t last, double conf, bs_trend *out);

/* One plain sentence for a change ("resources.lut on zcu104 rose 12% at
 * build b-41 (p<0.001), a regression; the layer that grew most is MVAU_2
 * (+310)").  malloc'd. */
char *bs_history_insight(const bs_hist_change *c);
/* One sentence for a trend; NULL when the slope's interval contains 0. */
char *bs_history_trend_insight(const bs_hist_series *s, const bs_trend *t);

/* ------------------------------------------------------------------ */
/* Baselines and regression checks                                     */
/* ------------------------------------------------------------------ */

/* Pins `name` to a build that has history points (replaces an older pin). */
int bs_history_baseline_set(sqlite3 *db, const char *name, const char *build_id);
/* *build_id malloc'd; BS_ENOTFOUND when no such baseline. */
int bs_history_baseline_get(sqlite3 *db, const char *name, char **build_id);
int bs_history_baseline_rm(sqlite3 *db, const char *name);

typedef struct bs_hist_baseline {
    char *name, *build_id;
    int64_t created_ms;
} bs_hist_baseline;
int bs_history_baseline_list(sqlite3 *db, bs_hist_baseline **out, size_t *n);
void bs_hist_baselines_free(bs_hist_baseline *b, size_t n);

typedef struct bs_regress_opts {
    bs_analyze_opts analyze;
    const char *baseline;      /* baseline name, NULL = every baseline */
    double rel_threshold;      /* default 0.05 */
    double alpha;              /* Mann-Whitney significance, default 0.05 */
} bs_regress_opts;
void bs_regress_opts_default(bs_regress_opts *o);

typedef struct bs_regress_item {
    const bs_hist_series *series;
    size_t index;              /* the checked build's point */
    const char *against;       /* "baseline:<name>", "previous" or "changepoint" */
    const char *ref_build;     /* baseline build / NULL */
    double ref_value, value, rel_change;
    double u, pvalue;          /* Mann-Whitney; NaN without repeats */
    bs_change_kind kind;
    bool regression;           /* this item fails the check */
    bs_hist_change change;     /* for against == "changepoint" */
    char *message;             /* malloc'd sentence */
} bs_regress_item;

typedef struct bs_regress_report {
    char *build_id;
    bs_hist_set *set;          /* the series looked at */
    bs_regress_item *items;
    size_t n;
    size_t n_regressions;
} bs_regress_report;

/* Checks build_id (NULL = the newest build) in every series that has it:
 * against each baseline (or the named one) by relative threshold and, with
 * repeats on both sides, Mann-Whitney; against the median of the previous
 * points by the relative-threshold rule; and reports an E-divisive change
 * point that starts at the build.  A regression is a change in the worse
 * direction beyond the threshold (and significant when tested). */
int bs_history_regress_check(sqlite3 *db, const char *build_id, const bs_regress_opts *o,
                             bs_regress_report **out);
void bs_regress_report_free(bs_regress_report *r);

/* ------------------------------------------------------------------ */
/* Alerts                                                              */
/* ------------------------------------------------------------------ */

/* Rule conditions:
 *   regression | improvement | change        a detected change of that kind
 *   above:X | below:X                        the newest value beyond X
 *   rise:P% | drop:P%                        newest vs median of previous points
 * Actions (JSON array stored with the rule, parsed from strings):
 *   print                                    the caller's print callback
 *   jsonl:PATH                               append the alert as one JSON line
 *   exec:PROG[,ARG...]                       run PROG (no shell) with the alert JSON on stdin
 *   webhook:http://HOST:PORT/PATH            HTTP/1.1 POST of the alert JSON */
typedef struct bs_alert_rule {
    int64_t id;
    char *name;
    char *metric;                         /* required */
    char *model, *platform, *config;      /* NULL = any */
    char *condition;
    char **actions;                       /* action strings as given */
    int n_actions;
    int64_t created_ms;
} bs_alert_rule;

/* Validates condition and actions; BS_EEXISTS if name is taken. */
int bs_alert_add(sqlite3 *db, const bs_alert_rule *r);
int bs_alert_rm(sqlite3 *db, const char *name);
int bs_alert_list(sqlite3 *db, bs_alert_rule **out, size_t *n);
void bs_alert_rules_free(bs_alert_rule *r, size_t n);
int bs_alert_condition_check(const char *cond);
int bs_alert_action_check(const char *action);

typedef void (*bs_alert_print_fn)(const char *alert_json, void *ud);

typedef struct bs_alert_eval_opts {
    bs_analyze_opts analyze;
    bool dry_run;              /* report, run no action, persist nothing */
    bs_alert_print_fn print;   /* for "print" actions; NULL = skipped */
    void *print_ud;
    int64_t action_timeout_ms; /* exec/webhook timeout, default 30000 */
} bs_alert_eval_opts;
void bs_alert_eval_opts_default(bs_alert_eval_opts *o);

/* Evaluates every rule on the current history.  Each alert (rule, series,
 * build of the event) fires once: its dedup key is stored before its
 * actions run, and an alert already stored is skipped.  *fired counts
 * alerts fired in this call; action failures are logged, recorded with the
 * alert and counted in *failed (either may be NULL). */
int bs_alert_eval(sqlite3 *db, const bs_alert_eval_opts *o, int *fired, int *failed);

/* Sends body with an HTTP/1.1 POST to url ("http://host[:port]/path");
 * BS_ETOOL naming the status unless the server answers 2xx. */
int bs_http_post_json(const char *url, const char *body, int64_t timeout_ms, int *status);

/* ------------------------------------------------------------------ */
/* Plot                                                                */
/* ------------------------------------------------------------------ */

typedef struct bs_plot_mark {
    size_t series;             /* index into the set */
    size_t index;              /* point index */
    const char *label;
} bs_plot_mark;

/* Writes an SVG line chart of the set's series (x = build order, y = value)
 * with change points (vertical dashed lines, red for regressions, green for
 * improvements) and baselines (horizontal lines at the baseline build's
 * value, labelled).  Written atomically to path. */
int bs_history_plot_svg(const bs_hist_set *set, const bs_hist_change *changes, size_t n_changes,
                        const bs_plot_mark *baselines, size_t n_baselines,
                        const char *title, const char *path);

#endif
