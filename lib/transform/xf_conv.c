/* xf_conv.c - the convolution part of FINN's flow (finn-reference §6.3,
 * §6.4): MoveMulPastMaxPool, MoveScalarMulPastConv, LowerConvsToMatMul
 * (Conv -> Transpose, Im2Col, MatMul, Transpose), MakeMaxPoolNHWC,
 * AbsorbTransposeIntoMultiThreshold, AbsorbConsecutiveTransposes, and the
 * HW conversions InferPool (MaxPool -> Im2Col + Pool), InferConvInpGen
 * (Im2Col -> [FMPadding] ConvolutionInputGenerator) and RemoveCNVtoFCFlatten. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xf_int.h"

static bool is_op(const bs_ir_node *n, const char *op) { return n && !strcmp(n->op_type, op); }

static bs_ir_node *single_consumer(const bs_ir_node *n)
{
    bs_ir_tensor *o = n->outputs[0];
    return o->nconsumers == 1 && !o->is_output ? o->consumers[0] : NULL;
}

static bs_ir_node *next_of(bs_ir_graph *g, bs_ir_node *n)
{
    int i = bs_ir_node_index(g, n);
    return i >= 0 && i + 1 < g->nnodes ? g->nodes[i + 1] : NULL;
}

static bool perm_is(const bs_ir_node *n, int64_t a, int64_t b, int64_t c, int64_t d)
{
    const int64_t *p;
    int np;
    if (bs_ir_attr_get_ints(n, "perm", &p, &np) < 0 || np != 4) return false;
    return p[0] == a && p[1] == b && p[2] == c && p[3] == d;
}

static bs_ir_tensor *shaped(bs_ir_graph *g, const char *prefix, int64_t a, int64_t b, int64_t c, int64_t d)
{
    bs_ir_tensor *t = bs_ir_tensor_new(g, prefix);
    int64_t dims[4] = {a, b, c, d};
    if (t) {
        bs_ir_tensor_set_shape(g, t, 4, dims);
        t->elem_type = BS_ELEM_FLOAT;
    }
    return t;
}

static bs_ir_node *transpose(bs_ir_graph *g, bs_ir_tensor *in, bs_ir_tensor *out, const int64_t *perm,
                             bs_ir_node *before)
{
    bs_ir_node *t = bs_ir_node_add(g, "Transpose", "", "", &in, 1, &out, 1, before);
    if (t) bs_ir_attr_set_ints(g, t, "perm", perm, 4);
    return t;
}

static const int64_t TO_NHWC[4] = {0, 2, 3, 1}, TO_NCHW[4] = {0, 3, 1, 2};

int xf_MoveMulPastMaxPool(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "Mul") || n->ninputs != 2 || !n->inputs[1]->init || xf_is_fork(n)) continue;
        bs_ir_node *c = single_consumer(n);
        if (!is_op(c, "MaxPool")) continue;
        const int64_t *ks;
        int nk;
        if (bs_ir_attr_get_ints(c, "kernel_shape", &ks, &nk) < 0 || nk != 2) continue;
        xf_arr A;
        int rc;
        if ((rc = xf_arr_get(g, n->inputs[1], &A)) < 0) return rc;
        bool ok = true;
        for (int64_t i = 0; i < A.n; i++) ok &= A.v[i] >= 0;
        /* scalar or per-channel (1, C, 1, 1) */
        bool shape_ok = A.n == 1 || (A.rank == 4 && A.dims[0] == 1 && A.dims[2] == 1 && A.dims[3] == 1);
        if (!ok || !shape_ok) continue;
        bs_ir_tensor *xin = n->inputs[0], *param = n->inputs[1], *y = c->outputs[0];
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        if ((rc = bs_ir_node_set_input(g, c, 0, xin)) < 0) return rc;
        bs_ir_tensor *mid = xf_tensor_like(g, "maxpool_out", y);
        if ((rc = bs_ir_node_set_output(g, c, 0, mid)) < 0) return rc;
        if (!xf_node(g, "Mul", "", mid, param, y, next_of(g, c))) return bs_error_set(BS_ENOMEM, "MoveMulPastMaxPool");
        *changed = true;
        return bs_ir_infer_shapes(g);
    }
    return 0;
}

