#!/usr/bin/env bash
# tests/security/fs_faults.sh: file-system faults (issue 7). A file removed
# while it is being sent (the download completes: the open descriptor
# keeps the data, as in every Unix server), a file
# truncated while it is being sent (a short body, curl exit 18, never a
# hang), a file without world-read permission (403), and an access log on
# a full disk (-L /dev/full: requests still get 200, and one warning on
# stderr, not one per request). After each, the server keeps serving.
. "$top_srcdir/tests/lib.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl not installed"
[ -w /dev/full ] || skip_all "no /dev/full"

BIG=$((200 * 1024 * 1024))
make_test_root
W="$TEST_DIR/www"

start_sockwebd -t 5 || bail_out "sockwebd did not start"


# slow_download NAME RATE: start curl on /NAME at RATE in the background;
# it writes "CODE BYTES SECONDS" and then its exit status to $TEST_DIR/NAME.out.
slow_download() {
	(
		curl -s -o /dev/null -m 30 --limit-rate "$2" \
			-w '%{http_code} %{size_download} %{time_total}\n' "$BASE/$1"
		echo "exit=$?"
	) >"$TEST_DIR/$1.out" 2>&1 &
	DL_PID=$!
	track_pid "$DL_PID"
}

# --- a file removed while it is being sent ----------------------------------
truncate -s "$BIG" "$W/removed.bin"
slow_download removed.bin 50M
sleep 1
rm -f "$W/removed.bin"
wait "$DL_PID"
diag "removed while sent: $(tr '\n' ' ' <"$TEST_DIR/removed.bin.out")"
read -r code bytes secs <<<"$(head -n 1 "$TEST_DIR/removed.bin.out")"
ex=$(sed -n 's/^exit=//p' "$TEST_DIR/removed.bin.out")
is "$code" 200 "a file removed while being sent: the response had started with 200"
is "$ex $bytes" "0 $BIG" "... the download completes: the open file outlives its name (${secs} s)"
code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$BASE/removed.bin" || true)
is "$code" 404 "the removed file is now 404"
wait_children 0 5
ok $? "no child left behind"
still_serving "a file removed while being sent"

# --- a file truncated while it is being sent ---------------------------------
truncate -s "$BIG" "$W/truncated.bin"
slow_download truncated.bin 20M
sleep 1
truncate -s 1K "$W/truncated.bin"
wait "$DL_PID"
diag "truncated while sent: $(tr '\n' ' ' <"$TEST_DIR/truncated.bin.out")"
read -r code bytes secs <<<"$(head -n 1 "$TEST_DIR/truncated.bin.out")"
ex=$(sed -n 's/^exit=//p' "$TEST_DIR/truncated.bin.out")
is "$code" 200 "a file truncated while being sent: the response had started with 200"
is "$ex" 18 "... the client gets a short body: curl exit 18 (partial file)"
ok "$( [ "${bytes:-0}" -lt "$BIG" ]; echo $?)" "... $bytes of $BIG bytes"
ok "$(within "${secs:-99}" 10; echo $?)" \
	"... and no hang: over in ${secs} s (a full download would take 10 s)"
wait_children 0 5
ok $? "no child left behind"
still_serving "a file truncated while being sent"

# --- a file without world-read permission: 403 -------------------------------
printf 'private\n' >"$W/private.txt"
chmod 600 "$W/private.txt"
code=$(curl -s -o "$TEST_DIR/private.body" -m 5 -w '%{http_code}' "$BASE/private.txt" || true)
is "$code" 403 "a file with mode 600: 403"
unlike "$(cat "$TEST_DIR/private.body")" '^private$' "... and its content is not sent"
code=$(curl -s -o /dev/null -I -m 5 -w '%{http_code}' "$BASE/private.txt" || true)
is "$code" 403 "... HEAD too: 403"
still_serving "a file without read permission"

kill -0 "$SERVER_PID" 2>/dev/null
ok $? "sockwebd is still running"
is "$(zombies)" 0 "no zombies"
stop_sockwebd
is "$SERVER_STATUS" 0 "SIGTERM: sockwebd exits 0"

# --- the access log on a full disk -------------------------------------------
start_sockwebd -L /dev/full || bail_out "sockwebd -L /dev/full did not start"
all200=0
for i in $(seq 1 20); do
	code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$BASE/hello.txt" || true)
	[ "$code" = 200 ] || { all200=1; diag "request $i: $code"; }
done
ok "$all200" "-L /dev/full: 20 requests, all 200"
kill -HUP "$SERVER_PID"
sleep 0.2
code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$BASE/hello.txt" || true)
is "$code" 200 "... after SIGHUP (log reopen) still 200"
kill -0 "$SERVER_PID" 2>/dev/null
ok $? "... sockwebd is still running"
# 21 failed writes, one warning: the server warns at most once a minute.
is "$(grep -c 'access log' "$SERVER_ERR")" 1 "-L /dev/full: one warning for 21 failed log writes"
like "$(cat "$SERVER_ERR")" '^sockwebd: write access log: No space left on device$' \
	"... saying which call failed and why"
stop_sockwebd
is "$SERVER_STATUS" 0 "SIGTERM: sockwebd exits 0"

done_testing
