/*
 * sendq.c: a response as a list of segments, bytes in memory (the head,
 * an error page, a listing, a small cached file) or a range of a file,
 * and the non-blocking sends that make progress on it. One call sends as
 * much as the socket takes and remembers where it stopped, so an event
 * loop can resume on EPOLLOUT and a slow reader costs memory, not a
 * process. Runs of memory segments leave in one sendmsg(2); file ranges
 * go by sendfile(2), which copies in the kernel. A head followed by a
 * file is sent with MSG_MORE so both share a TCP segment.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/uio.h>

#include "sockwebd.h"

#define IOV_RUN	16	/* memory segments gathered into one sendmsg */

void
sendq_init(struct sendq *q)
{
	memset(q, 0, sizeof(*q));
}

static int
add(struct sendq *q, const struct segment *s)
{
	if (s->length <= 0)
		return 0;
	if (q->n == SENDQ_SEGMENTS) {
		errno = ENOBUFS;
		return -1;
	}
	q->seg[q->n++] = *s;
	return 0;
}

int
sendq_add_mem(struct sendq *q, const char *data, size_t len, bool body)
{
	struct segment s = { .data = data, .fd = -1, .length = (off_t)len,
	    .body = body };

	return add(q, &s);
}

int
sendq_add_file(struct sendq *q, int fd, off_t offset, off_t len, bool body)
{
	struct segment s = { .fd = fd, .offset = offset, .length = len,
	    .body = body };

	return add(q, &s);
}

bool
sendq_done(const struct sendq *q)
{
	return q->cur == q->n;
}

/* n bytes went out: move through the segments they covered. */
static void
advance(struct sendq *q, size_t n)
{
	struct segment *s;
	size_t take;

	q->total_sent += (off_t)n;
	while (n > 0 && q->cur < q->n) {
		s = &q->seg[q->cur];
		take = (off_t)n < s->length ? n : (size_t)s->length;
		if (s->data)
			s->data += take;
		else
			s->offset += (off_t)take;
		s->length -= (off_t)take;
		if (s->body)
			q->body_sent += (off_t)take;
		n -= take;
		if (s->length == 0)
			q->cur++;
	}
}

/* The run of memory segments from cur, in one sendmsg. */
static ssize_t
send_memory(int fd, struct sendq *q)
{
	struct iovec iov[IOV_RUN];
	struct msghdr msg = { .msg_iov = iov };
	unsigned i = q->cur;
	int flags = MSG_NOSIGNAL;

	for (; i < q->n && q->seg[i].data && msg.msg_iovlen < IOV_RUN; i++) {
		/* iovec has no const: sendmsg only reads these bytes. */
		iov[msg.msg_iovlen].iov_base = (void *)(uintptr_t)q->seg[i].data;
		iov[msg.msg_iovlen++].iov_len = (size_t)q->seg[i].length;
	}
	ssize_t n;

	if (i < q->n)
		flags |= MSG_MORE;	/* a file or more memory follows */
	n = sendmsg(fd, &msg, flags);
	TRACE("sendmsg(%d) = %zd bytes%s", fd, n, n == -1 ? " (would block)" : "");
	return n;
}

static ssize_t
send_file(int fd, struct sendq *q)
{
	struct segment *s = &q->seg[q->cur];
	off_t off = s->offset;
	size_t len = s->length > (1 << 30) ? (size_t)1 << 30 : (size_t)s->length;
	ssize_t n = sendfile(fd, s->fd, &off, len);

	TRACE("sendfile(%d) = %zd bytes%s", fd, n, n == -1 ? " (would block)" : "");

	if (n == 0) {
		/*
		 * The file shrank while we were sending: end here. The
		 * connection is then closed, so the client sees a short body
		 * rather than a response that claims to be complete.
		 */
		errno = EIO;
		return -1;
	}
	return n;
}

/*
 * Send as much as the socket takes now. SEND_AGAIN: the socket is full,
 * wait for EPOLLOUT; SEND_ERROR: errno says why (EPIPE, ECONNRESET, EIO).
 */
enum send_result
sendq_send(int fd, struct sendq *q)
{
	ssize_t n;

	while (q->cur < q->n) {
		n = q->seg[q->cur].data ? send_memory(fd, q) : send_file(fd, q);
		if (n > 0) {
			advance(q, (size_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return SEND_AGAIN;
		if (n == 0)
			errno = EPIPE;
		return SEND_ERROR;
	}
	return SEND_DONE;
}

/*
 * Wait until the socket takes more bytes. poll() reports POLLOUT only once
 * a good part of the send buffer is free, which a client reading slowly
 * through a small window may take longer than timeout_ms to allow; so the
 * time-out counts from the client's last progress (the kernel's send queue
 * shrinking, SIOCOUTQ), not from the last POLLOUT. 1: writable, 0: time-out.
 */
int
sendq_wait_writable(int fd, int timeout_ms)
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
 * Send everything, waiting up to timeout_ms of no progress each time the
 * socket is full: for a process that serves one response and may block.
 * -1 with errno ETIMEDOUT when the client stopped taking bytes.
 */
int
sendq_flush(int fd, struct sendq *q, int timeout_ms)
{
	for (;;) {
		switch (sendq_send(fd, q)) {
		case SEND_DONE:
			return 0;
		case SEND_ERROR:
			return -1;
		case SEND_AGAIN:
			if (sendq_wait_writable(fd, timeout_ms) <= 0)
				return -1;
			break;
		}
	}
}
