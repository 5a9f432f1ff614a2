/*
 * listen.c: the passive open. A server names a well-known port and may
 * listen on several interfaces: for each address we ask getaddrinfo
 * (AI_PASSIVE) what to bind, then socket -> SO_REUSEADDR -> bind -> listen.
 * With no -l, we listen on every IPv4 and every IPv6 interface with two
 * sockets, the IPv6 one IPV6_V6ONLY so the two never collide. An address
 * may carry its own port (127.0.0.1:8081, [::1]:8081).
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

/* The options of a listening socket, set before bind. */
static int
listen_options(int fd, int family, const struct config *cfg, const char *name)
{
	int defer = (int)cfg->timeout_sec, on = 1;

	/* Restart at once even while old connections sit in TIME_WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1) {
		log_warn("setsockopt SO_REUSEADDR %s", name);
		return -1;
	}
	/* Several instances on one port: the kernel spreads connections. */
	if (cfg->reuseport &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1) {
		log_warn("setsockopt SO_REUSEPORT %s", name);
		return -1;
	}
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1) {
		log_warn("setsockopt IPV6_V6ONLY %s", name);
		return -1;
	}
	/*
	 * Wake accept() only once the client has sent something (or after -t
	 * seconds): a connection that never speaks costs no fork, and the
	 * first read finds the request already there.
	 */
	if (setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer,
	    sizeof(defer)) == -1) {
		log_warn("setsockopt TCP_DEFER_ACCEPT %s", name);
		return -1;
	}
	return 0;
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
	struct sockaddr_storage ss;
	int fd;
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
	if (listen_options(fd, ai->ai_family, cfg, l->name) == -1)
		goto fail;
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
 * "HOST", "HOST:PORT", "[V6]", "[V6]:PORT" or a bare IPv6 address (two or
 * more colons: no port) -> host and port ("" when none was given).
 */
int
listen_parse_addr(const char *arg, char *host, size_t hsize, char *port,
    size_t psize)
{
	const char *colon = strrchr(arg, ':'), *close;
	size_t hlen;
	long v;

	port[0] = '\0';
	if (arg[0] == '[') {
		if ((close = strchr(arg, ']')) == NULL ||
		    (close[1] != '\0' && close[1] != ':'))
			return -1;
		hlen = (size_t)(close - arg - 1);
		colon = close[1] == ':' ? close + 1 : NULL;
		arg++;
	} else if (colon == NULL || strchr(arg, ':') != colon) {
		hlen = strlen(arg);
		colon = NULL;
	} else
		hlen = (size_t)(colon - arg);
	if (hlen == 0 || hlen >= hsize)
		return -1;
	memcpy(host, arg, hlen);
	host[hlen] = '\0';
	if (colon == NULL)
		return 0;
	if (number_parse(colon + 1, 0, 65535, &v) == -1 || strlen(colon + 1) >= psize)
		return -1;
	strcpy(port, colon + 1);
	return 0;
}

/* What listen_open_all is filling in, and the port -p 0 got first. */
struct listen_set {
	const struct config	*cfg;
	struct listener		*ls;
	size_t			 max;
	size_t			*count;
	int			 shared_port;	/* 0 until the first -p 0 bind */
};

/*
 * Bind every address getaddrinfo gives for host (NULL: the wildcard of
 * `family`) on `port` (NULL: -p). An address family this host lacks is
 * skipped with a warning only when we were not asked for it by name.
 */
static int
listen_host(struct listen_set *set, const char *host, const char *port,
    int family, bool proxy)
{
	struct addrinfo hints = { 0 }, *res, *ai;
	bool shared = port == NULL && strcmp(set->cfg->port, "0") == 0;
	struct listener *l;
	int gai, rc = 0;

	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (port == NULL)
		port = set->cfg->port;
	if ((gai = getaddrinfo(host, port, &hints, &res)) != 0) {
		if (host == NULL && gai == EAI_ADDRFAMILY)
			return 0;
		log_warnx("getaddrinfo %s port %s: %s", host ? host : "*", port,
		    gai_strerror(gai));
		return -1;
	}
	for (ai = res; ai != NULL && rc == 0; ai = ai->ai_next) {
		if (*set->count == set->max) {
			log_warnx("too many listening addresses (most %zu)", set->max);
			rc = -1;
			break;
		}
		l = &set->ls[*set->count];
		if (listen_one(ai, shared ? set->shared_port : 0, set->cfg, l) == 0) {
			l->proxy = proxy || set->cfg->proxy_protocol;
			if (shared && set->shared_port == 0)
				set->shared_port = addr_port((struct sockaddr *)&l->addr);
			(*set->count)++;
		} else if (host == NULL && family == AF_INET6 &&
		    errno == EAFNOSUPPORT)
			continue;	/* IPv6 disabled here: IPv4 will do */
		else
			rc = -1;
	}
	freeaddrinfo(res);
	return rc;
}

/* One -l or --proxy-listen argument. */
static int
listen_arg(struct listen_set *set, const char *arg, bool proxy)
{
	char host[256], port[8];

	if (listen_parse_addr(arg, host, sizeof(host), port, sizeof(port)) == -1) {
		log_warnx("listen address %s: not HOST, HOST:PORT or [IPV6]:PORT", arg);
		return -1;
	}
	return listen_host(set, host, port[0] ? port : NULL, AF_UNSPEC, proxy);
}

static int
listen_bind_all(struct listen_set *set)
{
	const struct config *cfg = set->cfg;
	size_t i;
	int rc = 0;

	if (cfg->nlisten == 0 && cfg->nproxy_listen == 0) {
		rc = listen_host(set, NULL, NULL, AF_INET, false);
		if (rc == 0)
			rc = listen_host(set, NULL, NULL, AF_INET6, false);
	}
	for (i = 0; i < cfg->nlisten && rc == 0; i++)
		rc = listen_arg(set, cfg->listen[i], false);
	for (i = 0; i < cfg->nproxy_listen && rc == 0; i++)
		rc = listen_arg(set, cfg->proxy_listen[i], true);
	return rc;
}

/*
 * Sockets handed over by the service manager (or by the old copy during
 * an upgrade) take the place of -l and -p; else bind our own.
 */
int
listen_open_all(const struct config *cfg, struct listener *ls, size_t max,
    size_t *count)
{
	struct listen_set set = { cfg, ls, max, count, 0 };
	int rc;

	*count = 0;
	if ((rc = activation_listeners(cfg, ls, max, count)) != 0)
		return rc < 0 ? -1 : 0;
	rc = listen_bind_all(&set);
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
