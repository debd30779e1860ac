#!/usr/bin/env bash
# orch_crash.sh - repeated kill -9 of the scheduler during a run of 200
# tasks, restarted each time, then run to the end.  Every task must end
# succeeded and each of its executions must be an attempt the database
# knows, never the same attempt twice:
#   - 154 short and 16 longer (0.5 s) plain tasks: executed once.  A task
#     running when the scheduler dies keeps running under its supervisor
#     and is re-adopted, or its exit is read from the supervisor's record
#     if it finished meanwhile;
#   - 20 "flaky" tasks fail their first execution on purpose (retries 1):
#     executed twice;
#   - 10 tasks depend on a flaky one (--after) and run once after it.
# Attempt counts: executions + attempts that were recorded but never
# started because the scheduler died between its transaction and the
# launch (class "lost", not charged; they must have no execution).
# Each execution appends "<task id> <attempt>" to a journal.
set -euo pipefail
BIN=${BS_BIN:?BS_BIN not set}
T=$(mktemp -d "${TMPDIR:-/tmp}/bs-orch-crash-XXXXXX")
trap 'kill -9 $(jobs -p) 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
export BRAINSMITH_HOME=$T/home
J=$T/journal
fail() { echo "FAIL: $*" >&2; exit 1; }

plain='echo "$BRAINSMITH_TASK_ID $BRAINSMITH_ATTEMPT" >> "$J"; sleep 0.03'
long='echo "$BRAINSMITH_TASK_ID $BRAINSMITH_ATTEMPT" >> "$J"; sleep 0.5'
flaky='echo "$BRAINSMITH_TASK_ID $BRAINSMITH_ATTEMPT" >> "$J"; sleep 0.03; [ "$BRAINSMITH_ATTEMPT" -ge 2 ]'
flakies=()
for i in $(seq 1 170); do
  cmd=$plain
  [ $((i % 10)) = 5 ] && [ $i -le 160 ] && cmd=$long
  "$BIN" submit --env J="$J" -- sh -c "$cmd" >/dev/null
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
logs=$(cat "$T"/run-*.log)
adopted=$(grep -c "re-adopted" <<<"$logs" || true)
finished=$(grep -c "finished while no scheduler ran" <<<"$logs" || true)
never=$(grep -c "never started" <<<"$logs" || true)
echo "scheduler killed $kills times; on restart: $adopted running attempts re-adopted," \
     "$finished found finished (exit read from the supervisor's record)," \
     "$never recorded but never started (new attempt)"
[ $kills -ge 3 ] || fail "only $kills kills happened; the run was too short to test anything"

"$BIN" status --json --limit 0 > "$T/st.json"
/usr/bin/python3 - "$T/st.json" "$J" "$BRAINSMITH_HOME/brainsmith.db" "${flakies[*]}" <<'EOF2'
import json, sys, collections, sqlite3
st = json.load(open(sys.argv[1]))
flaky = set(int(x) for x in sys.argv[4].split())
tasks = {t["id"]: t for t in st["tasks"]}
assert len(tasks) == 200, len(tasks)
bad = [t["id"] for t in tasks.values() if t["state"] != "succeeded"]
assert not bad, "not succeeded: %s" % bad
runs = collections.Counter(tuple(map(int, l.split())) for l in open(sys.argv[2]) if l.strip())
dups = {k: v for k, v in runs.items() if v > 1}
assert not dups, "executed twice: %s" % dups
db = sqlite3.connect(sys.argv[3])
att = {(t, n): c for t, n, c in db.execute("SELECT task_id, n, fail_class FROM attempts")}
assert sum(t["attempts"] for t in tasks.values()) == len(att)
# every execution is a recorded attempt that is not "lost"; every recorded
# attempt that is not "lost" was executed exactly once
executed = set(runs)
recorded = {k for k, c in att.items() if c != "lost"}
assert executed == recorded, ("mismatch", sorted(executed ^ recorded)[:10])
lost = [k for k, c in att.items() if c == "lost"]
failed_first = [k for k, c in att.items() if c == "exit"]
assert all(k[0] in flaky for k in failed_first), failed_first
print("200 tasks succeeded; %d executions, none twice; %d attempts in total = %d executions + %d lost "
      "(recorded, never started); %d flaky first executions failed on purpose"
      % (sum(runs.values()), len(att), len(executed), len(lost), len(failed_first)))
EOF2
echo "orch_crash: ok"
