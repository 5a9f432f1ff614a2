/*
 * auth.c: HTTP Basic authentication (RFC 7617): "user:password" in
 * base64 in an Authorization header. Base64 is written out here because
 * it is twenty lines and the only use of it.
 */
#include "config.h"

#include <string.h>

#include "sockget.h"

static const char auth_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
auth_base64(struct buf *b, const unsigned char *s, size_t n)
{
	char q[4];

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		q[0] = auth_b64[(v >> 18) & 63];
		q[1] = auth_b64[(v >> 12) & 63];
		q[2] = i + 1 < n ? auth_b64[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? auth_b64[v & 63] : '=';
		buf_append(b, q, 4);
	}
}

/* "Authorization: Basic ..." with its CRLF; a NULL password is empty. */
int
auth_basic_header(struct buf *b, const char *user, const char *password)
{
	struct buf plain;
	bool failed;

	buf_init(&plain);
	buf_printf(&plain, "%s:%s", user, password != NULL ? password : "");
	buf_puts(b, "Authorization: Basic ");
	auth_base64(b, (const unsigned char *)plain.data, plain.len);
	buf_puts(b, "\r\n");
	/* the password stays in memory no longer than needed */
	failed = plain.failed;
	if (plain.data != NULL)
		explicit_bzero(plain.data, plain.cap);
	buf_free(&plain);
	return b->failed || failed ? -1 : 0;
}
