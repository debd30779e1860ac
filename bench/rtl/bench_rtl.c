/* bench_rtl.c - benchmarks of the RTL backend (not a test; prints numbers).
 *
 *   bench_rtl <workdir> [frames] [--no-synth]
 *
 * 1. A TFC-sized stitched chain (Thresholding 784 -> MVAU 784x64 -> 64x64 ->
 *    64x64 -> 64x10 -> LabelSelect, FINN's TFC-w1a1 folding, DWCs and FIFOs
 *    inserted): Verilator build time (uncached), simulation rate in cycles/s
 *    over `frames` frames at full rate, bit-exactness and cycles per frame
 *    vs FINN's estimate.
 * 2. Time of each backend step: Yosys synth_xilinx xc7 and xcup on the TFC,
 *    and synth_ice40 + nextpnr-ice40 + icepack + icetime on a tiny MLP
 *    that fits an UP5K. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brainsmith/backends.h"
#include "brainsmith/error.h"
#include "brainsmith/json.h"
#include "brainsmith/kernels.h"
#include "brainsmith/rtl.h"
#include "brainsmith/util.h"
#include "../../tests/rtl/rtl_cases.h"

#define DIE(...) do { fprintf(stderr, __VA_ARGS__); fprintf(stderr, ": %s\n", bs_error_msg()); exit(1); } while (0)

/* FINN's estimate for a node (lib/kernels), -1 LUT when the op has no model here. */
static void finn_estimate(const bs_rtl_node *n, bs_kcost *c)
{
    memset(c, 0, sizeof *c);
    c->lut = -1;
    const bs_rtl_gen *g = bs_rtl_gen_find(n->op);
    cJSON *j = cJSON_CreateObject();
    const char *op = NULL;
    if (!strcmp(g->op, "MVAU")) {
        op = "MVAU_hls";
        cJSON_AddNumberToObject(j, "MW", (double)n->MW); cJSON_AddNumberToObject(j, "MH", (double)n->MH);
        cJSON_AddNumberToObject(j, "PE", (double)n->PE); cJSON_AddNumberToObject(j, "SIMD", (double)n->SIMD);
        cJSON_AddStringToObject(j, "inputDataType", n->inputDataType);
        cJSON_AddStringToObject(j, "weightDataType", n->weightDataType);
        cJSON_AddStringToObject(j, "outputDataType", n->outputDataType);
        cJSON_AddStringToObject(j, "accDataType", n->accDataType);
        cJSON_AddNumberToObject(j, "binaryXnorMode", (double)n->binaryXnorMode);
        cJSON_AddNumberToObject(j, "noActivation", (double)n->noActivation);
        cJSON_AddStringToObject(j, "resType", "lut");
    } else if (!strcmp(g->op, "Thresholding")) {
        op = "Thresholding_rtl";
        cJSON_AddNumberToObject(j, "NumChannels", (double)n->NumChannels);
        cJSON_AddNumberToObject(j, "PE", (double)n->PE);
        cJSON_AddNumberToObject(j, "numSteps", (double)n->numSteps);
        cJSON_AddStringToObject(j, "inputDataType", n->inputDataType);
        cJSON_AddStringToObject(j, "weightDataType", "INT10");
        cJSON_AddStringToObject(j, "outputDataType", n->outputDataType);
    } else if (!strcmp(g->op, "StreamingFIFO")) {
        op = "StreamingFIFO_rtl";
        cJSON_AddNumberToObject(j, "depth", (double)n->depth);
        cJSON_AddStringToObject(j, "dataType", n->dataType);
        int64_t fs[2] = {n->elems / n->NumChannels, n->NumChannels};
        cJSON_AddItemToObject(j, "folded_shape", cJSON_CreateArray());
        for (int i = 0; i < 2; i++) cJSON_AddItemToArray(cJSON_GetObjectItem(j, "folded_shape"), cJSON_CreateNumber((double)fs[i]));
        cJSON_AddItemToObject(j, "normal_shape", cJSON_CreateArray());
        cJSON_AddItemToArray(cJSON_GetObjectItem(j, "normal_shape"), cJSON_CreateNumber((double)n->elems));
    } else if (!strcmp(g->op, "StreamingDataWidthConverter")) {
        op = "StreamingDataWidthConverter_rtl";
        cJSON_AddNumberToObject(j, "inWidth", (double)n->inWidth);
        cJSON_AddNumberToObject(j, "outWidth", (double)n->outWidth);
        cJSON_AddStringToObject(j, "dataType", n->dataType);
        cJSON_AddItemToObject(j, "shape", cJSON_CreateArray());
        cJSON_AddItemToArray(cJSON_GetObjectItem(j, "shape"), cJSON_CreateNumber((double)n->elems));
    } else if (!strcmp(g->op, "LabelSelect")) {
        op = "LabelSelect_hls";
        cJSON_AddNumberToObject(j, "Labels", (double)n->Labels);
        cJSON_AddNumberToObject(j, "PE", (double)n->PE);
        cJSON_AddNumberToObject(j, "K", (double)n->K);
        cJSON_AddStringToObject(j, "inputDataType", n->inputDataType);
    }
    const bs_kernel *k = op ? bs_kernel_find(op) : NULL;
    bs_kattr_src src;
    bs_kattr_json st;
    bs_knode kn;
    bs_kattr_src_json(&src, &st, j);
    if (k && bs_knode_load(&kn, k, &src, n->name, BS_FINN_AUTO) == 0 && bs_knode_estimate(&kn, "xc7z020clg400-1", c) < 0)
        c->lut = -1;
    else if (!k) c->lut = -1;
    bs_error_clear();
    cJSON_Delete(j);
}

