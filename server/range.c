/*
 * range.c: the Range request header, RFC 9110 section 14.1.2. We serve a
 * single byte range; a syntactically invalid header or a multi-range
 * request is ignored (the whole resource is sent, which section 14.2
 * allows), and a valid range that misses the resource is 416.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "sockwebd.h"

#define OFF_MAX ((off_t)INT64_MAX)

/* Digits into *v, saturating at OFF_MAX. Returns chars read (0: none). */
static size_t
parse_pos(const char *s, off_t *v)
{
	size_t n = 0;
	off_t x = 0;

	while (isdigit((unsigned char)s[n])) {
		int d = s[n] - '0';
		x = x > (OFF_MAX - d) / 10 ? OFF_MAX : x * 10 + d;
		n++;
	}
	*v = x;
	return n;
}

enum range_result
range_parse(const char *value, off_t size, off_t *start, off_t *length)
{
	const char *p;
	off_t first, last = -1;
	size_t n;

	if (value == NULL)
		return RANGE_NONE;
	while (*value == ' ' || *value == '\t')
		value++;
	if (strncasecmp(value, "bytes=", 6) != 0)
		return RANGE_NONE;
	p = value + 6;
	if (strchr(p, ',') != NULL)
		return RANGE_NONE;
	if (*p == '-') {			/* suffix: the last N bytes */
		if ((n = parse_pos(p + 1, &last)) == 0)
			return RANGE_NONE;
		p += 1 + n;
		if (strspn(p, " \t") != strlen(p))
			return RANGE_NONE;
		if (last == 0 || size == 0)
			return RANGE_UNSATISFIABLE;
		*length = last < size ? last : size;
		*start = size - *length;
		return RANGE_OK;
	}
	if ((n = parse_pos(p, &first)) == 0 || p[n] != '-')
		return RANGE_NONE;
	p += n + 1;
	if (isdigit((unsigned char)*p)) {
		p += parse_pos(p, &last);
		if (last < first)
			return RANGE_NONE;
	}
	if (strspn(p, " \t") != strlen(p))
		return RANGE_NONE;
	if (first >= size)
		return RANGE_UNSATISFIABLE;
	if (last < 0 || last >= size)
		last = size - 1;
	*start = first;
	*length = last - first + 1;
	return RANGE_OK;
}
