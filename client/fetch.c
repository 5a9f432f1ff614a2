/*
 * fetch.c: one HTTP/1.0 exchange over a connected socket. The request is
 * written whole (partial writes handled by io_write_all); the response is
 * a byte stream with no message boundaries, so each read's bytes, however
 * many, go to http-parser, whose callbacks collect the status and headers
 * and hand body pieces straight to the output: memory stays constant for
 * any body size.
 */
#include "config.h"

#include <errno.h>
#include <http_parser.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sockget.h"

#define FETCH_READ_SIZE 65536

struct fetch_ctx {
	http_parser	 parser;
	const struct fetch_request *rq;
	struct output	*out;
	struct fetch_stats *st;
	struct buf	 head;		/* header lines, re-assembled */
	struct buf	 reason, field, value;
	bool		 in_value, headers_done, complete, write_failed;
	bool		 interim;	/* the head just read was a 1xx */
	long long	 declared;	/* Content-Length, -1 if none */
	long long	 range_start;	/* from Content-Range, -1 if none */
	int		 result;	/* exit code decided by a callback */
};

bool
fetch_is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 ||
	    status == 307 || status == 308;
}

static struct fetch_ctx *
fetch_ctx(http_parser *p)
{
	return p->data;
}

static char *
fetch_strdup_value(const struct buf *v)
{
	return strndup(v->data != NULL ? v->data : "", v->len);
}

/*
 * Location without surrounding blanks; an empty one is no Location at
 * all (curl ignores it rather than follow it to the same URL).
 */
static char *
fetch_location(const struct buf *v)
{
	const char *s = v->data != NULL ? v->data : "";
	size_t n = v->len;

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n > 0 ? strndup(s, n) : NULL;
}

/* A complete "Name: value" pair: keep what the client acts on. */
static void
fetch_header_done(struct fetch_ctx *c)
{
	const char *name = c->field.data != NULL ? c->field.data : "";
	size_t n = c->field.len;

	buf_printf(&c->head, "%.*s: %.*s\r\n", (int)n, name, (int)c->value.len,
	    c->value.data != NULL ? c->value.data : "");
	if (n == 8 && strncasecmp(name, "Location", 8) == 0) {
		free(c->st->location);
		c->st->location = fetch_location(&c->value);
	} else if (n == 12 && strncasecmp(name, "Content-Type", 12) == 0) {
		free(c->st->content_type);
		c->st->content_type = fetch_strdup_value(&c->value);
	} else if (n == 13 && strncasecmp(name, "Content-Range", 13) == 0) {
		char *v = fetch_strdup_value(&c->value);

		if (v != NULL && strncasecmp(v, "bytes ", 6) == 0)
			c->range_start = strtoll(v + 6, NULL, 10);
		free(v);
	}
	buf_reset(&c->field);
	buf_reset(&c->value);
	c->in_value = false;
}

static int
fetch_on_status(http_parser *p, const char *at, size_t len)
{
	return buf_append(&fetch_ctx(p)->reason, at, len) < 0 ? -1 : 0;
}

static int
fetch_on_field(http_parser *p, const char *at, size_t len)
{
	struct fetch_ctx *c = fetch_ctx(p);

	if (c->in_value)
		fetch_header_done(c);
	return buf_append(&c->field, at, len) < 0 ? -1 : 0;
}

static int
fetch_on_value(http_parser *p, const char *at, size_t len)
{
	struct fetch_ctx *c = fetch_ctx(p);

	c->in_value = true;
	return buf_append(&c->value, at, len) < 0 ? -1 : 0;
}

/*
 * Decides what happens to the body. Returns 1 to have http-parser skip
 * it (HEAD, -f error, redirect being followed, resume already complete).
 */
static int
fetch_body_policy(struct fetch_ctx *c, int status)
{
	const struct fetch_request *rq = c->rq;

	if (rq->opt->fail && status >= 400) {
		c->result = SG_HTTP_RETURNED_ERROR;
		output_error(SG_HTTP_RETURNED_ERROR,
		    "The requested URL returned error: %d", status);
		return 1;
	}
	if (rq->head || status == 204 || status == 304)
		return 1;	/* never a body (RFC 9110 6.4.1), whatever the length says */
	if (rq->follow_now && fetch_is_redirect(status) && c->st->location != NULL)
		return 1;
	if (rq->range_from > 0 && (status == 416 || (status == 200 &&
	    c->range_start < 0 && c->declared == rq->range_from))) {
		output_trace("The entire document is already downloaded");
		return 1;
	}
	if (rq->range_from > 0 && (status != 206 || c->range_start != rq->range_from)) {
		c->result = SG_RANGE_ERROR;
		output_error(SG_RANGE_ERROR,
		    "HTTP server doesn't seem to support byte ranges. Cannot resume.");
		return 1;
	}
	return 0;
}

