/*
 * activation.c: listening sockets handed over instead of bound, by the
 * sd_listen_fds(3) protocol (no libsystemd needed): the service manager,
 * or the old sockwebd during a binary upgrade, leaves the sockets open
 * as descriptors 3, 4, ... and says so in the environment:
 *   LISTEN_PID=<our pid>  LISTEN_FDS=<how many>  LISTEN_FDNAMES=a:b:...
 * LISTEN_PID guards against a variable inherited by the wrong process.
 * A socket named "proxy" (systemd's FileDescriptorName=proxy) expects a
 * PROXY protocol header on each connection.
 *
 * Because the socket belongs to the manager, not to us, a restart of the
 * server refuses nothing: connections wait in the socket's backlog while
 * no sockwebd runs, and the next one accepts them.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockwebd.h"

#define FIRST_FD 3	/* SD_LISTEN_FDS_START */

/* The variables describe this process only: our children must not see them. */
static void
forget_environment(void)
{
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
}

/* The i-th name in "a:b:c", or "" when there are fewer. */
static void
fd_name(const char *names, size_t i, char *out, size_t size)
{
	const char *p = names, *end;
	size_t len;

	out[0] = '\0';
	while (p != NULL && i-- > 0)
		if ((p = strchr(p, ':')) != NULL)
			p++;
	if (p == NULL)
		return;
	end = strchr(p, ':');
	len = end ? (size_t)(end - p) : strlen(p);
	if (len < size) {
		memcpy(out, p, len);
		out[len] = '\0';
	}
}

/* fd must be a listening TCP socket over IPv4 or IPv6. */
static int
adopt_one(int fd, struct listener *l)
{
	socklen_t len = sizeof(l->addr);
	int type = 0, listening = 0, flags;
	socklen_t olen = sizeof(int);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &olen) == -1 ||
	    (olen = sizeof(int), getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN,
	    &listening, &olen) == -1) ||
	    getsockname(fd, (struct sockaddr *)&l->addr, &len) == -1) {
		log_warn("inherited descriptor %d", fd);
		return -1;
	}
	if (type != SOCK_STREAM || !listening ||
	    (l->addr.ss_family != AF_INET && l->addr.ss_family != AF_INET6)) {
		log_warnx("inherited descriptor %d: not a listening TCP socket", fd);
		return -1;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
		log_warn("fcntl inherited descriptor %d", fd);
		return -1;
	}
	l->fd = fd;
	addr_format((struct sockaddr *)&l->addr, l->name, sizeof(l->name));
	return 0;
}

/* LISTEN_PID is ours and LISTEN_FDS a count we can take: how many, else -1. */
static long
inherited_count(size_t max)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	long v, n;

	if (pid == NULL || fds == NULL)
		return 0;
	if (number_parse(pid, 1, INT32_MAX, &v) == -1 || (pid_t)v != getpid())
		return 0;
	if (number_parse(fds, 0, 1000000, &n) == -1) {
		log_warnx("LISTEN_FDS: invalid count '%s'", fds);
		return -1;
	}
	if ((size_t)n > max) {
		log_warnx("LISTEN_FDS: %ld sockets (most %zu)", n, max);
		return -1;
	}
	return n;
}

int
activation_listeners(const struct config *cfg, struct listener *ls,
    size_t max, size_t *count)
{
	const char *names = getenv("LISTEN_FDNAMES");
	long n = inherited_count(max);
	char name[64];
	size_t i;

	for (i = 0; n > 0 && i < (size_t)n; i++) {
		memset(&ls[i], 0, sizeof(ls[i]));
		if (adopt_one(FIRST_FD + (int)i, &ls[i]) == -1) {
			n = -1;
			break;
		}
		fd_name(names ? names : "", i, name, sizeof(name));
		ls[i].proxy = cfg->proxy_protocol || strcmp(name, "proxy") == 0;
	}
	forget_environment();
	*count = n > 0 ? (size_t)n : 0;
	return n < 0 ? -1 : n > 0;
}
