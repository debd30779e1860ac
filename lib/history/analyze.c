/* analyze.c - series-level analysis: change points classified by the
 * metric's better-direction, attribution to the layer that moved most,
 * Theil-Sen trends, and the sentences people read (insights).
 *
 * The array-level algorithms live in edivisive.c and stats.c; this file
 * maps them onto stored series and decides what a change means. */
#include <stdlib.h>
#include <string.h>
#include "brainsmith/error.h"
#include "brainsmith/util.h"
#include "history_int.h"

void bs_analyze_opts_default(bs_analyze_opts *o)
{
    memset(o, 0, sizeof(*o));
    bs_cpd_opts_default(&o->cpd);
    bs_threshold_opts_default(&o->thr);
    o->use_threshold = true;
    o->direction = NULL;
    o->direction_ud = NULL;
}

const char *bs_change_kind_name(bs_change_kind k)
{
    switch (k) {
    case BS_CHANGE_REGRESSION: return "regression";
    case BS_CHANGE_IMPROVEMENT: return "improvement";
    default: return "change";
    }
}

bs_hist_direction bs_history_series_direction(const bs_hist_series *s, const bs_analyze_opts *o)
{
    if (s->direction != BS_HIST_DIR_UNKNOWN) return s->direction;
    if (o && o->direction) return o->direction(s->metric, o->direction_ud);
    return bs_history_direction_default(s->metric, NULL);
}

/* Regression / improvement of a move from `before` to `after`. */
static bs_change_kind classify(bs_hist_direction d, double before, double after)
{
    if (d == BS_HIST_DIR_UNKNOWN || !(after != before) || !isfinite(before) || !isfinite(after))
        return BS_CHANGE_UNKNOWN;
    bool up = after > before;
    if (d == BS_HIST_DIR_LOWER) return up ? BS_CHANGE_REGRESSION : BS_CHANGE_IMPROVEMENT;
    return up ? BS_CHANGE_IMPROVEMENT : BS_CHANGE_REGRESSION;
}

/* Mean value of layer `name` over points [a, b) that carry it. */
static double layer_mean(const bs_hist_series *s, size_t a, size_t b, const char *name)
{
    double sum = 0;
    size_t n = 0;
    for (size_t i = a; i < b; i++)
        for (int k = 0; k < s->points[i].n_layers; k++)
            if (strcmp(s->points[i].layers[k].name, name) == 0 && isfinite(s->points[i].layers[k].value)) {
                sum += s->points[i].layers[k].value;
                n++;
            }
    return n ? sum / (double)n : NAN;
}

/* Names the layer whose mean moved most in the direction of the change,
 * comparing up to 5 points on each side of point b. */
static void attribute_layer(const bs_hist_series *s, bs_hist_change *c)
{
    size_t b = c->index;
    size_t a = b > 5 ? b - 5 : 0, e = b + 5 < s->n ? b + 5 : s->n;
    double sign = c->cp.mean_after >= c->cp.mean_before ? 1 : -1, best = 0;
    c->layer = NULL;
    for (size_t i = b; i < e; i++)
        for (int k = 0; k < s->points[i].n_layers; k++) {
            const char *name = s->points[i].layers[k].name;
            double before = layer_mean(s, a, b, name), after = layer_mean(s, b, e, name);
            if (!isfinite(before)) before = 0;   /* a layer that appeared */
            if (!isfinite(after)) continue;
            double delta = (after - before) * sign;
            if (delta > best) {
                best = delta;
                c->layer = name;
                c->layer_before = before;
                c->layer_after = after;
            }
        }
}

static int cmp_change(const void *a, const void *b)
{
    size_t x = ((const bs_hist_change *)a)->index, y = ((const bs_hist_change *)b)->index;
    return (x > y) - (x < y);
}

