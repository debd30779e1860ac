/* test_rtl_sim.c - every RTL kernel at several foldings, simulated with
 * Verilator against its C golden model.
 *
 * All cases are designs of one Verilator model (one compile, cached in the
 * build dir under BS_VL_CACHE).  Run 1 drives random TVALID gaps and TREADY
 * stalls and requires every output beat to match bit for bit with none
 * missing or extra; run 2 streams at full rate and compares the measured
 * cycles per frame with FINN's expected-cycles formula.  SKIPs (77) when
 * verilator is not installed. */
#include "../test_util.h"

#include "brainsmith/backends.h"
#include "brainsmith/error.h"
#include "brainsmith/json.h"
#include "brainsmith/rtl.h"
#include "rtl_cases.h"

#define NFRAMES 3
#define MAXD 64

typedef struct tcase {
    bs_rtl_design *d;
    int64_t **in;
    int64_t *exp;
    int64_t exp_cycles;       /* FINN formula, per frame (0 = none) */
    double tol;               /* allowed relative gap of the measured interval, 0 = report only */
} tcase;

static rc_pool pool;
static tcase cases[MAXD];
static int ncases;

static void add(const char *name, const bs_rtl_node *chain, size_t n, int64_t fifo, double tol)
{
    assert_true(ncases < MAXD);
    tcase *c = &cases[ncases];
    bs_rtl_design_opts o = {fifo, true};
    int rc = bs_rtl_design_new(name, chain, n, &o, &c->d);
    if (rc < 0) fail_msg("%s: %s", name, bs_error_msg());
    c->in = rc_inputs(&pool, c->d, NFRAMES);
    for (int i = 0; i < c->d->n_in; i++) {
        if (strstr(c->d->in[i].name, "weights_V")) {
            int64_t *w, nb;
            assert_int_equal(bs_rtl_mvau_weight_stream(&c->d->nodes[c->d->in[i].node], NFRAMES, &w, &nb), 0);
            memcpy(c->in[i], w, sizeof *w * (size_t)(nb * c->d->in[i].s.lanes));
            free(w);
        }
    }
    c->exp = rc_alloc(&pool, (size_t)(NFRAMES * bs_rtl_stream_elems(&c->d->out.s)));
    rc = bs_rtl_design_golden(c->d, (const int64_t *const *)c->in, NFRAMES, c->exp);
    if (rc < 0) fail_msg("%s golden: %s", name, bs_error_msg());
    c->exp_cycles = bs_rtl_design_max_cycles(c->d, NULL);
    c->tol = tol;
    ncases++;
}

static void one(const char *name, bs_rtl_node n, double tol) { add(name, &n, 1, 0, tol); }

