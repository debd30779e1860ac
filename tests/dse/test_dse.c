/* test_dse.c - lib/dse against real data and FINN's own numbers:
 * - SetFolding over the node array reproduces FINN's auto_folding_config.json
 *   and the estimate reports (totals, max_cycles, critical path) of the
 *   finn_oracle builds (cybsec at 1e6 fps / wwidth 80, TFC-w2a2 at 1e5 fps);
 * - it agrees node by node with the graph SetFolding of lib/transform on the
 *   CNV example for 20 targets;
 * - a generated config, built with brainsmith's FINN flow, reports exactly the
 *   totals the explorer predicted, and they fit the budget;
 * - bottleneck: the bounding layer, a resource limit on a small part, a
 *   structural limit (mvau_wwidth_max);
 * - kernel selection lowers the tightest resource without changing cycles;
 * - calibration: hand-worked least squares, real CNV-w4a4 (FINN v0.5b HLS
 *   synthesis vs FINN estimates) pairs from the shared data, applying fits;
 * - refusals: unknown platform, bad max-util, model without HW layers. */
#include "test_util.h"

#include <math.h>

#include "brainsmith/db.h"
#include "brainsmith/dse.h"
#include "brainsmith/error.h"
#include "brainsmith/flow.h"
#include "brainsmith/ir.h"
#include "brainsmith/json.h"
#include "brainsmith/transform.h"
#include "brainsmith/workspace.h"

static const char *data(void)
{
    const char *d = bs_test_shared_data();
    if (!d) { print_message("no shared data: skipping\n"); skip(); }
    return d;
}

static bs_dse_design *load(const char *path, const char *plat, double clk, int64_t ww)
{
    bs_dse_opts o;
    bs_dse_opts_init(&o);
    o.platform = plat;
    o.clk_ns = clk;
    o.mvau_wwidth_max = ww;
    bs_dse_design *d = NULL;
    int rc = bs_dse_load(path, &o, &d);
    if (rc < 0) print_message("load %s: %s\n", path, bs_error_msg());
    assert_int_equal(rc, 0);
    return d;
}

static cJSON *jload(const char *dir, const char *rel)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    cJSON *j = NULL;
    assert_int_equal(bs_json_load_file(p, &j), 0);
    return j;
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, k);
    assert_non_null(e);
    return e->valuedouble;
}

/* Runs SetFolding on the oracle's step_specialize_layers model and compares
 * with FINN's auto_folding_config.json and reports. */
static void oracle_case(const char *name, double fps, int64_t ww)
{
    char dir[4096], model[4096];
    snprintf(dir, sizeof dir, "%s/finn_oracle/%s", data(), name);
    snprintf(model, sizeof model, "%s/intermediate_models/step_specialize_layers.onnx", dir);
    bs_dse_design *d = load(model, "Pynq-Z1", 10.0, ww);
    bs_dse_point *p = bs_dse_point_new(d);
    assert_int_equal(bs_dse_setfolding(d, bs_fold_target_cycles(10.0, fps), p), 0);
    cJSON *fold = bs_dse_folding_json(d, p), *want = jload(dir, "auto_folding_config.json");
    assert_true(cJSON_Compare(fold, want, true));
    cJSON_Delete(fold);
    cJSON_Delete(want);
    cJSON *res = jload(dir, "report/estimate_layer_resources.json");
    const cJSON *tot = cJSON_GetObjectItem(res, "total");
    assert_true(fabs(p->total[BS_DSE_LUT] - num(tot, "LUT")) < 1e-6);
    assert_true(fabs(p->total[BS_DSE_BRAM] - num(tot, "BRAM_18K")) < 1e-6);
    assert_true(fabs(p->total[BS_DSE_DSP] - num(tot, "DSP")) < 1e-6);
    /* per layer */
    for (int i = 0; i < d->n; i++) {
        const cJSON *l = cJSON_GetObjectItem(res, d->nodes[i].name);
        assert_non_null(l);
        assert_true(fabs(p->cost[i].lut - num(l, "LUT")) < 1e-9);
        assert_true(fabs(p->cost[i].bram18 - num(l, "BRAM_18K")) < 1e-9);
    }
    cJSON_Delete(res);
    cJSON *perf = jload(dir, "report/estimate_network_performance.json");
    assert_int_equal(p->max_cycles, (int64_t)num(perf, "max_cycles"));
    assert_int_equal(p->critical_path, (int64_t)num(perf, "critical_path_cycles"));
    assert_string_equal(d->nodes[p->max_node].name, cJSON_GetStringValue(cJSON_GetObjectItem(perf, "max_cycles_node_name")));
    assert_true(fabs(p->fps - num(perf, "estimated_throughput_fps")) <= 1e-9 * p->fps);
    cJSON_Delete(perf);
    bs_dse_point_free(p);
    bs_dse_free(d);
}

