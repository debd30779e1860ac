#!/usr/bin/env bash
# cli_dse.sh - drives the DSE commands end to end on shared models:
# config generate for three platforms (files written, the config builds with
# `brainsmith build --config` and its reports equal the predicted totals),
# an unreachable target (exit 1, message names the reachable fps),
# bottleneck on a FINN oracle build directory (text, --json, --write),
# select --validate (says what it would run), calibrate add/fit/show with the
# real CNV-w4a4 HLS results, and usage/refusal exit codes.
set -euo pipefail
bin=${BS_BIN:?}
data=${BS_SHARED_DATA:-}
[ -d "$data" ] || exit 77
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export BRAINSMITH_HOME="$tmp/home"
o="$tmp/out.txt"
tfc="$data/models/tfc_w2a2_qonnx.onnx"

"$bin" config generate "$tfc" --platforms pynq-z2,zcu104,u250 --out "$tmp/cfg" > "$o"
grep -q '^pynq-z2 .*highest fps that fits Pynq-Z2' "$o"
for p in pynq-z2 zcu104 u250; do
  for f in dataflow_build_config.json folding_config.json dse_summary.json model.onnx; do
    [ -s "$tmp/cfg/$p/$f" ]
  done
done
grep -q '"board": "U250"' "$tmp/cfg/u250/dataflow_build_config.json"
grep -q '"shell_flow_type": "vitis_alveo"' "$tmp/cfg/u250/dataflow_build_config.json"
grep -q '"folding_config_file": "folding_config.json"' "$tmp/cfg/zcu104/dataflow_build_config.json"
# the config builds and reports the predicted LUT total
"$bin" build "$tmp/cfg/zcu104/model.onnx" --config "$tmp/cfg/zcu104/dataflow_build_config.json" --steps estimate \
  --local --output "$tmp/b" > "$o"
want=$(grep -A4 '"total"' "$tmp/cfg/zcu104/dse_summary.json" | grep '"LUT"' | head -1 | sed 's/[^0-9.]//g')
got=$(grep -A5 '"total"' "$tmp/b/report/estimate_layer_resources.json" | grep '"LUT"' | sed 's/[^0-9.]//g')
awk -v a="$want" -v b="$got" 'BEGIN { exit (a + 0 == b + 0) ? 0 : 1 }'

# CNV (HW model written by brainsmith): the config lists FINN's steps from
# folding on, and the flow reproduces the predicted totals and max_cycles
"$bin" dse example-cnv "$tmp/cnv.onnx" --wbits 2 --abits 2
"$bin" config generate "$tmp/cnv.onnx" --platforms zcu104 --clk 5 --target-fps 5000 --out "$tmp/cnvcfg" > "$o"
grep -q 'target 5000 fps reached on ZCU104' "$o"
grep -q '"step_target_fps_parallelization"' "$tmp/cnvcfg/zcu104/dataflow_build_config.json"
"$bin" build "$tmp/cnvcfg/zcu104/model.onnx" --config "$tmp/cnvcfg/zcu104/dataflow_build_config.json" \
  --stop step_generate_estimate_reports --local --output "$tmp/cnvb" > "$o"
for k in LUT BRAM_18K; do
  want=$(grep -A4 '"total"' "$tmp/cnvcfg/zcu104/dse_summary.json" | grep "\"$k\"" | head -1 | sed 's/[^0-9.]//g')
  got=$(grep -A5 '"total"' "$tmp/cnvb/report/estimate_layer_resources.json" | grep "\"$k\"" | sed 's/[^0-9.]//g')
  awk -v a="$want" -v b="$got" 'BEGIN { exit (a + 0 == b + 0 && a + 0 > 0) ? 0 : 1 }'
done
want=$(grep '"max_cycles"' "$tmp/cnvcfg/zcu104/dse_summary.json" | tail -1 | sed 's/[^0-9]//g')
grep -q "\"max_cycles\": $want," "$tmp/cnvb/report/estimate_network_performance.json"

# unreachable target: exit 1, the reachable fps is said and written
set +e
"$bin" config generate "$tfc" --platforms ice40-up5k --target-fps 1000000 --out "$tmp/cfg2" > "$o"; rc=$?
set -e
[ "$rc" = 1 ]
grep -q 'cannot be reached' "$o"
grep -q 'highest fps that fits is' "$o"
[ -s "$tmp/cfg2/ice40-up5k/folding_config.json" ]

