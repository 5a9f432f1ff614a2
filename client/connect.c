/*
 * connect.c: the client initiates. socket(), an optional bind() to a
 * --local-port, then a non-blocking connect() to each address resolved.
 * Attempts alternate between IPv6 and IPv4 and start CONNECT_STAGGER_MS
 * apart (RFC 8305, "Happy Eyeballs"): a dead first address costs a quarter
 * of a second instead of a whole TCP time-out, and the first attempt that
 * connects wins. Without --local-port the kernel picks an ephemeral port,
 * which getsockname() then shows.
 *
 * It is a state machine that never blocks: the caller (xfer.c) polls the
 * descriptors connect_pollfds() names, and calls connect_step() when they
 * are ready or when connect_next_us() comes, so that any number of
 * transfers connect at once in one event loop (-Z).
 */
#include "config.h"

#include <netinet/in.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockget.h"

/* Interleave the families, keeping each family's own order (RFC 8305 4). */
int
connect_order(const struct sockaddr_storage *in, size_t n,
    struct sockaddr_storage *out)
{
	size_t a = 0, b = 0, k = 0;
	int first;

	if (n == 0)
		return 0;
	first = in[0].ss_family;
	while (k < n) {
		while (a < n && in[a].ss_family != first)
			a++;
		if (a < n)
			out[k++] = in[a++];
		while (b < n && in[b].ss_family == first)
			b++;
		if (b < n)
			out[k++] = in[b++];
	}
	return (int)k;
}

static void
connect_set_port(struct sockaddr_storage *ss, int port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
}

static socklen_t
connect_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
}

/* --local-port N-M: the first free port of the range. */
static int
connect_bind(int fd, int family, int lo, int hi)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	for (int p = lo; p <= hi; p++) {
		connect_set_port(&ss, p);
		if (bind(fd, (struct sockaddr *)&ss, connect_len(&ss)) == 0) {
			output_trace("bind to local port %d", p);
			return 0;
		}
		if (errno != EADDRINUSE)
			break;
	}
	return -1;
}

static void
connect_fail(struct connect_state *cs, size_t i, const char *call, int err)
{
	char a[ADDR_STRLEN];

	addr_format((const struct sockaddr *)&cs->order[i], a, sizeof(a));
	cs->res->error = err;
	snprintf(cs->res->what, sizeof(cs->res->what), "%s %s", call, a);
	output_trace("%s %s: %s", call, a, strerror(err));
	cs->next_start_us = 0;	/* a failure starts the next attempt at once */
	if (cs->fds[i] >= 0) {
		close(cs->fds[i]);
		cs->fds[i] = -1;
		cs->pending--;
	}
}

/* Starts attempt i. Returns 1 connected, 0 in progress, -1 failed, -2 bind. */
static int
connect_start(struct connect_state *cs, size_t i)
{
	const struct sockaddr_storage *ss = &cs->order[i];
	char a[ADDR_STRLEN];
	int fd;

	addr_format((const struct sockaddr *)ss, a, sizeof(a));
	output_trace("  Trying %s...", a);
	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		connect_fail(cs, i, "socket", errno);
		return -1;
	}
	output_trace("socket(%s, SOCK_STREAM) = %d", ss->ss_family == AF_INET ?
	    "AF_INET" : "AF_INET6", fd);
	cs->fds[i] = fd;
	cs->pending++;
	if (cs->lport_min > 0 &&
	    connect_bind(fd, ss->ss_family, cs->lport_min, cs->lport_max) < 0) {
		connect_fail(cs, i, "bind local port for", errno);
		return -2;
	}
	if (connect(fd, (const struct sockaddr *)ss, connect_len(ss)) == 0)
		return 1;
	if (errno != EINPROGRESS) {
		connect_fail(cs, i, "connect", errno);
		return -1;
	}
	output_trace("connect %s: in progress (non-blocking)", a);
	return 0;
}

/* Attempt i connected: keep it, close the others, show both ends. */
static int
connect_win(struct connect_state *cs, size_t i)
{
	struct connect_result *res = cs->res;
	socklen_t len = sizeof(res->local);
	char l[ADDR_STRLEN], r[ADDR_STRLEN];

	res->fd = cs->fds[i];
	cs->fds[i] = -1;
	res->remote = cs->order[i];
	if (getsockname(res->fd, (struct sockaddr *)&res->local, &len) < 0) {
		res->error = errno;
		snprintf(res->what, sizeof(res->what), "getsockname");
		close(res->fd);
		res->fd = -1;
		return -1;
	}
	output_trace("local %s (%s) -> remote %s",
	    addr_format((struct sockaddr *)&res->local, l, sizeof(l)),
	    cs->lport_min > 0 ? "--local-port" : "ephemeral",
	    addr_format((struct sockaddr *)&res->remote, r, sizeof(r)));
	return 0;
}

