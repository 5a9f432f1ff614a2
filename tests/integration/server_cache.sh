#!/usr/bin/env bash
# The open-file cache of a long-lived process (a keep-alive child, a
# prefork worker) must never serve a stale or a forbidden file: between two
# requests on one connection the file is rewritten, truncated, chmod-ed,
# removed, or its directory swapped for a symlink that leads out of the
# root; each time the second answer must reflect the change.
. "$top_srcdir/tests/lib.sh"

make_test_root
mkdir -p "$TEST_DIR/www/d" "$TEST_DIR/outside"
printf 'secret outside the root\n' >"$TEST_DIR/outside/f.txt"

# twice MODE PATH: GET PATH twice on one keep-alive connection; between
# the two, change the file as MODE says. Prints "status1 body1|status2 body2".
twice() {
	python3 - "$PORT" "$1" "$2" "$TEST_DIR" <<'PY'
import os, shutil, socket, sys, time
port, mode, path, top = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
www = os.path.join(top, "www")
def get(s):
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            return "closed", ""
        head += chunk
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for l in lines[1:]:
        if l.lower().startswith("content-length:"):
            length = int(l.split(":")[1])
    body = b""
    while len(body) < length:
        body += s.recv(length - len(body))
    return lines[0].split()[1], body.decode("latin-1").strip()
s = socket.create_connection(("127.0.0.1", port), timeout=5)
a = get(s)
f = os.path.join(www, path.lstrip("/"))
time.sleep(0.02)
if mode == "rewrite":
    with open(f, "w") as fh: fh.write("version two\n")
elif mode == "same-size":
    with open(f, "w") as fh: fh.write("VERSION ONE\n")
elif mode == "chmod":
    os.chmod(f, 0o600)
elif mode == "remove":
    os.unlink(f)
elif mode == "symlink-dir":
    shutil.rmtree(os.path.join(www, "d"))
    os.symlink(os.path.join(top, "outside"), os.path.join(www, "d"))
b = get(s)
print("%s %s|%s %s" % (a[0], a[1], b[0], b[1]))
PY
}

for mode in "" "--prefork 1"; do
	label=${mode:-fork per connection}
	# shellcheck disable=SC2086
	start_sockwebd -q $mode || bail_out "sockwebd $mode did not start"

	rm -f "$TEST_DIR/www/v.txt"; printf 'version one\n' >"$TEST_DIR/www/v.txt"
	is "$(twice rewrite /v.txt)" "200 version one|200 version two" \
		"$label: a rewritten file is served anew"
	rm -f "$TEST_DIR/www/v.txt"; printf 'version one\n' >"$TEST_DIR/www/v.txt"
	is "$(twice same-size /v.txt)" "200 version one|200 VERSION ONE" \
		"$label: a rewrite of the same size is served anew"
	rm -f "$TEST_DIR/www/v.txt"; printf 'version one\n' >"$TEST_DIR/www/v.txt"
	r=$(twice chmod /v.txt)
	like "$r" '^200 version one\|403 ' "$label: a file made unreadable is 403 at once ($r)"
	printf 'gone soon\n' >"$TEST_DIR/www/g.txt"
	r=$(twice remove /g.txt)
	like "$r" '^200 gone soon\|404 ' "$label: a removed file is 404 at once ($r)"
	rm -rf "$TEST_DIR/www/d" && mkdir "$TEST_DIR/www/d"
	printf 'secret outside the root\n' >"$TEST_DIR/www/d/f.txt"
	r=$(twice symlink-dir /d/f.txt)
	like "$r" '^200 secret outside the root\|403 ' \
		"$label: a directory swapped for a symlink out of the root is 403 ($r)"
	rm -f "$TEST_DIR/www/d"; mkdir -p "$TEST_DIR/www/d"
	stop_sockwebd
done

done_testing
