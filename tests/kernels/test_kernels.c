/* test_kernels.c - hand-worked cost-model numbers for the kernel registry
 * (finn-reference §7-8 worked examples, recomputed by hand in the comments),
 * folding refusals with nearest legal values, SetFolding per-node steps,
 * legacy (v0.6) formulas and the QONNX datatype helper. */
#include "test_util.h"
#include <math.h>
#include "brainsmith/error.h"
#include "brainsmith/kernels.h"

/* Loads `op` with attributes from JSON text into *n; asserts success. */
static void load(bs_knode *n, const char *op, const char *json, bs_finn_version v) {
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    const bs_kernel *k = bs_kernel_find(op);
    assert_non_null(k);
    bs_kattr_src src;
    bs_kattr_json st;
    bs_kattr_src_json(&src, &st, j);
    int rc = bs_knode_load(n, k, &src, "n0", v);
    if (rc) fprintf(stderr, "load: %s\n", bs_error_msg());
    assert_int_equal(rc, 0);
    cJSON_Delete(j);
}

static void est(const bs_knode *n, const char *part, bs_kcost *c) {
    int rc = bs_knode_estimate(n, part, c);
    if (rc) fprintf(stderr, "estimate: %s\n", bs_error_msg());
    assert_int_equal(rc, 0);
}

#define TFC0 "{\"PE\":16,\"SIMD\":49,\"MW\":784,\"MH\":64,\"inputDataType\":\"BINARY\"," \
             "\"weightDataType\":\"BINARY\",\"outputDataType\":\"BINARY\",\"binaryXnorMode\":1," \
             "\"ram_style\":\"block\",\"resType\":\"lut\"%s}"

static void test_mvau_worked_example(void **st) {
    char buf[512];
    bs_knode n;
    bs_kcost c;
    snprintf(buf, sizeof buf, TFC0, "");
    load(&n, "MVAU_hls", buf, BS_FINN_AUTO);
    est(&n, "xc7z020clg400-1", &c);
    /* cycles = (64/16)*(784/49) = 64; omega = 64, width 784 > 18, omega <= 512:
     * ceil(64/512)*ceil(784/36) = 22; eff = 50176/(22*18432) */
    assert_int_equal(c.cycles, 64);
    assert_true(c.bram18 == 22);
    assert_true(fabs(c.bram_eff - 0.12373737373737374) < 1e-15);
    assert_true(c.pyfloat & BS_KC_BRAM_EFF);
    /* mult 98, adder 194, acc min(32, ceil(11.6156)) = 12: int(300+17.6*304) */
    assert_true(c.lut == 5650);
    assert_true(c.dsp == 0 && c.uram == 0 && c.uram_eff == 1);
    snprintf(buf, sizeof buf, TFC0, ",\"accDataType\":\"UINT10\"");
    load(&n, "MVAU_hls", buf, BS_FINN_AUTO);
    est(&n, NULL, &c);
    assert_true(c.lut == 5615);
    snprintf(buf, sizeof buf, TFC0, ",\"accDataType\":\"INT11\"");
    load(&n, "MVAU_hls", buf, BS_FINN_AUTO);
    est(&n, NULL, &c);
    assert_true(c.lut == 5632);
    /* resType dsp: LUT int(300+17.6*(194+12)) = 3925, DSP 16*49*ceil(2/48) */
    snprintf(buf, sizeof buf, TFC0, "");
    load(&n, "MVAU_hls", buf, BS_FINN_AUTO);
    bs_kcost alt[3];
    const char *lab[3];
    int cnt;
    assert_int_equal(bs_knode_alternatives(&n, "xc7z020clg400-1", alt, lab, &cnt), 0);
    assert_int_equal(cnt, 2);
    assert_string_equal(lab[0], "dsp");
    assert_true(alt[0].lut == 3925 && alt[0].dsp == 784);
    assert_true(alt[1].lut == 5650 && alt[1].dsp == 0);
    /* shapes and widths */
    int64_t d[10], w;
    size_t nd;
    assert_int_equal(bs_knode_folded_shape(&n, 0, 0, d, &nd), 0);
    assert_int_equal(nd, 3);
    assert_true(d[0] == 1 && d[1] == 16 && d[2] == 49);
    assert_int_equal(bs_knode_folded_shape(&n, 1, 0, d, &nd), 0);
    assert_true(nd == 3 && d[1] == 4 && d[2] == 16);
    assert_int_equal(bs_knode_stream_width(&n, 0, 1, &w), 0);
    assert_int_equal(w, 784);                          /* weight stream PE*SIMD*W */
    assert_int_equal(bs_knode_stream_width_padded(&n, 0, 0, &w), 0);
    assert_int_equal(w, 56);                           /* 49 bits -> 56 */
    /* MVAU_rtl DSPs: DSP48E1 ceil(16/4)*49 = 196; Versal DSP58 16*ceil(49/3) = 272 */
    load(&n, "MVAU_rtl", buf, BS_FINN_AUTO);
    est(&n, "xc7z020clg400-1", &c);
    assert_true(c.dsp == 196 && c.lut == 0);
    est(&n, "xcvc1902-vsva2197-2MP-e-S", &c);
    assert_true(c.dsp == 272);
}

