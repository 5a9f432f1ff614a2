/*
 * proxy_io.c: take the PROXY protocol header off a connection that is
 * served with blocking calls (inetd mode, a forked child), leaving the
 * first byte of the request as the next byte to read, so the request
 * code needs to know nothing of the header.
 *
 * The header has no length field in v1, so we peek (MSG_PEEK) at what
 * has arrived and let proxy_parse decide. While it says "need more",
 * every byte seen is part of the header and may be consumed; once it
 * says "ok" we consume exactly the header's bytes. So nothing of the
 * request is ever read here, and a partial header costs a wait in
 * poll(), not a spin.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "sockwebd.h"

/* Consume n bytes we have already peeked at. */
static int
consume(int fd, char *buf, size_t n)
{
	ssize_t got;

	while (n > 0) {
		got = recv(fd, buf, n, 0);
		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;	/* they were there a moment ago */
		n -= (size_t)got;
		buf += got;
	}
	return 0;
}

/*
 * Returns 0 with *h filled, or -1: *why says what went wrong ("closed",
 * "timed out", or the parser's reason) for the caller's log and 400.
 */
int
proxy_read_header(int fd, long long deadline_ms, struct proxy_header *h,
    const char **why)
{
	char buf[PROXY_HEADER_MAX];
	size_t have = 0;
	ssize_t n;
	long long left;
	enum proxy_result r;

	for (;;) {
		left = deadline_ms - io_now_ms();
		if (left <= 0 || io_wait(fd, POLLIN, (int)left) <= 0) {
			*why = left <= 0 || errno == ETIMEDOUT ? "timed out" : "closed";
			return -1;
		}
		n = recv(fd, buf + have, sizeof(buf) - have, MSG_PEEK);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			*why = n == 0 ? "closed before the header" : "recv failed";
			return -1;
		}
		r = proxy_parse(buf, have + (size_t)n, h);
		if (r == PROXY_ERROR) {
			*why = h->error;
			return -1;
		}
		if (consume(fd, buf + have, r == PROXY_OK ? h->length - have :
		    (size_t)n) == -1) {
			*why = "recv failed";
			return -1;
		}
		if (r == PROXY_OK)
			return 0;
		have += (size_t)n;
	}
}

/*
 * No valid header where one is required: a 400 if the peer sent bytes
 * (it may be a browser that came the wrong way), logged under the
 * address the connection really came from, then a FIN and a short drain
 * so the answer is not destroyed by a reset.
 */
void
proxy_refuse(int fd, const char *peer_name, int timeout_ms)
{
	long long deadline = io_now_ms() + LINGER_MS;
	struct response r;
	struct buf body;
	char sink[4096];
	long long left;

	buf_init(&body);
	if (response_error_page(&r, 400, &body) == 0 &&
	    response_send(fd, &r, timeout_ms) == 0 && shutdown(fd, SHUT_WR) == 0) {
		while ((left = deadline - io_now_ms()) > 0 &&
		    io_read_some(fd, sink, sizeof(sink), (int)left) > 0)
			;
	}
	buf_free(&body);
	log_access_refused(peer_name, 400);
}
