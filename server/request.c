/*
 * request.c: an HTTP request, parsed with http-parser. The callbacks only
 * copy bytes into a struct request and enforce size limits; no I/O happens
 * here, so the parser can be fed a request split at any byte (as TCP may
 * deliver it) by the unit tests and the fuzzer alike.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "sockwebd.h"

static int on_message_begin(http_parser *);
static int on_url(http_parser *, const char *, size_t);
static int on_header_field(http_parser *, const char *, size_t);
static int on_header_value(http_parser *, const char *, size_t);
static int on_headers_complete(http_parser *);
static int on_message_complete(http_parser *);

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
	memset(req, 0, offsetof(struct request, target));
	req->target[0] = '\0';
	req->target_len = 0;
	req->arena_len = 0;
	req->nheaders = 0;
	req->last = HDR_NONE;
	req->head_len = 0;
	req->line_tail_len = 0;
	req->line_done = false;
	req->fields_done = false;
	req->trailer_len = 0;
	http_parser_init(&req->parser, HTTP_REQUEST);
	req->parser.data = req;
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

/*
 * A "simple request" (HTTP/0.9: "GET /path" and a line end, no version, no
 * header fields). http-parser notes version 0.9 when a line end follows the
 * target, then would go on to parse headers that never come: stop it there.
 * at[len] is that CR or LF; after a CR, request_feed still wants the LF.
 */
static int
simple_request(http_parser *p, struct request *req, char line_end)
{
	if (p->method != HTTP_GET)
		return fail(req, 400);
	req->method = p->method;
	req->major = 0;
	req->minor = 9;
	req->keep_alive = false;
	if (line_end == '\n')
		req->state = REQUEST_DONE;
	http_parser_pause(p, 1);
	return 0;
}

static int
on_url(http_parser *p, const char *at, size_t len)
{
	struct request *req = p->data;

	size_t i;

	if (len > REQ_LINE_MAX - req->target_len)
		return fail(req, 414);
	/* The lenient build lets TAB and FF through; no CTL is in a URI. */
	for (i = 0; i < len; i++)
		if ((unsigned char)at[i] < 0x20 || at[i] == 0x7f)
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
		/*
		 * RFC 9112 section 5.1: whitespace between name and colon is 400
		 * (http-parser lets a space through); proxies disagree on such
		 * fields, which is how requests get smuggled.
		 */
		if (strchr(req->arena + req->headers[req->nheaders - 1].name,
		    ' ') != NULL)
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

/* RFC 9110 section 15.5.6: a known method we do not allow is 405. */
static int
method_status(unsigned method)
{
	switch (method) {
	case HTTP_GET:
	case HTTP_HEAD:
		return 0;
	case HTTP_POST:
	case HTTP_PUT:
	case HTTP_DELETE:
	case HTTP_OPTIONS:
	case HTTP_PATCH:
		return 405;
	default:
		return 501;
	}
}

/*
 * The lenient http-parser build in Debian does not check the letters of
 * "HTTP/" in the request line ("HTTX/1.0" passes), so we look at the
 * line's end ourselves: "... HTTP/d.d" before the line end.
 */
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
 * RFC 9112 9.3: HTTP/1.1 goes on unless a Connection list has "close";
 * HTTP/1.0 only with "keep-alive" (and no "close"). The lists are ours to
 * read: http-parser's token matcher misses "Connection: ,, Close ,".
 * An HTTP/0.9 response has no length: only closing can end it.
 */
static bool
keep_alive_wanted(const struct request *req)
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
 * RFC 9112 6.1: Transfer-Encoding in an HTTP/1.0 request means faulty
 * framing (400, and the connection is closed as after every refusal); one
 * line only, so that every hop agrees on where the body ends. The decision
 * to decode chunked is ours, not http-parser's token matcher's (which would
 * take "identity" + "chunked" on two lines, and miss " , chunked").
 */
static int
framing_status(http_parser *p, const struct request *req)
{
	size_t n = request_header_count(req, "Transfer-Encoding");
	bool chunked;
	int status;

	if ((status = host_status(req)) != 0)
		return status;
	if (n == 0)
		return 0;
	if (req->major != 1 || req->minor != 1 || n > 1)
		return 400;
	status = field_transfer_encoding(
	    request_header(req, "Transfer-Encoding"), &chunked);
	if (status == 0 && chunked)
		p->flags |= F_CHUNKED;
	return status;
}

static int
on_headers_complete(http_parser *p)
{
	struct request *req = p->data;
	int status;

	if (req->last == HDR_VALUE)
		value_end(req);
	else if (req->last == HDR_FIELD)	/* a name without a value */
		return fail(req, 400);
	req->method = p->method;
	req->major = p->http_major;
	req->minor = p->http_minor;
	req->keep_alive = keep_alive_wanted(req);
	if (!protocol_name_ok(req))
		return fail(req, 400);
	if (!version_supported(req->major, req->minor))
		return fail(req, 505);
	if ((status = framing_status(p, req)) != 0)
		return fail(req, status);
	if ((status = method_status(req->method)) != 0)
		return fail(req, status);
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
 * Feed bytes as they arrive. Returns how many were used: after
 * REQUEST_DONE, the rest (len - used) starts the next request.
 */
size_t
request_feed(struct request *req, const char *data, size_t len)
{
	enum http_errno err;
	size_t n, copy;

	/* len 0 would tell http-parser the stream ended. */
	if (req->state != REQUEST_INCOMPLETE || len == 0)
		return 0;
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
		req->keep_alive = false;
	}
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
		if (strcasecmp(req->arena + req->headers[i].name, name) == 0)
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
		    strcasecmp(req->arena + req->headers[i].name, name) == 0)
			n++;
	return n;
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
		    strcasecmp(req->arena + req->headers[i].name, name) != 0)
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
	return http_method_str((enum http_method)req->parser.method);
}
