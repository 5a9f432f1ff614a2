#!/usr/bin/env bash
# systemd socket activation and inetd mode, with the real wrapper systemd
# ships (systemd-socket-activate, Debian package systemd):
#  - the listening sockets come through LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES:
#    sockwebd serves them (-l and -p are then not used) and prints the
#    same "listening on" lines;
#  - LISTEN_* meant for another process, or a descriptor that is no
#    listening socket, are not taken;
#  - with the socket held by someone else (as by systemd), restarting
#    sockwebd refuses no connection;
#  - --inetd -a: one process per connection, the connection on standard
#    input; the access log shows the client's ip:port from getpeername(0).
. "$top_srcdir/tests/lib.sh"

command -v systemd-socket-activate >/dev/null 2>&1 ||
	skip_all "systemd-socket-activate not installed (Debian package systemd)"
make_test_root

# wrapper ERRFILE ARGS...: start systemd-socket-activate ARGS in the
# background, wait until it listens; sets WRAP_PID.
wrapper() {
	local err=$1
	shift
	systemd-socket-activate "$@" >"$err.out" 2>"$err" &
	WRAP_PID=$!
	track_pid "$WRAP_PID"
	wait_for_line "$err" 'Listening on ' 10
}

# --- socket activation: two sockets ----------------------------------------
p1=$(free_port)
p2=$(free_port)
err="$TEST_DIR/activate.err"
wrapper "$err" -l "127.0.0.1:$p1" -l "127.0.0.1:$p2" --fdname=http:web \
	"$SOCKWEBD" -p 1 -l 127.0.0.9 -r "$TEST_DIR/www"
ok $? "systemd-socket-activate listens on 127.0.0.1:$p1 and :$p2"
lport=$(curl -s -m 5 -o "$TEST_DIR/body" -w '%{local_port}' "http://127.0.0.1:$p1/hello.txt")
is "$(cat "$TEST_DIR/body")" "hello, sockweb" "a request to the inherited socket is served"
wait_for_line "$err" "listening on 127\\.0\\.0\\.1:$p2\$" 5
like "$(grep 'sockwebd: listening on' "$err")" \
	"^sockwebd: listening on 127\\.0\\.0\\.1:$p1
sockwebd: listening on 127\\.0\\.0\\.1:$p2\$" \
	"the same 'listening on' lines, for the inherited sockets only (-l, -p unused)"
wait_for_line "$err.out" "^127\\.0\\.0\\.1:$lport - " 5
ok $? "the access log line starts with the port curl used ($lport)"
peer=$(curl -s -m 5 "http://127.0.0.1:$p1/_peer")
like "$peer" "\"server\":\\{\"ip\":\"127\\.0\\.0\\.1\",\"port\":$p1\\}" \
	"/_peer shows the inherited socket's port"
kill -TERM "$WRAP_PID"
wait "$WRAP_PID"
is "$?" 0 "SIGTERM: sockwebd (exec'd by the wrapper) exits 0"

# --- a restart refuses nothing: the socket stays with its holder -------------
# tests/helpers/sockholder.py holds the socket as systemd does for
# contrib/sockwebd.socket and restarts sockwebd on SIGUSR1 as `systemctl
# restart` would; 3 restarts during 150 requests one after another.
out="$TEST_DIR/holder.out"
python3 "$top_srcdir/tests/helpers/sockholder.py" "$SOCKWEBD" -r "$TEST_DIR/www" -q \
	>"$out" 2>"$TEST_DIR/holder.err" &
holder=$!
track_pid "$holder"
wait_for_line "$out" '^started ' 10
hport=$(sed -n 's/^port //p' "$out")
wait_for_line "$TEST_DIR/holder.err" "listening on 127\\.0\\.0\\.1:$hport\$" 10
ok $? "a socket holder (as systemd) passes 127.0.0.1:$hport to sockwebd"
(
	for i in $(seq 1 150); do
		curl -s -o /dev/null -m 10 -w '%{http_code}\n' "http://127.0.0.1:$hport/hello.txt"
	done
) >"$TEST_DIR/restart.codes" &
loader=$!
for i in 1 2 3; do
	sleep 0.4
	kill -USR1 "$holder"
done
wait "$loader"
is "$(sort "$TEST_DIR/restart.codes" | uniq -c | sed 's/^ *//')" "150 200" \
	"150 requests across 3 restarts of sockwebd: every one 200, none refused"
is "$(grep -c '^started ' "$out")" 4 "sockwebd was started 4 times on the same socket"
kill -TERM "$holder"
wait "$holder"

# --- a socket named "proxy" expects the PROXY protocol header ----------------
p5=$(free_port)
p6=$(free_port)
err="$TEST_DIR/proxyname.err"
wrapper "$err" -l "127.0.0.1:$p5" -l "127.0.0.1:$p6" --fdname=http:proxy \
	"$SOCKWEBD" -r "$TEST_DIR/www"
is "$(curl -s -m 5 "http://127.0.0.1:$p5/hello.txt")" "hello, sockweb" \
	"LISTEN_FDNAMES=http:proxy: the 'http' socket serves plain requests"
wait_for_line "$err" "listening on 127\\.0\\.0\\.1:$p6\$" 5
like "$(cat "$err")" "PROXY protocol header required on 127\\.0\\.0\\.1:$p6" \
	"the socket named 'proxy' expects the PROXY header"
like "$(raw_request "$p6" 'GET /hello.txt HTTP/1.0\r\n\r\n' | head -n 1)" '^HTTP/1.0 400 ' \
	"a plain request on the 'proxy' socket: 400"
