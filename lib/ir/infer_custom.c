/* infer_custom.c - shape and datatype inference for the QONNX general ops
 * (finn-reference §5) and the FINN fpgadataflow ops (§7), including the
 * legacy names (StreamingFCLayer_Batch, Thresholding_Batch, ...).  The
 * kernels module may override any entry with bs_ir_register_op. */
#include "ir_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int bs_ir__sh_unary(bs_ir_graph *g, bs_ir_node *n);
int bs_ir__matmul_shape(bs_ir_graph *g, bs_ir_node *n);
int bs_ir__pool_dims(const bs_ir_node *n, int sp, const int64_t *in, const int64_t *k, int64_t *out);


static int need_rank(const bs_ir_node *n, int i)
{
    if (!IN(n, i) || IN(n, i)->rank < 0)
        return bs_error_set(BS_EINVAL, "node %s: shape of input %d is unknown", bs_ir_node_desc(n), i);
    return 0;
}

/* All values of a constant input equal to v? (false if not constant) */
static bool const_all(const bs_ir_tensor *t, double v)
{
    const bs_ir_data *d = t ? (t->init ? t->init : t->known) : NULL;
    if (!d || d->proto) return false;
    for (int64_t i = 0; i < d->numel; i++)
        if (bs_ir_data_get(d, i) != v) return false;
    return true;
}

static double const_scalar(const bs_ir_tensor *t)
{
    const bs_ir_data *d = t ? (t->init ? t->init : t->known) : NULL;
    return d && d->numel == 1 ? bs_ir_data_get(d, 0) : NAN;
}

static void set_dt(bs_ir_node *n, int i, bs_dt dt)
{
    if (i < n->noutputs) bs_ir_tensor_set_dtype(n->outputs[i], dt);
}

/* Datatype from a string attribute; FLOAT32 when absent/unparsable. */
static int dt_attr(bs_ir_node *n, const char *attr)
{
    bs_dt dt;
    if (bs_ir_attr_get_dt(n, attr, &dt)) return bs_error_code();
    for (int i = 0; i < n->noutputs; i++) set_dt(n, i, dt);
    return 0;
}

/* ---- QONNX general ops ---------------------------------------------------------- */

static int dt_quant(bs_ir_graph *g, bs_ir_node *n)
{
    (void)g;
    double bw = const_scalar(IN(n, 3));
    bool sgn = bs_ir_attr_int(n, "signed", 1) != 0;
    if (isnan(bw) || bw != floor(bw) || bw < 1 || bw > 64 || !const_all(IN(n, 1), 1) ||
        !const_all(IN(n, 2), 0)) {
        set_dt(n, 0, BS_DT_FLOAT32_V);  /* SCALEDINT -> FLOAT32 (Q), or unknown */
        return 0;
    }
    int b = (int)bw;
    if (b == 1) set_dt(n, 0, sgn ? bs_dt_make(BS_DT_BIPOLAR) : BS_DT_BINARY_V);
    else set_dt(n, 0, sgn ? bs_dt_int(b) : bs_dt_uint(b));
    return 0;
}

static int dt_bipolar_quant(bs_ir_graph *g, bs_ir_node *n)
{
    (void)g;
    set_dt(n, 0, const_all(IN(n, 1), 1) ? bs_dt_make(BS_DT_BIPOLAR) : BS_DT_FLOAT32_V);
    return 0;
}

static int dt_float32(bs_ir_graph *g, bs_ir_node *n)
{
    (void)g;
    for (int i = 0; i < n->noutputs; i++) set_dt(n, i, BS_DT_FLOAT32_V);
    return 0;
}

static int dt_multithreshold(bs_ir_graph *g, bs_ir_node *n)
{
    (void)g;
    bs_dt dt;
    int rc = bs_ir_attr_get_dt(n, "out_dtype", &dt);
    if (rc) return rc;
    double s = bs_ir_attr_float(n, "out_scale", 1.0), b = bs_ir_attr_float(n, "out_bias", 0.0);
    if (s != floor(s) || b != floor(b)) dt = BS_DT_FLOAT32_V;
    set_dt(n, 0, dt);
    return 0;
}

static int sh_multithreshold(bs_ir_graph *g, bs_ir_node *n)
{
    int rc = need_rank(n, 0);
    if (!rc) rc = need_rank(n, 1);
    if (rc) return rc;
    if (IN(n, 1)->rank != 2) return bad(n, "thresholds must be 2-D (channels, steps)");
    return bs_ir_copy_shape(g, n, 0, 0);
}

