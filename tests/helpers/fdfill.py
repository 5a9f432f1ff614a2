#!/usr/bin/env python3
"""fdfill.py: drive a sockwebd process to its descriptor limit, then ask
for one more resource on a connection opened before (issue 18: the
open-file cache gives its descriptors back on EMFILE).

  fdfill.py --port P --pid PID --spare N --warm PATH... --get PATH

1. One keep-alive connection asks for each --warm path (a prefork worker
   caches each file's descriptor).
2. PID's RLIMIT_NOFILE (soft and hard) is set with `prlimit --pid` to the
   descriptors it has open now + N.
3. Connections that send a partial head (TCP_DEFER_ACCEPT accepts only
   speaking clients) are opened until PID has as many descriptors open as
   its limit allows (or --max-conns).
4. On the first connection, GET --get. The answer's status is printed.

Prints key=value lines: limit, full (descriptors open at the limit),
held (partial connections), status, retry_after, body_len, after (PID's
descriptors just after the answer). Every wait is bounded (--max-time).
"""
import argparse
import os
import socket
import subprocess
import sys
import time


def nfds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def read_response(s, deadline):
    """Status, headers (lower-case names) and body of one response."""
    data = b""
    while b"\r\n\r\n" not in data:
        s.settimeout(max(0.1, deadline - time.time()))
        chunk = s.recv(65536)
        if not chunk:
            return 0, {}, b""
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    fields = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    length = int(fields.get("content-length", "0"))
    while len(body) < length:
        s.settimeout(max(0.1, deadline - time.time()))
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, fields, body


def get(s, path, deadline):
    s.sendall(("GET %s HTTP/1.1\r\nHost: t\r\n\r\n" % path).encode())
    return read_response(s, deadline)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--spare", type=int, default=4)
    ap.add_argument("--warm", nargs="*", default=[])
    ap.add_argument("--get", required=True)
    ap.add_argument("--max-conns", type=int, default=200)
    ap.add_argument("--max-time", type=float, default=20)
    a = ap.parse_args()
    deadline = time.time() + a.max_time
    first = socket.create_connection(("127.0.0.1", a.port), timeout=5)
    for path in a.warm:
        status, _, _ = get(first, path, deadline)
        if status != 200:
            print("warm=%s %d" % (path, status))
            return 1
    limit = nfds(a.pid) + a.spare
    subprocess.run(["prlimit", "--pid", str(a.pid),
                    "--nofile=%d:%d" % (limit, limit)], check=True)
    print("limit=%d" % limit)
    held = []
    while len(held) < a.max_conns and time.time() < deadline:
        if nfds(a.pid) >= limit:
            break
        c = socket.create_connection(("127.0.0.1", a.port), timeout=5)
        c.sendall(b"GET /held HTTP/1.1\r\n")
        held.append(c)
        # until the server took it (or the limit stops it taking more)
        until = time.time() + 0.5
        while nfds(a.pid) < limit and time.time() < until:
            time.sleep(0.01)
    # A few more wait in the backlog: the server must not take them now.
    for _ in range(3):
        c = socket.create_connection(("127.0.0.1", a.port), timeout=5)
        c.sendall(b"GET /held HTTP/1.1\r\n")
        held.append(c)
    time.sleep(0.2)
    print("full=%d" % nfds(a.pid))
    print("held=%d" % len(held))
    status, fields, body = get(first, a.get, deadline)
    print("status=%d" % status)
    print("retry_after=%s" % fields.get("retry-after", "-"))
    print("body_len=%d" % len(body))
    print("after=%d" % nfds(a.pid))
    sys.stdout.flush()
    for c in held:
        c.close()
    first.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
