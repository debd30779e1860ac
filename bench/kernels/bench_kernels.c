/* bench_kernels.c - cost-model throughput of lib/kernels.
 *
 * 1. estimate rate: bs_knode_estimate over a mix of loaded layers (MVAU_hls,
 *    Thresholding_rtl, ConvolutionInputGenerator_rtl, VVAU_hls, FIFO, DWC).
 * 2. load+estimate rate: attributes read through the JSON attribute source
 *    each time (what an IR adapter costs, roughly).
 * 3. CNV-w1a1 (FINN dev 2025 topology: Thresholding, 8 SWG, 9 MVAU, 2 Pool,
 *    LabelSelect) SetFolding with two-pass relaxation + estimates of every
 *    layer + config alternatives for 20 target-fps values at 5 ns, driven
 *    node by node as the flow will drive it (without the graph IR).
 * Prints one line per measurement. Usage: bench_kernels [seconds-per-test] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "brainsmith/error.h"
#include "brainsmith/kernels.h"
#include "brainsmith/util.h"

typedef struct { const char *op, *attrs; } layer;

static const layer mix[] = {
    {"MVAU_hls", "{\"PE\":16,\"SIMD\":49,\"MW\":784,\"MH\":64,\"inputDataType\":\"INT2\",\"weightDataType\":\"INT2\","
                 "\"outputDataType\":\"INT2\",\"accDataType\":\"INT10\",\"ram_style\":\"block\"}"},
    {"Thresholding_rtl", "{\"PE\":1,\"NumChannels\":784,\"numSteps\":3,\"inputDataType\":\"FLOAT32\","
                         "\"weightDataType\":\"FLOAT32\",\"outputDataType\":\"INT2\"}"},
    {"ConvolutionInputGenerator_rtl", "{\"ConvKernelDim\":[3,3],\"IFMChannels\":64,\"IFMDim\":[30,30],"
                                      "\"OFMDim\":[28,28],\"SIMD\":32,\"Stride\":[1,1],\"Dilation\":[1,1],"
                                      "\"inputDataType\":\"BINARY\",\"outputDataType\":\"BINARY\",\"ram_style\":\"block\"}"},
    {"VVAU_hls", "{\"PE\":16,\"SIMD\":3,\"Dim\":[14,14],\"Channels\":64,\"Kernel\":[3,3],\"inputDataType\":\"UINT4\","
                 "\"weightDataType\":\"INT4\",\"outputDataType\":\"UINT4\"}"},
    {"StreamingFIFO_rtl", "{\"depth\":1000,\"folded_shape\":[1,16,49],\"normal_shape\":[1,784],\"dataType\":\"UINT8\","
                          "\"impl_style\":\"vivado\",\"ram_style\":\"block\"}"},
    {"StreamingDataWidthConverter_rtl", "{\"shape\":[1,960],\"inWidth\":320,\"outWidth\":32,\"dataType\":\"UINT2\"}"},
};
#define NMIX (sizeof mix / sizeof mix[0])

static int load(bs_knode *n, const char *op, cJSON *j, const char *name) {
    bs_kattr_src src;
    bs_kattr_json st;
    bs_kattr_src_json(&src, &st, j);
    return bs_knode_load(n, bs_kernel_find(op), &src, name, BS_FINN_AUTO);
}

/* ---- CNV-w1a1 in FINN dev 2025 form ---- */
#define SWG(ifm, ofm, c, k, s, dw, dt) \
    "{\"ConvKernelDim\":[" #k "," #k "],\"IFMChannels\":" #c ",\"IFMDim\":[" #ifm "," #ifm "],\"OFMDim\":[" #ofm \
    "," #ofm "],\"SIMD\":1,\"Stride\":[" #s "," #s "],\"Dilation\":[1,1],\"depthwise\":" #dw ",\"inputDataType\":\"" dt \
    "\",\"outputDataType\":\"" dt "\",\"ram_style\":\"distributed\"}"
#define MVAU(mw, mh, v, idt, na, odt) \
    "{\"PE\":1,\"SIMD\":1,\"MW\":" #mw ",\"MH\":" #mh ",\"numInputVectors\":" v ",\"inputDataType\":\"" idt \
    "\",\"weightDataType\":\"BIPOLAR\",\"outputDataType\":\"" odt "\",\"noActivation\":" #na ",\"ram_style\":\"auto\"}"
