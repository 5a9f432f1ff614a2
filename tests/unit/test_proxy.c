/*
 * Unit tests for server/proxy.c: the PROXY protocol v1 and v2 headers
 * HAProxy and nginx send, as the address and port the access log would
 * show. Every header is also fed cut at each byte: a prefix of a valid
 * header is "need more", never an error or a wrong answer; a prefix of
 * a broken one is never accepted.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>

#include "sockwebd.h"
#include "tap.h"

#define REQUEST "GET / HTTP/1.0\r\n\r\n"

struct good {
	const char	*name;
	const char	*data;
	size_t		 len;		/* header bytes, before REQUEST */
	int		 version;
	bool		 local;
	const char	*src, *dst;	/* as addr_format prints them */
};

#define V2SIG "\r\n\r\n\0\r\nQUIT\n"
#define B(s) s, sizeof(s) - 1
#define X46 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define X45 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

static const struct good goods[] = {
	{ "v1 TCP4", B("PROXY TCP4 192.0.2.7 198.51.100.1 50312 80\r\n"), 1,
	  false, "192.0.2.7:50312", "198.51.100.1:80" },
	{ "v1 TCP6", B("PROXY TCP6 2001:db8::7 ::1 65535 8080\r\n"), 1,
	  false, "[2001:db8::7]:65535", "[::1]:8080" },
	{ "v1 port 0", B("PROXY TCP4 1.2.3.4 5.6.7.8 0 0\r\n"), 1, false,
	  "1.2.3.4:0", "5.6.7.8:0" },
	{ "v1 IPv4-mapped in TCP6", B("PROXY TCP6 ::ffff:1.2.3.4 ::1 1 2\r\n"), 1,
	  false, "[::ffff:1.2.3.4]:1", "[::1]:2" },
	{ "v1 longest TCP6 line (104 bytes)",
	  B("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"), 1, false,
	  "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535",
	  "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535" },
	{ "v1 UNKNOWN", B("PROXY UNKNOWN\r\n"), 1, true, NULL, NULL },
	{ "v1 line of 107 bytes, the longest allowed",
	  B("PROXY UNKNOWN " X46 X45 "\r\n"), 1, true, NULL, NULL },
	{ "v1 UNKNOWN with addresses",
	  B("PROXY UNKNOWN ffff:: 1:: 1 2\r\n"), 1, true, NULL, NULL },
	{ "v2 PROXY TCP over IPv4",
	  B(V2SIG "\x21\x11\x00\x0c" "\xc0\x00\x02\x07" "\x7f\x00\x00\x01"
	    "\xc4\x88" "\x1f\x90"), 2, false, "192.0.2.7:50312", "127.0.0.1:8080" },
	{ "v2 PROXY TCP over IPv6",
	  B(V2SIG "\x21\x21\x00\x24"
	    "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x07"
	    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01" "\xff\xff" "\x00\x50"), 2,
	  false, "[2001:db8::7]:65535", "[::1]:80" },
	{ "v2 with TLVs (ALPN, authority, NOOP)",
	  B(V2SIG "\x21\x11\x00\x22" "\x0a\x00\x00\x01" "\x0a\x00\x00\x02"
	    "\x00\x01" "\x00\x02"
	    "\x01\x00\x02" "h2" "\x02\x00\x0b" "example.org" "\x04\x00\x00"), 2,
	  false, "10.0.0.1:1", "10.0.0.2:2" },
	{ "v2 LOCAL (health check)", B(V2SIG "\x20\x00\x00\x00"), 2, true,
	  NULL, NULL },
	{ "v2 LOCAL with an ignored address block",
	  B(V2SIG "\x20\x11\x00\x0c" "\1\2\3\4\5\6\7\x08\x09\x0a\x0b\x0c"), 2, true,
	  NULL, NULL },
	{ "v2 PROXY UNSPEC", B(V2SIG "\x21\x00\x00\x00"), 2, true, NULL, NULL },
	{ "v2 PROXY over UDP: the socket's address",
	  B(V2SIG "\x21\x12\x00\x0c" "\1\2\3\4\5\6\7\x08\x09\x0a\x0b\x0c"), 2, true,
	  NULL, NULL },
	{ "v2 PROXY AF_UNIX: the socket's address",
	  B(V2SIG "\x21\x31\x00\x04" "abcd"), 2, true, NULL, NULL },
};

struct bad {
	const char	*name;
	const char	*data;
	size_t		 len;
};

static const struct bad bads[] = {
	{ "plain HTTP", B("GET / HTTP/1.0\r\n\r\n") },
	{ "lower-case proxy", B("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n") },
	{ "PROXY without a space", B("PROXYTCP4 1.2.3.4 5.6.7.8 1 2\r\n") },
	{ "v1 TCP5", B("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n") },
	{ "v1 UDP4", B("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n") },
	{ "v1 UNKNOWNX", B("PROXY UNKNOWNX\r\n") },
	{ "v1 empty", B("PROXY \r\n") },
	{ "v1 IPv6 address in TCP4", B("PROXY TCP4 ::1 ::1 1 2\r\n") },
	{ "v1 IPv4 address in TCP6", B("PROXY TCP6 1.2.3.4 ::1 1 2\r\n") },
	{ "v1 short IPv4", B("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n") },
	{ "v1 octet 256", B("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n") },
	{ "v1 host name", B("PROXY TCP4 localhost 5.6.7.8 1 2\r\n") },
	{ "v1 port 65536", B("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n") },
	{ "v1 port with leading zero", B("PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n") },
	{ "v1 negative port", B("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n") },
	{ "v1 port +1", B("PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n") },
	{ "v1 six-digit port", B("PROXY TCP4 1.2.3.4 5.6.7.8 000001 2\r\n") },
	{ "v1 three fields", B("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n") },
	{ "v1 five fields", B("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n") },
	{ "v1 double space", B("PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n") },
	{ "v1 trailing space", B("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n") },
	{ "v1 tab", B("PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n") },
	{ "v1 bare LF", B("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n") },
	{ "v1 CR without LF", B("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX") },
	{ "v1 LF, then a CR as the last byte so far (found by fuzz_proxy)",
	  B("PROXY TCP4 1.2.3.4\n 5.6.7.8 1 2\r") },
	{ "v1 NUL in the line", B("PROXY TCP4 1.2.3.4\0 5.6.7.8 1 2\r\n") },
	{ "v1 line of 108 bytes",
	  B("PROXY UNKNOWN " X46 X46 "\r\n") },
	{ "v1 no CRLF in 200 bytes",
	  B("PROXY UNKNOWN xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx") },
	{ "v2 signature with a wrong byte", B("\r\n\r\n\0\r\nQUIT\r\x21\x11\0\0") },
	{ "v2 version 1", B(V2SIG "\x11\x11\x00\x0c" "\1\2\3\4\5\6\7\x08\x09\x0a\x0b\x0c") },
	{ "v2 version 3", B(V2SIG "\x31\x11\x00\x0c" "\1\2\3\4\5\6\7\x08\x09\x0a\x0b\x0c") },
	{ "v2 command 2", B(V2SIG "\x22\x11\x00\x0c" "\1\2\3\4\5\6\7\x08\x09\x0a\x0b\x0c") },
	{ "v2 IPv4 block too short", B(V2SIG "\x21\x11\x00\x08" "\1\2\3\4\5\6\7\x08") },
	{ "v2 IPv6 block too short",
	  B(V2SIG "\x21\x21\x00\x0c" "\1\2\3\4\5\6\7\x08\x09\x0a\x0b\x0c") },
	{ "v2 TLV past the end",
	  B(V2SIG "\x21\x11\x00\x10" "\1\2\3\4\5\6\7\x08\x09\x0a\x0b\x0c"
	    "\x01\x00\x05" "h") },
	{ "v2 TLV head cut", B(V2SIG "\x21\x11\x00\x0e" "\1\2\3\4\5\6\7\x08\x09\x0a\x0b\x0c" "\x01\x00") },
	{ "v2 longer than 4096 bytes", B(V2SIG "\x21\x11\x10\x00") },
};

static const char *
result_name(enum proxy_result r)
{
	switch (r) {
	case PROXY_NEED_MORE:
		return "need more";
	case PROXY_OK:
		return "ok";
	case PROXY_ERROR:
		return "error";
	}
	return "?";
}

/* The header then a request, as they arrive on the socket. */
static size_t
with_request(const char *data, size_t len, char *out)
{
	memcpy(out, data, len);
	memcpy(out + len, REQUEST, sizeof(REQUEST) - 1);
	return len + sizeof(REQUEST) - 1;
}

static void
check_addresses(const struct good *g, const struct proxy_header *h)
{
	char name[ADDR_STRLEN];

	is_int(h->local, g->local, "%s: %s", g->name,
	    g->local ? "no addresses (use the socket's)" : "carries addresses");
	if (g->local)
		return;
	is_str(addr_format((const struct sockaddr *)&h->src, name, sizeof(name)),
	    g->src, "%s: source (the client) %s", g->name, g->src);
	is_str(addr_format((const struct sockaddr *)&h->dst, name, sizeof(name)),
	    g->dst, "%s: destination %s", g->name, g->dst);
}

/* Cut at every byte: "need more" before the end, the same answer after. */
static void
check_good_splits(const struct good *g, const char *data, size_t len)
{
	struct proxy_header h;
	size_t at, wrong = 0;

	for (at = 0; at <= len; at++) {
		enum proxy_result r = proxy_parse(data, at, &h);
		bool want_more = at < g->len;

		if (want_more ? r != PROXY_NEED_MORE :
		    r != PROXY_OK || h.length != g->len) {
			if (wrong++ == 0)
				printf("#   first wrong at %zu bytes: %s\n", at,
				    result_name(r));
		}
	}
	ok(wrong == 0, "%s: need more for every prefix, ok from byte %zu on",
	    g->name, g->len);
}

static void
test_goods(void)
{
	char data[512];
	struct proxy_header h;
	size_t i, len;

	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		const struct good *g = &goods[i];

		len = with_request(g->data, g->len, data);
		is_int(proxy_parse(data, len, &h), PROXY_OK, "%s: ok", g->name);
		is_int(h.length, g->len, "%s: %zu header bytes, the request after",
		    g->name, g->len);
		is_int(h.version, g->version, "%s: version %d", g->name, g->version);
		check_addresses(g, &h);
		check_good_splits(g, data, len);
	}
}

