/*
 * Unit tests for server/request.c: whole requests, the same requests split
 * at every byte (as TCP may deliver them), pipelining, limits, bad input.
 */
#include "config.h"

#include <stdlib.h>

#include "sockwebd.h"
#include "tap.h"

/* What a caller of request_feed sees once it stops asking for bytes. */
struct outcome {
	enum request_state	state;
	int			status;
	unsigned		method;
	unsigned		major, minor;
	bool			keep_alive;
	size_t			used;
	char			target[REQ_LINE_MAX + 1];
};

static struct request req;

static void
capture(struct outcome *o, size_t used)
{
	o->state = req.state;
	o->status = req.status;
	o->method = req.method;
	o->major = req.major;
	o->minor = req.minor;
	o->keep_alive = req.keep_alive;
	o->used = used;
	memcpy(o->target, req.target, sizeof(o->target));
}

/* Feed data in pieces of `step` bytes (0: all at once); req keeps the result. */
static void
feed_steps(const char *data, size_t len, size_t step, struct outcome *o)
{
	size_t off = 0, n, used = 0;

	request_init(&req);
	while (off < len && req.state == REQUEST_INCOMPLETE) {
		n = step == 0 || len - off < step ? len - off : step;
		used += request_feed(&req, data + off, n);
		off += n;
	}
	capture(o, used);
}

/* Feed data in two pieces, cut at `at`. */
static void
feed_split(const char *data, size_t len, size_t at, struct outcome *o)
{
	size_t used;

	request_init(&req);
	used = request_feed(&req, data, at);
	if (req.state == REQUEST_INCOMPLETE)
		used += request_feed(&req, data + at, len - at);
	capture(o, used);
}

/* Same result; `used` only matters when the connection goes on. */
static bool
same_outcome(const struct outcome *a, const struct outcome *b)
{
	if (a->state != b->state || a->status != b->status)
		return false;
	if (a->state != REQUEST_DONE)
		return true;
	return a->method == b->method && a->major == b->major &&
	    a->minor == b->minor && a->keep_alive == b->keep_alive &&
	    a->used == b->used && strcmp(a->target, b->target) == 0;
}

static void
describe(const char *how, const struct outcome *o)
{
	printf("#   %s: state %d status %d method %u HTTP/%u.%u keep-alive %d "
	    "used %zu target \"%.40s\"\n", how, o->state, o->status, o->method,
	    o->major, o->minor, o->keep_alive, o->used, o->target);
}

/* Every split and byte-by-byte delivery gives the whole-buffer result. */
static void
check_splits(const char *name, const char *data, size_t len,
    const struct outcome *whole)
{
	static struct outcome o;
	size_t at, bad = 0, first_bad = 0;

	for (at = 0; at <= len; at++) {
		feed_split(data, len, at, &o);
		if (!same_outcome(whole, &o) && bad++ == 0) {
			first_bad = at;
			describe("split", &o);
		}
	}
	ok(bad == 0, "%s: same result split at each of %zu offsets", name,
	    len + 1);
	if (bad != 0)
		printf("#   %zu differ, first at offset %zu\n", bad, first_bad);
	feed_steps(data, len, 1, &o);
	ok(same_outcome(whole, &o), "%s: same result fed byte by byte", name);
	if (!same_outcome(whole, &o))
		describe("byte by byte", &o);
}

struct good {
	const char	*name;
	const char	*data;
	unsigned	 method;
	unsigned	 major, minor;
	bool		 keep_alive;
	const char	*target;
};

