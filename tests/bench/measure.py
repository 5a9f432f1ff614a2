#!/usr/bin/env python3
"""measure.py: the small measuring tools tests/bench/bench.sh needs.

    measure.py freeport                    a free TCP port on 127.0.0.1
    measure.py waitport PORT [SECONDS]     exit 0 once 127.0.0.1:PORT accepts
    measure.py ab ROUND TEST SERVER FILE RC N      one JSON result from ab's output
    measure.py wrk ROUND TEST SERVER FILE RC       one JSON result from wrk's output
    measure.py download ROUND SERVER PID BYTES -- CMD...
        run CMD (curl or sockget with -w '%{size_download} %{http_code}'),
        once timed alone, then once while sampling the resident memory
        (VmRSS) of PID and all its descendants every 50 ms; print three
        JSON results: MB/s, the peak RSS of the tree (MB), and the most
        processes seen in the tree
    measure.py fetch ROUND TEST SERVER BYTES -- CMD...
        the same without the RSS sampling (the client comparison)
    measure.py timeit ROUND TEST SERVER -- CMD...
        wall time of CMD in seconds, as a JSON result
    measure.py load ROUND TEST SERVER PID OUT -- CMD...
        run CMD (wrk), its output to OUT, while sampling the server tree
        of PID every 100 ms; print four JSON results: TEST (req/s, its
        failures the socket errors), TEST_err (socket errors, time-outs
        included, plus non-2xx/3xx answers), TEST_rss (peak MB), TEST_procs
    measure.py slow ROUND ATTACK SERVER URL SECONDS READY -- CMD...
        start CMD (tests/helpers/slowclients.py writing READY once its
        connections are in the attack), then fetch URL with curl once a
        second for SECONDS; stop CMD. One JSON result: test s_ATTACK,
        value the median probe latency (ms), fail the probes that were
        not 200 within 1 s, and "max" (ms), "probes", "ready" (what READY
        said: connections in the attack / attempted)

Every result is one JSON line: {"round", "test", "server", "value",
"fail", "note"}; value is null when the run did not produce a number.
Python standard library only.
"""
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time


def result(rnd, test, server, value, fail=0, note=""):
    print(json.dumps({"round": int(rnd), "test": test, "server": server,
                      "value": value, "fail": fail, "note": note}))
    sys.stdout.flush()


def freeport():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    print(port)


def waitport(port, seconds=10.0):
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", int(port)), timeout=0.5).close()
            return 0
        except OSError:
            time.sleep(0.05)
    return 1


def num(pattern, text, default=None, cast=float):
    m = re.search(pattern, text, re.M)
    return cast(m.group(1)) if m else default


def parse_ab(rnd, test, server, path, rc, total="0"):
    text = open(path, encoding="utf-8", errors="replace").read()
    rps = num(r"^Requests per second:\s+([\d.]+)", text)
    failed = num(r"^Failed requests:\s+(\d+)", text, 0, int)
    non2xx = num(r"^Non-2xx responses:\s+(\d+)", text, 0, int)
    complete = num(r"^Complete requests:\s+(\d+)", text, None, int)
    note = ""
    if int(rc) != 0 or rps is None:
        # ab gave up (timeout, reset without -r, ...): no rate, and count
        # what it did not complete as failed.
        missing = max(1, int(total) - (complete or 0))
        note = "ab exit %s: %s" % (rc, last_error(text))
        result(rnd, test, server, None, failed + non2xx + missing, note)
        return
    result(rnd, test, server, rps, failed + non2xx, note)


def last_error(text):
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    for l in reversed(lines):
        if "apr_" in l or "error" in l.lower() or "Terminated" in l or "timed out" in l.lower():
            return l[:120]
    return lines[-1][:120] if lines else "no output"


def parse_wrk(rnd, test, server, path, rc):
    rps, errors, text = wrk_counts(path)
    if int(rc) != 0 or rps is None:
        result(rnd, test, server, None, errors or 1, "wrk exit %s: %s" % (rc, last_error(text)))
        return
    result(rnd, test, server, rps, errors, "")


