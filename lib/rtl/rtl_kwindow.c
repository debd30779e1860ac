/* rtl_kwindow.c - generators of the spatial and per-channel kernels:
 * ConvolutionInputGenerator, StreamingMaxPool, FMPadding, ChannelwiseOp and
 * GlobalAccPool (checks, stream shapes, golden models, FINN cycles).  The
 * table that lists them is in rtl_kernels.c; emitters in rtl_emit.c. */
#include "rtl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brainsmith/error.h"

/* ================= ConvolutionInputGenerator ================= */
int bs_rtl__swg_check(const bs_rtl_node *n)
{
    bs_rtl_dt i;
    int rc = parse_dt(n, "inputDataType", n->inputDataType, &i);
    if (rc < 0) return rc;
    NEED(n->IFMChannels > 0 && n->SIMD > 0 && n->IFMChannels % n->SIMD == 0,
         "%s: ConvolutionInputGenerator: SIMD=%lld does not divide IFMChannels=%lld", n->name,
         (long long)n->SIMD, (long long)n->IFMChannels);
    for (int d = 0; d < 2; d++) {
        int64_t keff = (n->ConvKernelDim[d] - 1) * n->Dilation[d] + 1;
        NEED(n->ConvKernelDim[d] >= 1 && n->Stride[d] >= 1 && n->Dilation[d] >= 1 && n->IFMDim[d] >= keff,
             "%s: ConvolutionInputGenerator: kernel %lld (dilation %lld) larger than IFMDim %lld",
             n->name, (long long)n->ConvKernelDim[d], (long long)n->Dilation[d], (long long)n->IFMDim[d]);
        int64_t od = (n->IFMDim[d] - keff) / n->Stride[d] + 1;
        NEED(n->OFMDim[d] == od, "%s: ConvolutionInputGenerator: OFMDim[%d]=%lld, expected %lld",
             n->name, d, (long long)n->OFMDim[d], (long long)od);
    }
    return 0;
}

int bs_rtl__swg_streams(const bs_rtl_node *n, bs_rtl_stream *in, int *n_in, bs_rtl_stream *out)
{
    int rc = bs_rtl__swg_check(n);
    if (rc < 0) return rc;
    bs_rtl_dt i;
    bs_rtl_dt_parse(n->inputDataType, &i);
    int64_t cf = n->IFMChannels / n->SIMD;
    stream(&in[0], "in0_V", (int)n->SIMD, &i, n->IFMDim[0] * n->IFMDim[1] * cf);
    *n_in = 1;
    stream(out, "out_V", (int)n->SIMD, &i,
           n->OFMDim[0] * n->OFMDim[1] * n->ConvKernelDim[0] * n->ConvKernelDim[1] * cf);
    return 0;
}

int bs_rtl__swg_golden(const bs_rtl_node *n, const int64_t *const *in, int64_t nframes, int64_t *out)
{
    int64_t H = n->IFMDim[0], W = n->IFMDim[1], C = n->IFMChannels;
    int64_t o = 0;
    for (int64_t f = 0; f < nframes; f++) {
        const int64_t *x = in[0] + f * H * W * C;
        for (int64_t oy = 0; oy < n->OFMDim[0]; oy++)
            for (int64_t ox = 0; ox < n->OFMDim[1]; ox++)
                if (n->depthwise) {
                    /* FINN's depthwise order: (CF, KH, KW, SIMD) within an output pixel */
                    for (int64_t cf = 0; cf < C / n->SIMD; cf++)
                        for (int64_t ky = 0; ky < n->ConvKernelDim[0]; ky++)
                            for (int64_t kx = 0; kx < n->ConvKernelDim[1]; kx++) {
                                int64_t iy = oy * n->Stride[0] + ky * n->Dilation[0];
                                int64_t ix = ox * n->Stride[1] + kx * n->Dilation[1];
                                for (int64_t s = 0; s < n->SIMD; s++)
                                    out[o++] = x[(iy * W + ix) * C + cf * n->SIMD + s];
                            }
                } else
                    for (int64_t ky = 0; ky < n->ConvKernelDim[0]; ky++)
                        for (int64_t kx = 0; kx < n->ConvKernelDim[1]; kx++) {
                            int64_t iy = oy * n->Stride[0] + ky * n->Dilation[0];
                            int64_t ix = ox * n->Stride[1] + kx * n->Dilation[1];
                            for (int64_t c = 0; c < C; c++) out[o++] = x[(iy * W + ix) * C + c];
                        }
    }
    return 0;
}

