/*
 * Unit tests for server/path.c: request target -> path under the root.
 * Every attack form of issue 7's traversal corpus has a row here, so a
 * regression shows up as one named case, not as a file served by mistake.
 */
#include "config.h"

#include <stdlib.h>

#include "sockwebd.h"
#include "tap.h"

struct pcase {
	const char	*target;
	int		 status;	/* 0: a path */
	const char	*path;
	bool		 slash;		/* trailing_slash */
};

static const struct pcase cases[] = {
	/* plain paths */
	{ "/", 0, "", true },
	{ "/index.html", 0, "index.html", false },
	{ "/a/b", 0, "a/b", false },
	{ "/a/b/", 0, "a/b", true },
	{ "//a//b", 0, "a/b", false },
	{ "///", 0, "", true },
	{ "/a%20b.txt", 0, "a b.txt", false },
	{ "/caf%C3%A9", 0, "caf\xc3\xa9", false },
	{ "/a%2fb", 0, "a/b", false },
	{ "/a;b=c", 0, "a;b=c", false },
	{ "/..;/x", 404, "", false },
	{ "/a..b", 0, "a..b", false },
	{ "/a/...", 404, "", false },
	{ "/~user", 0, "~user", false },
	/* dot segments (RFC 3986 5.2.4) */
	{ "/a/./b", 0, "a/b", false },
	{ "/a/b/../c", 0, "a/c", false },
	{ "/a/..", 0, "", true },
	{ "/a/.", 0, "a", true },
	{ "/a/b/..", 0, "a", true },
	{ "/./", 0, "", true },
	{ "/a/%2e/b", 0, "a/b", false },
	{ "/a/b/%2e%2e/c", 0, "a/c", false },
	/* climbing above the root is refused, not clamped */
	{ "/..", 400, "", false },
	{ "/../", 400, "", false },
	{ "/../x", 400, "", false },
	{ "/a/../../x", 400, "", false },
	{ "/./../x", 400, "", false },
	{ "/%2e%2e/x", 400, "", false },
	{ "/%2E%2E%2Fx", 400, "", false },
	{ "/.%2e/x", 400, "", false },
	{ "/..%2f..%2fetc/passwd", 400, "", false },
	{ "/a/%2e%2e/%2e%2e/etc/passwd", 400, "", false },
	{ "http://host/../x", 400, "", false },
	/* decoded exactly once */
	{ "/%252e%252e/x", 0, "%2e%2e/x", false },
	{ "/%252e%252e%252fetc", 0, "%2e%2e%2fetc", false },
	{ "/%c0%ae%c0%ae/x", 0, "\xc0\xae\xc0\xae/x", false },
	{ "/%e0%80%ae%e0%80%ae/x", 0, "\xe0\x80\xae\xe0\x80\xae/x", false },
	/* NUL, bad escapes, backslashes */
	{ "/a%00.html", 400, "", false },
	{ "/%00", 400, "", false },
	{ "/%", 400, "", false },
	{ "/a%4", 400, "", false },
	{ "/%zz", 400, "", false },
	{ "/%4g", 400, "", false },
	{ "/a\\b", 400, "", false },
	{ "/..\\..\\x", 400, "", false },
	{ "/%5c..%5cx", 400, "", false },
	{ "/a%5Cb", 400, "", false },
	/* hidden files and directories */
	{ "/.env", 404, "", false },
	{ "/a/.git/config", 404, "", false },
	{ "/.well-known/x", 404, "", false },
	{ "/%2eenv", 404, "", false },
	{ "/a/.htaccess", 404, "", false },
	/* absolute-form and other target forms */
	{ "http://host/a", 0, "a", false },
	{ "http://host:8080/a/b/", 0, "a/b", true },
	{ "HTTP://Host", 0, "", true },
	{ "http://user@host/x", 400, "", false },
	{ "https://x/", 0, "", true },
	{ "HTTPS://x/a/b", 0, "a/b", false },
	{ "https://[::1]:8443/a", 0, "a", false },
	{ "http://[v1.x]/a", 0, "a", false },
	{ "http://x?/secret", 0, "", true },
	{ "http://x#/secret", 0, "", true },
	{ "http://x:80?a/b", 0, "", true },
	{ "http://x/a?/secret", 0, "a", false },
	{ "http:///x", 400, "", false },
	{ "http://:80/x", 400, "", false },
	{ "http://a b/x", 400, "", false },
	{ "http://[::1/x", 400, "", false },
	{ "http://[zz]/x", 400, "", false },
	{ "http://x:8a/x", 400, "", false },
	{ "http://x%zz/x", 400, "", false },
	{ "http:/x", 400, "", false },
	{ "ftp://x/a", 400, "", false },
	{ "*", 400, "", false },
	{ "a/b", 400, "", false },
	{ "", 400, "", false },
	/* query and fragment are cut before decoding */
	{ "/a?x=1", 0, "a", false },
	{ "/a/?x=../../y", 0, "a", true },
	{ "/a%3Fb", 0, "a?b", false },
	{ "/a#frag", 0, "a", false },
	{ "/a?%00", 0, "a", false },
};

