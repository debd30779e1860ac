/* cmd_history.c - the history command groups: `history` (show, record, ls),
 * `regress check`, `baseline` (set, ls, rm) and `alerts` (add, ls, rm, run).
 *
 * Thin: options are parsed here, lib/history does the work, and results are
 * printed as text for people or --json for scripts.  `regress check` exits 1
 * when the build regressed so CI pipelines can gate on it. */
#include "cli.h"

#include "brainsmith/error.h"
#include "brainsmith/history.h"
#include "brainsmith/json.h"
#include "brainsmith/util.h"

#include <cJSON.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- shared helpers --------------------------------------------------------- */

static sqlite3 *open_db(bs_cli *cli, bs_workspace **ws)
{
    *ws = bs_cli_open_ws(cli, true);
    if (!*ws) return NULL;
    int rc = bs_history_migrate((*ws)->db);
    if (rc < 0) {
        bs_cli_fail(cli, rc);
        bs_workspace_close(*ws);
        *ws = NULL;
        return NULL;
    }
    return (*ws)->db;
}

/* Analysis options common to show / regress / alerts run. */
typedef struct aopts { double pvalue; int window; double threshold_pct; bool no_threshold; } aopts;

static void apply_aopts(const aopts *a, bs_analyze_opts *o)
{
    bs_analyze_opts_default(o);
    if (a->pvalue > 0) o->cpd.max_pvalue = a->pvalue;
    if (a->window > 0) o->cpd.window = a->window;
    if (a->threshold_pct > 0) o->thr.rel = a->threshold_pct / 100.0;
    if (a->no_threshold) o->use_threshold = false;
}

static int parse_aopt(bs_cli *cli, int c, const char *arg, aopts *a)
{
    double d;
    int64_t i;
    switch (c) {
    case 'P':
        if (bs_parse_double(arg, &d) < 0 || !(d > 0 && d < 1))
            return bs_cli_usage(cli, "--pvalue '%s': expected a number in (0, 1)", arg);
        a->pvalue = d;
        return 0;
    case 'W':
        if (bs_parse_i64(arg, &i) < 0 || i < 4 || i > 100000)
            return bs_cli_usage(cli, "--window '%s': expected an integer >= 4", arg);
        a->window = (int)i;
        return 0;
    case 'T': {
        char buf[64];
        snprintf(buf, sizeof buf, "%s", arg);
        size_t l = strlen(buf);
        if (l && buf[l - 1] == '%') buf[l - 1] = 0;
        if (bs_parse_double(buf, &d) < 0 || !(d > 0))
            return bs_cli_usage(cli, "--threshold '%s': expected a percentage > 0", arg);
        a->threshold_pct = d;
        return 0;
    }
    case 'N': a->no_threshold = true; return 0;
    }
    return -1;
}

#define AOPT_LONG                                                                       \
    {"pvalue", required_argument, NULL, 'P'}, {"window", required_argument, NULL, 'W'},  \
    {"threshold", required_argument, NULL, 'T'}, {"no-threshold", no_argument, NULL, 'N'}
#define AOPT_HELP                                                                        \
    "  --pvalue P          significance of change points (default 0.001)\n"            \
    "  --window N          E-divisive window length (default 50)\n"                     \
    "  --threshold PCT     relative-threshold rule, percent (default 5)\n"              \
    "  --no-threshold      only E-divisive change points\n"

static cJSON *jnum(double v) { return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull(); }

static void print_json(cJSON *j)
{
    char *t = bs_json_print_py(j, 2);
    if (t) printf("%s\n", t);
    free(t);
}

static char *fmt_time(int64_t ms, char *buf, size_t n) { return bs_format_time(ms, buf, n); }

/* Accepts epoch milliseconds or ISO-8601 UTC ("2026-11-24T16:18:55Z", date only too). */
static int parse_time(const char *s, int64_t *out)
{
    if (bs_parse_i64(s, out) == 0) return 0;
    struct tm tm = {0};
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end) { memset(&tm, 0, sizeof tm); end = strptime(s, "%Y-%m-%d", &tm); }
    if (!end) return -1;
    int64_t ms = 0;
    if (*end == '.') {
        end++;
        int digits = 0;
        while (*end >= '0' && *end <= '9') {
            if (digits < 3) ms = ms * 10 + (*end - '0');
            digits++;
            end++;
        }
        while (digits < 3) { ms *= 10; digits++; }
    }
    if (*end == 'Z') end++;
    if (*end) return -1;
    *out = (int64_t)timegm(&tm) * 1000 + ms;
    return 0;
}

static int parse_list(const char *s, double **out, int *n)
{
    int cap = 8, k = 0;
    double *v = malloc((size_t)cap * sizeof(double));
    if (!v) return -1;
    const char *p = s;
    for (;;) {
        char buf[64];
        size_t l = strcspn(p, ",");
        if (l == 0 || l >= sizeof buf) { free(v); return -1; }
        memcpy(buf, p, l);
        buf[l] = 0;
        if (k == cap) {
            double *t = realloc(v, (size_t)(cap *= 2) * sizeof(double));
            if (!t) { free(v); return -1; }
            v = t;
        }
        if (bs_parse_double(buf, &v[k]) < 0 || !isfinite(v[k])) { free(v); return -1; }
        k++;
        if (!p[l]) break;
        p += l + 1;
    }
    *out = v;
    *n = k;
    return 0;
}

