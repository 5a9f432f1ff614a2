/*
 * addr.c: format socket addresses the way people write them in URLs and
 * logs: "127.0.0.1:8080" and "[::1]:8080" (brackets keep the port apart
 * from the colons of an IPv6 address, as in RFC 3986 host syntax).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

/* s into buf of size bytes, cut if need be, always NUL-terminated. */
static void
copy_cut(char *buf, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (size == 0)
		return;
	if (n >= size)
		n = size - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

/* s at the end of the string in buf (size bytes), cut if need be. */
static void
append(char *buf, size_t size, const char *s)
{
	size_t len = strnlen(buf, size);

	copy_cut(buf + len, size - len, s);
}

/*
 * A dotted quad by hand: inet_ntop formats IPv4 with sprintf, and this
 * runs for every connection (in fork mode, before each fork: printf's deep
 * frame is one more stack page to fault in and copy).
 */
static void
ipv4_format(const struct in_addr *a, char *buf, size_t size)
{
	const unsigned char *b = (const unsigned char *)&a->s_addr;
	char digits[NUMBER_FORMAT_MAX];

	copy_cut(buf, size, "");
	for (int i = 0; i < 4; i++) {
		if (i > 0)
			append(buf, size, ".");
		number_format(b[i], 10, digits);
		append(buf, size, digits);
	}
}

const char *
addr_format_ip(const struct sockaddr *sa, char *buf, size_t size)
{
	const void *src;

	switch (sa->sa_family) {
	case AF_INET:
		ipv4_format(&((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    buf, size);
		return buf;
	case AF_INET6:
		src = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		break;
	default:
		snprintf(buf, size, "(family %d)", sa->sa_family);
		return buf;
	}
	if (inet_ntop(sa->sa_family, src, buf, size) == NULL)
		snprintf(buf, size, "(unprintable)");
	return buf;
}

int
addr_port(const struct sockaddr *sa)
{
	switch (sa->sa_family) {
	case AF_INET:
		return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
	case AF_INET6:
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
	default:
		return -1;
	}
}

const char *
addr_format(const struct sockaddr *sa, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN], port[NUMBER_FORMAT_MAX];
	bool v6 = sa->sa_family == AF_INET6;

	addr_format_ip(sa, ip, sizeof(ip));
	copy_cut(buf, size, v6 ? "[" : "");
	append(buf, size, ip);
	if (!v6 && sa->sa_family != AF_INET)
		return buf;
	number_format((uintmax_t)addr_port(sa), 10, port);
	append(buf, size, v6 ? "]:" : ":");
	append(buf, size, port);
	return buf;
}

const char *
addr_family_name(int family)
{
	switch (family) {
	case AF_INET:
		return "IPv4";
	case AF_INET6:
		return "IPv6";
	default:
		return "unknown";
	}
}
