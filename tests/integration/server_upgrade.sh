#!/usr/bin/env bash
# Binary upgrade on SIGUSR2 (nginx's): under load from `ab -c 16`, the
# parent is sent SIGUSR2; the binary at the path it was started from
# starts anew with the same arguments and inherits the listening sockets
# (LISTEN_FDS): 0 failed requests, a new pid in the pidfile, the old
# parent gone. If the new copy cannot start, the old one keeps serving.
# Both serving modes: fork per connection and --prefork.
. "$top_srcdir/tests/lib.sh"

command -v ab >/dev/null 2>&1 || skip_all "ab not installed (Debian package apache2-utils)"
make_test_root

# The "installed" binary: a copy the test may replace.
BIN="$TEST_DIR/bin/sockwebd"
mkdir -p "$TEST_DIR/bin"
cp "$SOCKWEBD" "$BIN"

# wait_pidfile FILE OLD SECONDS: until FILE names a pid other than OLD.
wait_pidfile() {
	local tries=$(($3 * 20)) p
	while [ "$tries" -gt 0 ]; do
		p=$(cat "$1" 2>/dev/null || true)
		[ -n "$p" ] && [ "$p" != "$2" ] && return 0
		sleep 0.05
		tries=$((tries - 1))
	done
	return 1
}


# upgrade_under_load MODE ARGS...
upgrade_under_load() {
	local mode=$1 pidfile="$TEST_DIR/$1.pid" old new ab_out
	shift
	SOCKWEBD=$BIN start_sockwebd --pidfile "$pidfile" -q "$@" ||
		bail_out "$mode: sockwebd did not start"
	old=$SERVER_PID
	ab -q -c 16 -t 4 -n 1000000 -r "$BASE/hello.txt" >"$TEST_DIR/$mode.ab" 2>&1 &
	local ab_pid=$!
	track_pid "$ab_pid"
	sleep 1.5
	kill -USR2 "$old"
	wait_pidfile "$pidfile" "$old" 10
	ok $? "$mode: SIGUSR2: a new pid in the pidfile"
	new=$(cat "$pidfile")
	track_pid "$new"
	wait "$ab_pid"
	ab_out=$(cat "$TEST_DIR/$mode.ab")
	like "$ab_out" 'Failed requests: +0$' "$mode: ab -c 16 across the upgrade: 0 failed requests"
	unlike "$ab_out" 'Non-2xx responses' "$mode: every response was 200"
	like "$ab_out" 'Complete requests: +[1-9][0-9]{2,}' \
		"$mode: requests were served throughout ($(sed -n 's/^Complete requests: *//p' "$TEST_DIR/$mode.ab"))"
	wait "$old"
	is "$?" 0 "$mode: the old parent finished its connections and exited 0"
	is "$(curl -s -m 5 "$BASE/hello.txt")" "hello, sockweb" "$mode: the new copy serves the same port"
	like "$(cat "$SERVER_ERR")" "binary upgrade: serving; the old server \\(pid $old\\)" \
		"$mode: the new copy says it took over from $old"
	like "$(tr '\0' ' ' <"/proc/$new/cmdline")" "^$BIN -p 0 -l 127\\.0\\.0\\.1 .*--pidfile $pidfile -q" \
		"$mode: the new copy runs the installed binary with the same arguments"
	kill -TERM "$new"
	poll 10 gone "$new"
	ok $? "$mode: the new copy stops on SIGTERM"
	ok "$([ ! -e "$pidfile" ]; echo $?)" "$mode: and removes its pidfile"
}

upgrade_under_load fork
upgrade_under_load prefork --prefork 2

# --- the installed binary is what runs: replaced, it is the new one ---------
pidfile="$TEST_DIR/replaced.pid"
SOCKWEBD=$BIN start_sockwebd --pidfile "$pidfile" -q || bail_out "sockwebd did not start"
old=$SERVER_PID
rm -f "$BIN"
# exec -a keeps argv[0] the installed path, as a real binary would have it.
printf '#!/bin/bash\ntouch "%s"\nexec -a "$0" "%s" "$@"\n' "$TEST_DIR/new-version-ran" \
	"$SOCKWEBD" >"$BIN"
chmod 755 "$BIN"
kill -USR2 "$old"
wait_pidfile "$pidfile" "$old" 10
ok $? "a replaced binary: the upgrade starts"
track_pid "$(cat "$pidfile")"
ok "$([ -e "$TEST_DIR/new-version-ran" ]; echo $?)" "the file now at the path is what was started"
wait "$old"
new=$(cat "$pidfile")
is "$(curl -s -m 5 "$BASE/hello.txt")" "hello, sockweb" "the new version serves"

# --- a new copy that cannot start: the old one keeps serving ----------------
printf '#!/bin/sh\necho "new version: broken" >&2\nexit 1\n' >"$BIN"
kill -USR2 "$new"
sleep 1
ok "$(kill -0 "$new" 2>/dev/null; echo $?)" "a failing new copy: the old server is still running"
is "$(cat "$pidfile")" "$new" "the pidfile still names it"
is "$(curl -s -m 5 "$BASE/hello.txt")" "hello, sockweb" "and it still serves"
like "$(cat "$SERVER_ERR")" "new version: broken" "the new copy's error is on stderr"
rm -f "$BIN"
kill -USR2 "$new"
sleep 0.5
is "$(curl -s -m 5 "$BASE/hello.txt")" "hello, sockweb" "binary removed: SIGUSR2 changes nothing, it serves"
kill -TERM "$new"
poll 10 gone "$new"
ok $? "it stops on SIGTERM"

done_testing
