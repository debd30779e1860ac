/* select.c - kernel selection under a platform's resources: per layer the
 * hls/rtl variant (only where FINN's SpecializeLayers would honour the
 * preference), ram_style, resType and mem_mode.  The objective is the
 * highest utilisation over LUT/BRAM/URAM/DSP relative to the budget (then
 * the sum of them), minimised greedily one layer move at a time from the
 * model's own choices; a move never changes a layer's cycles. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brainsmith/error.h"
#include "brainsmith/util.h"
#include "dse_int.h"

#define MAXOPT 48
#define MIN_GAIN 1e-3

typedef struct {
    bs_dse_choice c;
    double res[BS_DSE_NRES];   /* FINN's estimate (calibrated if asked) */
    double obj[BS_DSE_NRES];   /* what the objective counts (LUT proxy for rtl MVAU/VVAU) */
    bool proxy;
    bs_kcost cost;
} opt;

/* FINN estimates 0 LUT for MVAU_rtl/VVAU_rtl.  Unless a calibration fit
 * exists for it, the objective counts the LUTs of the hls variant with
 * resType=dsp (the same compute without LUT multipliers), so selection does
 * not pick rtl for a missing model. */
static void node_obj(const bs_dse_design *d, int i, const bs_dse_choice *c, const double res[BS_DSE_NRES],
                     double obj[BS_DSE_NRES], bool *proxy)
{
    const bs_dse_node *nd = &d->nodes[i];
    memcpy(obj, res, BS_DSE_NRES * sizeof *obj);
    *proxy = false;
    const bs_kernel *k = nd->var[c->var];
    if (strcmp(k->op_type, "MVAU_rtl") && strcmp(k->op_type, "VVAU_rtl")) return;
    if (d->calibrated && nd->cal[c->var][BS_DSE_LUT]) return;
    for (int h = 0; h < nd->nvar; h++) {
        if (strcmp(nd->var[h]->backend, "hls")) continue;
        bs_dse_choice ch = *c;
        ch.var = h;
        snprintf(ch.res_type, sizeof ch.res_type, "dsp");
        if (!bs_kernel_attr(nd->var[h], "ram_style")) ch.ram_style[0] = 0;
        int64_t cy;
        bs_kcost kc;
        double r2[BS_DSE_NRES];
        if (dse_node_cost(d, i, &ch, &cy, &kc, r2) < 0) { bs_error_clear(); return; }
        obj[BS_DSE_LUT] = r2[BS_DSE_LUT];
        *proxy = true;
        return;
    }
}

static int allowed_tokens(const bs_kattr_def *def, char out[][24], int cap)
{
    int n = 0;
    if (!def || !def->allowed) return 0;
    const char *s = def->allowed;
    while (*s && n < cap) {
        if (*s == '|') { s++; continue; }
        const char *e = strchr(s, '|');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len < 24) { memcpy(out[n], s, len); out[n][len] = 0; n++; }
        s += len;
    }
    return n;
}

