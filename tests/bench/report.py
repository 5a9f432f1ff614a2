#!/usr/bin/env python3
"""report.py: turn the benchmark's JSON lines into the Markdown report.

    report.py RESULTS.jsonl META.json [OUT.md]

RESULTS.jsonl holds one line per measurement (see measure.py); META.json
describes the run (date, machine, versions, mode, notes). The report goes
to stdout, and to OUT.md when given.

Each cell is the median over the rounds, with [min–max]. Each ratio is
computed round by round (sockwebd and the peer ran side by side in the
same round), and the median of those per-round ratios is reported with
their [min–max]: that is what the targets of issue 8 compare.
Python standard library only.
"""
import json
import statistics
import sys

SERVERS = ["sockwebd", "sockwebd-prefork", "nginx", "lighttpd", "mini_httpd"]

SERVER_ROWS = [
    ("a", "(a) 1 KiB, new connection per request, `ab -c32` (req/s)", 0),
    ("b", "(b) 1 KiB, new connection per request, `ab -c256` (req/s)", 0),
    ("c_ab", "(c) 1 KiB, keep-alive, `ab -k -c32` (req/s)", 0),
    ("c_wrk", "(c) 1 KiB, keep-alive, `wrk -t2 -c32` (req/s)", 0),
    ("d_mbps", "(d) big file, `curl` (MB/s)", 0),
    ("d_rss", "(d) peak RSS of the server's process tree during (d) (MB, sum of VmRSS)", 1),
    ("d_procs", "(d) processes in the server's tree then (most seen)", 0),
]

# (label, test, sockwebd side, peer side, target, higher is better,
#  sockwebd side must have 0 failures)
TARGETS = [
    ("default vs mini_httpd, (a) c32", "a", "sockwebd", "mini_httpd", 2.0, True, False),
    ("default vs mini_httpd, (b) c256, 0 failures", "b", "sockwebd", "mini_httpd", None, True, True),
    ("prefork vs nginx, (a) c32, 0 failures", "a", "sockwebd-prefork", "nginx", 1.0, True, True),
    ("prefork vs nginx, (b) c256, 0 failures", "b", "sockwebd-prefork", "nginx", 1.0, True, True),
    ("keep-alive `ab -k`: default vs nginx", "c_ab", "sockwebd", "nginx", 1.0, True, False),
    ("keep-alive `ab -k`: prefork vs nginx", "c_ab", "sockwebd-prefork", "nginx", 1.0, True, False),
    ("keep-alive `wrk`: default vs nginx", "c_wrk", "sockwebd", "nginx", 1.0, True, False),
    ("keep-alive `wrk`: prefork vs nginx", "c_wrk", "sockwebd-prefork", "nginx", 1.0, True, False),
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
    return {"d_rss": 1, "f": 3, "g_sockwebd": 3, "g_nginx": 3}.get(test, 0)


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
    ra, rb = per_round(rows, test, a), per_round(rows, test, b)
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
        if test in ("d_rss", "d_procs") or not any(present(rows, test, s) for s in SERVERS):
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
    w("## Ratios against the targets of issue 8")
    w("")
    w("Per-round ratio (both sides measured in the same round), median [min–max].")
    w("")
    w("| row | ratio | target | failures (sockwebd side) | met |")
    w("|---|---:|---:|---:|:---:|")
    for label, test, a, b, target, higher, zero_fail in TARGETS:
        if not (present(rows, test, a) and present(rows, test, b)):
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
        vals = values(rows, "d_rss", server)
        if vals:
            peak = max(vals)
            w("| big file: peak RSS of the %s tree (max over rounds) | %.1f MB | < %.0f MB | – | %s |"
              % ("default" if server == "sockwebd" else "prefork", peak, RSS_LIMIT_MB,
                 "yes" if peak < RSS_LIMIT_MB else "**no**"))
    w("")
    return "\n".join(out)


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