/*
 * A broken header: an error with a reason once complete, and no prefix
 * is ever accepted; once a prefix is an error, every longer one is too.
 */
static void
test_bads(void)
{
	struct proxy_header h;
	size_t i, at, accepted, unstable;
	enum proxy_result r;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];
		bool seen_error = false;

		r = proxy_parse(b->data, b->len, &h);
		is_int(r, PROXY_ERROR, "%s: error (%s)", b->name,
		    h.error ? h.error : "no reason");
		ok(r != PROXY_ERROR || h.error != NULL, "%s: the error has a reason",
		    b->name);
		accepted = unstable = 0;
		for (at = 0; at <= b->len; at++) {
			r = proxy_parse(b->data, at, &h);
			accepted += r == PROXY_OK;
			unstable += seen_error && r != PROXY_ERROR;
			seen_error = seen_error || r == PROXY_ERROR;
		}
		ok(accepted == 0 && unstable == 0,
		    "%s: no prefix accepted, an error stays one", b->name);
	}
}

/* The signature alone, then each byte of it cut, is only a start. */
static void
test_early_decision(void)
{
	struct proxy_header h;

	is_int(proxy_parse("G", 1, &h), PROXY_ERROR,
	    "first byte 'G': not a header, no need to wait");
	is_int(proxy_parse("PROX", 4, &h), PROXY_NEED_MORE, "\"PROX\": need more");
	is_int(proxy_parse("\r\n\r\n\0", 5, &h), PROXY_NEED_MORE,
	    "v2 signature begun: need more");
	is_int(proxy_parse("\r\n\r\n\r", 5, &h), PROXY_ERROR,
	    "CRLFCRLF then CR: not the v2 signature");
	is_int(proxy_parse("", 0, &h), PROXY_NEED_MORE, "nothing yet: need more");
}

