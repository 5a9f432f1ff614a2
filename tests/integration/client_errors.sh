#!/bin/bash
# client_errors.sh: every curl exit code sockget promises, with the
# misbehaving server tests/helpers/badhttpd.py on loopback: 1 2 3 7 8 18
# 22 23 28 47 (6 is in client_dns.sh), plus -s/-S, -h and -V.
. "$top_srcdir/tests/lib.sh"

[ -x "$SOCKGET" ] || skip_all "sockget not built"
command -v python3 >/dev/null || skip_all "python3 not found"

BAD_ERR="$TEST_DIR/badhttpd.err"
python3 "$top_srcdir/tests/helpers/badhttpd.py" --port 0 2>"$BAD_ERR" &
track_pid $!
wait_for_line "$BAD_ERR" 'listening on ' 10 || bail_out "badhttpd did not start"
BP=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$BAD_ERR" | head -n 1)
B="http://127.0.0.1:$BP"

# expect CODE STDERR-REGEX DESCRIPTION -- sockget args...
# (an empty STDERR-REGEX means stderr must stay empty)
expect() {
	local code=$1 re=$2 desc=$3 rc
	shift 4
	"$SOCKGET" -S -s "$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err"
	rc=$?
	is "$rc" "$code" "$desc: exit $code"
	if [ -z "$re" ]; then
		is "$(cat "$TEST_DIR/err")" "" "$desc: no message"
	else
		like "$(cat "$TEST_DIR/err")" "$re" "$desc: message"
	fi
}

expect 0 '' "200 /ok" -- "$B/ok"
is "$(cat "$TEST_DIR/out")" "ok" "/ok body"
expect 1 '^sockget: \(1\) Protocol "https" not supported' "https URL" -- https://127.0.0.1/
expect 2 'is unknown' "unknown option" -- --no-such-option "$B/ok"
expect 2 'no URL specified' "no URL" --
expect 2 'requires an argument' "-o without its argument" -- -o
expect 3 '^sockget: \(3\) URL using bad/illegal format' "port 99999" -- "http://127.0.0.1:99999/"
expect 3 'bad/illegal' "unclosed IPv6 bracket" -- "http://[::1/"
expect 3 'bad/illegal' "space in URL" -- "http://127.0.0.1/a b"
expect 8 '^sockget: \(8\) Weird server reply' "not HTTP" -- "$B/garbage"
expect 8 'Weird server reply' "HTTP/0.9 style reply" -- "$B/http09"
expect 8 'Weird server reply' "closed in the middle of the headers" -- "$B/close-early"
expect 8 'Weird server reply' "endless headers (http-parser's limit)" -- -o /dev/null "$B/endless-headers"
expect 18 '^sockget: \(18\) transfer closed with 9999999990 bytes remaining to read' \
	"body shorter than Content-Length" -- -o "$TEST_DIR/short" "$B/short-body"
is "$(wc -c <"$TEST_DIR/short" | tr -d ' ')" 10 "the 10 bytes that came are kept"
expect 0 '' "404 without -f" -- "$B/notfound"
expect 22 '^sockget: \(22\) The requested URL returned error: 404' "404 with -f" -- -f "$B/notfound"
expect 23 '^sockget: \(23\) Failure writing output' "stdout is /dev/full" -- "$B/ok" -o /dev/full
expect 23 'Failed to open the file' "-o into a missing directory" -- -o "$TEST_DIR/no/such/dir/f" "$B/ok"
expect 28 '^sockget: \(28\) Operation timed out after [0-9]+ milliseconds with [0-9]+ bytes received' \
	"-m 1 on a one-byte-a-second body" -- -m 1 -o /dev/null "$B/drip"
expect 47 '^sockget: \(47\) Maximum \(50\) redirects followed' "redirect loop with -L" -- -L "$B/redirect-loop"
expect 47 'Maximum \(2\) redirects' "--max-redirs 2" -- -L --max-redirs 2 "$B/redirect-loop"
expect 56 'Recv failure' "connection reset" -- -o /dev/null "$B/reset"

# Exit 7: a port nothing listens on, found by binding and closing one.
free_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
expect 7 "^sockget: \(7\) Failed to connect to 127\.0\.0\.1 port $free_port: Connection refused" \
	"connection refused" -- "http://127.0.0.1:$free_port/"

# Redirects: relative and absolute Location.
w=$("$SOCKGET" -s -S -L -w ' %{http_code} %{num_redirects} %{url_effective}' "$B/relative-redirect" | tr -d '\n')
is "$w" "ok 200 1 $B/ok" "-L follows a relative Location"
w=$("$SOCKGET" -s -S -L -w ' %{num_redirects} %{url_effective}' "$B/redirect?to=$B/ok&code=307" | tr -d '\n')
is "$w" "ok 1 $B/ok" "-L follows an absolute Location (307)"
w=$("$SOCKGET" -s -S -w ' %{http_code}' "$B/redirect?to=$B/ok&code=302" | tail -c 4)
is "$w" " 302" "without -L a 302 is the answer"
expect 1 'Protocol "https" not supported' "-L to an https Location" -- -L "$B/redirect?to=https://127.0.0.1/"

# -s hides errors, -S brings them back.
"$SOCKGET" -s "$B/garbage" >/dev/null 2>"$TEST_DIR/quiet.err"
is "$?" 8 "-s: exit code unchanged"
is "$(wc -c <"$TEST_DIR/quiet.err" | tr -d ' ')" 0 "-s prints no error"
"$SOCKGET" "$B/garbage" >/dev/null 2>"$TEST_DIR/loud.err"
like "$(cat "$TEST_DIR/loud.err")" 'Weird server reply' "without -s the error is shown"

# -h and -V.
out=$("$SOCKGET" -h)
is "$?" 0 "-h exits 0"
like "$out" '^Usage: sockget' "-h prints usage"
out=$("$SOCKGET" --version)
like "$out" '^sockget [0-9]+\.[0-9]+\.[0-9]+ \(c-ares [0-9.]+, http-parser [0-9.]+\)' "-V names version and libraries"

# -H replaces or adds headers, -A sets the agent, -e the Referer.
"$SOCKGET" -s -S -H 'X-Test: 42' -A 'agent/1' -e "http://ref/" "$B/echo" >"$TEST_DIR/echo"
like "$(cat "$TEST_DIR/echo")" 'X-Test: 42' "-H adds a header"
like "$(cat "$TEST_DIR/echo")" 'User-Agent: agent/1' "-A sets User-Agent"
like "$(cat "$TEST_DIR/echo")" 'Referer: http://ref/' "-e sets Referer"
"$SOCKGET" -s -S -H 'Accept:' "$B/echo" >"$TEST_DIR/echo2"
unlike "$(cat "$TEST_DIR/echo2")" 'Accept:' "-H 'Accept:' removes the header (as curl)"

done_testing
