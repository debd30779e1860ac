/* ops_std.c - ONNX standard kernels: elementwise (broadcast) arithmetic and
 * comparisons, unary math, Clip, Cast, the helpers shared by the kernel
 * files, and the table of the standard ops.  Float32 tensors are computed in
 * float32 like numpy/onnxruntime; INT64 tensors exactly.  Data movement is
 * in ops_shape.c, linear algebra / pooling / reductions in ops_nn.c. */
#include "exec_int.h"
#include "brainsmith/onnx.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- shared helpers --------------------------------------------------------------- */

int bs_exec__fail(const bs_ir_node *n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return bs_error_set(BS_EINVAL, "exec: node %s: %s", bs_ir_node_desc(n), msg);
}

int bs_exec__ints(const bs_value *v, int64_t *out, int max)
{
    if (!v || v->numel > max) return -1;
    for (int64_t i = 0; i < v->numel; i++)
        out[i] = v->elem == BS_ELEM_INT64 ? ((const int64_t *)v->data)[i] : bs_exec__i64(bs_value_get(v, i));
    return (int)v->numel;
}

void bs_exec__strides(int rank, const int64_t *dims, int64_t *st)
{
    int64_t s = 1;
    for (int i = rank - 1; i >= 0; i--) { st[i] = s; s *= dims[i]; }
}

int bs_exec__bcast_shape(const bs_ir_node *n, const bs_value *a, const bs_value *b, int *rank,
                         int64_t *dims)
{
    int r = a->rank > b->rank ? a->rank : b->rank;
    for (int i = 0; i < r; i++) {
        int ia = i - (r - a->rank), ib = i - (r - b->rank);
        int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
        if (da != db && da != 1 && db != 1)
            return bs_exec__fail(n, "shapes %s and %s do not broadcast", bs_value_shape_str(a),
                                 bs_value_shape_str(b));
        dims[i] = da == 1 ? db : da;
    }
    *rank = r;
    return 0;
}

void bs_exec__bcast_strides(const bs_value *v, int r, const int64_t *odims, int64_t *st)
{
    int64_t s[BS_IR_MAX_RANK];
    bs_exec__strides(v->rank, v->dims, s);
    for (int i = 0; i < r; i++) {
        int iv = i - (r - v->rank);
        st[i] = (iv < 0 || v->dims[iv] == 1) && odims[i] != 1 ? 0 : (iv < 0 ? 0 : s[iv]);
    }
}

float bs_exec__rint_f(float x) { return nearbyintf(x); /* default mode: half to even */ }

/* Odometer over an output shape, yielding the flat offsets into a and b. */
typedef struct bc_iter { int r; int64_t dims[BS_IR_MAX_RANK], sa[BS_IR_MAX_RANK], sb[BS_IR_MAX_RANK], idx[BS_IR_MAX_RANK], oa, ob; } bc_iter;

static void bc_next(bc_iter *it)
{
    for (int k = it->r - 1; k >= 0; k--) {
        it->idx[k]++;
        it->oa += it->sa[k];
        it->ob += it->sb[k];
        if (it->idx[k] < it->dims[k]) return;
        it->oa -= it->sa[k] * it->dims[k];
        it->ob -= it->sb[k] * it->dims[k];
        it->idx[k] = 0;
    }
}

/* ---- elementwise binary ------------------------------------------------------------ */

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW, OP_MAX, OP_MIN, OP_MOD, OP_EQ, OP_LT, OP_LE,
       OP_GT, OP_GE, OP_AND, OP_OR };

static inline float fapply(int op, float a, float b)
{
    switch (op) {
    case OP_ADD: return a + b;
    case OP_SUB: return a - b;
    case OP_MUL: return a * b;
    case OP_DIV: return a / b;
    case OP_POW: return powf(a, b);
    case OP_MAX: return a > b || isnan(a) ? a : b;
    case OP_MIN: return a < b || isnan(a) ? a : b;
    case OP_MOD: return fmodf(a, b);
    case OP_EQ: return a == b;
    case OP_LT: return a < b;
    case OP_LE: return a <= b;
    case OP_GT: return a > b;
    case OP_GE: return a >= b;
    case OP_AND: return a != 0 && b != 0;
    default: return a != 0 || b != 0;
    }
}

