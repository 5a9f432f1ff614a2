#!/usr/bin/env bash
# tests/integration/server_features.sh: what issue 14 added, seen with curl,
# in both serving modes (fork per connection and --prefork): ETags and
# preconditions (If-None-Match, If-Match, If-Unmodified-Since, If-Range);
# listings (sorted by the server through ?C=;O=, directories first, human
# sizes, JSON, 20 000 entries); an index.html that exists but cannot be
# served (mode 600, FIFO, symlink) is 403, never a listing; the Location of
# the trailing-slash redirect is a valid URI-reference whatever the query.
. "$top_srcdir/tests/lib.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl not installed"

make_test_root
head -c 1000 /dev/urandom >"$TEST_DIR/www/k.bin"
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

for mode in default prefork; do
	args=()
	[ "$mode" = prefork ] && args=(--prefork 2)
	start_sockwebd "${args[@]}" || bail_out "sockwebd did not start"
	etag_checks "$mode"
	listing_checks "$mode"
	stop_sockwebd
done

done_testing