static void test_mvau_memory_branches(void **st) {
    bs_knode n;
    bs_kcost c;
    /* distributed: no BRAM, c2 = P*Q*W*ceil(WMEM/64) = 16*49*1*1 */
    load(&n, "MVAU_hls", "{\"PE\":16,\"SIMD\":49,\"MW\":784,\"MH\":64,\"inputDataType\":\"BINARY\","
         "\"weightDataType\":\"BINARY\",\"outputDataType\":\"BINARY\",\"ram_style\":\"distributed\"}",
         BS_FINN_AUTO);
    est(&n, NULL, &c);
    assert_true(c.bram18 == 0 && c.bram_eff == 1 && !(c.pyfloat & BS_KC_BRAM_EFF));
    assert_true(c.lut == 5650 + 784);
    /* ultra: URAM ceil(784/72)*ceil(64/4096) = 11 */
    load(&n, "MVAU_hls", "{\"PE\":16,\"SIMD\":49,\"MW\":784,\"MH\":64,\"inputDataType\":\"BINARY\","
         "\"weightDataType\":\"BINARY\",\"outputDataType\":\"BINARY\",\"ram_style\":\"ultra\"}",
         BS_FINN_AUTO);
    est(&n, NULL, &c);
    assert_true(c.uram == 11 && c.bram18 == 0);
    assert_true(fabs(c.uram_eff - 50176.0 / (11 * 72 * 4096)) < 1e-15);
    /* internal_embedded, WMEM 64 <= 128: no BRAM, c2 counted */
    load(&n, "MVAU_hls", "{\"PE\":16,\"SIMD\":49,\"MW\":784,\"MH\":64,\"inputDataType\":\"BINARY\","
         "\"weightDataType\":\"BINARY\",\"outputDataType\":\"BINARY\",\"mem_mode\":\"internal_embedded\"}",
         BS_FINN_AUTO);
    est(&n, NULL, &c);
    assert_true(c.bram18 == 0 && c.lut == 5650 + 784);
    /* external: nothing stored */
    load(&n, "MVAU_hls", "{\"PE\":16,\"SIMD\":49,\"MW\":784,\"MH\":64,\"inputDataType\":\"BINARY\","
         "\"weightDataType\":\"BINARY\",\"outputDataType\":\"BINARY\",\"mem_mode\":\"external\"}",
         BS_FINN_AUTO);
    est(&n, NULL, &c);
    assert_true(c.bram18 == 0 && c.uram == 0);
    int64_t d[10];
    size_t nd;
    assert_int_equal(bs_knode_folded_shape(&n, 0, 1, d, &nd), 0);   /* vecs+[SF*NF, SIMD*PE] */
    assert_true(nd == 3 && d[1] == 64 && d[2] == 784);
    /* thresholds in LUTRAM: (2^B-1)*acc*ceil(TMEM/64) + comparators, B=2, acc 12 */
    load(&n, "MVAU_hls", "{\"PE\":16,\"SIMD\":49,\"MW\":784,\"MH\":64,\"inputDataType\":\"BINARY\","
         "\"weightDataType\":\"BINARY\",\"outputDataType\":\"UINT2\",\"ram_style_thresholds\":\"distributed\"}",
         BS_FINN_AUTO);
    est(&n, NULL, &c);
    assert_true(c.lut == (double)(int64_t)(300 + 1.1 * (16.0 * (98 + 194 + 12 + 36 + 36))));
}

static void test_refusals(void **st) {
    bs_knode n;
    int64_t cyc;
    load(&n, "MVAU_hls", "{\"PE\":5,\"SIMD\":49,\"MW\":784,\"MH\":64,\"inputDataType\":\"INT2\","
         "\"weightDataType\":\"INT2\",\"outputDataType\":\"INT2\"}", BS_FINN_AUTO);
    assert_int_equal(bs_knode_cycles(&n, &cyc), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "PE=5 does not divide MH=64"));
    assert_non_null(strstr(bs_error_msg(), "nearest legal PE: 4 or 8"));
    load(&n, "MVAU_hls", "{\"PE\":4,\"SIMD\":50,\"MW\":784,\"MH\":64,\"inputDataType\":\"INT2\","
         "\"weightDataType\":\"INT2\",\"outputDataType\":\"INT2\"}", BS_FINN_AUTO);
    assert_int_equal(bs_knode_check(&n), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "SIMD=50 does not divide MW=784"));
    assert_non_null(strstr(bs_error_msg(), "49 or 56"));
    load(&n, "Thresholding_rtl", "{\"PE\":3,\"NumChannels\":64,\"numSteps\":3,\"inputDataType\":\"INT8\","
         "\"weightDataType\":\"INT8\",\"outputDataType\":\"UINT2\"}", BS_FINN_AUTO);
    assert_int_equal(bs_knode_check(&n), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "nearest legal PE: 2 or 4"));
    load(&n, "VVAU_hls", "{\"PE\":4,\"SIMD\":2,\"Dim\":[4,4],\"Channels\":8,\"Kernel\":[3,3],"
         "\"inputDataType\":\"INT4\",\"weightDataType\":\"INT4\",\"outputDataType\":\"INT4\"}", BS_FINN_AUTO);
    assert_int_equal(bs_knode_check(&n), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "kh*kw"));
    /* attribute validation */
    cJSON *j = cJSON_Parse("{\"PE\":1,\"SIMD\":1,\"MW\":4,\"MH\":4,\"inputDataType\":\"INT2\","
                           "\"weightDataType\":\"INT2\",\"outputDataType\":\"INT2\",\"ram_style\":\"bram\"}");
    bs_kattr_src src;
    bs_kattr_json js;
    bs_kattr_src_json(&src, &js, j);
    assert_int_equal(bs_knode_load(&n, bs_kernel_find("MVAU_hls"), &src, "x", BS_FINN_AUTO), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "ram_style"));
    cJSON_Delete(j);
    j = cJSON_Parse("{\"PE\":1,\"SIMD\":1,\"MW\":4,\"inputDataType\":\"INT2\","
                    "\"weightDataType\":\"INT2\",\"outputDataType\":\"INT2\"}");
    bs_kattr_src_json(&src, &js, j);
    assert_int_equal(bs_knode_load(&n, bs_kernel_find("MVAU_hls"), &src, "x", BS_FINN_AUTO), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "required attribute MH"));
    cJSON_Delete(j);
    j = cJSON_Parse("{\"PE\":1,\"SIMD\":1,\"MW\":4,\"MH\":4,\"inputDataType\":\"INT2\","
                    "\"weightDataType\":\"QINT7\",\"outputDataType\":\"INT2\"}");
    bs_kattr_src_json(&src, &js, j);
    assert_int_equal(bs_knode_load(&n, bs_kernel_find("MVAU_hls"), &src, "x", BS_FINN_AUTO), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "QINT7"));
    cJSON_Delete(j);
    assert_null(bs_kernel_find("NoSuchOp"));
}

