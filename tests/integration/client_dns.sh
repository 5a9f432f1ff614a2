#!/bin/bash
# client_dns.sh: sockget's c-ares resolution against tests/helpers/dnsd.py
# on loopback (never the system resolver): names asked in parallel, NXDOMAIN,
# DNS time-out against -m, failover across two addresses, --resolve, -4/-6.
. "$top_srcdir/tests/lib.sh"

[ -x "$SOCKGET" ] || skip_all "sockget not built"
[ -x "$SOCKWEBD" ] || skip_all "sockwebd not built"
command -v python3 >/dev/null || skip_all "python3 not found"

make_test_root
start_sockwebd || bail_out "sockwebd did not start"

DNS_ERR="$TEST_DIR/dnsd.err"
python3 "$top_srcdir/tests/helpers/dnsd.py" --port 0 \
	--record one.sockweb.test A 127.0.0.1 \
	--record slow1.sockweb.test A 127.0.0.1 --delay slow1.sockweb.test 1 \
	--record slow2.sockweb.test A 127.0.0.1 --delay slow2.sockweb.test 1 \
	--record slow3.sockweb.test A 127.0.0.1 --delay slow3.sockweb.test 1 \
	--record two.sockweb.test A 127.0.0.2 --record two.sockweb.test A 127.0.0.1 \
	--record dual.sockweb.test AAAA ::1 --record dual.sockweb.test A 127.0.0.1 \
	--record v6only.sockweb.test AAAA ::1 \
	--record tc.sockweb.test A 127.0.0.1 --truncate tc.sockweb.test \
	--nxdomain gone.sockweb.test --drop black.sockweb.test \
	2>"$DNS_ERR" &
track_pid $!
wait_for_line "$DNS_ERR" 'listening on ' 10 || bail_out "dnsd did not start"
DNS_PORT=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$DNS_ERR" | head -n 1)
SG=("$SOCKGET" -s -S --dns-servers "127.0.0.1:$DNS_PORT")

got=$("${SG[@]}" "http://one.sockweb.test:$PORT/hello.txt")
is "$got" "hello, sockweb" "a name from the test DNS server is fetched"
grep -q 'query one.sockweb.test A ' "$DNS_ERR"
ok $? "the A query went to the test DNS server"

# Three names, each answered after 1 s: asked at once, so ~1 s, not 3 s.
t0=$(date +%s%N)
"${SG[@]}" -o /dev/null -o /dev/null -o /dev/null "http://slow1.sockweb.test:$PORT/hello.txt" \
	"http://slow2.sockweb.test:$PORT/hello.txt" "http://slow3.sockweb.test:$PORT/hello.txt"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
is "$rc" 0 "three delayed names fetched"
[ "$ms" -ge 900 ] && [ "$ms" -lt "$(scaled_ms 2000)" ]
ok $? "three names delayed 1 s each resolve in parallel: $ms ms (< $(scaled_ms 2000))"

"${SG[@]}" "http://gone.sockweb.test:$PORT/" 2>"$TEST_DIR/nx.err"
is "$?" 6 "NXDOMAIN exits 6"
is "$(cat "$TEST_DIR/nx.err")" "sockget: (6) Could not resolve host: gone.sockweb.test" \
	"NXDOMAIN message names the host"
"$SOCKGET" -s --dns-servers "127.0.0.1:$DNS_PORT" "http://gone.sockweb.test:$PORT/" 2>"$TEST_DIR/nx-s.err"
is "$?" 6 "-s: still exit 6"
is "$(wc -c <"$TEST_DIR/nx-s.err" | tr -d ' ')" 0 "-s without -S prints no error"

t0=$(date +%s%N)
"${SG[@]}" -m 1 "http://black.sockweb.test:$PORT/" 2>"$TEST_DIR/to.err"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
is "$rc" 28 "a DNS server that never answers: -m 1 exits 28"
[ "$ms" -lt "$(scaled_ms 2500)" ]
ok $? "the DNS time-out counts against -m ($ms ms, bound $(scaled_ms 2500))"
like "$(cat "$TEST_DIR/to.err")" 'Resolving timed out' "time-out message says resolving"

# Each transfer's clocks are its own: URL 1 is not made to wait for the
# lookup of URL 2, whose DNS server never answers (issue 13).
"${SG[@]}" -m 1 -w ' %{exitcode}\n' "http://one.sockweb.test:$PORT/hello.txt" \
	"http://black.sockweb.test:$PORT/" >"$TEST_DIR/own.out" 2>/dev/null
