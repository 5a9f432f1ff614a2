/*
 * proxy_conn.c: the PROXY protocol header in an event-driven
 * connection's read path (conn.c feed()). Once the header is complete,
 * the connection's peer becomes the client the balancer names, so the
 * access log, /_peer and everything else show the browser's address and
 * ephemeral port; the balancer's own address is kept as `via`, so they
 * can also say that one is in between. The parsing state is allocated
 * only while a header is awaited: other connections pay a pointer.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sockwebd.h"

/* A connection on a listener for a balancer: the header comes first. */
int
proxy_conn_expect(struct conn *c)
{
	if ((c->proxy = malloc(sizeof(*c->proxy))) == NULL) {
		log_warn("malloc PROXY protocol state");
		return -1;
	}
	proxy_state_init(c->proxy, true);
	return 0;
}

void
proxy_conn_done(struct conn *c)
{
	if (c->proxy == NULL)
		return;
	proxy_state_free(c->proxy);
	free(c->proxy);
	c->proxy = NULL;
}

static void
apply(struct conn *c, const struct proxy_header *h)
{
	char via[ADDR_STRLEN];

	c->via = c->peer;
	c->via_version = h->version;
	/* LOCAL (a health check) or UNKNOWN: the balancer itself speaks. */
	if (h->local) {
		TRACE("PROXY v%d header from %s: no client named (local)",
		    h->version, c->peer_name);
		return;
	}
	c->peer = h->src;
	addr_format((const struct sockaddr *)&c->peer, c->peer_name,
	    sizeof(c->peer_name));
	TRACE("PROXY v%d header: client %s (ephemeral port), via balancer %s",
	    h->version, c->peer_name, addr_format((const struct sockaddr *)&c->via,
	    via, sizeof(via)));
}

/*
 * Returns how many of the bytes were header (c->proxy stays while more
 * is to come), or -1 for a broken header: the caller answers 400 and
 * closes; the diagnostic names the balancer and the reason.
 */
ssize_t
proxy_conn_take(struct conn *c, const char *data, size_t len)
{
	ssize_t n = proxy_state_feed(c->proxy, data, len);

	if (n < 0) {
		log_warnx("%s: no valid PROXY protocol header: %s", c->peer_name,
		    c->proxy->header.error);
		proxy_conn_done(c);
		return -1;
	}
	if (!c->proxy->wait) {
		apply(c, &c->proxy->header);
		proxy_conn_done(c);
	}
	return n;
}
