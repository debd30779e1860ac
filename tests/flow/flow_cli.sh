#!/usr/bin/env bash
# flow_cli.sh - `brainsmith build/steps/transforms/pipeline plan/example-model`
# end to end through the real CLI: FINN's output layout, log lines,
# time_per_step.json, start/stop, custom steps incl. user steps running an
# external command, backend steps failing with the backend named, config
# errors naming the field, the orchestrated build and verify_steps.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
B=${BS_BIN:?}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
export BRAINSMITH_HOME=$T/ws
cd "$T"

"$B" steps --help | grep -q usage || fail "steps --help"
[ "$("$B" steps | grep -c '^step_')" -ge 22 ] || fail "steps lists FINN's steps"
"$B" steps --json | grep -q '"native": false' || fail "steps --json marks backend steps"
"$B" transforms | grep -q '^MoveScalarAddPastMatMul' || fail "transforms lists MoveScalarAddPastMatMul"
"$B" build --help | grep -q -- '--target-fps' || fail "build --help"

"$B" example-model ex.onnx --layers 32,16,10 --wbits 2 --abits 2 || fail "example-model"
"$B" pipeline plan ex.onnx --target-fps 1000000 > plan.json || fail "plan"
grep -q '"action": "skip"' plan.json || fail "plan skips apply_folding_config"
grep -q 'no folding_config_file' plan.json || fail "plan says why"

# local build: FINN's output directory
"$B" build ex.onnx --local --target-fps 1000000 --output out > build.txt || fail "local build: $(cat build.txt)"
for s in step_qonnx_to_finn step_tidy_up step_streamline step_convert_to_hw step_create_dataflow_partition \
         step_specialize_layers step_target_fps_parallelization step_apply_folding_config step_minimize_bit_width \
         step_generate_estimate_reports dataflow_parent supported_op_partitions/partition_0; do
    [ -s "out/intermediate_models/$s.onnx" ] || fail "missing intermediate_models/$s.onnx"
done
for r in op_and_param_counts estimate_layer_cycles estimate_layer_resources estimate_layer_config_alternatives \
         estimate_network_performance; do
    [ -s "out/report/$r.json" ] || fail "missing report/$r.json"
done
[ -s out/auto_folding_config.json ] || fail "auto_folding_config.json"
[ -s out/template_specialize_layers_config.json ] || fail "template_specialize_layers_config.json"
[ "$(grep -c '"step_' out/time_per_step.json)" = 10 ] || fail "time_per_step.json has 10 steps"
grep -Eq '^\[[0-9-]+ [0-9:]+,[0-9]{3}\] Running step: step_tidy_up \[2/10\]$' out/build_dataflow.log || fail "log line format"
grep -q 'Completed successfully' build.txt || fail "console: Completed successfully"
grep -q '^total ' build.txt || fail "summary table"

# FINN's build directory form: DIR/model.onnx + DIR/dataflow_build_config.json
mkdir -p bdir && cp ex.onnx bdir/model.onnx
echo '{"output_dir": "out_dir_form", "synth_clk_period_ns": 10, "board": "Pynq-Z1", "target_fps": 1000000,
 "generate_outputs": ["estimate_reports"], "steps": ["step_qonnx_to_finn", "step_tidy_up"]}' > bdir/dataflow_build_config.json
"$B" build bdir --local >/dev/null || fail "build DIR"
[ -s bdir/out_dir_form/intermediate_models/step_tidy_up.onnx ] || fail "build DIR: output_dir relative to DIR"

# start/stop: resume from the checkpoint of the step before start_step
"$B" build ex.onnx --local --target-fps 1000000 --output out --start step_convert_to_hw --stop step_specialize_layers \
    > resume.txt || fail "resume: $(cat resume.txt)"
grep -q 'from intermediate checkpoint' resume.txt || fail "resume message"
grep -q 'Running step: step_convert_to_hw \[1/3\]' out/build_dataflow.log || fail "resume numbering"
"$B" build ex.onnx --local --output out --start step_qonnx_to_finn 2>err.txt; [ $? -eq 1 ] || fail "start at first step"
grep -q 'Invalid step+delta' err.txt || fail "start at first step message"

# custom steps with user steps running an external command
cat > user.json <<JSON
{"output_dir": "uout", "synth_clk_period_ns": 5.0, "board": "ZCU104", "generate_outputs": ["estimate_reports"],
 "target_fps": 50000,
 "steps": ["step_qonnx_to_finn", "step_tidy_up", "copy_model", "step_streamline", "step_convert_to_hw",
           "step_create_dataflow_partition", "step_specialize_layers", "step_target_fps_parallelization",
           "step_generate_estimate_reports"],
 "brainsmith_user_steps": {"copy_model": ["cp", "{in}", "{out}"]}}
