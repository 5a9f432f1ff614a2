#!/usr/bin/env bash
# tests/integration/server_cli.sh: sockwebd's command line (issue 4): help,
# version, usage errors, a missing root, a busy port, the "listening on"
# lines for -p 0 and several -l addresses (IPv4 and IPv6), SIGTERM/SIGINT,
# daemon mode with a pid file, the access log options.
. "$top_srcdir/tests/lib.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"

VERSION=0.1.0

make_test_root
W="$TEST_DIR/www"

# run_quick ARGS...: run sockwebd that must exit by itself (at most 5 s);
# its exit code in $RC, stdout in $OUT, stderr in $ERR.
run_quick() {
	timeout 5 "$SOCKWEBD" "$@" >"$TEST_DIR/quick.out" 2>"$TEST_DIR/quick.err"
	RC=$?
	OUT=$(cat "$TEST_DIR/quick.out")
	ERR=$(cat "$TEST_DIR/quick.err")
}

# listen_ports PID: the TCP ports PID listens on, from /proc (for the
# daemon, whose stderr is /dev/null).
listen_ports() {
	python3 - "$1" <<'EOF'
import os, sys
pid = sys.argv[1]
inodes = set()
for fd in os.listdir("/proc/%s/fd" % pid):
    try:
        link = os.readlink("/proc/%s/fd/%s" % (pid, fd))
    except OSError:
        continue
    if link.startswith("socket:["):
        inodes.add(link[8:-1])
for table in ("tcp", "tcp6"):
    try:
        lines = open("/proc/net/" + table).read().splitlines()[1:]
    except OSError:
        continue
    for line in lines:
        f = line.split()
        if f[3] == "0A" and f[9] in inodes:
            print(int(f[1].split(":")[1], 16))
EOF
}

# get URL [curl options]: the status code.
get() { curl -s -g --max-time 10 -o /dev/null -w '%{http_code}' "$@"; }

have_ipv6=0
python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null && have_ipv6=1

# --- -h, -V, usage errors -----------------------------------------------------

for opt in -h --help; do
	run_quick "$opt"
	is "$RC" 0 "$opt: exit 0"
	like "$OUT$ERR" '[Uu]sage:.*sockwebd' "$opt: prints the usage"
	like "$OUT$ERR" '-p' "$opt: mentions -p"
	like "$OUT$ERR" '--no-listing' "$opt: mentions --no-listing"
done
for opt in -V --version; do
	run_quick "$opt"
	is "$RC" 0 "$opt: exit 0"
	like "$OUT$ERR" "sockwebd.*$VERSION" "$opt: prints sockwebd $VERSION"
done

run_quick --bogus-option
is "$RC" 2 "unknown long option: exit 2"
like "$ERR" '[Uu]sage:' "unknown long option: usage on stderr"
is "$OUT" "" "unknown long option: nothing on stdout"
run_quick -Z
is "$RC" 2 "unknown short option -Z: exit 2"
like "$ERR" '[Uu]sage:' "unknown short option: usage on stderr"
run_quick -r "$W" -p
is "$RC" 2 "-p without its argument: exit 2"
run_quick -r "$W" -p notaport
is "$RC" 2 "-p notaport: exit 2"
like "$ERR" 'notaport|port' "-p notaport: says what is wrong"
run_quick -r "$W" -p 70000
is "$RC" 2 "-p 70000: exit 2"
run_quick -r "$W" -p 0 -l 127.0.0.1 -c 0
is "$RC" 2 "-c 0: exit 2"
run_quick -r "$W" -p 0 -l 127.0.0.1 extra-argument
is "$RC" 2 "a stray argument: exit 2"

# --- a missing root ---------------------------------------------------------------

run_quick -p 0 -l 127.0.0.1 -r "$TEST_DIR/no-such-root"
is "$RC" 1 "missing root: exit 1"
like "$ERR" 'no-such-root' "missing root: the message names it"
unlike "$ERR" 'listening on' "missing root: never listens"
printf 'x' >"$TEST_DIR/a-file"
run_quick -p 0 -l 127.0.0.1 -r "$TEST_DIR/a-file"
is "$RC" 1 "a root that is a file: exit 1"

# --- -p 0 and the listening line -----------------------------------------------------

start_raw p0 -p 0 -l 127.0.0.1 -r "$W" || bail_out "sockwebd -p 0 did not start"
like "$(cat "$SERVER_ERR")" '^sockwebd: listening on 127\.0\.0\.1:[0-9]+$' "-p 0: 'sockwebd: listening on 127.0.0.1:PORT'"
ok "$([ "${PORT:-0}" -gt 0 ]; echo $?)" "-p 0: a real port ($PORT)"
is "$(grep -c 'listening on' "$SERVER_ERR")" 1 "one listening line for one address"
is "$(get "http://127.0.0.1:$PORT/hello.txt")" 200 "-p 0: serves on the port it printed"

