/*
 * multipart.c: the body of a 206 with several ranges, multipart/byteranges
 * (RFC 9110 section 14.6); no I/O. Only the small part headers are made
 * here, into one buffer; the parts' bytes stay in the file, to be sent
 * with sendfile(2) one range after another, so a multi-range answer never
 * reads the file into memory. Content-Length is exact: the sum of part
 * headers, ranges and the closing boundary.
 *
 *	--BOUNDARY CRLF Content-Type: T CRLF Content-Range: bytes a-b/size
 *	CRLF CRLF <range> CRLF --BOUNDARY ... CRLF --BOUNDARY-- CRLF
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include "sockwebd.h"

/*
 * The boundary: "sockweb-" and 16 hex digits of a hash of the ETag, so a
 * response is reproducible (tests) and a file cannot be made to contain
 * it without knowing its own device, inode and nanosecond mtime.
 */
static void
boundary_make(const char *etag, char out[MULTIPART_BOUNDARY_MAX])
{
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a */

	for (; *etag != '\0'; etag++)
		h = (h ^ (unsigned char)*etag) * 1099511628211ULL;
	snprintf(out, MULTIPART_BOUNDARY_MAX, "sockweb-%016" PRIx64, h);
}

/* 0 with mp filled and text holding the part headers; -1: no memory. */
int
multipart_build(struct multipart *mp, const struct range_set *set,
    const char *type, off_t size, const char *etag, struct buf *text)
{
	size_t i, start;

	buf_reset(text);
	boundary_make(etag, mp->boundary);
	buf_printf(text, "multipart/byteranges; boundary=%s", mp->boundary);
	buf_append(text, "", 1);
	mp->type_len = text->len - 1;
	mp->content_length = 0;
	mp->nparts = set->n;
	for (i = 0; i < set->n; i++) {
		start = text->len;
		buf_printf(text, "%s--%s\r\nContent-Type: %s\r\n"
		    "Content-Range: bytes %jd-%jd/%jd\r\n\r\n", i ? "\r\n" : "",
		    mp->boundary, type, (intmax_t)set->r[i].start,
		    (intmax_t)(set->r[i].start + set->r[i].length - 1),
		    (intmax_t)size);
		mp->part[i].head_off = start;
		mp->part[i].head_len = text->len - start;
		mp->part[i].start = set->r[i].start;
		mp->part[i].length = set->r[i].length;
		mp->content_length += (off_t)mp->part[i].head_len +
		    set->r[i].length;
	}
	start = text->len;
	buf_printf(text, "\r\n--%s--\r\n", mp->boundary);
	mp->tail_off = start;
	mp->tail_len = text->len - start;
	mp->content_length += (off_t)mp->tail_len;
	mp->text = text->data;		/* final: nothing is appended after */
	return text->failed ? -1 : 0;
}
