#!/usr/bin/env bash
# bench/metrics/fuzz.sh FUZZ_BUILD_DIR [SECONDS] - runs each parser's libFuzzer
# target for SECONDS (default 60) seeded with the shared reports.  Build with
#   CC=clang cmake -S . -B build-fuzz -G Ninja -DBS_FUZZ=ON -DCMAKE_C_FLAGS=-Wno-unknown-warning-option
#   ninja -C build-fuzz
# (-Wno-unknown-warning-option: the top-level flags include a gcc-only warning).
set -euo pipefail
build=$(cd "${1:?fuzz build dir}" && pwd)
secs=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
D=${BS_SHARED_DATA:-$here/../../../shared/data}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
seed() {  # seed PARSER FILE...
  mkdir -p $T/$1; local i=0
  shift_p=$1; shift
  for f in "$@"; do cp "$f" $T/$shift_p/seed$i; i=$((i+1)); done
}
R=$D/reports F=$D/finn_build
seed vivado_utilization $R/*util*.rpt
seed vivado_utilization_xml $F/facile_v3_6b_ultra96_kf7lsu/output_final/report/post_synth_resources.xml $R/*csynth.xml
seed vivado_timing $F/facile_v3_6b_ultra96_kf7lsu/output_final/report/post_route_timing.rpt
seed vivado_power $R/*power*.rpt
seed hls_csynth_xml $R/*csynth.xml
seed hls_csynth_rpt $R/*csynth.rpt
seed finn_report $(find $F -path '*report/*.json') $(find $F -name time_per_step.json)
seed finn_folding $(find $F -name '*folding_config.json' -o -name final_hw_config.json)
seed finn_log $F/facile_v3_6b_ultra96_kf7lsu/output_estimates_only/build_dataflow.log
mkdir -p $T/yosys_stat $T/nextpnr_report $T/icetime $T/rtlsim_counts
printf '{"creator":"Yosys 0.23","modules":{"\\\\m":{"num_wires":3,"num_cells":2,"num_cells_by_type":{"SB_LUT4":2}}},"design":{"num_wires":3,"num_cells":2,"num_cells_by_type":{"SB_LUT4":2,"SB_DFF":1}}}' > $T/yosys_stat/s
printf '{"utilization":{"ICESTORM_LC":{"used":1,"available":5280}},"fmax":{"clk":{"achieved":40.0,"constraint":12}},"critical_paths":[{"path":[{"delay":1.5,"type":"logic","from":{"cell":"a"},"to":{"cell":"b"}}]}]}' > $T/nextpnr_report/s
printf '// Timing estimate: 27.46 ns (36.41 MHz)\nTotal number of logic levels: 17\nTotal path delay: 27.46 ns (36.41 MHz)\n' > $T/icetime/s
printf 'rtlsim: cycles=100 latency_cycles=4 interval_cycles=1 inferences=97 fclk_mhz=100\nrtlsim: layer=mac stall_cycles=3\n' > $T/rtlsim_counts/s
for p in vivado_utilization vivado_utilization_xml vivado_timing vivado_power hls_csynth_xml hls_csynth_rpt \
         finn_report finn_folding finn_log yosys_stat nextpnr_report icetime rtlsim_counts; do
  out=$($build/bench/metrics/fuzz_metrics_$p -max_total_time=$secs -max_len=262144 -rss_limit_mb=1024 -artifact_prefix=${FUZZ_ARTIFACTS:-/tmp}/metrics-$p- \
        $T/$p 2>&1 | grep -E "^#[0-9]+.*(DONE|pulse)|ERROR|SUMMARY" | tail -1 || true)
  echo "$p: $out"
done