static void test_thresholding(void **st) {
    bs_knode n;
    bs_kcost c;
    /* rtl: 784/49 = 16.0 deep, 8-bit thresholds, 1 output bit: LUTRAM 8*1 per PE -> 392 int */
    load(&n, "Thresholding_rtl", "{\"PE\":49,\"NumChannels\":784,\"numSteps\":1,\"inputDataType\":\"UINT8\","
         "\"weightDataType\":\"UINT8\",\"outputDataType\":\"BINARY\"}", BS_FINN_AUTO);
    est(&n, NULL, &c);
    assert_int_equal(c.cycles, 16);
    assert_true(c.lut == 392 && !(c.pyfloat & BS_KC_LUT) && c.bram18 == 0);
    /* 64/8 = 8.0, depths 8,16,32 (int counts) and 64.0 (float count): 16*4*8 = 512.0 */
    load(&n, "Thresholding_rtl", "{\"PE\":8,\"NumChannels\":64,\"numSteps\":15,\"inputDataType\":\"INT16\","
         "\"weightDataType\":\"INT16\",\"outputDataType\":\"UINT4\"}", BS_FINN_AUTO);
    est(&n, NULL, &c);
    assert_true(c.lut == 512 && (c.pyfloat & BS_KC_LUT));
    /* depth triggers: BRAM only below the URAM trigger; BRAM is never reported (FINN key bug) */
    load(&n, "Thresholding_rtl", "{\"PE\":8,\"NumChannels\":64,\"numSteps\":15,\"inputDataType\":\"INT16\","
         "\"weightDataType\":\"INT16\",\"outputDataType\":\"UINT4\",\"depth_trigger_bram\":1,"
         "\"depth_trigger_uram\":32000}", BS_FINN_AUTO);
    est(&n, NULL, &c);
    assert_true(c.lut == 0 && c.bram18 == 0 && c.uram == 0);
    /* hls: A*P comparators + P*A*ceil(TMEM/64) LUTRAM; block: ceil(A*P/16)*ceil(TMEM/1024) */
    load(&n, "Thresholding_hls", "{\"PE\":1,\"NumChannels\":3,\"numSteps\":255,\"inputDataType\":\"UINT8\","
         "\"weightDataType\":\"UINT8\",\"outputDataType\":\"UINT8\"}", BS_FINN_AUTO);
    est(&n, NULL, &c);
    assert_true(c.lut == 16 && c.cycles == 3);
    load(&n, "Thresholding_hls", "{\"PE\":2,\"NumChannels\":64,\"numSteps\":3,\"inputDataType\":\"INT8\","
         "\"weightDataType\":\"INT8\",\"outputDataType\":\"UINT2\",\"ram_style\":\"block\"}", BS_FINN_AUTO);
    est(&n, NULL, &c);
    assert_true(c.bram18 == 1 && c.lut == 16);
    int64_t w;
    assert_int_equal(bs_knode_stream_width(&n, 0, 1, &w), 0);
    assert_int_equal(w, 2 * 8 * 3);
}

static void test_vvau_swg(void **st) {
    bs_knode n;
    bs_kcost c;
    /* finn-reference §7.2 verified example: 2352 cycles, LUT 5848 */
    load(&n, "VVAU_hls", "{\"PE\":16,\"SIMD\":3,\"Dim\":[14,14],\"Channels\":64,\"Kernel\":[3,3],"
         "\"inputDataType\":\"UINT4\",\"weightDataType\":\"INT4\",\"outputDataType\":\"UINT4\"}", BS_FINN_AUTO);
    est(&n, NULL, &c);
    assert_int_equal(c.cycles, 2352);
    assert_true(c.lut == 5848);
    assert_true(c.bram18 == 0);   /* auto with WMEM 12 <= 128 counts as LUTRAM */
    /* CNV layer 0 SWG: 3x3, C=3, 32x32, SIMD 3, UINT8, distributed, rtl: 8167 cycles, LUT 348 */
    const char *l0 = "{\"ConvKernelDim\":[3,3],\"IFMChannels\":3,\"IFMDim\":[32,32],\"OFMDim\":[30,30],"
                     "\"SIMD\":3,\"Stride\":[1,1],\"Dilation\":[1,1],\"inputDataType\":\"UINT8\","
                     "\"outputDataType\":\"UINT8\",\"ram_style\":\"distributed\"}";
    load(&n, "ConvolutionInputGenerator_rtl", l0, BS_FINN_AUTO);
    est(&n, NULL, &c);
    assert_int_equal(c.cycles, 8167);
    assert_true(c.lut == 348);
    /* CNV layer 1: C=64, 30x30, SIMD 32, BINARY, block: rtl 14238 / 1 BRAM, hls 14292 / 4 BRAM */
    const char *l1 = "{\"ConvKernelDim\":[3,3],\"IFMChannels\":64,\"IFMDim\":[30,30],\"OFMDim\":[28,28],"
                     "\"SIMD\":32,\"Stride\":[1,1],\"Dilation\":[1,1],\"inputDataType\":\"BINARY\","
                     "\"outputDataType\":\"BINARY\",\"ram_style\":\"block\"}";
    load(&n, "ConvolutionInputGenerator_rtl", l1, BS_FINN_AUTO);
    est(&n, NULL, &c);
    assert_int_equal(c.cycles, 14238);
    assert_true(c.bram18 == 1);
    load(&n, "ConvolutionInputGenerator_hls", l1, BS_FINN_MAIN);
    est(&n, NULL, &c);
    assert_int_equal(c.cycles, 14292);
    assert_true(c.bram18 == 4);
    /* parallel window needs SIMD == IFMChannels */
    load(&n, "ConvolutionInputGenerator_rtl",
         "{\"ConvKernelDim\":[3,3],\"IFMChannels\":64,\"IFMDim\":[30,30],\"OFMDim\":[28,28],"
         "\"SIMD\":32,\"Stride\":[1,1],\"Dilation\":[1,1],\"inputDataType\":\"BINARY\","
         "\"outputDataType\":\"BINARY\",\"parallel_window\":1}",
         BS_FINN_AUTO);
    assert_int_equal(bs_knode_check(&n), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "must equal IFMChannels"));
    int64_t d[10];
    size_t nd;
    load(&n, "ConvolutionInputGenerator_rtl", l1, BS_FINN_AUTO);
    assert_int_equal(bs_knode_folded_shape(&n, 1, 0, d, &nd), 0);
    assert_true(nd == 5 && d[1] == 28 && d[3] == 18 && d[4] == 32);
}