static inline int64_t iapply(int op, int64_t a, int64_t b)
{
    switch (op) {
    case OP_ADD: return (int64_t)((uint64_t)a + (uint64_t)b);
    case OP_SUB: return (int64_t)((uint64_t)a - (uint64_t)b);
    case OP_MUL: return (int64_t)((uint64_t)a * (uint64_t)b);
    case OP_DIV: return b == 0 || (a == INT64_MIN && b == -1) ? 0 : a / b;
    case OP_POW: { int64_t r = 1; for (int64_t k = 0; k < b && k < 64; k++) r = (int64_t)((uint64_t)r * (uint64_t)a); return r; }
    case OP_MAX: return a > b ? a : b;
    case OP_MIN: return a < b ? a : b;
    case OP_MOD: { if (b == 0 || (a == INT64_MIN && b == -1)) return 0; int64_t m = a % b; return m && ((m < 0) != (b < 0)) ? m + b : m; }
    case OP_EQ: return a == b;
    case OP_LT: return a < b;
    case OP_LE: return a <= b;
    case OP_GT: return a > b;
    case OP_GE: return a >= b;
    case OP_AND: return a && b;
    default: return a || b;
    }
}

static int binary(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin, int op)
{
    NEED_IN(n, in, nin, 0);
    NEED_IN(n, in, nin, 1);
    const bs_value *a = in[0], *b = in[1];
    int r;
    int64_t d[BS_IR_MAX_RANK];
    int rc = bs_exec__bcast_shape(n, a, b, &r, d);
    if (rc) return rc;
    bool cmp = op >= OP_EQ;
    int32_t et = cmp ? BS_ELEM_BOOL : a->elem;
    if (a->elem == BS_ELEM_FLOAT && b->elem != BS_ELEM_FLOAT && !cmp) et = BS_ELEM_FLOAT;
    bs_value *o = bs_exec_out(cx, 0, et, r, d);
    if (!o) return bs_error_code();
    bc_iter it = {.r = r};
    memcpy(it.dims, d, sizeof(int64_t) * (size_t)r);
    bs_exec__bcast_strides(a, r, d, it.sa);
    bs_exec__bcast_strides(b, r, d, it.sb);
    if (a->elem == BS_ELEM_FLOAT && b->elem == BS_ELEM_FLOAT) {
        const float *pa = a->data, *pb = b->data;
        if (!cmp) {
            float *po = o->data;
            if (a->numel == o->numel && b->numel == o->numel)
                for (int64_t i = 0; i < o->numel; i++) po[i] = fapply(op, pa[i], pb[i]);
            else if (a->numel == o->numel && b->numel == 1)
                for (int64_t i = 0; i < o->numel; i++) po[i] = fapply(op, pa[i], pb[0]);
            else
                for (int64_t i = 0; i < o->numel; i++, bc_next(&it)) po[i] = fapply(op, pa[it.oa], pb[it.ob]);
        } else {
            uint8_t *po = o->data;
            for (int64_t i = 0; i < o->numel; i++, bc_next(&it)) po[i] = fapply(op, pa[it.oa], pb[it.ob]) != 0;
        }
        return 0;
    }
    bool is_int = a->elem != BS_ELEM_FLOAT && a->elem != BS_ELEM_DOUBLE && a->elem != BS_ELEM_FLOAT16 &&
                  b->elem != BS_ELEM_FLOAT && b->elem != BS_ELEM_DOUBLE;
    if (a->elem == BS_ELEM_INT64 && b->elem == BS_ELEM_INT64 && !cmp) {   /* exact int64 */
        const int64_t *pa = a->data, *pb = b->data;
        int64_t *po = o->data;
        for (int64_t i = 0; i < o->numel; i++, bc_next(&it)) po[i] = iapply(op, pa[it.oa], pb[it.ob]);
        return 0;
    }
    for (int64_t i = 0; i < o->numel; i++, bc_next(&it)) {
        double x = bs_value_get(a, it.oa), y = bs_value_get(b, it.ob);
        if (is_int) bs_value_set(o, i, (double)iapply(op, bs_exec__i64(x), bs_exec__i64(y)));
        else {
            double res;
            switch (op) {
            case OP_ADD: res = x + y; break;
            case OP_SUB: res = x - y; break;
            case OP_MUL: res = x * y; break;
            case OP_DIV: res = x / y; break;
            case OP_POW: res = pow(x, y); break;
            case OP_MAX: res = x > y ? x : y; break;
            case OP_MIN: res = x < y ? x : y; break;
            case OP_MOD: res = fmod(x, y); break;
            default: res = fapply(op, (float)x, (float)y); break;
            }
            bs_value_set(o, i, res);
        }
    }
    return 0;
}

#define BIN(name, op) \
    static int k_##name(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin) \
    { return binary(cx, n, in, nin, op); }
