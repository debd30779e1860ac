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
  [ -f "$d/time_per_step.json" ] || continue
  /usr/bin/env python3 - "$d/time_per_step.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
import os; name = os.path.basename(os.path.dirname(os.path.normpath(sys.argv[1])))
s = t.get("step_target_fps_parallelization", 0) + t.get("step_generate_estimate_reports", 0)
print("FINN %-14s step_target_fps_parallelization + step_generate_estimate_reports = %.3f s" % (name, s))
PY
done
