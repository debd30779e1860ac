#!/usr/bin/env bash
# bench/artifacts/run.sh BUILD_DIR - artifact store benchmarks (not a test).
#
# 1. put/get throughput of `brainsmith artifacts` against `cp` and the `zstd`
#    CLI (level 3, one thread, as the store uses) on the same files in the same
#    run: real files from shared/data (single files and the whole directory as
#    a tree) and larger generated ones (compressible text, incompressible random).
#    Page cache is warm for every contender (each source is read once first).
# 2. A synthetic multi-step FPGA build of real processes (Verilog generator,
#    yosys synth_ice40, nextpnr-ice40, icepack, icetime) run cold, then again
#    with every step answered by the step cache (`artifacts cache restore` with
#    the key parts: one process per step; and in-process, as the scheduler will
#    do it, with bench_artifacts_cache), then again with a changed nextpnr "version" (only the
#    steps from pnr on re-run).  Goal: cached <= 1% of cold.
set -euo pipefail
build=${1:-build}
BD=$(cd "$build" && pwd)
B=$BD/brainsmith
here=$(cd "$(dirname "$0")" && pwd)
D=${BS_SHARED_DATA:-$here/../../../shared/data}
W=$(mktemp -d /tmp/bs-art-bench-XXXXXX)
trap 'rm -rf "$W"' EXIT
export BRAINSMITH_HOME=$W/ws
ms() { echo $(( $(date +%s%N) / 1000000 )); }
mbps() { awk -v b="$1" -v t="$2" 'BEGIN { if (t < 1) t = 1; printf "%8.1f", b / 1048576 / (t / 1000) }'; }

# ---- inputs ----
mkdir -p "$W/in"
cp "$D/models/tfc_w2a2_qonnx.onnx" "$W/in/tfc_w2a2_qonnx.onnx"
cp "$D/models/cybsec_mlp_w2a2_ready.onnx" "$W/in/cybsec_mlp_w2a2_ready.onnx"
cp "$D/reports/vivado_2022.2_xcu250_vitis_impl_1_full_util_routed.rpt" "$W/in/vivado_util.rpt"
# compressible: a synthetic place-and-route style log with varying numbers
awk 'BEGIN { srand(7); for (i = 0; i < 2400000; i++)
  printf "INFO: [Place 30-%d] cell u_mvau_%d/acc_reg[%d] LUT%d slack %.3f ns, net fanout %d\n",
    int(rand() * 900), int(rand() * 64), int(rand() * 24), 1 + int(rand() * 6),
    rand() * 4 - 1, int(rand() * 40) }' >"$W/in/pnr_log_text.txt"
