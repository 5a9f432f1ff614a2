/*
 * tap.h: a tiny Test Anything Protocol producer for the C unit tests,
 * read by Automake's tap-driver.sh. Each check prints "ok N - name" or
 * "not ok N - name" with the values compared, and tap_done() prints the
 * plan and returns the exit status.
 */
#ifndef SOCKWEB_TAP_H
#define SOCKWEB_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

static void
tap_result(int ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
tap_result(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	if (!ok)
		tap_failed++;
	printf("%sok %d - ", ok ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		printf("#   failed at %s:%d\n", file, line);
	fflush(stdout);
}

#define ok(cond, ...) \
	tap_result(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...) do {					\
	long long tap_g = (long long)(got), tap_w = (long long)(want);	\
	tap_result(tap_g == tap_w, __FILE__, __LINE__, __VA_ARGS__);	\
	if (tap_g != tap_w)						\
		printf("#   got %lld, want %lld\n", tap_g, tap_w);	\
} while (0)

#define is_str(got, want, ...) do {					\
	const char *tap_g = (got), *tap_w = (want);			\
	int tap_ok = tap_g && tap_w ? strcmp(tap_g, tap_w) == 0 : tap_g == tap_w; \
	tap_result(tap_ok, __FILE__, __LINE__, __VA_ARGS__);		\
	if (!tap_ok)							\
		printf("#   got \"%s\", want \"%s\"\n",			\
		    tap_g ? tap_g : "(null)", tap_w ? tap_w : "(null)");	\
} while (0)

static int
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif /* SOCKWEB_TAP_H */