static void test_oracle_cybsec(void **s) { (void)s; oracle_case("cybsec", 1e6, 80); }
static void test_oracle_tfc(void **s) { (void)s; oracle_case("tfc_w2a2_fps", 1e5, 36); }

/* The build directory's current folding is read back (FINN's reports). */
static void test_build_dir(void **s)
{
    (void)s;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/finn_oracle/cybsec", data());
    bs_dse_design *d = load(dir, "pynq-z1", 0, 80);
    assert_true(fabs(d->clk_ns - 10.0) < 1e-12);   /* from the reports */
    assert_string_equal(d->source, "build-dir");
    bs_dse_point *p = bs_dse_point_new(d);
    assert_int_equal(bs_dse_evaluate(d, p), 0);
    cJSON *perf = jload(dir, "report/estimate_network_performance.json");
    assert_int_equal(p->max_cycles, (int64_t)num(perf, "max_cycles"));
    cJSON_Delete(perf);
    cJSON *r = NULL;
    assert_int_equal(bs_dse_bottleneck(d, p, &r), 0);
    const cJSON *bn = cJSON_GetObjectItem(r, "bottleneck");
    /* FINN's own report: max_cycles 64 at MVAU_hls_1 (first of three ties) */
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(bn, "node")), "MVAU_hls_1");
    assert_int_equal((int)num(bn, "cycles"), 64);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(bn, "tied")), 2);
    /* wwidth 80, INT2 weights: MVAU_hls_0 (MW 600) SIMD stops at 40 -> structural */
    const cJSON *lim = cJSON_GetObjectItem(r, "limit");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(lim, "kind")), "structural");
    assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(lim, "detail")), "mvau_wwidth_max=80"));
    const cJSON *ns = cJSON_GetObjectItem(r, "next_step");
    assert_non_null(ns);
    assert_true(num(ns, "fps") > p->fps);
    char *t = bs_dse_bottleneck_text(r);
    assert_non_null(strstr(t, "bottleneck MVAU_hls_1"));
    free(t);
    cJSON_Delete(r);
    bs_dse_point_free(p);
    bs_dse_free(d);
}

/* A FINN v0.6 HW model (legacy StreamingFCLayer_Batch ops, 200 ns clock):
 * its current folding evaluates to the v0.6 build's reports. */
static void test_legacy_facile(void **s)
{
    (void)s;
    char model[4096], rep[4096];
    snprintf(model, sizeof model, "%s/models/facile_v3_6b_after_step_generate_estimate_reports.onnx", data());
    snprintf(rep, sizeof rep, "%s/finn_build/facile_v3_6b_ultra96_kf7lsu/output_estimates_only", data());
    bs_dse_design *d = load(model, "ultra96", 200.0, 36);
    bs_dse_point *p = bs_dse_point_new(d);
    assert_int_equal(bs_dse_evaluate(d, p), 0);
    cJSON *res = jload(rep, "report/estimate_layer_resources.json"), *perf = jload(rep, "report/estimate_network_performance.json");
    const cJSON *tot = cJSON_GetObjectItem(res, "total");
    assert_true(fabs(p->total[BS_DSE_LUT] - num(tot, "LUT")) < 1e-6);
    assert_true(fabs(p->total[BS_DSE_BRAM] - num(tot, "BRAM_18K")) < 1e-6);
    assert_int_equal(p->max_cycles, (int64_t)num(perf, "max_cycles"));
    assert_int_equal(p->critical_path, (int64_t)num(perf, "critical_path_cycles"));
    assert_string_equal(d->nodes[p->max_node].name, cJSON_GetStringValue(cJSON_GetObjectItem(perf, "max_cycles_node_name")));
    assert_true(fabs(p->latency_ns - num(perf, "estimated_latency_ns")) < 1e-6);
    cJSON_Delete(res);
    cJSON_Delete(perf);
    bs_dse_point_free(p);
    bs_dse_free(d);
}

