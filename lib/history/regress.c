/* regress.c - the regression check a CI pipeline runs after a build.
 *
 * For every series holding the checked build it compares the build with
 * (1) each pinned baseline: relative threshold, plus a Mann-Whitney U test
 *     when both points carry repeats;
 * (2) the median of the previous points: the relative-threshold rule;
 * (3) the change points E-divisive found that start at this build (only
 *     possible when later builds exist, i.e. when re-checking an old build).
 * Any item that moves the metric in its worse direction beyond the
 * threshold (and significantly, where tested) is a regression. */
#include <stdlib.h>
#include <string.h>
#include "brainsmith/error.h"
#include "brainsmith/util.h"
#include "history_int.h"

void bs_regress_opts_default(bs_regress_opts *o)
{
    memset(o, 0, sizeof(*o));
    bs_analyze_opts_default(&o->analyze);
    o->baseline = NULL;
    o->rel_threshold = 0.05;
    o->alpha = 0.05;
}

void bs_regress_report_free(bs_regress_report *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->n; i++) free(r->items[i].message);
    free(r->items);
    free(r->build_id);
    bs_hist_set_free(r->set);
    free(r);
}

static bs_change_kind kind_of(bs_hist_direction d, double ref, double v)
{
    if (d == BS_HIST_DIR_UNKNOWN || !isfinite(ref) || !isfinite(v) || ref == v) return BS_CHANGE_UNKNOWN;
    bool up = v > ref;
    if (d == BS_HIST_DIR_LOWER) return up ? BS_CHANGE_REGRESSION : BS_CHANGE_IMPROVEMENT;
    return up ? BS_CHANGE_IMPROVEMENT : BS_CHANGE_REGRESSION;
}

static int push(bs_regress_report *r, size_t *cap, const bs_regress_item *it)
{
    if (r->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        bs_regress_item *t = realloc(r->items, nc * sizeof(*t));
        if (!t) return bs_error_set(BS_ENOMEM, "regress check");
        r->items = t;
        *cap = nc;
    }
    r->items[r->n++] = *it;
    if (it->regression) r->n_regressions++;
    return 0;
}

static char *item_message(const bs_regress_item *it, double thr)
{
    const bs_hist_series *s = it->series;
    bs_strbuf sb = BS_STRBUF_INIT;
    bs_strbuf_printf(&sb, "%s on %s (%s", s->metric, s->platform, s->model);
    if (strcmp(s->config, "default") != 0) bs_strbuf_printf(&sb, ", %s", s->config);
    bs_strbuf_printf(&sb, "): %.6g vs %.6g", it->value, it->ref_value);
    if (strncmp(it->against, "baseline:", 9) == 0)
        bs_strbuf_printf(&sb, " at baseline '%s' (build %s)", it->against + 9, it->ref_build);
    else
        bs_strbuf_puts(&sb, " (median of the previous builds)");
    if (isfinite(it->rel_change)) bs_strbuf_printf(&sb, ", %+.1f%%", it->rel_change * 100);
    if (isfinite(it->pvalue)) bs_strbuf_printf(&sb, ", Mann-Whitney p=%.3g", it->pvalue);
    if (it->regression) bs_strbuf_printf(&sb, ": REGRESSION (threshold %.3g%%)", thr * 100);
    else if (it->kind == BS_CHANGE_IMPROVEMENT && isfinite(it->rel_change) && fabs(it->rel_change) >= thr)
        bs_strbuf_puts(&sb, ": improvement");
    else bs_strbuf_puts(&sb, ": ok");
    return bs_strbuf_detach(&sb);
}

static int check_baseline(bs_regress_report *r, size_t *cap, const bs_hist_series *s, size_t i,
                          const bs_hist_baseline *b, const bs_regress_opts *o, bs_hist_direction d)
{
    ptrdiff_t j = bs_hist_series_find(s, b->build_id);
    if (j < 0 || (size_t)j == i) return 0;
    const bs_hist_point *cur = &s->points[i], *ref = &s->points[j];
    if (!isfinite(cur->value) || !isfinite(ref->value)) return 0;
    bs_regress_item it = {.series = s, .index = i, .ref_build = bs_arena_strdup(&r->set->arena, b->build_id),
                          .ref_value = ref->value, .value = cur->value, .u = NAN, .pvalue = NAN};
    it.against = bs_arena_sprintf(&r->set->arena, "baseline:%s", b->name);
    if (!it.against) return bs_error_set(BS_ENOMEM, "regress check");
    it.rel_change = bs_hist_rel(ref->value, cur->value);
    it.kind = kind_of(d, ref->value, cur->value);
    bool significant = true;
    if (cur->n_repeats >= 2 && ref->n_repeats >= 2) {
        if (bs_stat_mann_whitney(cur->repeats, (size_t)cur->n_repeats, ref->repeats,
                                 (size_t)ref->n_repeats, &it.u, &it.pvalue) == 0)
            significant = it.pvalue < o->alpha;
        else
            bs_error_clear();
    }
    double mag = isfinite(it.rel_change) ? fabs(it.rel_change) : INFINITY;
    it.regression = it.kind == BS_CHANGE_REGRESSION && mag >= o->rel_threshold && significant;
    it.message = item_message(&it, o->rel_threshold);
    return push(r, cap, &it);
}

