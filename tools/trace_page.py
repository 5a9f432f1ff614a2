#!/usr/bin/env python3
"""trace_page.py: www/trace.html, one real exchange seen from both ends.

    python3 tools/trace_page.py --sockwebd ./sockwebd --sockget ./sockget \\
        --dnsd tests/helpers/dnsd.py --root www --out www/trace.html [--raw DIR]
    python3 tools/trace_page.py --check COMMITTED.html FRESH.html

The first form (what `make trace-page` runs) starts, on 127.0.0.1 only, the
project's test DNS server (tests/helpers/dnsd.py, one A record) and
`sockwebd -v -p 0`, runs `sockget -v --dns-servers` once against them for
/_peer, asks `ss` which end of the connection waits in TIME_WAIT, stops
exactly the processes it started and writes the page. --raw DIR keeps the
raw traces (client.err, server.err, dnsd.err, body.json, timewait.txt);
--from-raw DIR writes the page of such a kept run again without a new one
(the README and the man pages quote the run the committed page shows).

Why a generator and not a hand-written page: the page must never drift from
what the programs print. Every trace line is matched against RULES, which
give it its phase of the exchange and the lecture topic it illustrates; a
line no rule knows stops the generator, so a changed trace is noticed.
The numbers that tie the two sides together (the UDP and TCP ephemeral
ports, the well-known port, the child's pid) are checked to agree across
the traces before anything is written, and are highlighted and linked to
their counterpart on the other side.

The second form compares two generated pages in structure (sections, the
kinds of line in each, the highlighted numbers agreeing within each page),
never byte for byte: ports and pids change with every run.
"""
import argparse
import html
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser

NAME = "www.sockweb.test"
LOOPBACK = "127.0.0.1"
WAIT_SECONDS = 10.0

# --- what each line is: (side, kind, phase, pattern, topic page#anchor, label)

PHASES = [
    ("listen", "0. The server waits",
     "Before anything happens, sockwebd has bound its well-known port and "
     "listens on it, waiting passively."),
    ("resolve", "1. Finding the server: DNS over UDP",
     "sockget only has a name. c-ares sends one datagram to the DNS server "
     "and gets one back: no connection, the destination address goes with "
     "the datagram, and the DNS server learns the client's address and "
     "ephemeral port from it."),
    ("connect", "2. Connection set-up",
     "The client initiates: connect() makes the kernel pick an ephemeral "
     "port and do the three-way handshake; the server's accept() returns "
     "a new descriptor and the client's address and that same port."),
    ("request", "3. The request, over the byte stream",
     "The client writes the request; the server's parent reads it, finds "
     "its end, and forks a child to answer it."),
    ("response", "4. The response",
     "The child writes the response into the same connection and tells the "
     "parent; the client reads until the response's end. The body is "
     "/_peer's answer: the server's view of this very connection."),
    ("release", "5. Connection release",
     "Each side ends its direction with a FIN. Whichever sends the first "
     "one does the active close and keeps its end in TIME_WAIT."),
    ("timewait", "6. Afterwards: TIME_WAIT",
     "The kernel's table of connections after both programs have closed "
     "their sockets (ss -tan state time-wait): the end that sent the first "
     "FIN is still there."),
]

