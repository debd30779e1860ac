#!/usr/bin/python3
"""onnx_ref.py - independent numpy reference for brainsmith's executor tests.

Run with Debian's /usr/bin/python3 (python3-onnx, python3-numpy).  It builds
single-op ONNX models (standard ops and QONNX custom ops), picks inputs for
the shared models, executes everything with its own numpy implementation of
the op semantics (QONNX's formulas, numpy float32 arithmetic like QONNX/FINN)
and writes, into OUTDIR:
    manifest.json   [{"name", "model", "inputs": [npy], "outputs": [npy],
                      "exact": bool, "rtol", "atol"}]
    *.onnx, *.npy
Usage: onnx_ref.py gen OUTDIR [SHARED_DATA_DIR]
       onnx_ref.py run MODEL IN.npy OUT.npy      (reference execution)
       onnx_ref.py bench MODEL SECONDS [IN.npy]   (prints inferences/s)
Exit 77 if onnx/numpy are missing (the caller turns that into SKIP).
"""
import json
import os
import sys
import time

try:
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper, TensorProto
except ImportError:  # pragma: no cover
    sys.exit(77)

F32 = np.float32


# ---------------------------------------------------------------- ops -----
def attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _s(v):
    return v.decode() if isinstance(v, bytes) else v


def bcast_op(f):
    return lambda n, a, x, y: [f(x, y)]


def conv(n, a, x, w, b=None):
    """Convolution as sliding windows + a float64 tensor contraction (BLAS)."""
    one = x.ndim == 3
    pads = a.get("pads", [0] * (2 * (x.ndim - 2)))
    st = a.get("strides", [1] * (x.ndim - 2))
    dil = a.get("dilations", [1] * (x.ndim - 2))
    g = a.get("group", 1)
    if one:
        x, w = x[:, :, None, :], w[:, :, None, :]
        pads, st, dil = [0, pads[0], 0, pads[1]], [1, st[0]], [1, dil[0]]
    N, C, H, W = x.shape
    M, Cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3]))).astype(np.float64)
    OH = (H + pads[0] + pads[2] - dil[0] * (kh - 1) - 1) // st[0] + 1
    OW = (W + pads[1] + pads[3] - dil[1] * (kw - 1) - 1) // st[1] + 1
    win = np.lib.stride_tricks.sliding_window_view(xp, ((kh - 1) * dil[0] + 1, (kw - 1) * dil[1] + 1), axis=(2, 3))
    win = win[:, :, ::st[0], ::st[1], ::dil[0], ::dil[1]][:, :, :OH, :OW]
    mg = M // g
    out = np.concatenate([np.einsum("nchwij,mcij->nmhw", win[:, gi * Cg:(gi + 1) * Cg],
                                    w[gi * mg:(gi + 1) * mg].astype(np.float64), optimize=True)
                          for gi in range(g)], axis=1).astype(F32)
    if b is not None:
        out = out + b.reshape(1, -1, 1, 1)
    return [out[:, :, 0, :] if one else out]