/* The head as it came, for -i, -I and -v, and its size for -w. */
static int
fetch_emit_head(struct fetch_ctx *c, http_parser *p)
{
	struct buf block;
	int rc = 0;

	buf_init(&block);
	buf_printf(&block, "HTTP/%u.%u %u %.*s\r\n", p->http_major, p->http_minor,
	    p->status_code, (int)c->reason.len, c->reason.data ? c->reason.data : "");
	buf_append(&block, c->head.data, c->head.len);
	buf_puts(&block, "\r\n");
	c->st->size_header += (long long)block.len;
	output_trace_lines('<', block.data, block.len);
	/* -f with -i or -I shows the head of an error too, as curl does */
	if ((c->rq->opt->include || c->rq->head) &&
	    output_write(c->out, block.data, block.len) < 0)
		rc = -1;
	buf_free(&block);
	buf_reset(&c->head);
	buf_reset(&c->reason);
	return rc;
}

/*
 * 1xx (100 Continue, 102, 103 Early Hints) is an interim response
 * (RFC 9110 section 15.2): shown like curl, then the final one is read.
 */
static bool
fetch_is_interim(int status)
{
	return status >= 100 && status < 200 && status != 101;
}

static int
fetch_on_headers_complete(http_parser *p)
{
	struct fetch_ctx *c = fetch_ctx(p);
	int skip;

	if (c->in_value)
		fetch_header_done(c);
	/*
	 * http-parser lets "HTTP/1.0 20" through; a status has three digits
	 * (RFC 9110 section 15).
	 */
	if (p->status_code < 100)
		return -1;
	if (fetch_is_interim(p->status_code)) {
		c->interim = true;
		free(c->st->location);
		c->st->location = NULL;
		if (fetch_emit_head(c, p) < 0) {
			c->write_failed = true;
			return -1;
		}
		return 1;
	}
	c->headers_done = true;
	c->st->http_code = p->status_code;
	c->declared = p->flags & F_CONTENTLENGTH ? (long long)p->content_length : -1;
	if (fetch_emit_head(c, p) < 0) {
		c->write_failed = true;
		return -1;
	}
	skip = fetch_body_policy(c, p->status_code);
	c->out->expected = skip ? 0 : c->declared;
	return skip;
}

static int
fetch_on_body(http_parser *p, const char *at, size_t len)
{
	struct fetch_ctx *c = fetch_ctx(p);

	c->st->size_download += (long long)len;
	c->out->received += (long long)len;
	if (output_write(c->out, at, len) < 0) {
		c->write_failed = true;
		return -1;
	}
	output_progress(c->out, false);
	return 0;
}

/*
 * One response per connection (HTTP/1.0): pausing stops http-parser from
 * reading bytes after it (a skipped body) as the start of another.
 */
static int
fetch_on_complete(http_parser *p)
{
	struct fetch_ctx *c = fetch_ctx(p);

	if (!c->interim)
		c->complete = true;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings fetch_settings = {
	.on_status = fetch_on_status,
	.on_header_field = fetch_on_field,
	.on_header_value = fetch_on_value,
	.on_headers_complete = fetch_on_headers_complete,
	.on_body = fetch_on_body,
	.on_message_complete = fetch_on_complete,
};

/* Is header "Name: ..." among the -H ones? Then it replaces ours. */
static bool
fetch_user_has(const struct options *o, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < o->nheaders; i++)
		if (strncasecmp(o->headers[i], name, n) == 0 &&
		    (o->headers[i][n] == ':' || o->headers[i][n] == ';'))
			return true;
	return false;
}

/*
 * -H Authorization/Cookie only where -L may send credentials (same
 * scheme, host and port as the first URL, or --location-trusted): the
 * rule curl adopted for CVE-2018-1000007 and CVE-2022-27776.
 */
static bool
fetch_header_allowed(const struct fetch_request *rq, const char *h)
{
	if (rq->send_credentials)
		return true;
	return strncasecmp(h, "Authorization", 13) != 0 &&
	    strncasecmp(h, "Cookie", 6) != 0;
}