/* A v2 header of exactly PROXY_HEADER_MAX bytes (a long NOOP TLV) is fine. */
static void
test_v2_longest(void)
{
	static unsigned char data[PROXY_HEADER_MAX];
	size_t body = PROXY_HEADER_MAX - 16, tlv = body - 12 - 3;
	struct proxy_header h;

	memcpy(data, V2SIG "\x21\x11", 14);
	data[14] = (unsigned char)(body >> 8);
	data[15] = (unsigned char)body;
	memcpy(data + 16, "\1\2\3\4\5\6\7\x08\x09\x0a\x0b\x0c", 12);
	data[28] = 0x04;
	data[29] = (unsigned char)(tlv >> 8);
	data[30] = (unsigned char)tlv;
	is_int(proxy_parse(data, sizeof(data), &h), PROXY_OK,
	    "v2 of %d bytes: ok", PROXY_HEADER_MAX);
	is_int(proxy_parse(data, sizeof(data) - 1, &h), PROXY_NEED_MORE,
	    "v2 of %d bytes, one short: need more", PROXY_HEADER_MAX);
}

/*
 * Feed data in three reads cut at a and b; what is not header must be
 * the request, byte for byte. Returns 0, or -1 when something differs.
 */
static int
feed_in_three(const char *data, size_t len, size_t a, size_t b,
    struct proxy_state *st, char *rest, size_t *nrest)
{
	size_t cut[4] = { 0, a, b, len }, i, n;
	ssize_t took;

