/*
 * request.c: an HTTP request, parsed with http-parser. The callbacks only
 * copy bytes into a struct request and enforce size limits; no I/O happens
 * here, so the parser can be fed a request split at any byte (as TCP may
 * deliver it) by the unit tests and the fuzzer alike. http-parser is
 * private to this file: the rest of the server reads the public fields of
 * struct request, which publish() sets after every request_feed. What
 * http-parser 2.9 gets wrong or leaves to us is gathered at the end.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "sockwebd.h"

static int on_message_begin(http_parser *);
static int on_url(http_parser *, const char *, size_t);
static int on_header_field(http_parser *, const char *, size_t);
static int on_header_value(http_parser *, const char *, size_t);
static int on_headers_complete(http_parser *);
static int on_message_complete(http_parser *);

/* The http-parser 2.9 quirks (see the end of the file). */
static bool	url_bytes_ok(const char *at, size_t len);
static int	simple_request(http_parser *p, struct request *req, char line_end);
static size_t	simple_request_lf(struct request *req, const char *data,
		    size_t len);
static bool	name_has_space(const char *name);
static bool	protocol_name_ok(const struct request *req);
static void	track_request_line(struct request *req, const char *data,
		    size_t len);
static int	error_status(const struct request *req, enum http_errno err);
static void	decode_chunked(http_parser *p);

static const http_parser_settings settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
	.on_message_complete = on_message_complete,
};

void
request_init(struct request *req)
{
	/* Every scalar, public or ours, precedes `parser` (sockwebd.h). */
	memset(req, 0, offsetof(struct request, parser));
	req->method = HTTP_GET;
	req->major = 1;
	req->last = HDR_NONE;
	req->target[0] = '\0';
	req->arena = req->target + 1;	/* moved past the target by the first field */
	http_parser_init(&req->parser, HTTP_REQUEST);
	req->parser.data = req;
}

/*
 * The one place the public method, version and keep-alive are set: the
 * method once the target starts (http-parser has matched it by then), the
 * version once the request line is parsed, keep-alive for a complete
 * request only.
 */
static void
publish(struct request *req)
{
	const http_parser *p = &req->parser;

	if (req->method_known)
		req->method = p->method;
	if (req->line_parsed && !req->has_version) {
		req->major = p->http_major;
		req->minor = p->http_minor;
		req->has_version = true;
	}
	req->keep_alive = req->state == REQUEST_DONE && fields_keep_alive(req);
}

/* The request ends in error from outside the parser (a time-out, 408). */
void
request_fail(struct request *req, int status)
{
	req->state = REQUEST_ERROR;
	req->status = status;
	publish(req);
}

static int
fail(struct request *req, int status)
{
	req->status = status;
	return -1;
}

static int
on_message_begin(http_parser *p)
{
	((struct request *)p->data)->started = true;
	return 0;
}

static int
on_url(http_parser *p, const char *at, size_t len)
{
	struct request *req = p->data;

	req->method_known = true;
	if (len > REQ_LINE_MAX - req->target_len)
		return fail(req, 414);
	if (!url_bytes_ok(at, len))
		return fail(req, 400);
	memcpy(req->target + req->target_len, at, len);
	req->target_len += len;
	req->target[req->target_len] = '\0';
	if (p->http_major == 0 && p->http_minor == 9)
		return simple_request(p, req, at[len]);
	return 0;
}

/* Header names and values live NUL-terminated in one bounded arena. */
static int
arena_add(struct request *req, const char *at, size_t len)
{
	/* The arena holds REQ_HEADERS_MAX bytes of text plus the NULs. */
	size_t nuls = req->nheaders == 0 ? 0 :
	    2 * (req->nheaders - 1) + (req->last == HDR_VALUE);

	if (len > REQ_HEADERS_MAX - (req->arena_len - nuls))
		return fail(req, 431);
	memcpy(req->arena + req->arena_len, at, len);
	req->arena_len += len;
	/* A value still arriving (a 408 or 431 is logged) ends here too. */
	req->arena[req->arena_len] = '\0';
	return 0;
}

static void
arena_end(struct request *req)
{
	req->arena[req->arena_len++] = '\0';
}

/* RFC 9110 section 5.5: a field value has no trailing whitespace. */
static void
value_end(struct request *req)
{
	size_t start = req->headers[req->nheaders - 1].value;

	while (req->arena_len > start &&
	    (req->arena[req->arena_len - 1] == ' ' ||
	    req->arena[req->arena_len - 1] == '\t'))
		req->arena_len--;
	arena_end(req);
}

