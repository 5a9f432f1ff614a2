/*
 * fields.c: the grammar of the header fields that decide how a request is
 * framed and whether the connection goes on; no I/O.
 *   - lists (RFC 9110 5.6.1): elements split at commas outside quoted
 *     strings, empty elements and whitespace ignored, so "Connection: ,,
 *     Close ," means close;
 *   - Host and the authority of an absolute-form target (RFC 3986 3.2.2,
 *     RFC 9112 3.2): reg-name, IPv4 or a bracketed IP literal, an optional
 *     port; anything else (spaces, '/', '@' userinfo) is refused;
 *   - what a parsed request's fields decide: refusal (fields_status) and
 *     whether the connection goes on (fields_keep_alive).
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "sockwebd.h"

static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Skip a quoted-string starting at s[0] == '"'; returns the byte after it. */
static const char *
skip_quoted(const char *s)
{
	for (s++; *s != '\0' && *s != '"'; s++)
		if (*s == '\\' && s[1] != '\0')
			s++;
	return *s == '"' ? s + 1 : s;
}

bool
field_list_next(const char **cursor, const char **elem, size_t *len)
{
	const char *s = *cursor, *start, *end;

	for (;;) {
		while (*s == ',' || is_ows(*s))
			s++;
		if (*s == '\0') {
			*cursor = s;
			return false;
		}
		start = s;
		while (*s != '\0' && *s != ',')
			s = *s == '"' ? skip_quoted(s) : s + 1;
		end = s;
		while (end > start && is_ows(end[-1]))
			end--;
		if (end > start) {
			*elem = start;
			*len = (size_t)(end - start);
			*cursor = s;
			return true;
		}
	}
}

bool
field_token_is(const char *elem, size_t len, const char *token)
{
	return strlen(token) == len && ascii_ncasecmp(elem, token, len) == 0;
}

static bool
is_unreserved_or_sub_delim(unsigned char c)
{
	return isalnum(c) || (c != '\0' && strchr("-._~!$&'()*+,;=", c) != NULL);
}

/* reg-name (RFC 3986 3.2.2), IPv4 included: unreserved, %XX, sub-delims. */
static bool
reg_name_valid(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			if (i + 2 >= len || !isxdigit((unsigned char)s[i + 1]) ||
			    !isxdigit((unsigned char)s[i + 2]))
				return false;
			i += 2;
		} else if (!is_unreserved_or_sub_delim((unsigned char)s[i]))
			return false;
	}
	return true;
}

/* "[v6]" or "[vF.x]" (RFC 3986 3.2.2); no zone identifier. */
static bool
ip_literal_valid(const char *s, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	struct in6_addr a6;
	size_t i;

	if (len < 2 || s[0] != '[' || s[len - 1] != ']')
		return false;
	s++;
	len -= 2;
	if (len > 0 && (s[0] == 'v' || s[0] == 'V')) {
		for (i = 1; i < len && isxdigit((unsigned char)s[i]); i++)
			;
		if (i == 1 || i + 1 >= len || s[i] != '.')
			return false;
		for (i++; i < len; i++)
			if (s[i] != ':' && !is_unreserved_or_sub_delim(
			    (unsigned char)s[i]))
				return false;
		return true;
	}
	if (len >= sizeof(addr))
		return false;
	memcpy(addr, s, len);
	addr[len] = '\0';
	return inet_pton(AF_INET6, addr, &a6) == 1;
}

bool
field_host_valid(const char *s, size_t len)
{
	const char *colon = NULL;
	size_t i, hostlen;

	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		if (close == NULL)
			return false;
		hostlen = (size_t)(close - s) + 1;
		if (!ip_literal_valid(s, hostlen))
			return false;
	} else {
		colon = memchr(s, ':', len);
		hostlen = colon ? (size_t)(colon - s) : len;
		if (!reg_name_valid(s, hostlen))
			return false;
	}
	if (hostlen == len)
		return true;
	if (s[hostlen] != ':')
		return false;
	for (i = hostlen + 1; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/*
 * Transfer-Encoding (RFC 9112 6.1, 6.3): chunked must be the final coding
 * and applied once, else the body's end is unknown (400); a coding we
 * cannot decode before it is 501. *chunked: the body is chunked.
 */
int
field_transfer_encoding(const char *value, bool *chunked)
{
	const char *cur = value, *e;
	size_t n, nchunked = 0, nother = 0;
	bool last_chunked = false;

	while (field_list_next(&cur, &e, &n)) {
		last_chunked = field_token_is(e, n, "chunked");
		if (last_chunked)
			nchunked++;
		else
			nother++;
	}
	*chunked = false;
	if (!last_chunked || nchunked > 1)
		return 400;
	if (nother > 0)
		return 501;
	*chunked = true;
	return 0;
}

/*
 * RFC 9112 9.3: HTTP/1.1 goes on unless a Connection list has "close";
 * HTTP/1.0 only with "keep-alive" (and no "close"). An HTTP/0.9 response
 * has no length: only closing can end it.
 */
bool
fields_keep_alive(const struct request *req)
{
	if (req->major != 1 || request_has_token(req, "Connection", "close"))
		return false;
	return req->minor >= 1 ||
	    request_has_token(req, "Connection", "keep-alive");
}

/* RFC 9112 3.2: one Host, well formed; HTTP/1.1 must send it. */
static int
host_status(const struct request *req)
{
	size_t n = request_header_count(req, "Host");
	const char *host = request_header(req, "Host");

	if (n > 1)
		return 400;
	if (n == 0)
		return req->major == 1 && req->minor == 1 ? 400 : 0;
	return field_host_valid(host, strlen(host)) ? 0 : 400;
}

/*
 * The status that refuses a request for its Host or Transfer-Encoding
 * fields, or 0; *chunked: the body is to be decoded as chunked.
 * RFC 9112 6.1: Transfer-Encoding in an HTTP/1.0 request means faulty
 * framing (400, and the connection is closed as after every refusal); one
 * line only, so that every hop agrees on where the body ends.
 */
int
fields_status(const struct request *req, bool *chunked)
{
	size_t n = request_header_count(req, "Transfer-Encoding");
	int status;

	*chunked = false;
	if ((status = host_status(req)) != 0)
		return status;
	if (n == 0)
		return 0;
	if (req->major != 1 || req->minor != 1 || n > 1)
		return 400;
	return field_transfer_encoding(request_header(req, "Transfer-Encoding"),
	    chunked);
}
