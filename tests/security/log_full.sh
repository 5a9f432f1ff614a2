#!/usr/bin/env bash
# tests/security/log_full.sh: the access log on a full disk (issue 18).
# The test mounts a 64 KiB tmpfs of its own, logs one line, fills the rest
# with a file, then sends requests whose log lines are 1.6 KB: two still
# fit in the log's page, the third fits only in part, the others not at
# all. Every line in the log must be whole (a short write is taken back,
# never left for the next line to be glued to), the server keeps serving
# and warns, and once space is freed the next line is logged whole.
# In both serving modes. Skips when it cannot mount a tmpfs (not root, no
# CAP_SYS_ADMIN, a container without mount rights).
. "$top_srcdir/tests/lib.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl not installed"
[ "$(id -u)" = 0 ] || skip_all "mounting a tmpfs needs root"
MNT="$TEST_DIR/fs"
mkdir -p "$MNT"
mount -t tmpfs -o size=64k,mode=0755 sockweb-test "$MNT" 2>"$TEST_DIR/mount.err" ||
	skip_all "cannot mount a tmpfs: $(cat "$TEST_DIR/mount.err")"
trap 'cleanup; umount "$MNT" 2>/dev/null' EXIT

make_test_root
PAD=$(head -c 1500 /dev/zero | tr '\0' x)
LINE_RE='^127\.0\.0\.1:[0-9]+ - - \[[^]]+\] "GET /hello\.txt HTTP/1\.1" 200 15 "-" "ua-[0-9]+-(x{1500})?"$'

# get N: fetch /hello.txt with User-Agent "ua-N-" and 1500 x; wait until the
# child that served it (and wrote its log line) is gone.
get() {
	local code
	code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' -A "ua-$1-${2-$PAD}" "$BASE/hello.txt" || true)
	is "$code" 200 "$MODE: request $1 served (log full or not)"
	wait_children "$WORKERS" 5 || diag "children still running"
	# A prefork worker logs after it has sent the answer: let it.
	[ "$WORKERS" -eq 0 ] || sleep 0.3
}

run() {
	local log="$MNT/access-$MODE.log" lines
	rm -f "$MNT"/*
	start_sockwebd -L "$log" "$@" || bail_out "sockwebd did not start"
	get 0 ""
	wait_for_line "$log" 'ua-0-' 5
	# Fill the file system: dd stops at ENOSPC.
	dd if=/dev/zero of="$MNT/fill" bs=4096 2>/dev/null
	is "$(df --output=avail "$MNT" | tail -n 1 | tr -d ' ')" 0 "$MODE: the tmpfs is full"
	for n in 1 2 3 4 5; do
		get "$n"
	done
	lines=$(grep -c '' "$log")
	is "$lines" 3 "$MODE: the first line and the 2 that fit are logged"
	is "$(grep -Evc "$LINE_RE" "$log")" 0 "$MODE: every line is whole"
	is "$(tail -c 1 "$log" | od -An -c | tr -d ' ')" '\n' "$MODE: the log ends with a newline"
	is "$(grep -c 'ua-3-' "$log")" 0 "$MODE: nothing of the line that fit only in part"
	like "$(cat "$SERVER_ERR")" 'write access log: No space left on device' "$MODE: the server warns"
	rm -f "$MNT/fill"
	get 6
	wait_for_line "$log" 'ua-6-' 5
	is "$(grep -c '' "$log")" 4 "$MODE: after space is freed the next line is logged"
	is "$(grep -Evc "$LINE_RE" "$log")" 0 "$MODE: and every line is still whole"
	like "$(tail -n 1 "$log")" '"ua-6-x{1500}"$' "$MODE: the last line is request 6's"
	stop_sockwebd
	is "$SERVER_STATUS" 0 "$MODE: SIGTERM: sockwebd exits 0"
}

MODE=fork WORKERS=0
run
MODE=prefork WORKERS=2
run --prefork 2

done_testing