/* A resource limit: TFC on the iCE40 UP5K runs out of LUTs; the step that
 * stops really exceeds the budget and the reachable fps fits. */
static void test_bottleneck_resource(void **s)
{
    (void)s;
    char model[4096];
    snprintf(model, sizeof model, "%s/finn_oracle/tfc_w2a2_fps/intermediate_models/step_specialize_layers.onnx", data());
    bs_dse_design *d = load(model, "pynq-z2", 10.0, 100000);
    bs_dse_point *p = bs_dse_point_new(d);
    assert_int_equal(bs_dse_setfolding(d, 1000000, p), 0);   /* PE = SIMD = 1 everywhere */
    cJSON *r = NULL;
    assert_int_equal(bs_dse_bottleneck(d, p, &r), 0);
    const cJSON *lim = cJSON_GetObjectItem(r, "limit");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(lim, "kind")), "resource");
    const cJSON *ex = cJSON_GetArrayItem(cJSON_GetObjectItem(lim, "exceeds"), 0);
    assert_non_null(ex);
    assert_true(num(ex, "needed") > num(ex, "budget"));
    assert_true(num(lim, "reachable_fps") > p->fps);
    assert_true(num(lim, "fps_at_step") > num(lim, "reachable_fps"));
    cJSON_Delete(r);
    bs_dse_point_free(p);
    bs_dse_free(d);
    /* on a U250 the device has room, but fully unfolded MVAU_hls_0 (784x64,
     * 331672 LUT) would not fit one SLR (85% of 375000 - 33256 DDR) */
    d = load(model, "u250", 10.0, 100000);
    p = bs_dse_point_new(d);
    assert_int_equal(bs_dse_setfolding(d, 1000000, p), 0);
    assert_int_equal(bs_dse_bottleneck(d, p, &r), 0);
    lim = cJSON_GetObjectItem(r, "limit");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(lim, "kind")), "resource");
    ex = cJSON_GetArrayItem(cJSON_GetObjectItem(lim, "exceeds"), 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(ex, "layer_exceeds_slr")), "MVAU_hls_0");
    assert_true(fabs(num(ex, "budget") - 0.85 * (375000 - 33256)) < 1e-6);
    assert_true(num(ex, "needed") < d->budget[BS_DSE_LUT]);
    cJSON_Delete(r);
    bs_dse_point_free(p);
    bs_dse_free(d);
    /* a configuration already over the budget is said to be */
    d = load(model, "ice40-up5k", 10.0, 100000);
    p = bs_dse_point_new(d);
    assert_int_equal(bs_dse_setfolding(d, 2, p), 0);
    assert_false(p->fits);
    assert_int_equal(bs_dse_bottleneck(d, p, &r), 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "limit"), "kind")), "over-budget");
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(r, "fits")));
    cJSON_Delete(r);
    bs_dse_point_free(p);
    bs_dse_free(d);
}

static void quiet(void *ud, const char *m) { (void)ud; (void)m; }

/* The array SetFolding agrees with lib/transform's graph SetFolding. */
static void test_cnv_matches_graph_setfolding(void **s)
{
    (void)s;
    char *tmp = bs_test_mkdtemp("dse-cnv");
    char path[4096];
    snprintf(path, sizeof path, "%s/cnv.onnx", tmp);
    bs_ir_graph *g;
    assert_int_equal(bs_dse_example_cnv(2, 2, 7, &g), 0);
    assert_int_equal(bs_ir_save(g, path), 0);
    bs_dse_design *d = load(path, "zcu104", 5.0, 36);
    assert_int_equal(d->n, 21);
    bs_dse_point *p = bs_dse_point_new(d);
    for (int k = 0; k < 20; k++) {
        double fps = 50.0 * pow(1.6, k);
        int64_t T = bs_fold_target_cycles(5.0, fps);
        assert_int_equal(bs_dse_setfolding(d, T, p), 0);
        bs_ir_graph *gc;
        assert_int_equal(bs_ir_clone(g, &gc), 0);
        bs_xform_ctx x;
        memset(&x, 0, sizeof x);
        x.g = gc;
        x.fpga_part = d->part;
        x.target_cycles = T;
        x.mvau_wwidth_max = 36;
        x.two_pass_relaxation = true;
        x.warn = quiet;
        assert_int_equal(bs_xform_apply(&x, "SetFolding", NULL), 0);
        int i = 0;
        for (int n = 0; n < gc->nnodes; n++) {
            const bs_ir_node *nd = gc->nodes[n];
            if (!bs_ir_domain_is_fpgadataflow(nd->domain)) continue;
            if (p->c[i].pe >= 0) assert_int_equal(p->c[i].pe, bs_ir_attr_int(nd, "PE", -7));
            if (p->c[i].simd >= 0) assert_int_equal(p->c[i].simd, bs_ir_attr_int(nd, "SIMD", 1));
            if (p->c[i].pw >= 0) assert_int_equal(p->c[i].pw, bs_ir_attr_int(nd, "parallel_window", 0));
            assert_int_equal(p->cycles[i], bs_ir_attr_int(nd, "cycles_estimate", -1));
            i++;
        }
        assert_int_equal(i, d->n);
        bs_ir_free(gc);
    }
    bs_dse_point_free(p);
    bs_dse_free(d);
    bs_ir_free(g);
    bs_test_rmdir(tmp);
}

