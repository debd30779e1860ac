#!/usr/bin/python3
"""gen_cnv.py OUT.onnx [WBITS ABITS] - writes the CNV-topology QONNX model of
tests/tools/onnx_ref.py (6 conv + 2 max pool + 3 FC, Quant/BatchNorm) for the
executor benchmark.  Run with Debian's /usr/bin/python3 (python3-onnx)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "tools"))
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnx_ref  # noqa: E402

w = int(sys.argv[2]) if len(sys.argv) > 2 else 2
a = int(sys.argv[3]) if len(sys.argv) > 3 else 2
m, x = onnx_ref.cnv_model(np.random.default_rng(7), w, a)
onnx.save(m, sys.argv[1])
np.save(os.path.splitext(sys.argv[1])[0] + ".in.npy", x)
