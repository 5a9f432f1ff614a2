#!/usr/bin/env bash
# tests/security/slow_clients.sh: slow and idle clients cannot keep a
# normal client out (issues 7 and 12). sockwebd runs with default options
# but -c 64 (fork per request; slow_clients_prefork.sh runs this script
# with --prefork 2), and tests/helpers/slowclients.py attacks it with 300
# connections at a time, one attack after the other:
#
#   slowloris  the head one byte a second    -> 408 at the -t deadline (10 s), FIN
#   slowbody   GET + Content-Length, the body one byte a second -> 408 at -t, FIN
#   slowpost   the same with POST            -> 405 at once, FIN
#   slowread   GET of a 5 MB file, 1 KiB receive buffer, ~300 B/s read
#              -> 200, the body keeps coming, no connection is closed
#   idle       HTTP/1.0 keep-alive request, then nothing -> 200, FIN 5 s later
#   trickle    the same, then the next request one byte a second
#              -> 200, then 408 -t after its first byte, FIN
#
# During each attack a normal request (curl) every 0.5 s must get 200
# within 1 s, every one of them; the attackers hold no child in fork mode
# (at most the probes' own) and no extra worker with --prefork. Wall-clock
# bounds are multiplied by TEST_TIME_FACTOR (default 1; larger for slow
# builds such as the sanitizers).
. "$top_srcdir/tests/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
command -v curl >/dev/null 2>&1 || skip_all "curl not installed"

MODE=${SLOW_CLIENTS_MODE:-fork}
F=${TEST_TIME_FACTOR:-1}
ATTACKER="$top_srcdir/tests/helpers/slowclients.py"
COUNT=300	# attacking connections per attack
SLOTS=64	# -c
T=10		# -t, sockwebd's default: time to receive a request
IDLE=5		# KEEPALIVE_IDLE_MS: an idle keep-alive connection is closed then
LINGER=1	# LINGER_MS: drain after a refused request

case $MODE in
fork) MODE_ARGS=() ;;
prefork) MODE_ARGS=(--prefork 2) ;;
*) bail_out "SLOW_CLIENTS_MODE must be fork or prefork, not '$MODE'" ;;
esac

make_test_root
head -c 5242880 /dev/urandom >"$TEST_DIR/www/big.bin"
chmod 644 "$TEST_DIR/www/big.bin"
start_sockwebd -c "$SLOTS" "${MODE_ARGS[@]}" || bail_out "sockwebd did not start"
diag "mode: $MODE (sockwebd -c $SLOTS ${MODE_ARGS[*]}), $COUNT connections per attack, time factor $F"

# json FILE EXPR: a Python expression over the summary d; C is
# d["connections"], R(c, i) the i-th response of c as a dict.
json() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
C = d["connections"]
def R(c, i=0):
    r = c["responses"]
    if len(r) <= i:
        return {"status": None, "at": None, "connection": None, "length": None}
    return dict(zip(("status", "at", "connection", "length"), r[i]))
v = eval(sys.argv[2])
print(int(not v) if isinstance(v, bool) else v)' "$1" "$2"
}

# check FILE EXPR DESCRIPTION: ok if the Python expression is true.
check() { ok "$(json "$1" "$2")" "$3"; }

# secs EXPR: an awk expression with F and T, printed as seconds.
secs() { awk -v F="$F" -v T="$T" -v I="$IDLE" -v L="$LINGER" "BEGIN { printf \"%.2f\", $1 }"; }

# procs: the server's children now (workers in --prefork mode).
procs() { children; }

