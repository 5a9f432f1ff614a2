/*
 * Unit tests for server/multipart.c: the multipart/byteranges body of RFC
 * 9110 section 14.6, put together from the part headers and the file's
 * bytes as the sender would, and its exact Content-Length.
 */
#include "config.h"

#include <string.h>

#include "sockwebd.h"
#include "tap.h"

static const char file[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ";

/* The body the sender would write: header, range, ..., closing boundary. */
static void
assemble(const struct multipart *mp, const struct buf *text, struct buf *out)
{
	size_t i;

	buf_reset(out);
	for (i = 0; i < mp->nparts; i++) {
		buf_append(out, text->data + mp->part[i].head_off,
		    mp->part[i].head_len);
		buf_append(out, file + mp->part[i].start,
		    (size_t)mp->part[i].length);
	}
	buf_append(out, text->data + mp->tail_off, mp->tail_len);
	buf_append(out, "", 1);
}

int
main(void)
{
	struct range_set set = { { { 0, 10 }, { 20, 5 } }, 2 };
	struct multipart mp, mp2;
	struct buf text, body;
	char want[1024];
	const char *b;

	buf_init(&text);
	buf_init(&body);
	ok(multipart_build(&mp, &set, "text/plain; charset=utf-8",
	    (off_t)strlen(file), "\"1-2-3-4.5\"", &text) == 0, "builds");
	b = mp.boundary;
	ok(strncmp(b, "sockweb-", 8) == 0 && strlen(b) == 24,
	    "boundary sockweb-<16 hex>: %s", b);
	snprintf(want, sizeof(want), "multipart/byteranges; boundary=%s", b);
	is_str(text.data, want, "the Content-Type names the boundary");
	is_int(mp.type_len, strlen(want), "type_len");
	assemble(&mp, &text, &body);
	snprintf(want, sizeof(want),
	    "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Range: bytes 0-9/46\r\n\r\n0123456789"
	    "\r\n--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Range: bytes 20-24/46\r\n\r\nklmno"
	    "\r\n--%s--\r\n", b, b, b);
	is_str(body.data, want, "the body of RFC 9110 14.6");
	is_int(mp.content_length, strlen(want), "Content-Length is exact");
	is_int(mp.nparts, 2, "two parts");
	multipart_build(&mp2, &set, "text/plain", 46, "\"other\"", &text);
	ok(strcmp(mp.boundary, mp2.boundary) != 0, "another ETag, another boundary");
	set.n = RANGE_PARTS_MAX;
	for (size_t i = 0; i < RANGE_PARTS_MAX; i++) {
		set.r[i].start = (off_t)i * 2;
		set.r[i].length = 1;
	}
	ok(multipart_build(&mp, &set, "application/octet-stream", 46, "\"t\"",
	    &text) == 0, "16 parts build");
	assemble(&mp, &text, &body);
	is_int(mp.content_length, strlen(body.data), "16 parts: Content-Length exact");
	buf_free(&text);
	buf_free(&body);
	return tap_done();
}
