/*
 * response.c: an HTTP/1.0 response on the socket: status line and headers
 * formatted into one buffer, and the response as the segments that sendq.c
 * sends (the head, then the body from memory or a range of a file).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sockwebd.h"

struct status_text {
	int		 code;
	const char	*reason;
};

static const struct status_text statuses[] = {
	{ 200, "OK" },
	{ 204, "No Content" },
	{ 206, "Partial Content" },
	{ 301, "Moved Permanently" },
	{ 304, "Not Modified" },
	{ 400, "Bad Request" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 408, "Request Timeout" },
	{ 412, "Precondition Failed" },
	{ 414, "URI Too Long" },
	{ 416, "Range Not Satisfiable" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 503, "Service Unavailable" },
	{ 505, "HTTP Version Not Supported" },
};

const char *
response_reason(int status)
{
	size_t i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].code == status)
			return statuses[i].reason;
	return "Unknown";
}

void
response_init(struct response *r, int status)
{
	memset(r, 0, sizeof(*r));
	r->status = status;
	r->file_fd = -1;
	r->last_modified = -1;
}

/* The Date header changes once a second; format it once a second. */
static const char *
date_now(void)
{
	static char cache[HTTPDATE_LEN + 1];
	static time_t cached = -1;
	time_t now = time(NULL);

	if (now != cached) {
		httpdate_format(now, cache);
		cached = now;
	}
	return cache;
}

/* A small HTML page for an error status (and 503 from the parent). */
int
response_error_page(struct response *r, int status, struct buf *body)
{
	const char *reason = response_reason(status);

	response_init(r, status);
	buf_reset(body);
	buf_printf(body, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>"
	    "<meta charset=\"utf-8\"><title>%d %s</title></head>\n"
	    "<body>\n<h1>%d %s</h1>\n<hr>\n<p>sockweb/%s</p>\n</body>\n</html>\n",
	    status, reason, status, reason, SOCKWEB_VERSION);
	if (body->failed)
		return -1;
	r->body = body->data;
	r->length = r->total = body->len;
	r->content_type = "text/html; charset=utf-8";
	if (status == 405)
		r->allow = "GET, HEAD";
	return 0;
}

static bool
has_body(const struct response *r)
{
	return r->status != 304 && r->status != 204;
}

/*
 * The head is built with plain copies, not printf: it is formatted for
 * every response, and a dozen vsnprintf calls were a sixth of a
 * keep-alive worker's user time (perf). It goes straight into the
 * connection's buffer: no stack array for the largest head (a fork-mode
 * child copies every stack page it touches). An allocation failure is
 * remembered in the buffer (buf.failed) and checked once at the end.
 */
static void
put_num(struct buf *h, intmax_t v)
{
	char digits[NUMBER_FORMAT_MAX];

	if (v < 0)
		buf_puts(h, "-");
	number_format(v < 0 ? -(uintmax_t)v : (uintmax_t)v, 10, digits);
	buf_puts(h, digits);
}

/* One field: name, the value, CRLF. */
static void
field(struct buf *h, const char *name, const char *value)
{
	buf_puts(h, name);
	buf_puts(h, value);
	buf_puts(h, "\r\n");
}

static void
field_num(struct buf *h, const char *name, intmax_t value)
{
	buf_puts(h, name);
	put_num(h, value);
	buf_puts(h, "\r\n");
}

static void
content_range(struct buf *h, const struct response *r)
{
	buf_puts(h, "Content-Range: bytes ");
	if (r->status == 416) {
		buf_puts(h, "*");
	} else {
		put_num(h, (intmax_t)r->offset);
		buf_puts(h, "-");
		put_num(h, (intmax_t)(r->offset + r->length - 1));
	}
	buf_puts(h, "/");
	put_num(h, (intmax_t)r->total);
	buf_puts(h, "\r\n");
}

