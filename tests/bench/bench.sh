#!/bin/bash
# tests/bench/bench.sh: sockwebd against nginx, lighttpd, h2o and
# mini_httpd, and sockget against curl (one big file, and -Z with 20 URLs
# against curl -Z), side by side on this machine (issues 8, 12 and 13):
# new connections, keep-alive, 10 000 concurrent connections (errors,
# RSS, processes), a big file, and five slow-client attacks of SLOW_COUNT
# connections each with a probe every second.
#
#   make bench          BENCH_MODE=full: 3 rounds, 1 GiB file (< 15 minutes)
#   make bench-quick    BENCH_MODE=quick: 1 short round, 256 MiB file (< 3 minutes)
#
# Environment: SOCKWEBD, SOCKGET (the binaries), BENCH_MODE (full|quick),
# BENCH_ROUNDS (rounds, default 3 full / 1 quick), BENCH_BUDGET (seconds:
# no round is started that would end past it, counting the slow-client
# part after the rounds; 840 full, 150 quick), BENCH_RESULTS (where the
# Markdown report goes; default tests/bench/results.md, or results-quick.md
# for the quick mode), BENCH_KEEP=1 keeps the scratch directory (raw ab/wrk
# output, server logs), BENCH_NO_INSTALL=1 never calls apt-get.
#
# Run as root, it installs what is missing (apache2-utils for ab, wrk,
# nginx, lighttpd, h2o, mini-httpd, curl) with a policy-rc.d that keeps apt from
# starting their services. Every server runs in the foreground on a free
# port of 127.0.0.1, over one document root, without access log; every
# process this script starts is stopped by its pid when it exits, whatever
# happens. Traffic goes to 127.0.0.1 only.
#
# Rounds are interleaved: each test runs every server back to back (order
# rotated each round), so a ratio compares two servers measured under the
# same load from whatever else runs on the machine. report.py computes the
# ratios round by round and reports their median.
# make runs it with $(SHELL), which may be dash: go on in bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${SOCKWEBD:=$top_srcdir/sockwebd}"
: "${SOCKGET:=$top_srcdir/sockget}"
: "${BENCH_MODE:=full}"
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
MEASURE=(python3 "$here/measure.py")
T_START=$(date +%s)

case $BENCH_MODE in
full)
	ROUNDS=${BENCH_ROUNDS:-3}
	N_NEW=20000 N_KA=50000 WRK_SECS=5 BIG_SIZE=1G BIG_LABEL="1 GiB"
	C10K_SECS=10 SLOW_SECS=5 SLOW_COUNT=1000
	E_PAIRS=3	# sockget/curl download pairs per round: >= 5 even if a round is cut
	AB_TIMEOUT=150 DL_TIMEOUT=120 BUDGET=${BENCH_BUDGET:-840}
	: "${BENCH_RESULTS:=$top_srcdir/tests/bench/results.md}"
	;;
quick)
	ROUNDS=${BENCH_ROUNDS:-1}
	N_NEW=3000 N_KA=10000 WRK_SECS=3 BIG_SIZE=256M BIG_LABEL="256 MiB"
	C10K_SECS=2 SLOW_SECS=1 SLOW_COUNT=300
	E_PAIRS=5
	AB_TIMEOUT=40 DL_TIMEOUT=40 BUDGET=${BENCH_BUDGET:-150}
	: "${BENCH_RESULTS:=$top_srcdir/tests/bench/results-quick.md}"
	;;
*)
	echo "bench: BENCH_MODE must be full or quick, not '$BENCH_MODE'" >&2
	exit 2
	;;
esac

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

for bin in "$SOCKWEBD" "$SOCKGET"; do
	[ -x "$bin" ] || die "$bin is not built (run make first)"
done

# --- tools and peers ----------------------------------------------------------

# The Debian package that provides each program.
declare -A PKG=([ab]=apache2-utils [wrk]=wrk [nginx]=nginx [lighttpd]=lighttpd
	[h2o]=h2o [mini_httpd]=mini-httpd [curl]=curl)