is "$?" 28 "-m 1, second name silent: the last transfer's 28"
is "$(head -n 2 "$TEST_DIR/own.out")" "hello, sockweb
 0" "the first URL is fetched within its own -m"

# No limits given: a silent DNS server costs at most RESOLVE_LIMIT_MS (10 s;
# c-ares told 2 s and 2 tries gives up after 2 + 4 s with one server), not
# the 75 s of c-ares' defaults, and the first URL does not wait for it.
t0=$(date +%s%N)
"${SG[@]}" -v -w '%{time_total} %{exitcode}\n' -o /dev/null -o /dev/null \
	"http://one.sockweb.test:$PORT/hello.txt" "http://black.sockweb.test:$PORT/" \
	>"$TEST_DIR/lim.out" 2>"$TEST_DIR/lim.err"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
is "$rc" 6 "a name never answered: exit 6"
[ "$ms" -ge 5500 ] && [ "$ms" -lt "$(scaled_ms 11500)" ]
ok $? "given up after 6 to 10 s ($ms ms, bound $(scaled_ms 11500))"
awk -v max="$(scaled 1.0)" 'NR == 1 { exit !($1 < max && $2 == 0) }' "$TEST_DIR/lim.out"
ok $? "the first URL took its own time, not the other lookup's ($(head -n 1 "$TEST_DIR/lim.out"))"
like "$(cat "$TEST_DIR/lim.err")" 'resolver: time-out 2000 ms, 2 tries, at most 10000 ms' \
	"-v shows the resolver's time-out and tries"
like "$(cat "$TEST_DIR/lim.err")" 'resolving black\.sockweb\.test: no answer yet after [0-9]+ ms' \
	"-v shows the wait meanwhile"
like "$(cat "$TEST_DIR/lim.err")" 'resolving black\.sockweb\.test failed after [0-9]+ ms' \
	"-v says when it gave up"
like "$(cat "$TEST_DIR/lim.err")" 'Could not resolve host: black\.sockweb\.test' "exit 6 message"

# -v shows the UDP side (issue 16): c-ares' socket, its ephemeral port (the
# one the DNS server saw), each datagram and its answer.
"${SG[@]}" -v -4 -o /dev/null "http://one.sockweb.test:$PORT/hello.txt" 2>"$TEST_DIR/udp.err"
v=$(cat "$TEST_DIR/udp.err")
like "$v" 'resolver: socket\(AF_INET, SOCK_DGRAM\) = [0-9]+: connectionless' "-v: c-ares' UDP socket"
uport=$(sed -n 's/.*resolver: connect([0-9]*) UDP: local 127\.0\.0\.1:\([0-9]*\) (ephemeral) -> DNS server.*/\1/p' "$TEST_DIR/udp.err" | head -n 1)
like "$(grep 'query one.sockweb.test A ' "$DNS_ERR" | tail -n 1)" "from 127\.0\.0\.1:${uport:-none} " \
	"the UDP source port in the trace ($uport) is the one the DNS server saw"
like "$v" "resolver: send UDP 127\.0\.0\.1:$DNS_PORT: [0-9]+ bytes, query id 0x[0-9a-f]{4}, A one\.sockweb\.test" \
	"-v: the datagram sent: server, size, id, type, name"
like "$v" "resolver: recv UDP 127\.0\.0\.1:$DNS_PORT: [0-9]+ bytes, id 0x[0-9a-f]{4}, NOERROR, 1 answer, after [0-9]+ ms" \
	"-v: the datagram received: rcode, answers, time"
# A truncated answer: c-ares asks again over TCP, from another ephemeral port.
"${SG[@]}" -v -4 -o /dev/null "http://tc.sockweb.test:$PORT/hello.txt" 2>"$TEST_DIR/tc.err"
is "$?" 0 "a truncated UDP answer: fetched after the TCP fallback"
v=$(cat "$TEST_DIR/tc.err")
like "$v" 'TRUNCATED \(TC bit\): c-ares asks again over TCP' "-v: the TC bit"
like "$v" 'resolver: socket\(AF_INET, SOCK_STREAM\) = [0-9]+: DNS over TCP' "-v: the TCP socket"
tport=$(sed -n 's/.*resolver: connect([0-9]*) TCP: local 127\.0\.0\.1:\([0-9]*\) (ephemeral).*/\1/p' "$TEST_DIR/tc.err" | head -n 1)
like "$(grep 'query tc.sockweb.test A .*\[tcp\]' "$DNS_ERR" | tail -n 1)" "from 127\.0\.0\.1:${tport:-none} " \
	"the TCP connection's ephemeral port ($tport) is the one the DNS server saw"
