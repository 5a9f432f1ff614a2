/*
 * fuzz_request.c: request_feed on any bytes, fed whole and then split in
 * two at an offset the first input byte picks (TCP may cut anywhere).
 * Invariants:
 *  - used <= len; a request still incomplete used every byte it was given;
 *  - complete: GET, HEAD or OPTIONS, HTTP/0.9, 1.0 or 1.1 (0.9 never
 *    kept alive),
 *    the target NUL-terminated at target_len <= REQ_LINE_MAX;
 *  - refused: a status in {400, 405, 414, 431, 501, 505}, never kept alive;
 *  - the split feed ends in the same state and status, and a complete
 *    request has the same method, version, keep-alive, target and bytes
 *    used, so pipelining does not depend on how the bytes arrived;
 *  - every field request_header can return is NUL-terminated in the arena,
 *    and every name's lines joined as one list (request_header_list) are
 *    the lines' values with ", " between them, nothing cut.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sockwebd.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct request whole, split;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_request: invariant broken: %s\n", #cond); \
		abort();						\
	}								\
} while (0)

/* Feed len bytes, in two pieces cut at `at`; returns the bytes used. */
static size_t
feed(struct request *req, const char *data, size_t len, size_t at)
{
	size_t used;

	/* Stale arena bytes would hide a field left without its NUL. */
	memset(req->target, 'x', sizeof(req->target));
	request_init(req);
	used = request_feed(req, data, at);
	CHECK(used <= at);
	if (req->state == REQUEST_INCOMPLETE) {
		CHECK(used == at);
		used += request_feed(req, data + at, len - at);
	}
	CHECK(used <= len);
	if (req->state == REQUEST_INCOMPLETE)
		CHECK(used == len);
	return used;
}

/* The list of field i's name: as long as its lines joined, no cut. */
static void
check_list(const struct request *req, size_t i)
{
	struct buf out;
	const char *name = req->arena + req->headers[i].name, *list;
	size_t j, want = 0, lines = 0;

	for (j = 0; j < req->nheaders; j++)
		if (req->headers[j].value != 0 &&
		    strcasecmp(req->arena + req->headers[j].name, name) == 0) {
			want += strlen(req->arena + req->headers[j].value);
			lines++;
		}
	want += 2 * (lines - 1);
	buf_init(&out);
	list = request_header_list(req, name, &out);
	CHECK(list != NULL);
	CHECK(strlen(list) == want);
	buf_free(&out);
}

static void
check_fields(const struct request *req)
{
	size_t i;

	CHECK(req->arena_len <= REQ_ARENA_MAX);
	CHECK(req->nheaders <= REQ_FIELDS_MAX);
	CHECK(req->nheaders == 0 ||
	    req->arena == req->target + req->target_len + 1);
	for (i = 0; i < req->nheaders; i++) {
		if (req->headers[i].value == 0)
			continue;
		CHECK(req->headers[i].name < req->arena_len);
		CHECK(req->headers[i].value < REQ_ARENA_MAX);
		CHECK(memchr(req->arena + req->headers[i].name, '\0',
		    REQ_ARENA_MAX - req->headers[i].name) != NULL);
		CHECK(memchr(req->arena + req->headers[i].value, '\0',
		    req->arena_len + 1 - req->headers[i].value) != NULL);
		check_list(req, i);
	}
}

static void
check_one(const struct request *req)
{
	check_fields(req);
	switch (req->state) {
	case REQUEST_DONE:
		CHECK(req->status == 0);
		CHECK(req->method == HTTP_GET || req->method == HTTP_HEAD ||
		    req->method == HTTP_OPTIONS);
		CHECK((req->major == 1 && req->minor <= 1) ||
		    (req->major == 0 && req->minor == 9));
		CHECK(req->major == 1 || !req->keep_alive);
		CHECK(req->target_len > 0 && req->target_len <= REQ_LINE_MAX);
		CHECK(strlen(req->target) == req->target_len);
		break;
	case REQUEST_ERROR:
		CHECK(req->status == 400 || req->status == 405 ||
		    req->status == 414 || req->status == 431 ||
		    req->status == 501 || req->status == 505);
		CHECK(!req->keep_alive);
		break;
	case REQUEST_INCOMPLETE:
		CHECK(req->status == 0);
		break;
	default:
		CHECK(!"a known state");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	size_t at, used_whole, used_split;

	if (size < 1)
		return 0;
	at = data[0] % size;
	p++;
	size--;
	used_whole = feed(&whole, p, size, size);
	check_one(&whole);
	used_split = feed(&split, p, size, at);
	check_one(&split);

	CHECK(whole.state == split.state);
	CHECK(whole.status == split.status);
	if (whole.state == REQUEST_DONE) {
		CHECK(used_whole == used_split);
		CHECK(whole.method == split.method);
		CHECK(whole.major == split.major && whole.minor == split.minor);
		CHECK(whole.keep_alive == split.keep_alive);
		CHECK(strcmp(whole.target, split.target) == 0);
	}
	return 0;
}
