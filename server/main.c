/*
 * main.c: sockwebd's start. Options -> document root -> access log ->
 * listening sockets -> chroot and user switch (after binding, which may
 * need root for a port below 1024; or inherited from systemd) ->
 * "listening on" lines -> daemon -> the accept loop; with -i, the one
 * connection on standard input instead. Only this file exits the process.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef STATIC_SERVER
#include <nss.h>
#endif

#include "sockwebd.h"

#define DEFAULT_ROOT "www"

#ifdef STATIC_SERVER
/*
 * A static glibc cannot load NSS modules: libnss_systemd.so and the like
 * are linked against libc.so, and loading one crashes the process. So the
 * static sockwebd (configure.ac says why static) looks users and groups up
 * in /etc/passwd and /etc/group only, and names in /etc/hosts and DNS: the
 * services libc.a holds.
 */
static int
nss_builtin_only(void)
{
	static const char *const lookup[][2] = {
		{ "passwd", "files" }, { "group", "files" },
		{ "hosts", "files dns" }, { "services", "files" },
	};
	size_t i;

	for (i = 0; i < sizeof(lookup) / sizeof(lookup[0]); i++) {
		if (__nss_configure_lookup(lookup[i][0], lookup[i][1]) != 0) {
			log_warnx("__nss_configure_lookup %s: %s failed",
			    lookup[i][0], lookup[i][1]);
			return -1;
		}
	}
	return 0;
}
#endif

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
	if (dup2(fd, STDIN_FILENO) == -1 || dup2(fd, STDOUT_FILENO) == -1 ||
	    dup2(fd, STDERR_FILENO) == -1) {
		log_warn("dup2 /dev/null");
		close(fd);
		return -1;
	}
	if (fd > STDERR_FILENO)
		close(fd);
	return 0;
}

/*
 * -i: inetd (or systemd with Accept=yes) accepted the connection and gave
 * it to us as standard input and output. Standard output must not carry
 * the access log then: the log goes to standard error, or, when that is
 * the connection too (classic inetd dups it to 0, 1 and 2), nowhere
 * unless -L names a file.
 */
static int
inetd_prepare(void)
{
	struct stat in, err;
	int flags, null_fd;

	if (fstat(STDIN_FILENO, &in) == -1 || !S_ISSOCK(in.st_mode)) {
		log_warnx("-i: standard input is not a socket");
		return -1;
	}
	flags = fcntl(STDIN_FILENO, F_GETFL);
	if (flags == -1 || fcntl(STDIN_FILENO, F_SETFL, flags | O_NONBLOCK) == -1) {
		log_warn("fcntl O_NONBLOCK standard input");
		return -1;
	}
	if (fstat(STDERR_FILENO, &err) == 0 && (err.st_dev != in.st_dev ||
	    err.st_ino != in.st_ino))
		return dup2(STDERR_FILENO, STDOUT_FILENO) == -1 ? -1 : 0;
	if ((null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1) {
		log_warn("open /dev/null");
		return -1;
	}
	if (dup2(null_fd, STDOUT_FILENO) == -1 || dup2(null_fd, STDERR_FILENO) == -1)
		return -1;
	close(null_fd);
	return 0;
}

/* -i: the peer inetd accepted, served here without a fork. */
static int
inetd_serve(struct server *srv)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);

	if (getpeername(STDIN_FILENO, (struct sockaddr *)&peer, &len) == -1) {
		log_warn("getpeername standard input");
		return -1;
	}
	return loop_serve_one(srv, STDIN_FILENO, &peer);
}

/*
 * The order matters: the user is looked up and the sockets bound while we
 * may still read /etc/passwd and bind low ports; the daemon's /dev/null and
 * the pidfile are opened before chroot and the switch to -u, which could
 * make them unreachable.
 */
static int
open_listeners(const struct config *cfg, struct server *srv)
{
	size_t i;

	if (listen_open_all(cfg, srv->listeners, MAX_LISTEN, &srv->nlisteners) == -1)
		return -1;
	for (i = 0; i < srv->nlisteners; i++) {
		if (srv->listeners[i].proxy)
			log_warnx("PROXY protocol header required on %s",
			    srv->listeners[i].name);
		log_warnx("listening on %s", srv->listeners[i].name);
	}
	return 0;
}

static int
start(struct config *cfg, struct server *srv, char **argv)
{
	uid_t uid = 0;
	gid_t gid = 0;

	if (cfg->user && lookup_user(cfg->user, &uid, &gid) == -1)
		return -1;
	if ((srv->root_fd = open_root(cfg)) == -1)
		return -1;
	if (cfg->inetd && inetd_prepare() == -1)
		return -1;
	if (!cfg->quiet && log_access_open(cfg->access_log) == -1)
		return -1;
	if (!cfg->inetd && open_listeners(cfg, srv) == -1)
		return -1;
	if (cfg->daemon && daemonize() == -1)
		return -1;
	if (cfg->pidfile && pidfile_write(cfg->pidfile,
	    cfg->chroot ? cfg->root : NULL) == -1)
		return -1;
	/* Before chroot: the binary must still be found for SIGUSR2. */
	if (!cfg->inetd && upgrade_prepare(argv, srv->listeners,
	    srv->nlisteners) == -1)
		return -1;
	return drop_privileges(cfg, uid, gid);
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct server srv = { .cfg = &cfg, .root_fd = -1 };

	log_init(argv[0]);
	switch (sockwebd_options_parse(&cfg, argc, argv)) {
	case OPTIONS_EXIT_OK:
		return 0;
	case OPTIONS_USAGE:
		options_usage(stderr);
		return 2;
	case OPTIONS_RUN:
		break;
	}
	/* A client that goes away must give EPIPE, not kill the process. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		log_warn("signal SIGPIPE");
		return 1;
	}
	/*
	 * glibc reads the time zone at the first gmtime_r or localtime_r. Do
	 * it once here, not once in every forked child (7 system calls each).
	 */
	tzset();
#ifdef STATIC_SERVER
	if (nss_builtin_only() == -1)
		return 1;
#endif
	trace_enable(cfg.verbose);
	proc_raise_nofile(&cfg, &srv.max_conns);
	if (start(&cfg, &srv, argv) == -1)
		return 1;
	if (cfg.inetd)
		return inetd_serve(&srv) == -1 ? 1 : 0;
	if (upgrade_signal() == -1)
		return 1;
	upgrade_take_over();
	if ((cfg.prefork ? prefork_run(&srv) : loop_run(&srv, NULL, 0)) == -1)
		return 1;
	if (cfg.pidfile)
		pidfile_remove();
	return 0;
}
