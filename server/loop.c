/*
 * loop.c: the event loop. In fork mode it is the parent's: it waits
 * passively on every listening socket, accepts (learning the client's
 * address and ephemeral port), reads each connection's request and only
 * then forks a child to serve it (child.c). With --prefork it is each
 * worker's, which serves its connections itself. Either way one epoll set
 * holds the listeners, a signalfd and every connection, so one process
 * waits for thousands of clients at once, and a SIGTERM or SIGHUP is seen
 * at the next wake-up however busy the sockets are.
 *
 * Each wake-up takes at most LOOP_EVENTS events and each listener at most
 * ACCEPT_BURST new connections, so signals and time-outs are never
 * starved. A connection closed while handling the batch is freed only
 * after it, since a later event of the same batch may still name it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include "sockwebd.h"

#define ACCEPT_BURST	1024
#define SEND_CHECK_MS	1000	/* a response's progress is checked this often */
#define CACHE_SWEEP_MS	1000
#define SIGNAL_CHECK_MS	5	/* within a batch, the signalfd this often */
#define TRIM_AFTER_CONNS 256	/* a burst this big: give the heap back after */
#define SPILL_CHECK_MS	10	/* a --prefork worker looks at the board this often */

#define CONTAINER(p, type, member) \
	((type *)(void *)((char *)(p) - offsetof(type, member)))

/* Register, change or remove fd's interest so that it becomes `want`. */
int
loop_watch(struct loop *l, int fd, uint32_t *have, uint32_t want,
    struct watch *w)
{
	struct epoll_event ev = { .events = want, .data.ptr = w };
	int op;

	if (*have == want)
		return 0;
	op = *have == 0 ? EPOLL_CTL_ADD : want == 0 ? EPOLL_CTL_DEL :
	    EPOLL_CTL_MOD;
	if (epoll_ctl(l->ep, op, fd, &ev) == -1) {
		log_warn("epoll_ctl %d", fd);
		return -1;
	}
	*have = want;
	return 0;
}

/* Three quarters of the connections this process may hold are taken. */
bool
loop_near_limits(const struct loop *l)
{
	return l->nconns >= l->srv->max_conns / 4 * 3;
}

static int
listeners_watch(struct loop *l, bool on)
{
	struct epoll_event ev;
	size_t i;

	if (l->listening == on)
		return 0;
	for (i = 0; i < l->srv->nlisteners; i++) {
		/* EPOLLEXCLUSIVE: a new connection wakes one worker, not all. */
		ev.events = EPOLLIN | (l->worker ? EPOLLEXCLUSIVE : 0);
		ev.data.ptr = &l->listen_watch[i];
		if (epoll_ctl(l->ep, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL,
		    l->srv->listeners[i].fd, &ev) == -1) {
			log_warn("epoll_ctl %s", l->srv->listeners[i].name);
			return -1;
		}
	}
	l->listening = on;
	return 0;
}

/*
 * Watch the listeners unless we stop, are paused (no descriptors), serve
 * one inetd connection, or are a --prefork worker whose turn to take new
 * connections has not come (spill.c).
 */
static int
listeners_update(struct loop *l)
{
	bool want = !l->single && !l->stopping && l->accept_resume_ms == 0 &&
	    (l->spill == NULL || l->spill_turn);

	return listeners_watch(l, want);
}

static void on_signals(struct loop *l);
static void signals_if_due(struct loop *l);

static void
accept_burst(struct loop *l, const struct listener *ln)
{
	struct sockaddr_storage peer;
	socklen_t len;
	int i, fd;

	for (i = 0; i < ACCEPT_BURST && l->listening; i++) {
		len = sizeof(peer);
		fd = accept4(ln->fd, (struct sockaddr *)&peer, &len,
		    SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd == -1) {
			if (errno == EINTR)
				continue;
			proc_accept_failed(ln->name, errno, io_now_ms(),
			    &l->accept_resume_ms, &l->accept_warned_ms);
			listeners_update(l);
			return;
		}
		if (trace_on) {
			char name[ADDR_STRLEN];
			addr_format((struct sockaddr *)&peer, name, sizeof(name));
			trace_line("accept(%d) = %d from %s (ephemeral port) to %s",
			    ln->fd, fd, name, ln->name);
		}
		if (l->nconns >= l->srv->max_conns)
			conn_refuse(fd, &peer, 503);
		else if (conn_open(l, fd, &peer, ln->proxy) == NULL)
			close(fd);
		signals_if_due(l);	/* each connection may have cost a fork */
	}
}