#define POOL(c, o) \
    "{\"Channels\":" #c ",\"PE\":1,\"KernelSize\":[2,2],\"Function\":\"MaxPool\",\"OutImgDims\":[" #o "," #o \
    "],\"InputDataType\":\"BIPOLAR\",\"OutputDataType\":\"BIPOLAR\"}"

static const layer cnv[] = {
    {"Thresholding_rtl", "{\"PE\":1,\"NumChannels\":3,\"numSteps\":255,\"numInputVectors\":[1,32,32],"
                         "\"inputDataType\":\"UINT8\",\"weightDataType\":\"UINT8\",\"outputDataType\":\"UINT8\"}"},
    {"ConvolutionInputGenerator_rtl", SWG(32, 30, 3, 3, 1, 0, "UINT8")},
    {"MVAU_hls", MVAU(27, 64, "[1,30,30]", "UINT8", 0, "BIPOLAR")},
    {"ConvolutionInputGenerator_rtl", SWG(30, 28, 64, 3, 1, 0, "BIPOLAR")},
    {"MVAU_hls", MVAU(576, 64, "[1,28,28]", "BIPOLAR", 0, "BIPOLAR")},
    {"ConvolutionInputGenerator_rtl", SWG(28, 14, 64, 2, 2, 1, "BIPOLAR")},
    {"Pool_hls", POOL(64, 14)},
    {"ConvolutionInputGenerator_rtl", SWG(14, 12, 64, 3, 1, 0, "BIPOLAR")},
    {"MVAU_hls", MVAU(576, 128, "[1,12,12]", "BIPOLAR", 0, "BIPOLAR")},
    {"ConvolutionInputGenerator_rtl", SWG(12, 10, 128, 3, 1, 0, "BIPOLAR")},
    {"MVAU_hls", MVAU(1152, 128, "[1,10,10]", "BIPOLAR", 0, "BIPOLAR")},
    {"ConvolutionInputGenerator_rtl", SWG(10, 5, 128, 2, 2, 1, "BIPOLAR")},
    {"Pool_hls", POOL(128, 5)},
    {"ConvolutionInputGenerator_rtl", SWG(5, 3, 128, 3, 1, 0, "BIPOLAR")},
    {"MVAU_hls", MVAU(1152, 256, "[1,3,3]", "BIPOLAR", 0, "BIPOLAR")},
    {"ConvolutionInputGenerator_rtl", SWG(3, 1, 256, 3, 1, 0, "BIPOLAR")},
    {"MVAU_hls", MVAU(2304, 256, "[1,1,1]", "BIPOLAR", 0, "BIPOLAR")},
    {"MVAU_hls", MVAU(256, 512, "[1]", "BIPOLAR", 0, "BIPOLAR")},
    {"MVAU_hls", MVAU(512, 512, "[1]", "BIPOLAR", 0, "BIPOLAR")},
    {"MVAU_hls", MVAU(512, 10, "[1]", "BIPOLAR", 1, "INT16")},
    {"LabelSelect_hls", "{\"Labels\":10,\"PE\":1,\"K\":1,\"inputDataType\":\"INT16\"}"},
};
#define NCNV (sizeof cnv / sizeof cnv[0])

/* One SetFolding pass over the CNV node list; returns max cycles. */
static int64_t fold_pass(bs_knode *nodes, int64_t target, int64_t wmax) {
    for (size_t i = 0; i < NCNV; i++) {
        bs_fold_result r;
        if (bs_fold_node(&nodes[i], target, wmax, &r) < 0) continue;   /* FINN warns and skips */
        if (r.set_producer_simd > 0 && i > 0) {                          /* producer = previous node */
            bs_knode_set_int(&nodes[i - 1], "SIMD", r.set_producer_simd);
            if (r.producer_parallel_window >= 0)
                bs_knode_set_int(&nodes[i - 1], "parallel_window", r.producer_parallel_window);
        }
    }
    int64_t mx = 0;
    for (size_t i = 0; i < NCNV; i++) {
        int64_t c = 0;
        if (bs_knode_cycles(&nodes[i], &c) == 0 && c > mx) mx = c;
    }
    return mx;
}

