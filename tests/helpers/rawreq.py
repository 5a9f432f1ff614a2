#!/usr/bin/env python3
"""rawreq.py: send raw bytes over TCP and print what comes back.

Used by integration tests for requests curl will not send (bad syntax,
split writes, pipelining). The data argument takes backslash escapes
(\\r \\n \\x00 ...). Exits 0 once the server closes, 3 on time-out.
"""
import argparse
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--data", default="")
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--byte-delay", type=float, default=0.0,
                    help="send one byte at a time, sleeping between them")
    ap.add_argument("--half-close", action="store_true",
                    help="shutdown(SHUT_WR) after sending")
    args = ap.parse_args()
    data = args.data.encode("latin-1").decode("unicode_escape").encode("latin-1")
    fam = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(args.timeout)
    s.connect((args.host, args.port))
    if args.byte_delay > 0:
        for i in range(len(data)):
            s.sendall(data[i:i + 1])
            time.sleep(args.byte_delay)
    else:
        s.sendall(data)
    if args.half_close:
        s.shutdown(socket.SHUT_WR)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except socket.timeout:
        sys.stdout.buffer.write(out)
        return 3
    except ConnectionResetError:
        sys.stdout.buffer.write(out)
        return 4
    sys.stdout.buffer.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
