#!/usr/bin/env bash
# tests/integration/server_http.sh: sockwebd's HTTP behaviour, seen from the
# wire with curl and raw sockets (tests/helpers/rawreq.py): every status code
# of the contract (issue 4), headers, HEAD, conditional and range requests,
# directory listings, keep-alive and pipelining, the access log, timeouts,
# the child limit, zombies, symlinks and a file larger than 4 GiB.
. "$top_srcdir/tests/lib.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"

RAWREQ="$top_srcdir/tests/helpers/rawreq.py"
VERSION=0.1.0
CRLF=$'\r'

# --- helpers ----------------------------------------------------------------

resp_n=0
# rr DATA [rawreq options...]: send DATA (rawreq escapes) to 127.0.0.1:$PORT;
# the response is in the file $R, rawreq's exit code in $RRC.
rr() {
	local data=$1
	shift
	resp_n=$((resp_n + 1))
	R="$TEST_DIR/resp.$resp_n"
	python3 "$RAWREQ" --port "$PORT" --timeout 5 --data "$data" "$@" >"$R"
	RRC=$?
}

# status_of FILE: the status code of the first response in FILE.
status_of() { head -n 1 "$1" | tr -d '\r' | cut -d' ' -f2; }

# header_of FILE NAME: the value of header NAME in the first response.
header_of() {
	sed -n '1,/^\r\{0,1\}$/p' "$1" | tr -d '\r' | grep -i -m 1 "^$2:" |
		sed 's/^[^:]*:[[:space:]]*//'
}

# body_of FILE: the bytes after the first blank line.
body_of() {
	python3 -c 'import sys
d = open(sys.argv[1], "rb").read()
i = d.find(b"\r\n\r\n")
sys.stdout.buffer.write(d[i + 4:] if i >= 0 else b"")' "$1"
}

body_len() { body_of "$1" | wc -c | tr -d ' '; }

# expect_status DATA CODE DESCRIPTION: one raw request, one status check.
expect_status() {
	rr "$1"
	is "$(status_of "$R")" "$2" "$3"
}

# cget URL [curl options...]: curl it; status in $CODE, headers in $H,
# body in $B.
cget_n=0
cget() {
	local url=$1
	shift
	cget_n=$((cget_n + 1))
	H="$TEST_DIR/curl.$cget_n.h"
	B="$TEST_DIR/curl.$cget_n.b"
	CODE=$(curl -s -S --max-time 10 -D "$H" -o "$B" -w '%{http_code}' "$@" "$url")
}

# --- the document root --------------------------------------------------------

make_test_root
W="$TEST_DIR/www"
OUT="$TEST_DIR/outside"
mkdir -p "$OUT"
SECRET="outside-marker-$$-$RANDOM-$RANDOM"
DOTSECRET="dotfile-marker-$$-$RANDOM-$RANDOM"
printf '%s\n' "$SECRET" >"$OUT/secret.txt"
printf '%s\n' "$DOTSECRET" >"$W/.hidden"
mkdir -p "$W/.dotdir"
printf '%s\n' "$DOTSECRET" >"$W/.dotdir/file.txt"
touch -d '2024-01-02 03:04:05 UTC' "$W/hello.txt"
LASTMOD='Tue, 02 Jan 2024 03:04:05 GMT'
printf '<!doctype html><title>p</title><p>page</p>\n' >"$W/page.html"
printf '\211PNG\r\n\032\n' >"$W/image.png"
printf 'bin\001\002' >"$W/blob.bin"
mkdir -p "$W/list/subdir"
printf 'amp\n' >"$W/list/a&b<c>.txt"
printf 'space\n' >"$W/list/space name.txt"
printf 'percent\n' >"$W/list/%41.txt"
printf 'quote\n' >"$W/list/quote\".txt"
printf '%s\n' "$DOTSECRET" >"$W/list/.hidden-in-list"
mkdir -p "$W/dir with space" "$W/x"$'\r\n'"Set-Cookie: a=b" "$W/nl"
printf 'n\n' >"$W/nl/line"$'\n'"break.txt"
mkdir -p "$W/noindex"
printf 'x\n' >"$W/noindex/x.txt"
printf 'private\n' >"$W/private.txt"
chmod 600 "$W/private.txt"
ln -s ../outside/secret.txt "$W/escape.txt"
ln -s "$OUT/secret.txt" "$W/abs-escape.txt"
ln -s hello.txt "$W/inlink.txt"
ln -s ../outside "$W/outdir"
mkfifo "$W/fifo"
python3 -c 'import socket, sys
socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$W/sock"
have_dev=0
mknod "$W/null" c 1 3 2>/dev/null && have_dev=1

ACCESS_LOG="$TEST_DIR/access.log"
start_sockwebd || bail_out "sockwebd did not start"

# --- 200 and the headers of every response -------------------------------------

