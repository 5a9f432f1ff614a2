#!/usr/bin/env bash
# tests/integration/server_peer.sh: GET /_peer without a browser. The JSON
# names the connection as the server saw it: the client's address and the
# ephemeral port curl used (curl's own %{local_port}), the server's address
# and the port it listens on, the family (IPv4, and IPv6 on ::1), the
# serving process's pid and the request's number on a keep-alive
# connection. HEAD has no body; --no-peer turns the endpoint off (404).
. "$top_srcdir/tests/lib.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"

make_test_root

# field JSON KEY.KEY: one value of the /_peer JSON, printed by python.
field() {
	python3 -c 'import json, sys
v = json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    v = v[k]
print(v)' "$1" "$2" 2>/dev/null || echo "(no $2)"
}

start_sockwebd || bail_out "sockwebd did not start"

out=$(curl -s --max-time 10 -D "$TEST_DIR/peer.h" -w '\n%{local_port} %{http_code}' "$BASE/_peer")
json=$(printf '%s\n' "$out" | grep -v '^$' | head -n 1)
read -r lport code <<<"$(printf '%s\n' "$out" | tail -n 1)"
is "$code" 200 "GET /_peer: 200"
like "$(tr -d '\r' <"$TEST_DIR/peer.h")" '^Content-Type: application/json$' "GET /_peer: Content-Type: application/json"
is "$(field "$json" client.ip)" 127.0.0.1 "client.ip: the client's address"
is "$(field "$json" client.port)" "$lport" "client.port: the ephemeral port curl used ($lport)"
is "$(field "$json" server.ip)" 127.0.0.1 "server.ip: the address the connection came to"
is "$(field "$json" server.port)" "$PORT" "server.port: the listening port ($PORT)"
is "$(field "$json" family)" IPv4 "family: IPv4"
like "$(field "$json" pid)" '^[1-9][0-9]*$' "pid: a process id"
is "$(field "$json" request)" 1 "request: the first on its connection"

# Two requests on one keep-alive connection: same client port, numbered 1, 2.
out=$(curl -s --max-time 10 "$BASE/_peer" "$BASE/_peer" | grep -v '^$')
j1=$(printf '%s\n' "$out" | sed -n 1p)
j2=$(printf '%s\n' "$out" | sed -n 2p)
is "$(field "$j1" request) $(field "$j2" request)" "1 2" "keep-alive: the requests are numbered 1 and 2"
is "$(field "$j2" client.port)" "$(field "$j1" client.port)" "keep-alive: one connection, one client port"

code=$(curl -s --max-time 10 -I -o "$TEST_DIR/head.h" -w '%{http_code} %{size_download}' "$BASE/_peer")
is "$code" "200 0" "HEAD /_peer: 200, no body"
like "$(tr -d '\r' <"$TEST_DIR/head.h")" '^Content-Length: [1-9][0-9]*$' "HEAD /_peer: the Content-Length of the JSON"
code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$BASE/_peer?x=1")
is "$code" 200 "GET /_peer?x=1: the query is not part of the path"
stop_sockwebd
is "$SERVER_STATUS" 0 "SIGTERM: exit 0"

if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	NO_DEFAULT_LISTEN=1 start_sockwebd -l ::1 || bail_out "sockwebd -l ::1 did not start"
	out=$(curl -s -g --max-time 10 -w '\n%{local_port}' "http://[::1]:$PORT/_peer")
	json=$(printf '%s\n' "$out" | head -n 1)
	is "$(field "$json" family) $(field "$json" client.ip) $(field "$json" server.ip)" "IPv6 ::1 ::1" \
		"over ::1: family IPv6, both addresses ::1"
	is "$(field "$json" client.port)" "$(printf '%s\n' "$out" | tail -n 1)" "over ::1: the client's port"
	stop_sockwebd
else
	ok 0 "# SKIP /_peer over IPv6: no ::1"
	ok 0 "# SKIP /_peer over IPv6: no ::1"
fi

ACCESS_LOG="$TEST_DIR/access.nopeer.log"
start_sockwebd --no-peer || bail_out "sockwebd --no-peer did not start"
code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$BASE/_peer")
is "$code" 404 "--no-peer: /_peer is an ordinary (missing) file: 404"
stop_sockwebd

done_testing