def pool(n, a, x, mode):
    k = a["kernel_shape"]
    one = x.ndim == 3
    if one:
        x = x[:, :, None, :]
        k = [1, k[0]]
    st = a.get("strides", [1] * len(k))
    pads = a.get("pads", [0] * (2 * len(k)))
    if one:
        st, pads = [1, st[0]], [0, pads[0], 0, pads[1]]
    ceil = a.get("ceil_mode", 0)
    N, C, H, W = x.shape
    def od(i, p0, p1, kk, s):
        num = i + p0 + p1 - kk
        o = (-(-num // s) if ceil else num // s) + 1
        if ceil and (o - 1) * s >= i + p0:
            o -= 1
        return o
    OH, OW = od(H, pads[0], pads[2], k[0], st[0]), od(W, pads[1], pads[3], k[1], st[1])
    out = np.zeros((N, C, OH, OW), dtype=F32)
    for oy in range(OH):
        for ox in range(OW):
            y0, x0 = oy * st[0] - pads[0], ox * st[1] - pads[1]
            ys, xs = max(y0, 0), max(x0, 0)
            ye, xe = min(y0 + k[0], H), min(x0 + k[1], W)
            win = x[:, :, ys:ye, xs:xe]
            if mode == "max":
                out[:, :, oy, ox] = win.max(axis=(2, 3))
            else:
                cnt = (ye - ys) * (xe - xs)
                if a.get("count_include_pad", 0):
                    cnt = (min(y0 + k[0], H + pads[2]) - y0) * (min(x0 + k[1], W + pads[3]) - x0)
                out[:, :, oy, ox] = (win.astype(np.float64).sum(axis=(2, 3)) / cnt).astype(F32)
    return [out[:, :, 0, :] if one else out]


def resolve_round(mode):
    mode = mode.upper()
    return {
        "ROUND": np.round, "HALF_EVEN": np.round, "CEIL": np.ceil, "FLOOR": np.floor,
        "UP": lambda v: np.sign(v) * np.ceil(np.abs(v)),
        "DOWN": np.fix,
        "HALF_UP": lambda v: np.sign(v) * np.floor(np.abs(v) + F32(0.5)),
        "HALF_DOWN": lambda v: np.sign(v) * np.ceil(np.abs(v) - F32(0.5)),
    }[mode]


def min_int(signed, narrow, bw):
    if not signed:
        return F32(0)
    return F32(-(2 ** (bw - 1)) + 1) if narrow else F32(-(2 ** (bw - 1)))


def max_int(signed, narrow, bw):
    if not signed:
        return F32(2 ** bw - 2) if narrow else F32(2 ** bw - 1)
    return F32(2 ** (bw - 1) - 1)


def quant(n, a, x, scale, zp, bw):
    signed, narrow = a.get("signed", 1), a.get("narrow", 1)
    bw = float(bw)
    y = x / scale
    y = y + zp
    if bw == 1 and signed:
        y = np.where(y >= 0, F32(1), F32(-1)).astype(F32)
    else:
        y = np.where(y > max_int(signed, narrow, bw), max_int(signed, narrow, bw), y)
        y = np.where(y < min_int(signed, narrow, bw), min_int(signed, narrow, bw), y)
        y = resolve_round(_s(a.get("rounding_mode", "ROUND")))(y)
    return [((y - zp) * scale).astype(F32)]


def trunc(n, a, x, scale, zp, ibw, *rest):
    rf = resolve_round(_s(a.get("rounding_mode", "FLOOR")))
    y = np.round(x / scale + zp)
    if len(rest) == 1:
        obw = rest[0]
        y = y / F32(2.0 ** (float(ibw) - float(obw)))
        y = rf(y)
        return [((y - zp) * scale).astype(F32)]
    oscale, obw = rest
    t = F32(2.0) ** np.round(np.log2(oscale / scale))
    y = y / t
    s, nw = a.get("signed", 1), a.get("narrow", 0)
    y = np.clip(y, min_int(s, nw, float(obw)), max_int(s, nw, float(obw)))
    y = rf(y)
    return [((y - zp / t) * oscale).astype(F32)]


def multithreshold(n, a, x, T):
    layout = _s(a.get("data_layout", "NCHW"))
    cax = x.ndim - 1 if layout.endswith("C") else 1
    if x.ndim < 2:
        cax = 0
    xm = np.moveaxis(x, cax, -1)
    C = xm.shape[-1]
    Tb = np.broadcast_to(T, (C, T.shape[1])) if T.shape[0] == 1 else T
    cnt = (xm[..., None] >= Tb).sum(axis=-1).astype(F32)
    out = np.moveaxis(cnt, -1, cax)
    scale, bias = F32(a.get("out_scale", 1.0)), F32(a.get("out_bias", 0.0))
    return [(scale * out + bias).astype(F32)]


def im2col(n, a, x):
    k = a["kernel_size"]
    s = a.get("stride", [1, 1])
    d = a.get("dilations", [1, 1])
    p = a.get("pad_amount", [0, 0, 0, 0])
    pv = a.get("pad_value", 0)
    N, H, W, C = x.shape
    xp = np.full((N, H + p[0] + p[2], W + p[1] + p[3], C), pv, dtype=F32)
    xp[:, p[0]:p[0] + H, p[1]:p[1] + W, :] = x
    OH = (H + p[0] + p[2] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    OW = (W + p[1] + p[3] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    out = np.zeros((N, OH, OW, k[0] * k[1] * C), dtype=F32)
    for oy in range(OH):
        for ox in range(OW):
            cols = [xp[:, oy * s[0] + ky * d[0], ox * s[1] + kx * d[1], :] for ky in range(k[0]) for kx in range(k[1])]
            out[:, oy, ox, :] = np.concatenate(cols, axis=-1)
    return [out]


def quantavgpool(n, a, x):
    k, s = a["kernel"], a["stride"]
    nhwc = _s(a.get("data_layout", "NCHW")) == "NHWC"
    if nhwc:
        x = x.transpose(0, 3, 1, 2)
    N, C, H, W = x.shape
    OH, OW = (H - k) // s + 1, (W - k) // s + 1
    out = np.zeros((N, C, OH, OW), dtype=np.float64)
    for oy in range(OH):
        for ox in range(OW):
            out[:, :, oy, ox] = x[:, :, oy * s:oy * s + k, ox * s:ox * s + k].astype(np.float64).sum(axis=(2, 3))
    maxv = (2 ** a["ibits"] - 1) * k * k
    shift = max(0, int(maxv).bit_length() - a["obits"])
    out = np.floor(np.round(out) / 2 ** shift).astype(F32)
    return [out.transpose(0, 2, 3, 1) if nhwc else out]


def xnor(n, a, x, w):
    xb, wb = 2 * x.astype(np.float64) - 1, 2 * w.astype(np.float64) - 1
    K = w.shape[0]
    return [((xb @ wb + K) / 2).astype(F32)]


def maxpool_nhwc(n, a, x):
    return [pool(n, a, x.transpose(0, 3, 1, 2), "max")[0].transpose(0, 2, 3, 1)]


def batchnorm(n, a, x, sc, b, mu, var):
    eps = F32(a.get("epsilon", 1e-5))
    sh = (1, -1) + (1,) * (x.ndim - 2)
    return [((x - mu.reshape(sh)) / np.sqrt(var.reshape(sh) + eps) * sc.reshape(sh) + b.reshape(sh)).astype(F32)]


def softmax(n, a, x, opset):
    ax = a.get("axis", -1 if opset >= 13 else 1)
    if opset < 13:
        sh = x.shape
        x2 = x.reshape(int(np.prod(sh[:ax])), -1).astype(np.float64)
        e = np.exp(x2 - x2.max(axis=1, keepdims=True))
        return [(e / e.sum(axis=1, keepdims=True)).reshape(sh).astype(F32)]
    x2 = x.astype(np.float64)
    e = np.exp(x2 - x2.max(axis=ax, keepdims=True))
    return [(e / e.sum(axis=ax, keepdims=True)).astype(F32)]


def topk(n, a, x, k=None):
    k = int(k.ravel()[0]) if k is not None else a["k"]
    ax = a.get("axis", -1)
    largest = a.get("largest", 1)
    key = -x if largest else x
    idx = np.argsort(key, axis=ax, kind="stable")
    idx = np.take(idx, np.arange(k), axis=ax)
    return [np.take_along_axis(x, idx, axis=ax), idx.astype(np.int64)]


def reshape(n, a, x, shape):
    shape = [int(v) for v in shape]
    shape = [x.shape[i] if v == 0 else v for i, v in enumerate(shape)]
    return [x.reshape(shape)]


def squeeze(n, a, x, axes=None):
    ax = a.get("axes") if axes is None else [int(v) for v in axes]
    return [np.squeeze(x, axis=tuple(ax)) if ax is not None else np.squeeze(x)]


def unsqueeze(n, a, x, axes=None):
    ax = a.get("axes") if axes is None else [int(v) for v in axes]
    r = x.ndim + len(ax)
    ax = sorted(v % r for v in ax)
    for v in ax:
        x = np.expand_dims(x, v)
    return [x]


def pad(n, a, x, pads=None, val=None):
    p = a.get("pads") if pads is None else [int(v) for v in pads]
    r = x.ndim
    cv = a.get("value", 0.0) if val is None else val.ravel()[0]
    return [np.pad(x, [(p[i], p[i + r]) for i in range(r)], constant_values=cv).astype(x.dtype)]


def gemm(n, a, A, B, C=None):
    A = A.T if a.get("transA", 0) else A
    B = B.T if a.get("transB", 0) else B
    y = F32(a.get("alpha", 1.0)) * (A.astype(np.float64) @ B.astype(np.float64)).astype(F32)
    if C is not None:
        y = y + F32(a.get("beta", 1.0)) * C
    return [y.astype(F32)]


def matmul(n, a, x, y):
    return [np.matmul(x.astype(np.float64), y.astype(np.float64)).astype(x.dtype if x.dtype != np.float64 else F32)]


def clip(n, a, x, lo=None, hi=None):
    lo = a.get("min", -np.inf) if lo is None else lo
    hi = a.get("max", np.inf) if hi is None else hi
    return [np.clip(x, lo, hi).astype(x.dtype)]


def slice_(n, a, x, st, en, axes=None, steps=None):
    axes = list(range(len(st))) if axes is None else axes
    steps = [1] * len(st) if steps is None else steps
    sl = [slice(None)] * x.ndim
    for s0, e0, ax, sp in zip(st, en, axes, steps):
        sl[int(ax)] = slice(int(s0), int(e0), int(sp))
    return [x[tuple(sl)]]


def bshape(p, a, x):
    """A per-axis parameter reshaped to broadcast along `axis` of x."""
    if p is None:
        return F32(0)
    p = p.astype(F32)
    if p.ndim == 0:
        return p
    ax = a.get("axis", 1) % x.ndim
    sh = [1] * x.ndim
    sh[ax] = -1
    return p.reshape(sh)


def qlinear(a, x, sc, zp):
    dt = zp.dtype if zp is not None else np.uint8
    info = np.iinfo(dt)
    y = np.round(x / bshape(sc, a, x)) + (bshape(zp, a, x) if zp is not None else 0)
    return np.clip(y, info.min, info.max).astype(dt)


OPS = {
    ("", "Add"): bcast_op(lambda x, y: x + y), ("", "Sub"): bcast_op(lambda x, y: x - y),
    ("", "Mul"): bcast_op(lambda x, y: x * y), ("", "Div"): bcast_op(lambda x, y: x / y),
    ("", "Pow"): bcast_op(lambda x, y: np.power(x, y).astype(x.dtype)),
    ("", "MatMul"): matmul, ("", "Gemm"): gemm, ("", "Conv"): conv,
    ("", "MaxPool"): lambda n, a, x: pool(n, a, x, "max"),
    ("", "AveragePool"): lambda n, a, x: pool(n, a, x, "avg"),
    ("", "GlobalAveragePool"): lambda n, a, x: [x.astype(np.float64).mean(axis=tuple(range(2, x.ndim)), keepdims=True).astype(F32)],
    ("", "BatchNormalization"): batchnorm,
    ("", "Relu"): lambda n, a, x: [np.maximum(x, F32(0))],
    ("", "Sign"): lambda n, a, x: [np.sign(x)],
    ("", "Identity"): lambda n, a, x: [x], ("", "Dropout"): lambda n, a, x, *r: [x],
    ("", "Clip"): clip,
    ("", "Reshape"): reshape,
    ("", "Flatten"): lambda n, a, x: [x.reshape(int(np.prod(x.shape[:a.get("axis", 1)])), -1)],
    ("", "Transpose"): lambda n, a, x: [np.transpose(x, a.get("perm"))],
    ("", "Squeeze"): squeeze, ("", "Unsqueeze"): unsqueeze,
    ("", "Concat"): lambda n, a, *xs: [np.concatenate(xs, axis=a["axis"])],
    ("", "Shape"): lambda n, a, x: [np.array(x.shape, dtype=np.int64)],
    ("", "Gather"): lambda n, a, x, i: [np.take(x, i.astype(np.int64), axis=a.get("axis", 0))],
    ("", "Pad"): pad, ("", "TopK"): topk,
    ("", "ArgMax"): lambda n, a, x: [np.expand_dims(np.argmax(x, axis=a.get("axis", 0)), a.get("axis", 0)).astype(np.int64) if a.get("keepdims", 1) else np.argmax(x, axis=a.get("axis", 0)).astype(np.int64)],
    ("", "Slice"): slice_,
    ("", "Softmax"): None,
    ("", "Tanh"): lambda n, a, x: [np.tanh(x)], ("", "Sigmoid"): lambda n, a, x: [(1 / (1 + np.exp(-x))).astype(F32)],
    ("", "QuantizeLinear"): lambda n, a, x, sc, zp=None: [qlinear(a, x, sc, zp)],
    ("", "DequantizeLinear"): lambda n, a, x, sc, zp=None: [((x.astype(F32) - (zp.astype(F32) if zp is not None else F32(0))) * sc if sc.ndim == 0 else
                                                         (x.astype(F32) - bshape(zp, a, x)) * bshape(sc, a, x)).astype(F32)],
    ("", "Tile"): lambda n, a, x, r: [np.tile(x, [int(v) for v in r])],
    ("qonnx.custom_op.general", "Quant"): quant,
    ("qonnx.custom_op.general", "BipolarQuant"): lambda n, a, x, s: [(np.where(x >= 0, F32(1), F32(-1)) * s).astype(F32)],
    ("qonnx.custom_op.general", "Trunc"): trunc,
    ("qonnx.custom_op.general", "MultiThreshold"): multithreshold,
    ("qonnx.custom_op.general", "Im2Col"): im2col,
    ("qonnx.custom_op.general", "QuantAvgPool2d"): quantavgpool,
    ("qonnx.custom_op.general", "XnorPopcountMatMul"): xnor,
    ("qonnx.custom_op.general", "MaxPoolNHWC"): maxpool_nhwc,
}
ALIASES = {"onnx.brevitas": "qonnx.custom_op.general", "finn.custom_op.general": "qonnx.custom_op.general",
           "finn": "qonnx.custom_op.general", "ai.onnx": ""}


def run_model(model, inputs, env_out=None):
    g = model.graph
    opset = max([o.version for o in model.opset_import if o.domain in ("", "ai.onnx")] or [11])
    env = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    feed = [i for i in g.input if i.name not in env]
    for vi, x in zip(feed, inputs):
        dims = [d.dim_value for d in vi.type.tensor_type.shape.dim]
        env[vi.name] = x.reshape(dims).astype(F32) if dims and all(dims) and x.size == int(np.prod(dims)) else x
    for n in g.node:
        dom = ALIASES.get(n.domain, n.domain)
        f = OPS[(dom, n.op_type)]
        ins = [env[i] if i else None for i in n.input]
        while ins and ins[-1] is None:
            ins.pop()
        a = attrs(n)
        outs = softmax(n, a, *ins, opset) if n.op_type == "Softmax" else f(n, a, *ins)
        for name, v in zip(n.output, outs):
            env[name] = v
        if env_out is not None and n.op_type in QUANTIZERS:
            env_out[n.output[0]] = env[n.output[0]]
    return [env[o.name] for o in g.output]


# Ops whose outputs are compared exactly inside the shared models.
QUANTIZERS = {"MultiThreshold", "Quant", "BipolarQuant", "Trunc", "TopK", "Sign"}


# ------------------------------------------------------------- cases -----
def single(op, inputs, attrs_=None, domain="", inits=None, n_out=1, opset=13):
    """A one-node model: inputs = [(name, array)], inits = [(name, array)]."""
    inits = inits or []
    ins = [helper.make_tensor_value_info(nm, TensorProto.FLOAT if v.dtype == F32 else TensorProto.INT64, list(v.shape)) for nm, v in inputs]
    outs = [helper.make_tensor_value_info("y%d" % i, TensorProto.FLOAT, None) for i in range(n_out)]
    node = helper.make_node(op, [nm for nm, _ in inputs] + [nm for nm, _ in inits], [o.name for o in outs], domain=domain, **(attrs_ or {}))
    g = helper.make_graph([node], op.lower(), ins, outs, initializer=[numpy_helper.from_array(v, nm) for nm, v in inits])
    imports = [helper.make_opsetid("", opset)] + ([helper.make_opsetid(domain, 1)] if domain else [])
    m = helper.make_model(g, opset_imports=imports, producer_name="onnx_ref.py")
    m.ir_version = 8
    return m, [v for _, v in inputs]


def chain_qdq(r):
    """QCDQ: QuantizeLinear -> Clip (int8, narrowed) -> DequantizeLinear."""
    inits = [numpy_helper.from_array(v, nm) for nm, v in [
        ("s", np.array(0.125, dtype=F32)), ("z", np.array(0, dtype=np.int8)),
        ("lo", np.array(-7, dtype=np.int8)), ("hi", np.array(7, dtype=np.int8))]]
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"]),
             helper.make_node("Clip", ["q", "lo", "hi"], ["c"]),
             helper.make_node("DequantizeLinear", ["c", "s", "z"], ["y0"])]
    x = r(4, 8)
    g = helper.make_graph(nodes, "qcdq", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 8])],
                          [helper.make_tensor_value_info("y0", TensorProto.FLOAT, None)], initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="onnx_ref.py")
    m.ir_version = 8
    return m, [x]


