/*
 * Unit tests for server/range.c: the Range header (RFC 9110 section 14)
 * as the 206/416/200 choice and the Content-Range a client would see.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "sockwebd.h"
#include "tap.h"

#define GiB ((off_t)1 << 30)

struct rcase {
	const char		*value;
	off_t			 size;
	enum range_result	 result;
	off_t			 start, length;	/* when RANGE_OK */
};

static const struct rcase cases[] = {
	/* the three forms */
	{ "bytes=0-0", 100, RANGE_OK, 0, 1 },
	{ "bytes=0-99", 100, RANGE_OK, 0, 100 },
	{ "bytes=10-19", 100, RANGE_OK, 10, 10 },
	{ "bytes=0-", 100, RANGE_OK, 0, 100 },
	{ "bytes=99-", 100, RANGE_OK, 99, 1 },
	{ "bytes=-1", 100, RANGE_OK, 99, 1 },
	{ "bytes=-100", 100, RANGE_OK, 0, 100 },
	{ "bytes=-500", 100, RANGE_OK, 0, 100 },
	{ "bytes=50-1000", 100, RANGE_OK, 50, 50 },
	{ "bytes=0-0", 1, RANGE_OK, 0, 1 },
	{ "BYTES=1-2", 100, RANGE_OK, 1, 2 },
	{ "Bytes=1-2", 100, RANGE_OK, 1, 2 },
	{ "  bytes=1-2", 100, RANGE_OK, 1, 2 },
	{ "\tbytes=1-2 \t", 100, RANGE_OK, 1, 2 },
	{ "bytes=-5 ", 100, RANGE_OK, 95, 5 },
	{ "bytes=007-008", 100, RANGE_OK, 7, 2 },
	/* valid, but nothing of the resource: 416 */
	{ "bytes=100-", 100, RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=100-200", 100, RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=1000-", 100, RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=-0", 100, RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=-000", 100, RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=0-", 0, RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=0-0", 0, RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=-1", 0, RANGE_UNSATISFIABLE, 0, 0 },
	/* invalid or not served as a range: the whole resource, 200 */
	{ NULL, 100, RANGE_NONE, 0, 0 },
	{ "", 100, RANGE_NONE, 0, 0 },
	{ "bytes=", 100, RANGE_NONE, 0, 0 },
	{ "bytes=-", 100, RANGE_NONE, 0, 0 },
	{ "bytes=5-4", 100, RANGE_NONE, 0, 0 },
	{ "bytes=200-100", 100, RANGE_NONE, 0, 0 },
	{ "bytes=0-1,3-4", 100, RANGE_NONE, 0, 0 },
	{ "bytes=0-1, 3-4", 100, RANGE_NONE, 0, 0 },
	{ "bytes=-1,-2", 100, RANGE_NONE, 0, 0 },
	{ "bytes =0-1", 100, RANGE_NONE, 0, 0 },
	{ "bytes= 0-1", 100, RANGE_NONE, 0, 0 },
	{ "bytes=0 -1", 100, RANGE_NONE, 0, 0 },
	{ "bytes=0- 1", 100, RANGE_NONE, 0, 0 },
	{ "items=0-1", 100, RANGE_NONE, 0, 0 },
	{ "bytes0-1", 100, RANGE_NONE, 0, 0 },
	{ "bytes=a-b", 100, RANGE_NONE, 0, 0 },
	{ "bytes=1", 100, RANGE_NONE, 0, 0 },
	{ "bytes=1-2x", 100, RANGE_NONE, 0, 0 },
	{ "bytes=--1", 100, RANGE_NONE, 0, 0 },
	{ "bytes=-1-2", 100, RANGE_NONE, 0, 0 },
	{ "bytes=+1-2", 100, RANGE_NONE, 0, 0 },
	{ "bytes=0x10-0x20", 100, RANGE_NONE, 0, 0 },
	/* huge numbers saturate instead of wrapping */
	{ "bytes=0-4294967296", 100, RANGE_OK, 0, 100 },
	{ "bytes=4294967296-", 100, RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=0-9223372036854775807", 100, RANGE_OK, 0, 100 },
	{ "bytes=0-9223372036854775808", 100, RANGE_OK, 0, 100 },
	{ "bytes=0-99999999999999999999999999", 100, RANGE_OK, 0, 100 },
	{ "bytes=18446744073709551617-", 100, RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=99999999999999999999999999-", 100, RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=-18446744073709551617", 100, RANGE_OK, 0, 100 },
	{ "bytes=-99999999999999999999999999", 100, RANGE_OK, 0, 100 },
	{ "bytes=99999999999999999999-99999999999999999999", 100,
	  RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=18446744073709551615-1", 100, RANGE_NONE, 0, 0 },
	/* a 5 GiB file: offsets past 2^32 */
	{ "bytes=4294967296-", 5 * GiB, RANGE_OK, 4 * GiB, GiB },
	{ "bytes=4294967295-4294967296", 5 * GiB, RANGE_OK, 4 * GiB - 1, 2 },
	{ "bytes=5368709119-", 5 * GiB, RANGE_OK, 5 * GiB - 1, 1 },
	{ "bytes=5368709120-", 5 * GiB, RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=-4294967297", 5 * GiB, RANGE_OK, GiB - 1, 4 * GiB + 1 },
	{ "bytes=0-", 5 * GiB, RANGE_OK, 0, 5 * GiB },
	{ "bytes=1-6442450944", 5 * GiB, RANGE_OK, 1, 5 * GiB - 1 },
	/* the largest file off_t can describe */
	{ "bytes=-1", INT64_MAX, RANGE_OK, INT64_MAX - 1, 1 },
	{ "bytes=9223372036854775806-", INT64_MAX, RANGE_OK, INT64_MAX - 1, 1 },
	{ "bytes=0-", INT64_MAX, RANGE_OK, 0, INT64_MAX },
	{ "bytes=99999999999999999999-", INT64_MAX, RANGE_UNSATISFIABLE, 0, 0 },
};

static const char *
result_name(enum range_result r)
{
	switch (r) {
	case RANGE_NONE:
		return "none (200)";
	case RANGE_OK:
		return "ok (206)";
	case RANGE_UNSATISFIABLE:
		return "unsatisfiable (416)";
	}
	return "?";
}

int
main(void)
{
	const struct rcase *c;
	enum range_result r;
	off_t start, length;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		start = length = -7;
		r = range_parse(c->value, c->size, &start, &length);
		is_int(r, c->result, "\"%s\" of %lld bytes: %s",
		    c->value ? c->value : "(none)", (long long)c->size,
		    result_name(c->result));
		if (c->result != RANGE_OK)
			continue;
		is_int(start, c->start, "\"%s\" of %lld bytes: start %lld",
		    c->value, (long long)c->size, (long long)c->start);
		is_int(length, c->length, "\"%s\" of %lld bytes: length %lld",
		    c->value, (long long)c->size, (long long)c->length);
	}
	return tap_done();
}
