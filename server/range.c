/*
 * range.c: the Range request header, RFC 9110 section 14.1.2, as a set
 * of byte ranges for one part (206) or several (multipart/byteranges,
 * multipart.c); no I/O. A syntactically invalid header is ignored (the
 * whole resource is sent, which section 14.2 allows), and a valid set
 * of which nothing falls inside the resource is 416.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "sockwebd.h"

#define OFF_MAX ((off_t)INT64_MAX)

/* Digits into *v, saturating at OFF_MAX. Returns chars read (0: none). */
static size_t
parse_pos(const char *s, off_t *v)
{
	uint64_t x;
	size_t n = number_digits(s, SIZE_MAX, &x);

	*v = x > (uint64_t)OFF_MAX ? OFF_MAX : (off_t)x;
	return n;
}

/*
 * Range sets: "bytes=0-9, 20-29, -5" (RFC 9110 14.1.2, 14.6). Each spec
 * is resolved against the size; unsatisfiable ones are dropped. When some
 * overlap or touch, the set is sorted and those merged (RFC 9110 14.6
 * lets a server coalesce); otherwise the parts keep the request's order,
 * as 14.6 asks. A set that is still larger than RANGE_PARTS_MAX parts, or
 * that would send at least the whole file, is answered with the whole
 * file (RANGE_NONE): a range request never costs more than a plain GET.
 */
#define RANGE_SPECS_MAX	100	/* specs looked at before giving up */

/* One spec at *p up to its comma; 1 satisfiable, 0 not, -1 invalid. */
static int
spec_parse(const char **pp, off_t size, struct byte_range *r)
{
	const char *p = *pp;
	off_t first, last = -1;
	size_t n;

	if (*p == '-') {
		if ((n = parse_pos(p + 1, &last)) == 0)
			return -1;
		*pp = p + 1 + n;
		if (last == 0 || size == 0)
			return 0;
		r->length = last < size ? last : size;
		r->start = size - r->length;
		return 1;
	}
	if ((n = parse_pos(p, &first)) == 0 || p[n] != '-')
		return -1;
	p += n + 1;
	if (isdigit((unsigned char)*p)) {
		p += parse_pos(p, &last);
		if (last < first)
			return -1;
	}
	*pp = p;
	if (first >= size)
		return 0;
	if (last < 0 || last >= size)
		last = size - 1;
	r->start = first;
	r->length = last - first + 1;
	return 1;
}

static int
range_cmp(const void *a, const void *b)
{
	off_t x = ((const struct byte_range *)a)->start;
	off_t y = ((const struct byte_range *)b)->start;

	return x < y ? -1 : x > y;
}

static bool
ranges_touch(const struct byte_range *a, const struct byte_range *b)
{
	return a->start <= b->start + b->length && b->start <= a->start + a->length;
}

static bool
any_touch(const struct byte_range *r, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (ranges_touch(&r[i], &r[j]))
				return true;
	return false;
}

/* Merge overlapping or adjacent parts in place; returns the new count. */
size_t
range_coalesce(struct byte_range *r, size_t n)
{
	size_t i, out = 0;
	off_t end;

	if (n == 0 || !any_touch(r, n))
		return n;
	qsort(r, n, sizeof(*r), range_cmp);
	for (i = 1; i < n; i++) {
		end = r[out].start + r[out].length;
		if (r[i].start <= end) {
			if (r[i].start + r[i].length > end)
				r[out].length = r[i].start + r[i].length -
				    r[out].start;
		} else
			r[++out] = r[i];
	}
	return out + 1;
}

static const char *
skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

enum range_result
range_parse_set(const char *value, off_t size, struct range_set *set)
{
	struct byte_range specs[RANGE_SPECS_MAX], r;
	const char *p;
	size_t n = 0, seen = 0, i;
	off_t total = 0;
	int rc;

	set->n = 0;
	if (value == NULL)
		return RANGE_NONE;
	p = skip_ows(value);
	if (ascii_ncasecmp(p, "bytes=", 6) != 0)
		return RANGE_NONE;
	for (p += 6;;) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;		/* empty list elements are allowed */
		if (*p == '\0')
			break;
		if (++seen > RANGE_SPECS_MAX || (rc = spec_parse(&p, size, &r)) < 0)
			return RANGE_NONE;
		if (rc == 1)
			specs[n++] = r;
		p = skip_ows(p);
		if (*p != ',' && *p != '\0')
			return RANGE_NONE;
	}
	if (seen == 0)
		return RANGE_NONE;
	if (n == 0)
		return RANGE_UNSATISFIABLE;
	n = range_coalesce(specs, n);
	for (i = 0; i < n; i++)
		total += specs[i].length;
	if (n > RANGE_PARTS_MAX || (n > 1 && total >= size))
		return RANGE_NONE;
	memcpy(set->r, specs, n * sizeof(specs[0]));
	set->n = n;
	return RANGE_OK;
}
