/*
 * ascii.c: case-insensitive comparison of ASCII text, as HTTP defines it
 * for field names, tokens and schemes (RFC 9110 5.1: case-insensitive
 * means ASCII). strcasecmp follows the locale and reads its tables: in
 * fork mode two more pages each child faults in.
 */
#include "config.h"

#include <stddef.h>

#include "common.h"

static int
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Like strncasecmp in the C locale: <0, 0, >0, at most n bytes. */
int
ascii_ncasecmp(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;
	int d;

	for (; n > 0; n--, p++, q++) {
		if ((d = lower(*p) - lower(*q)) != 0 || *p == '\0')
			return d;
	}
	return 0;
}

int
ascii_casecmp(const char *a, const char *b)
{
	return ascii_ncasecmp(a, b, (size_t)-1);
}
