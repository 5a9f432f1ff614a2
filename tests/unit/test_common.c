/* Unit tests for common/: addresses, HTTP dates, buffers, whole I/O. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "tap.h"

static void
test_addr(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(8080) };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(443) };
	char buf[ADDR_STRLEN];

	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	is_str(addr_format((struct sockaddr *)&sin, buf, sizeof(buf)),
	    "127.0.0.1:8080", "IPv4 address:port");
	sin6.sin6_addr = in6addr_loopback;
	is_str(addr_format((struct sockaddr *)&sin6, buf, sizeof(buf)),
	    "[::1]:443", "IPv6 in brackets");
	is_str(addr_format_ip((struct sockaddr *)&sin6, buf, sizeof(buf)),
	    "::1", "IPv6 without port");
	inet_pton(AF_INET6, "2001:db8::ffff:1", &sin6.sin6_addr);
	sin6.sin6_port = htons(65535);
	is_str(addr_format((struct sockaddr *)&sin6, buf, sizeof(buf)),
	    "[2001:db8::ffff:1]:65535", "IPv6 with highest port");
	inet_pton(AF_INET, "255.0.10.200", &sin.sin_addr);
	sin.sin_port = htons(0);
	is_str(addr_format((struct sockaddr *)&sin, buf, sizeof(buf)),
	    "255.0.10.200:0", "IPv4: every octet width, port 0");
	is_str(addr_format((struct sockaddr *)&sin, buf, 8), "255.0.1",
	    "a short buffer cuts, NUL-terminated");
	is_str(addr_format_ip((struct sockaddr *)&sin, buf, sizeof(buf)),
	    "255.0.10.200", "IPv4 without port");
	sin.sin_port = htons(8080);
	is_int(addr_port((struct sockaddr *)&sin), 8080, "port of IPv4");
	is_str(addr_family_name(AF_INET6), "IPv6", "family name");
}

static void
check_date(const char *s, time_t want, const char *what)
{
	time_t t = -12345;

	is_int(httpdate_parse(s, &t), 0, "parse %s: %s", what, s);
	is_int(t, want, "value of %s", what);
}

static void
check_bad_date(const char *s)
{
	time_t t = 0;

	is_int(httpdate_parse(s, &t), -1, "reject \"%s\"", s);
}

/* httpdate_format's own calendar against gmtime_r and strftime. */
static void
agrees_with_strftime(char buf[HTTPDATE_LEN + 1])
{
	char want[64];
	struct tm tm;
	long long t;
	int bad = 0;

	for (t = -62167219200LL; t < 253402300800LL; t += 7777777 + t % 3601) {
		time_t tt = (time_t)t;

		gmtime_r(&tt, &tm);
		strftime(want, sizeof(want), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		if (tm.tm_year + 1900 < 1000)	/* %Y writes no leading zeros */
			continue;
		if (httpdate_format(tt, buf) == NULL || strcmp(buf, want) != 0)
			bad++;
	}
	is_int(bad, 0, "years 1000-9999, every ~90 days: same as gmtime_r");
}

static void
test_httpdate(void)
{
	char buf[HTTPDATE_LEN + 1];

	is_str(httpdate_format(784111777, buf), "Sun, 06 Nov 1994 08:49:37 GMT",
	    "format RFC example");
	is_str(httpdate_format(0, buf), "Thu, 01 Jan 1970 00:00:00 GMT", "epoch");
	is_str(httpdate_format(951782400, buf), "Tue, 29 Feb 2000 00:00:00 GMT",
	    "leap day 2000");
	is_str(httpdate_format(2147483647, buf), "Tue, 19 Jan 2038 03:14:07 GMT",
	    "last 32-bit second");
	is_str(httpdate_format(2147483648LL, buf), "Tue, 19 Jan 2038 03:14:08 GMT",
	    "first second past 2038");
	is_str(httpdate_format(4102444800LL, buf), "Fri, 01 Jan 2100 00:00:00 GMT",
	    "year 2100");
	is_str(httpdate_format(-1, buf), "Wed, 31 Dec 1969 23:59:59 GMT",
	    "the second before the epoch");
	is_str(httpdate_format(253402300799LL, buf),
	    "Fri, 31 Dec 9999 23:59:59 GMT", "the last second of year 9999");
	ok(httpdate_format(253402300800LL, buf) == NULL && buf[0] == '\0',
	    "year 10000: no date");
	ok(httpdate_format(-62167219201LL, buf) == NULL,
	    "before year 0: no date");
	agrees_with_strftime(buf);

	check_date("Sun, 06 Nov 1994 08:49:37 GMT", 784111777, "IMF-fixdate");
	check_date("Sunday, 06-Nov-94 08:49:37 GMT", 784111777, "RFC 850");
	check_date("Sun Nov  6 08:49:37 1994", 784111777, "asctime");
	check_date("Thu, 01 Jan 1970 00:00:00 GMT", 0, "epoch");
	check_date("Tue, 29 Feb 2000 00:00:00 GMT", 951782400, "leap 2000");
	check_date("Thu, 29 Feb 2024 12:00:00 GMT", 1709208000, "leap 2024");
	check_date("Tue, 19 Jan 2038 03:14:08 GMT", 2147483648LL, "past 2038");
	check_date("Fri, 31 Dec 9999 23:59:59 GMT", 253402300799LL, "year 9999");
	check_date("Thursday, 01-Jan-70 00:00:00 GMT", 0, "RFC 850 year 70");
	check_date("Tuesday, 19-Jan-38 03:14:08 GMT", 2147483648LL, "RFC 850 year 38");
	check_date("Sat Jan  1 00:00:00 2000", 946684800, "asctime 2000");
	check_date("Wed Dec 31 23:59:60 2025", 1767225599, "leap second");

	check_bad_date("");
	check_bad_date("Sun, 06 Nov 1994 08:49:37");
	check_bad_date("Sun, 06 Nov 1994 08:49:37 GMT ");
	check_bad_date("Sun, 06 Nov 1994 08:49:37 UTC");
	check_bad_date("Sun, 6 Nov 1994 08:49:37 GMT");
	check_bad_date("Sun, 06 nov 1994 08:49:37 GMT");
	check_bad_date("Mon, 06 Nov 1994 08:49:37 GMT");	/* wrong weekday */
	check_bad_date("Tue, 29 Feb 2100 00:00:00 GMT");	/* 2100 is not leap */
	check_bad_date("Sat, 29 Feb 2025 00:00:00 GMT");
	check_bad_date("Sun, 31 Nov 1994 08:49:37 GMT");
	check_bad_date("Sun, 06 Nov 1994 24:00:00 GMT");
	check_bad_date("Sun, 06 Nov 1994 08:60:00 GMT");
	check_bad_date("Sun, 00 Nov 1994 08:49:37 GMT");
	check_bad_date("Sun, 06 Nov 94 08:49:37 GMT");
	check_bad_date("Sunday, 06-Nov-1994 08:49:37 GMT");
	check_bad_date("Sun Nov 6 08:49:37 1994");
	check_bad_date("Sunday, 06 Nov 1994 08:49:37 GMT");
	check_bad_date("-1");
	check_bad_date("Sun, 06 Nov 1994 08:49:37 GMT\n");
	is_int(httpdate_parse(NULL, &(time_t){0}), -1, "NULL string");
}

static void
test_buf(void)
{
	struct buf b;
	int i;

	buf_init(&b);
	buf_puts(&b, "a");
	buf_printf(&b, "%d-%s", 42, "x");
	is_str(b.data, "a42-x", "append and printf");
	for (i = 0; i < 10000; i++)
		buf_puts(&b, "0123456789");
	is_int(b.len, 5 + 100000, "grows past many doublings");
	buf_reset(&b);
	buf_html_escape(&b, "<a href=\"x\">&'", 14);
	is_str(b.data, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;", "html escape");
	buf_reset(&b);
	buf_url_escape(&b, "a b#?%/\xc3\xa9.txt", 13);
	is_str(b.data, "a%20b%23%3F%25/%C3%A9.txt", "url escape");
	ok(!b.failed, "no allocation failure");
	buf_free(&b);
}

static void
test_ascii(void)
{
	ok(ascii_casecmp("Content-Length", "content-length") == 0,
	    "ASCII letters match in either case");
	ok(ascii_casecmp("Host", "Hosts") < 0 && ascii_casecmp("b", "A") > 0,
	    "order as strcasecmp in the C locale");
	ok(ascii_ncasecmp("HTTP://x", "http://", 7) == 0 &&
	    ascii_ncasecmp("http:/", "http://", 7) != 0,
	    "at most n bytes; a shorter string differs");
	ok(ascii_casecmp("\xc3\x89", "\xc3\xa9") != 0,
	    "bytes past ASCII are compared as they are");
	ok(ascii_casecmp("[", "{") != 0 && ascii_casecmp("@", "`") != 0,
	    "only A-Z fold: [ is not {, @ is not `");
}

/* buf_reserve: one allocation for what is coming; buf_trim: keep it small. */
static void
test_buf_reserve_trim(void)
{
	struct buf b;
	char *data;

	buf_init(&b);
	is_int(buf_reserve(&b, 500), 0, "reserve 500 bytes");
	ok(b.cap > 500 && b.len == 0, "room for 500 and the NUL, nothing in it");
	data = b.data;
	buf_puts(&b, "HTTP/1.0 200 OK\r\n");
	ok(b.data == data, "appending within the reservation does not move it");
	buf_trim(&b, 1024);
	ok(b.data == data && b.len == 0, "trim: a small buffer stays, emptied");
	for (int i = 0; i < 200; i++)
		buf_puts(&b, "0123456789");
	buf_trim(&b, 1024);
	ok(b.data == NULL && b.cap == 0, "trim: a buffer past the bound is freed");
	buf_free(&b);
}

/* Read exactly len bytes unless the stream ends first (what a test reader needs). */
static ssize_t
read_full(int fd, void *buf, size_t len, int timeout_ms)
{
	char *p = buf;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = io_read_some(fd, p + done, len - done, timeout_ms);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += n;
	}
	return (ssize_t)done;
}

static void
test_io(void)
{
	int sv[2], flags;
	static char big[1 << 20], back[1 << 20];
	ssize_t n;
	size_t i;
	pid_t pid;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1) {
		ok(0, "socketpair: %s", strerror(errno));
		return;
	}
	/* Non-blocking writer and a 1 MiB message: short counts and EAGAIN. */
	flags = fcntl(sv[0], F_GETFL);
	fcntl(sv[0], F_SETFL, flags | O_NONBLOCK);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		n = read_full(sv[1], back, sizeof(back), 5000);
		_exit(n == (ssize_t)sizeof(back) &&
		    memcmp(big, back, sizeof(back)) == 0 ? 0 : 1);
	}
	close(sv[1]);
	is_int(io_write_all(sv[0], big, sizeof(big), 5000), sizeof(big),
	    "write 1 MiB through a non-blocking socket");
	close(sv[0]);
	{
		int status = -1;
		waitpid(pid, &status, 0);
		is_int(status, 0, "reader got every byte in order");
	}

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	errno = 0;
	n = io_read_some(sv[0], back, 10, 100);
	is_int(n, -1, "read times out when the peer is silent");
	is_int(errno, ETIMEDOUT, "errno is ETIMEDOUT");
	if (write(sv[1], "hello", 5) != 5)
		ok(0, "write");
	close(sv[1]);
	n = read_full(sv[0], back, 10, 100);
	is_int(n, 5, "short read at end of stream");
	is_int(io_read_some(sv[0], back, 10, 100), 0, "then end of stream");
	close(sv[0]);
}

