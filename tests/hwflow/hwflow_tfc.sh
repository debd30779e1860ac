#!/usr/bin/env bash
# hwflow_tfc.sh - the shared TFC-w2a2 MLP through FINN's backend steps on open
# tools, at finn_oracle's two configurations (target_fps 1e5 and the
# finn-examples folding): step_hw_codegen (Verilog + memh per node),
# step_set_fifo_depths (native sizing -> final_hw_config.json),
# step_create_stitched_ip, step_measure_rtlsim_performance (Verilator,
# bit-exact against the reference executor at full rate and under random
# back-pressure, cycles per inference within 5 % of FINN's estimate) and, for
# the fps folding, node_by_node_rtlsim (every node alone, bit-exact, its
# cycles vs FINN's formula) and step_out_of_context_synthesis (Yosys xc7 counts next to the
# estimates); FINN's TFC-w1a1 test build with its input.npy / expected_output.npy
# (stitched_ip_rtlsim verification).  Also: a kernel without a generator (the example CNV's Pool_hls)
# fails step_hw_codegen naming the node.  SKIP without shared data or tools.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
B=${BS_BIN:?}
PY=/usr/bin/python3
D=${BS_SHARED_DATA:-}
M=$D/models/tfc_w2a2_qonnx.onnx
FOLD=$D/finn_build/finn_examples_bnn_pynq/folding_config/tfc-w2a2_folding_config.json
[ -f "$M" ] && [ -f "$FOLD" ] || { echo "SKIP: shared data missing ($M)"; exit 77; }
for t in verilator yosys; do command -v $t >/dev/null || { echo "SKIP: $t not installed"; exit 77; }; done
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1

STEPS='"step_qonnx_to_finn","step_tidy_up","step_streamline","step_convert_to_hw","step_create_dataflow_partition",
"step_specialize_layers","step_target_fps_parallelization","step_apply_folding_config","step_minimize_bit_width",
"step_generate_estimate_reports","step_hw_codegen","step_set_fifo_depths","step_create_stitched_ip",
"step_measure_rtlsim_performance"'

check_build() {   # dir
    local o=$1
    [ -s "$o/hw_codegen/finn_design.v" ] || fail "$o: step_hw_codegen wrote no Verilog"
    ls "$o"/hw_codegen/finn_design__MVAU_hls_0_w.memh >/dev/null 2>&1 || fail "$o: no MVAU weight init file"
    ls "$o"/hw_codegen/finn_design__MVAU_hls_0_t.memh >/dev/null 2>&1 || fail "$o: no MVAU threshold init file"
    grep -q "StreamingFIFO" "$o/stitched_ip/finn_design.v" || fail "$o: stitched top has no FIFOs"
    $PY - "$o" <<'PYEOF' || fail "$o: reports"
import json, sys
o = sys.argv[1]
hw = json.load(open(o + "/final_hw_config.json"))
fifos = [k for k in hw if k.startswith("StreamingFIFO_rtl_")]
assert fifos and all(hw[k]["depth"] >= 1 for k in fifos), hw
assert hw["MVAU_hls_0"]["PE"] >= 1 and "outFIFODepths" in hw["MVAU_hls_0"]
fz = json.load(open(o + "/report/fifo_sizing.json"))
assert fz["final_cycles"] == fz["base_cycles"] and fz["fifo_bits_final"] <= fz["fifo_bits_max_occupancy"], fz
p = json.load(open(o + "/report/rtlsim_performance.json"))
for k in ["N_IN_TXNS", "N_OUT_TXNS", "cycles", "N", "latency_cycles", "runtime[ms]", "throughput[images/s]",
          "fclk[mhz]", "stable_throughput[images/s]"]:
    assert k in p, k
v = json.load(open(o + "/report/rtlsim_vs_estimate.json"))
assert v["host_nodes"] == ["Thresholding_rtl_0"], v
net = json.load(open(o + "/report/estimate_network_performance.json"))
assert v["estimated_cycles_per_inference"] == net["max_cycles"], (v, net)
assert abs(v["gap_percent"]) <= 5.0, v
assert v["cycle_model_matches_verilator"] is True, v
st = json.load(open(o + "/report/rtlsim_layer_stalls.json"))
assert "MVAU_hls_0" in st and any("maxcount" in e for e in st.values()), st
print("%s: %.1f cycles/inference measured, %d estimated (%s), gap %+.2f %%, latency %d cycles" % (
    o, v["measured_cycles_per_inference"], v["estimated_cycles_per_inference"], v["estimate_bottleneck"],
    v["gap_percent"], v["latency_cycles"]))
PYEOF
    grep -q "bit-exact vs the reference executor" "$o/build_dataflow.log" || fail "$o: no bit-exact line in the log"
}

