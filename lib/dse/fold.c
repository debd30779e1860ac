/* fold.c - FINN's SetFolding over a design's node array (the graph walk of
 * lib/transform's SetFolding, without the graph: same node order, same
 * per-node rule from lib/kernels, producer SWG write-back, two-pass
 * relaxation), the candidate SetFolding targets of a design (every cycle
 * count a layer can reach), and the search behind `config generate`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brainsmith/error.h"
#include "brainsmith/log.h"
#include "brainsmith/util.h"
#include "dse_int.h"

static bool is_swg(const bs_kernel *k) { return !strcmp(k->base, "ConvolutionInputGenerator"); }

/* One SetFolding pass over d->scratch. */
static int fold_pass(bs_dse_design *d, int64_t target, int64_t *maxc)
{
    for (int i = 0; i < d->n; i++) {
        bs_knode *kn = &d->scratch[i];
        if (kn->k->fold == BS_KFOLD_NONE) continue;   /* FINN warns and skips */
        bs_fold_result r;
        int rc = bs_fold_node(kn, target, d->wwidth, &r);
        if (rc == BS_EUNSUPPORTED) { bs_error_clear(); continue; }
        if (rc < 0) return bs_error_wrap(rc, "SetFolding: %s", d->nodes[i].name);
        if (r.skipped || r.set_producer_simd <= 0) continue;
        int pi = d->nodes[i].producer;
        if (pi >= 0 && is_swg(d->scratch[pi].k)) {
            bs_knode_set_int(&d->scratch[pi], "SIMD", r.set_producer_simd);
            if (r.producer_parallel_window >= 0 && !strcmp(d->scratch[pi].k->op_type, "ConvolutionInputGenerator_rtl"))
                bs_knode_set_int(&d->scratch[pi], "parallel_window", r.producer_parallel_window);
        } else if (!r.producer_optional) {
            return bs_error_set(BS_EINVAL, "SetFolding: %s: Expected SWU on DW op input, found %s", d->nodes[i].name,
                                pi >= 0 ? d->scratch[pi].k->op_type : "graph input");
        }
    }
    *maxc = 0;
    for (int i = 0; i < d->n; i++) {
        int64_t c;
        int rc = bs_knode_cycles(&d->scratch[i], &c);
        if (rc < 0) return bs_error_wrap(rc, "SetFolding: %s", d->nodes[i].name);
        if (c > *maxc) *maxc = c;
    }
    return 0;
}

int bs_dse_setfolding(bs_dse_design *d, int64_t target, bs_dse_point *p)
{
    if (target <= 0) return bs_error_set(BS_EINVAL, "SetFolding: target cycles per frame must be > 0");
    for (int i = 0; i < d->n; i++) {
        int rc = dse_apply_choice(&d->nodes[i], &p->c[i], false, &d->scratch[i]);
        if (rc < 0) return rc;
    }
    int64_t mc;
    int rc = fold_pass(d, target, &mc);
    if (rc < 0) return rc;
    if (d->two_pass && mc > target && (rc = fold_pass(d, mc, &mc)) < 0) return rc;
    for (int i = 0; i < d->n; i++) {
        bs_dse_choice c;
        dse_read_choice(&d->scratch[i], p->c[i].var, &c);
        p->c[i].pe = c.pe;
        p->c[i].simd = c.simd;
        p->c[i].pw = c.pw;
    }
    p->target_cycles = target;
    return bs_dse_evaluate(d, p);
}

