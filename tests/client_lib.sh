# shellcheck shell=bash
# tests/client_lib.sh: what the sockget tests share, on top of tests/lib.sh.

# start_badhttpd VAR: tests/helpers/badhttpd.py on 127.0.0.1, a port the
# kernel picks; sets VAR to that port; its stderr (one line per request)
# is $TEST_DIR/badhttpd.VAR.err. Stopped by pid at exit like the rest.
start_badhttpd() {
	local err="$TEST_DIR/badhttpd.$1.err"
	python3 "$top_srcdir/tests/helpers/badhttpd.py" --port 0 2>"$err" &
	track_pid $!
	wait_for_line "$err" 'listening on ' 10 || bail_out "badhttpd did not start: $(cat "$err")"
	printf -v "$1" '%s' "$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$err" | head -n 1)"
}
