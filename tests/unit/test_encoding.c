/*
 * Unit tests for server/encoding.c: Accept-Encoding q-values (RFC 9110
 * 12.5.3) and the choice among the precompressed variants that exist.
 */
#include "config.h"

#include "sockwebd.h"
#include "tap.h"

#define BR (1u << ENC_BR)
#define ZS (1u << ENC_ZSTD)
#define GZ (1u << ENC_GZIP)
#define ALL (BR | ZS | GZ)

struct ecase {
	const char	*header;
	unsigned	 available;
	enum encoding	 want;
	const char	*what;
};

static const struct ecase cases[] = {
	{ NULL, ALL, ENC_IDENTITY, "no Accept-Encoding: the file itself" },
	{ "", ALL, ENC_IDENTITY, "an empty Accept-Encoding" },
	{ "gzip", ALL, ENC_GZIP, "gzip" },
	{ "gzip, deflate, br", ALL, ENC_BR, "a browser's list: br first" },
	{ "gzip, deflate, br, zstd", ALL, ENC_BR, "ties: br before zstd" },
	{ "gzip, zstd", ALL, ENC_ZSTD, "ties: zstd before gzip" },
	{ "gzip, deflate, br", GZ, ENC_GZIP, "only a .gz exists" },
	{ "gzip, deflate, br", 0, ENC_IDENTITY, "no variant exists" },
	{ "br;q=0.5, gzip", ALL, ENC_GZIP, "a higher q wins over the preference" },
	{ "br;q=0, gzip;q=0", ALL, ENC_IDENTITY, "q=0 means no" },
	{ "br;q=0.000, gzip;q=0.0", ALL, ENC_IDENTITY, "q=0.000 means no" },
	{ "*", ALL, ENC_BR, "* accepts every coding" },
	{ "*;q=0.5, br;q=0", BR | GZ, ENC_GZIP, "* with br refused" },
	{ "*;q=0", ALL, ENC_IDENTITY, "*;q=0, identity not named: still the file" },
	{ "GZIP", ALL, ENC_GZIP, "tokens are case-insensitive" },
	{ "x-gzip", ALL, ENC_GZIP, "x-gzip is gzip" },
	{ " ,gzip ; q=0.8 ,, br ;Q=0.9", ALL, ENC_BR, "OWS, empty elements, Q" },
	{ "gzip;q=0.5, identity", ALL, ENC_IDENTITY, "identity with a higher q" },
	{ "gzip, identity;q=0", ALL, ENC_GZIP, "identity refused, gzip fine" },
	{ "gzip;q=1.5", ALL, ENC_IDENTITY, "q above 1: malformed, ignored" },
	{ "gzip;q=abc", ALL, ENC_IDENTITY, "q not a number: malformed" },
	{ "gzip br", ALL, ENC_IDENTITY, "no comma: malformed" },
	{ "gzip;level=9;q=0.7, br;q=0.6", ALL, ENC_GZIP, "other parameters ignored" },
	{ "compress, deflate", ALL, ENC_IDENTITY, "codings we have no variant in" },
	{ "zstd;q=1.000", ZS, ENC_ZSTD, "q=1.000" },
};

int
main(void)
{
	int q[ENC_COUNT];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_str(encoding_name(encoding_choose(cases[i].header,
		    cases[i].available)), encoding_name(cases[i].want), "%s",
		    cases[i].what);
	encoding_accept("gzip;q=0.25, br;q=0.5", q);
	is_int(q[ENC_GZIP], 250, "q=0.25 is 250/1000");
	is_int(q[ENC_BR], 500, "q=0.5 is 500/1000");
	is_int(q[ENC_ZSTD], 0, "zstd not named: 0");
	is_int(q[ENC_IDENTITY], 1, "identity not named: acceptable, least preferred");
	encoding_accept("gzip, identity;q=0.5", q);
	is_int(q[ENC_IDENTITY], 500, "identity named: its q");
	encoding_accept("*;q=0.2", q);
	is_int(q[ENC_IDENTITY], 200, "identity under *: the wildcard's q");
	is_str(encoding_suffix(ENC_ZSTD), ".zst", "zstd variants end in .zst");
	is_str(encoding_suffix(ENC_BR), ".br", "brotli variants end in .br");
	is_str(encoding_suffix(ENC_GZIP), ".gz", "gzip variants end in .gz");
	return tap_done();
}
