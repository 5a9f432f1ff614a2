/*
 * handler.c: decide the response to one parsed request. Every path ends in
 * a struct response (status, headers, body from a file or memory); nothing
 * here writes to the socket, so the decisions read top to bottom:
 *   parse error -> its status; target -> safe path (path.c) or 4xx;
 *   /_peer -> JSON; open beneath the root (file.c) or 403/404;
 *   directory -> 301 to "dir/", index.html, listing or 403;
 *   file -> 412/304 (precond.c), 206/416 (Range) or 200.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sockwebd.h"

static void
error_response(struct conn *c, const struct request *req,
    struct response *resp, struct file *f, int status)
{
	struct file page;

	response_error_page(resp, status, &c->body);
	/* The site's own 404 page, as nginx's error_page, when it has one. */
	if (status == 404 &&
	    file_open(c->srv->root_fd, "404.html", &page) == 0) {
		if (!page.is_dir) {
			*f = page;
			resp->file_fd = f->fd;
			resp->length = resp->total = f->st.st_size;
		} else
			file_close(&page);
	}
	if (status == 405 && c->srv->cfg->cors)
		resp->allow = "GET, HEAD, OPTIONS";
	resp->head = req->method == HTTP_HEAD;
	resp->retry_after = status == 503 ? 1 : 0;	/* out of descriptors */
}

static void
memory_response(struct response *resp, const struct buf *body,
    const char *type)
{
	response_init(resp, 200);
	resp->body = body->data;
	resp->length = resp->total = (off_t)body->len;
	resp->content_type = type;
}

/*
 * A query as it may stand in a URI (RFC 3986 3.4): pchar / "/" / "?"
 * pass, a valid %XX escape passes, every other byte (controls, space,
 * 8-bit, a stray '%') is percent-encoded, so a Location is always a valid
 * URI-reference whatever the client sent.
 */
static void
buf_query_escape(struct buf *b, const char *q)
{
	static const char allowed[] = "-._~!$&'()*+,;=:@/?";
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)q;
	char esc[3] = { '%' };

	for (; *p != '\0'; p++) {
		if ((*p < 0x80 && (isalnum(*p) || strchr(allowed, *p))) ||
		    (*p == '%' && isxdigit(p[1]) && isxdigit(p[2]))) {
			buf_append(b, p, 1);
			continue;
		}
		esc[1] = hex[*p >> 4];
		esc[2] = hex[*p & 15];
		buf_append(b, esc, 3);
	}
}

/* "/dir" -> 301 "/dir/", keeping the query (RFC 9110 15.4.2). */
static void
redirect_to_slash(struct conn *c, const struct request *req,
    struct response *resp, struct file *f, const struct target *t)
{
	error_response(c, req, resp, f, 301);
	buf_reset(&c->location);
	buf_puts(&c->location, "/");
	buf_url_escape(&c->location, t->path, strlen(t->path));
	buf_puts(&c->location, "/");
	if (t->query) {
		buf_puts(&c->location, "?");
		buf_query_escape(&c->location, t->query);
	}
	if (!c->location.failed)
		resp->location = c->location.data;
}

/*
 * 304 or 412 when the request's preconditions say so (RFC 9110 13.2.2).
 * If-Match and If-None-Match are lists: a second line adds to the list.
 */
static bool
preconditions_decide(struct conn *c, const struct request *req,
    struct response *resp)
{
	struct buf match, none_match;
	struct preconditions pc;
	enum precond_result verdict;

	buf_init(&match);
	buf_init(&none_match);
	pc = (struct preconditions){
		.if_match = request_header_list(req, "If-Match", &match),
		.if_none_match = request_header_list(req, "If-None-Match",
		    &none_match),
		.if_modified_since = request_header(req, "If-Modified-Since"),
		.if_unmodified_since = request_header(req, "If-Unmodified-Since"),
	};
	verdict = precond_evaluate(&pc, resp->etag, resp->last_modified,
	    req->method == HTTP_GET || req->method == HTTP_HEAD);
	buf_free(&match);
	buf_free(&none_match);
	switch (verdict) {
	case PRECOND_NOT_MODIFIED:
		resp->status = 304;	/* with the validators, no body */
		resp->length = 0;
		resp->file_fd = -1;
		return true;
	case PRECOND_FAILED:
		response_error_page(resp, 412, &c->body);
		resp->head = req->method == HTTP_HEAD;
		return true;
	case PRECOND_OK:
		break;
	}
	return false;
}