install_missing() {
	local prog missing=() wrote_policy=0 saved_policy=""
	for prog in ab wrk nginx lighttpd h2o mini_httpd curl; do
		command -v "$prog" >/dev/null 2>&1 || missing+=("${PKG[$prog]}")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ] || [ "${BENCH_NO_INSTALL:-0}" = 1 ] || ! command -v apt-get >/dev/null; then
		say "missing: ${missing[*]} (run as root on Debian to install them); going on without"
		return 0
	fi
	say "installing ${missing[*]}"
	# policy-rc.d first, so that apt does not start nginx or lighttpd as
	# system services (port 80) while installing them.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		wrote_policy=1
	elif ! grep -qx 'exit 101' /usr/sbin/policy-rc.d; then
		saved_policy=$(mktemp)
		cp -p /usr/sbin/policy-rc.d "$saved_policy"
	fi
	if [ "$wrote_policy" = 1 ] || [ -n "$saved_policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 ||
		{ DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2; } ||
		say "apt-get install failed; going on with what is there"
	if [ -n "$saved_policy" ]; then
		cp -p "$saved_policy" /usr/sbin/policy-rc.d
		rm -f "$saved_policy"
	elif [ "$wrote_policy" = 1 ]; then
		rm -f /usr/sbin/policy-rc.d
	fi
}
install_missing
command -v ab >/dev/null || die "ab (apache2-utils) is required"
command -v curl >/dev/null || die "curl is required"
HAVE_WRK=1
command -v wrk >/dev/null || HAVE_WRK=0

# --- scratch directory, document root, cleanup ---------------------------------

WORK=$(mktemp -d /tmp/sockweb-bench.XXXXXX) || die "mktemp failed"
# World-readable: mini_httpd serves as nobody, sockwebd serves only
# world-readable files.
chmod 755 "$WORK"
ROOT=$WORK/www OUT=$WORK/out RESULTS=$WORK/results.jsonl NOTES=$WORK/notes
mkdir -p "$ROOT" "$OUT"
: >"$RESULTS"
: >"$NOTES"
note() { printf '%s\n' "$*" >>"$NOTES"; say "note: $*"; }

