/*
 * options.c: the command line, with curl's option letters and long names
 * so that a curl user can type what they already know. Parsing only: the
 * result is a struct options for run.c.
 */
#include "config.h"

#include <ares.h>
#include <getopt.h>
#include <http_parser.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockget.h"

/* Long-only options get codes above the char range. */
enum {
	OPT_MAX_REDIRS = 256, OPT_CONNECT_TIMEOUT, OPT_DNS_SERVERS,
	OPT_RESOLVE, OPT_LOCAL_PORT, OPT_HTTP10, OPT_HTTP11, OPT_LOCATION_TRUSTED,
	OPT_PARALLEL_MAX,
};

static const char short_opts[] = ":o:OiILfsSv46H:A:e:m:C:w:u:ZhV";
static const struct option long_opts[] = {
	{ "output",		required_argument, NULL, 'o' },
	{ "remote-name",	no_argument,	   NULL, 'O' },
	{ "include",		no_argument,	   NULL, 'i' },
	{ "head",		no_argument,	   NULL, 'I' },
	{ "location",		no_argument,	   NULL, 'L' },
	{ "fail",		no_argument,	   NULL, 'f' },
	{ "silent",		no_argument,	   NULL, 's' },
	{ "show-error",		no_argument,	   NULL, 'S' },
	{ "verbose",		no_argument,	   NULL, 'v' },
	{ "ipv4",		no_argument,	   NULL, '4' },
	{ "ipv6",		no_argument,	   NULL, '6' },
	{ "header",		required_argument, NULL, 'H' },
	{ "user-agent",		required_argument, NULL, 'A' },
	{ "referer",		required_argument, NULL, 'e' },
	{ "max-time",		required_argument, NULL, 'm' },
	{ "continue-at",	required_argument, NULL, 'C' },
	{ "write-out",		required_argument, NULL, 'w' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ "max-redirs",		required_argument, NULL, OPT_MAX_REDIRS },
	{ "connect-timeout",	required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "dns-servers",	required_argument, NULL, OPT_DNS_SERVERS },
	{ "resolve",		required_argument, NULL, OPT_RESOLVE },
	{ "local-port",		required_argument, NULL, OPT_LOCAL_PORT },
	{ "user",		required_argument, NULL, 'u' },
	{ "location-trusted",	no_argument,	   NULL, OPT_LOCATION_TRUSTED },
	{ "http1.0",		no_argument,	   NULL, OPT_HTTP10 },
	{ "http1.1",		no_argument,	   NULL, OPT_HTTP11 },
	{ "parallel",		no_argument,	   NULL, 'Z' },
	{ "parallel-max",	required_argument, NULL, OPT_PARALLEL_MAX },
	{ NULL, 0, NULL, 0 }
};

void
options_usage(FILE *f)
{
	fprintf(f,
"Usage: sockget [options] URL...\n"
"An HTTP/1.0 client: c-ares resolves every host at once, then each URL\n"
"is fetched in turn (all at once with -Z) over TCP, each from its own\n"
"ephemeral port.\n"
"\n"
" -o, --output FILE        write the body to FILE instead of stdout\n"
" -O, --remote-name        write the body to a file named like the URL's\n"
" -i, --include            include the response headers in the output\n"
" -I, --head               send HEAD and show the headers only\n"
" -L, --location           follow redirects (301 302 303 307 308)\n"
"     --max-redirs N       at most N redirects (default 50, -1 no limit)\n"
"     --location-trusted   -L sends -u, Authorization and Cookie to other hosts\n"
" -u, --user USER:PASS     Basic authentication (also from http://user:pass@...)\n"
"     --http1.1            send HTTP/1.1 (Connection: close) instead of HTTP/1.0\n"
"     --http1.0            send HTTP/1.0 (the default)\n"
" -Z, --parallel           all URLs at once, in one event loop\n"
"     --parallel-max N     at most N transfers at once with -Z (default 50)\n"
" -f, --fail               exit 22 without output on HTTP status >= 400\n"
" -s, --silent             no progress bar, no error messages\n"
" -S, --show-error         error messages even with -s\n"
" -v, --verbose            trace resolving, connecting and the headers\n"
" -4, --ipv4 / -6, --ipv6  only IPv4 / only IPv6 addresses\n"
" -H, --header 'N: v'      add a request header\n"
" -A, --user-agent AGENT   User-Agent (default sockget/%s)\n"
" -e, --referer URL        Referer\n"
" -m, --max-time SECS      limit for the whole of each transfer\n"
"     --connect-timeout S  limit for resolving and connecting\n"
" -C, --continue-at N|-    resume at byte N, or where the -o file ends\n"
"     --dns-servers LIST   ADDR[:PORT][,ADDR[:PORT]...] instead of resolv.conf\n"
"     --resolve H:P:ADDR   use ADDR (or ADDR,ADDR...) for host H, port P\n"
"     --local-port N[-M]   connect from a port in N..M\n"
" -w, --write-out FMT      print FMT after each transfer (%%{http_code} ...)\n"
" -h, --help               this text\n"
" -V, --version            version and libraries\n",
	    SOCKWEB_VERSION);
}