/* ---- history show ------------------------------------------------------------ */

static cJSON *change_json(const bs_hist_change *c)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "index", (double)c->index);
    cJSON_AddStringToObject(j, "build", c->build_id);
    cJSON_AddStringToObject(j, "method", c->method);
    cJSON_AddStringToObject(j, "kind", bs_change_kind_name(c->kind));
    cJSON_AddItemToObject(j, "pvalue", jnum(c->cp.pvalue));
    cJSON_AddItemToObject(j, "mean_before", jnum(c->cp.mean_before));
    cJSON_AddItemToObject(j, "mean_after", jnum(c->cp.mean_after));
    cJSON_AddItemToObject(j, "std_before", jnum(c->cp.std_before));
    cJSON_AddItemToObject(j, "std_after", jnum(c->cp.std_after));
    cJSON_AddItemToObject(j, "rel_change", jnum(c->cp.rel_change));
    if (c->layer) {
        cJSON_AddStringToObject(j, "layer", c->layer);
        cJSON_AddItemToObject(j, "layer_before", jnum(c->layer_before));
        cJSON_AddItemToObject(j, "layer_after", jnum(c->layer_after));
    }
    char *msg = bs_history_insight(c);
    cJSON_AddStringToObject(j, "insight", msg ? msg : "");
    free(msg);
    return j;
}

static cJSON *series_json(const bs_hist_series *s, const bs_hist_change *ch, size_t nch,
                          const bs_trend *tr, bool have_trend, bs_hist_direction dir)
{
    char tb[40];
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "metric", s->metric);
    cJSON_AddStringToObject(j, "model", s->model);
    cJSON_AddStringToObject(j, "platform", s->platform);
    cJSON_AddStringToObject(j, "config", s->config);
    cJSON_AddStringToObject(j, "direction", bs_hist_direction_name(dir));
    cJSON *pts = cJSON_AddArrayToObject(j, "points");
    for (size_t i = 0; i < s->n; i++) {
        const bs_hist_point *p = &s->points[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "build", p->build_id);
        cJSON_AddStringToObject(o, "time", fmt_time(p->time_ms, tb, sizeof tb));
        if (p->version) cJSON_AddStringToObject(o, "version", p->version);
        cJSON_AddItemToObject(o, "value", jnum(p->value));
        if (p->n_repeats) {
            cJSON *r = cJSON_AddArrayToObject(o, "repeats");
            for (int k = 0; k < p->n_repeats; k++) cJSON_AddItemToArray(r, jnum(p->repeats[k]));
        }
        if (p->n_layers) {
            cJSON *l = cJSON_AddObjectToObject(o, "layers");
            for (int k = 0; k < p->n_layers; k++) cJSON_AddItemToObject(l, p->layers[k].name, jnum(p->layers[k].value));
        }
        cJSON_AddItemToArray(pts, o);
    }
    cJSON *cj = cJSON_AddArrayToObject(j, "changes");
    for (size_t i = 0; i < nch; i++) cJSON_AddItemToArray(cj, change_json(&ch[i]));
    if (have_trend) {
        cJSON *t = cJSON_AddObjectToObject(j, "trend");
        cJSON_AddNumberToObject(t, "n", (double)tr->n);
        cJSON_AddNumberToObject(t, "confidence", tr->conf);
        cJSON_AddItemToObject(t, "per_build", jnum(tr->per_build));
        cJSON_AddItemToObject(t, "per_build_lo", jnum(tr->per_build_lo));
        cJSON_AddItemToObject(t, "per_build_hi", jnum(tr->per_build_hi));
        cJSON_AddItemToObject(t, "per_week", jnum(tr->per_week));
        cJSON_AddItemToObject(t, "per_week_lo", jnum(tr->per_week_lo));
        cJSON_AddItemToObject(t, "per_week_hi", jnum(tr->per_week_hi));
        cJSON_AddItemToObject(t, "rel_per_week", jnum(tr->rel_per_week));
    }
    cJSON *ins = cJSON_AddArrayToObject(j, "insights");
    for (size_t i = 0; i < nch; i++) {
        char *m = bs_history_insight(&ch[i]);
        if (m) cJSON_AddItemToArray(ins, cJSON_CreateString(m));
        free(m);
    }
    if (have_trend) {
        char *m = bs_history_trend_insight(s, tr);
        if (m) cJSON_AddItemToArray(ins, cJSON_CreateString(m));
        free(m);
    }
    return j;
}

