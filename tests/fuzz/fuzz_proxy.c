/*
 * fuzz_proxy.c: proxy_parse on any bytes. Invariants:
 *  - the result is need more, ok or error, and an error has a reason;
 *  - "need more" only while fewer than PROXY_HEADER_MAX bytes are in, so
 *    a connection can never be made to buffer without bound;
 *  - ok: a header of 1..size bytes (v1 at most 107), version 1 or 2,
 *    with IPv4 or IPv6 source and destination of one family unless
 *    local; the header is self-delimiting: its own bytes alone give the
 *    same answer, and one byte fewer is "need more".
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockwebd.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_proxy: invariant broken: %s\n", #cond); \
		abort();						\
	}								\
} while (0)

static void
check_ok(const uint8_t *data, size_t size, const struct proxy_header *h)
{
	struct proxy_header again;

	CHECK(h->length >= 1 && h->length <= size);
	CHECK(h->length <= PROXY_HEADER_MAX);
	CHECK(h->version == 1 || h->version == 2);
	CHECK(h->version != 1 || h->length <= 107);
	if (!h->local) {
		CHECK(h->src.ss_family == AF_INET || h->src.ss_family == AF_INET6);
		CHECK(h->dst.ss_family == h->src.ss_family);
	}
	CHECK(proxy_parse(data, h->length, &again) == PROXY_OK);
	CHECK(again.length == h->length && again.local == h->local);
	CHECK(memcmp(&again.src, &h->src, sizeof(h->src)) == 0);
	CHECK(proxy_parse(data, h->length - 1, &again) == PROXY_NEED_MORE);
}

/*
 * The same bytes in two reads cut at `cut` through proxy_state_feed: the
 * same verdict and header length as proxy_parse on the whole.
 */
static void
check_split(const uint8_t *data, size_t size, size_t cut, enum proxy_result whole,
    const struct proxy_header *h)
{
	struct proxy_state st;
	ssize_t a, b = 0;
	size_t taken;

	proxy_state_init(&st, true);
	a = cut > 0 ? proxy_state_feed(&st, (const char *)data, cut) : 0;
	if (a >= 0 && st.wait && size > cut)
		b = proxy_state_feed(&st, (const char *)data + cut, size - cut);
	if (whole == PROXY_ERROR)
		CHECK(a < 0 || b < 0);
	if (whole == PROXY_NEED_MORE)
		CHECK(a >= 0 && b >= 0 && st.wait);
	if (whole == PROXY_OK) {
		CHECK(a >= 0 && b >= 0 && !st.wait);
		taken = st.len > 0 ? st.header.length :
		    (size_t)a + (size_t)b;
		CHECK(taken == h->length);
		CHECK(st.header.local == h->local);
	}
	proxy_state_free(&st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_header h;
	enum proxy_result r;

	r = proxy_parse(data, size, &h);
	CHECK(r == PROXY_NEED_MORE || r == PROXY_OK || r == PROXY_ERROR);
	if (r == PROXY_NEED_MORE)
		CHECK(size < PROXY_HEADER_MAX);
	if (r == PROXY_ERROR)
		CHECK(h.error != NULL);
	if (r == PROXY_OK)
		check_ok(data, size, &h);
	if (size > 0)
		check_split(data, size, data[0] % (size + 1), r, &h);
	return 0;
}
