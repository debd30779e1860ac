#!/usr/bin/env bash
# orch_crash.sh - repeated kill -9 of the scheduler during a run of 200
# tasks, restarted each time, then run to the end.  Every task must end
# succeeded and have executed exactly as often as its attempts say:
#   - 170 plain tasks: 1 attempt each (a task running when the scheduler is
#     killed keeps running under its supervisor and is re-adopted; its
#     exit status is read from the supervisor's record);
#   - 20 "flaky" tasks fail their first attempt on purpose (retries 1):
#     2 attempts, 2 executions;
#   - 10 tasks depend on a flaky one (--after) and run once after it.
# Each execution appends "<task id> <attempt>" to a journal, so a duplicate
# execution (the same attempt twice, or an attempt the database does not
# know) is caught.
set -euo pipefail
BIN=${BS_BIN:?BS_BIN not set}
T=$(mktemp -d "${TMPDIR:-/tmp}/bs-orch-crash-XXXXXX")
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$T"' EXIT
export BRAINSMITH_HOME=$T/home
J=$T/journal
fail() { echo "FAIL: $*" >&2; exit 1; }

plain='echo "$BRAINSMITH_TASK_ID $BRAINSMITH_ATTEMPT" >> "$J"; sleep 0.03'
flaky='echo "$BRAINSMITH_TASK_ID $BRAINSMITH_ATTEMPT" >> "$J"; sleep 0.03; [ "$BRAINSMITH_ATTEMPT" -ge 2 ]'
flakies=()
for i in $(seq 1 170); do
  "$BIN" submit --env J="$J" -- sh -c "$plain" >/dev/null
  if [ $((i % 17)) = 0 ] || [ $((i % 17)) = 8 ]; then
    flakies+=("$("$BIN" submit --env J="$J" --retries 1 --backoff 0.05 -- sh -c "$flaky")")
  fi
done
[ ${#flakies[@]} = 20 ] || fail "setup: ${#flakies[@]} flaky tasks"
for i in $(seq 0 9); do
  "$BIN" submit --env J="$J" --after "${flakies[$i]}" -- sh -c "$plain" >/dev/null
done

kills=0
for round in $(seq 1 60); do
  "$BIN" -v run --cpus 2 > "$T/run-$round.log" 2>&1 &
  pid=$!
  sleep "0.$((RANDOM % 4 + 2))"
  kill -9 $pid 2>/dev/null && kills=$((kills + 1))
  wait $pid 2>/dev/null || true
  open=$("$BIN" status --json --limit 1 | /usr/bin/python3 -c '
import json,sys; c=json.load(sys.stdin)["counts"]
print(sum(v for k,v in c.items() if k not in ("succeeded","failed","cancelled","dependency-failed")))')
  [ "$open" = 0 ] && break
done
"$BIN" -q run --cpus 2 --until-idle
adopted=$(cat "$T"/run-*.log | grep -c "re-adopted" || true)
echo "scheduler killed $kills times; $adopted running attempts re-adopted by the next scheduler"
[ $kills -ge 3 ] || fail "only $kills kills happened; the run was too short to test anything"

"$BIN" status --json --limit 0 > "$T/st.json"
/usr/bin/python3 - "$T/st.json" "$J" "${flakies[*]}" <<'EOF'
import json, sys, collections
st = json.load(open(sys.argv[1]))
flaky = set(int(x) for x in sys.argv[3].split())
tasks = {t["id"]: t for t in st["tasks"]}
assert len(tasks) == 200, len(tasks)
bad = [t["id"] for t in tasks.values() if t["state"] != "succeeded"]
assert not bad, "not succeeded: %s" % bad
runs = collections.Counter(tuple(map(int, l.split())) for l in open(sys.argv[2]) if l.strip())
dups = {k: v for k, v in runs.items() if v > 1}
assert not dups, "executed twice: %s" % dups
for tid, t in tasks.items():
    want = 2 if tid in flaky else 1
    assert t["attempts"] == want, (tid, t["attempts"], want)
    got = sorted(a for (i, a) in runs if i == tid)
    assert got == list(range(1, want + 1)), (tid, got)
print("200 tasks succeeded; %d executions = 180 x 1 + 20 flaky x 2; no duplicate" % sum(runs.values()))
EOF
echo "orch_crash: ok"
