/*
 * mime.c: Content-Type by file extension. The table is sorted so lookups
 * are a binary search; text types carry "; charset=utf-8" so browsers do
 * not guess (the site is UTF-8). --mime-types FILE (the /etc/mime.types
 * format) adds to or overrides the table, --default-type replaces
 * application/octet-stream; both are read once at start, before any
 * chroot, and checked there: a type must be "type/subtype" of token
 * characters, since it goes into a header line.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockwebd.h"

struct mime {
	const char *ext;
	const char *type;
};

/* Sorted by extension (ascii_casecmp order, all lowercase). */
static const struct mime mime_table[] = {
	{ "7z",    "application/x-7z-compressed" },
	{ "avif",  "image/avif" },
	{ "bin",   "application/octet-stream" },
	{ "bmp",   "image/bmp" },
	{ "c",     "text/plain; charset=utf-8" },
	{ "css",   "text/css; charset=utf-8" },
	{ "csv",   "text/csv; charset=utf-8" },
	{ "gif",   "image/gif" },
	{ "gz",    "application/gzip" },
	{ "h",     "text/plain; charset=utf-8" },
	{ "htm",   "text/html; charset=utf-8" },
	{ "html",  "text/html; charset=utf-8" },
	{ "ico",   "image/x-icon" },
	{ "jpeg",  "image/jpeg" },
	{ "jpg",   "image/jpeg" },
	{ "js",    "text/javascript; charset=utf-8" },
	{ "json",  "application/json" },
	{ "md",    "text/markdown; charset=utf-8" },
	{ "mjs",   "text/javascript; charset=utf-8" },
	{ "mp3",   "audio/mpeg" },
	{ "mp4",   "video/mp4" },
	{ "ogg",   "audio/ogg" },
	{ "otf",   "font/otf" },
	{ "pdf",   "application/pdf" },
	{ "png",   "image/png" },
	{ "sh",    "text/plain; charset=utf-8" },
	{ "svg",   "image/svg+xml" },
	{ "tar",   "application/x-tar" },
	{ "ttf",   "font/ttf" },
	{ "txt",   "text/plain; charset=utf-8" },
	{ "wasm",  "application/wasm" },
	{ "wav",   "audio/wav" },
	{ "webm",  "video/webm" },
	{ "webp",  "image/webp" },
	{ "woff",  "font/woff" },
	{ "woff2", "font/woff2" },
	{ "xml",   "application/xml" },
	{ "xz",    "application/x-xz" },
	{ "zip",   "application/zip" },
};

#define MIME_DEFAULT "application/octet-stream"

/* --mime-types: sorted by extension after loading; NULL when not given. */
static struct mime *user_table;
static size_t user_count, user_cap;
/* every type string a line made, kept for the life of the process */
static char **user_types;
static size_t user_types_count, user_types_cap;
static const char *default_type = MIME_DEFAULT;

static int
mime_cmp(const void *key, const void *elem)
{
	return ascii_casecmp(key, ((const struct mime *)elem)->ext);
}

/*
 * Types worth a precompressed variant (text, JSON, XML, SVG, JavaScript,
 * wasm); images, audio, video and archives are compressed already, and
 * looking for FILE.br next to them would cost system calls for nothing.
 */
bool
mime_compressible(const char *type)
{
	return strncmp(type, "text/", 5) == 0 || strstr(type, "json") != NULL ||
	    strstr(type, "xml") != NULL || strstr(type, "javascript") != NULL ||
	    strcmp(type, "application/wasm") == 0;
}

const char *
mime_type_for(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	const char *dot = strrchr(base, '.');
	const struct mime *m = NULL;

	if (dot == NULL || dot == base || dot[1] == '\0')
		return default_type;
	if (user_count > 0)
		m = bsearch(dot + 1, user_table, user_count, sizeof(*user_table),
		    mime_cmp);
	if (m == NULL)
		m = bsearch(dot + 1, mime_table, sizeof(mime_table) /
		    sizeof(mime_table[0]), sizeof(mime_table[0]), mime_cmp);
	return m ? m->type : default_type;
}

static bool
token_chars(const char *s, size_t n)
{
	static const char extra[] = "!#$%&'*+-.^_`|~";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c && strchr(extra, c))))
			return false;
	}
	return n > 0;
}

