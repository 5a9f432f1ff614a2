/*
 * url.c: http URLs (RFC 3986) split into the parts a client needs: the
 * host to resolve, the port to connect to and the path to request. Also
 * the resolution of a Location header against the URL it came from
 * (section 5.2). Pure string work, no I/O, so it is unit-tested directly.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sockget.h"

/* Control characters and spaces are never part of a URL (RFC 3986 s. 2). */
static bool
url_has_bad_chars(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return true;
	return false;
}

/* Scheme "http"; without "://" curl guesses http, and so do we. */
static enum url_status
url_parse_scheme(const char **sp, struct url *u)
{
	const char *s = *sp, *sep = strstr(s, "://");
	size_t n;

	if (sep == NULL) {
		strcpy(u->scheme, "http");
		return URL_OK;
	}
	n = sep - s;
	if (n == 0 || n >= sizeof(u->scheme))
		return URL_MALFORMED;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("+-.", s[i]) == NULL)
			return URL_MALFORMED;
	for (size_t i = 0; i < n; i++)
		u->scheme[i] = (char)tolower((unsigned char)s[i]);
	u->scheme[n] = '\0';
	*sp = sep + 3;
	return strcmp(u->scheme, "http") == 0 ? URL_OK : URL_UNSUPPORTED;
}

static int
url_parse_port(const char *s, size_t n)
{
	uint64_t port;

	if (n == 0 || number_digits(s, n, &port) != n)
		return -1;
	return port >= 1 && port <= 65535 ? (int)port : -1;
}

static int
url_hex(int c)
{
	if (isdigit(c))
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decoded copy of s[0..n); a bad escape stays as it is (curl). */
static char *
url_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t k = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && url_hex((unsigned char)s[i + 1]) >= 0 &&
		    url_hex((unsigned char)s[i + 2]) >= 0) {
			out[k++] = (char)(url_hex((unsigned char)s[i + 1]) * 16 +
			    url_hex((unsigned char)s[i + 2]));
			i += 2;
		} else {
			out[k++] = s[i];
		}
	}
	out[k] = '\0';
	return out;
}

/* "user[:password]@": kept decoded, for Basic authentication. */
static enum url_status
url_parse_userinfo(const char *s, size_t n, struct url *u)
{
	const char *colon = memchr(s, ':', n);
	size_t ulen = colon != NULL ? (size_t)(colon - s) : n;

	if ((u->user = url_decode(s, ulen)) == NULL)
		return URL_NOMEM;
	if (colon != NULL &&
	    (u->password = url_decode(colon + 1, n - ulen - 1)) == NULL)
		return URL_NOMEM;
	return URL_OK;
}

/* Numeric IPv4 in any curl form, IDN to punycode: see host.c. */
static enum url_status
url_normalize_host(struct url *u)
{
	int rc;

	if (u->host == NULL)
		return URL_NOMEM;
	if (u->ipv6_literal)
		return URL_OK;
	rc = host_normalize(&u->host, &u->idn_error);
	return rc == 0 ? URL_OK : rc == -1 ? URL_NOMEM : URL_BAD_IDN;
}

