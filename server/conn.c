/*
 * conn.c: one TCP connection as a state machine driven by the event loop
 * (loop.c), from accept to close:
 *
 *   READING --request complete--> SENDING --sent--> READING (keep-alive)
 *      |  (fork mode: CHILD --hand-back--> SENDING or READING)
 *      +--time-out: 408 / idle: close     SENDING --done--> LINGERING --> closed
 *
 * TCP gives us a byte stream, not messages: a request may arrive one byte
 * at a time or several pipelined in one read, so bytes go to the parser as
 * they come and what is left after one request starts the next. Every
 * read and send is non-blocking, so a slow or idle client costs only this
 * struct (and, while a request is being read, a struct request), never a
 * process. The first request must arrive within -t seconds of the accept;
 * later ones may idle KEEPALIVE_IDLE_MS before their first byte and then
 * have -t seconds.
 *
 * Release: after the last response we shutdown(SHUT_WR) (our FIN), then
 * read and discard what the client still sends for a bounded time before
 * close(). Closing with unread input would make the kernel send a reset,
 * which can destroy the response before the client has read it.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "sockwebd.h"

#define RATE_WINDOW_MS	5000	/* a slow reader is judged over this window */
#define MIN_RATE_BPS	2048	/* slower than this near the limits: closed */
#define READS_PER_EVENT	4	/* then let other connections have a turn */
#define LINGER_MAX	(1 << 20)	/* bytes drained before we give up */

enum step { STEP_WAIT, STEP_READY, STEP_CLOSED };

static int
watch(struct conn *c, uint32_t events)
{
	if (loop_watch(c->loop, c->fd, &c->events, events, &c->watch) == -1) {
		conn_close(c);
		return -1;
	}
	return 0;
}

/* The request struct goes back to the loop's spares, or is freed. */
static void
request_done(struct loop *l, struct request *req)
{
	if (req != NULL && !spares_keep(&l->spare_requests, req))
		free(req);
}

/* A closed connection's memory: a spare (spares.c), or freed. */
void
conn_recycle(struct loop *l, struct conn *c)
{
	if (spares_keep(&l->spare_conns, c))
		return;
	buf_free(&c->out);
	free(c);
}

struct conn *
conn_open(struct loop *l, int fd, const struct sockaddr_storage *peer,
    bool proxy)
{
	struct conn *c;
	struct buf out;

	if ((c = spares_take(&l->spare_conns)) == NULL)
		return NULL;
	out = c->out;		/* a reused connection keeps its head buffer */
	memset(c, 0, sizeof(*c));
	c->out = out;
	buf_reset(&c->out);
	c->watch.kind = WATCH_CONN;
	c->fd = fd;
	c->handback_fd[0] = c->handback_fd[1] = -1;
	c->file.fd = -1;
	c->srv = l->srv;
	c->loop = l;
	c->cache = &l->cache;
	c->peer = *peer;
	addr_format((const struct sockaddr *)peer, c->peer_name,
	    sizeof(c->peer_name));
	if (proxy && proxy_conn_expect(c) == -1) {
		conn_recycle(l, c);
		return NULL;
	}
	buf_init(&c->body);
	buf_init(&c->location);
	c->next = l->conns;
	if (l->conns)
		l->conns->prev = c;
	l->conns = c;
	if (++l->nconns > l->peak_conns)
		l->peak_conns = l->nconns;
	c->state = CONN_READING;
	timer_arm(&l->q_request, &c->timer, io_now_ms());
	/*
	 * With TCP_DEFER_ACCEPT the request is usually here already: read
	 * before registering, so a request that is served at once (or
	 * forked for) costs no epoll_ctl at all. read_step() registers the
	 * connection when it has to wait.
	 */
	conn_drive(c);
	return c;
}