# --- a busy port ---------------------------------------------------------------------

busy=$PORT
run_quick -p "$busy" -l 127.0.0.1 -r "$W"
is "$RC" 1 "bind to a busy port: exit 1"
like "$ERR" "^sockwebd: bind 127\\.0\\.0\\.1:$busy: Address already in use$" "bind to a busy port: 'sockwebd: bind 127.0.0.1:$busy: Address already in use'"
is "$(get "http://127.0.0.1:$busy/hello.txt")" 200 "the first server still serves"

stop_sockwebd TERM
is "$SERVER_STATUS" 0 "SIGTERM: exit 0"
curl -s --max-time 3 -o /dev/null "http://127.0.0.1:$busy/"
is "$?" 7 "after SIGTERM: the port is closed"

start_raw sigint -p 0 -l 127.0.0.1 -r "$W" || bail_out "sockwebd did not start"
stop_sockwebd INT
is "$SERVER_STATUS" 0 "SIGINT: exit 0"

# SIGTERM while a request is in progress: the child finishes it.
start_raw term-busy -p 0 -l 127.0.0.1 -r "$W" || bail_out "sockwebd did not start"
python3 - "$PORT" >"$TEST_DIR/term-busy.resp" <<'EOF' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=8)
s.sendall(b"GET /hello.txt HTTP/1.0\r\n")
time.sleep(1)
s.sendall(b"\r\n")
out = b""
while True:
    c = s.recv(65536)
    if not c:
        break
    out += c
sys.stdout.buffer.write(out)
EOF
client=$!
# SIGTERM only once a child serves the connection (one not yet accepted
# is reset with the listener, as in other servers).
poll 2.5 at_least_one_child
stop_sockwebd TERM
wait "$client"
is "$SERVER_STATUS" 0 "SIGTERM with a request in progress: exit 0"
like "$(head -n 1 "$TEST_DIR/term-busy.resp")" '^HTTP/1\.[01] 200' "SIGTERM: the request in progress is still answered"

# --- long options ----------------------------------------------------------------------

start_raw long --port 0 --listen 127.0.0.1 --root "$W" --max-children 4 --timeout 3 \
	--access-log "$TEST_DIR/long.log" || bail_out "long options did not start"
ok $? "long options --port --listen --root --max-children --timeout --access-log"
is "$(get "http://127.0.0.1:$PORT/hello.txt")" 200 "long options: serves"
wait_for_line "$TEST_DIR/long.log" 'GET /hello.txt' 5
ok $? "--access-log FILE: the request is logged"
stop_sockwebd TERM

# --- two -l addresses, IPv6 ---------------------------------------------------------------