JSON
"$B" build ex.onnx --local --config user.json > user.txt || fail "user step build: $(cat user.txt)"
[ -s uout/intermediate_models/copy_model.onnx ] || fail "user step output"
grep -q 'Running step: copy_model \[3/9\]' uout/build_dataflow.log || fail "user step in log"
sed 's/"cp", "{in}", "{out}"/"false"/' user.json > ufail.json
"$B" build ex.onnx --local --config ufail.json > /dev/null 2>err.txt; [ $? -eq 1 ] || fail "failing user step exit"
grep -q "copy_model" err.txt || fail "failing user step named: $(cat err.txt)"
[ ! -e uout2/time_per_step.json ] || fail "no time_per_step.json after failure"

# a user step made of transformations (FINN custom step function counterpart)
cat > ut.json <<JSON
{"output_dir": "utout", "synth_clk_period_ns": 10, "board": "Pynq-Z1", "generate_outputs": ["estimate_reports"],
 "steps": ["step_qonnx_to_finn", "step_tidy_up", "step_streamline", "my_convert", "step_create_dataflow_partition"],
 "brainsmith_user_steps": {"my_convert": {"transforms": ["InferQuantizedMatrixVectorActivation",
   "InferLabelSelectLayer", "InferThresholdingLayer", "GiveUniqueNodeNames"]}}}
JSON
"$B" build ex.onnx --local --config ut.json > ut.txt || fail "transform user step: $(cat ut.txt)"
"$B" model info utout/intermediate_models/my_convert.onnx | grep -q "MVAU" || fail "transform user step converted"
sed 's/"GiveUniqueNodeNames"/"NoSuchTransform"/' ut.json > ut2.json
"$B" build ex.onnx --local --config ut2.json 2>err.txt; [ $? -eq 1 ] || fail "unknown transformation in user step"
grep -q "NoSuchTransform" err.txt || fail "unknown transformation named"

# a backend step fails naming the backend, earlier checkpoints stay
"$B" build ex.onnx --local --steps step_qonnx_to_finn,step_tidy_up,step_hw_ipgen --output bout >/dev/null 2>err.txt
[ $? -eq 1 ] || fail "backend step exit"
grep -q "vitis_hls" err.txt || fail "backend named: $(cat err.txt)"
[ -s bout/intermediate_models/step_tidy_up.onnx ] || fail "checkpoint kept"
[ ! -e bout/time_per_step.json ] || fail "time_per_step.json only on success"

# step_set_fifo_depths: native with auto_fifo_depths=false (FIFOs of depth 2, DWCs), final_hw_config.json
"$B" build ex.onnx --local --target-fps 1000000 --output fout \
    --steps step_qonnx_to_finn,step_tidy_up,step_streamline,step_convert_to_hw,step_create_dataflow_partition,step_specialize_layers,step_target_fps_parallelization,step_set_fifo_depths \
    >/dev/null 2>err.txt; [ $? -eq 1 ] || fail "set_fifo_depths with auto FIFO sizing needs the backend"
grep -q "vivado+xsim" err.txt || fail "FIFO sim backend named: $(cat err.txt)"
echo '{"output_dir": "fout2", "synth_clk_period_ns": 10, "board": "Pynq-Z1", "target_fps": 1000000, "auto_fifo_depths": false,
 "generate_outputs": ["estimate_reports"], "steps": ["step_qonnx_to_finn", "step_tidy_up", "step_streamline", "step_convert_to_hw",
 "step_create_dataflow_partition", "step_specialize_layers", "step_target_fps_parallelization", "step_set_fifo_depths"]}' > fifo.json
"$B" build ex.onnx --local --config fifo.json >/dev/null || fail "native set_fifo_depths"
grep -q '"StreamingFIFO_rtl_0"' fout2/final_hw_config.json || fail "final_hw_config.json lists FIFOs"
grep -q '"depth": 2' fout2/final_hw_config.json || fail "final_hw_config.json FIFO depth"

# config errors name the field; unknown fields are warned
echo '{"output_dir": "x", "synth_clk_period_ns": "ten", "generate_outputs": []}' > bad.json
"$B" build ex.onnx --local --config bad.json 2>err.txt; [ $? -eq 1 ] || fail "bad config exit"
grep -q "synth_clk_period_ns" err.txt || fail "bad field named"
echo '{"output_dir": "w", "synth_clk_period_ns": 10, "generate_outputs": ["estimate_reports"], "board": "Pynq-Z1",
 "steps": ["step_qonnx_to_finn"], "my_own_field": 3}' > warn.json