/* The last response's buffers, file and segments; the connection stays. */
void
conn_free_response(struct conn *c)
{
	file_close(&c->file);
	for (int i = 0; i < 2; i++) {
		if (c->handback_fd[i] >= 0)
			close(c->handback_fd[i]);
		c->handback_fd[i] = -1;
	}
	/*
	 * An idle connection keeps no buffers but a small one for the next
	 * head (a malloc and free per response are page faults in fork mode).
	 */
	buf_free(&c->body);
	buf_free(&c->location);
	buf_trim(&c->out, CONN_OUT_KEEP);
	sendq_init(&c->sendq);
}

/*
 * Close now. In fork mode another process may share the descriptor for a
 * moment, so the epoll registration is removed explicitly: closing our
 * copy alone would leave it (and events for a freed struct) behind.
 */
void
conn_close(struct conn *c)
{
	struct loop *l = c->loop;

	if (c->state == CONN_CLOSED)
		return;
	timer_cancel(&c->timer);
	if (trace_on)
		conn_trace_close(c);
	if (c->events && !l->worker)
		loop_watch(l, c->fd, &c->events, 0, &c->watch);
	child_detach(c);
	if (close(c->fd) == -1)
		log_warn("close %s", c->peer_name);
	c->fd = -1;
	conn_free_response(c);
	request_done(l, c->req);
	c->req = NULL;
	free(c->pending);
	c->pending = NULL;
	proxy_conn_done(c);
	if (c->prev)
		c->prev->next = c->next;
	else
		l->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	l->nconns--;
	c->state = CONN_CLOSED;
	/*
	 * A spare at once, unless an event of this batch still names it: then
	 * after the batch. (One fork-mode batch can accept and close hundreds
	 * of connections: deferred, none would be reused within it.)
	 */
	if (!loop_batch_names(l, &c->watch) && spares_keep(&l->spare_conns, c))
		return;
	c->next = l->closed;
	l->closed = c;
}

/* -v: the request line and the status it gets. */
void
conn_trace_request(const struct conn *c)
{
	TRACE("%s %s -> %d%s", request_method_name(c->req), c->req->target,
	    c->resp.status, c->resp.keep_alive ? " (keep-alive)" : "");
}

/*
 * -v at release: what TCP_INFO says of the connection, and which side
 * closed first. That side's end of the connection waits in TIME_WAIT
 * (twice the maximum segment lifetime), so that a late segment of this
 * connection cannot be taken for one of a new connection between the
 * same two addresses and ports.
 */
/* tcpi_state of CLOSE_WAIT (the kernel's TCP_CLOSE_WAIT, not in uapi) */
#define TCPI_CLOSE_WAIT 8

void
conn_trace_close(const struct conn *c)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	bool close_wait = false;	/* the client's FIN is in, unread */

	if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0) {
		trace_line("TCP_INFO %s: rtt %u us (var %u us), %u retransmitted, "
		    "segments out %u, in %u", c->peer_name, ti.tcpi_rtt,
		    ti.tcpi_rttvar, ti.tcpi_total_retrans, ti.tcpi_segs_out,
		    ti.tcpi_segs_in);
		close_wait = ti.tcpi_state == TCPI_CLOSE_WAIT;
	}
	if (c->our_fin)
		trace_line("close(%d): we sent the first FIN, so our end %s waits "
		    "in TIME_WAIT", c->fd, "of the connection");
	else if (c->peer_fin || close_wait)
		trace_line("close(%d): %s sent the first FIN; TIME_WAIT is on "
		    "its side", c->fd, c->peer_name);
	else
		trace_line("close(%d): our FIN now, none from %s yet: our end "
		    "waits in TIME_WAIT unless its FIN is already on the way",
		    c->fd, c->peer_name);
}

