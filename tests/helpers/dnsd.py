#!/usr/bin/env python3
"""dnsd.py: a small, controllable DNS server for sockget's integration tests.

sockget resolves names with c-ares; to test that path without the real DNS
the tests point c-ares at this server and decide, name by name, what it
answers: records, NXDOMAIN, SERVFAIL, a late answer or no answer at all.

    python3 tests/helpers/dnsd.py [--address 127.0.0.1] [--port 0]
        [--record NAME TYPE VALUE]... [--delay NAME SECONDS]...
        [--nxdomain NAME]... [--servfail NAME]... [--drop NAME]...
        [--truncate NAME]... [--ttl N] [--no-tcp] [--log FILE]

TYPE is A, AAAA or CNAME. Names are case-insensitive, with or without the
trailing dot. An unknown name gets NXDOMAIN (no SOA); a known name asked for
a type it lacks gets NOERROR with no answers (NODATA). CNAMEs are followed
inside the records given. --truncate NAME answers that name over UDP with
TC set and no records, so c-ares must retry over TCP (served on the same
port unless --no-tcp).

Once bound it prints "dnsd: listening on ADDR:PORT" on stderr. Each query
is logged as "dnsd: query NAME TYPE from IP:PORT -> RCODE N answers",
optionally followed by [tcp], [delay Ss] or [truncated]; a --drop name
logs "-> DROPPED 0 answers". Malformed packets are logged and ignored.

Why a single-threaded select() loop with a timer heap: a --delay must not
hold up answers to other names, and a heap of (due time, reply) gives that
without threads, so nothing can race and SIGTERM stops it at once.
The packet code follows RFC 1035 and is written out by hand on purpose:
the tests must not depend on anything outside the Python standard library.
"""
import argparse
import heapq
import itertools
import select
import signal
import socket
import struct
import sys
import time

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15,
         "TXT": 16, "AAAA": 28, "SRV": 33, "OPT": 41, "ANY": 255}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN",
          4: "NOTIMP", 5: "REFUSED"}
CLASS_IN, CLASS_ANY = 1, 255
MAX_CNAME_CHAIN = 8
TCP_IDLE_SECONDS = 30.0


class Malformed(Exception):
    """A packet we cannot parse; it is logged and dropped, never answered."""


# --- names -------------------------------------------------------------------

def normalize(name):
    """Lower-case, no trailing dot: the key every table lookup uses."""
    name = name.strip().lower()
    return name[:-1] if name.endswith(".") and name != "." else name


def read_name(packet, offset):
    """Read a possibly compressed name at offset (RFC 1035 4.1.4).

    Returns (labels, offset just past the name in the original position).
    Pointers are followed with a jump limit, so loops and out-of-range
    pointers raise Malformed instead of hanging or crashing.
    """
    labels, end, jumps, total = [], None, 0, 0
    while True:
        if offset >= len(packet):
            raise Malformed("name runs past the end")
        length = packet[offset]
        if length & 0xC0 == 0xC0:
            if offset + 1 >= len(packet):
                raise Malformed("truncated compression pointer")
            if end is None:
                end = offset + 2
            jumps += 1
            if jumps > 32:
                raise Malformed("compression pointer loop")
            offset = ((length & 0x3F) << 8) | packet[offset + 1]
            continue
        if length & 0xC0:
            raise Malformed("unsupported label type")
        offset += 1
        if length == 0:
            return labels, (end if end is not None else offset)
        label = packet[offset:offset + length]
        if len(label) != length:
            raise Malformed("label runs past the end")
        total += length + 1
        if total > 255:
            raise Malformed("name longer than 255 octets")
        labels.append(label)
        offset += length


def labels_to_text(labels):
    """Presentation form for logs and lookups; odd bytes become \\DDD."""
    if not labels:
        return "."
    out = []
    for label in labels:
        out.append("".join(
            chr(b) if 0x21 <= b <= 0x7E and b not in (0x2E, 0x5C)
            else "\\%03d" % b for b in label))
    return ".".join(out)


def encode_name(text):
    """Uncompressed wire form of a dotted name."""
    text = normalize(text)
    out = b""
    if text != ".":
        for label in text.split("."):
            raw = label.encode("ascii")
            if not 0 < len(raw) < 64:
                raise ValueError("bad label in %r" % text)
            out += bytes([len(raw)]) + raw
    return out + b"\0"


# --- the zone ----------------------------------------------------------------

