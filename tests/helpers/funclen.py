#!/usr/bin/env python3
"""tests/helpers/funclen.py: the length of every C function in the files
given, in the code's own layout (KNF: the name at the start of a line, the
body's braces alone in column 0). Prints one line per function:
LINES FILE:LINE NAME, LINES counting the body from { to } inclusive."""
import re
import sys

NAME = re.compile(r'^([A-Za-z_]\w*)\(')


def functions(path):
    name = None
    start = None
    with open(path, encoding='utf-8', errors='replace') as f:
        lines = f.read().split('\n')
    for i, line in enumerate(lines, 1):
        m = NAME.match(line)
        if m and start is None:
            name, at = m.group(1), i
        elif line == '{' and name is not None and start is None:
            start = i
        elif line == '}' and start is not None:
            yield i - start + 1, '%s:%d' % (path, at), name
            name = start = None


for p in sys.argv[1:]:
    for n, where, name in functions(p):
        print(n, where, name)