PIDS=()
cleanup() {
	local pid i
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	# Up to 6 s for them to finish (sockwebd lets its children end, 5 s).
	for i in $(seq 60); do
		for pid in "${PIDS[@]}"; do
			kill -0 "$pid" 2>/dev/null && break
			pid=""
		done
		[ -z "$pid" ] && break
		sleep 0.1
	done
	for pid in "${PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		say "kept $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

head -c 1024 /dev/urandom >"$ROOT/1k.bin"
head -c 5242880 /dev/urandom >"$ROOT/5m.bin"	# the slow readers' file
truncate -s "$BIG_SIZE" "$ROOT/big.bin"
head -c 1048576 /dev/urandom >"$ROOT/1m.bin"	# (g): -Z with 20 of these
chmod 644 "$ROOT"/*
chmod 755 "$ROOT"
BIG_BYTES=$(stat -c %s "$ROOT/big.bin")
cat "$ROOT/big.bin" >/dev/null # into the page cache once

# --- servers --------------------------------------------------------------------

. "$here/peers.sh"

# Every process here may hold 10 000 connections (wrk -c10000): the
# descriptor limit as high as the hard limit lets.
ulimit -n "$(ulimit -Hn)" 2>/dev/null
NOFILE=$(ulimit -n)
[ "$NOFILE" = unlimited ] && NOFILE=65536
[ "$NOFILE" -gt 65536 ] && NOFILE=65536
start_sockwebd sockwebd
start_sockwebd sockwebd-prefork --prefork 2
start_nginx
start_lighttpd
start_h2o
start_mini_httpd
[ ${#SERVERS[@]} -gt 0 ] || die "no server started"

# --- (f) a DNS server that delays every answer 200 ms --------------------------

NAMES=(n1.test n2.test n3.test n4.test n5.test n6.test n7.test n8.test)
DNSPORT=""
if ! "$SOCKGET" --help 2>&1 | grep -q -- '--dns-servers'; then
	note "(f) skipped: sockget has no --dns-servers option"
elif [ -z "${PORT[sockwebd]:-}" ]; then
	note "(f) skipped: sockwebd did not start"
else
	dns_args=()
	for n in "${NAMES[@]}"; do
		dns_args+=(--record "$n" A 127.0.0.1 --delay "$n" 0.2)
	done
	python3 "$top_srcdir/tests/helpers/dnsd.py" --address 127.0.0.1 --port 0 \
		"${dns_args[@]}" 2>"$WORK/dnsd.err" &
	PIDS+=("$!")
	for i in $(seq 100); do
		DNSPORT=$(sed -n 's/^dnsd: listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$WORK/dnsd.err" | head -n 1)
		[ -n "$DNSPORT" ] && break
		sleep 0.05
	done
	[ -n "$DNSPORT" ] || note "(f) skipped: dnsd.py did not start"
fi

# --- versions, machine ---------------------------------------------------------

first_line() { "$@" 2>&1 | head -n 1; }
PEERS=()
command -v nginx >/dev/null && PEERS+=("$(first_line nginx -v | sed 's/^nginx version: //')")
command -v lighttpd >/dev/null && PEERS+=("$(first_line lighttpd -v | sed 's/ (ssl)//; s/ - .*//')")
command -v h2o >/dev/null && PEERS+=("$(first_line h2o --version | sed 's/^h2o version /h2o\//')")
command -v mini_httpd >/dev/null && PEERS+=("$(first_line mini_httpd -V | sed 's/ [0-9A-Za-z]*$//')")
TOOLS=("ab $(first_line ab -V | sed -n 's/.*Version \([^ ]*\).*/\1/p')"
	"curl $(first_line curl -V | cut -d' ' -f2)")
[ "$HAVE_WRK" = 1 ] && TOOLS+=("wrk $(first_line wrk -v | cut -d' ' -f2)")
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the rounds -----------------------------------------------------------------

show() {
	tail -n "${1:-1}" "$RESULTS" | sed -E 's/^\{"round": ([0-9]+), "test": "([^"]*)", "server": "([^"]*)", "value": ([^,]*), "fail": ([0-9]+), "note": "([^"]*)"(.*)\}$/  round \1 \2 \3: \4 (failures \5) \6\7/' >&2
}

url() { printf 'http://127.0.0.1:%s/%s' "${PORT[$1]}" "$2"; }

# run_ab ROUND TEST SERVER N C [-k]
run_ab() {
	local round=$1 test=$2 server=$3 n=$4 c=$5 rc
	shift 5
	local out=$OUT/ab.$test.$server.$round
	timeout "$AB_TIMEOUT" ab -q -r "$@" -n "$n" -c "$c" "$(url "$server" 1k.bin)" >"$out" 2>&1
	rc=$?
	"${MEASURE[@]}" ab "$round" "$test" "$server" "$out" "$rc" "$n" >>"$RESULTS"
	show
	sleep 0.2
}

run_wrk() {
	local round=$1 server=$2 rc out=$OUT/wrk.$2.$1
	timeout $((WRK_SECS + 20)) wrk -t1 -c32 -d"${WRK_SECS}s" "$(url "$server" 1k.bin)" >"$out" 2>&1
	rc=$?
	"${MEASURE[@]}" wrk "$round" c_wrk "$server" "$out" "$rc" >>"$RESULTS"
	show
	sleep 0.2
}

# run_c10k ROUND SERVER: wrk -t2 -c10000, the server tree sampled meanwhile.
run_c10k() {
	local round=$1 server=$2
	"${MEASURE[@]}" load "$round" k10 "$server" "${SPID[$server]}" "$OUT/wrk10k.$server.$round" -- \
		timeout $((C10K_SECS + 30)) wrk -t2 -c10000 -d"${C10K_SECS}s" "$(url "$server" 1k.bin)" >>"$RESULTS"
	show 4
	# Let the server settle after closing 10 000 connections.
	sleep 1
}

# run_slow ROUND ATTACK SERVER: SLOW_COUNT connections of one attack of
# tests/helpers/slowclients.py, a normal request every second meanwhile.
run_slow() {
	local round=$1 attack=$2 server=$3 args=(--interval 1)
	case $attack in
	slowread) args=(--path /5m.bin --interval 0.2 --read-bytes 64 --rcvbuf 1024) ;;
	idle) args=() ;;
	esac
	"${MEASURE[@]}" slow "$round" "$attack" "$server" "$(url "$server" 1k.bin)" "$SLOW_SECS" \
		"$WORK/slow.ready" -- python3 "$top_srcdir/tests/helpers/slowclients.py" \
		--port "${PORT[$server]}" --attack "$attack" --count "$SLOW_COUNT" --batch 128 \
		--max-time $((SLOW_SECS + 40)) --ready-within 15 --ready-file "$WORK/slow.ready" \
		"${args[@]}" >>"$RESULTS"
	show
	sleep 0.5
}

run_download() {
	local round=$1 server=$2
	"${MEASURE[@]}" download "$round" "$server" "${SPID[$server]}" "$BIG_BYTES" -- \
		timeout "$DL_TIMEOUT" curl -s -o /dev/null -w '%{size_download} %{http_code}' \
		"$(url "$server" big.bin)" >>"$RESULTS"
	show 3
	sleep 0.2
}

