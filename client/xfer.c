/*
 * xfer.c: one URL of the command line as a state machine that never
 * blocks, so that the event loop in run.c can drive one transfer at a
 * time or fifty at once (-Z) the same way:
 *
 *   RESOLVE  its name's lookup (started with all the others) finishes
 *   CONNECT  happy-eyeballs race of non-blocking connects (connect.c)
 *   SEND     the request, as much as the socket takes each time
 *   RECV     the response, each read fed to http-parser (fetch.c) and
 *            the body written to the output as it arrives
 *   DONE     released; -L goes back to RESOLVE for the Location
 *
 * Its clocks start when it starts: -m for the whole transfer,
 * --connect-timeout anew for each connection (lookup included).
 */
#include "config.h"

#include <ares.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockget.h"

static long long
xfer_deadline(long long start, long long ms)
{
	return ms > 0 ? start + ms * 1000 : 0;
}

static long long
xfer_min(long long a, long long b)
{
	if (a == 0)
		return b;
	return b == 0 || a < b ? a : b;
}

/* Parses the URL and starts its lookup: all of them before any connect. */
void
xfer_init(struct xfer *x, struct job *j, size_t index)
{
	memset(x, 0, sizeof(*x));
	x->job = j;
	x->t = &j->opt->targets[index];
	x->fd = -1;
	x->ustatus = url_parse(x->t->url, &x->url);
	if (x->ustatus == URL_OK)
		resolve_start(&j->res, x->url.host, x->url.port);
}

/* Connection release: no more requests (FIN), then the descriptor goes. */
static void
xfer_release(struct xfer *x)
{
	fetch_free(x->f);
	x->f = NULL;
	if (x->fd < 0)
		return;
	/* the state just before our FIN says whose FIN was first */
	int before = log_verbose() ? tcpinfo_state(x->fd) : -1;

	if (shutdown(x->fd, SHUT_WR) < 0 && errno != ENOTCONN)
		output_trace("shutdown(%d, SHUT_WR): %s", x->fd, strerror(errno));
	else
		output_trace("shutdown(%d, SHUT_WR): no more requests", x->fd);
	if (log_verbose()) {
		char local[ADDR_STRLEN];

		addr_format((const struct sockaddr *)&x->cr.local, local, sizeof(local));
		tcpinfo_trace_release(x->fd, before, local);
	}
	output_trace("close(%d)", x->fd);
	if (close(x->fd) < 0)
		output_trace("close: %s", strerror(errno));
	x->fd = -1;
}

/*
 * A complete response with no body still leaves its -o file, empty (an
 * old one is truncated); one that cannot be created is exit 23 (curl).
 */
static int
xfer_output_done(struct xfer *x, int rc)
{
	if (rc == SG_OK && x->path != NULL && !x->out.opened && output_open(&x->out) < 0)
		rc = SG_WRITE_ERROR;
	if (output_close(&x->out) < 0 && (rc == SG_OK || rc == SG_WRITE_ERROR))
		rc = SG_WRITE_ERROR;
	return rc;
}

static void
xfer_finish(struct xfer *x, int rc)
{
	char *eff;

	xfer_release(x);
	connect_end(&x->cs);
	if (x->started_output)
		rc = xfer_output_done(x, rc);
	eff = x->ustatus == URL_OK ? url_format(&x->url) : NULL;
	target_finish(x->job->opt, eff != NULL ? eff : x->t->url, &x->st, rc);
	free(eff);
	x->rc = rc;
	x->state = XF_DONE;
}

/* A new connection: resolve (maybe done already), connect, exchange. */
static void
xfer_begin_exchange(struct xfer *x)
{
	x->conn_start_us = io_now_us();
	x->conn_deadline_us = xfer_min(x->deadline_us,
	    xfer_deadline(x->conn_start_us, x->job->opt->connect_timeout_ms));
	resolve_start(&x->job->res, x->url.host, x->url.port);
	x->state = XF_RESOLVE;
}

