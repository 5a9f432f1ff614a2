#!/usr/bin/env bash
# tests/security/cache_fds.sh: the open-file cache and the descriptors it
# holds (issue 18), in both serving modes.
#
# A deleted file: a client reads an 8 MB file slowly, the file is removed
# while it reads. The client still gets every byte (the open descriptor
# keeps the data); then no server process may keep the "(deleted)"
# descriptor (and its space) for long. Fork mode: the parent that sent
# the rest for the child (hand-back) closes it when the transfer ends.
# --prefork: the worker's cache keeps it while fresh, then closes it once
# it has not been used for FILE_CACHE_INACTIVE_MS (5 s; swept each 1 s).
#
# Out of descriptors: tests/helpers/fdfill.py warms the cache with 16
# files on one keep-alive connection, lowers the process's RLIMIT_NOFILE
# (prlimit --pid) to what it has open + 4, and fills it with connections
# that send a partial head, until accept() fails with EMFILE. Then it asks,
# on the first connection, for a file or a directory listing that is not
# cached. A --prefork worker's open fails with EMFILE, the cache gives its
# 16 descriptors back and the open is tried again: 200, not 500 or 503.
# With nothing cached to give back it is 503 with Retry-After: 1.
# In fork mode the parent holds no cache and needs no new descriptor to
# fork (the children report over one channel made at start), and each
# child closes all but its own descriptors, so its open cannot run out:
# at the limit the request is still served, 200.
. "$top_srcdir/tests/lib.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
command -v prlimit >/dev/null 2>&1 || skip_all "prlimit not installed (util-linux)"
FDFILL="$top_srcdir/tests/helpers/fdfill.py"
W="$TEST_DIR/www"
make_test_root
mkdir -p "$W/d"
for i in $(seq 20); do
	printf 'file %d\n' "$i" >"$W/f$i.txt"
	printf 'x\n' >"$W/d/entry$i"
done
WARM=$(for i in $(seq 16); do printf '/f%d.txt ' "$i"; done)
BIG_SIZE=8000000

