/* rtl_kernels.c - the kernel generator table and the stream/compute kernels
 * (MVAU, Thresholding, FIFO, DWC, LabelSelect, AddStreams): attribute checks, stream
 * shapes, C golden models and FINN's expected-cycle formulas.
 *
 * Golden models work on flat element arrays in FINN's stream order (the
 * normal shape flattened, which for every kernel here equals the folded
 * shape flattened), so the test benches can pack them into beats with the
 * stream description and compare bit for bit.  The Verilog emitters live in
 * rtl_emit.c. */
#include "rtl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brainsmith/error.h"

/* ---- datatypes ---- */
int bs_rtl_dt_parse(const char *name, bs_rtl_dt *out)
{
    memset(out, 0, sizeof *out);
    if (!name || !*name) return bs_error_set(BS_EINVAL, "datatype: empty name");
    snprintf(out->name, sizeof out->name, "%s", name);
    if (!strcmp(name, "BINARY")) { out->bits = 1; return 0; }
    if (!strcmp(name, "BIPOLAR")) { out->bits = 1; out->bipolar = true; return 0; }
    const char *num = NULL;
    if (!strncmp(name, "UINT", 4)) num = name + 4;
    else if (!strncmp(name, "INT", 3)) { num = name + 3; out->is_signed = true; }
    if (num && *num) {
        char *end;
        long b = strtol(num, &end, 10);
        if (!*end && b >= 1 && b <= 32) { out->bits = (int)b; return 0; }
    }
    return bs_error_set(BS_EINVAL, "datatype '%s': not an integer QONNX type of 1..32 bits "
                        "(BINARY, BIPOLAR, UINTn, INTn)", name);
}

void bs_rtl_node_init(bs_rtl_node *n, const char *op, const char *name)
{
    memset(n, 0, sizeof *n);
    snprintf(n->op, sizeof n->op, "%s", op);
    snprintf(n->name, sizeof n->name, "%s", name);
    n->PE = n->SIMD = 1;
    n->numInputVectors = 1;
    n->Stride[0] = n->Stride[1] = 1;
    n->Dilation[0] = n->Dilation[1] = 1;
    n->depth = 2;
    n->K = 1;
    snprintf(n->accDataType, sizeof n->accDataType, "INT32");
    snprintf(n->mem_mode, sizeof n->mem_mode, "internal_decoupled");
}

void bs_rtl__base_op(const char *op, char *buf, size_t n)
{
    snprintf(buf, n, "%s", op);
    size_t l = strlen(buf);
    if (l > 4 && (!strcmp(buf + l - 4, "_hls") || !strcmp(buf + l - 4, "_rtl"))) buf[l - 4] = 0;
}

int64_t bs_rtl__ceil_pow2(int64_t v)
{
    int64_t p = 1;
    while (p < v) p <<= 1;
    return p;
}

int64_t bs_rtl__gcd(int64_t a, int64_t b)
{
    while (b) { int64_t t = a % b; a = b; b = t; }
    return a;
}

static int64_t wrap_signed(int64_t v, int bits)
{
    if (bits >= 64) return v;
    uint64_t m = (1ull << bits) - 1, u = (uint64_t)v & m;
    if (u >> (bits - 1)) u |= ~m;
    return (int64_t)u;
}

int bs_rtl__thr_bits(const int64_t *t, int64_t count)
{
    int b = 2;
    for (int64_t i = 0; i < count; i++) {
        int x = bits_signed(t[i]);
        if (x > b) b = x;
    }
    return b;
}

