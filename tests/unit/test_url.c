/*
 * test_url.c: client/url.c, the URL parts sockget connects to and the
 * Location resolution of -L (RFC 3986 section 5.4 examples).
 */
#include "config.h"

#include <stdlib.h>

#include "sockget.h"
#include "tap.h"

static void
check_parse(const char *in, const char *host, int port, const char *path)
{
	struct url u;
	enum url_status st = url_parse(in, &u);

	is_int(st, URL_OK, "parse %s", in);
	if (st != URL_OK)
		return;
	is_str(u.host, host, "  host of %s", in);
	is_int(u.port, port, "  port of %s", in);
	is_str(u.path, path, "  path of %s", in);
	url_free(&u);
}

static void
check_bad(const char *in, enum url_status want)
{
	struct url u;
	enum url_status st = url_parse(in, &u);

	is_int(st, want, "reject %s", in);
	if (st == URL_OK)
		url_free(&u);
}

static void
test_parse(void)
{
	struct url u;
	char *s;

	check_parse("http://example.org", "example.org", 80, "/");
	check_parse("http://example.org:8080/a/b?c=d#frag", "example.org", 8080, "/a/b?c=d");
	check_parse("HTTP://Example.org/", "Example.org", 80, "/");
	check_parse("http://[::1]:8080/x", "::1", 8080, "/x");
	check_parse("http://[::1]/", "::1", 80, "/");
	check_parse("http://127.0.0.1?q", "127.0.0.1", 80, "/?q");
	check_parse("localhost:9/p", "localhost", 9, "/p");
	check_parse("http://user:pw@host/", "host", 80, "/");
	check_parse("http://host:/", "host", 80, "/");
	check_bad("https://example.org/", URL_UNSUPPORTED);
	check_bad("ftp://example.org/", URL_UNSUPPORTED);
	check_bad("http://", URL_MALFORMED);
	check_bad("http://:80/", URL_MALFORMED);
	check_bad("http://host:0/", URL_MALFORMED);
	check_bad("http://host:65536/", URL_MALFORMED);
	check_bad("http://host:8x/", URL_MALFORMED);
	check_bad("http://[::1/", URL_MALFORMED);
	check_bad("http://[zz::1]/", URL_MALFORMED);
	check_bad("http://[::1]x/", URL_MALFORMED);
	check_bad("http://host/a b", URL_MALFORMED);
	/* fuzz_url: host "b@c" came back from url_format as host "c" */
	check_bad("http://a@b@c/", URL_MALFORMED);
	check_bad("", URL_MALFORMED);

	url_parse("http://[::1]:8080/p", &u);
	s = url_host_header(&u);
	is_str(s, "[::1]:8080", "Host header keeps IPv6 brackets");
	free(s);
	s = url_format(&u);
	is_str(s, "http://[::1]:8080/p", "url_format round trip");
	free(s);
	url_free(&u);
	url_parse("http://h/dir/file.tar.gz?x=1", &u);
	s = url_remote_name(&u);
	is_str(s, "file.tar.gz", "-O name is the last segment");
	free(s);
	url_free(&u);
	url_parse("http://h/dir/", &u);
	ok(url_remote_name(&u) == NULL, "-O has no name for a directory");
	url_free(&u);
}

static void
check_dots(const char *in, const char *want)
{
	char *s = url_remove_dot_segments(in);

	is_str(s, want, "remove_dot_segments %s", in);
	free(s);
}

static void
check_ref(const char *ref, const char *want)
{
	struct url base;
	char *s;

	url_parse("http://a/b/c/d;p?q", &base);
	s = url_resolve_ref(&base, ref);
	is_str(s, want, "resolve \"%s\"", ref);
	free(s);
	url_free(&base);
}

