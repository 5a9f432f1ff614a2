/*
 * number.c: whole decimal numbers from the command line. strtol alone
 * accepts "", "12abc" and out-of-range values; options want none of them.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "common.h"

/* *out = s as a whole decimal number within [min, max]; 0, or -1 if not. */
int
number_parse(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
