/*
 * options.c: sockwebd's command line, short and long forms. A mistake is
 * reported with the option and the reason, then the usage, exit 2.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockwebd.h"

enum {
	OPT_CHROOT = 256, OPT_PIDFILE, OPT_NO_LISTING, OPT_NO_PEER, OPT_PREFORK, OPT_REUSEPORT,
	OPT_MAX_CONNS,
	OPT_PROXY_PROTOCOL, OPT_PROXY_LISTEN
};
/* issue 14: response features (handler.c, headers.c, file.c, mime.c) */
enum {
	OPT_HEADER = 300, OPT_CORS, OPT_MAX_AGE, OPT_NO_SYMLINKS, OPT_FALLBACK,
	OPT_MIME_TYPES, OPT_DEFAULT_TYPE
};

static const struct option long_options[] = {
	{ "port",		required_argument,	NULL, 'p' },
	{ "listen",		required_argument,	NULL, 'l' },
	{ "root",		required_argument,	NULL, 'r' },
	{ "max-children",	required_argument,	NULL, 'c' },
	{ "timeout",		required_argument,	NULL, 't' },
	{ "access-log",		required_argument,	NULL, 'L' },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "user",		required_argument,	NULL, 'u' },
	{ "chroot",		no_argument,		NULL, OPT_CHROOT },
	{ "daemon",		no_argument,		NULL, 'd' },
	{ "pidfile",		required_argument,	NULL, OPT_PIDFILE },
	{ "no-listing",		no_argument,		NULL, OPT_NO_LISTING },
	{ "no-peer",		no_argument,		NULL, OPT_NO_PEER },
	{ "prefork",		required_argument,	NULL, OPT_PREFORK },
	{ "reuseport",		no_argument,		NULL, OPT_REUSEPORT },
	{ "max-conns",		required_argument,	NULL, OPT_MAX_CONNS },
	{ "inetd",		no_argument,		NULL, 'i' },
	{ "proxy-protocol",	no_argument,		NULL, OPT_PROXY_PROTOCOL },
	{ "proxy-listen",	required_argument,	NULL, OPT_PROXY_LISTEN },
	{ "header",		required_argument,	NULL, OPT_HEADER },
	{ "cors",		no_argument,		NULL, OPT_CORS },
	{ "max-age",		required_argument,	NULL, OPT_MAX_AGE },
	{ "no-symlinks",	no_argument,		NULL, OPT_NO_SYMLINKS },
	{ "fallback",		required_argument,	NULL, OPT_FALLBACK },
	{ "mime-types",		required_argument,	NULL, OPT_MIME_TYPES },
	{ "default-type",	required_argument,	NULL, OPT_DEFAULT_TYPE },
	{ "help",		no_argument,		NULL, 'h' },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "version",		no_argument,		NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void	usage_notes(FILE *fp);

void
options_usage(FILE *fp)
{
	fprintf(fp,
"usage: sockwebd [-p PORT] [-l ADDR]... [-r ROOT] [-c MAX_CHILDREN] [-t SECONDS]\n"
"                [-L FILE|-] [-q] [-u USER] [--chroot] [-d] [--pidfile FILE]\n"
"                [--no-listing] [--no-peer] [--prefork N] [--reuseport]\n"
"                [--header 'NAME: VALUE']... [--cors] [--max-age SECONDS]\n"
"                [--no-symlinks] [--fallback FILE] [--mime-types FILE]\n"
"                [--default-type TYPE]\n"
"                [--max-conns N] [-i] [--proxy-protocol]\n"
"                [--proxy-listen ADDR]... [-v] [-h] [-V]\n"
"\n"
"A forking HTTP/1.0 static-file server.\n"
"\n"
"  -p, --port PORT          well-known port to listen on (default 8080; 0: any)\n"
"  -l, --listen ADDR        address or host name to listen on, optionally with\n"
"                           its own port (HOST:PORT, [IPV6]:PORT); repeatable\n"
"                           (default: every IPv4 and IPv6 interface)\n"
"  -r, --root DIR           document root (default www)\n"
"  -c, --max-children N     fork mode: most children serving requests at once;\n"
"                           more requests wait up to -t, then 503 (default 256)\n"
"      --max-conns N        most connections one process holds, idle ones too;\n"
"                           more get 503 (default 16384, within ulimit -n)\n"
"  -t, --timeout SECONDS    time to receive a request, and to send (default 10)\n"
"  -L, --access-log FILE    append the access log to FILE; - for stdout (default)\n"
"  -q, --quiet              no access log\n"
"  -u, --user USER          switch to USER after binding\n"
"      --chroot             chroot into the document root before serving\n"
"  -d, --daemon             detach from the terminal and run in the background\n"
"      --pidfile FILE       write the server's pid to FILE\n"
"      --no-listing         403 instead of a listing for directories without index.html\n"
"      --no-peer            turn off the /_peer endpoint\n"
"      --prefork N          N event-driven workers, each serving many\n"
"                           connections at once (instead of a child per request)\n"
"      --reuseport          SO_REUSEPORT: several servers may share the port\n"
"  -i, --inetd              serve the one connection on standard input (inetd,\n"
"                           systemd Accept=yes); access log to stderr unless -L\n"
"      --proxy-protocol     every connection starts with a PROXY protocol v1/v2\n"
"                           header from a balancer (HAProxy send-proxy, nginx\n"
"                           proxy_protocol on); the log shows the client's address\n"
"      --proxy-listen ADDR  like -l, but only this listener expects the header\n"
"      --header 'NAME: VALUE'  add this header line to every response; repeatable\n"
"      --cors               Access-Control-Allow-Origin: * on every response;\n"
"                           OPTIONS (CORS preflight) answered with 204\n"
"      --max-age SECONDS    Cache-Control: max-age=SECONDS on 200, 206, 301, 304\n"
"      --no-symlinks        never follow a symbolic link (default: follow links\n"
"                           that stay beneath the root)\n"
"      --fallback FILE      serve FILE (beneath the root) with 200 for a missing\n"
"                           path whose last segment has no extension (SPAs)\n"
"      --mime-types FILE    read extra extension -> type lines (/etc/mime.types)\n"
"      --default-type TYPE  type for unknown extensions (application/octet-stream)\n"
"  -v, --verbose            trace each connection's socket calls on stderr\n"
"  -h, --help               show this help and exit\n"
"  -V, --version            show the version and exit\n");
	usage_notes(fp);
}