/* -H as curl reads it: "Name:" removes, "Name;" sends an empty value. */
static void
fetch_user_headers(struct buf *b, const struct fetch_request *rq)
{
	const struct options *o = rq->opt;

	for (size_t i = 0; i < o->nheaders; i++) {
		const char *h = o->headers[i], *colon = strchr(h, ':');
		size_t len = strlen(h);

		if (strncasecmp(h, "Host", 4) == 0 && (h[4] == ':' || h[4] == ';'))
			continue;	/* in place of ours, or not at all */
		if (!fetch_header_allowed(rq, h))
			continue;
		if (colon != NULL && colon[1 + strspn(colon + 1, " \t")] == '\0')
			continue;
		if (colon == NULL && len > 0 && h[len - 1] == ';')
			buf_printf(b, "%.*s:\r\n", (int)len - 1, h);
		else if (colon != NULL)
			buf_printf(b, "%s\r\n", h);
	}
}

/* The -H Host line (custom Host), unless -L went to another host name. */
static const char *
fetch_custom_host(const struct fetch_request *rq)
{
	const struct options *o = rq->opt;

	if (!rq->custom_host_ok)
		return NULL;
	for (size_t i = o->nheaders; i-- > 0;)
		if (strncasecmp(o->headers[i], "Host", 4) == 0 &&
		    (o->headers[i][4] == ':' || o->headers[i][4] == ';'))
			return o->headers[i];
	return NULL;
}

static void
fetch_host_line(struct buf *b, const struct fetch_request *rq, const char *host)
{
	const char *h = fetch_custom_host(rq);
	const char *v;

	if (h == NULL) {
		buf_printf(b, "Host: %s\r\n", host);
		return;
	}
	v = h + 5 + strspn(h + 5, " \t");
	if (h[4] == ';')
		buf_puts(b, "Host:\r\n");
	else if (*v != '\0')
		buf_printf(b, "Host: %s\r\n", v);
	/* "Host:" alone: no Host line at all, as curl */
}

static int
fetch_build_request(struct buf *b, const struct fetch_request *rq)
{
	const struct options *o = rq->opt;
	char *host = url_host_header(rq->url);

	if (host == NULL)
		return -1;
	buf_printf(b, "%s %s HTTP/1.%d\r\n", rq->head ? "HEAD" : "GET", rq->url->path,
	    o->http11 ? 1 : 0);
	fetch_host_line(b, rq, host);
	if (rq->user != NULL &&
	    !(rq->send_credentials && fetch_user_has(o, "Authorization")))
		auth_basic_header(b, rq->user, rq->password);
	if (rq->range_from > 0)
		buf_printf(b, "Range: bytes=%lld-\r\n", rq->range_from);
	if (!fetch_user_has(o, "User-Agent"))
		buf_printf(b, "User-Agent: %s\r\n",
		    o->user_agent ? o->user_agent : "sockget/" SOCKWEB_VERSION);
	if (!fetch_user_has(o, "Accept"))
		buf_puts(b, "Accept: */*\r\n");
	if (o->referer != NULL && !fetch_user_has(o, "Referer"))
		buf_printf(b, "Referer: %s\r\n", o->referer);
	/* HTTP/1.1 would keep the connection open; one exchange is all we do */
	if (o->http11 && !fetch_user_has(o, "Connection"))
		buf_puts(b, "Connection: close\r\n");
	fetch_user_headers(b, rq);
	buf_puts(b, "\r\n");
	free(host);
	return b->failed ? -1 : 0;
}

static int
fetch_timeout_ms(const struct fetch_request *rq)
{
	long long left;

	if (rq->deadline_us == 0)
		return -1;
	left = (rq->deadline_us - io_now_us()) / 1000;
	return left > 0 ? (int)(left > 1000000000 ? 1000000000 : left) : 0;
}

static int
fetch_send(int fd, const struct fetch_request *rq, struct fetch_stats *st)
{
	struct buf req;
	int rc = SG_OK;

	buf_init(&req);
	if (fetch_build_request(&req, rq) < 0) {
		buf_free(&req);
		return SG_OUT_OF_MEMORY;
	}
	output_trace_lines('>', req.data, req.len);
	if (io_write_all(fd, req.data, req.len, fetch_timeout_ms(rq)) < 0) {
		rc = errno == ETIMEDOUT ? SG_OPERATION_TIMEDOUT : SG_SEND_ERROR;
		output_error(rc, "Failed sending HTTP request: send: %s",
		    strerror(errno));
	}
	st->size_request = (long long)req.len;
	buf_free(&req);
	return rc;
}

