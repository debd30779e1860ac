#!/usr/bin/env bash
# hwflow_ice40.sh - a small MLP (brainsmith's example model, 32-16-16-10,
# 2-bit) for an iCE40 UP5K part: the whole backend flow with the build's
# verify_input_npy as rtlsim input (bit-exact against the executor), Yosys
# synth_ice40 as step_out_of_context_synthesis, and step_ice40_bitstream to a
# .bin with fmax and utilisation; then the same build through the orchestrator
# (each tool step its own task).  SKIP without the tools.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
B=${BS_BIN:?}
PY=/usr/bin/python3
for t in verilator yosys nextpnr-ice40 icepack icetime; do
    command -v $t >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
"$B" example-model mlp.onnx --layers 32,16,16,10 --wbits 2 --abits 2 --input-npy in.npy >/dev/null || fail "example mlp"
cat > ice.json <<'JEOF'
{"output_dir": "ice", "synth_clk_period_ns": 40.0, "fpga_part": "ice40up5k-sg48", "target_fps": 100000,
 "verify_input_npy": "in.npy",
 "generate_outputs": ["estimate_reports", "stitched_ip", "rtlsim_performance", "out_of_context_synth"],
 "steps": ["step_qonnx_to_finn","step_tidy_up","step_streamline","step_convert_to_hw","step_create_dataflow_partition",
 "step_specialize_layers","step_target_fps_parallelization","step_apply_folding_config","step_minimize_bit_width",
 "step_generate_estimate_reports","step_hw_codegen","step_set_fifo_depths","step_create_stitched_ip",
 "step_measure_rtlsim_performance","step_out_of_context_synthesis","step_ice40_bitstream"]}
JEOF
"$B" build mlp.onnx --local --config ice.json > ice.txt 2>&1 || fail "ice40 build: $(tail -5 ice.txt)"
$PY - <<'PYEOF' || fail "ice40 reports"
import json, os
v = json.load(open("ice/report/rtlsim_vs_estimate.json"))
assert v["inputs"] == "verify_input_npy" and abs(v["gap_percent"]) <= 5.0, v
s = json.load(open("ice/report/post_synth_resources.json"))
assert s["(top)"]["LUT"] > 0 and "BRAM_4K" in s["(top)"], s["(top)"]
p = json.load(open("ice/report/ice40_pnr.json"))
assert p["device"] == "up5k" and p["fmax_mhz"] > 0 and 0 < p["LC_used"] <= p["LC_available"], p
assert os.path.getsize(p["bitstream"]) == p["bitstream_bytes"] > 0, p
print("ice40 up5k: fmax %.1f MHz (target %.1f), LC %d/%d, RAM %d/%d, %d-byte bitstream; %.1f cycles/inference, gap %+.2f %%"
      % (p["fmax_mhz"], p["target_mhz"], p["LC_used"], p["LC_available"], p["RAM_used"], p["RAM_available"],
         p["bitstream_bytes"], v["measured_cycles_per_inference"], v["gap_percent"]))
PYEOF
# the same build through the orchestrator: each tool step is a task of its own
export BRAINSMITH_HOME=$T/ws
sed 's/"output_dir": "ice"/"output_dir": "iceo"/' ice.json > iceo.json
"$B" build mlp.onnx --config iceo.json --output iceo > iceo.txt 2>&1 || fail "orchestrated ice40 build: $(tail -5 iceo.txt)"
for st in step_measure_rtlsim_performance step_out_of_context_synthesis step_ice40_bitstream; do
    grep -Eq "^task [0-9]+ $st +succeeded" iceo.txt || fail "$st is its own task: $(cat iceo.txt)"
done
cmp -s ice/report/rtlsim_performance.json iceo/report/rtlsim_performance.json || fail "orchestrated rtlsim == local"
[ -s iceo/bitfile/top_up5k.bin ] || fail "orchestrated bitstream"
echo "hwflow_ice40: ok"