static void build_cases(void)
{
    bs_rtl_node n;
    /* MVAU: foldings, datatypes, activation / none, xnor, external weights */
    one("mvau_p2s4", rc_mvau(&pool, "MVAU_hls_0", 16, 8, 2, 4, "INT4", "INT4", "UINT2", 3, 2), 0.10);
    one("mvau_full", rc_mvau(&pool, "MVAU_hls_0", 16, 8, 8, 16, "INT4", "INT4", "UINT2", 3, 4), 0);
    one("mvau_p1s1_noact", rc_mvau(&pool, "MVAU_hls_0", 12, 6, 1, 1, "UINT2", "INT2", "INT16", 0, 1), 0.10);
    one("mvau_xnor", rc_mvau(&pool, "MVAU_hls_0", 32, 16, 4, 8, "BINARY", "BINARY", "BINARY", 1, 2), 0.10);
    n = rc_mvau(&pool, "MVAU_hls_0", 8, 4, 2, 2, "INT8", "INT8", "INT32", 0, 2);
    snprintf(n.mem_mode, sizeof n.mem_mode, "external");
    one("mvau_ext", n, 0.10);
    n = rc_mvau(&pool, "MVAU_hls_0", 20, 10, 5, 5, "UINT3", "INT3", "INT3", 7, 1);
    n.ActVal = -4;
    one("mvau_actval", n, 0.10);
    /* Thresholding */
    one("thr_p2", rc_thresh(&pool, "Thresholding_rtl_0", 8, 2, "INT8", "UINT3", 7, 0, 4), 0.10);
    one("thr_full_actval", rc_thresh(&pool, "Thresholding_rtl_0", 6, 6, "UINT4", "INT2", 3, -1, 3), 0.10);
    /* FIFOs */
    bs_rtl_node_init(&n, "StreamingFIFO_rtl", "StreamingFIFO_rtl_0");
    snprintf(n.dataType, sizeof n.dataType, "INT5");
    n.NumChannels = 3; n.elems = 30; n.depth = 4;
    one("fifo_d4", n, 0);
    n.depth = 1;
    one("fifo_d1", n, 0);
    n.depth = 64; n.NumChannels = 10; n.elems = 100;
    one("fifo_d64", n, 0);
    /* width converters: up, down, non-integer ratio */
    bs_rtl_node_init(&n, "StreamingDataWidthConverter_rtl", "DWC_0");
    snprintf(n.dataType, sizeof n.dataType, "UINT4");
    n.inWidth = 8; n.outWidth = 24; n.elems = 24;
    one("dwc_up", n, 0);
    n.inWidth = 24; n.outWidth = 8;
    one("dwc_down", n, 0);
    n.inWidth = 12; n.outWidth = 8;
    one("dwc_12_8", n, 0);
    /* LabelSelect */
    bs_rtl_node_init(&n, "LabelSelect_hls", "LabelSelect_hls_0");
    n.Labels = 10; n.PE = 2; n.K = 3;
    snprintf(n.inputDataType, sizeof n.inputDataType, "INT3");
    snprintf(n.outputDataType, sizeof n.outputDataType, "UINT8");
    one("labelselect_k3", n, 0);
    n.Labels = 12; n.PE = 1; n.K = 1;
    snprintf(n.inputDataType, sizeof n.inputDataType, "UINT4");
    one("labelselect_k1", n, 0);
    /* AddStreams */
    bs_rtl_node_init(&n, "AddStreams_hls", "AddStreams_hls_0");
    n.NumChannels = 8; n.PE = 4; n.numInputVectors = 5;
    snprintf(n.inputDataType, sizeof n.inputDataType, "INT4");
    one("addstreams", n, 0.10);
    /* ConvolutionInputGenerator: 2D k3s1, k2s2, k3s2, dilation, 1D */
    struct { const char *nm; int64_t ih, iw, c, simd, kh, kw, s, dil; } swg[] = {
        {"swg_k3s1", 5, 5, 4, 2, 3, 3, 1, 1}, {"swg_k2s2", 6, 6, 2, 1, 2, 2, 2, 1},
        {"swg_k3s2", 7, 7, 2, 2, 3, 3, 2, 1}, {"swg_dil2", 5, 5, 2, 1, 2, 2, 1, 2},
        {"swg_1d", 1, 8, 4, 4, 1, 3, 1, 1}};
    for (size_t i = 0; i < sizeof swg / sizeof swg[0]; i++) {
        bs_rtl_node_init(&n, "ConvolutionInputGenerator_rtl", "ConvolutionInputGenerator_rtl_0");
        n.IFMDim[0] = swg[i].ih; n.IFMDim[1] = swg[i].iw; n.IFMChannels = swg[i].c; n.SIMD = swg[i].simd;
        n.ConvKernelDim[0] = swg[i].kh; n.ConvKernelDim[1] = swg[i].kw;
        n.Stride[0] = n.Stride[1] = swg[i].s; n.Dilation[0] = n.Dilation[1] = swg[i].dil;
        if (swg[i].ih == 1) n.Stride[0] = n.Dilation[0] = 1;
        for (int dd = 0; dd < 2; dd++)
            n.OFMDim[dd] = (n.IFMDim[dd] - ((n.ConvKernelDim[dd] - 1) * n.Dilation[dd] + 1)) / n.Stride[dd] + 1;
        snprintf(n.inputDataType, sizeof n.inputDataType, "UINT3");
        snprintf(n.outputDataType, sizeof n.outputDataType, "UINT3");
        one(swg[i].nm, n, 0);
    }
    /* depthwise ConvolutionInputGenerator (FINN's InferPool/VVAU window order) at SIMD 1 and SIMD = C */
    struct { const char *nm; int64_t ih, c, simd, k, s; } dws[] = {
        {"swg_dws_k2s2_simd1", 6, 4, 1, 2, 2}, {"swg_dws_k3s1_simdC", 5, 4, 4, 3, 1}};
    for (size_t i = 0; i < sizeof dws / sizeof dws[0]; i++) {
        bs_rtl_node_init(&n, "ConvolutionInputGenerator_rtl", "ConvolutionInputGenerator_rtl_0");
        n.IFMDim[0] = n.IFMDim[1] = dws[i].ih; n.IFMChannels = dws[i].c; n.SIMD = dws[i].simd;
        n.ConvKernelDim[0] = n.ConvKernelDim[1] = dws[i].k; n.Stride[0] = n.Stride[1] = dws[i].s;
        n.OFMDim[0] = n.OFMDim[1] = (dws[i].ih - dws[i].k) / dws[i].s + 1;
        n.depthwise = 1;
        snprintf(n.inputDataType, sizeof n.inputDataType, "UINT3");
        snprintf(n.outputDataType, sizeof n.outputDataType, "UINT3");
        one(dws[i].nm, n, 0);
    }
    /* Pool (MaxPool over depthwise windows) at PE 1 and PE = Channels */
    bs_rtl_node_init(&n, "Pool_hls", "Pool_hls_0");
    n.NumChannels = 4; n.PE = 1; n.PoolDim[0] = n.PoolDim[1] = 2; n.OFMDim[0] = n.OFMDim[1] = 3;
    snprintf(n.Func, sizeof n.Func, "MaxPool");
    snprintf(n.inputDataType, sizeof n.inputDataType, "INT4");
    snprintf(n.outputDataType, sizeof n.outputDataType, "INT4");
    one("pool_max_pe1_signed", n, 0.10);
    n.PE = 4; n.PoolDim[0] = n.PoolDim[1] = 3; n.OFMDim[0] = 2; n.OFMDim[1] = 3;
    snprintf(n.inputDataType, sizeof n.inputDataType, "UINT3");
    snprintf(n.outputDataType, sizeof n.outputDataType, "UINT3");
    one("pool_max_peC", n, 0.10);
    /* StreamingMaxPool */
    bs_rtl_node_init(&n, "StreamingMaxPool_hls", "StreamingMaxPool_hls_0");
    n.ImgDim[0] = n.ImgDim[1] = 4; n.PoolDim[0] = n.PoolDim[1] = 2; n.NumChannels = 4; n.PE = 4;
    snprintf(n.dataType, sizeof n.dataType, "UINT4");
    one("maxpool_k2", n, 0);
    n.ImgDim[0] = n.ImgDim[1] = 7; n.PoolDim[0] = n.PoolDim[1] = 3; n.NumChannels = 2; n.PE = 1;
    snprintf(n.dataType, sizeof n.dataType, "INT4");
    one("maxpool_k3_signed", n, 0);
    /* FMPadding, ChannelwiseOp, GlobalAccPool */
    bs_rtl_node_init(&n, "FMPadding_rtl", "FMPadding_rtl_0");
    n.ImgDim[0] = 3; n.ImgDim[1] = 4; n.Padding[0] = 1; n.Padding[1] = 2; n.Padding[2] = 0; n.Padding[3] = 1;
    n.NumChannels = 4; n.SIMD = 2;
    snprintf(n.inputDataType, sizeof n.inputDataType, "INT4");
    one("fmpad", n, 0.10);
    static const char *funcs[4] = {"cmp_le", "cmp_ge", "add", "mul"};
    for (int f = 0; f < 4; f++) {
        bs_rtl_node_init(&n, "ChannelwiseOp_hls", "ChannelwiseOp_hls_0");
        n.NumChannels = 6; n.PE = f % 2 ? 3 : 2; n.numInputVectors = 4;
        snprintf(n.Func, sizeof n.Func, "%s", funcs[f]);
        snprintf(n.inputDataType, sizeof n.inputDataType, "INT4");
        snprintf(n.paramDataType, sizeof n.paramDataType, "INT3");
        snprintf(n.outputDataType, sizeof n.outputDataType, "%s", f < 2 ? "BINARY" : f == 2 ? "INT5" : "INT7");
        int64_t *pp = rc_alloc(&pool, 6);
        rc_fill(pp, 6, "INT3");
        n.params = pp;
        char nm[32];
        snprintf(nm, sizeof nm, "chanop_%s", funcs[f]);
        one(nm, n, 0.10);
    }
    bs_rtl_node_init(&n, "GlobalAccPool_hls", "GlobalAccPool_hls_0");
    n.ImgDim[0] = 3; n.ImgDim[1] = 3; n.NumChannels = 4; n.PE = 2;
    snprintf(n.inputDataType, sizeof n.inputDataType, "INT4");
    one("gap_signed", n, 0.15);
    n.PE = 4; n.numInputVectors = 2;
    snprintf(n.inputDataType, sizeof n.inputDataType, "UINT3");
    one("gap_unsigned", n, 0.15);
    /* a chain: SWG -> MVAU (conv) -> MaxPool, and an MLP with DWCs + FIFOs */
    bs_rtl_node ch[4];
    bs_rtl_node_init(&ch[0], "ConvolutionInputGenerator_rtl", "SWG_0");
    ch[0].IFMDim[0] = ch[0].IFMDim[1] = 6; ch[0].IFMChannels = 2; ch[0].SIMD = 2;
    ch[0].ConvKernelDim[0] = ch[0].ConvKernelDim[1] = 3; ch[0].OFMDim[0] = ch[0].OFMDim[1] = 4;
    snprintf(ch[0].inputDataType, sizeof ch[0].inputDataType, "UINT2");
    snprintf(ch[0].outputDataType, sizeof ch[0].outputDataType, "UINT2");
    ch[1] = rc_mvau(&pool, "MVAU_0", 18, 4, 2, 6, "UINT2", "INT2", "UINT2", 3, 16);
    bs_rtl_node_init(&ch[2], "StreamingMaxPool_hls", "MaxPool_0");
    ch[2].ImgDim[0] = ch[2].ImgDim[1] = 4; ch[2].PoolDim[0] = ch[2].PoolDim[1] = 2; ch[2].NumChannels = 4;
    ch[2].PE = 4;
    snprintf(ch[2].dataType, sizeof ch[2].dataType, "UINT2");
    add("chain_conv", ch, 3, 4, 0);
    /* FINN's InferPool lowering: depthwise SWG (k2 s2) -> Pool MaxPool, SIMD = PE = 2 */
    bs_rtl_node_init(&ch[0], "ConvolutionInputGenerator_rtl", "SWG_0");
    ch[0].IFMDim[0] = ch[0].IFMDim[1] = 6; ch[0].IFMChannels = 4; ch[0].SIMD = 2; ch[0].depthwise = 1;
    ch[0].ConvKernelDim[0] = ch[0].ConvKernelDim[1] = 2; ch[0].Stride[0] = ch[0].Stride[1] = 2;
    ch[0].OFMDim[0] = ch[0].OFMDim[1] = 3;
    snprintf(ch[0].inputDataType, sizeof ch[0].inputDataType, "BINARY");
    snprintf(ch[0].outputDataType, sizeof ch[0].outputDataType, "BINARY");
    bs_rtl_node_init(&ch[1], "Pool_hls", "Pool_0");
    ch[1].NumChannels = 4; ch[1].PE = 2; ch[1].PoolDim[0] = ch[1].PoolDim[1] = 2; ch[1].OFMDim[0] = ch[1].OFMDim[1] = 3;
    snprintf(ch[1].Func, sizeof ch[1].Func, "MaxPool");
    snprintf(ch[1].inputDataType, sizeof ch[1].inputDataType, "BINARY");
    snprintf(ch[1].outputDataType, sizeof ch[1].outputDataType, "BINARY");
    add("chain_dws_pool", ch, 2, 4, 0);
    ch[0] = rc_mvau(&pool, "MVAU_0", 24, 16, 4, 6, "UINT2", "INT2", "UINT2", 3, 1);
    ch[1] = rc_mvau(&pool, "MVAU_1", 16, 8, 2, 8, "UINT2", "INT2", "UINT2", 3, 1);
    ch[2] = rc_mvau(&pool, "MVAU_2", 8, 10, 5, 4, "UINT2", "INT2", "INT12", 0, 1);
    bs_rtl_node_init(&ch[3], "LabelSelect_hls", "LabelSelect_0");
    ch[3].Labels = 10; ch[3].PE = 1; ch[3].K = 1;
    snprintf(ch[3].inputDataType, sizeof ch[3].inputDataType, "INT12");
    snprintf(ch[3].outputDataType, sizeof ch[3].outputDataType, "UINT8");
    add("chain_mlp", ch, 4, 8, 0);
}

