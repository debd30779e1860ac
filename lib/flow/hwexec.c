/* hwexec.c - reference execution of the HW layers the flow creates (MVAU,
 * Thresholding, LabelSelect), following FINN's Python execute_node, so the
 * verification points after convert_to_hw can run natively.  Registered
 * in the executor's op table only for ops no other module registered
 * (the kernels module owns HW op semantics; these are the fallback). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "brainsmith/error.h"
#include "brainsmith/exec.h"
#include "brainsmith/ir.h"
#include "flow_int.h"

/* multithreshold over a 2-D (rows, C) view: channel = last axis */
static void mt_rows(const double *acc, int64_t rows, int64_t C, const bs_value *T, double scale, double bias,
                    bs_value *out)
{
    int64_t tc = T->rank >= 1 ? T->dims[0] : 1, ns = T->rank >= 2 ? T->dims[1] : 1;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < C; c++) {
            double v = acc[r * C + c];
            int64_t ch = tc == 1 ? 0 : c, cnt = 0;
            for (int64_t s = 0; s < ns; s++) cnt += v >= bs_value_get(T, ch * ns + s);
            bs_value_set(out, r * C + c, scale * (double)cnt + bias);
        }
}

static int ex_mvau(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    int64_t mw = bs_ir_attr_int(n, "MW", 0), mh = bs_ir_attr_int(n, "MH", 0);
    const bs_value *x = in[0], *w = in[1];
    if (!x || !w || w->numel != mw * mh || mw <= 0 || x->numel % mw)
        return bs_error_set(BS_EINVAL, "%s: MVAU input/weight sizes do not match MW=%lld MH=%lld", bs_ir_node_desc(n),
                            (long long)mw, (long long)mh);
    int64_t rows = x->numel / mw;
    const char *idt = bs_ir_attr_str(n, "inputDataType", ""), *wdt = bs_ir_attr_str(n, "weightDataType", "");
    bool xnor = bs_ir_attr_int(n, "binaryXnorMode", 0), bip = !strcmp(idt, "BIPOLAR") && !strcmp(wdt, "BIPOLAR");
    double *acc = calloc((size_t)(rows * mh), sizeof *acc);
    if (!acc) return bs_error_set(BS_ENOMEM, "MVAU");
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < mh; j++) {
            double s = 0;
            for (int64_t i = 0; i < mw; i++) {
                double a = bs_value_get(x, r * mw + i), b = bs_value_get(w, i * mh + j);
                if (xnor) s += (a == b);
                else if (bip) s += ((a + 1) / 2 == (b + 1) / 2);
                else s += a * b;
            }
            acc[r * mh + j] = s;
        }
    const bs_ir_tensor *o = n->outputs[0];
    bs_value *out = o->rank >= 0 ? bs_exec_out(cx, 0, BS_ELEM_FLOAT, o->rank, o->dims) : NULL;
    if (!out) { free(acc); return bs_error_set(BS_EINVAL, "%s: output shape unknown", bs_ir_node_desc(n)); }
    if (bs_ir_attr_int(n, "noActivation", 0) == 0 && nin > 2 && in[2]) {
        bool ob = !strcmp(bs_ir_attr_str(n, "outputDataType", ""), "BIPOLAR");
        mt_rows(acc, rows, mh, in[2], ob ? 2 : 1, ob ? -1 : (double)bs_ir_attr_int(n, "ActVal", 0), out);
    } else {
        for (int64_t i = 0; i < rows * mh; i++) bs_value_set(out, i, acc[i]);
    }
    free(acc);
    return 0;
}