PID = r"^sockwebd\[\d+\] [0-9:.]+ "
RULES = [
    # sockget -v (standard error)
    ("client", "dns-server", "resolve", r"^\* resolver: DNS server ",
     "client-server.html#dns", "DNS: the client needs the server's address"),
    ("client", "dns-timeout", "resolve", r"^\* resolver: time-out ",
     "tcp-udp.html#datagram", "best effort: retries are the application's job"),
    ("client", "dns-ask", "resolve", r"^\* resolving \S+ \(",
     "client-server.html#dns", "a name to resolve"),
    ("client", "udp-socket", "resolve", r"^\* resolver: socket\(AF_INET6?, SOCK_DGRAM\)",
     "calls.html#udp", "a UDP socket: no connection"),
    ("client", "udp-connect", "resolve", r"^\* resolver: connect\(\d+\) UDP: local ",
     "client-server.html#client", "the client is assigned an ephemeral port"),
    ("client", "udp-route", "resolve", r"^\* resolver: connect\(\d+\) UDP to .*no packet",
     "client-server.html#interfaces", "which local address (interface) would be used"),
    ("client", "udp-send", "resolve", r"^\* resolver: send UDP ",
     "tcp-udp.html#datagram", "one block, its destination address with it"),
    ("client", "udp-retransmit", "resolve", r"^\* resolver: .*retransmission",
     "tcp-udp.html#datagram", "best effort: a lost datagram is sent again"),
    ("client", "udp-recv", "resolve", r"^\* resolver: recv UDP ",
     "tcp-udp.html#datagram", "one whole datagram back: boundaries preserved"),
    ("client", "udp-close", "resolve", r"^\* resolver: close\(\d+\) \(UDP\)",
     "calls.html#udp", "nothing to release: there was no connection"),
    ("client", "dns-answer", "resolve", r"^\* resolved \S+: ",
     "client-server.html#dns", "the server's IP address, from DNS"),
    ("client", "tcp-try", "connect", r"^\*   Trying ",
     "client-server.html#client", "the server's address and well-known port"),
    ("client", "tcp-socket", "connect", r"^\* socket\(AF_INET6?, SOCK_STREAM\)",
     "api.html#use", "a socket is a file descriptor"),
    ("client", "tcp-connect", "connect", r"^\* connect \S+: in progress",
     "client-server.html#open", "active open: the client initiates"),
    ("client", "tcp-local", "connect", r"^\* local \S+ \(ephemeral\) -> remote ",
     "calls.html#client-side", "the ephemeral port the kernel bound at connect()"),
    ("client", "tcp-connected", "connect", r"^\* Connected to ",
     "tcp-udp.html#stream", "connection set up"),
    ("client", "http-request", "request", r"^>( |$)",
     "transfer.html#boundaries", "bytes into the stream; an empty line ends the head"),
    ("client", "http-response", "response", r"^<( |$)",
     "transfer.html#partial-reads", "read until the response's end"),
    ("client", "bytes-received", "response", r"^\* \d+ bytes received",
     "transfer.html#partial-reads", "what the read loop collected"),
    ("client", "shutdown", "release", r"^\* shutdown\(\d+, SHUT_WR\)",
     "termination.html#shutdown", "half-close: our FIN, no more requests"),
    ("client", "tcp-info", "release", r"^\* TCP_INFO: ",
     "tcp-udp.html#stream", "reliable delivery: round trips, retransmissions"),
    ("client", "first-fin", "release", r"^\* (this side|the server) sent the first FIN",
     "termination.html#time-wait", "who closed first, where TIME_WAIT is"),
    ("client", "close", "release", r"^\* close\(\d+\)$",
     "termination.html#shutdown", "the descriptor goes"),
    ("body", "body", "response", r"^\{",
     "_peer.html", "/_peer: the connection as the server saw it"),
    # sockwebd -v (standard error)
    ("server", "listen", "listen", r"^sockwebd: listening on ",
     "client-server.html#server", "a well-known port (here chosen by the kernel: -p 0)"),
    ("server", "accept", "connect", PID + r"accept\(\d+\) = \d+ from ",
     "calls.html#server-side", "accept(): a new descriptor, the client's address and port"),
    ("server", "read", "request", PID + r"read\(\d+\) = [1-9]\d* bytes$",
     "transfer.html#partial-reads", "read() returns what has arrived"),
    ("server", "fork", "request", PID + r"fork\(\) = \d+ ",
     "calls.html#server-side", "a child per connection: the parent goes on accepting"),
    ("server", "request-line", "request", PID + r"[A-Z]+ \S+ -> \d{3}",
     "transfer.html#boundaries", "http-parser found where the request ends"),
    ("server", "send", "response", PID + r"sendmsg\(\d+\) = \d+ bytes$",
     "transfer.html#partial-writes", "a write may take less than all: counted"),
    ("server", "sendfile", "response", PID + r"sendfile\(\d+\) = \d+ bytes$",
     "transfer.html#files", "the kernel copies the file into the stream"),
    ("server", "report", "response", PID + r"sendmsg\(\d+\) to the parent: ",
     "calls.html#server-side", "the child tells the parent it is done"),
    ("server", "read-fin", "release", PID + r"read\(\d+\) = 0 bytes",
     "termination.html#fin", "end of file: the client's FIN"),
    ("server", "tcp-info", "release", PID + r"TCP_INFO ",
     "tcp-udp.html#stream", "reliable delivery: round trips, retransmissions"),
    ("server", "shutdown", "release", PID + r"shutdown\(\d+, SHUT_WR\)",
     "termination.html#shutdown", "half-close: our FIN"),
    ("server", "first-fin", "release", PID + r"close\(\d+\): ",
     "termination.html#time-wait", "who closed first, where TIME_WAIT is"),
    # tests/helpers/dnsd.py (standard error)
    ("dns", "dns-listen", "resolve", r"^dnsd: listening on ",
     "client-server.html#server", "the DNS server's well-known port (53 in real life)"),
    ("dns", "dns-query", "resolve", r"^dnsd: query ",
     "tcp-udp.html#datagram", "the datagram's source: the client's UDP port"),
    # ss -Htan state time-wait
    ("kernel", "time-wait", "timewait", r"^TIME-WAIT ",
     "termination.html#time-wait", "2 MSL in TIME_WAIT"),
]
COMPILED = [(side, kind, phase, re.compile(rx), topic, label)
            for side, kind, phase, rx, topic, label in RULES]


