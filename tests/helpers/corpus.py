#!/usr/bin/env python3
"""corpus.py: send every target of a request corpus to a server, in one
process, and print one verdict line per target for the shell to report.

  corpus.py --port P --targets FILE [--timeout S] [--marker M]...

A corpus line is a request target as rawreq.py's --data takes it
(backslash escapes; {REPEAT:N:TEXT} stands for N copies of TEXT); empty
lines and lines starting with # are skipped. Each target goes out as
"GET <target> HTTP/1.0\\r\\n\\r\\n" on its own connection. A target passes
when the answer's status line is a 4xx, it comes within --timeout
seconds, and no --marker appears in it. Output, tab-separated:

  ok|not ok <TAB> short target <TAB> status <TAB> note

where the note says why it failed, or "reset" when the server reset the
connection after a complete answer (a pass, worth a diagnostic).
"""
import argparse
import re
import socket
import sys


def expand(line):
    line = re.sub(r"\{REPEAT:(\d+):([^}]*)\}",
                  lambda m: m.group(2) * int(m.group(1)), line)
    return line.encode("latin-1").decode("unicode_escape").encode("latin-1")


def exchange(port, data, timeout):
    """(bytes received, how it ended: eof | reset | timeout)."""
    out = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return out, "eof"
                out += chunk
        except socket.timeout:
            return out, "timeout"
        except ConnectionResetError:
            return out, "reset"


def short(line):
    """A TAP-safe form of a corpus line for a test name."""
    t = line if len(line) <= 70 else "%s...(%d chars)" % (line[:60], len(line))
    return t.replace("#", "%23").replace("\t", " ")


def judge(out, how, markers, timeout):
    first = out.split(b"\r\n", 1)[0]
    m = re.match(rb"HTTP/1\.[01] (\d{3}) ", first)
    status = m.group(1).decode() if m else "none"
    if how == "timeout":
        return status, "no answer within %g s" % timeout
    if not m or not status.startswith("4"):
        return status, "status line: %r" % first[:80]
    if any(mk in out for mk in markers):
        return status, "a marker leaked"
    return status, ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--targets", required=True)
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--marker", action="append", default=[])
    args = ap.parse_args()
    markers = [m.encode() for m in args.marker]
    for line in open(args.targets, encoding="latin-1").read().splitlines():
        if not line or line.startswith("#"):
            continue
        data = b"GET " + expand(line) + b" HTTP/1.0\r\n\r\n"
        try:
            out, how = exchange(args.port, data, args.timeout)
        except OSError as e:
            out, how = b"", "error"
            status, why = "none", "connect/send: %s" % e
        else:
            status, why = judge(out, how, markers, args.timeout)
        note = why or ("reset" if how == "reset" else "")
        print("%s\t%s\t%s\t%s" % ("not ok" if why else "ok", short(line),
                                  status, note), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