static void
options_version(void)
{
	unsigned long v = http_parser_version();

	printf("sockget %s (c-ares %s, http-parser %lu.%lu.%lu)\n"
	    "Protocols: http\n", SOCKWEB_VERSION, ares_version(NULL),
	    (v >> 16) & 255, (v >> 8) & 255, v & 255);
}

static int options_bad(const char *fmt, ...) PRINTF_LIKE(1, 2);

static int
options_bad(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s", msg);
	log_warnx("try 'sockget --help' for more information");
	return SG_USAGE;
}

static int
options_push(const char ***list, size_t *n, const char *s)
{
	const char **l = realloc(*list, (*n + 1) * sizeof(**list));

	if (l == NULL)
		return -1;
	l[(*n)++] = s;
	*list = l;
	return 0;
}

/* Seconds as curl takes them: "5", "0.25". */
static int
options_seconds(const char *s, long long *ms)
{
	return number_seconds_ms(s, 1000000000, ms);
}

static int
options_local_port(struct options *o, const char *s)
{
	char buf[32], *dash;
	long lo, hi;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	if ((dash = strchr(buf, '-')) != NULL)
		*dash++ = '\0';
	if (number_parse(buf, 1, 65535, &lo) < 0)
		return -1;
	hi = lo;
	if (dash != NULL && number_parse(dash, lo, 65535, &hi) < 0)
		return -1;
	o->local_port_min = (int)lo;
	o->local_port_max = (int)hi;
	return 0;
}

static int
options_continue_at(struct options *o, const char *s)
{
	long v;

	if (strcmp(s, "-") == 0) {
		o->resume_auto = true;
		return 0;
	}
	if (number_parse(s, 0, LONG_MAX, &v) < 0)
		return -1;
	o->resume_from = v;
	return 0;
}

/* -w @FILE reads the format from FILE (- for stdin), as curl does. */
static int
options_writeout(struct options *o, const char *s)
{
	FILE *f;
	struct buf b;
	char chunk[512];
	size_t n;

	if (s[0] != '@') {
		o->writeout = s;
		return 0;
	}
	f = strcmp(s + 1, "-") == 0 ? stdin : fopen(s + 1, "r");
	if (f == NULL) {
		log_warn("open %s", s + 1);
		return -1;
	}
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	if (f != stdin)
		fclose(f);
	if (buf_append(&b, "", 1) < 0 || b.failed) {
		buf_free(&b);
		return -1;
	}
	free(o->writeout_owned);
	o->writeout = o->writeout_owned = b.data;
	return 0;
}

