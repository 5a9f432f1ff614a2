/*
 * resolve.c: host names to addresses with c-ares, asynchronously. Every
 * host of the command line is asked at once on one channel, and one poll
 * loop over the channel's UDP sockets waits for all the answers, so N
 * names cost about as long as the slowest one rather than the sum. The
 * shape follows c-ares' own ahost.c: init, options, ares_getaddrinfo,
 * then poll + ares_timeout + ares_process_fd until every callback ran.
 * Lookups are "fb": /etc/hosts first, then DNS. "localhost" and
 * "*.localhost" are loopback without asking anyone (RFC 6761 section 6.3).
 * A DNS server that never answers costs at most RESOLVE_LIMIT_MS: c-ares
 * is told RESOLVE_TIMEOUT_MS and RESOLVE_TRIES (it doubles the time-out on
 * each round), and a lookup still open at the limit fails (exit 6), as
 * the system resolver gives up after its "timeout:5 attempts:2".
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <ares.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sockget.h"

static char resolve_lookups[] = "fb";

static void
resolve_trace_servers(ares_channel ch)
{
	struct ares_addr_port_node *servers = NULL, *s;
	char ip[INET6_ADDRSTRLEN];

	if (!log_verbose() || ares_get_servers_ports(ch, &servers) != ARES_SUCCESS)
		return;
	for (s = servers; s != NULL; s = s->next) {
		inet_ntop(s->family, &s->addr, ip, sizeof(ip));
		output_trace(s->family == AF_INET6 ?
		    "resolver: DNS server [%s]:%d (UDP; TCP for a truncated answer)" :
		    "resolver: DNS server %s:%d (UDP; TCP for a truncated answer)", ip,
		    s->udp_port ? s->udp_port : 53);
	}
	ares_free_data(servers);
}

/* Returns 0, or an exit code after a message. */
int
resolve_init(struct resolver *r, int family, const char *servers)
{
	struct ares_options opts;
	ares_channel ch;
	int rc;

	memset(r, 0, sizeof(*r));
	r->family = family;
	if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		log_warnx("ares_library_init: %s", ares_strerror(rc));
		return SG_COULDNT_RESOLVE_HOST;
	}
	memset(&opts, 0, sizeof(opts));
	opts.lookups = resolve_lookups;
	opts.timeout = RESOLVE_TIMEOUT_MS;
	opts.tries = RESOLVE_TRIES;
	if ((rc = ares_init_options(&ch, &opts,
	    ARES_OPT_LOOKUPS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES)) != ARES_SUCCESS) {
		log_warnx("ares_init_options: %s", ares_strerror(rc));
		ares_library_cleanup();
		return SG_COULDNT_RESOLVE_HOST;
	}
	r->channel = ch;
	dnstrace_install(r);
	if (servers != NULL &&
	    (rc = ares_set_servers_ports_csv(ch, servers)) != ARES_SUCCESS) {
		log_warnx("--dns-servers %s: %s", servers, ares_strerror(rc));
		return SG_USAGE;
	}
	resolve_trace_servers(ch);
	output_trace("resolver: time-out %d ms, %d tries, at most %d ms a name",
	    RESOLVE_TIMEOUT_MS, RESOLVE_TRIES, RESOLVE_LIMIT_MS);
	return 0;
}

/* An IP literal never goes to DNS. Returns its family or 0. */
int
resolve_literal(const char *host, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		return AF_INET;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		return AF_INET6;
	}
	return 0;
}

int
resolve_push_addr(struct sockaddr_storage **list, size_t *n,
    const struct sockaddr *sa, size_t len)
{
	struct sockaddr_storage *l = realloc(*list, (*n + 1) * sizeof(**list));

	if (l == NULL)
		return -1;
	memset(&l[*n], 0, sizeof(l[*n]));
	memcpy(&l[*n], sa, len < sizeof(l[*n]) ? len : sizeof(l[*n]));
	(*n)++;
	*list = l;
	return 0;
}

static void
resolve_trace_found(const struct resolve_host *h)
{
	char ip[ADDR_STRLEN];
	long long ms = (h->done_us - h->started_us) / 1000;

	for (size_t i = 0; i < h->naddrs; i++) {
		const struct sockaddr *sa = (const struct sockaddr *)&h->addrs[i];

		output_trace("resolved %s: %s (%s) in %lld ms", h->name,
		    addr_format_ip(sa, ip, sizeof(ip)),
		    addr_family_name(sa->sa_family), ms);
	}
	if (h->naddrs == 0)
		output_trace("resolving %s failed after %lld ms: %s", h->name, ms,
		    ares_strerror(h->status));
}

