# shellcheck shell=bash
# tests/lib.sh: TAP output and process handling for the integration tests.
# Source it from a bash test script:  . "$top_srcdir/tests/lib.sh"
#
# Every server a test starts listens on a port the kernel chose (-p 0) and
# is stopped by its pid when the test exits, whatever happens.

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${SOCKWEBD:=$top_builddir/sockwebd}"
: "${SOCKGET:=$top_builddir/sockget}"
export top_srcdir top_builddir SOCKWEBD SOCKGET

TEST_NAME=$(basename "$0" .sh)
# A scratch directory per test; kept under tests/out/ for artefacts
# (logs, screenshots) and emptied at the start of each run.
TEST_DIR="$top_builddir/tests/out/$TEST_NAME"
rm -rf "$TEST_DIR"
mkdir -p "$TEST_DIR"

tap_n=0
tap_failed=0
TEST_PIDS=""

# ok STATUS DESCRIPTION: STATUS is a command's exit status (0 = pass).
ok() {
	local status=$1
	shift
	tap_n=$((tap_n + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $tap_n - $*"
	else
		echo "not ok $tap_n - $*"
		tap_failed=$((tap_failed + 1))
	fi
}

# is GOT WANT DESCRIPTION
is() {
	local got=$1 want=$2
	shift 2
	if [ "$got" = "$want" ]; then
		ok 0 "$*"
	else
		ok 1 "$*"
		printf '#   got:  %s\n#   want: %s\n' "$got" "$want"
	fi
}

# like TEXT EXTENDED-REGEX DESCRIPTION
like() {
	local text=$1 re=$2
	shift 2
	if printf '%s' "$text" | grep -Eq -- "$re"; then
		ok 0 "$*"
	else
		ok 1 "$*"
		printf '#   text: %s\n#   does not match: %s\n' "$(printf '%s' "$text" | head -c 400)" "$re"
	fi
}

# unlike TEXT EXTENDED-REGEX DESCRIPTION
unlike() {
	local text=$1 re=$2
	shift 2
	if printf '%s' "$text" | grep -Eq -- "$re"; then
		ok 1 "$*"
		printf '#   text matches: %s\n' "$re"
	else
		ok 0 "$*"
	fi
}

diag() { printf '# %s\n' "$*"; }

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
	exit $?
}

bail_out() {
	echo "Bail out! $*"
	exit 1
}

# Stop exactly the processes this test started.
cleanup() {
	local pid
	for pid in $TEST_PIDS; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in $TEST_PIDS; do
		wait "$pid" 2>/dev/null || true
	done
}
trap cleanup EXIT

track_pid() { TEST_PIDS="$TEST_PIDS $1"; }

# wait_for_line FILE REGEX SECONDS: until a line matching REGEX is in FILE.
wait_for_line() {
	local file=$1 re=$2 tries=$(($3 * 20))
	while [ "$tries" -gt 0 ]; do
		grep -Eq -- "$re" "$file" 2>/dev/null && return 0
		sleep 0.05
		tries=$((tries - 1))
	done
	return 1
}

# start_sockwebd [ARGS...]: start sockwebd on 127.0.0.1, a kernel-chosen
# port, serving $TEST_DIR/www unless -r is among ARGS. Sets SERVER_PID,
# PORT, BASE (http://127.0.0.1:PORT), SERVER_ERR (its stderr), ACCESS_LOG.
# Extra -l options are appended after the default one unless NO_DEFAULT_LISTEN=1.
start_sockwebd() {
	local root_args=(-r "$TEST_DIR/www") listen_args=(-l 127.0.0.1) a
	for a in "$@"; do
		case "$a" in -r|--root|--root=*) root_args=() ;; esac
	done
	[ "${NO_DEFAULT_LISTEN:-0}" = 1 ] && listen_args=()
	SERVER_ERR="$TEST_DIR/sockwebd.$$.$RANDOM.err"
	ACCESS_LOG="${ACCESS_LOG:-$TEST_DIR/access.log}"
	"$SOCKWEBD" -p 0 "${listen_args[@]}" "${root_args[@]}" "$@" \
		>>"$ACCESS_LOG" 2>"$SERVER_ERR" &
	SERVER_PID=$!
	track_pid "$SERVER_PID"
	if ! wait_for_line "$SERVER_ERR" 'listening on ' 10; then
		diag "sockwebd did not start:"
		sed 's/^/#   /' "$SERVER_ERR"
		return 1
	fi
	PORT=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$SERVER_ERR" | head -n 1)
	BASE="http://127.0.0.1:$PORT"
}

# stop_sockwebd: SIGTERM and wait; sets SERVER_STATUS.
stop_sockwebd() {
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID"
	SERVER_STATUS=$?
}

# raw_request PORT STRING [TIMEOUT]: send STRING (printf %b escapes) over a
# raw TCP connection to 127.0.0.1:PORT, print everything that comes back.
raw_request() {
	python3 "$top_srcdir/tests/helpers/rawreq.py" --port "$1" \
		--timeout "${3:-5}" --data "$2"
}

# Makes a small document root for a test in $TEST_DIR/www.
make_test_root() {
	mkdir -p "$TEST_DIR/www/sub"
	printf 'hello, sockweb\n' >"$TEST_DIR/www/hello.txt"
	printf '<!doctype html><title>t</title><p>index</p>\n' >"$TEST_DIR/www/index.html"
	printf 'in sub\n' >"$TEST_DIR/www/sub/file.txt"
}

# --- the server's process tree (robustness tests) ---------------------------

# children: how many processes SERVER_PID has now, zombies included.
children() { ps --ppid "$SERVER_PID" -o pid= | wc -l; }

# zombies: how many of them are zombies.
zombies() { ps --ppid "$SERVER_PID" -o stat= | grep -c '^Z' || true; }

# wait_children MAX SECONDS: until SERVER_PID has at most MAX children.
wait_children() {
	local tries=$(($2 * 20))
	while [ "$tries" -gt 0 ]; do
		[ "$(children)" -le "$1" ] && return 0
		sleep 0.05
		tries=$((tries - 1))
	done
	return 1
}

# settle SECONDS: until the server is quiet, at most SECONDS: its accept
# queue is empty (per ss, when there is ss) and it has no child, zombies
# included, at 5 checks in a row 0.1 s apart. (0 children at one instant
# proves nothing while the backlog still holds connections to fork for.)
settle() {
	local tries=$(($1 * 10)) calm=0 q
	while [ "$tries" -gt 0 ]; do
		q=0
		if command -v ss >/dev/null 2>&1; then
			q=$(ss -Hltn "sport = :$PORT" 2>/dev/null | awk '{ s += $2 } END { print s + 0 }')
		fi
		if [ "$q" -eq 0 ] && [ "$(children)" -eq 0 ]; then
			calm=$((calm + 1))
			[ "$calm" -ge 5 ] && return 0
		else
			calm=0
		fi
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

# still_serving WHAT: a normal request after WHAT gets 200.
still_serving() {
	local code
	code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$BASE/hello.txt" || true)
	is "$code" 200 "after $1: a normal request gets 200"
}
