/*
 * path.c: turn a request target into a path relative to the document root,
 * or refuse it. Pure string work (no file system access) so that every
 * attack form can be unit-tested and fuzzed:
 *   - absolute-form targets (http or https) lose their scheme and
 *     authority (RFC 9112 3.2.2), which ends at '/', '?' or '#';
 *   - the query is cut off, then the path is percent-decoded exactly once,
 *     so "%252e" stays the three characters "%2e" and never becomes ".";
 *   - NUL, a bad escape or a backslash after decoding is 400;
 *   - dot segments are removed (RFC 3986 5.2.4); one that would climb above
 *     the root is 400, as nginx does, rather than silently clamped;
 *   - empty segments ("//") are merged;
 *   - a segment starting with "." (dotfiles, ".git/") is 404.
 */
#include "config.h"

#include <string.h>

#include "sockwebd.h"

/* Length of the prefix of s[0..len) without any byte of reject. */
static size_t
strcspn_len(const char *s, size_t len, const char *reject)
{
	size_t i;

	for (i = 0; i < len && memchr(reject, s[i], strlen(reject)) == NULL; i++)
		;
	return i;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode %XX into out (NUL-terminated). Returns 0 or an HTTP status. */
static int
percent_decode(const char *in, size_t len, char *out, size_t size)
{
	size_t i, o = 0;
	int hi, lo;
	char c;

	for (i = 0; i < len; i++) {
		c = in[i];
		if (c == '%') {
			if (i + 2 >= len)
				return 400;
			hi = hexval(in[i + 1]);
			lo = hexval(in[i + 2]);
			if (hi < 0 || lo < 0)
				return 400;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0' || c == '\\')
			return 400;
		if (o + 1 >= size)
			return 414;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/*
 * Cut "http://authority" or "https://authority" off an absolute-form
 * target (RFC 9112 3.2.2: a server MUST accept it; we serve one site, so
 * the scheme changes nothing). The authority ends at the first '/', '?' or
 * '#' (RFC 3986 3.2), so "http://x?/secret" is the path "" (the root) with
 * the query "/secret"; an empty host or userinfo is 400 (RFC 9110 4.2.1,
 * 4.2.4). What remains may be empty or start with '?' or '#'.
 */
static int
strip_absolute_form(const char **p, size_t *len)
{
	const char *s = *p, *end = *p + *len, *auth;
	size_t n;

	if (*len > 0 && s[0] == '/')
		return 0;
	if (*len >= 7 && ascii_ncasecmp(s, "http://", 7) == 0)
		auth = s + 7;
	else if (*len >= 8 && ascii_ncasecmp(s, "https://", 8) == 0)
		auth = s + 8;
	else
		return 400;	/* "*", "ftp://", a bare word */
	n = strcspn_len(auth, (size_t)(end - auth), "/?#");
	if (n == 0 || auth[0] == ':' || !field_host_valid(auth, n))
		return 400;
	*p = auth + n;
	*len = (size_t)(end - *p);
	return 0;
}

/*
 * Append segment seg (of n bytes) to out at *o, or apply it when it is a
 * dot segment. Returns 0 or an HTTP status.
 */
static int
push_segment(char *out, size_t *o, size_t size, const char *seg, size_t n)
{
	char *up;

	if (n == 0 || (n == 1 && seg[0] == '.'))
		return 0;
	if (n == 2 && seg[0] == '.' && seg[1] == '.') {
		if (*o == 0)
			return 400;	/* above the root */
		out[*o] = '\0';
		up = strrchr(out, '/');
		*o = up ? (size_t)(up - out) : 0;
		out[*o] = '\0';
		return 0;
	}
	if (seg[0] == '.')
		return 404;	/* hidden: dotfiles and dot-directories */
	if (*o + (*o > 0) + n + 1 > size)
		return 414;
	if (*o > 0)
		out[(*o)++] = '/';
	memcpy(out + *o, seg, n);
	*o += n;
	out[*o] = '\0';
	return 0;
}

static int
remove_dot_segments(const char *decoded, struct target *t)
{
	const char *seg = decoded, *end;
	size_t o = 0, n;
	int status;

	t->path[0] = '\0';
	while (*seg != '\0') {
		end = strchr(seg, '/');
		n = end ? (size_t)(end - seg) : strlen(seg);
		if ((status = push_segment(t->path, &o, sizeof(t->path), seg, n)))
			return status;
		seg += n + (end != NULL);
	}
	/* "/dir/." and "/dir/.." name a directory, as does "/dir/". */
	n = strlen(decoded);
	t->trailing_slash = n == 0 || decoded[n - 1] == '/' ||
	    strcmp(decoded, ".") == 0 || strcmp(decoded, "..") == 0 ||
	    (n >= 2 && strcmp(decoded + n - 2, "/.") == 0) ||
	    (n >= 3 && strcmp(decoded + n - 3, "/..") == 0);
	return 0;
}

int
path_normalize(const char *target, size_t len, struct target *out)
{
	char decoded[PATH_OUT_MAX];
	const char *q;
	int status;

	out->path[0] = '\0';
	out->query = NULL;
	out->trailing_slash = false;
	if (memchr(target, '\0', len) != NULL)
		return 400;
	if ((status = strip_absolute_form(&target, &len)) != 0)
		return status;
	if ((q = memchr(target, '#', len)) != NULL)
		len = q - target;
	if ((q = memchr(target, '?', len)) != NULL) {
		out->query = q + 1;
		len = q - target;
	}
	if ((status = percent_decode(target, len, decoded, sizeof(decoded))) != 0)
		return status;
	/* An absolute-form target may have an empty path: the root. */
	return remove_dot_segments(len == 0 ? decoded : decoded + 1, out);
}
