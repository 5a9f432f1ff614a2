#!/bin/bash
# helpers_selftest.sh: checks the test helpers themselves (tests/helpers/
# dnsd.py and badhttpd.py), so a failing client test points at the client,
# not at its fake DNS or its fake bad web server.
# Loopback only; every process started here is tracked and stopped by pid.
. "$top_srcdir/tests/lib.sh"

HELPERS="$top_srcdir/tests/helpers"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"

# --- a tiny stdlib DNS client, independent of dnsd.py's own packet code ----
DNSQ="$TEST_DIR/dnsq.py"
cat >"$DNSQ" <<'EOF'
"""dnsq.py --port P [--tcp] [--timeout S] [--raw HEX] NAME TYPE
Prints "RCODE [TC] TYPE:VALUE..." or "TIMEOUT"; elapsed seconds on stderr."""
import argparse, random, socket, struct, sys, time
T = {"A": 1, "CNAME": 5, "AAAA": 28}
R = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED"}
ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--tcp", action="store_true")
ap.add_argument("--timeout", type=float, default=5.0)
ap.add_argument("--raw")
ap.add_argument("name", nargs="?")
ap.add_argument("type", nargs="?", default="A")
a = ap.parse_args()

def name(p, o):
    out, end = [], None
    for _ in range(64):
        n = p[o]
        if n >= 0xC0:
            end = o + 2 if end is None else end
            o = ((n & 0x3F) << 8) | p[o + 1]
        elif n == 0:
            return ".".join(out), (o + 1 if end is None else end)
        else:
            out.append(p[o + 1:o + 1 + n].decode()); o += 1 + n
    raise ValueError("loop")

if a.raw:
    q = bytes.fromhex(a.raw)
else:
    qname = b"".join(bytes([len(l)]) + l.encode() for l in a.name.strip(".").split(".")) + b"\0"
    q = struct.pack("!6H", random.randrange(65536), 0x0100, 1, 0, 0, 0) + qname + struct.pack("!HH", T[a.type], 1)
start = time.monotonic()
try:
    if a.tcp:
        s = socket.create_connection(("127.0.0.1", a.port), timeout=a.timeout)
        s.sendall(struct.pack("!H", len(q)) + q)
        buf = b""
        while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
            c = s.recv(4096)
            if not c: raise socket.timeout
            buf += c
        p = buf[2:]
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(a.timeout)
        s.sendto(q, ("127.0.0.1", a.port))
        while True:
            p = s.recv(65535)
            if p[:2] == q[:2]: break
except socket.timeout:
    print("TIMEOUT"); sys.stderr.write("%.3f\n" % (time.monotonic() - start)); sys.exit(0)
sys.stderr.write("%.3f\n" % (time.monotonic() - start))
_, flags, qd, an, _, _ = struct.unpack("!6H", p[:12])
words = [R.get(flags & 0xF, str(flags & 0xF))] + (["TC"] if flags & 0x0200 else [])
o = 12
for _ in range(qd):
    _, o = name(p, o); o += 4
for _ in range(an):
    _, o = name(p, o)
    t, _, _, ln = struct.unpack("!HHIH", p[o:o + 10]); o += 10
    rd = p[o:o + ln]
    if t == 1: words.append("A:" + socket.inet_ntop(socket.AF_INET, rd))
    elif t == 28: words.append("AAAA:" + socket.inet_ntop(socket.AF_INET6, rd))
    elif t == 5: words.append("CNAME:" + name(p, o)[0])
    o += ln
print(" ".join(words))
EOF

dnsq() { python3 "$DNSQ" --port "$DNS_PORT" "$@" 2>/dev/null; }

# --- dnsd ---------------------------------------------------------------------
DNS_ERR="$TEST_DIR/dnsd.err"
python3 "$HELPERS/dnsd.py" --address 127.0.0.1 --port 0 --ttl 5 \
	--record www.sockweb.test A 192.0.2.10 \
	--record www.sockweb.test A 192.0.2.11 \
	--record www.sockweb.test AAAA 2001:db8::10 \
	--record v4only.sockweb.test. A 192.0.2.20 \
	--record alias.sockweb.test CNAME www.sockweb.test \
	--record slow.sockweb.test A 192.0.2.30 --delay slow.sockweb.test 1 \
	--record gone.sockweb.test A 192.0.2.40 --nxdomain gone.sockweb.test \
	--servfail broken.sockweb.test --drop silent.sockweb.test \
	--record big.sockweb.test A 192.0.2.50 --truncate big.sockweb.test \
	--log "$TEST_DIR/dnsd.log" 2>"$DNS_ERR" &