/*
 * Several ranges: 206 multipart/byteranges, each part's bytes sent from
 * the file by sendfile (response.c), only the part headers in memory.
 * When the parts and their headers come to the file's size or more, the
 * whole file is cheaper: 200, as RFC 9110 14.2 lets a server ignore Range.
 */
static void
multipart_decide(struct conn *c, struct response *resp, const struct file *f,
    const struct range_set *set)
{
	struct multipart *mp = &resp->multipart;

	if (multipart_build(mp, set, resp->content_type, f->st.st_size,
	    resp->etag, &c->body) == -1) {
		response_error_page(resp, 500, &c->body);
		return;
	}
	if (mp->content_length >= f->st.st_size) {
		mp->nparts = 0;
		resp->status = 200;
		return;
	}
	resp->content_type = mp->text;
	resp->length = mp->content_length;
	resp->file_fd = f->fd;
}

static void
range_decide(struct conn *c, const struct request *req, struct response *resp,
    const struct file *f)
{
	struct range_set set;

	if (!precond_if_range(request_header(req, "If-Range"), resp->etag,
	    f->st.st_mtime))
		return;
	switch (range_parse_set(request_header(req, "Range"), f->st.st_size,
	    &set)) {
	case RANGE_OK:
		resp->status = 206;
		if (set.n > 1) {
			multipart_decide(c, resp, f, &set);
			break;
		}
		resp->offset = set.r[0].start;
		resp->length = set.r[0].length;
		resp->ranged = true;
		break;
	case RANGE_UNSATISFIABLE:
		/* An error page like any other, plus "Content-Range: bytes *\/SIZE". */
		response_error_page(resp, 416, &c->body);
		resp->total = f->st.st_size;
		resp->last_modified = f->st.st_mtime;
		break;
	case RANGE_NONE:
		break;
	}
}

/*
 * For a compressible type, a precompressed variant the client accepts
 * replaces f: its own length, ETag and Last-Modified, the original's
 * Content-Type, Content-Encoding; Vary whenever one exists.
 */
static void
variant_decide(struct conn *c, const struct request *req,
    struct response *resp, struct file *f, const char *path)
{
	struct buf accept;
	struct file v;
	enum encoding e;
	bool any;

	if (!mime_compressible(resp->content_type))
		return;
	buf_init(&accept);
	e = variant_open(c->cache, c->srv->root_fd, path, f,
	    request_header_list(req, "Accept-Encoding", &accept), &v, &any);
	buf_free(&accept);
	if (any)
		resp->vary = "Accept-Encoding";
	if (e == ENC_IDENTITY)
		return;
	file_close(f);
	*f = v;
	resp->content_encoding = encoding_name(e);
}

/* path: the file's path beneath the root. */
static void
file_response(struct conn *c, const struct request *req,
    struct response *resp, struct file *f, const char *path)
{
	bool head = req->method == HTTP_HEAD;
	const char *vary;

	response_init(resp, 200);
	resp->content_type = mime_type_for(path);
	variant_decide(c, req, resp, f, path);
	resp->last_modified = f->st.st_mtime;
	etag_format(&f->st, resp->etag);
	resp->file_fd = f->fd;
	resp->length = resp->total = f->st.st_size;
	resp->ranges = true;
	resp->head = head;
	vary = resp->vary;
	if (preconditions_decide(c, req, resp)) {
		resp->vary = vary;	/* a 412 varies like the file */
		return;
	}
	if (!head)
		range_decide(c, req, resp, f);
	resp->vary = vary;		/* and so does a 416 */
	/* A small cached file goes out from memory, with its head. */
	if (f->data != NULL && resp->file_fd >= 0 && resp->multipart.nparts == 0) {
		resp->body = f->data + resp->offset;
		resp->file_fd = -1;
	}
}

/* A directory without index.html: its listing, HTML or JSON. */
static void
listing_response(struct conn *c, const struct request *req,
    struct response *resp, struct file *f, const struct target *t)
{
	struct buf accept;
	struct listing_sort sort;
	struct listing l;
	bool json;
	int rc;

	buf_init(&accept);
	json = listing_wants_json(t->query,
	    request_header_list(req, "Accept", &accept));
	buf_free(&accept);

