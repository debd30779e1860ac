#!/usr/bin/env bash
# cli_kernels.sh - drives `brainsmith kernels` end to end: the registry list,
# one kernel's attributes, a FINN estimate from JSON attributes (the TFC
# MVAU of finn-reference §7.1), the refusal of an illegal folding with the
# nearest legal values, a bad attribute value, and SetFolding's node step.
set -euo pipefail
bin=${BS_BIN:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tmpo="$tmp/out.txt"  # outputs go to a file: `cmd | grep -q` would SIGPIPE cmd under pipefail
"$bin" kernels > "$tmpo"
grep -q '^StreamingFCLayer_Batch' "$tmpo"
"$bin" kernels list --json > "$tmpo"
grep -q '"legacy_of": "MVAU_hls"' "$tmpo"
"$bin" kernels show Thresholding_rtl > "$tmpo"
grep -q 'depth_trigger_uram' "$tmpo"
a='{"PE":16,"SIMD":49,"MW":784,"MH":64,"inputDataType":"BINARY","weightDataType":"BINARY","outputDataType":"BINARY","binaryXnorMode":1,"ram_style":"block"}'
echo "$a" > "$tmp/a.json"
"$bin" kernels estimate MVAU_hls --attrs "@$tmp/a.json" --json > "$tmp/o.json"
grep -q '"cycles": 64' "$tmp/o.json"
grep -q '"LUT": 5650' "$tmp/o.json"
grep -q '"BRAM_18K": 22' "$tmp/o.json"
grep -q '"BRAM_efficiency": 0.12373737373737374' "$tmp/o.json"
"$bin" kernels estimate MVAU_rtl --attrs "$a" --part xcvc1902-vsva2197-2MP-e-S --json > "$tmpo"
grep -q '"DSP": 272' "$tmpo"
set +e
"$bin" kernels estimate MVAU_hls --attrs "${a/\"PE\":16/\"PE\":5}" 2>"$tmp/err"; rc=$?
set -e
[ "$rc" = 1 ]
grep -q 'PE=5 does not divide MH=64' "$tmp/err"
grep -q 'nearest legal PE: 4 or 8' "$tmp/err"
if "$bin" kernels estimate MVAU_hls --attrs "${a/block/bram}" 2>"$tmp/err"; then exit 1; fi
grep -q "ram_style" "$tmp/err"
if "$bin" kernels estimate NoSuchOp --attrs '{}' 2>"$tmp/err"; then exit 1; fi
grep -q "unknown kernel op type 'NoSuchOp'" "$tmp/err"
if "$bin" kernels estimate MVAU_hls --attrs '{"PE":' 2>/dev/null; then exit 1; fi
"$bin" kernels fold MVAU_hls --target-cycles 100 --mvau-wwidth-max 80 --json \
  --attrs '{"PE":1,"SIMD":1,"MW":600,"MH":64,"inputDataType":"BIPOLAR","weightDataType":"INT2","outputDataType":"UINT2"}' \
  > "$tmpo"
tr -d ' \n' < "$tmpo" | grep -q '"PE":16,"SIMD":40,"cycles":60'
echo ok
