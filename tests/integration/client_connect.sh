#!/bin/bash
# client_connect.sh: the connecting side of the socket model. Happy-eyeballs
# stagger (an address that never answers costs 250 ms, not a time-out),
# --connect-timeout, --local-port (seen in sockwebd's access log), and the
# progress bar, drawn only when stderr is a terminal.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/client_lib.sh"

[ -x "$SOCKGET" ] || skip_all "sockget not built"
[ -x "$SOCKWEBD" ] || skip_all "sockwebd not built"
command -v python3 >/dev/null || skip_all "python3 not found"

make_test_root
head -c 3000000 /dev/urandom >"$TEST_DIR/www/three-mb.bin"
start_sockwebd || bail_out "sockwebd did not start"

# A listener on 127.0.0.2:$PORT whose accept queue is full: the kernel
# drops further SYNs, so a connect() there neither succeeds nor fails.
cat >"$TEST_DIR/blackhole.py" <<'EOF'
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.2", int(sys.argv[1])))
s.listen(0)
fill = []
for _ in range(4):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.2", int(sys.argv[1])))
    except BlockingIOError:
        pass
    fill.append(c)
time.sleep(0.3)
sys.stderr.write("blackhole: ready\n")
sys.stderr.flush()
time.sleep(60)
EOF
python3 "$TEST_DIR/blackhole.py" "$PORT" 2>"$TEST_DIR/blackhole.err" &
track_pid $!
wait_for_line "$TEST_DIR/blackhole.err" 'ready' 10 || bail_out "blackhole did not start"

URL="http://stagger.test:$PORT/hello.txt"
w=$("$SOCKGET" -s -S -v --resolve "stagger.test:$PORT:127.0.0.2,127.0.0.1" \
	-o /dev/null -w '%{remote_ip} %{time_connect}' "$URL" 2>"$TEST_DIR/stagger.err")
