/* metrics.h - the metric registry, per-build metric values, report parsers
 * and the analyses built on them.
 *
 * Registry: one static table of named metrics (dotted id such as
 * "resources.lut" or "timing.wns_ns"), each with a unit, a better-direction,
 * a group and a one-line description.  The history engine asks
 * bs_metric_find() for the direction of a metric to tell a regression from
 * an improvement.
 *
 * Values: a bs_metric_set collects values from report files.  Each value has
 * a metric id, a scope ("" for the whole build, else a layer, clock, rail,
 * SLR, hierarchy instance or step name), a number (or a text for the few
 * text metrics), the file it came from and whether it is an estimate.
 * Parse errors are collected in the same set, each naming the file, the line
 * and what was expected, so one broken report never loses the metrics of the
 * other files of a build.
 *
 * Storage: bs_metrics_store() writes a set into the workspace database
 * (tables metric_values / metric_errors, migrations of module "metrics"),
 * keyed by build id; bs_metrics_load() reads it back.
 *
 * Parsers: a static table (bs_metrics_parsers()) of every supported format:
 * Vivado report_utilization (7-series, UltraScale(+), Alveo/SLR,
 * hierarchical, and its XML form), report_timing_summary, report_power,
 * Vivado/Vitis HLS csynth.xml and csynth.rpt, every FINN report JSON, Yosys
 * `stat -json`, nextpnr `--report` JSON, icetime output, Verilator rtlsim
 * counts.  bs_metrics_parse_file() picks the parser from the file name
 * (and content) unless one is named. */
#ifndef BRAINSMITH_METRICS_H
#define BRAINSMITH_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include <sys/types.h>
#include "brainsmith/arena.h"
#include "brainsmith/workspace.h"

/* ---- registry ---- */

typedef enum { BS_BETTER_NONE = 0, BS_BETTER_LOWER, BS_BETTER_HIGHER } bs_better;

typedef struct bs_metric_def {
    const char *id;          /* "resources.lut" */
    const char *unit;        /* "count", "ns", "W", "fps", "%", "text", ... */
    bs_better better;
    const char *group;       /* "resources", "timing", "perf", "power", ... */
    const char *desc;        /* one line */
} bs_metric_def;

/* The whole table; *n gets its length. */
const bs_metric_def *bs_metric_table(size_t *n);
/* The definition of id, or NULL if no such metric exists. */
const bs_metric_def *bs_metric_find(const char *id);
/* "lower", "higher", "none". */
const char *bs_better_name(bs_better b);

/* ---- values ---- */

typedef struct bs_metric_val {
    const char *id;          /* registry id (interned from the table) */
    const char *scope;       /* "" = whole build; else layer / clock / rail / SLR / step */
    double value;            /* NaN for text-only metrics */
    const char *text;        /* text value or NULL */
    const char *source;      /* file the value came from ("model:<family>" for the power model) */
    bool estimated;          /* an estimate, not a measurement */
    int rank;                /* precedence of the source (higher wins on conflicts) */
} bs_metric_val;

typedef struct bs_metric_err {
    const char *file;
    int line;                /* 1-based; 0 = whole file */
    const char *msg;         /* what was expected */
} bs_metric_err;

typedef struct bs_metric_set {
    bs_arena arena;          /* every string of the set lives here */
    bs_metric_val *v;
    size_t n, cap;
    bs_metric_err *err;
    size_t nerr, errcap;
    const char *part;        /* device part seen in a report, or NULL */
    const char *tool;        /* tool + version of the last parsed report, or NULL */
} bs_metric_set;

void bs_metrics_init(bs_metric_set *s);
void bs_metrics_free(bs_metric_set *s);

/* Source ranks: when two sources give the same (id, scope), the higher rank
 * wins; on equal rank the later one wins. */
enum {
    BS_RANK_MODEL = 10,      /* analytic model (power model, derived values) */
    BS_RANK_ESTIMATE = 20,   /* FINN / HLS estimates */
    BS_RANK_SYNTH = 30,      /* synthesis (yosys, OOC, synth utilization) */
    BS_RANK_IMPL = 40,       /* placed / routed reports */
    BS_RANK_MEASURED = 50    /* simulation / hardware measurement, process usage */
};

/* Adds or replaces a value.  id must be in the registry (BS_EINVAL naming
 * it otherwise, a programmer error).  scope NULL means "". */
