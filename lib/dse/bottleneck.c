/* bottleneck.c - which layer bounds throughput and which resource of the
 * target stops further unfolding.  From a configured design, the layers at
 * max_cycles are re-folded with SetFolding's node rule to beat max_cycles
 * (the others keep their folding); each such step is estimated with FINN's
 * cost models and checked against the platform budget.  The walk ends at the
 * first step over budget (the resource limit) or when a bottleneck layer
 * cannot go faster (fully unfolded, or SIMD capped by mvau_wwidth_max). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brainsmith/error.h"
#include "brainsmith/util.h"
#include "dse_int.h"

#define MAX_STEPS 100000

static cJSON *res_json(const bs_dse_design *d, const bs_dse_point *p)
{
    cJSON *o = cJSON_CreateObject();
    for (int r = 0; r < BS_DSE_NRES; r++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "used", p->total[r]);
        cJSON_AddNumberToObject(e, "budget", d->budget[r]);
        cJSON_AddNumberToObject(e, "available", d->avail[r]);
        cJSON_AddNumberToObject(e, "util", p->util[r]);
        cJSON_AddItemToObject(o, bs_dse_res_name(r), e);
    }
    return o;
}

/* Why node i cannot beat `target`. */
static void structural_reason(const bs_dse_design *d, const bs_dse_point *p, int i, int64_t target, char *buf, size_t n)
{
    bs_knode kn;
    if (dse_apply_choice(&d->nodes[i], &p->c[i], false, &kn) < 0) { snprintf(buf, n, "?"); return; }
    if (kn.k->fold == BS_KFOLD_NONE) {
        snprintf(buf, n, "%s has no folding (SetFolding does not handle %s)", d->nodes[i].name, kn.k->op_type);
        return;
    }
    bs_fold_result r;
    if (bs_fold_node(&kn, target, d->wwidth, &r) < 0) { bs_error_clear(); snprintf(buf, n, "?"); return; }
    bs_fold_param fp[2];
    int np = bs_fold_params(&kn, fp);
    bs_strbuf sb = BS_STRBUF_INIT;
    bool full = true;
    for (int k = 0; k < np; k++) full &= fp[k].value == fp[k].dim;
    if (kn.k->fold == BS_KFOLD_MVAU && np == 2) {
        int64_t simd = fp[1].value, mw = fp[1].dim;
        if (!strcmp(fp[0].attr, "SIMD")) { simd = fp[0].value; mw = fp[0].dim; }
        if (simd < mw && !full) {
            int64_t lo, hi;
            bs_fold_nearest(mw, simd + 1, &lo, &hi);
            bs_strbuf_printf(&sb, "%s: SIMD stops at %lld because weight bits x SIMD must stay <= mvau_wwidth_max=%lld "
                             "(next SIMD %lld); PE is at its maximum; raise mvau_wwidth_max to unfold further",
                             d->nodes[i].name, (long long)simd, (long long)d->wwidth, (long long)hi);
        }
    }
    if (!sb.buf) {
        bs_strbuf_printf(&sb, "%s is fully unfolded (", d->nodes[i].name);
        for (int k = 0; k < np; k++)
            bs_strbuf_printf(&sb, "%s%s=%lld of %s=%lld", k ? ", " : "", fp[k].attr, (long long)fp[k].value, fp[k].dim_name,
                             (long long)fp[k].dim);
        bs_strbuf_printf(&sb, ") at %lld cycles", (long long)r.cycles);
    }
    snprintf(buf, n, "%s", sb.buf);
    bs_strbuf_free(&sb);
}

static cJSON *changes_json(const bs_dse_design *d, const bs_dse_point *from, const bs_dse_point *to)
{
    cJSON *a = cJSON_CreateArray();
    char nm[80];
    for (int i = 0; i < d->n; i++) {
        const bs_dse_choice *x = &from->c[i], *y = &to->c[i];
        if (x->pe == y->pe && x->simd == y->simd && x->pw == y->pw) continue;
        cJSON *e = cJSON_CreateObject();
        bs_dse_node_name(d, to, i, nm, sizeof nm);
        cJSON_AddStringToObject(e, "node", nm);
        bs_dse_choice fx = *x, fy = *y;
        fx.ram_style[0] = fx.res_type[0] = fx.mem_mode[0] = fy.ram_style[0] = fy.res_type[0] = fy.mem_mode[0] = 0;
        cJSON_AddItemToObject(e, "from", dse_choice_json(&fx));
        cJSON_AddItemToObject(e, "to", dse_choice_json(&fy));
        cJSON_AddNumberToObject(e, "cycles_from", (double)from->cycles[i]);
        cJSON_AddNumberToObject(e, "cycles_to", (double)to->cycles[i]);
        cJSON_AddItemToArray(a, e);
    }
    return a;
}

