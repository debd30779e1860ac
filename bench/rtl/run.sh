#!/usr/bin/env bash
# Runs the RTL backend benchmark: TFC-sized Verilator cycles/s and the time
# of each backend step.  Usage: bench/rtl/run.sh [build-dir] [frames]
set -euo pipefail
build=${1:-build}
frames=${2:-20000}
work="$build/bench-rtl-work"
mkdir -p "$work"
"$build/bench/rtl/bench_rtl" "$work" "$frames"
