/*
 * headers.c: the header lines the operator adds to responses: --header
 * 'Name: value' (on every response, error pages included), --cors
 * (Access-Control-Allow-Origin: * and the preflight answer) and --max-age
 * (Cache-Control on what a cache may keep: 200, 206, 301, 304). They are
 * checked once at start (a CR, LF or NUL in a value would let the option
 * write its own header lines: a usage error) and formatted once, so a
 * response only copies a string.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sockwebd.h"

#define EXTRA_MAX 4096		/* bytes of added header lines */

static char extra_always[EXTRA_MAX];	/* --header, --cors */
static char extra_cacheable[EXTRA_MAX + 64];	/* the same + Cache-Control */

static bool
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/*
 * 'Name: value' as RFC 9110 5.1/5.5 allow it: a token, a colon, a value
 * of visible characters, spaces and tabs. 0, or -1 with a reason.
 */
int
headers_check(const char *line, const char **why)
{
	const char *p = line;

	while (is_tchar((unsigned char)*p))
		p++;
	if (p == line || *p != ':') {
		*why = "want 'Name: value' with a token for the name";
		return -1;
	}
	for (p++; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 ? *p != '\t' : *p == 0x7f) {
			*why = *p == '\r' || *p == '\n' ?
			    "CR or LF in the value" : "a control character in the value";
			return -1;
		}
	return 0;
}

static size_t
add_line(char *block, size_t size, size_t len, const char *name,
    const char *value)
{
	int n = snprintf(block + len, size - len, "%s%s\r\n", name, value);

	return n < 0 || (size_t)n >= size - len ? size : len + (size_t)n;
}

/* Format the blocks once; -1 when they do not fit in EXTRA_MAX. */
int
headers_setup(const struct config *cfg)
{
	size_t len = 0, i;
	char age[64];

	extra_always[0] = '\0';
	for (i = 0; i < cfg->nheaders && len < sizeof(extra_always); i++)
		len = add_line(extra_always, sizeof(extra_always), len, "",
		    cfg->headers[i]);
	if (cfg->cors && len < sizeof(extra_always))
		len = add_line(extra_always, sizeof(extra_always), len,
		    "Access-Control-Allow-Origin: *", "");
	if (cfg->cors && len < sizeof(extra_always))
		len = add_line(extra_always, sizeof(extra_always), len,
		    "Access-Control-Expose-Headers: ",
		    "ETag, Content-Range, Accept-Ranges, Content-Encoding, Vary");
	if (len >= sizeof(extra_always)) {
		extra_always[0] = '\0';
		return -1;
	}
	age[0] = '\0';
	if (cfg->max_age >= 0)
		snprintf(age, sizeof(age), "Cache-Control: max-age=%ld\r\n",
		    cfg->max_age);
	snprintf(extra_cacheable, sizeof(extra_cacheable), "%s%s",
	    extra_always, age);
	return 0;
}

/* The added lines for a response with this status ("" when none). */
const char *
headers_extra(int status)
{
	switch (status) {
	case 200:
	case 206:
	case 301:
	case 304:
		return extra_cacheable;
	default:
		return extra_always;
	}
}
