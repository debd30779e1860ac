/* test_oracle.c - replays the node attributes of FINN's own intermediate
 * models (dumped at test time by tests/tools/dump_hw_attrs.py with Debian's
 * /usr/bin/python3) through the kernel cost models and rebuilds FINN's
 * estimate_layer_cycles.json, estimate_layer_resources.json,
 * estimate_layer_config_alternatives.json and estimate_network_performance.json
 * byte for byte: the shared finn_oracle builds (FINN dev 2025), the real
 * cybsec_mlp_dac2026 build, and the FINN ~v0.6 facile build (legacy op names,
 * v0.6 LUT model).  SKIPs without the shared data or without python onnx. */
#include "test_util.h"
#include <math.h>
#include <sys/stat.h>
#include "brainsmith/error.h"
#include "brainsmith/json.h"
#include "brainsmith/kernels.h"
#include "brainsmith/proc.h"

typedef struct ocase {
    const char *name, *model, *reports, *part;
    double clk_ns;
} ocase;

static const ocase cases[] = {
    {"cybsec", "finn_oracle/cybsec/intermediate_models/step_generate_estimate_reports.onnx",
     "finn_oracle/cybsec/report", "xc7z020clg400-1", 10.0},
    {"cybsec_dac2026", "finn_oracle/cybsec/intermediate_models/step_generate_estimate_reports.onnx",
     "finn_build/cybsec_mlp_dac2026/report", "xc7z020clg400-1", 10.0},
    {"tfc_w2a2_fps", "finn_oracle/tfc_w2a2_fps/intermediate_models/step_generate_estimate_reports.onnx",
     "finn_oracle/tfc_w2a2_fps/report", "xc7z020clg400-1", 10.0},
    {"tfc_w2a2_fold", "finn_oracle/tfc_w2a2_fold/intermediate_models/step_generate_estimate_reports.onnx",
     "finn_oracle/tfc_w2a2_fold/report", "xc7z020clg400-1", 10.0},
    {"facile_v06", "models/facile_v3_6b_after_step_generate_estimate_reports.onnx",
     "finn_build/facile_v3_6b_ultra96_kf7lsu/output_estimates_only/report", "xczu3eg-sbva484-1-e", 200.0},
};

static const char *shared;
static char dumpdir[1024];

static int group_setup(void **st) {
    shared = bs_test_shared_data();
    const char *bd = getenv("BS_BINARY_DIR");
    snprintf(dumpdir, sizeof dumpdir, "%s/kernels_oracle", bd ? bd : "/tmp");
    bs_mkdir_p(dumpdir);
    return 0;
}

/* Dumps the model's nodes; returns the parsed JSON, or NULL after skip(). */
static cJSON *dump(const ocase *c) {
    char model[1024], out[1200], script[1024];
    snprintf(model, sizeof model, "%s/%s", shared, c->model);
    snprintf(out, sizeof out, "%s/%s.json", dumpdir, c->name);
    const char *src = getenv("BS_SOURCE_DIR");
    snprintf(script, sizeof script, "%s/tests/tools/dump_hw_attrs.py", src ? src : ".");
    const char *argv[] = {"/usr/bin/python3", script, model, out, NULL};
    char *txt = NULL;
    size_t len = 0;
    bs_exit ex;
    if (access("/usr/bin/python3", X_OK) != 0) return NULL;
    assert_int_equal(bs_run_capture(argv, NULL, true, 120000, &txt, &len, &ex), 0);
    if (ex.exited && ex.code == 77) { free(txt); return NULL; }
    if (!ex.exited || ex.code != 0) fprintf(stderr, "%s", txt ? txt : "");
    free(txt);
    assert_true(ex.exited && ex.code == 0);
    cJSON *j = NULL;
    assert_int_equal(bs_json_load_file(out, &j), 0);
    return j;
}

static cJSON *num(double v, bool pyfloat) {
    return pyfloat ? bs_json_py_float(v) : cJSON_CreateNumber(v);
}

