#!/usr/bin/env bash
# Runs the lib/dse benchmark (CNV SetFolding + estimates for 20 target-fps
# values, config generate search) against a build dir (default: build), then
# prints FINN's time for the same steps from the shared time_per_step.json of
# the FINN v0.5b CNV-w4a4 build and the FINN dev 2025 oracle builds.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
"$build/bench/dse/bench_dse" "${BENCH_REPS:-50}" 1 1
"$build/bench/dse/bench_dse" "${BENCH_REPS:-50}" 4 4
data=${BS_SHARED_DATA:-$here/../../../shared/data}
f="$data/finn_build/cnv_w4a4_pynqz1_pgreksic/output_estimates_only/time_per_step.json"
if [ -f "$f" ]; then
  a=$(grep -o '"step_target_fps_parallelization": [0-9.e-]*' "$f" | sed 's/.*: //')
  b=$(grep -o '"step_apply_folding_config": [0-9.e-]*' "$f" | sed 's/.*: //')
  c=$(grep -o '"step_generate_estimate_reports": [0-9.e-]*' "$f" | sed 's/.*: //')
  awk -v a="$a" -v b="$b" -v c="$c" 'BEGIN {
    printf "FINN v0.5b CNV-w4a4: target_fps_parallelization %.6f + apply_folding_config %.4f + generate_estimate_reports %.4f = %.4f s per config, x20 = %.2f s\n", a, b, c, a + b + c, 20 * (a + b + c) }'
fi
for d in "$data"/finn_oracle/*/; do
  f="$d/time_per_step.json"
  [ -f "$f" ] || continue
  a=$(grep -o '"step_target_fps_parallelization": [0-9.e-]*' "$f" | sed 's/.*: //')
  b=$(grep -o '"step_minimize_bit_width": [0-9.e-]*' "$f" | sed 's/.*: //')
  c=$(grep -o '"step_generate_estimate_reports": [0-9.e-]*' "$f" | sed 's/.*: //')
  awk -v n="$(basename "$d")" -v a="${a:-0}" -v b="${b:-0}" -v c="${c:-0}" 'BEGIN {
    printf "FINN dev 2025 %-13s SetFolding %.4f + minimize %.4f + estimates %.4f = %.4f s per config (MLP)\n", n, a, b, c, a + b + c }'
done
