/*
 * pin.c: --resolve, curl's forms. "HOST:PORT:ADDR[,ADDR...]" pins HOST at
 * PORT to those addresses (IPv6 in brackets or not); "+HOST:..." is the
 * same (curl's "may time out" mark, which a pin never does here);
 * "-HOST:PORT" drops an earlier pin; HOST "*" matches every host at PORT.
 * -4 / -6 apply to pinned addresses too: a pin with none of the family
 * left resolves to nothing (exit 6), as curl.
 */
#include "config.h"

#include <ares.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sockget.h"

/* Adds one address of a list if its family is wanted; -1 if not an IP. */
static int
pin_addr(struct resolve_pin *p, int family, const char *a, size_t len)
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
	if (family != AF_UNSPEC && ss.ss_family != family)
		return 0;
	return resolve_push_addr(&p->h.addrs, &p->h.naddrs, (struct sockaddr *)&ss,
	    sizeof(ss));
}

/* "HOST:PORT" at the start of spec; returns the rest (after ':') or NULL. */
static const char *
pin_host_port(const char *spec, struct resolve_pin *p)
{
	const char *c1 = strchr(spec, ':'), *end;
	char port[8];
	size_t plen;
	long v;

	if (c1 == NULL || c1 == spec)
		return NULL;
	end = c1 + 1 + strcspn(c1 + 1, ":");
	plen = (size_t)(end - c1 - 1);
	if (plen == 0 || plen >= sizeof(port))
		return NULL;
	memcpy(port, c1 + 1, plen);
	port[plen] = '\0';
	if (number_parse(port, 1, 65535, &v) < 0)
		return NULL;
	p->port = (int)v;
	if ((p->h.name = strndup(spec, (size_t)(c1 - spec))) == NULL)
		return NULL;
	p->wildcard = strcmp(p->h.name, "*") == 0;
	return *end == ':' ? end + 1 : end;
}

static void
pin_drop(struct resolver *r, const struct resolve_pin *gone)
{
	for (size_t i = 0; i < r->npins; i++)
		if (r->pins[i].port == gone->port &&
		    strcasecmp(r->pins[i].h.name, gone->h.name) == 0)
			r->pins[i].removed = true;
}

static int
pin_keep(struct resolver *r, struct resolve_pin *p)
{
	struct resolve_pin *pins = realloc(r->pins, (r->npins + 1) * sizeof(*pins));

	if (pins == NULL)
		return -1;
	p->h.done = true;
	p->h.status = p->h.naddrs > 0 ? ARES_SUCCESS : ARES_ENOTFOUND;
	pins[r->npins++] = *p;
	r->pins = pins;
	return 0;
}

/* One --resolve argument; returns 0 or -1 (bad syntax). */
int
resolve_add_pin(struct resolver *r, const char *spec)
{
	struct resolve_pin p;
	const char *a, *rest;
	bool drop = spec[0] == '-';
	size_t len;
	int nbad = 0;

	memset(&p, 0, sizeof(p));
	if (spec[0] == '-' || spec[0] == '+')
		spec++;
	if ((rest = pin_host_port(spec, &p)) == NULL)
		goto fail;
	if (drop) {
		pin_drop(r, &p);
		free(p.h.name);
		return *rest == '\0' ? 0 : -1;
	}
	for (a = rest; *a != '\0' && nbad == 0; a += len + (a[len] == ',')) {
		len = strcspn(a, ",");
		nbad = pin_addr(&p, r->family, a, len) < 0;
	}
	if (nbad || *rest == '\0' || pin_keep(r, &p) < 0)
		goto fail;
	return 0;
fail:
	free(p.h.addrs);
	free(p.h.name);
	return -1;
}

/* The latest pin for name at port, or NULL. */
const struct resolve_pin *
pin_find(const struct resolver *r, const char *name, int port)
{
	for (size_t i = r->npins; i-- > 0;) {
		const struct resolve_pin *p = &r->pins[i];

		if (!p->removed && p->port == port &&
		    (p->wildcard || strcasecmp(p->h.name, name) == 0))
			return p;
	}
	return NULL;
}