static int ex_thr(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    const bs_value *x = in[0];
    int64_t C = bs_ir_attr_int(n, "NumChannels", 0);
    if (!x || nin < 2 || !in[1] || C <= 0 || x->numel % C)
        return bs_error_set(BS_EINVAL, "%s: Thresholding input does not match NumChannels", bs_ir_node_desc(n));
    double *v = malloc(sizeof *v * (size_t)x->numel);
    if (!v) return bs_error_set(BS_ENOMEM, "Thresholding");
    for (int64_t i = 0; i < x->numel; i++) v[i] = bs_value_get(x, i);
    bs_value *out = bs_exec_out_like(cx, 0, BS_ELEM_FLOAT, x);
    bool ob = !strcmp(bs_ir_attr_str(n, "outputDataType", ""), "BIPOLAR");
    double bias = (double)bs_ir_attr_int(n, "ActVal", 0);
    mt_rows(v, x->numel / C, C, in[1], 1, bias, out);
    if (ob)
        for (int64_t i = 0; i < out->numel; i++) bs_value_set(out, i, 2 * bs_value_get(out, i) - 1);
    free(v);
    return 0;
}

static int ex_labelselect(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    const bs_value *x = in[0];
    int64_t L = bs_ir_attr_int(n, "Labels", 0), K = bs_ir_attr_int(n, "K", 1);
    if (!x || L <= 0 || x->numel % L || K > L)
        return bs_error_set(BS_EINVAL, "%s: LabelSelect input does not match Labels", bs_ir_node_desc(n));
    const bs_ir_tensor *o = n->outputs[0];
    bs_value *out = o->rank >= 0 ? bs_exec_out(cx, 0, BS_ELEM_FLOAT, o->rank, o->dims) : NULL;
    if (!out) return bs_error_set(BS_EINVAL, "%s: output shape unknown", bs_ir_node_desc(n));
    int64_t rows = x->numel / L;
    for (int64_t r = 0; r < rows; r++) {
        bool *used = calloc((size_t)L, 1);
        for (int64_t k = 0; k < K; k++) {
            int64_t best = -1;
            for (int64_t j = 0; j < L; j++)
                if (!used[j] && (best < 0 || bs_value_get(x, r * L + j) > bs_value_get(x, r * L + best))) best = j;
            used[best] = true;
            bs_value_set(out, r * K + k, (double)best);
        }
        free(used);
    }
    return 0;
}

/* ConvolutionInputGenerator: Im2Col semantics (NHWC in, (kh, kw, C) innermost out). */
static int ex_swg(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    const int64_t *k, *id, *od, *st, *dl = NULL;
    int nk, ni, no, ns, nd = 0;
    if (bs_ir_attr_get_ints(n, "ConvKernelDim", &k, &nk) || bs_ir_attr_get_ints(n, "IFMDim", &id, &ni) ||
        bs_ir_attr_get_ints(n, "OFMDim", &od, &no) || bs_ir_attr_get_ints(n, "Stride", &st, &ns))
        return bs_error_set(BS_EINVAL, "%s: SWG attributes missing", bs_ir_node_desc(n));
    bs_ir_attr_get_ints(n, "Dilation", &dl, &nd);
    int64_t C = bs_ir_attr_int(n, "IFMChannels", 0), H = id[0], W = id[1], OH = od[0], OW = od[1];
    int64_t dh = nd == 2 ? dl[0] : 1, dw = nd == 2 ? dl[1] : 1;
    const bs_value *x = in[0];
    if (!x || x->numel != H * W * C) return bs_error_set(BS_EINVAL, "%s: input size mismatch", bs_ir_node_desc(n));
    int64_t dims[4] = {1, OH, OW, k[0] * k[1] * C};
    bs_value *o = bs_exec_out(cx, 0, BS_ELEM_FLOAT, 4, dims);
    int64_t p = 0;
    for (int64_t oy = 0; oy < OH; oy++)
        for (int64_t ox = 0; ox < OW; ox++)
            for (int64_t ky = 0; ky < k[0]; ky++)
                for (int64_t kx = 0; kx < k[1]; kx++)
                    for (int64_t c = 0; c < C; c++) {
                        int64_t y = oy * st[0] + ky * dh, xx = ox * st[1] + kx * dw;
                        bs_value_set(o, p++, bs_value_get(x, (y * W + xx) * C + c));
                    }
    return 0;
}

