#!/usr/bin/env bash
# cli_rtl.sh - `brainsmith rtl`: generator list, tool check (JSON), usage
# errors, and (when the tools are installed) the demo without P&R: it must
# be bit-exact, size its FIFOs and write FINN-format reports (Yosys and P&R
# are covered by rtl_e2e; here --no-synth keeps the test quick).
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
B=${BS_BIN:?}
PY=/usr/bin/python3
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

"$B" rtl --help | grep -q "kernels" || fail "rtl --help lists sub-commands"
"$B" rtl >/dev/null 2>&1; [ $? -eq 2 ] || fail "rtl without sub-command exits 2"
"$B" rtl kernels | grep -q "^MVAU " || fail "kernels lists MVAU"
"$B" rtl kernels --json | $PY -c 'import json,sys; k=json.load(sys.stdin); assert len(k) >= 8 and k[0]["op_type"] == "MVAU"' \
  || fail "kernels --json"
"$B" rtl tools --json > "$T/tools.json"; rc=$?
$PY -c 'import json,sys; t=json.load(open(sys.argv[1])); assert all("debian_package" in x for x in t)' "$T/tools.json" \
  || fail "tools --json"
"$B" rtl demo --frames x 2>"$T/e"; [ $? -eq 2 ] || fail "demo --frames x exits 2"
grep -q "frames" "$T/e" || fail "demo usage message names --frames"
"$B" rtl demo --bogus 2>/dev/null; [ $? -eq 2 ] || fail "unknown option exits 2"
[ $rc -eq 0 ] || { echo "SKIP: hardware tools missing"; exit 77; }
cache=()
[ -n "${BS_VL_CACHE:-}" ] && cache=(--cache "$BS_VL_CACHE")
"$B" rtl demo --out "$T/demo" --no-synth --frames 4 "${cache[@]}" > "$T/out" || fail "demo: $(cat "$T/out")"
grep -q "bit-exact" "$T/out" || fail "demo output"
grep -q "agrees with Verilator" "$T/out" || fail "cycle model agreement"
for f in report/rtlsim_performance.json report/rtlsim_layer_stalls.json final_hw_config.json; do
  $PY -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/demo/$f" || fail "$f is not JSON"
done
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["N"] == 4 and d["cycles"] > 0' \
  "$T/demo/report/rtlsim_performance.json" || fail "rtlsim_performance content"
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["MVAU_hls_0"]["input_starved_cycles"] >= 0' \
  "$T/demo/report/rtlsim_layer_stalls.json" || fail "rtlsim_layer_stalls content"
[ ! -e "$T/demo/report/post_synth_resources.json" ] || fail "--no-synth still synthesised"
exit 0
