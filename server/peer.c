/*
 * peer.c: GET /_peer answers with the connection as this child sees it:
 * the client's address and ephemeral port (from accept), our address and
 * well-known port (from getsockname), our pid (one process per
 * connection) and the request's number on this keep-alive connection.
 */
#include "config.h"

#include <unistd.h>

#include "sockwebd.h"

int
peer_json(const struct conn *c, struct buf *out)
{
	const struct sockaddr *peer = (const struct sockaddr *)&c->peer;
	struct sockaddr_storage ss;
	const struct sockaddr *local = (const struct sockaddr *)&ss;
	socklen_t len = sizeof(ss);
	char pip[ADDR_STRLEN], lip[ADDR_STRLEN];

	if (getsockname(c->fd, (struct sockaddr *)&ss, &len) == -1) {
		log_warn("getsockname %s", c->peer_name);
		return -1;
	}
	/* Addresses are inet_ntop output: no character needs JSON escaping. */
	addr_format_ip(peer, pip, sizeof(pip));
	addr_format_ip(local, lip, sizeof(lip));
	buf_reset(out);
	buf_printf(out, "{\"client\":{\"ip\":\"%s\",\"port\":%d},"
	    "\"server\":{\"ip\":\"%s\",\"port\":%d},"
	    "\"family\":\"%s\",\"pid\":%ld,\"request\":%u",
	    pip, addr_port(peer), lip, addr_port(local),
	    addr_family_name(peer->sa_family), (long)getpid(), c->nrequests);
	/* The client came through a balancer that said who it is. */
	if (c->via_version > 0) {
		addr_format_ip((const struct sockaddr *)&c->via, pip, sizeof(pip));
		buf_printf(out, ",\"via\":{\"ip\":\"%s\",\"port\":%d,"
		    "\"proxy_protocol\":%d}", pip,
		    addr_port((const struct sockaddr *)&c->via), c->via_version);
	}
	buf_puts(out, "}\n");
	return out->failed ? -1 : 0;
}