static const char *cache_dir(void) { return getenv("BS_VL_CACHE"); }

static void test_kernels_sim(void **state)
{
    bs_tool_info ti;
    if (bs_tool_probe("verilator", &ti) < 0) { print_message("SKIP: %s\n", bs_error_msg()); exit(77); }
    build_cases();
    const char *bin = getenv("BS_BINARY_DIR");
    char work[512];
    snprintf(work, sizeof work, "%s/tests/rtl/work-kernels", bin ? bin : ".");
    bs_vl_model m;
    bs_rtl_design *ds[MAXD];
    for (int i = 0; i < ncases; i++) ds[i] = cases[i].d;
    int rc = bs_vl_build(ds, (size_t)ncases, work, cache_dir(), &m);
    if (rc < 0) fail_msg("build: %s", bs_error_msg());
    print_message("model %s: %s (%.1f s)\n", m.key, m.cached ? "cached" : "built", m.build_s);
    for (int i = 0; i < ncases; i++)
        assert_int_equal(bs_vl_write_data(&m, (size_t)i, cases[i].d, (const int64_t *const *)cases[i].in,
                                          cases[i].exp, NFRAMES), 0);
    bs_vl_result res[MAXD];
    /* 1: back-pressure, several seeds */
    for (uint32_t seed = 1; seed <= 3; seed++) {
        bs_vl_run_opts o = {30, 40, seed, 200000, 200};
        memset(res, 0, sizeof res);
        rc = bs_vl_run(&m, &o, res, NULL);
        if (rc < 0) fail_msg("run: %s", bs_error_msg());
        for (int i = 0; i < ncases; i++) {
            bs_vl_result *r = &res[i];
            if (r->mismatches || r->extra_beats || r->timeout || r->out_beats != r->expected_beats)
                fail_msg("%s (seed %u): %lld/%lld beats, %lld mismatches (first at beat %lld), %lld extra%s",
                         cases[i].d->name, seed, (long long)r->out_beats, (long long)r->expected_beats,
                         (long long)r->mismatches, (long long)r->first_mismatch, (long long)r->extra_beats,
                         r->timeout ? ", TIMEOUT" : "");
        }
    }
    /* 2: full rate, cycles per frame vs FINN */
    bs_vl_run_opts o = {0, 0, 7, 200000, 50};
    rc = bs_vl_run(&m, &o, res, NULL);
    if (rc < 0) fail_msg("run: %s", bs_error_msg());
    print_message("%-20s %8s %8s %8s %7s\n", "design", "latency", "interval", "FINN", "gap");
    for (int i = 0; i < ncases; i++) {
        bs_vl_result *r = &res[i];
        assert_int_equal(r->mismatches, 0);
        assert_int_equal(r->extra_beats, 0);
        double interval = (double)(r->cycles - r->latency_cycles) / (NFRAMES - 1);
        double gap = cases[i].exp_cycles ? (interval - (double)cases[i].exp_cycles) / (double)cases[i].exp_cycles : 0;
        print_message("%-20s %8lld %8.1f %8lld %6.1f%%\n", cases[i].d->name, (long long)r->latency_cycles,
                      interval, (long long)cases[i].exp_cycles, 100 * gap);
        /* the data-free cycle model must agree exactly with Verilator */
        bs_rtl_fifosim fs;
        assert_int_equal(bs_rtl_fifosim_run(cases[i].d, NFRAMES, &fs), 0);
        if (fs.cycles != r->cycles || fs.latency != r->latency_cycles || fs.deadlock)
            fail_msg("%s: cycle model %lld/%lld cycles (latency/total) vs Verilator %lld/%lld", cases[i].d->name,
                     (long long)fs.latency, (long long)fs.cycles, (long long)r->latency_cycles, (long long)r->cycles);
        bs_rtl_fifosim_free(&fs);
        if (cases[i].tol > 0 && (gap > cases[i].tol || gap < -cases[i].tol))
            fail_msg("%s: %.1f cycles per frame vs FINN's %lld (> %.0f%% apart)", cases[i].d->name, interval,
                     (long long)cases[i].exp_cycles, 100 * cases[i].tol);
    }
    /* 3: the check is real: one flipped expected bit in one design must be
     * reported as exactly one mismatch there and nowhere else */
    int victim = ncases / 2;
    cases[victim].exp[1] ^= 1;
    assert_int_equal(bs_vl_write_data(&m, (size_t)victim, cases[victim].d,
                                      (const int64_t *const *)cases[victim].in, cases[victim].exp, NFRAMES), 0);
    bs_vl_run_opts o3 = {30, 40, 11, 200000, 50};
    assert_int_equal(bs_vl_run(&m, &o3, res, NULL), 0);
    for (int i = 0; i < ncases; i++) assert_int_equal(res[i].mismatches, i == victim ? 1 : 0);
    for (int i = 0; i < ncases; i++) bs_rtl_design_free(cases[i].d);
    rc_free(&pool);
}