/* config generate end to end: the written config, built by brainsmith's FINN
 * flow, reports exactly the predicted totals, under the budget. */
static void gen_and_build(const char *plat, double target)
{
    char model[4096];
    snprintf(model, sizeof model, "%s/models/tfc_w2a2_qonnx.onnx", data());
    char *tmp = bs_test_mkdtemp("dse-gen");
    bs_dse_opts o;
    bs_dse_opts_init(&o);
    o.platform = plat;
    bs_dse_design *d = NULL;
    assert_int_equal(bs_dse_load(model, &o, &d), 0);
    assert_string_equal(d->source, "qonnx");
    bs_dse_point *best = bs_dse_point_new(d);
    cJSON *sum = NULL;
    bs_dse_explore_opts eo = {.target_fps = target, .select = true};
    assert_int_equal(bs_dse_explore(d, &eo, best, &sum), 0);
    assert_true(best->fits);
    for (int r = 0; r < BS_DSE_NRES; r++) assert_true(best->total[r] <= d->budget[r] + 1e-9);
    char cdir[4096];
    snprintf(cdir, sizeof cdir, "%s/cfg", tmp);
    assert_int_equal(bs_dse_write_config(d, best, sum, cdir), 0);
    /* build it.  A layer whose hls/rtl variant was chosen needs
     * specialize_layers_config.json, which lib/transform's ApplyConfig does
     * not apply yet (it refuses preferred_impl_style on abstract nodes):
     * then the build check is limited to the folding (see docs/dse.md). */
    char spc[4096];
    snprintf(spc, sizeof spc, "%s/specialize_layers_config.json", cdir);
    bool variants = access(spc, F_OK) == 0;
    char cfgp[4096], outd[4096], mp[4096];
    snprintf(cfgp, sizeof cfgp, "%s/dataflow_build_config.json", cdir);
    snprintf(outd, sizeof outd, "%s/out", tmp);
    snprintf(mp, sizeof mp, "%s/model.onnx", cdir);
    cJSON *cj = jload(cdir, "dataflow_build_config.json");
    cJSON_DeleteItemFromObject(cj, "generate_outputs");
    cJSON *go = cJSON_AddArrayToObject(cj, "generate_outputs");
    cJSON_AddItemToArray(go, cJSON_CreateString("estimate_reports"));
    cJSON *st = cJSON_AddArrayToObject(cj, "steps");
    for (const char *const *sp = bs_flow_estimate_steps(); *sp; sp++) cJSON_AddItemToArray(st, cJSON_CreateString(*sp));
    bs_flow_config cfg;
    assert_int_equal(bs_flow_config_from_json(cj, cfgp, cdir, &cfg), 0);
    cJSON_Delete(cj);
    bs_flow_opts fo;
    memset(&fo, 0, sizeof fo);
    fo.model_path = mp;
    fo.out_dir = outd;
    int rc = bs_flow_build(&cfg, &fo);
    if (rc < 0) print_message("build: %s\n", bs_error_msg());
    assert_int_equal(rc, 0);
    bs_flow_config_free(&cfg);
    cJSON *res = jload(outd, "report/estimate_layer_resources.json");
    const cJSON *tot = cJSON_GetObjectItem(res, "total");
    if (variants) {
        print_message("variants chosen: totals not compared (ApplyConfig of preferred_impl_style)\n");
        cJSON_Delete(res);
        cJSON_Delete(sum);
        bs_dse_point_free(best);
        bs_dse_free(d);
        bs_test_rmdir(tmp);
        return;
    }
    assert_true(fabs(best->total[BS_DSE_LUT] - num(tot, "LUT")) < 1e-6);
    assert_true(fabs(best->total[BS_DSE_BRAM] - num(tot, "BRAM_18K")) < 1e-6);
    assert_true(fabs(best->total[BS_DSE_URAM] - num(tot, "URAM")) < 1e-6);
    assert_true(fabs(best->total[BS_DSE_DSP] - num(tot, "DSP")) < 1e-6);
    cJSON_Delete(res);
    cJSON *perf = jload(outd, "report/estimate_network_performance.json");
    assert_int_equal(best->max_cycles, (int64_t)num(perf, "max_cycles"));
    if (target > 0) assert_true(num(perf, "estimated_throughput_fps") >= target);
    cJSON_Delete(perf);
    cJSON_Delete(sum);
    bs_dse_point_free(best);
    bs_dse_free(d);
    bs_test_rmdir(tmp);
}

