/*
 * proxy.c: the PROXY protocol header a balancer (HAProxy's send-proxy and
 * send-proxy-v2, nginx's proxy_protocol on) puts before the first byte of
 * the client's data, so that the server learns the client's address and
 * ephemeral port although the TCP connection comes from the balancer.
 * Specification: HAProxy's doc/proxy-protocol.txt. Bytes in, addresses
 * out; no I/O. The caller feeds what has arrived so far and reads again
 * while the answer is PROXY_NEED_MORE.
 *
 * A receiver must never guess: the header is either complete and valid,
 * or the connection is dropped. So every field is checked, and a prefix
 * that can no longer become a header is an error at once.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockwebd.h"

#define V1_PREFIX	"PROXY "
#define V1_MAX		107	/* the longest v1 line, CRLF included (spec 2.1) */
#define V2_SIG_LEN	12
#define V2_HEAD_LEN	16	/* signature, version/command, family, length */

static const unsigned char v2_signature[V2_SIG_LEN] = {
	0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
};

static enum proxy_result
fail(struct proxy_header *h, const char *why)
{
	h->error = why;
	return PROXY_ERROR;
}

/* Does data[0..len) begin `want`, as far as it goes? */
static bool
prefix_matches(const void *data, size_t len, const void *want, size_t want_len)
{
	return memcmp(data, want, len < want_len ? len : want_len) == 0;
}

/* A v1 port: 1 to 5 digits, no sign, no leading zero, at most 65535. */
static int
v1_port(const char *s, size_t len, in_port_t *out)
{
	uint64_t v;

	if (len == 0 || (len > 1 && s[0] == '0') ||
	    number_digits(s, len, &v) != len || v > 65535)
		return -1;
	*out = htons((in_port_t)v);
	return 0;
}

/* One v1 address of `family` into ss (port set later). */
static int
v1_address(int family, const char *s, size_t len, struct sockaddr_storage *ss)
{
	char text[INET6_ADDRSTRLEN];
	void *dst;

	if (len == 0 || len >= sizeof(text) || memchr(s, '\0', len) != NULL)
		return -1;
	memcpy(text, s, len);
	text[len] = '\0';
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = (sa_family_t)family;
	if (family == AF_INET)
		dst = &((struct sockaddr_in *)ss)->sin_addr;
	else
		dst = &((struct sockaddr_in6 *)ss)->sin6_addr;
	return inet_pton(family, text, dst) == 1 ? 0 : -1;
}

static void
set_port(struct sockaddr_storage *ss, in_port_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = port;
	else
		((struct sockaddr_in6 *)ss)->sin6_port = port;
}

/*
 * Split "A B C D" (the fields after "TCP4 ") at single spaces into exactly
 * four non-empty fields.
 */
static int
v1_fields(const char *s, size_t len, const char *f[4], size_t flen[4])
{
	size_t i, n = 0, start = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != ' ')
			continue;
		if (n == 4 || i == start)
			return -1;
		f[n] = s + start;
		flen[n++] = i - start;
		start = i + 1;
	}
	return n == 4 ? 0 : -1;
}

/* "TCP4 src dst sport dport" or "TCP6 ...", without the CRLF. */
static enum proxy_result
v1_addresses(const char *s, size_t len, struct proxy_header *h)
{
	const char *f[4];
	size_t flen[4];
	in_port_t sport, dport;
	int family;

	if (len >= 5 && memcmp(s, "TCP4 ", 5) == 0)
		family = AF_INET;
	else if (len >= 5 && memcmp(s, "TCP6 ", 5) == 0)
		family = AF_INET6;
	else
		return fail(h, "v1: unknown protocol (not TCP4, TCP6, UNKNOWN)");
	if (v1_fields(s + 5, len - 5, f, flen) == -1)
		return fail(h, "v1: not four fields separated by single spaces");
	if (v1_address(family, f[0], flen[0], &h->src) == -1 ||
	    v1_address(family, f[1], flen[1], &h->dst) == -1)
		return fail(h, "v1: bad address for the protocol");
	if (v1_port(f[2], flen[2], &sport) == -1 ||
	    v1_port(f[3], flen[3], &dport) == -1)
		return fail(h, "v1: bad port");
	set_port(&h->src, sport);
	set_port(&h->dst, dport);
	return PROXY_OK;
}

/* "PROXY " ... CRLF, at most V1_MAX bytes. */
static enum proxy_result
parse_v1(const char *data, size_t len, struct proxy_header *h)
{
	const char *cr, *body = data + sizeof(V1_PREFIX) - 1;
	size_t scan = len < V1_MAX ? len : V1_MAX, body_len;

	/* Whatever the cut, an LF before the first CR is wrong at once. */
	cr = memchr(data, '\r', scan);
	if (memchr(data, '\n', cr ? (size_t)(cr - data) : scan) != NULL)
		return fail(h, "v1: line ends without CR");
	if (cr == NULL)
		return len < V1_MAX ? PROXY_NEED_MORE :
		    fail(h, "v1: no CRLF within 107 bytes");
	if ((size_t)(cr - data) + 2 > V1_MAX)
		return fail(h, "v1: no CRLF within 107 bytes");
	if ((size_t)(cr - data) + 1 == len)
		return PROXY_NEED_MORE;
	if (cr[1] != '\n')
		return fail(h, "v1: CR not followed by LF");
	h->version = 1;
	h->length = (size_t)(cr - data) + 2;
	body_len = (size_t)(cr - body);
	/* UNKNOWN: the balancer could not tell; what follows is ignored. */
	if ((body_len == 7 || (body_len > 7 && body[7] == ' ')) &&
	    memcmp(body, "UNKNOWN", 7) == 0) {
		h->local = true;
		return PROXY_OK;
	}
	return v1_addresses(body, body_len, h);
}