# bottleneck on a FINN build directory
cp -r "$data/finn_oracle/cybsec" "$tmp/cy"
"$bin" bottleneck "$tmp/cy" --platform pynq-z1 --mvau-wwidth-max 80 > "$o"
grep -q 'bottleneck MVAU_hls_1 (MVAU_hls) at 64 cycles' "$o"
grep -q 'mvau_wwidth_max=80' "$o"
"$bin" bottleneck "$tmp/cy" --platform pynq-z1 --json --write > "$o"
grep -q '"kind": "structural"' "$o"
[ -s "$tmp/cy/report/bottleneck_Pynq-Z1.json" ]
"$bin" bottleneck "$tfc" --platform ice40-up5k --mvau-wwidth-max 10000 > "$o"
grep -q 'unfolding stops at step .*LUT' "$o"

# the BLS MLP (2025 Brevitas, w3a3) on ZCU104 at 2 ns, as its real build
"$bin" bottleneck "$data/models/bls_mlp_wb3_ab3_prune0.9_datelbr.onnx" --platform zcu104 --clk 2 > "$o"
grep -q '^throughput .* fps .*; bottleneck ' "$o"
"$bin" config generate "$data/models/bls_mlp_wb3_ab3_prune0.9_datelbr.onnx" --platforms zcu104,kv260 --clk 2 \
  --target-fps 10000000 --out "$tmp/bls" > "$o"
grep -q '^kv260 .*target 1e+07 fps reached' "$o"
grep -q '"synth_clk_period_ns": 2.0' "$tmp/bls/zcu104/dataflow_build_config.json"

# a brainsmith build directory: platform, clock and mvau_wwidth_max from its config
"$bin" build "$data/models/cybsec_mlp_w2a2_ready.onnx" --target-fps 1000000 --board ZCU104 --output "$tmp/ob" > /dev/null
"$bin" bottleneck "$tmp/ob" > "$o"
grep -q '^platform ZCU104 (xczu7ev-ffvc1156-2-e), clock 10 ns' "$o"
grep -q 'bottleneck MVAU_hls_0 (MVAU_hls) at 80 cycles' "$o"

# selection with --validate
"$bin" select "$tfc" --platform zcu104 --validate --out "$tmp/sel" > "$o"
grep -q 'native flow reproduces the selection.s estimates for every layer' "$o"
grep -q 'synthesis would run: .* build .*step_out_of_context_synthesis' "$o"
[ -s "$tmp/sel/validate_build/report/estimate_layer_resources.json" ]
"$bin" status > /dev/null
"$bin" select "$data/finn_oracle/cybsec/intermediate_models/step_specialize_layers.onnx" --platform pynq-z2 --json > "$o"
grep -q '"max_util_of_budget_after"' "$o"

# calibration from real FINN v0.5b CNV-w4a4 HLS results
c="$data/finn_build/cnv_w4a4_pynqz1_pgreksic"
"$bin" calibrate add --estimates "$c/output_estimates_only/report/estimate_layer_resources.json" \
  --measured-file "$c/output_ipstitch_ooc_rtlsim/report/estimate_layer_resources_hls.json" --platform pynq-z1 --source hls > "$o"
grep -q '^added [0-9]* calibration points for Pynq-Z1' "$o"
"$bin" calibrate add --kernel MVAU_hls --platform pynq-z2 --resource LUT --estimate 1000 --measured 1100 > "$o"
"$bin" calibrate add --kernel MVAU_hls --platform pynq-z1 --resource LUT --estimate 1000 --measured 1100 > "$o"
"$bin" calibrate add --kernel MVAU_hls --platform pynq-z1 --resource LUT --estimate 2000 --measured 2300 > "$o"
"$bin" calibrate fit > "$o"
grep -q '^StreamingFCLayer_Batch .*Pynq-Z1 .*LUT .*linear' "$o"
grep -q 'needs >= 2 points' "$o"
"$bin" calibrate show --json > "$o"
grep -q '"fits"' "$o"
"$bin" bottleneck "$tmp/cy" --platform pynq-z1 --calibrated > "$o"
grep -q 'estimates: calibrated' "$o"
grep -q 'calibrated: MVAU_hls LUT = 1.2000 \* FINN estimate + -100.00 (n=2' "$o"
# no fits for the platform: said, and FINN's numbers used
"$bin" bottleneck "$tmp/cy" --platform zcu104 --calibrated > "$o" 2> "$tmp/err"
grep -q 'estimates: FINN cost models' "$o"
grep -q 'no fits' "$tmp/err"

# refusals
set +e
"$bin" bottleneck "$tfc" --platform no-such-board 2> "$o"; rc=$?
set -e
[ "$rc" = 1 ]
grep -q "no-such-board" "$o"
set +e
"$bin" bottleneck "$tfc" 2> /dev/null; rc=$?
set -e
[ "$rc" = 2 ]
set +e
"$bin" config generate "$tfc" --platforms pynq-z2 --max-util 1.5 2> /dev/null; rc=$?
set -e
[ "$rc" = 2 ]
"$bin" bottleneck --help | grep -q 'usage: brainsmith bottleneck'
echo ok