static void series_text(const bs_hist_series *s, const bs_hist_change *ch, size_t nch,
                        const bs_trend *tr, bool have_trend, bs_hist_direction dir, size_t last)
{
    char tb[40];
    printf("%s  model=%s  platform=%s  config=%s  (%s is better, %zu points)\n", s->metric, s->model,
           s->platform, s->config, dir == BS_HIST_DIR_UNKNOWN ? "direction unknown;" :
           dir == BS_HIST_DIR_LOWER ? "lower" : "higher", s->n);
    printf("  %5s  %-24s  %-24s  %-12s  %14s\n", "#", "build", "time", "version", "value");
    size_t start = last && s->n > last ? s->n - last : 0;
    if (start) printf("  ... %zu older points\n", start);
    for (size_t i = start; i < s->n; i++) {
        const bs_hist_point *p = &s->points[i];
        const char *mark = "";
        for (size_t k = 0; k < nch; k++)
            if (ch[k].index == i)
                mark = ch[k].kind == BS_CHANGE_REGRESSION ? "  <- regression"
                     : ch[k].kind == BS_CHANGE_IMPROVEMENT ? "  <- improvement" : "  <- change";
        char val[48];
        if (isfinite(p->value)) snprintf(val, sizeof val, "%.6g", p->value);
        else snprintf(val, sizeof val, "missing");
        printf("  %5zu  %-24s  %-24s  %-12s  %14s", i, p->build_id, fmt_time(p->time_ms, tb, sizeof tb),
               p->version ? p->version : "-", val);
        if (p->n_repeats) printf(" (n=%d)", p->n_repeats);
        printf("%s\n", mark);
    }
    if (nch) printf("  change points:\n");
    for (size_t k = 0; k < nch; k++) {
        const bs_hist_change *c = &ch[k];
        printf("    #%zu build %s: %.6g -> %.6g (%+.1f%%) %s %s", c->index, c->build_id, c->cp.mean_before,
               c->cp.mean_after, isfinite(c->cp.rel_change) ? c->cp.rel_change * 100 : 0.0, c->method,
               bs_change_kind_name(c->kind));
        if (isfinite(c->cp.pvalue)) printf(" p=%.3g", c->cp.pvalue);
        printf("\n");
    }
    if (have_trend)
        printf("  trend (Theil-Sen, %.0f%% CI): %+.4g per build [%.4g, %.4g]; %+.4g per week [%.4g, %.4g]\n",
               tr->conf * 100, tr->per_build, tr->per_build_lo, tr->per_build_hi, tr->per_week,
               tr->per_week_lo, tr->per_week_hi);
    bool head = false;
    for (size_t k = 0; k < nch; k++) {
        char *m = bs_history_insight(&ch[k]);
        if (!head) { printf("  insights:\n"); head = true; }
        printf("    - %s\n", m ? m : "");
        free(m);
    }
    if (have_trend) {
        char *m = bs_history_trend_insight(s, tr);
        if (m) {
            if (!head) printf("  insights:\n");
            printf("    - %s\n", m);
        }
        free(m);
    }
    printf("\n");
}

static int cmd_show(bs_cli *cli, int argc, char **argv)
{
    static const char usage[] =
        "usage: brainsmith history show --metric M [--model X] [--platform P] [--config C]\n"
        "                               [--json | --plot out.svg] [--last N] [options]\n\n"
        "Shows the series of metric M (every model/platform/config unless filtered):\n"
        "its points, the change points found (E-divisive with a permutation test, and\n"
        "the relative-threshold rule), the Theil-Sen trend and one sentence per finding.\n"
        "--plot writes an SVG chart with change points and baselines marked.\n\n"
        "options:\n" AOPT_HELP
        "  --last N            print only the newest N points (analysis uses all)\n";
    if (bs_cli_wants_help(argc, argv)) { fputs(usage, stdout); return 0; }
    static const struct option lo[] = {
        {"metric", required_argument, NULL, 'm'}, {"model", required_argument, NULL, 'x'},
        {"platform", required_argument, NULL, 'p'}, {"config", required_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'}, {"plot", required_argument, NULL, 'o'},
        {"last", required_argument, NULL, 'l'}, AOPT_LONG, {NULL, 0, NULL, 0}};
    bs_hist_filter f = {0};
    aopts ao = {0};
    bool json = false;
    const char *plot = NULL;
    int64_t last = 0;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'm': f.metric = optarg; break;
        case 'x': f.model = optarg; break;
        case 'p': f.platform = optarg; break;
        case 'c': f.config = optarg; break;
        case 'j': json = true; break;
        case 'o': plot = optarg; break;
        case 'l':
            if (bs_parse_i64(optarg, &last) < 0 || last < 0) return bs_cli_usage(cli, "--last '%s': expected a count", optarg);
            break;
        default:
            if (c == '?') return bs_cli_usage(cli, "bad option");
            if (parse_aopt(cli, c, optarg, &ao) != 0) return BS_EXIT_USAGE;
        }
    }
    if (optind < argc) return bs_cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    if (!f.metric) return bs_cli_usage(cli, "--metric is required");
    if (json && plot) return bs_cli_usage(cli, "--json and --plot exclude each other");
    bs_workspace *ws;
    sqlite3 *db = open_db(cli, &ws);
    if (!db) return BS_EXIT_FAIL;
    bs_analyze_opts opts;
    apply_aopts(&ao, &opts);
    bs_hist_set *set = NULL;
    int rc = bs_history_query(db, &f, &set);
    if (rc < 0) { bs_workspace_close(ws); return bs_cli_fail(cli, rc); }
    if (set->n == 0) {
        bs_hist_set_free(set);
        bs_workspace_close(ws);
        bs_error_set(BS_ENOTFOUND, "no series of metric '%s'%s", f.metric,
                     f.model || f.platform || f.config ? " matching the filter" : "");
        return bs_cli_fail(cli, BS_ENOTFOUND);
    }
    bs_hist_change *all = NULL;
    size_t nall = 0;
    cJSON *root = json ? cJSON_CreateObject() : NULL;
    cJSON *arr = root ? cJSON_AddArrayToObject(root, "series") : NULL;
    for (size_t i = 0; i < set->n && rc == 0; i++) {
        const bs_hist_series *s = &set->series[i];
        bs_hist_change *ch = NULL;
        size_t nch = 0;
        if ((rc = bs_history_detect(s, &opts, &ch, &nch)) < 0) break;
        bs_trend tr;
        bool have_trend = bs_history_trend(s, 0, 0.95, &tr) == 0;
        if (!have_trend) bs_error_clear();
        bs_hist_direction dir = bs_history_series_direction(s, &opts);
        if (json) cJSON_AddItemToArray(arr, series_json(s, ch, nch, &tr, have_trend, dir));
        else if (!plot) series_text(s, ch, nch, &tr, have_trend, dir, (size_t)last);
        if (nch) {
            bs_hist_change *t = realloc(all, (nall + nch) * sizeof(*t));
            if (!t) { free(ch); rc = bs_error_set(BS_ENOMEM, "show"); break; }
            all = t;
            memcpy(all + nall, ch, nch * sizeof(*ch));
            nall += nch;
        }
        free(ch);
    }
    if (rc == 0 && plot) {
        bs_hist_baseline *bl = NULL;
        size_t nbl = 0;
        rc = bs_history_baseline_list(db, &bl, &nbl);
        bs_plot_mark *marks = calloc(nbl * set->n + 1, sizeof(*marks));
        size_t nm = 0;
        for (size_t b = 0; rc == 0 && marks && b < nbl; b++)
            for (size_t s = 0; s < set->n; s++) {
                ptrdiff_t k = bs_hist_series_find(&set->series[s], bl[b].build_id);
                if (k >= 0) marks[nm++] = (bs_plot_mark){s, (size_t)k, bl[b].name};
            }
        char title[256];
        snprintf(title, sizeof title, "%s%s%s%s%s", f.metric, f.model ? " - " : "", f.model ? f.model : "",
                 f.platform ? " on " : "", f.platform ? f.platform : "");
        if (rc == 0) rc = bs_history_plot_svg(set, all, nall, marks, nm, title, plot);
        if (rc == 0) printf("wrote %s (%zu series, %zu change points, %zu baseline marks)\n", plot, set->n, nall, nm);
        free(marks);
        bs_hist_baselines_free(bl, nbl);
    }
    if (rc == 0 && json) print_json(root);
    cJSON_Delete(root);
    free(all);
    bs_hist_set_free(set);
    bs_workspace_close(ws);
    return rc < 0 ? bs_cli_fail(cli, rc) : 0;
}