class TraceError(Exception):
    """The run or its traces are not what the page needs: no page written."""


def classify(side, text):
    for s, kind, phase, rx, topic, label in COMPILED:
        if s == side and rx.search(text):
            return kind, phase, topic, label
    raise TraceError("no rule for this %s line (update RULES): %r" % (side, text))


# --- the run ------------------------------------------------------------------

def wait_for(path, pattern, proc, seconds=WAIT_SECONDS):
    """The first match of pattern in the file, waiting for it (bounded)."""
    deadline = time.monotonic() + seconds
    rx = re.compile(pattern, re.M)
    while time.monotonic() < deadline:
        with open(path, encoding="utf-8", errors="replace") as f:
            m = rx.search(f.read())
        if m:
            return m
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.05)
    raise TraceError("%s: no line matching %r" % (path, pattern))


def stop(proc):
    """SIGTERM to exactly this process, then wait for it (bounded)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def time_wait_ends(tcp_local, server):
    """The ends of our connection in TIME_WAIT, as 'TIME-WAIT local peer'."""
    out = subprocess.run(["ss", "-Htan", "state", "time-wait"], check=True,
                         capture_output=True, text=True, timeout=10).stdout
    ends = []
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 4 and {f[2], f[3]} == {tcp_local, server}:
            ends.append("TIME-WAIT %s %s" % (f[2], f[3]))
    return sorted(ends)


def run_exchange(a, raw):
    """Runs the three programs once; returns their lines, by side."""
    paths = {k: os.path.join(raw, k) for k in
             ("dnsd.err", "server.err", "client.err", "body.json", "timewait.txt")}
    started = []
    try:
        with open(paths["dnsd.err"], "w") as err:
            dnsd = subprocess.Popen(
                [sys.executable, a.dnsd, "--address", LOOPBACK, "--port", "0",
                 "--record", NAME, "A", LOOPBACK],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        started.append(dnsd)
        dport = wait_for(paths["dnsd.err"], r"listening on .*:(\d+)$", dnsd).group(1)
        with open(paths["server.err"], "w") as err:
            srv = subprocess.Popen(
                [a.sockwebd, "-v", "-q", "-p", "0", "-l", LOOPBACK, "-r", a.root],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        started.append(srv)
        port = wait_for(paths["server.err"], r"listening on .*:(\d+)$", srv).group(1)
        url = "http://%s:%s/_peer" % (NAME, port)
        with open(paths["client.err"], "w") as err, open(paths["body.json"], "w") as out:
            rc = subprocess.run(
                [a.sockget, "-v", "-4", "--dns-servers", "%s:%s" % (LOOPBACK, dport), url],
                stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                timeout=30).returncode
        if rc != 0:
            raise TraceError("sockget exited %d (see %s)" % (rc, paths["client.err"]))
        wait_for(paths["server.err"], r" close\(\d+\): ", srv)
        local = wait_for(paths["client.err"], r"^\* local (\S+) \(ephemeral\)", None).group(1)
        ends = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not ends:
            ends = time_wait_ends(local, "%s:%s" % (LOOPBACK, port))
            time.sleep(0.1)
        time.sleep(0.2)		# a simultaneous close leaves two ends
        ends = time_wait_ends(local, "%s:%s" % (LOOPBACK, port))
        if not ends:
            raise TraceError("ss shows neither end of %s in TIME_WAIT" % local)
        with open(paths["timewait.txt"], "w") as f:
            f.write("".join(e + "\n" for e in ends))
    finally:
        for p in reversed(started):
            stop(p)
    return load_traces(raw)


def load_traces(raw):
    """The lines of a run's raw traces, by side."""
    return {side: read_lines(os.path.join(raw, name)) for side, name in
            (("dns", "dnsd.err"), ("server", "server.err"), ("client", "client.err"),
             ("body", "body.json"), ("kernel", "timewait.txt"))}


