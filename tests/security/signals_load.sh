#!/usr/bin/env bash
# tests/security/signals_load.sh: signals act within a bounded time under
# any load (issue 12), in fork mode and with --prefork 2:
#
#   SIGTERM under `ab -c 200`: the listening socket refuses connections
#     within 100 ms, the server exits 0 within its 5 s grace period, and
#     none of its processes is left;
#   SIGHUP under `ab -c 200`: after the access log is moved away, a new
#     file with new lines appears within 1 s, the old one is no longer
#     written, and the two together hold one whole line per request ab
#     completed;
#   SIGTERM with the descriptor limit reached (each process's limit set
#     with prlimit to what it has open + 2, then partial requests held
#     and more queued behind them): the server still refuses within
#     100 ms and exits within the grace period, and says so on stderr in
#     a few lines, not a flood.
#
# Wall-clock bounds are multiplied by TEST_TIME_FACTOR (default 1).
. "$top_srcdir/tests/lib.sh"

command -v ab >/dev/null 2>&1 || skip_all "ab not installed (Debian package apache2-utils)"
command -v curl >/dev/null 2>&1 || skip_all "curl not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
command -v prlimit >/dev/null 2>&1 || skip_all "prlimit not installed (util-linux)"

F=${TEST_TIME_FACTOR:-1}
SIGWATCH="$top_srcdir/tests/helpers/sigwatch.py"
ATTACKER="$top_srcdir/tests/helpers/slowclients.py"
GRACE_MS=5000		# SHUTDOWN_GRACE_MS
SPARE_FDS=2		# descriptors left to each process in the EMFILE case

make_test_root
head -c 1024 /dev/urandom >"$TEST_DIR/www/1k.bin"

# ms EXPR: an awk expression over F, printed as whole milliseconds.
ms() { awk -v F="$F" -v G="$GRACE_MS" "BEGIN { printf \"%d\", $1 }"; }

# field FILE KEY: one value of a JSON object.
field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

# le A B: exit status 0 if the number A is at most B ("None" never is).
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "None" && a + 0 <= b + 0) }'; }

# start_ab N OUT: ab -c 200 for N requests of /1k.bin in the background,
# bounded by timeout. Sets AB_PID.
start_ab() {
	timeout 120 ab -q -r -s 10 -n "$1" -c 200 "$BASE/1k.bin" >"$2" 2>&1 &
	AB_PID=$!
	track_pid "$AB_PID"
}

# stop_ab: ab is done or stopped; waits for it.
stop_ab() {
	kill -TERM "$AB_PID" 2>/dev/null
	wait "$AB_PID" 2>/dev/null
}

# lines FILE: how many lines FILE has (0 if there is none).
lines() { if [ -e "$1" ]; then wc -l <"$1"; else echo 0; fi; }

# wait_lines FILE N SECONDS: until FILE has at least N lines.
wait_lines() {
	local tries=$(($3 * 50))
	while [ "$(lines "$1")" -lt "$2" ] && [ "$tries" -gt 0 ]; do
		sleep 0.02
		tries=$((tries - 1))
	done
	[ "$(lines "$1")" -ge "$2" ]
}

# none_alive PIDS...: exit status 0 if none of them runs (zombies count as gone).
none_alive() {
	local pid state
	for pid in "$@"; do
		state=$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)
		[ -n "$state" ] && [ "$state" != Z ] && return 1
	done
	return 0
}

# --- SIGTERM under ab -c 200 ---------------------------------------------------

