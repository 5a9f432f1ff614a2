/*
 * mime.c: Content-Type by file extension. The table is sorted so lookups
 * are a binary search; text types carry "; charset=utf-8" so browsers do
 * not guess (the site is UTF-8).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sockwebd.h"

struct mime {
	const char *ext;
	const char *type;
};

/* Sorted by extension (strcasecmp order, all lowercase). */
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

static int
mime_cmp(const void *key, const void *elem)
{
	return strcasecmp(key, ((const struct mime *)elem)->ext);
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
	const struct mime *m;

	if (dot == NULL || dot == base || dot[1] == '\0')
		return MIME_DEFAULT;
	m = bsearch(dot + 1, mime_table, sizeof(mime_table) / sizeof(mime_table[0]),
	    sizeof(mime_table[0]), mime_cmp);
	return m ? m->type : MIME_DEFAULT;
}
