#!/usr/bin/env bash
# Executor vs an independent numpy reference (tests/tools/onnx_ref.py, run
# with Debian's /usr/bin/python3): ~45 single-op cases (standard + QONNX ops,
# every Quant rounding mode) and the executable shared models, checked
# in-process by exec_ref_check, plus one case through the CLI.
# SKIP (77) if /usr/bin/python3 lacks onnx/numpy or the shared data is absent.
set -euo pipefail
py=/usr/bin/python3
[ -x "$py" ] && "$py" -c 'import onnx, numpy' 2>/dev/null || { echo "SKIP: $py lacks onnx/numpy"; exit 77; }
[ -d "$BS_SHARED_DATA/models" ] || { echo "SKIP: no shared data at $BS_SHARED_DATA"; exit 77; }
out="$BS_BINARY_DIR/tests/onnx/ref"
rm -rf "$out"
"$py" "$BS_SOURCE_DIR/tests/tools/onnx_ref.py" gen "$out" "$BS_SHARED_DATA"
check="$BS_BINARY_DIR/tests/onnx/exec_ref_check"
"$check" "$out/manifest.json"
# The CLI path: model exec --output on a shared model, compared exactly.
m="$BS_SHARED_DATA/models/tfc_w1a1_finn_build_dataflow.onnx"
"$BS_BIN" model exec "$m" --input "$out/models_tfc_w1a1_finn_build_dataflow.in0.npy" --output "$out/cli.npy" >/dev/null
"$check" --compare "$out/cli.npy" "$out/models_tfc_w1a1_finn_build_dataflow.out0.npy" --exact
echo "reference: ok"