int xf_MoveScalarMulPastConv(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "Mul") || n->ninputs != 2 || !xf_is_scalar(n->inputs[1]) || xf_is_fork(n) || xf_is_join(n))
            continue;
        bs_ir_node *c = single_consumer(n);
        if (!is_op(c, "Conv") || c->inputs[0] != n->outputs[0] || c->ninputs > 2) continue;
        bs_ir_tensor *xin = n->inputs[0], *param = n->inputs[1], *y = c->outputs[0];
        int rc;
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        if ((rc = bs_ir_node_set_input(g, c, 0, xin)) < 0) return rc;
        bs_ir_tensor *mid = xf_tensor_like(g, "conv_out", y);
        if ((rc = bs_ir_node_set_output(g, c, 0, mid)) < 0) return rc;
        if (!xf_node(g, "Mul", "", mid, param, y, next_of(g, c))) return bs_error_set(BS_ENOMEM, "MoveScalarMulPastConv");
        *changed = true;
        return bs_ir_infer_shapes(g);
    }
    return 0;
}

int xf_LowerConvsToMatMul(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "Conv")) continue;
        if (n->ninputs == 3 && n->inputs[2]) {
            bs_xform_warn(x, "Found Conv node with bias, skipping");
            continue;
        }
        bs_ir_tensor *in = n->inputs[0], *W = n->inputs[1], *out = n->outputs[0];
        if (!W->init) {
            bs_xform_warn(x, "Found Conv node with non-initialized weight, skipping");
            continue;
        }
        if (in->rank != 4 || out->rank != 4 || W->init->rank != 4)
            return bs_error_set(BS_EUNSUPPORTED, "%s: only 2-D convolutions can be lowered", bs_ir_node_desc(n));
        const int64_t *ks, *st = NULL, *pads = NULL, *dil = NULL;
        int nks, nst = 0, npd = 0, ndl = 0;
        if (bs_ir_attr_get_ints(n, "kernel_shape", &ks, &nks) < 0 || nks != 2)
            return bs_error_set(BS_EINVAL, "%s: kernel_shape missing", bs_ir_node_desc(n));
        bs_ir_attr_get_ints(n, "strides", &st, &nst);
        bs_ir_attr_get_ints(n, "pads", &pads, &npd);
        bs_ir_attr_get_ints(n, "dilations", &dil, &ndl);
        const char *ap = bs_ir_attr_str(n, "auto_pad", "NOTSET");
        if (strcmp(ap, "NOTSET") && strcmp(ap, "VALID"))
            return bs_error_set(BS_EUNSUPPORTED, "%s: auto_pad %s is not supported", bs_ir_node_desc(n), ap);
        int64_t kh = ks[0], kw = ks[1], sh = nst == 2 ? st[0] : 1, sw = nst == 2 ? st[1] : 1;
        int64_t pad[4] = {0, 0, 0, 0}, dl[2] = {ndl == 2 ? dil[0] : 1, ndl == 2 ? dil[1] : 1};
        if (npd == 4) for (int i = 0; i < 4; i++) pad[i] = pads[i];
        int64_t group = bs_ir_attr_int(n, "group", 1);
        int64_t ifm = in->dims[1], ih = in->dims[2], iw = in->dims[3];
        int64_t ofm = out->dims[1], oh = out->dims[2], ow = out->dims[3];
        xf_arr Wc;
        int rc;
        if ((rc = xf_arr_get(g, W, &Wc)) < 0) return rc;
        bool dw = false;
        if (group == ifm && ofm == ifm && group > 1) {
            /* depthwise: dense block-diagonal weights + sparsity annotation */
            xf_arr Ws;
            int64_t d4[4] = {ofm, ifm, kh, kw};
            xf_arr_new(g, 4, d4, &Ws);
            for (int64_t c = 0; c < ifm; c++)
                for (int64_t i = 0; i < kh * kw; i++) Ws.v[((c * ifm) + c) * kh * kw + i] = Wc.v[c * kh * kw + i];
            Wc = Ws;
            dw = true;
        } else if (group != 1) {
            return bs_error_set(BS_EUNSUPPORTED, "%s: grouped convolution (group=%lld) cannot be lowered",
                                bs_ir_node_desc(n), (long long)group);
        }
        /* (OFM, IFM, kh, kw) -> (OFM, kh, kw, IFM) -> (OFM, kh*kw*IFM) -> T */
        int64_t K = kh * kw * ifm;
        xf_arr Wm;
        int64_t md[2] = {K, ofm};
        xf_arr_new(g, 2, md, &Wm);
        for (int64_t o = 0; o < ofm; o++)
            for (int64_t y = 0; y < kh; y++)
                for (int64_t z = 0; z < kw; z++)
                    for (int64_t c = 0; c < ifm; c++)
                        Wm.v[((y * kw + z) * ifm + c) * ofm + o] = Wc.v[((o * ifm + c) * kh + y) * kw + z];
        bs_dt wdt = W->dtype;
        bool had = W->has_dtype;
        if ((rc = xf_arr_set(g, W, &Wm)) < 0) return rc;
        if (had) bs_ir_tensor_set_dtype(W, wdt);
        if (dw) {
            char sp[128];
            snprintf(sp, sizeof sp, "{'dw': {'kernel_shape': [%lld, %lld]}}", (long long)kh, (long long)kw);
            W->sparsity = bs_arena_strdup(&g->arena, sp);
        }
        bs_ir_node *nx = next_of(g, n);
        bs_dt idt = in->dtype, odt = out->dtype;
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        bs_ir_tensor *t_in = shaped(g, "conv_nhwc", 1, ih, iw, ifm);
        bs_ir_tensor_set_dtype(t_in, idt);
        if (!transpose(g, in, t_in, TO_NHWC, nx)) return bs_error_set(BS_ENOMEM, "LowerConvsToMatMul");
        bool need_im2col = pad[0] || pad[1] || pad[2] || pad[3] || kh != 1 || kw != 1 || sh != 1 || sw != 1;
        bs_ir_tensor *mm_in = t_in;
        if (need_im2col) {
            bs_ir_tensor *ic = shaped(g, "im2col_out", 1, oh, ow, K);
            bs_ir_tensor_set_dtype(ic, idt);
            bs_ir_node *im = bs_ir_node_add(g, "Im2Col", BS_DOMAIN_QONNX, "", &t_in, 1, &ic, 1, nx);
            if (!im) return bs_error_set(BS_ENOMEM, "LowerConvsToMatMul");
            int64_t s2[2] = {sh, sw}, k2[2] = {kh, kw};
            char shp[96];
            snprintf(shp, sizeof shp, "(1,%lld,%lld,%lld)", (long long)ih, (long long)iw, (long long)ifm);
            bs_ir_attr_set_ints(g, im, "stride", s2, 2);
            bs_ir_attr_set_ints(g, im, "kernel_size", k2, 2);
            bs_ir_attr_set_ints(g, im, "pad_amount", pad, 4);
            bs_ir_attr_set_str(g, im, "input_shape", shp);
            bs_ir_attr_set_int(g, im, "depthwise", dw);
            bs_ir_attr_set_ints(g, im, "dilations", dl, 2);
            mm_in = ic;
        }
        bs_ir_tensor *mo = shaped(g, "conv_mm_out", 1, oh, ow, ofm);
        bs_ir_tensor_set_dtype(mo, odt);
        if (!xf_node(g, "MatMul", "", mm_in, W, mo, nx) || !transpose(g, mo, out, TO_NCHW, nx))
            return bs_error_set(BS_ENOMEM, "LowerConvsToMatMul");
        *changed = true;
        return bs_ir_infer_shapes(g);
    }
    return 0;
}

