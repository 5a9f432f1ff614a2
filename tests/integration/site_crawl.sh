#!/usr/bin/env bash
# tests/integration/site_crawl.sh: crawl the whole default site through a
# running sockwebd (tests/helpers/crawl.py, standard library only): every
# href and src on the same origin answers 200 (the /samples/ listing and the
# files in it included), every page is valid UTF-8 with a <title>, nothing is
# loaded from elsewhere, and every file of www/ is reachable by a link.
. "$top_srcdir/tests/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"

WWW="$top_srcdir/www"
start_sockwebd -r "$WWW" || bail_out "sockwebd did not start"

LIST="$TEST_DIR/urls.txt"
out=$(timeout 120 python3 "$top_srcdir/tests/helpers/crawl.py" "$BASE/" \
	--start / --start /404.html --max-pages 200 --list "$LIST" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
ok "$rc" "crawl of $BASE/ finds no problem"
like "$out" '^urls [0-9]+ html [0-9]+ ' "crawler printed its counts"
like "$out" 'problems 0$' "0 broken links, bad pages or external resources"

html=$(printf '%s\n' "$out" | sed -n 's/^urls [0-9]* html \([0-9]*\) .*/\1/p')
ok $(( ${html:-0} >= 12 ? 0 : 1 )) "at least 12 HTML documents crawled (pages + listing): ${html:-0}"

# Every file of the site is linked from somewhere (404.html is a start point).
missing=0
while IFS= read -r f; do
	path=/${f#"$WWW"/}
	if ! grep -qxF -- "$path" "$LIST" 2>/dev/null; then
		diag "not reached by any link: $path"
		missing=$((missing + 1))
	fi
done < <(find "$WWW" -type f | sort)
is "$missing" 0 "every file under www/ was reached by the crawl"

grep -qxF /samples/ "$LIST" 2>/dev/null
ok $? "the /samples/ directory listing was crawled"
grep -qxF /samples/random-1MiB.bin "$LIST" 2>/dev/null
ok $? "the 1 MiB sample was fetched whole through the listing"
grep -qxF /trace.html "$LIST" 2>/dev/null
ok $? "the generated page of both traces, /trace.html, was crawled"
grep -qxF /_peer "$LIST" 2>/dev/null
ok $? "the /_peer endpoint answered 200 (linked from _peer.html)"

done_testing