static void
resolve_callback(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	struct resolve_host *h = arg;
	struct ares_addrinfo_node *n;

	if (h->done) {		/* given up at RESOLVE_LIMIT_MS already */
		if (ai != NULL)
			ares_freeaddrinfo(ai);
		return;
	}
	if (timeouts > 0)
		output_trace("resolving %s: %d time-out(s) before this answer", h->name,
		    timeouts);
	h->done = true;
	h->done_us = io_now_us();
	h->status = status;
	for (n = ai != NULL ? ai->nodes : NULL; n != NULL; n = n->ai_next) {
		if (n->ai_family != AF_INET && n->ai_family != AF_INET6)
			continue;
		if (resolve_push_addr(&h->addrs, &h->naddrs, n->ai_addr,
		    n->ai_addrlen) < 0)
			h->status = ARES_ENOMEM;
	}
	if (ai != NULL)
		ares_freeaddrinfo(ai);
	if (status == ARES_SUCCESS && h->naddrs == 0)
		h->status = ARES_ENODATA;
	if (status != ARES_EDESTRUCTION)
		resolve_trace_found(h);
}

static struct resolve_host *
resolve_new_host(struct resolver *r, const char *name)
{
	struct resolve_host **hosts, *h = calloc(1, sizeof(*h));

	hosts = realloc(r->hosts, (r->nhosts + 1) * sizeof(*hosts));
	if (h == NULL || hosts == NULL || (h->name = strdup(name)) == NULL) {
		free(h);
		if (hosts != NULL)
			r->hosts = hosts;
		return NULL;
	}
	hosts[r->nhosts++] = h;
	r->hosts = hosts;
	h->started_us = io_now_us();
	return h;
}

/* A literal is "resolved" at once; -4/-6 can rule it out. */
static void
resolve_set_literal(struct resolver *r, struct resolve_host *h,
    const struct sockaddr_storage *ss)
{
	h->done = true;
	h->done_us = h->started_us;
	h->status = ARES_ENOTFOUND;
	if (r->family != AF_UNSPEC && r->family != ss->ss_family)
		return;
	if (resolve_push_addr(&h->addrs, &h->naddrs, (const struct sockaddr *)ss,
	    sizeof(*ss)) == 0)
		h->status = ARES_SUCCESS;
}

/* RFC 6761 6.3: "localhost." and names below it are loopback, in any case. */
static bool
resolve_is_localhost(const char *name)
{
	size_t n = strlen(name);

	if (n > 0 && name[n - 1] == '.')
		n--;
	return (n == 9 && strncasecmp(name, "localhost", 9) == 0) ||
	    (n > 10 && strncasecmp(name + n - 10, ".localhost", 10) == 0);
}

/* ::1 then 127.0.0.1, as curl; -4 / -6 keep one of them. */
static void
resolve_set_localhost(struct resolver *r, struct resolve_host *h)
{
	struct sockaddr_storage ss;

	resolve_literal("::1", &ss);
	resolve_set_literal(r, h, &ss);
	resolve_literal("127.0.0.1", &ss);
	if ((r->family == AF_UNSPEC || r->family == AF_INET) &&
	    resolve_push_addr(&h->addrs, &h->naddrs, (const struct sockaddr *)&ss,
	    sizeof(ss)) == 0)
		h->status = ARES_SUCCESS;
	output_trace("%s is loopback (RFC 6761), not asked of DNS", h->name);
}

/* Starts the lookup of name unless it is pinned, known or in flight. */
void
resolve_start(struct resolver *r, const char *name, int port)
{
	struct ares_addrinfo_hints hints;
	struct sockaddr_storage ss;
	struct resolve_host *h;

	if (pin_find(r, name, port) != NULL)
		return;
	for (size_t i = 0; i < r->nhosts; i++)
		if (strcasecmp(r->hosts[i]->name, name) == 0)
			return;
	if ((h = resolve_new_host(r, name)) == NULL)
		return;
	if (resolve_literal(name, &ss) != 0) {
		resolve_set_literal(r, h, &ss);
		return;
	}
	if (resolve_is_localhost(name)) {
		resolve_set_localhost(r, h);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = r->family;
	hints.ai_socktype = SOCK_STREAM;
	output_trace("resolving %s (%s) with c-ares", name,
	    r->family == AF_INET ? "A" : r->family == AF_INET6 ? "AAAA" : "A and AAAA");
	ares_getaddrinfo(r->channel, name, NULL, &hints, resolve_callback, h);
}

/*
 * ares_getsock()'s bit mask, read unsigned: c-ares' own macros shift a
 * signed 1 into bit 31 for the sixteenth socket, which is undefined.
 */
static short
resolve_events(unsigned int bits, int i)
{
	short ev = 0;

	if (bits & (1u << i))
		ev |= POLLIN;
	if (bits & (1u << (i + ARES_GETSOCK_MAXNUM)))
		ev |= POLLOUT;
	return ev;
}

/* The channel's sockets for poll(); returns how many (<= RESOLVE_MAXFDS). */
int
resolve_pollfds(struct resolver *r, struct pollfd *pfd)
{
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	unsigned int bits = (unsigned int)ares_getsock(r->channel, socks,
	    ARES_GETSOCK_MAXNUM);
	int n = 0;

	for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
		if (resolve_events(bits, i) == 0)
			continue;
		pfd[n].fd = socks[i];
		pfd[n].events = resolve_events(bits, i);
		pfd[n++].revents = 0;
	}
	return n;
}