if [ "$have_ipv6" = 1 ]; then
	start_raw two -p 0 -l 127.0.0.1 -l ::1 -r "$W" || bail_out "sockwebd -l 127.0.0.1 -l ::1 did not start"
	wait_for_line "$SERVER_ERR" 'listening on \[::1\]:' 5
	is "$(grep -c 'listening on' "$SERVER_ERR")" 2 "two -l: two listening lines"
	like "$(cat "$SERVER_ERR")" '^sockwebd: listening on 127\.0\.0\.1:[0-9]+$' "two -l: the IPv4 line"
	like "$(cat "$SERVER_ERR")" '^sockwebd: listening on \[::1\]:[0-9]+$' "two -l: the IPv6 line, in brackets"
	p4=$(sed -n 's/^sockwebd: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$SERVER_ERR")
	p6=$(sed -n 's/^sockwebd: listening on \[::1\]:\([0-9]*\)$/\1/p' "$SERVER_ERR")
	is "$p6" "$p4" "two -l with -p 0: one port for both addresses"
	is "$(get "http://127.0.0.1:$p4/hello.txt")" 200 "two -l: IPv4 request"
	out=$(curl -s -g --max-time 10 -w ' %{http_code} %{local_port}' "http://[::1]:$p6/hello.txt")
	like "$out" '^hello, sockweb' "two -l: IPv6 request to [::1]:$p6, body"
	like "$out" ' 200 [0-9]+$' "two -l: IPv6 request, 200"
	lport=${out##* }
	wait_for_line "$SERVER_OUT" "^\\[::1\\]:$lport " 5
	ok $? "IPv6 client logged as [::1]:$lport"
	stop_sockwebd TERM
	is "$SERVER_STATUS" 0 "two -l: SIGTERM exits 0"

	start_raw v6 -p 0 -l ::1 -r "$W" || bail_out "sockwebd -l ::1 did not start"
	like "$(cat "$SERVER_ERR")" '^sockwebd: listening on \[::1\]:[0-9]+$' "-l ::1 alone: [::1]:PORT"
	is "$(get "http://[::1]:$PORT/hello.txt")" 200 "-l ::1 alone: IPv6 request"
	curl -s --max-time 3 -o /dev/null "http://127.0.0.1:$PORT/"
	is "$?" 7 "-l ::1 alone: not on 127.0.0.1"
	stop_sockwebd TERM
else
	ok 0 "# SKIP two -l addresses with ::1: no IPv6 loopback"
fi

start_raw localhost -p 0 -l localhost -r "$W" || bail_out "sockwebd -l localhost did not start"
like "$(cat "$SERVER_ERR")" 'listening on (127\.0\.0\.1|\[::1\]):[0-9]+' "-l localhost: resolved with getaddrinfo"
stop_sockwebd TERM

# --- -d and --pidfile ---------------------------------------------------------------------

pidfile="$TEST_DIR/sockwebd.pid"
timeout 10 "$SOCKWEBD" -d --pidfile "$pidfile" -p 0 -l 127.0.0.1 -r "$W" -q \
	>"$TEST_DIR/daemon.out" 2>"$TEST_DIR/daemon.err"
is "$?" 0 "-d: the launcher exits 0"
poll 5 test -s "$pidfile"
dpid=$(tr -d ' \n' <"$pidfile" 2>/dev/null)
like "$dpid" '^[0-9]+$' "--pidfile: holds a pid"
if [ -n "$dpid" ] && kill -0 "$dpid" 2>/dev/null; then
	track_pid "$dpid"
	ok 0 "--pidfile: the pid $dpid is alive"
	is "$(cat "/proc/$dpid/comm")" sockwebd "--pidfile: the pid is sockwebd"
	ok "$([ "$(ps -o sid= -p "$dpid" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')" ]; echo $?)" "-d: the daemon is in a session of its own (setsid)"
	like "$(readlink "/proc/$dpid/fd/0") $(readlink "/proc/$dpid/fd/2")" '^/dev/null /dev/null$' "-d: stdin and stderr are /dev/null"
	daemon_port() { dport=$(listen_ports "$dpid" | head -n 1); [ -n "$dport" ]; }
	poll 5 daemon_port
	is "$(get "http://127.0.0.1:$dport/hello.txt")" 200 "-d: the daemon serves (port $dport)"
	kill -TERM "$dpid"
	poll 10 gone "$dpid"
	ok $? "-d: the daemon exits on SIGTERM to the pid in the pid file"
	ok "$([ ! -e "$pidfile" ]; echo $?)" "--pidfile: removed when the daemon exits"
else
	ok 1 "--pidfile: the pid '$dpid' is alive"
fi

# --- -L FILE, -L -, -q ----------------------------------------------------------------------

printf 'previous line\n' >"$TEST_DIR/custom.log"
start_raw logfile -p 0 -l 127.0.0.1 -r "$W" -L "$TEST_DIR/custom.log" || bail_out "sockwebd -L did not start"
lport=$(curl -s --max-time 10 -o /dev/null -w '%{local_port}' "http://127.0.0.1:$PORT/hello.txt")
wait_for_line "$TEST_DIR/custom.log" "^127\\.0\\.0\\.1:$lport .*\"GET /hello\\.txt HTTP/1\\.1\" 200 15 " 5
ok $? "-L FILE: the request is logged in FILE"
is "$(head -n 1 "$TEST_DIR/custom.log")" "previous line" "-L FILE: appends"
stop_sockwebd TERM
is "$(wc -c <"$SERVER_OUT" | tr -d ' ')" 0 "-L FILE: nothing on stdout"

# SIGHUP reopens the log, so that it can be rotated.
start_raw hup -p 0 -l 127.0.0.1 -r "$W" -L "$TEST_DIR/hup.log" || bail_out "sockwebd -L did not start"
get "http://127.0.0.1:$PORT/hello.txt" >/dev/null
wait_for_line "$TEST_DIR/hup.log" 'GET /hello.txt' 5
mv "$TEST_DIR/hup.log" "$TEST_DIR/hup.log.1"
kill -HUP "$SERVER_PID"
sleep 0.3
get "http://127.0.0.1:$PORT/sub/file.txt" >/dev/null
wait_for_line "$TEST_DIR/hup.log" 'GET /sub/file.txt' 5
ok $? "SIGHUP: a new log file after a rotation"
unlike "$(cat "$TEST_DIR/hup.log.1")" 'sub/file' "SIGHUP: nothing more in the rotated file"
kill -0 "$SERVER_PID" 2>/dev/null
ok $? "SIGHUP: the server keeps running"
stop_sockwebd TERM
is "$SERVER_STATUS" 0 "SIGTERM after SIGHUP: exit 0"

start_raw logstdout -p 0 -l 127.0.0.1 -r "$W" -L - || bail_out "sockwebd -L - did not start"
lport=$(curl -s --max-time 10 -o /dev/null -w '%{local_port}' "http://127.0.0.1:$PORT/hello.txt")
wait_for_line "$SERVER_OUT" "^127\\.0\\.0\\.1:$lport " 5
ok $? "-L -: the request is logged on stdout"
stop_sockwebd TERM

start_raw default -p 0 -l 127.0.0.1 -r "$W" || bail_out "sockwebd did not start"
lport=$(curl -s --max-time 10 -o /dev/null -w '%{local_port}' "http://127.0.0.1:$PORT/hello.txt")
wait_for_line "$SERVER_OUT" "^127\\.0\\.0\\.1:$lport " 5
ok $? "no -L: the request is logged on stdout"
stop_sockwebd TERM

for q in -q --quiet; do
	start_raw "quiet$q" -p 0 -l 127.0.0.1 -r "$W" "$q" || bail_out "sockwebd $q did not start"
	is "$(get "http://127.0.0.1:$PORT/hello.txt")" 200 "$q: serves"
	get "http://127.0.0.1:$PORT/nope" >/dev/null
	sleep 0.3
	stop_sockwebd TERM
	is "$(wc -c <"$SERVER_OUT" | tr -d ' ')" 0 "$q: no access log on stdout"
	unlike "$(cat "$SERVER_ERR")" 'GET /' "$q: no access log on stderr"
done

# --- --prefork -------------------------------------------------------------------------------

nkids() { children | tr -d ' '; }
at_least_kids() { [ "$(nkids)" -ge "$1" ]; }
start_raw prefork -p 0 -l 127.0.0.1 -r "$W" --prefork 2 -t 5 || bail_out "sockwebd --prefork did not start"
poll 3 at_least_kids 2
is "$(nkids)" 2 "--prefork 2: two workers at rest"
codes=$(for i in $(seq 1 40); do get "http://127.0.0.1:$PORT/hello.txt"; echo; done | sort | uniq -c | tr -s ' ')
is "$codes" " 40 200" "--prefork 2: 40 requests, 40 200s"
lport=$(curl -s --max-time 10 -o /dev/null -w '%{local_port}' "http://127.0.0.1:$PORT/hello.txt")
wait_for_line "$SERVER_OUT" "^127\\.0\\.0\\.1:$lport " 5
ok $? "--prefork: the access log has the client's ip:port"
slow=""
for i in 1 2 3; do
	python3 "$top_srcdir/tests/helpers/rawreq.py" --port "$PORT" --timeout 2 \
		--data 'GET /hello.txt HTTP/1.0\r\n' >/dev/null &
	slow="$slow $!"
done
sleep 0.5
is "$(nkids)" 2 "--prefork 2: still two workers while 3 slow clients are connected"
is "$(get "http://127.0.0.1:$PORT/hello.txt")" 200 "--prefork 2: a normal request is served meanwhile"
# shellcheck disable=SC2086
wait $slow
is "$(get "http://127.0.0.1:$PORT/sub/file.txt")" 200 "--prefork: serves once the slow clients are gone"
is "$(zombies)" 0 "--prefork: no zombie"
stop_sockwebd TERM
is "$SERVER_STATUS" 0 "--prefork: SIGTERM exits 0"

# --- -u and --chroot (root only) ----------------------------------------------------------

if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	nobody=$(id -u nobody)
	start_raw user -p 0 -l 127.0.0.1 -r "$W" -q -u nobody || bail_out "sockwebd -u nobody did not start"
	is "$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$SERVER_PID/status")" "$nobody $nobody $nobody $nobody" \
		"-u nobody: every uid of the server is nobody's"
	is "$(awk '/^Groups:/ {print $2}' "/proc/$SERVER_PID/status")" "$(id -g nobody)" \
		"-u nobody: root's supplementary groups are dropped"
	is "$(get "http://127.0.0.1:$PORT/hello.txt")" 200 "-u nobody: serves"
	stop_sockwebd TERM
	is "$SERVER_STATUS" 0 "-u nobody: SIGTERM exits 0"

	# LeakSanitizer (in --enable-sanitizers builds) needs /proc at exit,
	# which a chrooted process no longer sees: it would turn exit 0 into 1.
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	start_raw chroot -p 0 -l 127.0.0.1 -r "$W" -q -u nobody --chroot || bail_out "sockwebd --chroot did not start"
	is "$(readlink "/proc/$SERVER_PID/root")" "$W" "--chroot: the server's root directory is the document root"
	is "$(get "http://127.0.0.1:$PORT/sub/file.txt")" 200 "--chroot: serves"
	is "$(get "http://127.0.0.1:$PORT/")" 200 "--chroot: serves index.html"
	stop_sockwebd TERM
	is "$SERVER_STATUS" 0 "--chroot: SIGTERM exits 0"

	# The pidfile is written before chroot and -u and removed after them:
	# inside the root it is found there; outside it, a warning at start.
	mkdir -p "$W/run" && chown nobody "$W/run"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	start_raw chroot-pid -p 0 -l 127.0.0.1 -r "$W" -q -u nobody --chroot \
		--pidfile "$W/run/sockwebd.pid" || bail_out "sockwebd --chroot --pidfile did not start"
	is "$(cat "$W/run/sockwebd.pid")" "$SERVER_PID" "--chroot --pidfile: the file holds the server's pid"
	stop_sockwebd TERM
	ok "$([ ! -e "$W/run/sockwebd.pid" ]; echo $?)" \
		"--chroot -u --pidfile inside the root: removed at exit ($(tr '\n' ' ' <"$SERVER_ERR"))"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	start_raw chroot-outside -p 0 -l 127.0.0.1 -r "$W" -q --chroot \
		--pidfile "$TEST_DIR/outside.pid" || bail_out "sockwebd --chroot --pidfile did not start"
	like "$(cat "$SERVER_ERR")" "^sockwebd: pidfile $TEST_DIR/outside\\.pid is outside the chroot $W: it stays after exit\$" \
		"--chroot --pidfile outside the root: a warning at start"
	stop_sockwebd TERM
	is "$SERVER_STATUS" 0 "... and a clean exit"

	run_quick -p 0 -l 127.0.0.1 -r "$W" -u no-such-user-sockweb
	is "$RC" 1 "-u with an unknown user: exit 1 (a run-time error, not a usage error)"
	like "$ERR" 'no-such-user-sockweb' "-u with an unknown user: the message names it"

	# NSS modules, whatever this host's nsswitch.conf says: the static
	# build must not load one (libnss_systemd is linked against libc.so;
	# loading it crashed the static sockwebd), the dynamic one may. In a
	# mount namespace, over an nsswitch.conf that names modules, and a
	# resolv.conf whose server is a closed loopback port.
	if unshare -m true 2>/dev/null; then
		printf '%s\n' 'passwd: files systemd ldap' 'group: files systemd ldap' \
			'hosts: files myhostname mdns4_minimal dns' >"$TEST_DIR/nsswitch.conf"
		printf '%s\n' 'nameserver 127.0.0.1' 'options timeout:1 attempts:1' \
			>"$TEST_DIR/resolv.conf"
		in_nss_namespace() {
			timeout 10 unshare -m sh -c 'mount --bind "$1" /etc/nsswitch.conf &&
				mount --bind "$2" /etc/resolv.conf && shift 2 && exec "$@"' \
				sh "$TEST_DIR/nsswitch.conf" "$TEST_DIR/resolv.conf" "$SOCKWEBD" "$@" \
				>"$TEST_DIR/nss.out" 2>"$TEST_DIR/nss.err"
			RC=$?
			ERR=$(cat "$TEST_DIR/nss.err")
		}
		in_nss_namespace -p 0 -l 127.0.0.1 -r "$W" -u no-such-user-sockweb
		is "$RC" 1 "-u unknown, nsswitch.conf naming NSS modules: exit 1, no crash"
		is "$ERR" "sockwebd: user no-such-user-sockweb: no such user" \
			"... and the one line that says so"
		in_nss_namespace -p 0 -l no-such-host.invalid -r "$W"
		is "$RC" 1 "-l an unknown name, nsswitch.conf naming NSS modules: exit 1, no crash"
		like "$ERR" '^sockwebd: getaddrinfo no-such-host\.invalid port 0: ' \
			"... and a getaddrinfo error that names it"
	else
		ok 0 "# SKIP NSS modules: no mount namespace (unshare -m)"
	fi
else
	ok 0 "# SKIP -u and --chroot: not root"
fi

done_testing
