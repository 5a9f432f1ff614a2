/*
 * fuzz_range_set.c: range_parse_set on any Range value, against a resource
 * size taken from the first 8 input bytes (0 to 2^63 - 1; files past 4 GiB
 * included), then multipart_build on what it returned. Invariants:
 *  - the result is RANGE_NONE, RANGE_OK or RANGE_UNSATISFIABLE, and only
 *    RANGE_OK has parts;
 *  - RANGE_OK: 1 to RANGE_PARTS_MAX non-empty parts inside the resource
 *    (start + length <= size, no overflow), no two overlapping or
 *    touching (coalesced), several only when together they are less than
 *    the whole file: a range request never costs more than a plain GET;
 *  - the multipart body's Content-Length is exactly its part headers,
 *    parts and closing boundary, and each part header names its range.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockwebd.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_range_set: invariant broken: %s\n", \
		    #cond);						\
		abort();						\
	}								\
} while (0)

static bool
apart(const struct byte_range *a, const struct byte_range *b)
{
	return a->start + a->length < b->start || b->start + b->length < a->start;
}

static void
check_set(const struct range_set *set, off_t fsize)
{
	off_t total = 0;
	size_t i, j;

	CHECK(set->n >= 1 && set->n <= RANGE_PARTS_MAX);
	for (i = 0; i < set->n; i++) {
		CHECK(set->r[i].start >= 0);
		CHECK(set->r[i].length >= 1);
		CHECK(set->r[i].start < fsize);
		CHECK(set->r[i].length <= fsize - set->r[i].start);
		for (j = i + 1; j < set->n; j++)
			CHECK(apart(&set->r[i], &set->r[j]));
		total += set->r[i].length;
	}
	CHECK(set->n == 1 || total < fsize);
}

static void
check_multipart(const struct range_set *set, off_t fsize)
{
	struct multipart mp;
	struct buf text;
	char want[128];
	off_t sum;
	size_t i;
	int n;

	buf_init(&text);
	if (multipart_build(&mp, set, "text/plain", fsize, "\"e\"", &text) == 0) {
		CHECK(mp.nparts == set->n);
		sum = (off_t)mp.tail_len;
		for (i = 0; i < mp.nparts; i++) {
			sum += (off_t)mp.part[i].head_len + mp.part[i].length;
			n = snprintf(want, sizeof(want),
			    "Content-Range: bytes %jd-%jd/%jd\r\n\r\n",
			    (intmax_t)set->r[i].start,
			    (intmax_t)(set->r[i].start + set->r[i].length - 1),
			    (intmax_t)fsize);
			CHECK(n > 0 && (size_t)n <= mp.part[i].head_len);
			CHECK(memcmp(mp.text + mp.part[i].head_off +
			    mp.part[i].head_len - (size_t)n, want, (size_t)n) == 0);
		}
		CHECK(sum == mp.content_length);
	}
	buf_free(&text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct range_set set;
	enum range_result r;
	uint64_t raw = 0;
	off_t fsize;
	char *value;

	if (size < 8)
		return 0;
	memcpy(&raw, data, 8);
	fsize = (off_t)(raw & INT64_MAX);
	/* Small sizes are where the edge cases are: favour them. */
	if (raw >> 63)
		fsize %= 1024;
	value = malloc(size - 8 + 1);
	if (value == NULL)
		return 0;
	memcpy(value, data + 8, size - 8);
	value[size - 8] = '\0';
	r = range_parse_set(value, fsize, &set);
	CHECK(r == RANGE_NONE || r == RANGE_OK || r == RANGE_UNSATISFIABLE);
	if (r == RANGE_OK) {
		check_set(&set, fsize);
		check_multipart(&set, fsize);
	} else
		CHECK(set.n == 0);
	free(value);
	return 0;
}