# held PID: the (deleted) big.bin descriptors PID holds, one per line.
held() {
	local f
	for f in /proc/"$1"/fd/*; do
		readlink "$f" 2>/dev/null
	done | grep -F "$W/big.bin (deleted)" || true
}
not_held() { [ -z "$(held "$1")" ]; }

# slow_read PID: GET /big.bin through a small receive buffer, remove the
# file while the response is still coming, read the rest. Prints the body
# length, then whether PID held the deleted file right after the
# transfer, then the time the request was sent (epoch seconds).
slow_read() {
	python3 - "$PORT" "$W/big.bin" "$1" <<'PY'
import os, socket, sys, time
port, path, pid = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.settimeout(20)
s.connect(("127.0.0.1", port))
sent = time.time()
s.sendall(b"GET /big.bin HTTP/1.0\r\n\r\n")
data = s.recv(65536)
time.sleep(0.5)          # past the child's HANDBACK_MS (100 ms)
os.unlink(path)
while b"\r\n\r\n" not in data:
    data += s.recv(65536)
head, body = data.split(b"\r\n\r\n", 1)
n = len(body)
deadline = time.time() + 20
while time.time() < deadline:
    chunk = s.recv(1 << 20)
    if not chunk:
        break
    n += len(chunk)
held = 0
for fd in os.listdir("/proc/%s/fd" % pid):
    try:
        held += os.readlink("/proc/%s/fd/%s" % (pid, fd)) == path + " (deleted)"
    except OSError:
        pass
print(n)
print("held" if held else "released")
print("%.3f" % sent)
PY
}

# --- a deleted file ------------------------------------------------------------------------

head -c "$BIG_SIZE" /dev/urandom >"$W/big.bin"
start_sockwebd -q || bail_out "sockwebd did not start"
out=$(slow_read "$SERVER_PID")
is "$(sed -n 1p <<<"$out")" "$BIG_SIZE" "fork: the file removed during a slow transfer still arrives whole"
poll 2 not_held "$SERVER_PID"
ok $? "fork: the parent that sent the rest holds no descriptor of the deleted file after it"
wait_children 0 5
is "$(for p in $SERVER_PID $(ps --ppid "$SERVER_PID" -o pid=); do held "$p"; done)" "" \
	"fork: no server process holds it"
stop_sockwebd
is "$SERVER_STATUS" 0 "fork: SIGTERM: exit 0"

head -c "$BIG_SIZE" /dev/urandom >"$W/big.bin"
start_sockwebd -q --prefork 1 || bail_out "sockwebd --prefork 1 did not start"
poll 5 test -n "$(ps --ppid "$SERVER_PID" -o pid= | tr -d ' ')"
WORKER=$(ps --ppid "$SERVER_PID" -o pid= | tr -d ' ')
out=$(slow_read "$WORKER")
is "$(sed -n 1p <<<"$out")" "$BIG_SIZE" "prefork: the file removed during a slow transfer still arrives whole"
is "$(sed -n 2p <<<"$out")" held "prefork: right after, the worker's cache still holds the deleted file"
sent=$(sed -n 3p <<<"$out")
poll 10 not_held "$WORKER"
ok $? "prefork: the worker closes it once unused for the cache's inactive time (5 s)"
gone_after=$(awk -v s="$sent" -v now="$(date +%s.%N)" 'BEGIN { printf "%.1f", now - s }')
awk -v t="$gone_after" 'BEGIN { exit !(t >= 4.5) }'
ok $? "prefork: ... not before it was 5 s unused (gone ${gone_after} s after the request)"
is "$(held "$SERVER_PID")" "" "prefork: the master never held it"
is "$(curl -s -o /dev/null -w '%{http_code}' -m 5 "$BASE/big.bin")" 404 "prefork: the deleted file is 404"
stop_sockwebd
is "$SERVER_STATUS" 0 "prefork: SIGTERM: exit 0"

# --- out of descriptors --------------------------------------------------------------------

# fill MODE GET PID: fdfill.py against PID; its key=value lines in $FILLED.
fill() {
	FILLED=$(python3 "$FDFILL" --port "$PORT" --pid "$3" --spare 4 --warm $WARM \
		--get "$2" --max-time "$(scaled 20)")
	diag "$1 $2: $(tr '\n' ' ' <<<"$FILLED")"
}
val() { sed -n "s/^$1=//p" <<<"$FILLED"; }

for target in /f20.txt /d/; do
	start_sockwebd -q --prefork 1 || bail_out "sockwebd --prefork 1 did not start"
	poll 5 test -n "$(ps --ppid "$SERVER_PID" -o pid= | tr -d ' ')"
	WORKER=$(ps --ppid "$SERVER_PID" -o pid= | tr -d ' ')
	fill prefork "$target" "$WORKER"
	like "$(cat "$SERVER_ERR")" 'accept .*Too many open files' \
		"prefork $target: the worker ran out of descriptors (accept: EMFILE)"
	is "$(val status)" 200 "prefork $target: at the limit, the uncached $target is 200"
	ok "$([ "$(val after)" -le $(($(val full) - 15)) ]; echo $?)" \
		"prefork $target: the cache gave its 16 descriptors back ($(val full) open at the limit, $(val after) after)"
	if [ "$target" = /d/ ]; then
		ok "$([ "$(val body_len)" -gt 0 ]; echo $?)" "prefork /d/: the listing has a body"
		like "$(curl -s -m 5 "$BASE/d/")" 'entry20' "prefork /d/: afterwards the listing names every entry"
	else
		is "$(curl -s -m 5 "$BASE/f20.txt")" "file 20" "prefork $target: afterwards it is served again"
	fi
	stop_sockwebd
	is "$SERVER_STATUS" 0 "prefork $target: SIGTERM: exit 0"
done

# Nothing cached to give back (the first connection asked for a listing,
# which the cache never holds): then it is 503 with Retry-After: 1.
start_sockwebd -q --prefork 1 || bail_out "sockwebd --prefork 1 did not start"
poll 5 test -n "$(ps --ppid "$SERVER_PID" -o pid= | tr -d ' ')"
WORKER=$(ps --ppid "$SERVER_PID" -o pid= | tr -d ' ')
WARM=/d/ fill prefork /f20.txt "$WORKER"
is "$(val status) $(val retry_after)" "503 1" \
	"prefork, an empty cache at the limit: 503, Retry-After: 1 (not 500)"
is "$(curl -s -m 5 "$BASE/f20.txt")" "file 20" "prefork: once the connections are gone, served again"
stop_sockwebd
is "$SERVER_STATUS" 0 "prefork, empty cache: SIGTERM: exit 0"

for target in /f20.txt /d/; do
	start_sockwebd -q || bail_out "sockwebd did not start"
	fill fork "$target" "$SERVER_PID"
	like "$(cat "$SERVER_ERR")" 'accept .*Too many open files' \
		"fork $target: the parent ran out of descriptors (accept: EMFILE)"
	is "$(val status)" 200 \
		"fork $target: at the limit the parent still forks (no descriptor needed) and the child serves: 200"
	unlike "$(cat "$SERVER_ERR")" '(open|socketpair|fork).*Too many open files' \
		"fork $target: no open, socketpair or fork failed"
	is "$(curl -s -o /dev/null -w '%{http_code}' -m 5 "$BASE$target")" 200 \
		"fork $target: once the connections are gone, $target is 200"
	stop_sockwebd
	is "$SERVER_STATUS" 0 "fork $target: SIGTERM: exit 0"
done

done_testing
