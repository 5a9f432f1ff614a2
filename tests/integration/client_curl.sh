#!/bin/bash
# client_curl.sh: sockget against the misbehaving tests/helpers/badhttpd.py
# on loopback, case by case (issue 13), and where curl is installed the same
# case against curl in the same test, so that the expectation is curl's:
# 1xx interim responses, what -L may send to another origin, empty bodies
# and -o, 204/304, Location forms, -C - on a complete file, numeric and IDN
# hosts, user:pass@ and -u, -f with -i/-I, -w for failed URLs, --resolve
# forms, localhost names, --http1.1 with a chunked body.
# Both clients send --http1.0 -A t, so requests echoed back compare byte
# for byte. curl is never given a name it would ask the system resolver.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/client_lib.sh"

[ -x "$SOCKGET" ] || skip_all "sockget not built"
command -v python3 >/dev/null || skip_all "python3 not found"
CURL=$(command -v curl || true)

start_badhttpd P
start_badhttpd Q
B="http://127.0.0.1:$P"	# the first origin
C="http://127.0.0.1:$Q"	# same host name, another port: another origin

# same RC DESC -- ARGS: sockget exits RC; curl, if here, exits RC and
# prints the same stdout. FILTER (a sed script) applies to both outputs.
same() {
	local want=$1 desc=$2 rc
	shift 3
	"$SOCKGET" -sS --http1.0 -A t "$@" >"$TEST_DIR/sg.out" 2>"$TEST_DIR/sg.err"
	rc=$?
	is "$rc" "$want" "$desc: exit $want"
	[ -n "$CURL" ] || return 0
	"$CURL" -sS --http1.0 -A t "$@" >"$TEST_DIR/curl.out" 2>"$TEST_DIR/curl.err"
	is "$?" "$want" "$desc: curl exits $want too"
	is "$(sed -e "${FILTER:-}" "$TEST_DIR/sg.out" | od -c)" \
		"$(sed -e "${FILTER:-}" "$TEST_DIR/curl.out" | od -c)" "$desc: output as curl's"
}
out() { cat "$TEST_DIR/sg.out"; }

# --- 1xx interim responses are skipped; -i shows them as curl does ---------
same 0 "100 and 103 before the 200" -- -i "$B/interim?codes=100,103"
like "$(out)" $'^HTTP/1.1 100 Continue\r' "-i: the 100 head first"
same 0 "interim: body only" -- -w ' %{http_code} %{size_header}' "$B/interim?codes=102,103"
is "$(out)" "ok
 200 189" "interim: the real body, final status 200, every head counted"

# --- -L and credentials: only to the same scheme, host and port -------------
H=(-H 'Authorization: Bearer secret' -H 'Cookie: c=1' -H 'Host: h.example' -H 'X-Other: 1')
same 0 "-L to another port" -- -L "${H[@]}" -u u:p "$B/redirect?to=$C/echo"
unlike "$(out)" 'Authorization|Cookie' "-L to another port: no Authorization, no Cookie"
like "$(out)" 'X-Other: 1' "-L to another port: other headers stay"
same 0 "-L to another host name" -- -L "${H[@]}" "$B/redirect?to=http://localhost:$P/echo"
unlike "$(out)" 'Authorization|Cookie|h\.example' "-L to localhost: custom Host dropped too"
same 0 "-L on the same origin" -- -L "${H[@]}" -u u:p "$B/redirect?to=/echo"
like "$(out)" 'Authorization: Bearer secret' "same origin: -H Authorization kept"
like "$(out)" 'Cookie: c=1' "same origin: Cookie kept"
same 0 "--location-trusted" -- --location-trusted -u u:p "$B/redirect?to=$C/echo"
like "$(out)" 'Authorization: Basic dTpw' "--location-trusted: -u goes to the other origin"

# --connect-timeout is for each connection, not for the redirect chain.
same 0 "--connect-timeout 1, -L after a 1.5 s response" -- -L --connect-timeout 1 \
	"$B/delay?s=1.5&to=$C/ok"
is "$(out)" ok "the second connection had its own second"

