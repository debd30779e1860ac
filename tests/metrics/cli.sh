#!/usr/bin/env bash
# cli.sh - drives `brainsmith import` and `brainsmith metrics list|show|compare|parse`
# on the real shared FINN outputs and Vivado/HLS reports.
set -euo pipefail
D=${BS_SHARED_DATA:?}
[ -d "$D" ] || exit 77
BIN=${BS_BIN:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export BRAINSMITH_HOME=$T/home
PY=/usr/bin/python3
fail() { echo "FAIL: $*" >&2; exit 1; }
# has PATTERN CMD...: CMD's stdout matches (output kept in a file: grep -q
# on a pipe would SIGPIPE the writer under pipefail)
has() { local pat=$1; shift; "$@" > $T/out.txt; grep -q -- "$pat" $T/out.txt; }
jget() { $PY -c "import json,sys; d=json.load(open('$1')); print(eval('d' + sys.argv[1]))" "$2"; }

# list: >= 50 metrics with unit, direction, group, description
$BIN metrics list --json > $T/list.json
n=$($PY -c "import json; print(len(json.load(open('$T/list.json'))))")
[ "$n" -ge 50 ] || fail "only $n metrics"
$PY - "$T/list.json" <<'EOF'
import json, sys
m = {x["id"]: x for x in json.load(open(sys.argv[1]))}
assert m["timing.wns_ns"]["better"] == "higher", m["timing.wns_ns"]
assert m["resources.lut"]["better"] == "lower"
assert m["power.total_w"]["unit"] == "W"
assert all(x["description"] and x["group"] for x in m.values())
EOF
has '^perf.throughput_fps ' $BIN metrics list || fail "text list"
has '^| `timing.fmax_mhz` | MHz | higher |' $BIN metrics list --markdown || fail "markdown list"

# import a FINN output dir (three sub-runs: estimates, ipstitch/rtlsim, final)
id=$($BIN import "$D/finn_build/facile_v3_6b_ultra96_kf7lsu" --name facile 2>$T/imp.err)
[[ "$id" == b-* ]] || fail "import printed '$id'"
grep -q "imported 15 report file(s)" $T/imp.err || fail "import summary: $(cat $T/imp.err)"
$BIN metrics show facile --json --layers > $T/show.json
[ "$(jget $T/show.json "['state']")" = imported ] || fail "state"
[ "$(jget $T/show.json "['build']")" = "$id" ] || fail "build id"
[ "$(jget $T/show.json "['metrics']['resources.lut']['value']")" = 6342 ] || fail "lut"
[ "$(jget $T/show.json "['metrics']['perf.throughput_fps']['value']")" = 10227.936879018118 ] || fail "fps"
[ "$(jget $T/show.json "['metrics']['power.total_w']['estimated']")" = True ] || fail "power est"
[ "$(jget $T/show.json "['layers']['StreamingFCLayer_Batch_0']['hls.lut']['value']")" = 2679 ] || fail "layer"
has "timing.wns_ns" $BIN metrics show "${id:0:12}" || fail "show by id prefix"

# a folder of Vivado/HLS reports
$BIN import "$D/reports" --name reports >/dev/null 2>&1 || fail "reports import"
$BIN metrics show reports --json > $T/rep.json
[ "$(jget $T/rep.json "['metrics']['power.total_w']['estimated']")" = False ] || fail "reported power"

# --part: the estimate-only cybsec build names no part in its files
$BIN import "$D/finn_build/cybsec_mlp_dac2026" --name cyb --part xc7z020clg400-1 >/dev/null 2>&1
$BIN metrics show cyb --json > $T/cyb.json
[ "$(jget $T/cyb.json "['metrics']['power.total_w']['source']")" = model:7series ] || fail "power model"
$PY -c "import json; d=json.load(open('$T/cyb.json'))['metrics']; assert abs(d['util.lut_pct']['value'] - 100*9354/53200) < 1e-9, d['util.lut_pct']"

# a second FINN build, then compare
$BIN import "$D/finn_build/bls_mlp_wb3_ab3_prune_zcu104_datelbr" --name bls >/dev/null 2>&1
$BIN metrics compare facile bls --json > $T/cmp.json
$PY - "$T/cmp.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["builds"]) == 2
m = {x["id"]: x for x in d["metrics"]}
lut = m["resources.lut"]
assert lut["values"] == [6342, 12249], lut
assert lut["verdict"] == "worse" and abs(lut["change_pct"] - 100.0 * (12249 - 6342) / 6342) < 1e-9
assert m["perf.throughput_fps"]["verdict"] == "better"
EOF
has "^resources.lut .*worse" $BIN metrics compare facile bls || fail "text compare"

# a broken report: error names file and line, exit 1, other metrics kept
mkdir -p $T/broken/report
cp "$D/finn_build/cybsec_mlp_dac2026/report/estimate_layer_cycles.json" $T/broken/report/
head -c 60 "$D/finn_build/cybsec_mlp_dac2026/report/estimate_network_performance.json" \
  > $T/broken/report/estimate_network_performance.json
set +e
$BIN import $T/broken --name broken > $T/b.out 2> $T/b.err
rc=$?
set -e
[ $rc -eq 1 ] || fail "broken import rc=$rc"
grep -q "estimate_network_performance.json:4: expected valid JSON" $T/b.err || fail "error text: $(cat $T/b.err)"
$BIN metrics show broken --json --layers > $T/bs.json
[ "$(jget $T/bs.json "['layers']['MVAU_hls_1']['perf.cycles']['value']")" = 64 ] || fail "kept metrics"
[ "$(jget $T/bs.json "['metrics']['build.parse_errors']['value']")" = 1 ] || fail "parse_errors"
[ "$(jget $T/bs.json "['errors'][0]['line']")" = 4 ] || fail "stored error"

# quality: hardware vs reference outputs on FINN's verification inputs
if /usr/bin/python3 -c "import numpy" 2>/dev/null; then
  mkdir -p $T/q
  /usr/bin/python3 "$BS_SOURCE_DIR/tests/tools/metrics_outputs.py" \
    "$D/finn_build/tfc_w1a1_finn_testdata/expected_output.npy" $T/q
  L=$D/finn_build/tfc_w1a1_finn_testdata/expected_output.npy
  $BIN metrics quality facile --ref $T/q/ref_scores.npy --hw $T/q/hw_scores.npy --labels $L --json > $T/q.json
  [ "$(jget $T/q.json "['top1_agreement']")" = 0.75 ] || fail "agreement $(cat $T/q.json)"
  [ "$(jget $T/q.json "['accuracy']")" = 0.75 ] || fail "accuracy"
  [ "$(jget $T/q.json "['samples']")" = 4 ] || fail "samples"
  $PY -c "import json; d=json.load(open('$T/q.json')); assert abs(d['max_abs_err'] - 1.5) < 1e-6, d"
  $BIN metrics quality facile --ref $T/q/ref_idx.npy --hw $T/q/hw_idx.npy --json > $T/q2.json
  [ "$(jget $T/q2.json "['top1_agreement']")" = 0.75 ] || fail "index agreement"
  $BIN metrics show facile --json > $T/show2.json
  [ "$(jget $T/show2.json "['metrics']['quality.top1_agreement']['value']")" = 0.75 ] || fail "stored quality"
  [ "$(jget $T/show2.json "['metrics']['resources.lut']['value']")" = 6342 ] || fail "other metrics kept"
  set +e
  $BIN metrics quality facile --ref $T/q/ref_scores.npy --hw $T/q/hw_idx.npy 2>$T/e; [ $? -eq 1 ] || fail "shape mismatch"
  set -e
  grep -q "expected the same shape" $T/e || fail "shape message"
fi

# scaling: TFC-w2a2 at two foldings (target_fps 1e5, and the finn-examples
# folding, whose config file sits in finn_examples_bnn_pynq)
$BIN import "$D/finn_oracle/tfc_w2a2_fps" --name tfc_fps >/dev/null 2>&1
mkdir -p $T/tfc_fold/report
cp "$D/finn_oracle/tfc_w2a2_fold/report/"*.json $T/tfc_fold/report/
cp "$D/finn_build/finn_examples_bnn_pynq/folding_config/tfc-w2a2_folding_config.json" $T/tfc_fold/folding_config.json
$BIN import $T/tfc_fold --name tfc_fold >/dev/null 2>&1
$BIN metrics scale tfc_fps tfc_fold --metric est.lut --at 100 --json > $T/sc.json
$BIN metrics show tfc_fps --json > $T/a.json
$BIN metrics show tfc_fold --json > $T/b.json
$PY - $T/a.json $T/b.json $T/sc.json <<'EOF2'
import json, sys
a, b, f = (json.load(open(p)) for p in sys.argv[1:4])
x = [d["metrics"]["fold.parallelism"]["value"] for d in (a, b)]
y = [d["metrics"]["est.lut"]["value"] for d in (a, b)]
assert x[0] != x[1], x
slope = (y[1] - y[0]) / (x[1] - x[0])
want = y[0] + slope * (100 - x[0])
assert abs(f["predicted"] - want) < 1e-6 * max(1, abs(want)), (f, want)
assert f["builds"] == 2 and abs(f["r2"] - 1) < 1e-9 and "loo_max_rel_err" not in f
EOF2
has "predicted est.lut" $BIN metrics scale tfc_fps tfc_fold --metric est.lut --at 100 || fail "scale text"

# parse without storing; usage errors
has "power.total_w *1.636" $BIN metrics parse "$D/reports/vivado_2018.3_xc7z020_power_routed.rpt" || fail parse
has vivado_timing $BIN metrics parse --help || fail "parse help"
set +e
$BIN metrics show; [ $? -eq 2 ] || fail "show without BUILD"
$BIN metrics compare facile; [ $? -eq 2 ] || fail "compare one build"
$BIN metrics list --bogus; [ $? -eq 2 ] || fail "bad option"
$BIN import; [ $? -eq 2 ] || fail "import without DIR"
$BIN import $T/nope 2>$T/e; [ $? -eq 1 ] || fail "import missing dir"
$BIN metrics show nosuchbuild 2>/dev/null; [ $? -eq 1 ] || fail "unknown build"
mkdir -p $T/empty
$BIN import $T/empty 2>$T/e; [ $? -eq 1 ] || fail "empty dir"
grep -q "no reports found" $T/e || fail "empty dir message"
set -e
for c in "metrics list" "metrics show" "metrics compare" "metrics parse" import; do
  has usage $BIN $c --help || fail "$c --help"
done
# docs/metrics.md carries the generated table: it must not drift from the registry
$BIN metrics list --markdown > $T/table.md
sed -n '/^| id | unit | better | group | description |$/,$p' "$BS_SOURCE_DIR/docs/metrics.md" > $T/doc_table.md
diff -u $T/doc_table.md $T/table.md || fail "docs/metrics.md table is stale: regenerate with 'brainsmith metrics list --markdown'"
echo ok
