/*
 * listing.c: the entries of a directory without index.html, for the HTML
 * (listing_html.c) and JSON (listing_json.c) indexes: every visible entry
 * is read (dotfiles hidden), then the whole set is sorted, directories
 * first, by the column the query names (Apache's ?C=N|S|M;O=A|D). Memory
 * is one small record per entry; a directory larger than LISTING_MAX is
 * cut after reading and the index says by how many entries.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockwebd.h"

/* A query parameter "name=value" among ';' or '&' separated ones. */
static const char *
query_param(const char *query, const char *name, size_t *len)
{
	size_t n = strlen(name);
	const char *p = query;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			*len = strcspn(p + n + 1, ";&#");
			return p + n + 1;
		}
		p += strcspn(p, ";&#");
		p = *p == ';' || *p == '&' ? p + 1 : NULL;
	}
	return NULL;
}

static bool
param_is(const char *query, const char *name, const char *want)
{
	size_t len;
	const char *v = query ? query_param(query, name, &len) : NULL;

	return v != NULL && len == strlen(want) && strncmp(v, want, len) == 0;
}

/* Unknown or missing values keep the default: by name, ascending. */
void
listing_sort_parse(const char *query, struct listing_sort *s)
{
	s->key = LISTING_BY_NAME;
	s->descending = param_is(query, "O", "D");
	if (param_is(query, "C", "S"))
		s->key = LISTING_BY_SIZE;
	else if (param_is(query, "C", "M"))
		s->key = LISTING_BY_MTIME;
}

/*
 * The q (in 1/1000) an Accept value gives one media type named exactly,
 * -1 when it is not named; a malformed element ends the reading.
 */
static int
accept_q(const char *accept, const char *type)
{
	size_t n, want = strlen(type);
	const char *p = accept, *tok;
	int q;

	for (;;) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return -1;
		tok = p;
		n = strcspn(p, " \t;,");
		if ((q = encoding_element_q(p + n, &p)) < 0 || (*p != ',' && *p != '\0'))
			return -1;
		if (n == want && ascii_ncasecmp(tok, type, n) == 0)
			return q;
	}
}

/*
 * JSON for ?format=json, or when Accept names application/json with a
 * q above 0 and not below text/html's: a script asking for JSON gets it,
 * a browser (text/html first, or only the wildcard range) gets the page.
 */
bool
listing_wants_json(const char *query, const char *accept)
{
	int json;

	if (param_is(query, "format", "json"))
		return true;
	if (accept == NULL || (json = accept_q(accept, "application/json")) <= 0)
		return false;
	return json >= accept_q(accept, "text/html");
}

static int
cmp_num(long long a, long long b)
{
	return a < b ? -1 : a > b;
}

static int
entry_cmp(const void *pa, const void *pb, void *arg)
{
	const struct listing_entry *a = pa, *b = pb;
	const struct listing_sort *s = arg;
	int c = 0;

	if (a->is_dir != b->is_dir)
		return a->is_dir ? -1 : 1;	/* directories first, always */
	if (s->key == LISTING_BY_SIZE)
		c = cmp_num(a->size, b->size);
	else if (s->key == LISTING_BY_MTIME)
		c = cmp_num(a->mtime, b->mtime);
	if (c == 0)
		c = strcmp(a->name, b->name);	/* names are unique: total order */
	return s->descending ? -c : c;
}

void
listing_sort(struct listing_entry *e, size_t n, const struct listing_sort *s)
{
	qsort_r(e, n, sizeof(*e), entry_cmp, (void *)(uintptr_t)s);
}

void
listing_free(struct listing *l)
{
	while (l->n > 0)
		free(l->e[--l->n].name);
	free(l->e);
	l->e = NULL;
}

/* One more entry; 0, or -1 when out of memory. */
static int
entry_add(struct listing *l, const char *name, const struct stat *st)
{
	struct listing_entry *grown;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 64;
		if ((grown = realloc(l->e, cap * sizeof(*grown))) == NULL)
			return -1;
		l->e = grown;
		l->cap = cap;
	}
	if ((l->e[l->n].name = strdup(name)) == NULL)
		return -1;
	l->e[l->n].is_dir = S_ISDIR(st->st_mode);
	l->e[l->n].size = st->st_size;
	l->e[l->n].mtime = st->st_mtime;
	l->n++;
	return 0;
}

/* Where the entries are: to look through a link as a request would. */
struct listing_dir {
	int		 root_fd, fd;
	const char	*path;		/* "" or "a/b", beneath the root */
};

/*
 * What an entry is: for a symbolic link, what a request for it would be
 * served (file_open's rules: beneath the root, --no-symlinks); a link that
 * would be refused is shown as itself, so nothing outside the root is
 * described.
 */
static int
entry_stat(const struct listing_dir *d, const char *name, struct stat *st)
{
	char path[PATH_OUT_MAX];
	struct file f;
	int n;

	if (fstatat(d->fd, name, st, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	if (!S_ISLNK(st->st_mode))
		return 0;
	n = snprintf(path, sizeof(path), "%s%s%s", d->path, *d->path ? "/" : "",
	    name);
	if (n > 0 && (size_t)n < sizeof(path) &&
	    file_open(d->root_fd, path, &f) == 0) {
		*st = f.st;
		file_close(&f);
	}
	return 0;
}

static int
entries_read(DIR *dir, const struct listing_dir *ld, struct listing *l)
{
	struct dirent *d;
	struct stat st;

	errno = 0;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		if (l->n == LISTING_MAX) {
			l->unread++;	/* counted, not kept */
			continue;
		}
		if (entry_stat(ld, d->d_name, &st) == -1)
			continue;	/* removed meanwhile */
		if (entry_add(l, d->d_name, &st) == -1)
			return -1;
		errno = 0;
	}
	return errno == 0 ? 0 : -1;
}

/* Every visible entry of dir_fd into l; 0, or -1 with errno. */
int
listing_read(int root_fd, int dir_fd, const char *dir_path, struct listing *l)
{
	struct listing_dir ld = { root_fd, -1, dir_path };
	DIR *dir;
	int fd, rc, saved;

	memset(l, 0, sizeof(*l));
	if ((fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if ((dir = fdopendir(fd)) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	ld.fd = fd;
	rc = entries_read(dir, &ld, l);
	saved = errno;
	closedir(dir);
	if (rc == -1) {
		listing_free(l);
		errno = saved;
	}
	return rc;
}