BIN(add, OP_ADD) BIN(sub, OP_SUB) BIN(mul, OP_MUL) BIN(div, OP_DIV) BIN(pow, OP_POW)
BIN(mod, OP_MOD) BIN(eq, OP_EQ) BIN(lt, OP_LT) BIN(le, OP_LE) BIN(gt, OP_GT) BIN(ge, OP_GE)
BIN(and, OP_AND) BIN(or, OP_OR)

/* Max/Min are variadic. */
static int variadic(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin, int op)
{
    if (nin == 1) {
        NEED_IN(n, in, nin, 0);
        bs_value *o = bs_exec_out_like(cx, 0, in[0]->elem, in[0]);
        return o ? (memcpy(o->data, in[0]->data, (size_t)in[0]->numel * bs_onnx_elem_size(in[0]->elem)), 0) : bs_error_code();
    }
    int rc = binary(cx, n, in, 2, op);
    for (int i = 2; i < nin && !rc; i++) {
        bs_value acc = {0};
        rc = bs_value_copy(&acc, bs_exec__cur_out(cx, 0));
        if (rc) break;
        const bs_value *pair[2] = {&acc, in[i]};
        rc = binary(cx, n, pair, 2, op);
        bs_value_free(&acc);
    }
    return rc;
}
static int k_max(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin) { return variadic(cx, n, in, nin, OP_MAX); }
static int k_min(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin) { return variadic(cx, n, in, nin, OP_MIN); }

static int k_where(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 2);
    int r, r2;
    int64_t d[BS_IR_MAX_RANK], d2[BS_IR_MAX_RANK];
    int rc = bs_exec__bcast_shape(n, in[1], in[2], &r, d);
    if (rc) return rc;
    bs_value tmp = {.rank = r};
    memcpy(tmp.dims, d, sizeof d);
    if ((rc = bs_exec__bcast_shape(n, in[0], &tmp, &r2, d2))) return rc;
    bs_value *o = bs_exec_out(cx, 0, in[1]->elem, r2, d2);
    if (!o) return bs_error_code();
    int64_t s0[BS_IR_MAX_RANK], s1[BS_IR_MAX_RANK], s2[BS_IR_MAX_RANK], idx[BS_IR_MAX_RANK] = {0};
    bs_exec__bcast_strides(in[0], r2, d2, s0);
    bs_exec__bcast_strides(in[1], r2, d2, s1);
    bs_exec__bcast_strides(in[2], r2, d2, s2);
    for (int64_t i = 0; i < o->numel; i++) {
        int64_t o0 = 0, o1 = 0, o2 = 0, rem = i;
        for (int k = r2 - 1; k >= 0; k--) {
            idx[k] = rem % d2[k];
            rem /= d2[k];
            o0 += idx[k] * s0[k]; o1 += idx[k] * s1[k]; o2 += idx[k] * s2[k];
        }
        bs_value_set(o, i, bs_value_get(in[0], o0) != 0 ? bs_value_get(in[1], o1) : bs_value_get(in[2], o2));
    }
    return 0;
}

/* ---- unary ----------------------------------------------------------------------------- */

enum { U_RELU, U_SIGMOID, U_TANH, U_ABS, U_NEG, U_EXP, U_LOG, U_SQRT, U_FLOOR, U_CEIL, U_ROUND,
       U_SIGN, U_ERF, U_RECIP, U_LEAKY, U_HSIG, U_NOT, U_ID };