rr 'GET /hello.txt HTTP/1.0\r\n\r\n'
is "$(head -n 1 "$R" | tr -d '\r')" "HTTP/1.0 200 OK" "GET /hello.txt: HTTP/1.0 200 OK"
is "$(body_of "$R")" "hello, sockweb" "GET /hello.txt: body"
is "$(header_of "$R" Content-Length)" 15 "Content-Length: 15"
is "$(header_of "$R" Content-Type)" "text/plain; charset=utf-8" "Content-Type of .txt has charset=utf-8"
is "$(header_of "$R" Server)" "sockweb/$VERSION" "Server: sockweb/$VERSION"
like "$(header_of "$R" Date)" '^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$' "Date in RFC 7231 format"
is "$(header_of "$R" Last-Modified)" "$LASTMOD" "Last-Modified is the file's mtime"
is "$(header_of "$R" Accept-Ranges)" bytes "Accept-Ranges: bytes"
is "$(header_of "$R" Connection | tr 'A-Z' 'a-z')" close "Connection: close for HTTP/1.0"
is "$RRC" 0 "the server closes after an HTTP/1.0 response"

cget "$BASE/page.html"
is "$CODE" 200 "GET /page.html: 200"
is "$(header_of "$H" Content-Type)" "text/html; charset=utf-8" "Content-Type of .html"
cget "$BASE/image.png"
is "$(header_of "$H" Content-Type)" "image/png" "Content-Type of .png, no charset"
cget "$BASE/blob.bin"
is "$(header_of "$H" Content-Type)" "application/octet-stream" "unknown extension: application/octet-stream"
cget "$BASE/hello%2etxt"
is "$CODE" 200 "percent-encoded name: 200"
cget "$BASE/hello.txt?x=1&y=2"
is "$CODE" 200 "query string is not part of the path: 200"
cget "$BASE/sub/file.txt"
is "$(cat "$B")" "in sub" "a file in a subdirectory"

# --- HEAD ---------------------------------------------------------------------------

rr 'HEAD /hello.txt HTTP/1.0\r\n\r\n'
is "$(status_of "$R")" 200 "HEAD /hello.txt: 200"
is "$(header_of "$R" Content-Length)" 15 "HEAD: Content-Length of the file"
is "$(header_of "$R" Last-Modified)" "$LASTMOD" "HEAD: Last-Modified"
is "$(header_of "$R" Content-Type)" "text/plain; charset=utf-8" "HEAD: Content-Type"
is "$(body_len "$R")" 0 "HEAD: no body"
rr 'HEAD /nope.txt HTTP/1.0\r\n\r\n'
is "$(status_of "$R")" 404 "HEAD of a missing file: 404"
is "$(body_len "$R")" 0 "HEAD 404: no body"

# --- 404 and error pages ------------------------------------------------------------

rr 'GET /nope.txt HTTP/1.0\r\n\r\n'
is "$(status_of "$R")" 404 "missing file: 404"
like "$(header_of "$R" Content-Type)" '^text/html' "error page is HTML"
is "$(header_of "$R" Content-Length)" "$(body_len "$R")" "error page Content-Length matches its body"
is "$(header_of "$R" Server)" "sockweb/$VERSION" "error page has Server"
like "$(header_of "$R" Date)" 'GMT$' "error page has Date"
like "$(header_of "$R" Connection)" '.' "error page has Connection"

# --- 304 ------------------------------------------------------------------------------

rr "GET /hello.txt HTTP/1.0\\r\\nIf-Modified-Since: $LASTMOD\\r\\n\\r\\n"
is "$(status_of "$R")" 304 "If-Modified-Since = Last-Modified: 304"
is "$(body_len "$R")" 0 "304: no body"
rr 'GET /hello.txt HTTP/1.0\r\nIf-Modified-Since: Wed, 03 Jan 2024 00:00:00 GMT\r\n\r\n'
is "$(status_of "$R")" 304 "If-Modified-Since later than the file: 304"
rr 'GET /hello.txt HTTP/1.0\r\nIf-Modified-Since: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n'
is "$(status_of "$R")" 200 "If-Modified-Since earlier than the file: 200"
rr 'GET /hello.txt HTTP/1.0\r\nIf-Modified-Since: yesterday-ish\r\n\r\n'
is "$(status_of "$R")" 200 "unparsable If-Modified-Since is ignored: 200"
cget "$BASE/hello.txt" -z "$W/hello.txt"
is "$CODE" 304 "curl -z with the file's own time: 304"

# --- 206 and 416 ------------------------------------------------------------------------