/* ================= MVAU ================= */
int bs_rtl__mvau_hw(const bs_rtl_node *n, bs_rtl__mvau_hw_t *hw)
{
    memset(hw, 0, sizeof *hw);
    int rc;
    if ((rc = parse_dt(n, "inputDataType", n->inputDataType, &hw->idt)) < 0) return rc;
    if ((rc = parse_dt(n, "weightDataType", n->weightDataType, &hw->wdt)) < 0) return rc;
    if ((rc = parse_dt(n, "outputDataType", n->outputDataType, &hw->odt)) < 0) return rc;
    bs_rtl_dt adt;
    if ((rc = parse_dt(n, "accDataType", n->accDataType, &adt)) < 0) return rc;
    NEED(n->MW > 0 && n->MH > 0, "%s: MVAU: MW=%lld and MH=%lld must be > 0", n->name,
         (long long)n->MW, (long long)n->MH);
    NEED(n->PE > 0 && n->MH % n->PE == 0, "%s: MVAU: PE=%lld does not divide MH=%lld (rule MH %% PE == 0)",
         n->name, (long long)n->PE, (long long)n->MH);
    NEED(n->SIMD > 0 && n->MW % n->SIMD == 0, "%s: MVAU: SIMD=%lld does not divide MW=%lld (rule MW %% SIMD == 0)",
         n->name, (long long)n->SIMD, (long long)n->MW);
    NEED(n->numInputVectors > 0, "%s: MVAU: numInputVectors must be > 0", n->name);
    bool xnor = n->binaryXnorMode != 0;
    NEED(!xnor || (hw->idt.bits == 1 && hw->wdt.bits == 1),
         "%s: MVAU: binaryXnorMode needs 1-bit input and weights (got %s, %s)", n->name,
         hw->idt.name, hw->wdt.name);
    NEED(xnor || (!hw->idt.bipolar && !hw->wdt.bipolar),
         "%s: MVAU: BIPOLAR operands are only supported with binaryXnorMode=1", n->name);
    NEED(n->weights, "%s: MVAU: no weights given", n->name);
    NEED(n->noActivation || n->thresholds, "%s: MVAU: noActivation=0 but no thresholds", n->name);
    NEED(n->noActivation || n->numSteps > 0, "%s: MVAU: numSteps must be > 0 with thresholds", n->name);
    NEED(!strcmp(n->mem_mode, "internal_embedded") || !strcmp(n->mem_mode, "internal_decoupled") ||
         !strcmp(n->mem_mode, "external") || !strcmp(n->mem_mode, "const") ||
         !strcmp(n->mem_mode, "decoupled"),
         "%s: MVAU: mem_mode '%s' is not internal_embedded, internal_decoupled or external",
         n->name, n->mem_mode);
    hw->external = !strcmp(n->mem_mode, "external");
    NEED(!n->ram_style[0] || !strcmp(n->ram_style, "auto") || !strcmp(n->ram_style, "block") ||
         !strcmp(n->ram_style, "distributed"),
         "%s: MVAU: ram_style '%s' is not auto, block or distributed", n->name, n->ram_style);
    hw->sf = n->MW / n->SIMD;
    hw->nf = n->MH / n->PE;
    hw->abits = adt.bits + (adt.is_signed ? 0 : 1);
    if (hw->abits > 32) hw->abits = 32;
    hw->tbits = n->noActivation ? 2 : bs_rtl__thr_bits(n->thresholds, n->MH * n->numSteps);
    NEED(n->noActivation || hw->tbits <= 40, "%s: MVAU: thresholds need %d bits (> 40)", n->name, hw->tbits);
    NEED(n->noActivation || (1ll << hw->odt.bits) > n->numSteps || hw->odt.bits >= 32,
         "%s: MVAU: %lld threshold steps do not fit outputDataType %s", n->name,
         (long long)n->numSteps, hw->odt.name);
    for (int64_t i = 0; i < n->MW * n->MH; i++)
        NEED(value_fits(&hw->wdt, n->weights[i]) || (hw->wdt.bipolar && (n->weights[i] == 0 || n->weights[i] == 1)),
             "%s: MVAU: weight %lld (index %lld) does not fit weightDataType %s", n->name,
             (long long)n->weights[i], (long long)i, hw->wdt.name);
    return 0;
}

