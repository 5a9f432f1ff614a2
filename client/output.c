/*
 * output.c: where the bytes of a response go (-o FILE, -O, stdout) and
 * what the user sees on stderr: curl-style "* " trace lines with -v, error
 * lines "sockget: (N) ...", and a progress bar on a terminal.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sockget.h"

#define OUTPUT_REDRAW_US 200000	/* a bar redrawn more often only flickers */

static bool quiet;

void
output_set_quiet(bool q)
{
	quiet = q;
}

/* "sockget: (6) Could not resolve host: x", curl's shape; -s hides it. */
void
output_error(int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("(%d) %s", code, msg);
}

/* One line per call and one write, so the trace never interleaves. */
void
output_trace(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	if (!log_verbose())
		return;
	va_start(ap, fmt);
	n = vsnprintf(line + 2, sizeof(line) - 3, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 4)
		n = (int)sizeof(line) - 4;
	line[0] = '*';
	line[1] = ' ';
	line[n + 2] = '\n';
	if (write(STDERR_FILENO, line, n + 3) < 0)
		return;	/* stderr gone: the trace is optional */
}

/* Each CRLF line of text as "> line" (sent) or "< line" (received). */
void
output_trace_lines(char prefix, const char *text, size_t len)
{
	size_t i = 0, eol;
	char out[1024];
	int n;

	if (!log_verbose())
		return;
	while (i < len) {
		for (eol = i; eol < len && text[eol] != '\n'; eol++)
			;
		n = snprintf(out, sizeof(out), "%c %.*s", prefix,
		    (int)(eol - i - (eol > i && text[eol - 1] == '\r')), text + i);
		if (n > (int)sizeof(out) - 2)
			n = (int)sizeof(out) - 2;
		out[n++] = '\n';
		if (write(STDERR_FILENO, out, n) < 0)
			return;
		i = eol + 1;
	}
}

void
output_init(struct output *o, const char *path, bool append)
{
	memset(o, 0, sizeof(*o));
	o->path = path != NULL && strcmp(path, "-") == 0 ? NULL : path;
	o->fd = -1;
	o->append = append;
	o->expected = -1;
}

/* Opened only when there is something to write, as curl does. */
int
output_open(struct output *o)
{
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC;

	if (o->opened)
		return 0;
	if (o->path == NULL) {
		o->fd = STDOUT_FILENO;
	} else {
		flags |= o->append ? O_APPEND : O_TRUNC;
		o->fd = open(o->path, flags, 0666);
		if (o->fd < 0) {
			output_error(SG_WRITE_ERROR, "Failed to open the file %s: %s",
			    o->path, strerror(errno));
			o->failed = true;
			return -1;
		}
	}
	o->opened = true;
	return 0;
}

int
output_write(struct output *o, const void *data, size_t len)
{
	if (o->failed || output_open(o) < 0)
		return -1;
	if (len == 0)
		return 0;
	if (io_write_all(o->fd, data, len, -1) < 0) {
		output_error(SG_WRITE_ERROR, "Failure writing output to destination: %s",
		    strerror(errno));
		o->failed = true;
		return -1;
	}
	o->written += (long long)len;
	return 0;
}

/* A full disk can surface only at close (NFS), so close is checked too. */
int
output_close(struct output *o)
{
	int rc = 0;

	if (o->opened && o->fd != STDOUT_FILENO && close(o->fd) < 0) {
		output_error(SG_WRITE_ERROR, "close %s: %s", o->path, strerror(errno));
		rc = -1;
	}
	o->opened = false;
	o->fd = -1;
	return o->failed ? -1 : rc;
}

/* A bar helps a person watching a terminal, never a file or a pipe. */
bool
output_want_progress(const struct output *o, bool silent)
{
	if (silent || !isatty(STDERR_FILENO))
		return false;
	return o->path != NULL || !isatty(STDOUT_FILENO);
}

static const char *
output_human(long long n, char *buf, size_t size)
{
	const char *unit = "kMGT";
	double d = (double)n;

	if (n < 1024) {
		snprintf(buf, size, "%dB", (int)n);
		return buf;
	}
	d /= 1024;
	while (d >= 1024 && unit[1] != '\0') {
		d /= 1024;
		unit++;
	}
	snprintf(buf, size, "%.1f%c", d, *unit);
	return buf;
}

static int
output_columns(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
		return ws.ws_col < 200 ? ws.ws_col : 200;
	return 80;
}

/* "[#####-----]  45%  12.3M  4.5M/s  ETA 0:03", or a spinner. */
static void
output_draw(struct output *o, long long now)
{
	char line[256], got[16], rate[16], bar[168];
	double secs = (double)(now - o->started_us) / 1e6;
	long long bps = secs > 0 ? (long long)((double)o->received / secs) : 0;
	int width = output_columns() - 40, fill, n;

	output_human(o->received, got, sizeof(got));
	output_human(bps, rate, sizeof(rate));
	if (o->expected > 0) {
		long long eta = bps > 0 ? (o->expected - o->received) / bps : 0;

		fill = (int)(width * (double)o->received / (double)o->expected);
		memset(bar, '#', fill);
		memset(bar + fill, '-', width - fill);
		bar[width] = '\0';
		n = snprintf(line, sizeof(line), "\r[%s] %3d%% %7s %7s/s ETA %lld:%02lld",
		    bar, (int)(100 * o->received / o->expected), got, rate,
		    eta / 60, eta % 60);
	} else {
		n = snprintf(line, sizeof(line), "\r[%c] %7s %7s/s",
		    "|/-\\"[o->spin++ % 4], got, rate);
	}
	if (n > 0 && write(STDERR_FILENO, line, strlen(line)) < 0)
		o->progress = false;	/* stderr gone: stop drawing */
}

void
output_progress(struct output *o, bool final)
{
	long long now = io_now_us();

	if (!o->progress)
		return;
	if (o->started_us == 0)
		o->started_us = now;
	if (!final && now - o->drawn_us < OUTPUT_REDRAW_US)
		return;
	o->drawn_us = now;
	if (o->expected > 0 && o->received > o->expected)
		o->expected = o->received;
	output_draw(o, now);
	if (final && write(STDERR_FILENO, "\n", 1) < 0)
		o->progress = false;
}

/* -Z draws one line for all transfers, on a terminal only. */
bool
output_want_summary(bool silent)
{
	return !silent && isatty(STDERR_FILENO);
}

/* "Xfers 3/10 done, 5 live  12.3M  4.5M/s", like curl -Z's meter. */
void
output_summary(struct output_summary *s, bool final)
{
	long long now = io_now_us();
	double secs = (double)(now - s->started_us) / 1e6;
	char line[128], got[16], rate[16];
	int n;

	if (!final && now - s->drawn_us < OUTPUT_REDRAW_US)
		return;
	s->drawn_us = now;
	output_human(s->received, got, sizeof(got));
	output_human(secs > 0 ? (long long)((double)s->received / secs) : 0, rate,
	    sizeof(rate));
	n = snprintf(line, sizeof(line), "\rXfers %zu/%zu done, %zu live %7s %7s/s%s",
	    s->done, s->total, s->live, got, rate, final ? "\n" : "");
	if (n > 0 && write(STDERR_FILENO, line, strlen(line)) < 0)
		s->draw = false;
}