/* Attempts whose poll() slot shows an outcome: a winner's index or -1. */
static long
connect_check(struct connect_state *cs, const struct pollfd *pfd, size_t np)
{
	int err;
	socklen_t elen;

	for (size_t k = 0; k < np; k++) {
		size_t i;

		if (pfd[k].revents == 0)
			continue;
		for (i = 0; i < cs->n && cs->fds[i] != pfd[k].fd; i++)
			;
		if (i == cs->n)
			continue;
		elen = sizeof(err);
		if (getsockopt(pfd[k].fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
		if (err == 0)
			return (long)i;
		connect_fail(cs, i, "connect", err);
	}
	return -1;
}

/* The attempts in flight, for poll(): POLLOUT says connected or failed. */
size_t
connect_pollfds(const struct connect_state *cs, struct pollfd *pfd)
{
	size_t np = 0;

	for (size_t i = 0; i < cs->n; i++)
		if (cs->fds[i] >= 0) {
			pfd[np].fd = cs->fds[i];
			pfd[np].events = POLLOUT;
			pfd[np++].revents = 0;
		}
	return np;
}

/* When the next attempt is due (0: none is waiting for the stagger). */
long long
connect_next_us(const struct connect_state *cs)
{
	return cs->next < cs->n && cs->pending > 0 ? cs->next_start_us : 0;
}

/*
 * Advances the race after poll() (pfd: the slots connect_pollfds filled,
 * with their revents) or a timer. Returns SG_OK with res->fd set, -1
 * while in flight, or an exit code with res->error and res->what.
 */
int
connect_step(struct connect_state *cs, const struct pollfd *pfd, size_t np)
{
	long long now;
	long won = connect_check(cs, pfd, np);
	int rc;

	if (won >= 0)
		return connect_win(cs, (size_t)won) == 0 ? SG_OK : SG_COULDNT_CONNECT;
	for (;;) {
		now = io_now_us();
		/* Next address when the stagger passed or nothing is in flight. */
		if (cs->next < cs->n && (cs->pending == 0 || now >= cs->next_start_us)) {
			size_t i = cs->next++;

			cs->next_start_us = now + CONNECT_STAGGER_MS * 1000LL;
			rc = connect_start(cs, i);
			if (rc == 1)
				return connect_win(cs, i) == 0 ? SG_OK : SG_COULDNT_CONNECT;
			if (rc == -2)
				return SG_INTERFACE_FAILED;
			continue;
		}
		if (cs->pending == 0)	/* the kernel's SYN time-out is curl's 28 */
			return cs->res->error == ETIMEDOUT ? SG_OPERATION_TIMEDOUT :
			    SG_COULDNT_CONNECT;
		return -1;
	}
}

/*
 * Prepares the race to addrs at port; connect_step() starts it. Returns
 * 0, or SG_OUT_OF_MEMORY.
 */
int
connect_begin(struct connect_state *cs, const struct sockaddr_storage *addrs,
    size_t n, int port, int lport_min, int lport_max, struct connect_result *res)
{
	memset(cs, 0, sizeof(*cs));
	memset(res, 0, sizeof(*res));
	res->fd = -1;
	res->error = ECONNREFUSED;
	cs->n = n;
	cs->lport_min = lport_min;
	cs->lport_max = lport_max;
	cs->res = res;
	cs->order = calloc(n ? n : 1, sizeof(*cs->order));
	cs->fds = malloc((n ? n : 1) * sizeof(*cs->fds));
	if (cs->order == NULL || cs->fds == NULL) {
		connect_end(cs);
		return SG_OUT_OF_MEMORY;
	}
	connect_order(addrs, n, cs->order);
	for (size_t i = 0; i < n; i++) {
		connect_set_port(&cs->order[i], port);
		cs->fds[i] = -1;
	}
	return 0;
}

/* Closes the losers of the race (and everything, if nobody won). */
void
connect_end(struct connect_state *cs)
{
	for (size_t i = 0; cs->fds != NULL && i < cs->n; i++)
		if (cs->fds[i] >= 0)
			close(cs->fds[i]);
	free(cs->order);
	free(cs->fds);
	cs->order = NULL;
	cs->fds = NULL;
	cs->n = 0;
}