static int mvau_check(const bs_rtl_node *n) { bs_rtl__mvau_hw_t hw; return bs_rtl__mvau_hw(n, &hw); }

static int mvau_streams(const bs_rtl_node *n, bs_rtl_stream *in, int *n_in, bs_rtl_stream *out)
{
    bs_rtl__mvau_hw_t hw;
    int rc = bs_rtl__mvau_hw(n, &hw);
    if (rc < 0) return rc;
    int64_t v = n->numInputVectors;
    stream(&in[0], "in0_V", (int)n->SIMD, &hw.idt, v * hw.sf);
    *n_in = 1;
    if (hw.external) {
        stream(&in[1], "weights_V", (int)(n->PE * n->SIMD), &hw.wdt, v * hw.sf * hw.nf);
        *n_in = 2;
    }
    stream(out, "out_V", (int)n->PE, &hw.odt, v * hw.nf);
    return 0;
}

static int64_t count_thr(int64_t acc, const int64_t *t, int64_t steps, int64_t actval)
{
    int64_t c = actval;
    for (int64_t k = 0; k < steps; k++) c += acc >= t[k];
    return c;
}

static int mvau_golden(const bs_rtl_node *n, const int64_t *const *in, int64_t nframes, int64_t *out)
{
    bs_rtl__mvau_hw_t hw;
    int rc = bs_rtl__mvau_hw(n, &hw);
    if (rc < 0) return rc;
    int64_t vecs = nframes * n->numInputVectors;
    for (int64_t v = 0; v < vecs; v++) {
        const int64_t *x = in[0] + v * n->MW;
        for (int64_t h = 0; h < n->MH; h++) {
            int64_t acc = 0;
            for (int64_t i = 0; i < n->MW; i++) {
                int64_t w = n->weights[i * n->MH + h];
                acc += n->binaryXnorMode ? (int64_t)((x[i] & 1) == (w & 1)) : x[i] * w;
            }
            acc = wrap_signed(acc, hw.abits);
            out[v * n->MH + h] = n->noActivation ? acc
                : count_thr(acc, n->thresholds + h * n->numSteps, n->numSteps, n->ActVal);
        }
    }
    return 0;
}

static int64_t mvau_cycles(const bs_rtl_node *n)
{
    return (n->MH / n->PE) * (n->MW / n->SIMD) * n->numInputVectors;
}

int bs_rtl_mvau_weight_stream(const bs_rtl_node *n, int64_t nframes, int64_t **elems, int64_t *nbeats)
{
    bs_rtl__mvau_hw_t hw;
    int rc = bs_rtl__mvau_hw(n, &hw);
    if (rc < 0) return rc;
    int64_t per = hw.sf * hw.nf, reps = nframes * n->numInputVectors, lanes = n->PE * n->SIMD;
    int64_t *e = malloc(sizeof *e * (size_t)(per * reps * lanes));
    if (!e) return bs_error_set(BS_ENOMEM, "MVAU weight stream");
    for (int64_t r = 0; r < reps; r++)
        for (int64_t nf = 0; nf < hw.nf; nf++)
            for (int64_t sf = 0; sf < hw.sf; sf++)
                for (int64_t p = 0; p < n->PE; p++)
                    for (int64_t s = 0; s < n->SIMD; s++)
                        e[((r * hw.nf + nf) * hw.sf + sf) * lanes + p * n->SIMD + s] =
                            n->weights[(sf * n->SIMD + s) * n->MH + nf * n->PE + p];
    *elems = e;
    *nbeats = per * reps;
    return 0;
}