static const struct good goods[] = {
	{ "GET HTTP/1.0", "GET / HTTP/1.0\r\n\r\n", HTTP_GET, 1, 0, false, "/" },
	{ "HEAD HTTP/1.0",
	  "HEAD /index.html HTTP/1.0\r\nUser-Agent: t/1\r\n\r\n",
	  HTTP_HEAD, 1, 0, false, "/index.html" },
	{ "HTTP/1.0 + Connection: keep-alive",
	  "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
	  HTTP_GET, 1, 0, true, "/a" },
	{ "HTTP/1.0 + Connection: Keep-Alive (any case)",
	  "GET /a HTTP/1.0\r\nconnection: Keep-Alive\r\n\r\n",
	  HTTP_GET, 1, 0, true, "/a" },
	{ "HTTP/1.1 keeps alive by default",
	  "GET /a?b=c HTTP/1.1\r\nHost: example.org\r\n\r\n",
	  HTTP_GET, 1, 1, true, "/a?b=c" },
	{ "HTTP/1.1 + Connection: close",
	  "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	  HTTP_GET, 1, 1, false, "/" },
	{ "simple request GET /", "GET /\r\n", HTTP_GET, 0, 9, false, "/" },
	{ "simple request, bare LF", "GET /x.txt\n", HTTP_GET, 0, 9, false,
	  "/x.txt" },
	{ "bare LF line ends", "GET /lf HTTP/1.0\n\n", HTTP_GET, 1, 0, false,
	  "/lf" },
	{ "empty lines before the request", "\r\n\r\nGET / HTTP/1.0\r\n\r\n",
	  HTTP_GET, 1, 0, false, "/" },
	{ "absolute-form target",
	  "GET http://example.org/a HTTP/1.1\r\nHost: example.org\r\n\r\n",
	  HTTP_GET, 1, 1, true, "http://example.org/a" },
	{ "GET with a body of Content-Length: 5",
	  "GET /b HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello",
	  HTTP_GET, 1, 0, false, "/b" },
	{ "GET with a chunked body",
	  "GET /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "3\r\nabc\r\n0\r\n\r\n", HTTP_GET, 1, 1, true, "/c" },
	{ "empty header value",
	  "GET / HTTP/1.0\r\nX-Empty:\r\nX-Blank:   \r\n\r\n",
	  HTTP_GET, 1, 0, false, "/" },
	{ "Connection list with empty elements: ,, Close ,",
	  "GET / HTTP/1.1\r\nHost: x\r\nConnection: ,, Close ,\r\n\r\n",
	  HTTP_GET, 1, 1, false, "/" },
	{ "close on a second Connection line",
	  "GET / HTTP/1.1\r\nHost: x\r\nConnection: te\r\n"
	  "Connection: foo,close\r\n\r\n", HTTP_GET, 1, 1, false, "/" },
	{ "HTTP/1.0 keep-alive inside a list",
	  "GET / HTTP/1.0\r\nConnection: foo ,\tKEEP-ALIVE,\r\n\r\n",
	  HTTP_GET, 1, 0, true, "/" },
	{ "HTTP/1.0 keep-alive and close: close",
	  "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n",
	  HTTP_GET, 1, 0, false, "/" },
	{ "a token that only starts with close",
	  "GET / HTTP/1.1\r\nHost: x\r\nConnection: closed\r\n\r\n",
	  HTTP_GET, 1, 1, true, "/" },
	{ "https absolute-form target",
	  "GET https://example.org/a HTTP/1.1\r\nHost: example.org\r\n\r\n",
	  HTTP_GET, 1, 1, true, "https://example.org/a" },
	{ "Host: IPv6 literal and port",
	  "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", HTTP_GET, 1, 1,
	  true, "/" },
	{ "Host: empty (RFC 9112 3.2)", "GET / HTTP/1.1\r\nHost:\r\n\r\n",
	  HTTP_GET, 1, 1, true, "/" },
	{ "Host: reg-name with sub-delims and escapes",
	  "GET / HTTP/1.0\r\nHost: a-b.c_d~!$&'()*+,;=%41:\r\n\r\n",
	  HTTP_GET, 1, 0, false, "/" },
	{ "chunked as a list with empty elements",
	  "GET /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: , Chunked\r\n"
	  "\r\n3\r\nabc\r\n0\r\n\r\n", HTTP_GET, 1, 1, true, "/c" },
	{ "chunked with a trailer",
	  "GET /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
	  "\r\n1\r\na\r\n0\r\nRange: bytes=0-0\r\n\r\n", HTTP_GET, 1, 1,
	  true, "/t" },
	{ "8-bit bytes in the target", "GET /caf\xc3\xa9 HTTP/1.0\r\n\r\n",
	  HTTP_GET, 1, 0, false, "/caf\xc3\xa9" },
	{ "OPTIONS * is read to its end and keeps alive (CORS preflight)",
	  "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
	  HTTP_OPTIONS, 1, 1, true, "*" },
	{ "OPTIONS with a body: the body is read too",
	  "OPTIONS /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
	  HTTP_OPTIONS, 1, 1, true, "/x" },
	{ "explicit HTTP/0.9 never keeps alive",
	  "GET / HTTP/0.9\r\nConnection: keep-alive\r\n\r\n",
	  HTTP_GET, 0, 9, false, "/" },
};

static void
test_good(void)
{
	static struct outcome whole;
	const struct good *g;
	size_t i, len;

	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		g = &goods[i];
		len = strlen(g->data);
		feed_steps(g->data, len, 0, &whole);
		is_int(whole.state, REQUEST_DONE, "%s: complete", g->name);
		is_int(whole.used, len, "%s: every byte used", g->name);
		is_int(whole.method, g->method, "%s: method", g->name);
		is_int(whole.major * 10 + whole.minor, g->major * 10 + g->minor,
		    "%s: version", g->name);
		is_int(whole.keep_alive, g->keep_alive, "%s: keep-alive", g->name);
		is_str(whole.target, g->target, "%s: target", g->name);
		check_splits(g->name, g->data, len, &whole);
	}
}

static void
test_headers(void)
{
	static const char data[] =
	    "GET / HTTP/1.1\r\n"
	    "Host: example.org:8080\r\n"
	    "user-agent: sockget/0.1\r\n"
	    "If-Modified-Since:  Sun, 06 Nov 1994 08:49:37 GMT \t \r\n"
	    "X-Folded: a\r\n b\r\n"
	    "X-Twice: first\r\n"
	    "x-twice: second\r\n"
	    "\r\n";

	request_init(&req);
	request_feed(&req, data, strlen(data));
	is_int(req.state, REQUEST_DONE, "headers: complete");
	is_str(request_header(&req, "Host"), "example.org:8080", "Host");
	is_str(request_header(&req, "HOST"), "example.org:8080",
	    "HOST (names are case-insensitive)");
	is_str(request_header(&req, "User-Agent"), "sockget/0.1",
	    "User-Agent sent in lower case");
	is_str(request_header(&req, "if-modified-since"),
	    "Sun, 06 Nov 1994 08:49:37 GMT",
	    "value without leading or trailing whitespace");
	is_str(request_header(&req, "X-Folded"), "a b",
	    "obs-fold becomes one space");
	is_str(request_header(&req, "X-Twice"), "first",
	    "a repeated field: the first one");
	ok(request_header(&req, "Range") == NULL, "an absent field is NULL");
	ok(request_header(&req, "Hos") == NULL, "no prefix match");
	is_str(request_method_name(&req), "GET", "method name");
}

/* RFC 9110 5.3: a list field on several lines is one list. */
static void
test_header_list(void)
{
	static const char data[] =
	    "GET / HTTP/1.1\r\n"
	    "Host: x\r\n"
	    "If-Match:\r\n"
	    "If-Match: \"m\"\r\n"
	    "If-None-Match: \"a\", \"b\"\r\n"
	    "Accept-Encoding: gzip\r\n"
	    "if-none-match: \"c\"\r\n"
	    "If-None-Match:\r\n"
	    "\r\n";
	struct buf out;

	buf_init(&out);
	request_init(&req);
	request_feed(&req, data, strlen(data));
	is_int(req.state, REQUEST_DONE, "list fields: complete");
	is_str(request_header_list(&req, "If-None-Match", &out),
	    "\"a\", \"b\", \"c\", ",
	    "three If-None-Match lines joined, the empty one an empty element");
	ok(request_header_list(&req, "Accept-Encoding", &out) ==
	    request_header(&req, "Accept-Encoding"),
	    "a single line is returned as it is, not copied");
	is_str(request_header_list(&req, "If-Match", &out), ", \"m\"",
	    "an empty first line is an element too");
	ok(request_header_list(&req, "If-Range", &out) == NULL,
	    "an absent list field is NULL");
	buf_free(&out);
}

/*
 * A request cut off inside a value (408, or 431 on the next field) is still
 * logged with its User-Agent: the value must end where its bytes end, not
 * run on into what an earlier request left in the arena.
 */
static void
test_partial_value(void)
{
	static const char first[] =
	    "GET / HTTP/1.0\r\nUser-Agent: a-long-agent-string/1.0\r\n\r\n";
	static const char second[] = "GET / HTTP/1.0\r\nUser-Agent: ab";

	request_init(&req);
	request_feed(&req, first, strlen(first));
	request_init(&req);
	request_feed(&req, second, strlen(second));
	is_int(req.state, REQUEST_INCOMPLETE, "cut inside a value: waits");
	is_str(request_header(&req, "User-Agent"), "ab",
	    "the value so far, without an earlier request's bytes");
}

/*
 * Issue 17.2: method, version and keep-alive are valid in every state, and
 * request_init forgets everything of the previous request.
 */
static void
test_every_state(void)
{
	static const char ka[] =
	    "HEAD /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "0\r\nX-T: 1\r\n\r\n";
	static char longline[REQ_LINE_MAX + 64];

	request_init(&req);
	is_int(req.method, HTTP_GET, "fresh: method GET");
	is_int(req.major * 10 + req.minor, 10, "fresh: version 1.0");
	ok(!req.has_version && !req.keep_alive, "fresh: no version given, "
	    "not kept alive");
	is_str(request_method_name(&req), "GET", "fresh: method name GET");

	request_feed(&req, ka, strlen(ka));
	is_int(req.state, REQUEST_DONE, "HEAD keep-alive chunked: complete");
	ok(req.keep_alive && req.has_version && req.method == HTTP_HEAD,
	    "... kept alive, HTTP/1.1, HEAD");
	request_init(&req);
	ok(!req.keep_alive && !req.has_version && req.method == HTTP_GET &&
	    req.target_len == 0 && req.target[0] == '\0' &&
	    req.nheaders == 0 && !req.fields_done && req.trailer_len == 0 &&
	    req.status == 0 && !req.started, "request_init clears every scalar");
	ok(request_header(&req, "Host") == NULL, "... and the header fields");

	request_feed(&req, "\x16\x03\x01", 3);
	is_int(req.status, 400, "garbage: 400");
	is_int(req.method, HTTP_GET, "garbage: method GET (not 0 = DELETE)");
	ok(!req.has_version && !req.keep_alive, "garbage: no version, closed");

	request_init(&req);
	request_feed(&req, "HEAD /x HTTP/1.1\r\nHo", 20);
	is_int(req.state, REQUEST_INCOMPLETE, "HEAD cut in a field: waits");
	is_int(req.method, HTTP_HEAD, "... method HEAD already");
	ok(req.has_version && req.major == 1 && req.minor == 1,
	    "... HTTP/1.1 already");
	ok(!req.keep_alive, "... not kept alive before it is complete");

	memcpy(longline, "HEAD /", 6);
	memset(longline + 6, 'a', sizeof(longline) - 6);
	request_init(&req);
	request_feed(&req, longline, sizeof(longline));
	is_int(req.status, 414, "HEAD with a long target: 414");
	is_int(req.method, HTTP_HEAD, "... answered as HEAD (no body)");
	ok(!req.has_version, "... no version given");

	/* A time-out (conn.c) ends a request through request_fail. */
	request_init(&req);
	request_feed(&req, "HEAD /x HTTP/1.1\r\nHo", 20);
	request_fail(&req, 408);
	ok(req.state == REQUEST_ERROR && req.status == 408,
	    "request_fail: an error, 408");
	ok(req.method == HTTP_HEAD && req.has_version && !req.keep_alive,
	    "... method and version as far as they came, not kept alive");
}

/* RFC 9110 6.5.1: a trailer never becomes a header field. */
static void
test_trailer(void)
{
	static const char data[] =
	    "GET /t HTTP/1.1\r\nHost: x\r\nUser-Agent: real\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"
	    "1\r\na\r\n0\r\nRange: bytes=0-0\r\nIf-Modified-Since: Sun, 06 Nov "
	    "1994 08:49:37 GMT\r\nUser-Agent: forged\r\n\r\n"
	    "GET /next HTTP/1.1\r\nHost: x\r\n\r\n";
	static char big[REQ_HEADERS_MAX + 256];
	size_t used, o;

	request_init(&req);
	used = request_feed(&req, data, strlen(data));
	is_int(req.state, REQUEST_DONE, "trailer: complete");
	ok(request_header(&req, "Range") == NULL, "a trailer Range is ignored");
	ok(request_header(&req, "If-Modified-Since") == NULL,
	    "a trailer If-Modified-Since is ignored");
	is_str(request_header(&req, "User-Agent"), "real",
	    "the header User-Agent, not the trailer's");
	is_int(request_header_count(&req, "User-Agent"), 1,
	    "one User-Agent field");
	request_init(&req);
	request_feed(&req, data + used, strlen(data) - used);
	is_str(req.target, "/next", "the next request starts after the trailer");

	o = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: x\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n0\r\nX: ");
	memset(big + o, 'v', REQ_HEADERS_MAX);
	o += REQ_HEADERS_MAX;
	memcpy(big + o, "\r\n\r\n", 4);
	request_init(&req);
	request_feed(&req, big, o + 4);
	is_int(req.status, 431, "a trailer past 16 KiB: 431");
}

/* Several requests in one buffer, as a pipelining client sends them. */
static void
test_pipeline(void)
{
	static const char data[] =
	    "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
	    "HEAD /2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
	    "GET /3 HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc"
	    "GET /4 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	    "GET /5 HTTP/1.1\r\nHo";
	static const char *const targets[] = { "/1", "/2", "/3", "/4" };
	size_t len = strlen(data), off = 0, used, i;

	for (i = 0; i < 4; i++) {
		request_init(&req);
		used = request_feed(&req, data + off, len - off);
		is_int(req.state, REQUEST_DONE, "pipelined request %zu complete",
		    i + 1);
		is_str(req.target, targets[i], "pipelined request %zu target",
		    i + 1);
		ok(used < len - off, "pipelined request %zu leaves the rest",
		    i + 1);
		off += used;
	}
	is_int(req.keep_alive, false, "the 4th asked to close");
	request_init(&req);
	used = request_feed(&req, data + off, len - off);
	is_int(req.state, REQUEST_INCOMPLETE, "a partial 5th waits for more");
	is_int(used, len - off, "and takes all it was given");
	used = request_feed(&req, "st: x\r\n\r\n", 9);
	is_int(req.state, REQUEST_DONE, "the 5th completes with the next read");
	is_str(req.target, "/5", "5th target");

	request_init(&req);
	used = request_feed(&req, "GET /\r\nGET /x\r\n", 15);
	is_int(req.state, REQUEST_DONE, "a simple request ends at its line end");
	is_int(used, 7, "and the next line is not its header");

	request_init(&req);
	is_int(request_feed(&req, "GET / HTTP/1.0\r\n", 16), 16,
	    "a request line alone is used");
	is_int(request_feed(&req, "", 0), 0, "an empty read uses nothing");
	is_int(req.state, REQUEST_INCOMPLETE, "and leaves the request waiting");
	request_feed(&req, "\r\n", 2);
	is_int(req.state, REQUEST_DONE, "which then completes");
}

struct bad {
	const char	*name;
	const char	*data;
	size_t		 len;		/* 0: strlen */
	int		 status;
};

static const struct bad bads[] = {
	{ "POST", "POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi", 0, 405 },
	{ "PUT", "PUT /x HTTP/1.1\r\nHost: x\r\n\r\n", 0, 405 },
	{ "DELETE", "DELETE /x HTTP/1.0\r\n\r\n", 0, 405 },
	{ "PATCH", "PATCH /x HTTP/1.0\r\n\r\n", 0, 405 },
	{ "BREW", "BREW /pot HTTP/1.0\r\n\r\n", 0, 501 },
	{ "TRACE", "TRACE / HTTP/1.0\r\n\r\n", 0, 501 },
	{ "CONNECT", "CONNECT example.org:443 HTTP/1.1\r\nHost: x\r\n\r\n", 0,
	  501 },
	{ "unknown token method", "FROBNICATE / HTTP/1.0\r\n\r\n", 0, 501 },
	{ "16-letter method (BASELINE-CONTROL's length)",
	  "ABCDEFGHIJKLMNOP / HTTP/1.0\r\n\r\n", 0, 501 },
	{ "token longer than any method", "ABCDEFGHIJKLMNOPQRSTUVWXYZ / HTTP/1.0\r\n\r\n",
	  0, 400 },
	{ "lower-case get is another method", "get / HTTP/1.0\r\n\r\n", 0, 501 },
	{ "HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", 0, 505 },
	{ "HTTP/1.2", "GET / HTTP/1.2\r\n\r\n", 0, 505 },
	{ "HTTP/0.91 (one digit each)", "GET / HTTP/0.91\r\n\r\n", 0, 400 },
	{ "HTTP/1.1 without Host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 0,
	  400 },
	{ "Content-Length and Transfer-Encoding",
	  "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0, 400 },
	{ "two different Content-Length",
	  "GET / HTTP/1.0\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	  0, 400 },
	{ "Content-Length not a number",
	  "GET / HTTP/1.0\r\nContent-Length: 5x\r\n\r\n", 0, 400 },
	{ "binary garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11,
	  400 },
	{ "text garbage", "<html>\r\n\r\n", 0, 400 },
	{ "leading space", " GET / HTTP/1.0\r\n\r\n", 0, 400 },
	{ "header without colon", "GET / HTTP/1.0\r\nFoo\r\n\r\n", 0, 400 },
	{ "space before colon", "GET / HTTP/1.0\r\nHost : x\r\n\r\n", 0, 400 },
	{ "space before colon (Content-Length)",
	  "GET / HTTP/1.0\r\nContent-Length : 5\r\n\r\nhello", 0, 400 },
	{ "tab in a field name", "GET / HTTP/1.0\r\nX\tY: a\r\n\r\n", 0, 400 },
	{ "bare CR in a value", "GET / HTTP/1.0\r\nFoo: a\rb\r\n\r\n", 0, 400 },
	{ "bare CR in the request line", "GET /\rx HTTP/1.0\r\n\r\n", 0, 400 },
	{ "NUL in a value", "GET / HTTP/1.0\r\nFoo: a\0b\r\n\r\n", 27, 400 },
	{ "NUL in the target", "GET /a\0b HTTP/1.0\r\n\r\n", 21, 400 },
	{ "control character in a name", "GET / HTTP/1.0\r\nX\x01: a\r\n\r\n",
	  0, 400 },
	{ "simple request with HEAD", "HEAD /\r\n", 0, 400 },
	{ "no target", "GET  HTTP/1.0\r\n\r\n", 0, 400 },
	{ "bad version syntax", "GET / HTTX/1.0\r\n\r\n", 0, 400 },
	{ "space in the target", "GET /a b HTTP/1.0\r\n\r\n", 0, 400 },
	{ "TAB in the target", "GET /a\tb HTTP/1.0\r\n\r\n", 0, 400 },
	{ "FF in the target", "GET /a\fb HTTP/1.0\r\n\r\n", 0, 400 },
	{ "DEL in the target", "GET /a\x7f HTTP/1.0\r\n\r\n", 0, 400 },
	{ "CTL in the query", "GET /a?\x01 HTTP/1.0\r\n\r\n", 0, 400 },
	{ "TAB in a simple request", "GET /a\tb\r\n", 0, 400 },
	{ "NUL in the method", "GE\0T / HTTP/1.0\r\n\r\n", 19, 400 },
	{ "HTTP/1.0 with Transfer-Encoding",
	  "GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	  0, 400 },
	{ "two Transfer-Encoding lines: identity + chunked",
	  "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0, 400 },
	{ "two Transfer-Encoding lines: chunked twice",
	  "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0, 400 },
	{ "Transfer-Encoding: gzip, chunked (a coding we cannot decode)",
	  "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n"
	  "\r\n0\r\n\r\n", 0, 501 },
	{ "Transfer-Encoding: chunked, chunked",
	  "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked"
	  "\r\n\r\n0\r\n\r\n", 0, 400 },
	{ "Transfer-Encoding: chunked, gzip (chunked not final)",
	  "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n"
	  "\r\n0\r\n\r\n", 0, 400 },
	{ "Transfer-Encoding: identity",
	  "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n",
	  0, 400 },
	{ "Transfer-Encoding: empty",
	  "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n\r\n", 0, 400 },
	{ "two Host lines", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
	  0, 400 },
	{ "two Host lines in HTTP/1.0",
	  "GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", 0, 400 },
	{ "Host: a b/c", "GET / HTTP/1.1\r\nHost: a b/c\r\n\r\n", 0, 400 },
	{ "Host with userinfo", "GET / HTTP/1.1\r\nHost: u@x\r\n\r\n", 0,
	  400 },
	{ "Host with a bad port", "GET / HTTP/1.0\r\nHost: x:8o\r\n\r\n", 0,
	  400 },
	{ "Host: unclosed IP literal",
	  "GET / HTTP/1.0\r\nHost: [::1\r\n\r\n", 0, 400 },
	{ "Host: 8-bit bytes", "GET / HTTP/1.0\r\nHost: \xc3\xa9\r\n\r\n",
	  0, 400 },
};

static void
test_bad(void)
{
	static struct outcome whole;
	const struct bad *b;
	size_t i, len;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		b = &bads[i];
		len = b->len ? b->len : strlen(b->data);
		feed_steps(b->data, len, 0, &whole);
		if (b->status == 0) {
			is_int(whole.state, REQUEST_INCOMPLETE, "%s: waits",
			    b->name);
			continue;
		}
		is_int(whole.state, REQUEST_ERROR, "%s: refused", b->name);
		is_int(whole.status, b->status, "%s: status %d", b->name,
		    b->status);
		ok(!req.keep_alive, "%s: connection not kept", b->name);
		check_splits(b->name, b->data, len, &whole);
	}
}

/* A request with `nfields` fields "X-n: v..." of `value_len` bytes each. */
static size_t
build(char *out, size_t size, size_t target_len, size_t nfields,
    size_t value_len)
{
	size_t o = 0, i;

	o += (size_t)snprintf(out, size, "GET /");
	memset(out + o, 'a', target_len - 1);
	o += target_len - 1;
	o += (size_t)snprintf(out + o, size - o, " HTTP/1.0\r\n");
	for (i = 0; i < nfields; i++) {
		o += (size_t)snprintf(out + o, size - o, "X-%zu: ", i % 10);
		memset(out + o, 'v', value_len);
		o += value_len;
		out[o++] = '\r';
		out[o++] = '\n';
	}
	out[o++] = '\r';
	out[o++] = '\n';
	return o;
}

static void
check_limit(const char *name, const char *data, size_t len, int status)
{
	static struct outcome whole, o;

	feed_steps(data, len, 0, &whole);
	if (status == 0) {
		is_int(whole.state, REQUEST_DONE, "%s: accepted", name);
	} else {
		is_int(whole.state, REQUEST_ERROR, "%s: refused", name);
		is_int(whole.status, status, "%s: status %d", name, status);
	}
	feed_steps(data, len, 1, &o);
	ok(same_outcome(&whole, &o), "%s: same fed byte by byte", name);
	feed_steps(data, len, 1000, &o);
	ok(same_outcome(&whole, &o), "%s: same fed 1000 bytes at a time", name);
}

static void
test_limits(void)
{
	static char data[REQ_LINE_MAX + REQ_HEADERS_MAX + 4096];
	size_t len;

	len = build(data, sizeof(data), REQ_LINE_MAX, 0, 0);
	check_limit("target of 8192 bytes", data, len, 0);
	is_int(strlen(req.target), REQ_LINE_MAX, "the whole target is kept");
	len = build(data, sizeof(data), REQ_LINE_MAX + 1, 0, 0);
	check_limit("target of 8193 bytes", data, len, 414);

	/* "X-0" + value: the names and values add up to exactly 16 KiB. */
	len = build(data, sizeof(data), 1, 1, REQ_HEADERS_MAX - 3);
	check_limit("16384 bytes of header text", data, len, 0);
	is_int(strlen(request_header(&req, "X-0")), REQ_HEADERS_MAX - 3,
	    "the whole value is kept");
	len = build(data, sizeof(data), 1, 1, REQ_HEADERS_MAX - 2);
	check_limit("16385 bytes of header text", data, len, 431);
	len = build(data, sizeof(data), 1, 64, 300);
	check_limit("64 fields of 300 bytes", data, len, 431);

	len = build(data, sizeof(data), 1, REQ_FIELDS_MAX, 8);
	check_limit("100 fields", data, len, 0);
	len = build(data, sizeof(data), 1, REQ_FIELDS_MAX + 1, 8);
	check_limit("101 fields", data, len, 431);
}

/* A GET body is read and skipped, so the next request starts after it. */
static void
test_body(void)
{
	static const char data[] =
	    "GET /a HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 6\r\n"
	    "\r\nGET /xGET /b HTTP/1.0\r\n\r\n";
	size_t used;

	request_init(&req);
	used = request_feed(&req, data, strlen(data));
	is_int(req.state, REQUEST_DONE, "GET with a body: complete");
	is_int(used, strlen(data) - strlen("GET /b HTTP/1.0\r\n\r\n"),
	    "the 6 body bytes are used");
	request_init(&req);
	request_feed(&req, data + used, strlen(data) - used);
	is_str(req.target, "/b", "the next request is not the body");
}

int
main(void)
{
	test_good();
	test_headers();
	test_header_list();
	test_partial_value();
	test_trailer();
	test_every_state();
	test_pipeline();
	test_bad();
	test_limits();
	test_body();
	return tap_done();
}
