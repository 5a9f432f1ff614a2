#!/usr/bin/env bash
# tests/integration/docs_design.sh: DESIGN.md names every source file of
# server/, client/ and common/, so a new file cannot land undescribed,
# and every file, function and constant it names exists.
. "$top_srcdir/tests/lib.sh"

DESIGN="$top_srcdir/DESIGN.md"
[ -r "$DESIGN" ] || bail_out "no DESIGN.md in $top_srcdir"
n=0
for f in "$top_srcdir"/server/*.[ch] "$top_srcdir"/client/*.[ch] "$top_srcdir"/common/*.[ch]; do
	rel=${f#"$top_srcdir"/}
	n=$((n + 1))
	grep -qF -- "\`$rel\`" "$DESIGN"
	ok $? "DESIGN.md names $rel"
done
ok "$([ "$n" -ge 40 ]; echo $?)" "the check saw the whole tree ($n files)"
# ... and names no file that is gone.
for rel in $(grep -oE '`(server|client|common)/[a-z_]+\.[ch]`' "$DESIGN" | tr -d '`' | sort -u); do
	[ -e "$top_srcdir/$rel" ]
	ok $? "$rel, named in DESIGN.md, exists"
done

# ... and every function, variable or constant it names still exists: a
# backquoted identifier with an underscore (`request_feed`), or a constant
# such as HANDBACK_MS, is a word of the sources or of Makefile.am.
# (`file_verb` is the naming pattern, not a name.)
SOURCES=("$top_srcdir"/server/*.[ch] "$top_srcdir"/client/*.[ch] "$top_srcdir"/common/*.[ch]
	"$top_srcdir/Makefile.am")
missing=
for w in $( (grep -oE '`[a-z_][a-z0-9]*_[a-z0-9_]*`' "$DESIGN" | tr -d '`'
	grep -oE '\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b' "$DESIGN") | sort -u); do
	[ "$w" = file_verb ] && continue
	grep -qw -- "$w" "${SOURCES[@]}" || missing="$missing $w"
done
is "$missing" "" "every identifier DESIGN.md names is in the code"

done_testing