static int get_pair(const bs_ir_node *n, const char *name, int64_t *v, int64_t def)
{
    const int64_t *a;
    int na;
    if (bs_ir_attr_get_ints(n, name, &a, &na)) {
        v[0] = v[1] = def;
        return 0;
    }
    if (na == 1) { v[0] = v[1] = a[0]; return 0; }
    if (na != 2) return bs_error_set(BS_EINVAL, "node %s: attribute '%s' must have 2 entries",
                                     bs_ir_node_desc(n), name);
    v[0] = a[0];
    v[1] = a[1];
    return 0;
}

static int sh_im2col(bs_ir_graph *g, bs_ir_node *n)
{
    int rc = need_rank(n, 0);
    if (rc) return rc;
    const bs_ir_tensor *x = n->inputs[0];
    if (x->rank != 4) return bad(n, "Im2Col input must be NHWC 4-D");
    int64_t k[2], s[2], d[2], p[4] = {0, 0, 0, 0};
    if ((rc = get_pair(n, "kernel_size", k, -1)) || (rc = get_pair(n, "stride", s, 1)) ||
        (rc = get_pair(n, "dilations", d, 1)))
        return rc;
    if (k[0] <= 0) return bad(n, "kernel_size is required");
    const int64_t *pa;
    int np;
    if (!bs_ir_attr_get_ints(n, "pad_amount", &pa, &np)) {
        if (np != 4) return bad(n, "pad_amount must have 4 entries");
        memcpy(p, pa, sizeof p);
    }
    int64_t o[4] = {x->dims[0], 0, 0, 0};
    for (int i = 0; i < 2; i++) {
        if (s[i] <= 0 || d[i] <= 0 || k[i] <= 0) return bad(n, "bad kernel/stride/dilation");
        int64_t num = x->dims[1 + i] + p[i] + p[i + 2] - d[i] * (k[i] - 1) - 1;
        if (num < 0) return bad(n, "kernel larger than the padded input");
        o[1 + i] = num / s[i] + 1;
    }
    o[3] = k[0] * k[1] * x->dims[3];
    return bs_ir_set_out_shape(g, n, 0, x->elem_type, 4, o);
}

static int sh_xnor(bs_ir_graph *g, bs_ir_node *n) { return bs_ir__matmul_shape(g, n); }
static int dt_xnor(bs_ir_graph *g, bs_ir_node *n) { (void)g; set_dt(n, 0, bs_dt_uint(32)); return 0; }

static int sh_quantavgpool(bs_ir_graph *g, bs_ir_node *n)
{
    int rc = need_rank(n, 0);
    if (rc) return rc;
    const bs_ir_tensor *x = n->inputs[0];
    if (x->rank != 4) return bad(n, "QuantAvgPool2d input must be 4-D");
    int64_t k = bs_ir_attr_int(n, "kernel", 0), s = bs_ir_attr_int(n, "stride", 0);
    if (k <= 0 || s <= 0) return bad(n, "kernel and stride are required");
    bool nhwc = !strcmp(bs_ir_attr_str(n, "data_layout", "NCHW"), "NHWC");
    int h = nhwc ? 1 : 2;
    int64_t o[4];
    memcpy(o, x->dims, sizeof o);
    for (int i = 0; i < 2; i++) {
        if (x->dims[h + i] < k) return bad(n, "kernel larger than the input");
        o[h + i] = (x->dims[h + i] - k) / s + 1;
    }
    return bs_ir_set_out_shape(g, n, 0, x->elem_type, 4, o);
}

static int dt_quantavgpool(bs_ir_graph *g, bs_ir_node *n)
{
    (void)g;
    int64_t ob = bs_ir_attr_int(n, "obits", 0);
    if (ob < 1 || ob > 64) return bad(n, "obits out of range");
    set_dt(n, 0, bs_ir_attr_int(n, "signed", 0) ? bs_dt_int((int)ob) : bs_dt_uint((int)ob));
    return 0;
}

