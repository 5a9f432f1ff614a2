#!/usr/bin/env python3
"""slowloris.py: open N connections and drip a request into each, slowly.

Used by tests/security/slow_clients.sh (issue 7) to check that slow
clients cannot take a server hostage: each connection gets one byte of
DATA every INTERVAL seconds; the helper records, for every connection,
when it connected, the status line the server sent (if any), when the
first response byte came, and when and how the connection ended (the
server's FIN, a reset, or our own time limit). Python standard library
only, one thread, non-blocking sockets.

    python3 tests/helpers/slowloris.py --port PORT [--count 64]
        [--interval 1.0] [--max-time 15] [--prefix 'GET / HTTP/1.0\\r\\n']
        [--data 'X-Slow: aaa...\\r\\n\\r\\n'] [--ready-file FILE]

PREFIX is sent at once on connect (default: a request line and a
User-Agent header); then DATA (default: one long header line and the
blank line, 210 bytes) follows one byte per INTERVAL, so the head never
ends within any sane time limit. Both take backslash escapes
(\\r \\n \\xNN); an empty PREFIX drips the request line too. Once
every connection is open and has sent its first byte, FILE (if given) is
created, so a test can act "while the slow connections are open". At
the end, one JSON object goes to stdout:

    {"count": N, "connected": N, "statuses": {"408": N, ...},
     "ended": {"eof": N, "reset": N, "timeout": N, "error": N},
     "first_response_min": S, "first_response_max": S,
     "end_min": S, "end_max": S, "elapsed": S,
     "connections": [{"status": 408, "first_response": S, "end": S,
                      "how": "eof", "sent": B, "received": B}, ...]}

Times are seconds since that connection's connect(). Exit status 0 once
every connection has ended or --max-time has passed (then the rest are
"timeout"); 2 on bad usage; 1 if not even one connection could be made.
"""
import argparse
import json
import selectors
import socket
import sys
import time

DEFAULT_PREFIX = "GET / HTTP/1.0\\r\\nUser-Agent: slowloris\\r\\n"
DEFAULT_DATA = "X-Slow: " + "a" * 200 + "\\r\\n\\r\\n"


class Conn:
    def __init__(self, sock, t0):
        self.sock = sock
        self.t0 = t0
        self.sent = 0
        self.received = 0
        self.head = b""
        self.first_response = None
        self.end = None
        self.how = None

    def status(self):
        line = self.head.split(b"\r\n", 1)[0]
        parts = line.split(b" ")
        if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
            return int(parts[1])
        return None

    def finish(self, how, now, sel):
        if self.end is not None:
            return
        self.end = now - self.t0
        self.how = how
        try:
            sel.unregister(self.sock)
        except (KeyError, ValueError):
            pass
        self.sock.close()

    def to_dict(self):
        r = lambda x: None if x is None else round(x, 3)
        return {"status": self.status(), "first_response": r(self.first_response),
                "end": r(self.end), "how": self.how, "sent": self.sent,
                "received": self.received}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, default=64)
    ap.add_argument("--interval", type=float, default=1.0,
                    help="seconds between two bytes on one connection")
    ap.add_argument("--max-time", type=float, default=15.0,
                    help="hard bound on the whole run")
    ap.add_argument("--prefix", default=DEFAULT_PREFIX,
                    help="sent at once on connect")
    ap.add_argument("--data", default=DEFAULT_DATA,
                    help="then sent one byte per interval")
    ap.add_argument("--ready-file")
    args = ap.parse_args()
    if args.count < 1 or args.interval <= 0 or args.max_time <= 0:
        ap.error("count, interval and max-time must be positive")
    unescape = lambda t: t.encode("latin-1").decode("unicode_escape").encode("latin-1")
    prefix, data = unescape(args.prefix), unescape(args.data)
    if not data:
        ap.error("empty data")

    start = time.monotonic()
    hard_end = start + args.max_time
    sel = selectors.DefaultSelector()
    conns = []
    fam = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    for _ in range(args.count):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(5.0)
        try:
            s.connect((args.host, args.port))
        except OSError as e:
            print("slowloris: connect: %s" % e, file=sys.stderr)
            s.close()
            continue
        s.setblocking(False)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c = Conn(s, time.monotonic())
        conns.append(c)
        sel.register(s, selectors.EVENT_READ, c)
        try:
            s.sendall(prefix)
        except (BlockingIOError, OSError):
            pass    # the read side will tell what happened
        drip(c, data, sel)
    if not conns:
        print(json.dumps({"count": args.count, "connected": 0}))
        return 1
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write("%d\n" % len(conns))

    next_drip = time.monotonic() + args.interval
    while True:
        now = time.monotonic()
        live = [c for c in conns if c.end is None]
        if not live or now >= hard_end:
            break
        if now >= next_drip:
            for c in live:
                drip(c, data, sel)
            next_drip += args.interval
            continue
        timeout = min(next_drip, hard_end) - now
        for key, _ in sel.select(timeout=max(0.0, timeout)):
            c = key.data
            try:
                chunk = c.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except ConnectionResetError:
                c.finish("reset", time.monotonic(), sel)
                continue
            except OSError:
                c.finish("error", time.monotonic(), sel)
                continue
            now = time.monotonic()
            if not chunk:
                c.finish("eof", now, sel)
                continue
            if c.first_response is None:
                c.first_response = now - c.t0
            c.received += len(chunk)
            if len(c.head) < 512:
                c.head += chunk[:512 - len(c.head)]
    now = time.monotonic()
    for c in conns:
        c.finish("timeout", now, sel)

    statuses, ended = {}, {"eof": 0, "reset": 0, "timeout": 0, "error": 0}
    for c in conns:
        key = str(c.status())
        statuses[key] = statuses.get(key, 0) + 1
        ended[c.how] = ended.get(c.how, 0) + 1
    firsts = [c.first_response for c in conns if c.first_response is not None]
    ends = [c.end for c in conns]
    r = lambda x: None if x is None else round(x, 3)
    summary = {
        "count": args.count, "connected": len(conns), "statuses": statuses,
        "ended": ended,
        "first_response_min": r(min(firsts)) if firsts else None,
        "first_response_max": r(max(firsts)) if firsts else None,
        "end_min": r(min(ends)), "end_max": r(max(ends)),
        "elapsed": r(time.monotonic() - start),
        "connections": [c.to_dict() for c in conns],
    }
    print(json.dumps(summary))
    return 0


def drip(c, data, sel):
    """Send the next byte of data on c; at the end of data, send nothing."""
    if c.end is not None or c.sent >= len(data):
        return
    try:
        n = c.sock.send(data[c.sent:c.sent + 1])
        c.sent += n
    except (BlockingIOError, InterruptedError):
        pass
    except OSError:
        # The server closed or reset: stop dripping and let the read side
        # (still registered) tell how the connection ended, so that a
        # response already queued is not lost.
        c.sent = len(data)

if __name__ == "__main__":
    sys.exit(main())