"$B" build ex.onnx --local --config warn.json >/dev/null 2>err.txt || fail "unknown field must not fail"
grep -q "my_own_field" err.txt || fail "unknown field warned"
"$B" build ex.onnx --local --steps step_nope 2>err.txt; [ $? -eq 1 ] || fail "unknown step exit"
grep -q "step_nope" err.txt || fail "unknown step named"
"$B" build nosuch.onnx --local 2>/dev/null; [ $? -eq 1 ] || fail "missing model exit"

# through the orchestrator: tasks in status, step events stored
"$B" build ex.onnx --target-fps 1000000 --output oout > orch.txt || fail "orchestrated build: $(cat orch.txt)"
grep -q 'succeeded' orch.txt || fail "task succeeded"
"$B" status > st.txt || fail status
grep -q 'step_qonnx_to_finn..step_generate_estimate_reports' st.txt || fail "task visible in status"
cmp -s out/report/estimate_layer_resources.json oout/report/estimate_layer_resources.json || fail "orch == local reports"
"$B" build ex.onnx --target-fps 1000000 --steps all --output oall > all.txt 2>&1; [ $? -eq 1 ] || fail "all steps fail at hw_codegen"
grep -q 'step_hw_codegen' all.txt || fail "backend task named"
[ -s oall/report/estimate_layer_cycles.json ] || fail "native group ran before the backend task"

# CNV topology (brainsmith's own generator): w2a2 verified bit-exact after
# streamlining and on the HW graph; w1a1 (XNOR) and w4a4 run through
"$B" example-model cnv22.onnx --kind cnv --wbits 2 --abits 2 --seed 3 --input-npy cnv_in.npy || fail "cnv generator"
"$B" model exec cnv22.onnx --input cnv_in.npy --output cnv_gold.npy >/dev/null || fail "cnv golden output"
cat > cnv.json <<JSON
{"output_dir": "cnvout", "synth_clk_period_ns": 5.0, "board": "Pynq-Z1", "target_fps": 3000,
 "verify_steps": ["streamlined_python", "folded_hls_cppsim"], "verify_input_npy": "cnv_in.npy",
 "verify_expected_output_npy": "cnv_gold.npy",
 "generate_outputs": ["estimate_reports"], "steps": ["step_qonnx_to_finn", "step_tidy_up", "step_streamline",
 "step_convert_to_hw", "step_create_dataflow_partition", "step_specialize_layers", "step_target_fps_parallelization",
 "step_apply_folding_config", "step_minimize_bit_width", "step_generate_estimate_reports"]}
JSON
"$B" build cnv22.onnx --local --config cnv.json > cnv.txt || fail "cnv w2a2 build: $(cat cnv.txt)"
"$B" model info cnvout/intermediate_models/step_generate_estimate_reports.onnx > cnvinfo.txt || fail "cnv info"
for op in "ConvolutionInputGenerator_rtl +8" "MVAU_hls +9" "Pool_hls +2" "Thresholding_rtl +1" "LabelSelect_hls +1"; do
    grep -Eq "^ +$op\$" cnvinfo.txt || fail "cnv HW graph: expected $op: $(cat cnvinfo.txt)"
done
grep -q 'ConvolutionInputGenerator_rtl_0' cnvout/report/estimate_layer_resources.json || fail "cnv SWG estimates"
for v in streamlined_python folded_hls_cppsim; do
    grep -q "Verification for $v : SUCCESS" cnvout/build_dataflow.log || fail "cnv verification $v"
done
sed -i 's/"verify_steps": \["streamlined_python", "folded_hls_cppsim"\]/"verify_steps": []/' cnv.json
for wa in "1 1" "4 4"; do
    set -- $wa
    "$B" example-model cnv$1$2.onnx --kind cnv --wbits $1 --abits $2 || fail "cnv w$1a$2 generator"
    "$B" build cnv$1$2.onnx --local --config cnv.json --output cnvout$1$2 > /dev/null || fail "cnv w$1a$2 build"
    [ -s cnvout$1$2/report/estimate_network_performance.json ] || fail "cnv w$1a$2 reports"
done

# verify_steps on the FINN test data (bit-exact at every point)
if [ -n "${BS_SHARED_DATA:-}" ] && [ -d "$BS_SHARED_DATA" ]; then
    TD=$BS_SHARED_DATA/finn_build/tfc_w1a1_finn_testdata
    "$B" build "$BS_SHARED_DATA/models/tfc_w1a1_finn_build_dataflow.onnx" --local --config "$TD/dataflow_build_config.json" \
        --steps estimate --output vout > v.txt || fail "verify build: $(cat v.txt)"
    for v in initial_python streamlined_python folded_hls_cppsim; do
        grep -q "Verification for $v : SUCCESS" vout/build_dataflow.log || fail "verification $v"
        [ -e "vout/verification_output/verify_${v}_0_SUCCESS.npy" ] || fail "verification output $v"
    done
fi
echo OK
