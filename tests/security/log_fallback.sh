#!/usr/bin/env bash
# tests/security/log_fallback.sh: what the access log does when it cannot
# be written or reopened (server/log.c), in both serving modes. The server
# always keeps serving, and says why once; no line is ever half written.
#  - SIGHUP, but the log's directory is now a file (ENOTDIR): every
#    process (fork-mode parent; prefork master and each worker) warns
#    "access log PATH: Not a directory" and keeps logging, whole lines, to
#    the file it had (log_access_reopen keeps the old descriptor); a later
#    SIGHUP, once the directory is back, starts the new file.
#  - -L /dev/full: every write fails (ENOSPC); one warning for the whole
#    server in a minute (the shared page), never one per request.
#  - -L FIFO whose reader went away: EPIPE (SIGPIPE is ignored): served,
#    one warning.
#  - a line a pipe took only in part before its reader left (it cannot be
#    taken back as on a file): the next line begins with a newline, so it
#    is whole and the cut one is ended.
#  - -L in a directory that does not exist: exit 1 at start, the path and
#    the reason named, never listening.
# The full-disk case (a short write) is tests/security/log_full.sh.
. "$top_srcdir/tests/lib.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl not installed"
make_test_root
LINE_RE='^127\.0\.0\.1:[0-9]+ - - \[[^]]+\] "GET /hello\.txt HTTP/1\.1" 200 15 "-" "ua-[a-z]+-[0-9]+"$'

# get NAME N: GET /hello.txt with User-Agent ua-NAME-N; prints the status.
get() {
	curl -s -o /dev/null -m 5 -w '%{http_code}' -A "ua-$1-$2" "$BASE/hello.txt" || true
}

