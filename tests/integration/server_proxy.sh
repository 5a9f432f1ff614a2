#!/usr/bin/env bash
# PROXY protocol (-i --proxy-protocol, under systemd-socket-activate
# --inetd) behind a real HAProxy (Debian package haproxy), started here in mode tcp with a config this test writes: one
# frontend with send-proxy (v1), one with send-proxy-v2. The access log
# line must start with the address and ephemeral port curl used, /_peer
# must show them; a connection without a valid header is refused with a
# 400 within -t; a forged PROXY line to a listener without the option is
# never believed (it is an unknown method, 501).
. "$top_srcdir/tests/lib.sh"

command -v haproxy >/dev/null 2>&1 ||
	skip_all "haproxy not installed (Debian package haproxy)"
command -v systemd-socket-activate >/dev/null 2>&1 ||
	skip_all "systemd-socket-activate not installed (Debian package systemd)"
make_test_root

# start_haproxy BACKEND_PORT: frontends FRONT_V1 (send-proxy) and FRONT_V2
# (send-proxy-v2) in front of 127.0.0.1:BACKEND_PORT.
start_haproxy() {
	local cfg="$TEST_DIR/haproxy.cfg"
	FRONT_V1=$(free_port)
	FRONT_V2=$(free_port)
	cat >"$cfg" <<CFG
defaults
	mode tcp
	timeout connect 5s
	timeout client 30s
	timeout server 30s
frontend v1
	bind 127.0.0.1:$FRONT_V1
	default_backend b1
backend b1
	server s1 127.0.0.1:$1 send-proxy
frontend v2
	bind 127.0.0.1:$FRONT_V2
	default_backend b2
backend b2
	server s2 127.0.0.1:$1 send-proxy-v2
CFG
	haproxy -db -f "$cfg" >"$TEST_DIR/haproxy.out" 2>&1 &
	HAPROXY_PID=$!
	track_pid "$HAPROXY_PID"
	local tries=100
	while [ "$tries" -gt 0 ]; do
		curl -s -o /dev/null -m 1 "http://127.0.0.1:$FRONT_V2/" 2>/dev/null && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	sed 's/^/#   /' "$TEST_DIR/haproxy.out"
	return 1
}

# through_balancer MODE LOG: the checks for one way of serving.
through_balancer() {
	local mode=$1 log=$2 v front lport peer
	for v in 1 2; do
		front=FRONT_V$v
		front=${!front}
		lport=$(curl -s -m 5 -o "$TEST_DIR/body" -w '%{local_port}' \
			"http://127.0.0.1:$front/hello.txt")
		is "$(cat "$TEST_DIR/body")" "hello, sockweb" \
			"$mode, PROXY v$v: the request through HAProxy is served"
		wait_for_line "$log" "^127\\.0\\.0\\.1:$lport - - \\[.*\\] \"GET /hello.txt HTTP/1.1\" 200 " 5
		ok $? "$mode, PROXY v$v: the access log line starts with the port curl used ($lport)"
		peer=$(curl -s -m 5 -w ' %{local_port}' "http://127.0.0.1:$front/_peer")
		like "$peer" "\"client\":\\{\"ip\":\"127\\.0\\.0\\.1\",\"port\":${peer##* }\\}" \
			"$mode, PROXY v$v: /_peer shows curl's ephemeral port ${peer##* }"
	done
}

