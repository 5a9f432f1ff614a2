#!/usr/bin/env bash
# tests/security/client_abuse.sh: sockget against servers that misbehave
# (issue 7, Client), tests/helpers/badhttpd.py on loopback. Each case
# asserts the curl-compatible exit code, the message, and the time taken:
#   garbage (8), headers cut by the close (8), endless headers (8 within
#   -m 5, peak RSS under 32 MB), 10 GB declared and 10 bytes sent (18, the
#   10 bytes kept in the -o file), one byte a second with -m 3 (28 in 3-4 s,
#   the partial -o file kept), a redirect loop with -L (47). Then both kept
#   partial files are resumed with -C - from sockwebd, serving files that
#   begin with the same bytes, into byte-identical copies.
. "$top_srcdir/tests/lib.sh"

[ -x "$SOCKGET" ] || skip_all "sockget not built"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"

RSS_LIMIT_KB=$((32 * 1024))

BAD_ERR="$TEST_DIR/badhttpd.err"
python3 "$top_srcdir/tests/helpers/badhttpd.py" --port 0 2>"$BAD_ERR" &
track_pid $!
wait_for_line "$BAD_ERR" 'listening on ' 10 || bail_out "badhttpd did not start"
BP=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$BAD_ERR" | head -n 1)
B="http://127.0.0.1:$BP"

# measure.py SECONDS -- ARGV...: runs ARGV (stdout and stderr in
# $TEST_DIR/out and err), kills it after SECONDS whatever it does, prints
# "RC SECS MAXRSS_KB". The peak RSS from wait4 is an upper bound: Linux
# counts the spawner's pages at exec in it too (about 12 MB of Python).
MEASURE="$TEST_DIR/measure.py"
cat >"$MEASURE" <<'EOF'
import os, signal, sys, time
limit, argv = float(sys.argv[1]), sys.argv[3:]
d = os.environ["TEST_DIR"]
out = os.open(d + "/out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
err = os.open(d + "/err", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
t0 = time.monotonic()
pid = os.posix_spawn(argv[0], argv, os.environ,
                     file_actions=[(os.POSIX_SPAWN_DUP2, out, 1),
                                   (os.POSIX_SPAWN_DUP2, err, 2)])
while True:
    wpid, status, ru = os.wait4(pid, os.WNOHANG)
    if wpid == pid:
        break
    if time.monotonic() - t0 > limit:
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.01)
secs = time.monotonic() - t0
rc = os.waitstatus_to_exitcode(status)
print("%d %.2f %d" % (rc if rc >= 0 else 128 - rc, secs, ru.ru_maxrss))
EOF
export TEST_DIR

# run DESC CODE STDERR-REGEX MAX-SECONDS -- sockget args...: one case (an
# empty STDERR-REGEX: stderr stays empty); sets RC, SECS, RSS_KB. The hard
# kill comes 5 s after MAX-SECONDS.
run() {
	local desc=$1 code=$2 re=$3 max=$4
	shift 5
	read -r RC SECS RSS_KB < <(python3 "$MEASURE" $((max + 5)) -- \
		"$SOCKGET" -sS "$@")
	is "$RC" "$code" "$desc: exit $code"
	if [ -z "$re" ]; then
		is "$(cat "$TEST_DIR/err")" "" "$desc: no message"
	else
		like "$(cat "$TEST_DIR/err")" "$re" "$desc: message"
	fi
	ok "$(awk -v s="$SECS" -v m="$(scaled "$max")" 'BEGIN { exit !(s < m) }'; echo $?)" \
		"$desc: done in ${SECS}s (< $(scaled "$max")s)"
}

run "garbage" 8 '^sockget: \(8\) Weird server reply$' 5 -- -o /dev/null "$B/garbage"
run "headers cut by the close" 8 '^sockget: \(8\) Weird server reply$' 5 -- \
	-o /dev/null "$B/close-early"
is "$(wc -c <"$TEST_DIR/out" | tr -d ' ')" 0 "headers cut by the close: nothing on stdout"

run "endless headers" 8 '^sockget: \(8\) Weird server reply: response headers too large$' 6 -- \
	-m 5 -o /dev/null "$B/endless-headers"
ok "$([ "$RSS_KB" -gt 0 ] && [ "$RSS_KB" -lt "$RSS_LIMIT_KB" ]; echo $?)" \
	"endless headers: peak RSS ${RSS_KB} kB < ${RSS_LIMIT_KB} kB"

SHORT="$TEST_DIR/short.part"
run "10 GB declared, 10 bytes sent" 18 \
	'^sockget: \(18\) transfer closed with 9999999990 bytes remaining to read$' 5 -- \
	-o "$SHORT" "$B/short-body"
is "$(cat "$SHORT")" "0123456789" "10 GB declared: the 10 bytes are kept in the -o file"

DRIP="$TEST_DIR/drip.part"
run "one byte a second, -m 3" 28 \
	'^sockget: \(28\) Operation timed out after [0-9]+ milliseconds with [0-9]+ bytes received$' 5 -- \
	-m 3 -o "$DRIP" "$B/drip"
ok "$(awk -v s="$SECS" 'BEGIN { exit !(s >= 2.9) }'; echo $?)" \
	"one byte a second: not given up before -m 3 (${SECS}s)"
got=$(sed -n 's/.* with \([0-9]*\) bytes received$/\1/p' "$TEST_DIR/err")
size=$(wc -c <"$DRIP" | tr -d ' ')
ok "$([ "$size" -ge 1 ] && [ "$size" -lt 100 ]; echo $?)" \
	"one byte a second: the partial -o file is kept ($size of 100 bytes)"
is "$size" "$got" "one byte a second: stderr reports the bytes the file holds"

run "redirect loop with -L" 47 '^sockget: \(47\) Maximum \(50\) redirects followed$' 5 -- \
	-L -o /dev/null "$B/redirect-loop"

# -C -: sockwebd serves what the bad server would have sent in full.
mkdir -p "$TEST_DIR/www"
head -c 100 /dev/zero | tr '\0' d >"$TEST_DIR/www/drip.txt"
{ printf 0123456789; head -c 50000 /dev/urandom; } >"$TEST_DIR/www/short.bin"
start_sockwebd || bail_out "sockwebd did not start"
run "-C - resumes the timed-out file" 0 '' 5 -- -C - -o "$DRIP" "$BASE/drip.txt"
cmp -s "$DRIP" "$TEST_DIR/www/drip.txt"
ok $? "-C -: the timed-out download is now byte-identical"
run "-C - resumes the short file" 0 '' 5 -- -C - -o "$SHORT" "$BASE/short.bin"
cmp -s "$SHORT" "$TEST_DIR/www/short.bin"
ok $? "-C -: the 10-byte download is now byte-identical"
like "$(cat "$ACCESS_LOG")" ' 206 ' "-C -: sockwebd answered 206"

done_testing