static void
test_resolve_ref(void)
{
	check_dots("/a/b/c/./../../g", "/a/g");
	check_dots("/mid/content=5/../6", "/mid/6");
	check_dots("/../x", "/x");
	check_dots("/a/..", "/");
	check_dots("/a/b?x=/../y", "/a/b?x=/../y");
	/* RFC 3986 section 5.4.1 normal examples (http only). */
	check_ref("g", "http://a/b/c/g");
	check_ref("./g", "http://a/b/c/g");
	check_ref("g/", "http://a/b/c/g/");
	check_ref("/g", "http://a/g");
	check_ref("//g", "http://g");
	check_ref("?y", "http://a/b/c/d;p?y");
	check_ref("g?y", "http://a/b/c/g?y");
	check_ref("#s", "http://a/b/c/d;p?q");
	check_ref("g#s", "http://a/b/c/g");
	check_ref(";x", "http://a/b/c/;x");
	check_ref("", "http://a/b/c/d;p?q");
	check_ref(".", "http://a/b/c/");
	check_ref("..", "http://a/b/");
	check_ref("../g", "http://a/b/g");
	check_ref("../..", "http://a/");
	check_ref("../../g", "http://a/g");
	/* 5.4.2 abnormal: more ".." than segments. */
	check_ref("../../../g", "http://a/g");
	check_ref("/./g", "http://a/g");
	check_ref("g/../h", "http://a/b/c/h");
	check_ref("http://other:81/x", "http://other:81/x");
	/* fuzz_url: the fragment hid a "." segment from remove_dot_segments */
	check_ref("/x/.#f", "http://a/x/");
	check_ref("g/..#f", "http://a/b/c/");
}

static void
check_ipv4(const char *in, const char *want)
{
	char out[16] = "";
	int rc = host_ipv4_normalize(in, out);

	if (want == NULL)
		is_int(rc, 0, "%s is a name, not IPv4", in);
	else
		is_str(rc ? out : "(name)", want, "%s is IPv4 %s", in, want);
}

static void
test_hosts(void)
{
	struct url u;
	char *s;

	check_ipv4("127.0.0.1", "127.0.0.1");
	check_ipv4("0x7f.0.0.1", "127.0.0.1");
	check_ipv4("0177.0.0.1", "127.0.0.1");
	check_ipv4("127.1", "127.0.0.1");
	check_ipv4("127.0.1", "127.0.0.1");
	check_ipv4("2130706433", "127.0.0.1");
	check_ipv4("0x7F000001", "127.0.0.1");
	check_ipv4("017700000001", "127.0.0.1");
	check_ipv4("127.0.0.0x1", "127.0.0.1");
	check_ipv4("4294967295", "255.255.255.255");
	check_ipv4("4294967296", NULL);
	check_ipv4("0x100000000", NULL);
	check_ipv4("256.0.0.1", NULL);
	check_ipv4("1.2.256", "1.2.1.0");
	check_ipv4("1.256.1", NULL);
	check_ipv4("1.2.65536", NULL);
	check_ipv4("1.2.3.4.5", NULL);
	check_ipv4("1.2.3.08", NULL);
	check_ipv4("0x", NULL);
	check_ipv4("00x7f.0.0.1", NULL);
	check_ipv4("127.0.0.1.", NULL);
	check_ipv4("-1.0.0.1", NULL);
	check_ipv4("1..1", NULL);
	check_ipv4("example.org", NULL);
	check_ipv4("99999999999999999999999", NULL);
	check_parse("http://0177.0.0.1:8/", "127.0.0.1", 8, "/");
	check_parse("http://b\xc3\xbc" "cher.test/", "xn--bcher-kva.test", 80, "/");
	check_bad("http://x\xff.test/", URL_BAD_IDN);
	/* fuzz_url: U+00B9 maps to "1", so the name is the IPv4 11.1.0.3 */
	check_parse("http://1\xc2\xb9.1.3/", "11.1.0.3", 80, "/");
	/* fuzz_url: U+034F maps to nothing; fullwidth solidus and at sign */
	check_bad("http://\xcd\x8f/", URL_BAD_IDN);
	/* libidn2's STD3 rules drop them (curl 7.88 sends "a/b.test") */
	check_parse("http://a\xef\xbc\x8f" "b.test/", "ab.test", 80, "/");
	check_parse("http://a\xef\xbc\xa0" "b.test/", "ab.test", 80, "/");
	is_int(url_parse("http://us%40er:p%3Ass@h/", &u), URL_OK, "userinfo parses");
	is_str(u.user, "us@er", "user percent-decoded");
	is_str(u.password, "p:ss", "password percent-decoded, colons after the first kept");
	url_free(&u);
	url_parse("http://only@h/", &u);
	ok(u.user != NULL && u.password == NULL, "user without a password");
	url_free(&u);
	s = url_encode_location("/a b/c\xe9?q r");
	is_str(s, "/a%20b/c%e9?q+r", "Location encoded as curl does");
	free(s);
}

int
main(void)
{
	test_parse();
	test_hosts();
	test_resolve_ref();
	return tap_done();
}