class Zone:
    """What the server knows, built once from the command line."""

    def __init__(self, args):
        self.ttl = args.ttl
        self.records = {}           # name -> list of (type number, rdata bytes, text)
        for name, rtype, value in args.record or []:
            self.add(name, rtype, value)
        self.delays = {normalize(n): float(s) for n, s in args.delay or []}
        self.nxdomain = {normalize(n) for n in args.nxdomain or []}
        self.servfail = {normalize(n) for n in args.servfail or []}
        self.drop = {normalize(n) for n in args.drop or []}
        self.truncate = {normalize(n) for n in args.truncate or []}

    def add(self, name, rtype, value):
        rtype = rtype.upper()
        if rtype in ("A", "AAAA"):
            family = socket.AF_INET if rtype == "A" else socket.AF_INET6
            try:
                rdata = socket.inet_pton(family, value)
            except OSError:
                raise ValueError("bad %s address %r for %s" % (rtype, value, name))
        elif rtype == "CNAME":
            rdata = encode_name(value)
            value = normalize(value)
        else:
            raise ValueError("record type must be A, AAAA or CNAME, not %r" % rtype)
        self.records.setdefault(normalize(name), []).append((TYPES[rtype], rdata, value))

    def exists(self, name):
        """A name exists if it owns records or is an empty non-terminal."""
        if name in self.records:
            return True
        return any(owner.endswith("." + name) for owner in self.records)

    def lookup(self, name, qtype):
        """Answer (rcode, [(owner, type, rdata)]), following CNAMEs.

        --nxdomain and --servfail win over records, so a test can take a
        name away without rewriting its record list.
        """
        answers, seen = [], set()
        for _ in range(MAX_CNAME_CHAIN):
            if name in self.servfail:
                return 2, answers
            if name in self.nxdomain or not self.exists(name):
                return 3, answers
            owned = self.records.get(name, [])
            matching = [r for r in owned if qtype in (r[0], TYPES["ANY"])]
            cname = [r for r in owned if r[0] == TYPES["CNAME"]]
            if matching or not cname or qtype == TYPES["CNAME"]:
                answers += [(name, r[0], r[1]) for r in matching]
                return 0, answers
            answers.append((name, cname[0][0], cname[0][1]))
            seen.add(name)
            name = cname[0][2]
            if name in seen:
                return 2, answers
        return 2, answers


# --- packets -----------------------------------------------------------------

class Query:
    """The parts of a query the reply needs."""

    def __init__(self, packet):
        if len(packet) < 12:
            raise Malformed("shorter than a header")
        (self.id, self.flags, qdcount, ancount, nscount,
         arcount) = struct.unpack("!6H", packet[:12])
        if self.flags & 0x8000:
            raise Malformed("a response, not a query")
        if (self.flags >> 11) & 0xF != 0:
            raise Malformed("opcode is not QUERY")
        if qdcount != 1:
            raise Malformed("%d questions" % qdcount)
        labels, offset = read_name(packet, 12)
        if offset + 4 > len(packet):
            raise Malformed("question runs past the end")
        self.qtype, self.qclass = struct.unpack("!HH", packet[offset:offset + 4])
        self.labels = labels
        self.name = labels_to_text(labels)
        self.key = normalize(self.name)
        self.udp_size = self.find_edns_size(packet, offset + 4,
                                            ancount + nscount, arcount)

    @staticmethod
    def find_edns_size(packet, offset, skip, arcount):
        """UDP payload size from an OPT record (RFC 6891), else 512.

        Errors here are not fatal: a query with a broken additional
        section still has a perfectly good question.
        """
        try:
            for i in range(skip + arcount):
                _, offset = read_name(packet, offset)
                rtype, rclass, _, rdlen = struct.unpack(
                    "!HHIH", packet[offset:offset + 10])
                offset += 10 + rdlen
                if i >= skip and rtype == TYPES["OPT"]:
                    return max(512, min(rclass, 4096))
        except (Malformed, struct.error):
            pass
        return 512

    @property
    def type_text(self):
        return TYPE_NAMES.get(self.qtype, "TYPE%d" % self.qtype)