/* Its clocks start now (it may be over at once: a bad URL). */
void
xfer_start(struct xfer *x)
{
	const struct options *o = x->job->opt;
	int rc;

	x->st.t_start_us = io_now_us();
	x->deadline_us = xfer_deadline(x->st.t_start_us, o->max_time_ms);
	if (x->ustatus != URL_OK) {
		xfer_finish(x, target_url_error(x->ustatus, x->t->url, &x->url));
		return;	/* -w "000 3", as curl */
	}
	if ((x->path = target_outfile(x->t, &x->url, &rc)) == NULL && rc != SG_OK) {
		xfer_finish(x, rc);
		return;
	}
	if (url_parse(x->t->url, &x->first) != URL_OK) {
		xfer_finish(x, SG_OUT_OF_MEMORY);
		return;
	}
	x->range_from = target_resume_offset(o, x->path);
	output_init(&x->out, x->path, x->range_from > 0);
	x->out.progress = !o->parallel && output_want_progress(&x->out, o->silent);
	x->started_output = true;
	xfer_begin_exchange(x);
}

static int
xfer_connect_error(struct xfer *x, int rc)
{
	const struct connect_result *cr = &x->cr;
	long long ms = (io_now_us() - x->conn_start_us) / 1000;

	if (rc == SG_OPERATION_TIMEDOUT && cr->error == ETIMEDOUT)
		output_error(rc, "Failed to connect to %s port %d after %lld ms: %s",
		    x->url.host, x->url.port, ms, strerror(cr->error));
	else if (rc == SG_OPERATION_TIMEDOUT)
		output_error(rc, "Connection timed out after %lld milliseconds", ms);
	else if (rc == SG_INTERFACE_FAILED)
		output_error(rc, "%s: %s", cr->what, strerror(cr->error));
	else if (rc == SG_COULDNT_CONNECT)
		output_error(rc, "Failed to connect to %s port %d: %s", x->url.host,
		    x->url.port, strerror(cr->error));
	return rc;
}

/* RESOLVE: on to CONNECT once this name is known. Returns an exit code or -1. */
static int
xfer_resolved(struct xfer *x)
{
	const struct options *o = x->job->opt;
	const struct resolve_host *h = resolve_find(&x->job->res, x->url.host,
	    x->url.port);

	if (h == NULL || !h->done) {
		if (x->conn_deadline_us == 0 || io_now_us() < x->conn_deadline_us)
			return -1;
		output_error(SG_OPERATION_TIMEDOUT,
		    "Resolving timed out after %lld milliseconds",
		    (io_now_us() - x->st.t_start_us) / 1000);
		return SG_OPERATION_TIMEDOUT;
	}
	if (h->status != ARES_SUCCESS || h->naddrs == 0) {
		output_error(SG_COULDNT_RESOLVE_HOST, "Could not resolve host: %s",
		    x->url.host);
		return SG_COULDNT_RESOLVE_HOST;
	}
	if (x->st.t_namelookup_us == 0)
		x->st.t_namelookup_us = h->done_us > x->st.t_start_us ? h->done_us :
		    x->st.t_start_us;
	if (connect_begin(&x->cs, h->addrs, h->naddrs, x->url.port, o->local_port_min,
	    o->local_port_max, &x->cr) != 0)
		return SG_OUT_OF_MEMORY;
	x->state = XF_CONNECT;
	return -1;
}

static void
xfer_note_ends(struct xfer *x)
{
	const struct sockaddr *l = (const struct sockaddr *)&x->cr.local;
	const struct sockaddr *r = (const struct sockaddr *)&x->cr.remote;
	struct fetch_stats *st = &x->st;

	st->t_connect_us = io_now_us();
	addr_format_ip(l, st->local_ip, sizeof(st->local_ip));
	addr_format_ip(r, st->remote_ip, sizeof(st->remote_ip));
	st->local_port = addr_port(l);
	st->remote_port = addr_port(r);
	output_trace("Connected to %s (%s) port %d", x->url.host, st->remote_ip,
	    x->url.port);
}

/* CONNECT: the race goes on, or the winner gets the request. */
static int
xfer_connecting(struct xfer *x, const struct pollfd *pfd, size_t n)
{
	const struct options *o = x->job->opt;
	struct fetch_request rq = { .url = &x->url, .opt = o, .head = o->head,
	    .follow_now = o->follow, .range_from = x->range_from,
	    .deadline_us = x->deadline_us };
	int rc = connect_step(&x->cs, pfd, n);

	if (rc < 0 && x->conn_deadline_us > 0 && io_now_us() >= x->conn_deadline_us)
		rc = SG_OPERATION_TIMEDOUT;
	if (rc < 0)
		return -1;
	connect_end(&x->cs);
	if (rc != SG_OK)
		return xfer_connect_error(x, rc);
	x->fd = x->cr.fd;
	xfer_note_ends(x);
	target_credentials(x->job, &x->first, &x->url, &rq);
	if ((x->f = fetch_new(&rq, &x->out, &x->st)) == NULL)
		return SG_OUT_OF_MEMORY;
	x->state = XF_SEND;
	return -1;
}