static void test_stream_ops(void **st) {
    bs_knode n;
    bs_kcost c;
    static const struct { int in, out; int lut; } dwc[] = {{16, 6, 58}, {16, 8, 9}, {320, 32, 36}};
    for (int i = 0; i < 3; i++) {
        char b[256];
        snprintf(b, sizeof b, "{\"shape\":[1,960],\"inWidth\":%d,\"outWidth\":%d,\"dataType\":\"UINT2\"}",
                 dwc[i].in, dwc[i].out);
        load(&n, "StreamingDataWidthConverter_hls", b, BS_FINN_AUTO);
        est(&n, NULL, &c);
        assert_true(c.lut == dwc[i].lut);
        assert_int_equal(c.cycles, 0);
    }
    /* FIFO, FINN main model: vivado depth 1000 -> 1024, width 392, block: BRAM 22, LUT 20 */
    const char *f1 = "{\"depth\":1000,\"folded_shape\":[1,16,49],\"normal_shape\":[1,784],"
                     "\"dataType\":\"UINT8\",\"impl_style\":\"vivado\",\"ram_style\":\"block\"}";
    load(&n, "StreamingFIFO_rtl", f1, BS_FINN_MAIN);
    est(&n, NULL, &c);
    assert_true(c.bram18 == 22 && c.lut == 20 && c.uram == 0);
    load(&n, "StreamingFIFO_rtl", "{\"depth\":5000,\"folded_shape\":[1,16,49],\"normal_shape\":[1,784],"
         "\"dataType\":\"UINT8\",\"impl_style\":\"vivado\",\"ram_style\":\"ultra\"}", BS_FINN_MAIN);
    est(&n, NULL, &c);
    assert_true(c.uram == 12);
    /* rtl depth 32 width 392: main {0, 206, 0}; dev 2025 bug {11, 10, 6} */
    const char *f3 = "{\"depth\":32,\"folded_shape\":[1,16,49],\"normal_shape\":[1,784],\"dataType\":\"UINT8\"}";
    load(&n, "StreamingFIFO_rtl", f3, BS_FINN_MAIN);
    est(&n, NULL, &c);
    assert_true(c.bram18 == 0 && c.lut == 206 && c.uram == 0);
    load(&n, "StreamingFIFO_rtl", f3, BS_FINN_DEV2025);
    est(&n, NULL, &c);
    assert_true(c.bram18 == 11 && c.lut == 10 && c.uram == 6);
    /* GlobalAccPool C=64 PE=4 7x7 UINT4: 49*16 + 16 = 800 cycles, output UINT10 */
    load(&n, "GlobalAccPool_hls", "{\"NumChannels\":64,\"PE\":4,\"inputDataType\":\"UINT4\","
         "\"numInputVectors\":[1,7,7]}", BS_FINN_AUTO);
    est(&n, NULL, &c);
    assert_int_equal(c.cycles, 800);
    bs_kdt o;
    assert_int_equal(bs_knode_output_dtype(&n, 0, &o), 0);
    assert_string_equal(o.name, "UINT10");
    /* StreamingMaxPool 2D 28x28 2x2: int(784*1.25) = 980 */
    load(&n, "StreamingMaxPool_hls", "{\"ImgDim\":[28,28],\"PoolDim\":[2,2],\"NumChannels\":64,"
         "\"dataType\":\"UINT2\"}", BS_FINN_MAIN);
    est(&n, NULL, &c);
    assert_int_equal(c.cycles, 980);
    /* LabelSelect: Labels/PE cycles; output smallest(9) = UINT4 rounded to UINT8 */
    load(&n, "LabelSelect_hls", "{\"Labels\":10,\"PE\":1,\"K\":1,\"inputDataType\":\"INT8\"}", BS_FINN_AUTO);
    est(&n, NULL, &c);
    assert_int_equal(c.cycles, 10);
    assert_int_equal(bs_knode_output_dtype(&n, 0, &o), 0);
    assert_string_equal(o.name, "UINT8");
    /* AddStreams (dev: inputDataTypes): INT4+INT4: max_abs 8 -> ceil(log2 8 + 1) + 1 = INT5 */
    load(&n, "AddStreams_hls", "{\"NumChannels\":16,\"PE\":4,\"inputDataTypes\":[\"INT4\",\"INT4\"],"
         "\"numInputVectors\":[1,8,8]}", BS_FINN_AUTO);
    est(&n, NULL, &c);
    assert_int_equal(c.cycles, 256);
    assert_int_equal(bs_knode_output_dtype(&n, 0, &o), 0);
    assert_string_equal(o.name, "INT5");
    /* FMPadding 2x2 -> pad 1 all around, C=8, SIMD 2: 4*16 cycles */
    load(&n, "FMPadding_rtl", "{\"ImgDim\":[2,2],\"Padding\":[1,1,1,1],\"NumChannels\":8,\"SIMD\":2,"
         "\"inputDataType\":\"INT4\"}", BS_FINN_AUTO);
    est(&n, NULL, &c);
    assert_int_equal(c.cycles, 64);
    load(&n, "StreamingEltwise_hls", "{\"NumChannels\":8,\"PE\":2,\"inputDataType0\":\"UINT4\","
         "\"inputDataType1\":\"UINT4\",\"eltwiseOp\":\"AbsDiff\",\"numInputVectors\":[1,4,4]}", BS_FINN_AUTO);
    est(&n, NULL, &c);
    assert_int_equal(c.cycles, 64);
    assert_int_equal(bs_knode_output_dtype(&n, 0, &o), 0);
    assert_string_equal(o.name, "UINT4");
    load(&n, "ChannelwiseOp_hls", "{\"PE\":2,\"NumChannels\":256,\"inputDataType\":\"INT8\","
         "\"paramDataType\":\"INT8\",\"outputDataType\":\"BINARY\"}", BS_FINN_AUTO);
    est(&n, NULL, &c);
    assert_true(c.lut == 16 + 2 * 8 * 2);
}

