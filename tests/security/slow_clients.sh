#!/usr/bin/env bash
# tests/security/slow_clients.sh: slow clients cannot take sockwebd hostage
# (issues 7, 12). With -c 64 -t 2, 64 connections that each send one
# header byte a second (tests/helpers/slowloris.py) hold no child (the
# parent reads every request head itself and forks only for a whole one),
# so a normal request is answered at once with 200; the slow connections
# get 408 and are closed at their 2 s deadline. A second round checks the
# same with fewer slow connections.
. "$top_srcdir/tests/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
command -v curl >/dev/null 2>&1 || skip_all "curl not installed"

SLOWLORIS="$top_srcdir/tests/helpers/slowloris.py"
SLOTS=64
TIMEOUT=2

make_test_root
start_sockwebd -c "$SLOTS" -t "$TIMEOUT" || bail_out "sockwebd did not start"


# json FILE EXPR: evaluate a Python expression over the summary `d`; `f`
# is TEST_TIME_FACTOR, for upper time bounds.
json() {
	python3 -c 'import json, os, sys
f = float(os.environ.get("TEST_TIME_FACTOR", "1"))
d = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2"
}

# slow_round N NAME: start N slow connections in the background; waits
# until all are open. Sets SLOW_PID and SLOW_OUT.
slow_round() {
	local n=$1 name=$2
	SLOW_OUT="$TEST_DIR/$name.json"
	rm -f "$TEST_DIR/$name.ready"
	python3 "$SLOWLORIS" --port "$PORT" --count "$n" --interval 1 \
		--prefix 'GET /hello.txt HTTP/1.0\r\nUser-Agent: slowloris\r\n' \
		--max-time 12 --ready-file "$TEST_DIR/$name.ready" >"$SLOW_OUT" &
	SLOW_PID=$!
	track_pid "$SLOW_PID"
	poll 10 test -e "$TEST_DIR/$name.ready"
}

# normal_request: "CODE SECONDS" of a plain curl request for /hello.txt.
normal_request() {
	curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}' "$BASE/hello.txt" || true
}

# --- round 1: every slot taken by a slow client ------------------------------

t0=$(date +%s.%N)
slow_round "$SLOTS" full
ok $? "$SLOTS slow connections open"
# Give the parent a moment to fork a child for each of them.
sleep 0.3
is "$(children | tr -d " ")" 0 "the slow clients hold no child: the parent reads their heads"

read -r code secs <<<"$(normal_request)"
is "$code" 200 "a normal request while $SLOTS slow clients send their heads: 200 (they hold no child)"
ok "$(within "$secs" 1.0; echo $?)" \
	"... answered within 1 s (${secs} s)"

wait "$SLOW_PID"
ok $? "slowloris.py finished"
t1=$(date +%s.%N)
diag "round 1: $(json "$SLOW_OUT" '{k: v for k, v in d.items() if k != "connections"}')"
is "$(json "$SLOW_OUT" 'd["connected"]')" "$SLOTS" "all $SLOTS slow connections were accepted"
is "$(json "$SLOW_OUT" 'd["statuses"].get("408", 0)')" "$SLOTS" "every slow connection got 408 Request Timeout"
is "$(json "$SLOW_OUT" 'd["ended"]["eof"]')" "$SLOTS" "every slow connection was closed by the server (FIN, no reset)"
# The deadline is -t 2 s from the accept; allow 1.8 s .. 2 s + 1.5 s slack.
ok "$(json "$SLOW_OUT" 'int(not (d["first_response_min"] >= 1.8 and d["first_response_max"] <= 3.5 * f))')" \
	"408 sent at the deadline (first $(json "$SLOW_OUT" 'd["first_response_min"]') s, last $(json "$SLOW_OUT" 'd["first_response_max"]') s; want 1.8..3.5)"
ok "$(json "$SLOW_OUT" 'int(not (d["end_max"] <= 3.5 * f))')" \
	"connections closed by 3.5 s (last at $(json "$SLOW_OUT" 'd["end_max"]') s)"
diag "round 1 took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"

wait_children 0 5
ok $? "the slots are freed: no children left within 5 s ($(children) left)"
is "$(zombies)" 0 "no zombies"
read -r code secs <<<"$(normal_request)"
is "$code" 200 "after the slow clients are gone, a normal request gets 200 (${secs} s)"

# --- round 2: slow clients on half the slots, normal requests still served ---

half=$((SLOTS / 2))
slow_round "$half" half
ok $? "$half slow connections open"
sleep 0.3
all200=0
worst=0
for _ in 1 2 3 4 5; do
	read -r code secs <<<"$(normal_request)"
	[ "$code" = 200 ] || all200=1
	worst=$(awk -v a="$worst" -v b="$secs" 'BEGIN { print (b > a) ? b : a }')
done
ok "$all200" "5 normal requests while $half slow clients drip: all 200"
ok "$(within "$worst" 1.0; echo $?)" "... each within 1 s (slowest ${worst} s)"
wait "$SLOW_PID"
ok $? "slowloris.py finished"
diag "round 2: $(json "$SLOW_OUT" '{k: v for k, v in d.items() if k != "connections"}')"
is "$(json "$SLOW_OUT" 'd["statuses"].get("408", 0)')" "$half" "every slow connection got 408"
ok "$(json "$SLOW_OUT" 'int(not (d["end_max"] <= 3.5 * f))')" \
	"... and was closed by 3.5 s (last at $(json "$SLOW_OUT" 'd["end_max"]') s)"

wait_children 0 5
ok $? "no children left within 5 s"
is "$(zombies)" 0 "no zombies"

kill -0 "$SERVER_PID" 2>/dev/null
ok $? "sockwebd is still running"
stop_sockwebd
is "$SERVER_STATUS" 0 "SIGTERM: sockwebd exits 0"

done_testing