/* FIFO sizing with the cycle model, confirmed by Verilator: the sized chains
 * keep the throughput of unbounded FIFOs, stay bit-exact under back-pressure
 * and take exactly the cycles the model predicted. */
static void test_fifo_sizing(void **state)
{
    bs_tool_info ti;
    if (bs_tool_probe("verilator", &ti) < 0) { print_message("SKIP: %s\n", bs_error_msg()); exit(77); }
    rc_pool pl = {0};
    bs_rtl_node ch[4];
    /* SWG (continuous) -> MVAU (bursty: SF reads, then NF-1 folds without input) */
    bs_rtl_node_init(&ch[0], "ConvolutionInputGenerator_rtl", "SWG_0");
    ch[0].IFMDim[0] = ch[0].IFMDim[1] = 8; ch[0].IFMChannels = 4; ch[0].SIMD = 4;
    ch[0].ConvKernelDim[0] = ch[0].ConvKernelDim[1] = 3; ch[0].OFMDim[0] = ch[0].OFMDim[1] = 6;
    snprintf(ch[0].inputDataType, sizeof ch[0].inputDataType, "UINT2");
    ch[1] = rc_mvau(&pl, "MVAU_0", 36, 8, 2, 4, "UINT2", "INT2", "UINT2", 3, 36);
    ch[2] = rc_mvau(&pl, "MVAU_1", 8, 4, 1, 8, "UINT2", "INT2", "UINT2", 3, 36);
    bs_rtl_design *d[2];
    bs_rtl_design_opts o = {1, true};
    assert_int_equal(bs_rtl_design_new("sized_conv", ch, 3, &o, &d[0]), 0);
    ch[0] = rc_mvau(&pl, "MVAU_0", 64, 32, 4, 16, "UINT2", "INT2", "UINT2", 3, 1);
    ch[1] = rc_mvau(&pl, "MVAU_1", 32, 32, 8, 4, "UINT2", "INT2", "UINT2", 3, 1);
    ch[2] = rc_mvau(&pl, "MVAU_2", 32, 10, 2, 32, "UINT2", "INT2", "INT12", 0, 1);
    assert_int_equal(bs_rtl_design_new("sized_mlp", ch, 3, &o, &d[1]), 0);
    const int64_t frames = 4;
    bs_rtl_fifo_sizing rep[2];
    for (int i = 0; i < 2; i++) {
        assert_int_equal(bs_rtl_size_fifos(d[i], frames, &rep[i]), 0);
        print_message("%s: %lld cycles/%lld frames, FIFO bits %lld (max occupancy) -> %lld, %lld model runs, %.3f s\n",
                      d[i]->name, (long long)rep[i].final_cycles, (long long)frames, (long long)rep[i].bits_maxocc,
                      (long long)rep[i].bits_final, (long long)rep[i].sims, rep[i].seconds);
        assert_int_equal(rep[i].final_cycles, rep[i].base_cycles);
        assert_true(rep[i].bits_final <= rep[i].bits_maxocc);
    }
    /* FINN's final_hw_config.json carries the depths */
    char *dir = bs_test_mkdtemp("hwcfg"), *cfg = bs_path_join(dir, "final_hw_config.json");
    assert_int_equal(bs_rtl_write_hw_config(d[0], cfg), 0);
    cJSON *j;
    assert_int_equal(bs_json_load_file(cfg, &j), 0);
    assert_non_null(cJSON_GetObjectItemCaseSensitive(j, "Defaults"));
    for (size_t i = 0; i < d[0]->n_nodes; i++) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, d[0]->nodes[i].name);
        assert_non_null(e);
        int64_t dep;
        if (strstr(d[0]->nodes[i].name, "StreamingFIFO")) {
            assert_int_equal(bs_json_get_i64(e, "depth", &dep), 0);
            assert_int_equal(dep, d[0]->nodes[i].depth);
        }
    }
    cJSON_Delete(j);
    free(cfg);
    bs_test_rmdir(dir);
    const char *bin = getenv("BS_BINARY_DIR");
    char work[512];
    snprintf(work, sizeof work, "%s/tests/rtl/work-fifo", bin ? bin : ".");
    bs_vl_model m;
    if (bs_vl_build(d, 2, work, cache_dir(), &m) < 0) fail_msg("%s", bs_error_msg());
    for (int i = 0; i < 2; i++) {
        int64_t **in = rc_inputs(&pl, d[i], frames);
        int64_t *exp = rc_alloc(&pl, (size_t)(frames * bs_rtl_stream_elems(&d[i]->out.s)));
        assert_int_equal(bs_rtl_design_golden(d[i], (const int64_t *const *)in, frames, exp), 0);
        assert_int_equal(bs_vl_write_data(&m, (size_t)i, d[i], (const int64_t *const *)in, exp, frames), 0);
    }
    bs_vl_result res[2];
    bs_vl_run_opts full = {0, 0, 3, 1000000, 50};
    assert_int_equal(bs_vl_run(&m, &full, res, NULL), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(res[i].mismatches, 0);
        assert_int_equal(res[i].cycles, rep[i].final_cycles);
    }
    bs_vl_run_opts bp = {30, 40, 4, 1000000, 100};
    assert_int_equal(bs_vl_run(&m, &bp, res, NULL), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(res[i].mismatches, 0);
        assert_int_equal(res[i].extra_beats, 0);
        assert_int_equal(res[i].out_beats, res[i].expected_beats);
        bs_rtl_design_free(d[i]);
    }
    rc_free(&pl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_kernels_sim), cmocka_unit_test(test_fifo_sizing)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
