#!/usr/bin/env python3
"""crawl.py BASE [--start PATH]... [--max-pages N] [--list FILE]

Crawls a site through a running server, standard library only.
Starting from BASE + each --start path (default "/"), it fetches every
page, follows every href and src that stays on BASE's origin, and checks:
  - every reference answers 200 (fragments: the target page has that id);
  - every text/html answer is valid UTF-8 and has a non-empty <title>;
  - a body is exactly as long as its Content-Length says;
  - no page loads a resource (src, <link href>) from another origin.
Prints counts, then one line per problem; exit 0 when there are none.
--list FILE writes the path of every URL fetched with status 200.

Plain http.client with one connection per request: no proxies from the
environment, no redirects followed (a redirect is reported as broken).
"""
import argparse
import http.client
import sys
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

# Attributes that reference another URL, and whether the browser loads the
# target as part of the page (a resource) or only on a click (a link).
REFS = {
    ("a", "href"): "link",
    ("area", "href"): "link",
    ("link", "href"): "resource",
    ("img", "src"): "resource",
    ("script", "src"): "resource",
    ("source", "src"): "resource",
    ("iframe", "src"): "resource",
    ("audio", "src"): "resource",
    ("video", "src"): "resource",
    ("object", "data"): "resource",
}
SKIP_SCHEMES = ("mailto:", "tel:", "javascript:", "data:")


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs = []          # (kind, url)
        self.ids = set()
        self.title = None
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)
            kind = REFS.get((tag, name))
            if kind:
                self.refs.append((kind, value.strip()))
        if tag == "title" and self.title is None:
            self._in_title = True
            self.title = ""

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def fetch(origin, path, timeout):
    """GET path; returns (status, content-type, content-length or None, body)."""
    u = urlsplit(origin)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout)
    try:
        conn.request("GET", path, headers={"User-Agent": "sockweb-crawl"})
        r = conn.getresponse()
        body = r.read()
        length = r.getheader("Content-Length")
        return r.status, r.getheader("Content-Type", ""), length, body
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("--start", action="append")
    ap.add_argument("--max-pages", type=int, default=500)
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("--list")
    a = ap.parse_args()

    base = a.base.rstrip("/") + "/"
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base))
    problems = []
    seen = {}            # path -> status
    ids = {}             # path -> set of ids (HTML pages only)
    fragments = []       # (referrer, path, fragment)
    counts = {"html": 0, "other": 0, "refs": 0, "external": 0, "bytes": 0}
    queue = deque()
    for s in a.start or ["/"]:
        queue.append((urljoin(base, s), "(start)"))

    def visit(url, referrer):
        path = urlsplit(url).path or "/"
        if urlsplit(url).query:
            path += "?" + urlsplit(url).query
        if path in seen:
            return
        if len(seen) >= a.max_pages:
            problems.append(f"LIMIT more than {a.max_pages} URLs, stopped at {path}")
            return
        try:
            status, ctype, length, body = fetch(origin, path, a.timeout)
        except (OSError, http.client.HTTPException) as e:
            seen[path] = 0
            problems.append(f"ERROR {path} (from {referrer}): {e}")
            return
        seen[path] = status
        counts["bytes"] += len(body)
        if status != 200:
            problems.append(f"BROKEN {status} {path} (from {referrer})")
            return
        if length is not None and int(length) != len(body):
            problems.append(f"LENGTH {path}: Content-Length {length}, got {len(body)} bytes")
        if not ctype.split(";")[0].strip().lower() == "text/html":
            counts["other"] += 1
            return
        counts["html"] += 1
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as e:
            problems.append(f"UTF8 {path}: {e}")
            return
        p = PageParser()
        p.feed(text)
        p.close()
        ids[path] = p.ids
        if not (p.title or "").strip():
            problems.append(f"TITLE {path}: no <title> or an empty one")
        for kind, ref in p.refs:
            if not ref or ref.lower().startswith(SKIP_SCHEMES):
                continue
            counts["refs"] += 1
            target, frag = urldefrag(urljoin(url, ref))
            t = urlsplit(target)
            if f"{t.scheme}://{t.netloc}" != origin:
                counts["external"] += 1
                if kind == "resource":
                    problems.append(f"EXTERNAL {path} loads {ref}")
                continue
            tpath = t.path or "/"
            if frag:
                fragments.append((path, tpath, frag))
            queue.append((target, path))

    while queue:
        visit(*queue.popleft())

    for referrer, tpath, frag in fragments:
        if seen.get(tpath) == 200 and tpath in ids and frag not in ids[tpath]:
            problems.append(f"FRAGMENT {tpath}#{frag} (from {referrer}): no such id")

    if a.list:
        with open(a.list, "w") as f:
            for path in sorted(p for p, s in seen.items() if s == 200):
                f.write(path + "\n")

    print(f"urls {len(seen)} html {counts['html']} other {counts['other']} "
          f"refs {counts['refs']} external {counts['external']} "
          f"bytes {counts['bytes']} problems {len(problems)}")
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
