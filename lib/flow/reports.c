/* reports.c - FINN's estimate reports (finn-reference §3.1-3.5) written
 * exactly as FINN's json.dump(indent=2) does: op_and_param_counts,
 * estimate_layer_cycles, estimate_layer_resources (+ "total" as floats),
 * estimate_layer_config_alternatives and estimate_network_performance
 * (after AnnotateCycles).  Also the verification points (verify_steps):
 * the current model is executed with the reference executor on
 * verify_input_npy and compared with verify_expected_output_npy. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brainsmith/error.h"
#include "brainsmith/exec.h"
#include "brainsmith/ir.h"
#include "brainsmith/json.h"
#include "brainsmith/kernels.h"
#include "brainsmith/log.h"
#include "brainsmith/npy.h"
#include "brainsmith/transform.h"
#include "brainsmith/util.h"
#include "flow_int.h"

/* FINN's analysis passes visit nodes in the .hls/.rtl domains with
 * backend == "fpgadataflow". */
static bool visited(const bs_ir_node *n)
{
    if (!n->domain) return false;
    if (!strcmp(n->domain, BS_DOMAIN_FPGADATAFLOW)) {
        /* FINN <= 0.9 models (StreamingFCLayer_Batch, ...): analysis passes
         * visited every fpgadataflow node */
        const bs_kernel *k = bs_kernel_find(n->op_type);
        if (!k || !k->legacy_of) return false;
    } else if (strcmp(n->domain, BS_DOMAIN_FPGADATAFLOW_HLS) && strcmp(n->domain, BS_DOMAIN_FPGADATAFLOW_RTL)) {
        return false;
    }
    return !strcmp(bs_ir_attr_str(n, "backend", ""), "fpgadataflow");
}

static void add_num(cJSON *o, const char *k, double v, bool pyfloat)
{
    cJSON_AddItemToObject(o, k, pyfloat ? bs_json_py_float(v) : cJSON_CreateNumber(v));
}

static cJSON *cost_json(const bs_kcost *c)
{
    cJSON *o = cJSON_CreateObject();
    add_num(o, "BRAM_18K", c->bram18, c->pyfloat & BS_KC_BRAM);
    add_num(o, "BRAM_efficiency", c->bram_eff, c->pyfloat & BS_KC_BRAM_EFF);
    add_num(o, "LUT", c->lut, c->pyfloat & BS_KC_LUT);
    add_num(o, "URAM", c->uram, c->pyfloat & BS_KC_URAM);
    add_num(o, "URAM_efficiency", c->uram_eff, c->pyfloat & BS_KC_URAM_EFF);
    add_num(o, "DSP", c->dsp, c->pyfloat & BS_KC_DSP);
    return o;
}

/* FINN aggregate_dict_keys: sums every key (except *efficiency*) over the
 * per-node dicts, in first-seen order, as floats. */
static cJSON *aggregate(const cJSON *per_node)
{
    const char *keys[256];
    double sums[256];
    int nk = 0;
    const cJSON *n, *e;
    cJSON_ArrayForEach(n, per_node) {
        cJSON_ArrayForEach(e, n) {
            if (strstr(e->string, "efficiency")) continue;
            int i;
            for (i = 0; i < nk; i++) if (!strcmp(keys[i], e->string)) break;
            if (i == nk) {
                if (nk == 256) continue;
                keys[nk] = e->string;
                sums[nk++] = 0;
            }
            sums[i] += cJSON_IsRaw(e) ? strtod(e->valuestring, NULL) : e->valuedouble;
        }
    }
    cJSON *t = cJSON_CreateObject();
    for (int i = 0; i < nk; i++) cJSON_AddItemToObject(t, keys[i], bs_json_py_float(sums[i]));
    return t;
}

