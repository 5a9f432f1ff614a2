#!/usr/bin/env bash
# tests/security/abuse.sh: abusive clients (issue 7). Each case gets the
# right 4xx or a clean close in bounded time, and after each one the
# server still answers a normal request with 200:
#   a 1 MiB request line (414), 10 000 header lines (431), a header
#   without a colon (400), bare LF line ends (200, as nginx), a body far
#   larger than declared (the request answered, then a clean close; with
#   keep-alive the excess is read as a next request: 400), binary garbage
#   (400), a client that resets in the middle
#   of a 50 MiB response, a client that never reads a 50 MiB response (the
#   child hands the rest back to the parent at once, and the parent closes
#   the connection after -t seconds without progress), and 1 000 connections opened
#   and closed without a byte (no zombies, the parent's fd count unchanged).
. "$top_srcdir/tests/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
command -v curl >/dev/null 2>&1 || skip_all "curl not installed"

TIMEOUT=2
make_test_root
truncate -s 50M "$TEST_DIR/www/big.bin"

# probe.py CASE PORT [ARG]: one abusive client; prints
#   status=CODE statuses=CODE,CODE how=eof|reset|timeout secs=S bytes=N
# (the first status line, every status line in the answer, how the
# connection ended, how long it took, how many bytes came back).
PROBE="$TEST_DIR/probe.py"
cat >"$PROBE" <<'EOF'
import random, re, socket, struct, sys, threading, time

case, port = sys.argv[1], int(sys.argv[2])
arg = sys.argv[3] if len(sys.argv) > 3 else None
READ_LIMIT = 10.0

def connect():
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return s

def send_bg(s, data):
    """Send in a thread so that we read the answer meanwhile."""
    def run():
        try:
            s.sendall(data)
        except OSError:
            pass
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t

def exchange(data):
    t0 = time.monotonic()
    s = connect()
    send_bg(s, data)
    out, how = b"", "eof"
    s.settimeout(0.5)
    while True:
        if time.monotonic() - t0 > READ_LIMIT:
            how = "timeout"
            break
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            how = "reset"
            break
        if not chunk:
            break
        out += chunk
    s.close()
    report(out, how, time.monotonic() - t0)

def report(out, how, secs):
    codes = [m.decode() for m in re.findall(rb"HTTP/1\.[01] (\d{3}) ", out)]
    first = re.match(rb"HTTP/1\.[01] (\d{3}) ", out)
    print("status=%s statuses=%s how=%s secs=%.3f bytes=%d" % (
        first.group(1).decode() if first else "none",
        ",".join(codes) or "none", how, secs, len(out)))

if case == "longline":
    exchange(b"GET /" + b"a" * (1 << 20) + b" HTTP/1.0\r\n\r\n")
elif case == "manyheaders":
    exchange(b"GET /hello.txt HTTP/1.0\r\n" +
             b"".join(b"X-Header-%d: value\r\n" % i for i in range(10000)) + b"\r\n")
elif case == "nocolon":
    exchange(b"GET /hello.txt HTTP/1.0\r\nUser-Agent: probe\r\nNoColonHere\r\n\r\n")
elif case == "barelf":
    exchange(b"GET /hello.txt HTTP/1.0\nUser-Agent: probe\nAccept: */*\n\n")
elif case == "bigbody":
    exchange(b"GET /hello.txt HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello" +
             b"x" * 100000)
elif case == "bigbody-keepalive":
    exchange(b"GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n"
             b"Content-Length: 5\r\n\r\nhello" + b"x" * 100000)
elif case == "garbage":
    rnd = random.Random(int(arg))
    exchange(bytes([0x16, 0x03, 0x01]) +
             bytes(rnd.randrange(256) for _ in range(4093)))
elif case == "tokenline":
    # A line of ARG token characters, no space: not a request line at all.
    exchange(b"x" * int(arg) + b"\r\n\r\n")
elif case == "reset":
    # Read 1 MiB of the 50 MiB answer, then close with SO_LINGER 0 (RST).
    t0 = time.monotonic()
    s = connect()
    s.sendall(b"GET /big.bin HTTP/1.0\r\n\r\n")
    got = 0
    while got < (1 << 20):
        chunk = s.recv(65536)
        if not chunk:
            break
        got += len(chunk)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    print("read=%d secs=%.3f" % (got, time.monotonic() - t0))
elif case == "noread":
    # Ask for 50 MiB and never read; hold the connection ARG seconds.
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET /big.bin HTTP/1.0\r\n\r\n")
    time.sleep(float(arg))
    s.close()
elif case == "idle":
    # ARG connections opened and closed without sending a byte.
    n = ok = 0
    for i in range(int(arg)):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            ok += 1
            s.close()
        except OSError as e:
            print("connect %d: %s" % (i, e), file=sys.stderr)
    print("opened=%d" % ok)
else:
    sys.exit("probe.py: unknown case " + case)
EOF

start_sockwebd -t "$TIMEOUT" || bail_out "sockwebd did not start"

probe() { timeout 30 python3 "$PROBE" "$1" "$PORT" "${@:2}"; }