static int unary(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin, int op)
{
    NEED_IN(n, in, nin, 0);
    const bs_value *x = in[0];
    bs_value *o = bs_exec_out_like(cx, 0, x->elem, x);
    if (!o) return bs_error_code();
    if (op == U_ID) {
        if (x->numel) memcpy(o->data, x->data, (size_t)x->numel * bs_onnx_elem_size(x->elem));
        return 0;
    }
    float alpha = (float)bs_ir_attr_float(n, "alpha", op == U_LEAKY ? 0.01 : 0.2);
    float beta = (float)bs_ir_attr_float(n, "beta", 0.5);
    bool f = x->elem == BS_ELEM_FLOAT;
    for (int64_t i = 0; i < x->numel; i++) {
        float v = f ? ((const float *)x->data)[i] : (float)bs_value_get(x, i), r;
        switch (op) {
        case U_RELU: r = v > 0 ? v : 0; break;
        case U_SIGMOID: r = 1.0f / (1.0f + expf(-v)); break;
        case U_TANH: r = tanhf(v); break;
        case U_ABS: r = fabsf(v); break;
        case U_NEG: r = -v; break;
        case U_EXP: r = expf(v); break;
        case U_LOG: r = logf(v); break;
        case U_SQRT: r = sqrtf(v); break;
        case U_FLOOR: r = floorf(v); break;
        case U_CEIL: r = ceilf(v); break;
        case U_ROUND: r = bs_exec__rint_f(v); break;
        case U_SIGN: r = (float)((v > 0) - (v < 0)); break;
        case U_ERF: r = erff(v); break;
        case U_RECIP: r = 1.0f / v; break;
        case U_LEAKY: r = v >= 0 ? v : alpha * v; break;
        case U_HSIG: r = fmaxf(0.0f, fminf(1.0f, alpha * v + beta)); break;
        default: r = v == 0; break;
        }
        if (f) ((float *)o->data)[i] = r;
        else if (op == U_ABS || op == U_NEG || op == U_SIGN || op == U_RELU) {
            double dv = bs_value_get(x, i);  /* exact for integers */
            bs_value_set(o, i, op == U_ABS ? fabs(dv) : op == U_NEG ? -dv : op == U_SIGN ? (dv > 0) - (dv < 0) : dv > 0 ? dv : 0);
        } else bs_value_set(o, i, r);
    }
    return 0;
}

#define UN(name, op) \
    static int k_##name(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin) \
    { return unary(cx, n, in, nin, op); }
UN(relu, U_RELU) UN(sigmoid, U_SIGMOID) UN(tanh, U_TANH) UN(abs, U_ABS) UN(neg, U_NEG)
UN(exp, U_EXP) UN(log, U_LOG) UN(sqrt, U_SQRT) UN(floor, U_FLOOR) UN(ceil, U_CEIL)
UN(round, U_ROUND) UN(sign, U_SIGN) UN(erf, U_ERF) UN(recip, U_RECIP) UN(leaky, U_LEAKY)
UN(hsig, U_HSIG) UN(not, U_NOT) UN(identity, U_ID)

static int k_clip(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 0);
    double lo = -INFINITY, hi = INFINITY;
    if (nin > 1 && in[1]) lo = bs_value_get(in[1], 0);
    else lo = bs_ir_attr_float(n, "min", -INFINITY);
    if (nin > 2 && in[2]) hi = bs_value_get(in[2], 0);
    else hi = bs_ir_attr_float(n, "max", INFINITY);
    const bs_value *x = in[0];
    bs_value *o = bs_exec_out_like(cx, 0, x->elem, x);
    if (!o) return bs_error_code();
    for (int64_t i = 0; i < x->numel; i++) {
        double v = bs_value_get(x, i);
        bs_value_set(o, i, v < lo ? lo : v > hi ? hi : v);
    }
    return 0;
}

static int k_cast(bs_exec_ctx *cx, const bs_ir_node *n, const bs_value *const *in, int nin)
{
    NEED_IN(n, in, nin, 0);
    int32_t to = (int32_t)bs_ir_attr_int(n, "to", BS_ELEM_FLOAT);
    if (!bs_onnx_elem_size(to) || to == BS_ELEM_FLOAT16) return bs_exec__fail(n, "cannot cast to %s", bs_onnx_elem_name(to));
    bs_value *o = bs_exec_out_like(cx, 0, to, in[0]);
    if (!o) return bs_error_code();
    for (int64_t i = 0; i < in[0]->numel; i++) bs_value_set(o, i, bs_value_get(in[0], i));
    return 0;
}

/* ---- table --------------------------------------------------------------------------------- */

