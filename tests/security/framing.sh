#!/usr/bin/env bash
# tests/security/framing.sh: request framing rules (issue 18, issue 14.9)
# over raw sockets, in both serving modes (fork per connection, --prefork):
#   absolute-form targets (the authority ends at '/', '?' or '#'; https is
#   served), trailers never merged into the header fields, Transfer-Encoding
#   strictness (HTTP/1.0 + TE, two TE lines, gzip+chunked, chunked twice),
#   Host (two lines, invalid values), control bytes in the target, a NUL in
#   the method, Connection lists however they are written.
# Each refusal is a status line and a closed connection: the request that
# follows in the same write is never answered.
. "$top_srcdir/tests/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
command -v curl >/dev/null 2>&1 || skip_all "curl not installed"

make_test_root
printf 'TOP SECRET\n' >"$TEST_DIR/www/secret"
NEXT='GET /hello.txt HTTP/1.0\r\n\r\n'

# rr DATA: send DATA on one connection; the answer in $R, rawreq's exit
# status in $RC (0: the server closed, 3: it kept the connection open).
rr_n=0
rr() {
	rr_n=$((rr_n + 1))
	R="$TEST_DIR/resp.$rr_n"
	raw_request "$PORT" "$1" 3 >"$R"
	RC=$?
}
status_of() { head -n 1 "$1" | tr -d '\r' | awk '{ print $2 }'; }
statuses() { grep -a -o '^HTTP/1\.[01] [0-9][0-9][0-9]' "$1" | awk '{ print $2 }' | paste -sd, -; }

# refused DATA STATUS WHAT: one response with STATUS, then the server closes
# (the hello.txt request sent after DATA is not answered).
refused() {
	rr "$1$NEXT"
	is "$(statuses "$R")" "$2" "$MODE: $3: $2 and nothing after it"
	is "$RC" 0 "$MODE: $3: the connection is closed"
}

# served DATA STATUS WHAT: DATA answered with STATUS and the connection
# goes on (the hello.txt request after it is answered too).
served() {
	rr "$1$NEXT"
	is "$(statuses "$R")" "$2,200" "$MODE: $3: $2, then the next request"
}