static void
test_number(void)
{
	long v = -7;

	is_int(number_parse("8080", 0, 65535, &v), 0, "number in range");
	is_int(v, 8080, "its value");
	is_int(number_parse("65536", 0, 65535, &v), -1, "above the range");
	is_int(number_parse("-1", 0, 65535, &v), -1, "below the range");
	is_int(number_parse("", 0, 10, &v), -1, "empty string");
	is_int(number_parse("12abc", 0, 100, &v), -1, "trailing garbage");
	is_int(number_parse("99999999999999999999", 0, 100, &v), -1, "overflow");
	is_int(number_parse("-1", -1, 10, &v), 0, "a negative number allowed by min");
	is_int(v, -1, "its value");
	is_int(number_parse("-", -1, 10, &v), -1, "a sign alone");
	is_int(number_parse(" 5", 0, 10, &v), -1, "a leading blank (strtol takes it)");
	is_int(number_parse("+5", 0, 10, &v), -1, "a plus sign (strtol takes it)");
	is_int(number_parse("--5", -10, 10, &v), -1, "two signs");
}

/* number_seconds_ms: input, result, milliseconds when 0 (bound 100 s). */
static const struct {
	const char	*in;
	int		 rc;
	long long	 ms;
} seconds_cases[] = {
	{ "5", 0, 5000 }, { "0.25", 0, 250 }, { ".5", 0, 500 },
	{ "3.", 0, 3000 }, { "0.0005", 0, 1 },	/* rounds to the nearest ms */
	{ "1.23449999", 0, 1234 },		/* the 4th decimal rounds */
	{ "100", 0, 100000 }, { "101", -1, 0 },	/* the bound */
	{ "", -1, 0 }, { ".", -1, 0 }, { "-1", -1, 0 }, { " 1", -1, 0 },
	{ "1e3", -1, 0 }, { "0x10", -1, 0 },	/* strtod took both */
	{ "1.2.3", -1, 0 }, { "inf", -1, 0 },
};