static void test_legacy_v06(void **st) {
    bs_knode n;
    bs_kcost c;
    /* facile StreamingFCLayer_Batch_0 (FINN ~v0.6): acc = W+A+ceil(log2 MW) = 16,
     * thresholds always: 63*16*2 -> int(300 + 1.1*(36+12+16+2016)) = 2588 */
    load(&n, "StreamingFCLayer_Batch", "{\"PE\":1,\"SIMD\":1,\"MW\":14,\"MH\":31,\"inputDataType\":\"INT6\","
         "\"weightDataType\":\"INT6\",\"outputDataType\":\"UINT6\",\"mem_mode\":\"decoupled\","
         "\"accDataType\":\"INT15\"}", BS_FINN_AUTO);
    assert_int_equal(n.ver, BS_FINN_V06);
    assert_string_equal(bs_knode_get_str(&n, "mem_mode"), "internal_decoupled");
    est(&n, NULL, &c);
    assert_int_equal(c.cycles, 434);
    assert_true(c.lut == 2588 && c.bram18 == 1);
    assert_true(fabs(c.bram_eff - 0.14127604166666666) < 1e-15);
    bs_kcost alt[3];
    const char *lab[3];
    int cnt;
    assert_int_equal(bs_knode_alternatives(&n, NULL, alt, lab, &cnt), 0);
    assert_true(cnt == 2 && alt[0].lut == 2548 && alt[0].dsp == 1);
    /* the same node under the 2025 model: acc from the bound, no thresholds */
    load(&n, "StreamingFCLayer_Batch", "{\"PE\":1,\"SIMD\":1,\"MW\":14,\"MH\":31,\"inputDataType\":\"INT6\","
         "\"weightDataType\":\"INT6\",\"outputDataType\":\"UINT6\",\"mem_mode\":\"decoupled\","
         "\"accDataType\":\"INT15\"}", BS_FINN_DEV2025);
    est(&n, NULL, &c);
    assert_true(c.lut == 369);
    /* legacy default mem_mode is const (internal_embedded): WMEM 434 > 128 -> BRAM and URAM */
    load(&n, "StreamingFCLayer_Batch", "{\"PE\":1,\"SIMD\":1,\"MW\":14,\"MH\":31,\"inputDataType\":\"INT6\","
         "\"weightDataType\":\"INT6\",\"outputDataType\":\"UINT6\"}", BS_FINN_AUTO);
    assert_string_equal(bs_knode_get_str(&n, "mem_mode"), "internal_embedded");
    /* v0.5b counted BRAM for external weights; v0.6 and later do not */
    const char *ext = "{\"PE\":1,\"SIMD\":1,\"MW\":14,\"MH\":31,\"inputDataType\":\"INT6\","
                      "\"weightDataType\":\"INT6\",\"outputDataType\":\"UINT6\",\"mem_mode\":\"external\"}";
    load(&n, "StreamingFCLayer_Batch", ext, BS_FINN_V05);
    est(&n, NULL, &c);
    assert_true(c.bram18 == 1);
    load(&n, "StreamingFCLayer_Batch", ext, BS_FINN_V06);
    est(&n, NULL, &c);
    assert_true(c.bram18 == 0);
    /* FINN v0.5b CNV-w4a4 (finn_build/cnv_w4a4_pynqz1_pgreksic, no model file): layers whose
     * attributes follow from final_hw_config + the reported numbers.  StreamingFCLayer_Batch_5:
     * PE 1, SIMD 8, 576x64 on 28x28, noActivation -> 3612672 cycles, LUT 663, BRAM 10 (eff 0.8);
     * StreamingFCLayer_Batch_0: PE 4, SIMD 2, 1152x128 on 10x10 -> 1843200, LUT 700, BRAM 36. */
    load(&n, "StreamingFCLayer_Batch", "{\"PE\":1,\"SIMD\":8,\"MW\":576,\"MH\":64,\"numInputVectors\":[1,28,28],"
         "\"inputDataType\":\"UINT4\",\"weightDataType\":\"INT4\",\"outputDataType\":\"INT24\",\"noActivation\":1,"
         "\"mem_mode\":\"decoupled\",\"ram_style\":\"auto\"}", BS_FINN_V05);
    est(&n, NULL, &c);
    assert_true(c.cycles == 3612672 && c.lut == 663 && c.bram18 == 10 && c.bram_eff == 0.8);
    load(&n, "StreamingFCLayer_Batch", "{\"PE\":4,\"SIMD\":2,\"MW\":1152,\"MH\":128,\"numInputVectors\":[1,10,10],"
         "\"inputDataType\":\"UINT4\",\"weightDataType\":\"INT4\",\"outputDataType\":\"INT24\",\"noActivation\":1,"
         "\"mem_mode\":\"decoupled\",\"ram_style\":\"auto\"}", BS_FINN_V05);
    est(&n, NULL, &c);
    assert_true(c.cycles == 1843200 && c.lut == 700 && c.bram18 == 36);
    assert_true(fabs(c.bram_eff - 0.8888888888888888) < 1e-15);
    /* v0.6 FIFOs kept the vivado depth as given: 1000 deep, 392 wide, block -> 22 BRAM, LUT 20 */
    load(&n, "StreamingFIFO", "{\"depth\":1000,\"folded_shape\":[1,16,49],\"normal_shape\":[1,784],"
         "\"dataType\":\"UINT8\",\"impl_style\":\"vivado\",\"ram_style\":\"block\"}", BS_FINN_V06);
    est(&n, NULL, &c);
    assert_true(c.bram18 == 22 && c.lut == 20);
    assert_true(fabs(c.bram_eff - 392000.0 / (22 * 18432)) < 1e-15);
}