/* "type/subtype", optionally "; param=value" of visible characters. */
bool
mime_type_valid(const char *type)
{
	const char *slash = strchr(type, '/');
	size_t sub;
	const char *p;

	if (slash == NULL || !token_chars(type, (size_t)(slash - type)))
		return false;
	sub = strcspn(slash + 1, ";");
	if (!token_chars(slash + 1, sub))
		return false;
	for (p = slash + 1 + sub; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

int
mime_set_default(const char *type)
{
	if (!mime_type_valid(type))
		return -1;
	default_type = type;
	return 0;
}

/* A text type without parameters gets "; charset=utf-8", as built-ins. */
static char *
type_copy(const char *type, size_t n)
{
	bool text = n > 5 && strncmp(type, "text/", 5) == 0;
	char *t = malloc(n + (text ? 16 : 1));

	if (t == NULL)
		return NULL;
	memcpy(t, type, n);
	strcpy(t + n, text ? "; charset=utf-8" : "");
	return t;
}

static int
user_add(const char *ext, size_t n, const char *type)
{
	struct mime *grown;
	size_t i;
	char *e;

	for (i = 0; i < user_count; i++)	/* a later line wins */
		if (strlen(user_table[i].ext) == n &&
		    ascii_ncasecmp(user_table[i].ext, ext, n) == 0) {
			user_table[i].type = type;
			return 0;
		}
	if (user_count == user_cap) {
		user_cap = user_cap ? user_cap * 2 : 64;
		if ((grown = realloc(user_table, user_cap * sizeof(*grown))) == NULL)
			return -1;
		user_table = grown;
	}
	if ((e = strndup(ext, n)) == NULL)
		return -1;
	user_table[user_count].ext = e;
	user_table[user_count].type = type;
	user_count++;
	return 0;
}

/*
 * A line's type string, once some extension uses it: kept in user_types,
 * so it lives (and stays reachable) while the table may point at it even
 * when a later line takes its extensions; one no extension uses is freed.
 */
static int
type_keep(char *type, size_t used)
{
	char **grown;

	if (used == 0) {
		free(type);
		return 0;
	}
	if (user_types_count == user_types_cap) {
		user_types_cap = user_types_cap ? user_types_cap * 2 : 16;
		grown = realloc(user_types, user_types_cap * sizeof(*grown));
		if (grown == NULL)
			return -1;
		user_types = grown;
	}
	user_types[user_types_count++] = type;
	return 0;
}

/* One line "type ext ext..."; 0, or -1 with *why. */
static int
mime_line(char *line, const char **why)
{
	const char *sep = " \t\r\n";
	size_t n = strcspn(line, sep), e, used = 0;
	char *type, *p;
	int rc = 0;

	if (line[0] == '#' || line[strspn(line, sep)] == '\0')
		return 0;
	line[n] = '\0';
	if (!mime_type_valid(line) || strchr(line, ';') != NULL) {
		*why = "not a type/subtype";
		return -1;
	}
	if ((type = type_copy(line, n)) == NULL) {
		*why = strerror(errno);
		return -1;
	}
	for (p = line + n + 1; *(p += strspn(p, sep)) != '\0'; p += e) {
		e = strcspn(p, sep);
		if (*p == '#')
			break;
		if (!token_chars(p, e) || memchr(p, '.', e) != NULL) {
			*why = "an extension must be a token without a dot";
			rc = -1;
			break;
		}
		if (user_add(p, e, type) == -1) {
			*why = strerror(errno);
			rc = -1;
			break;
		}
		used++;
	}
	if (type_keep(type, used) == -1) {
		*why = strerror(errno);
		rc = -1;
	}
	return rc;
}

static int
user_cmp(const void *a, const void *b)
{
	return ascii_casecmp(((const struct mime *)a)->ext,
	    ((const struct mime *)b)->ext);
}


/* --mime-types FILE; 0, or -1 after saying what is wrong and where. */
int
mime_load(const char *path)
{
	char line[4096];
	const char *why = NULL;
	unsigned lineno = 0;
	FILE *fp;
	int rc = 0;

	if ((fp = fopen(path, "re")) == NULL) {
		log_warn("open %s", path);
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			why = "line too long";
			rc = -1;
		} else
			rc = mime_line(line, &why);
	}
	if (rc == 0 && ferror(fp)) {
		why = "read error";
		rc = -1;
	}
	fclose(fp);
	if (rc == -1) {
		log_warnx("--mime-types %s:%u: %s", path, lineno, why);
		return -1;
	}
	qsort(user_table, user_count, sizeof(*user_table), user_cmp);
	return 0;
}