# --- user:pass@ and -u --------------------------------------------------------
same 0 "user:pass@ in the URL" -- "http://us%40er:p%3Ass@127.0.0.1:$P/echo"
like "$(out)" 'Authorization: Basic dXNAZXI6cDpzcw==' "userinfo decoded, sent as Basic"
same 0 "-u wins over the URL's" -- -u a:b "http://us:pw@127.0.0.1:$P/echo"
like "$(out)" 'Authorization: Basic YTpi' "-u a:b"
same 0 "URL credentials and -L elsewhere" -- -L "http://us:pw@127.0.0.1:$P/redirect?to=$C/echo"
unlike "$(out)" 'Authorization' "URL credentials stay with their origin"

# --- bodies that are not there: empty, 204, 304 -----------------------------
echo old >"$TEST_DIR/old"
same 0 "empty 200 into an old -o file" -- -o "$TEST_DIR/old" "$B/empty"
is "$(wc -c <"$TEST_DIR/old" | tr -d ' ')" 0 "the old file is truncated"
same 23 "empty body, -o unwritable" -- -o "$TEST_DIR/no/such/dir/f" "$B/empty"
echo old >"$TEST_DIR/old"
same 22 "-f 404 with -o" -- -f -o "$TEST_DIR/old" "$B/notfound"
is "$(cat "$TEST_DIR/old")" old "-f error: the old file is left alone"
same 0 "204 with Content-Length: 5" -- -w '%{http_code}' "$B/no-body?code=204"
is "$(out)" 204 "204: no body"
same 0 "304 with Content-Length: 5" -- -w '%{http_code}' "$B/no-body?code=304"

# --- Location: empty, blanks, bytes outside ASCII -----------------------------
same 0 "empty Location" -- -L -w ' %{http_code} %{num_redirects}' "$B/raw-location?to="
is "$(out)" "moved
 302 0" "empty Location: not followed, the 302 is the answer"
same 0 "Location with blanks" -- -L "$B/raw-location?to=/echo%3Fa%20b%20c%20%20"
like "$(out)" '^GET /echo\?a\+b\+c HTTP/1\.0' "blanks: trimmed, encoded as curl does"
FILTER='/^Host:/d' same 0 "Location with a space and a Latin-1 byte" -- -L \
	-w '%{url_effective}' "$B/raw-location?to=/ec%20ho?q%20x%C3%A9"
like "$(out)" '/ec%20ho\?q\+x%e9$' "space in the path %20, in the query +, byte %e9"

# --- -C - on a file that is already complete ----------------------------------
python3 "$top_srcdir/tests/helpers/badhttpd.py" --print-bytes 5000 >"$TEST_DIR/whole"
same 0 "-C - on a complete file, server ignores Range" -- -C - -o "$TEST_DIR/whole" "$B/bytes?n=5000"
cmp -s "$TEST_DIR/whole" <(python3 "$top_srcdir/tests/helpers/badhttpd.py" --print-bytes 5000)
ok $? "-C -: the complete file is unchanged"
head -c 100 "$TEST_DIR/whole" >"$TEST_DIR/part"
same 33 "-C - on a partial file, server ignores Range" -- -C - -o "$TEST_DIR/part" "$B/bytes?n=5000"

# --- numeric hosts: read as curl and browsers read them, before any DNS -------
for h in 0x7f.0.0.1 127.1 2130706433 0177.0.0.1 0x7f.1 127.0.0.01 127.0.0.0x1; do
	same 0 "numeric host $h" -- -o /dev/null -w '%{url_effective} %{remote_ip}' "http://$h:$P/ok"
	is "$(out)" "http://127.0.0.1:$P/ok 127.0.0.1" "$h is 127.0.0.1"
done

# --- IDN ------------------------------------------------------------------
same 0 "IDN host to punycode" -- --resolve "xn--bcher-kva.test:$P:127.0.0.1" "http://BÜCHER.test:$P/echo"
like "$(out)" "Host: xn--bcher-kva\.test:$P" "Host header in punycode"
same 3 "host that is not UTF-8" -- "http://x$(printf '\377').test:$P/echo"
like "$(cat "$TEST_DIR/sg.err")" 'to ACE' "the message says the name cannot be converted"

