#!/usr/bin/env bash
# bench/orch/run.sh BUILD_DIR - the orchestrator benchmarks of issue 3:
#   throughput  10,000 `true` tasks submitted, then run on 2 cpus (goal >= 200/s)
#   decide      scheduling decision with 1,000,000 queued tasks (goal < 1 ms)
#   parallel    8 CPU-bound ~2 s tasks on 2 cpus, makespan / ideal (goal <= 1.05)
#   overhead    CPU-bound task under the executor vs bare (goal < 0.5%)
# Numbers depend on the machine's load: the load average is printed first.
set -euo pipefail
build=${1:-build}
b="$build/bench/orch/bench_orch"
[ -x "$b" ] || { echo "bench/orch: $b not built" >&2; exit 1; }
echo "machine: $(nproc) cpus, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$b" throughput "${ORCH_BENCH_TASKS:-10000}"
"$b" decide "${ORCH_BENCH_QUEUE:-1000000}"
"$b" parallel
"$b" overhead
