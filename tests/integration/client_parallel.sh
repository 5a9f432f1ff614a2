#!/bin/bash
# client_parallel.sh: sockget -Z / --parallel-max (issue 13). Every
# transfer in one event loop over one c-ares channel and non-blocking
# sockets: ten URLs that each take 1 s (tests/helpers/badhttpd.py /delay)
# take about 1 s, each from its own ephemeral port; output files grow as
# data arrives; a silent DNS name holds up no one else; the exit status is
# curl's (checked against curl -Z where it is installed).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/client_lib.sh"

[ -x "$SOCKGET" ] || skip_all "sockget not built"
command -v python3 >/dev/null || skip_all "python3 not found"
CURL=$(command -v curl || true)

start_badhttpd P
start_badhttpd Q
B="http://127.0.0.1:$P"
C="http://127.0.0.1:$Q"
BAD_ERR="$TEST_DIR/badhttpd.P.err"

ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# Ten URLs, each answered after 1 s: about 1 s in all, not 10.
args=()
for i in $(seq 10); do args+=(-o "$TEST_DIR/d$i" "$B/delay?s=1&n=$i"); done
t0=$(date +%s%N)
"$SOCKGET" -Z -sS -w '%{local_port}\n' "${args[@]}" >"$TEST_DIR/ports" 2>"$TEST_DIR/z.err"
rc=$?
ms=$(ms_since "$t0")
is "$rc" 0 "-Z, ten 1-second URLs: exit 0"
[ "$ms" -ge 900 ] && [ "$ms" -lt "$(scaled_ms 2500)" ]
ok $? "-Z: ten 1-second URLs took about 1 s ($ms ms, bound $(scaled_ms 2500))"
n=0
for i in $(seq 10); do [ "$(cat "$TEST_DIR/d$i" 2>/dev/null)" = ok ] && n=$((n + 1)); done
is "$n" 10 "-Z: every output file has its body"
is "$(sort -u "$TEST_DIR/ports" | wc -l | tr -d ' ')" 10 "-Z: ten different ephemeral ports"
seen=$(grep 'GET /delay?s=1&n=' "$BAD_ERR" | sed 's/.*from 127\.0\.0\.1:\([0-9]*\)$/\1/' | sort -u)
is "$seen" "$(sort -u "$TEST_DIR/ports")" "-Z: the server saw those same ports"

# Without -Z the same URLs go one after the other.
t0=$(date +%s%N)
"$SOCKGET" -sS -o /dev/null -o /dev/null -o /dev/null "$B/delay?s=0.5" "$B/delay?s=0.5" \
	"$B/delay?s=0.5"
ms=$(ms_since "$t0")
[ "$ms" -ge 1400 ]
ok $? "without -Z, three 0.5 s URLs take 1.5 s at least ($ms ms)"

# --parallel-max 2: four 1-second URLs in two rounds.
t0=$(date +%s%N)
"$SOCKGET" -Z --parallel-max 2 -sS $(for i in 1 2 3 4; do echo "-o /dev/null $B/delay?s=1&m=$i"; done)
rc=$?
ms=$(ms_since "$t0")
is "$rc" 0 "--parallel-max 2: exit 0"
[ "$ms" -ge 1900 ] && [ "$ms" -lt "$(scaled_ms 3500)" ]
ok $? "--parallel-max 2: four 1-second URLs in about 2 s ($ms ms, bound $(scaled_ms 3500))"
"$SOCKGET" -Z --parallel-max 0 "$B/ok" 2>/dev/null
is "$?" 2 "--parallel-max 0 is a usage error"

