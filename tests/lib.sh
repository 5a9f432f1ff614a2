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

# --- time: TEST_TIME_FACTOR stretches every wall-clock bound ---------------
# On a slow or loaded machine (valgrind, sanitizers, a busy CI runner) run
# with TEST_TIME_FACTOR=3: every wait below and every "within N s" check
# that goes through scaled/within allows that many times longer.
: "${TEST_TIME_FACTOR:=1}"
export TEST_TIME_FACTOR

# scaled SECONDS: SECONDS times TEST_TIME_FACTOR (may be fractional).
scaled() { awk -v s="$1" -v f="$TEST_TIME_FACTOR" 'BEGIN { print s * f }'; }

# scaled_ms MS: MS times TEST_TIME_FACTOR, a whole number (for [ -lt ]).
scaled_ms() { awk -v s="$1" -v f="$TEST_TIME_FACTOR" 'BEGIN { printf "%d", s * f }'; }

# within SECS LIMIT: exit 0 if SECS <= LIMIT * TEST_TIME_FACTOR.
within() {
	awk -v s="$1" -v l="$2" -v f="$TEST_TIME_FACTOR" 'BEGIN { exit !(s <= l * f) }'
}

# poll SECONDS COMMAND...: run COMMAND every 0.05 s until it succeeds or
# SECONDS (scaled) have passed; the status of the last try.
poll() {
	local tries
	tries=$(awk -v s="$1" -v f="$TEST_TIME_FACTOR" 'BEGIN { printf "%d", s * f * 20 + 1 }')
	shift
	while :; do
		"$@" && return 0
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.05
	done
}

# --- processes: started by pid, stopped by pid, in bounded time -------------

# gone PID: PID has exited (a zombie counts: only its parent's wait is left).
gone() {
	kill -0 "$1" 2>/dev/null || return 0
	case "$(ps -o stat= -p "$1" 2>/dev/null)" in Z*) return 0 ;; esac
	return 1
}

# stop_pid PID [SIGNAL [SECONDS]]: send SIGNAL (TERM), wait at most SECONDS
# (10, scaled) for PID to exit, then SIGKILL it. Reaps PID if it is our
# child; its exit status in $STOP_STATUS (137 after a SIGKILL).
stop_pid() {
	local pid=$1 sig=${2:-TERM} secs=${3:-10}
	kill "-$sig" "$pid" 2>/dev/null
	if ! poll "$secs" gone "$pid"; then
		diag "pid $pid ignored SIG$sig for $secs s; killing it"
		kill -KILL "$pid" 2>/dev/null
		poll 5 gone "$pid"
	fi
	wait "$pid" 2>/dev/null
	STOP_STATUS=$?
}

# Stop exactly the processes this test started, each in bounded time.
cleanup() {
	local pid
	for pid in $TEST_PIDS; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in $TEST_PIDS; do
		gone "$pid" || stop_pid "$pid" TERM 5
		wait "$pid" 2>/dev/null || true
	done
}
trap cleanup EXIT

track_pid() { TEST_PIDS="$TEST_PIDS $1"; }

# wait_for_line FILE REGEX SECONDS: until a line matching REGEX is in FILE.
wait_for_line() {
	poll "$3" grep -Eq -- "$2" "$1" 2>/dev/null
}

# start_raw NAME ARGS...: start sockwebd with exactly ARGS (nothing added),
# stdout appended to $TEST_DIR/NAME.out, stderr to $TEST_DIR/NAME.err, and
# wait for its "listening on" line. Sets SERVER_PID, SERVER_OUT, SERVER_ERR,
# PORT (of the first listening line) and BASE (http://127.0.0.1:PORT).
start_raw() {
	local name=$1
	shift
	spawn_sockwebd "$TEST_DIR/$name.out" "$TEST_DIR/$name.err" "$@"
}

# spawn_sockwebd OUT ERR ARGS...: what start_raw and start_sockwebd share.
spawn_sockwebd() {
	SERVER_OUT=$1
	SERVER_ERR=$2
	shift 2
	"$SOCKWEBD" "$@" >>"$SERVER_OUT" 2>"$SERVER_ERR" &
	SERVER_PID=$!
	track_pid "$SERVER_PID"
	if ! wait_for_line "$SERVER_ERR" 'listening on ' 10; then
		diag "sockwebd $* did not start:"
		sed 's/^/#   /' "$SERVER_ERR"
		return 1
	fi
	PORT=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$SERVER_ERR" | head -n 1)
	BASE="http://127.0.0.1:$PORT"
}

# start_sockwebd [ARGS...]: start sockwebd on 127.0.0.1, a kernel-chosen
# port, serving $TEST_DIR/www unless -r is among ARGS. Sets what start_raw
# sets; stdout (the access log) goes to $ACCESS_LOG ($TEST_DIR/access.log
# unless set). Extra -l options are appended after the default one unless
# NO_DEFAULT_LISTEN=1.
start_sockwebd() {
	local root_args=(-r "$TEST_DIR/www") listen_args=(-l 127.0.0.1) a
	for a in "$@"; do
		case "$a" in -r|--root|--root=*) root_args=() ;; esac
	done
	[ "${NO_DEFAULT_LISTEN:-0}" = 1 ] && listen_args=()
	ACCESS_LOG="${ACCESS_LOG:-$TEST_DIR/access.log}"
	spawn_sockwebd "$ACCESS_LOG" "$TEST_DIR/sockwebd.$$.$RANDOM.err" \
		-p 0 "${listen_args[@]}" "${root_args[@]}" "$@"
}

# stop_sockwebd [SIGNAL]: stop SERVER_PID (stop_pid: SIGTERM, bounded);
# its exit status in SERVER_STATUS.
stop_sockwebd() {
	stop_pid "$SERVER_PID" "${1:-TERM}"
	SERVER_STATUS=$STOP_STATUS
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

# server_procs: the pids of the server: SERVER_PID and its children (the
# prefork workers, fork mode's children), one per line.
server_procs() { echo "$SERVER_PID"; ps --ppid "$SERVER_PID" -o pid= | tr -d ' '; }

# zombies: how many of them are zombies.
zombies() { ps --ppid "$SERVER_PID" -o stat= | grep -c '^Z' || true; }

# wait_children MAX SECONDS: until SERVER_PID has at most MAX children.
wait_children() {
	poll "$2" at_most_children "$1"
}
at_most_children() { [ "$(children)" -le "$1" ]; }
at_least_one_child() { [ "$(children)" -ge 1 ]; }

# fds: how many descriptors SERVER_PID has open.
fds() { ls "/proc/$SERVER_PID/fd" | wc -l; }

# free_port: a TCP port on 127.0.0.1 that was free a moment ago (for a
# program that cannot be told -p 0; it may be taken meanwhile).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# settle SECONDS: until the server is quiet, at most SECONDS (scaled): its accept
# queue is empty (per ss, when there is ss) and it has no child, zombies
# included, at 5 checks in a row 0.1 s apart. (0 children at one instant
# proves nothing while the backlog still holds connections to fork for.)
settle() {
	local tries calm=0 q
	tries=$(awk -v s="$1" -v f="$TEST_TIME_FACTOR" 'BEGIN { printf "%d", s * f * 10 }')
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
