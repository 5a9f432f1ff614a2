/*
 * addr.c: format socket addresses the way people write them in URLs and
 * logs: "127.0.0.1:8080" and "[::1]:8080" (brackets keep the port apart
 * from the colons of an IPv6 address, as in RFC 3986 host syntax).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

const char *
addr_format_ip(const struct sockaddr *sa, char *buf, size_t size)
{
	const void *src;

	switch (sa->sa_family) {
	case AF_INET:
		src = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		break;
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
	char ip[INET6_ADDRSTRLEN];

	addr_format_ip(sa, ip, sizeof(ip));
	if (sa->sa_family == AF_INET6)
		snprintf(buf, size, "[%s]:%d", ip, addr_port(sa));
	else if (sa->sa_family == AF_INET)
		snprintf(buf, size, "%s:%d", ip, addr_port(sa));
	else
		snprintf(buf, size, "%s", ip);
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