static cJSON *res_obj(const bs_kcost *c) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "BRAM_18K", num(c->bram18, c->pyfloat & BS_KC_BRAM));
    cJSON_AddItemToObject(o, "BRAM_efficiency", num(c->bram_eff, c->pyfloat & BS_KC_BRAM_EFF));
    cJSON_AddItemToObject(o, "LUT", num(c->lut, c->pyfloat & BS_KC_LUT));
    cJSON_AddItemToObject(o, "URAM", num(c->uram, c->pyfloat & BS_KC_URAM));
    cJSON_AddItemToObject(o, "URAM_efficiency", num(c->uram_eff, c->pyfloat & BS_KC_URAM_EFF));
    cJSON_AddItemToObject(o, "DSP", num(c->dsp, c->pyfloat & BS_KC_DSP));
    return o;
}

/* Compares our rendering with FINN's file byte for byte. */
static void same_as_file(const ocase *c, const char *report, const cJSON *ours) {
    char path[1200];
    snprintf(path, sizeof path, "%s/%s/%s", shared, c->reports, report);
    char *want = NULL;
    size_t wl = 0;
    assert_int_equal(bs_read_file(path, &want, &wl), 0);
    char *got = bs_json_print_py(ours, 2);
    assert_non_null(got);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "%s: %s differs\n--- ours\n%s\n--- FINN\n%s\n", c->name, report, got, want);
    assert_string_equal(got, want);
    free(got);
    free(want);
}

