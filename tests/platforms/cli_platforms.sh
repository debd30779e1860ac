#!/usr/bin/env bash
# cli_platforms.sh - drives `brainsmith platforms` end to end: listing (text
# and JSON), show by alias and part, a user platforms.json in the workspace,
# and the errors for an unknown platform and a broken file.
set -euo pipefail
bin=${BS_BIN:?}
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
tmpo="$home/out.txt"  # outputs go to a file: `cmd | grep -q` would SIGPIPE cmd under pipefail
out=$("$bin" --home "$home" platforms)
grep -q '^Pynq-Z1 .*xc7z020clg400-1' <<<"$out"
grep -q '^iCE40-UP5K' <<<"$out"
"$bin" --home "$home" platforms --json > "$home/all.json"
grep -q '"name": "U250"' "$home/all.json"
"$bin" --home "$home" platforms show u250 --json > "$tmpo"
[ "$(grep -c '"LUT": 375000' "$tmpo")" = 4 ]          # four SLRs of FINN's U250
grep -q '"LUT": 1500000' "$tmpo"                       # and the total
"$bin" --home "$home" platforms show zcu104 > "$tmpo"
grep -q 'xczu7ev-ffvc1156-2-e' "$tmpo"
"$bin" --home "$home" platforms show xcu50-fsvh2104-2L-e --json > "$tmpo"
grep -q '"name": "U50"' "$tmpo"
if "$bin" --home "$home" platforms show nosuchboard 2>"$home/err"; then exit 1; fi
grep -q "unknown platform or part 'nosuchboard'" "$home/err"
cat > "$home/platforms.json" <<'J'
{"platforms": [{"name": "Arty-A7", "part": "xc7a100tcsg324-1", "family": "artix7", "aliases": ["arty"],
  "clk_ns": 10.0, "slr": [{"LUT": 63400, "FF": 126800, "BRAM_18K": 270, "URAM": 0, "DSP": 240}]}]}
J
"$bin" --home "$home" platforms > "$tmpo"
grep -q '^Arty-A7 .* user' "$tmpo"
"$bin" --home "$home" platforms show ARTY --json > "$tmpo"
grep -q '"LUT": 63400' "$tmpo"
echo '{"platforms": [{"name": "broken"}]}' > "$home/platforms.json"
if "$bin" --home "$home" platforms 2>"$home/err"; then exit 1; fi
grep -q 'platforms.json' "$home/err"
"$bin" platforms --help > "$tmpo"
grep -q 'usage: brainsmith platforms' "$tmpo"
if "$bin" --home "$home" platforms --bogus 2>/dev/null; then exit 1; fi
echo ok