def build_reply(query, rcode, answers, ttl, truncated=False):
    """A reply packet: header, the question echoed, then the answers.

    The first owner name is written as a pointer to the question (offset
    12) so the reply repeats the name exactly as it was asked; others are
    written out in full. An OPT record is echoed when the query had one.
    """
    flags = 0x8000 | 0x0400 | 0x0080 | (query.flags & 0x0100) | rcode
    if truncated:
        flags |= 0x0200
        answers = []
    question = b"".join(bytes([len(l)]) + l for l in query.labels) + b"\0"
    body = question + struct.pack("!HH", query.qtype, query.qclass)
    for owner, rtype, rdata in answers:
        owner_wire = b"\xc0\x0c" if owner == query.key else encode_name(owner)
        body += owner_wire + struct.pack("!HHIH", rtype, CLASS_IN, ttl, len(rdata)) + rdata
    header = struct.pack("!6H", query.id, flags, 1, len(answers), 0, 0)
    return header + body


def add_opt(reply):
    """Append an EDNS0 OPT record advertising a 1232-byte UDP payload."""
    arcount = struct.unpack("!H", reply[10:12])[0] + 1
    return (reply[:10] + struct.pack("!H", arcount) + reply[12:]
            + b"\0" + struct.pack("!HHIH", TYPES["OPT"], 1232, 0, 0))


# --- the server --------------------------------------------------------------

class TcpConn:
    """One DNS-over-TCP client: two-byte length prefixed messages."""

    def __init__(self, sock, peer):
        self.sock, self.peer = sock, peer
        self.buf = b""
        self.closed = False
        self.last_active = time.monotonic()

    def close(self):
        if not self.closed:
            self.closed = True
            self.sock.close()


class Server:
    """The select() loop: UDP socket, TCP listener, TCP clients, timers."""

    def __init__(self, zone, log, udp, tcp):
        self.zone, self.log = zone, log
        self.udp, self.tcp = udp, tcp
        self.conns = {}             # fileno -> TcpConn
        self.timers = []            # heap of (due, seq, send function)
        self.seq = itertools.count()

    def run(self):
        while True:
            self.fire_timers()
            self.reap_idle()
            socks = [self.udp] + ([self.tcp] if self.tcp else [])
            socks += [c.sock for c in self.conns.values()]
            timeout = 1.0
            if self.timers:
                timeout = max(0.0, min(timeout, self.timers[0][0] - time.monotonic()))
            readable, _, _ = select.select(socks, [], [], timeout)
            for sock in readable:
                if sock is self.udp:
                    self.on_udp()
                elif sock is self.tcp:
                    self.on_accept()
                else:
                    self.on_tcp(self.conns[sock.fileno()])

    def fire_timers(self):
        now = time.monotonic()
        while self.timers and self.timers[0][0] <= now:
            _, _, send = heapq.heappop(self.timers)
            send()

    def reap_idle(self):
        now = time.monotonic()
        for fd, conn in list(self.conns.items()):
            if now - conn.last_active > TCP_IDLE_SECONDS:
                self.close_conn(conn)

    def close_conn(self, conn):
        self.conns.pop(conn.sock.fileno(), None)
        conn.close()

    def on_udp(self):
        try:
            packet, peer = self.udp.recvfrom(65535)
        except OSError:
            return

        def send(reply):
            try:
                self.udp.sendto(reply, peer)
            except OSError:
                pass
        self.handle(packet, peer, send, tcp=False)

    def on_accept(self):
        try:
            sock, peer = self.tcp.accept()
        except OSError:
            return
        sock.settimeout(2.0)        # a reply is tiny; never block the loop long
        self.conns[sock.fileno()] = TcpConn(sock, peer)

    def on_tcp(self, conn):
        try:
            data = conn.sock.recv(65537)
        except OSError:
            data = b""
        if not data:
            self.close_conn(conn)
            return
        conn.last_active = time.monotonic()
        conn.buf += data
        while len(conn.buf) >= 2:
            length = struct.unpack("!H", conn.buf[:2])[0]
            if len(conn.buf) < 2 + length:
                break
            packet, conn.buf = conn.buf[2:2 + length], conn.buf[2 + length:]

            def send(reply, conn=conn):
                if conn.closed:
                    return
                try:
                    conn.sock.sendall(struct.pack("!H", len(reply)) + reply)
                except OSError:
                    self.close_conn(conn)
            self.handle(packet, conn.peer, send, tcp=True)

    def handle(self, packet, peer, send, tcp):
        """Parse, decide, log, and send now or later. Never raises."""
        try:
            self.answer(Query(packet), peer, send, tcp)
        except (Malformed, struct.error) as e:
            self.log("dnsd: ignored malformed packet from %s (%s)" % (fmt_peer(peer), e))
        except Exception as e:   # a bug must not take the test's DNS down
            self.log("dnsd: ignored packet from %s (internal error: %r)" % (fmt_peer(peer), e))

    def answer(self, query, peer, send, tcp):
        zone, extras = self.zone, []
        if tcp:
            extras.append("[tcp]")
        if query.key in zone.drop:
            self.log_query(query, peer, "DROPPED", 0, extras)
            return
        if query.qclass in (CLASS_IN, CLASS_ANY):
            rcode, answers = zone.lookup(query.key, query.qtype)
        else:
            rcode, answers = (0 if zone.exists(query.key) else 3), []
        truncated = not tcp and query.key in zone.truncate
        reply = build_reply(query, rcode, answers, zone.ttl, truncated)
        if query.udp_size > 512:
            reply = add_opt(reply)
        if not tcp and len(reply) > query.udp_size:
            truncated = True
            reply = build_reply(query, rcode, answers, zone.ttl, truncated)
        if truncated:
            extras.append("[truncated]")
        delay = zone.delays.get(query.key, 0.0)
        if delay > 0:
            extras.append("[delay %gs]" % delay)
        self.log_query(query, peer, RCODES.get(rcode, str(rcode)),
                       0 if truncated else len(answers), extras)
        if delay > 0:
            heapq.heappush(self.timers, (time.monotonic() + delay, next(self.seq),
                                         lambda: send(reply)))
        else:
            send(reply)

    def log_query(self, query, peer, rcode, count, extras):
        line = "dnsd: query %s %s from %s -> %s %d answers" % (
            query.name, query.type_text, fmt_peer(peer), rcode, count)
        self.log(" ".join([line] + extras))