/* What --help says after the options: sockets, upgrade, what is always on. */
static void
usage_notes(FILE *fp)
{
	fprintf(fp,
"\n"
"Listening sockets passed by systemd (LISTEN_FDS) replace -l and -p; one named\n"
"\"proxy\" expects the PROXY header. SIGUSR2\n"
"starts the binary anew with the same arguments on the same sockets; this copy\n"
"then finishes its connections and exits (binary upgrade).\n"
"\n"
"Always on: a strong ETag on every file response; If-None-Match, If-Match,\n"
"If-Modified-Since, If-Unmodified-Since and If-Range (304, 412); several ranges\n"
"as 206 multipart/byteranges (at most 16 parts, else the whole file);\n"
"FILE.br, FILE.zst or FILE.gz sent for FILE when Accept-Encoding allows it\n"
"(Vary: Accept-Encoding); symbolic links followed while they stay beneath the\n"
"root; listings sorted by ?C=N|S|M;O=A|D, JSON with ?format=json or\n"
"Accept: application/json.\n");
}

static void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port = "8080";
	cfg->root = NULL;		/* main.c picks www or the installed site */
	cfg->max_children = 256;
	cfg->max_conns = MAX_CONNS_DEFAULT;
	cfg->timeout_sec = 10;
	cfg->listing = true;
	cfg->peer = true;
	cfg->max_age = -1;
}

static int
bad(const char *what, const char *value)
{
	log_warnx("invalid %s: '%s'", what, value);
	return -1;
}

static bool
listen_address_valid(const char *arg)
{
	char host[256], port[8];

	return listen_parse_addr(arg, host, sizeof(host), port, sizeof(port)) == 0;
}

/* -i serves one connection someone else accepted: nothing to listen on. */
static int
check_inetd(const struct config *cfg)
{
	const char *clash = NULL;

	if (!cfg->inetd)
		return 0;
	if (cfg->nlisten > 0 || cfg->nproxy_listen > 0)
		clash = "-l/--proxy-listen";
	else if (cfg->daemon)
		clash = "-d";
	else if (cfg->pidfile)
		clash = "--pidfile";
	else if (cfg->prefork)
		clash = "--prefork";
	else if (cfg->reuseport)
		clash = "--reuseport";
	if (clash == NULL)
		return 0;
	log_warnx("-i (inetd) cannot be combined with %s", clash);
	return -1;
}

/* A relative path of plain segments: "index.html", "app/shell.html". */
static bool
fallback_valid(const char *p)
{
	if (*p == '\0' || *p == '/')
		return false;
	for (; *p != '\0'; p += strcspn(p, "/"), p += *p == '/') {
		if (*p == '.' || *p == '/')
			return false;	/* ".", "..", a dotfile, "//" */
	}
	return p[-1] != '/';
}

