#!/usr/bin/env bash
# tests/integration/server_turns.sh: who serves a request when there are
# more clients than processes (issue 12).
#  - Fork mode: a request that comes while the parent holds more
#    connections than -c is served by the parent itself (/_peer names the
#    serving process: the parent's pid, not a child's); with few
#    connections every request still gets a child, also for a file the
#    parent has in its open-file cache.
#  - --prefork 2: the workers take new connections in order (server/spill.c):
#    at rest, sequential requests and 32 keep-alive connections opened at
#    once all go to one worker; when that worker cannot accept (stopped
#    with SIGSTOP, killed) the next one takes the new connections.
. "$top_srcdir/tests/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
command -v curl >/dev/null 2>&1 || skip_all "curl not installed"

make_test_root

peer_pid() {
	curl -s --max-time "$(scaled 5)" "$BASE/_peer" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])'
}

# hold N: N connections that sent half a request, held by the server
# (each only reads what comes), for 30 s or until killed; returns once the
# server holds them (its descriptors grew by N).
hold() {
	local before
	before=$(fds)
	python3 - "$PORT" "$1" <<'EOF' &
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /hello.txt HTTP/1.0\r\n")
    socks.append(s)
time.sleep(30)
EOF
	HOLDER=$!
	track_pid "$HOLDER"
	poll 10 sh -c "[ \$(ls /proc/$SERVER_PID/fd | wc -l) -ge $((before + $1)) ]" ||
		diag "the server did not take the $1 held connections"
}

# --- fork mode: beyond -c the parent serves --------------------------------

start_sockwebd -c 2 -t 30 || bail_out "sockwebd -c 2 did not start"
p=$(peer_pid)
ok "$([ -n "$p" ] && [ "$p" != "$SERVER_PID" ]; echo $?)" \
	"-c 2, one connection: a child ($p) serves it, not the parent ($SERVER_PID)"
hold 3
p=$(peer_pid)
is "$p" "$SERVER_PID" "-c 2, 3 connections held: the parent serves the 4th itself"
is "$(curl -s --max-time 5 "$BASE/hello.txt")" "hello, sockweb" \
	"-c 2, 3 connections held: a file, served by the parent, is whole"
stop_pid "$HOLDER" KILL
sleep "$(scaled 0.5)"
p=$(peer_pid)
ok "$([ -n "$p" ] && [ "$p" != "$SERVER_PID" ]; echo $?)" \
	"-c 2, the held connections gone: a child serves again ($p)"
stop_sockwebd

# A file the parent served (and keeps in its open-file cache) is whole when
# a child serves it next: the child keeps the cache's descriptors.
head -c 100000 /dev/urandom >"$TEST_DIR/www/big.bin"
start_sockwebd -c 1 -t 30 || bail_out "sockwebd -c 1 did not start"
hold 1
curl -s --max-time 5 -o "$TEST_DIR/big.parent" "$BASE/big.bin"
cmp -s "$TEST_DIR/www/big.bin" "$TEST_DIR/big.parent"
ok $? "-c 1, a connection held: the parent serves a 100 kB file whole"
stop_pid "$HOLDER" KILL
sleep "$(scaled 0.5)"
p=$(peer_pid)
ok "$([ -n "$p" ] && [ "$p" != "$SERVER_PID" ]; echo $?)" \
	"-c 1, the held connection gone: a child serves again ($p)"
curl -s --max-time 5 -o "$TEST_DIR/big.child" "$BASE/big.bin"
cmp -s "$TEST_DIR/www/big.bin" "$TEST_DIR/big.child"
ok $? "then a child serves the file the parent has cached: whole, same bytes"
stop_sockwebd

# -v says why the parent served.
start_sockwebd -c 1 -v || bail_out "sockwebd -c 1 -v did not start"
hold 1
curl -s --max-time 5 -o /dev/null "$BASE/hello.txt"
like "$(cat "$SERVER_ERR")" "more connections than children \(-c 1\): the parent serves 127\.0\.0\.1:[0-9]+ itself" \
	"-v: the trace says why the parent serves"
stop_pid "$HOLDER" KILL
stop_sockwebd

# --- --prefork 2: workers in order ----------------------------------------

start_sockwebd --prefork 2 || bail_out "sockwebd --prefork 2 did not start"
workers() { ps --ppid "$SERVER_PID" -o pid= | tr -d ' ' | sort -n | tr '\n' ' '; }
poll "$(scaled 5)" sh -c "[ \$(ps --ppid $SERVER_PID -o pid= | wc -l) -eq 2 ]"
# At rest: until worker 0 has published its seat, worker 1 stands in, and
# it leaves after ten empty looks (about 110 ms); give that time.
sleep "$(scaled 1)"
pids=""
for i in 1 2 3 4 5 6 7 8 9 10; do
	pids="$pids $(peer_pid)"
	sleep 0.05
done
distinct=$(echo $pids | tr ' ' '\n' | sort -u | wc -l)
is "$distinct" 1 "--prefork 2 at rest: 10 requests, one worker serves them all ($pids)"
first=$(echo $pids | awk '{print $1}')

# 32 keep-alive connections opened at once, each making 20 requests: one
# worker holds them all (no ping-pong between two half-busy workers).
served=$(python3 - "$PORT" <<'EOF'
import json, socket, sys
port = int(sys.argv[1])
conns = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(32)]
req = b"GET /_peer HTTP/1.1\r\nHost: t\r\n\r\n"
pids = set()
for _ in range(20):
    for s in conns:
        s.sendall(req)
    for s in conns:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                sys.exit("closed before a whole response")
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = int([l.split(b":")[1] for l in head.split(b"\r\n")
                      if l.lower().startswith(b"content-length:")][0])
        while len(body) < length:
            chunk = s.recv(4096)
            if not chunk:
                sys.exit("closed before a whole body")
            body += chunk
        pids.add(json.loads(body)["pid"])
print(" ".join(str(p) for p in sorted(pids)))
EOF
)
is "$served" "$first" "--prefork 2: 32 keep-alive connections x 20 requests, all on worker $first"

# The first worker stopped: new connections wait in the accept queue, and
# the second worker takes them within a few of its looks.
kill -STOP "$first"
p=$(peer_pid)
ok "$([ -n "$p" ] && [ "$p" != "$first" ]; echo $?)" \
	"--prefork 2, worker $first stopped: the other worker serves ($p)"
kill -CONT "$first"

# Killed: the master marks its seat empty, the other worker stands in at
# once, and a new worker takes the seat.
kill -KILL "$first"
p=$(peer_pid)
ok "$([ -n "$p" ] && [ "$p" != "$first" ]; echo $?)" \
	"--prefork 2, worker $first killed: a request is still served ($p)"
poll "$(scaled 5)" sh -c "[ \$(ps --ppid $SERVER_PID -o pid= | wc -l) -eq 2 ]"
is "$(ps --ppid "$SERVER_PID" -o pid= | wc -l | tr -d ' ')" 2 "--prefork 2: the master restarted the killed worker"
stop_sockwebd

done_testing
