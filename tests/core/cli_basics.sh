#!/usr/bin/env bash
# cli_basics.sh - the CLI's global behaviour: help, exit codes, --home, init.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
B=${BS_BIN:?}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

"$B" help >"$T/h" || fail "help exit"
grep -q "^commands:" "$T/h" || fail "help lists commands"
"$B" --help >/dev/null || fail "--help"
"$B" version | grep -q '^brainsmith ' || fail version
"$B" >/dev/null 2>&1; [ $? -eq 2 ] || fail "no command should exit 2"
"$B" no-such-command 2>"$T/e"; [ $? -eq 2 ] || fail "unknown command exit 2"
grep -q "unknown command 'no-such-command'" "$T/e" || fail "unknown command message"
"$B" --home 2>/dev/null; [ $? -eq 2 ] || fail "--home without dir"
out=$("$B" --home "$T/ws" init) || fail "init"
[ "$out" = "$T/ws" ] || fail "init prints home ($out)"
[ -f "$T/ws/brainsmith.db" ] || fail "db created"
out=$("$B" init --home="$T/ws2") || fail "init with --home= after command"
[ -f "$T/ws2/brainsmith.db" ] || fail "db2 created"
BRAINSMITH_HOME="$T/ws3" "$B" init >/dev/null || fail "env home"
[ -f "$T/ws3/brainsmith.db" ] || fail "db3 created"
"$B" init --help | grep -q usage || fail "init --help"
"$B" init extra 2>/dev/null; [ $? -eq 2 ] || fail "init extra arg exit 2"
# a corrupt database is reported, not reset
head -c 5000 /dev/urandom > "$T/bad.db.tmp"; mkdir -p "$T/ws4"; mv "$T/bad.db.tmp" "$T/ws4/brainsmith.db"
sum1=$(sha256sum "$T/ws4/brainsmith.db")
"$B" --home "$T/ws4" init 2>"$T/e"; [ $? -eq 1 ] || fail "corrupt db exit 1"
grep -q "corrupt" "$T/e" || fail "corrupt message: $(cat "$T/e")"
[ "$(sha256sum "$T/ws4/brainsmith.db")" = "$sum1" ] || fail "corrupt db modified"
echo "cli_basics: ok"