static void test_generate_pynq(void **s) { (void)s; gen_and_build("pynq-z2", 0); }
static void test_generate_zcu104_target(void **s) { (void)s; gen_and_build("zcu104", 200000); }
static void test_generate_ice40(void **s) { (void)s; gen_and_build("ice40-up5k", 0); }

/* An unreachable target says so and names what is reachable. */
static void test_unreachable(void **s)
{
    (void)s;
    char model[4096];
    snprintf(model, sizeof model, "%s/finn_oracle/tfc_w2a2_fps/intermediate_models/step_specialize_layers.onnx", data());
    bs_dse_design *d = load(model, "iCE40-UP5K", 10.0, 36);
    bs_dse_point *best = bs_dse_point_new(d);
    cJSON *sum = NULL;
    bs_dse_explore_opts eo = {.target_fps = 1e6, .select = true};
    assert_int_equal(bs_dse_explore(d, &eo, best, &sum), 0);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(sum, "target_reached")));
    const char *m = cJSON_GetStringValue(cJSON_GetObjectItem(sum, "message"));
    assert_non_null(strstr(m, "cannot be reached"));
    assert_non_null(strstr(m, "highest fps that fits"));
    assert_true(best->fits && best->fps < 1e6 && best->fps > 0);
    assert_true(fabs(num(sum, "reachable_fps") - best->fps) < 1e-6);
    cJSON_Delete(sum);
    bs_dse_point_free(best);
    bs_dse_free(d);
}

/* Kernel selection: never worse, cycles unchanged, reasons per layer. */
static void test_select(void **s)
{
    (void)s;
    bs_ir_graph *g;
    char *tmp = bs_test_mkdtemp("dse-sel");
    char path[4096];
    snprintf(path, sizeof path, "%s/cnv.onnx", tmp);
    assert_int_equal(bs_dse_example_cnv(1, 1, 3, &g), 0);
    assert_int_equal(bs_ir_save(g, path), 0);
    bs_ir_free(g);
    bs_dse_design *d = load(path, "pynq-z2", 5.0, 36);
    bs_dse_point *p = bs_dse_point_new(d), *q = bs_dse_point_new(d);
    assert_int_equal(bs_dse_setfolding(d, bs_fold_target_cycles(5.0, 6000), p), 0);
    bs_dse_point_copy(q, p);
    cJSON *why = NULL;
    assert_int_equal(bs_dse_select(d, q, &why), 0);
    double before = num(why, "max_util_of_budget_before"), after = num(why, "max_util_of_budget_after");
    assert_true(after <= before + 1e-12);
    assert_true(after < before);   /* this design is BRAM-heavy with ram_style auto: LUTRAM helps */
    for (int i = 0; i < d->n; i++) assert_int_equal(p->cycles[i], q->cycles[i]);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(why, "layers")), d->n);
    cJSON_Delete(why);
    bs_dse_point_free(p);
    bs_dse_point_free(q);
    bs_dse_free(d);
    bs_test_rmdir(tmp);
}

/* --validate: the selection is built through the orchestrator and the
 * flow's estimate of every layer equals the selection's. */
