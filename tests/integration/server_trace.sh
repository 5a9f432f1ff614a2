#!/usr/bin/env bash
# tests/integration/server_trace.sh: sockwebd -v (issue 16) traces each
# connection's socket calls on stderr, one whole line each with the pid
# and a time stamp, in both serving modes: the accept line names the
# client's ephemeral port (the one curl used), the fork line's pid is the
# pid /_peer reports, the request line and its status, the sends, the
# release with TCP_INFO and who sent the first FIN. The access log holds
# none of it; without -v stderr holds nothing but the listening line.
. "$top_srcdir/tests/lib.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl not installed"
make_test_root

for mode in fork prefork; do
	extra=()
	[ "$mode" = prefork ] && extra=(--prefork 1)
	ACCESS_LOG="$TEST_DIR/access.$mode.log"
	start_sockwebd -v "${extra[@]}" || bail_out "sockwebd -v did not start"
	out=$(curl -s --max-time 10 -H 'Connection: close' -w ' %{local_port}' "$BASE/_peer")
	lport=${out##* }
	peer_pid=$(printf '%s' "$out" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
	wait_for_line "$SERVER_ERR" 'close\(' 5
	t=$SERVER_ERR
	grep -Eq "^sockwebd\[[0-9]+\] [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} accept\([0-9]+\) = [0-9]+ from 127\.0\.0\.1:$lport \(ephemeral port\) to 127\.0\.0\.1:$PORT$" "$t"
	ok $? "$mode: the accept line names the client's ephemeral port $lport and our well-known port"
	if [ "$mode" = fork ]; then
		grep -Eq "fork\(\) = $peer_pid \(child serves 127\.0\.0\.1:$lport\)$" "$t"
		ok $? "fork: the fork line's pid is /_peer's pid ($peer_pid)"
		grep -Eq "^sockwebd\[$peer_pid\] .* GET /_peer -> 200$" "$t"
		ok $? "fork: the child traces the request and its status"
	else
		grep -Eq "^sockwebd\[$peer_pid\] .* GET /_peer -> 200$" "$t"
		ok $? "prefork: the worker ($peer_pid, /_peer's pid) traces the request and its status"
	fi
	grep -Eq "^sockwebd\[[0-9]+\] .* read\([0-9]+\) = [0-9]+ bytes$" "$t"
	ok $? "$mode: the read of the request is traced"
	grep -Eq "sendmsg\([0-9]+\) = [0-9]+ bytes$" "$t"
	ok $? "$mode: the send is traced"
	grep -Eq "TCP_INFO 127\.0\.0\.1:$lport: rtt [0-9]+ us \(var [0-9]+ us\), [0-9]+ retransmitted, segments out [0-9]+, in [0-9]+$" "$t"
	ok $? "$mode: TCP_INFO at release"
	grep -Eq "close\([0-9]+\): (we sent the first FIN|127\.0\.0\.1:$lport sent the first FIN|our FIN now)" "$t"
	ok $? "$mode: the release says which side closed first and where TIME_WAIT is"
	bad=$(grep -cvE '^(sockwebd: listening on |sockwebd\[[0-9]+\] [0-9:.]{15} )' "$t")
	is "$bad" 0 "$mode: every stderr line is whole and has the pid and a time stamp"
	printf 'GET /caf\351 HTTP/1.0\r\n\r\n' | timeout 5 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.stdin.buffer.read()); s.recv(4096)' "$PORT"
	wait_for_line "$t" 'GET /caf\\xE9 -> ' 5
	ok $? "$mode: the client's 8-bit bytes are escaped in the trace"
	grep -q 'accept(' "$ACCESS_LOG"
	is $? 1 "$mode: no trace line in the access log"
	stop_sockwebd
	is "$SERVER_STATUS" 0 "$mode: SIGTERM exits 0"
done

ACCESS_LOG="$TEST_DIR/access.quiet.log"
start_sockwebd || bail_out "sockwebd did not start"
curl -s --max-time 10 -o /dev/null "$BASE/hello.txt"
stop_sockwebd
is "$(grep -cv 'listening on' "$SERVER_ERR")" 0 "without -v: nothing on stderr but the listening line"

done_testing