int xf_MakeMaxPoolNHWC(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "MaxPool") || n->inputs[0]->rank != 4) continue;
        bs_ir_node *c = single_consumer(n), *p = n->inputs[0]->producer;
        const int64_t *ks, *st;
        int nk, ns;
        if (bs_ir_attr_get_ints(n, "kernel_shape", &ks, &nk) < 0 || nk != 2) continue;
        if (bs_ir_attr_get_ints(n, "strides", &st, &ns) < 0) { st = ks; ns = nk; }
        int64_t ceil_mode = bs_ir_attr_int(n, "ceil_mode", 0);
        int rc;
        bs_ir_tensor *start, *end;
        bool after = c && is_op(c, "Transpose") && perm_is(c, 0, 2, 3, 1);
        bool before = !after && p && is_op(p, "Transpose") && perm_is(p, 0, 3, 1, 2) && !xf_is_fork(p);
        if (!after && !before) continue;
        bs_ir_node *nx;
        int64_t b = n->inputs[0]->dims[0], ch, hi, wi, ho = n->outputs[0]->dims[2], wo = n->outputs[0]->dims[3];
        if (after) {
            start = n->inputs[0];
            end = c->outputs[0];
            ch = start->dims[1]; hi = start->dims[2]; wi = start->dims[3];
            nx = next_of(g, c);
            if ((rc = bs_ir_node_remove(g, n)) < 0 || (rc = bs_ir_node_remove(g, c)) < 0) return rc;
            bs_ir_tensor *mid = shaped(g, "maxpool_nhwc_in", b, hi, wi, ch);
            mid->dtype = start->dtype;
            mid->has_dtype = start->has_dtype;
            if (!transpose(g, start, mid, TO_NHWC, nx)) return bs_error_set(BS_ENOMEM, "MakeMaxPoolNHWC");
            bs_ir_node *mp = bs_ir_node_add(g, "MaxPoolNHWC", BS_DOMAIN_QONNX, "", &mid, 1, &end, 1, nx);
            if (!mp) return bs_error_set(BS_ENOMEM, "MakeMaxPoolNHWC");
            bs_ir_attr_set_ints(g, mp, "kernel_shape", ks, nk);
            bs_ir_attr_set_ints(g, mp, "strides", st, ns);
            bs_ir_attr_set_int(g, mp, "ceil_mode", ceil_mode);
        } else {
            start = p->inputs[0];
            end = n->outputs[0];
            ch = start->dims[3];
            nx = next_of(g, n);
            if ((rc = bs_ir_node_remove(g, p)) < 0 || (rc = bs_ir_node_remove(g, n)) < 0) return rc;
            bs_ir_tensor *mid = shaped(g, "maxpool_nhwc_out", b, ho, wo, ch);
            bs_ir_node *mp = bs_ir_node_add(g, "MaxPoolNHWC", BS_DOMAIN_QONNX, "", &start, 1, &mid, 1, nx);
            if (!mp) return bs_error_set(BS_ENOMEM, "MakeMaxPoolNHWC");
            bs_ir_attr_set_ints(g, mp, "kernel_shape", ks, nk);
            bs_ir_attr_set_ints(g, mp, "strides", st, ns);
            bs_ir_attr_set_int(g, mp, "ceil_mode", ceil_mode);
            if (!transpose(g, mid, end, TO_NCHW, nx)) return bs_error_set(BS_ENOMEM, "MakeMaxPoolNHWC");
        }
        *changed = true;
        if ((rc = bs_ir_infer_shapes(g)) < 0) return rc;
        return bs_ir_infer_datatypes(g);
    }
    return 0;
}