int bs_dse_bottleneck(bs_dse_design *d, const bs_dse_point *p0, cJSON **out)
{
    *out = NULL;
    bs_dse_point *cur = bs_dse_point_new(d), *next = bs_dse_point_new(d), *first = NULL;
    if (!cur || !next) { bs_dse_point_free(cur); bs_dse_point_free(next); return bs_error_set(BS_ENOMEM, "dse: out of memory"); }
    bs_dse_point_copy(cur, p0);
    int rc = bs_dse_evaluate(d, cur);
    if (rc < 0) goto fail;
    cJSON *o = cJSON_CreateObject();
    char nm[80], why[512];
    cJSON_AddStringToObject(o, "platform", d->plat->name);
    cJSON_AddStringToObject(o, "part", d->part);
    cJSON_AddNumberToObject(o, "clk_ns", d->clk_ns);
    cJSON_AddNumberToObject(o, "max_util", d->max_util);
    cJSON_AddNumberToObject(o, "mvau_wwidth_max", (double)d->wwidth);
    cJSON_AddStringToObject(o, "estimates", d->calibrated ? "calibrated" : "FINN cost models");
    if (d->calibrated) cJSON_AddItemToObject(o, "calibration", dse_calib_json(d));
    cJSON_AddNumberToObject(o, "fps", cur->fps);
    cJSON_AddNumberToObject(o, "max_cycles", (double)cur->max_cycles);
    cJSON_AddNumberToObject(o, "critical_path_cycles", (double)cur->critical_path);
    cJSON_AddBoolToObject(o, "fits", cur->fits);
    cJSON *bn = cJSON_AddObjectToObject(o, "bottleneck");
    bs_dse_node_name(d, cur, cur->max_node, nm, sizeof nm);
    cJSON_AddStringToObject(bn, "node", nm);
    cJSON_AddStringToObject(bn, "op_type", d->nodes[cur->max_node].var[cur->c[cur->max_node].var]->op_type);
    cJSON_AddNumberToObject(bn, "cycles", (double)cur->max_cycles);
    cJSON_AddItemToObject(bn, "config", dse_choice_json(&cur->c[cur->max_node]));
    cJSON *ties = cJSON_AddArrayToObject(bn, "tied");
    cJSON *layers = cJSON_AddArrayToObject(o, "layers");
    for (int i = 0; i < d->n; i++) {
        bs_dse_node_name(d, cur, i, nm, sizeof nm);
        if (i != cur->max_node && cur->cycles[i] == cur->max_cycles) cJSON_AddItemToArray(ties, cJSON_CreateString(nm));
        cJSON *l = cJSON_CreateObject();
        cJSON_AddStringToObject(l, "name", nm);
        cJSON_AddNumberToObject(l, "cycles", (double)cur->cycles[i]);
        cJSON_AddNumberToObject(l, "share", cur->max_cycles ? (double)cur->cycles[i] / (double)cur->max_cycles : 0);
        cJSON_AddItemToObject(l, "config", dse_choice_json(&cur->c[i]));
        for (int r = 0; r < BS_DSE_NRES; r++) cJSON_AddNumberToObject(l, bs_dse_res_name(r), cur->res[i][r]);
        cJSON_AddItemToArray(layers, l);
    }
    cJSON_AddItemToObject(o, "resources", res_json(d, cur));

    /* the walk */
    int steps = 0, fit_steps = 0;
    bool fits_so_far = cur->fits;
    double reachable = cur->fits ? cur->fps : 0;
    cJSON *limit = cJSON_CreateObject();
    bs_dse_point *prev = bs_dse_point_new(d);
    if (!prev) { cJSON_Delete(o); cJSON_Delete(limit); rc = bs_error_set(BS_ENOMEM, "dse: out of memory"); goto fail; }
    bs_dse_point_copy(prev, cur);
    for (;;) {
        if (steps >= MAX_STEPS) { cJSON_AddStringToObject(limit, "kind", "none"); break; }
        int64_t T = prev->max_cycles;
        bs_dse_point_copy(next, prev);
        next->target_cycles = 0;
        int blocked = -1;
        for (int i = 0; i < d->n; i++) {
            if (prev->cycles[i] < T) continue;
            bool imp;
            if ((rc = dse_fold_node(d, next, i, T, &imp)) < 0) { cJSON_Delete(o); cJSON_Delete(limit); bs_dse_point_free(prev); goto fail; }
            if (!imp) { blocked = i; break; }
        }
        if (blocked >= 0 && !fits_so_far) break;   /* over budget, nothing faster: said below */
        if (blocked >= 0) {
            structural_reason(d, prev, blocked, T, why, sizeof why);
            cJSON_AddStringToObject(limit, "kind", "structural");
            bs_dse_node_name(d, prev, blocked, nm, sizeof nm);
            cJSON_AddStringToObject(limit, "node", nm);
            cJSON_AddStringToObject(limit, "detail", why);
            break;
        }
        if ((rc = bs_dse_evaluate(d, next)) < 0) { cJSON_Delete(o); cJSON_Delete(limit); bs_dse_point_free(prev); goto fail; }
        steps++;
        if (steps == 1) {
            first = bs_dse_point_new(d);
            if (first) bs_dse_point_copy(first, next);
        }
        if (!next->fits && fits_so_far) {
            bs_strbuf sb = BS_STRBUF_INIT;
            cJSON *arr = cJSON_AddArrayToObject(limit, "exceeds");
            dse_exceeded(d, next, &sb, arr);
            cJSON_AddStringToObject(limit, "kind", "resource");
            cJSON_AddNumberToObject(limit, "at_step", steps);
            cJSON_AddNumberToObject(limit, "fps_at_step", next->fps);
            cJSON_AddItemToObject(limit, "changes", changes_json(d, prev, next));
            cJSON_AddStringToObject(limit, "detail", sb.buf ? sb.buf : "");
            bs_strbuf_free(&sb);
            break;
        }
        if (next->fits && fits_so_far) { reachable = next->fps; fit_steps++; }
        if (!fits_so_far) break;   /* already over budget: only the first step is shown */
        bs_dse_point *t = prev;
        prev = next;
        next = t;
    }
    if (!fits_so_far) {
        bs_strbuf sb = BS_STRBUF_INIT;
        cJSON *arr = cJSON_AddArrayToObject(limit, "exceeds");
        dse_exceeded(d, cur, &sb, arr);
        cJSON_AddStringToObject(limit, "kind", "over-budget");
        cJSON_AddStringToObject(limit, "detail", sb.buf ? sb.buf : "");
        bs_strbuf_free(&sb);
    }
    if (first) {
        cJSON *ns = cJSON_AddObjectToObject(o, "next_step");
        cJSON_AddNumberToObject(ns, "fps", first->fps);
        cJSON_AddNumberToObject(ns, "max_cycles", (double)first->max_cycles);
        bs_dse_node_name(d, first, first->max_node, nm, sizeof nm);
        cJSON_AddStringToObject(ns, "bottleneck", nm);
        cJSON_AddBoolToObject(ns, "fits", first->fits);
        cJSON_AddItemToObject(ns, "changes", changes_json(d, cur, first));
        cJSON_AddItemToObject(ns, "resources", res_json(d, first));
        bs_dse_point_free(first);
    }
    cJSON_AddNumberToObject(limit, "steps_that_fit", fit_steps);
    cJSON_AddNumberToObject(limit, "reachable_fps", reachable);
    cJSON_AddItemToObject(o, "limit", limit);
    bs_dse_point_free(prev);
    bs_dse_point_free(cur);
    bs_dse_point_free(next);
    *out = o;
    return 0;
fail:
    bs_dse_point_free(cur);
    bs_dse_point_free(next);
    return rc;
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(e) ? e->valuedouble : 0;
}
static const char *str(const cJSON *o, const char *k)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return s ? s : "";
}

