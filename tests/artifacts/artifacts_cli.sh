#!/usr/bin/env bash
# artifacts_cli.sh - the artifact store through the real CLI and real processes:
# put/get of real shared data, kill -9 during a put, a flipped byte found by
# verify, gc racing concurrent readers and writers, export -> import into a
# fresh workspace, --where on metrics, retention via policy set, the step
# cache (hit byte-identical, changed tool version misses), usage errors.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
B=${BS_BIN:?}
D=${BS_SHARED_DATA:-}
[ -n "$D" ] && [ -d "$D" ] || { echo "SKIP: no shared data"; exit 77; }
T=$(mktemp -d /tmp/bs-art-cli-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
export BRAINSMITH_HOME="$T/ws"
A() { "$B" artifacts "$@"; }

# ---- put / get real data, file and tree ----
A put "$D/models/tfc_w2a2_qonnx.onnx" --name tfc --build b1 --platform Pynq-Z1 --tag rel >"$T/o" || fail "put"
grep -q "^tfc@1 $(sha256sum "$D/models/tfc_w2a2_qonnx.onnx" | cut -c1-64)$" "$T/o" || fail "put prints name@1 and sha256: $(cat "$T/o")"
A put "$D/finn_oracle/tfc_w2a2_fold" --name oracle --step all >/dev/null || fail "put tree"
A get tfc -o "$T/tfc.onnx" >/dev/null || fail get
cmp -s "$T/tfc.onnx" "$D/models/tfc_w2a2_qonnx.onnx" || fail "get not byte-identical"
A get oracle@1 -o "$T/oracle" >/dev/null || fail "get tree"
diff -r "$T/oracle" "$D/finn_oracle/tfc_w2a2_fold" >/dev/null || fail "tree not identical"
A ls --json | grep -q '"name":	"oracle"' || fail "ls --json"
A info tfc@1 --json | grep -q '"platform":	"Pynq-Z1"' || fail "info"
A get nosuch -o "$T/x" 2>"$T/e"; [ $? -eq 1 ] || fail "get missing exit 1"
grep -q "no artifact 'nosuch'" "$T/e" || fail "missing message: $(cat "$T/e")"
A put "$T/nofile" --name x 2>/dev/null; [ $? -eq 1 ] || fail "put missing file exit 1"
A put "$D/models/tfc_w2a2_qonnx.onnx" 2>/dev/null; [ $? -eq 2 ] || fail "put without --name exit 2"
A ls --bogus 2>/dev/null; [ $? -eq 2 ] || fail "unknown option exit 2"
A ls --where 'lut <' 2>"$T/e"; [ $? -eq 1 ] || fail "bad where exit 1"
grep -q "column" "$T/e" || fail "where error names the column"
A --help | grep -q "verify" || fail "group help"
for s in ls info put get pin unpin gc verify export import; do
  A $s --help | grep -q usage || fail "$s --help"
done

# ---- concurrent puts of one name get distinct versions ----
for i in 1 2 3 4 5 6; do
  echo "content $i" >"$T/c$i.txt"
  "$B" artifacts put "$T/c$i.txt" --name conc >/dev/null &
  pids+=($!)
done
wait
vers=$(A ls --name conc --json | grep -o '"version":	[0-9]*' | cut -f2 | sort -n | tr '\n' ' ')
[ "$vers" = "1 2 3 4 5 6 " ] || fail "concurrent puts gave versions '$vers'"

# ---- kill -9 during a put leaves no visible partial blob ----
head -c $((96 * 1024 * 1024)) /dev/urandom >"$T/big.bin"
big=$(sha256sum "$T/big.bin" | cut -c1-64)
"$B" artifacts put "$T/big.bin" --name big >/dev/null 2>&1 &
pp=$!; pids+=($pp)
mid=0
for _ in $(seq 1 1000); do
  if ls "$T/ws/cas/tmp/" 2>/dev/null | grep -q .; then mid=1; break; fi
  sleep 0.005
done
kill -9 $pp 2>/dev/null; wait $pp 2>/dev/null
[ $mid = 1 ] || echo "note: did not catch the put mid-write" >&2
[ -e "$T/ws/cas/${big:0:2}/${big:2}" ] && fail "a blob for the killed put is visible"
A ls --name big | grep -q "big@" && fail "killed put was indexed"
A verify >/dev/null || fail "verify after kill -9"
out=$(A gc --json) || fail "gc after kill"
if [ $mid = 1 ]; then
  echo "$out" | grep -q '"tmp_removed":	1' || fail "gc did not remove the dead writer's temp file: $out"
fi
ls "$T/ws/cas/tmp" | grep -q . && fail "gc left a dead writer's temp file"
A put "$T/big.bin" --name big >/dev/null || fail "put after kill"
A get big -o "$T/big.out" >/dev/null && cmp -s "$T/big.bin" "$T/big.out" || fail "big round trip"
rm -f "$T/big.out"

# ---- a flipped byte is found by verify ----
f="$T/ws/cas/${big:0:2}/${big:2}"
chmod u+w "$f"
printf '\xff' | dd of="$f" bs=1 seek=$((4 * 1024 * 1024)) conv=notrunc status=none
A verify >"$T/v"; [ $? -eq 1 ] || fail "verify must exit 1 on corruption"
grep -q "corrupt: $big used by big@1" "$T/v" || fail "verify report: $(cat "$T/v")"
A get big -o "$T/big.out" 2>/dev/null && fail "get of corrupt blob succeeded"
[ -e "$T/big.out" ] && fail "corrupt get left a file"
A gc --grace 0 >/dev/null
rm -f "$f"; rm -f "$T/big.bin"
A verify >/dev/null; [ $? -eq 1 ] || fail "missing blob not reported"
A policy set --scope big --max-age 1s >/dev/null || fail "policy"
sleep 1.1
A gc --grace 0 >/dev/null || fail "gc"
A verify >/dev/null || fail "verify clean after dropping big"

# ---- --where on metrics (metrics module not on main yet: SQL shape it uses) ----
sqlite3 "$T/ws/brainsmith.db" "CREATE TABLE IF NOT EXISTS metric_values(build_id TEXT NOT NULL,
  metric TEXT NOT NULL, scope TEXT NOT NULL DEFAULT '', value REAL,
  PRIMARY KEY(build_id, metric, scope)) WITHOUT ROWID;" || fail sqlite3
