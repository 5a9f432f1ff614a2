/*
 * child.c: fork mode, the socket model's "one process per connection",
 * spent only while a request is being served. The parent has read the
 * whole request (conn.c) when it forks; the child inherits it with the
 * rest of the parent's memory, decides the response (handler.c) and
 * sends it with plain blocking calls. It then reports back over the
 * parent's one SOCK_SEQPACKET channel (a message naming its pid) and
 * exits: "done, keep the connection" (the
 * parent waits for the next request, as Apache's event MPM returns
 * keep-alive connections to its listener), "failed, close it", or, when
 * the client has not taken everything within HANDBACK_MS, "here is what
 * is left": the rest of the memory bytes in a memfd and the file, both
 * passed with SCM_RIGHTS, for the parent to send from its event loop. So a
 * slow reader holds a child for HANDBACK_MS at most, and an idle client
 * none at all.
 *
 * Keep-alive: a client that sends its next request at once (a browser
 * loading a page, a benchmark) would cost a fork per request if every
 * child handed back after one. So a child that has sent its response in
 * full waits up to CHILD_STAY_MS for the next one and serves it too, as
 * long as it is complete and valid (looked at with MSG_PEEK: a partial
 * or bad request stays in the kernel for the parent to read) and the
 * child is younger than CHILD_LIFE_MS. The report then carries that last
 * request's bytes, which the parent parses again, so its view of the
 * connection is the last request's. An idle or trickling client thus
 * holds a child for CHILD_STAY_MS at most.
 *
 * At most -c children run at once. A request that finds none free, or
 * that comes while the parent holds more connections than -c, is served
 * by the parent itself, from its event loop, as a --prefork worker serves
 * (conn.c). With more clients than children a queue for a child would
 * make requests wait for seconds, and every fork copies the parent's
 * descriptor table, one entry per held connection: with 10 000 of them a
 * fork costs 1-3 ms instead of 0.2 (measured), and forking for every
 * request is the one thing the machine cannot afford.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockwebd.h"

enum handback_kind { HANDBACK_DONE, HANDBACK_FAILED, HANDBACK_REST };

struct handback {
	enum handback_kind kind;
	pid_t		 pid;		/* the child's: it names the connection */
	int		 status;
	bool		 keep_alive;
	off_t		 body_sent;
	off_t		 total_sent;
	unsigned	 more_requests;	/* served after the parent's one */
	size_t		 pending_used;	/* bytes of c->pending they took */
	size_t		 head_len;	/* then the last one's bytes follow */
	unsigned	 nseg;
	struct {
		off_t	 offset;
		off_t	 length;
		bool	 in_memfd;	/* else from the file */
		bool	 body;
	} seg[SENDQ_SEGMENTS];
};

/* A few descriptors in order (insertion sort: qsort is one more libc page). */
static void
sort_fds(int *fd, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		int v = fd[i];
		size_t j = i;

		for (; j > 0 && fd[j - 1] > v; j--)
			fd[j] = fd[j - 1];
		fd[j] = v;
	}
}

/*
 * The child inherits every descriptor of the parent: thousands of other
 * clients' connections among them. Keep only ours, stdio, and the files
 * of the parent's open-file cache (the child may hit those entries: a
 * closed one would be sent as an empty body).
 */
static void
close_all_but(int *keep, size_t n)
{
	unsigned from = 3;
	size_t i;

	sort_fds(keep, n);
	for (i = 0; i < n; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned)keep[i] > from &&
		    close_range(from, (unsigned)keep[i] - 1, 0) == -1)
			log_warn("close_range");
		from = (unsigned)keep[i] + 1;
	}
	if (close_range(from, ~0U, 0) == -1)
		log_warn("close_range");
}

/* The rest of the memory segments into a memfd; NULL-free message. */
static int
pack_rest(const struct sendq *q, struct handback *hb, int *memfd,
    int *filefd)
{
	const struct segment *s;
	off_t at = 0;
	unsigned i;

	*memfd = *filefd = -1;
	for (i = q->cur; i < q->n; i++) {
		s = &q->seg[i];
		hb->seg[hb->nseg].length = s->length;
		hb->seg[hb->nseg].body = s->body;
		hb->seg[hb->nseg].in_memfd = s->data != NULL;
		if (s->data == NULL) {
			if (*filefd >= 0 && *filefd != s->fd)
				return -1;	/* one file per response */
			*filefd = s->fd;
			hb->seg[hb->nseg++].offset = s->offset;
			continue;
		}
		if (*memfd < 0 && (*memfd = memfd_create("sockwebd-rest",
		    MFD_CLOEXEC)) == -1) {
			log_warn("memfd_create");
			return -1;
		}
		if (io_write_all(*memfd, s->data, (size_t)s->length, -1) == -1) {
			log_warn("write memfd");
			return -1;
		}
		hb->seg[hb->nseg++].offset = at;
		at += s->length;
	}
	return 0;
}