/* The stream ended: was the message whole? */
static int
fetch_at_eof(struct fetch_ctx *c, long long total)
{
	if (!c->complete && c->headers_done)
		http_parser_execute(&c->parser, &fetch_settings, NULL, 0);
	if (c->complete)
		return SG_OK;
	if (total == 0) {
		output_error(SG_GOT_NOTHING, "Empty reply from server");
		return SG_GOT_NOTHING;
	}
	if (!c->headers_done) {
		output_error(SG_WEIRD_SERVER_REPLY, "Weird server reply");
		return SG_WEIRD_SERVER_REPLY;
	}
	output_error(SG_PARTIAL_FILE, "transfer closed with %lld bytes remaining to read",
	    c->declared - c->st->size_download);
	return SG_PARTIAL_FILE;
}

static int
fetch_read_error(struct fetch_ctx *c)
{
	long long ms = (io_now_us() - c->st->t_start_us) / 1000;

	if (errno == ETIMEDOUT) {
		output_error(SG_OPERATION_TIMEDOUT,
		    "Operation timed out after %lld milliseconds with %lld bytes received",
		    ms, c->st->size_download);
		return SG_OPERATION_TIMEDOUT;
	}
	output_error(SG_RECV_ERROR, "Recv failure: read: %s", strerror(errno));
	return SG_RECV_ERROR;
}

/*
 * The parser stopped after an interim response: a new parser reads the
 * rest, as a new message (its "Connection" must not end the stream).
 */
static void
fetch_after_interim(struct fetch_ctx *c)
{
	c->interim = false;
	http_parser_init(&c->parser, HTTP_RESPONSE);
	c->parser.data = c;
}

/* Feeds what arrived to the parser; returns an exit code or -1 to go on. */
static int
fetch_feed(struct fetch_ctx *c, const char *data, size_t n)
{
	size_t used = http_parser_execute(&c->parser, &fetch_settings, data, n);

	while (c->interim && HTTP_PARSER_ERRNO(&c->parser) == HPE_PAUSED) {
		fetch_after_interim(c);
		data += used;
		n -= used;
		/* length 0 would tell http-parser the stream ended */
		used = n > 0 ? http_parser_execute(&c->parser, &fetch_settings, data, n) : 0;
	}
	if (c->write_failed)
		return SG_WRITE_ERROR;
	if (HTTP_PARSER_ERRNO(&c->parser) != HPE_OK &&
	    !(c->complete && HTTP_PARSER_ERRNO(&c->parser) == HPE_PAUSED)) {
		output_trace("http-parser: %s",
		    http_errno_description(HTTP_PARSER_ERRNO(&c->parser)));
		/* Endless headers: say why we stopped, as curl does (56 there) */
		output_error(SG_WEIRD_SERVER_REPLY, "Weird server reply%s",
		    HTTP_PARSER_ERRNO(&c->parser) == HPE_HEADER_OVERFLOW ?
		    ": response headers too large" : "");
		return SG_WEIRD_SERVER_REPLY;
	}
	if (c->complete)
		return c->result;
	return -1;
}

static int
fetch_receive(int fd, struct fetch_ctx *c)
{
	char *chunk = malloc(FETCH_READ_SIZE);
	long long total = 0;
	ssize_t n;
	int rc = -1;

	if (chunk == NULL)
		return SG_OUT_OF_MEMORY;
	while (rc < 0) {
		n = io_read_some(fd, chunk, FETCH_READ_SIZE, fetch_timeout_ms(c->rq));
		if (n < 0) {
			rc = fetch_read_error(c);
		} else if (n == 0) {
			rc = fetch_at_eof(c, total);
		} else {
			if (total == 0)
				c->st->t_starttransfer_us = io_now_us();
			total += n;
			rc = fetch_feed(c, chunk, (size_t)n);
		}
	}
	free(chunk);
	output_trace("%lld bytes received, %lld of them body", total,
	    c->st->size_download);
	return rc;
}

/*
 * Sends the request of rq on fd and reads the whole response into out.
 * Fills st; returns an exit code (SG_OK for any complete HTTP response).
 */
int
fetch_one(int fd, const struct fetch_request *rq, struct output *out,
    struct fetch_stats *st)
{
	struct fetch_ctx c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.rq = rq;
	c.out = out;
	c.st = st;
	c.declared = c.range_start = -1;
	buf_init(&c.head);
	buf_init(&c.reason);
	buf_init(&c.field);
	buf_init(&c.value);
	http_parser_init(&c.parser, HTTP_RESPONSE);
	c.parser.data = &c;
	rc = fetch_send(fd, rq, st);
	if (rc == SG_OK)
		rc = fetch_receive(fd, &c);
	output_progress(out, true);
	buf_free(&c.head);
	buf_free(&c.reason);
	buf_free(&c.field);
	buf_free(&c.value);
	return rc;
}