like "$v" 'asked again over TCP: the UDP answer was truncated' "-v: the query again, over TCP"
# A silent server: the retransmission after c-ares' 2 s time-out.
"${SG[@]}" -v -4 -m 3 "http://black.sockweb.test:$PORT/" 2>"$TEST_DIR/rtx.err"
like "$(cat "$TEST_DIR/rtx.err")" 'A black\.sockweb\.test \(retransmission 1, (19[0-9]{2}|2[0-9]{3}) ms after the first: no answer came\)' \
	"-v: the retransmission after the time-out"

# Failover: the first address refuses (nothing listens on 127.0.0.2).
w=$("${SG[@]}" -v -o /dev/null -w '%{remote_ip}' "http://two.sockweb.test:$PORT/hello.txt" 2>"$TEST_DIR/two.err")
is "$?" 0 "two addresses, the first refusing: still connects"
is "$w" "127.0.0.1" "connected to the second address"
like "$(cat "$TEST_DIR/two.err")" "connect 127\.0\.0\.2:$PORT: Connection refused" "-v shows the refused first attempt"

# Both families; the server listens on IPv4 only, so ::1 refuses.
w=$("${SG[@]}" -o /dev/null -w '%{remote_ip}' "http://dual.sockweb.test:$PORT/hello.txt")
is "$w" "127.0.0.1" "A and AAAA: falls back from ::1 to 127.0.0.1"
"${SG[@]}" -4 -v -o /dev/null "http://dual.sockweb.test:$PORT/hello.txt" 2>"$TEST_DIR/v4.err"
unlike "$(cat "$TEST_DIR/v4.err")" 'Trying \[' "-4 never tries IPv6"
"${SG[@]}" -6 "http://one.sockweb.test:$PORT/hello.txt" 2>/dev/null
is "$?" 6 "-6 with an A-only name exits 6"
"${SG[@]}" "http://v6only.sockweb.test:$PORT/hello.txt" 2>"$TEST_DIR/v6.err"
is "$?" 7 "AAAA ::1 with nothing on [::1]:$PORT exits 7"
like "$(cat "$TEST_DIR/v6.err")" "Failed to connect to v6only.sockweb.test port $PORT: Connection refused" \
	"exit 7 message as curl's"

# --resolve pins an address; no query leaves for that name.
got=$("${SG[@]}" --resolve "pinned.sockweb.test:$PORT:127.0.0.1" "http://pinned.sockweb.test:$PORT/hello.txt")
is "$got" "hello, sockweb" "--resolve HOST:PORT:ADDR is used"
grep -q 'pinned.sockweb.test' "$DNS_ERR"
is "$?" 1 "--resolve: the name never reached DNS"
like "$(tail -n 1 "$ACCESS_LOG")" 'GET /hello.txt' "pinned request reached sockwebd"

# IP literals skip DNS altogether: no server to ask, still fetched.
got=$("$SOCKGET" -s -S --dns-servers 127.0.0.1:1 "http://127.0.0.1:$PORT/hello.txt")
is "$got" "hello, sockweb" "an IP literal needs no DNS"

# -v walks the resolver part of the socket model.
"${SG[@]}" -v -o /dev/null "http://one.sockweb.test:$PORT/hello.txt" 2>"$TEST_DIR/v.err"
v=$(cat "$TEST_DIR/v.err")
like "$v" "DNS server 127\.0\.0\.1:$DNS_PORT" "-v names the DNS server"
like "$v" 'resolved one\.sockweb\.test: 127\.0\.0\.1 \(IPv4\) in [0-9]+ ms' "-v shows each address, family and time"
like "$v" "local 127\.0\.0\.1:[0-9]+ \(ephemeral\) -> remote 127\.0\.0\.1:$PORT" "-v shows the ephemeral port"
like "$v" 'shutdown' "-v shows the connection release"

done_testing
