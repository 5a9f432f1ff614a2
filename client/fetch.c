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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <poll.h>
#include <unistd.h>
#include <sys/socket.h>

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

/* One exchange: the request to send, the parser for the response. */
struct fetch {
	struct fetch_request rq;
	struct fetch_ctx ctx;
	struct buf	 req;
	size_t		 sent;
	long long	 received;
	char		*chunk;
	int		 rc;
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
 * The first position of "Content-Range: bytes FIRST-LAST/LENGTH", or -1
 * when the value is not of that form (then a resume is not confirmed).
 */
static long long
fetch_range_start(const char *v)
{
	uint64_t first;
	size_t n;

	if (v == NULL || strncasecmp(v, "bytes ", 6) != 0)
		return -1;
	n = number_digits(v + 6, strlen(v + 6), &first);
	if (n == 0 || v[6 + n] != '-' || first > INT64_MAX)
		return -1;
	return (long long)first;
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

		c->range_start = fetch_range_start(v);
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

/* The end of the exchange: the summary line, the bar's last draw. */
static int
fetch_done(struct fetch *f, int rc)
{
	output_trace("%lld bytes received, %lld of them body", f->received,
	    f->ctx.st->size_download);
	output_progress(f->ctx.out, true);
	f->rc = rc;
	return rc;
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

/*
 * One read of what the socket has (it is non-blocking), fed to the
 * parser. Returns -1 to go on (nothing more yet), or the exit code.
 */
int
fetch_recv_some(struct fetch *f, int fd)
{
	struct fetch_ctx *c = &f->ctx;
	ssize_t n;

	for (;;) {
		n = read(fd, f->chunk, FETCH_READ_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return -1;
		break;
	}
	if (n < 0)
		return fetch_done(f, fetch_read_error(c));
	if (n == 0)
		return fetch_done(f, fetch_at_eof(c, f->received));
	if (f->received == 0)
		c->st->t_starttransfer_us = io_now_us();
	f->received += n;
	n = fetch_feed(c, f->chunk, (size_t)n);
	return n < 0 ? -1 : fetch_done(f, (int)n);
}

/* Sends what the socket takes of the request. -1: more to send; 0; code. */
int
fetch_send_some(struct fetch *f, int fd)
{
	ssize_t n;

	while (f->sent < f->req.len) {
		n = send(fd, f->req.data + f->sent, f->req.len - f->sent, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return -1;
		if (n < 0) {
			output_error(SG_SEND_ERROR, "Failed sending HTTP request: send: %s",
			    strerror(errno));
			return fetch_done(f, SG_SEND_ERROR);
		}
		f->sent += (size_t)n;
	}
	return SG_OK;
}

/* -m ran out while sending or receiving: curl's message, exit 28. */
int
fetch_timed_out(struct fetch *f)
{
	errno = ETIMEDOUT;
	if (f->sent < f->req.len) {
		output_error(SG_OPERATION_TIMEDOUT, "Failed sending HTTP request: send: %s",
		    strerror(errno));
		return fetch_done(f, SG_OPERATION_TIMEDOUT);
	}
	return fetch_done(f, fetch_read_error(&f->ctx));
}

/*
 * The exchange of rq with out as the body's destination and st for the
 * numbers; NULL when out of memory. The request is composed at once.
 */
struct fetch *
fetch_new(const struct fetch_request *rq, struct output *out, struct fetch_stats *st)
{
	struct fetch *f = calloc(1, sizeof(*f));

	if (f == NULL || (f->chunk = malloc(FETCH_READ_SIZE)) == NULL) {
		free(f);
		return NULL;
	}
	f->rq = *rq;
	f->ctx.rq = &f->rq;
	f->ctx.out = out;
	f->ctx.st = st;
	f->ctx.declared = f->ctx.range_start = -1;
	buf_init(&f->ctx.head);
	buf_init(&f->ctx.reason);
	buf_init(&f->ctx.field);
	buf_init(&f->ctx.value);
	http_parser_init(&f->ctx.parser, HTTP_RESPONSE);
	f->ctx.parser.data = &f->ctx;
	buf_init(&f->req);
	if (compose_request(&f->req, &f->rq) < 0) {
		fetch_free(f);
		return NULL;
	}
	st->size_request = (long long)f->req.len;
	output_trace_lines('>', f->req.data, f->req.len);
	return f;
}

void
fetch_free(struct fetch *f)
{
	if (f == NULL)
		return;
	buf_free(&f->ctx.head);
	buf_free(&f->ctx.reason);
	buf_free(&f->ctx.field);
	buf_free(&f->ctx.value);
	buf_free(&f->req);
	free(f->chunk);
	free(f);
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

/*
 * Sends the request of rq on fd and reads the whole response into out,
 * waiting in poll() (for tests and fuzzers; sockget itself runs fetches
 * in xfer.c's event loop). Returns an exit code (SG_OK for any complete
 * HTTP response).
 */
int
fetch_one(int fd, const struct fetch_request *rq, struct output *out,
    struct fetch_stats *st)
{
	struct fetch *f = fetch_new(rq, out, st);
	int rc = -1, w;

	if (f == NULL)
		return SG_OUT_OF_MEMORY;
	while (rc < 0) {
		bool sending = f->sent < f->req.len;

		w = io_wait(fd, sending ? POLLOUT : POLLIN, fetch_timeout_ms(rq));
		if (w == 0)
			rc = fetch_timed_out(f);
		else if (sending && (w = fetch_send_some(f, fd)) > 0)
			rc = w;
		else if (!sending)
			rc = fetch_recv_some(f, fd);
	}
	fetch_free(f);
	return rc;
}