static void test_setfolding_nodes(void **st) {
    bs_knode n;
    bs_fold_result r;
    const char *m0 = "{\"PE\":1,\"SIMD\":1,\"MW\":784,\"MH\":64,\"inputDataType\":\"BINARY\","
                     "\"weightDataType\":\"BINARY\",\"outputDataType\":\"BINARY\"}";
    /* finn-reference §8 TFC table: target 1000 -> (1,56) with width 10000, (2,28) with 36 */
    load(&n, "MVAU_hls", m0, BS_FINN_AUTO);
    assert_int_equal(bs_fold_node(&n, 1000, 10000, &r), 0);
    assert_true(r.val[0] == 1 && r.val[1] == 56 && r.cycles == 896);
    load(&n, "MVAU_hls", m0, BS_FINN_AUTO);
    assert_int_equal(bs_fold_node(&n, 1000, 36, &r), 0);
    assert_true(r.val[0] == 2 && r.val[1] == 28 && r.cycles == 896);
    load(&n, "MVAU_hls", m0, BS_FINN_AUTO);
    assert_int_equal(bs_fold_node(&n, 100, 36, &r), 0);
    assert_true(r.val[0] == 32 && r.val[1] == 28 && r.cycles == 56);
    load(&n, "Thresholding_rtl", "{\"PE\":1,\"NumChannels\":784,\"numSteps\":1,\"inputDataType\":\"UINT8\","
         "\"weightDataType\":\"UINT8\",\"outputDataType\":\"BINARY\"}", BS_FINN_AUTO);
    assert_int_equal(bs_fold_node(&n, 100, 36, &r), 0);
    assert_true(r.n_attrs == 1 && r.val[0] == 8 && r.cycles == 98);
    load(&n, "MVAU_hls", "{\"PE\":1,\"SIMD\":1,\"MW\":64,\"MH\":10,\"inputDataType\":\"BINARY\","
         "\"weightDataType\":\"BINARY\",\"outputDataType\":\"INT32\",\"noActivation\":1}", BS_FINN_AUTO);
    assert_int_equal(bs_fold_node(&n, 100, 36, &r), 0);
    assert_true(r.val[0] == 1 && r.val[1] == 8 && r.cycles == 80);
    /* cybsec MVAU0 (600x64, INT2) at target 100 with mvau_wwidth_max 80: SIMD 40, PE 16 */
    load(&n, "MVAU_hls", "{\"PE\":1,\"SIMD\":1,\"MW\":600,\"MH\":64,\"inputDataType\":\"BIPOLAR\","
         "\"weightDataType\":\"INT2\",\"outputDataType\":\"UINT2\"}", BS_FINN_AUTO);
    assert_int_equal(bs_fold_node(&n, 100, 80, &r), 0);
    assert_true(r.val[0] == 16 && r.val[1] == 40 && r.cycles == 60);
    /* VVAU: PE over Channels, then SIMD; the producer SWG gets SIMD = PE */
    load(&n, "VVAU_rtl", "{\"PE\":1,\"Dim\":[8,8],\"Channels\":16,\"Kernel\":[3,3],"
         "\"inputDataType\":\"INT4\",\"weightDataType\":\"INT4\",\"outputDataType\":\"INT4\"}", BS_FINN_AUTO);
    assert_int_equal(bs_fold_node(&n, 100, 36, &r), 0);
    assert_true(r.set_producer_simd == 16 && r.val[1] == 9 && r.producer_parallel_window == 1);
    /* no SetFolding rule */
    load(&n, "StreamingFIFO_rtl", "{\"depth\":2,\"folded_shape\":[1,2],\"normal_shape\":[1,2],\"dataType\":\"INT2\"}",
         BS_FINN_AUTO);
    assert_int_equal(bs_fold_node(&n, 100, 36, &r), BS_EUNSUPPORTED);
    assert_int_equal(bs_fold_target_cycles(10.0, 100000), 1000);
    assert_int_equal(bs_fold_target_cycles(10.0, 1e6), 100);
    int64_t dv[16];
    assert_int_equal(bs_fold_divisors(784, dv, 16), 15);
    bs_fold_param fp[2];
    load(&n, "MVAU_hls", m0, BS_FINN_AUTO);
    assert_int_equal(bs_fold_params(&n, fp), 2);
    assert_string_equal(fp[0].attr, "PE");
    assert_true(fp[0].dim == 64 && fp[1].dim == 784 && fp[1].value == 1);
    load(&n, "VVAU_hls", "{\"PE\":2,\"SIMD\":3,\"Dim\":[4,4],\"Channels\":8,\"Kernel\":[3,3],"
         "\"inputDataType\":\"INT4\",\"weightDataType\":\"INT4\",\"outputDataType\":\"INT4\"}", BS_FINN_AUTO);
    assert_int_equal(bs_fold_params(&n, fp), 2);
    assert_true(fp[1].dim == 9 && fp[1].value == 3 && !strcmp(fp[1].dim_name, "kh*kw"));
    int64_t lo, hi;
    bs_fold_nearest(64, 5, &lo, &hi);
    assert_true(lo == 4 && hi == 8);
}

