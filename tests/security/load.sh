#!/usr/bin/env bash
# tests/security/load.sh: load without failures (issue 7). ab sends 20 000
# requests at concurrency 256 for a 1 KiB file to sockwebd -q -c 512:
# 0 failed requests and 0 non-2xx answers; afterwards the parent's fd
# count is back to its starting value, its children are gone within 5 s,
# and no zombie is left. Bounded: ab -s 30 under timeout 300.
. "$top_srcdir/tests/lib.sh"

command -v ab >/dev/null 2>&1 || skip_all "ab not installed (Debian package apache2-utils)"
command -v curl >/dev/null 2>&1 || skip_all "curl not installed"

REQUESTS=20000
CONCURRENCY=256

make_test_root
head -c 1024 /dev/urandom >"$TEST_DIR/www/1k.bin"

start_sockwebd -q -c 512 || bail_out "sockwebd did not start"

code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$BASE/1k.bin" || true)
is "$code" 200 "the 1 KiB file is served"
settle 5
fd_start=$(fds)
diag "parent at start: $fd_start fds, $(children) children"

AB_OUT="$TEST_DIR/ab.out"
t0=$(date +%s)
timeout 300 ab -q -n "$REQUESTS" -c "$CONCURRENCY" -s 30 -r \
	"$BASE/1k.bin" >"$AB_OUT" 2>&1
ab_status=$?
t1=$(date +%s)
sed 's/^/# ab: /' "$AB_OUT" | grep -E 'Complete|Failed|Non-2xx|Time taken|Requests per|Connect:|Receive|Length|Exceptions|Write errors|Total:|apr_|100%'
is "$ab_status" 0 "ab ran to the end within 300 s ($((t1 - t0)) s)"

complete=$(sed -n 's/^Complete requests: *\([0-9]*\).*/\1/p' "$AB_OUT")
failed=$(sed -n 's/^Failed requests: *\([0-9]*\).*/\1/p' "$AB_OUT")
non2xx=$(sed -n 's/^Non-2xx responses: *\([0-9]*\).*/\1/p' "$AB_OUT")
is "$complete" "$REQUESTS" "$REQUESTS requests completed"
is "$failed" 0 "0 failed requests"
is "${non2xx:-0}" 0 "0 non-2xx responses"
like "$(sed -n 's/^Document Length: *//p' "$AB_OUT")" '^1024 bytes' "every response carried the 1 KiB body"

settle 5
ok $? "children back to 0 within 5 s ($(children) now)"
is "$(zombies)" 0 "no zombies"
is "$(fds)" "$fd_start" "the parent's fd count is back to $fd_start"

code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$BASE/1k.bin" || true)
is "$code" 200 "after the load a normal request gets 200"
kill -0 "$SERVER_PID" 2>/dev/null
ok $? "sockwebd is still running"
stop_sockwebd
is "$SERVER_STATUS" 0 "SIGTERM: sockwebd exits 0"

done_testing