/*
 * RFC 9110 6.5.1: trailer fields are never merged into the header fields
 * (a Range or If-Modified-Since there must not change the answer); they are
 * counted against the same limit and ignored.
 */
static int
trailer(struct request *req, size_t len)
{
	if (len > REQ_HEADERS_MAX - req->trailer_len)
		return fail(req, 431);
	req->trailer_len += len;
	return 0;
}

static int
on_header_field(http_parser *p, const char *at, size_t len)
{
	struct request *req = p->data;

	if (req->fields_done)
		return trailer(req, len);
	req->line_parsed = true;
	if (req->last == HDR_NONE)	/* the target is whole: fields follow it */
		req->arena = req->target + req->target_len + 1;
	if (req->last != HDR_FIELD) {
		if (req->last == HDR_VALUE)
			value_end(req);
		if (req->nheaders == REQ_FIELDS_MAX)
			return fail(req, 431);
		req->headers[req->nheaders].value = 0;
		req->headers[req->nheaders++].name = req->arena_len;
		req->last = HDR_FIELD;
	}
	return arena_add(req, at, len);
}

static int
on_header_value(http_parser *p, const char *at, size_t len)
{
	struct request *req = p->data;

	if (req->fields_done)
		return trailer(req, len);
	if (req->last != HDR_VALUE) {
		arena_end(req);
		if (name_has_space(req->arena +
		    req->headers[req->nheaders - 1].name))
			return fail(req, 400);
		req->headers[req->nheaders - 1].value = req->arena_len;
		req->last = HDR_VALUE;
	}
	return arena_add(req, at, len);
}

static bool
version_supported(unsigned major, unsigned minor)
{
	return (major == 1 && minor <= 1) || (major == 0 && minor == 9);
}

/*
 * RFC 9110 section 15.5.6: a known method we do not allow is 405.
 * OPTIONS is read to its end like GET, so the connection may go on after
 * the answer; the handler says 204 (CORS preflight, --cors) or 405.
 */
static int
method_status(unsigned method)
{
	switch (method) {
	case HTTP_GET:
	case HTTP_HEAD:
	case HTTP_OPTIONS:
		return 0;
	case HTTP_POST:
	case HTTP_PUT:
	case HTTP_DELETE:
	case HTTP_PATCH:
		return 405;
	default:
		return 501;
	}
}

static int
on_headers_complete(http_parser *p)
{
	struct request *req = p->data;
	bool chunked;
	int status;

	if (req->last == HDR_VALUE)
		value_end(req);
	else if (req->last == HDR_FIELD)	/* a name without a value */
		return fail(req, 400);
	req->line_parsed = true;
	publish(req);
	if (!protocol_name_ok(req))
		return fail(req, 400);
	if (!version_supported(req->major, req->minor))
		return fail(req, 505);
	if ((status = fields_status(req, &chunked)) != 0)
		return fail(req, status);
	if ((status = method_status(req->method)) != 0)
		return fail(req, status);
	if (chunked)
		decode_chunked(p);
	req->fields_done = true;
	return 0;
}

static int
on_message_complete(http_parser *p)
{
	struct request *req = p->data;

	req->state = REQUEST_DONE;
	/* Stop here: what follows belongs to the next (pipelined) request. */
	http_parser_pause(p, 1);
	return 0;
}

/* Parse what arrived; request_feed publishes the outcome. */
static size_t
parse(struct request *req, const char *data, size_t len)
{
	enum http_errno err;
	size_t n, copy;

	copy = sizeof(req->head) - req->head_len;
	copy = copy < len ? copy : len;
	memcpy(req->head + req->head_len, data, copy);
	req->head_len += copy;
	req->started = true;
	track_request_line(req, data, len);
	if (HTTP_PARSER_ERRNO(&req->parser) == HPE_PAUSED)
		return simple_request_lf(req, data, len);
	/* After HPE_INVALID_METHOD this parses nothing: see error_status. */
	n = http_parser_execute(&req->parser, &settings, data, len);
	if (req->state == REQUEST_DONE)
		return n;
	err = HTTP_PARSER_ERRNO(&req->parser);
	if (err == HPE_PAUSED)
		return n + simple_request_lf(req, data + n, len - n);
	if (err != HPE_OK) {
		req->status = error_status(req, err);
		if (req->status == 0)
			return len;	/* a method token: wait for more */
		req->state = REQUEST_ERROR;
	}
	return n;
}

