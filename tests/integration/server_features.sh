#!/usr/bin/env bash
# tests/integration/server_features.sh: what issue 14 added, seen with curl,
# in both serving modes (fork per connection and --prefork): ETags and
# preconditions (If-None-Match, If-Match, If-Unmodified-Since, If-Range);
# listings (sorted by the server through ?C=;O=, directories first, human
# sizes, JSON, 20 000 entries); an index.html that exists but cannot be
# served (mode 600, FIFO, symlink) is 403, never a listing; the Location of
# the trailing-slash redirect is a valid URI-reference whatever the query;
# --header, --cors (preflight 204), --max-age; symbolic links followed
# inside the root (file, directory, chain, ..), refused out of it and in
# loops, re-pointed links seen at once; --no-symlinks; precompressed
# variants (.br, .zst, .gz) by Accept-Encoding q-values, with Vary, seen
# at once when they appear, go stale, are re-pointed or removed;
# --fallback for single-page apps, --mime-types, --default-type; several
# ranges as multipart/byteranges (coalesced, at most 16 parts).
. "$top_srcdir/tests/lib.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl not installed"

make_test_root
head -c 1000 /dev/urandom >"$TEST_DIR/www/k.bin"
head -c 100000 /dev/urandom >"$TEST_DIR/www/r.bin"
python3 -c 'import sys; sys.stdout.write("".join(chr(97 + i % 26) for i in range(4000)))' >"$TEST_DIR/www/mid.txt"
W=$TEST_DIR/www
mkdir -p "$W/list/zdir" "$W/list/adir" "$W/big"
head -c 300 /dev/zero >"$W/list/b.txt"
head -c 1536 /dev/zero >"$W/list/a.txt"
head -c 100 /dev/zero >"$W/list/c.bin"
touch -d '2020-01-01 00:00:00' "$W/list/a.txt"
touch -d '2021-01-01 00:00:00' "$W/list/b.txt"
touch -d '2019-01-01 00:00:00' "$W/list/c.bin"
printf 'x\n' >"$W/list/.hidden"
python3 -c 'import os, sys
for i in range(20000):
    open(os.path.join(sys.argv[1], "f%05d.txt" % i), "w").close()' "$W/big"
# index.html that exist but cannot be served
mkdir -p "$W/i600" "$W/ififo" "$W/ilink" "$W/idir/index.html"
printf 'private\n' >"$W/i600/index.html"
chmod 600 "$W/i600/index.html"
touch "$W/i600/secret-name.txt" "$W/ififo/secret-name.txt" \
	"$W/ilink/secret-name.txt" "$W/idir/secret-name.txt"
mkfifo "$W/ififo/index.html"
ln -s /etc/hostname "$W/ilink/index.html"

# hdr FILE NAME: the value of header NAME in a curl -D dump.
hdr() { tr -d '\r' <"$1" | grep -i -m 1 "^$2:" | sed 's/^[^:]*:[[:space:]]*//'; }

# get OUT PATH [CURL ARGS...]: headers to OUT.h, body to OUT.b, status in CODE.
get() {
	local out=$TEST_DIR/$1 path=$2
	shift 2
	CODE=$(curl -s -m 10 -D "$out.h" -o "$out.b" -w '%{http_code}' "$@" "$BASE$path")
	H=$out.h
	B=$out.b
}

