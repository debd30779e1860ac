#!/usr/bin/env bash
# hwflow_cnv.sh - brainsmith's example CNV (w1a1, CIFAR-10 shape) through the
# open-tool backend up to step_measure_rtlsim_performance: FINN's InferPool
# lowering (depthwise ConvolutionInputGenerator + Pool_hls MaxPool) gets RTL,
# the stitched design is simulated by Verilator on the build's
# verify_input_npy and must be bit-exact with the reference executor (full
# rate and random back-pressure); measured vs estimated cycles/inference
# are printed.  target_fps 10000 keeps the cycle-model FIFO sizing short
# (~12.5k cycles/inference; at 1000 fps it takes 11 s, 140 s under ASan).
# SKIP without Verilator.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
B=${BS_BIN:?}
PY=/usr/bin/python3
command -v verilator >/dev/null || { echo "SKIP: verilator not installed"; exit 77; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
"$B" example-model cnv.onnx --kind cnv --wbits 1 --abits 1 --input-npy in.npy >/dev/null || fail "example cnv"
cat > cnv.json <<'JEOF'
{"output_dir": "out", "synth_clk_period_ns": 10.0, "fpga_part": "xc7z020clg400-1", "target_fps": 10000,
 "verify_input_npy": "in.npy",
 "generate_outputs": ["estimate_reports", "stitched_ip", "rtlsim_performance"],
 "steps": ["step_qonnx_to_finn","step_tidy_up","step_streamline","step_convert_to_hw","step_create_dataflow_partition",
 "step_specialize_layers","step_target_fps_parallelization","step_apply_folding_config","step_minimize_bit_width",
 "step_generate_estimate_reports","step_hw_codegen","step_set_fifo_depths","step_create_stitched_ip",
 "step_measure_rtlsim_performance"]}
JEOF
"$B" build cnv.onnx --local --config cnv.json > cnv.txt 2>&1 || fail "cnv build: $(tail -5 cnv.txt)"
grep -q "outputs bit-exact" cnv.txt || fail "rtlsim not bit-exact: $(tail -5 cnv.txt)"
grep -q "bs_pool #" out/hw_codegen/finn_design.v || fail "no bs_pool instance in the stitched design"
grep -q "DEPTHWISE(1)" out/hw_codegen/finn_design.v || fail "no depthwise SWG in the stitched design"
$PY - <<'PYEOF' || fail "cnv reports"
import json
v = json.load(open("out/report/rtlsim_vs_estimate.json"))
assert v["inputs"] == "verify_input_npy" and v["cycle_model_matches_verilator"], v
assert abs(v["gap_percent"]) <= 5.0, v
print("cnv w1a1: %.1f cycles/inference measured vs %d estimated (%s), gap %+.2f %%, latency %d, sim %.2f s, "
      "verilator build %.1f s (cached %s)" % (v["measured_cycles_per_inference"], v["estimated_cycles_per_inference"],
      v["estimate_bottleneck"], v["gap_percent"], v["latency_cycles"], v["sim_s"], v["verilator_build_s"], v["verilator_cached"]))
PYEOF
echo "hwflow_cnv: ok"
