#!/usr/bin/env python3
"""badhttpd.py: an HTTP server that misbehaves on purpose, for client tests.

sockget must cope with servers that lie, stall, reset or never stop; a
correct server (sockwebd) cannot produce those cases, so this one does,
one path per misbehaviour:

    python3 tests/helpers/badhttpd.py [--address 127.0.0.1] [--port 0]
    python3 tests/helpers/badhttpd.py --print-bytes N   (the /bytes pattern)

    /ok                 200, Content-Length, body "ok\\n"
    /bytes?n=N          200, N bytes, byte i is i % 256, Content-Length N
    /garbage            4096 random-looking non-HTTP bytes, then close
    /close-early        status line and half the headers, then close
    /endless-headers    200, then "X-Filler-N: ..." header lines forever
    /short-body         Content-Length: 10000000000, 10 bytes, close
    /drip[?n=N&interval=S]   Content-Length N (100), one byte every S (1) s
    /redirect-loop      302, Location: /redirect-loop
    /redirect?to=URL[&code=N]  N (302), Location URL (percent-decoded)
    /relative-redirect  301, Location: ok (a relative reference)
    /notfound           404 with a small body (so is any unknown path)
    /no-length          200 without Content-Length, body, then close
    /http09             raw "hello", no status line, then close
    /slow-headers[?s=S] sleeps S (5) seconds, then answers like /ok
    /reset              a partial response, then an RST (SO_LINGER 0)
    /echo               200, body is the request head exactly as received
    /interim?codes=100,103[&http=1.1]   those 1xx heads first, then /ok
    /no-body?code=N     N (204, 304) with "Content-Length: 5" and no body
    /empty              200, Content-Length: 0
    /raw-location?to=V[&code=N]  N (302), "Location: V" verbatim (may be
                        empty, may hold spaces and trailing blanks)
    /chunked            HTTP/1.1 200, chunked body "chunked\nbody\n" + trailer
    /hold?s=S           like /ok, then keeps the connection open S (2) seconds
                        (the client closes first)
    /delay?s=S[&to=URL] sleeps S (1) seconds, then answers like /ok (or
                        302 to URL)

Once bound it prints "badhttpd: listening on ADDR:PORT" on stderr, and
one line per request: "badhttpd: METHOD TARGET from IP:PORT". Each
connection gets its own daemon thread and at most 60 seconds, whatever
the path; HEAD gets the headers without the body. SIGTERM exits 0.
"""
import argparse
import os
import random
import signal
import socket
import struct
import sys
import threading
import time
from urllib.parse import unquote

CONNECTION_SECONDS = 60.0       # hard bound on any one connection
HEAD_LIMIT = 16384              # request head larger than this: 431
HEAD_TIMEOUT = 10.0             # waiting for the request head
PATTERN = bytes(range(256)) * 256   # 64 KiB: /bytes streams slices of it

REASONS = {100: "Continue", 102: "Processing", 103: "Early Hints",
           200: "OK", 204: "No Content", 304: "Not Modified", 301: "Moved Permanently", 302: "Found",
           303: "See Other", 307: "Temporary Redirect",
           308: "Permanent Redirect", 400: "Bad Request", 404: "Not Found",
           431: "Request Header Fields Too Large"}

log_lock = threading.Lock()


def log(line):
    with log_lock:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


def fmt_peer(peer):
    host, port = peer[0], peer[1]
    return ("[%s]:%d" if ":" in host else "%s:%d") % (host, port)


class Request:
    """The request head as read from the socket, and its parsed parts."""

    def __init__(self, head):
        self.head = head
        first = head.split(b"\n", 1)[0].rstrip(b"\r").decode("latin-1")
        parts = first.split()
        if len(parts) < 2:
            raise ValueError("bad request line")
        self.method, self.target = parts[0], parts[1]
        path, _, query = self.target.partition("?")
        self.path = path
        self.params = parse_query(query)

    def param(self, name, default, kind=str):
        try:
            return kind(self.params[name]) if name in self.params else default
        except ValueError:
            return default


def parse_query(query):
    """key=value pairs, percent-decoded; '+' stays a '+' (URLs keep it)."""
    params = {}
    for pair in query.split("&"):
        if pair:
            key, _, value = pair.partition("=")
            params[unquote(key)] = unquote(value)
    return params