/* The options of node i (cycles equal to p's). */
static int node_options(const bs_dse_design *d, const bs_dse_point *p, int i, opt *out)
{
    const bs_dse_node *nd = &d->nodes[i];
    const bs_dse_choice *cur = &p->c[i];
    int n = 0;
    for (int v = 0; v < nd->nvar; v++) {
        if (!nd->var_legal[v] && v != cur->var) continue;
        const bs_kernel *k = nd->var[v];
        char rams[8][24], rts[4][24], mms[4][24];
        int nr = 0, nt = 0, nm = 0;
        const bs_kattr_def *def;
        if ((def = bs_kernel_attr(k, "ram_style"))) {
            char tok[8][24];
            int nt2 = allowed_tokens(def, tok, 8);
            for (int t = 0; t < nt2; t++) {
                bool is_cur = v == cur->var && !strcmp(tok[t], cur->ram_style);
                if (!strcmp(tok[t], "auto") && !is_cur) continue;
                if (!strcmp(tok[t], "ultra") && (d->avail[BS_DSE_URAM] <= 0 || !strcmp(nd->base, "MVAU")) && !is_cur) continue;
                snprintf(rams[nr++], 24, "%s", tok[t]);
            }
        }
        if (!nr) rams[nr++][0] = 0;
        if (bs_kernel_attr(k, "resType") && strcmp(k->backend, "rtl")) {
            snprintf(rts[nt++], 24, "lut");
            snprintf(rts[nt++], 24, "dsp");
            if (v == cur->var && !strcmp(cur->res_type, "auto")) snprintf(rts[nt++], 24, "auto");
        }
        if (!nt) rts[nt++][0] = 0;
        if (bs_kernel_attr(k, "mem_mode")) {
            if (v == cur->var && !strcmp(cur->mem_mode, "external")) {
                snprintf(mms[nm++], 24, "external");
            } else {
                snprintf(mms[nm++], 24, "internal_decoupled");
                snprintf(mms[nm++], 24, "internal_embedded");
            }
        }
        if (!nm) mms[nm++][0] = 0;
        for (int a = 0; a < nr; a++)
            for (int b = 0; b < nt; b++)
                for (int c = 0; c < nm && n < MAXOPT; c++) {
                    opt *o = &out[n];
                    o->c = *cur;
                    o->c.var = v;
                    snprintf(o->c.ram_style, sizeof o->c.ram_style, "%s", rams[a]);
                    snprintf(o->c.res_type, sizeof o->c.res_type, "%s", rts[b]);
                    snprintf(o->c.mem_mode, sizeof o->c.mem_mode, "%s", mms[c]);
                    /* strings a variant does not have stay empty */
                    if (!bs_kernel_attr(k, "ram_style")) o->c.ram_style[0] = 0;
                    if (!bs_kernel_attr(k, "resType")) o->c.res_type[0] = 0;
                    if (!bs_kernel_attr(k, "mem_mode")) o->c.mem_mode[0] = 0;
                    int64_t cyc;
                    if (dse_node_cost(d, i, &o->c, &cyc, &o->cost, o->res) < 0) { bs_error_clear(); continue; }
                    if (cyc != p->cycles[i]) continue;
                    node_obj(d, i, &o->c, o->res, o->obj, &o->proxy);
                    n++;
                }
    }
    return n;
}

/* (max, sum) of total/budget. */
static void objective(const bs_dse_design *d, const double t[BS_DSE_NRES], double *mx, double *sum)
{
    *mx = 0;
    *sum = 0;
    for (int r = 0; r < BS_DSE_NRES; r++) {
        double f = d->budget[r] > 0 ? t[r] / d->budget[r] : (t[r] > 0 ? 1e9 : 0);
        if (f > *mx) *mx = f;
        *sum += f;
    }
}

static bool same_choice(const bs_dse_choice *a, const bs_dse_choice *b)
{
    return a->var == b->var && !strcmp(a->ram_style, b->ram_style) && !strcmp(a->res_type, b->res_type) &&
           !strcmp(a->mem_mode, b->mem_mode);
}

static void opt_label(const bs_dse_design *d, int i, const bs_dse_choice *c, char *buf, size_t n)
{
    bs_strbuf sb = BS_STRBUF_INIT;
    bs_strbuf_printf(&sb, "%s", d->nodes[i].var[c->var]->op_type);
    if (c->ram_style[0]) bs_strbuf_printf(&sb, " ram_style=%s", c->ram_style);
    if (c->res_type[0]) bs_strbuf_printf(&sb, " resType=%s", c->res_type);
    if (c->mem_mode[0]) bs_strbuf_printf(&sb, " mem_mode=%s", c->mem_mode);
    snprintf(buf, n, "%s", sb.buf);
    bs_strbuf_free(&sb);
}

