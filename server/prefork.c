/*
 * prefork.c: --prefork N. Forking a process per connection costs a fork
 * and an exit per request; here N worker processes are forked once and
 * each accepts connections for itself, serving them one after the other
 * (Apache's prefork model). It is still one process per connection at a
 * time, just recycled.
 *
 * The pool grows like Apache's: workers mark themselves busy in a small
 * shared scoreboard; when none is idle, the parent forks more, up to -c.
 * When many stay idle, it retires the extras down to N again.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sockwebd.h"

#define CHECK_MS	200	/* how often the parent looks at the pool */
#define SHRINK_CHECKS	5	/* idle this many checks in a row: retire */

struct slot {
	pid_t			pid;	/* 0: free */
	volatile unsigned char	busy;	/* written by the worker */
};

struct pool {
	struct slot	*slots;		/* shared with the workers */
	unsigned	 max;
	unsigned	 min;
	unsigned	 count;
	unsigned	 idle_checks;
};

static void
worker_accept(struct server *srv, struct listener *l, struct slot *me)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	int fd;

	fd = accept4(l->fd, (struct sockaddr *)&peer, &len,
	    SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd == -1) {
		/* EAGAIN: another worker was first. */
		if (errno == EMFILE || errno == ENFILE) {
			log_warn("accept %s", l->name);
			usleep(10000);
		}
		return;
	}
	me->busy = 1;
	conn_accepted(srv, fd, &peer);
	me->busy = 0;
}

/*
 * A worker's own epoll set over every listener, with EPOLLEXCLUSIVE: a new
 * connection wakes one idle worker, not the whole pool (the thundering
 * herd that poll() on a shared socket causes).
 */
static int
worker_epoll(const struct server *srv)
{
	struct epoll_event ev;
	size_t i;
	int ep;

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		log_warn("epoll_create1");
		return -1;
	}
	for (i = 0; i < srv->nlisteners; i++) {
		ev.events = EPOLLIN | EPOLLEXCLUSIVE;
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, srv->listeners[i].fd, &ev) == -1) {
			log_warn("epoll_ctl %s", srv->listeners[i].name);
			close(ep);
			return -1;
		}
	}
	return ep;
}

/* A worker: wait on every listener, accept, serve, until SIGTERM. */
static void
worker_run(struct server *srv, struct slot *me, const sigset_t *waitmask)
{
	struct epoll_event evs[MAX_LISTEN];
	int ep, n, i;

	got_term = got_hup = got_chld = 0;
	signal(SIGCHLD, SIG_DFL);
	if ((ep = worker_epoll(srv)) == -1)
		_exit(1);
	while (!got_term) {
		n = epoll_pwait(ep, evs, MAX_LISTEN, -1, waitmask);
		if (got_hup) {
			got_hup = 0;
			log_access_reopen();
		}
		/*
		 * Even when told to stop, take what we were woken for: with
		 * EPOLLEXCLUSIVE no other worker was woken for it.
		 */
		for (i = 0; i < n; i++)
			worker_accept(srv, &srv->listeners[evs[i].data.u32], me);
	}
	_exit(0);
}

static int
pool_spawn(struct server *srv, struct pool *pool, const sigset_t *waitmask)
{
	unsigned i;
	pid_t pid;

	for (i = 0; i < pool->max && pool->slots[i].pid != 0; i++)
		;
	if (i == pool->max)
		return -1;
	pool->slots[i].busy = 0;
	if ((pid = fork()) == -1) {
		log_warn("fork");
		return -1;
	}
	if (pid == 0)
		worker_run(srv, &pool->slots[i], waitmask);
	pool->slots[i].pid = pid;
	pool->count++;
	return 0;
}

static void
pool_reap(struct pool *pool)
{
	unsigned i;
	pid_t pid;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
		for (i = 0; i < pool->max; i++) {
			if (pool->slots[i].pid == pid) {
				pool->slots[i].pid = 0;
				pool->count--;
				break;
			}
		}
	}
}

static unsigned
pool_idle(const struct pool *pool)
{
	unsigned i, idle = 0;

	for (i = 0; i < pool->max; i++)
		if (pool->slots[i].pid != 0 && !pool->slots[i].busy)
			idle++;
	return idle;
}

/*
 * SIGTERM up to `n` idle workers, never going below the minimum. A worker
 * finishes the connection it may have taken meanwhile, then exits.
 */
static void
pool_retire(struct pool *pool, unsigned n)
{
	unsigned i, alive = pool->count;

	for (i = 0; i < pool->max && n > 0 && alive > pool->min; i++) {
		if (pool->slots[i].pid != 0 && !pool->slots[i].busy) {
			kill(pool->slots[i].pid, SIGTERM);
			n--;
			alive--;
		}
	}
}

/*
 * Keep at least min workers; double when none is idle; when more than
 * half the minimum stays idle for a second, retire about half the extras.
 */
static void
pool_adjust(struct server *srv, struct pool *pool, const sigset_t *waitmask)
{
	unsigned idle, want;

	while (pool->count < pool->min && pool_spawn(srv, pool, waitmask) == 0)
		;
	idle = pool_idle(pool);
	if (idle == 0 && pool->count < pool->max) {
		want = pool->count;
		while (want-- > 0 && pool_spawn(srv, pool, waitmask) == 0)
			;
		pool->idle_checks = 0;
		return;
	}
	if (pool->count > pool->min && idle > pool->min / 2 + 1) {
		if (++pool->idle_checks >= SHRINK_CHECKS) {
			pool_retire(pool, (idle - pool->min / 2) / 2 + 1);
			pool->idle_checks = 0;
		}
	} else
		pool->idle_checks = 0;
}

static void
pool_signal(struct pool *pool, int sig)
{
	unsigned i;

	for (i = 0; i < pool->max; i++)
		if (pool->slots[i].pid != 0)
			kill(pool->slots[i].pid, sig);
}

/* SIGTERM the workers (each finishes its connection), wait, bounded. */
static void
pool_stop(struct pool *pool, const sigset_t *waitmask)
{
	long long deadline = io_now_ms() + 5000;
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	pool_signal(pool, SIGTERM);
	while (pool->count > 0 && io_now_ms() < deadline) {
		ppoll(NULL, 0, &ts, waitmask);
		pool_reap(pool);
	}
	pool_signal(pool, SIGKILL);
	while (pool->count > 0 && waitpid(-1, NULL, 0) > 0)
		pool_reap(pool);
}

int
prefork_run(struct server *srv)
{
	struct timespec check = { 0, CHECK_MS * 1000 * 1000 };
	struct pool pool = { 0 };
	sigset_t waitmask;

	pool.max = srv->cfg->max_children;
	pool.min = srv->cfg->prefork < pool.max ? srv->cfg->prefork : pool.max;
	pool.slots = mmap(NULL, pool.max * sizeof(*pool.slots),
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (pool.slots == MAP_FAILED) {
		log_warn("mmap scoreboard");
		return -1;
	}
	if (loop_signals(&waitmask) == -1)
		return -1;
	while (!got_term) {
		pool_adjust(srv, &pool, &waitmask);
		ppoll(NULL, 0, &check, &waitmask);
		if (got_chld) {
			got_chld = 0;
			pool_reap(&pool);
		}
		if (got_hup) {
			got_hup = 0;
			pool_signal(&pool, SIGHUP);
		}
	}
	listen_close_all(srv->listeners, srv->nlisteners);
	pool_stop(&pool, &waitmask);
	munmap(pool.slots, pool.max * sizeof(*pool.slots));
	return 0;
}