/* Pool(MaxPool) on Im2Col-ordered windows: max over the K positions per channel. */
static int ex_pool(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    const int64_t *ks, *od;
    int nk, no;
    if (bs_ir_attr_get_ints(n, "KernelSize", &ks, &nk) || bs_ir_attr_get_ints(n, "OutImgDims", &od, &no))
        return bs_error_set(BS_EINVAL, "%s: Pool attributes missing", bs_ir_node_desc(n));
    if (strcmp(bs_ir_attr_str(n, "Function", "MaxPool"), "MaxPool"))
        return bs_error_set(BS_EUNSUPPORTED, "%s: only MaxPool is executed natively", bs_ir_node_desc(n));
    int64_t C = bs_ir_attr_int(n, "Channels", 0), K = 1, OH = od[0], OW = no > 1 ? od[1] : od[0];
    for (int i = 0; i < nk; i++) K *= ks[i];
    const bs_value *x = in[0];
    if (!x || x->numel != OH * OW * K * C) return bs_error_set(BS_EINVAL, "%s: input size mismatch", bs_ir_node_desc(n));
    int64_t dims[4] = {1, OH, OW, C};
    bs_value *o = bs_exec_out(cx, 0, BS_ELEM_FLOAT, 4, dims);
    for (int64_t px = 0; px < OH * OW; px++)
        for (int64_t c = 0; c < C; c++) {
            double m = bs_value_get(x, (px * K) * C + c);
            for (int64_t q = 1; q < K; q++) {
                double v = bs_value_get(x, (px * K + q) * C + c);
                if (v > m) m = v;
            }
            bs_value_set(o, px * C + c, m);
        }
    return 0;
}

/* StreamingFIFO / StreamingDataWidthConverter: identity on the values. */
static int ex_identity(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    if (!in[0]) return bs_error_set(BS_EINVAL, "%s: missing input", bs_ir_node_desc(n));
    const bs_ir_tensor *o = n->outputs[0];
    bs_value *out = o->rank >= 0 ? bs_exec_out(cx, 0, BS_ELEM_FLOAT, o->rank, o->dims)
                                 : bs_exec_out_like(cx, 0, BS_ELEM_FLOAT, in[0]);
    if (!out || out->numel != in[0]->numel) return bs_error_set(BS_EINVAL, "%s: size mismatch", bs_ir_node_desc(n));
    for (int64_t i = 0; i < out->numel; i++) bs_value_set(out, i, bs_value_get(in[0], i));
    return 0;
}

static bs_value *out_shaped(bs_exec_ctx *cx, const bs_ir_node *n, int i, const bs_value *like)
{
    const bs_ir_tensor *o = n->outputs[i];
    return o->rank >= 0 ? bs_exec_out(cx, i, BS_ELEM_FLOAT, o->rank, o->dims) : bs_exec_out_like(cx, i, BS_ELEM_FLOAT, like);
}

/* VVAU: depthwise dot products over Im2Col windows ((kh, kw, C) order). */
static int ex_vvau(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    int64_t C = bs_ir_attr_int(n, "Channels", 0), K = 1;
    const int64_t *kd;
    int nk;
    if (bs_ir_attr_get_ints(n, "Kernel", &kd, &nk) == 0) for (int i = 0; i < nk; i++) K *= kd[i];
    if (!in[0] || !in[1] || C <= 0 || in[1]->numel != C * K || in[0]->numel % (C * K))
        return bs_error_set(BS_EINVAL, "%s: VVAU sizes", bs_ir_node_desc(n));
    int64_t px = in[0]->numel / (C * K);
    double *acc = malloc(sizeof(double) * (size_t)(px * C));
    if (!acc) return bs_error_set(BS_ENOMEM, "VVAU");
    for (int64_t p = 0; p < px; p++)
        for (int64_t c = 0; c < C; c++) {
            double s = 0;
            for (int64_t q = 0; q < K; q++) s += bs_value_get(in[0], (p * K + q) * C + c) * bs_value_get(in[1], c * K + q);
            acc[p * C + c] = s;
        }
    bs_value *o = out_shaped(cx, n, 0, in[0]);
    if (bs_ir_attr_int(n, "noActivation", 0) == 0 && nin > 2 && in[2]) {
        bool ob = !strcmp(bs_ir_attr_str(n, "outputDataType", ""), "BIPOLAR");
        mt_rows(acc, px, C, in[2], ob ? 2 : 1, ob ? -1 : (double)bs_ir_attr_int(n, "ActVal", 0), o);
    } else {
        for (int64_t i = 0; i < px * C; i++) bs_value_set(o, i, acc[i]);
    }
    free(acc);
    return 0;
}

