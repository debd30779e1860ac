#!/usr/bin/env bash
# demo.sh BUILD_DIR - the brainsmith demo (`make demo`): brainsmith writes its
# bundled example QONNX MLP itself (no Python), builds it through the
# workspace orchestrator to FINN's estimate reports, and prints the summary
# table.  Everything goes to a fresh workspace under BUILD_DIR/demo-home.
set -euo pipefail
BUILD=${1:-build}
B=$BUILD/brainsmith
[ -x "$B" ] || { echo "demo: $B not built (run make build)" >&2; exit 1; }
D="$(cd "$BUILD" && pwd)/demo-home"
rm -rf "$D"
mkdir -p "$D"
export BRAINSMITH_HOME=$D/workspace

echo "== 1. example model (written by brainsmith)"
"$B" example-model "$D/example_mlp.onnx" --layers 64,32,32,10 --wbits 2 --abits 2 --seed 1
"$B" model info "$D/example_mlp.onnx" | sed -n '1,12p'

echo
echo "== 2. the step plan"
"$B" pipeline plan "$D/example_mlp.onnx" --target-fps 1000000 --text

echo
echo "== 3. estimate-only build through the orchestrator (Pynq-Z1, 10 ns, 1M fps)"
"$B" build "$D/example_mlp.onnx" --board Pynq-Z1 --target-fps 1000000 --output "$D/build"

echo
echo "== 4. tasks"
"$B" status | head -5
echo
echo "== 5. step events (from the workspace event table)"
"$B" watch --help >/dev/null 2>&1 && timeout 10 "$B" watch --plain --since 0 --until-done 2>/dev/null | grep -E 'step\.(start|finish)' | head -24 || true
echo
echo "FINN-layout outputs: $D/build (report/, intermediate_models/, auto_folding_config.json, build_dataflow.log)"
