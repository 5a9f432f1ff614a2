/*
 * run.c: the whole job. Every URL is parsed and every host name handed to
 * the resolver before the first connection, so the DNS round trips
 * overlap; then each URL is fetched in order: connect, exchange, release,
 * follow a redirect if -L, and print -w.
 */
#include "config.h"

#include <sys/stat.h>
#include <ares.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sockget.h"

struct run_job {
	struct options	*opt;
	struct resolver	 res;
	struct url	*urls;
	enum url_status	*ustatus;
	long long	 t0_us;
	char		*user, *password;	/* -u USER[:PASSWORD] split */
};

/* What -L may send where: decided against the URL of the command line. */
struct run_origin {
	const struct url *first;
};

static long long
run_min_deadline(long long a, long long b)
{
	if (a == 0)
		return b;
	return b == 0 || a < b ? a : b;
}

static long long
run_deadline(long long start, long long ms)
{
	return ms > 0 ? start + ms * 1000 : 0;
}

/* Connection release: no more requests (FIN), then the descriptor goes. */
static void
run_release(int fd)
{
	output_trace("shutdown(%d, SHUT_WR): no more requests", fd);
	if (shutdown(fd, SHUT_WR) < 0 && errno != ENOTCONN)
		output_trace("shutdown: %s", strerror(errno));
	output_trace("close(%d)", fd);
	if (close(fd) < 0)
		output_trace("close: %s", strerror(errno));
}

static int
run_url_error(enum url_status s, const char *text, const struct url *u)
{
	if (s == URL_UNSUPPORTED) {
		output_error(SG_UNSUPPORTED_PROTOCOL, "Protocol \"%s\" not supported",
		    u->scheme);
		return SG_UNSUPPORTED_PROTOCOL;
	}
	if (s == URL_NOMEM)
		return SG_OUT_OF_MEMORY;
	if (s == URL_BAD_IDN) {
		output_error(SG_URL_MALFORMAT, "Failed to convert the host of %s to ACE; %s",
		    text, u->idn_error != NULL ? u->idn_error : "not an IDN");
		return SG_URL_MALFORMAT;
	}
	output_error(SG_URL_MALFORMAT, "URL using bad/illegal format or missing URL: %s",
	    text);
	return SG_URL_MALFORMAT;
}

/*
 * The addresses of u's host, or an exit code after the message. Only
 * this lookup is waited for, against this transfer's own clocks; the
 * lookups of the other URLs go on meanwhile.
 */
static int
run_lookup(struct run_job *j, const struct url *u, struct fetch_stats *st,
    long long deadline, const struct resolve_host **hp)
{
	const struct resolve_host *h;

	resolve_start(&j->res, u->host, u->port);
	if (resolve_wait_for(&j->res, u->host, u->port, deadline) != SG_OK ||
	    (h = resolve_find(&j->res, u->host, u->port)) == NULL || !h->done) {
		output_error(SG_OPERATION_TIMEDOUT,
		    "Resolving timed out after %lld milliseconds",
		    (io_now_us() - st->t_start_us) / 1000);
		return SG_OPERATION_TIMEDOUT;
	}
	if (h->status != ARES_SUCCESS || h->naddrs == 0) {
		output_error(SG_COULDNT_RESOLVE_HOST, "Could not resolve host: %s", u->host);
		return SG_COULDNT_RESOLVE_HOST;
	}
	st->t_namelookup_us = h->done_us > st->t_start_us ? h->done_us : st->t_start_us;
	*hp = h;
	return SG_OK;
}

static int
run_connect_error(int rc, const struct url *u, const struct connect_result *cr,
    long long since_us)
{
	if (rc == SG_OPERATION_TIMEDOUT && cr->error == ETIMEDOUT)
		output_error(rc, "Failed to connect to %s port %d after %lld ms: %s",
		    u->host, u->port, (io_now_us() - since_us) / 1000, strerror(cr->error));
	else if (rc == SG_OPERATION_TIMEDOUT)
		output_error(rc, "Connection timed out after %lld milliseconds",
		    (io_now_us() - since_us) / 1000);
	else if (rc == SG_INTERFACE_FAILED)
		output_error(rc, "%s: %s", cr->what, strerror(cr->error));
	else if (rc == SG_COULDNT_CONNECT)
		output_error(rc, "Failed to connect to %s port %d: %s", u->host, u->port,
		    strerror(cr->error));
	return rc;
}

static void
run_note_ends(struct fetch_stats *st, const struct connect_result *cr)
{
	const struct sockaddr *l = (const struct sockaddr *)&cr->local;
	const struct sockaddr *r = (const struct sockaddr *)&cr->remote;

	st->t_connect_us = io_now_us();
	addr_format_ip(l, st->local_ip, sizeof(st->local_ip));
	addr_format_ip(r, st->remote_ip, sizeof(st->remote_ip));
	st->local_port = addr_port(l);
	st->remote_port = addr_port(r);
}