	*nrest = 0;
	for (i = 0; i < 3; i++) {
		n = cut[i + 1] - cut[i];
		if (!st->wait) {
			memcpy(rest + *nrest, data + cut[i], n);
			*nrest += n;
			continue;
		}
		if (n == 0)
			continue;
		if ((took = proxy_state_feed(st, data + cut[i], n)) < 0 ||
		    (size_t)took > n)
			return -1;
		memcpy(rest + *nrest, data + cut[i] + took, n - (size_t)took);
		*nrest += n - (size_t)took;
	}
	return st->wait ? -1 : 0;
}

/* Every pair of cuts: the same addresses, and the request left intact. */
static void
test_state_splits(void)
{
	char data[512], rest[512], name[ADDR_STRLEN];
	struct proxy_state st;
	size_t i, a, b, len, nrest, wrong;

	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		const struct good *g = &goods[i];

		len = with_request(g->data, g->len, data);
		wrong = 0;
		for (a = 0; a <= len; a++) {
			for (b = a; b <= len; b++) {
				proxy_state_init(&st, true);
				if (feed_in_three(data, len, a, b, &st, rest, &nrest) == -1 ||
				    nrest != sizeof(REQUEST) - 1 ||
				    memcmp(rest, REQUEST, nrest) != 0 ||
				    st.header.local != g->local ||
				    (!g->local && strcmp(addr_format((const struct sockaddr *)
				    &st.header.src, name, sizeof(name)), g->src) != 0))
					wrong++;
				proxy_state_free(&st);
			}
		}
		ok(wrong == 0, "%s: in three reads cut anywhere (%zu ways): the "
		    "client's address, then the request intact", g->name,
		    (len + 1) * (len + 2) / 2);
	}
}

/* A broken header is an error in whatever reads it comes. */
static void
test_state_bad(void)
{
	static const char bad[] = "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\nGET / HTTP/1.0\r\n\r\n";
	struct proxy_state st;
	size_t a, len = sizeof(bad) - 1, failed = 0;
	ssize_t r1, r2;

	for (a = 1; a < len; a++) {
		proxy_state_init(&st, true);
		r1 = proxy_state_feed(&st, bad, a);
		r2 = r1 < 0 ? -1 : proxy_state_feed(&st, bad + a, len - a);
		failed += r2 < 0 && st.header.error != NULL;
		proxy_state_free(&st);
	}
	is_int(failed, len - 1, "a bare-LF v1 line: an error with a reason, cut at any of %zu bytes",
	    len - 1);
	proxy_state_init(&st, true);
	ok(proxy_state_feed(&st, "GET / HTTP/1.0\r\n\r\n", 18) == -1,
	    "a plain request where a header must be: an error at once");
	proxy_state_free(&st);
}

int
main(void)
{
	test_goods();
	test_bads();
	test_early_decision();
	test_v2_longest();
	test_state_splits();
	test_state_bad();
	return tap_done();
}