static void
head_start(struct buf *h, const struct response *r)
{
	buf_puts(h, "HTTP/1.0 ");
	put_num(h, r->status);
	buf_puts(h, " ");
	buf_puts(h, response_reason(r->status));
	buf_puts(h, "\r\n");
	field(h, "Date: ", date_now());
	field(h, "Server: ", "sockweb/" SOCKWEB_VERSION);
}

int
response_format_head(const struct response *r, struct buf *out)
{
	char lm[HTTPDATE_LEN + 1];

	head_start(out, r);
	if (r->content_type && has_body(r))
		field(out, "Content-Type: ", r->content_type);
	if (has_body(r))
		field_num(out, "Content-Length: ", (intmax_t)r->length);
	if (r->last_modified >= 0 && httpdate_format(r->last_modified, lm))
		field(out, "Last-Modified: ", lm);
	if (r->etag[0] != '\0')
		field(out, "ETag: ", r->etag);
	if (r->vary)
		field(out, "Vary: ", r->vary);
	if (r->content_encoding && has_body(r))
		field(out, "Content-Encoding: ", r->content_encoding);
	if (r->ranges || r->status == 304 || r->status == 416)
		buf_puts(out, "Accept-Ranges: bytes\r\n");
	if (r->ranged || r->status == 416)
		content_range(out, r);
	if (r->location)
		field(out, "Location: ", r->location);
	if (r->allow)
		field(out, "Allow: ", r->allow);
	if (r->retry_after > 0)
		field_num(out, "Retry-After: ", r->retry_after);
	if (r->preflight)
		buf_puts(out, "Access-Control-Allow-Methods: GET, HEAD, OPTIONS\r\n"
		    "Access-Control-Allow-Headers: " CORS_ALLOW_HEADERS "\r\n"
		    "Access-Control-Max-Age: 86400\r\n");
	buf_puts(out, headers_extra(r->status));
	field(out, "Connection: ", r->keep_alive ? "keep-alive\r\n" : "close\r\n");
	return out->failed ? -1 : 0;
}

/* multipart/byteranges: each part's header, then its bytes by sendfile. */
static int
queue_multipart(const struct multipart *mp, int fd, struct sendq *q)
{
	size_t i;

	for (i = 0; i < mp->nparts; i++)
		if (sendq_add_mem(q, mp->text + mp->part[i].head_off,
		    mp->part[i].head_len, true) == -1 ||
		    sendq_add_file(q, fd, mp->part[i].start, mp->part[i].length,
		    true) == -1)
			return -1;
	return sendq_add_mem(q, mp->text + mp->tail_off, mp->tail_len, true);
}

/*
 * The response as segments of q: the head (formatted into `head`, which
 * must live as long as q) and the body from memory or from the file.
 */
int
response_queue(const struct response *r, struct buf *head, struct sendq *q)
{
	bool body = !r->head && has_body(r) && r->length > 0;

	sendq_init(q);
	buf_reset(head);
	if (!r->http09) {
		/* most heads fit: one allocation, not a realloc per doubling */
		if (buf_reserve(head, RESPONSE_HEAD_TYPICAL) == -1 ||
		    response_format_head(r, head) == -1)
			return -1;
		if (sendq_add_mem(q, head->data, head->len, false) == -1)
			return -1;
	}
	if (!body)
		return 0;
	if (r->multipart.nparts > 0)
		return queue_multipart(&r->multipart, r->file_fd, q);
	if (r->file_fd < 0)
		return sendq_add_mem(q, r->body, (size_t)r->length, true);
	return sendq_add_file(q, r->file_fd, r->offset, r->length, true);
}

/* The whole response, waiting up to timeout_ms of no progress at a time. */
int
response_send(int fd, struct response *r, int timeout_ms)
{
	struct sendq q;
	struct buf head;
	int rc = -1;

	buf_init(&head);
	if (response_queue(r, &head, &q) == 0)
		rc = sendq_flush(fd, &q, timeout_ms);
	r->sent = q.body_sent;
	buf_free(&head);
	return rc;
}