run_client() {
	local round=$1 client=$2 cmd
	if [ "$client" = sockget ]; then
		cmd=("$SOCKGET" -s -o /dev/null -w '%{size_download} %{http_code}')
	else
		cmd=(curl -s -o /dev/null -w '%{size_download} %{http_code}')
	fi
	"${MEASURE[@]}" fetch "$round" e "$client" "$BIG_BYTES" -- \
		timeout "$DL_TIMEOUT" "${cmd[@]}" "$(url sockwebd big.bin)" >>"$RESULTS"
	show
	sleep 0.2
}

# (g) 20 URLs of 1 MiB at once: sockget -Z against curl -Z, to SERVER.
run_parallel() {
	local round=$1 client=$2 server=$3 urls=() i
	for ((i = 0; i < 20; i++)); do
		urls+=(-o /dev/null "$(url "$server" 1m.bin)?n=$i")
	done
	if [ "$client" = sockget ]; then
		"${MEASURE[@]}" timeit "$round" "g_$server" sockget -- timeout 60 \
			"$SOCKGET" -Z -s -S -f "${urls[@]}" >>"$RESULTS"
	else
		"${MEASURE[@]}" timeit "$round" "g_$server" curl -- timeout 60 \
			curl -Z -s -S -f "${urls[@]}" >>"$RESULTS"
	fi
	show
	sleep 0.2
}

run_names() {
	local round=$1 count=$2 urls=() i label="1 name"
	[ "$count" -gt 1 ] && label="$count names"
	for ((i = 0; i < count; i++)); do
		urls+=("http://${NAMES[$i]}:${PORT[sockwebd]}/1k.bin")
	done
	"${MEASURE[@]}" timeit "$round" f "$label" -- timeout 20 \
		"$SOCKGET" -s -S -f --dns-servers "127.0.0.1:$DNSPORT" "${urls[@]}" >>"$RESULTS"
	show
}

say "warming up"
for s in "${SERVERS[@]}"; do
	timeout 30 ab -q -r -n 1000 -c 8 "$(url "$s" 1k.bin)" >/dev/null 2>&1
done

# The slow-client part after the rounds: each attack against each
# event-driven server (and fork mode), SLOW_SECS probes and a few seconds
# to connect and to stop.
SLOW_SERVERS=()
for s in sockwebd sockwebd-prefork nginx lighttpd h2o; do
	[ -n "${PORT[$s]:-}" ] && SLOW_SERVERS+=("$s")