int bs_history_detect(const bs_hist_series *s, const bs_analyze_opts *opts, bs_hist_change **out,
                      size_t *n_out)
{
    bs_analyze_opts def;
    if (!opts) { bs_analyze_opts_default(&def); opts = &def; }
    *out = NULL;
    *n_out = 0;
    if (s->n == 0) return 0;
    double *x = malloc(s->n * sizeof(double));
    if (!x) return bs_error_set(BS_ENOMEM, "history detect: %zu points", s->n);
    for (size_t i = 0; i < s->n; i++) x[i] = s->points[i].value;
    bs_change_point *ed = NULL, *th = NULL;
    size_t ned = 0, nth = 0;
    int rc = bs_cpd_detect(x, s->n, &opts->cpd, &ed, &ned);
    if (rc == 0 && opts->use_threshold) rc = bs_threshold_detect(x, s->n, &opts->thr, &th, &nth);
    free(x);
    if (rc < 0) {
        free(ed); free(th);
        return bs_error_wrap(rc, "series %s/%s/%s/%s: ", s->metric, s->model, s->platform, s->config);
    }
    bs_hist_change *res = calloc(ned + nth + 1, sizeof(*res));
    if (!res) { free(ed); free(th); return bs_error_set(BS_ENOMEM, "history detect"); }
    bs_hist_direction dir = bs_history_series_direction(s, opts);
    size_t n = 0;
    for (size_t i = 0; i < ned; i++)
        res[n++] = (bs_hist_change){.series = s, .index = ed[i].index, .method = "edivisive", .cp = ed[i]};
    for (size_t i = 0; i < nth; i++) {
        bool dup = false;
        for (size_t k = 0; k < ned; k++)
            if (ed[k].index == th[i].index) dup = true;
        if (!dup)
            res[n++] = (bs_hist_change){.series = s, .index = th[i].index, .method = "threshold", .cp = th[i]};
    }
    free(ed); free(th);
    qsort(res, n, sizeof(*res), cmp_change);
    for (size_t i = 0; i < n; i++) {
        res[i].build_id = s->points[res[i].index].build_id;
        res[i].kind = classify(dir, res[i].cp.mean_before, res[i].cp.mean_after);
        attribute_layer(s, &res[i]);
    }
    if (n == 0) { free(res); res = NULL; }
    *out = res;
    *n_out = n;
    return 0;
}

/* ---- trends ------------------------------------------------------------- */

int bs_history_trend(const bs_hist_series *s, size_t last, double conf, bs_trend *t)
{
    memset(t, 0, sizeof(*t));
    size_t cap = last && last < 2000 ? last : 2000;
    size_t a = s->n > cap ? s->n - cap : 0, m = s->n - a;
    double *xb = malloc((m ? m : 1) * sizeof(double)), *xw = malloc((m ? m : 1) * sizeof(double));
    double *y = malloc((m ? m : 1) * sizeof(double));
    if (!xb || !xw || !y) { free(xb); free(xw); free(y); return bs_error_set(BS_ENOMEM, "trend"); }
    size_t k = 0;
    for (size_t i = a; i < s->n; i++) {
        if (!isfinite(s->points[i].value)) continue;
        xb[k] = (double)i;
        xw[k] = (double)s->points[i].time_ms / (7.0 * 86400.0 * 1000.0);
        y[k] = s->points[i].value;
        k++;
    }
    t->n = k;
    t->conf = conf;
    double icpt;
    int rc = bs_stat_theil_sen(xb, y, k, conf, &t->per_build, &t->per_build_lo, &t->per_build_hi, &icpt);
    if (rc == 0) {
        if (bs_stat_theil_sen(xw, y, k, conf, &t->per_week, &t->per_week_lo, &t->per_week_hi, &icpt) < 0) {
            bs_error_clear();
            t->per_week = t->per_week_lo = t->per_week_hi = NAN;
        }
        double med = bs_stat_median(y, k);
        t->rel_per_week = med != 0 && isfinite(t->per_week) ? t->per_week / fabs(med) : NAN;
    } else {
        rc = bs_error_wrap(rc, "trend of %s on %s: ", s->metric, s->platform);
    }
    free(xb); free(xw); free(y);
    return rc;
}

/* ---- sentences ---------------------------------------------------------- */