# --- -f with -i / -I; -w for URLs that fail early; more -o than URLs -----------
same 22 "-f -i on a 404" -- -f -i "$B/notfound"
like "$(out)" '^HTTP/1\.0 404 Not Found' "-f -i: the head is shown"
same 22 "-f -I on a 404" -- -f -I "$B/notfound"
same 3 "-w for URLs failing with 1 and 3" -- -w '[%{http_code} %{exitcode} %{url_effective}]\n' \
	"ftp2://x/" "http://127.0.0.1:99999/"
is "$(out)" "[000 1 ftp2://x/]
[000 3 http://127.0.0.1:99999/]" "-w: 000 and the exit code"
same 0 "three -o, one URL" -- -o /dev/null -o /dev/null -o /dev/null "$B/ok"
like "$(cat "$TEST_DIR/sg.err")" 'more output options than URLs' "a warning for the extra -o"

# --- --resolve forms and -4/-6 --------------------------------------------------
same 49 "--resolve port 80abc" -- --resolve "x.test:80abc:127.0.0.1" "http://x.test:$P/ok"
same 0 "--resolve *:PORT:ADDR" -- --resolve "*:$P:127.0.0.1" "http://any.test:$P/ok"
same 0 "--resolve +HOST" -- --resolve "+x.test:$P:127.0.0.1" "http://x.test:$P/ok"
same 6 "-4 with only an IPv6 pin" -- -4 --resolve "x.test:$P:::1" "http://x.test:$P/ok"
same 6 "-6 with only an IPv4 pin" -- -6 --resolve "x.test:$P:127.0.0.1" "http://x.test:$P/ok"
same 0 "-4 keeps the IPv4 pin" -- -4 --resolve "x.test:$P:[::1],127.0.0.1" -w ' %{remote_ip}' "http://x.test:$P/ok"
is "$(out)" "ok
 127.0.0.1" "-4: the IPv4 address of the pin"

# --- localhost names never go to DNS -----------------------------------------
for h in LocalHost a.b.localhost; do
	same 0 "$h" -- -w ' %{remote_ip}' "http://$h:$P/ok"
	is "$(out)" "ok
 127.0.0.1" "$h is loopback"
done
"$SOCKGET" -s -v --dns-servers 127.0.0.1:9 "http://x.localhost:$P/ok" 2>"$TEST_DIR/lh.err" >/dev/null
is "$?" 0 "x.localhost with a dead DNS server: exit 0"
like "$(cat "$TEST_DIR/lh.err")" 'x\.localhost is loopback' "-v says why no DNS was asked"
# "localhost." is the same name (RFC 6761); curl 7.88 asks DNS for it.
"$SOCKGET" -s -S --dns-servers 127.0.0.1:9 -w ' %{remote_ip}' "http://LOCALHOST.:$P/ok" \
	>"$TEST_DIR/lh.out" 2>&1
is "$(cat "$TEST_DIR/lh.out")" "ok
 127.0.0.1" "LOCALHOST. (trailing dot) is loopback too, without DNS"

# --- --http1.1: a chunked body through http-parser --------------------------------
"$SOCKGET" -s --http1.1 -A t "$B/echo" >"$TEST_DIR/e11"
like "$(head -n 1 "$TEST_DIR/e11")" '^GET /echo HTTP/1\.1' "--http1.1: the request line"
like "$(cat "$TEST_DIR/e11")" 'Connection: close' "--http1.1: Connection: close"
"$SOCKGET" -s --http1.1 "$B/chunked" >"$TEST_DIR/ch.sg"
is "$?" 0 "chunked: exit 0"
is "$(cat "$TEST_DIR/ch.sg")" "chunked
body" "chunked: the body de-chunked"
if [ -n "$CURL" ]; then
	"$CURL" -s --http1.1 "$B/chunked" >"$TEST_DIR/ch.curl"
	cmp -s "$TEST_DIR/ch.sg" "$TEST_DIR/ch.curl"
	ok $? "chunked: as curl's"
fi

# --- stdout closed: the body must not go into the socket ----------------------
"$SOCKGET" -s "$B/echo" >&-
is "$?" 23 "stdout closed: exit 23"
if [ -n "$CURL" ]; then
	"$CURL" -s "$B/echo" >&-
	is "$?" 23 "stdout closed: curl exits 23 too"
fi
grep -c 'GET /echo from' "$TEST_DIR/badhttpd.P.err" >/dev/null
ok $? "the server saw the request"

done_testing
