#!/usr/bin/env bash
# orch_cli.sh - the orchestrator CLI end to end on a real workspace:
# submit (deps, keys, retries, options), run --until-idle, status (text and
# --json), wait exit codes, logs, cancel of a running task from another
# process, retry, watch --plain, usage errors (exit 2), and a missing,
# lost or corrupt workspace database (clear error, nothing reset).
set -euo pipefail
BIN=${BS_BIN:?BS_BIN not set}
T=$(mktemp -d "${TMPDIR:-/tmp}/bs-orch-cli-XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$T"' EXIT
export BRAINSMITH_HOME=$T/home
fail() { echo "FAIL: $*" >&2; exit 1; }
json() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# --- usage errors are exit 2 and name the problem
set +e
"$BIN" submit --cpus zero -- true 2>"$T/err"; rc=$?
set -e
[ $rc = 2 ] || fail "bad --cpus: exit $rc"
grep -q -- "--cpus" "$T/err" || fail "bad --cpus message: $(cat "$T/err")"
set +e; "$BIN" submit --priority soon -- true 2>/dev/null; rc=$?; set -e
[ $rc = 2 ] || fail "bad priority: exit $rc"
set +e; "$BIN" submit --name x 2>/dev/null; rc=$?; set -e
[ $rc = 2 ] || fail "no command: exit $rc"
for c in submit run status watch wait cancel retry logs; do
  "$BIN" $c --help | grep -q "usage: brainsmith $c" || fail "$c --help"
done

# --- missing workspace: clear error, nothing created
set +e; "$BIN" status 2>"$T/err"; rc=$?; set -e
[ $rc = 1 ] || fail "status on a missing workspace: exit $rc"
grep -q "does not exist\|no workspace database" "$T/err" || fail "missing ws message: $(cat "$T/err")"
[ ! -e "$BRAINSMITH_HOME" ] || fail "status created the workspace"

# --- a small DAG with a failure, retries and a key
a=$("$BIN" submit --name a -- sh -c 'echo out-a; echo err-a >&2')
b=$("$BIN" submit --name b --after "$a" --env GREETING=hi -- sh -c 'echo "$GREETING from $BRAINSMITH_TASK_ID"')
f=$("$BIN" submit --name flaky --retries 2 --backoff 0.1 --jitter 0 -- sh -c 'exit 4')
d=$("$BIN" submit --name dep-of-flaky --after "$f" -- true)
k1=$("$BIN" submit --key same-key -- true)
k2=$("$BIN" submit --key same-key --json -- true | json 'd["id"], d["existed"]')
[ "$k2" = "$k1 True" ] || fail "idempotency: $k1 vs $k2"
"$BIN" -q run --cpus 2 --until-idle
"$BIN" status --json > "$T/st.json"
[ "$(json 'd["counts"]["succeeded"]' < "$T/st.json")" = 3 ] || fail "succeeded count: $(cat "$T/st.json")"
[ "$(json 'd["counts"]["failed"]' < "$T/st.json")" = 1 ] || fail "failed count"
[ "$(json 'd["counts"]["dependency-failed"]' < "$T/st.json")" = 1 ] || fail "dep-failed count"
"$BIN" status "$f" --json > "$T/f.json"
[ "$(json 'len(d["attempt_list"])' < "$T/f.json")" = 3 ] || fail "flaky attempts"
[ "$(json 'd["attempt_list"][2]["fail_class"]' < "$T/f.json")" = exit ] || fail "flaky class"
[ "$(json 'd["exit_code"]' < "$T/f.json")" = 4 ] || fail "flaky exit code"
"$BIN" status "$d" | grep -q "dependency-failed" || fail "status of dependent"
[ "$("$BIN" logs "$a" 2>/dev/null)" = out-a ] || fail "logs stdout"
[ "$("$BIN" logs "$a" 2>&1 >/dev/null)" = err-a ] || fail "logs stderr"
[ "$("$BIN" logs "$b")" = "hi from $b" ] || fail "env of task"
"$BIN" wait "$a" "$b" || fail "wait on succeeded tasks"
set +e; "$BIN" wait "$a" "$f" 2>"$T/err"; rc=$?; set -e
[ $rc = 1 ] || fail "wait on a failed task: exit $rc"
grep -q "flaky.*failed" "$T/err" || fail "wait message: $(cat "$T/err")"

# --- retry brings the dependent back
"$BIN" retry "$f" | grep -q "ready" || fail "retry output"
"$BIN" status "$d" --json | json 'd["state"]' | grep -q waiting || fail "dependent not revived"

# --- the plain watch stream replays history in order
"$BIN" watch --plain --since 0 --until-done > "$T/watch.txt" &
wpid=$!
"$BIN" -q run --cpus 2 --until-idle
wait $wpid || true
grep -q "#$a a  new -> ready" "$T/watch.txt" || fail "watch: submit line missing: $(head -3 "$T/watch.txt")"
grep -q "#$f flaky  running -> retry-wait (attempt 1) \[exit 4\]" "$T/watch.txt" || fail "watch: retry line"

# --- cancel a running task (from this process, the scheduler runs elsewhere)
s=$("$BIN" submit --name sleeper -- sh -c 'sleep 30 & sleep 30 & wait')
"$BIN" run --cpus 1 --grace 0.5 > "$T/run.log" 2>&1 &
rpid=$!
for i in $(seq 100); do
  "$BIN" status "$s" --json | json 'd["state"]' | grep -q running && break
  sleep 0.1
done
"$BIN" cancel "$s" | grep -q "$s cancel-requested" || fail "cancel output"
"$BIN" wait --timeout 10 "$s" 2>/dev/null && fail "wait should fail on a cancelled task"
"$BIN" status "$s" --json | json 'd["state"]' | grep -q cancelled || fail "not cancelled"
set +e; "$BIN" run --cpus 1 --until-idle 2>"$T/err"; rc=$?; set -e
[ $rc = 1 ] && grep -q "another scheduler" "$T/err" || fail "second scheduler was not refused: $rc $(cat "$T/err")"
kill -TERM $rpid; wait $rpid || true
grep -q "sleeper  running -> cancelled" "$T/run.log" || fail "run log: $(cat "$T/run.log")"

# --- corrupt database: clear error, file untouched
cp "$BRAINSMITH_HOME/brainsmith.db" "$T/db.bak"
"$BIN" -q run --until-idle
rm -f "$BRAINSMITH_HOME"/brainsmith.db-wal "$BRAINSMITH_HOME"/brainsmith.db-shm
head -c 8192 /dev/urandom > "$BRAINSMITH_HOME/brainsmith.db"
cp "$BRAINSMITH_HOME/brainsmith.db" "$T/junk"
for c in "status" "run --until-idle" "submit -- true"; do
  set +e; "$BIN" $c 2>"$T/err" >/dev/null; rc=$?; set -e
  [ $rc = 1 ] || fail "$c on a corrupt db: exit $rc"
  grep -q "corrupt" "$T/err" || fail "$c corrupt message: $(cat "$T/err")"
done
cmp -s "$BRAINSMITH_HOME/brainsmith.db" "$T/junk" || fail "corrupt db was modified"

# --- lost database (logs exist): submit refuses to start a fresh one
rm -f "$BRAINSMITH_HOME/brainsmith.db"
set +e; "$BIN" submit -- true 2>"$T/err"; rc=$?; set -e
[ $rc = 1 ] || fail "submit with a lost db: exit $rc"
grep -q "database is missing" "$T/err" || fail "lost db message: $(cat "$T/err")"
[ ! -e "$BRAINSMITH_HOME/brainsmith.db" ] || fail "a fresh db was created"
set +e; "$BIN" status 2>"$T/err"; rc=$?; set -e
[ $rc = 1 ] || fail "status with a lost db: exit $rc"
echo "orch_cli: ok"