static void cfg_text(bs_strbuf *sb, const cJSON *c)
{
    const cJSON *e;
    bool first = true;
    cJSON_ArrayForEach(e, c) {
        if (cJSON_IsNumber(e)) bs_strbuf_printf(sb, "%s%s=%.0f", first ? "" : " ", e->string, e->valuedouble);
        else bs_strbuf_printf(sb, "%s%s=%s", first ? "" : " ", e->string, e->valuestring);
        first = false;
    }
}

char *bs_dse_bottleneck_text(const cJSON *r)
{
    bs_strbuf sb = BS_STRBUF_INIT;
    const cJSON *bn = cJSON_GetObjectItem(r, "bottleneck"), *res = cJSON_GetObjectItem(r, "resources");
    bs_strbuf_printf(&sb, "platform %s (%s), clock %g ns, budget %.0f%% of the part, estimates: %s\n", str(r, "platform"),
                     str(r, "part"), num(r, "clk_ns"), num(r, "max_util") * 100, str(r, "estimates"));
    const cJSON *cal;
    cJSON_ArrayForEach(cal, cJSON_GetObjectItem(r, "calibration"))
        bs_strbuf_printf(&sb, "  calibrated: %s %s = %.4f * FINN estimate + %.2f (n=%.0f, rmse %.1f)\n", str(cal, "kernel"),
                         str(cal, "resource"), num(cal, "a"), num(cal, "b"), num(cal, "n"), num(cal, "rmse"));
    bs_strbuf_printf(&sb, "throughput %.1f fps (%.0f cycles/frame); bottleneck %s (%s) at %.0f cycles [",
                     num(r, "fps"), num(r, "max_cycles"), str(bn, "node"), str(bn, "op_type"), num(bn, "cycles"));
    cfg_text(&sb, cJSON_GetObjectItem(bn, "config"));
    bs_strbuf_printf(&sb, "]\n");
    const cJSON *t, *e;
    if (cJSON_GetArraySize(t = cJSON_GetObjectItem(bn, "tied")) > 0) {
        bs_strbuf_printf(&sb, "  tied at the same cycles:");
        cJSON_ArrayForEach(e, t) bs_strbuf_printf(&sb, " %s", e->valuestring);
        bs_strbuf_printf(&sb, "\n");
    }
    bs_strbuf_printf(&sb, "\n%-32s %10s %6s %9s %8s %6s %6s  %s\n", "layer", "cycles", "share", "LUT", "BRAM18", "URAM", "DSP",
                     "folding");
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(r, "layers")) {
        bs_strbuf_printf(&sb, "%-32s %10.0f %5.0f%% %9.0f %8.0f %6.0f %6.0f  ", str(e, "name"), num(e, "cycles"),
                         num(e, "share") * 100, num(e, "LUT"), num(e, "BRAM_18K"), num(e, "URAM"), num(e, "DSP"));
        cfg_text(&sb, cJSON_GetObjectItem(e, "config"));
        bs_strbuf_printf(&sb, "\n");
    }
    bs_strbuf_printf(&sb, "\n%-10s %10s %10s %10s %7s\n", "resource", "used", "budget", "available", "util");
    cJSON_ArrayForEach(e, res)
        bs_strbuf_printf(&sb, "%-10s %10.0f %10.0f %10.0f %6.1f%%\n", e->string, num(e, "used"), num(e, "budget"),
                         num(e, "available"), num(e, "util") * 100);
    const cJSON *ns = cJSON_GetObjectItem(r, "next_step");
    if (ns) {
        bs_strbuf_printf(&sb, "\nnext folding step: %.1f fps (bottleneck then %s), %s\n", num(ns, "fps"), str(ns, "bottleneck"),
                         cJSON_IsTrue(cJSON_GetObjectItem(ns, "fits")) ? "fits the budget" : "EXCEEDS the budget");
        cJSON_ArrayForEach(e, cJSON_GetObjectItem(ns, "changes")) {
            bs_strbuf_printf(&sb, "  %s: ", str(e, "node"));
            cfg_text(&sb, cJSON_GetObjectItem(e, "from"));
            bs_strbuf_printf(&sb, " -> ");
            cfg_text(&sb, cJSON_GetObjectItem(e, "to"));
            bs_strbuf_printf(&sb, " (%.0f -> %.0f cycles)\n", num(e, "cycles_from"), num(e, "cycles_to"));
        }
        const cJSON *nr = cJSON_GetObjectItem(ns, "resources");
        bs_strbuf_printf(&sb, "  then:");
        cJSON_ArrayForEach(e, nr) bs_strbuf_printf(&sb, " %s %.0f (%.1f%%)", e->string, num(e, "used"), num(e, "util") * 100);
        bs_strbuf_printf(&sb, "\n");
    }
    const cJSON *lim = cJSON_GetObjectItem(r, "limit");
    const char *kind = str(lim, "kind");
    if (!strcmp(kind, "resource"))
        bs_strbuf_printf(&sb, "\nunfolding stops at step %.0f (%.1f fps): %s\nhighest fps within the budget: %.1f\n",
                         num(lim, "at_step"), num(lim, "fps_at_step"), str(lim, "detail"), num(lim, "reachable_fps"));
    else if (!strcmp(kind, "structural"))
        bs_strbuf_printf(&sb, "\nunfolding stops without hitting a resource limit: %s\nhighest fps within the budget: %.1f\n",
                         str(lim, "detail"), num(lim, "reachable_fps"));
    else if (!strcmp(kind, "over-budget"))
        bs_strbuf_printf(&sb, "\nthe current configuration already exceeds the budget: %s\n", str(lim, "detail"));
    return bs_strbuf_detach(&sb);
}