# probe_during NAME PID: a normal request every 0.5 s while PID runs
# (at most 60 probes); each must be 200 within 1 s (x F). Records the
# most children seen from the third probe on (the attack set up) in
# PROBE_MAX_PROCS, and the least in PROBE_MIN_PROCS (at the end if the
# attack was over sooner).
probe_during() {
	local name=$1 pid=$2 i=0 code t start limit n
	limit=$(secs '1.0 * F')
	PROBE_MAX_PROCS=0 PROBE_MIN_PROCS=1000000
	while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 60 ]; do
		i=$((i + 1))
		start=$(date +%s.%N)
		if [ "$i" -ge 3 ]; then
			n=$(procs)
			[ "$n" -gt "$PROBE_MAX_PROCS" ] && PROBE_MAX_PROCS=$n
			[ "$n" -lt "$PROBE_MIN_PROCS" ] && PROBE_MIN_PROCS=$n
		fi
		read -r code t <<<"$(curl -s -o /dev/null -m "$(secs '5 * F')" \
			-w '%{http_code} %{time_total}' "$BASE/hello.txt" || true)"
		ok "$(awk -v c="$code" -v t="$t" -v l="$limit" 'BEGIN { exit !(c == 200 && t <= l) }'; echo $?)" \
			"$name: probe $i: 200 within $limit s (got ${code:-none} in ${t:-?} s)"
		sleep "$(awk -v s="$start" -v now="$(date +%s.%N)" 'BEGIN { w = s + 0.5 - now; printf "%.3f", (w > 0) ? w : 0 }')"
	done
	# An attack over before its third probe: one look at the end.
	if [ "$i" -lt 3 ]; then
		PROBE_MAX_PROCS=$(procs) PROBE_MIN_PROCS=$PROBE_MAX_PROCS
	fi
	PROBES=$i
}

