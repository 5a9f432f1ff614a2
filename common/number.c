/*
 * number.c: the one decimal number parser of both programs. strtol alone
 * accepts "", " 12", "+12", "12abc" and wraps or clamps silently; and the
 * numbers on the wire (a port, a byte position) are not NUL-terminated.
 * number_digits reads digits only and never overflows; number_parse is
 * the whole-string form with bounds, for options and environment values.
 * number_format writes one, without printf, for the header fields every
 * response carries (Content-Length, the ETag's parts).
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "common.h"

/*
 * The decimal digits at the start of s (at most len bytes): how many there
 * are (0: none), their value in *out, UINT64_MAX when it does not fit.
 */
size_t
number_digits(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t n;

	for (n = 0; n < len && s[n] >= '0' && s[n] <= '9'; n++) {
		unsigned d = (unsigned)(s[n] - '0');

		v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
	}
	*out = v;
	return n;
}

/*
 * Seconds as curl's options take them ("5", "0.25", ".5"; digits and one
 * point, no sign or exponent), at most max_s, into *ms rounded to the
 * nearest millisecond. 0, or -1.
 */
int
number_seconds_ms(const char *s, long max_s, long long *ms)
{
	size_t len = strlen(s), n, f = 0, i;
	uint64_t whole, frac = 0;

	n = number_digits(s, len, &whole);
	if (s[n] == '.') {
		f = number_digits(s + n + 1, len - n - 1, &frac);
		if (n + 1 + f != len)
			return -1;
	} else if (n != len)
		return -1;
	if (n + f == 0 || whole > (uint64_t)max_s)
		return -1;
	/* The first four decimals: milliseconds and the digit that rounds. */
	for (frac = 0, i = 0; i < 4; i++)
		frac = frac * 10 + (i < f ? (uint64_t)(s[n + 1 + i] - '0') : 0);
	*ms = (long long)(whole * 1000 + (frac + 5) / 10);
	return 0;
}

/* *out = s as a whole decimal number within [min, max]; 0, or -1 if not. */
int
number_parse(const char *s, long min, long max, long *out)
{
	bool negative = *s == '-';
	size_t len;
	uint64_t v;
	long n;

	s += negative;
	len = strlen(s);
	if (len == 0 || number_digits(s, len, &v) != len || v > LONG_MAX)
		return -1;
	n = negative ? -(long)v : (long)v;
	if (n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

/*
 * v in base 10 or 16 (lower case), no leading zeros, NUL-terminated, into
 * out (NUMBER_FORMAT_MAX bytes); returns the number of digits.
 */
size_t
number_format(uintmax_t v, unsigned base, char out[NUMBER_FORMAT_MAX])
{
	char digits[NUMBER_FORMAT_MAX], *d = digits + sizeof(digits);
	size_t n;

	do
		*--d = "0123456789abcdef"[v % base];
	while ((v /= base) != 0);
	n = (size_t)(digits + sizeof(digits) - d);
	memcpy(out, d, n);
	out[n] = '\0';
	return n;
}
