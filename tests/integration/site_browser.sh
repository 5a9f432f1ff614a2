#!/usr/bin/env bash
# tests/integration/site_browser.sh: the default site in a real browser.
# Headless Chromium loads every page from a running sockwebd; the DOM it
# dumps after scripts ran must carry the page's title; /_peer.html must show
# the browser's own ephemeral port, the one at the start of the server's
# access-log line for that GET /_peer; a screenshot of the home page is saved
# as $TEST_DIR/home.png (and home-phone.png at a phone's width), one of the
# /samples/ listing as listing.png, one of /trace.html as trace.png; a
# listing sorted through its heading links, in fork and --prefork mode,
# as listing-default.png and listing-prefork.png.
# Every Chromium run is bounded by timeout(1) and stopped by its pid.
. "$top_srcdir/tests/lib.sh"

CHROMIUM=${CHROMIUM:-}
if [ -z "$CHROMIUM" ]; then
	for c in chromium chromium-browser google-chrome; do
		if command -v "$c" >/dev/null 2>&1; then
			CHROMIUM=$(command -v "$c")
			break
		fi
	done
fi
[ -n "$CHROMIUM" ] || skip_all "chromium not found (Debian package chromium)"

WWW="$top_srcdir/www"
start_sockwebd -r "$WWW" || bail_out "sockwebd did not start"

# chrome OUT ARGS...: one headless Chromium run, stdout to OUT, at most 60 s.
# --disable-background-networking and friends keep it from calling home,
# which would only time out in a sandboxed build.
n_runs=0
chrome() {
	local out=$1 profile pid rc
	shift
	n_runs=$((n_runs + 1))
	profile="$TEST_DIR/profile.$n_runs"
	mkdir -p "$profile"
	timeout -k 5 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		--disable-quic --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync --disable-extensions \
		--disable-default-apps --mute-audio --hide-scrollbars \
		--user-data-dir="$profile" "$@" \
		>"$out" 2>>"$TEST_DIR/chromium.err" </dev/null &
	pid=$!
	track_pid "$pid"
	wait "$pid"
	rc=$?
	rm -rf "$profile"
	return "$rc"
}

# dump PATH: the DOM of $BASE/PATH after its scripts ran, in $TEST_DIR.
dump() {
	local file="$TEST_DIR/dom$(printf '%s' "$1" | tr -c 'A-Za-z0-9.-' '_').html"
	chrome "$file" --virtual-time-budget=5000 --dump-dom "$BASE$1"
	DOM=$(cat "$file")
}

# title_of FILE: the text of the first <title> in an HTML file, on one line.
title_of() {
	tr '\n' ' ' <"$1" | sed -n 's:.*<title>\([^<]*\)</title>.*:\1:p' | head -n 1
}

