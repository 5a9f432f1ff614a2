/*
 * listing_json.c: a directory listing for scripts (Accept: application/json
 * or ?format=json): a JSON array of {name, type, size, mtime} in the same
 * order as the HTML page. type is "file" or "directory"; size is the byte
 * count (null for a directory); mtime is RFC 3339 UTC. Names are bytes
 * from the file system: they are written as valid JSON strings, with
 * control characters escaped and bytes that are not UTF-8 as U+FFFD.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sockwebd.h"

/* Length of the UTF-8 sequence at s (at most left bytes), 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, size_t left)
{
	size_t n, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void
buf_json_string(struct buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	buf_puts(b, "\"");
	while (i < len) {
		if (p[i] == '"' || p[i] == '\\') {
			buf_printf(b, "\\%c", p[i]);
			i++;
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			buf_printf(b, "\\u%04x", p[i]);
			i++;
		} else if ((n = utf8_len(p + i, len - i)) == 0) {
			buf_puts(b, "\\ufffd");
			i++;
		} else {
			buf_append(b, p + i, n);
			i += n;
		}
	}
	buf_puts(b, "\"");
}

int
listing_json(const struct listing *l, struct buf *b)
{
	const struct listing_entry *e;
	char date[32];
	struct tm tm;
	size_t i;

	buf_reset(b);
	buf_puts(b, "[");
	for (i = 0; i < l->n; i++) {
		e = &l->e[i];
		/* A time gmtime cannot break down is null. */
		if (gmtime_r(&e->mtime, &tm) == NULL || strftime(date,
		    sizeof(date), "\"%Y-%m-%dT%H:%M:%SZ\"", &tm) == 0)
			snprintf(date, sizeof(date), "null");
		buf_puts(b, i ? ",\n{\"name\":" : "\n{\"name\":");
		buf_json_string(b, e->name, strlen(e->name));
		if (e->is_dir)
			buf_puts(b, ",\"type\":\"directory\",\"size\":null");
		else
			buf_printf(b, ",\"type\":\"file\",\"size\":%jd",
			    (intmax_t)e->size);
		buf_printf(b, ",\"mtime\":%s}", date);
	}
	buf_puts(b, l->n ? "\n]\n" : "]\n");
	return b->failed ? -1 : 0;
}
