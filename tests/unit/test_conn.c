/*
 * Unit tests for the pieces of the event-driven connection layer that do
 * not need a server: the time-out queues (timer.c) and the resumable
 * sends of a response (sendq.c) through a socketpair whose buffers are
 * small, so a send stops half-way (SEND_AGAIN) and must resume exactly
 * where it stopped, across memory and file segments.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockwebd.h"
#include "tap.h"

static void
test_timers(void)
{
	struct timerq q;
	struct timer a = { 0 }, b = { 0 }, c = { 0 };

	timerq_init(&q, 1000);
	is_int((int)timerq_next(&q), -1, "an empty queue has no deadline");
	timer_arm(&q, &a, 0);
	timer_arm(&q, &b, 10);
	timer_arm(&q, &c, 20);
	is_int((int)timerq_next(&q), 1000, "the earliest deadline is the first armed");
	ok(timerq_expired(&q, 999) == NULL, "nothing expires before its deadline");
	timer_arm(&q, &a, 30);	/* re-armed: goes to the back */
	is_int((int)timerq_next(&q), 1010, "re-arming moves a timer behind the others");
	ok(timerq_expired(&q, 1015) == &b, "b expires first");
	ok(timerq_expired(&q, 1015) == NULL, "c not yet");
	timer_cancel(&c);
	timer_cancel(&c);	/* twice is harmless */
	ok(timerq_expired(&q, 5000) == &a, "with c cancelled, a is next");
	ok(timerq_expired(&q, 5000) == NULL, "then the queue is empty");
	is_int((int)timerq_next(&q), -1, "and has no deadline");
}

/* A socketpair with small buffers, non-blocking on our side. */
static int
small_pair(int sv[2])
{
	int size = 4096;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return -1;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fcntl(sv[0], F_SETFL, O_NONBLOCK);
}

static int
temp_file(const char *data, size_t len)
{
	char path[] = "/tmp/test_conn.XXXXXX";
	int fd = mkstemp(path);

	if (fd == -1)
		return -1;
	unlink(path);
	if (write(fd, data, len) != (ssize_t)len)
		return -1;
	return fd;
}

static void
test_resume(void)
{
	enum { FILE_LEN = 300000 };
	static char filedata[FILE_LEN], got[FILE_LEN + 64];
	const char *head = "HEAD\r\n", *tail = "--end--";
	struct sendq q;
	size_t have = 0, want;
	int sv[2], fd, agains = 0, i;
	enum send_result r;
	ssize_t n;

	for (i = 0; i < FILE_LEN; i++)
		filedata[i] = (char)('a' + i % 26);
	if (small_pair(sv) == -1 || (fd = temp_file(filedata, FILE_LEN)) == -1) {
		ok(0, "socketpair and temporary file: %s", strerror(errno));
		return;
	}
	sendq_init(&q);
	ok(sendq_add_mem(&q, head, strlen(head), false) == 0, "head segment");
	ok(sendq_add_file(&q, fd, 1000, FILE_LEN - 1000, true) == 0,
	    "file segment from offset 1000");
	ok(sendq_add_mem(&q, tail, strlen(tail), true) == 0, "memory body after it");
	ok(sendq_add_mem(&q, tail, 0, true) == 0 && q.n == 3,
	    "an empty segment is not queued");
	want = strlen(head) + FILE_LEN - 1000 + strlen(tail);
	while ((r = sendq_send(sv[0], &q)) == SEND_AGAIN) {
		agains++;
		/* The client reads a little: the next send resumes. */
		n = read(sv[1], got + have, 5000);
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	is_int(r, SEND_DONE, "the response is sent in the end");
	ok(agains > 10, "... after stopping half-way many times (%d)", agains);
	ok(sendq_done(&q), "nothing is left");
	shutdown(sv[0], SHUT_WR);
	while ((n = read(sv[1], got + have, sizeof(got) - have)) > 0)
		have += (size_t)n;
	is_int((int)have, (int)want, "every byte arrived once");
	ok(memcmp(got, head, strlen(head)) == 0, "the head first");
	ok(memcmp(got + strlen(head), filedata + 1000, FILE_LEN - 1000) == 0,
	    "then the file from offset 1000, in order");
	ok(memcmp(got + want - strlen(tail), tail, strlen(tail)) == 0,
	    "then the memory body");
	is_int((int)q.body_sent, (int)(want - strlen(head)),
	    "body bytes counted without the head");
	is_int((int)q.total_sent, (int)want, "all bytes counted");
	close(sv[0]);
	close(sv[1]);
	close(fd);
}

static void
test_errors(void)
{
	struct sendq q;
	int sv[2], fd;

	if (small_pair(sv) == -1 || (fd = temp_file("abc", 3)) == -1) {
		ok(0, "socketpair and temporary file");
		return;
	}
	sendq_init(&q);
	sendq_add_file(&q, fd, 0, 10, true);	/* the file is shorter */
	is_int(sendq_send(sv[0], &q), SEND_ERROR,
	    "a file that shrank under us ends the response");
	is_int(errno, EIO, "... with EIO");
	close(sv[1]);
	sendq_init(&q);
	sendq_add_mem(&q, "x", 1, true);
	is_int(sendq_send(sv[0], &q), SEND_ERROR, "the client went away: error");
	is_int(errno, EPIPE, "... EPIPE, and no SIGPIPE");
	close(sv[0]);
	close(fd);
}

static void
test_segments_bound(void)
{
	struct sendq q;
	int i, rc = 0;

	sendq_init(&q);
	for (i = 0; i < SENDQ_SEGMENTS && rc == 0; i++)
		rc = sendq_add_mem(&q, "x", 1, true);
	ok(rc == 0, "%d segments fit", SENDQ_SEGMENTS);
	ok(sendq_add_mem(&q, "x", 1, true) == -1 && errno == ENOBUFS,
	    "one more is refused (ENOBUFS), never an overflow");
}

int
main(void)
{
	test_timers();
	test_resume();
	test_errors();
	test_segments_bound();
	return tap_done();
}