/* get_op_and_param_counts (MVAU / VVAU; other ops give {}). */
static cJSON *op_param_counts(bs_ir_graph *g, const bs_ir_node *n)
{
    cJSON *o = cJSON_CreateObject();
    const bs_kernel *k = bs_kernel_find(n->op_type);
    const char *base = k ? (k->legacy_of ? k->legacy_of : k->base) : n->op_type;
    bool mv = !strncmp(base, "MVAU", 4), vv = !strncmp(base, "VVAU", 4);
    if (k && k->legacy_of && !strncmp(base, "Thresholding", 12)) {
        /* FINN <= 0.9 Thresholding_Batch counted its thresholds */
        bs_dt tdt;
        if (bs_ir_attr_get_dt(n, "weightDataType", &tdt) == 0) {
            char key[64];
            snprintf(key, sizeof key, "param_threshold_%db", bs_dt_bitwidth(tdt));
            cJSON_AddNumberToObject(o, key, (double)(bs_ir_attr_int(n, "NumChannels", 0) * bs_ir_attr_int(n, "numSteps", 0)));
        }
        return o;
    }
    if (!mv && !vv) return o;
    bs_dt idt, wdt;
    if (bs_ir_attr_get_dt(n, "inputDataType", &idt) < 0 || bs_ir_attr_get_dt(n, "weightDataType", &wdt) < 0) return o;
    int ib = bs_dt_bitwidth(idt), wb = bs_dt_bitwidth(wdt);
    int lo = ib < wb ? ib : wb, hi = ib < wb ? wb : ib;
    double macs, weights, thr;
    const int64_t *v;
    int nv = 0;
    double vec = 1;
    if (bs_ir_attr_get_ints(n, "numInputVectors", &v, &nv) == 0)
        for (int i = 0; i < nv; i++) vec *= (double)v[i];
    if (mv) {
        double mw = (double)bs_ir_attr_int(n, "MW", 0), mh = (double)bs_ir_attr_int(n, "MH", 0);
        weights = mw * mh;
        macs = weights * vec;
        thr = mh;
    } else {
        const int64_t *kd, *dim;
        int nkd = 0, nd = 0;
        double ch = (double)bs_ir_attr_int(n, "Channels", 0), kk = 1, od = 1;
        if (bs_ir_attr_get_ints(n, "Kernel", &kd, &nkd) == 0) for (int i = 0; i < nkd; i++) kk *= (double)kd[i];
        if (bs_ir_attr_get_ints(n, "Dim", &dim, &nd) == 0) for (int i = 0; i < nd; i++) od *= (double)dim[i];
        weights = ch * kk;
        macs = weights * od;
        thr = ch;
    }
    char key[64];
    snprintf(key, sizeof key, "op_mac_%dbx%db", lo, hi);
    cJSON_AddNumberToObject(o, key, macs);
    snprintf(key, sizeof key, "param_weight_%db", wb);
    cJSON_AddNumberToObject(o, key, weights);
    if (bs_ir_attr_int(n, "noActivation", 0) == 0) {
        bs_dt adt;
        if (bs_ir_attr_get_dt(n, "accDataType", &adt) < 0) adt = bs_dt_int(32);
        snprintf(key, sizeof key, "param_threshold_%db", bs_dt_bitwidth(adt));
        cJSON_AddNumberToObject(o, key, thr);
    }
    return o;
}