int bs_exec__k_reshape(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_flatten(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_transpose(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_concat(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_shape(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_gather(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_pad(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_squeeze_like(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_constant(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_slice(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_expand(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_split(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_matmul(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_gemm(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_conv(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_maxpool(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_avgpool(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_gavgpool(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_gmaxpool(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_batchnorm(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_softmax(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_topk(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_argmax(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_reduce_mean(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_reduce_sum(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);
int bs_exec__k_reduce_max(bs_exec_ctx *, const bs_ir_node *, const bs_value *const *, int);

static const bs_exec_op std_ops[] = {
    {"", "Add", k_add, "a + b (broadcast)"},
    {"", "Sub", k_sub, "a - b (broadcast)"},
    {"", "Mul", k_mul, "a * b (broadcast)"},
    {"", "Div", k_div, "a / b (broadcast; integer division truncates)"},
    {"", "Pow", k_pow, "a ^ b"},
    {"", "Mod", k_mod, "a mod b (sign of b, like numpy)"},
    {"", "Max", k_max, "elementwise max of all inputs"},
    {"", "Min", k_min, "elementwise min of all inputs"},
    {"", "Equal", k_eq, "a == b"},
    {"", "Less", k_lt, "a < b"},
    {"", "LessOrEqual", k_le, "a <= b"},
    {"", "Greater", k_gt, "a > b"},
    {"", "GreaterOrEqual", k_ge, "a >= b"},
    {"", "And", k_and, "logical and"},
    {"", "Or", k_or, "logical or"},
    {"", "Where", k_where, "cond ? a : b"},
    {"", "Relu", k_relu, "max(x, 0)"},
    {"", "Sigmoid", k_sigmoid, "1 / (1 + e^-x)"},
    {"", "Tanh", k_tanh, "tanh"},
    {"", "Abs", k_abs, "|x|"},
    {"", "Neg", k_neg, "-x"},
    {"", "Exp", k_exp, "e^x"},
    {"", "Log", k_log, "ln x"},
    {"", "Sqrt", k_sqrt, "square root"},
    {"", "Floor", k_floor, "floor"},
    {"", "Ceil", k_ceil, "ceil"},
    {"", "Round", k_round, "round half to even"},
    {"", "Sign", k_sign, "sign (0 for 0)"},
    {"", "Erf", k_erf, "error function"},
    {"", "Reciprocal", k_recip, "1 / x"},
    {"", "LeakyRelu", k_leaky, "x >= 0 ? x : alpha x"},
    {"", "HardSigmoid", k_hsig, "clip(alpha x + beta, 0, 1)"},
    {"", "Not", k_not, "logical not"},
    {"", "Identity", k_identity, "copy"},
    {"", "Dropout", k_identity, "identity at inference"},
    {"", "Clip", k_clip, "clamp to [min, max] (inputs or attributes)"},
    {"", "Cast", k_cast, "element type conversion"},
    {"", "Reshape", bs_exec__k_reshape, "reshape (0 and -1 rules)"},
    {"", "Flatten", bs_exec__k_flatten, "flatten to 2-D at axis"},
    {"", "Squeeze", bs_exec__k_squeeze_like, "drop size-1 axes"},
    {"", "Unsqueeze", bs_exec__k_squeeze_like, "insert size-1 axes"},
    {"", "Transpose", bs_exec__k_transpose, "permute axes"},
    {"", "Concat", bs_exec__k_concat, "concatenate along axis"},
    {"", "Shape", bs_exec__k_shape, "shape as INT64"},
    {"", "Gather", bs_exec__k_gather, "gather along axis"},
    {"", "Pad", bs_exec__k_pad, "constant padding"},
    {"", "Constant", bs_exec__k_constant, "constant tensor"},
    {"", "Slice", bs_exec__k_slice, "strided slice"},
    {"", "Expand", bs_exec__k_expand, "broadcast to shape"},
    {"", "Split", bs_exec__k_split, "split along axis"},
    {"", "MatMul", bs_exec__k_matmul, "matrix product (numpy broadcasting)"},
    {"", "Gemm", bs_exec__k_gemm, "alpha A' B' + beta C"},
    {"", "Conv", bs_exec__k_conv, "1-D/2-D convolution (group, pads, strides, dilations)"},
    {"", "MaxPool", bs_exec__k_maxpool, "1-D/2-D max pooling"},
    {"", "AveragePool", bs_exec__k_avgpool, "1-D/2-D average pooling"},
    {"", "GlobalAveragePool", bs_exec__k_gavgpool, "mean over spatial dims"},
    {"", "GlobalMaxPool", bs_exec__k_gmaxpool, "max over spatial dims"},
    {"", "BatchNormalization", bs_exec__k_batchnorm, "inference-mode batch norm"},
    {"", "Softmax", bs_exec__k_softmax, "softmax (opset-dependent axis semantics)"},
    {"", "TopK", bs_exec__k_topk, "top-k values and INT64 indices"},
    {"", "ArgMax", bs_exec__k_argmax, "index of the max (INT64)"},
    {"", "ReduceMean", bs_exec__k_reduce_mean, "mean over axes"},
    {"", "ReduceSum", bs_exec__k_reduce_sum, "sum over axes"},
    {"", "ReduceMax", bs_exec__k_reduce_max, "max over axes"},
};

const bs_exec_op *bs_exec__std_ops(int *count)
{
    *count = (int)(sizeof std_ops / sizeof std_ops[0]);
    return std_ops;
}