/* ================= Thresholding ================= */
static int thr_check(const bs_rtl_node *n)
{
    bs_rtl_dt i, o;
    int rc;
    if ((rc = parse_dt(n, "inputDataType", n->inputDataType, &i)) < 0) return rc;
    if ((rc = parse_dt(n, "outputDataType", n->outputDataType, &o)) < 0) return rc;
    NEED(n->NumChannels > 0 && n->PE > 0 && n->NumChannels % n->PE == 0,
         "%s: Thresholding: PE=%lld does not divide NumChannels=%lld", n->name,
         (long long)n->PE, (long long)n->NumChannels);
    NEED(n->numSteps > 0 && n->thresholds, "%s: Thresholding: needs numSteps > 0 and thresholds", n->name);
    NEED(!i.bipolar, "%s: Thresholding: BIPOLAR input is not supported", n->name);
    NEED(bs_rtl__thr_bits(n->thresholds, n->NumChannels * n->numSteps) <= 40,
         "%s: Thresholding: thresholds wider than 40 bits", n->name);
    return 0;
}

static int thr_streams(const bs_rtl_node *n, bs_rtl_stream *in, int *n_in, bs_rtl_stream *out)
{
    int rc = thr_check(n);
    if (rc < 0) return rc;
    bs_rtl_dt i, o;
    bs_rtl_dt_parse(n->inputDataType, &i);
    bs_rtl_dt_parse(n->outputDataType, &o);
    int64_t beats = n->numInputVectors * n->NumChannels / n->PE;
    stream(&in[0], "in0_V", (int)n->PE, &i, beats);
    *n_in = 1;
    stream(out, "out_V", (int)n->PE, &o, beats);
    return 0;
}

static int thr_golden(const bs_rtl_node *n, const int64_t *const *in, int64_t nframes, int64_t *out)
{
    int64_t total = nframes * n->numInputVectors * n->NumChannels;
    for (int64_t e = 0; e < total; e++) {
        int64_t c = e % n->NumChannels;
        out[e] = count_thr(in[0][e], n->thresholds + c * n->numSteps, n->numSteps, n->ActVal);
    }
    return 0;
}

static int64_t thr_cycles(const bs_rtl_node *n) { return n->numInputVectors * n->NumChannels / n->PE; }

/* ================= StreamingFIFO / DWC ================= */
static int fifo_check(const bs_rtl_node *n)
{
    bs_rtl_dt dt;
    int rc = parse_dt(n, "dataType", n->dataType, &dt);
    if (rc < 0) return rc;
    NEED(n->depth >= 1, "%s: StreamingFIFO: depth=%lld must be >= 1", n->name, (long long)n->depth);
    NEED(n->NumChannels > 0 && n->elems > 0 && n->elems % n->NumChannels == 0,
         "%s: StreamingFIFO: folded_shape[-1]=%lld must divide the %lld elements per frame",
         n->name, (long long)n->NumChannels, (long long)n->elems);
    return 0;
}

static int fifo_streams(const bs_rtl_node *n, bs_rtl_stream *in, int *n_in, bs_rtl_stream *out)
{
    int rc = fifo_check(n);
    if (rc < 0) return rc;
    bs_rtl_dt dt;
    bs_rtl_dt_parse(n->dataType, &dt);
    stream(&in[0], "in0_V", (int)n->NumChannels, &dt, n->elems / n->NumChannels);
    *n_in = 1;
    *out = in[0];
    snprintf(out->port, sizeof out->port, "out_V");
    return 0;
}

static int copy_golden(const bs_rtl_node *n, const int64_t *const *in, int64_t nframes, int64_t *out)
{
    memcpy(out, in[0], sizeof *out * (size_t)(nframes * n->elems));
    return 0;
}

static int64_t zero_cycles(const bs_rtl_node *n) { return 0; }