etag_checks() {
	local m=$1 tag tag2 lm
	get e1 /hello.txt
	tag=$(hdr "$H" ETag)
	lm=$(hdr "$H" Last-Modified)
	like "$tag" '^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+\.[0-9]{9}"$' "$m: a strong ETag on 200"
	get e2 /hello.txt -H "If-None-Match: $tag"
	is "$CODE" 304 "$m: If-None-Match with the ETag: 304"
	is "$(hdr "$H" ETag)" "$tag" "$m: 304 carries the ETag"
	is "$(cat "$B" 2>/dev/null | wc -c)" 0 "$m: 304 has no body"
	get e3 /hello.txt -H "If-None-Match: \"nope\", W/$tag"
	is "$CODE" 304 "$m: If-None-Match list with the weak form: 304"
	get e3b /hello.txt -H 'If-None-Match: "nope"' -H "If-None-Match: $tag"
	is "$CODE" 304 "$m: the ETag on a second If-None-Match line: 304 (one list, RFC 9110 5.3)"
	get e3c /hello.txt -H 'If-None-Match: "nope"' -H 'If-None-Match: "other"'
	is "$CODE" 200 "$m: two If-None-Match lines, neither the ETag: 200"
	get e3d /hello.txt -H 'If-Match: "nope"' -H "If-Match: $tag"
	is "$CODE" 200 "$m: the ETag on a second If-Match line: 200"
	get e4 /hello.txt -H 'If-None-Match: *'
	is "$CODE" 304 "$m: If-None-Match: *: 304"
	get e5 /hello.txt -H 'If-None-Match: "nope"' -H "If-Modified-Since: $lm"
	is "$CODE" 200 "$m: If-None-Match takes precedence over If-Modified-Since"
	get e6 /hello.txt -H 'If-Match: "nope"'
	is "$CODE" 412 "$m: If-Match with another tag: 412"
	get e7 /hello.txt -H "If-Match: $tag"
	is "$CODE" 200 "$m: If-Match with the ETag: 200"
	get e8 /hello.txt -H 'If-Unmodified-Since: Thu, 01 Jan 1970 00:00:01 GMT'
	is "$CODE" 412 "$m: If-Unmodified-Since before the mtime: 412"
	get e9 /k.bin -r 0-9
	tag2=$(hdr "$H" ETag)
	is "$CODE" 206 "$m: a range: 206"
	like "$tag2" '^"' "$m: 206 carries the ETag"
	get e10 /k.bin -r 0-9 -H "If-Range: $tag2"
	is "$CODE $(wc -c <"$B")" "206 10" "$m: If-Range with the ETag: the range"
	get e11 /k.bin -r 0-9 -H "If-Range: W/$tag2"
	is "$CODE $(wc -c <"$B")" "200 1000" "$m: If-Range with a weak tag: the whole file"
	get e12 /k.bin -r 0-9 -H 'If-Range: "other"'
	is "$CODE $(wc -c <"$B")" "200 1000" "$m: If-Range with another tag: the whole file"
	get e12b /k.bin -r 0-9 -H "If-Range: $(hdr "$TEST_DIR/e9.h" Last-Modified)"
	is "$CODE $(wc -c <"$B")" "206 10" "$m: If-Range with the Last-Modified date: the range"
	get e12c /k.bin -r 0-9 -H 'If-Range: Thu, 01 Jan 1970 00:00:01 GMT'
	is "$CODE $(wc -c <"$B")" "200 1000" "$m: If-Range with another date: the whole file"
	# A rewrite within the same second changes the ETag (nanoseconds).
	python3 -c 'import os, sys
st = os.stat(sys.argv[1])
ns = st.st_mtime_ns // 10**9 * 10**9 + (st.st_mtime_ns + 1) % 10**9
os.utime(sys.argv[1], ns=(st.st_atime_ns, ns))' "$TEST_DIR/www/hello.txt"
	get e13 /hello.txt -H "If-None-Match: $tag"
	is "$CODE" 200 "$m: a new mtime in the same second: the old ETag no longer matches"
}

# names: the entry names of a listing page, in order.
names() { sed -n 's:.*<td class="name"><a href="[^"]*">\([^<]*\)</a>.*:\1:p' "$1" | tr '\n' ' '; }