rr 'GET /hello.txt HTTP/1.0\r\nRange: bytes=0-4\r\n\r\n'
is "$(status_of "$R")" 206 "Range bytes=0-4: 206"
is "$(body_of "$R")" "hello" "bytes=0-4: body"
is "$(header_of "$R" Content-Range)" "bytes 0-4/15" "bytes=0-4: Content-Range"
is "$(header_of "$R" Content-Length)" 5 "bytes=0-4: Content-Length"
rr 'GET /hello.txt HTTP/1.0\r\nRange: bytes=7-\r\n\r\n'
is "$(status_of "$R")" 206 "Range bytes=7-: 206"
is "$(body_of "$R")" "sockweb" "bytes=7-: body"
is "$(header_of "$R" Content-Range)" "bytes 7-14/15" "bytes=7-: Content-Range"
rr 'GET /hello.txt HTTP/1.0\r\nRange: bytes=-3\r\n\r\n'
is "$(status_of "$R")" 206 "Range bytes=-3: 206"
is "$(body_of "$R" | od -An -c | tr -s ' ')" " e b \n" "bytes=-3: the last three bytes"
is "$(header_of "$R" Content-Range)" "bytes 12-14/15" "bytes=-3: Content-Range"
rr 'GET /hello.txt HTTP/1.0\r\nRange: bytes=10-100\r\n\r\n'
is "$(header_of "$R" Content-Range)" "bytes 10-14/15" "bytes=10-100: clamped to the file"
rr 'HEAD /hello.txt HTTP/1.0\r\nRange: bytes=0-4\r\n\r\n'
# RFC 9110 14.2: a server ignores Range for any method but GET.
is "$(status_of "$R") $(body_len "$R")" "200 0" "HEAD with Range: 200 (Range is for GET only), no body"
is "$(header_of "$R" Content-Length)" 15 "HEAD with Range: the whole file's Content-Length"
rr 'GET /hello.txt HTTP/1.0\r\nRange: bytes=100-200\r\n\r\n'
is "$(status_of "$R")" 416 "Range bytes=100-200 past the end: 416"
is "$(header_of "$R" Content-Range)" "bytes */15" "416: Content-Range: bytes */15"
like "$(header_of "$R" Content-Type)" '^text/html' "416: an HTML error page, like every error"
ok "$([ "$(body_len "$R")" -gt 0 ]; echo $?)" "416: the error page has a body"
rr 'GET /hello.txt HTTP/1.0\r\nRange: bytes=15-\r\n\r\n'
is "$(status_of "$R")" 416 "Range bytes=15- (== size): 416"
cget "$BASE/hello.txt" -r 0-4
is "$CODE $(cat "$B")" "206 hello" "curl -r 0-4: 206 hello"
# If-Range with a date (the ETag forms are in server_features.sh): the
# range only while the file still has that Last-Modified, else all of it.
cget "$BASE/hello.txt" -r 0-4 -H "If-Range: $LASTMOD"
is "$CODE $(cat "$B")" "206 hello" "If-Range = Last-Modified: 206, the range"
cget "$BASE/hello.txt" -r 0-4 -H 'If-Range: Mon, 01 Jan 2024 00:00:00 GMT'
is "$CODE $(wc -c <"$B" | tr -d ' ')" "200 15" "If-Range with another date: 200, the whole file"
cget "$BASE/hello.txt" -r 0-4 -H 'If-Range: not a date'
is "$CODE $(wc -c <"$B" | tr -d ' ')" "200 15" "If-Range unparsable: 200, the whole file"

# --- directories: 301, index.html, listing ------------------------------------------------

