/*
 * trace.c: sockwebd -v, the socket calls of each connection as they
 * happen, on standard error: accept, fork, read, the request and its
 * status, sendmsg/sendfile, shutdown, close. Each line carries the pid
 * (which process made the call: the parent, a child, a worker) and a
 * time stamp, is escaped (a request line is the client's bytes) and
 * leaves in one write(2), so lines of concurrent processes never mix.
 * Off, a trace point costs one test of a flag; the access log is never
 * touched.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "sockwebd.h"

bool trace_on;

void
trace_enable(bool on)
{
	trace_on = on;
}

void
trace_line(const char *fmt, ...)
{
	char msg[512], line[1100];
	struct timeval tv;
	struct tm tm;
	size_t n = 0, i;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	(void)gettimeofday(&tv, NULL);	/* fails only on a bad pointer */
	if (gmtime_r(&tv.tv_sec, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	n = (size_t)snprintf(line, sizeof(line), "sockwebd[%ld] %02d:%02d:%02d.%06ld ",
	    (long)getpid(), tm.tm_hour, tm.tm_min, tm.tm_sec, (long)tv.tv_usec);
	for (i = 0; msg[i] && n < sizeof(line) - 6; i++) {
		unsigned char ch = (unsigned char)msg[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			line[n++] = (char)ch;
		else
			n += (size_t)snprintf(line + n, 5, "\\x%02X", ch);
	}
	line[n++] = '\n';
	(void)io_write_all(STDERR_FILENO, line, n, -1);
}