static int check_previous(bs_regress_report *r, size_t *cap, const bs_hist_series *s, size_t i,
                          const bs_regress_opts *o, bs_hist_direction d)
{
    /* the threshold rule on the prefix ending at i, looking only at i */
    size_t L = (size_t)(o->analyze.thr.lookback > 0 ? o->analyze.thr.lookback : 5);
    double ref[64];
    size_t n = 0;
    for (size_t k = i; k-- > 0 && n < L && n < 64;)
        if (isfinite(s->points[k].value)) ref[n++] = s->points[k].value;
    double v = s->points[i].value;
    if (n == 0 || !isfinite(v)) return 0;
    double med = bs_stat_median(ref, n);
    double noise = 0;
    if (n >= 3) {
        double dev[64];
        for (size_t k = 0; k < n; k++) dev[k] = fabs(ref[k] - med);
        noise = 3.0 * 1.4826 * bs_stat_median(dev, n);
    }
    bs_regress_item it = {.series = s, .index = i, .against = "previous", .ref_value = med,
                          .value = v, .u = NAN, .pvalue = NAN};
    it.rel_change = bs_hist_rel(med, v);
    it.kind = kind_of(d, med, v);
    double mag = isfinite(it.rel_change) ? fabs(it.rel_change) : INFINITY;
    it.regression = it.kind == BS_CHANGE_REGRESSION && mag >= o->rel_threshold && fabs(v - med) > noise;
    it.message = item_message(&it, o->rel_threshold);
    return push(r, cap, &it);
}

static int check_changepoints(bs_regress_report *r, size_t *cap, const bs_hist_series *s, size_t i,
                              const bs_regress_opts *o)
{
    if (i + 1 >= s->n) return 0;   /* a change at the newest point cannot be tested yet */
    bs_analyze_opts ao = o->analyze;
    ao.use_threshold = false;
    bs_hist_change *ch = NULL;
    size_t nch = 0;
    int rc = bs_history_detect(s, &ao, &ch, &nch);
    if (rc < 0) return rc;
    for (size_t k = 0; k < nch && rc == 0; k++) {
        if (ch[k].index != i) continue;
        bs_regress_item it = {.series = s, .index = i, .against = "changepoint",
                              .ref_value = ch[k].cp.mean_before, .value = ch[k].cp.mean_after,
                              .rel_change = ch[k].cp.rel_change, .u = NAN, .pvalue = ch[k].cp.pvalue,
                              .kind = ch[k].kind, .change = ch[k]};
        it.regression = ch[k].kind == BS_CHANGE_REGRESSION;
        it.message = bs_history_insight(&ch[k]);
        rc = push(r, cap, &it);
    }
    free(ch);
    return rc;
}

int bs_history_regress_check(sqlite3 *db, const char *build_id, const bs_regress_opts *opts,
                             bs_regress_report **out)
{
    bs_regress_opts def;
    if (!opts) { bs_regress_opts_default(&def); opts = &def; }
    *out = NULL;
    bs_regress_report *r = calloc(1, sizeof(*r));
    if (!r) return bs_error_set(BS_ENOMEM, "regress check");
    int rc = 0;
    bs_hist_baseline *bl = NULL;
    size_t nbl = 0, cap = 0;
    if (build_id) {
        r->build_id = strdup(build_id);
        if (!r->build_id) { rc = bs_error_set(BS_ENOMEM, "regress check"); goto fail; }
    } else if ((rc = bs_history_latest_build(db, &r->build_id)) < 0) {
        goto fail;
    }
    if (opts->baseline) {
        char *bid = NULL;
        if ((rc = bs_history_baseline_get(db, opts->baseline, &bid)) < 0) goto fail;
        bl = calloc(1, sizeof(*bl));
        if (!bl) { free(bid); rc = bs_error_set(BS_ENOMEM, "regress check"); goto fail; }
        bl->name = strdup(opts->baseline);
        bl->build_id = bid;
        nbl = 1;
    } else if ((rc = bs_history_baseline_list(db, &bl, &nbl)) < 0) {
        goto fail;
    }
    if ((rc = bs_history_query(db, NULL, &r->set)) < 0) goto fail;
    bool found = false;
    for (size_t si = 0; si < r->set->n && rc == 0; si++) {
        const bs_hist_series *s = &r->set->series[si];
        ptrdiff_t i = bs_hist_series_find(s, r->build_id);
        if (i < 0) continue;
        found = true;
        bs_hist_direction d = bs_history_series_direction(s, &opts->analyze);
        for (size_t b = 0; b < nbl && rc == 0; b++)
            rc = check_baseline(r, &cap, s, (size_t)i, &bl[b], opts, d);
        if (rc == 0) rc = check_previous(r, &cap, s, (size_t)i, opts, d);
        if (rc == 0) rc = check_changepoints(r, &cap, s, (size_t)i, opts);
    }
    if (rc < 0) goto fail;
    if (!found) {
        rc = bs_error_set(BS_ENOTFOUND, "regress check: build '%s' has no recorded metrics", r->build_id);
        goto fail;
    }
    bs_hist_baselines_free(bl, nbl);
    *out = r;
    return 0;
fail:
    bs_hist_baselines_free(bl, nbl);
    bs_regress_report_free(r);
    return rc;
}