/* ---- history record ------------------------------------------------------------ */

static int cmd_record(bs_cli *cli, int argc, char **argv)
{
    static const char usage[] =
        "usage: brainsmith history record --metric M --model X --platform P --build B\n"
        "                                 (--value V | --repeats V1,V2,...) [--config C]\n"
        "                                 [--time T] [--version V] [--layer NAME=V]...\n"
        "                                 [--direction lower|higher]\n\n"
        "Adds one point to a series (replacing the point of the same build).  T is epoch\n"
        "milliseconds or ISO-8601 UTC (default now).  --value missing records a missing\n"
        "value.  --layer attaches per-layer values used to attribute changes.\n";
    if (bs_cli_wants_help(argc, argv)) { fputs(usage, stdout); return 0; }
    static const struct option lo[] = {
        {"metric", required_argument, NULL, 'm'}, {"model", required_argument, NULL, 'x'},
        {"platform", required_argument, NULL, 'p'}, {"config", required_argument, NULL, 'c'},
        {"build", required_argument, NULL, 'b'}, {"value", required_argument, NULL, 'v'},
        {"repeats", required_argument, NULL, 'r'}, {"time", required_argument, NULL, 't'},
        {"version", required_argument, NULL, 'V'}, {"layer", required_argument, NULL, 'L'},
        {"direction", required_argument, NULL, 'd'}, {NULL, 0, NULL, 0}};
    bs_hist_record r = {.value = NAN};
    bool have_value = false;
    double *reps = NULL;
    bs_hist_layer layers[256];
    int c, rc = BS_EXIT_USAGE;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'm': r.metric = optarg; break;
        case 'x': r.model = optarg; break;
        case 'p': r.platform = optarg; break;
        case 'c': r.config = optarg; break;
        case 'b': r.build_id = optarg; break;
        case 'V': r.version = optarg; break;
        case 'v':
            have_value = true;
            if (strcmp(optarg, "missing") == 0 || strcmp(optarg, "nan") == 0) { r.value = NAN; break; }
            if (bs_parse_double(optarg, &r.value) < 0 || !isfinite(r.value)) {
                bs_cli_usage(cli, "--value '%s': expected a number or 'missing'", optarg);
                goto out;
            }
            break;
        case 'r':
            free(reps);
            reps = NULL;
            if (parse_list(optarg, &reps, &r.n_repeats) < 0) {
                bs_cli_usage(cli, "--repeats '%s': expected comma-separated numbers", optarg);
                goto out;
            }
            r.repeats = reps;
            break;
        case 't':
            if (parse_time(optarg, &r.time_ms) < 0) {
                bs_cli_usage(cli, "--time '%s': expected epoch ms or YYYY-MM-DDTHH:MM:SSZ", optarg);
                goto out;
            }
            break;
        case 'L': {
            const char *eq = strrchr(optarg, '=');
            double v;
            if (!eq || eq == optarg || bs_parse_double(eq + 1, &v) < 0 || r.n_layers >= 256) {
                bs_cli_usage(cli, "--layer '%s': expected NAME=VALUE", optarg);
                goto out;
            }
            layers[r.n_layers].name = strndup(optarg, (size_t)(eq - optarg));
            layers[r.n_layers].value = v;
            r.n_layers++;
            r.layers = layers;
            break;
        }
        case 'd':
            if (bs_hist_direction_parse(optarg, &r.direction) < 0) {
                bs_cli_usage(cli, "%s", bs_error_msg());
                goto out;
            }
            break;
        default:
            bs_cli_usage(cli, "bad option");
            goto out;
        }
    }
    if (optind < argc) { bs_cli_usage(cli, "unexpected argument '%s'", argv[optind]); goto out; }
    if (!r.metric || !r.model || !r.platform || !r.build_id) {
        bs_cli_usage(cli, "--metric, --model, --platform and --build are required");
        goto out;
    }
    if (!have_value && r.n_repeats == 0) { bs_cli_usage(cli, "give --value or --repeats"); goto out; }
    bs_workspace *ws;
    sqlite3 *db = open_db(cli, &ws);
    if (!db) { rc = BS_EXIT_FAIL; goto out; }
    int lrc = bs_history_record(db, &r);
    bs_workspace_close(ws);
    rc = lrc < 0 ? bs_cli_fail(cli, lrc) : 0;