# attack NAME MAX-TIME ARGS...: run slowclients.py with ARGS, probe while
# it runs, wait for it. Sets OUT (its JSON summary).
attack() {
	local name=$1 max=$2 pid ready tries
	tries=$(awk -v F="$F" 'BEGIN { printf "%d", 400 * F }')
	shift 2
	OUT="$TEST_DIR/$name.json"
	ready="$TEST_DIR/$name.ready"
	python3 "$ATTACKER" --port "$PORT" --attack "$name" --count "$COUNT" \
		--max-time "$max" --ready-within "$(secs '10 * F')" --ready-file "$ready" "$@" >"$OUT" &
	pid=$!
	track_pid "$pid"
	while [ ! -e "$ready" ] && [ "$tries" -gt 0 ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.05
		tries=$((tries - 1))
	done
	is "$(cat "$ready" 2>/dev/null)" "$COUNT $COUNT" "$name: all $COUNT connections are in the attack"
	probe_during "$name" "$pid"
	wait "$pid"
	ok $? "$name: slowclients.py finished ($PROBES probes)"
	diag "$name: $(json "$OUT" '{k: v for k, v in d.items() if k != "connections"}')"
	if [ "$MODE" = fork ]; then
		ok "$([ "$PROBE_MAX_PROCS" -le 2 ]; echo $?)" \
			"$name: the attackers hold no child (at most $PROBE_MAX_PROCS children seen, the probes')"
		wait_children 0 5
		ok $? "$name: no child left afterwards ($(children) now)"
	else
		ok "$([ "$PROBE_MAX_PROCS" -eq 2 ] && [ "$PROBE_MIN_PROCS" -eq 2 ]; echo $?)" \
			"$name: the 2 workers serve it, no more ($PROBE_MIN_PROCS..$PROBE_MAX_PROCS seen)"
		is "$(children)" 2 "$name: 2 workers afterwards"
	fi
	is "$(zombies)" 0 "$name: no zombies"
}

# expect_408_at_deadline NAME: every connection got 408 at T after its
# connect (from T - 0.2 to T + 1 s x F), then the server's FIN.
expect_408_at_deadline() {
	local name=$1 lo hi
	lo=$(secs 'T - 0.2') hi=$(secs 'T + 1.0 * F')
	is "$(json "$OUT" 'd["statuses"]')" "{'408': $COUNT}" "$name: every connection got 408"
	check "$OUT" "all(R(c)['at'] is not None and $lo <= R(c)['at'] <= $hi for c in C)" \
		"$name: ... at the -t deadline ($lo..$hi s; got $(json "$OUT" 'd["first_response_min"]')..$(json "$OUT" 'd["first_response_max"]') s)"
	check "$OUT" "all(R(c)['connection'] == 'close' and len(c['responses']) == 1 for c in C)" \
		"$name: ... with Connection: close, and nothing else"
	is "$(json "$OUT" 'd["ended"]["eof"]')" "$COUNT" "$name: every connection was closed by the server (FIN, no reset)"
	check "$OUT" "all(R(c)['at'] is not None and c['end'] - R(c)['at'] <= $(secs '0.5 * F') for c in C)" \
		"$name: ... right after the 408 (within $(secs '0.5 * F') s)"
}

# --- the attacks -------------------------------------------------------------

attack slowloris "$(secs 'T + 5 * F')" --interval 1
expect_408_at_deadline slowloris

attack slowbody "$(secs 'T + 5 * F')" --interval 1
expect_408_at_deadline slowbody

attack slowpost "$(secs 'L + 5 * F')" --interval 1
is "$(json "$OUT" 'd["statuses"]')" "{'405': $COUNT}" "slowpost: every connection got 405"
check "$OUT" "all(R(c)['at'] is not None and R(c)['at'] <= $(secs '0.5 * F') for c in C)" \
	"slowpost: ... at once (within $(secs '0.5 * F') s; last at $(json "$OUT" 'd["first_response_max"]') s)"
is "$(json "$OUT" 'd["ended"]["eof"]')" "$COUNT" "slowpost: every connection was closed by the server (FIN, no reset)"
check "$OUT" "all(c['end'] <= $(secs 'L + 1.0 * F') for c in C)" \
	"slowpost: ... within the linger time ($(secs 'L + 1.0 * F') s; last at $(json "$OUT" 'd["end_max"]') s)"

# 64 bytes every 0.2 s: about 320 B/s per connection, for 5 s once every
# connection has its response head.
attack slowread "$(secs '10 + 10 * F')" --hold 5 --path /big.bin --interval 0.2 --read-bytes 64 --rcvbuf 1024
is "$(json "$OUT" 'd["statuses"]')" "{'200': $COUNT}" "slowread: every connection got 200"
check "$OUT" "all(R(c)['length'] == 5242880 for c in C)" "slowread: ... for the whole 5 MB file"
check "$OUT" "all(c['body'] > 0 for c in C)" \
	"slowread: the body kept coming on every connection ($(json "$OUT" 'min(c["body"] for c in C)')..$(json "$OUT" 'max(c["body"] for c in C)') bytes each)"
is "$(json "$OUT" 'd["ended"]["timeout"]')" "$COUNT" \
	"slowread: the server closed none of them (reading, far from --max-conns)"

attack idle "$(secs 'I + 5 * F')"
is "$(json "$OUT" 'd["statuses"]')" "{'200': $COUNT}" "idle: every connection got 200"
check "$OUT" "all(R(c)['connection'] == 'keep-alive' and c['done_at'] is not None for c in C)" \
	"idle: ... with Connection: keep-alive, complete"
is "$(json "$OUT" 'd["ended"]["eof"]')" "$COUNT" "idle: every connection was closed by the server (FIN, no reset)"
lo=$(secs 'I - 0.2') hi=$(secs 'I + 1.0 * F')
# The idle time starts between the request (sent at connect) and our
# reading of the response: at least I after the one, at most I + slack
# after the other.
check "$OUT" "all(c['done_at'] is not None and c['end'] >= $lo and c['end'] - c['done_at'] <= $hi and len(c['responses']) == 1 for c in C)" \
	"idle: ... after ${IDLE} s idle (>= $lo s after the request, <= $hi s after the response), with nothing more sent"

attack trickle "$(secs 'T + 6 * F')" --interval 1
is "$(json "$OUT" 'd["statuses"]')" "{'408': $COUNT}" "trickle: every trickled request got 408"
check "$OUT" "all(R(c, 0)['status'] == 200 and R(c, 0)['connection'] == 'keep-alive' and len(c['responses']) == 2 for c in C)" \
	"trickle: ... after the first request's 200 (keep-alive)"
lo=$(secs 'T - 0.2') hi=$(secs 'T + 1.0 * F')
check "$OUT" "all(c['trickle_at'] is not None and R(c, 1)['at'] is not None and $lo <= R(c, 1)['at'] - c['trickle_at'] <= $hi for c in C)" \
	"trickle: ... at -t after the trickled request's first byte ($lo..$hi s)"
check "$OUT" "all(R(c, 1)['connection'] == 'close' for c in C)" "trickle: ... with Connection: close"
is "$(json "$OUT" 'd["ended"]["eof"]')" "$COUNT" "trickle: every connection was closed by the server (FIN, no reset)"

# --- afterwards ----------------------------------------------------------------

still_serving "the six attacks"
kill -0 "$SERVER_PID" 2>/dev/null
ok $? "sockwebd is still running"
stop_sockwebd
is "$SERVER_STATUS" 0 "SIGTERM: sockwebd exits 0"

done_testing
