/*
 * response.c: an HTTP/1.0 response on the socket: status line and headers
 * in one buffer, then the body from memory or from a file with sendfile(2),
 * which copies in the kernel without passing through our memory. The
 * header block goes out with MSG_MORE so that headers and the first body
 * bytes share a TCP segment. Every send waits at most timeout_ms for the
 * client to make room: a client that stops reading cannot pin a child.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <unistd.h>

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

/* Append a formatted header line; a full buffer truncates, never overflows. */
static void PRINTF_LIKE(4, 5)
head_add(char *out, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(out + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n < size - *len ? (size_t)n : size - *len - 1;
}

size_t
response_format_head(const struct response *r, char *out, size_t size)
{
	char lm[HTTPDATE_LEN + 1];
	size_t len = 0;

	head_add(out, size, &len, "HTTP/1.0 %d %s\r\nDate: %s\r\n"
	    "Server: sockweb/%s\r\n", r->status, response_reason(r->status),
	    date_now(), SOCKWEB_VERSION);
	if (r->content_type && has_body(r))
		head_add(out, size, &len, "Content-Type: %s\r\n", r->content_type);
	if (has_body(r))
		head_add(out, size, &len, "Content-Length: %jd\r\n",
		    (intmax_t)r->length);
	if (r->last_modified >= 0 && httpdate_format(r->last_modified, lm))
		head_add(out, size, &len, "Last-Modified: %s\r\n", lm);
	if (r->etag[0] != '\0')
		head_add(out, size, &len, "ETag: %s\r\n", r->etag);
	if (r->vary)
		head_add(out, size, &len, "Vary: %s\r\n", r->vary);
	if (r->ranges || r->status == 304 || r->status == 416)
		head_add(out, size, &len, "Accept-Ranges: bytes\r\n");
	if (r->ranged)
		head_add(out, size, &len, "Content-Range: bytes %jd-%jd/%jd\r\n",
		    (intmax_t)r->offset, (intmax_t)(r->offset + r->length - 1),
		    (intmax_t)r->total);
	if (r->status == 416)
		head_add(out, size, &len, "Content-Range: bytes */%jd\r\n",
		    (intmax_t)r->total);
	if (r->location)
		head_add(out, size, &len, "Location: %s\r\n", r->location);
	if (r->allow)
		head_add(out, size, &len, "Allow: %s\r\n", r->allow);
	if (r->retry_after > 0)
		head_add(out, size, &len, "Retry-After: %d\r\n", r->retry_after);
	if (r->preflight)
		head_add(out, size, &len, "Access-Control-Allow-Methods: %s\r\n"
		    "Access-Control-Allow-Headers: %s\r\n"
		    "Access-Control-Max-Age: 86400\r\n", "GET, HEAD, OPTIONS",
		    CORS_ALLOW_HEADERS);
	head_add(out, size, &len, "%s", headers_extra(r->status));
	head_add(out, size, &len, "Connection: %s\r\n\r\n",
	    r->keep_alive ? "keep-alive" : "close");
	return len;
}

/*
 * Wait until the socket takes more bytes. poll() reports POLLOUT only once
 * a good part of the send buffer is free, which a client reading slowly
 * through a small window may take longer than timeout_ms to allow; so the
 * time-out counts from the client's last progress (the kernel's send queue
 * shrinking, SIOCOUTQ), not from the last POLLOUT.
 */
static int
wait_writable(int fd, int timeout_ms)
{
	int before, after, rc;

	if (timeout_ms <= 0 || ioctl(fd, SIOCOUTQ, &before) == -1)
		return io_wait(fd, POLLOUT, timeout_ms);
	for (;;) {
		if ((rc = io_wait(fd, POLLOUT, timeout_ms)) != 0)
			return rc;
		if (ioctl(fd, SIOCOUTQ, &after) == -1 || after >= before) {
			errno = ETIMEDOUT;
			return 0;
		}
		before = after;		/* the client read some: wait again */
	}
}

/*
 * After a send that returned -1: 0 to try again (interrupted, or the
 * client made room in time), -1 to give up (errno says why).
 */
static int
send_retry(int fd, int timeout_ms)
{
	if (errno == EINTR)
		return 0;
	if (errno != EAGAIN && errno != EWOULDBLOCK)
		return -1;
	return wait_writable(fd, timeout_ms) > 0 ? 0 : -1;
}

/* send(2) all of buf; EAGAIN waits for room up to timeout_ms. */
static int
send_all(int fd, const char *buf, size_t len, int flags, int timeout_ms)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, buf, len, flags | MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n == 0 || send_retry(fd, timeout_ms) == -1)
			return -1;
	}
	return 0;
}

/*
 * sendfile(2) the body. A file that shrinks under us ends the body early:
 * the connection is then closed, so the client sees a short body rather
 * than a response that claims to be complete.
 */
static int
send_file(int fd, struct response *r, int timeout_ms)
{
	off_t off = r->offset, left = r->length;
	ssize_t n;

	while (left > 0) {
		n = sendfile(fd, r->file_fd, &off,
		    left > (1 << 30) ? (size_t)1 << 30 : (size_t)left);
		if (n > 0) {
			left -= n;
			r->sent += n;
		} else if (n == 0) {
			errno = EIO;	/* truncated while we were sending */
			return -1;
		} else if (send_retry(fd, timeout_ms) == -1)
			return -1;
	}
	return 0;
}

/*
 * Head and an in-memory body in one sendmsg(2): one system call and, for a
 * small response, one TCP segment.
 */
static int
send_head_and_body(int fd, const char *head, size_t hlen, struct response *r,
    int timeout_ms)
{
	/* iovec has no const: sendmsg only reads these buffers. */
	struct iovec iov[2] = {
		{ (void *)(uintptr_t)head, hlen },
		{ (void *)(uintptr_t)r->body, (size_t)r->length },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t n;

	while (iov[1].iov_len > 0) {
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
		if (n == -1) {
			if (send_retry(fd, timeout_ms) == -1)
				return -1;
			continue;
		}
		if ((size_t)n < iov[0].iov_len) {
			iov[0].iov_base = (char *)iov[0].iov_base + n;
			iov[0].iov_len -= (size_t)n;
			continue;
		}
		n -= (ssize_t)iov[0].iov_len;
		iov[0].iov_len = 0;
		iov[1].iov_base = (char *)iov[1].iov_base + n;
		iov[1].iov_len -= (size_t)n;
		r->sent += n;
	}
	return 0;
}

int
response_send(int fd, struct response *r, int timeout_ms)
{
	char head[32768];	/* Location may carry a long escaped path */
	size_t hlen = 0;
	bool body = !r->head && has_body(r) && r->length > 0;

	if (!r->http09)
		hlen = response_format_head(r, head, sizeof(head));
	if (body && r->file_fd < 0)
		return send_head_and_body(fd, head, hlen, r, timeout_ms);
	if (hlen > 0 && send_all(fd, head, hlen, body ? MSG_MORE : 0,
	    timeout_ms) == -1)
		return -1;
	if (!body)
		return 0;
	return send_file(fd, r, timeout_ms);
}
