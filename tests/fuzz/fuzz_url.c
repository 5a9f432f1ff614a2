/*
 * fuzz_url.c: url_parse on any string (what the user or a Location header
 * can hand sockget), and url_resolve_ref of the same string against two
 * fixed bases, as -L does with a Location value. The input is copied into
 * a buffer of its exact size plus the NUL, so reading past it is caught.
 * Invariants:
 *  - URL_OK: scheme "http", host non-empty, port 1..65535, path starting
 *    with "/", and no CR, LF, space or other control byte in host or path
 *    (they would split or bend the request line and the Host header);
 *  - URL_OK round-trips: url_format gives a string that parses to the
 *    same host, port and path (-L re-parses what url_resolve_ref formats,
 *    so a relative redirect must not land on another host);
 *  - url_resolve_ref gives NULL only for lack of memory; what it gives, if
 *    it parses, obeys the rules above; a reference starting with one "/"
 *    (no control bytes) keeps the base's host and port, and its path has
 *    no "." or ".." segment left (RFC 3986 section 5.2.4);
 *  - url_free is called whatever url_parse returned (LeakSanitizer).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockget.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_url: invariant broken: %s\n", #cond); \
		abort();						\
	}								\
} while (0)

static const char *bases[] = {
	"http://example.com:8080/a/b/c?q=1",
	"http://[2001:db8::1]/dir/file.html",
};

static bool
has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return true;
	return false;
}

/* No "." or ".." segment in the path part (before the query). */
static void
check_no_dot_segments(const char *path)
{
	size_t end = strcspn(path, "?"), i = 0, n;

	while (i < end) {
		i++;			/* the "/" */
		n = strcspn(path + i, "/?");
		if (i + n > end)
			n = end - i;
		CHECK(!(n == 1 && path[i] == '.'));
		CHECK(!(n == 2 && path[i] == '.' && path[i + 1] == '.'));
		i += n;
	}
}

static void
check_url(const struct url *u)
{
	CHECK(strcmp(u->scheme, "http") == 0);
	CHECK(u->host != NULL && u->host[0] != '\0');
	CHECK(u->port >= 1 && u->port <= 65535);
	CHECK(u->path != NULL && u->path[0] == '/');
	CHECK(!has_ctl(u->host));
	CHECK(!has_ctl(u->path));
}

/* url_format, then url_parse again: the same parts come back. */
static void
check_round_trip(const struct url *u)
{
	char *s = url_format(u);
	struct url v;

	if (s == NULL)
		return;			/* out of memory */
	CHECK(url_parse(s, &v) == URL_OK);
	CHECK(strcmp(u->host, v.host) == 0);
	CHECK(u->port == v.port);
	CHECK(strcmp(u->path, v.path) == 0);
	CHECK(u->ipv6_literal == v.ipv6_literal);
	url_free(&v);
	free(s);
}

static void
check_resolve(const char *base_text, const char *ref)
{
	struct url base, r;
	char *s;

	CHECK(url_parse(base_text, &base) == URL_OK);
	s = url_resolve_ref(&base, ref);
	CHECK(s != NULL);
	if (url_parse(s, &r) == URL_OK) {
		check_url(&r);
		if (ref[0] == '/' && ref[1] != '/' && !has_ctl(ref)) {
			CHECK(strcmp(r.host, base.host) == 0);
			CHECK(r.port == base.port);
			check_no_dot_segments(r.path);
		}
	} else {
		CHECK(ref[0] != '/' || ref[1] == '/' || has_ctl(ref));
	}
	url_free(&r);
	url_free(&base);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct url u;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (url_parse(s, &u) == URL_OK) {
		check_url(&u);
		check_round_trip(&u);
	}
	url_free(&u);
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
		check_resolve(bases[i], s);
	free(s);
	return 0;
}
