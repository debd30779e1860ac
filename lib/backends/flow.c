/* flow.c - the backend flow on one design (emit, Verilator build + run
 * checked against the golden model, Yosys, iCE40 P&R, FINN reports) and
 * the demo network used by `brainsmith rtl demo`. */
#include "be_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brainsmith/error.h"
#include "brainsmith/json.h"
#include "brainsmith/log.h"
#include "brainsmith/util.h"

static int write_pnr_report(const char *path, const bs_pnr_result *p, bs_synth_target t)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "device", bs_synth_target_name(t));
    cJSON_AddItemToObject(j, "fmax_mhz", bs_json_py_float(p->fmax_mhz));
    cJSON_AddItemToObject(j, "icetime_mhz", bs_json_py_float(p->icetime_mhz));
    cJSON_AddItemToObject(j, "target_mhz", bs_json_py_float(p->target_mhz));
    cJSON_AddBoolToObject(j, "timing_met", p->timing_met);
    cJSON *u = cJSON_AddObjectToObject(j, "utilization");
    struct { const char *k; int64_t used, avail; } us[] = {
        {"LC", p->lc_used, p->lc_avail}, {"RAM", p->ram_used, p->ram_avail}, {"DSP", p->dsp_used, p->dsp_avail}};
    for (size_t i = 0; i < 3; i++) {
        cJSON *o = cJSON_AddObjectToObject(u, us[i].k);
        cJSON_AddNumberToObject(o, "used", (double)us[i].used);
        cJSON_AddNumberToObject(o, "available", (double)us[i].avail);
    }
    cJSON_AddStringToObject(j, "bitstream", p->bin);
    cJSON_AddNumberToObject(j, "bitstream_bytes", (double)p->bin_bytes);
    char *txt = bs_json_print_py(j, 2);
    cJSON_Delete(j);
    if (!txt) return bs_error_set(BS_ENOMEM, "%s", path);
    int rc = bs_write_file_atomic(path, txt, strlen(txt));
    free(txt);
    return rc;
}