listing_checks() {
	local m=$1 n
	get l1 /list/
	is "$CODE" 200 "$m: listing 200"
	is "$(names "$B")" "../ adir/ zdir/ a.txt b.txt c.bin " "$m: directories first, then by name"
	like "$(cat "$B")" 'title="1536 bytes">1\.5 KiB<' "$m: human size, exact bytes in a title"
	like "$(cat "$B")" '<a href="\?C=S;O=A">Size</a>' "$m: the Size heading sorts by size"
	like "$(cat "$B")" '<style>' "$m: inline style"
	is "$(hdr "$H" Vary)" Accept "$m: Vary: Accept on a listing"
	unlike "$(cat "$B")" 'hidden' "$m: dotfiles hidden"
	get l2 '/list/?C=S;O=D'
	is "$(names "$B")" "../ zdir/ adir/ a.txt b.txt c.bin " "$m: ?C=S;O=D: by size, descending"
	like "$(cat "$B")" '<a href="\?C=S;O=A">Size</a>' "$m: sorted by size descending, the heading reverses"
	get l3 '/list/?C=M;O=A'
	is "$(names "$B")" "../ adir/ zdir/ c.bin a.txt b.txt " "$m: ?C=M;O=A: by time"
	get l4 /list/ -H 'Accept: application/json'
	is "$(hdr "$H" Content-Type)" application/json "$m: Accept: application/json: JSON"
	is "$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join("%s:%s:%s:%s" % (e["name"], e["type"], e["size"], e["mtime"]) for e in d))' "$B")" \
		"adir:directory:None:$(date -u -r "$W/list/adir" +%Y-%m-%dT%H:%M:%SZ) zdir:directory:None:$(date -u -r "$W/list/zdir" +%Y-%m-%dT%H:%M:%SZ) a.txt:file:1536:2020-01-01T00:00:00Z b.txt:file:300:2021-01-01T00:00:00Z c.bin:file:100:2019-01-01T00:00:00Z" \
		"$m: JSON {name, type, size, mtime} in listing order"
	get l4b /list/ -H 'Accept: text/html, application/json;q=0.5'
	like "$(hdr "$H" Content-Type)" '^text/html' "$m: Accept prefers text/html: the page"
	get l4c /list/ -H 'Accept: application/json;q=0'
	like "$(hdr "$H" Content-Type)" '^text/html' "$m: Accept: application/json;q=0: the page"
	get l4d /list/ -H 'Accept: text/html;q=0.1' -H 'Accept: application/json'
	is "$(hdr "$H" Content-Type)" application/json "$m: Accept on two lines, JSON preferred: JSON"
	get l5 '/list/?format=json;C=S;O=D'
	is "$(python3 -c 'import json, sys
print(" ".join(e["name"] for e in json.load(open(sys.argv[1]))))' "$B")" \
		"zdir adir a.txt b.txt c.bin" "$m: ?format=json honours the sort"
	get l6 /big/
	n=$(grep -c '<td class="name"><a href="f[0-9]*\.txt">' "$B")
	is "$n" 20000 "$m: a listing of 20 000 entries lists every one"
	like "$(cat "$B")" '<p>20000 entries\.' "$m: ... and says 20000 entries"
	like "$(sed -n 's:.*href="\(f[0-9]*\.txt\)".*:\1:p' "$B" | sed -n '1p;$p' | tr '\n' ' ')" \
		'^f00000\.txt f19999\.txt $' "$m: ... sorted over the whole directory"
	unlike "$(cat "$B")" 'cut' "$m: ... not said to be cut"
	for d in i600 ififo ilink idir; do
		get "ix$d" "/$d/"
		is "$CODE" 403 "$m: /$d/: an index.html that cannot be served: 403"
		unlike "$(cat "$B")" secret-name "$m: /$d/: no listing"
	done
	# A query with bytes a URI may not hold is percent-encoded in Location.
	python3 "$top_srcdir/tests/helpers/rawreq.py" --port "$PORT" --timeout 5 \
		--data 'GET /sub?a=\xff\xe9"<>`{}|^\\%zz%41 HTTP/1.0\r\n\r\n' >"$TEST_DIR/loc.$m"
	loc=$(tr -d '\r' <"$TEST_DIR/loc.$m" | sed -n 's/^Location: //p')
	is "$loc" '/sub/?a=%FF%E9%22%3C%3E%60%7B%7D%7C%5E%5C%25zz%41' \
		"$m: Location percent-encodes 8-bit bytes, quotes, brackets and a stray %"
}

header_checks() {
	local m=$1
	get h1 /hello.txt
	is "$(hdr "$H" X-Frame-Options)" DENY "$m: --header on a 200"
	is "$(hdr "$H" X-Test)" 'a b:c' "$m: a second --header"
	is "$(hdr "$H" Access-Control-Allow-Origin)" '*' "$m: --cors: Access-Control-Allow-Origin: *"
	is "$(hdr "$H" Cache-Control)" max-age=60 "$m: --max-age 60 on a 200"
	get h2 /nothing.txt
	is "$CODE" 404 "$m: a 404"
	is "$(hdr "$H" X-Frame-Options)" DENY "$m: --header on an error page too"
	is "$(hdr "$H" Access-Control-Allow-Origin)" '*' "$m: CORS on an error page"
	is "$(hdr "$H" Cache-Control)" "" "$m: no Cache-Control on a 404"
	get h3 /hello.txt -H "If-None-Match: $(hdr "$TEST_DIR/h1.h" ETag)"
	is "$CODE $(hdr "$H" Cache-Control)" "304 max-age=60" "$m: Cache-Control on a 304"
	get h4 /hello.txt -X OPTIONS -H 'Origin: http://example.com' \
		-H 'Access-Control-Request-Method: GET' -H 'Access-Control-Request-Headers: range'
	is "$CODE" 204 "$m: CORS preflight OPTIONS: 204"
	like "$(hdr "$H" Access-Control-Allow-Methods)" '^GET, HEAD, OPTIONS$' "$m: preflight: allowed methods"
	like "$(hdr "$H" Access-Control-Allow-Headers)" '(^|, )Range(,|$)' "$m: preflight: Range allowed"
	is "$(hdr "$H" Access-Control-Allow-Origin)" '*' "$m: preflight: Allow-Origin"
	is "$(hdr "$H" Content-Length)" "" "$m: 204 has no Content-Length"
	is "$(hdr "$H" Connection)" keep-alive "$m: preflight: the connection stays open"
	# Two preflights on one connection: curl reuses it (no second connect).
	got=$(curl -s -m 10 -o /dev/null -w '%{http_code}:%{num_connects} ' -X OPTIONS \
		-H 'Origin: http://example.com' -H 'Access-Control-Request-Method: GET' \
		"$BASE/hello.txt" "$BASE/k.bin")
	is "$got" "204:1 204:0 " "$m: two preflights, one connection"
	got=$(curl -s -m 10 -o /dev/null -w '%{http_code}:%{num_connects} ' -X OPTIONS \
		-H 'Origin: http://example.com' -H 'Connection: close' "$BASE/hello.txt" "$BASE/k.bin")
	is "$got" "204:1 204:1 " "$m: a preflight with Connection: close closes"
	get h5 / -X OPTIONS --request-target '*'
	is "$CODE" 204 "$m: OPTIONS * with --cors: 204"
	get h6 /hello.txt -X POST
	is "$CODE $(hdr "$H" Allow)" "405 GET, HEAD, OPTIONS" "$m: POST with --cors: 405, OPTIONS allowed"
}