int dse_fold_node(bs_dse_design *d, bs_dse_point *p, int i, int64_t target, bool *improved)
{
    *improved = false;
    bs_knode kn;
    int rc = dse_apply_choice(&d->nodes[i], &p->c[i], false, &kn);
    if (rc < 0) return rc;
    if (kn.k->fold == BS_KFOLD_NONE) return 0;
    bs_fold_result r;
    rc = bs_fold_node(&kn, target, d->wwidth, &r);
    if (rc == BS_EUNSUPPORTED) { bs_error_clear(); return 0; }
    if (rc < 0) return rc;
    if (r.skipped) return 0;
    if (r.cycles >= target) return 0;
    bs_dse_choice c;
    dse_read_choice(&kn, p->c[i].var, &c);
    p->c[i].pe = c.pe;
    p->c[i].simd = c.simd;
    p->c[i].pw = c.pw;
    int pi = d->nodes[i].producer;
    if (r.set_producer_simd > 0 && pi >= 0 && is_swg(d->nodes[pi].var[p->c[pi].var])) {
        p->c[pi].simd = r.set_producer_simd;
        if (r.producer_parallel_window >= 0 && p->c[pi].pw >= 0) p->c[pi].pw = r.producer_parallel_window;
    }
    *improved = true;
    return 0;
}

/* ---- candidate targets ---- */

typedef struct { int64_t *v; size_t n, cap; } i64vec;

static int vpush(i64vec *a, int64_t x)
{
    if (a->n == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 256;
        int64_t *nv = realloc(a->v, nc * sizeof *nv);
        if (!nv) return bs_error_set(BS_ENOMEM, "dse: out of memory");
        a->v = nv;
        a->cap = nc;
    }
    a->v[a->n++] = x;
    return 0;
}

static int cmp_desc(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

#define MAXDIV 2048

/* Every SetFolding target that can change the result: c + 1 for each cycle
 * count c a layer reaches with some legal folding (SetFolding stops at
 * cycles < target), descending (ascending fps). */
static int candidate_targets(const bs_dse_design *d, const bs_dse_point *base, i64vec *out)
{
    static int64_t div0[MAXDIV], div1[MAXDIV];
    for (int i = 0; i < d->n; i++) {
        bs_knode kn;
        int rc = dse_apply_choice(&d->nodes[i], &base->c[i], false, &kn);
        if (rc < 0) return rc;
        if (kn.k->fold == BS_KFOLD_NONE) continue;
        bs_fold_param fp[2];
        int np = bs_fold_params(&kn, fp);
        if (np <= 0) continue;
        size_t n0 = bs_fold_divisors(fp[0].dim, div0, MAXDIV);
        size_t n1 = np > 1 ? bs_fold_divisors(fp[1].dim, div1, MAXDIV) : 1;
        if (n0 > MAXDIV) n0 = MAXDIV;
        if (n1 > MAXDIV) n1 = MAXDIV;
        for (size_t a = 0; a < n0; a++) {
            bs_knode_set_int(&kn, fp[0].attr, div0[a]);
            for (size_t b = 0; b < n1; b++) {
                if (np > 1) bs_knode_set_int(&kn, fp[1].attr, div1[b]);
                int64_t c;
                if (bs_knode_cycles(&kn, &c) < 0) { bs_error_clear(); continue; }
                if (c > 0 && (rc = vpush(out, c + 1)) < 0) return rc;
            }
        }
    }
    if (out->n == 0) return 0;
    qsort(out->v, out->n, sizeof *out->v, cmp_desc);
    size_t w = 1;
    for (size_t r = 1; r < out->n; r++)
        if (out->v[r] != out->v[w - 1]) out->v[w++] = out->v[r];
    out->n = w;
    return 0;
}

static uint64_t fold_hash(const bs_dse_point *p)
{
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < p->n; i++) {
        int64_t v[3] = {p->c[i].pe, p->c[i].simd, p->c[i].pw};
        for (int k = 0; k < 3; k++) {
            h ^= (uint64_t)v[k];
            h *= 1099511628211ull;
        }
    }
    return h;
}

typedef struct { int64_t target, max_cycles; double fps; bool fits; } cand;

static cJSON *totals_json(const bs_dse_design *d, const bs_dse_point *p)
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

/* "BRAM_18K 412 > 238 (85% of 280)" for every resource over budget, and a
 * layer larger than one SLR. */
