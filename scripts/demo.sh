#!/usr/bin/env bash
# demo.sh BUILD_DIR - the brainsmith demo (`make demo`): brainsmith writes its
# bundled example QONNX MLP itself (no Python), builds it through the
# workspace orchestrator to FINN's estimate reports, and prints the summary
# table.  Everything goes to a fresh workspace under BUILD_DIR/demo-home.
set -euo pipefail
BUILD=${1:-build}
B=$BUILD/brainsmith
[ -x "$B" ] || { echo "demo: $B not built (run make build)" >&2; exit 1; }
D="$(cd "$BUILD" && pwd)/demo-home"
rm -rf "$D"
mkdir -p "$D"
export BRAINSMITH_HOME=$D/workspace

echo "== 1. example model (written by brainsmith)"
"$B" example-model "$D/example_mlp.onnx" --layers 64,32,32,10 --wbits 2 --abits 2 --seed 1
"$B" model info "$D/example_mlp.onnx" | sed -n '1,12p'

echo
echo "== 2. the step plan"
"$B" pipeline plan "$D/example_mlp.onnx" --target-fps 1000000 --text

echo
echo "== 3. estimate-only build through the orchestrator (Pynq-Z1, 10 ns, 1M fps)"
"$B" build "$D/example_mlp.onnx" --board Pynq-Z1 --target-fps 1000000 --output "$D/build"

echo
echo "== 4. tasks"
"$B" status | head -5
echo
echo "== 5. step events (from the workspace event table)"
"$B" watch --help >/dev/null 2>&1 && timeout 10 "$B" watch --plain --since 0 --until-done 2>/dev/null | grep -E 'step\.(start|finish)' | head -24 || true

echo
echo "== 6. the same kind of model all the way to hardware on open tools:"
echo "   Verilog, FIFO sizing, Verilator rtlsim (bit-exact vs the reference executor),"
echo "   Yosys synth_ice40, nextpnr-ice40 + icepack + icetime -> an iCE40 UP5K bitstream"
missing=""
for t in verilator yosys nextpnr-ice40 icepack icetime; do command -v $t >/dev/null || missing="$missing $t"; done
if [ -n "$missing" ]; then
    echo "skipped: missing$missing (scripts/install-deps.sh all installs them)"
else
    "$B" example-model "$D/ice_mlp.onnx" --layers 32,16,16,10 --wbits 2 --abits 2 --seed 1 \
        --input-npy "$D/ice_input.npy" >/dev/null
    cat > "$D/ice40_build_config.json" <<JEOF
{"output_dir": "$D/ice40", "synth_clk_period_ns": 40.0, "fpga_part": "ice40up5k-sg48",
 "target_fps": 100000, "verify_input_npy": "$D/ice_input.npy",
 "generate_outputs": ["estimate_reports", "stitched_ip", "rtlsim_performance", "out_of_context_synth"],
 "steps": ["step_qonnx_to_finn", "step_tidy_up", "step_streamline", "step_convert_to_hw",
   "step_create_dataflow_partition", "step_specialize_layers", "step_target_fps_parallelization",
   "step_apply_folding_config", "step_minimize_bit_width", "step_generate_estimate_reports",
   "step_hw_codegen", "step_set_fifo_depths", "step_create_stitched_ip",
   "step_measure_rtlsim_performance", "step_out_of_context_synthesis", "step_ice40_bitstream"]}
JEOF
    "$B" build "$D/ice_mlp.onnx" --config "$D/ice40_build_config.json"
    echo
    echo "== 7. metrics of that build (imported into the workspace)"
    "$B" import "$D/ice40" --name demo-ice40 >/dev/null
    "$B" metrics show demo-ice40 | grep -E '^build|timing\.(fmax_mhz|met|wns_ns)|resources\.(lut|ff|slices|bram18)|perf\.latency_ns '
fi

echo
echo "== summary"
"$B" status | head -3
echo
echo "workspace:           $BRAINSMITH_HOME  (brainsmith --home $BRAINSMITH_HOME status | watch | logs ID)"
echo "estimate build:      $D/build (report/, intermediate_models/, auto_folding_config.json, build_dataflow.log)"
[ -d "$D/ice40" ] && echo "hardware build:      $D/ice40 (report/, stitched_ip/, bitfile/, final_hw_config.json)"
exit 0