int xf_AbsorbTransposeIntoMultiThreshold(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "Transpose") || xf_is_fork(n) || !perm_is(n, 0, 3, 1, 2)) continue;
        bs_ir_node *mt = single_consumer(n);
        if (!is_op(mt, "MultiThreshold")) continue;
        bs_ir_tensor *tin = n->inputs[0], *mout = mt->outputs[0];
        int rc;
        bs_ir_attr_set_str(g, mt, "data_layout", "NHWC");
        bs_ir_node *nx = next_of(g, mt);
        if ((rc = bs_ir_node_remove(g, n)) < 0 || (rc = bs_ir_node_set_input(g, mt, 0, tin)) < 0) return rc;
        bs_ir_tensor *mid = xf_tensor_like(g, "mt_nhwc_out", tin);
        bs_ir_tensor_set_dtype(mid, mout->dtype);
        bs_ir_tensor_set_layout(g, mid, "['N', 'H', 'W', 'C']");
        if ((rc = bs_ir_node_set_output(g, mt, 0, mid)) < 0) return rc;
        if (!transpose(g, mid, mout, TO_NCHW, nx)) return bs_error_set(BS_ENOMEM, "AbsorbTransposeIntoMultiThreshold");
        *changed = true;
        if ((rc = bs_ir_infer_shapes(g)) < 0) return rc;
        return bs_ir_infer_datatypes(g);
    }
    return 0;
}

