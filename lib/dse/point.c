/* point.c - points of a design: creation and copying, applying a node's
 * configuration to its kernel attributes, FINN's cycles and resource
 * estimates per node (calibrated when asked), totals, critical path, fps,
 * the fit against the platform budget (device totals and, on multi-SLR
 * parts, one layer per SLR), node names under chosen variants, and JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brainsmith/error.h"
#include "dse_int.h"

/* ---- points ---- */

bs_dse_point *bs_dse_point_new(const bs_dse_design *d)
{
    bs_dse_point *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    size_t n = d->n > 0 ? (size_t)d->n : 1;
    p->n = d->n;
    p->c = calloc(n, sizeof *p->c);
    p->cycles = calloc(n, sizeof *p->cycles);
    p->cost = calloc(n, sizeof *p->cost);
    p->res = calloc(n, sizeof *p->res);
    if (!p->c || !p->cycles || !p->cost || !p->res) { bs_dse_point_free(p); return NULL; }
    p->slr_node = p->slr_res = -1;
    bs_dse_point_current(d, p);
    return p;
}

void bs_dse_point_free(bs_dse_point *p)
{
    if (!p) return;
    free(p->c);
    free(p->cycles);
    free(p->cost);
    free(p->res);
    free(p);
}

void bs_dse_point_copy(bs_dse_point *dst, const bs_dse_point *src)
{
    size_t n = (size_t)src->n;
    memcpy(dst->c, src->c, n * sizeof *src->c);
    memcpy(dst->cycles, src->cycles, n * sizeof *src->cycles);
    memcpy(dst->cost, src->cost, n * sizeof *src->cost);
    memcpy(dst->res, src->res, n * sizeof *src->res);
    dst->max_cycles = src->max_cycles;
    dst->critical_path = src->critical_path;
    dst->max_node = src->max_node;
    dst->fps = src->fps;
    dst->latency_ns = src->latency_ns;
    memcpy(dst->total, src->total, sizeof src->total);
    memcpy(dst->util, src->util, sizeof src->util);
    dst->fits = src->fits;
    dst->worst = src->worst;
    dst->slr_node = src->slr_node;
    dst->slr_res = src->slr_res;
    dst->target_cycles = src->target_cycles;
}

int bs_dse_point_current(const bs_dse_design *d, bs_dse_point *p)
{
    for (int i = 0; i < d->n; i++) p->c[i] = d->nodes[i].cur;
    p->target_cycles = 0;
    return 0;
}

int dse_apply_choice(const bs_dse_node *nd, const bs_dse_choice *c, bool est, bs_knode *out)
{
    int v = c->var >= 0 && c->var < nd->nvar ? c->var : nd->cur_var;
    *out = est ? nd->est[v] : nd->fold[v];
    if (c->pe >= 0) bs_knode_set_int(out, "PE", c->pe);
    if (c->simd >= 0) bs_knode_set_int(out, "SIMD", c->simd);
    if (c->pw >= 0) bs_knode_set_int(out, "parallel_window", c->pw);
    if (c->ram_style[0] && bs_kernel_attr(out->k, "ram_style")) {
        int rc = bs_knode_set_str(out, "ram_style", c->ram_style);
        if (rc < 0) return rc;
    }
    if (c->res_type[0] && bs_kernel_attr(out->k, "resType")) {
        int rc = bs_knode_set_str(out, "resType", c->res_type);
        if (rc < 0) return rc;
    }
    if (c->mem_mode[0] && bs_kernel_attr(out->k, "mem_mode")) {
        int rc = bs_knode_set_str(out, "mem_mode", c->mem_mode);
        if (rc < 0) return rc;
    }
    bs_error_clear();
    return 0;
}