/* "[v6]" or "name" or "1.2.3.4", then an optional ":port". */
static enum url_status
url_parse_authority(const char *s, size_t n, struct url *u)
{
	const char *at = memchr(s, '@', n), *hend, *colon;
	struct in6_addr a6;
	char tmp[INET6_ADDRSTRLEN + 1];
	enum url_status st;

	if (at != NULL) {
		if ((st = url_parse_userinfo(s, at - s, u)) != URL_OK)
			return st;
		n -= at + 1 - s;
		s = at + 1;
	}
	if (n > 0 && s[0] == '[') {
		hend = memchr(s, ']', n);
		if (hend == NULL || (size_t)(hend - s - 1) >= sizeof(tmp))
			return URL_MALFORMED;
		memcpy(tmp, s + 1, hend - s - 1);
		tmp[hend - s - 1] = '\0';
		if (inet_pton(AF_INET6, tmp, &a6) != 1)
			return URL_MALFORMED;
		u->ipv6_literal = true;
		u->host = strdup(tmp);
		colon = hend + 1 < s + n ? hend + 1 : NULL;
		if (colon != NULL && *colon != ':')
			return URL_MALFORMED;
	} else {
		colon = memchr(s, ':', n);
		hend = colon != NULL ? colon : s + n;
		/*
		 * A second '@' (userinfo may not hold one, RFC 3986 s. 3.2.1)
		 * would leave "b@c" as the host, which url_format writes back
		 * as user "b" at host "c": -L would change hosts. curl refuses.
		 */
		if (hend == s || memchr(s, '@', hend - s) != NULL)
			return URL_MALFORMED;
		u->host = strndup(s, hend - s);
	}
	if ((st = url_normalize_host(u)) != URL_OK)
		return st;
	u->port = 80;
	if (colon != NULL && colon + 1 < s + n)	/* "host:" means port 80 */
		u->port = url_parse_port(colon + 1, s + n - colon - 1);
	return u->port > 0 ? URL_OK : URL_MALFORMED;
}

enum url_status
url_parse(const char *s, struct url *u)
{
	enum url_status st;
	size_t alen, plen;

	memset(u, 0, sizeof(*u));
	if (s == NULL || *s == '\0' || url_has_bad_chars(s))
		return URL_MALFORMED;
	if ((st = url_parse_scheme(&s, u)) != URL_OK)
		return st;
	alen = strcspn(s, "/?#");
	if ((st = url_parse_authority(s, alen, u)) != URL_OK) {
		url_free(u);
		return st;
	}
	s += alen;
	plen = strcspn(s, "#");	/* the fragment is never sent (s. 3.5) */
	if (*s == '/')
		u->path = strndup(s, plen);
	else if (plen == 0)
		u->path = strdup("/");
	else if (asprintf(&u->path, "/%.*s", (int)plen, s) < 0)
		u->path = NULL;
	if (u->path == NULL) {
		url_free(u);
		return URL_NOMEM;
	}
	return URL_OK;
}

void
url_free(struct url *u)
{
	free(u->host);
	free(u->path);
	free(u->user);
	free(u->password);
	u->host = u->path = u->user = u->password = NULL;
}

/* host[:port] with brackets around an IPv6 literal, port only if not 80. */
char *
url_host_header(const struct url *u)
{
	char *s;
	const char *l = u->ipv6_literal ? "[" : "", *r = u->ipv6_literal ? "]" : "";
	int n;

	if (u->port == 80)
		n = asprintf(&s, "%s%s%s", l, u->host, r);
	else
		n = asprintf(&s, "%s%s%s:%d", l, u->host, r, u->port);
	return n < 0 ? NULL : s;
}

char *
url_format(const struct url *u)
{
	char *hh = url_host_header(u), *s;
	int n;

	if (hh == NULL)
		return NULL;
	n = asprintf(&s, "%s://%s%s", u->scheme, hh, u->path);
	free(hh);
	return n < 0 ? NULL : s;
}

/* Moves the last segment of out (and its "/") away: "/a/b" -> "/a". */
static void
url_drop_last_segment(char *out, size_t *len)
{
	while (*len > 0 && out[*len - 1] != '/')
		(*len)--;
	if (*len > 0)
		(*len)--;
	out[*len] = '\0';
}

/* RFC 3986 section 5.2.4, on the path only (the query is left alone). */
char *
url_remove_dot_segments(const char *path)
{
	size_t plen = strcspn(path, "?"), olen = 0;
	char *out = malloc(strlen(path) + 2);
	const char *in = path, *end = path + plen, *seg;

	if (out == NULL)
		return NULL;
	while (in < end) {
		if (strncmp(in, "../", 3) == 0 || strncmp(in, "./", 2) == 0)
			in += in[0] == '.' && in[1] == '.' ? 3 : 2;
		else if (strncmp(in, "/./", 3) == 0)
			in += 2;
		else if (end - in == 2 && strncmp(in, "/.", 2) == 0) {
			out[olen++] = '/';
			in = end;
		} else if (strncmp(in, "/../", 4) == 0) {
			in += 3;
			url_drop_last_segment(out, &olen);
		} else if (end - in == 3 && strncmp(in, "/..", 3) == 0) {
			in = end;
			url_drop_last_segment(out, &olen);
			out[olen++] = '/';
		} else if ((end - in == 1 && in[0] == '.') ||
		    (end - in == 2 && strncmp(in, "..", 2) == 0)) {
			in = end;
		} else {
			seg = in + 1;
			while (seg < end && *seg != '/')
				seg++;
			memcpy(out + olen, in, seg - in);
			olen += seg - in;
			in = seg;
		}
	}
	strcpy(out + olen, end);
	return out;
}

