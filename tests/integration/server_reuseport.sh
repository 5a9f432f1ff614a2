#!/usr/bin/env bash
# Several sockwebd instances on one port with --reuseport: both start and
# the kernel spreads the connections over them (each instance logs what it
# served); without the option another instance cannot bind.
. "$top_srcdir/tests/lib.sh"

make_test_root
ACCESS_LOG="$TEST_DIR/first.log"
start_sockwebd --reuseport || bail_out "first instance did not start"
port=$PORT

second_err="$TEST_DIR/second.err"
"$SOCKWEBD" -p "$port" -l 127.0.0.1 -r "$TEST_DIR/www" --reuseport \
	-L "$TEST_DIR/second.log" 2>"$second_err" &
second_pid=$!
track_pid "$second_pid"
wait_for_line "$second_err" "listening on 127\\.0\\.0\\.1:$port\$" 10
ok $? "--reuseport: a second instance listens on the same port $port"

answered=0
for i in $(seq 1 40); do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$BASE/hello.txt")
	[ "$code" = 200 ] && answered=$((answered + 1))
done
is "$answered" 40 "--reuseport: 40 of 40 requests answered 200"
logged() {
	first=$(grep -c 'GET /hello.txt' "$TEST_DIR/first.log")
	second=$(grep -c 'GET /hello.txt' "$TEST_DIR/second.log")
	[ "$((first + second))" -ge 40 ]
}
poll 3 logged
is "$((first + second))" 40 "every request is in one instance's log ($first + $second)"
ok "$([ "$first" -gt 0 ] && [ "$second" -gt 0 ]; echo $?)" \
	"the kernel spread the connections over both instances"

"$SOCKWEBD" -p "$port" -l 127.0.0.1 -r "$TEST_DIR/www" -q 2>"$TEST_DIR/third.err"
is "$?" 1 "without --reuseport another instance cannot bind: exit 1"
like "$(cat "$TEST_DIR/third.err")" "bind 127\\.0\\.0\\.1:$port: Address already in use" \
	"the bind error names the address"

stop_pid "$second_pid"
is "$STOP_STATUS" 0 "the second instance exits 0 on SIGTERM"
stop_sockwebd
is "$SERVER_STATUS" 0 "the first instance exits 0 on SIGTERM"

done_testing