rr 'GET /sub HTTP/1.0\r\n\r\n'
is "$(status_of "$R")" 301 "directory without a slash: 301"
like "$(header_of "$R" Location)" '^(http://[^/]+)?/sub/$' "301 Location: /sub/"
rr 'GET /sub?a=b HTTP/1.0\r\n\r\n'
like "$(header_of "$R" Location)" '^(http://[^/]+)?/sub/(\?a=b)?$' "301 Location for /sub?a=b"
rr 'GET /dir%20with%20space HTTP/1.0\r\n\r\n'
like "$(header_of "$R" Location)" '^(http://[^/]+)?/dir%20with%20space/$' "301 Location is URL-escaped"
rr 'GET /x%0d%0aSet-Cookie:%20a=b HTTP/1.0\r\n\r\n'
is "$(status_of "$R")" 301 "a directory named x<CR><LF>Set-Cookie: a=b: 301"
like "$(header_of "$R" Location)" '^(http://[^/]+)?/x%0[dD]%0[aA]Set-Cookie' "301 Location escapes CR LF"
is "$(header_of "$R" Set-Cookie)" "" "no header injected through the Location"
cget "$BASE/nl/"
like "$(cat "$B")" 'href=["'"'"'](\./|/nl/)?line%0[aA]break\.txt' "listing URL-escapes a newline in a name"
cget "$BASE/"
is "$CODE" 200 "GET /: 200"
is "$(cat "$B")" "$(cat "$W/index.html")" "GET / serves index.html"
cget "$BASE/list/"
LIST=$(cat "$B")
is "$CODE" 200 "listing of /list/: 200"
like "$(header_of "$H" Content-Type)" '^text/html; charset=utf-8' "listing is text/html; charset=utf-8"
like "$LIST" 'a&amp;b&lt;c&gt;\.txt' "listing HTML-escapes a&b<c>.txt"
unlike "$LIST" 'a&b<c>' "listing never shows a&b<c> raw"
like "$LIST" 'href=["'"'"'](\./|/list/)?a(%26|&amp;)b%3[Cc]c%3[Ee]\.txt["'"'"']' "listing URL-escapes a&b<c>.txt in the link"
like "$LIST" 'href=["'"'"'](\./|/list/)?space%20name\.txt["'"'"']' "listing URL-escapes the space"
like "$LIST" 'space name\.txt' "listing shows 'space name.txt'"
like "$LIST" 'href=["'"'"'](\./|/list/)?%2541\.txt["'"'"']' "listing escapes % in %41.txt (%2541)"
like "$LIST" 'href=["'"'"'](\./|/list/)?quote%22\.txt["'"'"']' "listing URL-escapes the quote in the link"
like "$LIST" 'href=["'"'"'](\./|/list/)?subdir/["'"'"']' "listing links subdir/ with a slash"
unlike "$LIST" 'hidden-in-list' "listing hides dotfiles"
unlike "$LIST" "$DOTSECRET" "no dotfile content in the listing"
order=$(for n in '%41.txt' 'a&amp;b' 'space name'; do
	printf '%s' "$LIST" | grep -ob -F -- "$n" | head -n 1 | cut -d: -f1
done | tr '\n' ' ')
# shellcheck disable=SC2086
is "$(printf '%s\n' $order | sort -n | tr '\n' ' ')" "$order" "listing is sorted by name"
cget "$BASE/list/%2541.txt"
is "$CODE $(cat "$B")" "200 percent" "the %2541 link serves %41.txt"
cget "$BASE/list/%41.txt"
is "$CODE" 404 "/list/%41.txt decodes once, to A.txt: 404"
cget "$BASE/list/space%20name.txt"
is "$CODE $(cat "$B")" "200 space" "the space%20name link works"
cget "$BASE/list/a%26b%3Cc%3E.txt"
is "$CODE $(cat "$B")" "200 amp" "the a%26b%3Cc%3E link works"
cget "$BASE/noindex/"
like "$(cat "$B")" 'x\.txt' "a directory without index.html is listed"

# --- files that are not served ---------------------------------------------------------

for t in /.hidden /.dotdir/file.txt /.dotdir/ /list/.hidden-in-list /%2ehidden /sub/../.hidden; do
	rr "GET $t HTTP/1.0\\r\\n\\r\\n"
	is "$(status_of "$R")" 404 "dotfile $t: 404"
	unlike "$(cat "$R")" "$DOTSECRET" "dotfile $t: content not leaked"
done
for t in /escape.txt /abs-escape.txt /outdir/secret.txt /outdir/; do
	rr "GET $t HTTP/1.0\\r\\n\\r\\n"
	is "$(status_of "$R")" 403 "symlink out of the root $t: 403"
	unlike "$(cat "$R")" "$SECRET" "symlink out of the root $t: content not leaked"
done
expect_status 'GET /inlink.txt HTTP/1.0\r\n\r\n' 200 "symlink inside the root: 200 (followed beneath the root; see server_features.sh)"
rr 'GET /fifo HTTP/1.0\r\n\r\n'
is "$(status_of "$R") $RRC" "403 0" "FIFO: 403, no hang"
expect_status 'GET /sock HTTP/1.0\r\n\r\n' 403 "Unix socket: 403"
if [ "$have_dev" = 1 ]; then
	expect_status 'GET /null HTTP/1.0\r\n\r\n' 403 "character device: 403"
else
	ok 0 "# SKIP character device: mknod not permitted"
fi
expect_status 'GET /private.txt HTTP/1.0\r\n\r\n' 403 "file not world-readable (0600): 403"

# --- methods, versions, malformed requests -------------------------------------------------

for m in POST PUT DELETE OPTIONS PATCH; do
	rr "$m /hello.txt HTTP/1.0\\r\\nContent-Length: 0\\r\\n\\r\\n"
	is "$(status_of "$R")" 405 "$m: 405"
	is "$(header_of "$R" Allow)" "GET, HEAD" "$m: Allow: GET, HEAD"
done
for m in BREW TRACE; do
	expect_status "$m /hello.txt HTTP/1.0\\r\\n\\r\\n" 501 "$m: 501"
done
expect_status 'GET /hello.txt HTTP/1.2\r\n\r\n' 505 "HTTP/1.2: 505"
expect_status 'GET /hello.txt HTTP/2.0\r\n\r\n' 505 "HTTP/2.0: 505"
expect_status 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' 200 "HTTP/1.1: 200"
rr 'GET /hello.txt\r\n'
is "$(cat "$R")" "hello, sockweb" "HTTP/0.9 simple request: the body alone"
expect_status 'GET http://127.0.0.1/hello.txt HTTP/1.0\r\n\r\n' 200 "absolute-form target: 200"