void dse_exceeded(const bs_dse_design *d, const bs_dse_point *p, bs_strbuf *sb, cJSON *arr)
{
    bool first = true;
    if (p->slr_node >= 0) {
        bs_strbuf_printf(sb, "layer %s %s %.0f > %.0f (%.0f%% of the largest SLR)", d->nodes[p->slr_node].name,
                         bs_dse_res_name(p->slr_res), p->res[p->slr_node][p->slr_res], d->slr_budget[p->slr_res],
                         d->max_util * 100);
        first = false;
        if (arr) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "resource", bs_dse_res_name(p->slr_res));
            cJSON_AddStringToObject(e, "layer_exceeds_slr", d->nodes[p->slr_node].name);
            cJSON_AddNumberToObject(e, "needed", p->res[p->slr_node][p->slr_res]);
            cJSON_AddNumberToObject(e, "budget", d->slr_budget[p->slr_res]);
            cJSON_AddItemToArray(arr, e);
        }
    }
    for (int r = 0; r < BS_DSE_NRES; r++) {
        if (p->total[r] <= d->budget[r] + 1e-9) continue;
        bs_strbuf_printf(sb, "%s%s %.0f > %.0f (%.0f%% of %.0f)", first ? "" : ", ", bs_dse_res_name(r), p->total[r],
                         d->budget[r], d->max_util * 100, d->avail[r]);
        first = false;
        if (arr) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "resource", bs_dse_res_name(r));
            cJSON_AddNumberToObject(e, "needed", p->total[r]);
            cJSON_AddNumberToObject(e, "budget", d->budget[r]);
            cJSON_AddNumberToObject(e, "available", d->avail[r]);
            cJSON_AddItemToArray(arr, e);
        }
    }
}

static cJSON *point_brief(const bs_dse_design *d, const bs_dse_point *p)
{
    cJSON *o = cJSON_CreateObject();
    char nm[80];
    cJSON_AddNumberToObject(o, "fps", p->fps);
    cJSON_AddNumberToObject(o, "max_cycles", (double)p->max_cycles);
    bs_dse_node_name(d, p, p->max_node, nm, sizeof nm);
    cJSON_AddStringToObject(o, "bottleneck", nm);
    cJSON_AddNumberToObject(o, "latency_ns", p->latency_ns);
    if (p->target_cycles > 0) cJSON_AddNumberToObject(o, "setfolding_target_cycles", (double)p->target_cycles);
    cJSON_AddBoolToObject(o, "fits", p->fits);
    cJSON_AddItemToObject(o, "resources", totals_json(d, p));
    return o;
}

