/*
 * Unit tests for the directory listing: Apache's ?C=N|S|M;O=A|D query, the
 * sort (directories first, then the column, names breaking ties), human
 * sizes, JSON strings for names that are any bytes, the JSON array, and
 * the HTML page's sort links and escaping.
 */
#include "config.h"

#include <string.h>

#include "sockwebd.h"
#include "tap.h"

/* A writable name, as listing_read makes them. */
#define NAME(s) ((char []){ s })

static void
test_sort_parse(void)
{
	struct listing_sort s;

	listing_sort_parse(NULL, &s);
	ok(s.key == LISTING_BY_NAME && !s.descending, "no query: by name, ascending");
	listing_sort_parse("C=S;O=D", &s);
	ok(s.key == LISTING_BY_SIZE && s.descending, "C=S;O=D: by size, descending");
	listing_sort_parse("O=D&C=M", &s);
	ok(s.key == LISTING_BY_MTIME && s.descending, "O=D&C=M: by time, descending");
	listing_sort_parse("C=M;O=A", &s);
	ok(s.key == LISTING_BY_MTIME && !s.descending, "C=M;O=A: by time, ascending");
	listing_sort_parse("C=X;O=Z", &s);
	ok(s.key == LISTING_BY_NAME && !s.descending, "unknown values: the default");
	listing_sort_parse("CC=S;XO=D", &s);
	ok(s.key == LISTING_BY_NAME && !s.descending, "names must match whole");
	listing_sort_parse("C=SS", &s);
	ok(s.key == LISTING_BY_NAME, "values must match whole");
	ok(listing_wants_json("format=json", NULL), "?format=json");
	ok(listing_wants_json("C=S;format=json", NULL), "format=json after C=S");
	ok(listing_wants_json(NULL, "application/json"), "Accept: application/json");
	ok(listing_wants_json(NULL, "text/html;q=0.9, application/json"),
	    "application/json among other types");
	ok(!listing_wants_json(NULL, "text/html,*/*"), "a browser's Accept: HTML");
	ok(!listing_wants_json("format=jsonx", NULL), "format=jsonx is not json");
	ok(!listing_wants_json(NULL, "application/json;q=0"),
	    "application/json;q=0 refuses JSON");
	ok(!listing_wants_json(NULL, "text/html, application/json;q=0.5"),
	    "text/html preferred over application/json: HTML");
	ok(listing_wants_json(NULL, "text/html;q=0.5, Application/JSON"),
	    "application/json preferred, any case: JSON");
	ok(!listing_wants_json(NULL, "application/jsonp"),
	    "application/jsonp is another type");
	ok(!listing_wants_json(NULL, "*/*"), "*/* alone: HTML");
	ok(!listing_wants_json(NULL, "application/json;q=x"),
	    "a malformed q: HTML");
	ok(listing_wants_json(NULL, "application/json, text/html"),
	    "both at q=1: JSON, the client named it");
}

static struct listing_entry sample[] = {
	{ NAME("b.txt"), false, 300, 20 },
	{ NAME("a.txt"), false, 100, 30 },
	{ NAME("zdir"), true, 4096, 10 },
	{ NAME("c.bin"), false, 100, 10 },
	{ NAME("adir"), true, 4096, 40 },
};
#define NSAMPLE (sizeof(sample) / sizeof(sample[0]))

static void
order_is(enum listing_key key, bool desc, const char *want, const char *what)
{
	struct listing_sort s = { key, desc };
	char got[128] = "";
	size_t i;

	listing_sort(sample, NSAMPLE, &s);
	for (i = 0; i < NSAMPLE; i++) {
		strcat(got, sample[i].name);
		strcat(got, i + 1 < NSAMPLE ? " " : "");
	}
	is_str(got, want, "%s", what);
}

static void
test_sort(void)
{
	order_is(LISTING_BY_NAME, false, "adir zdir a.txt b.txt c.bin",
	    "by name: directories first, then files");
	order_is(LISTING_BY_NAME, true, "zdir adir c.bin b.txt a.txt",
	    "by name, descending: directories still first");
	order_is(LISTING_BY_SIZE, false, "adir zdir a.txt c.bin b.txt",
	    "by size: equal sizes by name");
	order_is(LISTING_BY_SIZE, true, "zdir adir b.txt c.bin a.txt",
	    "by size, descending");
	order_is(LISTING_BY_MTIME, false, "zdir adir c.bin b.txt a.txt",
	    "by time");
	order_is(LISTING_BY_MTIME, true, "adir zdir a.txt b.txt c.bin",
	    "by time, descending");
}

