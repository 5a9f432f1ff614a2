/*
 * upgrade.c: SIGUSR2, the binary upgrade without a refused connection
 * (nginx's). The server starts the binary at the path it was started
 * from (so a newly installed version), with the same arguments, handing
 * it the listening sockets by the LISTEN_FDS protocol (activation.c).
 * The new copy binds nothing: it serves the very sockets the old one
 * serves, so the kernel's backlog never closes. Once it is ready
 * (listening, pidfile rewritten, privileges dropped) it sends the old
 * parent SIGTERM, whose graceful stop closes the old listeners and lets
 * the old connections finish. If the new copy fails at any point before
 * that, the old one never hears of it and keeps serving.
 *
 * upgrade_start() may run in a signal handler, so it only calls
 * async-signal-safe functions (fork, dup2, fcntl, execve, write, _exit)
 * on what upgrade_prepare() built beforehand: the path, the argument
 * vector and the environment with room for the LISTEN_* values. The new
 * copy is a grandchild (double fork), so it is never a child the old
 * parent would count, reap or stop.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sockwebd.h"

#define FIRST_FD	3
#define FROM_VAR	"SOCKWEBD_UPGRADE_FROM="
#define ENV_ADDED	4	/* LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES, FROM_VAR */

extern char **environ;

/* One per process: the server this process is the parent of. */
static struct {
	pid_t			 parent;	/* only this pid upgrades */
	char			 path[PATH_MAX];
	char			**argv;
	char			**envp;
	const struct listener	*ls;
	size_t			 count;
	char			 env_pid[32];
	char			 env_fds[32];
	char			 env_names[32 + MAX_LISTEN * 6];
	char			 env_from[64];
} up;

static void
say(const char *msg)
{
	ssize_t n = write(STDERR_FILENO, msg, strlen(msg));

	(void)n;
}

/* Decimal of v after prefix into out; async-signal-safe (no stdio). */
static void
format_var(char *out, const char *prefix, unsigned long v)
{
	char digits[24];
	size_t n = 0, len = strlen(prefix);

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	memcpy(out, prefix, len);
	while (n > 0)
		out[len++] = digits[--n];
	out[len] = '\0';
}

/* argv[0] as it names a file: with a slash as given, else along $PATH. */
static int
find_binary(const char *arg0, char *out)
{
	const char *p = getenv("PATH"), *end;
	char try[PATH_MAX];
	size_t len;

	if (strchr(arg0, '/') != NULL)
		return realpath(arg0, out) != NULL ? 0 : -1;
	for (; p != NULL && *p != '\0'; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		len = (size_t)(end - p);
		if (len == 0 || len + strlen(arg0) + 2 > sizeof(try))
			continue;
		memcpy(try, p, len);
		try[len] = '/';
		strcpy(try + len + 1, arg0);
		if (access(try, X_OK) == 0 && realpath(try, out) != NULL)
			return 0;
	}
	errno = ENOENT;
	return -1;
}

/* The environment to exec with: ours, minus stale values, plus room. */
static int
build_environment(void)
{
	size_t n = 0, i, k = 0;

	while (environ[n] != NULL)
		n++;
	if ((up.envp = calloc(n + ENV_ADDED + 1, sizeof(*up.envp))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "LISTEN_", 7) != 0 &&
		    strncmp(environ[i], FROM_VAR, strlen(FROM_VAR)) != 0)
			up.envp[k++] = environ[i];
	up.envp[k++] = up.env_pid;
	up.envp[k++] = up.env_fds;
	up.envp[k++] = up.env_names;
	up.envp[k++] = up.env_from;
	return 0;
}

int
upgrade_prepare(char **argv, const struct listener *ls, size_t count)
{
	size_t i;

	up.parent = getpid();
	up.argv = argv;
	up.ls = ls;
	up.count = count;
	if (find_binary(argv[0], up.path) == -1) {
		log_warn("binary upgrade: cannot find %s (SIGUSR2 will not work)",
		    argv[0]);
		up.path[0] = '\0';
		return 0;
	}
	if (build_environment() == -1) {
		log_warn("binary upgrade: environment");
		return -1;
	}
	format_var(up.env_fds, "LISTEN_FDS=", count);
	format_var(up.env_from, FROM_VAR, (unsigned long)up.parent);
	strcpy(up.env_names, "LISTEN_FDNAMES=");
	for (i = 0; i < count; i++) {
		strcat(up.env_names, i > 0 ? ":" : "");
		strcat(up.env_names, ls[i].proxy ? "proxy" : "http");
	}
	return 0;
}

/* In the grandchild: listeners to 3, 4, ... (inheritable), then exec. */
static void
exec_new_copy(void)
{
	int high[MAX_LISTEN];
	sigset_t none;
	size_t i;

	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) == -1)
		_exit(126);
	for (i = 0; i < up.count; i++)
		if ((high[i] = fcntl(up.ls[i].fd, F_DUPFD_CLOEXEC,
		    FIRST_FD + MAX_LISTEN)) == -1)
			_exit(126);
	for (i = 0; i < up.count; i++)
		if (dup2(high[i], FIRST_FD + (int)i) == -1)
			_exit(126);
	format_var(up.env_pid, "LISTEN_PID=", (unsigned long)getpid());
	execve(up.path, up.argv, up.envp);
	say("sockwebd: binary upgrade: exec failed; the old server keeps serving\n");
	_exit(127);
}

void
upgrade_start(void)
{
	int saved = errno;
	pid_t pid;

	if (getpid() != up.parent || up.path[0] == '\0' || up.envp == NULL) {
		errno = saved;
		return;
	}
	if ((pid = fork()) == -1)
		say("sockwebd: binary upgrade: fork failed; the old server keeps serving\n");
	else if (pid == 0) {
		pid = fork();
		if (pid == 0)
			exec_new_copy();
		_exit(pid == -1 ? 1 : 0);
	} else
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;	/* the intermediate child, gone at once */
	errno = saved;
}

static void
on_usr2(int sig)
{
	(void)sig;
	upgrade_start();
}

int
upgrade_signal(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr2;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGUSR2, &sa, NULL) == -1) {
		log_warn("sigaction SIGUSR2");
		return -1;
	}
	return 0;
}

/*
 * In the new copy, once it serves: the old parent may stop now. The
 * variable is removed at once, so nothing this copy starts sees it.
 */
void
upgrade_take_over(void)
{
	const char *from = getenv("SOCKWEBD_UPGRADE_FROM");
	long pid;

	if (from == NULL)
		return;
	if (number_parse(from, 2, INT32_MAX, &pid) == 0 && pid != getpid()) {
		log_warnx("binary upgrade: serving; the old server (pid %ld) "
		    "finishes its connections and exits", pid);
		if (kill((pid_t)pid, SIGTERM) == -1)
			log_warn("kill %ld", pid);
	}
	unsetenv("SOCKWEBD_UPGRADE_FROM");
}