/* RECV finished with rc: follow a redirect, or the transfer is over. */
static int
xfer_exchanged(struct xfer *x, int rc)
{
	const struct options *o = x->job->opt;

	xfer_release(x);
	if (rc != SG_OK || !o->follow || !fetch_is_redirect(x->st.http_code) ||
	    x->st.location == NULL)
		return rc;
	if ((rc = target_redirect(o, &x->url, &x->st)) != SG_OK)
		return rc;
	xfer_begin_exchange(x);
	return -1;
}

/* One state's work; returns an exit code to finish, or -1. */
static int
xfer_advance(struct xfer *x, const struct pollfd *pfd, size_t n, bool *again)
{
	enum xfer_state before = x->state;
	int rc = -1;

	if (x->state == XF_RESOLVE)
		rc = xfer_resolved(x);
	else if (x->state == XF_CONNECT)
		rc = xfer_connecting(x, pfd, n);
	else if (x->state == XF_SEND) {	/* non-blocking: try at once */
		rc = fetch_send_some(x->f, x->fd);
		if (rc == SG_OK) {
			x->state = XF_RECV;
			rc = -1;
		}
	} else if (x->state == XF_RECV && n > 0 && pfd[0].revents != 0) {
		rc = fetch_recv_some(x->f, x->fd);
		if (rc >= 0)
			rc = xfer_exchanged(x, rc);
	}
	*again = rc < 0 && x->state != before;
	return rc;
}

/* -m passed while sending or receiving. */
static bool
xfer_out_of_time(struct xfer *x, int *rc)
{
	if (x->deadline_us == 0 || io_now_us() < x->deadline_us)
		return false;
	if (x->state == XF_SEND || x->state == XF_RECV)
		*rc = fetch_timed_out(x->f);
	else
		return false;	/* RESOLVE and CONNECT know their own deadline */
	return true;
}

/*
 * Moves the transfer on after poll(): pfd holds the n slots xfer_pollfds
 * gave it, with their revents (n is 0 when only time passed).
 */
void
xfer_step(struct xfer *x, const struct pollfd *pfd, size_t n)
{
	bool again = true;
	int rc = -1;

	if (x->state == XF_DONE || x->state == XF_WAIT)
		return;
	if (xfer_out_of_time(x, &rc)) {
		xfer_finish(x, rc);
		return;
	}
	while (again && rc < 0) {
		rc = xfer_advance(x, pfd, n, &again);
		n = 0;	/* the slots were for the state we were in */
	}
	if (rc >= 0)
		xfer_finish(x, rc);
}

/* How many poll() slots xfer_pollfds may fill. */
size_t
xfer_max_fds(const struct xfer *x)
{
	return x->state == XF_CONNECT ? x->cs.n : 1;
}

size_t
xfer_pollfds(const struct xfer *x, struct pollfd *pfd)
{
	if (x->state == XF_CONNECT)
		return connect_pollfds(&x->cs, pfd);
	if (x->state != XF_SEND && x->state != XF_RECV)
		return 0;
	pfd[0].fd = x->fd;
	pfd[0].events = x->state == XF_SEND ? POLLOUT : POLLIN;
	pfd[0].revents = 0;
	return 1;
}

/* The next moment a timer of this transfer fires (0: none). */
long long
xfer_next_us(const struct xfer *x)
{
	long long t = x->deadline_us;

	if (x->state == XF_RESOLVE || x->state == XF_CONNECT)
		t = xfer_min(t, x->conn_deadline_us);
	if (x->state == XF_CONNECT)
		t = xfer_min(t, connect_next_us(&x->cs));
	return t;
}

void
xfer_free(struct xfer *x)
{
	xfer_release(x);
	connect_end(&x->cs);
	url_free(&x->url);
	url_free(&x->first);
	free(x->path);
}
