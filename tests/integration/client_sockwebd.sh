#!/bin/bash
# client_sockwebd.sh: sockget against sockwebd on loopback. Downloads are
# byte-identical (small, binary, 100 MiB), HEAD, -i, -O, Range resume with
# -C -, redirects with -L, -w values, and %{local_port} is the port
# sockwebd's access log shows for that very request.
. "$top_srcdir/tests/lib.sh"

[ -x "$SOCKGET" ] || skip_all "sockget not built"
[ -x "$SOCKWEBD" ] || skip_all "sockwebd not built"

make_test_root
head -c 300000 /dev/urandom >"$TEST_DIR/www/random.bin"
head -c $((100 * 1024 * 1024)) /dev/urandom >"$TEST_DIR/www/big.bin"
start_sockwebd || bail_out "sockwebd did not start"
OUT="$TEST_DIR/out"
mkdir -p "$OUT"

# --- byte-identical downloads ---
"$SOCKGET" -s -S "$BASE/hello.txt" >"$OUT/hello.txt"
ok $? "GET to stdout exits 0"
cmp -s "$OUT/hello.txt" "$TEST_DIR/www/hello.txt"
ok $? "small file is byte-identical"

"$SOCKGET" -s -S -o "$OUT/random.bin" "$BASE/random.bin"
ok $? "-o binary file exits 0"
cmp -s "$OUT/random.bin" "$TEST_DIR/www/random.bin"
ok $? "binary file with -o is byte-identical"

start=$(date +%s)
"$SOCKGET" -s -S -o "$OUT/big.bin" "$BASE/big.bin"
ok $? "100 MiB download exits 0"
cmp -s "$OUT/big.bin" "$TEST_DIR/www/big.bin"
ok $? "100 MiB file is byte-identical"
diag "100 MiB in $(($(date +%s) - start)) s"
rm -f "$OUT/big.bin"

(cd "$OUT" && "$SOCKGET" -s -S -O "$BASE/sub/file.txt")
cmp -s "$OUT/file.txt" "$TEST_DIR/www/sub/file.txt"
ok $? "-O names the file after the last path segment"

got=$("$SOCKGET" -s -S "$BASE/hello.txt" "$BASE/sub/file.txt")
is "$got" "$(cat "$TEST_DIR/www/hello.txt" "$TEST_DIR/www/sub/file.txt")" \
	"two URLs: outputs concatenated in order"

# --- HEAD and -i ---
head_out=$("$SOCKGET" -s -S -I "$BASE/hello.txt" | tr -d '\r')
like "$head_out" '^HTTP/1\.[01] 200' "-I prints the status line"
like "$head_out" 'Content-Length: 15' "-I shows Content-Length of the file"
unlike "$head_out" 'hello, sockweb' "-I prints no body"
like "$(tail -n 1 "$ACCESS_LOG")" '"HEAD /hello.txt HTTP/1.0" 200' "-I sends HEAD"

inc=$("$SOCKGET" -s -S -i "$BASE/hello.txt" | tr -d '\r')
like "$inc" '^HTTP/1\.[01] 200' "-i starts with the status line"
like "$inc" $'Content-Type: text/plain' "-i includes headers"
is "$(printf '%s\n' "$inc" | tail -n 1)" "hello, sockweb" "-i ends with the body"

# --- -w values, and the ephemeral port as the server saw it ---
w=$("$SOCKGET" -s -S -o /dev/null -w '%{http_code} %{size_download} %{remote_ip} %{remote_port} %{num_redirects} %{url_effective}\n' "$BASE/hello.txt")
is "$w" "200 15 127.0.0.1 $PORT 0 $BASE/hello.txt" "-w http_code size_download remote_ip remote_port num_redirects url_effective"
w=$("$SOCKGET" -s -S -o /dev/null -w '%{local_ip} %{local_port}' "$BASE/sub/file.txt")
lport=${w#* }
like "$w" '^127\.0\.0\.1 [0-9]+$' "-w local_ip local_port"
logline=$(grep '"GET /sub/file.txt HTTP/1.0"' "$ACCESS_LOG" | tail -n 1)
like "$logline" "^127\.0\.0\.1:$lport " "%{local_port} $lport equals the port in sockwebd's access log"
w=$("$SOCKGET" -s -S -o /dev/null -w '%{time_namelookup} %{time_connect} %{time_total}' "$BASE/hello.txt")
like "$w" '^[0-9]+\.[0-9]{6} [0-9]+\.[0-9]{6} [0-9]+\.[0-9]{6}$' "-w times in seconds with 6 decimals"
read -r tn tc tt <<<"$w"
awk -v a="$tn" -v b="$tc" -v c="$tt" 'BEGIN { exit !(a <= b && b <= c) }'
ok $? "time_namelookup <= time_connect <= time_total ($w)"

# --- resume with -C - ---
head -c 100000 "$TEST_DIR/www/random.bin" >"$OUT/resume.bin"
"$SOCKGET" -s -S -C - -o "$OUT/resume.bin" "$BASE/random.bin"
ok $? "-C - exits 0"
cmp -s "$OUT/resume.bin" "$TEST_DIR/www/random.bin"
ok $? "-C - completes a partial file byte-identically"
like "$(tail -n 1 "$ACCESS_LOG")" '"GET /random.bin HTTP/1.0" 206 200000 ' "-C - asked for the 200000 missing bytes only (206)"
"$SOCKGET" -s -S -C - -o "$OUT/resume.bin" "$BASE/random.bin"
ok $? "-C - on a complete file exits 0 (416: already downloaded)"
cmp -s "$OUT/resume.bin" "$TEST_DIR/www/random.bin"
ok $? "-C - on a complete file leaves it intact"

# --- redirects ---
w=$("$SOCKGET" -s -S -L -w '%{http_code} %{num_redirects} %{url_effective}' "$BASE/sub" | tail -n 1)
like "$w" "200 1 $BASE/sub/\$" "-L follows sockwebd's 301 /sub -> /sub/"
w=$("$SOCKGET" -s -S -o /dev/null -w '%{http_code} %{redirect_url}' "$BASE/sub")
is "$w" "301 /sub/" "without -L the 301 is the answer"

# --- errors from the server ---
"$SOCKGET" -s "$BASE/no-such-file" >/dev/null
ok $? "404 without -f exits 0"
"$SOCKGET" -s -f "$BASE/no-such-file" >"$OUT/f.out"
is "$?" 22 "404 with -f exits 22"
is "$(wc -c <"$OUT/f.out" | tr -d ' ')" 0 "-f writes no body"

# --- localhost through /etc/hosts (c-ares lookups "fb"), never DNS ---
w=$("$SOCKGET" -s -S -4 -o /dev/null -w '%{http_code} %{remote_ip}' "http://localhost:$PORT/hello.txt")
is "$w" "200 127.0.0.1" "localhost resolves from /etc/hosts"

done_testing