static void test_datatypes(void **st) {
    bs_kdt d;
    assert_int_equal(bs_kdt_parse("INT2", &d), 0);
    assert_true(d.bits == 2 && d.is_signed && d.min == -2 && d.max == 1);
    assert_int_equal(bs_kdt_parse("UINT1", &d), 0);
    assert_string_equal(d.name, "BINARY");
    assert_int_equal(bs_kdt_parse("BIPOLAR", &d), 0);
    assert_true(d.bits == 1 && d.is_signed && d.min == -1);
    assert_int_equal(bs_kdt_parse("TERNARY", &d), 0);
    assert_true(d.bits == 2);
    assert_int_equal(bs_kdt_parse("FIXED<8, 4>", &d), 0);
    assert_true(d.bits == 8 && !d.is_integer && d.min == -8 && d.max == 7.9375);
    assert_string_equal(d.name, "FIXED<8,4>");
    assert_int_equal(bs_kdt_parse("FLOAT32", &d), 0);
    assert_true(d.bits == 32);
    assert_int_equal(bs_kdt_parse("INT0", &d), BS_EINVAL);
    assert_int_equal(bs_kdt_parse("FIXED<4,4>", &d), BS_EINVAL);
    bs_kdt_smallest(-1, &d);
    assert_string_equal(d.name, "BIPOLAR");
    bs_kdt_smallest(256, &d);
    assert_string_equal(d.name, "UINT9");
    bs_kdt_smallest(-129, &d);
    assert_string_equal(d.name, "INT9");
    bs_kdt_smallest(0.5, &d);
    assert_string_equal(d.name, "FLOAT32");
}

/* a source with tensor shapes: JSON attributes plus a fixed input/output shape */
static int64_t g_in[4], g_out[4];
static size_t g_nin, g_nout;
static int shape_cb(void *ud, int out, int idx, const int64_t **d, size_t *n) {
    if (idx) return BS_ENOTFOUND;
    *d = out ? g_out : g_in;
    *n = out ? g_nout : g_nin;
    return 0;
}

static void test_graph_crosscheck(void **st) {
    cJSON *j = cJSON_Parse("{\"PE\":4,\"SIMD\":8,\"MW\":64,\"MH\":16,\"inputDataType\":\"INT2\","
                           "\"weightDataType\":\"INT2\",\"outputDataType\":\"INT2\"}");
    bs_kattr_src src;
    bs_kattr_json js;
    bs_kattr_src_json(&src, &js, j);
    src.get_shape = shape_cb;
    bs_knode n;
    g_in[0] = 1; g_in[1] = 64; g_nin = 2;
    g_out[0] = 1; g_out[1] = 16; g_nout = 2;
    assert_int_equal(bs_knode_load(&n, bs_kernel_find("MVAU_hls"), &src, "mv", BS_FINN_AUTO), 0);
    g_out[1] = 10;                                     /* graph says 10 outputs, MH says 16 */
    assert_int_equal(bs_knode_load(&n, bs_kernel_find("MVAU_hls"), &src, "mv", BS_FINN_AUTO), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "output tensor has 10 elements but the attributes describe 16"));
    cJSON_Delete(j);
}

static const char *spec(const char *op, const char *json, const char *pref, const char *part, double wmin,
                        bs_finn_version v, bool *fb) {
    bs_knode n;
    load(&n, op, json, v);
    const bs_kernel *k = NULL;
    int rc = bs_kernel_specialize(&n, pref, part, wmin, &k, fb);
    if (rc) fprintf(stderr, "%s\n", bs_error_msg());
    assert_int_equal(rc, 0);
    return k->op_type;
}