int bs_dse_select(const bs_dse_design *d, bs_dse_point *p, cJSON **reasons)
{
    if (reasons) *reasons = NULL;
    int rc = bs_dse_evaluate(d, p);
    if (rc < 0) return rc;
    bs_dse_choice *orig = malloc((size_t)(d->n > 0 ? d->n : 1) * sizeof *orig);
    opt *opts = malloc(MAXOPT * sizeof *opts);
    if (!orig || !opts) { free(orig); free(opts); return bs_error_set(BS_ENOMEM, "dse: out of memory"); }
    memcpy(orig, p->c, (size_t)d->n * sizeof *orig);
    double (*objn)[BS_DSE_NRES] = calloc((size_t)(d->n > 0 ? d->n : 1), sizeof *objn);
    double objt[BS_DSE_NRES] = {0};
    if (!objn) { free(orig); free(opts); return bs_error_set(BS_ENOMEM, "dse: out of memory"); }
    for (int i = 0; i < d->n; i++) {
        bool px;
        node_obj(d, i, &p->c[i], p->res[i], objn[i], &px);
        for (int r = 0; r < BS_DSE_NRES; r++) objt[r] += objn[i][r];
    }
    double before_max, before_sum;
    objective(d, objt, &before_max, &before_sum);
    for (int iter = 0; iter < 4 * d->n + 8; iter++) {
        double cm, cs;
        objective(d, objt, &cm, &cs);
        int bi = -1;
        opt bo;
        double bm = cm, bsum = cs;
        for (int i = 0; i < d->n; i++) {
            int no = node_options(d, p, i, opts);
            for (int k = 0; k < no; k++) {
                if (same_choice(&opts[k].c, &p->c[i])) continue;
                double t[BS_DSE_NRES];
                for (int r = 0; r < BS_DSE_NRES; r++) t[r] = objt[r] - objn[i][r] + opts[k].obj[r];
                double m, s;
                objective(d, t, &m, &s);
                /* a move must pay: 0.1 point of the budget on the tightest
                 * resource, or (tightest unchanged) on the sum */
                if (m < bm - MIN_GAIN || (fabs(m - bm) <= 1e-12 && s < bsum - MIN_GAIN)) {
                    bm = m;
                    bsum = s;
                    bi = i;
                    bo = opts[k];
                }
            }
        }
        if (bi < 0) break;
        p->c[bi] = bo.c;
        p->cost[bi] = bo.cost;
        memcpy(p->res[bi], bo.res, sizeof bo.res);
        for (int r = 0; r < BS_DSE_NRES; r++) objt[r] += bo.obj[r] - objn[bi][r];
        memcpy(objn[bi], bo.obj, sizeof bo.obj);
        dse_totals(d, p);
    }
    rc = bs_dse_evaluate(d, p);
    if (rc < 0 || !reasons) { free(orig); free(opts); free(objn); return rc; }

    cJSON *a = cJSON_CreateArray();
    char lab[160], nm[80];
    double am, as;
    objective(d, objt, &am, &as);
    for (int i = 0; i < d->n; i++) {
        const bs_dse_node *nd = &d->nodes[i];
        cJSON *e = cJSON_CreateObject();
        bs_dse_node_name(d, p, i, nm, sizeof nm);
        cJSON_AddStringToObject(e, "node", nm);
        cJSON_AddStringToObject(e, "was", nd->name);
        opt_label(d, i, &orig[i], lab, sizeof lab);
        cJSON_AddStringToObject(e, "model_choice", lab);
        opt_label(d, i, &p->c[i], lab, sizeof lab);
        cJSON_AddStringToObject(e, "choice", lab);
        cJSON_AddItemToObject(e, "config", dse_choice_json(&p->c[i]));
        bool changed = !same_choice(&orig[i], &p->c[i]);
        cJSON_AddBoolToObject(e, "changed", changed);
        int no = node_options(d, p, i, opts);
        cJSON *oa = cJSON_AddArrayToObject(e, "options");
        double best_alt = INFINITY;
        for (int k = 0; k < no; k++) {
            cJSON *x = cJSON_CreateObject();
            opt_label(d, i, &opts[k].c, lab, sizeof lab);
            cJSON_AddStringToObject(x, "option", lab);
            for (int r = 0; r < BS_DSE_NRES; r++) cJSON_AddNumberToObject(x, bs_dse_res_name(r), opts[k].res[r]);
            double t[BS_DSE_NRES], m, s;
            for (int r = 0; r < BS_DSE_NRES; r++) t[r] = objt[r] - objn[i][r] + opts[k].obj[r];
            objective(d, t, &m, &s);
            if (opts[k].proxy) cJSON_AddNumberToObject(x, "LUT_counted", opts[k].obj[BS_DSE_LUT]);
            cJSON_AddNumberToObject(x, "design_max_util_of_budget", m);
            if (!same_choice(&opts[k].c, &p->c[i]) && m < best_alt) best_alt = m;
            cJSON_AddItemToArray(oa, x);
        }
        cJSON *na = cJSON_AddArrayToObject(e, "not_possible");
        for (int v = 0; v < nd->nvar; v++)
            if (!nd->var_legal[v] && v != p->c[i].var) {
                cJSON *x = cJSON_CreateObject();
                cJSON_AddStringToObject(x, "variant", nd->var[v]->op_type);
                cJSON_AddStringToObject(x, "why", nd->var_why[v]);
                cJSON_AddItemToArray(na, x);
            }
        bs_strbuf sb = BS_STRBUF_INIT;
        if (no <= 1)
            bs_strbuf_printf(&sb, "no alternative with the same cycles");
        else if (changed) {
            int64_t cy;
            bs_kcost oc;
            double ores[BS_DSE_NRES], oobj[BS_DSE_NRES], t[BS_DSE_NRES], m0, s0;
            bool px;
            opt_label(d, i, &orig[i], lab, sizeof lab);
            bs_strbuf_printf(&sb, "changed from %s:", lab);
            if (dse_node_cost(d, i, &orig[i], &cy, &oc, ores) == 0) {
                node_obj(d, i, &orig[i], ores, oobj, &px);
                for (int r = 0; r < BS_DSE_NRES; r++) {
                    double dl = p->res[i][r] - ores[r];
                    t[r] = objt[r] - objn[i][r] + oobj[r];
                    if (fabs(dl) > 1e-9) bs_strbuf_printf(&sb, " %s %+.0f", bs_dse_res_name(r), dl);
                }
                objective(d, t, &m0, &s0);
                if (am < m0 - 1e-12)
                    bs_strbuf_printf(&sb, "; the design's tightest resource goes from %.2f%% to %.2f%% of its budget",
                                     m0 * 100, am * 100);
                else
                    bs_strbuf_printf(&sb, "; the tightest resource stays at %.1f%% of its budget, the others drop "
                                     "(sum of utilisations %.3f -> %.3f)", am * 100, s0, as);
            } else {
                bs_error_clear();
            }
        }
        else
            bs_strbuf_printf(&sb, "kept: no option lowers the design's tightest resource (%.1f%% of budget; "
                             "best other option %.1f%%)", am * 100, best_alt * 100);
        {
            bool px;
            double ob[BS_DSE_NRES];
            node_obj(d, i, &p->c[i], p->res[i], ob, &px);
            if (px)
                bs_strbuf_printf(&sb, "; FINN estimates 0 LUT for %s (no model): counted as %.0f LUT (the hls variant "
                                 "with resType=dsp) when choosing; calibrate or --validate",
                                 nd->var[p->c[i].var]->op_type, ob[BS_DSE_LUT]);
        }
        cJSON_AddStringToObject(e, "reason", sb.buf);
        bs_strbuf_free(&sb);
        cJSON_AddItemToArray(a, e);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "max_util_of_budget_before", before_max);
    cJSON_AddNumberToObject(o, "max_util_of_budget_after", am);
    cJSON_AddItemToObject(o, "layers", a);
    *reasons = o;
    free(orig);
    free(opts);
    free(objn);
    return 0;
}