static void run_case(void **st) {
    const ocase *c = *st;
    if (!shared) skip();
    cJSON *dumpj = dump(c);
    if (!dumpj) skip();
    cJSON *cycles = cJSON_CreateObject(), *res = cJSON_CreateObject(), *alts = cJSON_CreateObject();
    cJSON *opc = cJSON_CreateObject();
    struct { char key[40]; double sum; } tk[32];
    int ntk = 0;
    double tot[4] = {0, 0, 0, 0};
    /* network performance over the node graph (graph order is topological) */
    int64_t maxc = 0, crit = 0, lat[256];
    const char *maxname = NULL;
    int idx = 0;
    const cJSON *nodes = cJSON_GetObjectItem(dumpj, "nodes"), *nd;
    cJSON_ArrayForEach(nd, nodes) {
        const char *op = cJSON_GetObjectItem(nd, "op_type")->valuestring;
        const char *name = cJSON_GetObjectItem(nd, "name")->valuestring;
        const char *dom = cJSON_GetObjectItem(nd, "domain")->valuestring;
        const cJSON *attrs = cJSON_GetObjectItem(nd, "attrs");
        const cJSON *be = cJSON_GetObjectItem(attrs, "backend");
        const bs_kernel *k = bs_kernel_find(op);
        bool legacy = k && k->legacy_of;
        size_t dl = strlen(dom);
        bool hw = be && !strcmp(be->valuestring, "fpgadataflow") &&
                  (legacy || (dl > 4 && (!strcmp(dom + dl - 4, ".hls") || !strcmp(dom + dl - 4, ".rtl"))));
        lat[idx] = 0;
        if (!hw) { idx++; continue; }
        assert_non_null(k);
        bs_kattr_src src;
        bs_kattr_json js;
        bs_kattr_src_json(&src, &js, attrs);
        bs_knode n;
        int rc = bs_knode_load(&n, k, &src, name, BS_FINN_AUTO);
        if (rc) fprintf(stderr, "%s\n", bs_error_msg());
        assert_int_equal(rc, 0);
        bs_kcost kc;
        rc = bs_knode_estimate(&n, c->part, &kc);
        if (rc) fprintf(stderr, "%s\n", bs_error_msg());
        assert_int_equal(rc, 0);
        cJSON_AddNumberToObject(cycles, name, (double)kc.cycles);
        cJSON_AddItemToObject(res, name, res_obj(&kc));
        tot[0] += kc.bram18; tot[1] += kc.lut; tot[2] += kc.uram; tot[3] += kc.dsp;
        bs_kcost alt[3];
        const char *lab[3];
        int na;
        assert_int_equal(bs_knode_alternatives(&n, c->part, alt, lab, &na), 0);
        cJSON *arr = cJSON_CreateArray();
        for (int i = 0; i < na; i++) cJSON_AddItemToArray(arr, res_obj(&alt[i]));
        cJSON_AddItemToObject(alts, name, arr);
        bs_kcount kc4[4];
        int nk;
        assert_int_equal(bs_knode_op_param_counts(&n, kc4, &nk), 0);
        cJSON *co = cJSON_CreateObject();
        for (int i = 0; i < nk; i++) {
            cJSON_AddNumberToObject(co, kc4[i].key, (double)kc4[i].value);
            int t = 0;                          /* FINN: float sums in first-seen key order */
            while (t < ntk && strcmp(tk[t].key, kc4[i].key)) t++;
            if (t == ntk) { snprintf(tk[ntk].key, sizeof tk[ntk].key, "%s", kc4[i].key); tk[ntk++].sum = 0; }
            tk[t].sum += (double)kc4[i].value;
        }
        cJSON_AddItemToObject(opc, name, co);
        /* latency: own cycles + max over direct predecessors (matched by tensor name) */
        int64_t pred = 0;
        const cJSON *in, *pn;
        cJSON_ArrayForEach(in, cJSON_GetObjectItem(nd, "inputs")) {
            int j = 0;
            cJSON_ArrayForEach(pn, nodes) {
                if (j >= idx) break;
                const cJSON *o;
                cJSON_ArrayForEach(o, cJSON_GetObjectItem(pn, "outputs"))
                    if (!strcmp(o->valuestring, in->valuestring) && lat[j] > pred) pred = lat[j];
                j++;
            }
        }
        lat[idx] = kc.cycles + pred;
        if (lat[idx] > crit) crit = lat[idx];
        if (!maxname || kc.cycles > maxc) { maxc = kc.cycles; maxname = name; }
        idx++;
        assert_true(idx < 256);
    }
    cJSON *t = cJSON_CreateObject();
    cJSON_AddItemToObject(t, "BRAM_18K", bs_json_py_float(tot[0]));
    cJSON_AddItemToObject(t, "LUT", bs_json_py_float(tot[1]));
    cJSON_AddItemToObject(t, "URAM", bs_json_py_float(tot[2]));
    cJSON_AddItemToObject(t, "DSP", bs_json_py_float(tot[3]));
    cJSON_AddItemToObject(res, "total", t);
    same_as_file(c, "estimate_layer_cycles.json", cycles);
    same_as_file(c, "estimate_layer_resources.json", res);
    same_as_file(c, "estimate_layer_config_alternatives.json", alts);
    cJSON *perf = cJSON_CreateObject();
    cJSON_AddNumberToObject(perf, "critical_path_cycles", (double)crit);
    cJSON_AddNumberToObject(perf, "max_cycles", (double)maxc);
    cJSON_AddStringToObject(perf, "max_cycles_node_name", maxname);
    cJSON_AddItemToObject(perf, "estimated_throughput_fps", bs_json_py_float((1e9 / c->clk_ns) / (double)maxc));
    cJSON_AddItemToObject(perf, "estimated_latency_ns", bs_json_py_float((double)crit * c->clk_ns));
    same_as_file(c, "estimate_network_performance.json", perf);
    cJSON *tot2 = cJSON_CreateObject();
    for (int q = 0; q < ntk; q++) cJSON_AddItemToObject(tot2, tk[q].key, bs_json_py_float(tk[q].sum));
    cJSON_AddItemToObject(opc, "total", tot2);
    same_as_file(c, "op_and_param_counts.json", opc);
    cJSON_Delete(opc);
    cJSON_Delete(cycles);
    cJSON_Delete(res);
    cJSON_Delete(alts);
    cJSON_Delete(perf);
    cJSON_Delete(dumpj);
}

/* ---- SetFolding: FINN's auto_folding_config.json from the unfolded model ---- */
typedef struct fcase {
    const char *name, *model, *config;
    double clk_ns, fps;
    int64_t wmax;
} fcase;

static const fcase fcases[] = {
    {"fold_cybsec", "finn_oracle/cybsec/intermediate_models/step_specialize_layers.onnx",
     "finn_oracle/cybsec/auto_folding_config.json", 10.0, 1e6, 80},
    {"fold_cybsec_dac2026", "finn_oracle/cybsec/intermediate_models/step_specialize_layers.onnx",
     "finn_build/cybsec_mlp_dac2026/auto_folding_config.json", 10.0, 1e6, 80},
    {"fold_tfc_w2a2_fps", "finn_oracle/tfc_w2a2_fps/intermediate_models/step_specialize_layers.onnx",
     "finn_oracle/tfc_w2a2_fps/auto_folding_config.json", 10.0, 1e5, 36},
};