DNS_PID=$!
track_pid "$DNS_PID"
wait_for_line "$DNS_ERR" '^dnsd: listening on 127\.0\.0\.1:[0-9]+$' 10
ok $? "dnsd prints its listening line"
DNS_PORT=$(sed -n 's/^dnsd: listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$DNS_ERR")
[ -n "$DNS_PORT" ] || bail_out "dnsd did not start: $(cat "$DNS_ERR")"

is "$(dnsq www.sockweb.test A)" "NOERROR A:192.0.2.10 A:192.0.2.11" "dnsd: A records"
is "$(dnsq www.sockweb.test AAAA)" "NOERROR AAAA:2001:db8::10" "dnsd: AAAA record"
is "$(dnsq WWW.Sockweb.TEST. A)" "NOERROR A:192.0.2.10 A:192.0.2.11" \
	"dnsd: names are case-insensitive, trailing dot optional"
is "$(dnsq nosuch.sockweb.test A)" "NXDOMAIN" "dnsd: unknown name is NXDOMAIN"
is "$(dnsq v4only.sockweb.test AAAA)" "NOERROR" "dnsd: known name, missing type is NODATA"
is "$(dnsq alias.sockweb.test A)" \
	"NOERROR CNAME:www.sockweb.test A:192.0.2.10 A:192.0.2.11" "dnsd: CNAME is followed"
is "$(dnsq gone.sockweb.test A)" "NXDOMAIN" "dnsd: --nxdomain wins over records"
is "$(dnsq broken.sockweb.test A)" "SERVFAIL" "dnsd: --servfail"
is "$(dnsq --timeout 1 silent.sockweb.test A)" "TIMEOUT" "dnsd: --drop never answers"
is "$(dnsq --tcp www.sockweb.test A)" "NOERROR A:192.0.2.10 A:192.0.2.11" "dnsd: answers over TCP"
is "$(dnsq big.sockweb.test A)" "NOERROR TC" "dnsd: --truncate sets TC over UDP"
is "$(dnsq --tcp big.sockweb.test A)" "NOERROR A:192.0.2.50" "dnsd: --truncate name answered over TCP"

# A delayed name must not hold up the answer for another name.
python3 "$DNSQ" --port "$DNS_PORT" slow.sockweb.test A \
	>"$TEST_DIR/slow.out" 2>"$TEST_DIR/slow.time" &
SLOW_PID=$!
track_pid "$SLOW_PID"
wait_for_line "$TEST_DIR/dnsd.log" 'query slow\.sockweb\.test A ' 5
fast=$(python3 "$DNSQ" --port "$DNS_PORT" www.sockweb.test A 2>"$TEST_DIR/fast.time")
wait "$SLOW_PID"
is "$fast" "NOERROR A:192.0.2.10 A:192.0.2.11" "dnsd: other name answered during a delay"
ok "$(within "$(cat "$TEST_DIR/fast.time")" 0.5; echo $?)" \
	"dnsd: ... at once ($(cat "$TEST_DIR/fast.time") s)"
is "$(cat "$TEST_DIR/slow.out")" "NOERROR A:192.0.2.30" "dnsd: delayed name is answered"
ok "$(awk '{ exit !($1 >= 0.9) }' "$TEST_DIR/slow.time" && within "$(cat "$TEST_DIR/slow.time")" 3; echo $?)" \
	"dnsd: ... about 1 s later ($(cat "$TEST_DIR/slow.time") s)"

# Malformed packets are ignored and the server keeps answering.
is "$(dnsq --timeout 1 --raw 0102)" "TIMEOUT" "dnsd: ignores a packet shorter than a header"
is "$(dnsq --timeout 1 --raw 123401000001000000000000c00c00010001)" "TIMEOUT" \
	"dnsd: ignores a compression-pointer loop"
is "$(dnsq --timeout 1 --raw 12340100000100000000000003777777c0ff00010001)" "TIMEOUT" \
	"dnsd: ignores a pointer past the end"
# "www" + pointer to offset 22, where "sockweb.test" follows the question.
is "$(dnsq --raw 12340100000100000000000003777777c0160001000107736f636b776562047465737400)" \
	"NOERROR A:192.0.2.10 A:192.0.2.11" "dnsd: follows a compression pointer in the question"
is "$(dnsq www.sockweb.test A)" "NOERROR A:192.0.2.10 A:192.0.2.11" "dnsd: still answering"
like "$(cat "$DNS_ERR")" 'dnsd: ignored malformed packet from 127\.0\.0\.1:' "dnsd: logs malformed packets"
like "$(cat "$DNS_ERR")" \
	'dnsd: query www\.sockweb\.test A from 127\.0\.0\.1:[0-9]+ -> NOERROR 2 answers' \
	"dnsd: logs queries on stderr in the agreed format"
like "$(cat "$TEST_DIR/dnsd.log")" 'query nosuch\.sockweb\.test A from .* -> NXDOMAIN 0 answers' \
	"dnsd: --log FILE gets the same lines"

t0=$(date +%s%N)
stop_pid "$DNS_PID" TERM 2
is "$STOP_STATUS" 0 "dnsd: SIGTERM exits 0"
ok "$(within $((($(date +%s%N) - t0) / 1000000)) 2000; echo $?)" "dnsd: ... within 2 s"

# --- badhttpd -----------------------------------------------------------------
HTTP_ERR="$TEST_DIR/badhttpd.err"
python3 "$HELPERS/badhttpd.py" --address 127.0.0.1 --port 0 2>"$HTTP_ERR" &
HTTP_PID=$!
track_pid "$HTTP_PID"
wait_for_line "$HTTP_ERR" '^badhttpd: listening on 127\.0\.0\.1:[0-9]+$' 10
ok $? "badhttpd prints its listening line"
HTTP_PORT=$(sed -n 's/^badhttpd: listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$HTTP_ERR")
[ -n "$HTTP_PORT" ] || bail_out "badhttpd did not start: $(cat "$HTTP_ERR")"
B="http://127.0.0.1:$HTTP_PORT"

# c URL-PATH [CURL-ARGS...]: body on stdout; curl's exit status in $rc.
c() {
	local path=$1
	shift
	curl -sS --noproxy '*' --max-time 20 "$@" "$B$path" 2>>"$TEST_DIR/curl.err"
	rc=$?
}

is "$(c /ok)" "ok" "badhttpd: /ok"
is "$(c /notfound -o /dev/null -w '%{http_code}')" "404" "badhttpd: /notfound is a 404"
c /bytes?n=100000 -o "$TEST_DIR/bytes.got"
python3 "$HELPERS/badhttpd.py" --print-bytes 100000 >"$TEST_DIR/bytes.want"
cmp -s "$TEST_DIR/bytes.got" "$TEST_DIR/bytes.want"
ok $? "badhttpd: /bytes?n=100000 matches --print-bytes"
is "$(c '/redirect?to=%2Fok&code=307' -o /dev/null -w '%{http_code} %{redirect_url}')" \
	"307 $B/ok" "badhttpd: /redirect?to=URL&code=N"
is "$(c /relative-redirect -L)" "ok" "badhttpd: /relative-redirect leads to /ok"
c /redirect-loop -L --max-redirs 3 -o /dev/null
is "$rc" 47 "badhttpd: /redirect-loop never ends (curl: too many redirects)"
echo_body=$(c /echo -H 'X-Selftest: yes')
like "$echo_body" '^GET /echo HTTP/1\.[01]' "badhttpd: /echo returns the request line"
like "$echo_body" 'X-Selftest: yes' "badhttpd: /echo returns the request headers"
like "$(c /no-length -i)" 'the end is the close' "badhttpd: /no-length has a body"
unlike "$(c /no-length -i)" '[Cc]ontent-[Ll]ength' "badhttpd: /no-length has no Content-Length"
c /short-body -o /dev/null
is "$rc" 18 "badhttpd: /short-body is a partial file"
is "$(c /http09 --http0.9)" "hello" "badhttpd: /http09 sends a bare body"
c /garbage -o /dev/null
ok "$([ "$rc" -ne 0 ] && echo 0 || echo 1)" "badhttpd: /garbage is not HTTP (curl $rc)"
# curl 7.88 accepts a head cut short by the close, so look at the bytes.
early=$(raw_request "$HTTP_PORT" 'GET /close-early HTTP/1.0\r\n\r\n')
like "$early" '^HTTP/1\.0 200 ' "badhttpd: /close-early sends a status line"
is "$(printf '%s' "$early" | tail -c 11)" "Content-Len" "badhttpd: ... and stops inside a header"
is "$(printf '%s' "$early" | grep -c $'^\r$')" 0 "badhttpd: ... never ending the head"
c /reset -o /dev/null
is "$rc" 56 "badhttpd: /reset ends in a connection reset"
c /slow-headers -o /dev/null --max-time 1
is "$rc" 28 "badhttpd: /slow-headers sends nothing for a while"
is "$(c '/drip?n=3&interval=0.2')" "ddd" "badhttpd: /drip?n=3&interval=0.2"
c /drip -o "$TEST_DIR/drip.got" --max-time 2
is "$rc" 28 "badhttpd: /drip is slow"
ok "$(($(wc -c <"$TEST_DIR/drip.got") >= 1 && $(wc -c <"$TEST_DIR/drip.got") <= 3 ? 0 : 1))" \
	"badhttpd: ... one byte a second"
c /endless-headers -o /dev/null
ok "$([ "$rc" -ne 0 ] && [ "$rc" -ne 28 ] && echo 0 || echo 1)" \
	"badhttpd: /endless-headers makes curl give up (curl $rc)"
# the paths added for issue 13, checked with raw bytes and with curl
interim=$(raw_request "$HTTP_PORT" 'GET /interim?codes=100,103 HTTP/1.0\r\n\r\n')
like "$interim" $'^HTTP/1\.1 100 Continue\r\n\r\nHTTP/1\.1 103 Early Hints\r\nLink: ' \
	"badhttpd: /interim sends the 1xx heads first"
like "$interim" $'\r\n\r\nok$' "badhttpd: ... then a 200 with its body"
raw_request "$HTTP_PORT" 'GET /no-body?code=304 HTTP/1.0\r\n\r\n' >"$TEST_DIR/nobody"
like "$(cat "$TEST_DIR/nobody")" '^HTTP/1\.0 304 ' "badhttpd: /no-body?code=304"
is "$(grep -c 'Content-Length: 5' "$TEST_DIR/nobody")$(tail -c 4 "$TEST_DIR/nobody" | od -An -c | tr -d ' ')" '1\r\n\r\n' \
	"badhttpd: ... Content-Length: 5 and not a byte after the head"
is "$(c /empty -w '%{http_code} %{size_download}')" "200 0" "badhttpd: /empty"
rawloc=$(raw_request "$HTTP_PORT" 'GET /raw-location?to=/a%20b%20%20 HTTP/1.0\r\n\r\n')
like "$rawloc" $'\r\nLocation: /a b  \r\n' "badhttpd: /raw-location keeps the blanks"
like "$(raw_request "$HTTP_PORT" 'GET /raw-location?to= HTTP/1.0\r\n\r\n')" $'\r\nLocation: \r\n' \
	"badhttpd: /raw-location?to= sends an empty Location"
like "$(raw_request "$HTTP_PORT" 'GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n')" \
	$'Transfer-Encoding: chunked\r\n\r\n8\r\nchunked\n\r\n5\r\nbody\n\r\n0\r\n' "badhttpd: /chunked"
is "$(c /chunked)" "chunked
body" "badhttpd: /chunked as curl decodes it"
t0=$(date +%s%N)
is "$(c '/delay?s=0.5')" "ok" "badhttpd: /delay?s=0.5"
ok "$(( ($(date +%s%N) - t0) >= 450000000 ? 0 : 1 ))" "badhttpd: ... after half a second"
is "$(c '/delay?s=0&to=%2Fok' -o /dev/null -w '%{http_code} %{redirect_url}')" "302 $B/ok" \
	"badhttpd: /delay?to=URL redirects"
like "$(cat "$HTTP_ERR")" 'badhttpd: GET /ok from 127\.0\.0\.1:[0-9]+' "badhttpd: logs requests"

kill -0 "$HTTP_PID" 2>/dev/null
ok $? "badhttpd: still running after all that"
t0=$(date +%s%N)
stop_pid "$HTTP_PID" TERM 2
is "$STOP_STATUS" 0 "badhttpd: SIGTERM exits 0"
ok "$(within $((($(date +%s%N) - t0) / 1000000)) 2000; echo $?)" "badhttpd: ... within 2 s"

done_testing