/* Our FIN; then read what the client still sends, for LINGER_MS at most. */
static void
release(struct conn *c, bool may_have_more)
{
	if (!may_have_more || shutdown(c->fd, SHUT_WR) == -1) {
		conn_close(c);
		return;
	}
	c->our_fin = true;
	TRACE("shutdown(%d, SHUT_WR): our FIN to %s; reading what it still sends",
	    c->fd, c->peer_name);
	conn_free_response(c);
	c->state = CONN_LINGERING;
	c->drained = 0;
	timer_arm(&c->loop->q_linger, &c->timer, io_now_ms());
	if (watch(c, EPOLLIN) == 0)
		conn_drive(c);
}

static void
drain(struct conn *c)
{
	char *sink = c->loop->scratch;
	ssize_t n;

	for (;;) {
		n = read(c->fd, sink, READ_CHUNK);
		if (n == 0)
			c->peer_fin = true;
		if (n > 0 && (c->drained += (size_t)n) < LINGER_MAX)
			continue;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		conn_close(c);	/* the client's FIN, an error, or enough */
		return;
	}
}

bool
conn_keep_alive(const struct conn *c)
{
	const struct request *req = c->req;
	const struct response *resp = &c->resp;

	return req->state == REQUEST_DONE && req->keep_alive &&
	    resp->status != 408 && resp->status != 400 &&
	    c->nrequests < KEEPALIVE_MAX && !c->loop->stopping;
}

static struct request *
request_get(struct conn *c)
{
	if (c->req == NULL) {
		if ((c->req = spares_take(&c->loop->spare_requests)) == NULL)
			return NULL;
		request_init(c->req);
	}
	return c->req;
}

/* Keep what was read past the end of the request: the next one's start. */
static int
keep_pending(struct conn *c, const char *rest, size_t len)
{
	char *p;

	if (len == 0) {
		free(c->pending);
		c->pending = NULL;
		c->npending = 0;
		return 0;
	}
	if ((p = malloc(len)) == NULL) {
		log_warn("malloc");
		return -1;
	}
	memcpy(p, rest, len);
	free(c->pending);
	c->pending = p;
	c->npending = len;
	return 0;
}

/* Feed bytes; a complete or broken request keeps what follows it. */
static enum step
feed(struct conn *c, const char *data, size_t len)
{
	struct request *req = c->req;
	bool started = req->started;
	ssize_t header;
	size_t used;

	/* A balancer's PROXY header comes before the first request. */
	if (c->proxy != NULL) {
		if ((header = proxy_conn_take(c, data, len)) < 0) {
			conn_fail(c, 400);
			return STEP_CLOSED;
		}
		data += header;
		len -= (size_t)header;
		if (c->proxy != NULL || len == 0)
			return STEP_WAIT;
	}
	used = request_feed(req, data, len);

	if (!started && req->started && c->nrequests > 0)
		timer_arm(&c->loop->q_request, &c->timer, io_now_ms());
	if (req->state == REQUEST_INCOMPLETE)
		return STEP_WAIT;
	if (keep_pending(c, data + used, len - used) == -1) {
		conn_close(c);
		return STEP_CLOSED;
	}
	return STEP_READY;
}

/* Bytes a pipelining client sent with the previous request come first. */
static enum step
feed_pending(struct conn *c)
{
	char *p = c->pending;
	size_t n = c->npending;
	enum step s;

	c->pending = NULL;
	c->npending = 0;
	s = feed(c, p, n);
	free(p);
	return s;
}

