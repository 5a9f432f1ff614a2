#!/usr/bin/env bash
# tests/integration/style_lengths.sh: no function of server/, client/ or
# common/ is longer than 60 lines (STYLE: short functions), counted from
# the body's opening brace to its closing one by tests/helpers/funclen.py.
# The check fails naming each function past the limit, with its length.
. "$top_srcdir/tests/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
MAX=60
python3 "$top_srcdir/tests/helpers/funclen.py" "$top_srcdir"/server/*.c \
	"$top_srcdir"/client/*.c "$top_srcdir"/common/*.c >"$TEST_DIR/lengths" ||
	bail_out "funclen.py failed"
n=$(grep -c '' "$TEST_DIR/lengths")
ok "$([ "$n" -ge 400 ]; echo $?)" "the check saw the whole tree ($n functions)"
long=$(awk -v max="$MAX" '$1 > max' "$TEST_DIR/lengths" | sed "s|$top_srcdir/||")
is "$long" "" "no function past $MAX lines"
longest=$(sort -n "$TEST_DIR/lengths" | tail -n 1 | sed "s|$top_srcdir/||")
diag "the longest: $longest"

done_testing