symlink_setup() {
	mkdir -p "$W/v1.2" "$TEST_DIR/outside" "$W/lsub"
	printf 'secret\n' >"$TEST_DIR/outside/secret.txt"
	printf 'one\n' >"$W/v1.2/f.txt"
	printf 'two\n' >"$W/v2.txt"
	ln -sfn v1.2 "$W/latest"
	ln -sf hello.txt "$W/link.txt"
	ln -sf c2 "$W/c1"; ln -sf c3 "$W/c2"; ln -sf link.txt "$W/c3"
	ln -sf ../outside/secret.txt "$W/escape.txt"
	ln -sf "$TEST_DIR/outside/secret.txt" "$W/abs.txt"
	ln -sfn ../outside "$W/outdir"
	ln -sf loopb "$W/loopa"; ln -sf loopa "$W/loopb"
	ln -sf ../hello.txt "$W/lsub/up.txt"
	ln -sf ../../outside/secret.txt "$W/lsub/esc.txt"
	mkdir -p "$W/ldir"
	ln -sfn ../v1.2 "$W/ldir/latest"
	ln -sf ../../outside/secret.txt "$W/ldir/out.txt"
}

symlink_checks() {
	local m=$1 p
	get s1 /link.txt
	is "$CODE $(cat "$B")" "200 hello, sockweb" "$m: a link to a file inside: served"
	get s2 /latest/f.txt
	is "$CODE $(cat "$B")" "200 one" "$m: through latest -> v1.2/: served"
	get s3 /latest
	is "$CODE $(hdr "$H" Location)" "301 /latest/" "$m: /latest: 301 to /latest/"
	get s4 /latest/
	like "$(cat "$B")" 'f\.txt' "$m: /latest/ lists the target directory"
	get s5 /c1
	is "$CODE $(cat "$B")" "200 hello, sockweb" "$m: a chain of three links: served"
	get s6 /lsub/up.txt
	is "$CODE" 200 "$m: a link with .. inside the root: served"
	for p in /escape.txt /abs.txt /outdir/secret.txt /lsub/esc.txt; do
		get s7 "$p"
		is "$CODE" 403 "$m: $p leads out of the root: 403"
		unlike "$(cat "$B")" secret "$m: $p: nothing leaked"
	done
	get s8 /loopa
	is "$CODE" 403 "$m: a loop of links: 403"
	get s9 /ldir/
	like "$(cat "$B")" 'href="latest/">latest/<' "$m: a listing shows a link to a directory as a directory"
	like "$(cat "$B")" 'href="out\.txt">out\.txt</a></td><td class="size" title="[0-9]+ bytes">[0-9]+ B<' \
		"$m: a link out of the root is listed as the link, not its target"
	unlike "$(cat "$B")" 'title="7 bytes"' "$m: ... the size of the file outside is not shown"
	# Re-pointing a link is seen at once (the open-file cache keeps no stale file).
	for p in 1 2 3; do
		ln -sfn v2.txt "$W/cur"
		get s10 /cur
		is "$(cat "$B")" two "$m: re-pointed link, round $p: new target"
		ln -sfn hello.txt "$W/cur"
		get s11 /cur
		is "$(cat "$B")" "hello, sockweb" "$m: re-pointed back, round $p"
	done
}

no_symlink_checks() {
	local m=$1 p
	for p in /link.txt /latest/f.txt /c1 /lsub/up.txt /escape.txt; do
		get n1 "$p"
		is "$CODE" 403 "$m --no-symlinks: $p: 403"
	done
	get n2 /hello.txt
	is "$CODE" 200 "$m --no-symlinks: plain files still served"
}

