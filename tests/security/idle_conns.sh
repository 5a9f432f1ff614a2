#!/usr/bin/env bash
# tests/security/idle_conns.sh: one `--prefork 1` worker holds 2 000 idle
# keep-alive connections and still serves (issue 12). Each connection
# sends one HTTP/1.0 request with Connection: keep-alive, reads its 200,
# then stays silent (tests/helpers/slowclients.py --attack idle). While
# all 2 000 are held, 5 normal requests must each get 200 within 1 s
# (x TEST_TIME_FACTOR); the worker's resident memory per held connection
# is reported. Afterwards every idle connection is closed by the server
# 5 s after its response (KEEPALIVE_IDLE_MS), with a FIN. Needs a
# descriptor limit of at least 2 200 (raised here up to the hard limit).
. "$top_srcdir/tests/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
command -v curl >/dev/null 2>&1 || skip_all "curl not installed"
command -v ss >/dev/null 2>&1 || skip_all "ss not installed (iproute2)"

COUNT=2000
NEED=2200
IDLE=5
F=${TEST_TIME_FACTOR:-1}

hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt "$NEED" ]; then
	skip_all "the hard descriptor limit is $hard; $COUNT connections need $NEED"
fi
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$NEED" ]; then
	ulimit -n "$hard" || skip_all "cannot raise the descriptor limit to $hard"
fi

make_test_root
start_sockwebd --prefork 1 || bail_out "sockwebd did not start"

secs() { awk -v F="$F" -v I="$IDLE" "BEGIN { printf \"%.2f\", $1 }"; }
json() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
C = d["connections"]
IDLE = [c["end"] - c["done_at"] for c in C if c["done_at"] is not None]
v = eval(sys.argv[2])
print(int(not v) if isinstance(v, bool) else v)' "$1" "$2"
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
held() { ss -Htn state established "( sport = :$PORT )" | wc -l; }

worker=$(ps --ppid "$SERVER_PID" -o pid= | tr -d ' ')
is "$(echo "$worker" | wc -w)" 1 "--prefork 1: one worker"
rss0=$(rss_kb "$worker")

OUT=$TEST_DIR/idle.json
python3 "$top_srcdir/tests/helpers/slowclients.py" --port "$PORT" --attack idle \
	--count "$COUNT" --batch 128 --ready-within 20 --max-time "$(secs 'I + 25 * F')" \
	--ready-file "$TEST_DIR/ready" >"$OUT" &
apid=$!
track_pid "$apid"
wait_for_line "$TEST_DIR/ready" . 30
is "$(cat "$TEST_DIR/ready" 2>/dev/null)" "$COUNT $COUNT" "$COUNT connections answered and idle"
n=$(held)
ok "$([ "$n" -ge "$COUNT" ]; echo $?)" "... all held open by the server ($n established)"
rss1=$(rss_kb "$worker")
diag "worker RSS: $rss0 KiB before, $rss1 KiB with $n connections: $(( (rss1 - rss0) * 1024 / COUNT )) bytes per idle connection"

limit=$(secs '1.0 * F')
for i in 1 2 3 4 5; do
	read -r code t <<<"$(curl -s -o /dev/null -m "$(secs '5 * F')" -w '%{http_code} %{time_total}' "$BASE/hello.txt" || true)"
	ok "$(awk -v c="$code" -v t="$t" -v l="$limit" 'BEGIN { exit !(c == 200 && t <= l) }'; echo $?)" \
		"probe $i with $COUNT idle connections held: 200 within $limit s (got ${code:-none} in ${t:-?} s)"
	sleep 0.1
done
is "$(ps --ppid "$SERVER_PID" -o pid= | tr -d ' ')" "$worker" "... by the one worker, no other process"

wait "$apid"
ok $? "slowclients.py finished"
diag "idle: $(json "$OUT" '{k: v for k, v in d.items() if k != "connections"}')"
is "$(json "$OUT" 'd["statuses"]')" "{'200': $COUNT}" "every idle connection got 200"
ok "$(json "$OUT" 'all(len(c["responses"]) == 1 and c["responses"][0][2] == "keep-alive" for c in C)')" \
	"... with Connection: keep-alive, and nothing more"
is "$(json "$OUT" 'd["ended"]["eof"]')" "$COUNT" "every one was closed by the server (FIN, no reset)"
# The server's idle time starts between the request (sent at connect) and
# our reading of the response: at least I after the first, at most I
# (+ slack) after the second, however late a loaded client reads.
lo=$(secs 'I - 0.2') hi=$(secs 'I + 2.0 * F')
ok "$(json "$OUT" "all(c['done_at'] is not None and c['end'] >= $lo and c['end'] - c['done_at'] <= $hi for c in C)")" \
	"... after ${IDLE} s idle (>= $lo s after the request, <= $hi s after the response; $(json "$OUT" 'round(min(c["end"] for c in C), 2)') s, $(json "$OUT" 'round(max(IDLE), 2) if IDLE else None') s)"

still_serving "$COUNT idle connections"
stop_sockwebd
is "$SERVER_STATUS" 0 "SIGTERM: sockwebd exits 0"

done_testing
