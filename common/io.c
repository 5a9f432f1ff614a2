/*
 * io.c: a TCP connection is a byte stream. A write may take only part of
 * the buffer, a read may return any part of what the peer sent, and either
 * may be interrupted by a signal or find a non-blocking socket not ready.
 * These helpers hide that loop once, with a deadline so that a peer that
 * stops reading or sending cannot hold us forever.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

/* Monotonic clock: deadlines must not jump with the wall clock. */
long long
io_now_us(void)
{
	struct timespec ts;

	/* Its only errors are a bad clock id or pointer: not this call. */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

long long
io_now_ms(void)
{
	return io_now_us() / 1000;
}

/*
 * Wait until fd is ready for `events` or timeout_ms passes (negative: no
 * limit). Returns 1 when ready, 0 on time-out (errno ETIMEDOUT), -1 on error.
 */
int
io_wait(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	long long deadline = io_now_ms() + timeout_ms;
	int left = timeout_ms, n;

	for (;;) {
		n = poll(&pfd, 1, left);
		if (n > 0)
			return 1;
		if (n == 0) {
			errno = ETIMEDOUT;
			return 0;
		}
		if (errno != EINTR)
			return -1;
		if (timeout_ms >= 0) {
			left = (int)(deadline - io_now_ms());
			if (left < 0)
				left = 0;
		}
	}
}

/* Write all of buf. Returns len, or -1 with errno (ETIMEDOUT on time-out). */
ssize_t
io_write_all(int fd, const void *buf, size_t len, int timeout_ms)
{
	const char *p = buf;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(fd, p + done, len - done);
		if (n > 0) {
			done += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (io_wait(fd, POLLOUT, timeout_ms) <= 0)
				return -1;
			continue;
		}
		return -1;
	}
	return (ssize_t)len;
}

/*
 * One read of at most len bytes, waiting up to timeout_ms for the first.
 * Returns the count, 0 at end of stream, -1 with errno (ETIMEDOUT).
 */
ssize_t
io_read_some(int fd, void *buf, size_t len, int timeout_ms)
{
	ssize_t n;

	for (;;) {
		n = read(fd, buf, len);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (io_wait(fd, POLLIN, timeout_ms) <= 0)
			return -1;
	}
}