done
SLOW_ATTACKS=(slowloris slowbody slowread idle trickle)
SLOW_EST=$((${#SLOW_SERVERS[@]} * ${#SLOW_ATTACKS[@]} * (SLOW_SECS + 3)))

T_ROUNDS=$(date +%s)
for ((round = 1; round <= ROUNDS; round++)); do
	# Keep within the time budget (seconds, BENCH_BUDGET): no round that
	# would end past it, judging by the rounds so far, with the slow-client
	# part still to come.
	if [ "$round" -gt 1 ]; then
		now=$(date +%s)
		per_round=$(((now - T_ROUNDS) / (round - 1)))
		if [ $((now + per_round + SLOW_EST - T_START)) -gt "$BUDGET" ]; then
			note "stopped after $((round - 1)) of $ROUNDS rounds: one more ($per_round s) would pass the ${BUDGET} s budget"
			ROUNDS=$((round - 1))
			break
		fi
	fi
	# This round's order: the server list rotated by round - 1.
	k=$(((round - 1) % ${#SERVERS[@]}))
	order=("${SERVERS[@]:k}" "${SERVERS[@]:0:k}")
	say "round $round/$ROUNDS: ${order[*]}"
	for s in "${order[@]}"; do run_ab "$round" a "$s" "$N_NEW" 32; done
	for s in "${order[@]}"; do run_ab "$round" b "$s" "$N_NEW" 256; done
	# mini_httpd has no keep-alive and is no event-driven server: not in
	# the keep-alive or the 10 000-connection rows.
	ka=()
	for s in "${order[@]}"; do [ "$s" = mini_httpd ] || ka+=("$s"); done
	for s in "${ka[@]}"; do run_ab "$round" c_ab "$s" "$N_KA" 32 -k; done
	if [ "$HAVE_WRK" = 1 ]; then
		for s in "${ka[@]}"; do run_wrk "$round" "$s"; done
		for s in "${ka[@]}"; do run_c10k "$round" "$s"; done
	fi
	for s in "${order[@]}"; do run_download "$round" "$s"; done
	if [ -n "${PORT[sockwebd]:-}" ]; then
		# E_PAIRS pairs, the order alternating from pair to pair
		for ((p = 0; p < E_PAIRS; p++)); do
			if (((round + p) % 2)); then clients=(sockget curl); else clients=(curl sockget); fi
			for c in "${clients[@]}"; do run_client "$round" "$c"; done
		done
	fi
	for s in sockwebd nginx; do
		[ -n "${PORT[$s]:-}" ] || continue
		if ((round % 2)); then clients=(sockget curl); else clients=(curl sockget); fi
		for i in 1 2; do
			for c in "${clients[@]}"; do run_parallel "$round" "$c" "$s"; done
		done
	done
	if [ -n "$DNSPORT" ]; then
		for i in 1 2 3; do
			run_names "$round" 1
			run_names "$round" 8
		done
	fi
done

# --- slow clients: SLOW_COUNT connections of each attack, a probe a second ------

say "slow clients: ${SLOW_ATTACKS[*]} x ${SLOW_SERVERS[*]} (about $SLOW_EST s)"
for attack in "${SLOW_ATTACKS[@]}"; do
	for s in "${SLOW_SERVERS[@]}"; do run_slow 1 "$attack" "$s"; done
done

# --- the report -------------------------------------------------------------------

[ "$HAVE_WRK" = 1 ] || note "wrk is not installed: no wrk row"
note "requests for a 1 KiB file; the big file is $BIG_LABEL (sparse, in the page cache); MB = 10^6 bytes"
note "sockwebd: \`-q -c 512\` (fork per connection) and \`--prefork 2 -c 512\`; nginx: worker_processes auto, worker_connections $((NOFILE / 2)), sendfile on, tcp_nopush on; lighttpd: linux-sysepoll, max-fds $NOFILE; h2o: 2 threads, file.dir, max-connections $((NOFILE / 2)); mini_httpd: -D (fork per connection); descriptor limit $NOFILE"
note "keep-alive and 10 000-connection rows leave mini_httpd out (no keep-alive, a process per connection); \`wrk -t2 -c10000 -d${C10K_SECS}s\`: errors are wrk's socket errors (connect, read, write, time-out) + non-2xx/3xx, RSS and processes sampled every 100 ms"
note "slow clients: $SLOW_COUNT connections of one attack at a time (tests/helpers/slowclients.py), $SLOW_SECS probes (curl, 1 KiB) a second apart once they are all in the attack; a probe fails unless it is 200 within 1 s"
note "(e) runs $E_PAIRS sockget/curl pairs per round, the order alternating; its ratio is the median of the pairs' ratios"
note "(g) runs sockget -Z and curl -Z (20 URLs of 1 MiB each, \`-o /dev/null\`) twice per round to each server, alternating"
note "ab runs with -q -r (a receive error counts as a failed request instead of stopping ab); (e) and (f) go to the default sockwebd; (f) runs 3 times per round"
note "the machine is shared (other tests run at the same time): absolute numbers are noisy, the per-round ratios less so"
note "wall time of the whole benchmark: $(($(date +%s) - T_START)) s"

SOCKWEB_VERSION=$("$SOCKWEBD" -V 2>&1 | head -n 1 | awk '{print $NF}')
GIT=$(git -C "$top_srcdir" describe --always --dirty 2>/dev/null || echo unknown)
export BENCH_MODE ROUNDS LOAD_START SOCKWEB_VERSION GIT
python3 - "$WORK/meta.json" "$NOTES" "${#PEERS[@]}" "${PEERS[@]}" "${TOOLS[@]}" <<'EOF'
import json, os, platform, sys, time
path, notes, npeers = sys.argv[1], sys.argv[2], int(sys.argv[3])
rest = sys.argv[4:]
cpu = "?"
with open("/proc/cpuinfo") as f:
    for line in f:
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
with open("/proc/loadavg") as f:
    load_end = " ".join(f.read().split()[:3])
meta = {
    "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    "mode": os.environ["BENCH_MODE"], "rounds": os.environ["ROUNDS"],
    "nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
    "load_start": os.environ["LOAD_START"], "load_end": load_end,
    "sockweb_version": os.environ["SOCKWEB_VERSION"], "git": os.environ["GIT"],
    "peers": rest[:npeers], "tools": rest[npeers:],
    "notes": [l.rstrip("\n") for l in open(notes) if l.strip()],
}
json.dump(meta, open(path, "w"), indent=1)
EOF
mkdir -p "$(dirname "$BENCH_RESULTS")"
python3 "$here/report.py" "$RESULTS" "$WORK/meta.json" "$BENCH_RESULTS" || die "report.py failed"
say "report written to $BENCH_RESULTS"