static enum step
read_request(struct conn *c)
{
	ssize_t n;
	int i;

	if (request_get(c) == NULL) {
		conn_close(c);
		return STEP_CLOSED;
	}
	if (c->npending > 0)
		return feed_pending(c);
	for (i = 0; i < READS_PER_EVENT; i++) {
		n = read(c->fd, c->loop->scratch, READ_CHUNK);
		if (n >= 0)
			TRACE("read(%d) = %zd bytes%s", c->fd, n,
			    n == 0 ? ": the client's FIN" : "");
		if (n == 0)
			c->peer_fin = true;
		if (n > 0) {
			enum step s = feed(c, c->loop->scratch, (size_t)n);
			if (s != STEP_WAIT)
				return s;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return STEP_WAIT;
		/* EOF or reset: nothing to answer, nothing unread. */
		conn_close(c);
		return STEP_CLOSED;
	}
	return STEP_WAIT;
}

/* Read what is there; to wait for more, the connection must be watched. */
static enum step
read_step(struct conn *c)
{
	enum step s = read_request(c);

	if (s == STEP_WAIT && watch(c, EPOLLIN) == -1)
		return STEP_CLOSED;
	return s;
}

/* From now on the response goes out (its segments are c->sendq). */
void
conn_begin_send(struct conn *c)
{
	c->state = CONN_SENDING;
	c->progress_ms = c->window_ms = io_now_ms();
	c->window_acked = c->acked_seen = 0;
	timer_cancel(&c->timer);
}

static void
start_sending(struct conn *c)
{
	if (response_queue(&c->resp, &c->out, &c->sendq) == -1) {
		log_warn("response to %s", c->peer_name);
		conn_close(c);
		return;
	}
	conn_begin_send(c);
}

/* An error the process answers itself, then closes (a bad PROXY header). */
void
conn_fail(struct conn *c, int status)
{
	response_error_page(&c->resp, status, &c->body);
	c->resp.keep_alive = false;
	start_sending(c);
	conn_drive(c);
}

/* Fork mode: the child is done and the connection stays: wait for more. */
void
conn_resume(struct conn *c)
{
	if (watch(c, EPOLLIN) == 0)
		conn_drive(c);
}

/* Decide the response here (a worker, or an error found while reading). */
static void
respond(struct conn *c)
{
	handler_request(c, c->req, &c->resp, &c->file);
	c->resp.keep_alive = conn_keep_alive(c);
	conn_trace_request(c);
	start_sending(c);
}

static void
request_ready(struct conn *c)
{
	c->nrequests++;
	/* Fork mode: a child, unless all -c are busy or outnumbered. */
	if (c->loop->worker || c->req->state == REQUEST_ERROR ||
	    !child_dispatch(c))
		respond(c);
}

/*
 * The response is out (or, in fork mode, the child sent all of it and
 * logged it): log, then the next request or the end of the connection.
 */
void
conn_response_done(struct conn *c, bool log)
{
	struct request *req = c->req;

	c->resp.sent = c->sendq.body_sent;
	if (log)
		log_access(c, req, &c->resp);
	if (!c->resp.keep_alive) {
		/* A client that wanted to go on may already be sending more. */
		release(c, c->npending > 0 || req->state != REQUEST_DONE ||
		    req->keep_alive);
		return;
	}
	conn_free_response(c);
	c->state = CONN_READING;
	if (c->npending > 0) {
		request_init(req);
		timer_arm(&c->loop->q_request, &c->timer, io_now_ms());
		return;
	}
	request_done(c->loop, c->req);	/* idle: only this struct stays */
	c->req = NULL;
	timer_arm(&c->loop->q_idle, &c->timer, io_now_ms());
}

static enum step
send_step(struct conn *c)
{
	switch (sendq_send(c->fd, &c->sendq)) {
	case SEND_DONE:
		conn_response_done(c, true);
		if (c->state != CONN_READING)
			return STEP_WAIT;
		/* Wait for the next request, unless it came with this one. */
		if (watch(c, EPOLLIN) == -1 || c->npending == 0)
			return STEP_WAIT;
		return STEP_READY;
	case SEND_AGAIN:
		if (!c->timer.next)
			timer_arm(&c->loop->q_send, &c->timer, io_now_ms());
		watch(c, EPOLLOUT);
		return STEP_WAIT;
	case SEND_ERROR:
		break;
	}
	/* The client went away (EPIPE, reset) or the file shrank (EIO). */
	c->resp.sent = c->sendq.body_sent;
	log_access(c, c->req, &c->resp);
	conn_close(c);
	return STEP_CLOSED;
}

/* Make all the progress that can be made without waiting. */
void
conn_drive(struct conn *c)
{
	for (;;) {
		switch (c->state) {
		case CONN_READING:
			if (read_step(c) != STEP_READY)
				return;
			request_ready(c);
			if (c->state != CONN_SENDING)
				return;
			break;
		case CONN_SENDING:
			if (send_step(c) != STEP_READY)
				return;
			break;
		case CONN_LINGERING:
			drain(c);
			return;
		default:
			return;
		}
	}
}

void
conn_event(struct conn *c, uint32_t events)
{
	if (c->state == CONN_CLOSED)
		return;
	if ((events & (EPOLLERR | EPOLLHUP)) && c->state == CONN_SENDING &&
	    !(events & EPOLLOUT)) {
		conn_close(c);
		return;
	}
	conn_drive(c);
}

/*
 * A response in progress: the client must take bytes within -t, and near
 * the server's limits at no less than MIN_RATE_BPS over RATE_WINDOW_MS
 * (a reader of a few hundred bytes a second would otherwise hold its
 * memory and descriptors for hours). Progress is what the client has
 * acknowledged: bytes handed to the kernel minus its send queue.
 */
static void
send_check(struct conn *c, long long now)
{
	int queued = 0;
	off_t acked;

	if (ioctl(c->fd, SIOCOUTQ, &queued) == -1)
		queued = 0;
	acked = c->sendq.total_sent - queued;
	if (acked > c->acked_seen) {
		c->acked_seen = acked;
		c->progress_ms = now;
	}
	if (now - c->progress_ms >= (long long)c->srv->cfg->timeout_sec * 1000) {
		conn_close(c);		/* no progress at all for -t */
		return;
	}
	if (now - c->window_ms >= RATE_WINDOW_MS) {
		if (loop_near_limits(c->loop) && (acked - c->window_acked) *
		    1000 / (now - c->window_ms) < MIN_RATE_BPS) {
			conn_close(c);
			return;
		}
		c->window_ms = now;
		c->window_acked = acked;
	}
	timer_arm(&c->loop->q_send, &c->timer, now);
}

void
conn_timeout(struct conn *c, long long now_ms)
{
	switch (c->state) {
	case CONN_READING:
		if (c->nrequests > 0 && (c->req == NULL || !c->req->started)) {
			conn_close(c);	/* idle keep-alive: nothing unread */
			return;
		}
		if (request_get(c) == NULL) {
			conn_close(c);
			return;
		}
		request_fail(c->req, 408);
		c->nrequests++;
		respond(c);
		conn_drive(c);
		return;
	case CONN_SENDING:
		send_check(c, now_ms);
		return;
	default:
		conn_close(c);
		return;
	}
}

/* The server stops: an idle connection goes now, the others finish. */
void
conn_stop(struct conn *c)
{
	if (c->state == CONN_READING && c->nrequests > 0 &&
	    (c->req == NULL || !c->req->started))
		conn_close(c);
}

/*
 * Turn a connection away before reading its request (the process holds
 * as many as it may): say so at once rather than leave the client hanging.
 * The socket is non-blocking and the send has no time to wait; what the
 * client already sent is read and dropped so that close() does not turn
 * the answer into a reset.
 */
void
conn_refuse(int fd, const struct sockaddr_storage *peer, int status)
{
	char sink[4096], name[ADDR_STRLEN];
	struct response r;
	struct buf body;

	buf_init(&body);
	if (response_error_page(&r, status, &body) == 0) {
		r.retry_after = 1;
		if (response_send(fd, &r, 0) == 0 && shutdown(fd, SHUT_WR) == 0)
			while (read(fd, sink, sizeof(sink)) > 0)
				;
	}
	buf_free(&body);
	addr_format((const struct sockaddr *)peer, name, sizeof(name));
	log_access_refused(name, status);
	close(fd);
}
