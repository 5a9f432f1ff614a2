#!/usr/bin/env bash
# docs_man.sh: the man pages lint clean and say what the programs do:
# every option of --help is documented, -V prints the package's version,
# every exit code of sockget and every status of sockwebd is in its page.
. "$top_srcdir/tests/lib.sh"

MAN_SOCKWEBD="$top_srcdir/man/sockwebd.8"
MAN_SOCKGET="$top_srcdir/man/sockget.1"

# The version configure was given (AC_INIT), as the programs print it.
VERSION=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' \
	"$top_builddir/config.h" 2>/dev/null)
[ -n "$VERSION" ] || bail_out "no PACKAGE_VERSION in $top_builddir/config.h"

skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $*"
}

# lint PAGE: mandoc -T lint and groff -ww both silent.
lint() {
	local page=$1 name out status
	name=$(basename "$page")
	if command -v mandoc >/dev/null; then
		out=$(mandoc -T lint "$page" 2>&1)
		status=$?
		is "$status:$out" "0:" "$name: mandoc -T lint is clean"
	else
		skip "$name: mandoc not installed (apt-get install mandoc)"
	fi
	if command -v groff >/dev/null; then
		out=$(groff -ww -z -man "$page" 2>&1)
		status=$?
		is "$status:$out" "0:" "$name: groff -ww -z -man is clean"
	else
		skip "$name: groff not installed (apt-get install groff-base)"
	fi
}

# render PAGE: plain text, wide enough that no option is broken.
render() {
	if command -v mandoc >/dev/null; then
		mandoc -T ascii -O width=250 "$1" | sed 's/.\x08//g'
	else
		MANWIDTH=250 groff -man -T ascii -P -cbou -rLL=250n "$1"
	fi
}

# section TEXT NAME: the lines of section NAME of a rendered page.
section() {
	printf '%s\n' "$1" | awk -v name="$2" '
		/^[A-Z]/ { on = ($0 == name); next }
		on'
}

# help_options: the options in the first column of a --help text on stdin.
help_options() {
	sed -nE 's/^ +(-.*)$/\1/p' | sed -E 's/  .*//' |
		grep -oE -- '--?[[:alnum:]][[:alnum:]-]*' | sort -u
}

# check_options PROGRAM PAGE: every --help option in the page's OPTIONS.
check_options() {
	local prog=$1 page=$2 name help opts options opt missing=""
	name=$(basename "$prog")
	help=$("$prog" --help)
	is "$?" 0 "$name --help exits 0"
	opts=$(printf '%s\n' "$help" | help_options)
	ok "$([ "$(printf '%s\n' "$opts" | wc -l)" -ge 10 ] && echo 0 || echo 1)" \
		"$name --help lists at least 10 options"
	options=$(section "$(render "$page")" OPTIONS)
	for opt in $opts; do
		printf '%s\n' "$options" |
			grep -Eq -- "(^|[^[:alnum:]-])$opt([^[:alnum:]-]|\$)" ||
			missing="$missing $opt"
	done
	is "${missing# }" "" "every option of $name --help is in OPTIONS of $(basename "$page")"
	like "$(section "$(render "$page")" SYNOPSIS)" "$name" \
		"$(basename "$page") has a SYNOPSIS naming $name"
}

# check_version PROGRAM PAGE
check_version() {
	local prog=$1 page=$2 name
	name=$(basename "$prog")
	like "$("$prog" -V)" "(^|[^0-9.])${VERSION//./\\.}([^0-9.]|\$)" \
		"$name -V prints version $VERSION"
	like "$(sed -n '/^\.TH /p' "$page")" "\"sockweb ${VERSION//./\\.}\"" \
		"$(basename "$page") .TH names sockweb $VERSION"
}

# --- sockwebd ---
lint "$MAN_SOCKWEBD"
check_options "$SOCKWEBD" "$MAN_SOCKWEBD"
check_version "$SOCKWEBD" "$MAN_SOCKWEBD"
text=$(render "$MAN_SOCKWEBD")
for s in NAME DESCRIPTION OPTIONS SIGNALS "ACCESS LOG" "EXIT STATUS" FILES \
    EXAMPLES "SEE ALSO"; do
	like "$text" "^$s\$" "sockwebd.8 has a section $s"
done
# Every status in server/response.c's table is explained.
codes=$(sed -n 's/^[[:space:]]*{ \([0-9][0-9][0-9]\), ".*$/\1/p' \
	"$top_srcdir/server/response.c")
ok "$([ -n "$codes" ] && echo 0 || echo 1)" "status table found in server/response.c"
status_text=$(section "$text" HTTP)
missing=""
for c in $codes; do
	printf '%s\n' "$status_text" | grep -Eq "^ +$c( |\$)" || missing="$missing $c"
done
is "${missing# }" "" "sockwebd.8 explains every status sockwebd sends"
for sig in SIGTERM SIGINT SIGHUP SIGCHLD; do
	like "$(section "$text" SIGNALS)" "$sig" "sockwebd.8 SIGNALS covers $sig"
done
like "$(section "$text" "ACCESS LOG")" \
	'127\.0\.0\.1:[0-9]+ - - \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9:]{8} \+0000\] "GET / HTTP/1\.0" 200' \
	"sockwebd.8 shows an access-log line"

# --- sockget ---
if [ -x "$SOCKGET" ]; then
	lint "$MAN_SOCKGET"
	check_options "$SOCKGET" "$MAN_SOCKGET"
	check_version "$SOCKGET" "$MAN_SOCKGET"
	text=$(render "$MAN_SOCKGET")
	# Every exit code named in client/sockget.h is in EXIT STATUS.
	codes=$(sed -n '/^enum sg_exit/,/^}/s/^[[:space:]]*SG_[A-Z_]* = \([0-9]*\),.*$/\1/p' \
		"$top_srcdir/client/sockget.h")
	ok "$([ -n "$codes" ] && echo 0 || echo 1)" "exit codes found in client/sockget.h"
	exit_text=$(section "$text" "EXIT STATUS")
	missing=""
	for c in $codes; do
		printf '%s\n' "$exit_text" | grep -Eq "^ +$c( |\$)" || missing="$missing $c"
	done
	is "${missing# }" "" "sockget.1 explains every exit code of client/sockget.h"
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		like "$text" "^$s\$" "sockget.1 has a section $s"
	done
else
	lint "$MAN_SOCKGET"
	skip "sockget is not built: its options, version and exit codes not checked"
fi

done_testing