out:
    for (int i = 0; i < r.n_layers; i++) free((char *)layers[i].name);
    free(reps);
    return rc;
}

/* ---- history ls ---------------------------------------------------------------- */

static int cmd_ls(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith history ls [--metric M] [--json]\n\nLists the series and their point counts.\n");
        return 0;
    }
    bool json = false;
    bs_hist_filter f = {0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = true;
        else if (!strcmp(argv[i], "--metric") && i + 1 < argc) f.metric = argv[++i];
        else return bs_cli_usage(cli, "unexpected argument '%s'", argv[i]);
    }
    bs_workspace *ws;
    sqlite3 *db = open_db(cli, &ws);
    if (!db) return BS_EXIT_FAIL;
    bs_hist_set *set = NULL;
    int rc = bs_history_query(db, &f, &set);
    if (rc == 0) {
        cJSON *arr = cJSON_CreateArray();
        char tb[40];
        for (size_t i = 0; i < set->n; i++) {
            const bs_hist_series *s = &set->series[i];
            const char *lastb = s->n ? s->points[s->n - 1].build_id : "-";
            if (json) {
                cJSON *o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "metric", s->metric);
                cJSON_AddStringToObject(o, "model", s->model);
                cJSON_AddStringToObject(o, "platform", s->platform);
                cJSON_AddStringToObject(o, "config", s->config);
                cJSON_AddNumberToObject(o, "points", (double)s->n);
                cJSON_AddStringToObject(o, "last_build", lastb);
                cJSON_AddItemToArray(arr, o);
            } else {
                printf("%-28s %-20s %-12s %-12s %6zu points, last %s (%s)\n", s->metric, s->model, s->platform,
                       s->config, s->n, lastb, s->n ? fmt_time(s->points[s->n - 1].time_ms, tb, sizeof tb) : "-");
            }
        }
        if (json) print_json(arr);
        cJSON_Delete(arr);
        bs_hist_set_free(set);
    }
    bs_workspace_close(ws);
    return rc < 0 ? bs_cli_fail(cli, rc) : 0;
}

static const bs_cmd history_cmds[] = {
    {"show", cmd_show, "a metric's series, change points, trend and insights (--json, --plot)"},
    {"record", cmd_record, "add a point to a series by hand or from a script"},
    {"ls", cmd_ls, "list the recorded series"},
    {NULL, NULL, NULL},
};

static int cmd_history(bs_cli *cli, int argc, char **argv)
{
    return bs_cli_subcommand(cli, history_cmds, "usage: brainsmith history <sub-command> [options]\n\n"
                             "Metric time series of builds: change points, trends, insights.", argc, argv);
}

/* ---- regress check ------------------------------------------------------------- */

