/*
 * compose.c: the request head sockget sends. Ours are Host, Authorization
 * (-u, user:pass@), Range (-C), User-Agent, Accept, Referer, Connection
 * (--http1.1), in curl's order; -H adds, replaces or removes ("Name:")
 * headers as curl reads it. What -L may send to another origin is decided
 * by the caller (send_credentials, custom_host_ok) and applied here.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sockget.h"

/* Is header "Name: ..." among the -H ones? Then it replaces ours. */
static bool
compose_user_has(const struct options *o, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < o->nheaders; i++)
		if (strncasecmp(o->headers[i], name, n) == 0 &&
		    (o->headers[i][n] == ':' || o->headers[i][n] == ';'))
			return true;
	return false;
}

/*
 * -H Authorization/Cookie only where -L may send credentials (same
 * scheme, host and port as the first URL, or --location-trusted): the
 * rule curl adopted for CVE-2018-1000007 and CVE-2022-27776.
 */
static bool
compose_header_allowed(const struct fetch_request *rq, const char *h)
{
	if (rq->send_credentials)
		return true;
	return strncasecmp(h, "Authorization", 13) != 0 &&
	    strncasecmp(h, "Cookie", 6) != 0;
}

/* -H as curl reads it: "Name:" removes, "Name;" sends an empty value. */
static void
compose_user_headers(struct buf *b, const struct fetch_request *rq)
{
	const struct options *o = rq->opt;

	for (size_t i = 0; i < o->nheaders; i++) {
		const char *h = o->headers[i], *colon = strchr(h, ':');
		size_t len = strlen(h);

		if (strncasecmp(h, "Host", 4) == 0 && (h[4] == ':' || h[4] == ';'))
			continue;	/* in place of ours, or not at all */
		if (!compose_header_allowed(rq, h))
			continue;
		if (colon != NULL && colon[1 + strspn(colon + 1, " \t")] == '\0')
			continue;
		if (colon == NULL && len > 0 && h[len - 1] == ';')
			buf_printf(b, "%.*s:\r\n", (int)len - 1, h);
		else if (colon != NULL)
			buf_printf(b, "%s\r\n", h);
	}
}

/* The -H Host line (custom Host), unless -L went to another host name. */
static const char *
compose_custom_host(const struct fetch_request *rq)
{
	const struct options *o = rq->opt;

	if (!rq->custom_host_ok)
		return NULL;
	for (size_t i = o->nheaders; i-- > 0;)
		if (strncasecmp(o->headers[i], "Host", 4) == 0 &&
		    (o->headers[i][4] == ':' || o->headers[i][4] == ';'))
			return o->headers[i];
	return NULL;
}

static void
compose_host_line(struct buf *b, const struct fetch_request *rq, const char *host)
{
	const char *h = compose_custom_host(rq);
	const char *v;

	if (h == NULL) {
		buf_printf(b, "Host: %s\r\n", host);
		return;
	}
	v = h + 5 + strspn(h + 5, " \t");
	if (h[4] == ';')
		buf_puts(b, "Host:\r\n");
	else if (*v != '\0')
		buf_printf(b, "Host: %s\r\n", v);
	/* "Host:" alone: no Host line at all, as curl */
}

/* The request head of rq, whole, into b. Returns 0 or -1 (no memory). */
int
compose_request(struct buf *b, const struct fetch_request *rq)
{
	const struct options *o = rq->opt;
	char *host = url_host_header(rq->url);

	if (host == NULL)
		return -1;
	buf_printf(b, "%s %s HTTP/1.%d\r\n", rq->head ? "HEAD" : "GET", rq->url->path,
	    o->http11 ? 1 : 0);
	compose_host_line(b, rq, host);
	if (rq->user != NULL &&
	    !(rq->send_credentials && compose_user_has(o, "Authorization")))
		auth_basic_header(b, rq->user, rq->password);
	if (rq->range_from > 0)
		buf_printf(b, "Range: bytes=%lld-\r\n", rq->range_from);
	if (!compose_user_has(o, "User-Agent"))
		buf_printf(b, "User-Agent: %s\r\n",
		    o->user_agent ? o->user_agent : "sockget/" SOCKWEB_VERSION);
	if (!compose_user_has(o, "Accept"))
		buf_puts(b, "Accept: */*\r\n");
	if (o->referer != NULL && !compose_user_has(o, "Referer"))
		buf_printf(b, "Referer: %s\r\n", o->referer);
	/* HTTP/1.1 would keep the connection open; one exchange is all we do */
	if (o->http11 && !compose_user_has(o, "Connection"))
		buf_puts(b, "Connection: close\r\n");
	compose_user_headers(b, rq);
	buf_puts(b, "\r\n");
	free(host);
	return b->failed ? -1 : 0;
}