/* One pass of the driver described in kernels.h over a linear node list. */
static int64_t fold_pass(bs_knode *nodes, int nn, int64_t target, int64_t wmax) {
    for (int i = 0; i < nn; i++) {
        bs_fold_result r;
        if (bs_fold_node(&nodes[i], target, wmax, &r) < 0) continue;
        assert_int_equal(r.set_producer_simd, 0);     /* no depthwise ops in these MLPs */
    }
    int64_t mx = 0;
    for (int i = 0; i < nn; i++) {
        int64_t c;
        assert_int_equal(bs_knode_cycles(&nodes[i], &c), 0);
        if (c > mx) mx = c;
    }
    return mx;
}

static void run_fold(void **st) {
    const fcase *f = *st;
    if (!shared) skip();
    ocase oc = {f->name, f->model, NULL, NULL, 0};
    cJSON *dumpj = dump(&oc);
    if (!dumpj) skip();
    bs_knode nodes[64];
    char names[64][64];
    int nn = 0;
    const cJSON *nd;
    cJSON_ArrayForEach(nd, cJSON_GetObjectItem(dumpj, "nodes")) {
        const char *op = cJSON_GetObjectItem(nd, "op_type")->valuestring;
        const bs_kernel *k = bs_kernel_find(op);
        assert_non_null(k);
        int same = 0;                                   /* GiveUniqueNodeNames: <op>_<k> */
        for (int i = 0; i < nn; i++) same += !strcmp(nodes[i].k->op_type, op);
        snprintf(names[nn], sizeof names[nn], "%s_%d", op, same);
        bs_kattr_src src;
        bs_kattr_json js;
        bs_kattr_src_json(&src, &js, cJSON_GetObjectItem(nd, "attrs"));
        assert_int_equal(bs_knode_load(&nodes[nn], k, &src, names[nn], BS_FINN_AUTO), 0);
        nn++;
        assert_true(nn < 64);
    }
    int64_t target = bs_fold_target_cycles(f->clk_ns, f->fps);
    int64_t mx = fold_pass(nodes, nn, target, f->wmax);
    if (mx > target) fold_pass(nodes, nn, mx, f->wmax);   /* two-pass relaxation */
    /* extract_model_config_to_json with step_target_fps_parallelization's attributes */
    static const char *const keys[] = {"PE", "SIMD", "parallel_window", "ram_style", "resType", "mem_mode",
                                       "runtime_writeable_weights", "depth_trigger_uram", "depth_trigger_bram"};
    cJSON *cfg = cJSON_CreateObject();
    cJSON_AddItemToObject(cfg, "Defaults", cJSON_CreateObject());
    for (int i = 0; i < nn; i++) {
        cJSON *o = cJSON_CreateObject();
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            const bs_kattr_def *d = bs_kernel_attr(nodes[i].k, keys[k]);
            if (!d) continue;
            int64_t v;
            if (d->type == BS_KA_INT) {
                assert_int_equal(bs_knode_get_int(&nodes[i], keys[k], &v), 0);
                cJSON_AddNumberToObject(o, keys[k], (double)v);
            } else {
                cJSON_AddStringToObject(o, keys[k], bs_knode_get_str(&nodes[i], keys[k]));
            }
        }
        cJSON_AddItemToObject(cfg, names[i], o);
    }
    char path[1200], *want = NULL;
    size_t wl;
    snprintf(path, sizeof path, "%s/%s", shared, f->config);
    assert_int_equal(bs_read_file(path, &want, &wl), 0);
    char *got = bs_json_print_py(cfg, 2);
    if (strcmp(got, want)) fprintf(stderr, "%s differs\n--- ours\n%s\n--- FINN\n%s\n", f->name, got, want);
    assert_string_equal(got, want);
    free(got);
    free(want);
    cJSON_Delete(cfg);
    cJSON_Delete(dumpj);
}

/* ---- SpecializeLayers: op types of step_specialize_layers from step_convert_to_hw ---- */
static const char *const spec_builds[] = {"cybsec", "tfc_w2a2_fps", "tfc_w2a2_fold"};
static const char *const spec_names[] = {"specialize_cybsec", "specialize_tfc_w2a2_fps", "specialize_tfc_w2a2_fold"};

