/*
 * fuzz_httpdate.c: httpdate_parse on any string (If-Modified-Since comes
 * from the client). Invariants, when it parses to t:
 *  - httpdate_format(t) succeeds and parses back to t;
 *  - an IMF-fixdate input ("Sun, 06 Nov 1994 08:49:37 GMT") is exactly what
 *    httpdate_format(t) writes, except a leap second ":60", read as ":59".
 * Also a round trip from the other side: the first 8 bytes as a time_t in
 * years 1-9999 format to a date that parses back to the same second.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_httpdate: invariant broken: %s\n", #cond); \
		abort();						\
	}								\
} while (0)

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z */
#define T_MIN	(-62135596800LL)
#define T_MAX	253402300799LL

static bool
is_imf_fixdate(const char *s)
{
	return strlen(s) == HTTPDATE_LEN && s[3] == ',';
}

static void
check_time(time_t t)
{
	char buf[HTTPDATE_LEN + 1];
	time_t back = 0;

	CHECK(httpdate_format(t, buf) != NULL);
	CHECK(strlen(buf) == HTTPDATE_LEN);
	CHECK(httpdate_parse(buf, &back) == 0);
	CHECK(back == t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[HTTPDATE_LEN + 1];
	char *s;
	time_t t = 0;
	int64_t raw;

	if (size >= 8) {
		memcpy(&raw, data, 8);
		if (raw >= T_MIN && raw <= T_MAX)
			check_time((time_t)raw);
	}
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (httpdate_parse(s, &t) == 0) {
		CHECK(t >= T_MIN && t <= T_MAX);
		check_time(t);
		if (is_imf_fixdate(s) && strncmp(s + 23, "60", 2) != 0) {
			httpdate_format(t, buf);
			CHECK(strcmp(buf, s) == 0);
		}
	}
	free(s);
	return 0;
}