static uint16_t
be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * The TLVs after the addresses (ALPN, authority, unique id, TLS facts)
 * are not used, but they must tile the rest of the header exactly: a
 * length that runs past the end is a broken or hostile sender.
 */
static int
v2_tlvs_valid(const unsigned char *p, size_t len)
{
	size_t tlv;

	while (len > 0) {
		if (len < 3)
			return -1;
		tlv = 3 + (size_t)be16(p + 1);
		if (tlv > len)
			return -1;
		p += tlv;
		len -= tlv;
	}
	return 0;
}

/* The address block for TCP over IPv4 or IPv6 (spec 2.2). */
static size_t
v2_addresses(int family, const unsigned char *p, struct proxy_header *h)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&h->src;
	struct sockaddr_in *d4 = (struct sockaddr_in *)&h->dst;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&h->src;
	struct sockaddr_in6 *d6 = (struct sockaddr_in6 *)&h->dst;

	memset(&h->src, 0, sizeof(h->src));
	memset(&h->dst, 0, sizeof(h->dst));
	h->src.ss_family = h->dst.ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		memcpy(&s4->sin_addr, p, 4);
		memcpy(&d4->sin_addr, p + 4, 4);
		memcpy(&s4->sin_port, p + 8, 2);
		memcpy(&d4->sin_port, p + 10, 2);
		return 12;
	}
	memcpy(&s6->sin6_addr, p, 16);
	memcpy(&d6->sin6_addr, p + 16, 16);
	memcpy(&s6->sin6_port, p + 32, 2);
	memcpy(&d6->sin6_port, p + 34, 2);
	return 36;
}

static enum proxy_result
parse_v2(const unsigned char *p, size_t len, struct proxy_header *h)
{
	size_t body, used = 0;
	unsigned cmd = p[12] & 0x0F, fam = p[13] >> 4, proto = p[13] & 0x0F;

	if ((p[12] >> 4) != 2)
		return fail(h, "v2: version is not 2");
	if (cmd > 1)
		return fail(h, "v2: command is neither LOCAL nor PROXY");
	body = be16(p + 14);
	if (V2_HEAD_LEN + body > PROXY_HEADER_MAX)
		return fail(h, "v2: header too long");
	if (len < V2_HEAD_LEN + body)
		return PROXY_NEED_MORE;
	h->version = 2;
	h->length = V2_HEAD_LEN + body;
	/*
	 * LOCAL (the balancer's own health check), or a family or transport
	 * we do not serve (UNSPEC, AF_UNIX, UDP): the spec says to use the
	 * connection's real endpoints then.
	 */
	h->local = cmd == 0 || proto != 1 || (fam != 1 && fam != 2);
	if (!h->local) {
		if (body < (fam == 1 ? 12u : 36u))
			return fail(h, "v2: address block too short");
		used = v2_addresses(fam == 1 ? AF_INET : AF_INET6, p + V2_HEAD_LEN, h);
		if (v2_tlvs_valid(p + V2_HEAD_LEN + used, body - used) == -1)
			return fail(h, "v2: malformed TLV");
	}
	return PROXY_OK;
}

enum proxy_result
proxy_parse(const void *data, size_t len, struct proxy_header *h)
{
	const unsigned char *p = data;

	memset(h, 0, sizeof(*h));
	if (len == 0)
		return PROXY_NEED_MORE;
	if (prefix_matches(p, len, v2_signature, V2_SIG_LEN)) {
		if (len < V2_HEAD_LEN)
			return PROXY_NEED_MORE;
		return parse_v2(p, len, h);
	}
	if (prefix_matches(p, len, V1_PREFIX, sizeof(V1_PREFIX) - 1)) {
		if (len < sizeof(V1_PREFIX) - 1)
			return PROXY_NEED_MORE;
		return parse_v1(data, len, h);
	}
	return fail(h, "no PROXY protocol header");
}

/*
 * The header as it arrives in reads of any size, for a connection read
 * by an event loop: bytes are parsed where they are while the header
 * fits in the first read (the usual case: a balancer sends it with or
 * before the request), and only a header cut by a read is copied into a
 * buffer of its own. Returns how many of the `len` bytes belong to the
 * header (all of them while st->wait stays true), or -1 for a broken
 * header (st->header.error says why). The rest is the request.
 */
ssize_t
proxy_state_feed(struct proxy_state *st, const char *data, size_t len)
{
	enum proxy_result r;
	size_t old = st->len, take;

	if (old == 0) {
		r = proxy_parse(data, len, &st->header);
		if (r == PROXY_OK) {
			st->wait = false;
			return (ssize_t)st->header.length;
		}
		if (r == PROXY_ERROR)
			return -1;
	}
	if (st->buf == NULL && (st->buf = malloc(PROXY_HEADER_MAX)) == NULL) {
		st->header.error = "out of memory";
		return -1;
	}
	take = len < PROXY_HEADER_MAX - old ? len : PROXY_HEADER_MAX - old;
	memcpy(st->buf + old, data, take);
	st->len = old + take;
	r = proxy_parse(st->buf, st->len, &st->header);
	if (r == PROXY_ERROR)
		return -1;
	if (r == PROXY_NEED_MORE)
		return (ssize_t)take;
	st->wait = false;
	return (ssize_t)(st->header.length - old);
}

void
proxy_state_init(struct proxy_state *st, bool wait)
{
	memset(st, 0, sizeof(*st));
	st->wait = wait;
}

void
proxy_state_free(struct proxy_state *st)
{
	free(st->buf);
	st->buf = NULL;
	st->len = 0;
}