int64_t bs_rtl__swg_cycles(const bs_rtl_node *n)
{
    /* ConvolutionInputGenerator_rtl, default impl style (finn-reference §7.4) */
    int64_t kh = n->ConvKernelDim[0], kw = n->ConvKernelDim[1], H = n->IFMDim[0], W = n->IFMDim[1];
    int64_t dh = n->Dilation[0], dw = n->Dilation[1], sw = n->Stride[1], sh = n->Stride[0];
    int64_t OH = n->OFMDim[0], OW = n->OFMDim[1], cf = n->IFMChannels / n->SIMD;
    bool dws = n->depthwise != 0;
    if (H == 1 || W == 1) {
        int64_t k = H == 1 ? kw : kh, od = H == 1 ? OW : OH, s = H == 1 ? sw : sh;
        return dws ? od * k * cf + cf * (k - 1) * (s - 1) - (k - 1) + 2 : od * k * cf + 2;
    }
    int64_t a = OW * kw * kh * cf, b = sw * W * cf, m = a > b ? a : b;
    if (dws) m += OW * (sw - 1) * (cf - 1);
    return ((kh - 1) * dh * W + (kw - 1) * dw + 1) * cf + OH * m + (dws ? (sh - 1) * W * cf : 0);
}

int64_t bs_rtl__swg_bufd(const bs_rtl_node *n)
{
    int64_t cf = n->IFMChannels / n->SIMD;
    int64_t span = ((n->ConvKernelDim[0] - 1) * n->Dilation[0] * n->IFMDim[1] +
                    (n->ConvKernelDim[1] - 1) * n->Dilation[1] + 1) * cf;
    return bs_rtl__ceil_pow2(span + cf);
}

/* ================= StreamingMaxPool ================= */
int bs_rtl__mp_check(const bs_rtl_node *n)
{
    bs_rtl_dt dt;
    int rc = parse_dt(n, "dataType", n->dataType, &dt);
    if (rc < 0) return rc;
    NEED(!dt.bipolar, "%s: StreamingMaxPool: BIPOLAR is not supported", n->name);
    NEED(n->NumChannels > 0 && n->PE > 0 && n->NumChannels % n->PE == 0,
         "%s: StreamingMaxPool: PE=%lld does not divide NumChannels=%lld", n->name,
         (long long)n->PE, (long long)n->NumChannels);
    for (int d = 0; d < 2; d++)
        NEED(n->PoolDim[d] >= 1 && n->ImgDim[d] >= n->PoolDim[d],
             "%s: StreamingMaxPool: PoolDim[%d]=%lld must be 1..ImgDim=%lld", n->name, d,
             (long long)n->PoolDim[d], (long long)n->ImgDim[d]);
    return 0;
}

int bs_rtl__mp_streams(const bs_rtl_node *n, bs_rtl_stream *in, int *n_in, bs_rtl_stream *out)
{
    int rc = bs_rtl__mp_check(n);
    if (rc < 0) return rc;
    bs_rtl_dt dt;
    bs_rtl_dt_parse(n->dataType, &dt);
    int64_t cf = n->NumChannels / n->PE;
    stream(&in[0], "in0_V", (int)n->PE, &dt, n->ImgDim[0] * n->ImgDim[1] * cf);
    *n_in = 1;
    stream(out, "out_V", (int)n->PE, &dt,
           (n->ImgDim[0] / n->PoolDim[0]) * (n->ImgDim[1] / n->PoolDim[1]) * cf);
    return 0;
}

int bs_rtl__mp_golden(const bs_rtl_node *n, const int64_t *const *in, int64_t nframes, int64_t *out)
{
    int64_t H = n->ImgDim[0], W = n->ImgDim[1], C = n->NumChannels;
    int64_t OH = H / n->PoolDim[0], OW = W / n->PoolDim[1], o = 0;
    for (int64_t f = 0; f < nframes; f++) {
        const int64_t *x = in[0] + f * H * W * C;
        for (int64_t oy = 0; oy < OH; oy++)
            for (int64_t ox = 0; ox < OW; ox++)
                for (int64_t c = 0; c < C; c++) {
                    int64_t m = INT64_MIN;
                    for (int64_t py = 0; py < n->PoolDim[0]; py++)
                        for (int64_t px = 0; px < n->PoolDim[1]; px++) {
                            int64_t v = x[((oy * n->PoolDim[0] + py) * W + ox * n->PoolDim[1] + px) * C + c];
                            if (v > m) m = v;
                        }
                    out[o++] = m;
                }
    }
    return 0;
}

