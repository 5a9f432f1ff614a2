#!/usr/bin/env bash
# tests/integration/trace_page.sh: www/trace.html, the page that shows one
# exchange from both ends (issue 16), is in step with what the programs
# print. tools/trace_page.py runs sockget -v against sockwebd -v and the
# test DNS server on 127.0.0.1 again, into tests/out/; the fresh page must
# have the committed page's sections and kinds of line (ports and pids
# differ with every run, so never byte for byte), its highlighted numbers
# must be this run's, and every topic link must reach an anchor that exists.
. "$top_srcdir/tests/lib.sh"

[ -x "$SOCKGET" ] || skip_all "sockget not built"
command -v python3 >/dev/null || skip_all "python3 not found"
command -v ss >/dev/null || skip_all "ss not found (Debian package iproute2)"

GEN="$top_srcdir/tools/trace_page.py"
PAGE="$top_srcdir/www/trace.html"
FRESH="$TEST_DIR/trace.html"
RAW="$TEST_DIR/raw"

timeout -k 5 60 python3 "$GEN" --sockwebd "$SOCKWEBD" --sockget "$SOCKGET" \
	--dnsd "$top_srcdir/tests/helpers/dnsd.py" --root "$top_srcdir/www" \
	--out "$FRESH" --raw "$RAW" >"$TEST_DIR/gen.out" 2>"$TEST_DIR/gen.err"
ok $? "tools/trace_page.py regenerated the page from a real run"
sed 's/^/# /' "$TEST_DIR/gen.out" "$TEST_DIR/gen.err"

python3 "$GEN" --check "$PAGE" "$FRESH" 2>"$TEST_DIR/check.err"
ok $? "www/trace.html has the fresh page's sections and line kinds (make trace-page if not)"
sed 's/^/# /' "$TEST_DIR/check.err"

# The checker is not vacuous: a page with a section gone is out of step.
sed '/<section id="release"/,/<\/section>/d' "$PAGE" >"$TEST_DIR/cut.html"
python3 "$GEN" --check "$TEST_DIR/cut.html" "$FRESH" 2>/dev/null
is "$?" 1 "--check notices a missing section"
sed '0,/\(class="m m-tcp"[^>]*>\)[0-9]*</s//\11</' \
	"$FRESH" >"$TEST_DIR/skew.html"
python3 "$GEN" --check "$PAGE" "$TEST_DIR/skew.html" 2>/dev/null
is "$?" 1 "--check notices numbers that disagree within a page"

# The fresh page's numbers are this run's, on both sides.
tport=$(sed -n 's/^\* local 127\.0\.0\.1:\([0-9]*\) (ephemeral).*/\1/p' "$RAW/client.err")
uport=$(sed -n 's/^\* resolver: connect([0-9]*) UDP: local 127\.0\.0\.1:\([0-9]*\) (ephemeral).*/\1/p' "$RAW/client.err")
cpid=$(sed -n 's/.* fork() = \([0-9]*\) .*/\1/p' "$RAW/server.err")
# marks KIND SECTION: the numbers marked KIND in SECTION of the fresh page.
marks() {
	sed -n "/<section id=\"$2\"/,/<\\/section>/p" "$FRESH" |
		grep -o "class=\"m m-$1\"[^>]*>[0-9]*<" | sed 's/.*>\([0-9]*\)<$/\1/' | sort -u
}
is "$(marks tcp connect)" "$tport" "the TCP ephemeral port $tport is marked on both sides of the set-up"
is "$(sed -n '/<section id="connect"/,/<\/section>/p' "$FRESH" | grep -c "k-accept.*m-tcp[^>]*>$tport<\|k-tcp-local.*m-tcp[^>]*>$tport<")" 2 \
	"the client's connect line and the server's accept line both carry it"
is "$(marks udp resolve)" "$uport" "the UDP ephemeral port $uport is marked in the DNS exchange"
grep -q "k-dns-query.*m-udp[^>]*>$uport<" "$FRESH"
ok $? "the DNS server's line carries the same UDP port"
is "$(marks child response)" "$cpid" "the child's pid $cpid is marked in the response"
grep -q "k-body.*m-child[^>]*>$cpid<" "$FRESH"
ok $? "the /_peer body names the same pid as the fork line"

# Every topic link of the committed page reaches an anchor that exists.
bad=0 n=0
while IFS= read -r href; do
	n=$((n + 1))
	file=${href%%#*} anchor=${href#*#}
	if [ ! -f "$top_srcdir/www/$file" ]; then
		diag "no such page: $href"
		bad=$((bad + 1))
	elif [ "$anchor" != "$href" ] && ! grep -q "id=\"$anchor\"" "$top_srcdir/www/$file"; then
		diag "no anchor: $href"
		bad=$((bad + 1))
	fi
done < <(grep -o 'class="topic" href="[^"]*"' "$PAGE" | sed 's/.*href="\([^"]*\)"/\1/' | sort -u)
ok $(( n >= 10 ? 0 : 1 )) "the page links to $n lecture topics"
is "$bad" 0 "every topic link reaches its page and anchor"

# It is part of the site: on the home page and in every page's navigation.
grep -q 'href="trace.html"' "$top_srcdir/www/index.html"
ok $? "index.html links to trace.html"
missing=$(grep -L 'href="/\{0,1\}trace.html"' "$top_srcdir"/www/*.html | tr '\n' ' ')
is "$missing" "" "every page's navigation has trace.html"

done_testing
