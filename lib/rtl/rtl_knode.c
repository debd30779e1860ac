/* rtl_knode.c - fills a bs_rtl_node from a node loaded by the kernel
 * registry (lib/kernels: bs_knode, FINN attributes with defaults applied),
 * so that the flow can call the generators node by node.  Weights and
 * thresholds come from the graph's initializers and are set by the caller. */
#include "rtl_int.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "brainsmith/error.h"
#include "brainsmith/kernels.h"

static const bs_kval *kv(const bs_knode *kn, const char *name, bs_kattr_type *type)
{
    for (int i = 0; i < BS_KNODE_MAX_ATTRS; i++)
        if (kn->def[i] && !strcmp(kn->def[i]->name, name)) {
            if (type) *type = kn->def[i]->type;
            return &kn->a[i];
        }
    return NULL;
}

static void get_int(const bs_knode *kn, const char *name, int64_t *dst)
{
    bs_kattr_type t;
    const bs_kval *v = kv(kn, name, &t);
    if (v && t == BS_KA_INT) *dst = v->i;
}

/* INTS as a pair [a, b] (one value = square), or its product when prod. */
static void get_ints(const bs_knode *kn, const char *name, int64_t *dst, bool prod)
{
    bs_kattr_type t;
    const bs_kval *v = kv(kn, name, &t);
    if (!v) return;
    if (t == BS_KA_INT) { dst[0] = v->i; if (!prod) dst[1] = v->i; return; }
    if (t != BS_KA_INTS || v->n == 0) return;
    if (prod) {
        int64_t p = 1;
        for (int i = 0; i < v->n; i++) p *= v->v[i];
        dst[0] = p;
    } else {
        dst[0] = v->v[0];
        dst[1] = v->n > 1 ? v->v[1] : v->v[0];
    }
}

static void get_str(const bs_knode *kn, const char *name, char *dst, size_t n)
{
    bs_kattr_type t;
    const bs_kval *v = kv(kn, name, &t);
    if (v && (t == BS_KA_STR || t == BS_KA_DTYPE) && v->s[0]) snprintf(dst, n, "%s", v->s);
}

int bs_rtl_node_from_knode(const bs_knode *kn, bs_rtl_node *out)
{
    if (!kn || !kn->k) return bs_error_set(BS_EINVAL, "rtl: no kernel node");
    bs_rtl_node_init(out, kn->k->op_type, kn->name);
    const bs_rtl_gen *g = bs_rtl_gen_find(kn->k->op_type);
    if (!g) return bs_error_set(BS_EUNSUPPORTED, "%s: no RTL generator for %s", kn->name, kn->k->op_type);
    static const struct { const char *name; size_t off; } ints[] = {
        {"MW", offsetof(bs_rtl_node, MW)}, {"MH", offsetof(bs_rtl_node, MH)}, {"PE", offsetof(bs_rtl_node, PE)},
        {"SIMD", offsetof(bs_rtl_node, SIMD)}, {"NumChannels", offsetof(bs_rtl_node, NumChannels)},
        {"numSteps", offsetof(bs_rtl_node, numSteps)}, {"ActVal", offsetof(bs_rtl_node, ActVal)},
        {"binaryXnorMode", offsetof(bs_rtl_node, binaryXnorMode)},
        {"noActivation", offsetof(bs_rtl_node, noActivation)}, {"Labels", offsetof(bs_rtl_node, Labels)},
        {"K", offsetof(bs_rtl_node, K)}, {"depth", offsetof(bs_rtl_node, depth)},
        {"inWidth", offsetof(bs_rtl_node, inWidth)}, {"outWidth", offsetof(bs_rtl_node, outWidth)},
        {"IFMChannels", offsetof(bs_rtl_node, IFMChannels)}, {"depthwise", offsetof(bs_rtl_node, depthwise)}};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        get_int(kn, ints[i].name, (int64_t *)((char *)out + ints[i].off));
    get_ints(kn, "numInputVectors", &out->numInputVectors, true);
    get_ints(kn, "IFMDim", out->IFMDim, false);
    get_ints(kn, "OFMDim", out->OFMDim, false);
    get_ints(kn, "ConvKernelDim", out->ConvKernelDim, false);
    get_ints(kn, "Stride", out->Stride, false);
    get_ints(kn, "Dilation", out->Dilation, false);
    get_ints(kn, "ImgDim", out->ImgDim, false);
    get_ints(kn, "PoolDim", out->PoolDim, false);
    get_str(kn, "inputDataType", out->inputDataType, sizeof out->inputDataType);
    get_str(kn, "weightDataType", out->weightDataType, sizeof out->weightDataType);
    get_str(kn, "outputDataType", out->outputDataType, sizeof out->outputDataType);
    get_str(kn, "accDataType", out->accDataType, sizeof out->accDataType);
    get_str(kn, "dataType", out->dataType, sizeof out->dataType);
    get_str(kn, "mem_mode", out->mem_mode, sizeof out->mem_mode);
    get_str(kn, "ram_style", out->ram_style, sizeof out->ram_style);
    get_str(kn, "Func", out->Func, sizeof out->Func);
    get_str(kn, "paramDataType", out->paramDataType, sizeof out->paramDataType);
    if (!strcmp(g->op, "Pool")) {   /* FINN's Pool spells its attributes differently */
        get_int(kn, "Channels", &out->NumChannels);
        get_int(kn, "BatchSize", &out->numInputVectors);
        get_ints(kn, "KernelSize", out->PoolDim, false);
        get_ints(kn, "OutImgDims", out->OFMDim, false);
        get_str(kn, "Function", out->Func, sizeof out->Func);
        get_str(kn, "InputDataType", out->inputDataType, sizeof out->inputDataType);
        get_str(kn, "OutputDataType", out->outputDataType, sizeof out->outputDataType);
    }
    bs_kattr_type pt;
    const bs_kval *pad = kv(kn, "Padding", &pt);
    if (pad && pt == BS_KA_INTS && pad->n == 4)
        for (int i = 0; i < 4; i++) out->Padding[i] = pad->v[i];
    /* GlobalAccPool: numInputVectors = [N, H, W] -> batch N, pooled H x W */
    const bs_kval *nv = kv(kn, "numInputVectors", &pt);
    if (!strcmp(g->op, "GlobalAccPool") && nv && pt == BS_KA_INTS && nv->n >= 2) {
        out->ImgDim[0] = nv->v[nv->n - 2];
        out->ImgDim[1] = nv->v[nv->n - 1];
        out->numInputVectors = 1;
        for (int i = 0; i + 2 < nv->n; i++) out->numInputVectors *= nv->v[i];
    }
    if (!strcmp(g->op, "LabelSelect") && !out->outputDataType[0]) {
        bs_kdt dt;
        if (bs_knode_output_dtype(kn, 0, &dt) == 0) snprintf(out->outputDataType, sizeof out->outputDataType, "%s", dt.name);
    }
    /* FIFO / DWC: element count per frame and beat width from the shapes */
    if (!strcmp(g->op, "StreamingFIFO") || !strcmp(g->op, "StreamingDataWidthConverter")) {
        int64_t e = 1;
        get_ints(kn, !strcmp(g->op, "StreamingFIFO") ? "normal_shape" : "shape", &e, true);
        out->elems = e;
        bs_kattr_type t;
        const bs_kval *fs = kv(kn, "folded_shape", &t);
        if (fs && t == BS_KA_INTS && fs->n > 0) out->NumChannels = fs->v[fs->n - 1];
    }
    return 0;
}