# refused MODE PORT LOG: no valid header on a PROXY listener.
refused() {
	local mode=$1 port=$2 log=$3 out start elapsed
	out=$(raw_request "$port" 'GET /hello.txt HTTP/1.0\r\n\r\n' | head -n 1)
	like "$out" "^HTTP/1.0 400 " "$mode: a request without the header gets 400"
	wait_for_line "$log" '"-" 400 [0-9]+ ' 5
	ok $? "$mode: the refusal is in the access log"
	out=$(raw_request "$port" 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\nGET / HTTP/1.0\r\n\r\n' | head -n 1)
	like "$out" "^HTTP/1.0 400 " "$mode: a v1 line ending in a bare LF gets 400"
	start=$(date +%s%N)
	out=$(raw_request "$port" 'PROXY TCP4 1.2.3.4' "$(scaled 6)")
	elapsed=$((($(date +%s%N) - start) / 1000000))
	ok "$([ "$elapsed" -ge 1500 ] && [ "$elapsed" -lt "$(scaled_ms 5000)" ]; echo $?)" \
		"$mode: a header cut short is closed after -t 2 s (${elapsed} ms)"
	unlike "$(cat "$log")" '1\.2\.3\.4' "$mode: no address from a broken header is ever logged"
}

# --- inetd mode: HAProxy -> systemd-socket-activate --inetd -> sockwebd -i ----
sp=$(free_port)
ilog="$TEST_DIR/inetd.err"
systemd-socket-activate --inetd -a -l "127.0.0.1:$sp" \
	"$SOCKWEBD" -i --proxy-protocol -t 2 -r "$TEST_DIR/www" \
	>"$TEST_DIR/inetd.out" 2>"$ilog" &
track_pid $!
wait_for_line "$ilog" 'Listening on ' 10 || bail_out "systemd-socket-activate did not start"
start_haproxy "$sp" || bail_out "haproxy did not start"
through_balancer "inetd" "$ilog"
refused "inetd" "$sp" "$ilog"

# --- fork mode and --prefork: HAProxy -> sockwebd --proxy-protocol -----------
for mode in fork prefork; do
	args=(--proxy-protocol -t 2 -v)
	[ "$mode" = prefork ] && args+=(--prefork 2)
	ACCESS_LOG="$TEST_DIR/$mode.log" start_sockwebd "${args[@]}" ||
		bail_out "$mode: sockwebd did not start"
	kill -TERM "$HAPROXY_PID"
	wait "$HAPROXY_PID" 2>/dev/null
	start_haproxy "$PORT" || bail_out "haproxy did not start"
	through_balancer "$mode" "$TEST_DIR/$mode.log"
	like "$(grep 'GET /hello.txt' "$TEST_DIR/$mode.log" | head -n 1)" ' via 127\.0\.0\.1:[0-9]+$' \
		"$mode: the access log says a balancer is in between (via its address and port)"
	like "$(curl -s -m 5 "http://127.0.0.1:$FRONT_V2/_peer")" '"via":\{"ip":"127\.0\.0\.1","port":[0-9]+,"proxy_protocol":2\}' \
		"$mode: /_peer names the balancer and the PROXY protocol version"
	like "$(cat "$SERVER_ERR")" 'PROXY v[12] header: client 127\.0\.0\.1:[0-9]+ \(ephemeral port\), via balancer 127\.0\.0\.1:[0-9]+' \
		"$mode: the -v trace shows the client and the balancer"
	refused "$mode" "$PORT" "$TEST_DIR/$mode.log"
	stop_sockwebd
	is "$SERVER_STATUS" 0 "$mode: sockwebd exits 0 on SIGTERM"
done

# --- --proxy-listen: one listener for the balancer, one for everyone --------
pp=$(free_port)
ACCESS_LOG="$TEST_DIR/mixed.log" start_sockwebd --proxy-listen "127.0.0.1:$pp" -t 2 ||
	bail_out "mixed: sockwebd did not start"
kill -TERM "$HAPROXY_PID"
wait "$HAPROXY_PID" 2>/dev/null
start_haproxy "$pp" || bail_out "haproxy did not start"
through_balancer "--proxy-listen" "$TEST_DIR/mixed.log"
lport=$(curl -s -m 5 -o /dev/null -w '%{local_port}' "$BASE/hello.txt")
wait_for_line "$TEST_DIR/mixed.log" "^127\.0\.0\.1:$lport - - .*\"GET /hello.txt HTTP/1.1\" 200 .*\"curl/[^\"]*\"\$" 5
ok $? "--proxy-listen: the plain listener ($PORT) serves without a header, no 'via'"
refused "--proxy-listen" "$pp" "$TEST_DIR/mixed.log"
stop_sockwebd

# --- without the option a PROXY line is never believed ------------------------
start_sockwebd -t 2 || bail_out "sockwebd did not start"
out=$(raw_request "$PORT" 'PROXY TCP4 6.6.6.6 7.7.7.7 1111 80\r\nGET /_peer HTTP/1.0\r\n\r\n')
like "$(printf '%s' "$out" | head -n 1)" "^HTTP/1.0 501 " \
	"no --proxy-protocol: a forged PROXY line is an unknown method (501), as any other"
unlike "$out" '"client"' "no --proxy-protocol: /_peer after it is not answered"
sleep 0.3
like "$(cat "$ACCESS_LOG")" '^127\.0\.0\.1:[0-9]+ - - .*"PROXY TCP4 6\.6\.6\.6 [^"]*" 501 ' \
	"no --proxy-protocol: the log line starts with the real peer; the forged line is only the request"
unlike "$(cut -d' ' -f1 "$ACCESS_LOG")" '6\.6\.6\.6' \
	"no --proxy-protocol: the forged address is never logged as the client"

done_testing
