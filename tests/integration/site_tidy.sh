#!/usr/bin/env bash
# tests/integration/site_tidy.sh: every page of the default site (www/*.html)
# is well-formed HTML5 by HTML Tidy: no errors (tidy -e exits 2 on errors,
# 1 on warnings only). Warnings are shown but do not fail the test.
. "$top_srcdir/tests/lib.sh"

command -v tidy >/dev/null 2>&1 || skip_all "tidy not installed (Debian package tidy)"

WWW="$top_srcdir/www"
pages=("$WWW"/*.html)
[ -e "${pages[0]}" ] || bail_out "no HTML pages in $WWW"
ok $(( ${#pages[@]} >= 11 ? 0 : 1 )) "at least 11 pages in www/ (found ${#pages[@]})"
[ -f "$WWW/trace.html" ]
ok $? "the generated trace.html (make trace-page) is among them"

for page in "${pages[@]}"; do
	name=${page#"$WWW"/}
	out=$(tidy -e -q --gnu-emacs yes "$page" 2>&1)
	rc=$?
	ok $(( rc < 2 ? 0 : 1 )) "tidy: $name has no errors"
	if [ -n "$out" ]; then
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
done

# No dotfiles in the site: they would be served (or hidden) by accident.
dots=$(find "$WWW" -name '.*' | head -n 5)
is "$dots" "" "no dotfiles under www/"

done_testing
