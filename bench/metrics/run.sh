#!/usr/bin/env bash
# bench/metrics/run.sh BUILD_DIR - numbers for lib/metrics:
#   1. parser throughput (MB/s) per parser, on the shared reports and on real
#      yosys/nextpnr/icetime/verilator outputs made here;
#   2. `brainsmith import` of FINN output dirs (goal < 50 ms), CLI and in-process;
#   3. overhead of metric collection (the /proc sampler) during a real tool run
#      (goal < 0.5 %).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
D=${BS_SHARED_DATA:-$src/../shared/data}
B=$build/bench/metrics/bench_metrics
BIN=$build/brainsmith
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

echo "== parser throughput"
R=$D/reports F=$D/finn_build O=$D/finn_oracle
$B throughput vivado_utilization $R/vivado_*util*.rpt
$B throughput vivado_utilization_xml $F/facile_v3_6b_ultra96_kf7lsu/output_final/report/post_synth_resources.xml
$B throughput vivado_timing $R/*timing*.rpt $F/facile_v3_6b_ultra96_kf7lsu/output_final/report/post_route_timing.rpt
$B throughput vivado_power $R/*power*.rpt
$B throughput hls_csynth_xml $R/*csynth.xml
$B throughput hls_csynth_rpt $R/*csynth.rpt
$B throughput finn_report $(find $F $O -path '*report/*.json') $(find $F $O -name time_per_step.json)
$B throughput finn_folding $(find $F $O -name '*folding_config.json' -o -name final_hw_config.json)
$B throughput finn_log $(find $F $O -name build_dataflow.log)
if command -v yosys >/dev/null && command -v nextpnr-ice40 >/dev/null && command -v icetime >/dev/null \
   && command -v verilator >/dev/null; then
  (cd $T && yosys -q -p "synth_ice40 -top mac -json mac.json; tee -q -o stat.json stat -json" $src/tests/metrics/data/mac.v \
   && nextpnr-ice40 -q --up5k --package sg48 --json mac.json --asc mac.asc --report report.json --freq 12 2>/dev/null \
   && icetime -d up5k -P sg48 -t mac.asc > icetime.txt \
   && verilator --binary --timing -Wno-fatal -Wno-lint -Wno-style --top-module mac_tb -Mdir obj \
        $src/tests/metrics/data/mac.v $src/tests/metrics/data/mac_tb.v >/dev/null 2>&1 \
   && ./obj/Vmac_tb > rtlsim.log)
  $B throughput yosys_stat $T/stat.json
  $B throughput nextpnr_report $T/report.json
  $B throughput icetime $T/icetime.txt
  $B throughput rtlsim_counts $T/rtlsim.log
else
  echo "(yosys/nextpnr/icetime/verilator missing: open-flow parsers not measured)"
fi

echo "== import of FINN output dirs"
for d in $F/facile_v3_6b_ultra96_kf7lsu $F/cybsec_mlp_dac2026 $F/bls_mlp_wb3_ab3_prune_zcu104_datelbr $O/cybsec; do
  $B import $d 20
  home=$T/home-$(basename $d)
  $BIN --home $home init >/dev/null
  times=()
  for i in $(seq 1 15); do
    t0=$(date +%s%N); $BIN --home $home import $d >/dev/null 2>&1; t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
  done
  sorted=($(printf '%s\n' "${times[@]}" | sort -n))
  echo "  brainsmith import (whole CLI process): median $((sorted[7] / 1000)).$(( (sorted[7] % 1000) / 100 )) ms," \
       "min $((sorted[0] / 1000)).$(( (sorted[0] % 1000) / 100 )) ms over 15 runs"
done

echo "== monitoring overhead during a real tool run (yosys synth_xilinx of mac.v, run 3x)"
if command -v yosys >/dev/null; then
  cmd=(yosys -q -p "synth_xilinx -top mac; synth_xilinx -top mac -flatten; synth_ice40 -top mac" $src/tests/metrics/data/mac.v)
  $B monitor 0 -- "${cmd[@]}"
  for iv in 10 100 500; do $B monitor $iv -- "${cmd[@]}"; done
  $B monitor 0 -- "${cmd[@]}"
fi