int bs_metrics_put(bs_metric_set *s, const char *id, const char *scope, double value,
                   const char *source, int rank, bool estimated);
int bs_metrics_put_text(bs_metric_set *s, const char *id, const char *scope, const char *text,
                        const char *source, int rank);
/* Records a parse error of file at line (0 = whole file); returns BS_EPARSE
 * and sets the error context to "file:line: msg". */
int bs_metrics_error(bs_metric_set *s, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Looks a value up (scope NULL = ""); NULL if absent. */
const bs_metric_val *bs_metrics_get(const bs_metric_set *s, const char *id, const char *scope);
/* Value or NaN. */
double bs_metrics_num(const bs_metric_set *s, const char *id, const char *scope);

/* ---- parsers ---- */

typedef int (*bs_metric_parse_fn)(bs_metric_set *s, const char *path, const char *text, size_t len);

typedef struct bs_metric_parser {
    const char *name;        /* "vivado_utilization" */
    const char *desc;
    bs_metric_parse_fn fn;
} bs_metric_parser;

const bs_metric_parser *bs_metrics_parsers(size_t *n);
const bs_metric_parser *bs_metrics_parser_find(const char *name);
/* The parser for a file, chosen by its name and (for .rpt/.json/.txt/.log)
 * its first bytes; NULL if the file is not a report brainsmith reads. */
const bs_metric_parser *bs_metrics_detect(const char *path, const char *head, size_t headlen);

/* Parses one file into s with the named parser (NULL = detect).  On a parse
 * error the error is recorded in s (and the error context) and a negative
 * code returned; values parsed before the error are kept.  A file no
 * parser knows is BS_EUNSUPPORTED (not recorded as an error). */
int bs_metrics_parse_file(bs_metric_set *s, const char *path, const char *parser);
/* Same, on text already in memory (len bytes, need not be NUL-terminated). */
int bs_metrics_parse_text(bs_metric_set *s, const char *parser, const char *path,
                          const char *text, size_t len);

/* Walks dir (recursively, up to depth 6, not following symlinks) and parses
 * every report found.  *nfiles gets the number of reports parsed (may be
 * NULL).  Returns 0 even if some files had errors (see s->nerr); fails only
 * when dir cannot be read. */
int bs_metrics_collect_dir(bs_metric_set *s, const char *dir, int *nfiles);

/* ---- process usage ---- */

typedef struct bs_usage_sample {
    double wall_s, cpu_s;
    int64_t peak_rss_kb;
    const char *scope;       /* step or task name, NULL = whole build */
} bs_usage_sample;

/* Adds wall / CPU / peak RSS of one task or step (scope) and accumulates
 * the build totals (wall and CPU summed, peak RSS max). */
int bs_metrics_add_usage(bs_metric_set *s, const bs_usage_sample *u, const char *source);

/* Reads process usage of a build's attempts from the orchestrator's tables
 * in db (tables "tasks"/"attempts", columns found by name: build id, start
 * and end times, CPU seconds, peak RSS).  Missing tables are not an error
 * (nothing is added). */
int bs_metrics_collect_attempts(bs_metric_set *s, sqlite3 *db, const char *build_id);

/* A sampler of a running process group: a thread reads /proc every
 * interval_ms and keeps the peak RSS and the CPU time seen.  This is the
 * metric collection that runs during a build. */
typedef struct bs_usage_monitor bs_usage_monitor;
int bs_usage_monitor_start(pid_t pgid, int interval_ms, bs_usage_monitor **out);
/* Stops the thread and fills *u (wall from start to stop, CPU and peak RSS
 * of the group as last seen).  *self_cpu_s (may be NULL) gets the CPU
 * seconds the sampling thread itself used: the monitoring overhead.
 * Frees m. */
int bs_usage_monitor_stop(bs_usage_monitor *m, bs_usage_sample *u, double *self_cpu_s);

/* ---- analyses (lib/metrics/analysis.c) ---- */

/* Runs every derived analysis on s: timing closure and fmax, throughput
 * and latency est vs measured, power (the resource model when no report),
 * memory bandwidth, resource efficiency and bottlenecks, roll-ups of
 * per-layer values.  Adds the derived metrics to s. */
int bs_metrics_analyze(bs_metric_set *s);

/* Power model: estimated total/dynamic/static W from resource counts for a
 * device family ("7series", "ultrascale+", "ice40"; NULL = from s->part)
 * at clock f_mhz.  Coefficients and their provenance are in analysis.c and
 * docs/metrics.md; results are labelled estimated. */
typedef struct bs_power_est { double static_w, dynamic_w, total_w; const char *family; } bs_power_est;
int bs_power_model(const char *family, double lut, double ff, double bram18, double uram,
                   double dsp, double f_mhz, double toggle, bs_power_est *out);
/* Family of a part name ("xc7z020clg400-1" -> "7series"); NULL if unknown. */
const char *bs_part_family(const char *part);

/* Scaling prediction: least-squares fit y = a + b*x (x = parallelism such as
 * sum of PE*SIMD, y = a resource) over n builds; predicts y at x_new and
 * reports the fit's error (RMSE, max relative error, R^2, and the
 * leave-one-out max relative error).  n >= 2. */
typedef struct bs_fit {
    double a, b, r2, rmse, max_rel_err, loo_max_rel_err, predicted;
    int n;
} bs_fit;
int bs_metrics_fit_linear(const double *x, const double *y, int n, double x_new, bs_fit *out);

/* Quality: agreement between reference and hardware outputs, n samples of
 * c values each (row-major).  c > 1: scores per class, top-1 = argmax;
 * c == 1: the outputs are class indices already (a TopK-ended FINN graph).
 * Gives top-1 agreement in [0,1] and the max / mean absolute difference;
 * labels (may be NULL) give the accuracy of the hw outputs. */
typedef struct bs_quality {
    double top1_agreement, max_abs_err, mean_abs_err, accuracy;  /* accuracy NaN without labels */
    int n;
} bs_quality;
int bs_metrics_quality(const double *ref, const double *hw, int n, int c, const int *labels,
                       bs_quality *out);
/* Loads a NumPy .npy array (C order; f4/f8/i1-8/u1-8/b1) as doubles: *out
 * malloc'd with *count values; shape[8] / ndim optional. */
int bs_npy_load(const char *path, double **out, int64_t *count, int64_t *shape, int *ndim);
/* bs_metrics_quality on .npy files: ref and hw of shape (N, C) scores or
 * (N,)/(N, 1) class indices; labels (may be NULL) of N class indices. */
int bs_metrics_quality_files(const char *ref, const char *hw, const char *labels, bs_quality *q);
/* Adds a bs_quality result to s as quality.* metrics. */
int bs_metrics_put_quality(bs_metric_set *s, const bs_quality *q, const char *source);

/* ---- storage (lib/metrics/store.c) ---- */

/* Applies the "metrics" migrations to db. */
int bs_metrics_migrate(sqlite3 *db);
/* Replaces every stored value and error of build_id with those of s. */
int bs_metrics_store(sqlite3 *db, const char *build_id, const bs_metric_set *s);
/* Loads the values and errors of build_id into s (initialised by caller). */
int bs_metrics_load(sqlite3 *db, const char *build_id, bs_metric_set *s);

/* Publishes the build-level numeric values of s on bus as "metric" events
 * (the payload the history engine records: model, platform, config,
 * metric, value, layers {scope: value} of the same metric, direction),
 * so subscribers follow every build that is measured or imported.
 * model/platform/config may be NULL.  Returns the number of events. */
int bs_metrics_publish(bs_bus *bus, const char *build_id, const char *model, const char *platform,
                       const char *config, const bs_metric_set *s);

/* ---- import (lib/metrics/import.c) ---- */

typedef struct bs_import_result {
    char build_id[40];
    int nfiles, nvalues, nerrors;
} bs_import_result;
/* Turns an existing FINN output directory or a folder of Vivado/HLS
 * reports into a build (state "imported") with its metrics, published on
 * the workspace's bus as "metric" events (model = the build's name).  name may be
 * NULL (then the directory's base name); part may be NULL (then the first
 * part a report names) and decides utilisation and the power model's
 * device family.  The build and the metrics that parsed are stored even if
 * some files had errors (res->nerrors > 0). */
int bs_metrics_import(bs_workspace *ws, const char *dir, const char *name, const char *part,
                      bs_import_result *res,
                      bs_metric_set *s_out /* may be NULL; else receives the set (init'd) */);

#endif