expect_status 'GET /hello.txt HTTX/1.0\r\n\r\n' 400 "bad protocol name HTTX/1.0: 400"
expect_status 'GET /hello.txt XXXX/1.0\r\n\r\n' 400 "bad protocol name XXXX/1.0: 400"
expect_status 'GET /hello.txt HTTP/1.0 junk\r\n\r\n' 400 "junk after the version: 400"
expect_status '\x01\x02\x03\x04\r\n\r\n' 400 "binary garbage: 400"
expect_status 'GET /hello.txt HTTP/1.0\r\nNoColonHere\r\n\r\n' 400 "header without a colon: 400"
expect_status 'GET hello.txt HTTP/1.0\r\n\r\n' 400 "target without a leading slash: 400"
expect_status 'GET /%00 HTTP/1.0\r\n\r\n' 400 "%00: 400"
expect_status 'GET /hello.txt%00.html HTTP/1.0\r\n\r\n' 400 "%00 inside a name: 400"
expect_status 'GET /hel\x00lo.txt HTTP/1.0\r\n\r\n' 400 "NUL byte in the target: 400"
expect_status 'GET /%zz HTTP/1.0\r\n\r\n' 400 "bad escape %zz: 400"
expect_status 'GET /hello.txt%4 HTTP/1.0\r\n\r\n' 400 "truncated escape %4: 400"
expect_status 'GET /sub%5cfile.txt HTTP/1.0\r\n\r\n' 400 "decoded backslash %5c: 400"
expect_status 'GET /../hello.txt HTTP/1.0\r\n\r\n' 400 "/../ above the root: 400"
expect_status 'GET /sub/../../hello.txt HTTP/1.0\r\n\r\n' 400 "/sub/../../ above the root: 400"
expect_status 'GET /%2e%2e/hello.txt HTTP/1.0\r\n\r\n' 400 "/%2e%2e/ above the root: 400"
expect_status 'GET /sub/../hello.txt HTTP/1.0\r\n\r\n' 200 "/sub/../hello.txt stays inside: 200"

long=$(head -c 9000 /dev/zero | tr '\0' a)
rr "GET /$long HTTP/1.0\\r\\n\\r\\n"
is "$(status_of "$R")" 414 "request line of 9 KiB: 414"
query=$(head -c 8000 /dev/zero | tr '\0' q)
rr "GET /hello.txt?$query HTTP/1.0\\r\\n\\r\\n"
is "$(status_of "$R")" 200 "request line just under 8 KiB: 200"
big=$(head -c 17000 /dev/zero | tr '\0' b)
rr "GET /hello.txt HTTP/1.0\\r\\nX-Big: $big\\r\\n\\r\\n"
is "$(status_of "$R")" 431 "a 17 KB header: 431"
big=$(head -c 15000 /dev/zero | tr '\0' b)
rr "GET /hello.txt HTTP/1.0\\r\\nX-Big: $big\\r\\n\\r\\n"
is "$(status_of "$R")" 200 "a 15 KB header: 200"
many=""
for i in $(seq 1 101); do many="${many}X-H$i: v\\r\\n"; done
rr "GET /hello.txt HTTP/1.0\\r\\n$many\\r\\n"
is "$(status_of "$R")" 431 "101 header fields: 431"
some=""
for i in $(seq 1 100); do some="${some}X-H$i: v\\r\\n"; done
rr "GET /hello.txt HTTP/1.0\\r\\n$some\\r\\n"
is "$(status_of "$R")" 200 "100 header fields: 200"

# --- the byte stream: drips and pipelines -------------------------------------------------

rr 'GET /hello.txt HTTP/1.0\r\nUser-Agent: drip\r\n\r\n' --byte-delay 0.005 --timeout 10
is "$(status_of "$R") $(body_of "$R")" "200 hello, sockweb" "request sent one byte at a time: 200"

rr 'GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /sub/file.txt HTTP/1.1\r\nHost: x\r\n\r\nHEAD /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
is "$(grep -a -c '^HTTP/1\.[01] ' "$R")" 4 "four pipelined requests in one write: four responses"
is "$(grep -a '^HTTP/1\.[01] ' "$R" | cut -d' ' -f2 | tr -d '\r' | tr '\n' ' ')" "200 200 200 404 " "pipelined responses in order"
like "$(tr -d '\r' <"$R" | tr '\n' '|')" 'hello, sockweb\|HTTP/1\.[01] 200 .*in sub\|HTTP/1\.[01] 200 ' "pipelined bodies in order"
is "$RRC" 0 "the server closes after Connection: close"

rr 'GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /sub/file.txt HTTP/1.0\r\n\r\n'
is "$(grep -a '^HTTP/1\.[01] ' "$R" | cut -d' ' -f2 | tr -d '\r' | tr '\n' ' ')" "200 200 " "HTTP/1.0 keep-alive pipelined: two 200s"
like "$(header_of "$R" Connection)" '^[Kk]eep-[Aa]live$' "HTTP/1.0 keep-alive answered with Connection: keep-alive"