static void synth_step(bs_rtl_design *d, const char *src, const char *out, bs_synth_target t)
{
    bs_synth_result s;
    if (bs_yosys_synth(d, src, t, out, &s) < 0) DIE("yosys %s", bs_synth_target_name(t));
    printf("yosys %-5s %-10s %6.1f s  LUT %lld FF %lld CARRY %lld BRAM18 %lld BRAM36 %lld DSP %lld EBR %lld\n",
           bs_synth_target_name(t), d->name, s.seconds, (long long)s.total.lut, (long long)s.total.ff,
           (long long)s.total.carry, (long long)s.total.bram18, (long long)s.total.bram36,
           (long long)s.total.dsp, (long long)s.total.ebr);
    for (size_t i = 0; i < s.n_layers; i++) {
        bs_kcost e;
        finn_estimate(&d->nodes[i], &e);
        printf("    %-36s LUT %6lld FF %6lld BRAM18 %lld BRAM36 %lld   | FINN estimate LUT %6.0f BRAM18 %.0f\n",
               s.layers[i].module, (long long)s.layers[i].lut, (long long)s.layers[i].ff,
               (long long)s.layers[i].bram18, (long long)s.layers[i].bram36, e.lut, e.bram18);
    }
    if (t == BS_SYNTH_ICE40_UP5K) {
        bs_pnr_result p;
        if (bs_ice40_pnr(&s, t, 12, out, &p) < 0) DIE("pnr");
        printf("nextpnr-ice40 up5k %6.1f s  icepack %.2f s  icetime %.1f s  fmax %.2f MHz (icetime %.2f)  "
               "LC %lld/%lld RAM %lld/%lld  %lld-byte %s\n", p.pnr_s, p.pack_s, p.time_s, p.fmax_mhz,
               p.icetime_mhz, (long long)p.lc_used, (long long)p.lc_avail, (long long)p.ram_used,
               (long long)p.ram_avail, (long long)p.bin_bytes, p.bin);
    }
}

static void swg_node(bs_rtl_node *n, const char *name, int64_t dim, int64_t c, int64_t simd)
{
    bs_rtl_node_init(n, "ConvolutionInputGenerator_rtl", name);
    n->IFMDim[0] = n->IFMDim[1] = dim; n->IFMChannels = c; n->SIMD = simd;
    n->ConvKernelDim[0] = n->ConvKernelDim[1] = 3; n->OFMDim[0] = n->OFMDim[1] = dim - 2;
    snprintf(n->inputDataType, sizeof n->inputDataType, "UINT2");
}

