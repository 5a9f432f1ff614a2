/*
 * prefork.c: --prefork N. The master forks N workers once; each runs the
 * event loop (loop.c) over the shared listening sockets and serves many
 * connections at once, non-blocking end to end (OpenBSD httpd's prefork
 * servers, nginx's workers). With EPOLLEXCLUSIVE a new connection wakes
 * one worker, and the workers take new connections in order, the next one
 * only while those before it are saturated (spill.c): a light load costs
 * one worker's wake-ups, not N. Each worker has a seat on that board.
 * The master only watches: it restarts a worker that died (in its seat),
 * passes SIGHUP on (each worker reopens its own access log) and, on
 * SIGTERM, tells the workers to stop and kills those still running after
 * the grace period (proc.c's rule, the same as fork mode's).
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sockwebd.h"

#define RESPAWN_MS	100	/* a worker that keeps dying is restarted slowly */

struct seats {
	struct spill	 board;
	pid_t		*pid;		/* each seat's worker, or 0 */
};

static int
spawn_worker(struct server *srv, struct children *ch, int sigfd,
    struct seats *s, unsigned seat)
{
	pid_t pid;

	if ((pid = fork()) == -1) {
		log_warn("fork worker");
		return -1;
	}
	if (pid == 0) {
		/* The worker reads its own signals from its own signalfd. */
		close(sigfd);
		_exit(loop_run(srv, &s->board, seat) == 0 ? 0 : 1);
	}
	children_add(ch, pid, NULL);
	s->pid[seat] = pid;
	return 0;
}

/* Every empty seat gets a worker; false if a fork failed. */
static bool
fill_seats(struct server *srv, struct children *ch, int sigfd, struct seats *s)
{
	for (unsigned w = 0; w < s->board.n; w++)
		if (s->pid[w] == 0 && spawn_worker(srv, ch, sigfd, s, w) == -1)
			return false;
	return true;
}

static void
reap_workers(struct children *ch, struct seats *s)
{
	pid_t pid;
	int status;

	while ((pid = children_reap_one(ch, &status)) > 0) {
		for (unsigned w = 0; w < s->board.n; w++) {
			if (s->pid[w] == pid) {
				s->pid[w] = 0;
				spill_vacate(&s->board, w);	/* the next stands in */
				break;
			}
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			log_warnx("worker %ld ended (status %d); starting another",
			    (long)pid, status);
	}
}

static int
seats_open(struct seats *s, unsigned n)
{
	if ((s->pid = calloc(n, sizeof(*s->pid))) == NULL) {
		log_warn("calloc workers");
		return -1;
	}
	if (spill_open(&s->board, n) == -1) {
		free(s->pid);
		return -1;
	}
	return 0;
}

static void
seats_close(struct seats *s)
{
	spill_close(&s->board);
	free(s->pid);
}

int
prefork_run(struct server *srv)
{
	struct pollfd pfd = { .events = POLLIN };
	struct children ch;
	struct seats seats;
	long long next_spawn = 0;
	bool stopping = false;
	int sig;

	if (children_init(&ch, srv->cfg->prefork) == -1)
		return -1;
	if (seats_open(&seats, srv->cfg->prefork) == -1) {
		children_free(&ch);
		return -1;
	}
	if ((pfd.fd = proc_signals_open()) == -1) {
		seats_close(&seats);
		children_free(&ch);
		return -1;
	}
	while (!stopping) {
		if (ch.count < ch.max && io_now_ms() >= next_spawn &&
		    !fill_seats(srv, &ch, pfd.fd, &seats))
			next_spawn = io_now_ms() + RESPAWN_MS;
		if (poll(&pfd, 1, ch.count < ch.max ? RESPAWN_MS : -1) == -1 &&
		    errno != EINTR)
			log_warn("poll");
		while ((sig = proc_signal_read(pfd.fd)) != 0) {
			if (sig == SIGCHLD) {
				reap_workers(&ch, &seats);
				next_spawn = io_now_ms() + RESPAWN_MS;
			} else if (sig == SIGHUP) {
				log_access_reopen();
				children_signal(&ch, SIGHUP);
			} else if (sig == SIGTERM || sig == SIGINT)
				stopping = true;
			else if (sig == SIGUSR2)
				upgrade_start();
		}
	}
	listen_close_all(srv->listeners, srv->nlisteners);
	children_signal(&ch, SIGTERM);
	children_stop(&ch, io_now_ms() + SHUTDOWN_GRACE_MS + 500);
	children_free(&ch);
	seats_close(&seats);
	close(pfd.fd);
	return 0;
}
