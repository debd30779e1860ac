#!/usr/bin/env bash
# bench/flow/run.sh BUILD_DIR [REPEATS] - wall time of the whole estimate-only
# `brainsmith build` command (orchestrated, and --local in-process) per
# shared model, median of REPEATS runs, against FINN's own figures: the sum
# of its time_per_step.json for the same steps and, where measured, the
# whole FINN process on a 2-core machine like ours (finn_oracle/README.md).
set -euo pipefail
BUILD=${1:-build}
N=${2:-7}
B=$(cd "$BUILD" && pwd)/brainsmith
D=${BS_SHARED_DATA:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/data}
[ -d "$D" ] || { echo "bench/flow: no shared data at $D" >&2; exit 0; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
export BRAINSMITH_HOME=$T/ws
EST='"steps": ["step_qonnx_to_finn","step_tidy_up","step_streamline","step_convert_to_hw","step_create_dataflow_partition","step_specialize_layers","step_target_fps_parallelization","step_apply_folding_config","step_minimize_bit_width","step_generate_estimate_reports"], "generate_outputs": ["estimate_reports"]'
cfg() { echo "{\"output_dir\": \"o\", $EST, $1}" > "$T/$2.json"; }
cfg '"synth_clk_period_ns": 10.0, "fpga_part": "xc7z020clg400-1", "target_fps": 1000000, "mvau_wwidth_max": 80' cybsec
cfg '"synth_clk_period_ns": 10.0, "board": "Pynq-Z1", "target_fps": 100000' tfc_fps
cfg "\"synth_clk_period_ns\": 10.0, \"board\": \"Pynq-Z1\", \"folding_config_file\": \"$D/finn_build/finn_examples_bnn_pynq/folding_config/tfc-w2a2_folding_config.json\"" tfc_fold
cfg '"synth_clk_period_ns": 200.0, "board": "Ultra96", "target_fps": 10000' facile
cfg '"synth_clk_period_ns": 2.0, "board": "ZCU104", "target_fps": 1000000' bls
cfg '"synth_clk_period_ns": 10.0, "board": "Pynq-Z1", "target_fps": 100000' tfc_w1a1

finn_sum() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); s=[k for k in d if k not in ('step_hw_codegen','step_hw_ipgen','step_set_fifo_depths','step_create_stitched_ip','step_measure_rtlsim_performance','step_out_of_context_synthesis','step_synthesize_bitfile','step_make_driver','step_make_pynq_driver','step_deployment_package','step_hls_ipgen')]; print('%.3f' % sum(d[k] for k in s))" "$1" 2>/dev/null || echo "-"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timeit() {  # cmd... -> median seconds
    for _ in $(seq "$N"); do
        rm -rf "$T/o"
        s=$(date +%s.%N); "$@" >/dev/null 2>&1 || { echo "FAILED: $*" >&2; return 1; }; e=$(date +%s.%N)
        echo "$e - $s" | bc -l
    done | median
}

printf "%-12s %-46s %10s %10s %12s %12s %8s\n" case model "bs_orch_s" "bs_local_s" "finn_steps_s" "finn_proc_s" speedup
row() {  # case model config finn_time_per_step finn_process_seconds
    local c=$1 m=$2 j=$3 tps=$4 proc=$5
    local o l f ref
    o=$(timeit "$B" build "$D/models/$m" --config "$T/$j.json" --output "$T/o")
    l=$(timeit "$B" build "$D/models/$m" --config "$T/$j.json" --output "$T/o" --local)
    f=$( [ -n "$tps" ] && finn_sum "$tps" || echo "-")
    ref=$proc; [ "$ref" = "-" ] && ref=$f
    sp=$( [ "$ref" != "-" ] && echo "scale=1; $ref / $o" | bc -l || echo "-")
    printf "%-12s %-46s %10.4f %10.4f %12s %12s %7sx\n" "$c" "$m" "$o" "$l" "$f" "$proc" "$sp"
}
row cybsec cybsec_mlp_w2a2_ready.onnx cybsec "$D/finn_oracle/cybsec/time_per_step.json" 1.54
row tfc_fps tfc_w2a2_qonnx.onnx tfc_fps "$D/finn_oracle/tfc_w2a2_fps/time_per_step.json" 1.58
row tfc_fold tfc_w2a2_qonnx.onnx tfc_fold "$D/finn_oracle/tfc_w2a2_fold/time_per_step.json" 1.61
row facile facile_v3_6b.onnx facile "$D/finn_build/facile_v3_6b_ultra96_kf7lsu/output_estimates_only/time_per_step.json" -
row bls bls_mlp_wb3_ab3_prune0.9_datelbr.onnx bls "$D/finn_build/bls_mlp_wb3_ab3_prune_zcu104_datelbr/time_per_step.json" -
row tfc_w1a1 tfc_w1a1_qonnx.onnx tfc_w1a1 "" -
# CNV: no public CNV model fits the shared data; brainsmith's own generator
# writes the BNN-PYNQ CNV topology with random weights.  FINN's figure: the
# real CNV-w4a4 estimate build (finn_build/cnv_w4a4_pynqz1_pgreksic, FINN 2021).
for wa in "1 1" "2 2" "4 4"; do
    set -- $wa
    "$B" example-model "$T/cnv_w$1a$2.onnx" --kind cnv --wbits "$1" --abits "$2" --seed 1 >/dev/null
    cfg '"synth_clk_period_ns": 5.0, "board": "Pynq-Z1", "target_fps": 3000' "cnv$1$2"
    o=$(timeit "$B" build "$T/cnv_w$1a$2.onnx" --config "$T/cnv$1$2.json" --output "$T/o")
    l=$(timeit "$B" build "$T/cnv_w$1a$2.onnx" --config "$T/cnv$1$2.json" --output "$T/o" --local)
    f=$(finn_sum "$D/finn_build/cnv_w4a4_pynqz1_pgreksic/output_estimates_only/time_per_step.json")
    sp=$(echo "scale=0; $f / $o" | bc -l)
    printf "%-12s %-46s %10.4f %10.4f %12s %12s %7sx\n" "cnv_w$1a$2" "(generated, BNN-PYNQ CNV topology)" "$o" "$l" "$f" "-" "$sp"
done
echo "finn_steps_s: sum of FINN's time_per_step.json (estimate steps; facile is FINN v0.6's 7 steps, bls the"
echo "first 10 of its full build); finn_proc_s: the whole FINN process on a 2-core machine (finn_oracle/README.md)."
echo "cnv rows compare with FINN's real CNV-w4a4 estimate build (103.6 s of steps, 90 s in streamline)."
echo "speedup: finn_proc_s (else finn_steps_s) / bs_orch_s (the whole orchestrated brainsmith build command)."