variant_setup() {
	python3 -c 'import sys; sys.stdout.write("var x = 1;\n" * 400)' >"$W/app.js"
	gzip -9 -c "$W/app.js" >"$W/app.js.gz"
	zstd -q -19 -c "$W/app.js" >"$W/app.js.zst"
	printf 'not really brotli' >"$W/app.js.br"
	printf 'body { color: red }\n' >"$W/plain.css"
	printf 'new\n' >"$W/stale.txt"
	printf 'old' | gzip -c >"$W/stale.txt.gz"
	touch -d '2000-01-01' "$W/stale.txt.gz"
	head -c 100 /dev/zero >"$W/pic.png"
	head -c 10 /dev/zero >"$W/pic.png.gz"
	mkdir -p "$W/spa"
	printf '<p>spa index</p>\n' >"$W/spa/index.html"
	gzip -c "$W/spa/index.html" >"$W/spa/index.html.gz"
}

variant_checks() {
	local m=$1 n
	n=$(wc -c <"$W/app.js.gz")
	get v1 /app.js -H 'Accept-Encoding: gzip'
	is "$CODE $(hdr "$H" Content-Encoding) $(hdr "$H" Content-Length)" "200 gzip $n" \
		"$m: Accept-Encoding: gzip: app.js.gz, its own length"
	is "$(hdr "$H" Content-Type)" 'text/javascript; charset=utf-8' "$m: ... the original's Content-Type"
	is "$(hdr "$H" Vary)" Accept-Encoding "$m: ... Vary: Accept-Encoding"
	cmp -s "$B" "$W/app.js.gz"
	ok $? "$m: ... the bytes of app.js.gz"
	tag_gz=$(hdr "$H" ETag)
	get v2 /app.js --compressed -H 'Accept-Encoding: gzip'
	cmp -s "$B" "$W/app.js"
	ok $? "$m: curl --compressed decodes the gzip variant to app.js"
	get v2z /app.js --compressed -H 'Accept-Encoding: zstd'
	is "$(hdr "$H" Content-Encoding)" zstd "$m: Accept-Encoding: zstd: app.js.zst"
	cmp -s "$B" "$W/app.js"
	ok $? "$m: curl --compressed decodes the zstd variant to app.js"
	get v2b /app.js -H 'Accept-Encoding: gzip, deflate, br, zstd'
	is "$(hdr "$H" Content-Encoding)" br "$m: a browser's list: br"
	cmp -s "$B" "$W/app.js.br"
	ok $? "$m: ... the bytes of app.js.br"
	get v3 /app.js -H 'Accept-Encoding: br;q=0.1, zstd;q=0.9, gzip;q=0.5'
	is "$(hdr "$H" Content-Encoding)" zstd "$m: the highest q wins: zstd"
	get v3b /app.js -H 'Accept-Encoding: br;q=0, zstd;q=0' -H 'Accept-Encoding: gzip'
	is "$(hdr "$H" Content-Encoding)" gzip "$m: Accept-Encoding on two lines is one list: gzip"
	get v4 /app.js -H 'Accept-Encoding: br;q=0, zstd;q=0, gzip;q=0'
	is "$CODE $(hdr "$H" Content-Encoding) $(hdr "$H" Vary)" "200  Accept-Encoding" \
		"$m: q=0 for all: app.js itself, still Vary"
	cmp -s "$B" "$W/app.js"
	ok $? "$m: ... the bytes of app.js"
	get v5 /app.js
	is "$(hdr "$H" Content-Encoding):$(hdr "$H" Vary)" ":Accept-Encoding" "$m: no Accept-Encoding: app.js, Vary"
	unlike "$(hdr "$H" ETag)" "^$tag_gz\$" "$m: the variant has its own ETag"
	get v6 /app.js -H 'Accept-Encoding: gzip' -H "If-None-Match: $tag_gz"
	is "$CODE" 304 "$m: If-None-Match with the variant's ETag: 304"
	get v7 /app.js -H 'Accept-Encoding: gzip' -r 0-9
	is "$CODE $(hdr "$H" Content-Encoding) $(wc -c <"$B")" "206 gzip 10" "$m: a range of the variant"
	get v7b /app.js -H 'Accept-Encoding: gzip' -H 'If-Match: "nope"'
	is "$CODE $(hdr "$H" Vary)" "412 Accept-Encoding" "$m: a 412 for a file with a variant: Vary too"
	get v7c /app.js -H 'Accept-Encoding: gzip' -r 100000-
	is "$CODE $(hdr "$H" Vary)" "416 Accept-Encoding" "$m: a 416 for a file with a variant: Vary too"
	get v7d /app.js -H 'Accept-Encoding: gzip' -H "If-None-Match: $tag_gz"
	is "$CODE $(hdr "$H" Vary)" "304 Accept-Encoding" "$m: a 304 for a file with a variant: Vary too"
	get v8 /plain.css -H 'Accept-Encoding: gzip'
	is "$(hdr "$H" Content-Encoding):$(hdr "$H" Vary)" ":" "$m: a file without variants: no Vary"
	get v9 /stale.txt -H 'Accept-Encoding: gzip'
	is "$(hdr "$H" Content-Encoding):$(cat "$B")" ":new" "$m: a variant older than the file is not sent"
	get v10 /pic.png -H 'Accept-Encoding: gzip'
	is "$(hdr "$H" Content-Encoding):$(wc -c <"$B")" ":100" "$m: no variant for a type compressed already"
	get v11 /spa/ -H 'Accept-Encoding: gzip'
	is "$(hdr "$H" Content-Encoding)" gzip "$m: index.html.gz for a directory's index"
	get v12 /app.js.gz
	is "$(hdr "$H" Content-Type):$(hdr "$H" Content-Encoding)" "application/gzip:" "$m: the .gz itself by name: application/gzip"
}

