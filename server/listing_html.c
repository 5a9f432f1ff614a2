/*
 * listing_html.c: a directory listing as an HTML page people like to read:
 * directories first, sizes in binary units with the exact byte count in a
 * title, column headings that re-sort through the query (?C=N|S|M;O=A|D,
 * done by the server: no script), and a small inline style in the look of
 * the default site (no external request: the root being listed may have
 * no stylesheet). Names come from the file system, so each is URL-escaped
 * in its link and HTML-escaped in its text: a file "<script>" stays a name.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sockwebd.h"

static const char listing_style[] =
    "<style>:root{color-scheme:light dark;--bg:#fdfcf8;--fg:#1f2328;"
    "--muted:#57606a;--accent:#0b5cad;--line:#d0d7de;--head:#f3f1ea}"
    "@media (prefers-color-scheme:dark){:root{--bg:#16181c;--fg:#e6e6e3;"
    "--muted:#a0a7b0;--accent:#7cb7ff;--line:#3a4048;--head:#20242a}}"
    "body{margin:0;background:var(--bg);color:var(--fg);"
    "font:1rem/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif}"
    "main{max-width:60rem;margin:0 auto;padding:1.5rem 1rem}"
    "h1{font-size:1.4rem;word-break:break-all}a{color:var(--accent)}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{padding:.3em .8em;text-align:left;border-bottom:1px solid var(--line)}"
    "th{background:var(--head)}th a{color:inherit}"
    "td.size,th.size{text-align:right;font-variant-numeric:tabular-nums}"
    "td.name{word-break:break-all}p{color:var(--muted)}</style>\n";

/* "999 B", "1.5 KiB", "12 MiB": three significant digits at most. */
void
listing_human_size(off_t size, char *out, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB",
	    "EiB" };
	double v = (double)size;
	size_t u = 0;

	if (size < 1024) {
		snprintf(out, len, "%jd B", (intmax_t)size);
		return;
	}
	v /= 1024;
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	if (v < 10)
		snprintf(out, len, "%.1f %s", v, units[u]);
	else
		snprintf(out, len, "%.0f %s", v, units[u]);
}

static void
entry_row(struct buf *b, const struct listing_entry *e)
{
	char date[32], human[32];
	struct tm tm;
	size_t len = strlen(e->name);

	/* A time gmtime cannot break down (a year past INT_MAX) shows as -. */
	if (gmtime_r(&e->mtime, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(date, sizeof(date), "-");
	buf_puts(b, "<tr><td class=\"name\"><a href=\"");
	buf_url_escape(b, e->name, len);
	buf_puts(b, e->is_dir ? "/\">" : "\">");
	buf_html_escape(b, e->name, len);
	buf_puts(b, e->is_dir ? "/</a></td><td class=\"size\">-</td>" :
	    "</a></td>");
	if (!e->is_dir) {
		listing_human_size(e->size, human, sizeof(human));
		buf_printf(b, "<td class=\"size\" title=\"%jd bytes\">%s</td>",
		    (intmax_t)e->size, human);
	}
	buf_printf(b, "<td><time>%s</time></td></tr>\n", date);
}

/* A column heading that sorts by it; again on the sorted one reverses. */
static void
column_head(struct buf *b, const struct listing_sort *s,
    enum listing_key key, const char *label, const char *class)
{
	static const char letter[] = { 'N', 'S', 'M' };
	bool current = s->key == key;
	bool descend = current && !s->descending;

	buf_printf(b, "<th%s%s%s", class ? " class=\"" : "", class ? class : "",
	    class ? "\"" : "");
	if (current)
		buf_printf(b, " aria-sort=\"%s\"",
		    s->descending ? "descending" : "ascending");
	buf_printf(b, "><a href=\"?C=%c;O=%c\">%s</a>%s</th>", letter[key],
	    descend ? 'D' : 'A', label,
	    current ? (s->descending ? " &#9660;" : " &#9650;") : "");
}

static void
page_head(struct buf *b, const char *url_path, const struct listing_sort *s)
{
	size_t plen = strlen(url_path);

	buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n<title>Index of /");
	buf_html_escape(b, url_path, plen);
	buf_puts(b, plen ? "/</title>\n" : "</title>\n");
	buf_puts(b, listing_style);
	buf_puts(b, "</head>\n<body>\n<main>\n<h1>Index of /");
	buf_html_escape(b, url_path, plen);
	buf_puts(b, plen ? "/</h1>\n" : "</h1>\n");
	buf_puts(b, "<table class=\"listing\">\n<thead><tr>");
	column_head(b, s, LISTING_BY_NAME, "Name", NULL);
	column_head(b, s, LISTING_BY_SIZE, "Size", "size");
	column_head(b, s, LISTING_BY_MTIME, "Modified (UTC)", NULL);
	buf_puts(b, "</tr></thead>\n<tbody>\n");
	if (plen)
		buf_puts(b, "<tr><td class=\"name\"><a href=\"../\">../</a></td>"
		    "<td class=\"size\">-</td><td></td></tr>\n");
}

/* url_path is the decoded path of the directory: "" or "a/b". */
int
listing_html(const struct listing *l, const char *url_path,
    const struct listing_sort *s, struct buf *b)
{
	size_t i;

	buf_reset(b);
	page_head(b, url_path, s);
	for (i = 0; i < l->n; i++)
		entry_row(b, &l->e[i]);
	buf_printf(b, "</tbody>\n</table>\n<p>%zu %s", l->n,
	    l->n == 1 ? "entry" : "entries");
	if (l->unread > 0)
		buf_printf(b, " shown; <strong>the list is cut: %zu more "
		    "entries were not read</strong> (at most %d are listed)",
		    l->unread, LISTING_MAX);
	buf_printf(b, ". sockweb/%s</p>\n</main>\n</body>\n</html>\n",
	    SOCKWEB_VERSION);
	return b->failed ? -1 : 0;
}