int main(int argc, char **argv) {
    double secs = argc > 1 ? atof(argv[1]) : 1.0;
    if (secs <= 0) secs = 1.0;
    bs_knode loaded[NMIX];
    cJSON *js[NMIX];
    for (size_t i = 0; i < NMIX; i++) {
        js[i] = cJSON_Parse(mix[i].attrs);
        if (!js[i] || load(&loaded[i], mix[i].op, js[i], "n") < 0) {
            fprintf(stderr, "bench: %s: %s\n", mix[i].op, bs_error_msg());
            return 1;
        }
    }
    /* 1. estimate only */
    int64_t t0 = bs_now_mono_ns(), n = 0;
    double sink = 0;
    while (bs_now_mono_ns() - t0 < (int64_t)(secs * 1e9)) {
        for (int rep = 0; rep < 1000; rep++) {
            bs_kcost c;
            bs_knode_estimate(&loaded[n % NMIX], "xc7z020clg400-1", &c);
            sink += c.lut;
            n++;
        }
    }
    double dt = (double)(bs_now_mono_ns() - t0) / 1e9;
    printf("estimate:        %.0f layers/s (%lld layers in %.2f s, mix of %zu kernels)\n", (double)n / dt,
           (long long)n, dt, NMIX);
    /* 2. load + estimate */
    t0 = bs_now_mono_ns();
    n = 0;
    while (bs_now_mono_ns() - t0 < (int64_t)(secs * 1e9)) {
        for (int rep = 0; rep < 200; rep++) {
            bs_knode k;
            bs_kcost c;
            size_t i = (size_t)n % NMIX;
            load(&k, mix[i].op, js[i], "n");
            bs_knode_estimate(&k, "xc7z020clg400-1", &c);
            sink += c.lut;
            n++;
        }
    }
    dt = (double)(bs_now_mono_ns() - t0) / 1e9;
    printf("load+estimate:   %.0f layers/s (attributes read through bs_kattr_src each time)\n", (double)n / dt);
    for (size_t i = 0; i < NMIX; i++) cJSON_Delete(js[i]);

    /* 3. CNV SetFolding + estimates, 20 target fps values, 5 ns clock */
    cJSON *cj[NCNV];
    for (size_t i = 0; i < NCNV; i++) {
        cj[i] = cJSON_Parse(cnv[i].attrs);
        if (!cj[i]) { fprintf(stderr, "bench: bad CNV attrs %zu\n", i); return 1; }
    }
    int64_t best = INT64_MAX, total_first = 0;
    for (int round = 0; round < 5; round++) {
        int64_t r0 = bs_now_mono_ns();
        for (int f = 0; f < 20; f++) {
            double fps = 10.0 * pow(10.0, f * 5.0 / 19.0);          /* 10 ... 1e6 fps */
            int64_t target = bs_fold_target_cycles(5.0, fps);
            bs_knode nodes[NCNV];
            for (size_t i = 0; i < NCNV; i++)
                if (load(&nodes[i], cnv[i].op, cj[i], cnv[i].op) < 0) {
                    fprintf(stderr, "bench: %s\n", bs_error_msg());
                    return 1;
                }
            int64_t mx = fold_pass(nodes, target, 36);
            if (mx > target) mx = fold_pass(nodes, mx, 36);          /* two-pass relaxation */
            for (size_t i = 0; i < NCNV; i++) {
                bs_kcost c, alt[3];
                const char *lab[3];
                int na;
                if (bs_knode_estimate(&nodes[i], "xc7z020clg400-1", &c) == 0) sink += c.lut;
                if (bs_knode_alternatives(&nodes[i], "xc7z020clg400-1", alt, lab, &na) == 0) sink += alt[0].lut;
            }
            if (round == 0 && (f == 0 || f == 19))
                printf("cnv fps=%.0f: target %lld cycles, achieved max %lld cycles\n", fps, (long long)target,
                       (long long)mx);
        }
        int64_t el = bs_now_mono_ns() - r0;
        if (round == 0) total_first = el;
        if (el < best) best = el;
    }
    printf("cnv SetFolding(two-pass)+estimates+alternatives, 20 fps values: %.3f ms (best of 5; first %.3f ms)\n",
           (double)best / 1e6, (double)total_first / 1e6);
    for (size_t i = 0; i < NCNV; i++) cJSON_Delete(cj[i]);
    return sink < 0;
}