int bs_hw_flow_run(bs_rtl_design *d, const int64_t *const *in, const char *outdir, const bs_hw_flow_opts *o,
                   bs_hw_flow_result *r)
{
    memset(r, 0, sizeof *r);
    r->bp_mismatches = -1;
    int64_t nf = o->nframes >= 2 ? o->nframes : 2;
    int rc;
    if (o->size_fifos && (rc = bs_rtl_size_fifos(d, nf, &r->fifo)) < 0) return rc;
    char path[700];
    if ((rc = bs_mkdir_p(outdir)) < 0) return rc;
    snprintf(path, sizeof path, "%s/final_hw_config.json", outdir);
    if ((rc = bs_rtl_write_hw_config(d, path)) < 0) return rc;
    bs_vl_model m;
    if ((rc = bs_vl_build(&d, 1, outdir, o->cache_dir, &m)) < 0) return rc;
    r->t_build = m.build_s;
    int64_t *exp = malloc(sizeof *exp * (size_t)(nf * bs_rtl_stream_elems(&d->out.s)));
    if (!exp) return bs_error_set(BS_ENOMEM, "golden outputs");
    rc = bs_rtl_design_golden(d, in, nf, exp);
    if (rc == 0) rc = bs_vl_write_data(&m, 0, d, in, exp, nf);
    free(exp);
    if (rc < 0) return rc;
    int64_t maxc = nf * (bs_rtl_design_max_cycles(d, NULL) + 64) * 20 + 100000;
    if (o->backpressure) {
        bs_vl_run_opts bp = {25, 40, 1, maxc, 100};
        bs_vl_result br;
        if ((rc = bs_vl_run(&m, &bp, &br, NULL)) < 0) return rc;
        r->bp_mismatches = br.mismatches;
        if (br.mismatches || br.extra_beats || br.timeout || br.out_beats != br.expected_beats)
            return bs_error_set(BS_EVERIFY, "%s: rtlsim with back-pressure differs from the golden model: "
                                "%lld/%lld beats, %lld mismatches (first at beat %lld), %lld extra%s", d->name,
                                (long long)br.out_beats, (long long)br.expected_beats, (long long)br.mismatches,
                                (long long)br.first_mismatch, (long long)br.extra_beats, br.timeout ? ", timeout" : "");
    }
    bs_vl_run_opts full = {0, 0, 1, maxc, 32};
    int64_t t0 = bs_now_mono_ms();
    if ((rc = bs_vl_run(&m, &full, &r->sim, NULL)) < 0) return rc;
    r->t_sim = (double)(bs_now_mono_ms() - t0) / 1000.0;
    const bs_vl_result *s = &r->sim;
    if (s->mismatches || s->extra_beats || s->timeout || s->out_beats != s->expected_beats)
        return bs_error_set(BS_EVERIFY, "%s: rtlsim differs from the golden model: %lld/%lld beats, %lld mismatches "
                            "(first at beat %lld), %lld extra%s", d->name, (long long)s->out_beats,
                            (long long)s->expected_beats, (long long)s->mismatches, (long long)s->first_mismatch,
                            (long long)s->extra_beats, s->timeout ? ", timeout" : "");
    r->est_cycles = bs_rtl_design_max_cycles(d, NULL);
    r->interval = (double)(s->cycles - s->latency_cycles) / (double)(nf - 1);
    snprintf(path, sizeof path, "%s/report/rtlsim_performance.json", outdir);
    if ((rc = bs_report_rtlsim_performance(path, s, o->clk_ns > 0 ? o->clk_ns : 10.0)) < 0) return rc;
    /* per-layer stalls from the cycle model, trusted only when it agrees */
    bs_rtl_fifosim fs;
    if ((rc = bs_rtl_fifosim_run(d, nf, &fs)) < 0) return rc;
    r->model_agrees = fs.cycles == s->cycles && fs.latency == s->latency_cycles;
    if (r->model_agrees) {
        cJSON *j = cJSON_CreateObject();
        for (size_t i = 0; i < d->n_nodes; i++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "backpressure_cycles", (double)fs.stall_out[i]);
            cJSON_AddNumberToObject(e, "input_starved_cycles", (double)fs.starve_in[i]);
            if (fs.max_occ[i] >= 0) cJSON_AddNumberToObject(e, "maxcount", (double)fs.max_occ[i]);
            cJSON_AddItemToObject(j, d->nodes[i].name, e);
        }
        char *txt = bs_json_print_py(j, 2);
        cJSON_Delete(j);
        snprintf(path, sizeof path, "%s/report/rtlsim_layer_stalls.json", outdir);
        rc = txt ? bs_write_file_atomic(path, txt, strlen(txt)) : bs_error_set(BS_ENOMEM, "stalls");
        free(txt);
    } else {
        bs_log(BS_LOG_WARN, "%s: cycle model (%lld cycles) disagrees with Verilator (%lld); no stall report",
               d->name, (long long)fs.cycles, (long long)s->cycles);
    }
    bs_rtl_fifosim_free(&fs);
    if (rc < 0) return rc;
    char sd[700];
    snprintf(sd, sizeof sd, "%s/synth", outdir);
    if (o->synth_xc7) {
        if ((rc = bs_yosys_synth(d, m.srcdir, BS_SYNTH_XC7, sd, &r->xc7)) < 0) return rc;
        r->t_xc7 = r->xc7.seconds;
    }
    if (o->synth_xcup) {
        if ((rc = bs_yosys_synth(d, m.srcdir, BS_SYNTH_XCUP, sd, &r->xcup)) < 0) return rc;
        r->t_xcup = r->xcup.seconds;
    }
    if (o->synth_xc7 || o->synth_xcup) {
        snprintf(path, sizeof path, "%s/report/post_synth_resources.json", outdir);
        if ((rc = bs_report_post_synth(path, o->synth_xc7 ? &r->xc7 : &r->xcup)) < 0) return rc;
    }
    if (o->pnr_ice40) {
        bs_synth_target t = o->ice40 == BS_SYNTH_ICE40_HX8K ? BS_SYNTH_ICE40_HX8K : BS_SYNTH_ICE40_UP5K;
        if ((rc = bs_yosys_synth(d, m.srcdir, t, sd, &r->ice40)) < 0) return rc;
        r->t_ice40_synth = r->ice40.seconds;
        if ((rc = bs_ice40_pnr(&r->ice40, t, o->ice40_mhz, sd, &r->pnr)) < 0) return rc;
        snprintf(path, sizeof path, "%s/report/ice40_pnr.json", outdir);
        if ((rc = write_pnr_report(path, &r->pnr, t)) < 0) return rc;
    }
    return 0;
}