run_cases() {
	# --- absolute-form targets ----------------------------------------------
	rr 'GET http://x?/secret HTTP/1.0\r\n\r\n'
	is "$(status_of "$R")" 200 "$MODE: GET http://x?/secret: the root (200)"
	unlike "$(cat "$R")" 'TOP SECRET' "$MODE: ... and not /secret"
	rr 'GET http://x#/secret HTTP/1.0\r\n\r\n'
	unlike "$(cat "$R")" 'TOP SECRET' "$MODE: GET http://x#/secret does not serve /secret"
	rr 'GET https://127.0.0.1/hello.txt HTTP/1.0\r\n\r\n'
	is "$(status_of "$R")" 200 "$MODE: https absolute-form target: 200"
	like "$(cat "$R")" 'hello, sockweb' "$MODE: ... with the file"
	rr 'GET http://127.0.0.1:8080/hello.txt?a HTTP/1.0\r\n\r\n'
	is "$(status_of "$R")" 200 "$MODE: absolute-form with port and query: 200"
	refused 'GET http://u@x/hello.txt HTTP/1.1\r\nHost: x\r\n\r\n' 400 "userinfo in the authority"
	refused 'GET http:///hello.txt HTTP/1.1\r\nHost: x\r\n\r\n' 400 "empty authority"

	# --- trailers -------------------------------------------------------------
	served 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nRange: bytes=0-1\r\n\r\n' 200 "a Range in the trailer is ignored"
	served 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nIf-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\n\r\n' 200 "an If-Modified-Since in the trailer is ignored"
	rr 'GET /trailer-ua HTTP/1.1\r\nHost: x\r\nUser-Agent: real-agent\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nUser-Agent: forged-agent\r\n\r\n'
	is "$(status_of "$R")" 404 "$MODE: a request with a trailer User-Agent: answered"
	wait_for_line "$ACCESS_LOG" 'GET /trailer-ua ' 5
	like "$(grep -a 'GET /trailer-ua ' "$ACCESS_LOG" | tail -n 1)" '"real-agent"$' "$MODE: the log has the header's User-Agent, not the trailer's"

	# --- Transfer-Encoding ----------------------------------------------------
	refused 'GET /hello.txt HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' 400 "HTTP/1.0 with Transfer-Encoding"
	refused 'GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' 400 "HTTP/1.0 keep-alive with Transfer-Encoding"
	refused 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' 400 "two TE lines: identity + chunked"
	refused 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n' 501 "TE: gzip, chunked"
	refused 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n' 400 "TE: chunked, chunked"
	refused 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n' 400 "TE: chunked, gzip (not final)"
	refused 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' 400 "TE and Content-Length"
	served 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' 200 "TE: chunked (valid)"
	served 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: , Chunked\r\n\r\n0\r\n\r\n' 200 "TE: ', Chunked' (a list, any case)"

	# --- Host -----------------------------------------------------------------
	refused 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n' 400 "two Host lines"
	refused 'GET /hello.txt HTTP/1.0\r\nHost: x\r\nHost: y\r\n\r\n' 400 "two Host lines in HTTP/1.0"
	refused 'GET /hello.txt HTTP/1.1\r\nHost: a b/c\r\n\r\n' 400 "Host: a b/c"
	refused 'GET /hello.txt HTTP/1.0\r\nHost: a/b\r\n\r\n' 400 "HTTP/1.0 Host: a/b"
	refused 'GET /hello.txt HTTP/1.1\r\nHost: x:80x\r\n\r\n' 400 "Host with a bad port"
	refused 'GET /hello.txt HTTP/1.1\r\n\r\n' 400 "HTTP/1.1 without Host"
	served 'GET /hello.txt HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n' 200 "Host: [::1]:8080"
	served 'GET /hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' 200 "Host: 127.0.0.1"

	# --- control bytes --------------------------------------------------------
	refused 'GET /hello.txt\t HTTP/1.0\r\n\r\n' 400 "TAB in the target"
	refused 'GET /hel\flo.txt HTTP/1.0\r\n\r\n' 400 "FF in the target"
	refused 'GET /hello.txt?\x01 HTTP/1.0\r\n\r\n' 400 "a CTL in the query"
	refused 'GET /hello.txt\x7f HTTP/1.0\r\n\r\n' 400 "DEL in the target"
	refused 'GE\x00T /hello.txt HTTP/1.0\r\n\r\n' 400 "a NUL in the method"

	# --- Connection lists -----------------------------------------------------
	rr 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: ,, Close ,\r\n\r\n'"$NEXT"
	is "$(statuses "$R")" 200 "$MODE: Connection: ,, Close ,: one response"
	like "$(tr -d '\r' <"$R")" 'Connection: close' "$MODE: ... with Connection: close"
	is "$RC" 0 "$MODE: ... and the server closes"
	rr 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: foo\r\nConnection: CLOSE\r\n\r\n'"$NEXT"
	is "$(statuses "$R")" 200 "$MODE: close on a second Connection line: one response"
	served 'GET /hello.txt HTTP/1.0\r\nConnection: , Keep-Alive ,\r\n\r\n' 200 "HTTP/1.0 Connection: , Keep-Alive ,"
	served 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: closed\r\n\r\n' 200 "Connection: closed is another token"
}

MODE="fork"
start_sockwebd || bail_out "sockwebd did not start"
run_cases
still_serving "the framing cases ($MODE)"
stop_sockwebd
is "$SERVER_STATUS" 0 "$MODE: SIGTERM: sockwebd exits 0"

MODE="prefork"
ACCESS_LOG="$TEST_DIR/access-prefork.log"
start_sockwebd --prefork 2 || bail_out "sockwebd --prefork 2 did not start"
run_cases
still_serving "the framing cases ($MODE)"
stop_sockwebd
is "$SERVER_STATUS" 0 "$MODE: SIGTERM: sockwebd exits 0"

done_testing