/*
 * Credentials and -H Host, by curl's rules for -L: -u and the first
 * URL's user:pass@ go only to the first URL's origin (or anywhere with
 * --location-trusted); a Location that names its own user:pass@ gets them.
 */
static void
run_credentials(const struct run_job *j, const struct run_origin *org,
    const struct url *u, struct fetch_request *rq)
{
	const struct url *first = org->first;
	bool same = url_same_origin(first, u);

	rq->send_credentials = j->opt->location_trusted || same;
	rq->custom_host_ok = strcasecmp(first->host, u->host) == 0;
	if (j->user != NULL && rq->send_credentials) {
		rq->user = j->user;
		rq->password = j->password;
	} else if (j->user == NULL && u->user != NULL) {
		rq->user = u->user;	/* the first URL's, or the Location's own */
		rq->password = u->password;
	} else if (j->user == NULL && rq->send_credentials) {
		rq->user = first->user;
		rq->password = first->password;
	}
}

/*
 * Resolve, connect, exchange, release: one response. --connect-timeout
 * counts for each connection from its own start (lookup included), -m
 * for the whole transfer.
 */
static int
run_exchange(struct run_job *j, const struct run_origin *org, const struct url *u,
    struct output *out, struct fetch_stats *st, long long range_from)
{
	const struct options *o = j->opt;
	const struct resolve_host *h = NULL;
	struct connect_result cr;
	long long t0 = io_now_us();
	long long deadline = run_deadline(st->t_start_us, o->max_time_ms);
	long long cdeadline = run_min_deadline(deadline,
	    run_deadline(t0, o->connect_timeout_ms));
	struct fetch_request rq = { .url = u, .opt = o, .head = o->head,
	    .follow_now = o->follow, .range_from = range_from, .deadline_us = deadline };
	int rc;

	run_credentials(j, org, u, &rq);
	if ((rc = run_lookup(j, u, st, cdeadline, &h)) != SG_OK)
		return rc;
	rc = connect_happy(h->addrs, h->naddrs, u->port, o->local_port_min,
	    o->local_port_max, cdeadline, &cr);
	if (rc != SG_OK)
		return run_connect_error(rc, u, &cr, t0);
	run_note_ends(st, &cr);
	output_trace("Connected to %s (%s) port %d", u->host, st->remote_ip, u->port);
	rc = fetch_one(cr.fd, &rq, out, st);
	run_release(cr.fd);
	return rc;
}

/* -L: u becomes the Location target. Returns SG_OK or an exit code. */
static int
run_redirect(struct run_job *j, struct url *u, struct fetch_stats *st)
{
	char *loc = url_encode_location(st->location);
	char *next = loc != NULL ? url_resolve_ref(u, loc) : NULL;
	struct url nu;
	enum url_status us;

	if (j->opt->max_redirs >= 0 && st->num_redirects >= j->opt->max_redirs) {
		free(next);
		output_error(SG_TOO_MANY_REDIRECTS, "Maximum (%ld) redirects followed",
		    j->opt->max_redirs);
		return SG_TOO_MANY_REDIRECTS;
	}
	free(loc);
	if (next == NULL)
		return SG_OUT_OF_MEMORY;
	output_trace("Issue another request to this URL: '%s'", next);
	us = url_parse(next, &nu);
	if (us != URL_OK) {
		us = run_url_error(us, next, &nu);
		free(next);
		return us;
	}
	free(next);
	url_free(u);
	*u = nu;
	st->num_redirects++;
	return SG_OK;
}

/* The byte to resume at: -C N, or the size of the -o file with -C -. */
static long long
run_resume_offset(const struct options *o, const char *path)
{
	struct stat sb;

	if (o->resume_from >= 0)
		return o->resume_from;
	if (!o->resume_auto || path == NULL || strcmp(path, "-") == 0)
		return 0;
	if (stat(path, &sb) < 0) {
		if (errno != ENOENT)
			output_trace("stat %s: %s", path, strerror(errno));
		return 0;
	}
	return (long long)sb.st_size;
}

/* Requests u until the response is not a redirect to follow. */
static int
run_follow(struct run_job *j, const struct run_origin *org, struct url *u,
    struct output *out, struct fetch_stats *st, long long range_from)
{
	int rc;

	for (;;) {
		rc = run_exchange(j, org, u, out, st, range_from);
		if (rc != SG_OK || !j->opt->follow || !fetch_is_redirect(st->http_code) ||
		    st->location == NULL)
			return rc;
		if ((rc = run_redirect(j, u, st)) != SG_OK)
			return rc;
		free(st->location);
		st->location = NULL;
		st->size_download = 0;
	}
}

static char *
run_outfile(const struct options_target *t, const struct url *u, int *rc)
{
	char *name;

	*rc = SG_OK;
	if (!t->remote_name)
		return t->outfile != NULL ? strdup(t->outfile) : NULL;
	if ((name = url_remote_name(u)) == NULL) {
		output_error(SG_WRITE_ERROR, "Remote file name has no length!");
		*rc = SG_WRITE_ERROR;
	}
	return name;
}