int xf_AbsorbConsecutiveTransposes(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "Transpose") || n->outputs[0]->is_output || n->outputs[0]->nconsumers == 0) continue;
        const int64_t *p1;
        int n1;
        if (bs_ir_attr_get_ints(n, "perm", &p1, &n1) < 0) continue;
        bs_ir_tensor *mid = n->outputs[0];
        bool all = true;
        for (int c = 0; c < mid->nconsumers && all; c++) {
            bs_ir_node *cn = mid->consumers[c];
            const int64_t *p2;
            int n2;
            if (!is_op(cn, "Transpose") || bs_ir_attr_get_ints(cn, "perm", &p2, &n2) < 0 || n2 != n1) { all = false; break; }
            for (int i = 0; i < n1; i++) all &= p1[p2[i]] == i;
        }
        if (!all) continue;
        /* every consumer undoes n: readers of the consumers read n's input */
        bs_ir_tensor *src = n->inputs[0];
        int rc;
        while (mid->nconsumers) {
            bs_ir_node *cn = mid->consumers[0];
            bs_ir_tensor *cout = cn->outputs[0];
            if ((rc = bs_ir_node_remove(g, cn)) < 0) return rc;
            if (cout->is_output) {
                /* keep the graph output name: an Identity-free rewire is not possible */
                if (!xf_node(g, "Identity", "", src, NULL, cout, NULL)) return bs_error_set(BS_ENOMEM, "AbsorbConsecutiveTransposes");
            } else if ((rc = bs_ir_replace_uses(g, cout, src)) < 0) {
                return rc;
            }
        }
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        *changed = true;
        return 0;
    }
    return 0;
}

/* ---- HW: pools, sliding windows, flatten -------------------------------------- */