static void run_specialize(void **st) {
    const char *b = *st;
    if (!shared) skip();
    char m1[256], m2[256], n1[64], n2[64];
    snprintf(m1, sizeof m1, "finn_oracle/%s/intermediate_models/step_convert_to_hw.onnx", b);
    snprintf(m2, sizeof m2, "finn_oracle/%s/intermediate_models/step_specialize_layers.onnx", b);
    snprintf(n1, sizeof n1, "spec_in_%s", b);
    snprintf(n2, sizeof n2, "spec_out_%s", b);
    ocase c1 = {n1, m1, NULL, NULL, 0}, c2 = {n2, m2, NULL, NULL, 0};
    cJSON *in = dump(&c1), *out = dump(&c2);
    if (!in || !out) skip();
    const cJSON *outn = cJSON_GetObjectItem(out, "nodes")->child, *nd;
    int count = 0;
    cJSON_ArrayForEach(nd, cJSON_GetObjectItem(in, "nodes")) {
        if (strcmp(cJSON_GetObjectItem(nd, "domain")->valuestring, "finn.custom_op.fpgadataflow")) continue;
        const cJSON *attrs = cJSON_GetObjectItem(nd, "attrs"), *pref = cJSON_GetObjectItem(attrs, "preferred_impl_style");
        const bs_kernel *k = bs_kernel_find(cJSON_GetObjectItem(nd, "op_type")->valuestring);
        assert_non_null(k);
        bs_kattr_src src;
        bs_kattr_json js;
        bs_kattr_src_json(&src, &js, attrs);
        bs_knode n;
        assert_int_equal(bs_knode_load(&n, k, &src, "x", BS_FINN_AUTO), 0);
        const bs_kernel *sk;
        bool fb;
        assert_int_equal(bs_kernel_specialize(&n, pref ? pref->valuestring : "", "xc7z020clg400-1", NAN, &sk, &fb), 0);
        assert_non_null(outn);
        assert_string_equal(sk->op_type, cJSON_GetObjectItem(outn, "op_type")->valuestring);
        outn = outn->next;
        count++;
    }
    assert_null(outn);
    assert_true(count >= 4);
    cJSON_Delete(in);
    cJSON_Delete(out);
}

/* SKIP (77) when the shared data or Debian's python with onnx is missing. */
static bool have_inputs(void) {
    if (!bs_test_shared_data()) {
        fprintf(stderr, "kernels_oracle: SKIP: no shared data (BS_SHARED_DATA)\n");
        return false;
    }
    const char *argv[] = {"/usr/bin/python3", "-c", "import onnx", NULL};
    char *out = NULL;
    size_t len = 0;
    bs_exit ex;
    int rc = access("/usr/bin/python3", X_OK) == 0 ? bs_run_capture(argv, NULL, true, 60000, &out, &len, &ex) : -1;
    free(out);
    if (rc != 0 || !ex.exited || ex.code != 0) {
        fprintf(stderr, "kernels_oracle: SKIP: /usr/bin/python3 cannot import onnx\n");
        return false;
    }
    return true;
}

int main(void) {
    if (!have_inputs()) return 77;
    enum { NC = sizeof cases / sizeof cases[0], NF = sizeof fcases / sizeof fcases[0],
           NS = sizeof spec_builds / sizeof spec_builds[0] };
    struct CMUnitTest tests[NC + NF + NS];
    for (size_t i = 0; i < NS; i++) {
        struct CMUnitTest t = {spec_names[i], run_specialize, NULL, NULL, (void *)spec_builds[i]};
        tests[NC + NF + i] = t;
    }
    for (size_t i = 0; i < NC; i++) {
        struct CMUnitTest t = {cases[i].name, run_case, NULL, NULL, (void *)&cases[i]};
        tests[i] = t;
    }
    for (size_t i = 0; i < NF; i++) {
        struct CMUnitTest t = {fcases[i].name, run_fold, NULL, NULL, (void *)&fcases[i]};
        tests[NC + i] = t;
    }
    return _cmocka_run_group_tests("kernels_oracle", tests, NC + NF + NS, group_setup, NULL);
}