int64_t bs_rtl__mp_cycles(const bs_rtl_node *n)
{
    /* StreamingMaxPool_hls: 1D -> OW*(C/PE)*(kw+1); 2D -> int(W^2*(1+1/kw^2)) */
    int64_t W = n->ImgDim[1], kw = n->PoolDim[1];
    if (n->ImgDim[0] == 1 && n->PoolDim[0] == 1)
        return (W / kw) * (n->NumChannels / n->PE) * (kw + 1);
    return (int64_t)((double)(W * W) * (1.0 + 1.0 / (double)(kw * kw)));
}

/* ================= FMPadding ================= */
int bs_rtl__pad_check(const bs_rtl_node *n)
{
    bs_rtl_dt i;
    int rc = parse_dt(n, "inputDataType", n->inputDataType, &i);
    if (rc < 0) return rc;
    NEED(n->NumChannels > 0 && n->SIMD > 0 && n->NumChannels % n->SIMD == 0,
         "%s: FMPadding: SIMD=%lld does not divide NumChannels=%lld", n->name, (long long)n->SIMD,
         (long long)n->NumChannels);
    NEED(n->ImgDim[0] > 0 && n->ImgDim[1] > 0, "%s: FMPadding: ImgDim must be > 0", n->name);
    for (int k = 0; k < 4; k++) NEED(n->Padding[k] >= 0, "%s: FMPadding: negative padding", n->name);
    return 0;
}

int bs_rtl__pad_streams(const bs_rtl_node *n, bs_rtl_stream *in, int *n_in, bs_rtl_stream *out)
{
    int rc = bs_rtl__pad_check(n);
    if (rc < 0) return rc;
    bs_rtl_dt i;
    bs_rtl_dt_parse(n->inputDataType, &i);
    int64_t cf = n->NumChannels / n->SIMD, oh = n->ImgDim[0] + n->Padding[0] + n->Padding[2],
            ow = n->ImgDim[1] + n->Padding[1] + n->Padding[3];
    stream(&in[0], "in0_V", (int)n->SIMD, &i, n->numInputVectors * n->ImgDim[0] * n->ImgDim[1] * cf);
    *n_in = 1;
    stream(out, "out_V", (int)n->SIMD, &i, n->numInputVectors * oh * ow * cf);
    return 0;
}

int bs_rtl__pad_golden(const bs_rtl_node *n, const int64_t *const *in, int64_t nframes, int64_t *out)
{
    int64_t H = n->ImgDim[0], W = n->ImgDim[1], C = n->NumChannels, o = 0;
    int64_t oh = H + n->Padding[0] + n->Padding[2], ow = W + n->Padding[1] + n->Padding[3];
    for (int64_t f = 0; f < nframes * n->numInputVectors; f++) {
        const int64_t *x = in[0] + f * H * W * C;
        for (int64_t y = 0; y < oh; y++)
            for (int64_t xx = 0; xx < ow; xx++) {
                int64_t iy = y - n->Padding[0], ix = xx - n->Padding[1];
                bool pad = iy < 0 || iy >= H || ix < 0 || ix >= W;
                for (int64_t c = 0; c < C; c++) out[o++] = pad ? 0 : x[(iy * W + ix) * C + c];
            }
    }
    return 0;
}

int64_t bs_rtl__pad_cycles(const bs_rtl_node *n)
{
    return (n->NumChannels / n->SIMD) * n->numInputVectors * (n->ImgDim[0] + n->Padding[0] + n->Padding[2]) *
           (n->ImgDim[1] + n->Padding[1] + n->Padding[3]);
}

/* ================= ChannelwiseOp ================= */
int bs_rtl__chanop_func(const bs_rtl_node *n)
{
    static const char *f[] = {"cmp_le", "cmp_ge", "add", "mul"};
    const char *fn = n->Func[0] ? n->Func : "cmp_le";
    for (int i = 0; i < 4; i++)
        if (!strcmp(fn, f[i])) return i;
    return -1;
}

