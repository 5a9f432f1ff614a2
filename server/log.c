/*
 * log.c: the access log, in the combined log format with the client's
 * ephemeral port after its address:
 *   127.0.0.1:50312 - - [27/Nov/2026:05:30:00 +0000] "GET / HTTP/1.0" 200 1234 "-" "curl/7.88.1"
 * Bytes that come from the client (request line, Referer, User-Agent) are
 * escaped (\" \\ \xHH) so nobody can forge a line. Each line is one
 * write(2) on an O_APPEND descriptor, so lines from concurrent children
 * never interleave; a line the disk had room for only in part is
 * completed or dropped whole (write_line), so every line parses.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockwebd.h"

static int log_fd = -1;
static const char *log_path;	/* NULL: standard output */

/*
 * State shared by the parent and all its children, in one page: a full
 * disk would make every child warn on every request, so the whole server
 * warns at most once a minute; and a line that could be neither completed
 * nor taken back (another child wrote after it, or the log is a pipe) is
 * terminated by the next line's leading newline, whichever child writes it.
 */
#define LOG_WARN_INTERVAL 60
struct log_shared {
	time_t	last_warning;
	bool	unterminated;
};
static volatile struct log_shared *shared;

int
log_access_open(const char *path)
{
	int fd;

	if (shared == NULL) {
		void *p = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED)
			shared = p;
	}
	log_path = path;
	if (path == NULL || strcmp(path, "-") == 0) {
		log_path = NULL;
		log_fd = STDOUT_FILENO;
		return 0;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1) {
		log_warn("access log %s", path);
		return -1;
	}
	log_fd = fd;
	return 0;
}

/* SIGHUP: after logrotate moved the file, start a new one. */
int
log_access_reopen(void)
{
	int old = log_fd;

	if (log_path == NULL)
		return 0;
	if (log_access_open(log_path) == -1) {
		log_fd = old;		/* keep logging to the old file */
		return -1;
	}
	if (old >= 0 && old != log_fd)
		close(old);
	return 0;
}

static void
escape(struct buf *b, const char *s, size_t len)
{
	size_t i;
	unsigned char ch;

	if (s == NULL || len == 0) {
		buf_puts(b, "-");
		return;
	}
	for (i = 0; i < len; i++) {
		ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			buf_printf(b, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			buf_printf(b, "\\x%02X", ch);
		else
			buf_append(b, s + i, 1);
	}
}

static void
request_line(struct buf *b, const struct request *req)
{
	if (req->target_len == 0) {
		escape(b, req->head, strnlen(req->head, req->head_len));
		return;
	}
	buf_printf(b, "%s ", request_method_name(req));
	escape(b, req->target, req->target_len);
	if (req->has_version)
		buf_printf(b, " HTTP/%u.%u", req->major, req->minor);
}

/* The time stamp changes once a second; format it once a second. */
static const char *
log_stamp(void)
{
	static char stamp[64];
	static time_t cached = -1;
	time_t now = time(NULL);
	struct tm tm;

	if (now != cached && localtime_r(&now, &tm) != NULL) {
		strftime(stamp, sizeof(stamp), "%d/%b/%Y:%H:%M:%S %z", &tm);
		cached = now;
	}
	return stamp;
}

static void
log_begin(struct buf *b, const char *peer_name)
{
	if (shared && shared->unterminated)
		buf_puts(b, "\n");
	buf_printf(b, "%s - - [%s] \"", peer_name, log_stamp());
}

/*
 * The first `written` bytes of a line went out, the rest cannot (ENOSPC,
 * EDQUOT, EFBIG): take them back when nobody wrote after them (the file
 * ends where our O_APPEND write left the offset), else have the next line
 * terminate them.
 */
static void
drop_partial(size_t written)
{
	int saved = errno;
	struct stat st;
	off_t end = lseek(log_fd, 0, SEEK_CUR);

	if (end == -1 || fstat(log_fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size != end || ftruncate(log_fd, end - (off_t)written) == -1) {
		if (shared)
			shared->unterminated = true;
	}
	errno = saved;
}

/* Write the whole line, or leave none of it (see drop_partial). */
static int
write_line(const char *data, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(log_fd, data + done, len - done);
		if (n > 0)
			done += (size_t)n;
		else if (n == -1 && errno == EINTR)
			continue;
		else {
			if (n == 0)
				errno = ENOSPC;
			if (done > 0)
				drop_partial(done);
			return -1;
		}
	}
	if (shared)
		shared->unterminated = false;
	return 0;
}

static void
log_end(struct buf *b)
{
	time_t now;

	if (b->failed || write_line(b->data, b->len) == 0)
		return;
	now = time(NULL);
	if (shared && now - shared->last_warning < LOG_WARN_INTERVAL)
		return;
	if (shared)
		shared->last_warning = now;
	log_warn("write access log");
}

void
log_access(const struct conn *c, const struct request *req,
    const struct response *resp)
{
	char via[ADDR_STRLEN];
	struct buf b;
	const char *v;

	if (log_fd < 0)
		return;
	buf_init(&b);
	log_begin(&b, c->peer_name);
	request_line(&b, req);
	buf_printf(&b, "\" %d %jd \"", resp->status, (intmax_t)resp->sent);
	v = request_header(req, "Referer");
	escape(&b, v, v ? strlen(v) : 0);
	buf_puts(&b, "\" \"");
	v = request_header(req, "User-Agent");
	escape(&b, v, v ? strlen(v) : 0);
	buf_puts(&b, "\"");
	/* Behind a balancer (PROXY protocol): who passed the connection on. */
	if (c->via_version > 0)
		buf_printf(&b, " via %s", addr_format((const struct sockaddr *)
		    &c->via, via, sizeof(via)));
	buf_puts(&b, "\n");
	log_end(&b);
	buf_free(&b);
}

/* The parent turned a connection away before any request was read. */
void
log_access_refused(const char *peer_name, int status)
{
	struct buf b;

	if (log_fd < 0)
		return;
	buf_init(&b);
	log_begin(&b, peer_name);
	buf_printf(&b, "-\" %d 0 \"-\" \"-\"\n", status);
	log_end(&b);
	buf_free(&b);
}

/* The descriptor a forked child must keep open (-1: no access log). */
int
log_access_fd(void)
{
	return log_fd;
}