static int dwc_check(const bs_rtl_node *n)
{
    bs_rtl_dt dt;
    int rc = parse_dt(n, "dataType", n->dataType, &dt);
    if (rc < 0) return rc;
    NEED(n->inWidth > 0 && n->outWidth > 0 && n->inWidth % dt.bits == 0 && n->outWidth % dt.bits == 0,
         "%s: StreamingDataWidthConverter: inWidth=%lld and outWidth=%lld must be multiples of %d (%s)",
         n->name, (long long)n->inWidth, (long long)n->outWidth, dt.bits, dt.name);
    int64_t lcm = n->inWidth / bs_rtl__gcd(n->inWidth, n->outWidth) * n->outWidth;
    NEED(n->elems > 0 && (n->elems * dt.bits) % lcm == 0,
         "%s: StreamingDataWidthConverter: %lld elements per frame do not fill whole %lld-bit words",
         n->name, (long long)n->elems, (long long)lcm);
    return 0;
}

static int dwc_streams(const bs_rtl_node *n, bs_rtl_stream *in, int *n_in, bs_rtl_stream *out)
{
    int rc = dwc_check(n);
    if (rc < 0) return rc;
    bs_rtl_dt dt;
    bs_rtl_dt_parse(n->dataType, &dt);
    int il = (int)(n->inWidth / dt.bits), ol = (int)(n->outWidth / dt.bits);
    stream(&in[0], "in0_V", il, &dt, n->elems / il);
    *n_in = 1;
    stream(out, "out_V", ol, &dt, n->elems / ol);
    return 0;
}

/* ================= LabelSelect ================= */
static int ls_check(const bs_rtl_node *n)
{
    bs_rtl_dt i, o;
    int rc;
    if ((rc = parse_dt(n, "inputDataType", n->inputDataType, &i)) < 0) return rc;
    if ((rc = parse_dt(n, "outputDataType", n->outputDataType, &o)) < 0) return rc;
    NEED(n->Labels > 0 && n->PE > 0 && n->Labels % n->PE == 0,
         "%s: LabelSelect: PE=%lld does not divide Labels=%lld", n->name, (long long)n->PE,
         (long long)n->Labels);
    NEED(n->K >= 1 && n->K <= n->Labels, "%s: LabelSelect: K=%lld not in 1..Labels", n->name,
         (long long)n->K);
    NEED(!o.is_signed && (1ll << o.bits) >= n->Labels,
         "%s: LabelSelect: outputDataType %s cannot hold index %lld", n->name, o.name,
         (long long)n->Labels - 1);
    return 0;
}

static int ls_streams(const bs_rtl_node *n, bs_rtl_stream *in, int *n_in, bs_rtl_stream *out)
{
    int rc = ls_check(n);
    if (rc < 0) return rc;
    bs_rtl_dt i, o;
    bs_rtl_dt_parse(n->inputDataType, &i);
    bs_rtl_dt_parse(n->outputDataType, &o);
    stream(&in[0], "in0_V", (int)n->PE, &i, n->numInputVectors * n->Labels / n->PE);
    *n_in = 1;
    stream(out, "out_V", 1, &o, n->numInputVectors * n->K);
    return 0;
}

static int ls_golden(const bs_rtl_node *n, const int64_t *const *in, int64_t nframes, int64_t *out)
{
    int64_t vecs = nframes * n->numInputVectors;
    for (int64_t v = 0; v < vecs; v++) {
        const int64_t *x = in[0] + v * n->Labels;
        int64_t *o = out + v * n->K;
        /* selection by repeated max; ties keep the lower index */
        for (int64_t k = 0; k < n->K; k++) {
            int64_t best = -1;
            for (int64_t i = 0; i < n->Labels; i++) {
                bool used = false;
                for (int64_t j = 0; j < k; j++) used |= o[j] == i;
                if (!used && (best < 0 || x[i] > x[best])) best = i;
            }
            o[k] = best;
        }
    }
    return 0;
}

static int64_t ls_cycles(const bs_rtl_node *n) { return n->Labels / n->PE; }

