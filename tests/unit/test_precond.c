/*
 * Unit tests for server/precond.c: the ETag of a file, entity-tag lists
 * with strong and weak comparison, the RFC 9110 section 13.2.2 order of
 * If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since, and
 * If-Range with a tag or a date.
 */
#include "config.h"

#include <string.h>

#include "sockwebd.h"
#include "tap.h"

#define TAG "\"1-2-3-4.000000005\""
#define MTIME 784111777		/* Sun, 06 Nov 1994 08:49:37 GMT */
#define DATE_EQ "Sun, 06 Nov 1994 08:49:37 GMT"
#define DATE_BEFORE "Sun, 06 Nov 1994 08:49:36 GMT"
#define DATE_AFTER "Sun, 06 Nov 1994 08:49:38 GMT"

static void
test_format(void)
{
	struct stat a, b;
	char ta[ETAG_MAX], tb[ETAG_MAX];

	memset(&a, 0, sizeof(a));
	a.st_dev = 1;
	a.st_ino = 2;
	a.st_size = 3;
	a.st_mtim.tv_sec = 4;
	a.st_mtim.tv_nsec = 5;
	etag_format(&a, ta);
	is_str(ta, TAG, "ETag from device, inode, size, mtime.nsec");
	b = a;
	b.st_mtim.tv_nsec = 6;
	etag_format(&b, tb);
	ok(strcmp(ta, tb) != 0, "a write within the same second changes the ETag");
	b = a;
	b.st_size = 4;
	etag_format(&b, tb);
	ok(strcmp(ta, tb) != 0, "another size changes the ETag");
	b = a;
	b.st_ino = 99;
	etag_format(&b, tb);
	ok(strcmp(ta, tb) != 0, "another inode changes the ETag");
	a.st_dev = (dev_t)-1;
	a.st_ino = (ino_t)-1;
	a.st_size = INT64_MAX;
	a.st_mtim.tv_sec = INT64_MAX;
	a.st_mtim.tv_nsec = 999999999;
	etag_format(&a, ta);
	ok(strlen(ta) < ETAG_MAX - 1 && ta[strlen(ta) - 1] == '"',
	    "the largest values fit: %s", ta);
}

struct lcase {
	const char	*list;
	bool		 weak, want;
};

static const struct lcase lists[] = {
	{ TAG, false, true },
	{ TAG, true, true },
	{ "W/" TAG, true, true },
	{ "W/" TAG, false, false },		/* strong comparison: no weak tag */
	{ "\"x\", " TAG, false, true },
	{ "\"x\"," TAG ",\"y\"", true, true },
	{ " ,  , " TAG " , ", true, true },	/* empty elements, OWS */
	{ "\t" TAG "\t", true, true },
	{ "*", true, true },
	{ " * ", false, true },
	{ "\"x\", \"y\"", true, false },
	{ "", true, false },
	{ ",", true, false },
	{ "\"1-2-3-4.000000005", true, false },	/* unterminated */
	{ "1-2-3-4.000000005", true, false },	/* unquoted */
	{ "\"x\" " TAG, true, false },		/* no comma */
	{ "w/" TAG, true, false },		/* W is case-sensitive */
	{ "*, " TAG, true, false },		/* "*" stands alone */
	{ "\"a b\", " TAG, true, false },	/* space is not an etagc */
	{ "\"1-2-3-4.00000000\"", true, false },
	{ "\"\"", true, false },
};

static void
test_lists(void)
{
	size_t i;

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		is_int(etag_list_match(lists[i].list, TAG, lists[i].weak),
		    lists[i].want, "%s comparison of [%s]",
		    lists[i].weak ? "weak" : "strong", lists[i].list);
}

struct pcase {
	struct preconditions	 pc;
	bool			 get;
	enum precond_result	 want;
	const char		*what;
};