static int sh_maxpool_nhwc(bs_ir_graph *g, bs_ir_node *n)
{
    int rc = need_rank(n, 0);
    if (rc) return rc;
    const bs_ir_tensor *x = n->inputs[0];
    const int64_t *ks;
    int nk;
    if (bs_ir_attr_get_ints(n, "kernel_shape", &ks, &nk) || nk != x->rank - 2)
        return bad(n, "kernel_shape missing or of the wrong length");
    int64_t o[BS_IR_MAX_RANK];
    o[0] = x->dims[0];
    o[x->rank - 1] = x->dims[x->rank - 1];
    if ((rc = bs_ir__pool_dims(n, nk, x->dims + 1, ks, o + 1))) return rc;
    return bs_ir_set_out_shape(g, n, 0, x->elem_type, x->rank, o);
}

/* ---- fpgadataflow ops ------------------------------------------------------------- */

/* numInputVectors (list or int) followed by `last`. */
static int sh_vecs_last(bs_ir_graph *g, bs_ir_node *n, int64_t last)
{
    int64_t d[BS_IR_MAX_RANK];
    int r = 0;
    const bs_ir_attr *a = bs_ir_attr_find(n, "numInputVectors");
    if (a && a->type == BS_ATTR_INTS) {
        if (a->n >= BS_IR_MAX_RANK) return bad(n, "numInputVectors too long");
        for (int i = 0; i < a->n; i++) d[r++] = a->ints[i];
    } else if (a && a->type == BS_ATTR_INT) {
        d[r++] = a->i;
    } else if (IN(n, 0) && IN(n, 0)->rank > 0) {
        for (int i = 0; i < IN(n, 0)->rank - 1; i++) d[r++] = IN(n, 0)->dims[i];
    } else {
        d[r++] = 1;
    }
    d[r++] = last;
    return bs_ir_set_out_shape(g, n, 0, BS_ELEM_FLOAT, r, d);
}

static int sh_mvau(bs_ir_graph *g, bs_ir_node *n)
{
    int64_t mh = bs_ir_attr_int(n, "MH", -1);
    if (mh <= 0) return bad(n, "attribute MH is missing");
    return sh_vecs_last(g, n, mh);
}

static int dt_output(bs_ir_graph *g, bs_ir_node *n) { (void)g; return dt_attr(n, "outputDataType"); }
int bs_ir_infer_dt_output_attr(bs_ir_graph *g, bs_ir_node *n) { return dt_output(g, n); }
static int dt_datatype(bs_ir_graph *g, bs_ir_node *n) { (void)g; return dt_attr(n, "dataType"); }
static int dt_input(bs_ir_graph *g, bs_ir_node *n) { (void)g; return dt_attr(n, "inputDataType"); }

static int sh_vvau(bs_ir_graph *g, bs_ir_node *n)
{
    const int64_t *dim;
    int nd;
    int64_t c = bs_ir_attr_int(n, "Channels", -1);
    if (bs_ir_attr_get_ints(n, "Dim", &dim, &nd) || nd != 2 || c <= 0)
        return bad(n, "attributes Dim [H, W] and Channels are required");
    int64_t o[4] = {1, dim[0], dim[1], c};
    return bs_ir_set_out_shape(g, n, 0, BS_ELEM_FLOAT, 4, o);
}

static int sh_swg(bs_ir_graph *g, bs_ir_node *n)
{
    const int64_t *k, *ofm;
    int nk, no;
    int64_t c = bs_ir_attr_int(n, "IFMChannels", -1);
    if (bs_ir_attr_get_ints(n, "ConvKernelDim", &k, &nk) || bs_ir_attr_get_ints(n, "OFMDim", &ofm, &no) ||
        c <= 0 || nk < 1 || no < 1)
        return bad(n, "attributes ConvKernelDim, OFMDim and IFMChannels are required");
    int64_t kh = k[0], kw = nk > 1 ? k[1] : k[0], oh = ofm[0], ow = no > 1 ? ofm[1] : ofm[0];
    int64_t o[4] = {1, oh, ow, kh * kw * c};
    return bs_ir_set_out_shape(g, n, 0, BS_ELEM_FLOAT, 4, o);
}

static int sh_streaming_maxpool(bs_ir_graph *g, bs_ir_node *n)
{
    const int64_t *im, *pd;
    int ni, np;
    int64_t c = bs_ir_attr_int(n, "NumChannels", -1);
    if (bs_ir_attr_get_ints(n, "ImgDim", &im, &ni) || bs_ir_attr_get_ints(n, "PoolDim", &pd, &np) ||
        c <= 0 || ni < 1 || np < 1)
        return bad(n, "attributes ImgDim, PoolDim and NumChannels are required");
    int64_t h = im[0], w = ni > 1 ? im[1] : im[0], kh = pd[0], kw = np > 1 ? pd[1] : pd[0];
    if (kh <= 0 || kw <= 0) return bad(n, "PoolDim must be positive");
    bool ceil_mode = bs_ir_attr_int(n, "CeilMode", 0) != 0;
    int64_t oh = ceil_mode ? (h + kh - 1) / kh : h / kh, ow = ceil_mode ? (w + kw - 1) / kw : w / kw;
    int64_t o[4] = {1, oh, ow, c};
    return bs_ir_set_out_shape(g, n, 0, BS_ELEM_FLOAT, 4, o);
}

