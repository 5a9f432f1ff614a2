/*
 * writeout.c: -w FORMAT, printed to stdout after each transfer, with
 * curl's variable names and number formats (times in seconds with six
 * decimals, http_code on three digits) so curl scripts keep working.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sockget.h"

static void
writeout_secs(FILE *f, long long us)
{
	fprintf(f, "%lld.%06lld", us / 1000000, us % 1000000);
}

static long long
writeout_since(const struct fetch_stats *st, long long t)
{
	return t > 0 ? t - st->t_start_us : 0;
}

static long long
writeout_speed(const struct fetch_stats *st)
{
	long long us = st->t_total_us;

	return us > 0 ? st->size_download * 1000000 / us : 0;
}

/* Prints variable name (length n); returns false if unknown. */
static bool
writeout_var(FILE *f, const char *name, size_t n, const struct fetch_stats *st)
{
#define IS(s) (n == sizeof(s) - 1 && strncmp(name, s, n) == 0)
	if (IS("http_code") || IS("response_code"))
		fprintf(f, "%03d", st->http_code);
	else if (IS("size_download"))
		fprintf(f, "%lld", st->size_download);
	else if (IS("size_header"))
		fprintf(f, "%lld", st->size_header);
	else if (IS("size_request"))
		fprintf(f, "%lld", st->size_request);
	else if (IS("speed_download"))
		fprintf(f, "%lld", writeout_speed(st));
	else if (IS("time_namelookup"))
		writeout_secs(f, writeout_since(st, st->t_namelookup_us));
	else if (IS("time_connect"))
		writeout_secs(f, writeout_since(st, st->t_connect_us));
	else if (IS("time_starttransfer"))
		writeout_secs(f, writeout_since(st, st->t_starttransfer_us));
	else if (IS("time_total"))
		writeout_secs(f, st->t_total_us);
	else if (IS("local_ip"))
		fputs(st->local_ip, f);
	else if (IS("local_port"))
		fprintf(f, "%d", st->local_port);
	else if (IS("remote_ip"))
		fputs(st->remote_ip, f);
	else if (IS("remote_port"))
		fprintf(f, "%d", st->remote_port);
	else if (IS("num_redirects"))
		fprintf(f, "%d", st->num_redirects);
	else if (IS("url_effective"))
		fputs(st->url_effective ? st->url_effective : "", f);
	else if (IS("redirect_url"))
		fputs(st->location && fetch_is_redirect(st->http_code) ? st->location : "", f);
	else if (IS("content_type"))
		fputs(st->content_type ? st->content_type : "", f);
	else if (IS("exitcode"))
		fprintf(f, "%d", st->exitcode);
	else
		return false;
	return true;
#undef IS
}

/* Backslash escapes as curl knows them: \n \r \t and \\. */
static const char *
writeout_escape(FILE *f, const char *p)
{
	switch (p[1]) {
	case 'n': fputc('\n', f); return p + 2;
	case 'r': fputc('\r', f); return p + 2;
	case 't': fputc('\t', f); return p + 2;
	case '\\': fputc('\\', f); return p + 2;
	default: fputc('\\', f); return p + 1;
	}
}

void
writeout_print(FILE *f, const char *format, const struct fetch_stats *st)
{
	const char *p = format, *end;

	while (*p != '\0') {
		if (p[0] == '%' && p[1] == '%') {
			fputc('%', f);
			p += 2;
		} else if (p[0] == '%' && p[1] == '{' &&
		    (end = strchr(p + 2, '}')) != NULL) {
			if (!writeout_var(f, p + 2, (size_t)(end - p - 2), st))
				log_warnx("unknown --write-out variable: '%.*s'",
				    (int)(end - p - 2), p + 2);
			p = end + 1;
		} else if (p[0] == '\\' && p[1] != '\0') {
			p = writeout_escape(f, p);
		} else {
			fputc(*p++, f);
		}
	}
	fflush(f);
}