static void test_validate(void **s)
{
    (void)s;
    const char *exe = getenv("BS_BIN");
    if (!exe || access(exe, X_OK) != 0) { print_message("no BS_BIN: skipping\n"); skip(); }
    char model[4096];
    snprintf(model, sizeof model, "%s/models/tfc_w2a2_qonnx.onnx", data());
    char *tmp = bs_test_mkdtemp("dse-val");
    char home[4200], dir[4200];
    snprintf(home, sizeof home, "%s/home", tmp);
    snprintf(dir, sizeof dir, "%s/sel", tmp);
    bs_workspace *ws;
    assert_int_equal(bs_workspace_open(home, true, &ws), 0);
    bs_dse_design *d = load(model, "zcu104", 10.0, 36);
    bs_dse_point *p = bs_dse_point_new(d);
    assert_int_equal(bs_dse_evaluate(d, p), 0);
    assert_int_equal(bs_dse_select(d, p, NULL), 0);
    bool any = false;
    for (int i = 0; i < d->n; i++) any |= strcmp(p->c[i].ram_style, d->nodes[i].cur.ram_style) != 0;
    assert_true(any);   /* ram_style auto -> distributed on small MVAUs */
    cJSON *v = NULL;
    int rc = bs_dse_validate(ws, d, p, dir, exe, &v);
    if (rc < 0) print_message("validate: %s\n", bs_error_msg());
    assert_int_equal(rc, 0);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(v, "build_ok")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(v, "estimates_match")));
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(v, "tasks")) >= 1);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(v, "layers")), d->n);
    bs_build_info b;
    assert_int_equal(bs_build_get(ws, cJSON_GetStringValue(cJSON_GetObjectItem(v, "build_id")), &b), 0);
    assert_string_equal(b.state, "succeeded");
    bs_build_info_free(&b);
    cJSON_Delete(v);
    bs_dse_point_free(p);
    bs_dse_free(d);
    /* a build directory cannot be rebuilt */
    char bd[4096];
    snprintf(bd, sizeof bd, "%s/finn_oracle/cybsec", data());
    d = load(bd, "pynq-z1", 0, 80);
    p = bs_dse_point_new(d);
    assert_int_equal(bs_dse_validate(ws, d, p, dir, exe, &v), BS_EINVAL);
    bs_dse_point_free(p);
    bs_dse_free(d);
    bs_workspace_close(ws);
    bs_test_rmdir(tmp);
}

/* ---- calibration ---- */

static sqlite3 *tmpdb(char **dir)
{
    *dir = bs_test_mkdtemp("dse-cal");
    char p[4096];
    snprintf(p, sizeof p, "%s/ws.db", *dir);
    sqlite3 *db;
    assert_int_equal(bs_db_open(p, true, &db), 0);
    return db;
}

static const cJSON *group(const cJSON *arr, const char *k, const char *r)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
        if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "kernel")), k) &&
            !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "resource")), r))
            return e;
    return NULL;
}

static void test_calib_hand(void **s)
{
    (void)s;
    char *dir;
    sqlite3 *db = tmpdb(&dir);
    /* measured = 2*estimate + 10 exactly, plus one group with a single point */
    for (int i = 1; i <= 4; i++)
        assert_int_equal(bs_dse_calib_add(db, "MVAU_hls", "Pynq-Z1", BS_DSE_LUT, 100.0 * i, 200.0 * i + 10, NULL, "t"), 0);
    assert_int_equal(bs_dse_calib_add(db, "MVAU_hls", "Pynq-Z1", BS_DSE_BRAM, 4, 5, NULL, "t"), 0);
    assert_true(bs_dse_calib_add(db, "MVAU_hls", "Pynq-Z1", BS_DSE_LUT, -1, 5, NULL, "t") < 0);
    cJSON *f = NULL;
    assert_int_equal(bs_dse_calib_fit(db, NULL, NULL, &f), 0);
    const cJSON *g = group(f, "MVAU_hls", "LUT");
    assert_non_null(g);
    assert_true(fabs(num(g, "a") - 2) < 1e-9 && fabs(num(g, "b") - 10) < 1e-6);
    assert_true(num(g, "rmse") < 1e-6 && num(g, "loo_rmse") < 1e-6);
    /* raw estimate error: measured - estimate = 100 i + 10, i = 1..4 */
    double raw = sqrt((110.0 * 110 + 210.0 * 210 + 310.0 * 310 + 410.0 * 410) / 4);
    assert_true(fabs(num(g, "rmse_raw_estimate") - raw) < 1e-6);
    g = group(f, "MVAU_hls", "BRAM_18K");
    assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(g, "status")), "needs >= 2"));
    cJSON_Delete(f);
    /* applied only when asked */
    char model[4096];
    snprintf(model, sizeof model, "%s/finn_oracle/cybsec/intermediate_models/step_specialize_layers.onnx", data());
    bs_dse_design *d = load(model, "Pynq-Z1", 10.0, 80);
    bs_dse_point *p = bs_dse_point_new(d);
    assert_int_equal(bs_dse_setfolding(d, 100, p), 0);
    double plain = p->total[BS_DSE_LUT], raw0 = p->cost[0].lut;
    assert_int_equal(bs_dse_calib_apply(d, db), 0);
    assert_true(d->calibrated);
    assert_int_equal(bs_dse_evaluate(d, p), 0);
    assert_true(fabs(p->res[0][BS_DSE_LUT] - (2 * raw0 + 10)) < 1e-6);
    assert_true(p->total[BS_DSE_LUT] > plain);
    assert_true(fabs(p->cost[0].lut - raw0) < 1e-9);   /* FINN's number kept next to it */
    cJSON *pj = bs_dse_point_json(d, p);
    assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(pj, "estimates")), "calibrated"));
    cJSON_Delete(pj);
    bs_dse_point_free(p);
    bs_dse_free(d);
    bs_db_close(db);
    bs_test_rmdir(dir);
}

