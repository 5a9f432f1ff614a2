/*
 * host.c: the host part of a URL in the forms other tools accept, turned
 * into the one form that is resolved and sent. Numeric IPv4 the way curl
 * and browsers read it (WHATWG URL standard, IPv4 parser): "127.1",
 * "0x7f.0.0.1", "0177.0.0.1" (octal) and "2130706433" all mean 127.0.0.1,
 * so an allow-list written for curl means the same for sockget, and
 * "0177.0.0.1" can never become 177.0.0.1. Non-ASCII names (IDN) become
 * punycode with libidn2 (UTS #46 non-transitional, as curl does), because
 * DNS knows nothing of UTF-8. No I/O: unit-tested directly.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockget.h"

/* One dotted part: decimal, 0x hex or 0 octal. Returns the end or NULL. */
static const char *
host_ipv4_part(const char *s, unsigned long long *v)
{
	int base = 10;
	const char *p = s;
	unsigned long long n = 0;

	if (!isdigit((unsigned char)*p))
		return NULL;	/* no sign, no blank, no empty part */
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0') {
		base = 8;
	}
	for (; isxdigit((unsigned char)*p); p++) {
		int d = isdigit((unsigned char)*p) ? *p - '0' :
		    tolower((unsigned char)*p) - 'a' + 10;

		if (d >= base)
			break;
		if (n > 0xffffffffULL)
			return NULL;
		n = n * (unsigned)base + (unsigned)d;
	}
	if (base == 16 && p == s + 2)
		return NULL;	/* "0x" alone is a name, as curl reads it */
	*v = n;
	return p;
}

/*
 * Writes the dotted quad of a numeric host into out (16 bytes) and
 * returns 1, or returns 0 when host is a name. The last part fills the
 * bytes the earlier ones left: a.b is a.0.0.b for small b.
 */
int
host_ipv4_normalize(const char *host, char out[16])
{
	unsigned long long part[4], v;
	const char *p = host;
	int n = 0;

	for (;;) {
		if (n == 4 || (p = host_ipv4_part(p, &part[n])) == NULL)
			return 0;
		n++;
		if (*p == '\0')
			break;
		if (*p++ != '.')
			return 0;
	}
	for (int i = 0; i < n - 1; i++)
		if (part[i] > 255)
			return 0;
	if (part[n - 1] > (0xffffffffULL >> (8 * (n - 1))))
		return 0;
	v = part[n - 1];
	for (int i = 0; i < n - 1; i++)
		v |= part[i] << (8 * (3 - i));
	snprintf(out, 16, "%llu.%llu.%llu.%llu", (v >> 24) & 255, (v >> 16) & 255,
	    (v >> 8) & 255, v & 255);
	return 1;
}

static bool
host_is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/*
 * The host to resolve and send: *host is replaced by its normal form.
 * Returns 0, -1 out of memory, or -2 with libidn2's reason in *why (a
 * name that cannot be an IDN).
 */
int
host_normalize(char **host, const char **why)
{
	char quad[16], *ace = NULL;
	int rc;

	/* WHATWG order: to ASCII first ("1\xc2\xb9.1.3" maps to "11.1.3"), then IPv4 */
	if (!host_is_ascii(*host)) {
		/* STD3 rules: no fullwidth "／" or "＠" mapped to a '/' or '@' */
		rc = idn2_to_ascii_8z(*host, &ace, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL |
		    IDN2_USE_STD3_ASCII_RULES);
		if (rc == IDN2_DISALLOWED)
			rc = idn2_to_ascii_8z(*host, &ace, IDN2_NFC_INPUT | IDN2_TRANSITIONAL |
			    IDN2_USE_STD3_ASCII_RULES);
		if (rc != IDN2_OK) {
			*why = idn2_strerror(rc);
			return -2;
		}
		free(*host);
		*host = ace;
		if (**host == '\0') {	/* all of it mapped to nothing (U+034F) */
			*why = "the name maps to nothing";
			return -2;
		}
	}
	if (host_ipv4_normalize(*host, quad)) {
		free(*host);
		return (*host = strdup(quad)) != NULL ? 0 : -1;
	}
	return 0;
}