# --- connection release: unread input never turns the answer into a reset -------------

junk=$(head -c 100000 /dev/zero | tr '\0' x)
rr "POST /hello.txt HTTP/1.0\\r\\nContent-Length: 100000\\r\\n\\r\\n$junk"
is "$(status_of "$R") $RRC" "405 0" "405 with a 100 KB body unread: answer, then a clean close"
rr "GET /hello.txt HTTP/1.0\\r\\n\\r\\n$junk"
is "$(status_of "$R") $(body_of "$R") $RRC" "200 hello, sockweb 0" "100 KB of junk after a request: whole answer, clean close"
rr "GET /$junk HTTP/1.0\\r\\n\\r\\n"
is "$(status_of "$R") $RRC" "414 0" "414 for a 100 KB target: answer, then a clean close"

# --- keep-alive ---------------------------------------------------------------------------------

ports=$(curl -s --max-time 10 -o /dev/null -o /dev/null \
	-w '%{http_code} %{local_port} %{num_connects}\n' "$BASE/hello.txt" "$BASE/sub/file.txt")
p1=$(echo "$ports" | sed -n 1p)
p2=$(echo "$ports" | sed -n 2p)
is "${p1%% *} ${p2%% *}" "200 200" "curl, two URLs: two 200s"
is "$(echo "$p2" | cut -d' ' -f2)" "$(echo "$p1" | cut -d' ' -f2)" "curl, two URLs: same local port (connection reused)"
is "${p2##* }" 0 "curl, two URLs: no second connect"

resp_n=$((resp_n + 1))
R="$TEST_DIR/resp.$resp_n"
python3 - "$PORT" >"$R" <<'EOF'
# Two requests on one connection, the second sent only after the first
# response is read: a keep-alive, not a pipeline.
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
f = s.makefile("rb")

def one(req):
    s.sendall(req)
    status = f.readline().split()[1].decode()
    length = 0
    while True:
        line = f.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        k, _, v = line.decode().partition(":")
        if k.lower() == "content-length":
            length = int(v)
    return status + " " + f.read(length).decode().strip()