# Output is written as it arrives: a body dripping one byte each 0.3 s.
"$SOCKGET" -Z -sS -o "$TEST_DIR/drip" -o /dev/null "$B/drip?n=8&interval=0.3" "$B/ok" &
pid=$!
track_pid "$pid"
# The first byte comes after 0.3 s, the last after 2.4 s.
poll 2 test -s "$TEST_DIR/drip"
mid=$(wc -c <"$TEST_DIR/drip" 2>/dev/null | tr -d ' ')
wait "$pid"
is "$?" 0 "-Z drip: exit 0"
[ "${mid:-0}" -ge 1 ] && [ "${mid:-0}" -lt 8 ]
ok $? "-Z: the file grew while the transfer ran (${mid:-0} of 8 bytes once it was not empty)"
is "$(cat "$TEST_DIR/drip")" "dddddddd" "-Z drip: the whole body in the end"

# Exit status as curl -Z: the last transfer to fail decides, in the order
# they finish (not the command line's). The cases use two servers: curl
# 7.88 -Z holds a second transfer to the same host until the first is
# done (to reuse its connection), which would change its order.
free_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
zcase() {	# zcase WANT DESC [-L] URL...
	local want=$1 desc=$2 i urls=()
	shift 2
	for i in "$@"; do
		case "$i" in -*) urls+=("$i") ;; *) urls+=(-o /dev/null "$i") ;; esac
	done
	"$SOCKGET" -Z -s -f "${urls[@]}"
	is "$?" "$want" "-Z $desc: exit $want"
	if [ -n "$CURL" ]; then
		"$CURL" -Z -s -f "${urls[@]}" 2>/dev/null
		is "$?" "$want" "curl -Z $desc: exit $want too"
	fi
}
zcase 7 "slow ok, refused" "$B/delay?s=0.5" "http://127.0.0.1:$free_port/"
zcase 18 "-L slow 18 first, quick 404 second" -L "$B/delay?s=0.5&to=/short-body" "$C/notfound"
zcase 22 "-L slow 404 first, quick 18 second" -L "$B/delay?s=0.5&to=/notfound" "$C/short-body"
zcase 0 "all fine" "$B/ok" "$C/delay?s=0.2"

# On a terminal (script(1) gives one), -Z draws one line for all transfers.
if command -v script >/dev/null; then
	script -qfec "'$SOCKGET' -Z -o '$TEST_DIR/t1' -o '$TEST_DIR/t2' '$B/delay?s=0.5' '$C/ok'" \
		/dev/null >"$TEST_DIR/tty.out" </dev/null
	ok $? "-Z with stderr on a terminal"
	like "$(tr '\r' '\n' <"$TEST_DIR/tty.out")" 'Xfers 2/2 done, 0 live' "-Z: the progress line counts the transfers"
fi

# One c-ares channel for all; a silent name holds up nobody else.
DNS_ERR="$TEST_DIR/dnsd.err"
python3 "$top_srcdir/tests/helpers/dnsd.py" --port 0 \
	--record a.par.test A 127.0.0.1 --record b.par.test A 127.0.0.1 \
	--drop silent.par.test 2>"$DNS_ERR" &
track_pid $!
wait_for_line "$DNS_ERR" 'listening on ' 10 || bail_out "dnsd did not start"
DP=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$DNS_ERR" | head -n 1)
"$SOCKGET" -Z -sS -v -m 3 --dns-servers "127.0.0.1:$DP" -w '%{url_effective} %{exitcode} %{time_total}\n' \
	-o /dev/null -o /dev/null -o /dev/null "http://silent.par.test:$P/ok" \
	"http://a.par.test:$P/delay?s=0.3" "http://b.par.test:$P/ok" \
	>"$TEST_DIR/dns.out" 2>"$TEST_DIR/dns.err"
is "$?" 28 "-Z with a silent name: its -m 3 gives 28"
awk -v max="$(scaled 1.5)" '$1 ~ /a\.par|b\.par/ && $2 == 0 && $3 < max { n++ } END { exit n != 2 }' "$TEST_DIR/dns.out"
ok $? "the other two finished on their own time: $(tr '\n' ';' <"$TEST_DIR/dns.out")"
is "$(grep -c 'resolver: DNS server' "$TEST_DIR/dns.err")" 1 "-v: one resolver channel"

done_testing