int dse_node_cost(const bs_dse_design *d, int i, const bs_dse_choice *c, int64_t *cycles, bs_kcost *cost,
                  double res[BS_DSE_NRES])
{
    const bs_dse_node *nd = &d->nodes[i];
    bs_knode k;
    int rc = dse_apply_choice(nd, c, true, &k);
    if (rc < 0) return rc;
    if ((rc = bs_knode_estimate(&k, d->part, cost)) < 0) return rc;
    *cycles = cost->cycles;
    for (int r = 0; r < BS_DSE_NRES; r++) {
        double v = dse_cost_res(cost, r);
        int cv = c->var >= 0 && c->var < nd->nvar ? c->var : nd->cur_var;
        if (d->calibrated && nd->cal[cv][r]) {
            v = nd->cal_a[cv][r] * v + nd->cal_b[cv][r];
            if (v < 0) v = 0;
        }
        res[r] = v;
    }
    return 0;
}

void dse_totals(const bs_dse_design *d, bs_dse_point *p)
{
    double worst = -1;
    p->fits = true;
    p->worst = 0;
    for (int r = 0; r < BS_DSE_NRES; r++) {
        double t = 0;
        for (int i = 0; i < d->n; i++) t += p->res[i][r];
        p->total[r] = t;
        p->util[r] = d->avail[r] > 0 ? t / d->avail[r] : (t > 0 ? INFINITY : 0);
        double f = d->budget[r] > 0 ? t / d->budget[r] : (t > 0 ? INFINITY : 0);
        if (t > d->budget[r] + 1e-9) p->fits = false;
        if (f > worst) { worst = f; p->worst = r; }
    }
    p->slr_node = p->slr_res = -1;
    if (d->plat->nslr > 1)
        for (int i = 0; i < d->n && p->slr_node < 0; i++)
            for (int r = 0; r < BS_DSE_NRES; r++)
                if (p->res[i][r] > d->slr_budget[r] + 1e-9) {
                    p->slr_node = i;
                    p->slr_res = r;
                    p->fits = false;
                    break;
                }
}

int bs_dse_evaluate(const bs_dse_design *d, bs_dse_point *p)
{
    int64_t lat[1024];
    int64_t *lp = d->n <= 1024 ? lat : malloc((size_t)d->n * sizeof *lp);
    if (!lp) return bs_error_set(BS_ENOMEM, "dse: out of memory");
    p->max_cycles = 0;
    p->max_node = 0;
    p->critical_path = 0;
    for (int i = 0; i < d->n; i++) {
        int rc = dse_node_cost(d, i, &p->c[i], &p->cycles[i], &p->cost[i], p->res[i]);
        if (rc < 0) {
            if (lp != lat) free(lp);
            return rc;
        }
        if (p->cycles[i] > p->max_cycles) { p->max_cycles = p->cycles[i]; p->max_node = i; }
        int64_t m = 0;
        for (int q = 0; q < d->nodes[i].npred; q++)
            if (lp[d->nodes[i].pred[q]] > m) m = lp[d->nodes[i].pred[q]];
        lp[i] = p->cycles[i] + m;
        if (lp[i] > p->critical_path) p->critical_path = lp[i];
    }
    if (lp != lat) free(lp);
    p->fps = p->max_cycles > 0 ? (1e9 / d->clk_ns) / (double)p->max_cycles : INFINITY;
    p->latency_ns = (double)p->critical_path * d->clk_ns;
    dse_totals(d, p);
    return 0;
}

void bs_dse_node_name(const bs_dse_design *d, const bs_dse_point *p, int i, char *buf, size_t n)
{
    bool changed = false;
    for (int j = 0; j < d->n; j++) changed |= p->c[j].var != d->nodes[j].cur_var;
    if (!changed) { snprintf(buf, n, "%s", d->nodes[i].name); return; }
    const char *op = d->nodes[i].var[p->c[i].var]->op_type;
    int k = 0;
    for (int j = 0; j < i; j++) k += !strcmp(d->nodes[j].var[p->c[j].var]->op_type, op);
    snprintf(buf, n, "%s_%d", op, k);
}

cJSON *dse_choice_json(const bs_dse_choice *c)
{
    cJSON *o = cJSON_CreateObject();
    if (c->pe >= 0) cJSON_AddNumberToObject(o, "PE", (double)c->pe);
    if (c->simd >= 0) cJSON_AddNumberToObject(o, "SIMD", (double)c->simd);
    if (c->pw >= 0) cJSON_AddNumberToObject(o, "parallel_window", (double)c->pw);
    if (c->ram_style[0]) cJSON_AddStringToObject(o, "ram_style", c->ram_style);
    if (c->res_type[0]) cJSON_AddStringToObject(o, "resType", c->res_type);
    if (c->mem_mode[0]) cJSON_AddStringToObject(o, "mem_mode", c->mem_mode);
    return o;
}

