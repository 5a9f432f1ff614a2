/*
 * main.c: sockwebd's start. Options -> document root -> access log ->
 * listening sockets -> chroot and user switch (after binding, which may
 * need root for a port below 1024) -> "listening on" lines -> daemon ->
 * the accept loop. Only this file exits the process.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sockwebd.h"

#define DEFAULT_ROOT "www"

/* -r, else ./www, else the site installed with the package. */
static int
open_root(struct config *cfg)
{
	int fd;

	if (cfg->root == NULL) {
		cfg->root = DEFAULT_ROOT;
		if (access(DEFAULT_ROOT, F_OK) == -1 &&
		    access(SOCKWEB_DATADIR "/www", F_OK) == 0)
			cfg->root = SOCKWEB_DATADIR "/www";
	}
	fd = open(cfg->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		log_warn("document root %s", cfg->root);
	return fd;
}

/* Look the user up while /etc/passwd is still reachable (before chroot). */
static int
lookup_user(const char *name, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		if (errno != 0)
			log_warn("user %s", name);
		else
			log_warnx("user %s: no such user", name);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

static int
drop_privileges(const struct config *cfg, uid_t uid, gid_t gid)
{
	if (cfg->chroot) {
		if (chdir(cfg->root) == -1 || chroot(".") == -1) {
			log_warn("chroot %s", cfg->root);
			return -1;
		}
	}
	if (cfg->user == NULL)
		return 0;
	if (setgroups(1, &gid) == -1 || setgid(gid) == -1 || setuid(uid) == -1) {
		log_warn("switch to user %s", cfg->user);
		return -1;
	}
	/* Make sure there is no way back to root. */
	if (uid != 0 && setuid(0) != -1) {
		log_warnx("switch to user %s: could regain root", cfg->user);
		return -1;
	}
	return 0;
}

static int
write_pidfile(const char *path)
{
	char line[32];
	int fd, n;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1) {
		log_warn("pidfile %s", path);
		return -1;
	}
	n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	if (io_write_all(fd, line, (size_t)n, -1) == -1) {
		log_warn("write pidfile %s", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* fork, the parent leaves, the child leads a new session without a tty. */
static int
daemonize(void)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) == -1) {
		log_warn("fork");
		return -1;
	}
	if (pid > 0)
		_exit(0);
	if (setsid() == -1) {
		log_warn("setsid");
		return -1;
	}
	if ((fd = open("/dev/null", O_RDWR)) == -1) {
		log_warn("open /dev/null");
		return -1;
	}
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	return 0;
}

/*
 * The order matters: the user is looked up and the sockets bound while we
 * may still read /etc/passwd and bind low ports; the daemon's /dev/null and
 * the pidfile are opened before chroot and the switch to -u, which could
 * make them unreachable.
 */
static int
start(struct config *cfg, struct server *srv)
{
	uid_t uid = 0;
	gid_t gid = 0;
	size_t i;

	if (cfg->user && lookup_user(cfg->user, &uid, &gid) == -1)
		return -1;
	if ((srv->root_fd = open_root(cfg)) == -1)
		return -1;
	if (!cfg->quiet && log_access_open(cfg->access_log) == -1)
		return -1;
	if (listen_open_all(cfg, srv->listeners, MAX_LISTEN, &srv->nlisteners) == -1)
		return -1;
	for (i = 0; i < srv->nlisteners; i++)
		log_warnx("listening on %s", srv->listeners[i].name);
	if (cfg->daemon && daemonize() == -1)
		return -1;
	if (cfg->pidfile && write_pidfile(cfg->pidfile) == -1)
		return -1;
	return drop_privileges(cfg, uid, gid);
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct server srv = { .cfg = &cfg, .root_fd = -1 };

	log_init(argv[0]);
	switch (options_parse(&cfg, argc, argv)) {
	case OPTIONS_EXIT_OK:
		return 0;
	case OPTIONS_USAGE:
		options_usage(stderr);
		return 2;
	case OPTIONS_RUN:
		break;
	}
	/* A client that goes away must give EPIPE, not kill the process. */
	signal(SIGPIPE, SIG_IGN);
	/*
	 * glibc reads the time zone at the first gmtime_r or localtime_r. Do
	 * it once here, not once in every forked child (7 system calls each).
	 */
	tzset();
	proc_raise_nofile(&cfg, &srv.max_conns);
	if (start(&cfg, &srv) == -1)
		return 1;
	if ((cfg.prefork ? prefork_run(&srv) : loop_run(&srv, false)) == -1)
		return 1;
	if (cfg.pidfile)
		unlink(cfg.pidfile);
	return 0;
}
