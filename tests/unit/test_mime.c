/* Unit tests for server/mime.c: the Content-Type a browser gets. */
#include "config.h"

#include "sockwebd.h"
#include "tap.h"

static const struct {
	const char *path;
	const char *type;
} cases[] = {
	{ "index.html", "text/html; charset=utf-8" },
	{ "INDEX.HTML", "text/html; charset=utf-8" },
	{ "page.Htm", "text/html; charset=utf-8" },
	{ "style.css", "text/css; charset=utf-8" },
	{ "app.js", "text/javascript; charset=utf-8" },
	{ "data.json", "application/json" },
	{ "samples/socket-64.png", "image/png" },
	{ "favicon.svg", "image/svg+xml" },
	{ "favicon.ico", "image/x-icon" },
	{ "photo.JPG", "image/jpeg" },
	{ "README.txt", "text/plain; charset=utf-8" },
	{ "font.woff2", "font/woff2" },
	{ "font.woff", "font/woff" },
	{ "archive.tar.gz", "application/gzip" },
	{ "archive.tar", "application/x-tar" },
	{ "a.7z", "application/x-7z-compressed" },
	{ "zip.zip", "application/zip" },
	{ "Makefile", "application/octet-stream" },
	{ "", "application/octet-stream" },
	{ ".bashrc", "application/octet-stream" },
	{ "dir/.html", "application/octet-stream" },
	{ "file.", "application/octet-stream" },
	{ "file.unknownext", "application/octet-stream" },
	{ "file.htmlx", "application/octet-stream" },
	{ "file.ht", "application/octet-stream" },
	{ "a.b/c", "application/octet-stream" },
	{ "a.html/c", "application/octet-stream" },
	{ "dir.d/x.css", "text/css; charset=utf-8" },
	{ "a/b/c.d/e.pdf", "application/pdf" },
};

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_str(mime_type_for(cases[i].path), cases[i].type,
		    "\"%s\": %s", cases[i].path, cases[i].type);
	return tap_done();
}
