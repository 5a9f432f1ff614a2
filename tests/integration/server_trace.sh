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

# time_wait LOCAL-PEER-REGEX DESCRIPTION: ss lists that end in TIME_WAIT
# (within 3 s); nothing to check without ss.
time_wait() {
	command -v ss >/dev/null || return 0
	poll 3 sh -c "ss -Htan state time-wait | grep -Eq '$1( |\$)'"
	ok $? "$2"
}

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
	# Who sent the first FIN, told as it was (issue 16). A client that
	# reads to the end before it closes: the server's FIN is first, and
	# the kernel then keeps the server's end in TIME_WAIT.
	raw_request "$PORT" 'GET /hello.txt HTTP/1.0\r\n\r\n' >"$TEST_DIR/wait.$mode.out"
	p=$(sed -n 's/.* accept([0-9]*) = [0-9]* from 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$t" | tail -n 1)
	wait_for_line "$t" "close\\([0-9]+\\): our FIN now, none from 127\\.0\\.0\\.1:$p yet" 5
	ok $? "$mode: the client waits for the end: the server says its FIN is first"
	time_wait "127\.0\.0\.1:$PORT +127\.0\.0\.1:$p" "$mode: ss shows the server's end (127.0.0.1:$PORT, 127.0.0.1:$p) in TIME_WAIT"
	# A client that half-closes with its request: corked, the request and
	# the FIN leave in one segment, so the FIN is in before the server
	# closes (CLOSE_WAIT), whether or not the server read it.
	timeout 10 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
s.sendall(b"GET /hello.txt HTTP/1.0\r\n\r\n")
s.shutdown(socket.SHUT_WR)
out = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    out += chunk
sys.stdout.buffer.write(out)' "$PORT" >"$TEST_DIR/half.$mode.out"
	like "$(head -n 1 "$TEST_DIR/half.$mode.out")" '^HTTP/1\.0 200 ' "$mode: a half-closed client still gets its answer"
	p=$(sed -n 's/.* accept([0-9]*) = [0-9]* from 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$t" | tail -n 1)
	wait_for_line "$t" "close\\([0-9]+\\): 127\\.0\\.0\\.1:$p sent the first FIN; TIME_WAIT is on its side" 5
	ok $? "$mode: the client's FIN came first: the server says so"
	time_wait "127\.0\.0\.1:$p +127\.0\.0\.1:$PORT" "$mode: ss shows the client's end (127.0.0.1:$p) in TIME_WAIT"
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