# The open-file cache and variants: a variant that appears, goes stale,
# is replaced, re-pointed through a symlink or removed is seen by the next
# request (several rounds, so every --prefork worker has cached it).
variant_cache_checks() {
	local m=$1 r
	printf 'let y = 2;\n%.0s' $(seq 200) >"$W/vc.js"
	touch -d '2020-01-01' "$W/vc.js"
	for r in 1 2 3; do
		rm -f "$W/vc.js.gz" "$W/vc.js.zst"
		get vc1 /vc.js -H 'Accept-Encoding: gzip, zstd'
		is "$(hdr "$H" Content-Encoding):$(hdr "$H" Vary):$(wc -c <"$B")" \
			"::$(wc -c <"$W/vc.js")" "$m: round $r: no variant: vc.js itself, no Vary"
		gzip -c "$W/vc.js" >"$W/vc.js.gz"
		get vc2 /vc.js -H 'Accept-Encoding: gzip, zstd'
		is "$(hdr "$H" Content-Encoding):$(hdr "$H" Vary)" "gzip:Accept-Encoding" \
			"$m: round $r: vc.js.gz appears: sent at once"
		cmp -s "$B" "$W/vc.js.gz"
		ok $? "$m: round $r: ... its bytes"
		zstd -q -c "$W/vc.js" >"$W/vc.js.zst.new"
		mv "$W/vc.js.zst.new" "$W/vc.js.zst"
		get vc3 /vc.js -H 'Accept-Encoding: gzip;q=0.5, zstd'
		is "$(hdr "$H" Content-Encoding)" zstd "$m: round $r: vc.js.zst appears: preferred"
		touch -d '2000-01-01' "$W/vc.js.zst"
		get vc4 /vc.js -H 'Accept-Encoding: gzip;q=0.5, zstd'
		is "$(hdr "$H" Content-Encoding)" gzip "$m: round $r: vc.js.zst made older than vc.js: not sent"
		rm -f "$W/vc.js.zst"
		printf 'junk' >"$W/vc-other.gz"
		ln -sfn vc-other.gz "$W/vc.js.gz"
		get vc5 /vc.js -H 'Accept-Encoding: gzip'
		is "$(hdr "$H" Content-Encoding):$(cat "$B")" "gzip:junk" \
			"$m: round $r: vc.js.gz now a link to another file: that file"
		gzip -c "$W/vc.js" >"$W/vc-real.gz"
		ln -sfn vc-real.gz "$W/vc.js.gz"
		get vc6 /vc.js -H 'Accept-Encoding: gzip'
		cmp -s "$B" "$W/vc-real.gz"
		ok $? "$m: round $r: the link re-pointed: the new target at once"
		ln -sfn ../outside/secret.txt "$W/vc.js.gz"
		get vc7 /vc.js -H 'Accept-Encoding: gzip'
		is "$CODE:$(hdr "$H" Content-Encoding):$(hdr "$H" Vary)" "200::" \
			"$m: round $r: the link re-pointed out of the root: vc.js, no variant"
		unlike "$(cat "$B")" secret "$m: round $r: ... nothing leaked"
	done
	rm -f "$W/vc.js.gz"
}