/*
 * Feed bytes as they arrive. Returns how many were used: after
 * REQUEST_DONE, the rest (len - used) starts the next request.
 */
size_t
request_feed(struct request *req, const char *data, size_t len)
{
	size_t n;

	/* len 0 would tell http-parser the stream ended. */
	if (req->state != REQUEST_INCOMPLETE || len == 0)
		return 0;
	n = parse(req, data, len);
	publish(req);
	return n;
}

const char *
request_header(const struct request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++) {
		/* A header still being received has no value yet. */
		if (req->headers[i].value == 0)
			continue;
		if (ascii_casecmp(req->arena + req->headers[i].name, name) == 0)
			return req->arena + req->headers[i].value;
	}
	return NULL;
}

size_t
request_header_count(const struct request *req, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < req->nheaders; i++)
		if (req->headers[i].value != 0 &&
		    ascii_casecmp(req->arena + req->headers[i].name, name) == 0)
			n++;
	return n;
}

/*
 * A list-valued field (RFC 9110 5.6.1) as one list: a single line is
 * returned as it is; several lines are joined with ", " into join, which
 * RFC 9110 5.3 says means the same (a buffer, not a stack array of the
 * largest possible list: in fork mode every stack page a child touches is
 * a page it copies). NULL: no such field; "" (matches nothing) when the
 * join could not be allocated.
 */
const char *
request_header_list(const struct request *req, const char *name,
    struct buf *join)
{
	size_t i, lines = 0;

	if (request_header_count(req, name) < 2)
		return request_header(req, name);
	buf_reset(join);
	for (i = 0; i < req->nheaders; i++) {
		if (req->headers[i].value == 0 ||
		    ascii_casecmp(req->arena + req->headers[i].name, name) != 0)
			continue;
		if (lines++ > 0)	/* an empty first line is an element */
			buf_puts(join, ", ");
		buf_puts(join, req->arena + req->headers[i].value);
	}
	return join->failed ? "" : join->data;
}

/* Whether any `name` field's list (RFC 9110 5.6.1) has `token`, any case. */
bool
request_has_token(const struct request *req, const char *name,
    const char *token)
{
	const char *cur, *e;
	size_t i, n;

	for (i = 0; i < req->nheaders; i++) {
		if (req->headers[i].value == 0 ||
		    ascii_casecmp(req->arena + req->headers[i].name, name) != 0)
			continue;
		cur = req->arena + req->headers[i].value;
		while (field_list_next(&cur, &e, &n))
			if (field_token_is(e, n, token))
				return true;
	}
	return false;
}

const char *
request_method_name(const struct request *req)
{
	return http_method_str((enum http_method)req->method);
}

/*
 * === http-parser 2.9 quirks ================================================
 * Debian's libhttp-parser 2.9.4 is built lenient (HTTP_PARSER_STRICT 0) and
 * was designed for Node.js; what it gets wrong for a strict server, and
 * where we make up for it:
 *   1. TAB and FF (and 8-bit bytes) pass in the target: url_bytes_ok.
 *   2. "GET /x" and a line end is taken as version 0.9, after which it
 *      would wait for header fields that never come: simple_request pauses
 *      it, simple_request_lf takes the LF after a CR.
 *   3. A space between a field name and its colon is let through:
 *      name_has_space.
 *   4. The letters of "HTTP/" are not checked ("HTTX/1.0" passes):
 *      track_request_line keeps the line's end for protocol_name_ok.
 *   5. An unknown method is HPE_INVALID_METHOD at its first unexpected
 *      letter, so a well-formed token (501) looks like garbage (400): the
 *      first bytes, kept in req->head, decide (unknown_method_status); and
 *      HPE_HEADER_OVERFLOW means a long line (414) or long fields (431).
 *   6. Its Transfer-Encoding token matcher decodes "identity" + "chunked"
 *      on two lines as chunked and misses ", chunked": the decision is
 *      fields.c's, and decode_chunked sets the F_CHUNKED flag (documented
 *      as semi-public) accordingly.
 *   7. Trailer fields arrive through the header callbacks: fields_done
 *      turns them into trailer(), which ignores them.
 *   8. A read of 0 bytes means end of stream to it: request_feed never
 *      passes one. It stops only when paused, so on_message_complete pauses
 *      it before the next pipelined request.
 */

