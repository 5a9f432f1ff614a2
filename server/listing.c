/*
 * listing.c: an HTML index of a directory without index.html, like
 * nginx's autoindex: sorted names, sizes, dates; dotfiles hidden. Names
 * come from the file system, so each is URL-escaped in the link and
 * HTML-escaped in the text: a file called "<script>" stays a name.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockwebd.h"

#define LISTING_MAX 10000	/* entries shown; a bound on memory and time */

struct entry {
	char	*name;
	bool	 is_dir;
	off_t	 size;
	time_t	 mtime;
};

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name,
	    ((const struct entry *)b)->name);
}

static void
entries_free(struct entry *e, size_t n)
{
	while (n > 0)
		free(e[--n].name);
	free(e);
}

/* Read the visible entries of dir_fd; returns the count or -1. */
static ssize_t
entries_read(int dir_fd, struct entry **out)
{
	struct entry *e = NULL;
	struct dirent *d;
	struct stat st;
	size_t n = 0;
	DIR *dir;
	int fd;

	if ((fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	if ((e = calloc(LISTING_MAX, sizeof(*e))) == NULL)
		goto fail;
	while (n < LISTING_MAX && (d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		if (fstatat(fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;	/* removed meanwhile */
		if ((e[n].name = strdup(d->d_name)) == NULL)
			goto fail;
		e[n].is_dir = S_ISDIR(st.st_mode);
		e[n].size = st.st_size;
		e[n].mtime = st.st_mtime;
		n++;
	}
	closedir(dir);
	qsort(e, n, sizeof(*e), entry_cmp);
	*out = e;
	return (ssize_t)n;
fail:
	if (e)
		entries_free(e, n);
	closedir(dir);
	return -1;
}

static void
entry_row(struct buf *b, const struct entry *e)
{
	char date[32];
	struct tm tm;
	size_t len = strlen(e->name);

	gmtime_r(&e->mtime, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M", &tm);
	buf_puts(b, "<tr><td><a href=\"");
	buf_url_escape(b, e->name, len);
	buf_puts(b, e->is_dir ? "/\">" : "\">");
	buf_html_escape(b, e->name, len);
	buf_puts(b, e->is_dir ? "/</a></td><td>-</td>" : "</a></td>");
	if (!e->is_dir)
		buf_printf(b, "<td>%jd</td>", (intmax_t)e->size);
	buf_printf(b, "<td>%s</td></tr>\n", date);
}

/* url_path is the decoded path of the directory: "" or "a/b". */
int
listing_build(int dir_fd, const char *url_path, struct buf *b)
{
	struct entry *e;
	ssize_t n, i;

	if ((n = entries_read(dir_fd, &e)) < 0)
		return -1;
	buf_reset(b);
	buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<title>Index of /");
	buf_html_escape(b, url_path, strlen(url_path));
	buf_puts(b, *url_path ? "/</title>\n" : "</title>\n");
	/* Inline style: the root being listed may have no stylesheet. */
	buf_puts(b, "<style>body{font-family:system-ui,sans-serif;margin:2em}"
	    "th,td{padding:.2em 1em;text-align:left}</style>\n</head>\n"
	    "<body>\n<main>\n<h1>Index of /");
	buf_html_escape(b, url_path, strlen(url_path));
	buf_puts(b, *url_path ? "/</h1>\n" : "</h1>\n");
	buf_puts(b, "<table class=\"listing\">\n<thead><tr><th>Name</th>"
	    "<th>Size (bytes)</th><th>Modified (UTC)</th></tr></thead>\n<tbody>\n");
	if (*url_path)
		buf_puts(b, "<tr><td><a href=\"../\">../</a></td><td>-</td>"
		    "<td></td></tr>\n");
	for (i = 0; i < n; i++)
		entry_row(b, &e[i]);
	buf_printf(b, "</tbody>\n</table>\n<p>%zd %s. sockweb/%s</p>\n"
	    "</main>\n</body>\n</html>\n", n, n == 1 ? "entry" : "entries",
	    SOCKWEB_VERSION);
	entries_free(e, (size_t)n);
	return b->failed ? -1 : 0;
}
