#!/usr/bin/env bash
# Runs every benchmark script bench/<module>/run.sh against a build dir.
# Benchmarks are not tests: they print numbers (see each module's README/doc).
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
for s in "$here"/*/run.sh; do
  [ -x "$s" ] || continue
  echo "== $(basename "$(dirname "$s")")"
  "$s" "$build"
done