term_under_load() {
	local mode=$1 out=$TEST_DIR/$1.term.json log=$TEST_DIR/$1.term.log pids
	shift
	ACCESS_LOG=$log start_sockwebd "$@" || { ok 1 "$mode: sockwebd started"; return; }
	start_ab 1000000 "$TEST_DIR/$mode.term.ab"
	wait_lines "$log" 2000 30
	ok $? "$mode: ab -c 200 is being served ($(lines "$log") requests so far)"
	pids=$(server_procs)
	python3 "$SIGWATCH" --pid "$SERVER_PID" --signal TERM --port "$PORT" \
		--max-time "$(ms '(G + 3000 * F) / 1000')" >"$out"
	diag "$mode: SIGTERM under load: $(cat "$out")"
	wait "$SERVER_PID"
	is "$?" 0 "$mode: SIGTERM under load: sockwebd exits 0"
	le "$(field "$out" refused_ms)" "$(ms '100 * F')"
	ok $? "$mode: ... the port refuses connections within $(ms '100 * F') ms ($(field "$out" refused_ms) ms)"
	le "$(field "$out" exited_ms)" "$(ms 'G + 1000 * F')"
	ok $? "$mode: ... and it exits within the grace period + $(ms '1000 * F') ms ($(field "$out" exited_ms) ms)"
	# shellcheck disable=SC2086
	none_alive $pids
	ok $? "$mode: ... none of its $(echo "$pids" | wc -w) processes is left"
	stop_ab
	diag "$mode: $(grep -cv 'listening on' "$SERVER_ERR") lines on stderr; first: $(grep -v 'listening on' "$SERVER_ERR" | head -n 3 | tr '\n' '|')"
}

# --- SIGHUP under ab -c 200 ----------------------------------------------------

# rate_ab: requests per second ab -c 200 gets in one second now (the
# SIGHUP run is sized by it: about 4 s of load, on a fast or a slow build).
rate_ab() {
	timeout 20 ab -q -r -s 10 -t 1 -n 1000000 -c 200 "$BASE/1k.bin" 2>/dev/null |
		sed -n 's/^Requests per second: *\([0-9]*\).*/\1/p'
}

hup_under_load() {
	local mode=$1 out=$TEST_DIR/$1.hup.json log=$TEST_DIR/$1.hup.log n rate
	local ab_out=$TEST_DIR/$1.hup.ab old_size complete total bad
	shift
	ACCESS_LOG=/dev/null start_sockwebd -L "$log" "$@" || { ok 1 "$mode: sockwebd started"; return; }
	rate=$(rate_ab)
	n=$(( ${rate:-1000} * 4 ))
	[ "$n" -lt 2000 ] && n=2000
	[ "$n" -gt 40000 ] && n=40000
	diag "$mode: ab -c 200 gets ${rate:-?} requests/s: $n requests for the SIGHUP run"
	sleep 1		# the sizing run's last requests are logged by now
	: >"$log"
	start_ab "$n" "$ab_out"
	wait_lines "$log" $((n / 4)) 60
	ok $? "$mode: a quarter of ab's requests are logged ($(lines "$log"))"
	mv "$log" "$log.1"
	python3 "$SIGWATCH" --pid "$SERVER_PID" --signal HUP --log-file "$log" \
		--max-time "$(ms '5 * F')" >"$out"
	kill -0 "$AB_PID" 2>/dev/null
	ok $? "$mode: ab was still running at the SIGHUP"
	le "$(field "$out" log_ms)" "$(ms '1000 * F')"
	ok $? "$mode: SIGHUP under load: a new access log with lines within $(ms '1000 * F') ms ($(field "$out" log_ms) ms)"
	sleep "$(awk -v F="$F" 'BEGIN { print 1 * F }')"
	old_size=$(stat -c %s "$log.1")
	wait "$AB_PID"
	is "$?" 0 "$mode: ab ran to the end"
	complete=$(sed -n 's/^Complete requests: *//p' "$ab_out")
	is "$complete" "$n" "$mode: ... $n requests completed"
	is "$(sed -n 's/^Failed requests: *//p' "$ab_out")" 0 "$mode: ... none failed across the SIGHUP"
	is "$(stat -c %s "$log.1")" "$old_size" "$mode: the old log is no longer written $(awk -v F="$F" 'BEGIN { print 1 * F }') s after the SIGHUP"
	total=$(($(lines "$log.1") + $(lines "$log")))
	is "$total" "$complete" "$mode: the two logs hold one line per request ($(lines "$log.1") + $(lines "$log"))"
	bad=$(cat "$log.1" "$log" | grep -Evc '^127\.0\.0\.1:[0-9]+ - - \[[^]]+\] "GET /1k\.bin HTTP/1\.0" 200 1024 "-" "ApacheBench/[0-9.]+"$')
	is "$bad" 0 "$mode: ... every line whole"
	[ -z "$(tail -c 1 "$log.1")" ] && [ -z "$(tail -c 1 "$log")" ]
	ok $? "$mode: ... both end with a newline"
	stop_sockwebd
	is "$SERVER_STATUS" 0 "$mode: SIGTERM afterwards: exits 0"
}