def cases(rng):
    Q = "qonnx.custom_op.general"
    r = lambda *s: rng.standard_normal(s).astype(F32)
    ri = lambda lo, hi, *s: rng.integers(lo, hi + 1, s).astype(F32)
    c = []
    c.append(("add_bcast", single("Add", [("a", r(2, 3, 4))], inits=[("b", r(3, 1))]), False))
    c.append(("sub", single("Sub", [("a", r(2, 5)), ("b", r(2, 5))]), False))
    c.append(("mul_int", single("Mul", [("a", ri(-8, 7, 4, 6))], inits=[("b", ri(-3, 3, 6))]), True))
    c.append(("div", single("Div", [("a", r(3, 4))], inits=[("b", np.abs(r(4)) + F32(0.5))]), False))
    c.append(("matmul_int", single("MatMul", [("a", ri(-2, 1, 3, 64))], inits=[("w", ri(-1, 1, 64, 10))]), True))
    c.append(("matmul_batch", single("MatMul", [("a", r(2, 3, 4, 5))], inits=[("w", r(5, 6))]), False))
    c.append(("gemm_transb", single("Gemm", [("a", r(3, 8))], {"transB": 1, "alpha": 0.5, "beta": 2.0}, inits=[("w", r(4, 8)), ("c", r(4))], opset=11), False))
    c.append(("conv_pad_stride", single("Conv", [("x", ri(0, 3, 1, 3, 9, 9))], {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [2, 2]}, inits=[("w", ri(-1, 1, 4, 3, 3, 3))]), True))
    c.append(("conv_group_bias", single("Conv", [("x", r(1, 4, 6, 6))], {"group": 2, "dilations": [2, 1]}, inits=[("w", r(6, 2, 2, 3)), ("b", r(6))]), False))
    c.append(("maxpool_ceil", single("MaxPool", [("x", r(1, 2, 7, 7))], {"kernel_shape": [2, 2], "strides": [2, 2], "ceil_mode": 1}), True))
    c.append(("maxpool_pad", single("MaxPool", [("x", r(1, 2, 6, 6))], {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}), True))
    c.append(("avgpool", single("AveragePool", [("x", r(1, 3, 6, 6))], {"kernel_shape": [3, 3], "strides": [1, 1], "pads": [1, 1, 1, 1]}), False))
    c.append(("gap", single("GlobalAveragePool", [("x", r(2, 3, 4, 4))]), False))
    c.append(("batchnorm", single("BatchNormalization", [("x", r(2, 3, 2, 2))], inits=[("s", r(3)), ("b", r(3)), ("m", r(3)), ("v", np.abs(r(3)) + F32(0.1))]), False))
    c.append(("reshape", single("Reshape", [("x", r(2, 3, 4))], inits=[("s", np.array([0, -1], dtype=np.int64))]), True))
    c.append(("flatten", single("Flatten", [("x", r(2, 3, 4))], {"axis": 2}), True))
    c.append(("transpose", single("Transpose", [("x", r(2, 3, 4, 5))], {"perm": [0, 2, 3, 1]}), True))
    c.append(("concat", single("Concat", [("a", r(2, 3)), ("b", r(2, 5))], {"axis": 1}), True))
    c.append(("pad", single("Pad", [("x", r(1, 2, 3))], inits=[("p", np.array([0, 1, 2, 0, 0, 1], dtype=np.int64)), ("v", np.array([1.5], dtype=F32))], opset=13), True))
    c.append(("clip", single("Clip", [("x", r(4, 4))], inits=[("lo", np.array(-0.5, dtype=F32)), ("hi", np.array(0.5, dtype=F32))]), True))
    c.append(("sign", single("Sign", [("x", ri(-2, 2, 10))]), True))
    c.append(("relu", single("Relu", [("x", r(10))]), True))
    c.append(("squeeze", single("Squeeze", [("x", r(1, 3, 1, 2))], inits=[("ax", np.array([0, 2], dtype=np.int64))]), True))
    c.append(("unsqueeze", single("Unsqueeze", [("x", r(3, 2))], {"axes": [0, 3]}, opset=11), True))
    c.append(("topk", single("TopK", [("x", ri(0, 9, 2, 10))], {"axis": 1}, inits=[("k", np.array([3], dtype=np.int64))], n_out=2), True))
    c.append(("argmax", single("ArgMax", [("x", r(3, 7))], {"axis": 1}), True))
    c.append(("softmax13", single("Softmax", [("x", r(2, 3, 4))], {"axis": 1}), False))
    c.append(("softmax11", single("Softmax", [("x", r(2, 3, 4))], {"axis": 1}, opset=11), False))
    c.append(("gather", single("Gather", [("x", r(5, 3))], {"axis": 0}, inits=[("i", np.array([4, 0, 2], dtype=np.int64))]), True))
    c.append(("slice", single("Slice", [("x", r(4, 6))], inits=[("s", np.array([1, 0], dtype=np.int64)), ("e", np.array([3, 6], dtype=np.int64)), ("a", np.array([0, 1], dtype=np.int64)), ("t", np.array([1, 2], dtype=np.int64))]), True))
    for mode in ["ROUND", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP", "HALF_DOWN"]:
        for sg, nw, bw in [(1, 0, 4), (0, 0, 3), (1, 1, 2)]:
            x = (r(4, 16) * 4).astype(F32)
            x[0, :8] = np.array([0.5, 1.5, -0.5, -1.5, 2.5, -2.5, 0.0, 7.5], dtype=F32) * F32(0.25)
            c.append(("quant_%s_s%dn%db%d" % (mode.lower(), sg, nw, bw),
                      single("Quant", [("x", x)], {"signed": sg, "narrow": nw, "rounding_mode": mode}, domain=Q,
                             inits=[("s", np.array([0.25, 0.5, 1.0, 0.125], dtype=F32).reshape(4, 1)), ("z", np.array(0.0, dtype=F32)), ("b", np.array(float(bw), dtype=F32))]), True))
    c.append(("quant_bipolar", single("Quant", [("x", r(3, 5))], {"signed": 1, "narrow": 0}, domain=Q,
                                      inits=[("s", np.array(0.5, dtype=F32)), ("z", np.array(0.0, dtype=F32)), ("b", np.array(1.0, dtype=F32))]), True))
    c.append(("bipolarquant", single("BipolarQuant", [("x", r(3, 5))], domain=Q, inits=[("s", np.array(0.75, dtype=F32))]), True))
    c.append(("trunc_v1", single("Trunc", [("x", ri(-64, 63, 4, 4))], domain=Q, inits=[("s", np.array(1.0, dtype=F32)), ("z", np.array(0.0, dtype=F32)), ("ib", np.array(8.0, dtype=F32)), ("ob", np.array(4.0, dtype=F32))]), True))
    c.append(("trunc_v2", single("Trunc", [("x", ri(-64, 63, 4, 4) * F32(0.5))], {"rounding_mode": "ROUND"}, domain=Q, inits=[("s", np.array(0.5, dtype=F32)), ("z", np.array(0.0, dtype=F32)), ("ib", np.array(8.0, dtype=F32)), ("os", np.array(4.0, dtype=F32)), ("ob", np.array(4.0, dtype=F32))]), True))
    T = np.sort(ri(-10, 10, 3, 7), axis=1)
    c.append(("multithreshold_nchw", single("MultiThreshold", [("x", ri(-12, 12, 2, 3, 4, 4))], {"out_dtype": "UINT3"}, domain=Q, inits=[("t", T)]), True))
    c.append(("multithreshold_nhwc", single("MultiThreshold", [("x", ri(-12, 12, 2, 4, 4, 3))], {"out_dtype": "INT4", "data_layout": "NHWC", "out_scale": 2.0, "out_bias": -7.0}, domain=Q, inits=[("t", T)]), True))
    c.append(("multithreshold_global", single("MultiThreshold", [("x", r(2, 10))], {"out_dtype": "BIPOLAR", "out_scale": 2.0, "out_bias": -1.0}, domain=Q, inits=[("t", np.zeros((1, 1), dtype=F32))]), True))
    c.append(("im2col", single("Im2Col", [("x", ri(0, 9, 1, 5, 6, 3))], {"kernel_size": [3, 2], "stride": [2, 1], "pad_amount": [1, 0, 1, 1], "pad_value": 0, "input_shape": "(1, 5, 6, 3)"}, domain=Q), True))
    c.append(("quantavgpool", single("QuantAvgPool2d", [("x", ri(0, 15, 1, 2, 6, 6))], {"kernel": 2, "stride": 2, "ibits": 4, "obits": 4, "signed": 0}, domain=Q), True))
    c.append(("xnorpopcount", single("XnorPopcountMatMul", [("x", ri(0, 1, 3, 16))], domain=Q, inits=[("w", ri(0, 1, 16, 5))]), True))
    c.append(("qdq_tensor", chain_qdq(r), False))
    c.append(("quantizelinear_axis", single("QuantizeLinear", [("x", r(2, 3, 4) * 20)], {"axis": 1},
                                            inits=[("s", np.array([0.5, 0.25, 1.0], dtype=F32)), ("z", np.array([1, -3, 0], dtype=np.int8))]), True))
    c.append(("tile", single("Tile", [("x", r(2, 3))], inits=[("rep", np.array([2, 3], dtype=np.int64))]), True))
    c.append(("maxpoolnhwc", single("MaxPoolNHWC", [("x", r(1, 6, 6, 3))], {"kernel_shape": [2, 2], "strides": [2, 2]}, domain=Q), True))
    return c


def cnv_model(rng, wbits=2, abits=2):
    """A CNV-topology QONNX model (BNN-PYNQ CNV: 6 conv 3x3 + 2 max pools +
    3 FC, BatchNorm, Quant on weights and activations), random weights.
    Input: 1x3x32x32 UINT8 pixels."""
    Q = "qonnx.custom_op.general"
    nodes, inits = [], []
    cnt = [0]

    def name(p):
        cnt[0] += 1
        return "%s_%d" % (p, cnt[0])

    def const(p, arr):
        nm = name(p)
        inits.append(numpy_helper.from_array(np.asarray(arr, dtype=F32), nm))
        return nm

    def quant(x, bits, scale, signed=1, narrow=0):
        y = name("q")
        nodes.append(helper.make_node("Quant", [x, const("s", scale), const("z", 0.0), const("b", float(bits))], [y],
                                      domain=Q, signed=signed, narrow=narrow, rounding_mode="ROUND"))
        return y

    def wquant(shape):
        w = rng.standard_normal(shape).astype(F32)
        return quant(const("w", w), wbits, np.float32(1.0), 1, 1)

    def bn(x, c, fan_in):
        y = name("bn")
        nodes.append(helper.make_node("BatchNormalization", [x, const("g", np.ones(c)), const("be", rng.standard_normal(c) * 0.2),
                                                             const("mu", rng.standard_normal(c)), const("va", np.full(c, fan_in * 0.4))], [y]))
        return y

    def op(t, ins, **kw):
        y = name(t.lower())
        nodes.append(helper.make_node(t, ins, [y], **kw))
        return y

    x = "x"
    h = op("Mul", [x, const("c", np.float32(2.0 / 255))])
    h = op("Add", [h, const("c", np.float32(-1.0))])
    h = quant(h, 8, np.float32(2.0 ** -7), 1, 0)
    cin = 3
    for cout, pool_after in [(64, False), (64, True), (128, False), (128, True), (256, False), (256, False)]:
        h = op("Conv", [h, wquant((cout, cin, 3, 3))], kernel_shape=[3, 3])
        h = bn(h, cout, cin * 9)
        h = quant(h, abits, np.float32(0.5), 1, 0)
        if pool_after:
            h = op("MaxPool", [h], kernel_shape=[2, 2], strides=[2, 2])
        cin = cout
    shp = name("shape")
    inits.append(numpy_helper.from_array(np.array([1, -1], dtype=np.int64), shp))
    h = op("Reshape", [h, shp])
    for fin, fout in [(256, 512), (512, 512)]:
        h = op("MatMul", [h, wquant((fin, fout))])
        h = bn(h, fout, fin)
        h = quant(h, abits, np.float32(0.5), 1, 0)
    h = op("MatMul", [h, wquant((512, 10))])
    y = op("Mul", [h, const("c", np.float32(0.05))])
    g = helper.make_graph(nodes, "cnv_w%da%d" % (wbits, abits),
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 32, 32])],
                          [helper.make_tensor_value_info(y, TensorProto.FLOAT, [1, 10])], initializer=inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 11), helper.make_opsetid(Q, 1)], producer_name="onnx_ref.py")
    m.ir_version = 7
    xin = rng.integers(0, 256, (1, 3, 32, 32)).astype(F32)
    return m, xin