/* ================= AddStreams ================= */
static int add_dts(const bs_rtl_node *n, bs_rtl_dt *i, bs_rtl_dt *o)
{
    int rc = parse_dt(n, "inputDataType", n->inputDataType, i);
    if (rc < 0) return rc;
    NEED(!i->bipolar, "%s: AddStreams: BIPOLAR input is not supported", n->name);
    /* FINN: smallest type for 2*min (signed) or 2*max (unsigned) */
    memset(o, 0, sizeof *o);
    o->bits = i->bits + 1;
    o->is_signed = i->is_signed;
    snprintf(o->name, sizeof o->name, "%sINT%d", i->is_signed ? "" : "U", o->bits);
    return 0;
}

static int add_check(const bs_rtl_node *n)
{
    bs_rtl_dt i, o;
    int rc = add_dts(n, &i, &o);
    if (rc < 0) return rc;
    NEED(n->NumChannels > 0 && n->PE > 0 && n->NumChannels % n->PE == 0,
         "%s: AddStreams: PE=%lld does not divide NumChannels=%lld", n->name, (long long)n->PE,
         (long long)n->NumChannels);
    return 0;
}

static int add_streams(const bs_rtl_node *n, bs_rtl_stream *in, int *n_in, bs_rtl_stream *out)
{
    int rc = add_check(n);
    if (rc < 0) return rc;
    bs_rtl_dt i, o;
    add_dts(n, &i, &o);
    int64_t beats = n->numInputVectors * n->NumChannels / n->PE;
    stream(&in[0], "in0_V", (int)n->PE, &i, beats);
    stream(&in[1], "in1_V", (int)n->PE, &i, beats);
    *n_in = 2;
    stream(out, "out_V", (int)n->PE, &o, beats);
    return 0;
}

static int add_golden(const bs_rtl_node *n, const int64_t *const *in, int64_t nframes, int64_t *out)
{
    int64_t total = nframes * n->numInputVectors * n->NumChannels;
    for (int64_t e = 0; e < total; e++) out[e] = in[0][e] + in[1][e];
    return 0;
}

static int64_t add_cycles(const bs_rtl_node *n) { return n->numInputVectors * n->NumChannels / n->PE; }

/* ================= the table ================= */
static const bs_rtl_gen gens[] = {
    {"MVAU", "bs_mvau", "matrix-vector-activation unit: MultiThreshold(x.W), PE x SIMD folding, "
     "weights in a $readmemh ROM (internal_*) or streamed (external)",
     mvau_check, mvau_streams, mvau_golden, mvau_cycles, bs_rtl__emit_mvau},
    {"Thresholding", "bs_thresh", "multi-threshold activation, PE lanes, thresholds in a ROM",
     thr_check, thr_streams, thr_golden, thr_cycles, bs_rtl__emit_thresh},
    {"StreamingFIFO", "bs_fifo", "first-word-fall-through FIFO of `depth` beats",
     fifo_check, fifo_streams, copy_golden, zero_cycles, bs_rtl__emit_fifo},
    {"StreamingDataWidthConverter", "bs_dwc", "stream width converter, any inWidth/outWidth ratio",
     dwc_check, dwc_streams, copy_golden, zero_cycles, bs_rtl__emit_dwc},
    {"LabelSelect", "bs_labelselect", "top-K label indices, ties to the lower index",
     ls_check, ls_streams, ls_golden, ls_cycles, bs_rtl__emit_labelselect},
    {"AddStreams", "bs_addstreams", "element-wise sum of two streams",
     add_check, add_streams, add_golden, add_cycles, bs_rtl__emit_addstreams},
    {"ConvolutionInputGenerator", "bs_swg", "sliding-window (im2col) generator, stride and dilation, "
     "ring buffer of input lines",
     bs_rtl__swg_check, bs_rtl__swg_streams, bs_rtl__swg_golden, bs_rtl__swg_cycles, bs_rtl__emit_swg},
    {"StreamingMaxPool", "bs_maxpool", "non-overlapping max pooling (stride = kernel)",
     bs_rtl__mp_check, bs_rtl__mp_streams, bs_rtl__mp_golden, bs_rtl__mp_cycles, bs_rtl__emit_maxpool},
    {"FMPadding", "bs_fmpad", "zero padding of a feature map (top, left, bottom, right)",
     bs_rtl__pad_check, bs_rtl__pad_streams, bs_rtl__pad_golden, bs_rtl__pad_cycles, bs_rtl__emit_fmpad},
    {"ChannelwiseOp", "bs_chanop", "per-channel cmp_le / cmp_ge / add / mul with a parameter ROM",
     bs_rtl__cw_check, bs_rtl__cw_streams, bs_rtl__cw_golden, bs_rtl__cw_cycles, bs_rtl__emit_chanop},
    {"GlobalAccPool", "bs_gap", "per-channel sum over all pixels (global average pool numerator)",
     bs_rtl__gap_check, bs_rtl__gap_streams, bs_rtl__gap_golden, bs_rtl__gap_cycles, bs_rtl__emit_gap},
    {"Pool", "bs_pool", "MaxPool over the windows of a depthwise ConvolutionInputGenerator (FINN's InferPool)",
     bs_rtl__pool_check, bs_rtl__pool_streams, bs_rtl__pool_golden, bs_rtl__pool_cycles, bs_rtl__emit_pool},
};