int xf_InferPool(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        bool nhwc = is_op(n, "MaxPoolNHWC");
        if (!nhwc && !is_op(n, "MaxPool")) continue;
        bs_ir_tensor *in = n->inputs[0], *out = n->outputs[0];
        if (in->rank != 4 || !bs_dt_is_integer(in->dtype)) continue;
        const int64_t *ks, *st;
        int nk, ns;
        if (bs_ir_attr_get_ints(n, "kernel_shape", &ks, &nk) < 0 || nk != 2) continue;
        if (bs_ir_attr_get_ints(n, "strides", &st, &ns) < 0 || ns != 2) { st = ks; ns = 2; }
        if (ks[0] < st[0] || ks[1] < st[1]) continue;
        int64_t pad[4] = {0, 0, 0, 0};
        const int64_t *pp;
        int np;
        if (!nhwc && bs_ir_attr_get_ints(n, "pads", &pp, &np) == 0 && np == 4) for (int i = 0; i < 4; i++) pad[i] = pp[i];
        int64_t ch, ih, iw, oh, ow;
        if (nhwc) { ih = in->dims[1]; iw = in->dims[2]; ch = in->dims[3]; oh = out->dims[1]; ow = out->dims[2]; }
        else { ch = in->dims[1]; ih = in->dims[2]; iw = in->dims[3]; oh = out->dims[2]; ow = out->dims[3]; }
        bs_dt idt = in->dtype;
        char name[256];
        bs_ir_node *nx = next_of(g, n);
        int rc;
        int64_t kh = ks[0], kw = ks[1], sh = st[0], sw = st[1];
        const char *nname = n->name;
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        bs_ir_tensor *icin = in, *pout = out;
        if (!nhwc) {
            icin = shaped(g, "pool_nhwc_in", 1, ih, iw, ch);
            bs_ir_tensor_set_dtype(icin, idt);
            if (!transpose(g, in, icin, TO_NHWC, nx)) return bs_error_set(BS_ENOMEM, "InferPool");
            pout = shaped(g, "pool_nhwc_out", 1, oh, ow, ch);
        }
        bs_ir_tensor *ic = shaped(g, "pool_im2col_out", 1, oh, ow, ch * kh * kw);
        bs_ir_tensor_set_dtype(ic, idt);
        snprintf(name, sizeof name, "Im2Col_%s", nname);
        bs_ir_node *im = bs_ir_node_add(g, "Im2Col", BS_DOMAIN_QONNX, name, &icin, 1, &ic, 1, nx);
        if (!im) return bs_error_set(BS_ENOMEM, "InferPool");
        int64_t s2[2] = {sh, sw}, k2[2] = {kh, kw};
        char shp[96];
        snprintf(shp, sizeof shp, "(1,%lld,%lld,%lld)", (long long)ih, (long long)iw, (long long)ch);
        bs_ir_attr_set_ints(g, im, "stride", s2, 2);
        bs_ir_attr_set_ints(g, im, "kernel_size", k2, 2);
        bs_ir_attr_set_ints(g, im, "pad_amount", pad, 4);
        bs_ir_attr_set_int(g, im, "pad_value", (int64_t)bs_dt_min(idt));
        bs_ir_attr_set_int(g, im, "depthwise", 1);
        bs_ir_attr_set_str(g, im, "input_shape", shp);
        snprintf(name, sizeof name, "Pool_%s", nname);
        bs_ir_node *pl = bs_ir_node_add(g, "Pool", BS_DOMAIN_FPGADATAFLOW, name, &ic, 1, &pout, 1, nx);
        if (!pl) return bs_error_set(BS_ENOMEM, "InferPool");
        int64_t od[2] = {oh, ow};
        bs_ir_attr_set_int(g, pl, "AccumBits", 0);
        bs_ir_attr_set_int(g, pl, "BatchSize", 1);
        bs_ir_attr_set_int(g, pl, "Channels", ch);
        bs_ir_attr_set_str(g, pl, "Function", "MaxPool");
        bs_ir_attr_set_dt(g, pl, "InputDataType", idt);
        bs_ir_attr_set_ints(g, pl, "KernelSize", k2, 2);
        bs_ir_attr_set_ints(g, pl, "OutImgDims", od, 2);
        bs_ir_attr_set_dt(g, pl, "OutputDataType", idt);
        bs_ir_attr_set_int(g, pl, "PE", ch);
        bs_ir_attr_set_int(g, pl, "Size", 0);
        bs_ir_attr_set_str(g, pl, "backend", "fpgadataflow");
        bs_ir_attr_set_str(g, pl, "cpp_interface", "hls_vector");
        if (!nhwc && !transpose(g, pout, out, TO_NCHW, nx)) return bs_error_set(BS_ENOMEM, "InferPool");
        *changed = true;
        if ((rc = bs_ir_infer_shapes(g)) < 0) return rc;
        return bs_ir_infer_datatypes(g);
    }
    return 0;
}

