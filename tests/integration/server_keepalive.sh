#!/usr/bin/env bash
# tests/integration/server_keepalive.sh: keep-alive in fork mode. A child
# that has sent its response serves the client's next request too when it
# is already complete (pipelined, or in the socket within CHILD_STAY_MS);
# a partial or late request goes back to the parent, which forks again.
# /_peer names the serving process, so the pid tells who served what.
. "$top_srcdir/tests/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"

make_test_root
head -c 8388608 /dev/zero >"$TEST_DIR/www/big.bin"
start_sockwebd || bail_out "sockwebd did not start"

# exchange STEPS...: one connection; a step is "send:TEXT" (\r\n escapes
# allowed) or "sleep:SECONDS"; at the end, read to EOF (or 10 s) and print
# each response's status and the pid and number from its /_peer JSON.
exchange() {
	python3 - "$PORT" "$@" <<'EOF'
import json, re, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
for step in sys.argv[2:]:
    kind, arg = step.split(":", 1)
    if kind == "send":
        s.sendall(arg.replace("\\r\\n", "\r\n").encode())
    else:
        time.sleep(float(arg))
data = b""
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
except socket.timeout:
    print("timeout")
for m in re.finditer(rb"HTTP/1\.[01] (\d+)[^\r]*\r\n(.*?)\r\n\r\n", data, re.S):
    head = m.group(2).decode()
    length = int(re.search(r"Content-Length: (\d+)", head).group(1))
    body = data[m.end():m.end() + length]
    try:
        j = json.loads(body)
        print(m.group(1).decode(), j["pid"], j["request"])
    except ValueError:
        print(m.group(1).decode(), "-", "-")
EOF
}

ka='GET /_peer HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'
last='GET /_peer HTTP/1.0\r\n\r\n'

# Three pipelined requests in one segment: one child serves them all.
out=$(exchange "send:$ka$ka$last")
read -r s1 p1 n1 s2 p2 n2 s3 p3 n3 <<<"$(echo $out)"
is "$s1 $s2 $s3" "200 200 200" "pipelined: three 200s"
is "$n1 $n2 $n3" "1 2 3" "pipelined: numbered 1, 2, 3 on the connection"
is "$p2 $p3" "$p1 $p1" "pipelined: the first request's child ($p1) served all three"

# An idle pause (longer than CHILD_STAY_MS): the child hands back and the
# parent forks a new one for the next request.
pause=$(scaled 1)
out=$(exchange "send:$ka" "sleep:$pause" "send:$last")
read -r s1 p1 n1 s2 p2 n2 <<<"$(echo $out)"
is "$s1 $s2 $n1 $n2" "200 200 1 2" "after a pause: both answered, numbered 1 and 2"
isnt_same=$([ "$p1" != "$p2" ] && echo differ || echo same)
is "$isnt_same" differ "after a pause: a new child ($p2, not $p1) serves the next request"

# The next request's first half with the first one, the rest later: the
# child must not take a half request; the parent completes and forks.
out=$(exchange "send:${ka}GET /_peer HT" "sleep:$pause" "send:TP/1.0\r\n\r\n")
read -r s1 p1 n1 s2 p2 n2 <<<"$(echo $out)"
is "$s1 $s2 $n1 $n2" "200 200 1 2" "half a pipelined request: both answered, numbered 1 and 2"
isnt_same=$([ "$p1" != "$p2" ] && echo differ || echo same)
is "$isnt_same" differ "half a pipelined request: the parent completed it, a new child served it"

# The same with the half arriving in the socket after the first response.
out=$(exchange "send:$ka" "sleep:0.2" "send:GET /_peer HT" "sleep:$pause" "send:TP/1.0\r\n\r\n")
read -r s1 p1 n1 s2 p2 n2 <<<"$(echo $out)"
is "$s1 $s2 $n1 $n2" "200 200 1 2" "half a request in the socket: both answered, numbered 1 and 2"

# A pipelined second request for a big file, read only after a pause: the
# child serves it for HANDBACK_MS, then hands the rest to the parent, which
# must know it is the second request (the log names /big.bin, 8 MiB sent).
out=$(python3 - "$PORT" "$pause" <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.sendall(b"GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
          b"GET /big.bin HTTP/1.0\r\n\r\n")
time.sleep(float(sys.argv[2]))
n = 0
while True:
    chunk = s.recv(1 << 20)
    if not chunk:
        break
    n += len(chunk)
print(n)
EOF
)
like "$out" '^[0-9]+$' "a slow second request: the client read to the end"
[ "$out" -gt $((8388608 + 15)) ] && r=more || r="only $out"
is "$r" more "a slow second request: both bodies (and heads) arrived"

# While a connection idles, no child is held for it.
python3 - "$PORT" "$(scaled 2)" <<'EOF' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET /_peer HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
s.recv(65536)
time.sleep(float(sys.argv[2]))
EOF
idler=$!
track_pid "$idler"
sleep "$(scaled 1)"
is "$(children)" 0 "an idle keep-alive connection holds no child"
wait "$idler"

# The access log has a line for every request, whoever served it.
stop_sockwebd
is "$SERVER_STATUS" 0 "SIGTERM: exit 0"
is "$(grep -c '"GET /_peer HTTP/1.0" 200' "$ACCESS_LOG")" 10 "access log: one line per /_peer request (10)"
like "$(grep '"GET /big.bin HTTP/1.0"' "$ACCESS_LOG")" '" 200 8388608 ' "access log: the handed-back second request, 200 and all 8 MiB"

done_testing
