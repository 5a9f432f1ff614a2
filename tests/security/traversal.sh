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

# One python process sends the whole corpus (tests/helpers/corpus.py) and
# prints a verdict per target; the shell turns each into a TAP line.
count=0
while IFS=$'\t' read -r verdict target status note; do
	count=$((count + 1))
	is "$verdict" ok "$target -> $status"
	[ -n "$note" ] && diag "  $note"
done < <(python3 "$top_srcdir/tests/helpers/corpus.py" --port "$PORT" \
	--timeout "$TIMEOUT" --targets "$TARGETS" --marker "$SECRET" \
	--marker "$DOTSECRET" </dev/null)

diag "targets tested: $count"
ok "$([ "$count" -ge 60 ]; echo $?)" "the corpus has at least 60 targets ($count)"

kill -0 "$SERVER_PID" 2>/dev/null
ok $? "the server survived the corpus"
out=$(python3 "$RAWREQ" --port "$PORT" --timeout "$TIMEOUT" \
	--data 'GET /hello.txt HTTP/1.0\r\n\r\n')
like "$out" '^HTTP/1\.[01] 200 ' "and still serves /hello.txt"
unlike "$(cat "$ACCESS_LOG" 2>/dev/null)" "$SECRET|$DOTSECRET" "no marker in the access log"

stop_sockwebd
is "$SERVER_STATUS" 0 "SIGTERM: exit 0"

done_testing
