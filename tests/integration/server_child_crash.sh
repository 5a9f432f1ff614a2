#!/usr/bin/env bash
# tests/integration/server_child_crash.sh: a fork-mode child that dies
# without its report (here: killed by strace at its first sendfile) costs
# only its own connection: the parent learns of it when it reaps the
# child, closes that connection (the client sees the end, not a hang) and
# goes on serving everyone else.
. "$top_srcdir/tests/lib.sh"

command -v strace >/dev/null 2>&1 || skip_all "strace not installed"
command -v curl >/dev/null 2>&1 || skip_all "curl not installed"

make_test_root
head -c 100000 /dev/zero >"$TEST_DIR/www/big.bin"	# > 16 KiB: sent by sendfile
err=$TEST_DIR/crash.err
# LeakSanitizer (a sanitizer build) needs ptrace at exit, which strace
# holds: without this the parent's exit status would be LSan's error.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
strace -f -q -o "$TEST_DIR/strace.out" -e trace=sendfile \
	-e inject=sendfile:signal=SIGKILL \
	"$SOCKWEBD" -p 0 -l 127.0.0.1 -r "$TEST_DIR/www" >"$TEST_DIR/access.log" 2>"$err" &
tracer=$!
track_pid "$tracer"
wait_for_line "$err" 'listening on ' 20 || bail_out "sockwebd under strace did not start"
SERVER_PID=$(pgrep -P "$tracer" -x sockwebd | head -n 1)
track_pid "$SERVER_PID"
PORT=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$err" | head -n 1)
BASE="http://127.0.0.1:$PORT"

t0=$(date +%s.%N)
curl -s --max-time "$(scaled 10)" -o /dev/null "$BASE/big.bin"
rc=$?
t1=$(date +%s.%N)
unlike "$rc" '^(0|28)$' "the killed child's client: the transfer fails ($rc), it does not complete"
ok "$(awk -v a="$t0" -v b="$t1" -v m="$(scaled 5)" 'BEGIN { print (b - a < m) ? 0 : 1 }')" \
	"... and it ends at once, not at a time-out"
grep -q 'killed by SIGKILL' "$TEST_DIR/strace.out"
ok $? "strace killed a child at its sendfile"
for i in 1 2 3; do
	code=$(curl -s --max-time "$(scaled 10)" -o /dev/null -w '%{http_code}' "$BASE/hello.txt")
	is "$code" 200 "after the crash, request $i (a small file, no sendfile): 200"
done
poll 5 at_most_children 0
ok $? "no child is left behind (reaped)"
kill -TERM "$SERVER_PID"
poll 10 gone "$tracer"	# strace ends with the process it traces
ok $? "SIGTERM: the parent stops (and strace with it)"
grep -Eq "^$SERVER_PID +\+\+\+ exited with 0 \+\+\+"  "$TEST_DIR/strace.out"
ok $? "... with exit status 0"
stop_pid "$tracer" TERM
done_testing