int bs_dse_explore(bs_dse_design *d, const bs_dse_explore_opts *o, bs_dse_point *best, cJSON **summary)
{
    *summary = NULL;
    int64_t t0 = bs_now_mono_ns();
    int patience = o->patience > 0 ? o->patience : 8;
    bs_dse_point *p = bs_dse_point_new(d), *base = bs_dse_point_new(d), *probe = bs_dse_point_new(d);
    i64vec tg = {0};
    cand *cs = NULL;
    size_t ncs = 0;
    int rc = 0, nevals = 0, nselect = 0;
    if (!p || !base || !probe) { rc = bs_error_set(BS_ENOMEM, "dse: out of memory"); goto out; }
    if ((rc = candidate_targets(d, base, &tg)) < 0) goto out;
    cs = calloc(tg.n + 1, sizeof *cs);
    if (!cs) { rc = bs_error_set(BS_ENOMEM, "dse: out of memory"); goto out; }
    /* 1. FINN SetFolding at every candidate target, model's memory choices */
    uint64_t last = 0;
    int best_default = -1;
    for (size_t k = 0; k < tg.n; k++) {
        bs_dse_point_current(d, p);
        if ((rc = bs_dse_setfolding(d, tg.v[k], p)) < 0) goto out;
        nevals++;
        uint64_t h = fold_hash(p);
        if (ncs && h == last) continue;
        last = h;
        cs[ncs] = (cand){tg.v[k], p->max_cycles, p->fps, p->fits};
        if (p->fits && (best_default < 0 || p->fps > cs[best_default].fps)) best_default = (int)ncs;
        ncs++;
    }
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "platform", d->plat->name);
    cJSON_AddStringToObject(s, "part", d->part);
    cJSON_AddNumberToObject(s, "clk_ns", d->clk_ns);
    cJSON_AddNumberToObject(s, "max_util", d->max_util);
    cJSON_AddNumberToObject(s, "mvau_wwidth_max", (double)d->wwidth);
    cJSON_AddStringToObject(s, "estimates", d->calibrated ? "calibrated" : "FINN cost models");

    /* 2. the highest fps that fits: defaults, then selection above it */
    bool have_best = false;
    if (best_default >= 0) {
        bs_dse_point_current(d, best);
        if ((rc = bs_dse_setfolding(d, cs[best_default].target, best)) < 0) { cJSON_Delete(s); goto out; }
        have_best = true;
    }
    int first_fail = -1;   /* the next candidate above the best: what stops it */
    {
        int start = best_default >= 0 ? best_default + 1 : 0, fails = 0;
        for (int k = start; k < (int)ncs && fails < patience; k++) {
            if (cs[k].fps <= (have_best ? best->fps : 0)) continue;
            bs_dse_point_current(d, p);
            if ((rc = bs_dse_setfolding(d, cs[k].target, p)) < 0) { cJSON_Delete(s); goto out; }
            if (!p->fits && o->select) {
                if ((rc = bs_dse_select(d, p, NULL)) < 0) { cJSON_Delete(s); goto out; }
                nselect++;
            }
            if (p->fits) {
                bs_dse_point_copy(best, p);
                have_best = true;
                fails = 0;
                first_fail = -1;
            } else {
                if (first_fail < 0) { first_fail = k; bs_dse_point_copy(probe, p); }
                fails++;
            }
        }
    }
    double reachable = have_best ? best->fps : 0;
    cJSON_AddNumberToObject(s, "reachable_fps", reachable);
    bs_strbuf msg = BS_STRBUF_INIT;
    cJSON *limit = cJSON_CreateObject();
    if (first_fail >= 0) {
        cJSON *arr = cJSON_AddArrayToObject(limit, "exceeds");
        bs_strbuf lim = BS_STRBUF_INIT;
        dse_exceeded(d, probe, &lim, arr);
        cJSON_AddStringToObject(limit, "kind", "resource");
        cJSON_AddNumberToObject(limit, "next_fps", probe->fps);
        cJSON_AddStringToObject(limit, "detail", lim.buf ? lim.buf : "");
        bs_strbuf_free(&lim);
    } else if (ncs) {
        cJSON_AddStringToObject(limit, "kind", "structural");
        cJSON_AddStringToObject(limit, "detail", "no faster folding exists (SetFolding at its smallest target)");
    }
    cJSON_AddItemToObject(s, "limit", limit);

    /* 3. the target */
    bool reached = true;
    if (o->target_fps > 0) {
        cJSON_AddNumberToObject(s, "target_fps", o->target_fps);
        int64_t T = bs_fold_target_cycles(d->clk_ns, o->target_fps);
        if (T < 1) T = 1;
        bs_dse_point_current(d, p);
        if ((rc = bs_dse_setfolding(d, T, p)) < 0) { cJSON_Delete(s); bs_strbuf_free(&msg); goto out; }
        bool structural = p->fps < o->target_fps;
        if (!p->fits && o->select) {
            if ((rc = bs_dse_select(d, p, NULL)) < 0) { cJSON_Delete(s); bs_strbuf_free(&msg); goto out; }
            nselect++;
        }
        cJSON_AddItemToObject(s, "finn_folding_for_target", point_brief(d, p));
        if (p->fits && !structural) {
            bs_dse_point_copy(best, p);
            have_best = true;
            bs_strbuf_printf(&msg, "target %.6g fps reached on %s: %.6g fps (bottleneck %s)", o->target_fps, d->plat->name,
                             p->fps, d->nodes[p->max_node].name);
        } else {
            reached = false;
            if (structural) {
                bs_strbuf_printf(&msg, "target %.6g fps cannot be reached by any folding: fully unfolded FINN "
                                 "SetFolding gives %.6g fps (bottleneck %s at %lld cycles)", o->target_fps, p->fps,
                                 d->nodes[p->max_node].name, (long long)p->max_cycles);
                if (p->fits) { bs_dse_point_copy(best, p); have_best = true; }
            } else {
                bs_strbuf_printf(&msg, "target %.6g fps cannot be reached on %s within %.0f%% of the part: it needs ",
                                 o->target_fps, d->plat->name, d->max_util * 100);
                dse_exceeded(d, p, &msg, NULL);
            }
            if (have_best)
                bs_strbuf_printf(&msg, "; the highest fps that fits is %.6g (written)", best->fps);
            else
                bs_strbuf_printf(&msg, "; no folding fits the part");
        }
    } else if (have_best) {
        bs_strbuf_printf(&msg, "highest fps that fits %s within %.0f%%: %.6g fps (bottleneck %s, tightest %s %.0f%%)",
                         d->plat->name, d->max_util * 100, best->fps, d->nodes[best->max_node].name,
                         bs_dse_res_name(best->worst), best->util[best->worst] * 100);
    } else {
        reached = false;
        bs_strbuf_printf(&msg, "no folding fits %s within %.0f%%: even PE=SIMD=1 everywhere needs ", d->plat->name,
                         d->max_util * 100);
        bs_dse_point_current(d, p);
        if (ncs && bs_dse_setfolding(d, cs[0].target, p) >= 0) dse_exceeded(d, p, &msg, NULL);
    }
    if (have_best && first_fail < 0 && ncs && o->target_fps <= 0)
        bs_strbuf_printf(&msg, "; no faster SetFolding exists (a bottleneck layer is fully unfolded or its SIMD is "
                         "capped by mvau_wwidth_max=%lld; see `brainsmith bottleneck`)", (long long)d->wwidth);
    if (have_best && first_fail >= 0 && (o->target_fps <= 0 || !reached)) {
        const char *det = cJSON_GetStringValue(cJSON_GetObjectItem(limit, "detail"));
        bs_strbuf_printf(&msg, "; the next faster folding (%.6g fps) would need %s", probe->fps, det ? det : "?");
    }
    cJSON_AddBoolToObject(s, "target_reached", reached);
    cJSON_AddBoolToObject(s, "fits", have_best);
    if (have_best) cJSON_AddItemToObject(s, "chosen", point_brief(d, best));
    cJSON_AddStringToObject(s, "message", msg.buf ? msg.buf : "");
    bs_strbuf_free(&msg);
    cJSON_AddNumberToObject(s, "candidate_targets", (double)tg.n);
    cJSON_AddNumberToObject(s, "distinct_foldings", (double)ncs);
    cJSON_AddNumberToObject(s, "setfolding_runs", nevals);
    cJSON_AddNumberToObject(s, "selection_runs", nselect);
    cJSON_AddNumberToObject(s, "search_ms", (double)(bs_now_mono_ns() - t0) / 1e6);
    *summary = s;
    if (!have_best) {
        /* nothing fits: leave the smallest design in best so callers can show it */
        bs_dse_point_current(d, best);
        if (ncs) bs_dse_setfolding(d, cs[0].target, best);
        rc = 1;
    }
out:
    free(tg.v);
    free(cs);
    bs_dse_point_free(p);
    bs_dse_point_free(base);
    bs_dse_point_free(probe);
    return rc;
}