static int cmd_regress_check(bs_cli *cli, int argc, char **argv)
{
    static const char usage[] =
        "usage: brainsmith regress check [BUILD] [--baseline NAME] [--alpha A] [--json] [options]\n\n"
        "Compares BUILD (default: the newest recorded build) in every series with each\n"
        "baseline (relative threshold; Mann-Whitney U when both have repeats), with the\n"
        "median of the previous builds, and reports change points starting at BUILD.\n"
        "Exits 1 when any comparison is a regression (worse by >= the threshold and,\n"
        "where tested, significant at --alpha, default 0.05), 0 otherwise.\n\n"
        "options:\n" AOPT_HELP;
    if (bs_cli_wants_help(argc, argv)) { fputs(usage, stdout); return 0; }
    static const struct option lo[] = {
        {"baseline", required_argument, NULL, 'b'}, {"alpha", required_argument, NULL, 'a'},
        {"json", no_argument, NULL, 'j'}, AOPT_LONG, {NULL, 0, NULL, 0}};
    bs_regress_opts o;
    bs_regress_opts_default(&o);
    aopts ao = {0};
    bool json = false;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'b': o.baseline = optarg; break;
        case 'j': json = true; break;
        case 'a':
            if (bs_parse_double(optarg, &o.alpha) < 0 || !(o.alpha > 0 && o.alpha < 1))
                return bs_cli_usage(cli, "--alpha '%s': expected a number in (0, 1)", optarg);
            break;
        default:
            if (c == '?') return bs_cli_usage(cli, "bad option");
            if (parse_aopt(cli, c, optarg, &ao) != 0) return BS_EXIT_USAGE;
        }
    }
    const char *build = NULL;
    if (optind < argc) build = argv[optind++];
    if (optind < argc) return bs_cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    apply_aopts(&ao, &o.analyze);
    o.rel_threshold = o.analyze.thr.rel;
    bs_workspace *ws;
    sqlite3 *db = open_db(cli, &ws);
    if (!db) return BS_EXIT_FAIL;
    bs_regress_report *r = NULL;
    int rc = bs_history_regress_check(db, build, &o, &r);
    bs_workspace_close(ws);
    if (rc < 0) return bs_cli_fail(cli, rc);
    if (json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "build", r->build_id);
        cJSON_AddBoolToObject(j, "regression", r->n_regressions > 0);
        cJSON_AddNumberToObject(j, "regressions", (double)r->n_regressions);
        cJSON *arr = cJSON_AddArrayToObject(j, "checks");
        for (size_t i = 0; i < r->n; i++) {
            const bs_regress_item *it = &r->items[i];
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "metric", it->series->metric);
            cJSON_AddStringToObject(e, "model", it->series->model);
            cJSON_AddStringToObject(e, "platform", it->series->platform);
            cJSON_AddStringToObject(e, "config", it->series->config);
            cJSON_AddStringToObject(e, "against", it->against);
            if (it->ref_build) cJSON_AddStringToObject(e, "ref_build", it->ref_build);
            cJSON_AddItemToObject(e, "ref_value", jnum(it->ref_value));
            cJSON_AddItemToObject(e, "value", jnum(it->value));
            cJSON_AddItemToObject(e, "rel_change", jnum(it->rel_change));
            cJSON_AddItemToObject(e, "u", jnum(it->u));
            cJSON_AddItemToObject(e, "pvalue", jnum(it->pvalue));
            cJSON_AddStringToObject(e, "kind", bs_change_kind_name(it->kind));
            cJSON_AddBoolToObject(e, "regression", it->regression);
            cJSON_AddStringToObject(e, "message", it->message ? it->message : "");
            cJSON_AddItemToArray(arr, e);
        }
        print_json(j);
        cJSON_Delete(j);
    } else {
        for (size_t i = 0; i < r->n; i++)
            printf("%s %s\n", r->items[i].regression ? "FAIL" : "ok  ", r->items[i].message);
        printf("build %s: %zu regression%s in %zu comparison%s\n", r->build_id, r->n_regressions,
               r->n_regressions == 1 ? "" : "s", r->n, r->n == 1 ? "" : "s");
    }
    int exit_code = r->n_regressions ? BS_EXIT_FAIL : 0;
    bs_regress_report_free(r);
    return exit_code;
}

static const bs_cmd regress_cmds[] = {
    {"check", cmd_regress_check, "check a build for regressions (exit 1 on regression)"},
    {NULL, NULL, NULL},
};

static int cmd_regress(bs_cli *cli, int argc, char **argv)
{
    return bs_cli_subcommand(cli, regress_cmds, "usage: brainsmith regress <sub-command> [options]\n\n"
                             "Regression checks for CI pipelines.", argc, argv);
}

/* ---- baseline ------------------------------------------------------------------- */

static int cmd_baseline_set(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith baseline set NAME BUILD\n\nPins baseline NAME to BUILD (a build with recorded metrics).\n");
        return 0;
    }
    if (argc != 3) return bs_cli_usage(cli, "expected NAME and BUILD");
    bs_workspace *ws;
    sqlite3 *db = open_db(cli, &ws);
    if (!db) return BS_EXIT_FAIL;
    const char *build = argv[2];
    bs_build_info bi;
    char resolved[40] = "";
    /* a build name or id prefix of the workspace resolves to its id */
    if (bs_build_get(ws, build, &bi) == 0) {
        snprintf(resolved, sizeof resolved, "%s", bi.id);
        bs_build_info_free(&bi);
        build = resolved;
    } else {
        bs_error_clear();
    }
    int rc = bs_history_baseline_set(db, argv[1], build);
    bs_workspace_close(ws);
    if (rc < 0) return bs_cli_fail(cli, rc);
    printf("baseline %s -> %s\n", argv[1], build);
    return 0;
}