/* Stop accepting; idle connections go now, the others get the grace. */
static void
loop_stop(struct loop *l)
{
	struct conn *c, *next;
	size_t i;

	if (l->stopping)
		return;
	l->stopping = true;
	l->stop_deadline_ms = io_now_ms() + SHUTDOWN_GRACE_MS;
	listeners_watch(l, false);
	for (i = 0; i < l->srv->nlisteners; i++)
		close(l->srv->listeners[i].fd);
	for (c = l->conns; c; c = next) {
		next = c->next;
		conn_stop(c);
	}
}

static void
reap(struct loop *l)
{
	int status;
	pid_t pid;

	while ((pid = children_wait_one(&status)) > 0) {
		if (children_owner(&l->children, pid))
			child_exited(l, pid);
		children_remove(&l->children, pid);
	}
}

static void
on_signals(struct loop *l)
{
	int sig;

	while ((sig = proc_signal_read(l->sigfd)) != 0) {
		switch (sig) {
		case SIGCHLD:
			reap(l);
			break;
		case SIGHUP:
			log_access_reopen();
			break;
		case SIGTERM:
		case SIGINT:
			loop_stop(l);
			break;
		case SIGUSR2:
			upgrade_start();	/* only the parent starts a copy */
			break;
		}
	}
}

/*
 * Within a batch of events (or of accepts), read the signalfd once
 * SIGNAL_CHECK_MS have passed since the last look: a read per few events
 * was a quarter of a keep-alive worker's system calls, and the clock is
 * read without one (vDSO).
 */
static void
signals_if_due(struct loop *l)
{
	long long now = io_now_ms();

	if (now >= l->signals_check_ms) {
		l->signals_check_ms = now + SIGNAL_CHECK_MS;
		on_signals(l);
	}
}

static void
dispatch(struct loop *l, const struct epoll_event *ev)
{
	struct watch *w = ev->data.ptr;

	switch (w->kind) {
	case WATCH_LISTENER:
		accept_burst(l, &l->srv->listeners[w->index]);
		break;
	case WATCH_SIGNAL:
		on_signals(l);
		break;
	case WATCH_CONN:
		conn_event(CONTAINER(w, struct conn, watch), ev->events);
		break;
	case WATCH_CHILD:
		child_reports(l);
		break;
	}
}

static void
expire(struct timerq *q, long long now)
{
	struct timer *t;

	while ((t = timerq_expired(q, now)) != NULL)
		conn_timeout(CONTAINER(t, struct conn, timer), now);
}

/*
 * Thousands of connections reading requests at once take a struct
 * request each (26 KiB): 10 000 of them grow the heap by 260 MB, and
 * free() gives back only what ends up at its top. Once such a burst is
 * over, return the free pages: in fork mode every fork() copies the page
 * tables of all resident memory, so a parent that stayed big would fork
 * ten times slower for ever after.
 */
static void
heap_after_burst(struct loop *l)
{
	if (l->peak_conns >= TRIM_AFTER_CONNS && l->nconns <= l->peak_conns / 4) {
		malloc_trim(0);
		l->peak_conns = l->nconns;
	}
}

static void
run_timers(struct loop *l, long long now)
{
	expire(&l->q_request, now);
	expire(&l->q_idle, now);
	expire(&l->q_send, now);
	expire(&l->q_linger, now);
	if (now >= l->cache_sweep_ms) {
		file_cache_expire(&l->cache, now);
		heap_after_burst(l);
		l->cache_sweep_ms = now + CACHE_SWEEP_MS;
	}
	if (l->accept_resume_ms && now >= l->accept_resume_ms && !l->stopping) {
		l->accept_resume_ms = 0;
		listeners_update(l);
	}
}