int bs_flow_write_estimate_reports(bs_flow_ctx *ctx)
{
    bs_ir_graph *g = ctx->g;
    char *dir = bs_path_join(ctx->out_dir, "report");
    int rc = bs_mkdir_p(dir);
    cJSON *ops = cJSON_CreateObject(), *cyc = cJSON_CreateObject(), *res = cJSON_CreateObject(),
          *alt = cJSON_CreateObject(), *perf = cJSON_CreateObject();
    if (rc < 0) goto out;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!visited(n)) continue;
        bs_knode kn;
        if ((rc = bs_xform_knode(n, &kn)) < 0) {
            bs_error_wrap(rc, "estimate reports");
            goto out;
        }
        cJSON_AddItemToObject(ops, n->name, op_param_counts(g, n));
        bs_kcost c;
        if ((rc = bs_knode_estimate(&kn, ctx->part, &c)) < 0) goto out;
        cJSON_AddNumberToObject(cyc, n->name, (double)c.cycles);
        cJSON_AddItemToObject(res, n->name, cost_json(&c));
        bs_kcost alts[3];
        const char *labels[3];
        int na = 0;
        if ((rc = bs_knode_alternatives(&kn, ctx->part, alts, labels, &na)) < 0) goto out;
        cJSON *arr = cJSON_CreateArray();
        for (int i = 0; i < na; i++) cJSON_AddItemToArray(arr, cost_json(&alts[i]));
        cJSON_AddItemToObject(alt, n->name, arr);
        /* FINN's res_estimation_complete leaves the last alternative set */
        if (na == 2 && !strncmp(n->op_type, "MVAU", 4)) bs_ir_attr_set_str(g, n, "resType", "lut");
        if (na == 2 && !strncmp(n->op_type, "VVAU", 4)) bs_ir_attr_set_str(g, n, "resType", "lut");
    }
    cJSON_AddItemToObject(ops, "total", aggregate(ops));
    cJSON_AddItemToObject(res, "total", aggregate(res));
    if ((rc = bs_flow_write_json(dir, "op_and_param_counts.json", ops)) < 0 ||
        (rc = bs_flow_write_json(dir, "estimate_layer_cycles.json", cyc)) < 0 ||
        (rc = bs_flow_write_json(dir, "estimate_layer_resources.json", res)) < 0 ||
        (rc = bs_flow_write_json(dir, "estimate_layer_config_alternatives.json", alt)) < 0)
        goto out;
    /* AnnotateCycles + dataflow_performance */
    {
        bs_xform_ctx x = {0};
        x.g = g;
        x.fpga_part = ctx->part;
        if ((rc = bs_xform_apply(&x, "AnnotateCycles", NULL)) < 0) goto out;
        int64_t *lat = calloc((size_t)g->nnodes + 1, sizeof *lat);
        int64_t maxc = 0, cp = 0;
        const char *maxn = "";
        for (int k = 0; k < g->nnodes; k++) {
            bs_ir_node *n = g->nodes[k];
            if (!visited(n)) continue;
            int64_t c = bs_ir_attr_int(n, "cycles_estimate", 0), best = 0;
            for (int i = 0; i < n->ninputs; i++) {
                bs_ir_node *p = n->inputs[i] ? n->inputs[i]->producer : NULL;
                int pi = p ? bs_ir_node_index(g, p) : -1;
                if (pi >= 0 && lat[pi] > best) best = lat[pi];
            }
            lat[k] = c + best;
            if (lat[k] > cp) cp = lat[k];
            if (c > maxc) { maxc = c; maxn = n->name; }
        }
        free(lat);
        double clk = ctx->cfg->synth_clk_period_ns;
        cJSON_AddNumberToObject(perf, "critical_path_cycles", (double)cp);
        cJSON_AddNumberToObject(perf, "max_cycles", (double)maxc);
        cJSON_AddStringToObject(perf, "max_cycles_node_name", maxn);
        cJSON_AddItemToObject(perf, "estimated_throughput_fps", bs_json_py_float(maxc ? (1e9 / clk) / (double)maxc : INFINITY));
        cJSON_AddItemToObject(perf, "estimated_latency_ns", bs_json_py_float((double)cp * clk));
        rc = bs_flow_write_json(dir, "estimate_network_performance.json", perf);
    }
out:
    free(dir);
    cJSON_Delete(ops);
    cJSON_Delete(cyc);
    cJSON_Delete(res);
    cJSON_Delete(alt);
    cJSON_Delete(perf);
    return rc;
}

/* ---- verification --------------------------------------------------------------- */

