/*
 * encoding.c: which precompressed variant to send (RFC 9110 12.5.3); no
 * I/O. Accept-Encoding is a list of codings with optional q-values: q=0
 * means "not this", "*" stands for every coding not named, "x-gzip" is
 * gzip, tokens are case-insensitive. Of the variants that exist, the one
 * with the highest q wins, ties going to the smaller file (br, then zstd,
 * then gzip); identity (the file itself) wins only when named (or "*")
 * with a strictly higher q. No Accept-Encoding: the file itself. Compression on the fly: never.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "sockwebd.h"

static const char *const coding_names[ENC_COUNT] = {
	[ENC_IDENTITY] = "identity", [ENC_BR] = "br", [ENC_ZSTD] = "zstd",
	[ENC_GZIP] = "gzip",
};
static const char *const coding_suffixes[ENC_COUNT] = {
	[ENC_IDENTITY] = "", [ENC_BR] = ".br", [ENC_ZSTD] = ".zst",
	[ENC_GZIP] = ".gz",
};

const char *
encoding_name(enum encoding e)
{
	return coding_names[e];
}

const char *
encoding_suffix(enum encoding e)
{
	return coding_suffixes[e];
}

#define IDENTITY_UNNAMED 1	/* acceptable, below any named q */

static const char *
skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in 1/1000. */
static int
parse_q(const char *p, const char **end)
{
	int q, scale = 100;

	if (*p != '0' && *p != '1')
		return -1;
	q = (*p++ - '0') * 1000;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p) && scale > 0; p++, scale /= 10)
			q += (*p - '0') * scale;
	*end = p;
	return q > 1000 ? -1 : q;
}

/*
 * The q of one list element's parameters (";q=0.5"), 1000 without, -1
 * when malformed; *end is where the parameters stop. Accept uses it too.
 */
int
encoding_element_q(const char *p, const char **end)
{
	int q = 1000;

	for (p = skip_ows(p); *p == ';'; p = skip_ows(p)) {
		p = skip_ows(p + 1);
		if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
			if ((q = parse_q(p + 2, &p)) < 0)
				return -1;
		} else
			p += strcspn(p, ";,");	/* another parameter: ignored */
	}
	*end = p;
	return q;
}

static int
coding_of(const char *tok, size_t n)
{
	int e;

	if (n == 6 && ascii_ncasecmp(tok, "x-gzip", 6) == 0)
		return ENC_GZIP;
	if (n == 1 && *tok == '*')
		return ENC_COUNT;	/* the wildcard */
	for (e = 0; e < ENC_COUNT; e++)
		if (strlen(coding_names[e]) == n &&
		    ascii_ncasecmp(tok, coding_names[e], n) == 0)
			return e;
	return -1;			/* a coding we have no variant in */
}

/*
 * q[e] for each coding, in thousandths. A malformed header is ignored as
 * a whole (identity only), which never sends a client what it refused.
 */
void
encoding_accept(const char *header, int q[ENC_COUNT])
{
	int named[ENC_COUNT + 1] = { 0 }, value[ENC_COUNT + 1], e, v;
	const char *p = header, *tok;
	size_t n;

	/* identity is acceptable unless refused, but preferred to nothing */
	for (e = 0; e < ENC_COUNT; e++)
		q[e] = e == ENC_IDENTITY ? IDENTITY_UNNAMED : 0;
	if (header == NULL)
		return;
	for (;;) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		tok = p;
		n = strcspn(p, " \t;,");
		if (n == 0 || (v = encoding_element_q(p + n, &p)) < 0 ||
		    (*p != ',' && *p != '\0'))
			return;			/* malformed: identity only */
		if ((e = coding_of(tok, n)) >= 0) {
			named[e] = 1;
			value[e] = v;
		}
	}
	for (e = 0; e < ENC_COUNT; e++) {
		if (named[e])
			q[e] = value[e];
		else if (named[ENC_COUNT])
			q[e] = value[ENC_COUNT];
	}
}

/* The coding to send, of those whose bit is set in available. */
enum encoding
encoding_choose(const char *header, unsigned available)
{
	static const enum encoding preference[] = { ENC_BR, ENC_ZSTD, ENC_GZIP };
	enum encoding best = ENC_IDENTITY;
	int q[ENC_COUNT], best_q = 0;
	size_t i;

	encoding_accept(header, q);
	for (i = 0; i < sizeof(preference) / sizeof(preference[0]); i++) {
		enum encoding e = preference[i];
		if ((available & (1u << e)) && q[e] > best_q) {
			best = e;
			best_q = q[e];
		}
	}
	if (best != ENC_IDENTITY && q[ENC_IDENTITY] > best_q)
		return ENC_IDENTITY;
	return best;
}