def read_lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return [line.rstrip("\r\n") for line in f if line.strip()]


# --- the numbers that tie the sides together ----------------------------------

def one(lines, pattern, what):
    found = {m.group(1) for line in lines for m in [re.search(pattern, line)] if m}
    if len(found) != 1:
        raise TraceError("%s: expected one value, found %s" % (what, sorted(found) or "none"))
    return found.pop()


def correlate(t):
    """The shared numbers, checked to agree on both sides."""
    c, s, d = t["client"], t["server"], t["dns"]
    body = json.loads(t["body"][0])
    n = {
        "udp": one(c, r"resolver: connect\(\d+\) UDP: local [0-9.]+:(\d+) ", "UDP port"),
        "dns": one(d, r"listening on [0-9.]+:(\d+)$", "DNS server port"),
        "tcp": one(c, r"^\* local [0-9.]+:(\d+) \(ephemeral\)", "TCP port"),
        "wk": one(s, r"listening on [0-9.]+:(\d+)$", "server port"),
        "child": one(s, r"fork\(\) = (\d+) ", "child pid"),
        "parent": one(s, r"^sockwebd\[(\d+)\] .* accept\(", "parent pid"),
    }
    pairs = [
        ("UDP port the DNS server saw", one(d, r"query .* from [0-9.]+:(\d+) ", "dnsd"), n["udp"]),
        ("port of the accept line", one(s, r"accept\(.* from [0-9.]+:(\d+) ", "accept"), n["tcp"]),
        ("client port in /_peer", str(body["client"]["port"]), n["tcp"]),
        ("server port in /_peer", str(body["server"]["port"]), n["wk"]),
        ("pid in /_peer", str(body["pid"]), n["child"]),
        ("pid of the request line", one(s, r"^sockwebd\[(\d+)\] [0-9:.]+ [A-Z]+ /", "GET"), n["child"]),
    ]
    for what, got, want in pairs:
        if got != want:
            raise TraceError("%s is %s, the other side says %s" % (what, got, want))
    return n


# --- the page -----------------------------------------------------------------

MARKS = {  # number -> (css class, legend, the line kinds it links to, by side)
    "udp": ("m-udp", "the UDP ephemeral port of c-ares' socket",
            {"client": "udp-connect", "dns": "dns-query"}),
    "dns": ("m-dns", "the DNS server's port", {"client": "dns-server", "dns": "dns-listen"}),
    "tcp": ("m-tcp", "the TCP ephemeral port of sockget's connection",
            {"client": "tcp-local", "server": "accept", "body": "body"}),
    "wk": ("m-wk", "sockwebd's well-known port", {"server": "listen", "client": "tcp-try"}),
    "child": ("m-child", "the pid of the child that served the request",
              {"server": "fork", "body": "body"}),
    "parent": ("m-parent", "the pid of sockwebd's parent", {"server": "accept"}),
}
PORT_CTX = re.compile(r'(?:(?<=:)|(?<=port )|(?<="port":))(\d+)')
PID_CTX = re.compile(r'(?:(?<=sockwebd\[)|(?<=fork\(\) = )|(?<="pid":))(\d+)')
PIDS = ("child", "parent")


def mark_line(text, side, nums, first_id):
    """The escaped line, with the shared numbers marked and linked."""
    by_value = {}
    for rx, keys in ((PORT_CTX, [k for k in MARKS if k not in PIDS]), (PID_CTX, PIDS)):
        for m in rx.finditer(text):
            for k in keys:
                if nums[k] == m.group(1):
                    by_value[m.start(1)] = (m.end(1), k)
    out, pos = [], 0
    for start in sorted(by_value):
        end, k = by_value[start]
        cls, legend, targets = MARKS[k]
        other = [t for sd, t in targets.items() if sd != side] or list(targets.values())
        out.append(html.escape(text[pos:start]))
        target = first_id.get(other[0])
        number = html.escape(text[start:end])
        if target:
            out.append('<a class="m %s" href="#%s" title="%s">%s</a>'
                       % (cls, target, html.escape(legend), number))
        else:
            out.append('<mark class="m %s">%s</mark>' % (cls, number))
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