# 1. target_fps 1e5 (finn_oracle/tfc_w2a2_fps), with Yosys xc7
cat > fps.json <<JEOF
{"output_dir": "fps", "synth_clk_period_ns": 10.0, "board": "Pynq-Z1", "target_fps": 100000,
 "verify_steps": ["node_by_node_rtlsim"],
 "generate_outputs": ["estimate_reports", "stitched_ip", "rtlsim_performance", "out_of_context_synth"],
 "steps": [$STEPS, "step_out_of_context_synthesis"]}
JEOF
"$B" build "$M" --local --config fps.json > fps.txt 2>&1 || fail "fps build: $(tail -5 fps.txt)"
check_build fps
$PY - <<'PYEOF' || fail "fps: post-synth reports"
import json
r = json.load(open("fps/report/post_synth_resources.json"))
assert r["(top)"]["LUT"] > 0 and r["(top)"]["FF"] > 0, r["(top)"]
for k in ["LUT", "SRL", "FF", "BRAM_36K", "BRAM_18K", "URAM", "DSP"]:
    assert k in r["(top)"], k
layers = [k for k in r if k != "(top)"]
assert "MVAU_hls_0" in layers, layers
nbn = json.load(open("fps/report/rtlsim_node_by_node.json"))
assert sorted(nbn) == ["MVAU_hls_0", "MVAU_hls_1", "MVAU_hls_2", "MVAU_hls_3"], nbn
for n, e in nbn.items():
    assert e["bit_exact"] and abs(e["gap_percent"]) <= 5.0, (n, e)
    print("%s alone: %.1f cycles/inference, FINN estimate %d" % (n, e["measured_cycles_per_inference"], e["estimated_cycles"]))
v = json.load(open("fps/report/post_synth_vs_estimate.json"))
assert v["target"] == "xc7"
for n in ["MVAU_hls_0", "MVAU_hls_1", "MVAU_hls_2", "MVAU_hls_3"]:
    assert "estimate" in v[n] and "yosys" in v[n], n
    print("%s: yosys LUT %d BRAM18 %d, estimate LUT %d BRAM18 %d" % (n, v[n]["yosys"]["LUT"],
          v[n]["yosys"]["BRAM_18K"], v[n]["estimate"]["LUT"], v[n]["estimate"]["BRAM_18K"]))
PYEOF

# 2. the finn-examples folding (finn_oracle/tfc_w2a2_fold), rtlsim only
cat > fold.json <<JEOF
{"output_dir": "fold", "synth_clk_period_ns": 10.0, "board": "Pynq-Z1", "folding_config_file": "$FOLD",
 "generate_outputs": ["estimate_reports", "stitched_ip", "rtlsim_performance"], "steps": [$STEPS]}
JEOF
"$B" build "$M" --local --config fold.json > fold.txt 2>&1 || fail "fold build: $(tail -5 fold.txt)"
check_build fold