/* FMPadding: zero padding of an NHWC image, Padding = [top, left, bottom, right]. */
static int ex_fmpadding(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    const int64_t *im, *pd;
    int ni, np;
    if (bs_ir_attr_get_ints(n, "ImgDim", &im, &ni) || bs_ir_attr_get_ints(n, "Padding", &pd, &np) || ni != 2 || np != 4)
        return bs_error_set(BS_EINVAL, "%s: FMPadding attributes", bs_ir_node_desc(n));
    int64_t C = bs_ir_attr_int(n, "NumChannels", 0), H = im[0], W = im[1];
    int64_t OH = H + pd[0] + pd[2], OW = W + pd[1] + pd[3];
    if (!in[0] || in[0]->numel != H * W * C) return bs_error_set(BS_EINVAL, "%s: FMPadding input size", bs_ir_node_desc(n));
    int64_t dims[4] = {1, OH, OW, C};
    bs_value *o = bs_exec_out(cx, 0, BS_ELEM_FLOAT, 4, dims);
    for (int64_t i = 0; i < o->numel; i++) bs_value_set(o, i, 0);
    for (int64_t y = 0; y < H; y++)
        for (int64_t x = 0; x < W; x++)
            for (int64_t c = 0; c < C; c++)
                bs_value_set(o, ((y + pd[0]) * OW + x + pd[1]) * C + c, bs_value_get(in[0], (y * W + x) * C + c));
    return 0;
}

static int ex_addstreams(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    if (nin < 2 || !in[0] || !in[1] || in[0]->numel != in[1]->numel)
        return bs_error_set(BS_EINVAL, "%s: AddStreams inputs differ in size", bs_ir_node_desc(n));
    bs_value *o = out_shaped(cx, n, 0, in[0]);
    for (int64_t i = 0; i < o->numel; i++) bs_value_set(o, i, bs_value_get(in[0], i) + bs_value_get(in[1], i));
    return 0;
}

static int ex_duplicate(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    for (int k = 0; k < n->noutputs; k++) {
        bs_value *o = out_shaped(cx, n, k, in[0]);
        for (int64_t i = 0; i < o->numel; i++) bs_value_set(o, i, bs_value_get(in[0], i));
    }
    return 0;
}

static int ex_channelwise(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    int64_t C = bs_ir_attr_int(n, "NumChannels", 0);
    const char *f = bs_ir_attr_str(n, "Func", "cmp_le");
    if (nin < 2 || !in[1] || C <= 0 || in[0]->numel % C || in[1]->numel != C)
        return bs_error_set(BS_EINVAL, "%s: ChannelwiseOp sizes", bs_ir_node_desc(n));
    bs_value *o = out_shaped(cx, n, 0, in[0]);
    for (int64_t i = 0; i < o->numel; i++) {
        double a = bs_value_get(in[0], i), p = bs_value_get(in[1], i % C), r;
        if (!strcmp(f, "add")) r = a + p;
        else if (!strcmp(f, "mul")) r = a * p;
        else if (!strcmp(f, "cmp_le")) r = a <= p;
        else r = a >= p;
        bs_value_set(o, i, r);
    }
    return 0;
}

static int ex_globalaccpool(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    int64_t C = bs_ir_attr_int(n, "NumChannels", 0);
    if (!in[0] || C <= 0 || in[0]->numel % C) return bs_error_set(BS_EINVAL, "%s: GlobalAccPool sizes", bs_ir_node_desc(n));
    bs_value *o = out_shaped(cx, n, 0, in[0]);
    if (o->numel != C) return bs_error_set(BS_EINVAL, "%s: GlobalAccPool output size", bs_ir_node_desc(n));
    for (int64_t c = 0; c < C; c++) {
        double s = 0;
        for (int64_t i = c; i < in[0]->numel; i += C) s += bs_value_get(in[0], i);
        bs_value_set(o, c, s);
    }
    return 0;
}