# --- SIGTERM with the descriptor limit reached ---------------------------------

# limit_fds PID SPARE: the soft and hard RLIMIT_NOFILE of a running
# process set to the descriptors it has open now + SPARE (prlimit --pid),
# whatever it raised its limit to at start.
limit_fds() {
	local n
	n=$(($(ls "/proc/$1/fd" | wc -l) + $2))
	prlimit --pid "$1" --nofile="$n:$n" &&
		[ "$(awk '/^Max open files/ { print $4 }' "/proc/$1/limits")" = "$n" ]
}

term_at_fd_limit() {
	local mode=$1 conns=$2 out=$TEST_DIR/$1.emfile.json flood=$TEST_DIR/$1.emfile.flood
	local t0 t1 q emfile other limit pid limited=0
	shift 2
	start_sockwebd "$@" || { ok 1 "$mode: sockwebd started"; return; }
	for pid in $(server_procs); do
		limit_fds "$pid" "$SPARE_FDS" || limited=1
	done
	ok "$limited" "$mode: every server process limited to its open descriptors + $SPARE_FDS (prlimit --pid)"
	t0=$(date +%s.%N)
	# Partial heads: accepted (TCP_DEFER_ACCEPT lets only speaking clients
	# through) and held until -t, so the descriptors stay used.
	python3 "$ATTACKER" --port "$PORT" --attack slowloris --count "$conns" \
		--interval 1 --max-time "$(ms '(G + 5000 * F) / 1000 + 5')" \
		--ready-file "$flood.ready" >"$flood.json" &
	local apid=$!
	track_pid "$apid"
	wait_for_line "$flood.ready" . 10
	sleep 1.5
	q=$(ss -Hltn "sport = :$PORT" | awk '{ s += $2 } END { print s + 0 }')
	ok "$([ "$q" -ge 1 ]; echo $?)" "$mode: descriptors used up, connections queued behind them ($q in the backlog)"
	python3 "$SIGWATCH" --pid "$SERVER_PID" --signal TERM --port "$PORT" \
		--max-time "$(ms '(G + 3000 * F) / 1000')" >"$out"
	t1=$(date +%s.%N)
	diag "$mode: SIGTERM at the fd limit: $(cat "$out")"
	wait "$SERVER_PID"
	is "$?" 0 "$mode: SIGTERM at the fd limit: sockwebd exits 0"
	le "$(field "$out" refused_ms)" "$(ms '100 * F')"
	ok $? "$mode: ... the port refuses connections within $(ms '100 * F') ms ($(field "$out" refused_ms) ms)"
	le "$(field "$out" exited_ms)" "$(ms 'G + 1000 * F')"
	ok $? "$mode: ... and it exits within the grace period + $(ms '1000 * F') ms ($(field "$out" exited_ms) ms)"
	wait "$apid"
	is "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["ended"]["timeout"])' "$flood.json")" 0 \
		"$mode: ... every held or queued connection was closed"
	emfile=$(grep -Eic 'EMFILE|too many open files|descriptor' "$SERVER_ERR")
	other=$(grep -Eivc 'EMFILE|too many open files|descriptor|listening on' "$SERVER_ERR")
	# Once per accept pause (500 ms) at the very most, over the whole episode.
	limit=$(awk -v a="$t0" -v b="$t1" -v g="$GRACE_MS" 'BEGIN { printf "%d", 2 * (b - a + g / 1000) + 2 }')
	ok "$([ "$emfile" -le "$limit" ]; echo $?)" "$mode: ... stderr not flooded: $emfile lines about the limit (at most $limit)"
	ok "$([ "$other" -le 5 ]; echo $?)" "$mode: ... and $other other lines (at most 5)"
	sed -n '1,8s/^/#   stderr: /p' "$SERVER_ERR"
}

for mode in fork prefork; do
	if [ "$mode" = fork ]; then args=(); conns=40; else args=(--prefork 2); conns=60; fi
	term_under_load "$mode" "${args[@]}"
	hup_under_load "$mode" "${args[@]}"
	term_at_fd_limit "$mode" "$conns" "${args[@]}"
done

done_testing