/* One option with an argument or a flag; returns 0 or SG_USAGE. */
static int
options_one(struct options *o, int c, const char *arg)
{
	long v;

	switch (c) {
	case 'o': return options_push(&o->outputs, &o->noutputs, arg) ? SG_OUT_OF_MEMORY : 0;
	case 'O': return options_push(&o->outputs, &o->noutputs, NULL) ? SG_OUT_OF_MEMORY : 0;
	case 'i': o->include = true; return 0;
	case 'I': o->head = true; return 0;
	case 'L': o->follow = true; return 0;
	case 'u': o->userpwd = arg; return 0;
	case 'Z': o->parallel = true; return 0;
	case OPT_PARALLEL_MAX:
		if (number_parse(arg, 1, 300, &v) < 0)
			return options_bad("option --parallel-max: expected 1 to 300, not '%s'", arg);
		o->parallel_max = v;
		return 0;
	case OPT_LOCATION_TRUSTED: o->location_trusted = o->follow = true; return 0;
	case OPT_HTTP10: o->http11 = false; return 0;
	case OPT_HTTP11: o->http11 = true; return 0;

	case 'f': o->fail = true; return 0;
	case 's': o->silent = true; return 0;
	case 'S': o->show_error = true; return 0;
	case 'v': o->verbose = true; return 0;
	case '4': o->family = AF_INET; return 0;
	case '6': o->family = AF_INET6; return 0;
	case 'H': return options_push(&o->headers, &o->nheaders, arg) ? SG_OUT_OF_MEMORY : 0;
	case 'A': o->user_agent = arg; return 0;
	case 'e': o->referer = arg; return 0;
	case 'm':
		return options_seconds(arg, &o->max_time_ms) < 0 ?
		    options_bad("option -m: expected a number of seconds, not '%s'", arg) : 0;
	case OPT_CONNECT_TIMEOUT:
		return options_seconds(arg, &o->connect_timeout_ms) < 0 ?
		    options_bad("option --connect-timeout: expected seconds, not '%s'", arg) : 0;
	case 'C':
		return options_continue_at(o, arg) < 0 ?
		    options_bad("option -C: expected an offset or '-', not '%s'", arg) : 0;
	case 'w':
		return options_writeout(o, arg) < 0 ? SG_USAGE : 0;
	case OPT_MAX_REDIRS:
		if (number_parse(arg, -1, INT_MAX, &v) < 0)
			return options_bad("option --max-redirs: expected a number, not '%s'", arg);
		o->max_redirs = v;
		return 0;
	case OPT_DNS_SERVERS: o->dns_servers = arg; return 0;
	case OPT_RESOLVE: return options_push(&o->pins, &o->npins, arg) ? SG_OUT_OF_MEMORY : 0;
	case OPT_LOCAL_PORT:
		return options_local_port(o, arg) < 0 ?
		    options_bad("option --local-port: expected N or N-M, not '%s'", arg) : 0;
	default:
		return SG_USAGE;
	}
}

/* The i-th -o/-O goes with the i-th URL, whatever their order (curl). */
static int
options_pair(struct options *o, int argc, char **argv)
{
	size_t i;

	o->ntargets = (size_t)(argc - optind);
	if (o->ntargets == 0)
		return options_bad("%s", "no URL specified");
	if (o->noutputs > o->ntargets)
		log_warnx("Warning: Got more output options than URLs");
	o->targets = calloc(o->ntargets, sizeof(*o->targets));
	if (o->targets == NULL)
		return SG_OUT_OF_MEMORY;
	for (i = 0; i < o->ntargets; i++) {
		o->targets[i].url = argv[optind + i];
		if (i < o->noutputs) {
			o->targets[i].outfile = o->outputs[i];
			o->targets[i].remote_name = o->outputs[i] == NULL;
		}
	}
	return 0;
}

static int
options_unknown(char **argv, int c)
{
	char opt[3] = { '-', (char)optopt, '\0' };
	const char *name = optopt ? opt : argv[optind - 1];

	if (c == ':')
		return options_bad("option %s: requires an argument", name);
	return options_bad("option %s: is unknown", name);
}

/* Returns 0 to go on, -1 when done (help, version), or an exit code. */
int
sockget_options_parse(struct options *o, int argc, char **argv)
{
	int c, rc;

	memset(o, 0, sizeof(*o));
	o->family = AF_UNSPEC;
	o->max_redirs = 50;
	o->resume_from = -1;
	o->parallel_max = 50;
	opterr = 0;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		if (c == 'h' || c == 'V') {
			if (c == 'h')
				options_usage(stdout);
			else
				options_version();
			return -1;
		}
		if (c == '?' || c == ':')
			return options_unknown(argv, c);
		if ((rc = options_one(o, c, optarg)) != 0)
			return rc;
	}
	if (o->resume_auto && o->resume_from >= 0)
		o->resume_from = -1;
	return options_pair(o, argc, argv);
}

void
sockget_options_free(struct options *o)
{
	free(o->targets);
	free(o->outputs);
	free(o->headers);
	free(o->pins);
	free(o->writeout_owned);
	memset(o, 0, sizeof(*o));
}