static const struct pcase pcases[] = {
	{ { NULL, NULL, NULL, NULL }, true, PRECOND_OK, "no condition" },
	{ { TAG, NULL, NULL, NULL }, true, PRECOND_OK, "If-Match with our tag" },
	{ { "*", NULL, NULL, NULL }, true, PRECOND_OK, "If-Match: *" },
	{ { "\"x\"", NULL, NULL, NULL }, true, PRECOND_FAILED,
	  "If-Match with another tag: 412" },
	{ { "W/" TAG, NULL, NULL, NULL }, true, PRECOND_FAILED,
	  "If-Match compares strongly: 412" },
	{ { NULL, NULL, NULL, DATE_EQ }, true, PRECOND_OK,
	  "If-Unmodified-Since the mtime" },
	{ { NULL, NULL, NULL, DATE_BEFORE }, true, PRECOND_FAILED,
	  "If-Unmodified-Since before the mtime: 412" },
	{ { NULL, NULL, NULL, "yesterday" }, true, PRECOND_OK,
	  "an invalid If-Unmodified-Since is ignored" },
	{ { TAG, NULL, NULL, DATE_BEFORE }, true, PRECOND_OK,
	  "If-Match decides, If-Unmodified-Since is not looked at" },
	{ { NULL, TAG, NULL, NULL }, true, PRECOND_NOT_MODIFIED,
	  "If-None-Match with our tag: 304" },
	{ { NULL, "W/" TAG, NULL, NULL }, true, PRECOND_NOT_MODIFIED,
	  "If-None-Match compares weakly: 304" },
	{ { NULL, "\"a\", \"b\", " TAG, NULL, NULL }, true,
	  PRECOND_NOT_MODIFIED, "If-None-Match list: 304" },
	{ { NULL, "*", NULL, NULL }, true, PRECOND_NOT_MODIFIED,
	  "If-None-Match: *: 304" },
	{ { NULL, "\"x\"", NULL, NULL }, true, PRECOND_OK,
	  "If-None-Match with another tag: 200" },
	{ { NULL, "\"x\"", DATE_AFTER, NULL }, true, PRECOND_OK,
	  "If-None-Match takes precedence over If-Modified-Since" },
	{ { NULL, TAG, DATE_BEFORE, NULL }, true, PRECOND_NOT_MODIFIED,
	  "If-None-Match matches, If-Modified-Since is not looked at" },
	{ { NULL, NULL, DATE_EQ, NULL }, true, PRECOND_NOT_MODIFIED,
	  "If-Modified-Since the mtime: 304" },
	{ { NULL, NULL, DATE_AFTER, NULL }, true, PRECOND_NOT_MODIFIED,
	  "If-Modified-Since after the mtime: 304" },
	{ { NULL, NULL, DATE_BEFORE, NULL }, true, PRECOND_OK,
	  "If-Modified-Since before the mtime: 200" },
	{ { NULL, NULL, "garbage", NULL }, true, PRECOND_OK,
	  "an invalid If-Modified-Since is ignored" },
	{ { "\"x\"", TAG, NULL, NULL }, true, PRECOND_FAILED,
	  "If-Match fails first: 412 even when If-None-Match matches" },
	{ { NULL, TAG, NULL, NULL }, false, PRECOND_FAILED,
	  "If-None-Match matching a non-GET: 412" },
	{ { NULL, NULL, DATE_EQ, NULL }, false, PRECOND_OK,
	  "If-Modified-Since only for GET and HEAD" },
};

static void
test_evaluate(void)
{
	size_t i;

	for (i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++)
		is_int(precond_evaluate(&pcases[i].pc, TAG, MTIME,
		    pcases[i].get), pcases[i].want, "%s", pcases[i].what);
}

static void
test_if_range(void)
{
	ok(precond_if_range(NULL, TAG, MTIME), "no If-Range: the range applies");
	ok(precond_if_range(TAG, TAG, MTIME), "If-Range with our tag");
	ok(precond_if_range(" " TAG " ", TAG, MTIME), "If-Range tag with OWS");
	ok(!precond_if_range("W/" TAG, TAG, MTIME), "a weak If-Range never matches");
	ok(!precond_if_range("\"x\"", TAG, MTIME), "If-Range with another tag");
	ok(!precond_if_range(TAG ", \"x\"", TAG, MTIME), "If-Range is one tag, not a list");
	ok(precond_if_range(DATE_EQ, TAG, MTIME), "If-Range with the mtime");
	ok(!precond_if_range(DATE_AFTER, TAG, MTIME), "If-Range with a later date");
	ok(!precond_if_range(DATE_BEFORE, TAG, MTIME), "If-Range with an earlier date");
	ok(!precond_if_range("soon", TAG, MTIME), "If-Range with garbage");
	ok(!precond_if_range("", TAG, MTIME), "an empty If-Range");
}

int
main(void)
{
	test_format();
	test_lists();
	test_evaluate();
	test_if_range();
	return tap_done();
}
