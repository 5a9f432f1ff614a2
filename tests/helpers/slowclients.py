#!/usr/bin/env python3
"""slowclients.py: N connections that each attack a server slowly.

Used by tests/security/slow_clients.sh and the bench (issue 12) to check
that slow or idle clients cannot keep a normal client out. One attack per
run, on every connection:

  slowloris  the request line at once, then a header one byte per INTERVAL
             (the head never ends);
  slowbody   "GET PATH" with Content-Length: 4096 and the blank line at
             once, then the body one byte per INTERVAL;
  slowpost   the same with POST (a server refuses the method at once);
  slowread   the receive buffer set small (--rcvbuf) before connect, a GET
             of PATH, then --read-bytes read every INTERVAL (a few hundred
             bytes a second): the response can only trickle out;
  idle       one HTTP/1.0 request with Connection: keep-alive, its
             response read, then nothing (an idle keep-alive holder);
  trickle    the same first request; once its response is complete, the
             next request one byte per INTERVAL.

Once a response to the request being sent has begun, the client stops
sending (it has its answer) but goes on reading until the server closes
or --max-time passes. Python standard library only, one thread,
non-blocking sockets; at most --max-time seconds in all, and at most
--batch connects in flight at once.

    python3 tests/helpers/slowclients.py --port PORT --attack ATTACK
        [--count 300] [--path /hello.txt] [--interval 1.0] [--max-time 20]
        [--rcvbuf 1024] [--read-bytes 64] [--ready-file FILE] [--hold SECONDS]

FILE (if given) is created once every connection is in its attack (for
idle and trickle: once the first response is complete; for slowread:
once the response head has arrived; else: once connected and the first
bytes are sent), or after --ready-within seconds, whichever comes first;
it holds "READY ALL" (e.g. "300 300"). With --hold, the run ends that
many seconds after that moment (or at --max-time, whichever is first),
so that a slow server's set-up time does not shorten the attack. At the
end one JSON object goes to stdout:

    {"attack": A, "count": N, "connected": N, "ready": N, "ready_at": S,
     "statuses": {"408": N, ...},        # status of each connection's last response
     "ended": {"eof": N, "reset": N, "timeout": N, "error": N},
     "first_response_min": S, "first_response_max": S,   # since connect
     "end_min": S, "end_max": S, "elapsed": S,
     "connections": [{"responses": [[STATUS, AT, CONNECTION, LENGTH], ...],
                      "done_at": S, "trickle_at": S, "end": S, "how": "eof",
                      "sent": B, "received": B, "body": B}, ...]}

CONNECTION is the Connection header's value ("" if none), LENGTH its
Content-Length (null if none); AT and the other per-connection times are seconds since that connection
was established; done_at: when the first response was complete;
trickle_at: when the first byte of the second request went out
(trickle). "timeout" means still open when --max-time ended the run.
Exit status 0 once every connection has ended or --max-time has passed;
2 on bad usage; 1 if not even one connection could be made.
"""
import argparse
import errno
import json
import os
import resource
import selectors
import socket
import sys
import time

ATTACKS = ("slowloris", "slowbody", "slowpost", "slowread", "idle", "trickle")
UA = "User-Agent: slowclients\r\n"
BODY_LEN = 4096


def requests_for(attack, path, host):
    """(sent at once, then dripped one byte per interval) for an attack."""
    line = "%s %s HTTP/1.0\r\nHost: %s\r\n" + UA
    if attack == "slowloris":
        return (line % ("GET", path, host), "X-Slow: " + "a" * 200 + "\r\n\r\n")
    if attack in ("slowbody", "slowpost"):
        method = "GET" if attack == "slowbody" else "POST"
        return (line % (method, path, host) + "Content-Length: %d\r\n\r\n" % BODY_LEN,
                "b" * BODY_LEN)
    if attack == "slowread":
        return (line % ("GET", path, host) + "\r\n", "")
    keep = line % ("GET", path, host) + "Connection: keep-alive\r\n\r\n"
    return (keep, keep if attack == "trickle" else "")