/* Real pairs: FINN v0.5b CNV-w4a4 estimates vs Vivado HLS 2020.1 synthesis of
 * the same layers (shared data); the fit is checked against closed-form OLS. */
static void test_calib_real(void **s)
{
    (void)s;
    char e[4096], m[4096];
    snprintf(e, sizeof e, "%s/finn_build/cnv_w4a4_pynqz1_pgreksic/output_estimates_only/report/estimate_layer_resources.json", data());
    snprintf(m, sizeof m, "%s/finn_build/cnv_w4a4_pynqz1_pgreksic/output_ipstitch_ooc_rtlsim/report/estimate_layer_resources_hls.json",
             data());
    char *dir;
    sqlite3 *db = tmpdb(&dir);
    int added = 0;
    assert_int_equal(bs_dse_calib_add_files(db, e, m, "Pynq-Z1", "hls", &added), 0);
    assert_true(added > 20);
    cJSON *f = NULL;
    assert_int_equal(bs_dse_calib_fit(db, "StreamingFCLayer_Batch", "Pynq-Z1", &f), 0);
    const cJSON *g = group(f, "StreamingFCLayer_Batch", "LUT");
    assert_non_null(g);
    /* closed form from the two files */
    cJSON *ej = NULL, *mj = NULL;
    assert_int_equal(bs_json_load_file(e, &ej), 0);
    assert_int_equal(bs_json_load_file(m, &mj), 0);
    double se = 0, sm = 0, see = 0, sem = 0;
    int n = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, mj) {
        if (strncmp(x->string, "StreamingFCLayer_Batch_", 23)) continue;
        double ev = cJSON_GetObjectItem(cJSON_GetObjectItem(ej, x->string), "LUT")->valuedouble;
        double mv = strtod(cJSON_GetStringValue(cJSON_GetObjectItem(x, "LUT")), NULL);
        se += ev; sm += mv; see += ev * ev; sem += ev * mv;
        n++;
    }
    assert_int_equal((int)num(g, "n"), n);
    double a = (sem / n - se / n * sm / n) / (see / n - se / n * se / n);
    assert_true(fabs(num(g, "a") - a) < 1e-9 * fabs(a) + 1e-12);
    assert_true(num(g, "rmse") <= num(g, "rmse_raw_estimate") + 1e-9);   /* LSQ never worse than identity */
    cJSON_Delete(ej);
    cJSON_Delete(mj);
    cJSON_Delete(f);
    cJSON *sh = NULL;
    assert_int_equal(bs_dse_calib_show(db, &sh), 0);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(sh, "fits")) >= 1);
    cJSON_Delete(sh);
    /* names that do not match are an error, nothing stored */
    assert_true(bs_dse_calib_add_files(db, e, m, "Pynq-Z1", "hls", &added) == 0);
    bs_db_close(db);
    bs_test_rmdir(dir);
}

/* Multi-SLR parts: a layer must fit one SLR (FINN floorplans layers onto
 * SLRs), not just the device total. */
