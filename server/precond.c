/*
 * precond.c: entity tags and conditional requests (RFC 9110 sections 8.8,
 * 13.1 and 13.2); no I/O. The ETag of a file is strong and made of what
 * changes when its bytes may have: device, inode, size and modification
 * time to the nanosecond, so two writes within one second still differ.
 * The evaluation order is RFC 9110 section 13.2.2: If-Match, else
 * If-Unmodified-Since (412 when they fail); If-None-Match, else
 * If-Modified-Since (304 for GET and HEAD).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sockwebd.h"

/* v in hex at p, no leading zeros; the end. */
static char *
put_hex(char *p, uintmax_t v)
{
	return p + number_format(v, 16, p);
}

/*
 * "dev-ino-size-mtime.nanoseconds", hex but the nanoseconds (9 decimal
 * digits). Written by hand, not snprintf: it is made for every response.
 * At most 2 + 4 * 16 + 3 + 1 + 9 + 1 bytes: ETAG_MAX holds it.
 */
void
etag_format(const struct stat *st, char out[ETAG_MAX])
{
	long ns = st->st_mtim.tv_nsec;
	char *p = out;
	int i;

	*p++ = '"';
	p = put_hex(p, (uintmax_t)st->st_dev);
	*p++ = '-';
	p = put_hex(p, (uintmax_t)st->st_ino);
	*p++ = '-';
	p = put_hex(p, (uintmax_t)st->st_size);
	*p++ = '-';
	p = put_hex(p, (uintmax_t)st->st_mtim.tv_sec);
	*p++ = '.';
	if (ns < 0 || ns > 999999999)
		ns = 0;
	for (i = 8; i >= 0; i--, ns /= 10)
		p[i] = (char)('0' + ns % 10);
	p += 9;
	*p++ = '"';
	*p = '\0';
}

static const char *
skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * One entity-tag at *p (RFC 9110 8.8.3): [W/] DQUOTE *etagc DQUOTE.
 * Returns the end of the tag, or NULL when *p is not one; *opaque and
 * *len give the quoted part, *weak says whether it had W/.
 */
static const char *
etag_scan(const char *p, const char **opaque, size_t *len, bool *weak)
{
	const char *q;

	*weak = p[0] == 'W' && p[1] == '/';
	if (*weak)
		p += 2;
	if (*p != '"')
		return NULL;
	for (q = p + 1; *q != '"'; q++) {
		unsigned char c = (unsigned char)*q;
		/* etagc = %x21 / %x23-7E / obs-text */
		if (c < 0x21 || c == 0x7f)
			return NULL;
	}
	*opaque = p;
	*len = (size_t)(q + 1 - p);
	return q + 1;
}

/*
 * Does the list (an If-Match or If-None-Match value) hold our tag?
 * "*" matches any current representation. Strong comparison: both tags
 * strong and equal; weak: equal opaque parts. A malformed list matches
 * nothing, so If-None-Match gives a full response and If-Match a 412.
 */
bool
etag_list_match(const char *list, const char *etag, bool weak_compare)
{
	const char *p = skip_ows(list), *opaque;
	size_t len;
	bool weak;

	if (*p == '*')
		return *skip_ows(p + 1) == '\0';
	for (;;) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;		/* empty list elements are allowed */
		if (*p == '\0')
			return false;
		if ((p = etag_scan(p, &opaque, &len, &weak)) == NULL)
			return false;
		if ((weak_compare || !weak) && strlen(etag) == len &&
		    memcmp(opaque, etag, len) == 0)
			return true;
		p = skip_ows(p);
		if (*p != ',' && *p != '\0')
			return false;
	}
}

/* A valid HTTP-date in v, else the header is ignored (RFC 9110 13.1.3). */
static bool
date_of(const char *v, time_t *t)
{
	return v != NULL && httpdate_parse(v, t) == 0;
}

enum precond_result
precond_evaluate(const struct preconditions *pc, const char *etag,
    time_t mtime, bool get_or_head)
{
	time_t t;

	if (pc->if_match != NULL) {
		if (!etag_list_match(pc->if_match, etag, false))
			return PRECOND_FAILED;
	} else if (date_of(pc->if_unmodified_since, &t) && mtime > t)
		return PRECOND_FAILED;
	if (pc->if_none_match != NULL) {
		if (etag_list_match(pc->if_none_match, etag, true))
			return get_or_head ? PRECOND_NOT_MODIFIED :
			    PRECOND_FAILED;
	} else if (get_or_head && date_of(pc->if_modified_since, &t) &&
	    mtime <= t)
		return PRECOND_NOT_MODIFIED;
	return PRECOND_OK;
}

/*
 * If-Range (RFC 9110 13.1.5): the range applies when the validator is
 * our strong ETag, or a date equal to Last-Modified; a weak tag never
 * matches. No If-Range: the range applies.
 */
bool
precond_if_range(const char *value, const char *etag, time_t mtime)
{
	const char *p, *opaque;
	size_t len;
	bool weak;
	time_t t;

	if (value == NULL)
		return true;
	p = skip_ows(value);
	if (*p == '"' || (p[0] == 'W' && p[1] == '/')) {
		if ((p = etag_scan(p, &opaque, &len, &weak)) == NULL || weak ||
		    *skip_ows(p) != '\0')
			return false;
		return strlen(etag) == len && memcmp(opaque, etag, len) == 0;
	}
	return date_of(p, &t) && t == mtime;
}