static cJSON *res_obj(const double v[BS_DSE_NRES])
{
    cJSON *o = cJSON_CreateObject();
    for (int r = 0; r < BS_DSE_NRES; r++) cJSON_AddNumberToObject(o, bs_dse_res_name(r), v[r]);
    return o;
}

cJSON *bs_dse_point_json(const bs_dse_design *d, const bs_dse_point *p)
{
    cJSON *o = cJSON_CreateObject();
    char nm[80];
    cJSON_AddStringToObject(o, "platform", d->plat->name);
    cJSON_AddStringToObject(o, "part", d->part);
    cJSON_AddNumberToObject(o, "clk_ns", d->clk_ns);
    cJSON_AddNumberToObject(o, "max_cycles", (double)p->max_cycles);
    bs_dse_node_name(d, p, p->max_node, nm, sizeof nm);
    cJSON_AddStringToObject(o, "max_cycles_node_name", nm);
    cJSON_AddNumberToObject(o, "critical_path_cycles", (double)p->critical_path);
    cJSON_AddNumberToObject(o, "estimated_throughput_fps", p->fps);
    cJSON_AddNumberToObject(o, "estimated_latency_ns", p->latency_ns);
    if (p->target_cycles > 0) cJSON_AddNumberToObject(o, "setfolding_target_cycles", (double)p->target_cycles);
    cJSON_AddStringToObject(o, "estimates", d->calibrated ? "calibrated (FINN estimate corrected by fits; see calibrate show)"
                                                          : "FINN cost models");
    if (d->calibrated) cJSON_AddItemToObject(o, "calibration", dse_calib_json(d));
    cJSON *layers = cJSON_AddArrayToObject(o, "layers");
    for (int i = 0; i < d->n; i++) {
        cJSON *l = cJSON_CreateObject();
        bs_dse_node_name(d, p, i, nm, sizeof nm);
        cJSON_AddStringToObject(l, "name", nm);
        cJSON_AddStringToObject(l, "op_type", d->nodes[i].var[p->c[i].var]->op_type);
        cJSON_AddNumberToObject(l, "cycles", (double)p->cycles[i]);
        cJSON_AddItemToObject(l, "config", dse_choice_json(&p->c[i]));
        double fe[BS_DSE_NRES];
        bool cal = false;
        for (int r = 0; r < BS_DSE_NRES; r++) {
            fe[r] = dse_cost_res(&p->cost[i], r);
            cal |= fe[r] != p->res[i][r];
        }
        cJSON_AddItemToObject(l, "estimate", res_obj(fe));
        if (cal) cJSON_AddItemToObject(l, "calibrated", res_obj(p->res[i]));
        cJSON_AddItemToArray(layers, l);
    }
    cJSON_AddItemToObject(o, "total", res_obj(p->total));
    cJSON_AddItemToObject(o, "available", res_obj(d->avail));
    cJSON_AddItemToObject(o, "budget", res_obj(d->budget));
    cJSON_AddItemToObject(o, "utilization", res_obj(p->util));
    cJSON_AddNumberToObject(o, "max_util", d->max_util);
    cJSON_AddBoolToObject(o, "fits", p->fits);
    if (p->slr_node >= 0) {
        bs_dse_node_name(d, p, p->slr_node, nm, sizeof nm);
        cJSON *e = cJSON_AddObjectToObject(o, "layer_exceeds_slr");
        cJSON_AddStringToObject(e, "node", nm);
        cJSON_AddStringToObject(e, "resource", bs_dse_res_name(p->slr_res));
        cJSON_AddNumberToObject(e, "needed", p->res[p->slr_node][p->slr_res]);
        cJSON_AddNumberToObject(e, "slr_budget", d->slr_budget[p->slr_res]);
    }
    cJSON_AddStringToObject(o, "tightest_resource", bs_dse_res_name(p->worst));
    return o;
}