COLUMNS = {"client": "sockget -v", "body": "sockget's output (the body)",
           "server": "sockwebd -v", "dns": "the DNS server (tests/helpers/dnsd.py)",
           "kernel": "ss -Htan state time-wait"}
LEFT = ("client", "body")


def classify_all(t):
    """[(side, id, text, kind, phase, topic, label)] in trace order."""
    rows, first_id = [], {}
    for side, prefix in (("client", "c"), ("body", "b"), ("server", "s"),
                         ("dns", "d"), ("kernel", "k")):
        for i, text in enumerate(t[side], 1):
            kind, phase, topic, label = classify(side, text)
            lid = "%s%d" % (prefix, i)
            first_id.setdefault(kind, lid)
            rows.append((side, lid, text, kind, phase, topic, label))
    return rows, first_id


def render_column(side_rows, nums, first_id, heading):
    """One side's lines; a run of lines of one kind (a head) shares its topic."""
    out = ['<div class="trace-col">', '<h3>%s</h3>' % html.escape(heading),
           '<ol class="trace">']
    for i, (side, lid, text, kind, _phase, topic, label) in enumerate(side_rows):
        if i == 0 or side_rows[i - 1][3] != kind:
            out.append('<li id="%s" class="line k-%s">' % (lid, kind))
        out[-1] += '<code>%s</code>' % mark_line(text, side, nums, first_id)
        if i + 1 == len(side_rows) or side_rows[i + 1][3] != kind:
            out[-1] += '<a class="topic" href="%s">%s</a></li>' % (topic, html.escape(label))
    out += ["</ol>", "</div>"]
    return out


def render_phase(phase, title, intro, rows, nums, first_id):
    mine = [r for r in rows if r[4] == phase]
    out = ['<section id="%s" class="phase">' % phase,
           "<h2>%s</h2>" % html.escape(title), "<p>%s</p>" % html.escape(intro),
           '<div class="both-ends">']
    for group in (LEFT, ("dns", "server", "kernel")):
        for side in group:
            side_rows = [r for r in mine if r[0] == side]
            if side_rows:
                out += render_column(side_rows, nums, first_id, COLUMNS[side])
    out += ["</div>", "</section>"]
    return out


def legend(nums, first_id):
    out = ['<ul class="legend">']
    for k, (cls, text, targets) in MARKS.items():
        target = first_id.get(next(iter(targets.values())))
        out.append('<li><a class="m %s" href="#%s">%s</a> %s</li>'
                   % (cls, target, nums[k], html.escape(text)))
    out.append("</ul>")
    return out


def matches(nums, first_id, after):
    """What to look for: each shared number and the lines that name it."""
    def at(kind, text):
        return '<a href="#%s">%s</a>' % (first_id[kind], text)
    items = [
        "c-ares' UDP socket got the ephemeral port %s (%s), and the DNS server "
        "saw its query come from that port (%s)."
        % (nums["udp"], at("udp-connect", "connect"), at("dns-query", "dnsd")),
        "connect() got the ephemeral port %s (%s); the server's accept() "
        "reported the same port (%s), and so does /_peer (%s)."
        % (nums["tcp"], at("tcp-local", "sockget"), at("accept", "accept"),
           at("body", "body")),
        "The parent, pid %s, forked the child %s (%s), which answered (%s); "
        "/_peer names that pid (%s)."
        % (nums["parent"], nums["child"], at("fork", "fork"),
           at("request-line", "request"), at("body", "body")),
        "In TIME_WAIT afterwards, as %s: %s." % (at("time-wait", "ss shows"), html.escape(after)),
    ]
    return ['<ul class="matches">'] + ["<li>%s</li>" % i for i in items] + ["</ul>"]


