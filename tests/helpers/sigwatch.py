#!/usr/bin/env python3
"""sigwatch.py: send a signal to a server and time what it does then.

Used by tests/security/signals_load.sh (issue 12): how long after SIGTERM
the listening socket refuses connections and the server has exited, how
long after SIGHUP the access log is reopened.

    python3 tests/helpers/sigwatch.py --pid PID --signal TERM --port PORT
        [--max-time 10]
    python3 tests/helpers/sigwatch.py --pid PID --signal HUP --log-file FILE
        [--max-time 10]

TERM (or INT): after the signal, a connect() to 127.0.0.1:PORT every 2 ms
(a connection that is accepted into the backlog is closed at once) until
one is refused, and /proc/PID polled until the process has exited (gone,
or a zombie its parent has not reaped yet). HUP: after the signal, FILE
is polled every 2 ms until it exists and holds a whole line. At the end
one JSON object goes to stdout, times in milliseconds since the signal
(null: not within --max-time):

    {"signal": "TERM", "refused_ms": 12.3, "exited_ms": 250.1, "connects": 6}
    {"signal": "HUP", "log_ms": 40.2}

Python standard library only. Exit status 0, or 2 on bad usage.
"""
import argparse
import errno
import json
import os
import signal
import socket
import sys
import time


def exited(pid):
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            stat = f.read()
    except OSError:
        return True
    return stat[stat.rfind(b")") + 2:].split()[0] in (b"Z", b"X")


def refused(port):
    """True once 127.0.0.1:port refuses (nothing listens there)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(0.05)
    try:
        err = s.connect_ex(("127.0.0.1", port))
    except socket.timeout:
        err = errno.ETIMEDOUT
    finally:
        s.close()
    return err == errno.ECONNREFUSED


def has_line(path):
    try:
        with open(path, "rb") as f:
            return b"\n" in f.read(65536)
    except OSError:
        return False


def ms_since(t0):
    return round((time.monotonic() - t0) * 1000.0, 1)


def watch_term(args, t0):
    end = t0 + args.max_time
    refused_ms = exited_ms = None
    connects = 0
    while time.monotonic() < end and (refused_ms is None or exited_ms is None):
        if refused_ms is None:
            connects += 1
            if refused(args.port):
                refused_ms = ms_since(t0)
        if exited_ms is None and exited(args.pid):
            exited_ms = ms_since(t0)
        time.sleep(0.002)
    return {"signal": args.signal, "refused_ms": refused_ms,
            "exited_ms": exited_ms, "connects": connects}


def watch_hup(args, t0):
    end = t0 + args.max_time
    while time.monotonic() < end:
        if has_line(args.log_file):
            return {"signal": args.signal, "log_ms": ms_since(t0)}
        time.sleep(0.002)
    return {"signal": args.signal, "log_ms": None}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--signal", choices=("TERM", "INT", "HUP"), required=True)
    ap.add_argument("--port", type=int)
    ap.add_argument("--log-file")
    ap.add_argument("--max-time", type=float, default=10.0)
    args = ap.parse_args()
    if args.signal == "HUP" and not args.log_file:
        ap.error("HUP needs --log-file")
    if args.signal != "HUP" and not args.port:
        ap.error("%s needs --port" % args.signal)
    if not 0 < args.max_time <= 120:
        ap.error("--max-time must be in (0, 120]")
    t0 = time.monotonic()
    os.kill(args.pid, getattr(signal, "SIG" + args.signal))
    result = watch_hup(args, t0) if args.signal == "HUP" else watch_term(args, t0)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