# Every page: the title in the browser's DOM is the one in the source.
for page in "$WWW"/*.html; do
	name=${page#"$WWW"/}
	want=$(title_of "$page")
	dump "/$name"
	rc=$?
	got=$(printf '%s' "$DOM" | tr '\n' ' ' |
		sed -n 's:.*<title>\([^<]*\)</title>.*:\1:p' | head -n 1)
	if [ "$rc" -ne 0 ] || [ -z "$want" ]; then
		ok 1 "chromium loaded /$name (exit $rc)"
		continue
	fi
	is "$got" "$want" "/$name in the browser has its title"
	like "$DOM" '<h1[ >]' "/$name in the browser has a heading"
done

# The directory listing of /samples/ renders with a title and the big file.
dump /samples/
like "$DOM" '<title>[^<]+</title>' "/samples/ listing has a title in the browser"
like "$DOM" 'random-1MiB\.bin' "/samples/ listing shows random-1MiB.bin"

# The live page: the browser's own port, as sockwebd saw it.
dump /_peer.html
port=$(printf '%s' "$DOM" | sed -n 's:.*<span id="client-port"[^>]*>\([^<]*\)</span>.*:\1:p' | head -n 1)
like "$port" '^[0-9]+$' "/_peer.html shows a numeric client port ($port)"
ok $(( ${port:-0} >= 1 && ${port:-0} <= 65535 ? 0 : 1 )) "the client port is in 1..65535"
sport=$(printf '%s' "$DOM" | sed -n 's:.*<span id="server-port"[^>]*>\([^<]*\)</span>.*:\1:p' | head -n 1)
is "$sport" "$PORT" "/_peer.html shows the server's port"
ip=$(printf '%s' "$DOM" | sed -n 's:.*<span id="client-ip"[^>]*>\([^<]*\)</span>.*:\1:p' | head -n 1)
is "$ip" "127.0.0.1" "/_peer.html shows the browser's address"
unlike "$DOM" 'class="error"' "/_peer.html shows no error"
re="^127\\.0\\.0\\.1:${port:-x} .*\"GET /_peer HTTP/1\\.[01]\" 200 "
wait_for_line "$ACCESS_LOG" "$re" 5
ok $? "the access log has GET /_peer from 127.0.0.1:$port"
if [ "$tap_failed" -gt 0 ]; then
	diag "access log:"
	sed 's/^/#   /' "$ACCESS_LOG"
fi

for field in pid request; do
	v=$(printf '%s' "$DOM" | sed -n "s:.*<[a-z]* id=\"$field\"[^>]*>\([^<]*\)<.*:\1:p" | head -n 1)
	like "$v" '^[1-9][0-9]*$' "/_peer.html shows the $field ($v)"
done

# With --no-peer, /_peer is a 404 and the page says so instead of failing
# silently.
start_sockwebd -r "$WWW" --no-peer || bail_out "sockwebd --no-peer did not start"
dump /_peer.html
like "$DOM" 'class="error"[^>]*>[^<]*404' "with --no-peer, /_peer.html reports the 404"

# The listing sorted by the server: largest file first, its exact size in
# a title; a screenshot of it as listing.png.
dump '/samples/?C=S;O=D'
first=$(printf '%s' "$DOM" | sed -n 's:.*<td class="name"><a href="\([^"]*\)">.*:\1:p' | sed -n 2p)
is "$first" random-1MiB.bin "/samples/?C=S;O=D in the browser: the largest file first"
like "$DOM" 'title="1048576 bytes">1\.0 MiB<' "the listing shows 1.0 MiB with the exact bytes in a title"
rm -f "$TEST_DIR/listing.png"
chrome /dev/null --window-size=1000,700 --screenshot="$TEST_DIR/listing.png" "$BASE/samples/"
size=$(wc -c <"$TEST_DIR/listing.png" 2>/dev/null || echo 0)
ok $(( size > 5000 ? 0 : 1 )) "listing screenshot saved as tests/out/$TEST_NAME/listing.png ($size bytes)"

# The page of one exchange seen from both ends (issue 16): every phase is
# rendered with both columns, and a screenshot of it as trace.png.
dump /trace.html
for phase in listen resolve connect request response release timewait; do
	like "$DOM" "<section id=\"$phase\" class=\"phase\">" "/trace.html in the browser has its $phase section"
done
ncols=$(printf '%s' "$DOM" | grep -o '<div class="trace-col">' | wc -l)
ok $(( ncols >= 10 ? 0 : 1 )) "/trace.html shows the client's and the server's columns ($ncols)"
like "$DOM" 'class="line k-accept"><code>.*class="m m-tcp"' "/trace.html: the accept line has the client's port marked"
rm -f "$TEST_DIR/trace.png"
chrome /dev/null --window-size=1400,3000 --screenshot="$TEST_DIR/trace.png" "$BASE/trace.html"
size=$(wc -c <"$TEST_DIR/trace.png" 2>/dev/null || echo 0)
ok $(( size > 20000 ? 0 : 1 )) "trace page screenshot saved as tests/out/$TEST_NAME/trace.png ($size bytes)"

# Screenshots of the home page, desktop and phone widths.
rm -f "$TEST_DIR/home.png" "$TEST_DIR/home-phone.png"
chrome /dev/null --window-size=1280,900 --screenshot="$TEST_DIR/home.png" "$BASE/"
magic=$(head -c 8 "$TEST_DIR/home.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')
is "$magic" 89504e470d0a1a0a "home page screenshot saved as tests/out/$TEST_NAME/home.png"
size=$(wc -c <"$TEST_DIR/home.png" 2>/dev/null || echo 0)
ok $(( size > 10000 ? 0 : 1 )) "the screenshot is not blank ($size bytes)"
chrome /dev/null --window-size=390,844 --screenshot="$TEST_DIR/home-phone.png" "$BASE/"
[ -s "$TEST_DIR/home-phone.png" ]
ok $? "phone-width screenshot saved as home-phone.png"

# A listing in the browser, in both serving modes (issue 14): directories
# first, the server's sort through the heading links (the sorted column's
# link reverses it, aria-sort says which way), the exact bytes in a title,
# no request but the page itself (inline style); a screenshot of each.
L=$TEST_DIR/lroot
mkdir -p "$L/files/docs"
head -c 300000 /dev/zero >"$L/files/big.bin"
head -c 2048 /dev/zero >"$L/files/mid.txt"
printf 'x\n' >"$L/files/a-small.txt"
for mode in default prefork; do
	args=()
	[ "$mode" = prefork ] && args=(--prefork 2)
	ACCESS_LOG=$TEST_DIR/listing.log start_sockwebd -r "$L" "${args[@]}" || bail_out "sockwebd ($mode) did not start"
	dump '/files/?C=S;O=D'
	order=$(printf '%s' "$DOM" | sed -n 's:.*<td class="name"><a href="\([^"]*\)">.*:\1:p' | tr '\n' ' ')
	is "$order" "../ docs/ big.bin mid.txt a-small.txt " \
		"$mode: /files/?C=S;O=D in the browser: directories first, then the largest file"
	like "$DOM" '<th class="size" aria-sort="descending"><a href="\?C=S;O=A">Size</a>' \
		"$mode: the sorted Size heading links to the ascending order"
	like "$DOM" '<th><a href="\?C=N;O=A">Name</a></th>' "$mode: the Name heading sorts by name"
	like "$DOM" '<a href="\?C=M;O=A">Modified' "$mode: the Modified heading sorts by time"
	like "$DOM" 'title="300000 bytes">293 KiB<' "$mode: 293 KiB with the exact bytes in a title"
	dump '/files/?C=S;O=A'
	order=$(printf '%s' "$DOM" | sed -n 's:.*<td class="name"><a href="\([^"]*\)">.*:\1:p' | tr '\n' ' ')
	is "$order" "../ docs/ a-small.txt mid.txt big.bin " \
		"$mode: following that link (?C=S;O=A): the smallest file first"
	rm -f "$TEST_DIR/listing-$mode.png"
	chrome /dev/null --window-size=1000,600 --screenshot="$TEST_DIR/listing-$mode.png" \
		"$BASE/files/?C=S;O=D"
	magic=$(head -c 8 "$TEST_DIR/listing-$mode.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')
	is "$magic" 89504e470d0a1a0a "$mode: sorted listing screenshot saved as tests/out/$TEST_NAME/listing-$mode.png"
	size=$(wc -c <"$TEST_DIR/listing-$mode.png" 2>/dev/null || echo 0)
	ok $(( size > 5000 ? 0 : 1 )) "$mode: ... not blank ($size bytes)"
	stop_sockwebd
done
like "$(cat "$TEST_DIR/listing.log")" '"GET /files/\?C=S;O=D HTTP' "the listing log has the pages"
is "$(grep -c '"GET [^ ]*\.\(css\|js\)' "$TEST_DIR/listing.log")" 0 \
	"the listings asked for no stylesheet or script (inline style)"


done_testing
