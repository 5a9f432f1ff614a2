/*
 * resolve.c: host names to addresses with c-ares, asynchronously. Every
 * host of the command line is asked at once on one channel, and one poll
 * loop over the channel's UDP sockets waits for all the answers, so N
 * names cost about as long as the slowest one rather than the sum. The
 * shape follows c-ares' own ahost.c: init, options, ares_getaddrinfo,
 * then poll + ares_timeout + ares_process_fd until every callback ran.
 * Lookups are "fb": /etc/hosts first (localhost), then DNS.
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
		output_trace(s->family == AF_INET6 ? "resolver: DNS server [%s]:%d (UDP)" :
		    "resolver: DNS server %s:%d (UDP)", ip,
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
	if ((rc = ares_init_options(&ch, &opts, ARES_OPT_LOOKUPS)) != ARES_SUCCESS) {
		log_warnx("ares_init_options: %s", ares_strerror(rc));
		ares_library_cleanup();
		return SG_COULDNT_RESOLVE_HOST;
	}
	r->channel = ch;
	if (servers != NULL &&
	    (rc = ares_set_servers_ports_csv(ch, servers)) != ARES_SUCCESS) {
		log_warnx("--dns-servers %s: %s", servers, ares_strerror(rc));
		return SG_USAGE;
	}
	resolve_trace_servers(ch);
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

static int
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

/* Adds one address of a --resolve list; brackets around IPv6 allowed. */
static int
resolve_pin_addr(struct resolve_pin *p, const char *a, size_t len)
{
	char tmp[INET6_ADDRSTRLEN + 2];
	struct sockaddr_storage ss;

	if (len > 1 && a[0] == '[' && a[len - 1] == ']') {
		a++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, a, len);
	tmp[len] = '\0';
	if (resolve_literal(tmp, &ss) == 0)
		return -1;
	return resolve_push_addr(&p->addrs, &p->naddrs, (struct sockaddr *)&ss,
	    sizeof(ss));
}

/* --resolve HOST:PORT:ADDR[,ADDR...]: returns 0 or -1 (bad syntax). */
int
resolve_add_pin(struct resolver *r, const char *spec)
{
	const char *c1 = strchr(spec, ':'), *c2, *a;
	struct resolve_pin p = { 0 }, *pins;
	size_t len;

	if (c1 == NULL || c1 == spec || (c2 = strchr(c1 + 1, ':')) == NULL)
		return -1;
	p.port = atoi(c1 + 1);
	if (p.port <= 0 || p.port > 65535)
		return -1;
	for (a = c2 + 1; *a != '\0'; a += len + (a[len] == ',')) {
		len = strcspn(a, ",");
		if (resolve_pin_addr(&p, a, len) < 0)
			goto fail;
	}
	if (p.naddrs == 0 || (p.host = strndup(spec, c1 - spec)) == NULL)
		goto fail;
	pins = realloc(r->pins, (r->npins + 1) * sizeof(*pins));
	if (pins == NULL)
		goto fail;
	pins[r->npins++] = p;
	r->pins = pins;
	return 0;
fail:
	free(p.addrs);
	free(p.host);
	return -1;
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

	(void)timeouts;
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
	h->owner = r;
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

/* Starts the lookup of name unless it is pinned, known or in flight. */
void
resolve_start(struct resolver *r, const char *name, int port)
{
	struct ares_addrinfo_hints hints;
	struct sockaddr_storage ss;
	struct resolve_host *h;

	for (size_t i = 0; i < r->npins; i++)
		if (r->pins[i].port == port && strcasecmp(r->pins[i].host, name) == 0)
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
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = r->family;
	hints.ai_socktype = SOCK_STREAM;
	output_trace("resolving %s (%s) with c-ares", name,
	    r->family == AF_INET ? "A" : r->family == AF_INET6 ? "AAAA" : "A and AAAA");
	ares_getaddrinfo(r->channel, name, NULL, &hints, resolve_callback, h);
}

static bool
resolve_all_done(const struct resolver *r)
{
	for (size_t i = 0; i < r->nhosts; i++)
		if (!r->hosts[i]->done)
			return false;
	return true;
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

/* One round: poll the channel's sockets, let c-ares read or time out. */
static int
resolve_poll_once(ares_channel ch, int wait_ms)
{
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	struct pollfd pfd[ARES_GETSOCK_MAXNUM];
	unsigned int bits = (unsigned int)ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
	int n = 0, rc;

	for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
		if (resolve_events(bits, i) == 0)
			continue;
		pfd[n].fd = socks[i];
		pfd[n].events = resolve_events(bits, i);
		pfd[n++].revents = 0;
	}
	rc = poll(pfd, (nfds_t)n, wait_ms);
	if (rc < 0 && errno != EINTR) {
		log_warn("poll resolver sockets");
		return -1;
	}
	for (int i = 0; i < n && rc > 0; i++) {
		if (pfd[i].revents == 0)
			continue;
		ares_process_fd(ch,
		    pfd[i].revents & (POLLIN | POLLERR | POLLHUP) ? pfd[i].fd : ARES_SOCKET_BAD,
		    pfd[i].revents & POLLOUT ? pfd[i].fd : ARES_SOCKET_BAD);
	}
	/* Lets c-ares retry or give up on servers that did not answer. */
	ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	return 0;
}

/*
 * Waits until every started lookup finished or deadline_us (0: none)
 * passed. Returns SG_OK, SG_OPERATION_TIMEDOUT, or another exit code.
 */
int
resolve_wait(struct resolver *r, long long deadline_us)
{
	struct timeval tv, *tvp;
	long long now, left_ms;
	int wait_ms;

	while (!resolve_all_done(r)) {
		now = io_now_us();
		if (deadline_us > 0 && now >= deadline_us)
			return SG_OPERATION_TIMEDOUT;
		tvp = ares_timeout(r->channel, NULL, &tv);
		wait_ms = tvp != NULL ? (int)(tvp->tv_sec * 1000 + tvp->tv_usec / 1000) : 1000;
		if (deadline_us > 0) {
			left_ms = (deadline_us - now + 999) / 1000;
			if (left_ms < wait_ms)
				wait_ms = (int)left_ms;
		}
		if (resolve_poll_once(r->channel, wait_ms) < 0)
			return SG_COULDNT_RESOLVE_HOST;
	}
	return SG_OK;
}

/* The addresses for name and port: a --resolve pin wins over DNS. */
const struct resolve_host *
resolve_find(struct resolver *r, const char *name, int port)
{
	static struct resolve_host pinned;

	for (size_t i = 0; i < r->npins; i++) {
		if (r->pins[i].port != port || strcasecmp(r->pins[i].host, name) != 0)
			continue;
		memset(&pinned, 0, sizeof(pinned));
		pinned.name = r->pins[i].host;
		pinned.addrs = r->pins[i].addrs;
		pinned.naddrs = r->pins[i].naddrs;
		pinned.done = true;
		return &pinned;
	}
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
		free(r->pins[i].host);
		free(r->pins[i].addrs);
	}
	free(r->hosts);
	free(r->pins);
	memset(r, 0, sizeof(*r));
}
