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
        if (rep[k] < 0 || !BS_EXEC_SANE(rep[k]) || __builtin_mul_overflow(x->dims[k], rep[k], &d[k]))
            return bs_exec__fail(n, "repeat out of range");
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

/* Resize / Upsample, mode "nearest" (what FINN maps to
 * UpsampleNearestNeighbour): every coordinate transformation and nearest
 * rounding mode of ONNX. */
static int resize_params(const bs_ir_node *n, const bs_value *const *in, int nin, const bs_value *x,
                         double *scale, int64_t *od)
{
    bool upsample = !strcmp(n->op_type, "Upsample");
    const bs_value *sc = upsample ? (nin > 1 ? in[1] : NULL) : (nin > 2 ? in[2] : nin == 2 ? in[1] : NULL);
    const bs_value *sz = !upsample && nin > 3 ? in[3] : NULL;
    const float *af;
    int naf = 0;
    if (sz && sz->numel) {
        if (sz->numel != x->rank) return bs_exec__fail(n, "sizes must have rank entries");
        for (int k = 0; k < x->rank; k++) {
            od[k] = bs_exec__i64(bs_value_get(sz, k));
            if (od[k] < 0 || !BS_EXEC_SANE(od[k])) return bs_exec__fail(n, "size out of range");
            scale[k] = x->dims[k] ? (double)od[k] / (double)x->dims[k] : 1;
        }
        return 0;
    }
    if (sc && sc->numel) {
        if (sc->numel != x->rank) return bs_exec__fail(n, "scales must have rank entries");
        for (int k = 0; k < x->rank; k++) scale[k] = (float)bs_value_get(sc, k);
    } else if (!bs_ir_attr_get_floats(n, "scales", &af, &naf) && naf == x->rank) {
        for (int k = 0; k < x->rank; k++) scale[k] = af[k];
    } else {
        return bs_exec__fail(n, "no scales or sizes");
    }
    for (int k = 0; k < x->rank; k++) {
        if (!(scale[k] > 0 && scale[k] < 1e6)) return bs_exec__fail(n, "scale %g out of range", scale[k]);
        od[k] = (int64_t)floor((double)x->dims[k] * scale[k]);
    }
    return 0;
}

static int k_resize(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 0);
    const bs_value *x = in[0];
    bool upsample = !strcmp(n->op_type, "Upsample");
    const char *mode = bs_ir_attr_str(n, "mode", "nearest");
    if (strcmp(mode, "nearest")) return bs_exec__fail(n, "mode '%s' is not supported (nearest only)", mode);
    const char *ctm = upsample ? "asymmetric" : bs_ir_attr_str(n, "coordinate_transformation_mode", "half_pixel");
    const char *nm = upsample ? "floor" : bs_ir_attr_str(n, "nearest_mode", "round_prefer_floor");
    double scale[BS_IR_MAX_RANK];
    int64_t od[BS_IR_MAX_RANK], is[BS_IR_MAX_RANK];
    int rc = resize_params(n, in, nin, x, scale, od);
    if (rc) return rc;
    for (int k = 0; k < x->rank; k++)
        if (x->dims[k] == 0 && od[k] > 0) return bs_exec__fail(n, "cannot resize an empty axis to %lld", (long long)od[k]);
    bs_value *o = bs_exec_out(cx, 0, x->elem, x->rank, od);
    if (!o) return bs_error_code();
    bs_exec__strides(x->rank, x->dims, is);
    size_t es = bs_onnx_elem_size(x->elem);
    for (int64_t i = 0; i < o->numel; i++) {
        int64_t rem = i, off = 0;
        for (int k = x->rank - 1; k >= 0; k--) {
            int64_t oi = rem % od[k], len = x->dims[k];
            rem /= od[k];
            double s = scale[k], c;
            if (!strcmp(ctm, "asymmetric")) c = (double)oi / s;
            else if (!strcmp(ctm, "align_corners")) c = od[k] > 1 ? (double)oi * (double)(len - 1) / (double)(od[k] - 1) : 0;
            else if (!strcmp(ctm, "pytorch_half_pixel")) c = od[k] > 1 ? ((double)oi + 0.5) / s - 0.5 : 0;
            else if (!strcmp(ctm, "tf_half_pixel_for_nn")) c = ((double)oi + 0.5) / s;
            else c = ((double)oi + 0.5) / s - 0.5;   /* half_pixel */
            double r;
            if (!strcmp(nm, "floor")) r = floor(c);
            else if (!strcmp(nm, "ceil")) r = ceil(c);
            else if (!strcmp(nm, "round_prefer_ceil")) r = floor(c + 0.5);
            else r = (c - floor(c) == 0.5) ? floor(c) : floor(c + 0.5);   /* round_prefer_floor */
            int64_t ix = !(r >= 0) ? 0 : r > (double)(len - 1) ? len - 1 : (int64_t)r;   /* NaN -> 0 */
            off += ix * is[k];
        }
        memcpy((char *)o->data + (size_t)i * es, (const char *)x->data + (size_t)off * es, es);
    }
    return 0;
}

static const bs_exec_op misc_ops[] = {
    {"", "Resize", k_resize, "nearest-neighbour resize (all coordinate modes)"},
    {"", "Upsample", k_resize, "nearest-neighbour upsample (scales)"},
    {"", "QuantizeLinear", k_quantize_linear, "saturate(round(x / scale) + zero_point), per-tensor or per-axis"},
    {"", "DequantizeLinear", k_dequantize_linear, "(x - zero_point) * scale"},
    {"", "Tile", k_tile, "repeat along every axis"},
};

const bs_exec_op *bs_exec__misc_ops(int *count)
{
    *count = (int)(sizeof misc_ops / sizeof misc_ops[0]);
    return misc_ops;
}
