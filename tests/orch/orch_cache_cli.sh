#!/usr/bin/env bash
# orch_cache_cli.sh - the step cache through the CLI on a real workspace:
# submit --cache-key K --outputs DIR stores on success; the same key again
# ends `cached` without running (side-effect file) with byte-identical
# outputs merged into a directory holding other files; status (text and
# --json: cache_key, cache_digest, cache_hit); wait treats cached as success;
# submit --no-cache and run --no-cache force a run; --dag with cache fields.
set -euo pipefail
BIN=${BS_BIN:?BS_BIN not set}
T=$(mktemp -d "${TMPDIR:-/tmp}/bs-orch-cache-XXXXXX")
trap 'rm -rf "$T"' EXIT
export BRAINSMITH_HOME=$T/home
fail() { echo "FAIL: $*" >&2; exit 1; }
json() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
O=$T/build
STEP="mkdir -p '$O/report' && head -c 100000 /dev/urandom > '$O/model.onnx' && date +%N > '$O/report/r.json' && echo run >> '$T/side'"
K=$(printf 'step_hw|finn=0.10|fold=1' | sha256sum | cut -c1-64)

set +e; "$BIN" submit --cache-key '' --outputs "$O" -- true 2>/dev/null; rc=$?; set -e
[ $rc = 2 ] || fail "empty --cache-key: exit $rc"
"$BIN" submit --help | grep -q -- "--cache-key" || fail "submit --help lacks --cache-key"
"$BIN" run --help | grep -q -- "--no-cache" || fail "run --help lacks --no-cache"

a=$("$BIN" submit --name hw --cache-key "$K" --outputs "$O" -- sh -c "$STEP")
"$BIN" -q run --until-idle
[ "$(wc -l < "$T/side")" = 1 ] || fail "first run did not run once"
"$BIN" status "$a" --json > "$T/a.json"
[ "$(json 'd["state"]' < "$T/a.json")" = succeeded ] || fail "first: $(cat "$T/a.json")"
stored=$(json 'd["cache_digest"]' < "$T/a.json")
[ ${#stored} = 64 ] || fail "no stored digest: $(cat "$T/a.json")"

mv "$O" "$T/ref"; mkdir -p "$O"; echo mine > "$O/other_step.txt"
b=$("$BIN" submit --name hw --cache-key "$K" --outputs "$O" -- sh -c "$STEP")
"$BIN" run --until-idle > "$T/run.out"
grep -q "cache hit" "$T/run.out" || fail "run output: $(cat "$T/run.out")"
[ "$(wc -l < "$T/side")" = 1 ] || fail "a hit ran the command"
cmp "$T/ref/model.onnx" "$O/model.onnx" || fail "model differs"
cmp "$T/ref/report/r.json" "$O/report/r.json" || fail "report differs"
[ "$(cat "$O/other_step.txt")" = mine ] || fail "merge lost another step's file"
"$BIN" status "$b" --json > "$T/b.json"
[ "$(json 'd["state"]' < "$T/b.json")" = cached ] || fail "second: $(cat "$T/b.json")"
[ "$(json 'd["cache_key"]' < "$T/b.json")" = "$K" ] || fail "cache_key in json"
[ "$(json 'd["cache_digest"]' < "$T/b.json")" = "$stored" ] || fail "hit digest in json"
[ "$(json 'd["cache_hit"]' < "$T/b.json")" = True ] || fail "cache_hit in json"
[ "$(json 'd["attempts"]' < "$T/b.json")" = 0 ] || fail "a cached task has attempts"
"$BIN" status | grep -q "1 cached" || fail "status counts: $("$BIN" status)"
"$BIN" status | grep -Eq "^ +$b +cached" || fail "status list: $("$BIN" status)"
"$BIN" status "$b" | grep -q "restored  $stored" || fail "status one: $("$BIN" status "$b")"
"$BIN" wait "$b" || fail "wait on a cached task"
"$BIN" watch --plain --since 0 --until-done | grep -q "cache hit" || fail "watch shows no hit"

# a dependent of a cached task runs
c=$("$BIN" submit --name use --after "$b" -- sh -c "cmp '$O/model.onnx' '$T/ref/model.onnx' && echo use >> '$T/side'")
"$BIN" -q run --until-idle
[ "$("$BIN" status "$c" --json | json 'd["state"]')" = succeeded ] || fail "dependent of cached"

# --no-cache on the task, then on the scheduler: both run
n1=$("$BIN" submit --name hw --no-cache --cache-key "$K" --outputs "$O" -- sh -c "$STEP")
"$BIN" -q run --until-idle
[ "$("$BIN" status "$n1" --json | json 'd["state"]')" = succeeded ] || fail "submit --no-cache"
n2=$("$BIN" submit --name hw --cache-key "$K" --outputs "$O" -- sh -c "$STEP")
"$BIN" -q run --no-cache --until-idle
[ "$("$BIN" status "$n2" --json | json 'd["state"]')" = succeeded ] || fail "run --no-cache"
[ "$(grep -c run "$T/side")" = 3 ] || fail "runs: $(cat "$T/side")"

# a DAG file with cache fields: the second submission is all cached
cat > "$T/dag.json" <<JSON
[{"name": "s1", "cmd": ["sh", "-c", "mkdir -p '$T/d' && echo 1 > '$T/d/one' && echo s1 >> '$T/side'"],
  "cache_key": "dag-s1-v1", "outputs": "$T/d"},
 {"name": "s2", "after": ["s1"], "cmd": ["sh", "-c", "cat '$T/d/one' > '$T/d/two' && echo s2 >> '$T/side'"],
  "cache_key": "dag-s2-v1", "outputs": "$T/d"}]
JSON
"$BIN" submit --dag "$T/dag.json" >/dev/null
"$BIN" -q run --until-idle
rm -rf "$T/d"
"$BIN" submit --dag "$T/dag.json" --json > "$T/ids.json"
"$BIN" -q run --until-idle
for t in s1 s2; do
  id=$(json "d['$t']" < "$T/ids.json")
  [ "$("$BIN" status "$id" --json | json 'd["state"]')" = cached ] || fail "dag $t not cached"
done
[ "$(cat "$T/d/two")" = 1 ] || fail "dag outputs"
[ "$(grep -c '^s' "$T/side")" = 2 ] || fail "dag steps ran again: $(cat "$T/side")"
echo "orch_cache_cli: ok"