int bs_flow_verify(bs_flow_ctx *ctx, unsigned which, const char *tag)
{
    const bs_flow_config *c = ctx->cfg;
    if (!(c->verify_steps & which)) return 0;
    bs_flow_register_hw_exec();
    int wrc = bs_flow_writes_join();   /* the executor may read the partition file */
    if (wrc < 0) return wrc;
    char *inp = bs_flow_config_path(c, c->verify_input_npy);
    char *exp = bs_flow_config_path(c, c->verify_expected_output_npy);
    char *vdir = bs_path_join(ctx->out_dir, "verification_output");
    bs_value in = {0}, ex = {0}, out = {0}, one = {0};
    int rc = 0;
    if ((rc = bs_npy_read(inp, &in)) < 0 || (rc = bs_npy_read(exp, &ex)) < 0) goto done;
    if ((rc = bs_mkdir_p(vdir)) < 0) goto done;
    /* a partition is verified inside its parent (FINN's need_parent) */
    const bs_ir_graph *run_g = ctx->parent ? ctx->parent : ctx->g;
    bs_flow_set_sdp_child(ctx->parent ? ctx->g : NULL);
    if (run_g->ninputs < 1 || !run_g->inputs[0] || run_g->inputs[0]->rank < 1) {
        rc = bs_error_set(BS_EINVAL, "verify %s: model input shape unknown", tag);
        goto done;
    }
    {
        const bs_ir_tensor *ti = run_g->inputs[0];
        int64_t per = bs_ir_tensor_numel(ti);
        int64_t nb = per > 0 ? in.numel / per : 0;
        if (nb < 1 || nb * per != in.numel) {
            rc = bs_error_set(BS_EINVAL, "verify %s: %s has %lld values, not a multiple of the model input size %lld",
                              tag, inp, (long long)in.numel, (long long)per);
            goto done;
        }
        int64_t per_out = ex.numel / nb;
        bs_exec_session *s = NULL;
        if ((rc = bs_exec_new(run_g, &s)) < 0) { bs_error_wrap(rc, "verify %s", tag); goto done; }
        bool all_ok = true;
        double maxdiff = 0;
        for (int64_t b = 0; b < nb; b++) {
            bs_value_alloc(&one, BS_ELEM_FLOAT, ti->rank, ti->dims);
            for (int64_t i = 0; i < per; i++) bs_value_set(&one, i, bs_value_get(&in, b * per + i));
            if ((rc = bs_exec_run(s, &one, 1)) < 0) { bs_exec_free(s); bs_error_wrap(rc, "verify %s", tag); goto done; }
            const bs_value *o = bs_exec_output(s, 0);
            bool ok = o->numel == per_out;
            for (int64_t i = 0; ok && i < per_out; i++) {
                double d = fabs(bs_value_get(o, i) - bs_value_get(&ex, b * per_out + i));
                if (d > maxdiff) maxdiff = d;
                ok = d <= c->verification_atol;
            }
            all_ok &= ok;
            char name[256];
            snprintf(name, sizeof name, "%s/verify_%s_%lld_%s.npy", vdir, tag, (long long)b, ok ? "SUCCESS" : "FAIL");
            bs_npy_write(name, o);
        }
        bs_exec_free(s);
        bs_flow_logf(ctx, "Verification for %s : %s", tag, all_ok ? "SUCCESS" : "FAIL");
        bs_flow_logf(ctx, "Verification for %s: max |difference| %g over %lld sample(s)", tag, maxdiff, (long long)nb);
        /* FINN logs the result and continues; so does brainsmith (loudly). */
        if (!all_ok) BS_WARN("verification %s FAILED (see %s)", tag, vdir);
    }
done:
    bs_value_free(&in);
    bs_value_free(&ex);
    bs_value_free(&out);
    bs_value_free(&one);
    free(inp);
    free(exp);
    free(vdir);
    return rc;
}
