#!/usr/bin/env bash
# tests/security/traversal.sh: the traversal corpus (issue 7). Every target
# in traversal-targets.txt goes to sockwebd as a raw `GET <target> HTTP/1.0`
# request; each must get a proper 4xx in bounded time, and neither the
# marker in a file beside the root nor the one in a dotfile inside it may
# show up in any response.
. "$top_srcdir/tests/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"

RAWREQ="$top_srcdir/tests/helpers/rawreq.py"
TARGETS="$top_srcdir/tests/security/traversal-targets.txt"
TIMEOUT=5

# --- the root, and what lies around it ---------------------------------------

make_test_root
W="$TEST_DIR/www"
OUT="$TEST_DIR/outside"
mkdir -p "$OUT" "$W/.dotdir" "$W/loopdir"
SECRET="outside-marker-$$-$RANDOM$RANDOM"
DOTSECRET="dotfile-marker-$$-$RANDOM$RANDOM"
printf '%s\n' "$SECRET" >"$OUT/secret.txt"
printf '%s\n' "$DOTSECRET" >"$W/.secret"
printf '%s\n' "$DOTSECRET" >"$W/.dotdir/file.txt"
ln -s ../outside/secret.txt "$W/escape.txt"
ln -s "$OUT/secret.txt" "$W/abs-escape.txt"
ln -s ../outside "$W/outdir"
ln -s / "$W/rootlink"
ln -s .secret "$W/dotlink"
ln -s .dotdir "$W/dotdirlink"
ln -s loop "$W/loop"
ln -s loopb "$W/loopa"
ln -s loopa "$W/loopb"
ln -s .. "$W/loopdir/up"

start_sockwebd || bail_out "sockwebd did not start"

# expand LINE: a corpus line with {REPEAT:N:TEXT} expanded.
expand() {
	python3 -c 'import re, sys
print(re.sub(r"\{REPEAT:(\d+):([^}]*)\}",
             lambda m: m.group(2) * int(m.group(1)), sys.argv[1]))' "$1" </dev/null
}

# show TARGET: a short, TAP-safe form of a target for a test name.
show() {
	local t=$1
	[ "${#t}" -gt 70 ] && t="${t:0:60}...(${#1} chars)"
	t=${t//#/%23}
	printf '%s' "$t"
}

count=0
resp="$TEST_DIR/response"
while IFS= read -r line || [ -n "$line" ]; do
	case "$line" in '' | '#'*) continue ;; esac
	target=$line
	case "$line" in *'{REPEAT:'*) target=$(expand "$line") ;; esac
	count=$((count + 1))
	python3 "$RAWREQ" --port "$PORT" --timeout "$TIMEOUT" \
		--data "GET $target HTTP/1.0\\r\\n\\r\\n" </dev/null >"$resp" 2>"$resp.err"
	rc=$?
	status=$(head -n 1 "$resp" | tr -d '\r' | cut -d' ' -f2)
	why=""
	if [ "$rc" = 3 ]; then
		why="no answer within $TIMEOUT s"
	elif [ "$rc" != 0 ] && [ "$rc" != 4 ]; then
		why="rawreq failed ($rc): $(tail -n 1 "$resp.err")"
	elif ! head -n 1 "$resp" | grep -aEq '^HTTP/1\.[01] 4[0-9][0-9] '; then
		why="status line: $(head -n 1 "$resp" | tr -d '\r' | head -c 80)"
	elif grep -aqF -e "$SECRET" -e "$DOTSECRET" "$resp"; then
		why="a marker leaked"
	fi
	[ "$rc" = 4 ] && diag "$(show "$line"): connection reset after the response"
	ok "$([ -z "$why" ]; echo $?)" "$(show "$line") -> ${status:-none}"
	[ -n "$why" ] && diag "  $why"
done <"$TARGETS"

diag "targets tested: $count"
ok "$([ "$count" -ge 60 ]; echo $?)" "the corpus has at least 60 targets ($count)"

kill -0 "$SERVER_PID" 2>/dev/null
ok $? "the server survived the corpus"
out=$(python3 "$RAWREQ" --port "$PORT" --timeout "$TIMEOUT" \
	--data 'GET /hello.txt HTTP/1.0\r\n\r\n')
like "$out" '^HTTP/1\.[01] 200 ' "and still serves /hello.txt"
unlike "$(cat "$ACCESS_LOG" 2>/dev/null)" "$SECRET|$DOTSECRET" "no marker in the access log"

# SIGTERM, bounded: SIGKILL after 10 s.
kill -TERM "$SERVER_PID"
tries=100
while [ "$tries" -gt 0 ] && kill -0 "$SERVER_PID" 2>/dev/null; do
	case "$(ps -o stat= -p "$SERVER_PID" 2>/dev/null)" in Z*) break ;; esac
	sleep 0.1
	tries=$((tries - 1))
done
[ "$tries" -eq 0 ] && kill -KILL "$SERVER_PID"
wait "$SERVER_PID"
is "$?" 0 "SIGTERM: exit 0"

done_testing