class Conn:
    """One client connection with a deadline every operation respects."""

    def __init__(self, sock, peer):
        self.sock, self.peer = sock, peer
        self.deadline = time.monotonic() + CONNECTION_SECONDS

    def remaining(self):
        return max(0.01, self.deadline - time.monotonic())

    def expired(self):
        return time.monotonic() >= self.deadline

    def send(self, data):
        self.sock.settimeout(self.remaining())
        self.sock.sendall(data)

    def sleep(self, seconds):
        """Sleep, but never past the connection's deadline."""
        time.sleep(min(seconds, self.remaining()))

    def read_head(self):
        """Bytes up to and including the blank line; None if none came."""
        buf = b""
        self.sock.settimeout(HEAD_TIMEOUT)
        while True:
            for end in (b"\r\n\r\n", b"\n\n"):
                i = buf.find(end)
                if i >= 0:
                    return buf[:i + len(end)]
            if len(buf) > HEAD_LIMIT:
                return buf
            chunk = self.sock.recv(4096)
            if not chunk:
                return None
            buf += chunk

    def close(self):
        """Half-close, drain briefly, close: so the client sees all we sent."""
        try:
            self.sock.shutdown(socket.SHUT_WR)
            self.sock.settimeout(1.0)
            while self.sock.recv(4096):
                pass
        except OSError:
            pass
        self.sock.close()

    def reset(self):
        """Close with SO_LINGER 0, which makes the kernel send an RST."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack("ii", 1, 0))
        self.sock.close()


def head_bytes(status, headers=(), length=None, version="1.0"):
    lines = ["HTTP/%s %d %s" % (version, status, REASONS.get(status, "Status")),
             "Server: badhttpd", "Connection: close"]
    if length is not None:
        lines.append("Content-Length: %d" % length)
    lines += ["%s: %s" % h for h in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def respond(conn, req, status, body, headers=(("Content-Type", "text/plain"),)):
    """A well-formed response: the baseline the bad ones are measured by."""
    conn.send(head_bytes(status, headers, len(body)))
    if req.method != "HEAD":
        conn.send(body)


# --- one handler per path ----------------------------------------------------

def h_ok(conn, req):
    respond(conn, req, 200, b"ok\n")


def h_bytes(conn, req):
    n = req.param("n", -1, int)
    if n < 0:
        return respond(conn, req, 400, b"bytes: n must be a number >= 0\n")
    conn.send(head_bytes(200, [("Content-Type", "application/octet-stream")], n))
    if req.method == "HEAD":
        return
    sent = 0
    while sent < n and not conn.expired():
        # len(PATTERN) is a multiple of 256, so slices keep byte i == i % 256
        chunk = PATTERN[:min(len(PATTERN), n - sent)]
        conn.send(chunk)
        sent += len(chunk)


def h_garbage(conn, req):
    rng = random.Random(0x5eed)
    data = bytes(rng.randrange(256) for _ in range(4096))
    conn.send(b"\x00\xff" + data)   # never begins like "HTTP/"


def h_close_early(conn, req):
    conn.send(b"HTTP/1.0 200 OK\r\nServer: badhttpd\r\n"
              b"Content-Type: text/plain\r\nContent-Len")


def h_endless_headers(conn, req):
    conn.send(b"HTTP/1.0 200 OK\r\nServer: badhttpd\r\n")
    n = 0
    filler = "x" * 64
    while not conn.expired():
        n += 1
        conn.send(("X-Filler-%d: %s\r\n" % (n, filler)).encode("ascii"))


def h_short_body(conn, req):
    conn.send(head_bytes(200, [("Content-Type", "text/plain")], 10000000000))
    conn.send(b"0123456789")


def h_drip(conn, req):
    n = req.param("n", 100, int)
    interval = req.param("interval", 1.0, float)
    conn.send(head_bytes(200, [("Content-Type", "text/plain")], n))
    for _ in range(n):
        if conn.expired():
            return
        conn.send(b"d")
        conn.sleep(interval)


def redirect(conn, req, code, location):
    body = ("redirect to %s\n" % location).encode("latin-1", "replace")
    respond(conn, req, code, body,
            [("Content-Type", "text/plain"), ("Location", location)])


def h_redirect_loop(conn, req):
    redirect(conn, req, 302, "/redirect-loop")


def h_redirect(conn, req):
    to = req.param("to", "")
    if not to or "\r" in to or "\n" in to:
        return respond(conn, req, 400, b"redirect: need to=URL\n")
    redirect(conn, req, req.param("code", 302, int), to)


def h_relative_redirect(conn, req):
    redirect(conn, req, 301, "ok")


def h_notfound(conn, req):
    respond(conn, req, 404, b"not found\n")


def h_no_length(conn, req):
    conn.send(head_bytes(200, [("Content-Type", "text/plain")]))
    if req.method != "HEAD":
        conn.send(b"no length header here;\nthe end is the close.\n")


def h_http09(conn, req):
    conn.send(b"hello")


def h_slow_headers(conn, req):
    conn.sleep(req.param("s", 5.0, float))
    respond(conn, req, 200, b"ok\n")


def h_reset(conn, req):
    conn.send(head_bytes(200, [("Content-Type", "text/plain")], 1000))
    conn.send(b"r" * 100)
    time.sleep(0.1)     # let the bytes leave before the RST overtakes them
    conn.reset()
    return "reset"


def h_echo(conn, req):
    respond(conn, req, 200, req.head)


def h_interim(conn, req):
    version = req.param("http", "1.1")
    for code in req.param("codes", "100").split(","):
        code = int(code) if code.isdigit() else 100
        head = "HTTP/%s %d %s\r\n" % (version, code, REASONS.get(code, "Interim"))
        if code == 103:
            head += "Link: </style.css>; rel=preload\r\n"
        conn.send((head + "\r\n").encode("latin-1"))
    respond(conn, req, 200, b"ok\n")


def h_no_body(conn, req):
    code = req.param("code", 204, int)
    conn.send(head_bytes(code, [("Content-Type", "text/plain")], 5))


def h_empty(conn, req):
    respond(conn, req, 200, b"")


def h_raw_location(conn, req):
    to = req.param("to", "")
    if "\r" in to or "\n" in to:
        return respond(conn, req, 400, b"raw-location: no CR or LF\n")
    body = b"moved\n"
    head = head_bytes(req.param("code", 302, int), [("Content-Type", "text/plain")],
                      len(body))
    # the Location line goes in by hand: its blanks must reach the client
    head = head[:-2] + ("Location: %s\r\n\r\n" % to).encode("latin-1", "replace")
    conn.send(head)
    if req.method != "HEAD":
        conn.send(body)


def h_chunked(conn, req):
    conn.send(b"HTTP/1.1 200 OK\r\nServer: badhttpd\r\nConnection: close\r\n"
              b"Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n")
    if req.method != "HEAD":
        conn.send(b"8\r\nchunked\n\r\n5\r\nbody\n\r\n0\r\nX-Trailer: t\r\n\r\n")


def h_hold(conn, req):
    respond(conn, req, 200, b"ok\n")
    conn.sleep(req.param("s", 2.0, float))


def h_delay(conn, req):
    conn.sleep(req.param("s", 1.0, float))
    to = req.param("to", "")
    if to and "\r" not in to and "\n" not in to:
        return redirect(conn, req, 302, to)
    respond(conn, req, 200, b"ok\n")


HANDLERS = {
    "/interim": h_interim, "/no-body": h_no_body, "/empty": h_empty,
    "/raw-location": h_raw_location, "/chunked": h_chunked, "/delay": h_delay,
    "/hold": h_hold,
    "/ok": h_ok, "/bytes": h_bytes, "/garbage": h_garbage,
    "/close-early": h_close_early, "/endless-headers": h_endless_headers,
    "/short-body": h_short_body, "/drip": h_drip,
    "/redirect-loop": h_redirect_loop, "/redirect": h_redirect,
    "/relative-redirect": h_relative_redirect, "/notfound": h_notfound,
    "/no-length": h_no_length, "/http09": h_http09,
    "/slow-headers": h_slow_headers, "/reset": h_reset, "/echo": h_echo,
}


def serve(sock, peer):
    """Thread body: read the head, log it, run the path's misbehaviour."""
    conn = Conn(sock, peer)
    try:
        head = conn.read_head()
        if head is None:
            return conn.close()
        if len(head) > HEAD_LIMIT:
            log("badhttpd: oversized request head from %s" % fmt_peer(peer))
            return respond_and_close(conn, None, 431)
        try:
            req = Request(head)
        except ValueError:
            log("badhttpd: bad request line from %s" % fmt_peer(peer))
            return respond_and_close(conn, None, 400)
        log("badhttpd: %s %s from %s" % (req.method, printable(req.target), fmt_peer(peer)))
        if HANDLERS.get(req.path, h_notfound)(conn, req) == "reset":
            return
    except OSError:
        pass            # the client went away: exactly what some tests do
    conn.close()