print(one(b"GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"))
print(one(b"GET /sub/file.txt HTTP/1.1\r\nHost: x\r\n\r\n"))
print(one(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
print("closed" if f.read() == b"" else "open")
EOF
is "$(tr '\n' '|' <"$R")" "200 hello, sockweb|200 in sub|200 hello, sockweb|closed|" "raw keep-alive: three requests on one connection, then closed"

req='GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n'
pipe=""
for i in $(seq 1 1005); do pipe="$pipe$req"; done
rr "$pipe" --timeout 10
is "$(grep -a -c '^HTTP/1\.[01] 200' "$R")" 1000 "1005 pipelined requests: 1000 answered, then closed"
is "$RRC" 0 "connection closed after 1000 requests"

start=$(date +%s%N)
rr 'GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n' --timeout 12
ms=$((($(date +%s%N) - start) / 1000000))
is "$(status_of "$R") $RRC" "200 0" "idle keep-alive connection is closed by the server"
ok "$([ "$ms" -ge 4000 ] && within "$ms" 8000; echo $?)" "idle keep-alive closed after about 5 s ($ms ms)"

# --- the access log ------------------------------------------------------------------------------

lport=$(curl -s --max-time 10 -o /dev/null -A 'sockweb-test/1.0' -w '%{local_port}' "$BASE/hello.txt")
wait_for_line "$ACCESS_LOG" "^127\\.0\\.0\\.1:$lport " 5
line=$(grep -a "^127\\.0\\.0\\.1:$lport " "$ACCESS_LOG" | tail -n 1)
like "$line" "^127\\.0\\.0\\.1:$lport - - \\[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}\\] \"GET /hello\\.txt HTTP/1\\.1\" 200 15 \"-\" \"sockweb-test/1\\.0\"$" \
	"access log: combined format with the client's ip:port ($lport)"
lport=$(curl -s --max-time 10 -o /dev/null -e 'http://ref.example/x' -A 'evil"agent' -w '%{local_port}' "$BASE/nope")
wait_for_line "$ACCESS_LOG" "^127\\.0\\.0\\.1:$lport " 5
line=$(grep -a "^127\\.0\\.0\\.1:$lport " "$ACCESS_LOG" | tail -n 1)
like "$line" "\"GET /nope HTTP/1\\.1\" 404 [0-9]+ \"http://ref\\.example/x\" " "access log: 404 and the Referer"
unlike "$line" 'evil"agent' "access log: a quote from the request is escaped"
lport=$(curl -s --max-time 10 -o /dev/null -I -w '%{local_port}' "$BASE/hello.txt")
wait_for_line "$ACCESS_LOG" "^127\\.0\\.0\\.1:$lport " 5
like "$(grep -a "^127\\.0\\.0\\.1:$lport " "$ACCESS_LOG")" '"HEAD /hello\.txt HTTP/1\.1" 200 ' "access log: HEAD"
pids=""
for i in $(seq 1 40); do
	curl -s --max-time 10 -o /dev/null -A "parallel-$i-$(head -c 300 /dev/zero | tr '\0' p)" "$BASE/hello.txt" &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
forty_lines() { [ "$(grep -a -c '"parallel-' "$ACCESS_LOG")" -ge 40 ]; }
poll 5 forty_lines
is "$(grep -a -c '"parallel-' "$ACCESS_LOG")" 40 "access log: 40 parallel requests, 40 lines"
is "$(grep -a '"parallel-' "$ACCESS_LOG" | grep -a -c -v -E '^127\.0\.0\.1:[0-9]+ - - \[[^]]+\] "GET /hello\.txt HTTP/1\.1" 200 15 "-" "parallel-[0-9]+-p{300}"$')" 0 \
	"access log: no two children's lines interleave"
rr 'GET /hello\x01\x1b[31m.txt HTTP/1.0\r\n\r\n'
sleep 0.3
is "$(grep -a -c $'\x1b' "$ACCESS_LOG")" 0 "access log: no raw control characters"

# --- zombies -------------------------------------------------------------------------------------

python3 - "$PORT" <<'EOF'
# 200 connections: 150 requests and 50 that close without a byte.
import socket, sys
port = int(sys.argv[1])
for i in range(200):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    if i % 4 != 3:
        s.sendall(b"GET /hello.txt HTTP/1.0\r\n\r\n")
        while s.recv(65536):
            pass
    s.close()
EOF
wait_children 0 10
is "$(zombies)" 0 "after 200 connections: no zombie"
is "$(children | tr -d ' ')" 0 "after 200 connections: no child left"
kill -0 "$SERVER_PID" 2>/dev/null
ok $? "the server is still running"

# --- bodies bigger than the socket buffers ---------------------------------------------

head -c 20971520 /dev/urandom >"$W/rand.bin"
pids=""
for i in 1 2 3 4 5 6 7 8; do
	curl -s --max-time 30 -o "$TEST_DIR/rand.$i" "$BASE/rand.bin" &
	pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
same=0
for i in 1 2 3 4 5 6 7 8; do
	cmp -s "$W/rand.bin" "$TEST_DIR/rand.$i" && same=$((same + 1))
	rm -f "$TEST_DIR/rand.$i"
done
is "$same" 8 "8 parallel downloads of a 20 MiB file: all byte-exact"
cget "$BASE/rand.bin" -H 'Range: bytes=10000000-'
cmp -s "$B" <(tail -c +10000001 "$W/rand.bin")
ok $? "20 MiB file, bytes=10000000-: the right 10971520 bytes"
rm -f "$B" "$W/rand.bin"

# --- a file over 4 GiB ------------------------------------------------------------------------------

BIGSIZE=5368709120
if truncate -s 5G "$W/big.bin" 2>/dev/null; then
	python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(5368709000)
    f.write(b"0123456789" * 12)' "$W/big.bin"
	printf '0123456789%.0s' $(seq 1 12) >"$TEST_DIR/tail.want"
	rr 'HEAD /big.bin HTTP/1.0\r\n\r\n'
	is "$(status_of "$R") $(header_of "$R" Content-Length)" "200 $BIGSIZE" "HEAD of a 5 GiB file: Content-Length $BIGSIZE"
	for range in 5368709000-5368709119 5368709000- -120; do
		cget "$BASE/big.bin" -H "Range: bytes=$range"
		is "$CODE" 206 "5 GiB file, bytes=$range: 206"
		is "$(header_of "$H" Content-Range)" "bytes 5368709000-5368709119/$BIGSIZE" "5 GiB file, bytes=$range: Content-Range"
		cmp -s "$B" "$TEST_DIR/tail.want"
		ok $? "5 GiB file, bytes=$range: exactly the 120 bytes at offset 5368709000"
	done
	cget "$BASE/big.bin" -H "Range: bytes=4294967290-4294967305"
	is "$CODE $(header_of "$H" Content-Range) $(wc -c <"$B")" "206 bytes 4294967290-4294967305/$BIGSIZE 16" "5 GiB file: a range across 4 GiB"
	cget "$BASE/big.bin" -H "Range: bytes=$BIGSIZE-"
	is "$CODE $(header_of "$H" Content-Range)" "416 bytes */$BIGSIZE" "5 GiB file: range at the end: 416"
	rm -f "$W/big.bin"
else
	ok 0 "# SKIP 5 GiB sparse file: truncate failed"
fi

stop_sockwebd
is "$SERVER_STATUS" 0 "SIGTERM: exit 0"

# --- --no-listing ---------------------------------------------------------------------------------

ACCESS_LOG="$TEST_DIR/access.nolisting.log"
start_sockwebd --no-listing || bail_out "sockwebd --no-listing did not start"
cget "$BASE/list/"
is "$CODE" 403 "--no-listing: a directory without index.html: 403"
unlike "$(cat "$B")" 'space name' "--no-listing: no names in the 403 page"
cget "$BASE/"
is "$CODE" 200 "--no-listing: index.html still served"
cget "$BASE/list/space%20name.txt"
is "$CODE" 200 "--no-listing: files still served"
stop_sockwebd

# --- 408 with -t 1 -------------------------------------------------------------------------------------

ACCESS_LOG="$TEST_DIR/access.t1.log"
start_sockwebd -t 1 || bail_out "sockwebd -t 1 did not start"
start=$(date +%s%N)
rr 'GET /hello.txt HTTP/1.0\r\nHost: x\r\n' --timeout 6
ms=$((($(date +%s%N) - start) / 1000000))
is "$(status_of "$R")" 408 "-t 1, incomplete request: 408"
is "$RRC" 0 "-t 1: connection closed after 408"
ok "$([ "$ms" -ge 800 ] && within "$ms" 3500; echo $?)" "-t 1: 408 after about 1 s ($ms ms)"
resp_n=$((resp_n + 1))
R="$TEST_DIR/resp.$resp_n"
python3 - "$PORT" >"$R" <<'EOF'
# Drip a request one byte every 0.1 s (2.7 s in all) and stop as soon as
# the server answers: -t bounds the whole request, not each read.
import select, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=6)
for b in b"GET /hello.txt HTTP/1.0\r\n\r\n":
    if select.select([s], [], [], 0)[0]:
        break
    s.sendall(bytes([b]))
    time.sleep(0.1)
out = b""
try:
    while True:
        c = s.recv(65536)
        if not c:
            break
        out += c
except OSError:
    pass
sys.stdout.buffer.write(out)
EOF
is "$(status_of "$R")" 408 "-t 1: a request dripping for 2.7 s: 408 (the deadline is per request)"

# A client that keeps reading, slowly (a 4 KiB receive buffer: ~45 KB/s,
# never a pause of 0.3 s), is not stalled: -t bounds a stall, so the child
# must still be sending after 4 s, not have given up on a body that sits
# half-sent in the socket buffers.
truncate -s 20M "$W/zero.bin"
resp_n=$((resp_n + 1))
R="$TEST_DIR/resp.$resp_n"
python3 - "$PORT" "$ACCESS_LOG" >"$R" <<'EOF'
# The log is read before this client closes: its close would end the child.
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.sendall(b"GET /zero.bin HTTP/1.0\r\n\r\n")
n, t0, gap = 0, time.time(), 0.0
last = t0
while time.time() - t0 < 4:
    c = s.recv(65536)
    now = time.time()
    gap, last = max(gap, now - last), now
    if not c:
        break
    n += len(c)
logged = [l for l in open(sys.argv[2], errors="replace") if '"GET /zero.bin ' in l]
print("read %d bytes in 4 s, longest pause %.2f s" % (n, gap))
print("log: " + (logged[0].strip() if logged else "none"))
EOF
diag "$(head -n 1 "$R")"
is "$(sed -n 2p "$R")" "log: none" "-t 1: after 4 s a steadily reading client is still being served"
rm -f "$W/zero.bin"
stop_sockwebd

# --- a partial request holds no child; 503 beyond --max-conns -------------------------------------

ACCESS_LOG="$TEST_DIR/access.c1.log"
start_sockwebd -c 1 --max-conns 2 -t 8 || bail_out "sockwebd -c 1 --max-conns 2 did not start"
python3 "$RAWREQ" --port "$PORT" --timeout 3 --data 'GET /hello.txt HTTP/1.0\r\n' >/dev/null &
slow=$!
sleep 0.5
is "$(children | tr -d " ")" 0 "-c 1: a client sending its request slowly holds no child"
is "$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$BASE/hello.txt")" 200 \
	"-c 1: a normal request is served meanwhile"
python3 "$RAWREQ" --port "$PORT" --timeout 3 --data 'GET /hello.txt HTTP/1.0\r\n' >/dev/null &
slow2=$!
sleep 0.5
rr 'GET /hello.txt HTTP/1.0\r\n\r\n'
is "$(status_of "$R")" 503 "--max-conns 2, two connections held: the third gets 503"
like "$(header_of "$R" Retry-After)" '^[0-9]+$' "503 has Retry-After"
is "$RRC" 0 "503: connection closed"
wait "$slow" "$slow2"
tries=80
code=
while [ "$tries" -gt 0 ]; do
	code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$BASE/hello.txt")
	[ "$code" = 200 ] && break
	sleep 0.1
	tries=$((tries - 1))
done
is "$code" 200 "--max-conns 2: 200 again once the slow clients are gone"
stop_bounded

done_testing