/* No CTL (RFC 3986 has none in a URI); 8-bit bytes are left, as nginx. */
static bool
url_bytes_ok(const char *at, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)at[i] < 0x20 || at[i] == 0x7f)
			return false;
	return true;
}

/*
 * A "simple request" (HTTP/0.9: "GET /path" and a line end, no version, no
 * header fields). http-parser notes version 0.9 when a line end follows the
 * target: at[len] is that CR or LF; after a CR, request_feed still wants
 * the LF.
 */
static int
simple_request(http_parser *p, struct request *req, char line_end)
{
	req->line_parsed = true;
	if (p->method != HTTP_GET)
		return fail(req, 400);
	if (line_end == '\n')
		req->state = REQUEST_DONE;
	http_parser_pause(p, 1);
	return 0;
}

/* A simple request's line ended with a CR: only an LF may follow. */
static size_t
simple_request_lf(struct request *req, const char *data, size_t len)
{
	if (len == 0)
		return 0;
	if (data[0] == '\n') {
		req->state = REQUEST_DONE;
		return 1;
	}
	req->state = REQUEST_ERROR;
	req->status = 400;
	return 0;
}

/*
 * RFC 9112 section 5.1: whitespace between name and colon is 400; proxies
 * disagree on such fields, which is how requests get smuggled.
 */
static bool
name_has_space(const char *name)
{
	return strchr(name, ' ') != NULL;
}

/* The request line ends in "... HTTP/d.d" (quirk 4). */
static bool
protocol_name_ok(const struct request *req)
{
	const char *t = req->line_tail, *sp;
	size_t n = req->line_tail_len;

	if (n > 0 && t[n - 1] == '\r')
		n--;
	for (sp = t + n; sp > t && sp[-1] != ' '; sp--)
		;
	return sp > t && (size_t)(t + n - sp) > 5 && memcmp(sp, "HTTP/", 5) == 0;
}

/* Keep the last bytes of the request line, up to its LF. */
static void
track_request_line(struct request *req, const char *data, size_t len)
{
	const char *lf = memchr(data, '\n', len);
	size_t n = lf ? (size_t)(lf - data) : len, keep;

	if (req->line_done)
		return;
	/* RFC 9112 section 2.2: empty lines before the request line. */
	if (req->line_tail_len == 0) {
		while (len > 0 && (*data == '\r' || *data == '\n')) {
			data++;
			len--;
		}
		lf = memchr(data, '\n', len);
		n = lf ? (size_t)(lf - data) : len;
	}
	req->line_done = lf != NULL;
	if (n >= sizeof(req->line_tail)) {
		memcpy(req->line_tail, data + n - sizeof(req->line_tail),
		    sizeof(req->line_tail));
		req->line_tail_len = sizeof(req->line_tail);
		return;
	}
	keep = sizeof(req->line_tail) - n;
	if (keep > req->line_tail_len)
		keep = req->line_tail_len;
	memmove(req->line_tail, req->line_tail + req->line_tail_len - keep, keep);
	memcpy(req->line_tail + keep, data, n);
	req->line_tail_len = keep + n;
}

/*
 * An unknown method is 501 only if it is a well-formed token followed by a
 * space (RFC 9110 section 9.1); anything else is not HTTP at all: 400.
 * 0: only token characters so far, the next bytes decide.
 */
static int
unknown_method_status(const struct request *req)
{
	static const char tchar_extra[] = "!#$%&'*+-.^_`|~";
	size_t i;

	for (i = 0; i < req->head_len; i++) {
		unsigned char c = (unsigned char)req->head[i];
		if (c == ' ')
			return i > 0 ? 501 : 400;
		/* c != '\0': strchr would find the string's own NUL. */
		if (!isalnum(c) && (c == '\0' || strchr(tchar_extra, c) == NULL))
			return 400;
	}
	/* Longer than any registered method (BASELINE-CONTROL is 16): 400. */
	return req->head_len == sizeof(req->head) ? 400 : 0;
}

static int
error_status(const struct request *req, enum http_errno err)
{
	if (req->status != 0)
		return req->status;
	switch (err) {
	case HPE_INVALID_METHOD:
		return unknown_method_status(req);
	case HPE_HEADER_OVERFLOW:
		return req->nheaders == 0 && req->last == HDR_NONE ? 414 : 431;
	default:
		return 400;
	}
}

/* Decode the body as chunked: fields.c decided so (quirk 6). */
static void
decode_chunked(http_parser *p)
{
	p->flags |= F_CHUNKED;
}