/* StreamingDataflowPartition: runs the in-memory child model. */
static const bs_ir_graph *sdp_child;

void bs_flow_set_sdp_child(const bs_ir_graph *child) { sdp_child = child; }

static int ex_sdp(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    if (!sdp_child) return bs_error_set(BS_EUNSUPPORTED, "%s: no partition model loaded", bs_ir_node_desc(n));
    bs_value vin[16];
    if (nin > 16) return bs_error_set(BS_EUNSUPPORTED, "%s: too many inputs", bs_ir_node_desc(n));
    for (int i = 0; i < nin; i++) { vin[i] = *in[i]; vin[i].cap = 0; }
    bs_value outs[16];
    memset(outs, 0, sizeof outs);
    if (sdp_child->noutputs > 16 || sdp_child->noutputs != n->noutputs)
        return bs_error_set(BS_EINVAL, "%s: partition outputs do not match", bs_ir_node_desc(n));
    int rc = bs_exec_graph_once(sdp_child, vin, nin, outs);
    for (int i = 0; i < sdp_child->noutputs && rc == 0; i++) {
        bs_value *o = bs_exec_out_like(cx, i, outs[i].elem, &outs[i]);
        if (!o) rc = bs_error_set(BS_ENOMEM, "SDP output");
        else for (int64_t k = 0; k < o->numel; k++) bs_value_set(o, k, bs_value_get(&outs[i], k));
    }
    for (int i = 0; i < sdp_child->noutputs; i++) bs_value_free(&outs[i]);
    return rc;
}

static const bs_exec_op hw_ops[] = {
    {BS_DOMAIN_FPGADATAFLOW, "StreamingDataflowPartition", ex_sdp, "runs the partition's child model"},
    {BS_DOMAIN_FPGADATAFLOW, "MVAU", ex_mvau, "matrix-vector unit (FINN execute_node semantics)"},
    {BS_DOMAIN_FPGADATAFLOW, "Thresholding", ex_thr, "multithreshold on the last axis"},
    {BS_DOMAIN_FPGADATAFLOW, "LabelSelect", ex_labelselect, "top-K label indices"},
    {BS_DOMAIN_FPGADATAFLOW, "ConvolutionInputGenerator", ex_swg, "sliding-window generator (Im2Col semantics)"},
    {BS_DOMAIN_FPGADATAFLOW, "Pool", ex_pool, "max pooling over Im2Col windows"},
    {BS_DOMAIN_FPGADATAFLOW, "StreamingFIFO", ex_identity, "FIFO: identity on values"},
    {BS_DOMAIN_FPGADATAFLOW, "FMPadding", ex_fmpadding, "zero padding (NHWC)"},
    {BS_DOMAIN_FPGADATAFLOW, "VVAU", ex_vvau, "depthwise vector-vector unit"},
    {BS_DOMAIN_FPGADATAFLOW, "AddStreams", ex_addstreams, "elementwise sum of two streams"},
    {BS_DOMAIN_FPGADATAFLOW, "DuplicateStreams", ex_duplicate, "copies the stream to every output"},
    {BS_DOMAIN_FPGADATAFLOW, "ChannelwiseOp", ex_channelwise, "per-channel add/mul/compare"},
    {BS_DOMAIN_FPGADATAFLOW, "GlobalAccPool", ex_globalaccpool, "sum over H, W per channel"},
    {BS_DOMAIN_FPGADATAFLOW, "StreamingDataWidthConverter", ex_identity, "DWC: identity on values"},
};

void bs_flow_register_hw_exec(void)
{
    for (size_t i = 0; i < sizeof hw_ops / sizeof hw_ops[0]; i++) {
        /* the partition always runs the in-memory child (the checkpoint file
         * may still be being written); other ops only as a fallback */
        bool sdp = !strcmp(hw_ops[i].op_type, "StreamingDataflowPartition");
        const bs_exec_op *cur = bs_exec_lookup(hw_ops[i].domain, hw_ops[i].op_type);
        if (!cur || (sdp && cur != &hw_ops[i])) bs_exec_register(&hw_ops[i]);
    }
}
