/*
 * handler.c: decide the response to one parsed request. Every path ends in
 * a struct response (status, headers, body from a file or memory); nothing
 * here writes to the socket, so the decisions read top to bottom:
 *   parse error -> its status; target -> safe path (path.c) or 4xx;
 *   /_peer -> JSON; open beneath the root (file.c) or 403/404;
 *   directory -> 301 to "dir/", index.html, listing or 403;
 *   file -> 304 (If-Modified-Since), 206/416 (Range) or 200.
 */
#include "config.h"

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
	resp->head = req->parser.method == HTTP_HEAD;
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
		buf_puts(&c->location, t->query);
	}
	if (!c->location.failed)
		resp->location = c->location.data;
}

static bool
if_range_matches(const struct request *req, time_t mtime)
{
	const char *v = request_header(req, "If-Range");
	time_t t;

	/* Only dates: we send no ETags, so an entity tag never matches. */
	return v == NULL || (httpdate_parse(v, &t) == 0 && t == mtime);
}

static void
file_response(struct conn *c, const struct request *req,
    struct response *resp, const struct file *f, const char *name)
{
	const char *ims = request_header(req, "If-Modified-Since");
	bool head = req->method == HTTP_HEAD;
	time_t since;

	response_init(resp, 200);
	resp->content_type = mime_type_for(name);
	resp->last_modified = f->st.st_mtime;
	resp->file_fd = f->fd;
	resp->length = resp->total = f->st.st_size;
	resp->ranges = true;
	resp->head = head;
	if (ims && httpdate_parse(ims, &since) == 0 && f->st.st_mtime <= since) {
		resp->status = 304;
		resp->length = 0;
		return;
	}
	if (head || !if_range_matches(req, f->st.st_mtime))
		return;
	switch (range_parse(request_header(req, "Range"), f->st.st_size,
	    &resp->offset, &resp->length)) {
	case RANGE_OK:
		resp->status = 206;
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
	/* A small cached file goes out from memory, with its head. */
	if (f->data != NULL && resp->file_fd >= 0) {
		resp->body = f->data + resp->offset;
		resp->file_fd = -1;
	}
}

static void
dir_response(struct conn *c, const struct request *req,
    struct response *resp, struct file *f, const struct target *t)
{
	struct file index;

	if (!t->trailing_slash) {
		file_close(f);
		redirect_to_slash(c, req, resp, f, t);
		return;
	}
	if (file_open_index(f, &index) == 0) {
		file_close(f);
		*f = index;
		file_response(c, req, resp, f, "index.html");
		return;
	}
	if (!c->srv->cfg->listing) {
		file_close(f);
		error_response(c, req, resp, f, 403);
		return;
	}
	if (listing_build(f->fd, t->path, &c->body) == -1) {
		file_close(f);
		error_response(c, req, resp, f, 500);
		return;
	}
	file_close(f);
	memory_response(resp, &c->body, "text/html; charset=utf-8");
	resp->head = req->method == HTTP_HEAD;
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
	if (req->state == REQUEST_ERROR)
		error_response(c, req, resp, f, req->status);
	else
		dispatch(c, req, resp, f);
	/* HTTP/0.9 has no status line or headers: the body alone. */
	resp->http09 = req->major == 0 && req->minor == 9 &&
	    req->state == REQUEST_DONE;
}