	listing_sort_parse(t->query, &sort);
	if (listing_read(c->srv->root_fd, f->fd, t->path, &l) == -1) {
		file_close(f);
		error_response(c, req, resp, f, errno == EMFILE ||
		    errno == ENFILE ? 503 : 500);
		return;
	}
	file_close(f);
	listing_sort(l.e, l.n, &sort);
	rc = json ? listing_json(&l, &c->body) :
	    listing_html(&l, t->path, &sort, &c->body);
	listing_free(&l);
	if (rc == -1) {
		error_response(c, req, resp, f, 500);
		return;
	}
	memory_response(resp, &c->body, json ? "application/json" :
	    "text/html; charset=utf-8");
	resp->vary = "Accept";
	resp->head = req->method == HTTP_HEAD;
}

static void
dir_response(struct conn *c, const struct request *req,
    struct response *resp, struct file *f, const struct target *t)
{
	char path[PATH_OUT_MAX + 16];
	struct file index;
	bool missing;
	int status;

	if (!t->trailing_slash) {
		file_close(f);
		redirect_to_slash(c, req, resp, f, t);
		return;
	}
	if ((status = file_open_index(f, &index, &missing)) == 0) {
		file_close(f);
		*f = index;
		snprintf(path, sizeof(path), "%s%sindex.html", t->path,
		    *t->path ? "/" : "");
		file_response(c, req, resp, f, path);
		return;
	}
	if (!missing || !c->srv->cfg->listing) {
		file_close(f);
		error_response(c, req, resp, f, missing ? 403 : status);
		return;
	}
	listing_response(c, req, resp, f, t);
}

/*
 * OPTIONS, read to its end by request.c: with --cors the answer to a CORS
 * preflight (any target, "*" included: the methods and headers are the
 * same everywhere), 204 with the Access-Control-* lines; without, 405
 * like any method but GET and HEAD. Either way the request was complete,
 * so keep-alive goes on as the client asked.
 */
static void
options_response(struct conn *c, const struct request *req,
    struct response *resp, struct file *f)
{
	if (!c->srv->cfg->cors) {
		error_response(c, req, resp, f, 405);
		return;
	}
	response_init(resp, 204);
	resp->allow = "GET, HEAD, OPTIONS";
	resp->preflight = true;
}

/*
 * --fallback (single-page apps): a missing path whose last segment has no
 * dot, "/app/users/42", is an app route and gets FILE with 200; a missing
 * "/app/logo.png" or "/main.js" looks like an asset and stays 404, so a
 * broken asset link is not answered with HTML.
 */
static bool
fallback_response(struct conn *c, const struct request *req,
    struct response *resp, struct file *f, const struct target *t)
{
	const char *fallback = c->srv->cfg->fallback;
	const char *last = strrchr(t->path, '/');

	last = last ? last + 1 : t->path;
	if (fallback == NULL || strchr(last, '.') != NULL ||
	    file_open_cached(c->cache, c->srv->root_fd, fallback, f) != 0)
		return false;
	if (f->is_dir) {
		file_close(f);
		return false;
	}
	file_response(c, req, resp, f, fallback);
	return true;
}

static void
dispatch(struct conn *c, const struct request *req, struct response *resp,
    struct file *f)
{
	struct target t;
	int status;

	if ((status = path_normalize(req->target, req->target_len, &t)) != 0) {
		error_response(c, req, resp, f, status);
		return;
	}
	if (c->srv->cfg->peer && strcmp(t.path, "_peer") == 0) {
		if (peer_json(c, &c->body) == -1)
			error_response(c, req, resp, f, 500);
		else
			memory_response(resp, &c->body, "application/json");
		resp->head = req->method == HTTP_HEAD;
		return;
	}
	if ((status = file_open_cached(c->cache, c->srv->root_fd, t.path, f)) != 0) {
		if (status != 404 || !fallback_response(c, req, resp, f, &t))
			error_response(c, req, resp, f, status);
		return;
	}
	if (f->is_dir)
		dir_response(c, req, resp, f, &t);
	else
		file_response(c, req, resp, f, t.path);
}

void
handler_request(struct conn *c, const struct request *req,
    struct response *resp, struct file *f)
{
	f->fd = -1;
	if (req->state == REQUEST_DONE && req->method == HTTP_OPTIONS)
		options_response(c, req, resp, f);
	else if (req->state == REQUEST_ERROR)
		error_response(c, req, resp, f, req->status);
	else
		dispatch(c, req, resp, f);
	/* HTTP/0.9 has no status line or headers: the body alone. */
	resp->http09 = req->major == 0 && req->minor == 9 &&
	    req->state == REQUEST_DONE;
}
