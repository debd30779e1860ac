#!/usr/bin/env bash
# Change-point detection throughput and F1 on the synthetic suite (5% noise,
# plus 1% and 10% for context).  Usage: bench/history/run.sh [build-dir]
set -euo pipefail
build=${1:-build}
"$build/bench/history/bench_history" --noise 0.05 --points 1000000
"$build/bench/history/bench_history" --noise 0.01 --points 100000
"$build/bench/history/bench_history" --noise 0.10 --points 100000