head -c $((192 * 1024 * 1024)) /dev/urandom >"$W/in/random_192M.bin"
cat "$W"/in/* >/dev/null

ROUNDS=${ROUNDS:-3}
min() { local m=$1; shift; for v in "$@"; do [ "$v" -lt "$m" ] && m=$v; done; echo "$m"; }
printf "\n== put/get throughput, best of %d rounds (MB/s of uncompressed content; ms in brackets)\n" "$ROUNDS"
printf "   put = sha256 + zstd -3 + fsync + rename + index; get = decompress + sha256 check + rename\n"
printf "%-28s %7s | %-19s %-19s %-19s | %-19s %-19s %-19s | %s\n" file MB \
  "put" "cp" "zstd -3 -T1" "get" "cp" "zstd -d" "stored/orig"
for f in "$W"/in/*; do
  n=$(basename "$f"); sz=$(stat -c %s "$f")
  P=(); C=(); Z=(); G=(); C2=(); Z2=()
  for r in $(seq 1 "$ROUNDS"); do
    export BRAINSMITH_HOME=$W/ws.$r; "$B" artifacts ls >/dev/null
    t0=$(ms); "$B" artifacts put "$f" --name "bench/$n" >/dev/null; t1=$(ms)
    cp "$f" "$W/cp.$n"; t2=$(ms)
    zstd -3 -T1 -q -f "$f" -o "$W/z.$n.zst"; t3=$(ms)
    "$B" artifacts get "bench/$n" -o "$W/get.$n" >/dev/null; t4=$(ms)
    cp "$W/cp.$n" "$W/cp2.$n"; t5=$(ms)
    zstd -d -q -f "$W/z.$n.zst" -o "$W/zd.$n"; t6=$(ms)
    cmp -s "$f" "$W/get.$n" || { echo "get of $n differs"; exit 1; }
    P+=($((t1-t0))); C+=($((t2-t1))); Z+=($((t3-t2))); G+=($((t4-t3))); C2+=($((t5-t4))); Z2+=($((t6-t5)))
    rm -f "$W/cp.$n" "$W/cp2.$n" "$W/z.$n.zst" "$W/zd.$n" "$W/get.$n"
  done
  d=$(sha256sum "$f" | cut -c1-64)
  stored=$(stat -c %s "$W/ws.1/cas/${d:0:2}/${d:2}")
  line="$(printf "%-28s %7.1f |" "$n" "$(awk -v b=$sz 'BEGIN{print b/1048576}')")"
  for arr in P C Z G C2 Z2; do
    eval "v=\$(min \${$arr[@]})"
    line+="$(printf " %7s [%6d ms]" "$(mbps $sz $v)" "$v")"
    case $arr in Z|Z2) line+=" |";; esac
  done
  echo "$line $(awk -v a=$stored -v b=$sz 'BEGIN{printf "%.3f", a/b}')"
done
export BRAINSMITH_HOME=$W/ws
"$B" artifacts ls >/dev/null
# the whole shared data directory as one tree
sz=$(du -sb "$D" | cut -f1); nfiles=$(find "$D" -type f | wc -l)
t0=$(ms); "$B" artifacts put "$D" --name bench/shared-tree >/dev/null; t1=$(ms)
cp -r "$D" "$W/cptree"; t2=$(ms)
tar -C "$D" -cf - . | zstd -3 -T1 -q -o "$W/tree.tar.zst"; t3=$(ms)
"$B" artifacts get bench/shared-tree -o "$W/gettree" >/dev/null; t4=$(ms)
cp -r "$W/cptree" "$W/cptree2"; t5=$(ms)
mkdir "$W/untar"; zstd -d -q -c "$W/tree.tar.zst" | tar -C "$W/untar" -xf -; t6=$(ms)
diff -r "$D" "$W/gettree" >/dev/null || { echo "tree get differs"; exit 1; }
printf "%-28s %9.1f | %8s [%6d ms] %8s [%6d ms] %8s [%6d ms] | %8s [%6d ms] %8s [%6d ms] %8s [%6d ms] | (%d files; tar|zstd for zstd)\n" \
  "shared/data tree" "$(awk -v b=$sz 'BEGIN{print b/1048576}')" \
  "$(mbps $sz $((t1-t0)))" $((t1-t0)) "$(mbps $sz $((t2-t1)))" $((t2-t1)) \
  "$(mbps $sz $((t3-t2)))" $((t3-t2)) "$(mbps $sz $((t4-t3)))" $((t4-t3)) \
  "$(mbps $sz $((t5-t4)))" $((t5-t4)) "$(mbps $sz $((t6-t5)))" $((t6-t5)) "$nfiles"
t0=$(ms); "$B" artifacts put "$D" --name bench/shared-tree >/dev/null; t1=$(ms)
echo "re-put of the unchanged tree (all dedup): $((t1-t0)) ms"
t0=$(ms); "$B" artifacts verify >/dev/null; t1=$(ms)
echo "verify of the whole store ($(du -sh "$W/ws/cas" | cut -f1) on disk): $((t1-t0)) ms"

# ---- cached rebuild vs cold ----
command -v yosys >/dev/null && command -v nextpnr-ice40 >/dev/null && command -v icepack >/dev/null || {
  echo "cached rebuild: yosys/nextpnr-ice40/icepack missing, skipped"; exit 0; }
cat >"$W/gen.sh" <<'EOF'
#!/usr/bin/env bash
# writes a MAC array in Verilog: $1 = lanes, $2 = out file
n=$1; o=$2
{ echo "module top(input clk, input [7:0] a, input [7:0] b, output reg [23:0] y);"
  for i in $(seq 0 $((n-1))); do
    echo "  reg [23:0] acc$i; always @(posedge clk) acc$i <= acc$i + (a ^ 8'd$((i*37%256))) * (b + 8'd$((i*11%256)));"
  done
  printf "  always @(posedge clk) y <= "; for i in $(seq 0 $((n-1))); do printf "acc$i ^ "; done
  echo "24'd0;"; echo "endmodule"; } >"$o"
EOF
chmod +x "$W/gen.sh"
yv=$(yosys -V | head -1); nv=$(nextpnr-ice40 --version 2>&1 | head -1)
# step table: name | tool version | config | command (run in the step's out dir; $IN = input dir)
steps=(gen synth pnr pack timing)
run_step() { # $1 step $2 in-dir $3 out-dir
  case $1 in
    gen) "$W/gen.sh" 12 "$3/design.v" ;;
    synth) yosys -q -l "$3/yosys.log" -p "synth_ice40 -top top -json $3/synth.json" "$2/design.v" ;;
    pnr) nextpnr-ice40 -q --hx8k --package ct256 --json "$2/synth.json" --asc "$3/top.asc" \
           --log "$3/nextpnr.log" 2>/dev/null ;;
    pack) icepack "$2/top.asc" "$3/top.bin"; cp "$2/top.asc" "$3/top.asc" ;;
    timing) icetime -d hx8k -P ct256 -t -r "$3/timing.rpt" "$2/top.asc" >/dev/null 2>&1 \
              || sha256sum "$2/top.bin" >"$3/timing.rpt" ;;
  esac
}
tool_of() { case $1 in gen) echo "gen=1";; synth) echo "yosys=$yv";; pnr) echo "nextpnr=${PNR_VER:-$nv}";;
            pack|timing) echo "icestorm=1";; esac; }
# build MODE: cold (run + store), cached (restore, run on miss + store), nocache (run only)
build_once() {
  local mode=$1 out=$2 in="" dig="none" hits=0 ran=0
  mkdir -p "$out"
  for s in "${steps[@]}"; do
    local dir="$out/$s"
    local parts=(--step "$s" --input "$dig" --config '{"lanes":12,"part":"hx8k"}' --tool "$(tool_of $s)")
    if [ "$mode" = cached ]; then
      # one process per step: computes the key, restores on a hit, prints the key on a miss
      if res=$("$B" artifacts cache restore "${parts[@]}" -o "$dir"); then
        dig=${res##* }; hits=$((hits + 1)); in=$dir; continue
      fi
      key=${res##* }
    elif [ "$mode" = cold ]; then
      key=$("$B" artifacts cache key "${parts[@]}")
    fi
    mkdir -p "$dir"; run_step "$s" "$in" "$dir"; ran=$((ran + 1))
    if [ "$mode" != nocache ]; then
      res=$("$B" artifacts cache store "$key" "$dir" --step "$s"); dig=${res##* }
    fi
    in=$dir
  done
  echo "$hits hits, $ran ran"
}
printf "\n== synthetic FPGA build (gen -> yosys synth_ice40 -> nextpnr-ice40 -> icepack -> icetime)\n"
t0=$(ms); r=$(build_once nocache "$W/b0"); t1=$(ms); nocache=$((t1-t0)); echo "cold, no cache         : $nocache ms ($r)"
t0=$(ms); r=$(build_once cold "$W/b1"); t1=$(ms); cold=$((t1-t0)); echo "cold, storing outputs  : $cold ms ($r)"
t0=$(ms); r=$(build_once cached "$W/b2"); t1=$(ms); warm=$((t1-t0)); echo "cached rebuild         : $warm ms ($r)"
mkdir -p "$W/b4"
r=$("$BD/bench/artifacts/bench_artifacts_cache" "$W/ws" "$W/b4" '{"lanes":12,"part":"hx8k"}' \
      "gen=$(tool_of gen)" "synth=$(tool_of synth)" "pnr=$(tool_of pnr)" "pack=$(tool_of pack)" "timing=$(tool_of timing)" 2>&1 || true)
echo "cached rebuild in-process (what the scheduler does): $r"
diff -r "$W/b1" "$W/b2" >/dev/null && echo "cached outputs byte-identical to the cold build's: yes" || { echo "cached outputs differ"; exit 1; }
awk -v w=$warm -v c=$cold -v n=$nocache 'BEGIN { printf "cached / cold = %.2f%% (vs cold without storing: %.2f%%; goal <= 1%%)\n", 100 * w / c, 100 * w / n }'
t0=$(ms); r=$(PNR_VER="nextpnr-changed" build_once cached "$W/b3"); t1=$(ms)
echo "changed nextpnr version: $((t1-t0)) ms ($r: pnr re-runs; a later step hits again once its input is unchanged)"
