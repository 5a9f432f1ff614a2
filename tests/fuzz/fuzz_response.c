/*
 * fuzz_response.c: fetch_one, the client's request and response exchange,
 * against a "server" that answers any bytes: a socketpair per input, the
 * input written whole to one end and that end shut down for writing, so
 * fetch_one sees the response and then the end of the stream. The first
 * input byte picks the options that steer fetch_body_policy (-i, HEAD, -L,
 * -f, -C 5), the rest is the response. Inputs are capped at 64 KiB (run
 * with -max_len=65536), which the socket buffer takes without a reader.
 * Invariants:
 *  - the exit code is one of those a response can cause: 0, 8 (weird
 *    reply), 18 (partial), 22 only with -f, 33 only with -C, 52 (empty),
 *    27 (out of memory); never 28: every byte and the end of the stream are
 *    there from the start, so nothing may wait for the deadline;
 *  - an empty input gives 52; exit 0 means a status code was parsed;
 *  - body bytes counted never exceed the bytes that came;
 *  - no leak (LeakSanitizer) and no descriptor left open: both ends of the
 *    pair and the output (/dev/null) are closed on every input.
 */
#include "config.h"

#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockget.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT 65536
#define FUZZ_DEADLINE_US 2000000	/* far more than a 64 KiB parse takes */

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_response: invariant broken: %s\n", #cond); \
		abort();						\
	}								\
} while (0)

static void
setup_once(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	signal(SIGPIPE, SIG_IGN);	/* as sockget's main does */
	output_set_quiet(true);	/* the messages are not under test */
}

/* Writes what the socket buffer takes; returns the count written. */
static size_t
serve(int fd, const uint8_t *data, size_t size)
{
	size_t done = 0;
	ssize_t n;

	while (done < size) {
		n = write(fd, data + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	CHECK(shutdown(fd, SHUT_WR) == 0);
	return done;
}

static void
check_code(int rc, const struct options *o, long long range_from)
{
	switch (rc) {
	case SG_OK:
	case SG_WEIRD_SERVER_REPLY:
	case SG_PARTIAL_FILE:
	case SG_GOT_NOTHING:
	case SG_OUT_OF_MEMORY:
		break;
	case SG_HTTP_RETURNED_ERROR:
		CHECK(o->fail);
		break;
	case SG_RANGE_ERROR:
		CHECK(range_from > 0);
		break;
	default:
		CHECK(!"an exit code a response can cause");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct url url;
	struct options o;
	struct fetch_request rq;
	struct fetch_stats st;
	struct output out;
	uint8_t flags;
	size_t sent;
	int sv[2], rc;

	setup_once();
	if (url.host == NULL)
		CHECK(url_parse("http://fuzz.example/file", &url) == URL_OK);
	if (size < 1)
		return 0;
	flags = data[0];
	data++;
	size--;
	if (size > FUZZ_MAX_INPUT)
		size = FUZZ_MAX_INPUT;

	memset(&o, 0, sizeof(o));
	o.include = flags & 1;
	o.fail = flags & 8;
	o.max_redirs = -1;
	o.resume_from = -1;
	memset(&rq, 0, sizeof(rq));
	rq.url = &url;
	rq.opt = &o;
	rq.head = flags & 2;
	rq.follow_now = flags & 4;
	rq.range_from = flags & 16 ? 5 : -1;
	memset(&st, 0, sizeof(st));
	st.t_start_us = io_now_us();
	rq.deadline_us = st.t_start_us + FUZZ_DEADLINE_US;
	output_init(&out, "/dev/null", false);

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) == 0);
	sent = serve(sv[1], data, size);
	rc = fetch_one(sv[0], &rq, &out, &st);
	CHECK(close(sv[0]) == 0);
	CHECK(close(sv[1]) == 0);
	CHECK(output_close(&out) == 0);

	check_code(rc, &o, rq.range_from);
	CHECK(rc != SG_GOT_NOTHING || sent == 0);
	CHECK(sent != 0 || rc == SG_GOT_NOTHING);
	CHECK(rc != SG_OK || (st.http_code >= 100 && st.http_code <= 999));
	CHECK(st.size_download >= 0 && (size_t)st.size_download <= sent);
	CHECK(out.received == st.size_download);
	free(st.location);
	free(st.content_type);
	return 0;
}