int bs_rtl__cw_check(const bs_rtl_node *n)
{
    bs_rtl_dt i, p, o;
    int rc;
    if ((rc = parse_dt(n, "inputDataType", n->inputDataType, &i)) < 0) return rc;
    if ((rc = parse_dt(n, "paramDataType", n->paramDataType, &p)) < 0) return rc;
    if ((rc = parse_dt(n, "outputDataType", n->outputDataType, &o)) < 0) return rc;
    NEED(bs_rtl__chanop_func(n) >= 0, "%s: ChannelwiseOp: Func '%s' is not cmp_le, cmp_ge, add or mul", n->name,
         n->Func);
    NEED(n->NumChannels > 0 && n->PE > 0 && n->NumChannels % n->PE == 0,
         "%s: ChannelwiseOp: PE=%lld does not divide NumChannels=%lld", n->name, (long long)n->PE,
         (long long)n->NumChannels);
    NEED(n->params, "%s: ChannelwiseOp: no parameters", n->name);
    NEED(!i.bipolar && !p.bipolar, "%s: ChannelwiseOp: BIPOLAR is not supported", n->name);
    for (int64_t c = 0; c < n->NumChannels; c++)
        NEED(value_fits(&p, n->params[c]), "%s: ChannelwiseOp: parameter %lld (channel %lld) does not fit %s",
             n->name, (long long)n->params[c], (long long)c, p.name);
    return 0;
}