for i in 1 2 3; do
  echo "{\"run\": $i}" >"$T/r$i.json"
  A put "$T/r$i.json" --name est --build "bw$i" --step step_hw >/dev/null || fail "put est$i"
done
sqlite3 "$T/ws/brainsmith.db" "INSERT INTO metric_values VALUES('bw1','resources.lut','',25000),
  ('bw2','resources.lut','',12000),('bw3','resources.lut','',19999)"
got=$(A ls --where 'resources.lut<20000' --json | grep -c '"name":	"est"')
[ "$got" = 2 ] || fail "--where resources.lut<20000 gave $got rows"
A ls --name est --sort resources.lut --limit 1 | grep -q "est@2" || fail "best first"

# ---- gc racing readers and writers ----
# Readers fetch 'race' (newest) in a loop and compare with the content of the
# version they got; writers add versions; gc with keep-last-1 and no grace
# runs continuously.  A reader may find its version already dropped (clean
# "not found"), but must never get a partial, corrupt or missing blob.
A policy set --scope race --last 1 >/dev/null
mkdir -p "$T/race"
for v in $(seq 1 4); do
  head -c 300000 /dev/urandom >"$T/race/src$v"
done
A put "$T/race/src1" --name race --tag src1 >/dev/null
reader() {
  local i=0 bad=0
  while [ $i -lt 25 ]; do
    i=$((i + 1))
    rm -rf "$T/race/out$1"
    if A get race -o "$T/race/out$1" --json >"$T/race/meta$1" 2>"$T/race/err$1"; then
      tag=$(grep -o '"src[0-9]"' "$T/race/meta$1" | tr -d '"')
      cmp -s "$T/race/out$1" "$T/race/$tag" || { echo "reader $1: content differs from $tag"; bad=1; }
    else
      grep -qE "no artifact|not in the store" "$T/race/err$1" || { echo "reader $1: $(cat "$T/race/err$1")"; bad=1; }
    fi
  done
  return $bad
}
writer() {
  for k in $(seq 1 12); do A put "$T/race/src$(( (k % 4) + 1 ))" --name race --tag "src$(( (k % 4) + 1 ))" >/dev/null || return 1; done
}
collector() {
  for _ in $(seq 1 20); do A gc --grace 0 >/dev/null || return 1; done
}
reader 1 >"$T/race/r1.log" 2>&1 & r1=$!
reader 2 >"$T/race/r2.log" 2>&1 & r2=$!
writer & w=$!
collector & c=$!
pids+=($r1 $r2 $w $c)
wait $r1 || fail "reader 1: $(cat "$T/race/r1.log")"
wait $r2 || fail "reader 2: $(cat "$T/race/r2.log")"
wait $w || fail "writer failed"
wait $c || fail "gc failed"
A gc --grace 0 >/dev/null
A verify >"$T/v" || fail "verify after race: $(cat "$T/v")"
A ls --name race | grep -c "race@" | grep -qx 1 || fail "keep-last-1 left $(A ls --name race)"