# 3. FINN's own TFC-w1a1 test build (finn_build/tfc_w1a1_finn_testdata): its folding,
#    input.npy as rtlsim input, stitched_ip_rtlsim verification against expected_output.npy
TD=$D/finn_build/tfc_w1a1_finn_testdata
W1=$D/models/tfc_w1a1_finn_build_dataflow.onnx
if [ -f "$TD/input.npy" ] && [ -f "$W1" ]; then
    cat > w1.json <<JEOF
{"output_dir": "w1", "target_fps": 100000, "mvau_wwidth_max": 10000, "synth_clk_period_ns": 10.0, "board": "Pynq-Z1",
 "folding_config_file": "$TD/folding_config.json", "verify_input_npy": "$TD/input.npy",
 "verify_expected_output_npy": "$TD/expected_output.npy", "verify_steps": ["stitched_ip_rtlsim"],
 "generate_outputs": ["estimate_reports", "stitched_ip", "rtlsim_performance"], "steps": [$STEPS]}
JEOF
    "$B" build "$W1" --local --config w1.json > w1.txt 2>&1 || fail "w1a1 build: $(tail -5 w1.txt)"
    for i in 0 1 2 3; do
        [ -f w1/verification_output/verify_stitched_ip_rtlsim_${i}_SUCCESS.npy ] || fail "w1a1 stitched_ip_rtlsim $i: $(ls w1/verification_output)"
    done
    $PY - <<'PYEOF' || fail "w1a1 reports"
import json
v = json.load(open("w1/report/rtlsim_vs_estimate.json"))
assert v["inputs"] == "verify_input_npy" and v["host_nodes"] == [] and abs(v["gap_percent"]) <= 5.0, v
print("w1a1: %.1f cycles/inference measured, %d estimated (%s), gap %+.2f %%" % (
    v["measured_cycles_per_inference"], v["estimated_cycles_per_inference"], v["estimate_bottleneck"], v["gap_percent"]))
PYEOF
fi

# 4. a kernel configuration without RTL fails naming the node; earlier checkpoints stay.
# The example CNV's MaxPools lower to Pool_hls (MaxPool, supported since the CNV runs
# end to end, see hwflow_cnv); its estimate checkpoint is edited to Function=QuantAvgPool,
# which has no RTL, and each backend step is run alone from it.
"$B" example-model cnv.onnx --kind cnv >/dev/null || fail "example cnv"
EST='"step_qonnx_to_finn","step_tidy_up","step_streamline","step_convert_to_hw","step_create_dataflow_partition",
"step_specialize_layers","step_target_fps_parallelization","step_apply_folding_config","step_minimize_bit_width",
"step_generate_estimate_reports"'
cat > cnv.json <<JEOF
{"output_dir": "cnv", "synth_clk_period_ns": 10.0, "board": "Pynq-Z1", "target_fps": 1000,
 "generate_outputs": ["estimate_reports"], "steps": [$EST]}
JEOF
"$B" build cnv.onnx --local --config cnv.json > cnv.txt 2>&1 || fail "cnv estimates: $(tail -5 cnv.txt)"
CK=cnv/intermediate_models/step_generate_estimate_reports.onnx
$PY - "$CK" <<'PYEOF' || fail "edit the CNV checkpoint"
import sys, onnx
m = onnx.load(sys.argv[1])
n = [n for n in m.graph.node if n.name == "Pool_hls_0"][0]
[a for a in n.attribute if a.name == "Function"][0].s = b"QuantAvgPool"
onnx.save(m, sys.argv[1])
PYEOF
for st in step_hw_codegen step_set_fifo_depths step_create_stitched_ip step_measure_rtlsim_performance \
          step_out_of_context_synthesis step_ice40_bitstream; do
    cat > one.json <<JEOF
{"output_dir": "cnv", "synth_clk_period_ns": 10.0, "board": "Pynq-Z1", "target_fps": 1000, "start_step": "$st",
 "generate_outputs": ["estimate_reports", "stitched_ip", "rtlsim_performance", "out_of_context_synth"],
 "steps": [$EST, "$st"]}
JEOF
    "$B" build cnv.onnx --local --config one.json > one.txt 2>&1; [ $? -eq 1 ] || fail "$st must fail on the edited CNV"
    grep -q "$st: .*Pool_hls_0.*QuantAvgPool" one.txt || fail "$st names the node: $(cat one.txt)"
    [ -s "$CK" ] || fail "checkpoints kept"
done
echo "hwflow_tfc: ok"