# field LINE NAME: the value of NAME=... in a probe line.
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# bounded LINE CASE: the probe ended (no time-out) within 10 s.
bounded() {
	local how secs
	how=$(field "$1" how)
	secs=$(field "$1" secs)
	ok "$([ "$how" != timeout ] && within "$secs" 10; echo $?)" \
		"$2: ends in bounded time (how=$how, ${secs} s)"
}

fd_start=$(fds)
diag "parent fds at start: $fd_start"

# --- a 1 MiB request line: 414, then a clean close -----------------------------
r=$(probe longline)
diag "longline: $r"
is "$(field "$r" statuses)" 414 "1 MiB request line: 414"
is "$(field "$r" how)" eof "... then a clean close (FIN, no reset)"
bounded "$r" "1 MiB request line"
still_serving "a 1 MiB request line"

# --- 10 000 header lines: 431 ----------------------------------------------------
r=$(probe manyheaders)
diag "manyheaders: $r"
is "$(field "$r" status)" 431 "10 000 header lines: 431"
bounded "$r" "10 000 header lines"
still_serving "10 000 header lines"

# --- a header line without a colon: 400 ------------------------------------------
r=$(probe nocolon)
diag "nocolon: $r"
is "$(field "$r" status)" 400 "a header without a colon: 400"
bounded "$r" "a header without a colon"
still_serving "a header without a colon"

# --- bare LF line ends: 200, as nginx ---------------------------------------------
r=$(probe barelf)
diag "barelf: $r"
is "$(field "$r" status)" 200 "bare LF line ends: 200, as nginx"
is "$(field "$r" statuses)" "$(field "$r" status)" "... exactly one response"
bounded "$r" "bare LF line ends"
still_serving "bare LF line ends"

# --- a body far larger than declared --------------------------------------------
r=$(probe bigbody)
diag "bigbody: $r"
is "$(field "$r" statuses)" 200 "Content-Length: 5 then 100 KB: the request is answered (200), the rest discarded"
like "$(field "$r" how)" '^eof$' "... and the connection closes cleanly"
bounded "$r" "an oversized body"
still_serving "an oversized body"

r=$(probe bigbody-keepalive)
diag "bigbody-keepalive: $r"
is "$(field "$r" statuses)" 200,400 "the same with keep-alive: 200, then the excess is a bad next request: 400"
like "$(field "$r" how)" '^eof$' "... and the connection closes cleanly"
bounded "$r" "an oversized body with keep-alive"
still_serving "an oversized body with keep-alive"

# --- binary garbage: 400 -----------------------------------------------------------
for seed in 1 2 3; do
	r=$(probe garbage "$seed")
	diag "garbage $seed: $r"
	is "$(field "$r" statuses)" 400 "4 KiB of binary garbage (seed $seed): 400"
	bounded "$r" "binary garbage (seed $seed)"
done
# A line of letters without a space is no request line either: 400 (what
# follows an oversized body on a keep-alive connection looks like this).
for n in 15 16 100; do
	r=$(probe tokenline "$n")
	diag "tokenline $n: $r"
	is "$(field "$r" statuses)" 400 "a line of $n letters and no space: 400"
done
still_serving "binary garbage"

# --- a client that resets in the middle of a 50 MiB response --------------------
wait_children 0 5
r=$(probe reset)
diag "reset: $r"
like "$r" '^read=1[0-9]{6}' "the resetting client read 1 MiB before its reset"
wait_children 0 5
ok $? "the child serving the reset connection is gone within 5 s ($(children) left)"
still_serving "a reset mid-response"
kill -0 "$SERVER_PID" 2>/dev/null
ok $? "sockwebd survived the reset"

# --- a client that never reads a 50 MiB response --------------------------------
wait_children 0 5
timeout 30 python3 "$PROBE" noread "$PORT" 20 2>"$TEST_DIR/noread.err" &
noread_pid=$!
track_pid "$noread_pid"
poll 5 at_least_one_child
t0=$(date +%s.%N)
wait_children 0 10
gone=$?
t1=$(date +%s.%N)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
diag "the child of a client that never reads was gone after $secs s (-t $TIMEOUT)"
ok "$gone" "a client that never reads: the child gives up within 10 s (${secs} s, -t $TIMEOUT)"
# The child handed the rest of the response back to the parent (issue 12),
# which closes the connection once the client has taken nothing for -t.
back_to_start() { [ "$(fds)" = "$fd_start" ]; }
poll 10 back_to_start
ok $? "... and the parent closes the never-reading connection within 10 s ($(fds) fds, $fd_start at start)"
stop_pid "$noread_pid"
still_serving "a client that never reads"

# --- 1 000 connections opened and closed without a byte -------------------------
r=$(probe idle 1000)
diag "idle: $r"
is "$r" "opened=1000" "1 000 connections opened and closed without a byte"
t0=$(date +%s.%N)
settle 10
ok $? "the backlog is served and every child reaped within 10 s ($(children) left, $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s)"
is "$(zombies)" 0 "no zombies"
still_serving "1 000 empty connections"

# --- the parent at the end -------------------------------------------------------
settle 5
is "$(fds)" "$fd_start" "the parent's fd count is back to its start value ($fd_start)"
is "$(zombies)" 0 "no zombies at the end"
kill -0 "$SERVER_PID" 2>/dev/null
ok $? "sockwebd is still running"
stop_sockwebd
is "$SERVER_STATUS" 0 "SIGTERM: sockwebd exits 0"

done_testing
