#!/usr/bin/env python3
"""report.py: turn the benchmark's JSON lines into the Markdown report.

    report.py RESULTS.jsonl META.json [OUT.md]

RESULTS.jsonl holds one line per measurement (see measure.py); META.json
describes the run (date, machine, versions, mode, notes). The report goes
to stdout, and to OUT.md when given.

Each cell is the median over the rounds, with [min–max]. Each ratio is
computed round by round (sockwebd and the peer ran side by side in the
same round; "the best of" peers: the best of them in that round), and
the median of those per-round ratios is reported with their [min–max]:
that is what the targets of issues 8 and 12 compare. The slow-client
table gives, per attack and server, how many probes got 200 within 1 s
and their latency.
Python standard library only.
"""
import json
import statistics
import sys

SERVERS = ["sockwebd", "sockwebd-prefork", "nginx", "lighttpd", "h2o", "mini_httpd"]
BEST_PEER = ("h2o", "lighttpd", "nginx")

SERVER_ROWS = [
    ("a", "(a) 1 KiB, new connection per request, `ab -c32` (req/s)", 0),
    ("b", "(b) 1 KiB, new connection per request, `ab -c256` (req/s)", 0),
    ("c_ab", "(c) 1 KiB, keep-alive, `ab -k -c32` (req/s)", 0),
    ("c_wrk", "(c) 1 KiB, keep-alive, `wrk -t1 -c32` (req/s)", 0),
    ("k10", "(k) 1 KiB, 10 000 connections, `wrk -t2 -c10000` (req/s)", 0),
    ("k10_err", "(k) socket errors (time-outs included) + non-2xx, `wrk -t2 -c10000`", 0),
    ("k10_rss", "(k) peak RSS of the server's process tree during (k) (MB)", 1),
    ("k10_procs", "(k) processes in the server's tree then (most seen)", 0),
    ("d_mbps", "(d) big file, `curl` (MB/s)", 0),
    ("d_rss", "(d) peak RSS of the server's process tree during (d) (MB, sum of VmRSS)", 1),
    ("d_procs", "(d) processes in the server's tree then (most seen)", 0),
]

# (label, test, sockwebd side, peer side, target, higher is better,
#  sockwebd side must have 0 failures)
# The peer side may be a tuple: the best of them in each round.
TARGETS = [
    ("default vs mini_httpd, (a) c32", "a", "sockwebd", "mini_httpd", 2.0, True, False),
    ("default vs mini_httpd, (a) c32: not slower than before issue 12", "a", "sockwebd", "mini_httpd", 1.4, True, False),
    ("default vs mini_httpd, (b) c256, 0 failures", "b", "sockwebd", "mini_httpd", None, True, True),
    ("prefork vs nginx, (a) c32, 0 failures", "a", "sockwebd-prefork", "nginx", 1.0, True, True),
    ("prefork vs nginx, (b) c256, 0 failures", "b", "sockwebd-prefork", "nginx", 1.0, True, True),
    ("prefork vs h2o, (a) c32, 0 failures", "a", "sockwebd-prefork", "h2o", 1.0, True, True),
    ("prefork vs h2o, (b) c256, 0 failures", "b", "sockwebd-prefork", "h2o", 1.0, True, True),
    ("keep-alive `ab -k`: prefork vs the best of h2o, lighttpd, nginx", "c_ab", "sockwebd-prefork", BEST_PEER, 1.0, True, False),
    ("keep-alive `wrk -t1`: prefork vs the best of h2o, lighttpd, nginx", "c_wrk", "sockwebd-prefork", BEST_PEER, 1.0, True, False),
    ("keep-alive `ab -k`: default vs nginx", "c_ab", "sockwebd", "nginx", 1.0, True, False),
    ("keep-alive `ab -k`: prefork vs nginx", "c_ab", "sockwebd-prefork", "nginx", 1.0, True, False),
    ("keep-alive `wrk -t1`: default vs nginx", "c_wrk", "sockwebd", "nginx", 1.0, True, False),
    ("keep-alive `wrk -t1`: prefork vs nginx", "c_wrk", "sockwebd-prefork", "nginx", 1.0, True, False),
    ("big file: default vs lighttpd", "d_mbps", "sockwebd", "lighttpd", 0.9, True, False),
    ("big file: prefork vs lighttpd", "d_mbps", "sockwebd-prefork", "lighttpd", 0.9, True, False),
    ("sockget vs curl, big file from sockwebd (median of alternating pairs)", "e", "sockget", "curl", 0.9, True, False),
    ("sockget -Z vs curl -Z, 20 URLs from sockwebd (time)", "g_sockwebd", "sockget", "curl", 1.0, False, False),
    ("sockget -Z vs curl -Z, 20 URLs from nginx (time)", "g_nginx", "sockget", "curl", 1.0, False, False),
    ("8 names vs 1 name (time; 200 ms DNS delay each)", "f", "8 names", "1 name", 1.5, False, False),
]