static void
run_finish(struct run_job *j, const char *url, struct fetch_stats *st, int rc)
{
	st->t_total_us = io_now_us() - st->t_start_us;
	st->exitcode = rc;
	st->url_effective = strdup(url);
	if (j->opt->writeout != NULL)
		writeout_print(stdout, j->opt->writeout, st);
	free(st->url_effective);
	free(st->location);
	free(st->content_type);
}

/*
 * A complete response with no body still leaves its -o file, empty (an
 * old one is truncated); one that cannot be created is exit 23 (curl).
 */
static int
run_output_done(struct output *out, const char *path, int rc)
{
	if (rc == SG_OK && path != NULL && !out->opened && output_open(out) < 0)
		rc = SG_WRITE_ERROR;
	if (output_close(out) < 0 && (rc == SG_OK || rc == SG_WRITE_ERROR))
		rc = SG_WRITE_ERROR;
	return rc;
}

/* One URL of the command line, i-th; returns its exit code. */
static int
run_target(struct run_job *j, size_t i)
{
	const struct options_target *t = &j->opt->targets[i];
	struct fetch_stats st = { .t_start_us = io_now_us() };
	struct output out;
	struct url *u = &j->urls[i], first;
	struct run_origin org = { .first = &first };
	char *path, *eff;
	long long from;
	int rc;

	if (j->ustatus[i] != URL_OK) {
		rc = run_url_error(j->ustatus[i], t->url, u);
		run_finish(j, t->url, &st, rc);	/* -w "000 3", as curl */
		return rc;
	}
	if ((path = run_outfile(t, u, &rc)) == NULL && rc != SG_OK)
		return rc;
	if (url_parse(t->url, &first) != URL_OK) {
		free(path);
		return SG_OUT_OF_MEMORY;
	}
	from = run_resume_offset(j->opt, path);
	output_init(&out, path, from > 0);
	out.progress = output_want_progress(&out, j->opt->silent);
	rc = run_follow(j, &org, u, &out, &st, from);
	rc = run_output_done(&out, path, rc);
	eff = url_format(u);
	run_finish(j, eff != NULL ? eff : t->url, &st, rc);
	free(eff);
	url_free(&first);
	free(path);
	return rc;
}

/* -u "user:pass": the password is what follows the first colon. */
static int
run_split_userpwd(struct run_job *j, const char *s)
{
	const char *colon = strchr(s, ':');

	j->user = colon != NULL ? strndup(s, (size_t)(colon - s)) : strdup(s);
	if (colon != NULL)
		j->password = strdup(colon + 1);
	return j->user == NULL || (colon != NULL && j->password == NULL) ? -1 : 0;
}

/* Parses every URL and starts every lookup before the first connect. */
static int
run_prepare(struct run_job *j)
{
	struct options *o = j->opt;
	int rc;

	if ((rc = resolve_init(&j->res, o->family, o->dns_servers)) != 0)
		return rc;
	for (size_t i = 0; i < o->npins; i++)
		if (resolve_add_pin(&j->res, o->pins[i]) < 0) {
			output_error(SG_SETOPT_OPTION_SYNTAX,
			    "Couldn't parse --resolve entry '%s'", o->pins[i]);
			return SG_SETOPT_OPTION_SYNTAX;
		}
	if (o->userpwd != NULL && run_split_userpwd(j, o->userpwd) < 0)
		return SG_OUT_OF_MEMORY;
	j->urls = calloc(o->ntargets, sizeof(*j->urls));
	j->ustatus = calloc(o->ntargets, sizeof(*j->ustatus));
	if (j->urls == NULL || j->ustatus == NULL)
		return SG_OUT_OF_MEMORY;
	for (size_t i = 0; i < o->ntargets; i++) {
		j->ustatus[i] = url_parse(o->targets[i].url, &j->urls[i]);
		if (j->ustatus[i] == URL_OK)
			resolve_start(&j->res, j->urls[i].host, j->urls[i].port);
	}
	return SG_OK;
}

/* URLs in order; a failed one does not stop the rest (as curl). */
int
run(struct options *o)
{
	struct run_job j = { .opt = o, .t0_us = io_now_us() };
	int rc, last = SG_OK;

	log_set_verbose(o->verbose);
	output_set_quiet(o->silent && !o->show_error);
	rc = run_prepare(&j);
	for (size_t i = 0; rc == SG_OK && i < o->ntargets; i++)
		if ((rc = run_target(&j, i)) != SG_OK) {
			last = rc;
			rc = SG_OK;
		}
	if (rc != SG_OK)
		last = rc;
	for (size_t i = 0; j.urls != NULL && i < o->ntargets; i++)
		url_free(&j.urls[i]);
	free(j.urls);
	free(j.ustatus);
	free(j.user);
	if (j.password != NULL)
		explicit_bzero(j.password, strlen(j.password));
	free(j.password);
	resolve_free(&j.res);
	return last;
}