int bs_rtl__cw_streams(const bs_rtl_node *n, bs_rtl_stream *in, int *n_in, bs_rtl_stream *out)
{
    int rc = bs_rtl__cw_check(n);
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

int bs_rtl__cw_golden(const bs_rtl_node *n, const int64_t *const *in, int64_t nframes, int64_t *out)
{
    int f = bs_rtl__chanop_func(n);
    int64_t total = nframes * n->numInputVectors * n->NumChannels;
    for (int64_t e = 0; e < total; e++) {
        int64_t x = in[0][e], p = n->params[e % n->NumChannels];
        out[e] = f == 0 ? x <= p : f == 1 ? x >= p : f == 2 ? x + p : x * p;
    }
    return 0;
}

int64_t bs_rtl__cw_cycles(const bs_rtl_node *n) { return n->numInputVectors * n->NumChannels / n->PE; }

/* ================= GlobalAccPool ================= */
static int gap_dts(const bs_rtl_node *n, bs_rtl_dt *i, bs_rtl_dt *o)
{
    int rc = parse_dt(n, "inputDataType", n->inputDataType, i);
    if (rc < 0) return rc;
    NEED(!i->bipolar, "%s: GlobalAccPool: BIPOLAR is not supported", n->name);
    int64_t px = n->ImgDim[0] * n->ImgDim[1];
    /* FINN: smallest(H*W*min) for signed inputs, else smallest(H*W*max) */
    memset(o, 0, sizeof *o);
    if (i->is_signed) {
        o->is_signed = true;
        o->bits = bits_signed(-px * (1ll << (i->bits - 1)));
    } else {
        uint64_t mx = (uint64_t)px * ((1ull << i->bits) - 1);
        o->bits = 1;
        while (o->bits < 63 && (mx >> o->bits)) o->bits++;
    }
    if (o->bits <= i->bits) o->bits = i->bits + 1;
    snprintf(o->name, sizeof o->name, "%sINT%d", o->is_signed ? "" : "U", o->bits);
    NEED(o->bits <= 32, "%s: GlobalAccPool: sums need %d bits (> 32)", n->name, o->bits);
    return 0;
}

int bs_rtl__gap_check(const bs_rtl_node *n)
{
    bs_rtl_dt i, o;
    int rc = gap_dts(n, &i, &o);
    if (rc < 0) return rc;
    NEED(n->NumChannels > 0 && n->PE > 0 && n->NumChannels % n->PE == 0,
         "%s: GlobalAccPool: PE=%lld does not divide NumChannels=%lld", n->name, (long long)n->PE,
         (long long)n->NumChannels);
    NEED(n->ImgDim[0] > 0 && n->ImgDim[1] > 0, "%s: GlobalAccPool: ImgDim (H, W) must be > 0", n->name);
    return 0;
}

int bs_rtl__gap_streams(const bs_rtl_node *n, bs_rtl_stream *in, int *n_in, bs_rtl_stream *out)
{
    int rc = bs_rtl__gap_check(n);
    if (rc < 0) return rc;
    bs_rtl_dt i, o;
    gap_dts(n, &i, &o);
    int64_t cf = n->NumChannels / n->PE;
    stream(&in[0], "in0_V", (int)n->PE, &i, n->numInputVectors * n->ImgDim[0] * n->ImgDim[1] * cf);
    *n_in = 1;
    stream(out, "out_V", (int)n->PE, &o, n->numInputVectors * cf);
    return 0;
}

int bs_rtl__gap_golden(const bs_rtl_node *n, const int64_t *const *in, int64_t nframes, int64_t *out)
{
    int64_t px = n->ImgDim[0] * n->ImgDim[1], C = n->NumChannels;
    for (int64_t v = 0; v < nframes * n->numInputVectors; v++)
        for (int64_t c = 0; c < C; c++) {
            int64_t s = 0;
            for (int64_t p = 0; p < px; p++) s += in[0][(v * px + p) * C + c];
            out[v * C + c] = s;
        }
    return 0;
}

int64_t bs_rtl__gap_cycles(const bs_rtl_node *n)
{
    return n->numInputVectors * n->ImgDim[0] * n->ImgDim[1] * n->NumChannels / n->PE + n->NumChannels / n->PE;
}


/* ================= Pool (MaxPool) ================= */
int bs_rtl__pool_check(const bs_rtl_node *n)
{
    bs_rtl_dt i, o;
    int rc;
    if ((rc = parse_dt(n, "InputDataType", n->inputDataType, &i)) < 0) return rc;
    if ((rc = parse_dt(n, "OutputDataType", n->outputDataType[0] ? n->outputDataType : n->inputDataType, &o)) < 0)
        return rc;
    NEED(!strcmp(n->Func, "MaxPool"), "%s: Pool: Function '%s' is not supported (only MaxPool)", n->name, n->Func);
    NEED(!i.bipolar, "%s: Pool: BIPOLAR is not supported", n->name);
    NEED(o.bits == i.bits && o.is_signed == i.is_signed,
         "%s: Pool: MaxPool OutputDataType %s differs from InputDataType %s", n->name, o.name, i.name);
    NEED(n->NumChannels > 0 && n->PE > 0 && n->NumChannels % n->PE == 0,
         "%s: Pool: PE=%lld does not divide Channels=%lld", n->name, (long long)n->PE, (long long)n->NumChannels);
    NEED(n->PoolDim[0] >= 1 && n->PoolDim[1] >= 1 && n->OFMDim[0] >= 1 && n->OFMDim[1] >= 1 &&
         n->numInputVectors >= 1, "%s: Pool: KernelSize, OutImgDims and BatchSize must be >= 1", n->name);
    return 0;
}

int bs_rtl__pool_streams(const bs_rtl_node *n, bs_rtl_stream *in, int *n_in, bs_rtl_stream *out)
{
    int rc = bs_rtl__pool_check(n);
    if (rc < 0) return rc;
    bs_rtl_dt i;
    bs_rtl_dt_parse(n->inputDataType, &i);
    int64_t px = n->numInputVectors * n->OFMDim[0] * n->OFMDim[1] * (n->NumChannels / n->PE);
    stream(&in[0], "in0_V", (int)n->PE, &i, px * n->PoolDim[0] * n->PoolDim[1]);
    *n_in = 1;
    stream(out, "out_V", (int)n->PE, &i, px);
    return 0;
}

/* Input (B, OH, OW, CF, K, PE) beats -> output (B, OH, OW, CF, PE): max over K. */
int bs_rtl__pool_golden(const bs_rtl_node *n, const int64_t *const *in, int64_t nframes, int64_t *out)
{
    int64_t K = n->PoolDim[0] * n->PoolDim[1], PE = n->PE;
    int64_t groups = nframes * n->numInputVectors * n->OFMDim[0] * n->OFMDim[1] * (n->NumChannels / PE);
    for (int64_t g = 0; g < groups; g++)
        for (int64_t p = 0; p < PE; p++) {
            int64_t m = INT64_MIN;
            for (int64_t k = 0; k < K; k++) {
                int64_t v = in[0][(g * K + k) * PE + p];
                if (v > m) m = v;
            }
            out[g * PE + p] = m;
        }
    return 0;
}

int64_t bs_rtl__pool_cycles(const bs_rtl_node *n)
{
    /* Pool_hls: (C*K/PE) * OH * OW * BatchSize (finn-reference §7.5) */
    return n->NumChannels * n->PoolDim[0] * n->PoolDim[1] / n->PE * n->OFMDim[0] * n->OFMDim[1] * n->numInputVectors;
}