static void
test_number_seconds(void)
{
	size_t i;

	for (i = 0; i < sizeof(seconds_cases) / sizeof(seconds_cases[0]); i++) {
		long long ms = -7;
		int rc = number_seconds_ms(seconds_cases[i].in, 100, &ms);

		is_int(rc, seconds_cases[i].rc, "seconds '%s': %s",
		    seconds_cases[i].in, seconds_cases[i].rc == 0 ? "accepted" :
		    "refused");
		if (rc == 0)
			is_int(ms, seconds_cases[i].ms, "seconds '%s' = %lld ms",
			    seconds_cases[i].in, seconds_cases[i].ms);
	}
}

static void
test_number_digits(void)
{
	uint64_t v = 7;

	is_int((int)number_digits("1234-99", 7, &v), 4, "digits up to the dash");
	ok(v == 1234, "their value");
	is_int((int)number_digits("12345", 3, &v), 3, "no further than len");
	ok(v == 123, "the value of those 3");
	is_int((int)number_digits("x1", 2, &v), 0, "no digit first: 0");
	ok(v == 0, "value 0");
	is_int((int)number_digits("", 0, &v), 0, "empty");
	is_int((int)number_digits("18446744073709551615", 20, &v), 20,
	    "UINT64_MAX read whole");
	ok(v == UINT64_MAX, "exactly UINT64_MAX");
	is_int((int)number_digits("99999999999999999999999", 23, &v), 23,
	    "a longer number read whole");
	ok(v == UINT64_MAX, "saturates at UINT64_MAX, never wraps");
	is_int((int)number_digits("18446744073709551616", 20, &v), 20,
	    "UINT64_MAX + 1");
	ok(v == UINT64_MAX, "saturates");
}

int
main(void)
{
	test_number();
	test_number_digits();
	test_number_seconds();
	test_addr();
	test_httpdate();
	test_buf();
	test_ascii();
	test_buf_reserve_trim();
	test_io();
	return tap_done();
}
