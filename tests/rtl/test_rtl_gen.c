/* test_rtl_gen.c - the generator table without any tool: datatype parsing,
 * folding checks with messages that name the node and rule, FINN's stream
 * packing, the golden models on hand-computed cases, FINN cycle formulas,
 * DWC/FIFO insertion and the emitted Verilog/init files. */
#include "../test_util.h"

#include "brainsmith/error.h"
#include "brainsmith/kernels.h"
#include "brainsmith/rtl.h"
#include "rtl_cases.h"

static void test_dt(void **s)
{
    bs_rtl_dt d;
    assert_int_equal(bs_rtl_dt_parse("INT4", &d), 0);
    assert_int_equal(d.bits, 4);
    assert_true(d.is_signed);
    assert_int_equal(bs_rtl_dt_parse("UINT32", &d), 0);
    assert_false(d.is_signed);
    assert_int_equal(bs_rtl_dt_parse("BIPOLAR", &d), 0);
    assert_true(d.bipolar);
    assert_int_equal(bs_rtl_dt_parse("FLOAT32", &d), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "FLOAT32"));
    assert_int_equal(bs_rtl_dt_parse("INT0", &d), BS_EINVAL);
    assert_int_equal(bs_rtl_dt_parse("INT33", &d), BS_EINVAL);
}

static void test_table(void **s)
{
    assert_true(bs_rtl_gen_count() >= 11);
    assert_non_null(bs_rtl_gen_find("FMPadding_rtl"));
    assert_non_null(bs_rtl_gen_find("GlobalAccPool_hls"));
    assert_non_null(bs_rtl_gen_find("MVAU_hls"));
    assert_non_null(bs_rtl_gen_find("MVAU_rtl"));
    assert_non_null(bs_rtl_gen_find("StreamingFCLayer_Batch"));
    assert_non_null(bs_rtl_gen_find("ConvolutionInputGenerator_rtl"));
    assert_null(bs_rtl_gen_find("Softmax"));
    for (size_t i = 0; i < bs_rtl_gen_count(); i++) {
        const bs_rtl_gen *g = bs_rtl_gen_at(i);
        assert_non_null(g->check);
        assert_non_null(g->emit);
        assert_true(strlen(g->help) > 10);
    }
    bs_rtl_node n;
    bs_rtl_node_init(&n, "Softmax", "sm");
    assert_int_equal(bs_rtl_node_check(&n), BS_EUNSUPPORTED);
}

static void test_folding_errors(void **s)
{
    rc_pool pl = {0};
    bs_rtl_node n = rc_mvau(&pl, "MVAU_hls_7", 16, 8, 3, 4, "INT4", "INT4", "UINT2", 3, 1);
    assert_int_equal(bs_rtl_node_check(&n), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "MVAU_hls_7"));
    assert_non_null(strstr(bs_error_msg(), "PE=3"));
    n.PE = 2; n.SIMD = 5;
    assert_int_equal(bs_rtl_node_check(&n), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "SIMD=5"));
    n.SIMD = 4;
    assert_int_equal(bs_rtl_node_check(&n), 0);
    snprintf(n.mem_mode, sizeof n.mem_mode, "bogus");
    assert_int_equal(bs_rtl_node_check(&n), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "bogus"));
    /* a weight that does not fit its datatype */
    n = rc_mvau(&pl, "MVAU_hls_8", 4, 2, 1, 1, "INT4", "INT2", "UINT2", 3, 1);
    ((int64_t *)n.weights)[3] = 5;
    assert_int_equal(bs_rtl_node_check(&n), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "weight 5"));
    rc_free(&pl);
}

static void test_pack(void **s)
{
    /* element 0 in the lowest bits; two's complement */
    int64_t v[3] = {1, -1, 2};
    char hex[16];
    bs_rtl_pack_hex(v, 3, 4, hex, sizeof hex);
    assert_string_equal(hex, "2f1");
    int64_t b[5] = {1, 0, 1, 1, 0};
    bs_rtl_pack_hex(b, 5, 1, hex, sizeof hex);
    assert_string_equal(hex, "0d");
}