static void
size_is(off_t size, const char *want)
{
	char got[32];

	listing_human_size(size, got, sizeof(got));
	is_str(got, want, "%jd bytes are %s", (intmax_t)size, want);
}

static void
test_human(void)
{
	size_is(0, "0 B");
	size_is(1023, "1023 B");
	size_is(1024, "1.0 KiB");
	size_is(1536, "1.5 KiB");
	size_is(10 * 1024, "10 KiB");
	size_is(1048576, "1.0 MiB");
	size_is((off_t)5 << 30, "5.0 GiB");
	size_is(INT64_MAX, "8.0 EiB");
}

static void
json_is(const char *in, size_t len, const char *want, const char *what)
{
	struct buf b;

	buf_init(&b);
	buf_json_string(&b, in, len);
	buf_append(&b, "", 1);
	is_str(b.data, want, "%s", what);
	buf_free(&b);
}

static void
test_json(void)
{
	struct listing l = { sample, 2, 2, 0 };
	struct listing_entry two[] = {
		{ NAME("d"), true, 4096, 0 }, { NAME("f.txt"), false, 5, 86400 },
	};
	struct buf b;

	json_is("plain.txt", 9, "\"plain.txt\"", "a plain name");
	json_is("a\"b\\c", 5, "\"a\\\"b\\\\c\"", "quote and backslash escaped");
	json_is("\x01\n\x7f", 3, "\"\\u0001\\u000a\\u007f\"", "controls as \\u");
	json_is("caf\xc3\xa9", 5, "\"caf\xc3\xa9\"", "UTF-8 passes");
	json_is("\xff" "a\xc3", 3, "\"\\ufffda\\ufffd\"", "bad bytes as U+FFFD");
	json_is("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"", "overlong UTF-8 refused");
	json_is("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"", "a surrogate refused");
	l.e = two;
	buf_init(&b);
	ok(listing_json(&l, &b) == 0, "listing_json succeeds");
	buf_append(&b, "", 1);
	is_str(b.data, "[\n{\"name\":\"d\",\"type\":\"directory\",\"size\":null,"
	    "\"mtime\":\"1970-01-01T00:00:00Z\"},\n{\"name\":\"f.txt\","
	    "\"type\":\"file\",\"size\":5,\"mtime\":\"1970-01-02T00:00:00Z\"}\n]\n",
	    "the JSON array of {name, type, size, mtime}");
	l.n = 0;
	listing_json(&l, &b);
	buf_append(&b, "", 1);
	is_str(b.data, "[]\n", "an empty directory: []");
	buf_free(&b);
}

static void
test_html(void)
{
	struct listing_entry e[] = {
		{ NAME("<x>&\"y\".txt"), false, 2048, 0 },
	};
	struct listing l = { e, 1, 1, 0 };
	struct listing_sort s = { LISTING_BY_SIZE, false };
	struct buf b;

	buf_init(&b);
	ok(listing_html(&l, "a b", &s, &b) == 0, "listing_html succeeds");
	buf_append(&b, "", 1);
	ok(strstr(b.data, "<title>Index of /a b/</title>") != NULL, "title");
	ok(strstr(b.data, "href=\"%3Cx%3E%26%22y%22.txt\"") != NULL,
	    "the link is URL-escaped");
	ok(strstr(b.data, ">&lt;x&gt;&amp;&quot;y&quot;.txt</a>") != NULL,
	    "the text is HTML-escaped");
	ok(strstr(b.data, "title=\"2048 bytes\">2.0 KiB<") != NULL,
	    "human size with the exact bytes in a title");
	ok(strstr(b.data, "<a href=\"?C=S;O=D\">Size</a>") != NULL,
	    "the sorted column's link reverses the order");
	ok(strstr(b.data, "<a href=\"?C=N;O=A\">Name</a>") != NULL,
	    "another column's link sorts ascending");
	ok(strstr(b.data, "<style>") != NULL && strstr(b.data, "<link") == NULL,
	    "inline style, no external request");
	ok(strstr(b.data, "cut") == NULL, "a whole directory is not said to be cut");
	l.unread = 7;
	listing_html(&l, "", &s, &b);
	buf_append(&b, "", 1);
	ok(strstr(b.data, "the list is cut: 7 more entries") != NULL,
	    "a cut list says so and by how much");
	buf_free(&b);
}

int
main(void)
{
	test_sort_parse();
	test_sort();
	test_human();
	test_json();
	test_html();
	return tap_done();
}