static int sh_pool_hw(bs_ir_graph *g, bs_ir_node *n)
{
    const int64_t *od;
    int no;
    int64_t c = bs_ir_attr_int(n, "Channels", -1), b = bs_ir_attr_int(n, "BatchSize", 1);
    if (bs_ir_attr_get_ints(n, "OutImgDims", &od, &no) || no < 1 || c <= 0)
        return bad(n, "attributes OutImgDims and Channels are required");
    int64_t o[4] = {b, od[0], no > 1 ? od[1] : od[0], c};
    return bs_ir_set_out_shape(g, n, 0, BS_ELEM_FLOAT, 4, o);
}

static int dt_pool_hw(bs_ir_graph *g, bs_ir_node *n) { (void)g; return dt_attr(n, "OutputDataType"); }

static int sh_labelselect(bs_ir_graph *g, bs_ir_node *n)
{
    int64_t k = bs_ir_attr_int(n, "K", -1);
    if (k <= 0) return bad(n, "attribute K is required");
    int rc = sh_vecs_last(g, n, k);
    if (!rc) n->outputs[0]->elem_type = BS_ELEM_INT64;
    return rc;
}

static int sh_fmpadding(bs_ir_graph *g, bs_ir_node *n)
{
    const int64_t *im, *pd;
    int ni, np;
    int64_t c = bs_ir_attr_int(n, "NumChannels", -1);
    if (bs_ir_attr_get_ints(n, "ImgDim", &im, &ni) || bs_ir_attr_get_ints(n, "Padding", &pd, &np) ||
        ni < 1 || np != 4 || c <= 0)
        return bad(n, "attributes ImgDim, Padding[4] and NumChannels are required");
    int64_t h = im[0], w = ni > 1 ? im[1] : im[0];
    int64_t o[4] = {1, h + pd[0] + pd[2], w + pd[1] + pd[3], c};
    return bs_ir_set_out_shape(g, n, 0, BS_ELEM_FLOAT, 4, o);
}

static int sh_globalaccpool(bs_ir_graph *g, bs_ir_node *n)
{
    int64_t c = bs_ir_attr_int(n, "NumChannels", -1);
    if (c <= 0) return bad(n, "attribute NumChannels is required");
    const int64_t *v;
    int nv;
    int64_t b = 1;
    if (!bs_ir_attr_get_ints(n, "numInputVectors", &v, &nv) && nv > 0) b = v[0];
    int64_t o[4] = {b, 1, 1, c};
    return bs_ir_set_out_shape(g, n, 0, BS_ELEM_FLOAT, 4, o);
}

static int dt_globalaccpool(bs_ir_graph *g, bs_ir_node *n)
{
    (void)g;
    bs_dt in;
    int rc = bs_ir_attr_get_dt(n, "inputDataType", &in);
    if (rc) return rc;
    const int64_t *v;
    int nv;
    double hw = 1;
    if (!bs_ir_attr_get_ints(n, "numInputVectors", &v, &nv))
        for (int i = 1; i < nv; i++) hw *= (double)v[i];
    set_dt(n, 0, bs_dt_signed(in) ? bs_dt_smallest(hw * bs_dt_min(in)) : bs_dt_smallest(hw * bs_dt_max(in)));
    return 0;
}

static int dt_addstreams(bs_ir_graph *g, bs_ir_node *n)
{
    (void)g;
    bs_dt in;
    int rc = bs_ir_attr_get_dt(n, "inputDataType", &in);
    if (rc) return rc;
    set_dt(n, 0, bs_dt_signed(in) ? bs_dt_smallest(2 * bs_dt_min(in)) : bs_dt_smallest(2 * bs_dt_max(in)));
    return 0;
}