static void test_golden(void **s)
{
    /* MVAU 2x2, W = [[1,2],[3,-1]] (MW x MH), x = [2, 1]:
     * acc = [2*1+1*3, 2*2+1*(-1)] = [5, 3]; thresholds [4, 6] per channel -> [1, 0] */
    int64_t w[4] = {1, 2, 3, -1}, t[4] = {4, 6, 4, 6}, x[2] = {2, 1}, o[2];
    bs_rtl_node n;
    bs_rtl_node_init(&n, "MVAU", "m");
    n.MW = 2; n.MH = 2; n.numSteps = 2;
    snprintf(n.inputDataType, sizeof n.inputDataType, "INT4");
    snprintf(n.weightDataType, sizeof n.weightDataType, "INT4");
    snprintf(n.outputDataType, sizeof n.outputDataType, "UINT2");
    n.weights = w; n.thresholds = t;
    const int64_t *in[1] = {x};
    assert_int_equal(bs_rtl_node_golden(&n, in, 1, o), 0);
    assert_int_equal(o[0], 1);
    assert_int_equal(o[1], 0);
    n.ActVal = -1;
    assert_int_equal(bs_rtl_node_golden(&n, in, 1, o), 0);
    assert_int_equal(o[0], 0);
    /* xnor: x=[1,0,1], w column=[1,1,0] -> popcount(xnor) = 1 */
    int64_t wx[3] = {1, 1, 0}, xx[3] = {1, 0, 1}, tx[1] = {1};
    bs_rtl_node_init(&n, "MVAU", "x");
    n.MW = 3; n.MH = 1; n.numSteps = 1; n.binaryXnorMode = 1;
    snprintf(n.inputDataType, sizeof n.inputDataType, "BINARY");
    snprintf(n.weightDataType, sizeof n.weightDataType, "BINARY");
    snprintf(n.outputDataType, sizeof n.outputDataType, "BINARY");
    n.weights = wx; n.thresholds = tx;
    in[0] = xx;
    assert_int_equal(bs_rtl_node_golden(&n, in, 1, o), 0);
    assert_int_equal(o[0], 1);
    /* LabelSelect ties go to the lower index */
    int64_t lv[4] = {3, 7, 7, 1}, lo[2];
    bs_rtl_node_init(&n, "LabelSelect", "l");
    n.Labels = 4; n.K = 2;
    snprintf(n.inputDataType, sizeof n.inputDataType, "INT4");
    snprintf(n.outputDataType, sizeof n.outputDataType, "UINT8");
    in[0] = lv;
    assert_int_equal(bs_rtl_node_golden(&n, in, 1, lo), 0);
    assert_int_equal(lo[0], 1);
    assert_int_equal(lo[1], 2);
}

static void test_cycles(void **s)
{
    rc_pool pl = {0};
    /* TFC-w1a1 layer 0 folding from finn-reference §3.1: 64 cycles */
    bs_rtl_node n = rc_mvau(&pl, "MVAU_hls_0", 784, 64, 16, 49, "BINARY", "BINARY", "BINARY", 1, 1);
    assert_int_equal(bs_rtl_node_cycles(&n), 64);
    /* CNV layer 1 SWG (rtl): 14238 cycles (finn-reference §7.4) */
    bs_rtl_node_init(&n, "ConvolutionInputGenerator_rtl", "swg");
    n.IFMDim[0] = n.IFMDim[1] = 30; n.IFMChannels = 64; n.SIMD = 32;
    n.ConvKernelDim[0] = n.ConvKernelDim[1] = 3; n.OFMDim[0] = n.OFMDim[1] = 28;
    snprintf(n.inputDataType, sizeof n.inputDataType, "BINARY");
    assert_int_equal(bs_rtl_node_check(&n), 0);
    assert_int_equal(bs_rtl_node_cycles(&n), 14238);
    /* StreamingMaxPool 28x28 k2: 980 */
    bs_rtl_node_init(&n, "StreamingMaxPool_hls", "mp");
    n.ImgDim[0] = n.ImgDim[1] = 28; n.PoolDim[0] = n.PoolDim[1] = 2; n.NumChannels = 4; n.PE = 4;
    assert_int_equal(bs_rtl_node_cycles(&n), 980);
    /* FINN's InferPool on CNV (28x28x64, k2 s2, SIMD 1): depthwise SWG 66236, Pool_hls 50176
     * (the numbers FINN's estimator gives; finn-reference §7.4/§7.5) */
    bs_rtl_node_init(&n, "ConvolutionInputGenerator_rtl", "swg");
    n.IFMDim[0] = n.IFMDim[1] = 28; n.IFMChannels = 64; n.SIMD = 1; n.depthwise = 1;
    n.ConvKernelDim[0] = n.ConvKernelDim[1] = 2; n.Stride[0] = n.Stride[1] = 2; n.OFMDim[0] = n.OFMDim[1] = 14;
    snprintf(n.inputDataType, sizeof n.inputDataType, "BINARY");
    assert_int_equal(bs_rtl_node_check(&n), 0);
    assert_int_equal(bs_rtl_node_cycles(&n), 66236);
    bs_rtl_node_init(&n, "Pool_hls", "pool");
    n.NumChannels = 64; n.PE = 1; n.PoolDim[0] = n.PoolDim[1] = 2; n.OFMDim[0] = n.OFMDim[1] = 14;
    snprintf(n.Func, sizeof n.Func, "MaxPool");
    snprintf(n.inputDataType, sizeof n.inputDataType, "BINARY");
    snprintf(n.outputDataType, sizeof n.outputDataType, "BINARY");
    assert_int_equal(bs_rtl_node_check(&n), 0);
    assert_int_equal(bs_rtl_node_cycles(&n), 50176);
    snprintf(n.Func, sizeof n.Func, "QuantAvgPool");
    assert_int_equal(bs_rtl_node_check(&n), BS_EINVAL);
    rc_free(&pl);
}