int xf_InferConvInpGen(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!is_op(n, "Im2Col")) continue;
        bs_ir_tensor *in = n->inputs[0], *out = n->outputs[0];
        bs_dt dt = in->dtype;
        if (!bs_dt_is_integer(dt) || in->rank != 4) continue;
        const int64_t *st, *ks, *pa, *dl;
        int n1, n2, n3, n4;
        if (bs_ir_attr_get_ints(n, "stride", &st, &n1) < 0 || bs_ir_attr_get_ints(n, "kernel_size", &ks, &n2) < 0)
            return bs_error_set(BS_EINVAL, "%s: stride/kernel_size missing", bs_ir_node_desc(n));
        int64_t pad[4] = {0, 0, 0, 0}, dil[2] = {1, 1};
        if (bs_ir_attr_get_ints(n, "pad_amount", &pa, &n3) == 0 && n3 == 4) for (int i = 0; i < 4; i++) pad[i] = pa[i];
        if (bs_ir_attr_get_ints(n, "dilations", &dl, &n4) == 0 && n4 == 2) { dil[0] = dl[0]; dil[1] = dl[1]; }
        int64_t ch = in->dims[3], ih = in->dims[1], iw = in->dims[2], oh = out->dims[1], ow = out->dims[2];
        int64_t depthwise = bs_ir_attr_int(n, "depthwise", 0);
        char name[256];
        bs_ir_node *nx = next_of(g, n);
        const char *nname = n->name;
        int rc;
        if ((rc = bs_ir_node_remove(g, n)) < 0) return rc;
        bs_ir_tensor *swg_in = in;
        if (pad[0] + pad[2] > 0 || pad[1] + pad[3] > 0) {
            if (bs_ir_attr_int(n, "pad_value", 0) != 0)
                return bs_error_set(BS_EUNSUPPORTED, "%s : FMPadding_Batch doesn't currently support pad_val!= 0", nname);
            int64_t ph = ih + pad[0] + pad[2], pw = iw + pad[1] + pad[3];
            swg_in = shaped(g, "fmpad_out", 1, ph, pw, ch);
            bs_ir_tensor_set_dtype(swg_in, dt);
            snprintf(name, sizeof name, "FMPadding_Batch_%s", nname);
            bs_ir_node *fp = bs_ir_node_add(g, "FMPadding", BS_DOMAIN_FPGADATAFLOW, name, &in, 1, &swg_in, 1, nx);
            if (!fp) return bs_error_set(BS_ENOMEM, "InferConvInpGen");
            int64_t im[2] = {ih, iw};
            bs_ir_attr_set_ints(g, fp, "ImgDim", im, 2);
            bs_ir_attr_set_int(g, fp, "NumChannels", ch);
            bs_ir_attr_set_ints(g, fp, "Padding", pad, 4);
            bs_ir_attr_set_int(g, fp, "SIMD", ch);
            bs_ir_attr_set_str(g, fp, "backend", "fpgadataflow");
            bs_ir_attr_set_dt(g, fp, "inputDataType", dt);
            ih = ph;
            iw = pw;
        }
        snprintf(name, sizeof name, "ConvolutionInputGenerator_%s", nname);
        bs_ir_node *s = bs_ir_node_add(g, "ConvolutionInputGenerator", BS_DOMAIN_FPGADATAFLOW, name, &swg_in, 1, &out, 1, nx);
        if (!s) return bs_error_set(BS_ENOMEM, "InferConvInpGen");
        int64_t k2[2] = {ks[0], ks[1]}, idim[2] = {ih, iw}, odim[2] = {oh, ow}, s2[2] = {st[0], st[1]};
        bs_ir_attr_set_ints(g, s, "ConvKernelDim", k2, 2);
        bs_ir_attr_set_ints(g, s, "Dilation", dil, 2);
        bs_ir_attr_set_int(g, s, "IFMChannels", ch);
        bs_ir_attr_set_ints(g, s, "IFMDim", idim, 2);
        bs_ir_attr_set_ints(g, s, "OFMDim", odim, 2);
        bs_ir_attr_set_int(g, s, "SIMD", ch);
        bs_ir_attr_set_ints(g, s, "Stride", s2, 2);
        bs_ir_attr_set_str(g, s, "backend", "fpgadataflow");
        bs_ir_attr_set_int(g, s, "depthwise", depthwise);
        bs_ir_attr_set_dt(g, s, "inputDataType", dt);
        bs_ir_attr_set_int(g, s, "is1D", ih == 1 || iw == 1);
        bs_ir_attr_set_dt(g, s, "outputDataType", dt);
        *changed = true;
        if ((rc = bs_ir_infer_shapes(g)) < 0) return rc;
        return bs_ir_infer_datatypes(g);
    }
    return 0;
}