RSS_LIMIT_MB = 8.0

# Tests run in back-to-back pairs several times a round: their ratio is the
# median of the pairs' ratios rather than of the round medians.
PAIRED = ("e", "g_sockwebd", "g_nginx")


def load(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    return rows


def fmt(v, digits):
    if v is None:
        return "n/a"
    if digits == 0:
        return "%d" % round(v)
    return "%.*f" % (digits, v)


def digits_for(test):
    return {"d_rss": 1, "k10_rss": 1, "f": 3, "g_sockwebd": 3, "g_nginx": 3}.get(test, 0)


def values(rows, test, server):
    return [r["value"] for r in rows if r["test"] == test and r["server"] == server
            and r["value"] is not None]


def failures(rows, test, server):
    return sum(r["fail"] for r in rows if r["test"] == test and r["server"] == server)


def present(rows, test, server):
    return any(r["test"] == test and r["server"] == server for r in rows)


def cell(vals, digits):
    if not vals:
        return "n/a"
    med = statistics.median(vals)
    if len(vals) == 1:
        return fmt(med, digits)
    return "%s [%s–%s]" % (fmt(med, digits), fmt(min(vals), digits), fmt(max(vals), digits))


def per_round(rows, test, server):
    out = {}
    for r in rows:
        if r["test"] == test and r["server"] == server and r["value"] is not None:
            out.setdefault(r["round"], []).append(r["value"])
    return {k: statistics.median(v) for k, v in out.items()}


def best_per_round(rows, test, servers):
    """Each round's best (highest) value among servers."""
    best = {}
    for server in servers:
        for k, v in per_round(rows, test, server).items():
            best[k] = max(best.get(k, v), v)
    return best


def pair_ratios(rows, test, a, b):
    """a/b for each back-to-back pair of runs, in the order they ran."""
    ratios, last = [], {}
    for r in rows:
        if r["test"] != test or r["server"] not in (a, b):
            continue
        last[r["server"]] = r["value"]
        if a in last and b in last:
            if last[a] is not None and last[b]:
                ratios.append(last[a] / last[b])
            last = {}
    return ratios


def ratio_cell(rows, test, a, b):
    ra = per_round(rows, test, a)
    rb = best_per_round(rows, test, b) if isinstance(b, tuple) else per_round(rows, test, b)
    ratios = [ra[k] / rb[k] for k in sorted(ra) if k in rb and rb[k]]
    if test in PAIRED:
        ratios = pair_ratios(rows, test, a, b)
    if not ratios:
        return None, "n/a"
    med = statistics.median(ratios)
    if len(ratios) == 1:
        return med, "%.2f×" % med
    return med, "%.2f× [%.2f–%.2f]" % (med, min(ratios), max(ratios))


def report(rows, meta):
    out = []
    w = out.append
    w("# sockweb benchmark (`make bench%s`)" % ("-quick" if meta.get("mode") == "quick" else ""))
    w("")
    w("- date: %s" % meta.get("date", "?"))
    w("- machine: %s × %s, Linux %s; load average %s at the start, %s at the end"
      % (meta.get("nproc", "?"), meta.get("cpu", "?"), meta.get("kernel", "?"),
         meta.get("load_start", "?"), meta.get("load_end", "?")))
    w("- sockwebd %s (git %s); peers: %s; tools: %s"
      % (meta.get("sockweb_version", "?"), meta.get("git", "?"),
         ", ".join(meta.get("peers", [])), ", ".join(meta.get("tools", []))))
    w("- %s, %s round%s, interleaved: each test runs every server back to back, "
      "the order rotated each round; all traffic on 127.0.0.1"
      % (meta.get("mode", "?"), meta.get("rounds", "?"), "" if str(meta.get("rounds")) == "1" else "s"))
    for note in meta.get("notes", []):
        w("- %s" % note)
    w("")
    w("## Servers")
    w("")
    w("Median [min–max] over the rounds.")
    w("")
    w("| test | " + " | ".join(SERVERS) + " |")
    w("|---|" + "---:|" * len(SERVERS))
    for test, label, _ in SERVER_ROWS:
        if not any(present(rows, test, s) for s in SERVERS):
            continue
        w("| %s | " % label + " | ".join(
            cell(values(rows, test, s), digits_for(test)) if present(rows, test, s) else "–"
            for s in SERVERS) + " |")
    w("")
    w("Failures, summed over the rounds (ab: `Failed requests` + `Non-2xx "
      "responses`, or the requests not completed when ab gave up; wrk: socket "
      "errors + non-2xx/3xx; curl: failed transfers):")
    w("")
    w("| test | " + " | ".join(SERVERS) + " |")
    w("|---|" + "---:|" * len(SERVERS))
    for test, label, _ in SERVER_ROWS:
        if test in ("d_rss", "d_procs", "k10_err", "k10_rss", "k10_procs") or \
                not any(present(rows, test, s) for s in SERVERS):
            continue
        w("| %s | " % label.rsplit(" (", 1)[0] + " | ".join(
            str(failures(rows, test, s)) if present(rows, test, s) else "–" for s in SERVERS) + " |")
    w("")
    if present(rows, "e", "curl") or present(rows, "f", "1 name") or present(rows, "g_sockwebd", "curl"):
        w("## Client (sockget)")
        w("")
        w("| test | sockget | curl | failures |")
        w("|---|---:|---:|---:|")
        if present(rows, "e", "curl"):
            w("| (e) big file from sockwebd, `-o /dev/null` (MB/s; median [min–max] of %d runs each) | %s | %s | %d |" % (
                len(values(rows, "e", "sockget")),
                cell(values(rows, "e", "sockget"), 0), cell(values(rows, "e", "curl"), 0),
                failures(rows, "e", "sockget") + failures(rows, "e", "curl")))
        for srv in ("sockwebd", "nginx"):
            t = "g_" + srv
            if present(rows, t, "curl"):
                w("| (g) `-Z`, 20 URLs × 1 MiB from %s (seconds; %d runs each) | %s | %s | %d |" % (
                    srv, len(values(rows, t, "sockget")),
                    cell(values(rows, t, "sockget"), 3), cell(values(rows, t, "curl"), 3),
                    failures(rows, t, "sockget") + failures(rows, t, "curl")))
        w("")
        if present(rows, "f", "1 name"):
            w("| (f) sockget, names resolved (each answer delayed 200 ms) | 1 name | 8 names | failures |")
            w("|---|---:|---:|---:|")
            w("| seconds for the whole run (resolve + fetch 1 KiB per URL) | %s | %s | %d |" % (
                cell(values(rows, "f", "1 name"), 3), cell(values(rows, "f", "8 names"), 3),
                failures(rows, "f", "1 name") + failures(rows, "f", "8 names")))
            w("")
    slow_report(rows, w)
    w("## Ratios against the targets of issues 8 and 12")
    w("")
    w("Per-round ratio (both sides measured in the same round), median [min–max].")
    w("")
    w("| row | ratio | target | failures (sockwebd side) | met |")
    w("|---|---:|---:|---:|:---:|")
    for label, test, a, b, target, higher, zero_fail in TARGETS:
        peers = b if isinstance(b, tuple) else (b,)
        if not (present(rows, test, a) and any(present(rows, test, p) for p in peers)):
            continue
        med, text = ratio_cell(rows, test, a, b)
        fails = failures(rows, test, a)
        checks = []
        if target is not None:
            checks.append(med is not None and (med >= target if higher else med < target))
        if zero_fail:
            checks.append(fails == 0)
        tgt = "–" if target is None else ("≥ %.1f×" % target if higher else "< %.1f×" % target)
        if zero_fail:
            tgt = "0 failures" if target is None else tgt + " (0 failures)"
        w("| %s | %s | %s | %d | %s |" % (label, text, tgt, fails, "yes" if all(checks) else "**no**"))
    for server in ("sockwebd", "sockwebd-prefork"):
        if present(rows, "k10_err", server):
            errs = sum(v for v in values(rows, "k10_err", server)) + sum(
                r["fail"] for r in rows if r["test"] == "k10_err" and r["server"] == server
                and r["value"] is None)
            w("| `wrk -t2 -c10000`: %s, socket errors (sum over rounds) | %d | 0 | %d | %s |"
              % ("default" if server == "sockwebd" else "prefork", errs, errs,
                 "yes" if errs == 0 else "**no**"))
    for server in ("sockwebd", "sockwebd-prefork"):
        slow = [r for r in rows if r["test"].startswith("s_") and r["server"] == server]
        if slow:
            bad = sum(r["fail"] for r in slow) + sum(1 for r in slow if not r.get("probes"))
            w("| slow clients: %s, probes not 200 within 1 s (all attacks) | %d of %d | 0 | %d | %s |"
              % ("default" if server == "sockwebd" else "prefork", bad,
                 sum(r.get("probes") or 0 for r in slow), bad, "yes" if bad == 0 else "**no**"))
    for server in ("sockwebd", "sockwebd-prefork"):
        vals = values(rows, "d_rss", server)
        if vals:
            peak = max(vals)
            w("| big file: peak RSS of the %s tree (max over rounds) | %.1f MB | < %.0f MB | – | %s |"
              % ("default" if server == "sockwebd" else "prefork", peak, RSS_LIMIT_MB,
                 "yes" if peak < RSS_LIMIT_MB else "**no**"))
    w("")
    return "\n".join(out)


SLOW_ATTACKS = [
    ("slowloris", "slowloris: the head one byte a second"),
    ("slowbody", "slow body: GET + Content-Length, one byte a second"),
    ("slowread", "slow read of a 5 MB file (1 KiB receive buffer, ~300 B/s)"),
    ("idle", "idle keep-alive holders (HTTP/1.0 keep-alive, one request)"),
    ("trickle", "the next keep-alive request one byte a second"),
]


def slow_cell(r):
    if not r.get("probes"):
        return "no probe (%s)" % r.get("ready", "?")
    good = r["probes"] - r["fail"]
    return "%s%d/%d 200, p50 %.0f ms, max %.0f ms" % (
        "" if good == r["probes"] else "**", good, r["probes"], r["value"], r["max"]) + (
        "" if good == r["probes"] else "**")


def slow_report(rows, w):
    slow = [r for r in rows if r["test"].startswith("s_")]
    if not slow:
        return
    servers = [s for s in SERVERS if any(r["server"] == s for r in slow)]
    count = {r.get("ready", "").split(" ")[-1] for r in slow} - {""}
    w("## Slow clients")
    w("")
    w("%s connections of one attack at a time; a normal request (curl, 1 KiB) "
      "once a second meanwhile: probes answered 200 within 1 s, and their "
      "latency (median, max)." % ("/".join(sorted(count)) or "?"))
    w("")
    w("| attack | " + " | ".join(servers) + " |")
    w("|---|" + "---|" * len(servers))
    for test, label in SLOW_ATTACKS:
        cells = []
        for s in servers:
            rs = [r for r in slow if r["test"] == "s_" + test and r["server"] == s]
            cells.append(slow_cell(rs[0]) if rs else "–")
        w("| %s | " % label + " | ".join(cells) + " |")
    w("")


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    rows = load(argv[0])
    with open(argv[1], encoding="utf-8") as f:
        meta = json.load(f)
    text = report(rows, meta)
    print(text)
    if len(argv) > 2:
        with open(argv[2], "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
