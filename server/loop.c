/*
 * loop.c: the parent process. It waits passively in poll() on every
 * listening socket, accepts a connection (learning the client's address
 * and ephemeral port), and forks a child to serve it. The parent itself
 * never reads a request: it only counts and reaps children, turns
 * clients away with 503 when -c children are busy, reopens the access log
 * on SIGHUP, and on SIGTERM/SIGINT stops accepting and lets the children
 * finish, for a bounded time.
 *
 * Signals are blocked except inside ppoll(), so a SIGCHLD can never slip
 * in between "check the flags" and "go to sleep".
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sockwebd.h"

#define SHUTDOWN_GRACE_MS 5000

volatile sig_atomic_t got_chld, got_term, got_hup;

static void
on_signal(int sig)
{
	switch (sig) {
	case SIGCHLD: got_chld = 1; break;
	case SIGHUP: got_hup = 1; break;
	default: got_term = 1; break;
	}
}

struct children {
	pid_t		*pids;
	unsigned	 count;
	unsigned	 max;
};

/*
 * Catch the signals we act on and block them; *waitmask is the mask to
 * wait with in ppoll(), the only place they are delivered.
 */
int
loop_signals(sigset_t *waitmask)
{
	static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP };
	struct sigaction sa;
	sigset_t block;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigaddset(&block, sigs[i]);
		if (sigaction(sigs[i], &sa, NULL) == -1) {
			log_warn("sigaction %d", sigs[i]);
			return -1;
		}
	}
	if (sigprocmask(SIG_BLOCK, &block, waitmask) == -1) {
		log_warn("sigprocmask");
		return -1;
	}
	sigdelset(waitmask, SIGCHLD);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGHUP);
	return 0;
}

/* The child starts with the signal setup of a plain process. */
void
loop_child_signals(void)
{
	sigset_t none;

	signal(SIGCHLD, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_IGN);	/* a log reopen is the parent's business */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void
children_reap(struct children *ch)
{
	pid_t pid;
	unsigned i;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
		for (i = 0; i < ch->count; i++) {
			if (ch->pids[i] == pid) {
				ch->pids[i] = ch->pids[--ch->count];
				break;
			}
		}
	}
}

/*
 * All children busy: say so at once rather than leave the client hanging
 * in the backlog. The socket is non-blocking and the send has no time to
 * wait, so a client that does not read cannot stall the parent; what it
 * already sent is read and dropped so that close() does not turn the
 * answer into a reset.
 */
static void
refuse_busy(int fd, const struct sockaddr_storage *peer)
{
	char sink[4096], name[ADDR_STRLEN];
	struct response r;
	struct buf body;

	buf_init(&body);
	response_error_page(&r, 503, &body);
	r.retry_after = 1;
	if (response_send(fd, &r, 0) == 0) {
		shutdown(fd, SHUT_WR);
		while (read(fd, sink, sizeof(sink)) > 0)
			;
	}
	buf_free(&body);
	addr_format((const struct sockaddr *)peer, name, sizeof(name));
	log_access_refused(name, 503);
}

static void
serve_child(struct server *srv, int fd, const struct sockaddr_storage *peer)
{
	loop_child_signals();
	listen_close_all(srv->listeners, srv->nlisteners);
	conn_accepted(srv, fd, peer);
	_exit(0);
}

/* Returns 0 after a connection was taken, -1 when there is none. */
static int
accept_one(struct server *srv, struct listener *l, struct children *ch)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	pid_t pid;
	int fd;

	fd = accept4(l->fd, (struct sockaddr *)&peer, &len,
	    SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("accept %s", l->name);
		if (errno == EMFILE || errno == ENFILE)
			usleep(10000);	/* let children finish and free fds */
		return -1;
	}
	if (ch->count >= ch->max)
		children_reap(ch);	/* SIGCHLD waits in the mask until ppoll */
	if (ch->count >= ch->max) {
		refuse_busy(fd, &peer);
		close(fd);
		return 0;
	}
	if ((pid = fork()) == -1) {
		log_warn("fork");
		refuse_busy(fd, &peer);
	} else if (pid == 0)
		serve_child(srv, fd, &peer);
	else
		ch->pids[ch->count++] = pid;
	close(fd);
	return 0;
}

/*
 * Take what the backlog holds, up to a bound so that one busy socket does
 * not starve the others or delay the reaping of children.
 */
static void
accept_burst(struct server *srv, struct listener *l, struct children *ch)
{
	int i;

	for (i = 0; i < 64; i++)
		if (accept_one(srv, l, ch) == -1)
			break;
}

/* Stop accepting; give children SHUTDOWN_GRACE_MS, then SIGTERM them. */
static void
shutdown_gracefully(struct server *srv, struct children *ch,
    const sigset_t *waitmask)
{
	long long deadline = io_now_ms() + SHUTDOWN_GRACE_MS;
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	unsigned i;

	listen_close_all(srv->listeners, srv->nlisteners);
	children_reap(ch);
	while (ch->count > 0 && io_now_ms() < deadline) {
		ppoll(NULL, 0, &ts, waitmask);
		children_reap(ch);
	}
	for (i = 0; i < ch->count; i++)
		kill(ch->pids[i], SIGTERM);
	while (ch->count > 0 && waitpid(-1, NULL, 0) > 0)
		children_reap(ch);
}

static void
handle_signals(struct children *ch)
{
	if (got_chld) {
		got_chld = 0;
		children_reap(ch);
	}
	if (got_hup) {
		got_hup = 0;
		log_access_reopen();
	}
}

int
loop_run(struct server *srv)
{
	struct pollfd pfds[MAX_LISTEN];
	struct children ch;
	sigset_t waitmask;
	size_t i;
	int n;

	ch.max = srv->cfg->max_children;
	ch.count = 0;
	if ((ch.pids = calloc(ch.max, sizeof(*ch.pids))) == NULL) {
		log_warn("calloc");
		return -1;
	}
	if (loop_signals(&waitmask) == -1) {
		free(ch.pids);
		return -1;
	}
	for (i = 0; i < srv->nlisteners; i++)
		pfds[i] = (struct pollfd){ .fd = srv->listeners[i].fd, .events = POLLIN };
	while (!got_term) {
		n = ppoll(pfds, srv->nlisteners, NULL, &waitmask);
		if (n == -1 && errno != EINTR) {
			log_warn("ppoll");
			break;
		}
		handle_signals(&ch);
		for (i = 0; n > 0 && i < srv->nlisteners; i++)
			if (pfds[i].revents & POLLIN)
				accept_burst(srv, &srv->listeners[i], &ch);
	}
	shutdown_gracefully(srv, &ch, &waitmask);
	free(ch.pids);
	return 0;
}