static int
report(int chan, const struct handback *hb, const char *head, int memfd,
    int filefd)
{
	union {
		char		buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr	align;
	} ctl;
	struct iovec iov[2] = { { (void *)(uintptr_t)hb, sizeof(*hb) },
	    { (void *)(uintptr_t)head, hb->head_len } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	struct cmsghdr *cm;
	int fds[2], nfds = 0;

	if (memfd >= 0)
		fds[nfds++] = memfd;
	if (filefd >= 0)
		fds[nfds++] = filefd;
	if (nfds > 0) {
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	if (sendmsg(chan, &msg, MSG_NOSIGNAL) == -1) {
		log_warn("sendmsg to parent");
		return -1;
	}
	return 0;
}

/* Send for HANDBACK_MS at most: DONE, FAILED, or REST when time is up. */
static enum handback_kind
child_send(struct conn *c)
{
	long long deadline = io_now_ms() + HANDBACK_MS, left;

	for (;;) {
		switch (sendq_send(c->fd, &c->sendq)) {
		case SEND_DONE:
			return HANDBACK_DONE;
		case SEND_ERROR:
			return HANDBACK_FAILED;
		case SEND_AGAIN:
			break;
		}
		if ((left = deadline - io_now_ms()) <= 0)
			return HANDBACK_REST;
		if (io_wait(c->fd, POLLOUT, (int)left) == -1)
			return HANDBACK_FAILED;
	}
}

/* One request: decide the response, send it for HANDBACK_MS at most. */
static enum handback_kind
serve_one(struct conn *c, struct handback *hb, int *memfd, int *filefd)
{
	enum handback_kind kind;

	handler_request(c, c->req, &c->resp, &c->file);
	c->resp.keep_alive = conn_keep_alive(c);
	conn_trace_request(c);
	kind = response_queue(&c->resp, &c->out, &c->sendq) == -1 ?
	    HANDBACK_FAILED : child_send(c);
	hb->nseg = 0;
	if (kind == HANDBACK_REST &&
	    pack_rest(&c->sendq, hb, memfd, filefd) == -1) {
		/* Cannot hand it over: finish here, within -t of no progress. */
		kind = sendq_flush(c->fd, &c->sendq,
		    (int)c->srv->cfg->timeout_sec * 1000) == 0 ?
		    HANDBACK_DONE : HANDBACK_FAILED;
		hb->nseg = 0;
	}
	c->resp.sent = c->sendq.body_sent;
	if (kind != HANDBACK_REST)
		log_access(c, c->req, &c->resp);
	return kind;
}

/* The next request is complete: the child serves it (its bytes: head). */
static bool
take_next(struct conn *c, size_t used)
{
	conn_free_response(c);
	file_cache_wakeup(c->cache);	/* it came later: look at files anew */
	TRACE("the next request (%zu bytes) is here: this child serves it too",
	    used);
	c->nrequests++;
	return true;
}

/*
 * Where the next request's bytes are kept for the report: allocated on the
 * first one, not a READ_CHUNK array on the stack of every child (each
 * stack page a child touches is a page it faults in and copies).
 */
static bool
head_room(char **head)
{
	if (*head == NULL && (*head = malloc(READ_CHUNK)) == NULL) {
		log_warn("malloc");
		return false;
	}
	return true;
}

/* A pipelined request the parent had read with the last one. */
static bool
next_pending(struct conn *c, struct handback *hb, char **head, size_t *len)
{
	size_t used;

	request_init(c->req);
	used = request_feed(c->req, c->pending, c->npending);
	if (c->req->state != REQUEST_DONE || !head_room(head))
		return false;	/* the parent completes it, or answers the error */
	memcpy(*head, c->pending, used);
	memmove(c->pending, c->pending + used, c->npending - used);
	c->npending -= used;
	hb->pending_used += used;
	*len = used;
	return take_next(c, used);
}

/*
 * Is the client's next request complete (pipelined, or in the socket
 * within CHILD_STAY_MS)? Then take exactly its bytes (into head).
 */
static bool
next_request(struct conn *c, struct handback *hb, long long life_end,
    char **head, size_t *len)
{
	long long left = life_end - io_now_ms();
	size_t used;
	ssize_t n;

	if (!c->resp.keep_alive || left <= 0)
		return false;
	if (c->npending > 0)
		return next_pending(c, hb, head, len);
	if (io_wait(c->fd, POLLIN, left < CHILD_STAY_MS ? (int)left :
	    CHILD_STAY_MS) != 1)
		return false;
	do
		n = recv(c->fd, c->loop->scratch, READ_CHUNK, MSG_PEEK);
	while (n == -1 && errno == EINTR);
	if (n <= 0)
		return false;
	request_init(c->req);
	used = request_feed(c->req, c->loop->scratch, (size_t)n);
	if (c->req->state != REQUEST_DONE || !head_room(head))
		return false;	/* the parent reads it from the start (and
				 * answers a bad one itself, as always) */
	if (read(c->fd, *head, used) != (ssize_t)used) {
		log_warn("read %s", c->peer_name);
		c->resp.keep_alive = false;	/* where the next one starts is lost */
		return false;
	}
	*len = used;
	return take_next(c, used);
}

static void
child_serve(struct conn *c, int chan)
{
	struct handback hb = { 0 };
	int keep[4 + FILE_CACHE_SIZE] = { c->fd, chan, c->srv->root_fd,
	    log_access_fd() };
	size_t nkeep = 4 + file_cache_fds(c->cache, keep + 4);
	int memfd = -1, filefd = -1;
	long long life_end = io_now_ms() + CHILD_LIFE_MS;
	char *head = NULL;
	size_t head_len = 0;
	int rc;

	if (proc_child_signals() == -1)
		_exit(1);
	close_all_but(keep, nkeep);
	file_cache_freeze(c->cache);
	while ((hb.kind = serve_one(c, &hb, &memfd, &filefd)) == HANDBACK_DONE &&
	    next_request(c, &hb, life_end, &head, &head_len))
		hb.more_requests++;
	hb.head_len = hb.more_requests > 0 ? head_len : 0;
	hb.pid = getpid();
	hb.status = c->resp.status;
	hb.keep_alive = c->resp.keep_alive;
	hb.body_sent = c->sendq.body_sent;
	hb.total_sent = c->sendq.total_sent;
	TRACE("sendmsg(%d) to the parent: %s", chan, hb.kind == HANDBACK_DONE ?
	    "response sent" : hb.kind == HANDBACK_FAILED ? "failed, close" :
	    "the client reads slowly: the parent sends the rest");
	rc = report(chan, &hb, head, memfd, filefd);
	free(head);
	_exit(rc == 0 ? 0 : 1);
}

/*
 * fork() runs the atfork handlers and takes and drops libc's and ld.so's
 * locks around the clone; in a parent with one thread that only writes
 * pages (libc's and ld.so's data) which parent and child then each fault
 * in and copy, for every request. _Fork (glibc 2.34) is the clone alone:
 * nothing in sockwebd registers an atfork handler, and with one thread no
 * lock can be held at the fork.
 */
static pid_t
fork_child(void)
{
#ifdef HAVE__FORK
	return _Fork();
#else
	return fork();
#endif
}

/*
 * Fork a child for c's request if one of the -c places is free; false
 * when none is (or fork failed): the caller serves the request itself.
 */
bool
child_dispatch(struct conn *c)
{
	struct loop *l = c->loop;
	bool none_free = l->children.count >= l->children.max;
	pid_t pid;

	if (none_free || l->nconns > l->children.max) {
		TRACE("%s (-c %u): the parent serves %s itself", none_free ?
		    "no child free" : "more connections than children",
		    l->children.max, c->peer_name);
		return false;
	}
	if (loop_watch(l, c->fd, &c->events, 0, &c->watch) == -1)
		return false;
	/*
	 * Room for the response head, taken here: the parent's malloc reuses
	 * the chunk the last connection freed, while the child's first malloc
	 * would sort the parent's free chunks, each write a page fault and a
	 * copy in the child (6 to 17 of them, perf).
	 */
	if (buf_reserve(&c->out, RESPONSE_HEAD_TYPICAL) == -1)
		return false;
	if ((pid = fork_child()) == -1) {
		log_warn("fork");
		return false;
	}
	if (pid == 0)
		child_serve(c, l->chan[1]);
	TRACE("fork() = %ld (child serves %s)", (long)pid, c->peer_name);
	c->child = pid;
	c->state = CONN_CHILD;
	timer_cancel(&c->timer);
	children_add(&l->children, pid, c);
	return true;
}

void
child_detach(struct conn *c)
{
	children_disown(&c->loop->children, c->child);
	c->child = 0;
}

/*
 * One channel for all children: a SOCK_SEQPACKET pair made once, whose
 * one end every child inherits. Each report is one message (boundaries
 * kept) naming the child's pid; a socketpair per child would cost three
 * more system calls per request and two epoll_ctl.
 */
int
child_channel_open(struct loop *l)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &l->chan_watch };

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, l->chan) == -1) {
		log_warn("socketpair");
		return -1;
	}
	l->chan_watch.kind = WATCH_CHILD;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, l->chan[0], &ev) == -1) {
		log_warn("epoll_ctl children's channel");
		return -1;
	}
	return 0;
}