static void test_design_emit(void **s)
{
    rc_pool pl = {0};
    bs_rtl_node ch[2];
    ch[0] = rc_mvau(&pl, "MVAU_0", 8, 6, 2, 4, "UINT2", "INT2", "UINT2", 3, 1);
    ch[1] = rc_mvau(&pl, "MVAU_1", 6, 4, 4, 3, "UINT2", "INT2", "INT8", 0, 1);
    bs_rtl_design *d;
    bs_rtl_design_opts o = {4, true};
    assert_int_equal(bs_rtl_design_new("d1", ch, 2, &o, &d), 0);
    /* out width 2*2=4 -> in width 3*2=6: a DWC then a FIFO */
    assert_int_equal(d->n_nodes, 4);
    assert_string_equal(d->nodes[1].name, "StreamingDataWidthConverter_rtl_0");
    assert_string_equal(d->nodes[2].name, "StreamingFIFO_rtl_0");
    assert_int_equal(d->in[0].s.width_padded, 8);
    assert_int_equal(d->out.s.width_padded, 32);
    char *dir = bs_test_mkdtemp("rtlgen");
    assert_int_equal(bs_rtl_emit(d, dir), 0);
    char *p = bs_path_join(dir, "d1.v"), *txt;
    size_t len;
    assert_int_equal(bs_read_file(p, &txt, &len), 0);
    assert_non_null(strstr(txt, "module d1 ("));
    assert_non_null(strstr(txt, "in0_V_TDATA"));
    assert_non_null(strstr(txt, "out_V_TREADY"));
    assert_non_null(strstr(txt, "keep_hierarchy"));
    free(txt);
    free(p);
    /* weight ROM: SF*NF = 2*3 words of PE*SIMD*2 = 16 bits = 4 hex digits */
    p = bs_path_join(dir, "d1__MVAU_0_w.memh");
    assert_int_equal(bs_read_file(p, &txt, &len), 0);
    assert_int_equal(len, 6 * 5);
    free(txt);
    free(p);
    p = bs_path_join(dir, "bs_rtl_lib.v");
    assert_true(bs_path_exists(p));
    free(p);
    bs_rtl_design_free(d);
    /* mismatched types between layers are refused, naming both */
    ch[1] = rc_mvau(&pl, "MVAU_1", 6, 4, 4, 3, "INT2", "INT2", "INT8", 0, 1);
    assert_int_equal(bs_rtl_design_new("d2", ch, 2, &o, &d), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "MVAU_0 -> MVAU_1"));
    assert_int_equal(bs_rtl_design_new("bad name", ch, 1, &o, &d), BS_EINVAL);
    bs_test_rmdir(dir);
    rc_free(&pl);
}

/* the kernel registry's node (FINN attributes + defaults) feeds the generator */
static void test_from_knode(void **s)
{
    const char *js = "{\"MW\": 64, \"MH\": 32, \"PE\": 4, \"SIMD\": 8, \"inputDataType\": \"UINT2\","
                     " \"weightDataType\": \"INT2\", \"outputDataType\": \"UINT2\", \"accDataType\": \"INT10\","
                     " \"numInputVectors\": [1, 3, 3], \"mem_mode\": \"internal_embedded\"}";
    cJSON *j = cJSON_Parse(js);
    assert_non_null(j);
    bs_kattr_src src;
    bs_kattr_json st;
    bs_kattr_src_json(&src, &st, j);
    bs_knode kn;
    const bs_kernel *k = bs_kernel_find("MVAU_hls");
    assert_non_null(k);
    if (bs_knode_load(&kn, k, &src, "MVAU_hls_3", BS_FINN_AUTO) < 0) fail_msg("%s", bs_error_msg());
    bs_rtl_node n;
    assert_int_equal(bs_rtl_node_from_knode(&kn, &n), 0);
    assert_string_equal(n.name, "MVAU_hls_3");
    assert_int_equal(n.MW, 64);
    assert_int_equal(n.PE, 4);
    assert_int_equal(n.numInputVectors, 9);
    assert_string_equal(n.accDataType, "INT10");
    assert_string_equal(n.mem_mode, "internal_embedded");
    rc_pool pl = {0};
    n.weights = rc_alloc(&pl, 64 * 32);
    n.thresholds = rc_thresholds(&pl, 32, 3, -20, 20);
    n.numSteps = 3;   /* MVAU: from the threshold tensor's shape, not an attribute */
    if (bs_rtl_node_check(&n) < 0) fail_msg("%s", bs_error_msg());
    /* FINN's expected cycles agree between the registry and the generator */
    int64_t kc;
    assert_int_equal(bs_knode_cycles(&kn, &kc), 0);
    assert_int_equal(kc, bs_rtl_node_cycles(&n));
    cJSON_Delete(j);
    rc_free(&pl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dt), cmocka_unit_test(test_table), cmocka_unit_test(test_folding_errors),
        cmocka_unit_test(test_pack), cmocka_unit_test(test_golden), cmocka_unit_test(test_cycles),
        cmocka_unit_test(test_design_emit), cmocka_unit_test(test_from_knode)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