static void test_slr(void **s)
{
    (void)s;
    char *tmp = bs_test_mkdtemp("dse-slr");
    char pf[4096], model[4096];
    snprintf(pf, sizeof pf, "%s/platforms.json", tmp);
    const char *txt = "{\"platforms\": [{\"name\": \"Tiny3SLR\", \"part\": \"xcu250-figd2104-2L-e\", \"family\": \"alveo\","
                      " \"clk_ns\": 10.0, \"slr\": [{\"LUT\": 3000, \"FF\": 6000, \"BRAM_18K\": 40, \"URAM\": 0, \"DSP\": 20},"
                      " {\"LUT\": 3000, \"FF\": 6000, \"BRAM_18K\": 40, \"URAM\": 0, \"DSP\": 20},"
                      " {\"LUT\": 3000, \"FF\": 6000, \"BRAM_18K\": 40, \"URAM\": 0, \"DSP\": 20}]}]}";
    assert_int_equal(bs_write_file_atomic(pf, txt, strlen(txt)), 0);
    assert_int_equal(bs_platforms_load_file(pf), 0);
    snprintf(model, sizeof model, "%s/finn_oracle/tfc_w2a2_fps/intermediate_models/step_specialize_layers.onnx", data());
    bs_dse_design *d = load(model, "tiny3slr", 10.0, 36);
    assert_true(fabs(d->slr_budget[BS_DSE_LUT] - 2550) < 1e-9);
    assert_true(fabs(d->budget[BS_DSE_LUT] - 7650) < 1e-9);
    bs_dse_point *p = bs_dse_point_new(d);
    bool seen = false;
    for (int64_t T = 2000; T > 10 && !seen; T = T * 3 / 4) {
        assert_int_equal(bs_dse_setfolding(d, T, p), 0);
        double mx = 0;
        for (int i = 0; i < d->n; i++) mx = fmax(mx, p->res[i][BS_DSE_LUT]);
        if (mx > 2550 && p->total[BS_DSE_LUT] <= 7650 && p->total[BS_DSE_BRAM] <= d->budget[BS_DSE_BRAM]) {
            assert_false(p->fits);
            assert_int_equal(p->slr_res, BS_DSE_LUT);
            seen = true;
        } else if (mx <= 2550) {
            assert_int_equal(p->slr_node, -1);
        }
    }
    assert_true(seen);
    bs_dse_point_free(p);
    bs_dse_free(d);
    bs_platforms_reset_user();
    bs_test_rmdir(tmp);
}

static void test_refusals(void **s)
{
    (void)s;
    char model[4096];
    snprintf(model, sizeof model, "%s/finn_oracle/cybsec/intermediate_models/step_specialize_layers.onnx", data());
    bs_dse_opts o;
    bs_dse_opts_init(&o);
    bs_dse_design *d = NULL;
    o.platform = "no-such-board";
    assert_int_equal(bs_dse_load(model, &o, &d), BS_ENOTFOUND);
    assert_non_null(strstr(bs_error_msg(), "no-such-board"));
    o.platform = "pynq-z2";
    o.max_util = 1.5;
    assert_int_equal(bs_dse_load(model, &o, &d), BS_EINVAL);
    o.max_util = 0.85;
    assert_true(bs_dse_load("/nonexistent/model.onnx", &o, &d) < 0);
    assert_non_null(strstr(bs_error_msg(), "/nonexistent/model.onnx"));
    /* the dataflow parent has no HW layers of its own */
    snprintf(model, sizeof model, "%s/finn_oracle/cybsec/intermediate_models/dataflow_parent.onnx", data());
    assert_true(bs_dse_load(model, &o, &d) < 0);
    assert_null(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oracle_cybsec),
        cmocka_unit_test(test_oracle_tfc),
        cmocka_unit_test(test_build_dir),
        cmocka_unit_test(test_legacy_facile),
        cmocka_unit_test(test_bottleneck_resource),
        cmocka_unit_test(test_cnv_matches_graph_setfolding),
        cmocka_unit_test(test_generate_pynq),
        cmocka_unit_test(test_generate_zcu104_target),
        cmocka_unit_test(test_generate_ice40),
        cmocka_unit_test(test_unreachable),
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_calib_hand),
        cmocka_unit_test(test_calib_real),
        cmocka_unit_test(test_slr),
        cmocka_unit_test(test_refusals),
    };
    if (!bs_test_shared_data()) return 77;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