def tree_rss_kb(root):
    """(sum of VmRSS in kB, number of processes) over root and every
    descendant, from one scan of /proc."""
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
        fields = stat[stat.rfind(b")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(name))
    total, count, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        count += 1
                        break
        except OSError:
            pass
        todo.extend(children.get(pid, []))
    return total, count


def run_transfer(cmd, expect, pid=None):
    """Run a download command; returns (seconds, ok, note, peak_kb, procs).

    With pid, a thread samples the server tree every 50 ms meanwhile.
    """
    peak = list(tree_rss_kb(pid)) if pid else [0, 0]
    done = threading.Event()

    def sampler():
        while not done.wait(0.05):
            kb, n = tree_rss_kb(pid)
            peak[0], peak[1] = max(peak[0], kb), max(peak[1], n)
    thread = None
    if pid:
        thread = threading.Thread(target=sampler, daemon=True)
        thread.start()
    t0 = time.monotonic()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seconds = time.monotonic() - t0
    done.set()
    if thread:
        thread.join()
    out = proc.stdout.decode(errors="replace").split()
    ok = proc.returncode == 0 and len(out) >= 2 and out[-2] == str(expect) and out[-1] == "200"
    note = "" if ok else "exit %d, got %s; %s" % (
        proc.returncode, " ".join(out[-2:]), proc.stderr.decode(errors="replace").strip()[:120])
    return seconds, ok, note, peak[0], peak[1]


def download(rnd, server, pid, expect, cmd):
    """Two transfers: one timed alone (scanning /proc would take CPU from
    the server on a small machine), then one with the RSS sampler."""
    seconds, ok, note, _, _ = run_transfer(cmd, expect)
    result(rnd, "d_mbps", server, int(expect) / seconds / 1e6 if ok else None, 0 if ok else 1, note)
    time.sleep(0.2)
    _, ok, note, peak, procs = run_transfer(cmd, expect, int(pid))
    result(rnd, "d_rss", server, peak / 1024.0 if ok else None, 0 if ok else 1, note)
    result(rnd, "d_procs", server, procs if ok else None, 0, "")


def fetch(rnd, test, server, expect, cmd):
    seconds, ok, note, _, _ = run_transfer(cmd, expect)
    result(rnd, test, server, int(expect) / seconds / 1e6 if ok else None, 0 if ok else 1, note)


def timeit(rnd, test, server, cmd):
    t0 = time.monotonic()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.monotonic() - t0
    if proc.returncode != 0:
        result(rnd, test, server, None, 1, "exit %d: %s" % (
            proc.returncode, proc.stderr.decode(errors="replace").strip()[:120]))
    else:
        result(rnd, test, server, seconds)


def wrk_counts(path):
    """(req/s or None, socket errors + non-2xx/3xx) from wrk's output."""
    text = open(path, encoding="utf-8", errors="replace").read()
    rps = num(r"^Requests/sec:\s+([\d.]+)", text)
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    errors = sum(int(x) for x in m.groups()) if m else 0
    errors += num(r"Non-2xx or 3xx responses:\s+(\d+)", text, 0, int)
    return rps, errors, text


def load(rnd, test, server, pid, out, cmd):
    """A load run (wrk) with the server tree's RSS and processes sampled."""
    pid = int(pid)
    peak = list(tree_rss_kb(pid))
    done = threading.Event()

    def sampler():
        while not done.wait(0.1):
            kb, n = tree_rss_kb(pid)
            peak[0], peak[1] = max(peak[0], kb), max(peak[1], n)
    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    with open(out, "wb") as f:
        proc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
    done.set()
    thread.join()
    rps, errors, text = wrk_counts(out)
    if proc.returncode != 0 or rps is None:
        note = "wrk exit %d: %s" % (proc.returncode, last_error(text))
        result(rnd, test, server, None, errors or 1, note)
        result(rnd, test + "_err", server, None, errors or 1, note)
    else:
        result(rnd, test, server, rps, errors)
        result(rnd, test + "_err", server, errors, errors)
    result(rnd, test + "_rss", server, peak[0] / 1024.0)
    result(rnd, test + "_procs", server, peak[1])


def probe(url):
    """Latency of one normal request in ms, and whether it was a 200."""
    proc = subprocess.run(["curl", "-s", "-o", "/dev/null", "-m", "5", "-w",
                           "%{http_code} %{time_total}", url],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.decode(errors="replace").split()
    if len(out) != 2:
        return 5000.0, False
    return float(out[1]) * 1000.0, out[0] == "200"


def slow(rnd, attack, server, url, seconds, ready, cmd):
    """Probes once a second while an attack runs; see the module doc."""
    if os.path.exists(ready):
        os.unlink(ready)
    attacker = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not os.path.exists(ready) and attacker.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        said = open(ready).read().strip() if os.path.exists(ready) else "not ready"
        times, bad = [], 0
        for i in range(int(seconds)):
            if i:
                time.sleep(max(0.0, 1.0 - (time.monotonic() - t0)))
            t0 = time.monotonic()
            ms, is200 = probe(url)
            times.append(ms)
            if not is200 or ms > 1000.0:
                bad += 1
    finally:
        attacker.terminate()
        try:
            attacker.wait(10)
        except subprocess.TimeoutExpired:
            attacker.kill()
            attacker.wait()
    print(json.dumps({"round": int(rnd), "test": "s_" + attack, "server": server,
                      "value": statistics.median(times) if times else None,
                      "fail": bad, "note": "", "max": max(times) if times else None,
                      "probes": len(times), "ready": said}))
    sys.stdout.flush()


def split_cmd(args):
    if "--" not in args:
        sys.exit("measure.py: missing -- before the command")
    i = args.index("--")
    return args[:i], args[i + 1:]


def main(argv):
    if not argv:
        sys.exit(__doc__)
    what, args = argv[0], argv[1:]
    if what == "freeport":
        freeport()
    elif what == "waitport":
        return waitport(*args)
    elif what == "ab":
        parse_ab(*args)
    elif what == "wrk":
        parse_wrk(*args)
    elif what == "download":
        head, cmd = split_cmd(args)
        download(*head, cmd)
    elif what == "fetch":
        head, cmd = split_cmd(args)
        fetch(*head, cmd)
    elif what == "load":
        head, cmd = split_cmd(args)
        load(*head, cmd)
    elif what == "slow":
        head, cmd = split_cmd(args)
        slow(*head, cmd)
    elif what == "timeit":
        head, cmd = split_cmd(args)
        timeit(*head, cmd)
    else:
        sys.exit("measure.py: unknown command %r" % what)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
