#!/bin/bash
# client_lighttpd.sh: why sockget has --http1.1 (issue 13). lighttpd
# ignores Range on HTTP/1.0 requests, so -C - cannot resume from it over
# HTTP/1.0 (exit 33, as curl --http1.0), and resumes over HTTP/1.1.
# lighttpd listens on 127.0.0.1 only, on a port picked free just before.
. "$top_srcdir/tests/lib.sh"

[ -x "$SOCKGET" ] || skip_all "sockget not built"
command -v lighttpd >/dev/null || skip_all "lighttpd not installed"
command -v python3 >/dev/null || skip_all "python3 not found"
CURL=$(command -v curl || true)

mkdir -p "$TEST_DIR/www"
head -c 100000 /dev/urandom >"$TEST_DIR/www/big.bin"
chmod 644 "$TEST_DIR/www/big.bin"
LP=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$TEST_DIR/lighttpd.conf" <<EOF
server.document-root = "$TEST_DIR/www"
server.port = $LP
server.bind = "127.0.0.1"
server.errorlog = "$TEST_DIR/lighttpd.err"
mimetype.assign = ( ".bin" => "application/octet-stream" )
EOF
lighttpd -D -f "$TEST_DIR/lighttpd.conf" >"$TEST_DIR/lighttpd.out" 2>&1 &
track_pid $!
for _ in $(seq "$(scaled_ms 50)"); do
	python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' "$LP" \
		2>/dev/null && break
	sleep 0.1
done
URL="http://127.0.0.1:$LP/big.bin"
"$SOCKGET" -s -o /dev/null "$URL" || bail_out "lighttpd did not start: $(cat "$TEST_DIR/lighttpd.out")"

head -c 1000 "$TEST_DIR/www/big.bin" >"$TEST_DIR/part"
"$SOCKGET" -s -C - -o "$TEST_DIR/part" "$URL"
is "$?" 33 "HTTP/1.0 -C - to lighttpd: the Range is ignored, exit 33"
if [ -n "$CURL" ]; then
	head -c 1000 "$TEST_DIR/www/big.bin" >"$TEST_DIR/part.curl"
	"$CURL" -s --http1.0 -C - -o "$TEST_DIR/part.curl" "$URL"
	is "$?" 33 "curl --http1.0 -C -: exit 33 too"
fi
head -c 1000 "$TEST_DIR/www/big.bin" >"$TEST_DIR/part"
w=$("$SOCKGET" -s --http1.1 -C - -o "$TEST_DIR/part" -w '%{http_code} %{size_download}' "$URL")
is "$?" 0 "--http1.1 -C - to lighttpd: exit 0"
is "$w" "206 99000" "--http1.1: 206, the 99000 bytes left"
cmp -s "$TEST_DIR/part" "$TEST_DIR/www/big.bin"
ok $? "--http1.1 -C -: the file is whole and right"
if [ -n "$CURL" ]; then
	head -c 1000 "$TEST_DIR/www/big.bin" >"$TEST_DIR/part.curl"
	"$CURL" -s --http1.1 -C - -o "$TEST_DIR/part.curl" "$URL"
	is "$?" 0 "curl --http1.1 -C -: exit 0 too"
fi

done_testing
