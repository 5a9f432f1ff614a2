/*
 * listen.c: the passive open. A server names a well-known port and may
 * listen on several interfaces: for each address we ask getaddrinfo
 * (AI_PASSIVE) what to bind, then socket -> SO_REUSEADDR -> bind -> listen.
 * With no -l, we listen on every IPv4 and every IPv6 interface with two
 * sockets, the IPv6 one IPV6_V6ONLY so the two never collide.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

#include "sockwebd.h"

/* Set the port of an IPv4 or IPv6 socket address. */
static void
set_port(struct sockaddr_storage *ss, int port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/*
 * One listening socket for ai. `port` > 0 overrides the address's port:
 * with -p 0 the kernel picks a port for the first socket and the others
 * take the same one, so the server has one port on every interface.
 */
static int
listen_one(const struct addrinfo *ai, int port, const struct config *cfg,
    struct listener *l)
{
	int defer = (int)cfg->timeout_sec;
	struct sockaddr_storage ss;
	int fd, on = 1;
	socklen_t len = sizeof(l->addr);

	memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
	if (port > 0)
		set_port(&ss, port);
	addr_format((struct sockaddr *)&ss, l->name, sizeof(l->name));
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    ai->ai_protocol);
	if (fd == -1) {
		log_warn("socket %s", l->name);
		return -1;
	}
	/* Restart at once even while old connections sit in TIME_WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1) {
		log_warn("setsockopt SO_REUSEADDR %s", l->name);
		goto fail;
	}
	/* Several instances on one port: the kernel spreads connections. */
	if (cfg->reuseport &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1) {
		log_warn("setsockopt SO_REUSEPORT %s", l->name);
		goto fail;
	}
	if (ai->ai_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1) {
		log_warn("setsockopt IPV6_V6ONLY %s", l->name);
		goto fail;
	}
	/*
	 * Wake accept() only once the client has sent something (or after -t
	 * seconds): a connection that never speaks costs no fork, and the
	 * first read finds the request already there.
	 */
	if (setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer,
	    sizeof(defer)) == -1) {
		log_warn("setsockopt TCP_DEFER_ACCEPT %s", l->name);
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&ss, ai->ai_addrlen) == -1) {
		log_warn("bind %s", l->name);
		goto fail;
	}
	if (listen(fd, SOMAXCONN) == -1) {
		log_warn("listen %s", l->name);
		goto fail;
	}
	/* With port 0 the kernel chose one: learn which. */
	if (getsockname(fd, (struct sockaddr *)&l->addr, &len) == -1) {
		log_warn("getsockname %s", l->name);
		goto fail;
	}
	addr_format((struct sockaddr *)&l->addr, l->name, sizeof(l->name));
	l->fd = fd;
	return 0;
fail:
	close(fd);
	return -1;
}

/*
 * Bind every address getaddrinfo gives for host (NULL: the wildcard of
 * `family`). An address family this host lacks is skipped with a warning
 * only when we were not asked for it by name.
 */
static int
listen_host(const char *host, int family, const struct config *cfg,
    struct listener *ls, size_t max, size_t *count)
{
	struct addrinfo hints = { 0 }, *res, *ai;
	int gai, rc = 0;

	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((gai = getaddrinfo(host, cfg->port, &hints, &res)) != 0) {
		if (host == NULL && gai == EAI_ADDRFAMILY)
			return 0;
		log_warnx("getaddrinfo %s port %s: %s", host ? host : "*", cfg->port,
		    gai_strerror(gai));
		return -1;
	}
	for (ai = res; ai != NULL && rc == 0; ai = ai->ai_next) {
		if (*count == max) {
			log_warnx("too many listening addresses (most %zu)", max);
			rc = -1;
			break;
		}
		if (listen_one(ai, strcmp(cfg->port, "0") == 0 && *count > 0 ?
		    addr_port((struct sockaddr *)&ls[0].addr) : 0,
		    cfg, &ls[*count]) == 0)
			(*count)++;
		else if (host == NULL && family == AF_INET6 &&
		    errno == EAFNOSUPPORT)
			continue;	/* IPv6 disabled here: IPv4 will do */
		else
			rc = -1;
	}
	freeaddrinfo(res);
	return rc;
}

int
listen_open_all(const struct config *cfg, struct listener *ls, size_t max,
    size_t *count)
{
	size_t i;
	int rc = 0;

	*count = 0;
	if (cfg->nlisten == 0) {
		rc = listen_host(NULL, AF_INET, cfg, ls, max, count);
		if (rc == 0)
			rc = listen_host(NULL, AF_INET6, cfg, ls, max, count);
	}
	for (i = 0; i < cfg->nlisten && rc == 0; i++)
		rc = listen_host(cfg->listen[i], AF_UNSPEC, cfg, ls, max, count);
	if (rc == 0 && *count == 0) {
		log_warnx("no address to listen on");
		rc = -1;
	}
	if (rc != 0)
		listen_close_all(ls, *count);
	return rc;
}

void
listen_close_all(struct listener *ls, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		if (ls[i].fd >= 0)
			close(ls[i].fd);
		ls[i].fd = -1;
	}
}
