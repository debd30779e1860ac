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
    cJSON_Delete(cycles);
    cJSON_Delete(res);
    cJSON_Delete(alts);
    cJSON_Delete(perf);
    cJSON_Delete(dumpj);
}

int main(void) {
    struct CMUnitTest tests[sizeof cases / sizeof cases[0]];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct CMUnitTest t = {cases[i].name, run_case, NULL, NULL, (void *)&cases[i]};
        tests[i] = t;
    }
    return _cmocka_run_group_tests("kernels_oracle", tests, sizeof cases / sizeof cases[0],
                                   group_setup, NULL);
}