/* ---- the demo network ---- */
static int64_t demo_w0[32 * 16], demo_w1[16 * 16], demo_w2[16 * 10];
static int64_t demo_t0[16 * 3], demo_t1[16 * 3];

static void demo_fill(int64_t *w, int n, uint32_t seed)
{
    uint32_t x = seed;
    for (int i = 0; i < n; i++) {
        x = x * 1664525u + 1013904223u;
        w[i] = (int64_t)((x >> 28) & 3) - 2;  /* INT2: -2..1 */
    }
}

static void demo_thr(int64_t *t, int ch, int mw)
{
    /* 3 steps around zero, spread with the fan-in, shifted per channel */
    for (int c = 0; c < ch; c++)
        for (int k = 0; k < 3; k++) t[c * 3 + k] = (int64_t)((k - 1) * (mw / 4) + (c % 3) - 1);
}

int bs_hw_demo_mlp(bs_rtl_design **d)
{
    demo_fill(demo_w0, 32 * 16, 1);
    demo_fill(demo_w1, 16 * 16, 2);
    demo_fill(demo_w2, 16 * 10, 3);
    demo_thr(demo_t0, 16, 32);
    demo_thr(demo_t1, 16, 16);
    bs_rtl_node n[4];
    const char *names[3] = {"MVAU_hls_0", "MVAU_hls_1", "MVAU_hls_2"};
    const int64_t mw[3] = {32, 16, 16}, mh[3] = {16, 16, 10}, pe[3] = {4, 4, 5}, simd[3] = {8, 4, 4};
    const int64_t *ws[3] = {demo_w0, demo_w1, demo_w2}, *ts[3] = {demo_t0, demo_t1, NULL};
    for (int i = 0; i < 3; i++) {
        bs_rtl_node_init(&n[i], "MVAU_hls", names[i]);
        n[i].MW = mw[i]; n[i].MH = mh[i]; n[i].PE = pe[i]; n[i].SIMD = simd[i];
        snprintf(n[i].inputDataType, sizeof n[i].inputDataType, "UINT2");
        snprintf(n[i].weightDataType, sizeof n[i].weightDataType, "INT2");
        n[i].weights = ws[i];
        n[i].thresholds = ts[i];
        if (ts[i]) {
            n[i].numSteps = 3;
            snprintf(n[i].outputDataType, sizeof n[i].outputDataType, "UINT2");
            snprintf(n[i].accDataType, sizeof n[i].accDataType, "INT9");
        } else {
            n[i].noActivation = 1;
            snprintf(n[i].outputDataType, sizeof n[i].outputDataType, "INT9");
            snprintf(n[i].accDataType, sizeof n[i].accDataType, "INT9");
        }
    }
    bs_rtl_node_init(&n[3], "LabelSelect_hls", "LabelSelect_hls_0");
    n[3].Labels = 10; n[3].K = 1;
    snprintf(n[3].inputDataType, sizeof n[3].inputDataType, "INT9");
    snprintf(n[3].outputDataType, sizeof n[3].outputDataType, "UINT8");
    bs_rtl_design_opts o = {8, true};
    return bs_rtl_design_new("demo_mlp", n, 4, &o, d);
}