def fmt_peer(peer):
    host, port = peer[0], peer[1]
    return ("[%s]:%d" if ":" in host else "%s:%d") % (host, port)


def bind_sockets(address, port, want_tcp):
    """Bind UDP and (optionally) TCP to the same port.

    With --port 0 the kernel picks the UDP port; TCP may find it taken,
    so a few fresh ports are tried before giving up.
    """
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    for _ in range(20):
        udp = socket.socket(family, socket.SOCK_DGRAM)
        udp.bind((address, port))
        bound = udp.getsockname()[1]
        if not want_tcp:
            return udp, None, bound
        tcp = socket.socket(family, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            tcp.bind((address, bound))
        except OSError:
            tcp.close()
            udp.close()
            if port != 0:
                raise
            continue
        tcp.listen(16)
        return udp, tcp, bound
    raise OSError("no port free for both UDP and TCP")


def make_logger(path):
    """Log lines go to stderr, and to FILE too with --log; always flushed."""
    logfile = open(path, "a", encoding="utf-8") if path else None

    def log(line):
        for stream in (sys.stderr, logfile):
            if stream:
                stream.write(line + "\n")
                stream.flush()
    return log


def parse_args(argv):
    ap = argparse.ArgumentParser(description="A controllable DNS server for tests.")
    ap.add_argument("--address", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--record", nargs=3, action="append", metavar=("NAME", "TYPE", "VALUE"))
    ap.add_argument("--delay", nargs=2, action="append", metavar=("NAME", "SECONDS"))
    ap.add_argument("--nxdomain", action="append", metavar="NAME")
    ap.add_argument("--servfail", action="append", metavar="NAME")
    ap.add_argument("--drop", action="append", metavar="NAME")
    ap.add_argument("--truncate", action="append", metavar="NAME",
                    help="answer NAME over UDP with TC set, forcing a TCP retry")
    ap.add_argument("--ttl", type=int, default=60)
    ap.add_argument("--no-tcp", action="store_true", help="do not serve TCP")
    ap.add_argument("--log", metavar="FILE", help="also append log lines to FILE")
    args = ap.parse_args(argv)
    try:
        zone = Zone(args)
    except (ValueError, OSError) as e:
        ap.error(str(e))
    return args, zone


def main(argv=None):
    args, zone = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    log = make_logger(args.log)
    try:
        udp, tcp, port = bind_sockets(args.address, args.port, not args.no_tcp)
    except OSError as e:
        log("dnsd: bind %s:%d: %s" % (args.address, args.port, e.strerror or e))
        return 1
    log("dnsd: listening on %s" % fmt_peer((args.address, port)))
    Server(zone, log, udp, tcp).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