is "$?" 0 "first address silent, second fine: exit 0"
is "${w% *}" "127.0.0.1" "the second address won the race"
tc=${w#* }
awk -v t="$tc" -v max="$(scaled 1.0)" 'BEGIN { exit !(t >= 0.2 && t < max) }'
ok $? "second attempt started after the 250 ms stagger, not a time-out (time_connect $tc)"
v=$(cat "$TEST_DIR/stagger.err")
like "$v" "Trying 127\.0\.0\.2:$PORT" "-v: first attempt to the silent address"
like "$v" "Trying 127\.0\.0\.1:$PORT" "-v: second attempt"

t0=$(date +%s%N)
"$SOCKGET" -s -S --connect-timeout 0.5 --resolve "stagger.test:$PORT:127.0.0.2" "$URL" \
	2>"$TEST_DIR/cto.err"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
is "$rc" 28 "only the silent address: --connect-timeout 0.5 exits 28"
[ "$ms" -ge 400 ] && [ "$ms" -lt "$(scaled_ms 1500)" ]
ok $? "gave up after about 0.5 s ($ms ms, bound $(scaled_ms 1500))"
like "$(cat "$TEST_DIR/cto.err")" '^sockget: \(28\) Connection timed out after [0-9]+ milliseconds' \
	"time-out message"

# --local-port: the client picks its port, and the server sees it.
base=$(python3 -c 'import random; print(random.randrange(20000, 30000))')
w=$("$SOCKGET" -s -S -o /dev/null -w '%{local_port}' --local-port "$base-$((base + 50))" \
	"$BASE/sub/file.txt")
is "$?" 0 "--local-port range: exit 0"
[ "$w" -ge "$base" ] && [ "$w" -le $((base + 50)) ]
ok $? "local port $w within $base-$((base + 50))"
like "$(grep '"GET /sub/file.txt' "$ACCESS_LOG" | tail -n 1)" "^127\.0\.0\.1:$w " \
	"sockwebd's access log shows local port $w"

python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(1)
sys.stderr.write("busy: ready\n"); sys.stderr.flush(); time.sleep(60)' "$w" 2>"$TEST_DIR/busy.err" &
track_pid $!
wait_for_line "$TEST_DIR/busy.err" 'ready' 10 || bail_out "port holder did not start"
"$SOCKGET" -s -S -o /dev/null --local-port "$w" "$BASE/hello.txt" 2>"$TEST_DIR/busy-sg.err"
is "$?" 45 "--local-port on a port in use exits 45"
like "$(cat "$TEST_DIR/busy-sg.err")" 'Address already in use' "message says why"

# Progress bar: on a terminal (script(1) gives one), with output to a file.
if command -v script >/dev/null; then
	script -qfec "'$SOCKGET' -o '$TEST_DIR/p.bin' '$BASE/three-mb.bin'" /dev/null \
		>"$TEST_DIR/tty.out" </dev/null
	ok $? "download with stderr on a terminal"
	like "$(cat "$TEST_DIR/tty.out")" '\[#+\] 100%' "progress bar reaches 100% on a terminal"
	cmp -s "$TEST_DIR/p.bin" "$TEST_DIR/www/three-mb.bin"
	ok $? "file intact with the bar"
	script -qfec "'$SOCKGET' -s -o '$TEST_DIR/p2.bin' '$BASE/three-mb.bin'" /dev/null \
		>"$TEST_DIR/tty-s.out" </dev/null
	unlike "$(cat "$TEST_DIR/tty-s.out")" '%' "-s: no progress bar"
	script -qfec "'$SOCKGET' '$BASE/hello.txt'" /dev/null >"$TEST_DIR/tty-o.out" </dev/null
	unlike "$(cat "$TEST_DIR/tty-o.out")" '%' "output on the terminal: no progress bar"
fi
"$SOCKGET" -o "$TEST_DIR/p3.bin" "$BASE/three-mb.bin" 2>"$TEST_DIR/nobar.err"
is "$(wc -c <"$TEST_DIR/nobar.err" | tr -d ' ')" 0 "stderr not a terminal: no progress bar"

# A kernel connect time-out (SYNs unanswered) is exit 28, as curl's: in a
# network namespace of our own with tcp_syn_retries=1 it comes after ~3 s.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v ip >/dev/null; then
	cat >"$TEST_DIR/synfull.py" <<'EOF2'
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
fill = []
for _ in range(4):
    c = socket.socket(); c.setblocking(False)
    try:
        c.connect(s.getsockname())
    except BlockingIOError:
        pass
    fill.append(c)
time.sleep(0.3)
print(s.getsockname()[1], flush=True)
time.sleep(20)
EOF2
	unshare -n bash -c '
		ip link set lo up && sysctl -qw net.ipv4.tcp_syn_retries=1 || exit 99
		python3 "$1/synfull.py" >"$1/synfull.port" & pid=$!
		for _ in $(seq 50); do [ -s "$1/synfull.port" ] && break; sleep 0.1; done
		p=$(cat "$1/synfull.port")
		"$2" -sS "http://127.0.0.1:$p/" 2>"$1/syn.err"; echo "sockget $?" >"$1/syn.rc"
		if command -v curl >/dev/null; then curl -sS "http://127.0.0.1:$p/" 2>/dev/null; echo "curl $?" >>"$1/syn.rc"; fi
		kill "$pid"; wait "$pid" 2>/dev/null; exit 0' _ "$TEST_DIR" "$SOCKGET"
	if [ "$?" = 0 ]; then
		like "$(cat "$TEST_DIR/syn.rc")" '^sockget 28$' "kernel connect time-out: exit 28"
		like "$(cat "$TEST_DIR/syn.err")" 'after [0-9]+ ms: Connection timed out' "time-out message"
		command -v curl >/dev/null &&
			like "$(cat "$TEST_DIR/syn.rc")" 'curl 28' "curl exits 28 there too"
	else
		diag "no network namespace here: kernel time-out not tested"
	fi
fi

# The end of the connection (issue 16): TCP_INFO, and who sent the first
# FIN. /hold answers, then keeps the connection open: sockget closes
# first, and its end is then in TIME_WAIT (ss shows it). /no-length ends
# at the server's close: the server's FIN came first.
BADP=
start_badhttpd BADP
w=$("$SOCKGET" -s -S -v -o /dev/null -w '%{local_port}' "http://127.0.0.1:$BADP/hold?s=0.5" 2>"$TEST_DIR/fin.err")
is "$?" 0 "/hold: exit 0"
like "$(cat "$TEST_DIR/fin.err")" 'TCP_INFO: rtt [0-9]+\.[0-9]{3} ms \(variance [0-9]+\.[0-9]{3} ms\), [0-9]+ retransmitted, [0-9]+ segments in, [0-9]+ out' \
	"-v: TCP_INFO at release"
like "$(cat "$TEST_DIR/fin.err")" "this side sent the first FIN \(the active close\): 127\.0\.0\.1:$w goes to FIN_WAIT, then.*TIME_WAIT" \
	"-v: we closed first, our end goes to TIME_WAIT"
if command -v ss >/dev/null; then
	# the server's FIN comes when its 0.5 s hold ends; then TIME_WAIT
	in_time_wait() { ss -Htan state time-wait 2>/dev/null | grep -q "127\.0\.0\.1:$w "; }
	poll 3 in_time_wait
	like "$(ss -Htan state time-wait 2>/dev/null)" "127\.0\.0\.1:$w " "ss shows 127.0.0.1:$w in TIME_WAIT"
fi
"$SOCKGET" -s -S -v -o /dev/null "http://127.0.0.1:$BADP/no-length" 2>"$TEST_DIR/fin2.err"
like "$(cat "$TEST_DIR/fin2.err")" 'the server sent the first FIN .*no TIME_WAIT here' \
	"-v: the server closed first: no TIME_WAIT on our side"

done_testing
