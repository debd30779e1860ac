/* ops_misc.c - further ONNX kernels: QuantizeLinear / DequantizeLinear
 * (the QCDQ form of quantized models Brevitas can export) and Tile. */
#include "exec_int.h"
#include "brainsmith/onnx.h"

#include <math.h>
#include <string.h>

/* Per-axis parameter index of element i (scalar parameters: 0). */
static int64_t axis_index(const bs_value *x, const bs_value *p, int64_t axis, int64_t i)
{
    if (p->numel <= 1) return 0;
    int64_t inner = 1;
    for (int k = (int)axis + 1; k < x->rank; k++) inner *= x->dims[k];
    return (i / inner) % x->dims[axis];
}

static int qparams(const bs_ir_node *n, const bs_value *x, const bs_value *sc, const bs_value *zp, int64_t *axis)
{
    *axis = bs_ir_attr_int(n, "axis", 1);
    if (*axis < 0) *axis += x->rank;
    if (sc->numel > 1) {
        if (*axis < 0 || *axis >= x->rank || sc->numel != x->dims[*axis])
            return bs_exec__fail(n, "per-axis scale of %lld values does not match axis %lld of %s",
                                 (long long)sc->numel, (long long)*axis, bs_value_shape_str(x));
        if (zp && zp->numel != sc->numel) return bs_exec__fail(n, "zero point and scale differ in size");
    }
    return 0;
}

static int k_quantize_linear(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 1);
    const bs_value *x = in[0], *sc = in[1], *zp = nin > 2 ? in[2] : NULL;
    int64_t axis;
    int rc = qparams(n, x, sc, zp, &axis);
    if (rc) return rc;
    int32_t et = zp ? zp->elem : BS_ELEM_UINT8;
    double lo, hi;
    switch (et) {
    case BS_ELEM_UINT8: lo = 0; hi = 255; break;
    case BS_ELEM_INT8: lo = -128; hi = 127; break;
    case BS_ELEM_UINT16: lo = 0; hi = 65535; break;
    case BS_ELEM_INT16: lo = -32768; hi = 32767; break;
    case BS_ELEM_INT32: lo = -2147483648.0; hi = 2147483647.0; break;
    default: return bs_exec__fail(n, "unsupported zero-point type %s", bs_onnx_elem_name(et));
    }
    bs_value *o = bs_exec_out_like(cx, 0, et, x);
    if (!o) return bs_error_code();
    for (int64_t i = 0; i < x->numel; i++) {
        int64_t k = axis_index(x, sc, axis, i);
        float s = (float)bs_value_get(sc, k);
        double z = zp ? bs_value_get(zp, k) : 0;
        double y = nearbyint((double)((float)bs_value_get(x, i) / s)) + z;
        bs_value_set(o, i, y < lo ? lo : y > hi ? hi : y);
    }
    return 0;
}

static int k_dequantize_linear(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 1);
    const bs_value *x = in[0], *sc = in[1], *zp = nin > 2 ? in[2] : NULL;
    int64_t axis;
    int rc = qparams(n, x, sc, zp, &axis);
    if (rc) return rc;
    bs_value *o = bs_exec_out_like(cx, 0, BS_ELEM_FLOAT, x);
    if (!o) return bs_error_code();
    for (int64_t i = 0; i < x->numel; i++) {
        int64_t k = axis_index(x, sc, axis, i);
        double z = zp ? bs_value_get(zp, k) : 0;
        ((float *)o->data)[i] = (float)(bs_value_get(x, i) - z) * (float)bs_value_get(sc, k);
    }
    return 0;
}

static int k_tile(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 1);
    const bs_value *x = in[0];
    int64_t rep[BS_IR_MAX_RANK], d[BS_IR_MAX_RANK], is[BS_IR_MAX_RANK];
    if (bs_exec__ints(in[1], rep, BS_IR_MAX_RANK) != x->rank) return bs_exec__fail(n, "repeats must have rank entries");
    for (int k = 0; k < x->rank; k++) {
        if (rep[k] < 0) return bs_exec__fail(n, "negative repeat");
        d[k] = x->dims[k] * rep[k];
    }
    bs_value *o = bs_exec_out(cx, 0, x->elem, x->rank, d);
    if (!o) return bs_error_code();
    bs_exec__strides(x->rank, x->dims, is);
    size_t es = bs_onnx_elem_size(x->elem);
    for (int64_t i = 0; i < o->numel; i++) {
        int64_t rem = i, off = 0;
        for (int k = x->rank - 1; k >= 0; k--) {
            off += (rem % d[k]) % x->dims[k] * is[k];
            rem /= d[k];
        }
        memcpy((char *)o->data + (size_t)i * es, (const char *)x->data + (size_t)off * es, es);
    }
    return 0;
}

static const bs_exec_op misc_ops[] = {
    {"", "QuantizeLinear", k_quantize_linear, "saturate(round(x / scale) + zero_point), per-tensor or per-axis"},
    {"", "DequantizeLinear", k_dequantize_linear, "(x - zero_point) * scale"},
    {"", "Tile", k_tile, "repeat along every axis"},
};

const bs_exec_op *bs_exec__misc_ops(int *count)
{
    *count = (int)(sizeof misc_ops / sizeof misc_ops[0]);
    return misc_ops;
}