static void test_specialize(void **st) {
    bool fb;
    const char *mv4 = "{\"PE\":1,\"SIMD\":1,\"MW\":8,\"MH\":8,\"inputDataType\":\"INT4\","
                      "\"weightDataType\":\"INT4\",\"outputDataType\":\"INT16\",\"noActivation\":1}";
    /* 7-series DSP48E1 needs narrow weights (min > wdt.min() = -8) */
    assert_string_equal(spec("MVAU", mv4, "", "xc7z020clg400-1", -8, BS_FINN_AUTO, &fb), "MVAU_hls");
    assert_string_equal(spec("MVAU", mv4, "", "xc7z020clg400-1", -7, BS_FINN_AUTO, &fb), "MVAU_rtl");
    assert_string_equal(spec("MVAU", mv4, "", "xczu7ev-ffvc1156-2-e", NAN, BS_FINN_AUTO, &fb), "MVAU_rtl");
    /* fused thresholds -> hls, and "rtl" preference falls back with a warning */
    const char *mvact = "{\"PE\":1,\"SIMD\":1,\"MW\":8,\"MH\":8,\"inputDataType\":\"INT4\","
                        "\"weightDataType\":\"INT4\",\"outputDataType\":\"UINT2\"}";
    assert_string_equal(spec("MVAU", mvact, "rtl", "xczu7ev-ffvc1156-2-e", NAN, BS_FINN_AUTO, &fb), "MVAU_hls");
    assert_true(fb);
    /* auto needs >= 4 bits; explicit rtl accepts 2 bits in dev */
    const char *mv2 = "{\"PE\":1,\"SIMD\":1,\"MW\":8,\"MH\":8,\"inputDataType\":\"INT2\","
                      "\"weightDataType\":\"INT2\",\"outputDataType\":\"INT8\",\"noActivation\":1}";
    assert_string_equal(spec("MVAU", mv2, "", "xczu7ev-ffvc1156-2-e", NAN, BS_FINN_AUTO, &fb), "MVAU_hls");
    assert_string_equal(spec("MVAU", mv2, "rtl", "xczu7ev-ffvc1156-2-e", NAN, BS_FINN_AUTO, &fb), "MVAU_rtl");
    const char *dwc = "{\"shape\":[1,48],\"inWidth\":16,\"outWidth\":%d,\"dataType\":\"UINT2\"}";
    char b[128];
    snprintf(b, sizeof b, dwc, 8);
    assert_string_equal(spec("StreamingDataWidthConverter", b, "", NULL, NAN, BS_FINN_AUTO, &fb),
                        "StreamingDataWidthConverter_rtl");
    snprintf(b, sizeof b, dwc, 6);
    assert_string_equal(spec("StreamingDataWidthConverter", b, "rtl", NULL, NAN, BS_FINN_AUTO, &fb),
                        "StreamingDataWidthConverter_hls");
    assert_true(fb);
    const char *thr = "{\"PE\":1,\"NumChannels\":4,\"numSteps\":3,\"inputDataType\":\"INT8\","
                      "\"weightDataType\":\"INT8\",\"outputDataType\":\"UINT2\"}";
    assert_string_equal(spec("Thresholding", thr, "", NULL, NAN, BS_FINN_AUTO, &fb), "Thresholding_rtl");
    assert_string_equal(spec("Thresholding", thr, "hls", NULL, NAN, BS_FINN_AUTO, &fb), "Thresholding_hls");
    assert_string_equal(spec("LabelSelect", "{\"Labels\":10,\"PE\":1,\"K\":1,\"inputDataType\":\"INT8\"}",
                             "rtl", NULL, NAN, BS_FINN_AUTO, &fb), "LabelSelect_hls");
    assert_true(fb);
    /* SWG: rtl-only in dev; FINN main keeps hls unless the HLS constraints fail */
    const char *swg = "{\"ConvKernelDim\":[3,1],\"IFMChannels\":4,\"IFMDim\":[8,8],\"OFMDim\":[6,8],"
                      "\"SIMD\":1,\"Stride\":[1,1],\"Dilation\":[1,1],\"inputDataType\":\"INT4\","
                      "\"outputDataType\":\"INT4\"}";
    assert_string_equal(spec("ConvolutionInputGenerator", swg, "hls", NULL, NAN, BS_FINN_DEV2025, &fb),
                        "ConvolutionInputGenerator_rtl");
    assert_true(fb);
    assert_string_equal(spec("ConvolutionInputGenerator", swg, "hls", NULL, NAN, BS_FINN_MAIN, &fb),
                        "ConvolutionInputGenerator_rtl");
    assert_true(fb);                                   /* non-square kernel */
    bs_knode n;
    load(&n, "Thresholding", thr, BS_FINN_AUTO);
    const bs_kernel *k;
    assert_int_equal(bs_kernel_specialize(&n, "vhdl", NULL, NAN, &k, &fb), BS_EINVAL);
}

static void test_registry(void **st) {
    assert_true(bs_kernel_count() >= 40);
    for (size_t i = 0; i < bs_kernel_count(); i++) {
        const bs_kernel *k = bs_kernel_at(i);
        assert_ptr_equal(bs_kernel_find(k->op_type), k);
        assert_non_null(k->help);
        for (int a = 0; a < k->n_attrs; a++) assert_non_null(k->attrs[a].help);
        if (k->legacy_of) assert_non_null(bs_kernel_find(k->legacy_of));
    }
    assert_string_equal(bs_kernel_dsp_block("xc7z020clg400-1"), "DSP48E1");
    assert_string_equal(bs_kernel_dsp_block("xczu7ev-ffvc1156-2-e"), "DSP48E2");
    assert_string_equal(bs_kernel_dsp_block("xcve2802-vsvh1760-2MP-e-S"), "DSP58");
    bs_finn_version v;
    assert_int_equal(bs_finn_version_parse("v0.6", &v), 0);
    assert_int_equal(v, BS_FINN_V06);
    assert_int_equal(bs_finn_version_parse("v9", &v), BS_EINVAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mvau_worked_example), cmocka_unit_test(test_mvau_memory_branches),
        cmocka_unit_test(test_refusals),           cmocka_unit_test(test_thresholding),
        cmocka_unit_test(test_vvau_swg),           cmocka_unit_test(test_stream_ops),
        cmocka_unit_test(test_legacy_v06),         cmocka_unit_test(test_setfolding_nodes),
        cmocka_unit_test(test_datatypes),          cmocka_unit_test(test_registry),
        cmocka_unit_test(test_graph_crosscheck),   cmocka_unit_test(test_specialize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