# log_fds_on FILE: every server process has FILE open (its access log).
log_fds_on() {
	local p f found
	for p in $(server_procs); do
		found=1
		for f in /proc/"$p"/fd/*; do
			[ "$(readlink "$f" 2>/dev/null)" = "$1" ] && found=0
		done
		[ "$found" = 0 ] || return 1
	done
}

# gets NAME FROM TO: requests FROM..TO; how many were not 200.
gets() {
	local i bad=0
	for i in $(seq "$2" "$3"); do
		[ "$(get "$1" "$i")" = 200 ] || bad=$((bad + 1))
	done
	echo "$bad"
}

count() { grep -c -- "$1" "$2" 2>/dev/null || true; }

# --- SIGHUP when the log cannot be reopened ------------------------------------------------

reopen_fails() {
	local mode=$1 procs=$2 D="$TEST_DIR/logs-$1"
	shift 2
	mkdir -p "$D"
	start_sockwebd -L "$D/access.log" "$@" || bail_out "sockwebd $* did not start"
	poll 5 test "$(server_procs | wc -w)" -eq "$procs"
	is "$(gets "$mode" 1 2)" 0 "$mode: served"
	poll 5 test "$(count 'ua-' "$D/access.log")" -eq 2
	mv "$D" "$D.old"
	printf 'not a directory\n' >"$D"
	kill -HUP "$SERVER_PID"
	poll 5 test "$(count 'Not a directory' "$SERVER_ERR")" -ge "$procs"
	is "$(grep -c "access log $D/access.log: Not a directory" "$SERVER_ERR")" "$procs" \
		"$mode: SIGHUP, the log's directory now a file: each of the $procs server processes says why"
	ok "$(log_fds_on "$D.old/access.log"; echo $?)" "$mode: ... and each keeps the log it had"
	is "$(gets "$mode" 3 6)" 0 "$mode: the server keeps serving"
	poll 5 test "$(count 'ua-' "$D.old/access.log")" -eq 6
	is "$(count 'ua-' "$D.old/access.log")" 6 "$mode: the requests after the failed reopen are logged in the old file"
	is "$(grep -Evc "$LINE_RE" "$D.old/access.log")" 0 "$mode: every line whole"
	rm "$D"
	mkdir "$D"
	kill -HUP "$SERVER_PID"
	poll 5 log_fds_on "$D/access.log"
	ok $? "$mode: SIGHUP once the directory is back: every process opens the new file"
	is "$(gets "$mode" 7 8)" 0 "$mode: served"
	poll 5 test "$(count 'ua-' "$D/access.log")" -eq 2
	is "$(grep -Eo 'ua-[a-z]+-[0-9]+' "$D/access.log" | tr '\n' ' ')" "ua-$mode-7 ua-$mode-8 " \
		"$mode: the next requests are in the new file"
	is "$(count 'ua-' "$D.old/access.log")" 6 "$mode: and no more in the old one"
	stop_sockwebd
	is "$SERVER_STATUS" 0 "$mode: SIGTERM: exit 0"
}

reopen_fails fork 1
reopen_fails prefork 3 --prefork 2

# --- a log that cannot be written ----------------------------------------------------------

unwritable() {
	local mode=$1 what=$2 reason=$3
	shift 3
	is "$(gets "$mode" 1 6)" 0 "$mode, $what: 6 requests served"
	sleep 0.3	# a prefork worker logs after it has answered
	is "$(grep -c "write access log: $reason" "$SERVER_ERR")" 1 \
		"$mode, $what: one warning ($reason), not one per request"
	stop_sockwebd
	is "$SERVER_STATUS" 0 "$mode, $what: SIGTERM: exit 0"
}

for mode in fork prefork; do
	args=()
	[ "$mode" = prefork ] && args=(--prefork 2)
	start_sockwebd -L /dev/full "${args[@]}" || bail_out "sockwebd -L /dev/full did not start"
	unwritable "$mode" /dev/full 'No space left on device'

	FIFO="$TEST_DIR/log-$mode.fifo"
	mkfifo "$FIFO"
	exec 7<>"$FIFO"		# a reader, so that sockwebd's open does not block
	# (the server must not inherit the test's reading end)
	start_sockwebd -L "$FIFO" "${args[@]}" 7<&- || bail_out "sockwebd -L FIFO did not start"
	is "$(get "$mode" 0)" 200 "$mode, FIFO: served"
	line=
	read -r -t "$(scaled 5)" -u 7 line
	like "$line" '"ua-[a-z]+-0"$' "$mode, FIFO: the line comes through the pipe"
	exec 7<&-		# the reader goes away
	unwritable "$mode" 'FIFO without a reader' 'Broken pipe'
done

# --- a line cut short on a pipe ------------------------------------------------------------

# A line the pipe took only in part before its reader left cannot be
# taken back (a pipe has no end to truncate): the next line, whichever
# process writes it, begins with a newline, so the cut line is ended and
# the next one is whole. The first reader shrinks the pipe to one page,
# reads 4096 bytes of a 12 KB line and leaves; a second reader gets the
# next line.
reader() {	# reader FIFO OUT READY BYTES|-: read BYTES, or 2 lines, then close
	python3 - "$@" <<'PY'
import fcntl, os, select, sys, time
fifo, out, ready, want = sys.argv[1:5]
fd = os.open(fifo, os.O_RDONLY)
if want != "-":
    fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 4096)
open(ready, "w").close()
data = b""
deadline = time.time() + 10
while time.time() < deadline:
    if want != "-" and len(data) >= int(want):
        break
    if want == "-" and data.count(b"\n") >= 2:
        break
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        chunk = os.read(fd, int(want) - len(data) if want != "-" else 65536)
        if not chunk:
            break
        data += chunk
os.close(fd)
open(out, "wb").write(data)
PY
}

cut_on_pipe() {
	local mode=$1 F="$TEST_DIR/cut-$1.fifo" big stream
	shift
	mkfifo "$F"
	big=$(head -c 12000 /dev/zero | tr '\0' x)
	reader "$F" "$F.1" "$F.ready1" 4096 &
	local r1=$!
	track_pid "$r1"
	start_sockwebd -L "$F" "$@" || bail_out "sockwebd -L FIFO did not start"
	poll 5 test -e "$F.ready1"
	is "$(get "$mode" "1-$big")" 200 "$mode, pipe: a request with a 12 KB log line is served"
	wait "$r1"
	wait_for_line "$SERVER_ERR" 'write access log: Broken pipe' 5
	ok $? "$mode, pipe: the reader left in mid-line: the server warns"
	reader "$F" "$F.2" "$F.ready2" - &
	local r2=$!
	track_pid "$r2"
	poll 5 test -e "$F.ready2"
	is "$(get "$mode" 2)" 200 "$mode, pipe: the next request is served"
	wait "$r2"
	is "$(wc -c <"$F.1" | tr -d ' ')" 4096 "$mode, pipe: the first reader got 4096 bytes of the line"
	stream=$(cat "$F.1" "$F.2")
	is "$(grep -c '' <<<"$stream")" 2 "$mode, pipe: two lines in what both readers got"
	like "$(sed -n 1p <<<"$stream")" '"ua-[a-z]+-1-x+$' "$mode, pipe: the first, cut, ends where the pipe took no more"
	like "$(sed -n 2p <<<"$stream")" "$LINE_RE" "$mode, pipe: the next line starts on a line of its own, whole"
	like "$(sed -n 2p <<<"$stream")" '"ua-[a-z]+-2"$' "$mode, pipe: ... and it is request 2's"
	stop_sockwebd
	is "$SERVER_STATUS" 0 "$mode, pipe: SIGTERM: exit 0"
}

cut_on_pipe fork
cut_on_pipe prefork --prefork 1

# --- a log that cannot be opened at start --------------------------------------------------

"$SOCKWEBD" -p 0 -l 127.0.0.1 -r "$TEST_DIR/www" -L "$TEST_DIR/missing/access.log" \
	>"$TEST_DIR/nolog.out" 2>"$TEST_DIR/nolog.err" &
pid=$!
track_pid "$pid"
poll 5 gone "$pid"
stop_pid "$pid"
is "$STOP_STATUS" 1 "-L in a missing directory: exit 1"
is "$(cat "$TEST_DIR/nolog.err")" \
	"sockwebd: access log $TEST_DIR/missing/access.log: No such file or directory" \
	"-L in a missing directory: the path and the reason"

done_testing