size_t bs_rtl_gen_count(void) { return sizeof gens / sizeof gens[0]; }
const bs_rtl_gen *bs_rtl_gen_at(size_t i) { return i < bs_rtl_gen_count() ? &gens[i] : NULL; }

const bs_rtl_gen *bs_rtl_gen_find(const char *op)
{
    char base[64];
    if (!op) return NULL;
    bs_rtl__base_op(op, base, sizeof base);
    for (size_t i = 0; i < bs_rtl_gen_count(); i++)
        if (!strcmp(gens[i].op, base)) return &gens[i];
    if (!strcmp(base, "MatrixVectorActivation") || !strcmp(base, "StreamingFCLayer_Batch")) return &gens[0];
    if (!strcmp(base, "Thresholding_Batch")) return &gens[1];
    if (!strcmp(base, "StreamingMaxPool_Batch")) return &gens[7];
    if (!strcmp(base, "FMPadding_Batch")) return &gens[8];
    if (!strcmp(base, "ChannelwiseOp_Batch")) return &gens[9];
    if (!strcmp(base, "GlobalAccPool_Batch")) return &gens[10];
    if (!strcmp(base, "Pool_Batch")) return &gens[11];
    return NULL;
}

static const bs_rtl_gen *need_gen(const bs_rtl_node *n)
{
    const bs_rtl_gen *g = bs_rtl_gen_find(n->op);
    if (!g) bs_error_set(BS_EUNSUPPORTED, "%s: no RTL generator for op type '%s'", n->name, n->op);
    return g;
}

int bs_rtl_node_check(const bs_rtl_node *n)
{
    const bs_rtl_gen *g = need_gen(n);
    return g ? g->check(n) : BS_EUNSUPPORTED;
}

int bs_rtl_node_streams(const bs_rtl_node *n, bs_rtl_stream *in, int *n_in, bs_rtl_stream *out)
{
    const bs_rtl_gen *g = need_gen(n);
    return g ? g->streams(n, in, n_in, out) : BS_EUNSUPPORTED;
}

int bs_rtl_node_golden(const bs_rtl_node *n, const int64_t *const *in, int64_t nframes, int64_t *out)
{
    const bs_rtl_gen *g = need_gen(n);
    if (!g) return BS_EUNSUPPORTED;
    int rc = g->check(n);
    return rc < 0 ? rc : g->golden(n, in, nframes, out);
}

int64_t bs_rtl_node_cycles(const bs_rtl_node *n)
{
    const bs_rtl_gen *g = bs_rtl_gen_find(n->op);
    return g ? g->cycles(n) : 0;
}
