#!/usr/bin/env bash
# history_cli - drives the real CLI: record points, show (text, --json,
# --plot), baselines, regress check exit codes, alert rules fired once,
# and the usage/error exits.
set -euo pipefail
: "${BS_BIN:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/bs-history-cli-XXXXXX")
trap 'rm -rf "$work"' EXIT
export BRAINSMITH_HOME="$work/home"
bs() { "$BS_BIN" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# 30 builds: LUT steps up 15% at build 20 (MVAU_2 grows); latency with repeats
for i in $(seq 0 29); do
  b=$(printf 'b-%03d' "$i")
  lut=$(( i < 20 ? 10000 + (i % 3) * 7 : 11500 + (i % 3) * 7 ))
  mv2=$(( i < 20 ? 2000 : 3500 ))
  bs history record --metric resources.lut --model tfc --platform zcu104 --build "$b" \
     --time "2026-01-$(printf '%02d' $(( i + 1 )))T12:00:00Z" --version "c$i" --value "$lut" \
     --layer MVAU_0=5000 --layer "MVAU_2=$mv2"
  bs history record --metric perf.latency_ns --model tfc --platform zcu104 --build "$b" \
     --time "2026-01-$(printf '%02d' $(( i + 1 )))T12:00:00Z" --repeats "$(( 100 + i % 2 )),101,99,100,$(( 102 - i % 3 ))"
done
bs history record --metric resources.lut --model tfc --platform pynq-z1 --build b-000 --value missing --time 2026-01-01T12:00:00Z

bs history ls | grep -q 'resources.lut.*zcu104.*30 points' || fail "history ls"
out=$(bs history show --metric resources.lut --platform zcu104)
echo "$out" | grep -q 'b-020.*<- regression' || fail "change point not marked: $out"
echo "$out" | grep -q 'the layer that grew most is MVAU_2' || fail "no layer attribution: $out"
echo "$out" | grep -q '(p<0.001)' || fail "no p-value"

bs history show --metric resources.lut --platform zcu104 --json > "$work/show.json"
/usr/bin/python3 - "$work/show.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["series"][0]
assert len(d["series"]) == 1 and len(s["points"]) == 30, d
ch = [c for c in s["changes"] if c["method"] == "edivisive"]
assert [c["build"] for c in ch] == ["b-020"], ch
assert ch[0]["kind"] == "regression" and ch[0]["pvalue"] < 0.001 and ch[0]["layer"] == "MVAU_2"
assert s["points"][0]["layers"]["MVAU_2"] == 2000
assert "trend" in s and s["insights"]
PY

bs baseline set release b-005 | grep -q 'release -> b-005' || fail "baseline set"
bs baseline ls | grep -q '^release *b-005' || fail "baseline ls"
bs baseline ls --json | /usr/bin/python3 -c 'import json,sys; assert json.load(sys.stdin)[0]["build"]=="b-005"'
bs history show --metric resources.lut --plot "$work/lut.svg" | grep -q 'wrote' || fail "plot"
grep -q '<svg' "$work/lut.svg" && grep -q 'baseline release' "$work/lut.svg" && grep -q 'regression' "$work/lut.svg" \
  || fail "plot content"

# regress check: newest build is 15% above the release baseline -> exit 1
set +e
bs regress check > "$work/rc.txt"; rc=$?
set -e
[ "$rc" -eq 1 ] || fail "regress check exit $rc (want 1)"
grep -q 'FAIL resources.lut.*baseline' "$work/rc.txt" || fail "regress text"
# an old build before the step passes (latency repeats do not differ significantly)
bs regress check b-010 --json > "$work/rc.json" || fail "regress check b-010 should pass"
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["build"]=="b-010" and not d["regression"], d' "$work/rc.json"
set +e
bs regress check nosuchbuild >/dev/null 2>"$work/err"; rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q 'no recorded metrics' "$work/err" || fail "unknown build"

# alerts: jsonl action, fired once
bs alerts add lut --metric resources.lut --when regression --action "jsonl:$work/alerts.jsonl" --action print >/dev/null
bs alerts ls | grep -q '^lut .*when regression' || fail "alerts ls"
bs alerts run > "$work/run1.txt" 2>"$work/run1.err"
grep -q '"build":"b-020"' "$work/run1.txt" || fail "alert not printed"
[ "$(wc -l < "$work/alerts.jsonl")" -eq 1 ] || fail "jsonl lines"
bs alerts run > "$work/run2.txt" 2>&1
[ "$(wc -l < "$work/alerts.jsonl")" -eq 1 ] || fail "alert fired twice"
grep -q '0 alerts fired' "$work/run2.txt" || fail "second run summary"
bs alerts rm lut
bs alerts ls --json | /usr/bin/python3 -c 'import json,sys; assert json.load(sys.stdin)==[]'

# usage and input errors
set +e
bs history show >/dev/null 2>&1; [ $? -eq 2 ] || fail "show without --metric should be usage error"
bs history show --metric nope >/dev/null 2>&1; [ $? -eq 1 ] || fail "unknown metric should fail"
bs history record --metric m --model x --platform p --build b --value abc >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad value"
bs alerts add x --metric m --when sideways --action print >/dev/null 2>&1; [ $? -eq 1 ] || fail "bad condition"
bs history show --help | grep -q 'usage: brainsmith history show' || fail "help"
set -e
echo "history_cli: ok"