static int cmd_baseline_ls(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith baseline ls [--json]\n\nLists the baselines.\n");
        return 0;
    }
    bool json = argc > 1 && !strcmp(argv[1], "--json");
    if (argc > (json ? 2 : 1)) return bs_cli_usage(cli, "unexpected argument '%s'", argv[json ? 2 : 1]);
    bs_workspace *ws;
    sqlite3 *db = open_db(cli, &ws);
    if (!db) return BS_EXIT_FAIL;
    bs_hist_baseline *b = NULL;
    size_t n = 0;
    int rc = bs_history_baseline_list(db, &b, &n);
    bs_workspace_close(ws);
    if (rc < 0) return bs_cli_fail(cli, rc);
    char tb[40];
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "name", b[i].name);
            cJSON_AddStringToObject(o, "build", b[i].build_id);
            cJSON_AddStringToObject(o, "set", fmt_time(b[i].created_ms, tb, sizeof tb));
            cJSON_AddItemToArray(arr, o);
        } else {
            printf("%-20s %-28s set %s\n", b[i].name, b[i].build_id, fmt_time(b[i].created_ms, tb, sizeof tb));
        }
    }
    if (json) print_json(arr);
    cJSON_Delete(arr);
    bs_hist_baselines_free(b, n);
    return 0;
}

static int cmd_baseline_rm(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith baseline rm NAME\n\nRemoves a baseline.\n");
        return 0;
    }
    if (argc != 2) return bs_cli_usage(cli, "expected NAME");
    bs_workspace *ws;
    sqlite3 *db = open_db(cli, &ws);
    if (!db) return BS_EXIT_FAIL;
    int rc = bs_history_baseline_rm(db, argv[1]);
    bs_workspace_close(ws);
    return rc < 0 ? bs_cli_fail(cli, rc) : 0;
}

static const bs_cmd baseline_cmds[] = {
    {"set", cmd_baseline_set, "pin a named baseline to a build"},
    {"ls", cmd_baseline_ls, "list baselines"},
    {"rm", cmd_baseline_rm, "remove a baseline"},
    {NULL, NULL, NULL},
};

static int cmd_baseline(bs_cli *cli, int argc, char **argv)
{
    return bs_cli_subcommand(cli, baseline_cmds, "usage: brainsmith baseline <sub-command> [options]\n\n"
                             "Named, pinned builds to compare new builds with.", argc, argv);
}

/* ---- alerts ---------------------------------------------------------------------- */

static int cmd_alerts_add(bs_cli *cli, int argc, char **argv)
{
    static const char usage[] =
        "usage: brainsmith alerts add NAME --metric M [--model X] [--platform P] [--config C]\n"
        "                             --when COND --action ACTION [--action ACTION]...\n\n"
        "COND: regression | improvement | change | above:X | below:X | rise:P% | drop:P%\n"
        "ACTION: print | jsonl:PATH | exec:PROG[,ARG...] | exec:[\"PROG\",\"ARG\"...]\n"
        "        | webhook:http://HOST:PORT/PATH\n"
        "exec runs PROG directly (no shell) with the alert JSON on stdin; webhook POSTs it.\n"
        "Each alert (rule, series, build, kind) fires once.\n";
    if (bs_cli_wants_help(argc, argv)) { fputs(usage, stdout); return 0; }
    static const struct option lo[] = {
        {"metric", required_argument, NULL, 'm'}, {"model", required_argument, NULL, 'x'},
        {"platform", required_argument, NULL, 'p'}, {"config", required_argument, NULL, 'c'},
        {"when", required_argument, NULL, 'w'}, {"action", required_argument, NULL, 'a'},
        {NULL, 0, NULL, 0}};
    bs_alert_rule r = {0};
    char *acts[32];
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'm': r.metric = optarg; break;
        case 'x': r.model = optarg; break;
        case 'p': r.platform = optarg; break;
        case 'c': r.config = optarg; break;
        case 'w': r.condition = optarg; break;
        case 'a':
            if (r.n_actions == 32) return bs_cli_usage(cli, "too many actions");
            acts[r.n_actions++] = optarg;
            break;
        default: return bs_cli_usage(cli, "bad option");
        }
    }
    if (optind + 1 != argc) return bs_cli_usage(cli, "expected exactly one rule NAME");
    r.name = argv[optind];
    r.actions = acts;
    if (!r.metric || !r.condition || r.n_actions == 0)
        return bs_cli_usage(cli, "--metric, --when and at least one --action are required");
    bs_workspace *ws;
    sqlite3 *db = open_db(cli, &ws);
    if (!db) return BS_EXIT_FAIL;
    int rc = bs_alert_add(db, &r);
    bs_workspace_close(ws);
    if (rc < 0) return bs_cli_fail(cli, rc);
    printf("alert %s added\n", r.name);
    return 0;
}