def model_inputs(path, model, shared):
    """Input for a shared model: MNIST for 28x28 models, random values the
    input's QONNX datatype allows otherwise (seeded by file name)."""
    g = model.graph
    inits = {t.name for t in g.initializer}
    vi = [i for i in g.input if i.name not in inits][0]
    dims = [d.dim_value for d in vi.type.tensor_type.shape.dim]
    dt = "FLOAT32"
    for qa in g.quantization_annotation:
        if qa.tensor_name == vi.name:
            for e in qa.quant_parameter_tensor_names:
                if e.key == "finn_datatype":
                    dt = e.value
    rng = np.random.default_rng(sum(map(ord, os.path.basename(path))))
    if int(np.prod(dims)) == 784:
        return np.load(os.path.join(shared, "finn_build/finn_examples_bnn_pynq/mnist_input.npy")).reshape(dims).astype(F32)
    if dt == "BIPOLAR":
        return (rng.integers(0, 2, dims) * 2 - 1).astype(F32)
    if dt.startswith("UINT") or dt == "BINARY":
        b = 1 if dt == "BINARY" else int(dt[4:])
        return rng.integers(0, 2 ** b, dims).astype(F32)
    if dt.startswith("INT"):
        b = int(dt[3:])
        return rng.integers(-(2 ** (b - 1)), 2 ** (b - 1), dims).astype(F32)
    return rng.uniform(-1, 1, dims).astype(F32)