/*
 * Child pid has exited and its connection has no report from it yet. A
 * child sends its report before it exits, so the report is on the
 * channel now if there is one (it may have been blocked in sendmsg while
 * the channel was full, until our last read): read the channel first.
 * Without a report, the child crashed or was killed: close.
 */
void
child_exited(struct loop *l, pid_t pid)
{
	struct conn *owner;

	child_reports(l);
	if ((owner = children_owner(&l->children, pid)) != NULL) {
		child_detach(owner);
		conn_close(owner);
	}
}

static ssize_t
receive(int chan, struct handback *hb, char *head, int fds[2], int *nfds)
{
	union {
		char		buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr	align;
	} ctl;
	struct iovec iov[2] = { { hb, sizeof(*hb) }, { head, READ_CHUNK } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2,
	    .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm;
	ssize_t n;

	*nfds = 0;
	do
		n = recvmsg(chan, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n == -1 && errno == EINTR);
	for (cm = CMSG_FIRSTHDR(&msg); n > 0 && cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		*nfds = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		if (*nfds > 2)
			*nfds = 2;
		memcpy(fds, CMSG_DATA(cm), (size_t)*nfds * sizeof(int));
	}
	return n;
}

/* What the child left: the parent sends it from its event loop. */
static void
take_rest(struct conn *c, const struct handback *hb, const int fds[2],
    int nfds)
{
	int memfd = -1, filefd = -1, k = 0;
	unsigned i;

	for (i = 0; i < hb->nseg; i++)
		if (hb->seg[i].in_memfd && memfd < 0)
			memfd = k < nfds ? fds[k++] : -1;
	for (i = 0; i < hb->nseg; i++)
		if (!hb->seg[i].in_memfd && filefd < 0)
			filefd = k < nfds ? fds[k++] : -1;
	c->handback_fd[0] = memfd;
	c->handback_fd[1] = filefd;
	sendq_init(&c->sendq);
	conn_begin_send(c);
	c->sendq.body_sent = hb->body_sent;
	c->sendq.total_sent = hb->total_sent;
	for (i = 0; i < hb->nseg; i++)
		sendq_add_file(&c->sendq, hb->seg[i].in_memfd ? memfd : filefd,
		    hb->seg[i].offset, hb->seg[i].length, hb->seg[i].body);
}

/*
 * The child served more requests than the one we gave it: take over its
 * view, the last request's (parsed again from the bytes it sent back).
 */
static int
last_request(struct conn *c, const struct handback *hb, const char *head)
{
	if (hb->more_requests == 0)
		return 0;
	if (hb->pending_used > c->npending)
		return -1;
	if (hb->pending_used > 0) {	/* (c->pending may be NULL otherwise) */
		c->npending -= hb->pending_used;
		memmove(c->pending, c->pending + hb->pending_used, c->npending);
	}
	if (c->npending == 0 && c->pending != NULL) {
		free(c->pending);
		c->pending = NULL;
	}
	c->nrequests += hb->more_requests;
	request_init(c->req);
	request_feed(c->req, head, hb->head_len);
	return c->req->state == REQUEST_DONE ? 0 : -1;
}

/* One child's report, for the connection it serves. */
static void
take_report(struct conn *c, const struct handback *hb, ssize_t n,
    const int fds[2], int nfds)
{
	int i;

	child_detach(c);
	if (n < (ssize_t)sizeof(*hb) || hb->head_len > READ_CHUNK ||
	    (size_t)n != sizeof(*hb) + hb->head_len ||
	    hb->kind == HANDBACK_FAILED || hb->nseg > SENDQ_SEGMENTS ||
	    last_request(c, hb, c->loop->scratch) == -1) {
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		conn_close(c);
		return;
	}
	c->resp.status = hb->status;
	/* The child could not know that we stop meanwhile. */
	c->resp.keep_alive = hb->keep_alive && !c->loop->stopping;
	if (hb->kind == HANDBACK_DONE) {
		conn_response_done(c, false);	/* the child logged it */
		if (c->state == CONN_READING)
			conn_resume(c);
		return;
	}
	take_rest(c, hb, fds, nfds);
	conn_drive(c);
}

/* Every report waiting on the channel. */
void
child_reports(struct loop *l)
{
	struct handback hb;
	struct conn *c;
	int fds[2], nfds, i;
	ssize_t n;

	while ((n = receive(l->chan[0], &hb, l->scratch, fds, &nfds)) > 0) {
		c = n >= (ssize_t)sizeof(hb) ?
		    children_owner(&l->children, hb.pid) : NULL;
		if (c == NULL || c->state != CONN_CHILD) {
			for (i = 0; i < nfds; i++)
				close(fds[i]);	/* its connection is gone */
			continue;
		}
		take_report(c, &hb, n, fds, nfds);
	}
	if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
		log_warn("recvmsg children's channel");
}
