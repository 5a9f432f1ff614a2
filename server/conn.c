/*
 * conn.c: the child's side of one TCP connection. TCP gives us a byte
 * stream, not messages: a request may arrive one byte at a time or several
 * pipelined in one read, so bytes go to the parser as they come and what
 * is left after one request starts the next. Each request must complete
 * within -t seconds (408 otherwise); an idle keep-alive connection is
 * closed after KEEPALIVE_IDLE_MS.
 *
 * Release: after the last response we shutdown(SHUT_WR) (our FIN), then
 * read and discard what the client still sends for a short bounded time
 * before close(). Closing with unread input would make the kernel send a
 * reset, which can destroy the response before the client has read it.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "sockwebd.h"

#define CONN_BUF 16384

struct reader {
	char	buf[CONN_BUF];
	size_t	have;
};

enum read_result { READ_OK, READ_TIMEOUT, READ_CLOSED };

static int
timeout_ms(const struct conn *c)
{
	return (int)c->srv->cfg->timeout_sec * 1000;
}

/* Feed buffered bytes, keep what belongs to the next request. */
static bool
feed_buffered(struct request *req, struct reader *rd)
{
	size_t used;

	if (rd->have == 0)
		return false;
	used = request_feed(req, rd->buf, rd->have);
	memmove(rd->buf, rd->buf + used, rd->have - used);
	rd->have -= used;
	return req->state != REQUEST_INCOMPLETE;
}

/*
 * Read until one request is complete or broken. The first request has -t
 * seconds from the accept; later ones may idle for `idle_ms` before their
 * first byte and then have -t seconds.
 */
static enum read_result
read_request(struct conn *c, struct request *req, struct reader *rd,
    int idle_ms)
{
	long long deadline = idle_ms < 0 ? io_now_ms() + timeout_ms(c) : -1;
	long long wait;
	ssize_t n;

	for (;;) {
		if (feed_buffered(req, rd))
			return READ_OK;
		if (deadline < 0 && req->started)
			deadline = io_now_ms() + timeout_ms(c);
		wait = deadline < 0 ? idle_ms : deadline - io_now_ms();
		if (wait < 0)
			wait = 0;
		/*
		 * Between keep-alive requests the next one has rarely arrived
		 * yet: wait first rather than read, fail with EAGAIN, then wait.
		 */
		if (idle_ms >= 0 && !req->started && io_wait(c->fd, POLLIN,
		    (int)wait) <= 0)
			return errno == ETIMEDOUT ? READ_TIMEOUT : READ_CLOSED;
		n = io_read_some(c->fd, rd->buf + rd->have,
		    sizeof(rd->buf) - rd->have, (int)wait);
		if (n == 0)
			return READ_CLOSED;
		if (n < 0)
			return errno == ETIMEDOUT ? READ_TIMEOUT : READ_CLOSED;
		rd->have += (size_t)n;
	}
}

/*
 * shutdown + bounded drain + close: see the comment at the top. Lingering
 * is only needed when the client may still be sending (an unread body,
 * pipelined bytes, a request we refused half-way); after a clean request
 * with nothing left unread, close() alone sends a plain FIN (nginx's
 * "lingering_close on" heuristic), which saves a round trip per request.
 */
static void
conn_release(struct conn *c, bool may_have_more)
{
	long long deadline = io_now_ms() + LINGER_MS;
	char sink[4096];
	size_t total = 0;
	ssize_t n;
	long long left;

	if (may_have_more && shutdown(c->fd, SHUT_WR) == 0) {
		while ((left = deadline - io_now_ms()) > 0 && total < (1 << 20)) {
			n = io_read_some(c->fd, sink, sizeof(sink), (int)left);
			if (n <= 0)
				break;
			total += (size_t)n;
		}
	}
	close(c->fd);
	c->fd = -1;
}

static bool
keep_alive_allowed(const struct conn *c, const struct request *req,
    const struct response *resp)
{
	return req->state == REQUEST_DONE && req->keep_alive &&
	    resp->status != 408 && resp->status != 400 &&
	    c->nrequests < KEEPALIVE_MAX;
}

void
conn_serve(struct conn *c)
{
	static struct reader rd;
	static struct request req;
	struct response resp;
	struct file f = { .fd = -1 };
	enum read_result rr;
	bool idle = false;
	int rc;

	rd.have = 0;		/* a prefork worker reuses rd across connections */
	buf_init(&c->body);
	buf_init(&c->location);
	for (c->nrequests = 0;; ) {
		request_init(&req);
		rr = read_request(c, &req, &rd,
		    c->nrequests == 0 ? -1 : KEEPALIVE_IDLE_MS);
		idle = rr == READ_TIMEOUT && !req.started && c->nrequests > 0;
		if (rr == READ_CLOSED || idle)
			break;
		c->nrequests++;
		if (rr == READ_TIMEOUT) {
			req.state = REQUEST_ERROR;
			req.status = 408;
		}
		handler_request(c, &req, &resp, &f);
		resp.keep_alive = keep_alive_allowed(c, &req, &resp);
		rc = response_send(c->fd, &resp, timeout_ms(c));
		log_access(c, &req, &resp);
		file_close(&f);
		if (rc == -1 || !resp.keep_alive)
			break;
	}
	/*
	 * A client that wanted to go on may already be sending more; one that
	 * stayed idle past the keep-alive time or closed has nothing unread.
	 */
	conn_release(c, rr != READ_CLOSED && !idle && (rd.have > 0 ||
	    req.state != REQUEST_DONE || req.keep_alive));
	buf_free(&c->body);
	buf_free(&c->location);
}

/*
 * A connection accept() just gave us: serve it, close it. Our own end
 * (getsockname) is looked up only when a request asks for it (/_peer).
 */
void
conn_accepted(const struct server *srv, int fd,
    const struct sockaddr_storage *peer)
{
	struct conn c;

	memset(&c, 0, sizeof(c));
	c.fd = fd;
	c.srv = srv;
	c.peer = *peer;
	addr_format((const struct sockaddr *)peer, c.peer_name,
	    sizeof(c.peer_name));
	conn_serve(&c);
}