/* Merge a relative path with the base path (RFC 3986 section 5.2.3). */
static char *
url_merge(const char *base_path, const char *ref)
{
	size_t dir = strcspn(base_path, "?");
	char *merged, *clean;

	while (dir > 0 && base_path[dir - 1] != '/')
		dir--;
	if (asprintf(&merged, "%.*s%s", (int)dir, base_path, ref) < 0)
		return NULL;
	clean = url_remove_dot_segments(merged);
	free(merged);
	return clean;
}

/* The path of a relative reference without fragment (section 5.2.2). */
static char *
url_resolve_path(const char *base_path, const char *ref)
{
	char *path;

	if (ref[0] == '/')
		return url_remove_dot_segments(ref);
	if (ref[0] == '?') {
		if (asprintf(&path, "%.*s%s", (int)strcspn(base_path, "?"), base_path,
		    ref) < 0)
			return NULL;
		return path;
	}
	if (ref[0] == '\0')
		return strdup(base_path);
	return url_merge(base_path, ref);
}

/*
 * The absolute URL a Location value points to, relative to base
 * (RFC 9110 section 10.2.2 allows relative references).
 */
char *
url_resolve_ref(const struct url *base, const char *ref)
{
	struct url tmp = *base;
	char *rel, *s;

	if (strstr(ref, "://") != NULL && strcspn(ref, "/?#") > strcspn(ref, ":"))
		return strdup(ref);
	if (strncmp(ref, "//", 2) == 0) {
		if (asprintf(&s, "%s:%s", base->scheme, ref) < 0)
			return NULL;
		return s;
	}
	/*
	 * The fragment goes before the dot segments are removed (section
	 * 5.2.1): in "/a/.#f" the last segment is ".", which must not stay.
	 */
	if ((rel = strndup(ref, strcspn(ref, "#"))) == NULL)
		return NULL;
	tmp.path = url_resolve_path(base->path, rel);
	free(rel);
	if (tmp.path == NULL)
		return NULL;
	s = url_format(&tmp);
	free(tmp.path);
	return s;
}

/* -O: the last path segment, as curl names the file. */
char *
url_remote_name(const struct url *u)
{
	size_t end = strcspn(u->path, "?"), start = end;

	while (start > 0 && u->path[start - 1] != '/')
		start--;
	if (start == end)
		return NULL;
	return strndup(u->path + start, end - start);
}

/*
 * A Location as curl sends it on: a space becomes %20 before the query
 * and '+' in it, other bytes outside printable ASCII become %xx.
 */
char *
url_encode_location(const char *location)
{
	struct buf b;
	bool query = false;

	buf_init(&b);
	for (const unsigned char *p = (const unsigned char *)location; *p != '\0'; p++) {
		if (*p == '?')
			query = true;
		if (*p == ' ')
			buf_puts(&b, query ? "+" : "%20");
		else if (*p < 0x20 || *p >= 0x7f)
			buf_printf(&b, "%%%02x", *p);
		else
			buf_append(&b, p, 1);
	}
	if (buf_append(&b, "", 1) < 0 || b.failed) {
		buf_free(&b);
		return NULL;
	}
	return b.data;
}

/* Same scheme, host and port: where credentials may go on -L (curl). */
bool
url_same_origin(const struct url *a, const struct url *b)
{
	return strcmp(a->scheme, b->scheme) == 0 && a->port == b->port &&
	    strcasecmp(a->host, b->host) == 0;
}