spa_checks() {
	local m=$1
	get f1 /app/users/42
	is "$CODE $(cat "$B")" "200 <p>spa shell</p>" "$m: --fallback: a missing route gets FILE with 200"
	like "$(hdr "$H" Content-Type)" '^text/html' "$m: ... as text/html"
	get f2 /app/users/
	is "$CODE" 200 "$m: --fallback: a missing route with a slash too"
	get f3 /app/logo.png
	is "$CODE" 404 "$m: --fallback: a missing asset (has an extension) stays 404"
	get f4 /main.js
	is "$CODE" 404 "$m: --fallback: a missing /main.js stays 404"
	get f5 /hello.txt
	is "$CODE $(cat "$B")" "200 hello, sockweb" "$m: --fallback: existing files as before"
	get f6 /escape.txt
	is "$CODE" 403 "$m: --fallback: a refused path stays 403"
	get f7 /thing.recipe
	is "$(hdr "$H" Content-Type)" 'text/x-recipe; charset=utf-8' "$m: --mime-types adds a type"
	get f8 /hello.txt
	is "$(hdr "$H" Content-Type)" 'text/plain; charset=utf-8' "$m: built-in types stay"
	get f9 /noext
	is "$(hdr "$H" Content-Type)" 'text/x-unknown' "$m: --default-type for an unknown type"
	get f10 /k.bin
	is "$(hdr "$H" Content-Type)" 'application/x-overridden' "$m: --mime-types overrides a built-in"
}

# mp_parts FILE BODY-FILE CONTENT-TYPE: the parts of a multipart/byteranges
# body, each "start-end/size:ok:type" (ok when its bytes are the file's).
mp_parts() {
	python3 - "$@" <<'PYEOF'
import re, sys
path, body_path, ctype = sys.argv[1:4]
data = open(path, "rb").read()
body = open(body_path, "rb").read()
m = re.search(r'boundary=([^;\s]+)', ctype)
if not m:
    print("no boundary"); sys.exit(0)
b = b"--" + m.group(1).encode()
end = b"\r\n" + b + b"--\r\n"
if not body.startswith(b) or not body.endswith(end):
    print("bad framing"); sys.exit(0)
out = []
for part in body[len(b):-len(end)].split(b"\r\n" + b):
    head, _, payload = part.partition(b"\r\n\r\n")
    h = dict(l.split(b": ", 1) for l in head.strip(b"\r\n").split(b"\r\n"))
    a, e, size = map(int, re.match(rb"bytes (\d+)-(\d+)/(\d+)", h[b"Content-Range"]).groups())
    ok = payload == data[a:e + 1] and size == len(data)
    out.append("%d-%d/%d:%s:%s" % (a, e, size, "ok" if ok else "BAD", h[b"Content-Type"].decode()))
print(" ".join(out))
PYEOF
}

multipart_checks() {
	local m=$1 ct
	get m1 /k.bin -r 0-9,20-29
	ct=$(hdr "$H" Content-Type)
	is "$CODE" 206 "$m: -r 0-9,20-29: 206"
	like "$ct" '^multipart/byteranges; boundary=sockweb-[0-9a-f]{16}$' "$m: ... multipart/byteranges with a boundary"
	is "$(mp_parts "$W/k.bin" "$B" "$ct")" "0-9/1000:ok:application/octet-stream 20-29/1000:ok:application/octet-stream" \
		"$m: ... two parts, each with its Content-Type, Content-Range and bytes"
	is "$(hdr "$H" Content-Length)" "$(wc -c <"$B")" "$m: ... an exact Content-Length"
	is "$(hdr "$H" Content-Range)" "" "$m: ... no top-level Content-Range"
	like "$(hdr "$H" ETag)" '^"' "$m: ... with the ETag"
	get m2 /k.bin -r 500-599,0-9
	is "$(mp_parts "$W/k.bin" "$B" "$(hdr "$H" Content-Type)")" \
		"500-599/1000:ok:application/octet-stream 0-9/1000:ok:application/octet-stream" \
		"$m: parts in the request's order"
	get m3 /k.bin -r 0-99,50-149
	is "$CODE $(hdr "$H" Content-Range) $(wc -c <"$B")" "206 bytes 0-149/1000 150" \
		"$m: overlapping ranges coalesce into one part"
	get m4 /r.bin -r 0-0,2-2,4-4,6-6,8-8,10-10,12-12,14-14,16-16,18-18,20-20,22-22,24-24,26-26,28-28,30-30,32-32
	is "$CODE $(wc -c <"$B")" "200 100000" "$m: 17 parts: the whole file (at most 16)"
	get m4b /r.bin -r 0-0,2-2,4-4,6-6,8-8,10-10,12-12,14-14,16-16,18-18,20-20,22-22,24-24,26-26,28-28,30-30
	is "$CODE $(mp_parts "$W/r.bin" "$B" "$(hdr "$H" Content-Type)" | wc -w)" "206 16" "$m: 16 parts: multipart"
	is "$(mp_parts "$W/r.bin" "$B" "$(hdr "$H" Content-Type)" | grep -c BAD)" 0 "$m: ... each part's bytes right"
	get m5 /k.bin -r 0-599,500-999
	is "$CODE $(hdr "$H" Content-Range)" "206 bytes 0-999/1000" "$m: ranges covering the file: one part"
	get m6 /k.bin -r 0-9,5000-6000
	is "$CODE $(hdr "$H" Content-Range)" "206 bytes 0-9/1000" "$m: an unsatisfiable range is dropped"
	get m7 /k.bin -r 5000-6000,7000-8000
	is "$CODE" 416 "$m: no satisfiable range: 416"
	get m8 /mid.txt -r 0-1,3-4
	is "$(mp_parts "$W/mid.txt" "$B" "$(hdr "$H" Content-Type)")" \
		"0-1/4000:ok:text/plain; charset=utf-8 3-4/4000:ok:text/plain; charset=utf-8" \
		"$m: a small cached file: multipart too"
	get m8b /hello.txt -r 0-1,3-4
	is "$CODE $(wc -c <"$B") $(hdr "$H" Content-Type)" "200 15 text/plain; charset=utf-8" \
		"$m: parts and their headers longer than the file: the whole file"
	get m8c /k.bin -r 0-0,2-2,4-4,6-6,8-8,10-10,12-12,14-14,16-16,18-18
	is "$CODE $(wc -c <"$B")" "200 1000" "$m: 10 one-byte parts of 1000 bytes, about 1080 bytes as multipart: the whole file"
	get m8d /k.bin -r 0-0,2-2,4-4,6-6,8-8,10-10,12-12,14-14
	is "$CODE $(hdr "$H" Content-Length)" "206 868" "$m: 8 one-byte parts come to 868 bytes: still multipart"
	get m9 /k.bin -r 0-9,20-29 -H 'If-Range: "stale"'
	is "$CODE $(wc -c <"$B")" "200 1000" "$m: multi-range with a failed If-Range: the whole file"
}

