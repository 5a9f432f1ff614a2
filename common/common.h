/*
 * common.h: what sockwebd and sockget share. One section per file, so this
 * header is the table of contents of common/.
 */
#ifndef SOCKWEB_COMMON_H
#define SOCKWEB_COMMON_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SOCKWEB_VERSION PACKAGE_VERSION

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
/*
 * Not inlined into its caller: a rarely taken path with big stack arrays
 * would otherwise widen the common path's frame (in fork mode each stack
 * page a child touches is a page fault and a copy).
 */
#define NOINLINE __attribute__((noinline))
#else
#define PRINTF_LIKE(f, a)
#define NOINLINE
#endif

/* log.c: diagnostics on stderr, one style: "prog: what: why". */
void	log_init(const char *progname);
void	log_set_verbose(int level);
int	log_verbose(void);
void	log_warn(const char *fmt, ...) PRINTF_LIKE(1, 2);	/* appends ": strerror(errno)" */
void	log_warnx(const char *fmt, ...) PRINTF_LIKE(1, 2);
void	log_info(const char *fmt, ...) PRINTF_LIKE(1, 2);	/* only when verbose */

/* addr.c: socket addresses as people write them. */
#define ADDR_STRLEN 64	/* "[ffff:...:255.255.255.255%ifname]:65535" fits */
const char *addr_format(const struct sockaddr *sa, char *buf, size_t size);
const char *addr_format_ip(const struct sockaddr *sa, char *buf, size_t size);
int	addr_port(const struct sockaddr *sa);
const char *addr_family_name(int family);

/* httpdate.c: RFC 9110 section 5.6.7 dates. */
#define HTTPDATE_LEN 29	/* "Sun, 06 Nov 1994 08:49:37 GMT" */
char	*httpdate_format(time_t t, char buf[HTTPDATE_LEN + 1]);
int	 httpdate_parse(const char *s, time_t *out);
time_t	 httpdate_timegm(int year, int mon, int mday, int hour, int min, int sec);

/* io.c: whole reads and writes over short counts, EINTR and EAGAIN. */
ssize_t	io_write_all(int fd, const void *buf, size_t len, int timeout_ms);
ssize_t	io_read_some(int fd, void *buf, size_t len, int timeout_ms);
int	io_wait(int fd, short events, int timeout_ms);
long long io_now_ms(void);
long long io_now_us(void);

/* number.c: the one decimal parser (digits only, never wraps); a writer. */
size_t	number_digits(const char *s, size_t len, uint64_t *out);
int	number_parse(const char *s, long min, long max, long *out);
int	number_seconds_ms(const char *s, long max_s, long long *ms);
#define NUMBER_FORMAT_MAX 24	/* 2^64 - 1 in decimal, and the NUL */
size_t	number_format(uintmax_t v, unsigned base, char out[NUMBER_FORMAT_MAX]);

/* ascii.c: case-insensitive comparison the HTTP way (ASCII only). */
int	ascii_casecmp(const char *a, const char *b);
int	ascii_ncasecmp(const char *a, const char *b, size_t n);

/* buf.c: a growable byte buffer for building messages. */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	bool	 failed;	/* an allocation failed; contents are incomplete */
};
void	buf_init(struct buf *b);
void	buf_free(struct buf *b);
void	buf_reset(struct buf *b);
int	buf_reserve(struct buf *b, size_t extra);
void	buf_trim(struct buf *b, size_t keep);
int	buf_append(struct buf *b, const void *data, size_t len);
int	buf_puts(struct buf *b, const char *s);
int	buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
int	buf_html_escape(struct buf *b, const char *s, size_t len);
int	buf_url_escape(struct buf *b, const char *s, size_t len);

#endif /* SOCKWEB_COMMON_H */