int xf_RemoveCNVtoFCFlatten(bs_xform_ctx *x, bool *changed)
{
    bs_ir_graph *g = x->g;
    for (int k = 0; k < g->nnodes; k++) {
        bs_ir_node *n = g->nodes[k];
        if (!(is_op(n, "Flatten") || is_op(n, "Reshape"))) continue;
        bs_ir_node *p = n->inputs[0]->producer, *c = single_consumer(n);
        if (!p || !c || !bs_ir_domain_is_fpgadataflow(c->domain)) continue;
        if (n->outputs[0]->rank != 2) continue;
        int rc;
        if (bs_ir_domain_is_fpgadataflow(p->domain)) {
            /* HW -> flatten -> HW: the flatten is a no-op on the stream */
            bs_ir_tensor *src = n->inputs[0], *flat = n->outputs[0];
            if ((rc = bs_ir_node_remove(g, n)) < 0 || (rc = bs_ir_replace_uses(g, flat, src)) < 0) return rc;
            *changed = true;
            return bs_ir_infer_shapes(g);
        }
        if (is_op(p, "Transpose") && perm_is(p, 0, 3, 1, 2) && !xf_is_fork(p) && !strncmp(c->op_type, "MVAU", 4)) {
            bs_ir_node *pp = p->inputs[0]->producer;
            if (!pp || !bs_ir_domain_is_fpgadataflow(pp->domain)) continue;
            bs_ir_tensor *nhwc = p->inputs[0];
            int64_t h = nhwc->dims[1], w = nhwc->dims[2], ch = nhwc->dims[3];
            /* MVAU weights rows are (C, H, W) ordered: permute to (H, W, C) */
            bs_ir_tensor *Wt = c->inputs[1];
            xf_arr W, Wn;
            if ((rc = xf_arr_get(g, Wt, &W)) < 0) return rc;
            int64_t mh = W.dims[1];
            xf_arr_new(g, 2, W.dims, &Wn);
            for (int64_t cc = 0; cc < ch; cc++)
                for (int64_t y = 0; y < h; y++)
                    for (int64_t z = 0; z < w; z++)
                        for (int64_t o = 0; o < mh; o++)
                            Wn.v[((y * w + z) * ch + cc) * mh + o] = W.v[((cc * h + y) * w + z) * mh + o];
            bs_dt wdt = Wt->dtype;
            bool had = Wt->has_dtype;
            if ((rc = xf_arr_set(g, Wt, &Wn)) < 0) return rc;
            if (had) bs_ir_tensor_set_dtype(Wt, wdt);
            bs_ir_tensor *flat = n->outputs[0];
            if ((rc = bs_ir_node_remove(g, n)) < 0 || (rc = bs_ir_node_remove(g, p)) < 0) return rc;
            /* the MVAU reads the NHWC tensor flattened: reshape-free in FINN
             * (the stream order is H, W, C) */
            if ((rc = bs_ir_replace_uses(g, flat, nhwc)) < 0) return rc;
            *changed = true;
            return bs_ir_infer_shapes(g);
        }
    }
    return 0;
}
