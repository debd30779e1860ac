#!/usr/bin/env bash
# brainsmith model info|check|exec|save on real models: output content,
# --json, exit codes (0 ok, 1 failure, 2 usage), error messages, and that a
# model saved through the IR loads in onnx (Python) with the same content.
set -uo pipefail
D="$BS_SHARED_DATA"
[ -d "$D/models" ] || { echo "SKIP: no shared data"; exit 77; }
B="$BS_BIN"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

tfc="$D/models/tfc_w1a1_finn_build_dataflow.onnx"
hw="$D/models/cybsec_mlp_w2a2_hw_after_set_fifo_depths.onnx"
out=$("$B" model info "$tfc") || fail "info exit $?"
grep -q "global_in .*\[1, 1, 28, 28\]" <<<"$out" || fail "info: input shape: $out"
grep -q "MultiThreshold *4" <<<"$out" || fail "info: histogram"
grep -q "ir_version: 7" <<<"$out" || fail "info: ir_version"
"$B" model info "$hw" --nodes | grep -q "    PE = " || fail "info --nodes lists attributes"
j=$("$B" model info "$hw" --json) || fail "info --json"
grep -q '"MVAU_hls":	4' <<<"$j" || fail "info json histogram: $j"
grep -q '"datatype":	"' <<<"$j" || fail "info json datatype"

"$B" model check "$tfc" >/dev/null || fail "check tfc should pass"
"$B" model check "$hw" >"$T/chk" 2>&1; [ $? -eq 1 ] || fail "check hw must exit 1 (no HW kernels yet)"
grep -q "no executor kernel for 15 nodes" "$T/chk" || fail "check must list every unsupported node: $(cat $T/chk)"
"$B" model check "$hw" --json >"$T/chk.json"; grep -q '"op_type":	"StreamingFIFO_rtl"' "$T/chk.json" || fail "check --json unsupported list"

printf 'garbage' >"$T/bad.onnx"
"$B" model info "$T/bad.onnx" 2>"$T/err"; [ $? -eq 1 ] || fail "bad model must exit 1"
grep -q "bad.onnx: not a valid ONNX ModelProto" "$T/err" || fail "error must name the file: $(cat $T/err)"
"$B" model info 2>/dev/null; [ $? -eq 2 ] || fail "missing FILE must exit 2"
"$B" model frob 2>/dev/null; [ $? -eq 2 ] || fail "unknown sub-command must exit 2"
"$B" model exec --help | grep -q -- "--all-tensors" || fail "exec --help"

in="$D/finn_build/finn_examples_bnn_pynq/mnist_input.npy"
o=$("$B" model exec "$tfc" --input "$in" --output "$T/y.npy" --all-tensors "$T/all") || fail "exec"
grep -q "global_out INT64 \[1, 1\]: 7" <<<"$o" || fail "exec must classify the MNIST 7: $o"
[ -s "$T/y.npy" ] || fail "exec --output"
[ "$(ls "$T/all" | wc -l)" -ge 25 ] || fail "exec --all-tensors wrote $(ls "$T/all" | wc -l) files"
o=$("$B" model exec "$tfc" --input "$D/finn_build/tfc_w1a1_finn_testdata/input.npy") || fail "exec batch"
grep -q "global_out INT64 \[4, 1\]: 7 2 1 0" <<<"$o" || fail "exec of FINN's 4-sample verification input: $o"
"$B" model exec "$tfc" --input "$T/bad.onnx" 2>"$T/err"; [ $? -eq 1 ] || fail "bad npy must exit 1"
grep -q "not a .npy file" "$T/err" || fail "npy error: $(cat $T/err)"
"$B" model exec "$hw" --input "$in" 2>"$T/err"; [ $? -eq 1 ] || fail "exec of unsupported must exit 1"

"$B" model save "$tfc" "$T/raw.onnx" --raw || fail "save --raw"
cmp -s "$tfc" "$T/raw.onnx" || fail "raw round trip must be byte-identical"
for m in "$tfc" "$hw" "$D/models/tfc_w2a2_qonnx.onnx" "$D/models/facile_v3_6b_after_step_generate_estimate_reports.onnx"; do
  "$B" model save "$m" "$T/ir.onnx" --infer || fail "save --infer $m"
  "$B" model check "$T/ir.onnx" >/dev/null 2>&1; rc=$?
  "$B" model check "$m" >/dev/null 2>&1; [ $rc -eq $? ] || fail "saved model checks differently: $m"
  if /usr/bin/python3 -c 'import onnx' 2>/dev/null; then
    /usr/bin/python3 - "$m" "$T/ir.onnx" <<'PY' || fail "onnx (python) does not load the saved $m the same"
import sys, onnx
from onnx import numpy_helper
a, b = onnx.load(sys.argv[1]), onnx.load(sys.argv[2])
ga, gb = a.graph, b.graph
assert [n.op_type for n in ga.node] == [n.op_type for n in gb.node]
assert [list(n.input) for n in ga.node] == [list(n.input) for n in gb.node]
for na, nb in zip(ga.node, gb.node):
    assert {x.name: onnx.helper.get_attribute_value(x) for x in na.attribute} == \
           {x.name: onnx.helper.get_attribute_value(x) for x in nb.attribute}, na.name
ia = {t.name: numpy_helper.to_array(t) for t in ga.initializer}
ib = {t.name: numpy_helper.to_array(t) for t in gb.initializer}
assert ia.keys() == ib.keys()
assert all((ia[k] == ib[k]).all() and ia[k].dtype == ib[k].dtype for k in ia)
qa = {q.tensor_name: {e.key: e.value for e in q.quant_parameter_tensor_names} for q in ga.quantization_annotation}
qb = {q.tensor_name: {e.key: e.value for e in q.quant_parameter_tensor_names} for q in gb.quantization_annotation}
live = set(ib) | {o for n in gb.node for o in n.output} | {i.name for i in gb.input}
for k, v in qa.items():
    if "finn_datatype" in v and k in live:
        assert qb[k]["finn_datatype"] == v["finn_datatype"], (k, v, qb.get(k))
    if "tensor_layout" in v and k in live:
        assert qb[k]["tensor_layout"] == v["tensor_layout"], k
assert {m.key: m.value for m in a.metadata_props} == {m.key: m.value for m in b.metadata_props}
PY
  fi
done
echo "cli_model: ok"
