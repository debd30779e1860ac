#!/usr/bin/env bash
# scripts/demo.sh BUILD_DIR - `make demo`: a small example build run
# through the orchestrator with a real workspace under BUILD_DIR/demo-home.
#
# The tasks are shell commands standing in for the steps of a FINN-style
# build (the workflow-engine issue replaces them with the real model
# build): a chain of transformation steps, then three steps that can run in
# parallel (one of them fails once and is retried), then stitching and a
# report.  Prints the events as the scheduler runs, a summary table and
# where the logs are.
set -euo pipefail
build=${1:-build}
bin="$build/brainsmith"
[ -x "$bin" ] || { echo "demo: $bin not found (build first)" >&2; exit 1; }
home="$(cd "$build" && pwd)/demo-home"
rm -rf "$home"
mkdir -p "$home/out"
export BRAINSMITH_HOME="$home"
out="$home/out"
step() {  # step NAME SECONDS [submit options..]: a task that logs and sleeps
  local name=$1 secs=$2; shift 2
  "$bin" submit --name "$name" --cwd "$out" "$@" -- sh -c \
    "echo \"[\$(date +%T)] $name: start (attempt \$BRAINSMITH_ATTEMPT)\"; sleep $secs; echo $name > $name.done; echo \"$name: done\""
}
tidy=$(step tidy-up 0.4 --priority high)
stream=$(step streamline 0.6 --after "$tidy")
hw=$(step convert-to-hw 0.5 --after "$stream")
fold=$(step set-folding 0.3 --after "$hw" --mem 256)
est=$(step estimate-reports 0.4 --after "$fold")
gen=$(step hw-codegen 1.0 --after "$fold" --cpus 2 --timeout 60)
# rtlsim fails its first attempt on purpose, to show a retry with backoff.
sim=$("$bin" submit --name rtlsim --cwd "$out" --after "$fold" --retries 2 --backoff 0.5 -- sh -c \
  'echo "rtlsim: attempt $BRAINSMITH_ATTEMPT"; sleep 0.5; if [ "$BRAINSMITH_ATTEMPT" = 1 ]; then echo "simulated tool crash" >&2; exit 3; fi; echo ok > rtlsim.done')
stitch=$(step stitch-ip 0.5 --after "$gen")
report=$(step build-report 0.2 --after "$est,$sim,$stitch")
echo "== submitted 9 tasks to $home; running the scheduler (2 cpus)"
"$bin" run --cpus 2 --until-idle
echo
echo "== summary"
"$bin" status
echo
"$bin" wait "$report" && echo "build-report succeeded"
echo
echo "== rtlsim (task $sim) attempts"
"$bin" status "$sim" | sed -n '/#  STATE/,$p'
echo
echo "logs:   $home/logs/<task>-<attempt>.out|.err   (e.g. brainsmith --home $home logs $sim)"
echo "events: brainsmith --home $home watch --plain --since 0"