static int sh_concat_hw(bs_ir_graph *g, bs_ir_node *n)
{
    const int64_t *e;
    int ne;
    if (bs_ir_attr_get_ints(n, "ElemsPerStream", &e, &ne) || ne < 1)
        return bad(n, "attribute ElemsPerStream is required");
    int64_t tot = 0;
    for (int i = 0; i < ne; i++) tot += e[i];
    return sh_vecs_last(g, n, tot);
}

static int sh_dup(bs_ir_graph *g, bs_ir_node *n)
{
    int rc = need_rank(n, 0);
    for (int i = 0; i < n->noutputs && !rc; i++) rc = bs_ir_copy_shape(g, n, 0, i);
    return rc;
}

/* Partitions: shapes and datatypes from the child model's (inferred)
 * outputs when it can be found, else the shapes the file declares. */
static int sh_partition(bs_ir_graph *g, bs_ir_node *n)
{
    static _Thread_local int depth;  /* a partition that includes itself */
    bs_ir_graph *c;
    if (depth >= 4) return bs_error_set(BS_ECYCLE, "node %s: partitions nested too deep", bs_ir_node_desc(n));
    if (bs_ir_load_partition(g, n, &c) == 0) {
        depth++;
        int rc = bs_ir_infer(c);
        depth--;
        if (!rc && c->noutputs != n->noutputs)
            rc = bs_error_set(BS_EINVAL, "node %s: child model has %d outputs, node %d", bs_ir_node_desc(n),
                              c->noutputs, n->noutputs);
        for (int i = 0; i < n->noutputs && !rc; i++) {
            const bs_ir_tensor *o = c->outputs[i];
            rc = bs_ir_set_out_shape(g, n, i, o->elem_type, o->rank, o->dims);
            if (!rc) bs_ir_tensor_set_dtype(n->outputs[i], o->dtype);
        }
        bs_ir_free(c);
        return rc ? bs_error_wrap(rc, "partition %s", bs_ir_node_desc(n)) : 0;
    }
    bs_error_clear();
    for (int i = 0; i < n->noutputs; i++)
        if (n->outputs[i]->rank < 0)
            return bs_error_set(BS_EINVAL, "node %s: output '%s' has no shape in the model and the "
                                "partition's child model was not found", bs_ir_node_desc(n), n->outputs[i]->name);
    return 0;
}

/* Shape given by the model (ops whose shape FINN keeps in the file). */
static int sh_keep(bs_ir_graph *g, bs_ir_node *n)
{
    (void)g;
    for (int i = 0; i < n->noutputs; i++)
        if (n->outputs[i]->rank < 0)
            return bs_error_set(BS_EINVAL, "node %s: output '%s' has no shape in the model and the "
                                "op keeps no shape rule", bs_ir_node_desc(n),
                                n->outputs[i]->name);
    return 0;
}

static int dt_keep_ann(bs_ir_graph *g, bs_ir_node *n)
{
    (void)g;
    (void)n;
    return 0;
}

