/*
 * target.c: what one URL of the command line becomes before and between
 * its connections: the exit code of a URL that cannot be fetched, the
 * output file (-o, -O) and resume offset (-C), the credentials -L may
 * send (curl's rules), the next URL of a redirect, and the -w line.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sockget.h"

int
target_url_error(enum url_status s, const char *text, const struct url *u)
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

/* -o FILE, or -O's name from the URL; NULL for stdout (rc SG_OK). */
char *
target_outfile(const struct options_target *t, const struct url *u, int *rc)
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

/* The byte to resume at: -C N, or the size of the -o file with -C -. */
long long
target_resume_offset(const struct options *o, const char *path)
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

/*
 * Credentials and -H Host, by curl's rules for -L: -u and the first
 * URL's user:pass@ go only to the first URL's origin (or anywhere with
 * --location-trusted); a Location that names its own user:pass@ gets them.
 */
void
target_credentials(const struct job *j, const struct url *first,
    const struct url *u, struct fetch_request *rq)
{
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

/* -L: u becomes the Location target. Returns SG_OK or an exit code. */
int
target_redirect(const struct options *o, struct url *u, struct fetch_stats *st)
{
	char *loc = url_encode_location(st->location);
	char *next = loc != NULL ? url_resolve_ref(u, loc) : NULL;
	struct url nu;
	enum url_status us;

	free(loc);
	if (o->max_redirs >= 0 && st->num_redirects >= o->max_redirs) {
		free(next);
		output_error(SG_TOO_MANY_REDIRECTS, "Maximum (%ld) redirects followed",
		    o->max_redirs);
		return SG_TOO_MANY_REDIRECTS;
	}
	if (next == NULL)
		return SG_OUT_OF_MEMORY;
	output_trace("Issue another request to this URL: '%s'", next);
	us = url_parse(next, &nu);
	if (us != URL_OK) {
		us = target_url_error(us, next, &nu);
		free(next);
		return us;
	}
	free(next);
	url_free(u);
	*u = nu;
	st->num_redirects++;
	free(st->location);
	st->location = NULL;
	st->size_download = 0;
	return SG_OK;
}

/* -w for a finished transfer (url as effective), then its strings go. */
void
target_finish(const struct options *o, const char *url, struct fetch_stats *st,
    int rc)
{
	st->t_total_us = io_now_us() - st->t_start_us;
	st->exitcode = rc;
	st->url_effective = strdup(url);
	if (o->writeout != NULL)
		writeout_print(stdout, o->writeout, st);
	free(st->url_effective);
	free(st->location);
	free(st->content_type);
	st->url_effective = st->location = st->content_type = NULL;
}
