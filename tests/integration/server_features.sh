#!/usr/bin/env bash
# tests/integration/server_features.sh: what issue 14 added, seen with curl,
# in both serving modes (fork per connection and --prefork): ETags and
# preconditions (If-None-Match, If-Match, If-Unmodified-Since, If-Range).
. "$top_srcdir/tests/lib.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl not installed"

make_test_root
head -c 1000 /dev/urandom >"$TEST_DIR/www/k.bin"

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

for mode in default prefork; do
	args=()
	[ "$mode" = prefork ] && args=(--prefork 2)
	start_sockwebd "${args[@]}" || bail_out "sockwebd did not start"
	etag_checks "$mode"
	stop_sockwebd
done

done_testing