#define Q BS_DOMAIN_QONNX
#define F BS_DOMAIN_FPGADATAFLOW
static const bs_ir_opdef custom[] = {
    {Q, "Quant", bs_ir__sh_unary, dt_quant, "integer quantizer (scale, zeropt, bitwidth; rounding_mode)"},
    {Q, "IntQuant", bs_ir__sh_unary, dt_quant, "alias of Quant (QONNX >= 0.3)"},
    {Q, "BipolarQuant", bs_ir__sh_unary, dt_bipolar_quant, "scale * sign(x) with sign(0) = +1"},
    {Q, "Trunc", bs_ir__sh_unary, dt_float32, "truncate low bits of a quantized value"},
    {Q, "MultiThreshold", sh_multithreshold, dt_multithreshold, "count thresholds passed, scale+bias"},
    {Q, "Im2Col", sh_im2col, bs_ir__dt_copy, "NHWC sliding-window lowering (kh, kw, C innermost)"},
    {Q, "XnorPopcountMatMul", sh_xnor, dt_xnor, "binary matmul: popcount of agreeing bits"},
    {Q, "QuantAvgPool2d", sh_quantavgpool, dt_quantavgpool, "sum pool right-shifted to obits"},
    {Q, "MaxPoolNHWC", sh_maxpool_nhwc, bs_ir__dt_copy, "channels-last max pooling"},
    {Q, "DebugMarker", bs_ir__sh_unary, bs_ir__dt_copy, "identity marker"},
    {Q, "GenericPartition", sh_partition, dt_keep_ann, "child model reference"},
    {"qonnx.custom_op.channels_last", "BatchNormalization", bs_ir__sh_unary, NULL, "channels-last BN"},
    {F, "MVAU", sh_mvau, dt_output, "matrix-vector activation unit (MW x MH, PE, SIMD)"},
    {F, "MatrixVectorActivation", sh_mvau, dt_output, "FINN 0.9 name of MVAU"},
    {F, "StreamingFCLayer_Batch", sh_mvau, dt_output, "FINN <= 0.8 name of MVAU"},
    {F, "VVAU", sh_vvau, dt_output, "vector-vector (depthwise) activation unit"},
    {F, "VectorVectorActivation", sh_vvau, dt_output, "FINN 0.9 name of VVAU"},
    {F, "Vector_Vector_Activate_Batch", sh_vvau, dt_output, "FINN <= 0.8 name of VVAU"},
    {F, "Thresholding", bs_ir__sh_unary, dt_output, "multi-threshold activation"},
    {F, "Thresholding_Batch", bs_ir__sh_unary, dt_output, "FINN <= 0.8 name of Thresholding"},
    {F, "ConvolutionInputGenerator", sh_swg, dt_output, "sliding window generator"},
    {F, "ConvolutionInputGenerator1D", sh_swg, dt_output, "1-D sliding window generator"},
    {F, "StreamingMaxPool", sh_streaming_maxpool, dt_datatype, "streaming max pool"},
    {F, "StreamingMaxPool_Batch", sh_streaming_maxpool, dt_datatype, "legacy streaming max pool"},
    {F, "Pool", sh_pool_hw, dt_pool_hw, "max / quantized average pool over Im2Col windows"},
    {F, "Pool_Batch", sh_pool_hw, dt_pool_hw, "legacy Pool"},
    {F, "LabelSelect", sh_labelselect, dt_output, "top-K label indices"},
    {F, "LabelSelect_Batch", sh_labelselect, dt_output, "legacy LabelSelect"},
    {F, "StreamingDataWidthConverter", bs_ir__sh_unary, dt_datatype, "stream width converter"},
    {F, "StreamingDataWidthConverter_Batch", bs_ir__sh_unary, dt_datatype, "legacy DWC"},
    {F, "StreamingFIFO", bs_ir__sh_unary, dt_datatype, "FIFO"},
    {F, "AddStreams", bs_ir__sh_unary, dt_addstreams, "elementwise add of two streams"},
    {F, "AddStreams_Batch", bs_ir__sh_unary, dt_addstreams, "legacy AddStreams"},
    {F, "ChannelwiseOp", bs_ir__sh_unary, dt_output, "per-channel add/mul/compare"},
    {F, "ChannelwiseOp_Batch", bs_ir__sh_unary, dt_output, "legacy ChannelwiseOp"},
    {F, "DuplicateStreams", sh_dup, dt_input, "fan-out of one stream"},
    {F, "DuplicateStreams_Batch", sh_dup, dt_input, "legacy DuplicateStreams"},
    {F, "GlobalAccPool", sh_globalaccpool, dt_globalaccpool, "global sum pool"},
    {F, "GlobalAccPool_Batch", sh_globalaccpool, dt_globalaccpool, "legacy GlobalAccPool"},
    {F, "FMPadding", sh_fmpadding, dt_input, "feature-map padding"},
    {F, "FMPadding_Batch", sh_fmpadding, dt_input, "legacy FMPadding"},
    {F, "FMPadding_Pixel", bs_ir__sh_unary, dt_input, "pixel padding (transposed conv)"},
    {F, "StreamingConcat", sh_concat_hw, dt_input, "concatenate streams on the channel axis"},
    {F, "StreamingEltwise", bs_ir__sh_unary, dt_keep_ann, "elementwise Sub/AbsDiff of two streams"},
    {F, "DownSampler", sh_keep, dt_input, "pointwise strided down-sampling (shape kept from the model)"},
    {F, "IODMA", bs_ir__sh_unary, dt_keep_ann, "DMA engine"},
    {F, "TLastMarker", bs_ir__sh_unary, dt_keep_ann, "AXI TLAST marker"},
    {F, "CheckSum", bs_ir__sh_unary, dt_keep_ann, "stream checksum"},
    {F, "StreamingDataflowPartition", sh_partition, dt_keep_ann, "child model with the HW layers"},
};
#undef Q
#undef F

const bs_ir_opdef *bs_ir__custom_ops(int *count)
{
    *count = (int)(sizeof custom / sizeof custom[0]);
    return custom;
}