def render(t, nums, when):
    rows, first_id = classify_all(t)
    tw = [r[2].split()[1] for r in rows if r[3] == "time-wait"]
    who = {"%s:%s" % (LOOPBACK, nums["tcp"]): "sockget's end (the client sent the first FIN)",
           "%s:%s" % (LOOPBACK, nums["wk"]): "sockwebd's end (the server sent the first FIN)"}
    after = "; ".join(who.get(e, e) for e in tw) or "no end (already gone)"
    body = []
    for phase, title, intro in PHASES:
        if phase == "timewait":
            intro += " Here: " + after + "."
        body += render_phase(phase, title, intro, rows, nums, first_id)
    with open(TEMPLATE, encoding="utf-8") as f:
        page = f.read()
    return (page.replace("@WHEN@", html.escape(when))
            .replace("@LEGEND@", "\n".join(legend(nums, first_id)))
            .replace("@MATCHES@", "\n".join(matches(nums, first_id, after)))
            .replace("@PHASES@", "\n".join(body)))


TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "trace_page.html.in")


# --- --check: two pages alike in structure ------------------------------------

class Structure(HTMLParser):
    """Sections in order, the line kinds of each, the marked numbers."""

    def __init__(self):
        super().__init__()
        self.sections, self.kinds, self.marks = [], {}, {}
        self._mark = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "section" and "phase" in classes:
            self.sections.append(a.get("id"))
            self.kinds[a.get("id")] = set()
        elif tag == "li" and "line" in classes and self.sections:
            self.kinds[self.sections[-1]].update(c for c in classes if c.startswith("k-"))
        elif "m" in classes:
            self._mark = next(c for c in classes if c.startswith("m-"))

    def handle_data(self, data):
        if self._mark:
            self.marks.setdefault(self._mark, set()).add(data)
            self._mark = None


def structure(path):
    p = Structure()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    return p


def check(committed, fresh):
    a, b = structure(committed), structure(fresh)
    problems = []
    if a.sections != b.sections:
        problems.append("sections differ: %s vs %s" % (a.sections, b.sections))
    for sec in a.sections:
        if a.kinds.get(sec) != b.kinds.get(sec, set()):
            problems.append("section %s: line kinds %s vs %s"
                            % (sec, sorted(a.kinds[sec]), sorted(b.kinds.get(sec, ()))))
    for name, page in ((committed, a), (fresh, b)):
        for cls, values in sorted(page.marks.items()):
            if len(values) != 1:
                problems.append("%s: %s marks disagree: %s" % (name, cls, sorted(values)))
        missing = {c for c, _l, _t in MARKS.values()} - set(page.marks)
        if missing:
            problems.append("%s: no marks of %s" % (name, sorted(missing)))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sockwebd")
    ap.add_argument("--sockget")
    ap.add_argument("--dnsd")
    ap.add_argument("--root", default="www")
    ap.add_argument("--out")
    ap.add_argument("--raw", help="keep the raw traces in this directory")
    ap.add_argument("--from-raw", metavar="DIR",
                    help="no new run: the page of the run whose --raw DIR this was")
    ap.add_argument("--check", nargs=2, metavar=("COMMITTED", "FRESH"))
    a = ap.parse_args()
    if a.check:
        problems = check(*a.check)
        for p in problems:
            print("trace_page: " + p, file=sys.stderr)
        return 1 if problems else 0
    if not a.out or not (a.from_raw or (a.sockwebd and a.sockget and a.dnsd)):
        ap.error("--out and either --from-raw or --sockwebd, --sockget, --dnsd are needed")
    # a SIGTERM (timeout(1)) still stops the programs started so far
    signal.signal(signal.SIGTERM, lambda _sig, _frame: sys.exit(143))
    try:
        if a.from_raw:
            traces = load_traces(a.from_raw)
            when = time.gmtime(os.stat(os.path.join(a.from_raw, "client.err")).st_mtime)
        else:
            with tempfile.TemporaryDirectory(prefix="trace_page.") as scratch:
                raw = a.raw or scratch
                os.makedirs(raw, exist_ok=True)
                traces = run_exchange(a, raw)
            when = time.gmtime()
        nums = correlate(traces)
        page = render(traces, nums, time.strftime("%Y-%m-%d %H:%M UTC", when))
    except (TraceError, OSError, subprocess.SubprocessError, ValueError, KeyError) as e:
        print("trace_page: %s" % e, file=sys.stderr)
        return 1
    tmp = a.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(page)
    os.replace(tmp, a.out)
    print("trace_page: wrote %s (TCP port %s, UDP port %s, child pid %s)"
          % (a.out, nums["tcp"], nums["udp"], nums["child"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