def respond_and_close(conn, req, status):
    try:
        conn.send(head_bytes(status, [("Content-Type", "text/plain")], 0))
    except OSError:
        pass
    conn.close()


def printable(text):
    return "".join(c if 0x20 < ord(c) < 0x7F else "%%%02X" % ord(c) for c in text)


def print_bytes(n):
    """Write the /bytes?n=N body to stdout, so tests can cmp against it."""
    out = sys.stdout.buffer
    while n > 0:
        chunk = PATTERN[:min(n, len(PATTERN))]
        out.write(chunk)
        n -= len(chunk)
    out.flush()


def quit_now(*_):
    """Exit 0 at once. os._exit, because a normal interpreter shutdown can
    abort (exit 134) when a daemon thread holds the stderr lock."""
    if log_lock.acquire(timeout=1.0):   # a timeout: the lock may be ours
        sys.stderr.flush()
    os._exit(0)


def main(argv=None):
    ap = argparse.ArgumentParser(description="A misbehaving HTTP server for tests.")
    ap.add_argument("--address", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--print-bytes", type=int, metavar="N",
                    help="print the /bytes?n=N body on stdout and exit")
    args = ap.parse_args(argv)
    if args.print_bytes is not None:
        print_bytes(args.print_bytes)
        return 0
    signal.signal(signal.SIGTERM, quit_now)
    signal.signal(signal.SIGINT, quit_now)
    family = socket.AF_INET6 if ":" in args.address else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((args.address, args.port))
    except OSError as e:
        log("badhttpd: bind %s:%d: %s" % (args.address, args.port, e.strerror or e))
        return 1
    listener.listen(64)
    log("badhttpd: listening on %s" % fmt_peer((args.address, listener.getsockname()[1])))
    while True:
        try:
            sock, peer = listener.accept()
        except OSError:
            continue
        threading.Thread(target=serve, args=(sock, peer), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