/* The options of issue 14's response features. */
static int
apply_feature_option(struct config *cfg, int ch, const char *arg)
{
	const char *why;
	long v;

	switch (ch) {
	case OPT_HEADER:
		if (headers_check(arg, &why) == -1) {
			log_warnx("invalid --header '%s': %s", arg, why);
			return -1;
		}
		if (cfg->nheaders == MAX_EXTRA_HEADERS)
			return bad("--header (too many)", arg);
		cfg->headers[cfg->nheaders++] = arg;
		break;
	case OPT_CORS: cfg->cors = true; break;
	case OPT_NO_SYMLINKS: cfg->no_symlinks = true; break;
	case OPT_FALLBACK:
		if (!fallback_valid(arg))
			return bad("--fallback (a file beneath the root: "
			    "no leading /, no . or .. segment)", arg);
		cfg->fallback = arg;
		break;
	case OPT_MIME_TYPES:
		if (mime_load(arg) == -1)
			return -1;
		break;
	case OPT_DEFAULT_TYPE:
		if (mime_set_default(arg) == -1)
			return bad("--default-type (want type/subtype)", arg);
		break;
	case OPT_MAX_AGE:
		if (number_parse(arg, 0, 315360000, &v) == -1)
			return bad("max age", arg);
		cfg->max_age = v;
		break;
	default: return -1;
	}
	return 0;
}

/* -l or --proxy-listen: one more address of at most MAX_LISTEN. */
static int
add_address(const char **list, size_t *n, const char *option, const char *arg)
{
	if (*n == MAX_LISTEN) {
		log_warnx("invalid %s (too many addresses): '%s'", option, arg);
		return -1;
	}
	if (!listen_address_valid(arg))
		return bad("listen address", arg);
	list[(*n)++] = arg;
	return 0;
}

static int
apply_option(struct config *cfg, int ch, const char *arg)
{
	long v;

	switch (ch) {
	case 'p':
		if (number_parse(arg, 0, 65535, &v) == -1)
			return bad("port", arg);
		cfg->port = arg;
		break;
	case 'l':
		return add_address(cfg->listen, &cfg->nlisten, "-l", arg);
	case 'i': cfg->inetd = true; break;
	case OPT_PROXY_PROTOCOL: cfg->proxy_protocol = true; break;
	case OPT_PROXY_LISTEN:
		return add_address(cfg->proxy_listen, &cfg->nproxy_listen,
		    "--proxy-listen", arg);
	case 'r': cfg->root = arg; break;
	case 'c':
		if (number_parse(arg, 1, 1000000, &v) == -1)
			return bad("max children", arg);
		cfg->max_children = (unsigned)v;
		break;
	case 't':
		if (number_parse(arg, 1, 86400, &v) == -1)
			return bad("timeout", arg);
		cfg->timeout_sec = (unsigned)v;
		break;
	case 'L': cfg->access_log = arg; break;
	case 'q': cfg->quiet = true; break;
	case 'v': cfg->verbose = true; break;
	case 'u': cfg->user = arg; break;
	case 'd': cfg->daemon = true; break;
	case OPT_CHROOT: cfg->chroot = true; break;
	case OPT_PIDFILE: cfg->pidfile = arg; break;
	case OPT_NO_LISTING: cfg->listing = false; break;
	case OPT_NO_PEER: cfg->peer = false; break;
	case OPT_REUSEPORT: cfg->reuseport = true; break;
	case OPT_MAX_CONNS:
		if (number_parse(arg, 1, 1000000, &v) == -1)
			return bad("max conns", arg);
		cfg->max_conns = (unsigned)v;
		break;
	case OPT_PREFORK:
		if (number_parse(arg, 1, 100000, &v) == -1)
			return bad("prefork", arg);
		cfg->prefork = (unsigned)v;
		break;
	default: return apply_feature_option(cfg, ch, arg);
	}
	return 0;
}

enum options_result
sockwebd_options_parse(struct config *cfg, int argc, char **argv)
{
	int ch;

	config_defaults(cfg);
	opterr = 1;
	while ((ch = getopt_long(argc, argv, "p:l:r:c:t:L:qu:dihVv", long_options,
	    NULL)) != -1) {
		if (ch == 'h') {
			options_usage(stdout);
			return OPTIONS_EXIT_OK;
		}
		if (ch == 'V') {
			printf("sockwebd (sockweb) %s\n", SOCKWEB_VERSION);
			return OPTIONS_EXIT_OK;
		}
		if (ch == '?' || apply_option(cfg, ch, optarg) == -1)
			return OPTIONS_USAGE;
	}
	if (optind < argc) {
		log_warnx("unexpected argument: '%s'", argv[optind]);
		return OPTIONS_USAGE;
	}
	if (check_inetd(cfg) == -1)
		return OPTIONS_USAGE;
	file_set_symlinks(!cfg->no_symlinks);
	if (headers_setup(cfg) == -1) {
		log_warnx("invalid --header: more than 4096 bytes in all");
		return OPTIONS_USAGE;
	}
	return OPTIONS_RUN;
}