# ---- export -> import into a fresh workspace round-trips ----
A pin tfc >/dev/null || fail pin
A export 'tfc' -o "$T/b1.tar.zst" >/dev/null || fail export
A export --step all -o "$T/b2.tar.zst" >/dev/null || fail "export tree"
tar --zstd -tf "$T/b1.tar.zst" | head -1 | grep -qx brainsmith-bundle.json || fail "bundle layout"
export BRAINSMITH_HOME="$T/ws2"
A import "$T/b1.tar.zst" | grep -q "imported 1 artifact" || fail import
A import "$T/b2.tar.zst" >/dev/null || fail "import tree"
A import "$T/b2.tar.zst" | grep -q "imported 0 artifacts (1 already present)" || fail "re-import"
A info tfc@1 --json >"$T/i2" || fail "imported info"
BRAINSMITH_HOME="$T/ws" A info tfc@1 --json >"$T/i1"
diff <(grep -v '"created' "$T/i1") <(grep -v '"created' "$T/i2") >/dev/null || fail "metadata differs: $(diff "$T/i1" "$T/i2")"
grep -q '"pinned":	true' "$T/i2" || fail "pin not carried"
A get oracle -o "$T/oracle2" >/dev/null || fail "get imported tree"
diff -r "$T/oracle2" "$D/finn_oracle/tfc_w2a2_fold" >/dev/null || fail "imported tree differs"
A verify >/dev/null || fail "verify imported"
# a tampered bundle is refused
mkdir -p "$T/tamper" && tar --zstd -xf "$T/b1.tar.zst" -C "$T/tamper"
obj=$(ls "$T/tamper/objects" | head -1)
printf 'x' | dd of="$T/tamper/objects/$obj" bs=1 seek=100 conv=notrunc status=none
(cd "$T/tamper" && tar --zstd -cf "$T/bad.tar.zst" brainsmith-bundle.json objects)
BRAINSMITH_HOME="$T/ws3" A import "$T/bad.tar.zst" 2>"$T/e"; [ $? -eq 1 ] || fail "tampered import accepted"
grep -q corrupt "$T/e" || fail "tamper message: $(cat "$T/e")"
BRAINSMITH_HOME="$T/ws3" A ls --json | grep -q '"name"' && fail "tampered import indexed something"
export BRAINSMITH_HOME="$T/ws"

# ---- step cache through the CLI ----
mkdir -p "$T/step/report"
cp "$D/finn_oracle/tfc_w2a2_fps/"*.json "$T/step/report/" 2>/dev/null || echo '{}' >"$T/step/report/x.json"
k1=$(A cache key --step step_hw --input "$big" --config '{"clk":10}' --tool yosys=0.27) || fail "cache key"
k2=$(A cache key --step step_hw --input "$big" --config '{"clk":10}' --tool yosys=0.28)
[ "$k1" != "$k2" ] || fail "tool version does not change the key"
A cache restore "$k1" -o "$T/hit0" >/dev/null; [ $? -eq 3 ] || fail "cold lookup should miss (exit 3)"
A cache store "$k1" "$T/step" --step step_hw --build b1 >/dev/null || fail "cache store"
A cache restore "$k1" -o "$T/hit1" | grep -q "^hit" || fail "cache hit"
diff -r "$T/step" "$T/hit1" >/dev/null || fail "cache hit not byte-identical"
A cache restore "$k2" -o "$T/hit2" | grep -q "^miss" || fail "changed tool version must miss"
[ -e "$T/hit2" ] && fail "miss wrote outputs"
# the one-process form computes the same key
A cache restore --step step_hw --input "$big" --config '{ "clk" : 10 }' --tool yosys=0.27 -o "$T/hit3" | grep -q "^hit" || fail "restore by key parts"
diff -r "$T/step" "$T/hit3" >/dev/null || fail "restore by key parts not identical"
out=$(A cache restore --step step_hw --input "$big" --config '{"clk":10}' --tool yosys=0.28 -o "$T/hit4"); [ $? -eq 3 ] || fail "miss exit 3"
[ "$out" = "miss $k2" ] || fail "miss prints the key: $out"

echo "artifacts_cli: all checks passed"