/* Milliseconds until c-ares wants to retry or give up, at most cap_ms. */
int
resolve_timeout_ms(struct resolver *r, int cap_ms)
{
	struct timeval tv, *tvp = ares_timeout(r->channel, NULL, &tv);
	long long ms;

	if (tvp == NULL)
		return cap_ms;
	ms = (long long)tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000;
	return ms < cap_ms ? (int)ms : cap_ms;
}

/* A lookup open for RESOLVE_LIMIT_MS fails now (exit 6). */
static void
resolve_enforce_limit(struct resolver *r)
{
	long long now = io_now_us();

	for (size_t i = 0; i < r->nhosts; i++) {
		struct resolve_host *h = r->hosts[i];

		if (h->done || now - h->started_us < RESOLVE_LIMIT_MS * 1000LL)
			continue;
		h->done = true;
		h->done_us = now;
		h->status = ARES_ETIMEOUT;
		output_trace("resolving %s failed after %d ms: no answer, giving up",
		    h->name, RESOLVE_LIMIT_MS);
	}
}

/* -v: once a second, which lookups are still waiting for an answer. */
static void
resolve_trace_waiting(struct resolver *r)
{
	long long now = io_now_us();

	for (size_t i = 0; i < r->nhosts; i++) {
		struct resolve_host *h = r->hosts[i];

		if (h->done || now - h->noted_us < 1000000)
			continue;
		if (h->noted_us != 0)
			output_trace("resolving %s: no answer yet after %lld ms", h->name,
			    (now - h->started_us) / 1000);
		h->noted_us = now;
	}
}

/* After poll(): let c-ares read what came, retry or time out. */
void
resolve_process(struct resolver *r, const struct pollfd *pfd, int n)
{
	for (int i = 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		ares_process_fd(r->channel,
		    pfd[i].revents & (POLLIN | POLLERR | POLLHUP) ? pfd[i].fd : ARES_SOCKET_BAD,
		    pfd[i].revents & POLLOUT ? pfd[i].fd : ARES_SOCKET_BAD);
	}
	/* Lets c-ares retry or give up on servers that did not answer. */
	ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	resolve_enforce_limit(r);
	resolve_trace_waiting(r);
}

/* Milliseconds until some open lookup reaches RESOLVE_LIMIT_MS, or cap. */
int
resolve_limit_ms(const struct resolver *r, int cap_ms)
{
	long long now = io_now_us(), best = cap_ms;

	for (size_t i = 0; i < r->nhosts; i++) {
		const struct resolve_host *h = r->hosts[i];
		long long left;

		if (h->done)
			continue;
		left = (h->started_us + RESOLVE_LIMIT_MS * 1000LL - now + 999) / 1000;
		if (left < best)
			best = left < 0 ? 0 : left;
	}
	return (int)best;
}

/*
 * Waits until the lookup for name (and port, for pins) finished or
 * deadline_us (0: none) passed; other lookups go on meanwhile. Returns
 * SG_OK, SG_OPERATION_TIMEDOUT, or SG_COULDNT_RESOLVE_HOST.
 */
int
resolve_wait_for(struct resolver *r, const char *name, int port,
    long long deadline_us)
{
	struct pollfd pfd[RESOLVE_MAXFDS];
	const struct resolve_host *h;
	long long now, left_ms;
	int n, wait_ms, rc;

	while ((h = resolve_find(r, name, port)) != NULL && !h->done) {
		now = io_now_us();
		if (deadline_us > 0 && now >= deadline_us)
			return SG_OPERATION_TIMEDOUT;
		wait_ms = resolve_limit_ms(r, resolve_timeout_ms(r, 1000));
		if (deadline_us > 0) {
			left_ms = (deadline_us - now + 999) / 1000;
			if (left_ms < wait_ms)
				wait_ms = (int)left_ms;
		}
		n = resolve_pollfds(r, pfd);
		rc = poll(pfd, (nfds_t)n, wait_ms);
		if (rc < 0 && errno != EINTR) {
			log_warn("poll resolver sockets");
			return SG_COULDNT_RESOLVE_HOST;
		}
		resolve_process(r, pfd, rc > 0 ? n : 0);
	}
	return SG_OK;
}

/* The addresses for name and port: a --resolve pin wins over DNS. */
const struct resolve_host *
resolve_find(struct resolver *r, const char *name, int port)
{
	const struct resolve_pin *p = pin_find(r, name, port);

	if (p != NULL)
		return &p->h;
	for (size_t i = 0; i < r->nhosts; i++)
		if (strcasecmp(r->hosts[i]->name, name) == 0)
			return r->hosts[i];
	return NULL;
}

void
resolve_free(struct resolver *r)
{
	if (r->channel != NULL) {
		ares_destroy(r->channel);	/* pending callbacks run now */
		ares_library_cleanup();
	}
	for (size_t i = 0; i < r->nhosts; i++) {
		free(r->hosts[i]->name);
		free(r->hosts[i]->addrs);
		free(r->hosts[i]);
	}
	for (size_t i = 0; i < r->npins; i++) {
		free(r->pins[i].h.name);
		free(r->pins[i].h.addrs);
	}
	free(r->hosts);
	free(r->pins);
	memset(r, 0, sizeof(*r));
}