static void series_name(bs_strbuf *sb, const bs_hist_series *s)
{
    bs_strbuf_printf(sb, "%s on %s", s->metric, s->platform);
    if (strcmp(s->config, "default") == 0) bs_strbuf_printf(sb, " (%s)", s->model);
    else bs_strbuf_printf(sb, " (%s, %s)", s->model, s->config);
}

static void fmt_pct(bs_strbuf *sb, double rel)
{
    double p = fabs(rel) * 100.0;
    if (p >= 10) bs_strbuf_printf(sb, "%.0f%%", p);
    else if (p >= 1) bs_strbuf_printf(sb, "%.1f%%", p);
    else bs_strbuf_printf(sb, "%.2g%%", p);
}

char *bs_history_insight(const bs_hist_change *c)
{
    const bs_hist_series *s = c->series;
    const bs_hist_point *pt = &s->points[c->index];
    bs_strbuf sb = BS_STRBUF_INIT;
    series_name(&sb, s);
    bool up = c->cp.mean_after > c->cp.mean_before;
    bs_strbuf_puts(&sb, up ? " rose " : " fell ");
    if (isfinite(c->cp.rel_change)) fmt_pct(&sb, c->cp.rel_change);
    else bs_strbuf_printf(&sb, "by %g", fabs(c->cp.mean_after - c->cp.mean_before));
    bs_strbuf_printf(&sb, " (%.6g -> %.6g) at build %s", c->cp.mean_before, c->cp.mean_after, c->build_id);
    if (pt->version) bs_strbuf_printf(&sb, " [%s]", pt->version);
    if (strcmp(c->method, "edivisive") == 0) {
        if (c->cp.pvalue < 0.001) bs_strbuf_puts(&sb, " (p<0.001)");
        else bs_strbuf_printf(&sb, " (p=%.2g)", c->cp.pvalue);
    } else {
        bs_strbuf_puts(&sb, " (relative-threshold rule)");
    }
    if (c->kind != BS_CHANGE_UNKNOWN) bs_strbuf_printf(&sb, ", a %s", bs_change_kind_name(c->kind));
    if (c->layer)
        bs_strbuf_printf(&sb, "; the layer that %s most is %s (%.6g -> %.6g)", up ? "grew" : "shrank",
                         c->layer, c->layer_before, c->layer_after);
    return bs_strbuf_detach(&sb);
}

char *bs_history_trend_insight(const bs_hist_series *s, const bs_trend *t)
{
    bool week = isfinite(t->per_week) && isfinite(t->per_week_lo);
    double lo = week ? t->per_week_lo : t->per_build_lo, hi = week ? t->per_week_hi : t->per_build_hi;
    if (!(lo > 0 || hi < 0)) return NULL;   /* interval contains 0: no clear trend */
    bs_strbuf sb = BS_STRBUF_INIT;
    series_name(&sb, s);
    bool up = (week ? t->per_week : t->per_build) > 0;
    bs_strbuf_printf(&sb, " is %s", up ? "rising" : "falling");
    if (week) {
        bs_strbuf_printf(&sb, " by %.4g per week (%.0f%% CI %.4g to %.4g", fabs(t->per_week),
                         t->conf * 100, t->per_week_lo, t->per_week_hi);
        if (isfinite(t->rel_per_week)) {
            bs_strbuf_puts(&sb, "; ");
            fmt_pct(&sb, t->rel_per_week);
            bs_strbuf_puts(&sb, " per week");
        }
        bs_strbuf_printf(&sb, "), %+.4g per build", t->per_build);
    } else {
        bs_strbuf_printf(&sb, " by %.4g per build (%.0f%% CI %.4g to %.4g)", fabs(t->per_build),
                         t->conf * 100, t->per_build_lo, t->per_build_hi);
    }
    bs_hist_direction d = s->direction;
    if (d == BS_HIST_DIR_UNKNOWN) d = bs_history_direction_default(s->metric, NULL);
    bs_change_kind k = classify(d, 0, up ? 1 : -1);
    if (k != BS_CHANGE_UNKNOWN)
        bs_strbuf_printf(&sb, ", %s", k == BS_CHANGE_REGRESSION ? "getting worse" : "getting better");
    return bs_strbuf_detach(&sb);
}