static void
earliest(long long *at, long long t)
{
	if (t >= 0 && (*at < 0 || t < *at))
		*at = t;
}

/* How long epoll_wait may sleep: until the next deadline of any kind. */
static int
wait_ms(const struct loop *l, long long now)
{
	long long at = l->cache_sweep_ms;

	earliest(&at, timerq_next(&l->q_request));
	earliest(&at, timerq_next(&l->q_idle));
	earliest(&at, timerq_next(&l->q_send));
	earliest(&at, timerq_next(&l->q_linger));
	if (l->accept_resume_ms)
		earliest(&at, l->accept_resume_ms);
	if (l->stopping)
		earliest(&at, l->stop_deadline_ms);
	if (l->spill != NULL && l->seat > 0)
		earliest(&at, l->spill_check_ms);
	return at <= now ? 0 : (int)(at - now);
}

/*
 * Whether an event of this batch still to be dispatched names w: a
 * connection closed meanwhile must not be reused before (spares.c).
 */
bool
loop_batch_names(const struct loop *l, const struct watch *w)
{
	for (int i = l->batch_next; i < l->batch_n; i++)
		if (l->batch[i].data.ptr == w)
			return true;
	return false;
}

static void
free_closed(struct loop *l)
{
	struct conn *c;

	while ((c = l->closed) != NULL) {
		l->closed = c->next;
		conn_recycle(l, c);
	}
}

static int
loop_init(struct loop *l, struct server *srv, bool worker)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &l->sig_watch };
	size_t i;

	l->srv = srv;
	l->worker = worker;
	l->cache_sweep_ms = io_now_ms() + CACHE_SWEEP_MS;
	timerq_init(&l->q_request, (long long)srv->cfg->timeout_sec * 1000);
	timerq_init(&l->q_idle, KEEPALIVE_IDLE_MS);
	timerq_init(&l->q_send, SEND_CHECK_MS);
	timerq_init(&l->q_linger, LINGER_MS);
	file_cache_init(&l->cache);
	spares_init(&l->spare_conns, sizeof(struct conn), true, "connection");
	spares_init(&l->spare_requests, sizeof(struct request), false,
	    "request");
	for (i = 0; i < srv->nlisteners; i++) {
		l->listen_watch[i].kind = WATCH_LISTENER;
		l->listen_watch[i].index = (unsigned)i;
	}
	l->sig_watch.kind = WATCH_SIGNAL;
	if (children_init(&l->children, worker ? 1 : srv->cfg->max_children) == -1)
		return -1;
	if ((l->ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		log_warn("epoll_create1");
		return -1;
	}
	if ((l->sigfd = proc_signals_open()) == -1)
		return -1;
	if (!worker && child_channel_open(l) == -1)
		return -1;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, l->sigfd, &ev) == -1) {
		log_warn("epoll_ctl signalfd");
		return -1;
	}
	l->spill_turn = l->seat == 0;	/* the others look first */
	return listeners_update(l);
}

static void
loop_free(struct loop *l)
{
	struct request *req;
	struct conn *c;

	while ((c = l->conns) != NULL)
		conn_close(c);
	free_closed(l);
	while ((c = spares_pop(&l->spare_conns)) != NULL) {
		buf_free(&c->out);
		free(c);
	}
	while ((req = spares_pop(&l->spare_requests)) != NULL)
		free(req);
	children_stop(&l->children, l->stop_deadline_ms);
	children_free(&l->children);
	file_cache_release(&l->cache);
	if (l->ep >= 0)
		close(l->ep);
	if (l->sigfd >= 0)
		close(l->sigfd);
	for (int i = 0; i < 2; i++)
		if (l->chan[i] >= 0)
			close(l->chan[i]);
	free(l);
}

