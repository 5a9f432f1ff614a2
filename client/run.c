/*
 * run.c: the whole job in one event loop. Every URL is parsed and every
 * host name handed to the one c-ares channel first, so the DNS round
 * trips overlap; then transfers start in command-line order, one at a
 * time (each when the one before is done), or with -Z up to
 * --parallel-max at once. One poll() waits for the resolver's UDP
 * sockets and every transfer's non-blocking sockets together; each
 * transfer (xfer.c) moves on when its own descriptors or timers say so.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "sockget.h"

#define RUN_PROGRESS_US 200000	/* -Z's progress line, redrawn this often */

struct run_loop {
	struct job	 job;
	struct xfer	*x;
	size_t		 n, next, active, max_active, done;
	struct pollfd	*pfd;
	size_t		 cap;
	size_t		*slot, *nslots;	/* each transfer's part of pfd */
	int		 last;		/* exit code of the last failure */
	struct output_summary sum;
};

/* -u "user:pass": the password is what follows the first colon. */
static int
run_split_userpwd(struct job *j, const char *s)
{
	const char *colon = strchr(s, ':');

	j->user = colon != NULL ? strndup(s, (size_t)(colon - s)) : strdup(s);
	if (colon != NULL)
		j->password = strdup(colon + 1);
	return j->user == NULL || (colon != NULL && j->password == NULL) ? -1 : 0;
}

/* Resolver, pins, credentials, then every URL parsed and its lookup started. */
static int
run_prepare(struct run_loop *l, struct options *o)
{
	int rc;

	l->job.opt = o;
	if ((rc = resolve_init(&l->job.res, o->family, o->dns_servers)) != 0)
		return rc;
	for (size_t i = 0; i < o->npins; i++)
		if (resolve_add_pin(&l->job.res, o->pins[i]) < 0) {
			output_error(SG_SETOPT_OPTION_SYNTAX,
			    "Couldn't parse --resolve entry '%s'", o->pins[i]);
			return SG_SETOPT_OPTION_SYNTAX;
		}
	if (o->userpwd != NULL && run_split_userpwd(&l->job, o->userpwd) < 0)
		return SG_OUT_OF_MEMORY;
	l->n = o->ntargets;
	l->max_active = o->parallel ? (size_t)o->parallel_max : 1;
	l->x = calloc(l->n, sizeof(*l->x));
	l->slot = calloc(l->n, sizeof(*l->slot));
	l->nslots = calloc(l->n, sizeof(*l->nslots));
	if (l->x == NULL || l->slot == NULL || l->nslots == NULL)
		return SG_OUT_OF_MEMORY;
	for (size_t i = 0; i < l->n; i++)
		xfer_init(&l->x[i], &l->job, i);
	l->sum.total = l->n;
	l->sum.started_us = io_now_us();
	l->sum.draw = o->parallel && output_want_summary(o->silent);
	return SG_OK;
}

static void
run_note_done(struct run_loop *l, struct xfer *x)
{
	l->done++;
	if (x->rc != SG_OK)
		l->last = x->rc;
}

/* Starts transfers in order while fewer than max_active run. */
static void
run_start_more(struct run_loop *l)
{
	while (l->active < l->max_active && l->next < l->n) {
		struct xfer *x = &l->x[l->next++];

		xfer_start(x);
		xfer_step(x, NULL, 0);	/* an IP literal connects at once */
		if (x->state == XF_DONE)
			run_note_done(l, x);
		else
			l->active++;
	}
}

/* Room for the resolver's sockets and every running transfer's. */
static int
run_reserve(struct run_loop *l)
{
	size_t need = RESOLVE_MAXFDS;
	struct pollfd *p;

	for (size_t i = 0; i < l->next; i++)
		if (l->x[i].state != XF_DONE)
			need += xfer_max_fds(&l->x[i]);
	if (need <= l->cap)
		return 0;
	if ((p = realloc(l->pfd, need * sizeof(*p))) == NULL)
		return -1;
	l->pfd = p;
	l->cap = need;
	return 0;
}

/* The poll() wait: the nearest timer of c-ares, a transfer or the bar. */
static int
run_wait_ms(struct run_loop *l)
{
	long long now = io_now_us(), t;
	int ms = resolve_limit_ms(&l->job.res, resolve_timeout_ms(&l->job.res, 1000));

	if (l->sum.draw && ms > RUN_PROGRESS_US / 1000)
		ms = RUN_PROGRESS_US / 1000;
	for (size_t i = 0; i < l->next; i++) {
		if (l->x[i].state == XF_DONE || (t = xfer_next_us(&l->x[i])) == 0)
			continue;
		t = t <= now ? 0 : (t - now + 999) / 1000;
		if (t < ms)
			ms = (int)t;
	}
	return ms;
}

/* One round: poll everything, then let the resolver and each transfer act. */
static int
run_round(struct run_loop *l)
{
	size_t np, nres;

	if (run_reserve(l) < 0)
		return SG_OUT_OF_MEMORY;
	np = nres = (size_t)resolve_pollfds(&l->job.res, l->pfd);
	for (size_t i = 0; i < l->next; i++) {
		l->slot[i] = np;
		l->nslots[i] = l->x[i].state == XF_DONE ? 0 : xfer_pollfds(&l->x[i], l->pfd + np);
		np += l->nslots[i];
	}
	if (poll(l->pfd, (nfds_t)np, run_wait_ms(l)) < 0 && errno != EINTR) {
		log_warn("poll");
		return SG_RECV_ERROR;
	}
	resolve_process(&l->job.res, l->pfd, (int)nres);
	for (size_t i = 0; i < l->next; i++) {
		struct xfer *x = &l->x[i];

		if (x->state == XF_DONE)
			continue;
		xfer_step(x, l->pfd + l->slot[i], l->nslots[i]);
		if (x->state == XF_DONE) {
			run_note_done(l, x);
			l->active--;
		}
	}
	return SG_OK;
}

/* -Z's one line: transfers done, running, bytes so far. */
static void
run_summary(struct run_loop *l, bool final)
{
	if (!l->sum.draw)
		return;
	l->sum.done = l->done;
	l->sum.live = l->active;
	l->sum.received = 0;
	for (size_t i = 0; i < l->next; i++)
		l->sum.received += l->x[i].out.written;
	output_summary(&l->sum, final);
}

/* URLs in order; a failed one does not stop the rest (as curl). */
int
run(struct options *o)
{
	struct run_loop l;
	int rc;

	memset(&l, 0, sizeof(l));
	log_set_verbose(o->verbose);
	output_set_quiet(o->silent && !o->show_error);
	rc = run_prepare(&l, o);
	while (rc == SG_OK && (run_start_more(&l), l.active > 0)) {
		rc = run_round(&l);
		run_summary(&l, false);
	}
	run_summary(&l, true);
	if (rc == SG_OK)
		rc = l.last;
	for (size_t i = 0; l.x != NULL && i < l.n; i++)
		xfer_free(&l.x[i]);
	free(l.x);
	free(l.pfd);
	free(l.slot);
	free(l.nslots);
	free(l.job.user);
	if (l.job.password != NULL)
		explicit_bzero(l.job.password, strlen(l.job.password));
	free(l.job.password);
	resolve_free(&l.job.res);
	return rc;
}
