#!/usr/bin/env bash
# Runs the lib/kernels benchmark against a build dir (default: build).
# Prints estimate layers/s, load+estimate layers/s and the CNV SetFolding +
# estimates time for 20 target-fps values; then FINN's own time for the
# corresponding steps from the shared oracle time_per_step.json files.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
"$build/bench/kernels/bench_kernels" "${BENCH_SECONDS:-1}"
data=${BS_SHARED_DATA:-$here/../../../shared/data}
for d in "$data"/finn_oracle/*/; do
  f="$d/time_per_step.json"
  [ -f "$f" ] || continue
  a=$(grep -o '"step_target_fps_parallelization": [0-9.e-]*' "$f" | sed 's/.*: //')
  b=$(grep -o '"step_generate_estimate_reports": [0-9.e-]*' "$f" | sed 's/.*: //')
  awk -v n="$(basename "$d")" -v a="${a:-0}" -v b="${b:-0}" 'BEGIN {
    printf "FINN %-14s step_target_fps_parallelization + step_generate_estimate_reports = %.3f s\n", n, a + b }'
done