static void
test_table(void)
{
	struct target t;
	const struct pcase *c;
	size_t i;
	int status;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		memset(&t, 0x55, sizeof(t));
		status = path_normalize(c->target, strlen(c->target), &t);
		is_int(status, c->status, "\"%s\": status %d", c->target,
		    c->status);
		if (c->status != 0)
			continue;
		is_str(t.path, c->path, "\"%s\": path", c->target);
		is_int(t.trailing_slash, c->slash, "\"%s\": trailing slash %s",
		    c->target, c->slash ? "yes" : "no");
	}
}

static void
test_query(void)
{
	static const char target[] = "/search?q=a%20b&x=1";
	struct target t;

	is_int(path_normalize(target, strlen(target), &t), 0, "query: accepted");
	is_str(t.query, "q=a%20b&x=1", "query kept as sent (not decoded)");
	is_int(path_normalize("/a", 2, &t), 0, "no query: accepted");
	ok(t.query == NULL, "no query: NULL");
	/* The length is what counts, not a NUL: "/a" of "/a/../../x". */
	is_int(path_normalize("/a/../../x", 2, &t), 0, "only len bytes are read");
	is_str(t.path, "a", "path of the first 2 bytes");
	is_int(path_normalize("/a\0/../x", 8, &t), 400, "a NUL byte in the target");
	is_int(path_normalize("http://x?/secret", 16, &t), 0,
	    "absolute-form, query right after the authority");
	is_str(t.query, "/secret", "... the query is \"/secret\", not the path");
}

/* A target of `n` bytes: "/" then segments of 'a' of 99 bytes. */
static void
long_target(char *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = i % 100 == 0 ? '/' : 'a';
	out[n] = '\0';
}

static void
test_long(void)
{
	static char target[3 * PATH_OUT_MAX + REQ_LINE_MAX];
	struct target t;

	long_target(target, PATH_OUT_MAX - 1);
	is_int(path_normalize(target, strlen(target), &t), 0,
	    "a %d-byte path fits", PATH_OUT_MAX - 1);
	is_int(strlen(t.path), PATH_OUT_MAX - 2, "all of it, less the first /");
	long_target(target, PATH_OUT_MAX);
	is_int(path_normalize(target, strlen(target), &t), 414,
	    "a %d-byte path is 414", PATH_OUT_MAX);
	long_target(target, REQ_LINE_MAX);
	is_int(path_normalize(target, strlen(target), &t), 414,
	    "an 8192-byte path is 414");
	/* Long before decoding, short after: the decoded length counts. */
	memset(target, 0, sizeof(target));
	strcpy(target, "/a");
	while (strlen(target) + 3 < 3 * PATH_OUT_MAX)
		strcat(target, "%2F");
	strcat(target, "b");
	is_int(path_normalize(target, strlen(target), &t), 414,
	    "4000 encoded slashes decode to a 4000-byte path: 414");
	strcpy(target, "/a");
	while (strlen(target) + 3 < PATH_OUT_MAX + 500)
		strcat(target, "/./");
	is_int(path_normalize(target, 3000, &t), 0,
	    "3000 bytes of \"/./\" are fine");
	is_str(t.path, "a", "and collapse to one segment");
}

int
main(void)
{
	test_table();
	test_query();
	test_long();
	return tap_done();
}
