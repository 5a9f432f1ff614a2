#!/bin/bash
# client_dnsmasq.sh: sockget with a real DNS server, dnsmasq (Debian
# package), on a free loopback port with its own hosts file and no
# upstream, so nothing leaves the machine. Names in the file are fetched
# from sockwebd (IPv4 and IPv6), others in the zone get NXDOMAIN (exit 6).
. "$top_srcdir/tests/lib.sh"

[ -x "$SOCKGET" ] || skip_all "sockget not built"
[ -x "$SOCKWEBD" ] || skip_all "sockwebd not built"
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
[ -x "$DNSMASQ" ] || skip_all "dnsmasq not installed (apt-get install dnsmasq)"

make_test_root
# With -p 0 each -l address gets its own port: one server per family.
NO_DEFAULT_LISTEN=1 start_sockwebd -l ::1 || bail_out "sockwebd on ::1 did not start"
PORT6=$PORT
start_sockwebd || bail_out "sockwebd did not start"

printf '127.0.0.1 web.sockweb.test\n::1 web6.sockweb.test\n' >"$TEST_DIR/hosts"

# Ready once it has read the hosts file; gone at once if the port was taken.
dnsmasq_ready() {
	local tries
	tries=$(scaled_ms 100)
	while [ "$tries" -gt 0 ] && kill -0 "$DNS_PID" 2>/dev/null; do
		grep -qs 'read .*hosts' "$DNS_ERR" && return 0
		sleep 0.05
		tries=$((tries - 1))
	done
	return 1
}

# dnsmasq cannot take port 0, so try a few ports the kernel just handed out.
start_dnsmasq() {
	local try
	for try in 1 2 3 4 5; do
		DNS_PORT=$(python3 -c '
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
t = socket.socket()
t.bind(("127.0.0.1", u.getsockname()[1]))
print(u.getsockname()[1])' 2>/dev/null) || continue
		DNS_ERR="$TEST_DIR/dnsmasq.$try.err"
		"$DNSMASQ" --no-daemon --port="$DNS_PORT" --listen-address=127.0.0.1 \
			--bind-interfaces --no-resolv --no-hosts --addn-hosts="$TEST_DIR/hosts" \
			--local=/sockweb.test/ --pid-file= --log-facility=- --log-queries \
			--user="$(id -un)" 2>"$DNS_ERR" &
		DNS_PID=$!
		if dnsmasq_ready; then
			track_pid "$DNS_PID"
			return 0
		fi
		kill "$DNS_PID" 2>/dev/null
		wait "$DNS_PID" 2>/dev/null
	done
	return 1
}
start_dnsmasq || bail_out "dnsmasq did not start: $(cat "$DNS_ERR")"
SG=("$SOCKGET" -s -S --dns-servers "127.0.0.1:$DNS_PORT")

got=$("${SG[@]}" "http://web.sockweb.test:$PORT/hello.txt")
is "$got" "hello, sockweb" "A record from dnsmasq: fetched from sockwebd"
like "$(cat "$DNS_ERR")" 'query\[A\] web\.sockweb\.test from 127\.0\.0\.1' "dnsmasq saw sockget's A query"
like "$(cat "$DNS_ERR")" 'query\[AAAA\] web\.sockweb\.test' "and the AAAA query (AF_UNSPEC)"

w=$("${SG[@]}" -o /dev/null -w '%{remote_ip} %{http_code}' "http://web6.sockweb.test:$PORT6/hello.txt")
is "$w" "::1 200" "AAAA record from dnsmasq: fetched over IPv6"
like "$(tail -n 1 "$ACCESS_LOG")" '^\[?::1\]?:[0-9]+ ' "sockwebd logged the IPv6 client"

"${SG[@]}" "http://missing.sockweb.test:$PORT/" 2>"$TEST_DIR/nx.err"
is "$?" 6 "name dnsmasq does not know: exit 6"
is "$(cat "$TEST_DIR/nx.err")" "sockget: (6) Could not resolve host: missing.sockweb.test" "exit 6 message"

# An IPv6 literal never reaches DNS: no server at 127.0.0.1:1, still fetched.
got=$("$SOCKGET" -s -S --dns-servers 127.0.0.1:1 "http://[::1]:$PORT6/hello.txt")
is "$got" "hello, sockweb" "[::1] literal skips DNS"

# Both names at once, one channel.
got=$("${SG[@]}" "http://web.sockweb.test:$PORT/hello.txt" "http://web6.sockweb.test:$PORT6/sub/file.txt")
is "$got" "$(printf 'hello, sockweb\nin sub')" "two names, two URLs, one run"

done_testing
