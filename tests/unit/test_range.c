/*
 * Unit tests for server/range.c: the Range header (RFC 9110 section 14)
 * as the 206/416/200 choice and the Content-Range a client would see:
 * one range first, then sets of several.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
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
	{ "bytes =0-1", 100, RANGE_NONE, 0, 0 },
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

/*
 * Range sets (multipart/byteranges): the parts after coalescing, written
 * "start+length ..." for the comparison; "" for no part.
 */
struct scase {
	const char		*value;
	off_t			 size;
	enum range_result	 result;
	const char		*parts;
};

static const struct scase set_cases[] = {
	{ "bytes=0-9,20-29", 1000, RANGE_OK, "0+10 20+10" },
	{ "bytes=0-9,200-299", 1000, RANGE_OK, "0+10 200+100" },
	{ "bytes=500-599, 0-9", 1000, RANGE_OK, "500+100 0+10" },	/* in order */
	{ "bytes=500-599, 0-9, 550-649", 1000, RANGE_OK, "0+10 500+150" },
	{ "bytes=0-99,50-149", 1000, RANGE_OK, "0+150" },	/* overlap */
	{ "bytes=0-99,100-199", 1000, RANGE_OK, "0+200" },	/* adjacent */
	{ "bytes=0-9,11-19", 1000, RANGE_OK, "0+10 11+9" },	/* a gap of one */
	{ "bytes=-10,0-9", 1000, RANGE_OK, "990+10 0+10" },	/* suffix */
	{ "bytes=0-9,5000-6000", 1000, RANGE_OK, "0+10" },	/* one misses */
	{ "bytes=5000-6000,7000-", 1000, RANGE_UNSATISFIABLE, "" },
	{ "bytes=0-9", 1000, RANGE_OK, "0+10" },
	{ "bytes=0-", 1000, RANGE_OK, "0+1000" },	/* one part: 206 */
	{ "bytes=0-499,600-999", 1000, RANGE_OK, "0+500 600+400" },
	{ "bytes=0-599,500-999", 1000, RANGE_OK, "0+1000" },	/* merged: one */
	{ "bytes=0-9,,20-29", 1000, RANGE_OK, "0+10 20+10" },	/* empty element */
	{ "bytes=-1,-2", 100, RANGE_OK, "98+2" },		/* suffixes overlap */
	{ "bytes= 0-1", 100, RANGE_OK, "0+2" },		/* OWS of a list */
	{ "bytes=0-1, 3-4", 100, RANGE_OK, "0+2 3+2" },
	{ " bytes=0-9 , 20-29 ", 1000, RANGE_OK, "0+10 20+10" },
	{ "bytes=0-9,x", 1000, RANGE_NONE, "" },		/* invalid: ignored */
	{ "bytes=0-9;20-29", 1000, RANGE_NONE, "" },
	{ "bytes=9-0,20-29", 1000, RANGE_NONE, "" },
	{ "bytes=", 1000, RANGE_NONE, "" },
	{ "bytes=,", 1000, RANGE_NONE, "" },
	{ NULL, 1000, RANGE_NONE, "" },
	/* 17 parts after coalescing: over RANGE_PARTS_MAX, the whole file */
	{ "bytes=0-0,100-100,200-200,300-300,400-400,500-500,600-600,700-700,"
	  "800-800,900-900,1000-1000,1100-1100,1200-1200,1300-1300,1400-1400,"
	  "1500-1500,1600-1600", 10000, RANGE_NONE, "" },
	/* 16 parts: served */
	{ "bytes=0-0,100-100,200-200,300-300,400-400,500-500,600-600,700-700,"
	  "800-800,900-900,1000-1000,1100-1100,1200-1200,1300-1300,1400-1400,"
	  "1500-1500", 10000, RANGE_OK, "0+1 100+1 200+1 300+1 400+1 500+1 "
	  "600+1 700+1 800+1 900+1 1000+1 1100+1 1200+1 1300+1 1400+1 1500+1" },
	/* 150 specs: more than a server need look at, the whole file */
	{ "{MANY}", 100000, RANGE_NONE, "" },
};

static void
parts_of(const struct range_set *set, char *out, size_t size)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < set->n && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%lld+%lld",
		    i ? " " : "", (long long)set->r[i].start,
		    (long long)set->r[i].length);
}

static void
test_sets(void)
{
	static char many[8192];
	struct range_set set;
	char got[1024];
	const char *v;
	size_t i, len;

	len = (size_t)snprintf(many, sizeof(many), "bytes=");
	for (i = 0; i < 150; i++)
		len += (size_t)snprintf(many + len, sizeof(many) - len, "%s%zu-%zu",
		    i ? "," : "", i * 2, i * 2 + 5);
	for (i = 0; i < sizeof(set_cases) / sizeof(set_cases[0]); i++) {
		v = strcmp(set_cases[i].value ? set_cases[i].value : "",
		    "{MANY}") == 0 ? many : set_cases[i].value;
		is_int(range_parse_set(v, set_cases[i].size, &set),
		    set_cases[i].result, "set \"%.60s\": %s", v ? v : "(none)",
		    result_name(set_cases[i].result));
		parts_of(&set, got, sizeof(got));
		is_str(got, set_cases[i].parts, "set \"%.60s\": parts", v ? v : "(none)");
	}
	/* the whole file or more in several parts: not worth a multipart */
	is_int(range_parse_set("bytes=0-499,580-999", 1000, &set), RANGE_OK,
	    "two parts under the file size: 206");
	is_int(range_parse_set("bytes=-1000,0-0", 1000, &set), RANGE_OK,
	    "overlapping parts that merge to the whole file: one part");
}

int
main(void)
{
	const struct rcase *c;
	struct range_set set;
	enum range_result r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		r = range_parse_set(c->value, c->size, &set);
		is_int(r, c->result, "\"%s\" of %lld bytes: %s",
		    c->value ? c->value : "(none)", (long long)c->size,
		    result_name(c->result));
		if (c->result != RANGE_OK) {
			is_int(set.n, 0, "\"%s\": no part", c->value ? c->value :
			    "(none)");
			continue;
		}
		is_int(set.n, 1, "\"%s\": one part", c->value);
		is_int(set.r[0].start, c->start, "\"%s\" of %lld bytes: start %lld",
		    c->value, (long long)c->size, (long long)c->start);
		is_int(set.r[0].length, c->length,
		    "\"%s\" of %lld bytes: length %lld", c->value,
		    (long long)c->size, (long long)c->length);
	}
	test_sets();
	return tap_done();
}