like "$(raw_request "$p6" 'PROXY TCP4 192.0.2.9 127.0.0.1 40404 80\r\nGET /_peer HTTP/1.0\r\n\r\n')" \
	'"client":\{"ip":"192\.0\.2\.9","port":40404\}' \
	"with a header on the 'proxy' socket: /_peer shows the client it names"
kill -TERM "$WRAP_PID"
wait "$WRAP_PID"

# --- LISTEN_* for another process, or not a socket ---------------------------
err="$TEST_DIR/otherpid.err"
LISTEN_PID=1 LISTEN_FDS=1 "$SOCKWEBD" -p 0 -l 127.0.0.1 -r "$TEST_DIR/www" -q \
	2>"$err" 3</dev/null &
pid=$!
track_pid "$pid"
wait_for_line "$err" 'listening on 127\.0\.0\.1:[0-9]+$' 10
ok $? "LISTEN_PID of another process: sockwebd binds its own socket"
kill -TERM "$pid"
wait "$pid"

# shellcheck disable=SC2016
sh -c 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" -p 0 -l 127.0.0.1 -r "$1" -q' "$SOCKWEBD" \
	"$TEST_DIR/www" 3</dev/null 2>"$TEST_DIR/notsock.err"
is "$?" 1 "LISTEN_FDS naming /dev/null: exit 1"
like "$(cat "$TEST_DIR/notsock.err")" "inherited descriptor 3: Socket operation on non-socket" \
	"the error names the descriptor and the reason"
# shellcheck disable=SC2016
sh -c 'LISTEN_PID=$$ LISTEN_FDS=x exec "$0" -p 0 -l 127.0.0.1 -r "$1" -q' "$SOCKWEBD" \
	"$TEST_DIR/www" 2>"$TEST_DIR/badcount.err"
is "$?" 1 "LISTEN_FDS=x: exit 1"
like "$(cat "$TEST_DIR/badcount.err")" "LISTEN_FDS: invalid count 'x'" "the error says why"

# --- -l HOST:PORT: a port of its own for one address ----------------------------
p4=$(free_port)
err="$TEST_DIR/ownport.err"
"$SOCKWEBD" -p 0 -l 127.0.0.1 -l "127.0.0.1:$p4" -r "$TEST_DIR/www" -q 2>"$err" &
pid=$!
track_pid "$pid"
wait_for_line "$err" "listening on 127\\.0\\.0\\.1:$p4\$" 10
ok $? "-l 127.0.0.1:$p4 listens on its own port next to -p 0"
is "$(curl -s -m 5 "http://127.0.0.1:$p4/hello.txt")" "hello, sockweb" \
	"a request to the address's own port is served"
kill -TERM "$pid"
wait "$pid"
"$SOCKWEBD" -l '[::1' 2>"$TEST_DIR/badaddr.err"
is "$?" 2 "-l '[::1': usage error, exit 2"

# --- inetd mode ----------------------------------------------------------------
p3=$(free_port)
err="$TEST_DIR/inetd.err"
wrapper "$err" --inetd -a -l "127.0.0.1:$p3" "$SOCKWEBD" -i -r "$TEST_DIR/www"
ok $? "systemd-socket-activate --inetd -a listens on 127.0.0.1:$p3"
lport=$(curl -s -m 5 -o "$TEST_DIR/body" -w '%{local_port}' "http://127.0.0.1:$p3/hello.txt")
is "$(cat "$TEST_DIR/body")" "hello, sockweb" "--inetd: the connection on standard input is served"
wait_for_line "$err" "^127\\.0\\.0\\.1:$lport - - \\[.*\\] \"GET /hello.txt HTTP/1.1\" 200 15 " 5
ok $? "--inetd: the access log (stderr) starts with the port curl used ($lport), from getpeername(0)"
unlike "$(cat "$err.out")" "GET /hello.txt" \
	"--inetd: nothing of the log went to standard output (the connection)"
out=$(curl -s -m 5 -o /dev/null -o /dev/null -w '%{local_port} %{http_code}\n' \
	"http://127.0.0.1:$p3/hello.txt" "http://127.0.0.1:$p3/sub/file.txt")
is "$(printf '%s\n' "$out" | sort -u | wc -l) $(printf '%s\n' "$out" | grep -c ' 200$')" "1 2" \
	"--inetd: keep-alive, two requests on one connection"
pid1=$(curl -s -m 5 "http://127.0.0.1:$p3/_peer" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
pid2=$(curl -s -m 5 "http://127.0.0.1:$p3/_peer" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
ok "$([ -n "$pid1" ] && [ "$pid1" != "$pid2" ]; echo $?)" \
	"--inetd: each connection is served by its own process ($pid1, $pid2)"
code=$(raw_request "$p3" 'BREW / HTTP/1.0\r\n\r\n' | head -n 1)
like "$code" "^HTTP/1.0 501 " "--inetd: a bad request gets its 4xx/5xx as usual"
kill -TERM "$WRAP_PID"
wait "$WRAP_PID"

"$SOCKWEBD" -i -r "$TEST_DIR/www" </dev/null 2>"$TEST_DIR/inetd-tty.err"
is "$?" 1 "-i with standard input not a socket: exit 1"
like "$(cat "$TEST_DIR/inetd-tty.err")" "-i: standard input is not a socket" "the error says why"
"$SOCKWEBD" -i -d 2>"$TEST_DIR/inetd-d.err"
is "$?" 2 "-i -d: usage error, exit 2"
like "$(cat "$TEST_DIR/inetd-d.err")" "cannot be combined with -d" "the error says which option"

done_testing
