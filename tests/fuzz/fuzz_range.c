/*
 * fuzz_range.c: range_parse on any Range value, against a resource size
 * taken from the first 8 input bytes (0 to 2^63 - 1; files past 4 GiB
 * included). Invariants:
 *  - the result is RANGE_NONE, RANGE_OK or RANGE_UNSATISFIABLE;
 *  - RANGE_OK means a non-empty slice of the resource:
 *    0 <= start, length >= 1, start + length <= size (no overflow),
 *    so the 206 and its Content-Range never promise bytes that are not there.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockwebd.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_range: invariant broken: %s\n", #cond); \
		abort();						\
	}								\
} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t raw = 0;
	off_t fsize, start = -1, length = -1;
	enum range_result r;
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
	r = range_parse(value, fsize, &start, &length);
	CHECK(r == RANGE_NONE || r == RANGE_OK || r == RANGE_UNSATISFIABLE);
	if (r == RANGE_OK) {
		CHECK(start >= 0);
		CHECK(length >= 1);
		CHECK(start < fsize);
		CHECK(length <= fsize - start);
	}
	free(value);
	return 0;
}