static void mp_node(bs_rtl_node *n, const char *name, int64_t dim, int64_t c)
{
    bs_rtl_node_init(n, "StreamingMaxPool_hls", name);
    n->ImgDim[0] = n->ImgDim[1] = dim; n->PoolDim[0] = n->PoolDim[1] = 2; n->NumChannels = c; n->PE = c;
    snprintf(n->dataType, sizeof n->dataType, "UINT2");
}

/* CNV topology at FINN's w1a1 folding (finn-reference §11), 2-bit types so
 * that every kernel is one brainsmith generates; timing is type-independent. */
static bs_rtl_design *cnv_chain(rc_pool *pl)
{
    static bs_rtl_node c[20];
    int k = 0;
    swg_node(&c[k++], "SWG_0", 32, 3, 3);
    c[k++] = rc_mvau(pl, "MVAU_0", 27, 64, 16, 3, "UINT2", "INT2", "UINT2", 3, 900);
    swg_node(&c[k++], "SWG_1", 30, 64, 32);
    c[k++] = rc_mvau(pl, "MVAU_1", 576, 64, 32, 32, "UINT2", "INT2", "UINT2", 3, 784);
    mp_node(&c[k++], "MaxPool_0", 28, 64);
    swg_node(&c[k++], "SWG_2", 14, 64, 32);
    c[k++] = rc_mvau(pl, "MVAU_2", 576, 128, 16, 32, "UINT2", "INT2", "UINT2", 3, 144);
    swg_node(&c[k++], "SWG_3", 12, 128, 32);
    c[k++] = rc_mvau(pl, "MVAU_3", 1152, 128, 16, 32, "UINT2", "INT2", "UINT2", 3, 100);
    mp_node(&c[k++], "MaxPool_1", 10, 128);
    swg_node(&c[k++], "SWG_4", 5, 128, 32);
    c[k++] = rc_mvau(pl, "MVAU_4", 1152, 256, 4, 32, "UINT2", "INT2", "UINT2", 3, 9);
    swg_node(&c[k++], "SWG_5", 3, 256, 32);
    c[k++] = rc_mvau(pl, "MVAU_5", 2304, 256, 1, 32, "UINT2", "INT2", "UINT2", 3, 1);
    c[k++] = rc_mvau(pl, "MVAU_6", 256, 512, 1, 4, "UINT2", "INT2", "UINT2", 3, 1);
    c[k++] = rc_mvau(pl, "MVAU_7", 512, 512, 1, 8, "UINT2", "INT2", "UINT2", 3, 1);
    c[k++] = rc_mvau(pl, "MVAU_8", 512, 10, 5, 1, "UINT2", "INT2", "INT16", 0, 1);
    bs_rtl_node_init(&c[k], "LabelSelect_hls", "LabelSelect_0");
    c[k].Labels = 10; c[k].K = 1;
    snprintf(c[k].inputDataType, sizeof c[k].inputDataType, "INT16");
    snprintf(c[k++].outputDataType, sizeof c[k - 1].outputDataType, "UINT8");
    bs_rtl_design *d;
    bs_rtl_design_opts o = {2, true};
    if (bs_rtl_design_new("cnv_w1a1", c, (size_t)k, &o, &d) < 0) DIE("cnv design");
    return d;
}

