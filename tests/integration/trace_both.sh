#!/usr/bin/env bash
# tests/integration/trace_both.sh: sockget -v and sockwebd -v against each
# other, the name resolved by the test DNS server (tests/helpers/dnsd.py),
# all on 127.0.0.1 (issue 16). The numbers both traces name must agree:
# the UDP source port sockget's trace shows is the one the DNS server saw;
# the server's accept line names the ephemeral port of the client's
# connect line; the fork line's pid is the pid /_peer reports and the one
# that traces the request; whoever says it sent the first FIN is the end
# the kernel then holds in TIME_WAIT (ss). A truncated DNS answer: the TC
# bit, the TCP fallback from another ephemeral port (the one the DNS
# server saw), then the same connection to sockwebd.
. "$top_srcdir/tests/lib.sh"

[ -x "$SOCKGET" ] || skip_all "sockget not built"
command -v python3 >/dev/null || skip_all "python3 not found"

make_test_root
start_sockwebd -v || bail_out "sockwebd -v did not start"

DNS_ERR="$TEST_DIR/dnsd.err"
python3 "$top_srcdir/tests/helpers/dnsd.py" --port 0 \
	--record www.sockweb.test A 127.0.0.1 \
	--record tc.sockweb.test A 127.0.0.1 --truncate tc.sockweb.test \
	2>"$DNS_ERR" &
track_pid $!
wait_for_line "$DNS_ERR" 'listening on ' 10 || bail_out "dnsd did not start"
DNS_PORT=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$DNS_ERR" | head -n 1)
SG=("$SOCKGET" -v -4 --dns-servers "127.0.0.1:$DNS_PORT")

# field FILE SED-EXPRESSION: the first value the expression prints.
field() { sed -n "$2" "$1" | head -n 1; }

C="$TEST_DIR/client.err"
"${SG[@]}" "http://www.sockweb.test:$PORT/_peer" >"$TEST_DIR/peer.json" 2>"$C"
is "$?" 0 "sockget -v fetched /_peer from sockwebd -v"
wait_for_line "$SERVER_ERR" 'close\(' 5

# The UDP side: c-ares' ephemeral port, as the DNS server saw it.
uport=$(field "$C" 's/^\* resolver: connect([0-9]*) UDP: local 127\.0\.0\.1:\([0-9]*\) (ephemeral) -> DNS server 127\.0\.0\.1:'"$DNS_PORT"'$/\1/p')
like "$uport" '^[0-9]+$' "the client's trace names its UDP ephemeral port ($uport)"
seen=$(field "$DNS_ERR" 's/^dnsd: query www\.sockweb\.test A from 127\.0\.0\.1:\([0-9]*\) -> NOERROR 1 answers$/\1/p')
is "$seen" "$uport" "the DNS server saw the query come from that port"

# The TCP side: the client's connect line and the server's accept line.
tport=$(field "$C" 's/^\* local 127\.0\.0\.1:\([0-9]*\) (ephemeral) -> remote 127\.0\.0\.1:'"$PORT"'$/\1/p')
like "$tport" '^[0-9]+$' "the client's connect line names its ephemeral port ($tport)"
grep -Eq "^sockwebd\[[0-9]+\] [0-9:.]{15} accept\([0-9]+\) = [0-9]+ from 127\.0\.0\.1:$tport \(ephemeral port\) to 127\.0\.0\.1:$PORT$" "$SERVER_ERR"
ok $? "the server's accept line names the same port $tport"
is "$(sed -n 's/.*"client":{"ip":"127\.0\.0\.1","port":\([0-9]*\)}.*/\1/p' "$TEST_DIR/peer.json")" "$tport" \
	"/_peer reports that port too"

# The processes: the fork line's pid is the one /_peer names.
peer_pid=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$TEST_DIR/peer.json")
fork_pid=$(field "$SERVER_ERR" 's/.* fork() = \([0-9]*\) (child serves 127\.0\.0\.1:'"$tport"')$/\1/p')
like "$fork_pid" '^[0-9]+$' "the server traces the fork for 127.0.0.1:$tport ($fork_pid)"
is "$peer_pid" "$fork_pid" "the fork line's pid is /_peer's pid"
grep -Eq "^sockwebd\[$fork_pid\] [0-9:.]{15} GET /_peer -> 200$" "$SERVER_ERR"
ok $? "that child traces GET /_peer -> 200"

# The release: whoever says it sent the first FIN has its end in TIME_WAIT.
if command -v ss >/dev/null; then
	if grep -q '^\* this side sent the first FIN' "$C"; then
		end="127\.0\.0\.1:$tport +127\.0\.0\.1:$PORT" who=client
	else
		end="127\.0\.0\.1:$PORT +127\.0\.0\.1:$tport" who=server
	fi
	poll 3 sh -c "ss -Htan state time-wait | grep -Eq '$end( |\$)'"
	ok $? "the client's trace says the $who sent the first FIN: ss shows the $who's end in TIME_WAIT"
fi

# A truncated answer: c-ares asks again over TCP, then sockget connects.
T="$TEST_DIR/tc.err"
"${SG[@]}" -o /dev/null "http://tc.sockweb.test:$PORT/hello.txt" 2>"$T"
is "$?" 0 "a truncated DNS answer: fetched after the TCP fallback"
like "$(cat "$T")" 'resolver: recv UDP 127\.0\.0\.1:[0-9]+: .*TRUNCATED \(TC bit\): c-ares asks again over TCP' \
	"the client traces the TC bit"
dport=$(field "$T" 's/^\* resolver: connect([0-9]*) TCP: local 127\.0\.0\.1:\([0-9]*\) (ephemeral).*/\1/p')
like "$dport" '^[0-9]+$' "the client traces the DNS-over-TCP connection's ephemeral port ($dport)"
like "$(grep 'query tc\.sockweb\.test A .*\[tcp\]' "$DNS_ERR")" "from 127\.0\.0\.1:${dport:-none} " \
	"the DNS server got the TCP query from that port"
hport=$(field "$T" 's/^\* local 127\.0\.0\.1:\([0-9]*\) (ephemeral) -> remote 127\.0\.0\.1:'"$PORT"'$/\1/p')
wait_for_line "$SERVER_ERR" "accept\\([0-9]+\\) = [0-9]+ from 127\\.0\\.0\\.1:${hport:-none} " 5
ok $? "then sockwebd accepts the HTTP connection from 127.0.0.1:$hport"
[ -n "$dport" ] && [ "$dport" != "$hport" ]
ok $? "DNS over TCP and HTTP are two connections, two ephemeral ports"

stop_sockwebd
is "$SERVER_STATUS" 0 "sockwebd -v exits 0 on SIGTERM"
done_testing
