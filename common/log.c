/*
 * log.c: diagnostics on stderr in one style, "prog: what: why", where "why"
 * is strerror(errno) for a failed system call (log_warn) or a plain
 * sentence (log_warnx). Each message goes out with a single write(2) so that
 * lines from forked children never interleave.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static const char *progname = PACKAGE;
static int verbose;

void
log_init(const char *name)
{
	const char *slash = strrchr(name, '/');

	progname = slash ? slash + 1 : name;
}

void
log_set_verbose(int level)
{
	verbose = level;
}

int
log_verbose(void)
{
	return verbose;
}

static void __attribute__((format(printf, 1, 0)))
log_emit(const char *fmt, va_list ap, const char *reason)
{
	char line[1024];
	int n, m;

	n = snprintf(line, sizeof(line), "%s: ", progname);
	m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	if (reason != NULL) {
		m = snprintf(line + n, sizeof(line) - n, ": %s", reason);
		n += m;
		if (n > (int)sizeof(line) - 2)
			n = sizeof(line) - 2;
	}
	line[n++] = '\n';
	/* stderr may be closed (daemon) or full; nothing useful to do then. */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_emit(fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_emit(fmt, ap, NULL);
	va_end(ap);
	errno = saved;
}

void
log_info(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	if (!verbose)
		return;
	va_start(ap, fmt);
	log_emit(fmt, ap, NULL);
	va_end(ap);
	errno = saved;
}