static int cmd_alerts_ls(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith alerts ls [--json]\n\nLists the alert rules.\n");
        return 0;
    }
    bool json = argc > 1 && !strcmp(argv[1], "--json");
    if (argc > (json ? 2 : 1)) return bs_cli_usage(cli, "unexpected argument '%s'", argv[json ? 2 : 1]);
    bs_workspace *ws;
    sqlite3 *db = open_db(cli, &ws);
    if (!db) return BS_EXIT_FAIL;
    bs_alert_rule *r = NULL;
    size_t n = 0;
    int rc = bs_alert_list(db, &r, &n);
    bs_workspace_close(ws);
    if (rc < 0) return bs_cli_fail(cli, rc);
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "name", r[i].name);
            cJSON_AddStringToObject(o, "metric", r[i].metric);
            if (r[i].model) cJSON_AddStringToObject(o, "model", r[i].model);
            if (r[i].platform) cJSON_AddStringToObject(o, "platform", r[i].platform);
            if (r[i].config) cJSON_AddStringToObject(o, "config", r[i].config);
            cJSON_AddStringToObject(o, "when", r[i].condition);
            cJSON *a = cJSON_AddArrayToObject(o, "actions");
            for (int k = 0; k < r[i].n_actions; k++) cJSON_AddItemToArray(a, cJSON_CreateString(r[i].actions[k]));
            cJSON_AddItemToArray(arr, o);
        } else {
            printf("%-16s %s", r[i].name, r[i].metric);
            if (r[i].model) printf(" model=%s", r[i].model);
            if (r[i].platform) printf(" platform=%s", r[i].platform);
            if (r[i].config) printf(" config=%s", r[i].config);
            printf(" when %s ->", r[i].condition);
            for (int k = 0; k < r[i].n_actions; k++) printf(" %s", r[i].actions[k]);
            printf("\n");
        }
    }
    if (json) print_json(arr);
    cJSON_Delete(arr);
    bs_alert_rules_free(r, n);
    return 0;
}

static int cmd_alerts_rm(bs_cli *cli, int argc, char **argv)
{
    if (bs_cli_wants_help(argc, argv)) {
        printf("usage: brainsmith alerts rm NAME\n\nRemoves an alert rule (and its fired-alert records).\n");
        return 0;
    }
    if (argc != 2) return bs_cli_usage(cli, "expected NAME");
    bs_workspace *ws;
    sqlite3 *db = open_db(cli, &ws);
    if (!db) return BS_EXIT_FAIL;
    int rc = bs_alert_rm(db, argv[1]);
    bs_workspace_close(ws);
    return rc < 0 ? bs_cli_fail(cli, rc) : 0;
}

static void print_alert(const char *json, void *ud)
{
    (void)ud;
    printf("%s\n", json);
    fflush(stdout);
}

static int cmd_alerts_run(bs_cli *cli, int argc, char **argv)
{
    static const char usage[] =
        "usage: brainsmith alerts run [--dry-run] [options]\n\n"
        "Evaluates every alert rule on the recorded history and runs the actions of\n"
        "alerts that have not fired before.  'print' actions (and, with --dry-run, every\n"
        "alert that would fire) are printed as one JSON line each; a summary goes to\n"
        "stderr.  Exits 1 if an action failed.\n\noptions:\n" AOPT_HELP;
    if (bs_cli_wants_help(argc, argv)) { fputs(usage, stdout); return 0; }
    static const struct option lo[] = {{"dry-run", no_argument, NULL, 'n'}, AOPT_LONG, {NULL, 0, NULL, 0}};
    bs_alert_eval_opts o;
    bs_alert_eval_opts_default(&o);
    aopts ao = {0};
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 'n') { o.dry_run = true; continue; }
        if (c == '?') return bs_cli_usage(cli, "bad option");
        if (parse_aopt(cli, c, optarg, &ao) != 0) return BS_EXIT_USAGE;
    }
    if (optind < argc) return bs_cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    apply_aopts(&ao, &o.analyze);
    o.print = print_alert;
    bs_workspace *ws;
    sqlite3 *db = open_db(cli, &ws);
    if (!db) return BS_EXIT_FAIL;
    int fired = 0, failed = 0;
    int rc = bs_alert_eval(db, &o, &fired, &failed);
    bs_workspace_close(ws);
    if (rc < 0) return bs_cli_fail(cli, rc);
    fprintf(stderr, "%s: %d alert%s %s, %d action%s failed\n", cli->prog, fired, fired == 1 ? "" : "s",
            o.dry_run ? "would fire" : "fired", failed, failed == 1 ? "" : "s");
    return failed ? BS_EXIT_FAIL : 0;
}

static const bs_cmd alerts_cmds[] = {
    {"add", cmd_alerts_add, "add an alert rule (metric, filter, condition, actions)"},
    {"ls", cmd_alerts_ls, "list alert rules"},
    {"rm", cmd_alerts_rm, "remove an alert rule"},
    {"run", cmd_alerts_run, "evaluate the rules and fire new alerts"},
    {NULL, NULL, NULL},
};

static int cmd_alerts(bs_cli *cli, int argc, char **argv)
{
    return bs_cli_subcommand(cli, alerts_cmds, "usage: brainsmith alerts <sub-command> [options]\n\n"
                             "Alert rules on metric history; each alert fires once.", argc, argv);
}

const bs_cmd bs_cmds_history[] = {
    {"history", cmd_history, "metric history: show series, change points, trends; record points"},
    {"regress", cmd_regress, "regression checks for CI (regress check [BUILD])"},
    {"baseline", cmd_baseline, "named baseline builds (set, ls, rm)"},
    {"alerts", cmd_alerts, "alert rules on metric history (add, ls, rm, run)"},
    {NULL, NULL, NULL},
};
