#!/usr/bin/env bash
# Model-layer benchmarks (issue 4): load + infer time of the largest shared
# model, and single-core executor inferences/s on TFC and a CNV-topology
# model, each next to the numpy reference (tests/tools/onnx_ref.py) running
# the same model in the same run.   usage: bench/onnx/run.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "${1:-build}" && pwd)
data=${BS_SHARED_DATA:-$src/../shared/data}
bench="$build/bench/onnx/bench_onnx"
py=/usr/bin/python3
secs=${BENCH_SECONDS:-3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export BS_SHARED_DATA="$data"

largest=$(ls -S "$data"/models/*.onnx | head -1)
all_largest=$(find "$data" -name '*.onnx' -printf '%s %p\n' | sort -n | tail -1 | cut -d' ' -f2)
echo "== load + infer shapes/datatypes (goal < 20 ms)"
taskset -c 0 "$bench" load "$largest" 50
[ "$all_largest" = "$largest" ] || taskset -c 0 "$bench" load "$all_largest" 50

have_py=0
"$py" -c 'import onnx, numpy' 2>/dev/null && have_py=1
mnist="$data/finn_build/finn_examples_bnn_pynq/mnist_input.npy"
models=("$data/models/tfc_w1a1_qonnx.onnx" "$data/models/tfc_w2a2_qonnx.onnx"
        "$data/models/tfc_w1a1_finn_build_dataflow.onnx"
        "$data/finn_oracle/tfc_w2a2_fps/intermediate_models/step_streamline.onnx")
inputs=("$mnist" "$mnist" "$mnist" "$mnist")
if [ $have_py = 1 ]; then
  "$py" "$here/gen_cnv.py" "$tmp/cnv.onnx" 2 2
  models+=("$tmp/cnv.onnx"); inputs+=("$tmp/cnv.in.npy")
fi
echo "== executor, single core (taskset -c 0), ${secs}s each: inferences/s"
printf '%-70s %14s %14s %8s\n' model brainsmith numpy-ref speedup
for i in "${!models[@]}"; do
  m=${models[$i]}
  c=$(taskset -c 0 "$bench" exec "$m" "${inputs[$i]}" "$secs")
  p=-
  if [ $have_py = 1 ]; then
    p=$(OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 taskset -c 0 "$py" "$src/tests/tools/onnx_ref.py" bench "$m" "$secs" "${inputs[$i]}")
  fi
  sp=$(awk -v c="$c" -v p="$p" 'BEGIN { if (p == "-" || p == 0) print "-"; else printf "%.0fx", c / p }')
  printf '%-70s %14s %14s %8s\n' "${m#$data/}" "$c" "$p" "$sp"
done