/* Connections that sent their request wait in a listener's accept queue. */
static bool
listeners_queued(const struct loop *l)
{
	struct tcp_info ti;
	socklen_t len;
	size_t i;

	for (i = 0; i < l->srv->nlisteners; i++) {
		len = sizeof(ti);
		if (getsockopt(l->srv->listeners[i].fd, IPPROTO_TCP, TCP_INFO,
		    &ti, &len) == 0 && ti.tcpi_unacked > 0)
			return true;	/* a listener's tcpi_unacked: its queue */
	}
	return false;
}

/*
 * --prefork: every SPILL_CHECK_MS see whether it is our turn to take new
 * connections (spill.c); before each wait tell the others whether we take
 * them and whether we can take more.
 */
static int
loop_wait(struct loop *l, struct epoll_event *evs, long long now)
{
	if (l->spill != NULL) {
		if (now >= l->spill_check_ms && !l->stopping) {
			l->spill_turn = spill_should_accept(l->spill, l->seat,
			    l->seat > 0 && listeners_queued(l), l->spill_turn,
			    &l->spill_looks);
			listeners_update(l);
			l->spill_check_ms = now + SPILL_CHECK_MS;
		}
		spill_publish(l->spill, l->seat, l->listening, l->stopping ||
		    l->accept_resume_ms != 0 || loop_near_limits(l));
	}
	return epoll_wait(l->ep, evs, LOOP_EVENTS, wait_ms(l, now));
}

static bool
finished(const struct loop *l, long long now)
{
	if (l->single && l->nconns == 0 && l->children.count == 0)
		return true;
	if (!l->stopping)
		return false;
	return (l->nconns == 0 && l->children.count == 0) ||
	    now >= l->stop_deadline_ms;
}

/* Serve with the listeners, or (fd >= 0) only the one connection fd. */
static int
loop_main(struct server *srv, bool worker, struct spill *spill, unsigned seat,
    int fd, const struct sockaddr_storage *peer)
{
	struct epoll_event evs[LOOP_EVENTS];
	struct loop *l;
	long long now;
	int n, i, rc = 0;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		log_warn("calloc loop");
		return -1;
	}
	l->ep = l->sigfd = l->chan[0] = l->chan[1] = -1;
	l->single = fd >= 0;
	l->spill = spill;
	l->seat = seat;
	if (loop_init(l, srv, worker) == -1 ||
	    (l->single && conn_open(l, fd, peer, srv->cfg->proxy_protocol) == NULL)) {
		loop_free(l);
		return -1;
	}
	for (now = io_now_ms(); !finished(l, now); now = io_now_ms()) {
		n = loop_wait(l, evs, now);
		if (n > 0)
			file_cache_wakeup(&l->cache);
		if (n == -1 && errno != EINTR) {
			log_warn("epoll_wait");
			rc = -1;
			break;
		}
		l->batch = evs;
		l->batch_n = n;
		for (i = 0; i < n; i++) {
			l->batch_next = i + 1;
			dispatch(l, &evs[i]);
			/*
			 * A batch may hold dozens of requests to fork for; look
			 * at the signalfd between them, so a SIGTERM stops the
			 * accepting within a few forks, not a batch.
			 */
			signals_if_due(l);
		}
		l->batch_n = 0;
		free_closed(l);
		run_timers(l, io_now_ms());
		free_closed(l);
	}
	if (spill != NULL)
		spill_vacate(spill, seat);
	loop_free(l);
	return rc;
}

/* Fork mode (spill NULL), or --prefork worker `seat` of spill's board. */
int
loop_run(struct server *srv, struct spill *spill, unsigned seat)
{
	return loop_main(srv, spill != NULL, spill, seat, -1, NULL);
}

/*
 * inetd mode: the super-server accepted and forked; we serve the one
 * connection it gave us, event-driven like a worker, and return once it
 * is closed.
 */
int
loop_serve_one(struct server *srv, int fd, const struct sockaddr_storage *peer)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1) {
		log_warn("fcntl O_NONBLOCK");
		return -1;
	}
	return loop_main(srv, true, NULL, 0, fd, peer);
}