# Bad option values: a usage error at start, exit 2.
for bad in "--header=X-A: b$(printf '\r\nX-Injected: 1')" "--header=X-A: b$(printf '\nX: 1')" \
    "--header=X-A: b$(printf '\r')" "--header=X-A: $(printf 'a\001b')" \
    "--header=No colon" "--header=Bad name: x" "--header=: empty name" \
    "--max-age=-1" "--max-age=soon" "--fallback=/etc/passwd" \
    "--fallback=../x.html" "--fallback=a/./b" "--fallback=.hidden" \
    "--mime-types=/nonexistent" "--mime-types=$TEST_DIR/bad.types" \
    "--default-type=text" "--default-type=text/plain$(printf '\r\nX: y')"; do
	timeout 10 "$SOCKWEBD" -p 0 -l 127.0.0.1 -r "$W" "$bad" >/dev/null 2>"$TEST_DIR/bad.err"
	rc=$?
	is "$rc" 2 "usage error for $(printf '%q' "$bad")"
	like "$(cat "$TEST_DIR/bad.err")" 'usage:' "... with the usage"
done

symlink_setup
variant_setup
mkdir -p "$W/app"
printf '<p>spa shell</p>\n' >"$W/app/shell.html"
printf 'x\n' >"$W/thing.recipe"
printf 'x\n' >"$W/noext"
printf '# test types\ntext/x-recipe recipe\napplication/x-overridden bin\n' >"$TEST_DIR/good.types"
printf 'text/plain txt\nnot a type\n' >"$TEST_DIR/bad.types"
for mode in default prefork; do
	args=()
	[ "$mode" = prefork ] && args=(--prefork 2)
	start_sockwebd "${args[@]}" --header 'X-Frame-Options: DENY' \
		--header 'X-Test: a b:c' --cors --max-age 60 ||
		bail_out "sockwebd did not start"
	etag_checks "$mode"
	listing_checks "$mode"
	header_checks "$mode"
	symlink_checks "$mode"
	variant_checks "$mode"
	variant_cache_checks "$mode"
	multipart_checks "$mode"
	stop_sockwebd
	start_sockwebd "${args[@]}" --no-symlinks || bail_out "sockwebd did not start"
	no_symlink_checks "$mode"
	stop_sockwebd
	start_sockwebd "${args[@]}" --fallback app/shell.html \
		--mime-types "$TEST_DIR/good.types" --default-type text/x-unknown ||
		bail_out "sockwebd did not start"
	spa_checks "$mode"
	get o1 /hello.txt -X OPTIONS
	is "$CODE $(hdr "$H" Allow)" "405 GET, HEAD" "$mode without --cors: OPTIONS is 405"
	is "$(hdr "$H" Connection)" keep-alive "$mode without --cors: ... a complete request, kept alive"
	is "$(hdr "$H" Access-Control-Allow-Origin)" "" "$mode without --cors: no CORS header"
	stop_sockwebd
done

done_testing