SHARED_MODELS = [
    "models/bls_mlp_wb3_ab3_prune0.9_datelbr.onnx", "models/cybsec_mlp_w2a2_ready.onnx",
    "models/facile_v3_6b.onnx", "models/facile_v3_6b_after_step_streamline.onnx",
    "models/tfc_w1a1_finn_build_dataflow.onnx", "models/tfc_w1a1_qonnx.onnx", "models/tfc_w2a2_qonnx.onnx",
    "finn_oracle/cybsec/intermediate_models/step_qonnx_to_finn.onnx",
    "finn_oracle/cybsec/intermediate_models/step_tidy_up.onnx",
    "finn_oracle/cybsec/intermediate_models/step_streamline.onnx",
    "finn_oracle/tfc_w2a2_fps/intermediate_models/step_qonnx_to_finn.onnx",
    "finn_oracle/tfc_w2a2_fps/intermediate_models/step_tidy_up.onnx",
    "finn_oracle/tfc_w2a2_fps/intermediate_models/step_streamline.onnx",
]


def gen(outdir, shared):
    os.makedirs(outdir, exist_ok=True)
    rng = np.random.default_rng(1234)
    man = []
    for name, (model, feeds), exact in cases(rng):
        mp = os.path.join(outdir, name + ".onnx")
        onnx.save(model, mp)
        ins = []
        for x in feeds:
            p = os.path.join(outdir, "%s.in%d.npy" % (name, len(ins)))
            np.save(p, x)
            ins.append(p)
        outs = run_model(model, feeds)
        ops = []
        for i, y in enumerate(outs):
            p = os.path.join(outdir, "%s.out%d.npy" % (name, i))
            np.save(p, y)
            ops.append(p)
        man.append({"name": name, "model": mp, "inputs": ins, "outputs": ops, "exact": exact, "rtol": 1e-5, "atol": 1e-5})
    if shared and os.path.isdir(shared):
        for rel in SHARED_MODELS:
            path = os.path.join(shared, rel)
            if not os.path.exists(path):
                continue
            model = onnx.load(path)
            x = model_inputs(path, model, shared)
            name = rel.replace("/", "_").replace(".onnx", "")
            ip = os.path.join(outdir, name + ".in0.npy")
            np.save(ip, x)
            inner = {}
            outs = run_model(model, [x], inner)
            tens = {}
            for k, (tn, v) in enumerate(inner.items()):
                p = os.path.join(outdir, "%s.t%d.npy" % (name, k))
                np.save(p, v)
                tens[tn] = p
            ops = []
            for i, y in enumerate(outs):
                p = os.path.join(outdir, "%s.out%d.npy" % (name, i))
                np.save(p, y)
                ops.append(p)
            exact = all(np.all(np.round(y) == y) for y in outs)
            man.append({"name": name, "model": path, "inputs": [ip], "outputs": ops, "exact": bool(exact),
                        "rtol": 1e-4, "atol": 1e-4, "tensors": tens})
    cm, cx = cnv_model(np.random.default_rng(7))
    mp = os.path.join(outdir, "cnv_w2a2.onnx")
    onnx.save(cm, mp)
    ip = os.path.join(outdir, "cnv_w2a2.in0.npy")
    np.save(ip, cx)
    inner = {}
    outs = run_model(cm, [cx], inner)
    tens = {}
    for k, (tn, v) in enumerate(inner.items()):
        p = os.path.join(outdir, "cnv_w2a2.t%d.npy" % k)
        np.save(p, v)
        tens[tn] = p
    op0 = os.path.join(outdir, "cnv_w2a2.out0.npy")
    np.save(op0, outs[0])
    man.append({"name": "cnv_w2a2", "model": mp, "inputs": [ip], "outputs": [op0], "exact": True,
                "rtol": 0, "atol": 0, "tensors": tens})
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1)
    print("onnx_ref: %d cases in %s" % (len(man), outdir))


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "gen":
        gen(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    elif len(sys.argv) == 5 and sys.argv[1] == "run":
        m = onnx.load(sys.argv[2])
        np.save(sys.argv[4], run_model(m, [np.load(sys.argv[3])])[0])
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "bench":
        m = onnx.load(sys.argv[2])
        x = np.load(sys.argv[4]) if len(sys.argv) == 5 else model_inputs(sys.argv[2], m, os.environ.get("BS_SHARED_DATA", ""))
        run_model(m, [x])
        t0, n = time.perf_counter(), 0
        while True:
            run_model(m, [x])
            n += 1
            t = time.perf_counter() - t0
            if t >= float(sys.argv[3]):
                break
        print("%.2f" % (n / t))
    else:
        print(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