static void fifo_bench(bs_rtl_design *d, int64_t frames)
{
    int mx;
    int64_t est = bs_rtl_design_max_cycles(d, &mx);
    bs_rtl_fifo_sizing rep;
    if (bs_rtl_size_fifos(d, frames, &rep) < 0) DIE("fifo sizing");
    bs_rtl_fifosim fs;
    int64_t t0 = bs_now_mono_ns();
    if (bs_rtl_fifosim_run(d, frames, &fs) < 0) DIE("fifosim");
    double one = (double)(bs_now_mono_ns() - t0) / 1e9;
    printf("FIFO sizing %-9s %zu nodes, %lld frames: %.3f s (%lld model runs, %.1f ms each); cycles %lld "
           "(unbounded FIFOs %lld), interval %.1f cycles/frame vs FINN max %lld; FIFO bits: max-occupancy+1 %lld "
           "-> sized %lld\n", d->name, d->n_nodes, (long long)frames, rep.seconds, (long long)rep.sims, one * 1e3,
           (long long)rep.final_cycles, (long long)rep.base_cycles,
           (double)(fs.cycles - fs.latency) / (double)(frames - 1), (long long)est, (long long)rep.bits_maxocc,
           (long long)rep.bits_final);
    bs_rtl_fifosim_free(&fs);
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: bench_rtl <workdir> [frames] [--no-synth]\n"); return 2; }
    const char *work = argv[1];
    int64_t frames = argc > 2 && argv[2][0] != '-' ? atoll(argv[2]) : 20000;
    bool synth = !(argc > 2 && !strcmp(argv[argc - 1], "--no-synth"));
    rc_pool pl = {0};
    bs_rtl_node ch[6];
    ch[0] = rc_thresh(&pl, "Thresholding_rtl_0", 784, 49, "UINT8", "BINARY", 1, 0, 1);
    ch[1] = rc_mvau(&pl, "MVAU_hls_0", 784, 64, 16, 49, "BINARY", "BINARY", "BINARY", 1, 1);
    ch[2] = rc_mvau(&pl, "MVAU_hls_1", 64, 64, 8, 8, "BINARY", "BINARY", "BINARY", 1, 1);
    ch[3] = rc_mvau(&pl, "MVAU_hls_2", 64, 64, 8, 8, "BINARY", "BINARY", "BINARY", 1, 1);
    ch[4] = rc_mvau(&pl, "MVAU_hls_3", 64, 10, 10, 8, "BINARY", "BINARY", "INT8", 0, 1);
    ch[4].binaryXnorMode = 1;
    bs_rtl_node_init(&ch[5], "LabelSelect_hls", "LabelSelect_hls_0");
    ch[5].Labels = 10; ch[5].K = 1;
    snprintf(ch[5].inputDataType, sizeof ch[5].inputDataType, "INT8");
    snprintf(ch[5].outputDataType, sizeof ch[5].outputDataType, "UINT8");
    bs_rtl_design *d;
    bs_rtl_design_opts o = {32, true};
    if (bs_rtl_design_new("tfc_w1a1", ch, 6, &o, &d) < 0) DIE("design");
    char dir[512], cache[600];
    snprintf(dir, sizeof dir, "%s/tfc", work);
    snprintf(cache, sizeof cache, "%s/vl-cache-bench", dir);
    bs_rm_rf(cache);
    bs_vl_model m;
    if (bs_vl_build(&d, 1, dir, cache, &m) < 0) DIE("verilator build");
    printf("verilator build (emit + verilate + C++), %zu nodes: %.1f s\n", d->n_nodes, m.build_s);
    int64_t **in = rc_inputs(&pl, d, frames);
    int64_t *exp = rc_alloc(&pl, (size_t)(frames * bs_rtl_stream_elems(&d->out.s)));
    int64_t t0 = bs_now_mono_ms();
    if (bs_rtl_design_golden(d, (const int64_t *const *)in, frames, exp) < 0) DIE("golden");
    printf("C golden model: %lld frames in %.2f s\n", (long long)frames, (double)(bs_now_mono_ms() - t0) / 1000);
    if (bs_vl_write_data(&m, 0, d, (const int64_t *const *)in, exp, frames) < 0) DIE("data");
    bs_vl_run_opts ro = {0, 0, 1, frames * 200 + 10000, 20};
    bs_vl_result r;
    bs_vl_timing tm;
    t0 = bs_now_mono_ms();
    if (bs_vl_run(&m, &ro, &r, &tm) < 0) DIE("run");
    double total = (double)(bs_now_mono_ms() - t0) / 1000;
    int mx;
    int64_t est = bs_rtl_design_max_cycles(d, &mx);
    double interval = (double)(r.cycles - r.latency_cycles) / (double)(frames - 1);
    printf("verilator run: %lld cycles in %.3f s wall = %.2f M cycles/s (%.2f M cycles per CPU-second; "
           "process incl. loading %.2f s); %lld/%lld beats, %lld mismatches, %lld extra\n", (long long)tm.cycles,
           tm.wall_s, (double)tm.cycles / tm.wall_s / 1e6, (double)tm.cycles / tm.cpu_s / 1e6, total, (long long)r.out_beats, (long long)r.expected_beats, (long long)r.mismatches,
           (long long)r.extra_beats);
    printf("cycles/frame %.2f vs FINN estimate %lld (%s): gap %+.2f%%; latency %lld cycles\n", interval,
           (long long)est, mx >= 0 ? d->nodes[mx].name : "-", 100.0 * (interval - (double)est) / (double)est,
           (long long)r.latency_cycles);
    /* FIFO sizing with the cycle model (FINN: 87 s for a 4-layer MLP, 7,317 s for CNV-w4a4) */
    fifo_bench(d, 4);
    bs_rtl_design *cnv = cnv_chain(&pl);
    fifo_bench(cnv, 3);
    {
        /* the sized CNV in Verilator: same cycles as the model, bit-exact */
        char cdir[512];
        snprintf(cdir, sizeof cdir, "%s/cnv", work);
        bs_vl_model cm;
        if (bs_vl_build(&cnv, 1, cdir, NULL, &cm) < 0) DIE("cnv verilator build");
        int64_t **ci = rc_inputs(&pl, cnv, 3);
        int64_t *ce = rc_alloc(&pl, (size_t)(3 * bs_rtl_stream_elems(&cnv->out.s)));
        t0 = bs_now_mono_ms();
        if (bs_rtl_design_golden(cnv, (const int64_t *const *)ci, 3, ce) < 0) DIE("cnv golden");
        double gs = (double)(bs_now_mono_ms() - t0) / 1000;
        if (bs_vl_write_data(&cm, 0, cnv, (const int64_t *const *)ci, ce, 3) < 0) DIE("cnv data");
        bs_vl_run_opts co = {0, 0, 1, 2000000, 20};
        bs_vl_result cr;
        bs_vl_timing ct;
        if (bs_vl_run(&cm, &co, &cr, &ct) < 0) DIE("cnv run");
        bs_rtl_fifosim fs;
        bs_rtl_fifosim_run(cnv, 3, &fs);
        printf("CNV Verilator (sized FIFOs): build %.1f s, %lld cycles in %.2f s (%.2f M cycles/s), %lld mismatches; "
               "model %lld cycles (%s); golden %.1f s\n", cm.build_s, (long long)cr.cycles, ct.wall_s,
               (double)ct.cycles / ct.wall_s / 1e6, (long long)cr.mismatches, (long long)fs.cycles,
               fs.cycles == cr.cycles ? "equal" : "DIFFERENT", gs);
        bs_rtl_fifosim_free(&fs);
    }
    bs_rtl_design_free(cnv);
    if (synth) {
        char out[600];
        snprintf(out, sizeof out, "%s/synth", dir);
        synth_step(d, m.srcdir, out, BS_SYNTH_XC7);
        synth_step(d, m.srcdir, out, BS_SYNTH_XCUP);
        /* tiny MLP on the UP5K */
        bs_rtl_node t[4];
        t[0] = rc_mvau(&pl, "MVAU_hls_0", 32, 16, 4, 8, "UINT2", "INT2", "UINT2", 3, 1);
        t[1] = rc_mvau(&pl, "MVAU_hls_1", 16, 16, 4, 4, "UINT2", "INT2", "UINT2", 3, 1);
        t[2] = rc_mvau(&pl, "MVAU_hls_2", 16, 10, 5, 4, "UINT2", "INT2", "INT10", 0, 1);
        bs_rtl_node_init(&t[3], "LabelSelect_hls", "LabelSelect_hls_0");
        t[3].Labels = 10; t[3].K = 1;
        snprintf(t[3].inputDataType, sizeof t[3].inputDataType, "INT10");
        snprintf(t[3].outputDataType, sizeof t[3].outputDataType, "UINT8");
        bs_rtl_design *dm;
        bs_rtl_design_opts om = {8, true};
        if (bs_rtl_design_new("tiny_mlp", t, 4, &om, &dm) < 0) DIE("mlp");
        char src[600];
        snprintf(src, sizeof src, "%s/mlp/src", work);
        if (bs_rtl_emit(dm, src) < 0) DIE("emit");
        snprintf(out, sizeof out, "%s/mlp/synth", work);
        synth_step(dm, src, out, BS_SYNTH_ICE40_UP5K);
        bs_rtl_design_free(dm);
    }
    bs_rtl_design_free(d);
    rc_free(&pl);
    return 0;
}
