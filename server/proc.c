/*
 * proc.c: the life of the server's processes, one set of rules for both
 * modes (a parent forking a child per request, or a master and its
 * workers):
 *   - signals are blocked for good and read from a signalfd that sits in
 *     the event set with the sockets, so a SIGTERM or SIGHUP is seen at
 *     the next wake-up however busy the sockets are (with ppoll(), Linux
 *     delivers a pending signal only when no descriptor is ready);
 *   - children are counted, reaped as they exit and, when the server
 *     stops, given SHUTDOWN_GRACE_MS to finish before SIGKILL;
 *   - a process out of descriptors stops accepting for ACCEPT_PAUSE_MS
 *     (nginx) and says so at most once every ACCEPT_WARN_MS;
 *   - RLIMIT_NOFILE is raised to its hard limit, which bounds how many
 *     connections one process may hold.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sockwebd.h"

#define ACCEPT_WARN_MS	10000
#define FDS_RESERVED	64	/* listeners, log, root, files being sent... */

static const int handled[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR2 };

static int
handled_set(sigset_t *set)
{
	size_t i;

	if (sigemptyset(set) == -1)
		return -1;
	for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		if (sigaddset(set, handled[i]) == -1)
			return -1;
	return 0;
}

/* Block the signals we act on; they arrive on the returned signalfd. */
int
proc_signals_open(void)
{
	sigset_t set;
	int fd;

	if (handled_set(&set) == -1 || sigprocmask(SIG_BLOCK, &set, NULL) == -1) {
		log_warn("sigprocmask");
		return -1;
	}
	if ((fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		log_warn("signalfd");
	return fd;
}

/* The next pending signal's number, or 0 when none is pending. */
int
proc_signal_read(int sigfd)
{
	struct signalfd_siginfo si;
	ssize_t n;

	do
		n = read(sigfd, &si, sizeof(si));
	while (n == -1 && errno == EINTR);
	return n == (ssize_t)sizeof(si) ? (int)si.ssi_signo : 0;
}

/* A forked child starts with the signal setup of a plain process. */
int
proc_child_signals(void)
{
	sigset_t set;
	size_t i;

	for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		if (signal(handled[i], SIG_DFL) == SIG_ERR) {
			log_warn("signal %d", handled[i]);
			return -1;
		}
	/* A log reopen is the parent's business. */
	if (signal(SIGHUP, SIG_IGN) == SIG_ERR || handled_set(&set) == -1 ||
	    sigprocmask(SIG_UNBLOCK, &set, NULL) == -1) {
		log_warn("child signals");
		return -1;
	}
	return 0;
}

/*
 * Raise the soft descriptor limit to the hard one and bound the
 * connections a process holds accordingly; say so when that bound is
 * below what was asked.
 */
void
proc_raise_nofile(const struct config *cfg, unsigned *max_conns)
{
	struct rlimit rl;
	rlim_t room;

	*max_conns = cfg->max_conns;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit RLIMIT_NOFILE");
		return;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit RLIMIT_NOFILE %llu",
			    (unsigned long long)rl.rlim_max);
		else if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
			return;
	}
	room = rl.rlim_cur > FDS_RESERVED * 2 ? rl.rlim_cur - FDS_RESERVED :
	    rl.rlim_cur / 2;
	if (room < *max_conns) {
		*max_conns = (unsigned)room;
		log_warnx("RLIMIT_NOFILE is %llu: at most %u connections at once "
		    "(raise the limit, e.g. ulimit -n)",
		    (unsigned long long)rl.rlim_cur, *max_conns);
	}
}

int
children_init(struct children *ch, unsigned max)
{
	ch->count = 0;
	ch->max = max;
	ch->list = calloc(max, sizeof(*ch->list));
	if (ch->list == NULL) {
		log_warn("calloc children");
		children_free(ch);
		return -1;
	}
	return 0;
}

void
children_free(struct children *ch)
{
	free(ch->list);
	ch->list = NULL;
}

void
children_add(struct children *ch, pid_t pid, struct conn *owner)
{
	ch->list[ch->count].pid = pid;
	ch->list[ch->count++].owner = owner;
}

static struct child *
find(const struct children *ch, pid_t pid)
{
	unsigned i;

	for (i = 0; i < ch->count; i++)
		if (ch->list[i].pid == pid)
			return &ch->list[i];
	return NULL;
}

/* The connection child pid serves, or NULL (none, or no longer). */
struct conn *
children_owner(const struct children *ch, pid_t pid)
{
	const struct child *k = pid > 0 ? find(ch, pid) : NULL;

	return k ? k->owner : NULL;
}

/* The connection no longer waits for child pid (it reported, or closed). */
void
children_disown(struct children *ch, pid_t pid)
{
	struct child *k = pid > 0 ? find(ch, pid) : NULL;

	if (k)
		k->owner = NULL;
}

/* An exited child's pid, or 0 when none has exited; *status is waitpid's. */
pid_t
children_wait_one(int *status)
{
	pid_t pid = waitpid(-1, status, WNOHANG);

	return pid > 0 ? pid : 0;
}

void
children_remove(struct children *ch, pid_t pid)
{
	struct child *k = find(ch, pid);

	if (k)
		*k = ch->list[--ch->count];
}

/* Reap one exited child and forget it: its pid, or 0 when none. */
pid_t
children_reap_one(struct children *ch, int *status)
{
	pid_t pid = children_wait_one(status);

	if (pid > 0)
		children_remove(ch, pid);
	return pid;
}

void
children_signal(const struct children *ch, int sig)
{
	unsigned i;

	for (i = 0; i < ch->count; i++)
		if (kill(ch->list[i].pid, sig) == -1 && errno != ESRCH)
			log_warn("kill %ld", (long)ch->list[i].pid);
}

/*
 * The server stops: children still running at the deadline are killed;
 * wait for all of them, so none outlives us as an orphan.
 */
void
children_stop(struct children *ch, long long deadline_ms)
{
	int status;

	for (;;) {
		while (children_reap_one(ch, &status) > 0)
			;
		if (ch->count == 0 || io_now_ms() >= deadline_ms)
			break;
		poll(NULL, 0, 20);
	}
	if (ch->count == 0)
		return;
	children_signal(ch, SIGKILL);
	while (ch->count > 0 && waitpid(-1, NULL, 0) > 0)
		while (children_reap_one(ch, &status) > 0)
			;
	ch->count = 0;
}

/*
 * accept() failed. Out of descriptors, the listener stays readable for as
 * long as the connection waits in the backlog, so stop accepting for a
 * while (*resume_ms) instead of spinning; warn at most every
 * ACCEPT_WARN_MS. Other errors belong to one connection (it was reset
 * meanwhile) and are not worth a line.
 */
void
proc_accept_failed(const char *what, int err, long long now_ms,
    long long *resume_ms, long long *warned_ms)
{
	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
		return;
	*resume_ms = now_ms + ACCEPT_PAUSE_MS;
	if (*warned_ms == 0 || now_ms - *warned_ms >= ACCEPT_WARN_MS) {
		*warned_ms = now_ms;
		errno = err;
		log_warn("accept %s (not accepting for %d ms)", what,
		    ACCEPT_PAUSE_MS);
	}
}