class Response:
    """Splits the bytes a server sends into responses: the head is parsed,
    the body (Content-Length) counted and dropped."""

    def __init__(self):
        self.head = b""
        self.body_left = None      # None: in a head
        self.found = []            # [status, at, connection]
        self.complete = 0          # responses read to their end
        self.body = 0

    def feed(self, data, at):
        while data:
            if self.body_left is None:
                if not self.head:
                    self.found.append([None, round(at, 3), "", None])
                self.head += data
                end = self.head.find(b"\r\n\r\n")
                if end < 0:
                    if len(self.head) > 65536:
                        self.head = self.head[-4:]
                    return
                data = self.head[end + 4:]
                self.parse_head(self.head[:end])
                self.head = b""
            else:
                n = min(len(data), self.body_left)
                self.body += n
                self.body_left -= n
                data = data[n:]
            if self.body_left == 0:
                self.body_left = None
                self.complete += 1

    def parse_head(self, head):
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ")
        cur = self.found[-1]
        if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
            cur[0] = int(parts[1])
        length = None
        for l in lines[1:]:
            name, _, value = l.partition(b":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == b"content-length" and value.isdigit():
                length = int(value)
            elif name == b"connection":
                cur[2] = value.decode("latin-1")
        cur[3] = length
        # Without a length the body runs to the close (never "complete").
        self.body_left = length if length is not None else float("inf")


class Conn:
    def __init__(self, sock, attack, at_once, drip):
        self.sock = sock
        self.attack = attack
        self.out = at_once     # bytes to send now
        self.drip = drip       # bytes to send one per interval, after out
        self.dripped = 0
        self.t0 = None         # established
        self.sent = 0
        self.received = 0
        self.resp = Response()
        self.done_at = None
        self.trickle_at = None
        self.end = None
        self.how = None
        self.quiet = False     # stopped sending: the server has answered
        self.refused = False   # connect() failed
        self.paced = False     # slowread: read on our own clock only
        self.next_read = 0.0   # slowread: when to read next

    def since(self, now):
        return now - self.t0 if self.t0 is not None else 0.0

    def in_attack(self):
        if self.t0 is None:
            return False
        if self.end is not None:
            return True
        if self.attack in ("idle", "trickle"):
            return self.resp.complete >= 1
        if self.attack == "slowread":
            return bool(self.resp.found) and self.resp.found[0][0] is not None
        return not self.out

    def to_dict(self):
        r = lambda x: None if x is None else round(x, 3)
        return {"responses": self.resp.found, "done_at": r(self.done_at),
                "trickle_at": r(self.trickle_at), "end": r(self.end),
                "how": self.how, "sent": self.sent, "received": self.received,
                "body": self.resp.body}


class Attack:
    def __init__(self, args):
        self.args = args
        self.sel = selectors.DefaultSelector()
        self.conns = []
        self.connecting = 0
        self.failed_connects = 0
        at_once, drip = requests_for(args.attack, args.path, "%s:%d" % (args.host, args.port))
        self.at_once, self.drip = at_once.encode(), drip.encode()
        self.start = time.monotonic()
        self.ready_at = None

    # --- connecting ---------------------------------------------------------

    def open_one(self):
        fam = socket.AF_INET6 if ":" in self.args.host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setblocking(False)
        if self.args.attack == "slowread":
            # Before connect, so the window the server sees is small from
            # the handshake on.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.args.rcvbuf)
        c = Conn(s, self.args.attack, self.at_once, self.drip)
        err = s.connect_ex((self.args.host, self.args.port))
        if err not in (0, errno.EINPROGRESS):
            print("slowclients: connect: %s" % errno.errorcode.get(err, err), file=sys.stderr)
            s.close()
            self.failed_connects += 1
            return
        self.conns.append(c)
        self.connecting += 1
        self.sel.register(s, selectors.EVENT_WRITE, c)

    def connected(self, c, now):
        self.connecting -= 1
        err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            print("slowclients: connect: %s" % errno.errorcode.get(err, err), file=sys.stderr)
            c.t0 = now
            c.refused = True
            self.finish(c, "error", now)
            return
        c.t0 = now
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sel.modify(c.sock, selectors.EVENT_READ, c)
        self.send_out(c, now)
        c.next_read = now

    # --- sending and reading ------------------------------------------------

    def send_out(self, c, now):
        """Send what goes at once; the socket buffer takes a few hundred bytes."""
        if not c.out or c.end is not None:
            return
        try:
            n = c.sock.send(c.out)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            c.out = b""
            c.quiet = True
            return
        c.sent += n
        c.out = c.out[n:]

    def drip_one(self, c, now):
        if c.end is not None or c.quiet or c.t0 is None or c.out:
            return
        if self.args.attack == "trickle" and c.resp.complete < 1:
            return      # the next request only once the first is answered
        if c.dripped >= len(c.drip):
            return
        if self.args.attack == "trickle" and c.trickle_at is None:
            c.trickle_at = c.since(now)
        try:
            n = c.sock.send(c.drip[c.dripped:c.dripped + 1])
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            # Closed or reset: the read side tells how; a response already
            # queued is not lost.
            c.quiet = True
            return
        c.sent += n
        c.dripped += n

    def read(self, c, now):
        size = 65536
        if c.paced:
            if now < c.next_read:
                return
            size = self.args.read_bytes
            c.next_read = now + self.args.interval
        try:
            chunk = c.sock.recv(size)
        except (BlockingIOError, InterruptedError):
            return
        except ConnectionResetError:
            self.finish(c, "reset", now)
            return
        except OSError:
            self.finish(c, "error", now)
            return
        if not chunk:
            self.finish(c, "eof", now)
            return
        c.received += len(chunk)
        c.resp.feed(chunk, c.since(now))
        if c.done_at is None and c.resp.complete >= 1:
            c.done_at = c.since(now)
        # A response to the request now being sent: the client is answered
        # (trickle: the second response answers the trickled request).
        if self.args.attack != "trickle" or len(c.resp.found) >= 2:
            c.quiet = True
        if self.args.attack == "slowread" and c.resp.body_left is not None and not c.paced:
            # From now on read on our own clock, not when the socket is
            # readable (it always is while the server fills the window).
            c.paced = True
            self.sel.unregister(c.sock)

    def finish(self, c, how, now):
        if c.end is not None:
            return
        c.end = c.since(now)
        c.how = how
        try:
            self.sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        c.sock.close()

    # --- the loop -----------------------------------------------------------

    def run(self):
        a = self.args
        self.hard_end = self.start + a.max_time
        ready_by = self.start + a.ready_within
        next_drip = self.start + a.interval
        next_check = self.start
        while True:
            now = time.monotonic()
            while len(self.conns) + self.failed_connects < a.count and self.connecting < a.batch \
                    and now < self.hard_end:
                self.open_one()
            all_opened = len(self.conns) + self.failed_connects >= a.count
            # Every 10 ms at most: a scan of thousands of connections after
            # each event would delay the reads it is meant to time.
            if now >= next_check:
                next_check = now + 0.01
                if self.ready_at is None and all_opened and (
                        now >= ready_by or all(c.in_attack() for c in self.conns)):
                    self.mark_ready(now)
                if all_opened and all(c.end is not None for c in self.conns):
                    break
            if now >= self.hard_end:
                break
            if now >= next_drip:
                for c in self.conns:
                    if c.end is None:
                        self.drip_one(c, now)
                next_drip += a.interval
                if next_drip < now:
                    next_drip = now + a.interval
            timeout = max(0.0, min(next_drip, self.hard_end, next_check) - now)
            if a.attack == "slowread":
                timeout = min(timeout, 0.02)
            self.poll(timeout)
        now = time.monotonic()
        if self.ready_at is None:
            self.mark_ready(now)
        for c in self.conns:
            if c.t0 is None:
                c.t0 = now
            self.finish(c, "timeout", now)

    def poll(self, timeout):
        paced = self.args.attack == "slowread"
        for key, ev in self.sel.select(timeout=timeout):
            c = key.data
            now = time.monotonic()
            if c.t0 is None:
                if ev & selectors.EVENT_WRITE:
                    self.connected(c, now)
                continue
            if c.out:
                self.send_out(c, now)
            if ev & selectors.EVENT_READ:
                self.read(c, now)
        if paced:
            # A slow reader reads on its own clock: the socket stays
            # readable while the server keeps the window full.
            now = time.monotonic()
            for c in self.conns:
                if c.end is None and c.paced and now >= c.next_read:
                    self.read(c, now)

    def mark_ready(self, now):
        self.ready_at = now - self.start
        if self.args.hold is not None:
            self.hard_end = min(self.hard_end, now + self.args.hold)
        if self.args.ready_file:
            n = sum(1 for c in self.conns if c.in_attack())
            with open(self.args.ready_file + ".tmp", "w") as f:
                f.write("%d %d\n" % (n, self.args.count))
            os.rename(self.args.ready_file + ".tmp", self.args.ready_file)

    def summary(self):
        statuses, ended = {}, {"eof": 0, "reset": 0, "timeout": 0, "error": 0}
        for c in self.conns:
            key = str(c.resp.found[-1][0]) if c.resp.found else "None"
            statuses[key] = statuses.get(key, 0) + 1
            ended[c.how] = ended.get(c.how, 0) + 1
        firsts = [c.resp.found[0][1] for c in self.conns if c.resp.found]
        ends = [c.end for c in self.conns]
        r = lambda x: None if x is None else round(x, 3)
        return {
            "attack": self.args.attack, "count": self.args.count,
            "connected": sum(1 for c in self.conns if c.t0 is not None and not c.refused),
            "ready": sum(1 for c in self.conns if c.in_attack()),
            "ready_at": r(self.ready_at), "statuses": statuses, "ended": ended,
            "first_response_min": r(min(firsts)) if firsts else None,
            "first_response_max": r(max(firsts)) if firsts else None,
            "end_min": r(min(ends)) if ends else None,
            "end_max": r(max(ends)) if ends else None,
            "elapsed": r(time.monotonic() - self.start),
            "connections": [c.to_dict() for c in self.conns],
        }


def raise_nofile(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        new = need if hard == resource.RLIM_INFINITY else min(hard, need)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--attack", choices=ATTACKS, required=True)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--path", default="/hello.txt")
    ap.add_argument("--interval", type=float, default=1.0,
                    help="seconds between two dripped bytes (slowread: between two reads)")
    ap.add_argument("--max-time", type=float, default=20.0, help="hard bound on the whole run")
    ap.add_argument("--ready-within", type=float, default=10.0)
    ap.add_argument("--rcvbuf", type=int, default=1024, help="slowread: SO_RCVBUF")
    ap.add_argument("--read-bytes", type=int, default=64, help="slowread: bytes per read")
    ap.add_argument("--batch", type=int, default=64, help="connects in flight at once")
    ap.add_argument("--ready-file")
    ap.add_argument("--hold", type=float, help="seconds to go on once ready")
    args = ap.parse_args()
    if args.count < 1 or args.count > 20000 or args.interval <= 0 or args.max_time <= 0 \
            or args.max_time > 600 or args.batch < 1 or args.read_bytes < 1 \
            or (args.hold is not None and args.hold <= 0):
        ap.error("count (1..20000), interval, max-time (<= 600), batch and read-bytes must be positive")
    return args


def main():
    args = parse_args()
    raise_nofile(args.count + 64)
    attack = Attack(args)
    attack.run()
    summary = attack.summary()
    print(json.dumps(summary))
    return 0 if summary["connections"] else 1


if __name__ == "__main__":
    sys.exit(main())
