/*
 * Unit tests for --mime-types and --default-type (server/mime.c): a file
 * in the /etc/mime.types format adds to and overrides the built-in table,
 * later lines win, text types get "; charset=utf-8"; malformed files and
 * types that could break a header line are refused.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sockwebd.h"
#include "tap.h"

static char path[64];

static int
load(const char *text)
{
	FILE *fp;

	strcpy(path, "/tmp/sockweb-mime.XXXXXX");
	if ((fp = fdopen(mkstemp(path), "w")) == NULL) {
		perror("mkstemp");
		exit(1);
	}
	fputs(text, fp);
	fclose(fp);
	return mime_load(path);
}

int
main(void)
{
	is_str(mime_type_for("x.unknownext"), "application/octet-stream",
	    "built-in default");
	ok(load("# a comment\n"
	    "\n"
	    "application/x-custom\tcustom cst\n"
	    "text/x-recipe recipe\n"
	    "image/x-portable-pixmap ppm # trailing comment\n"
	    "application/json json\n"		/* same as built-in */
	    "text/plain html\n"			/* overrides a built-in */
	    "application/x-first dup\n"
	    "application/x-second dup\n") == 0, "a mime.types file loads");
	unlink(path);
	is_str(mime_type_for("a.custom"), "application/x-custom", "an added type");
	is_str(mime_type_for("a.CST"), "application/x-custom",
	    "extensions are case-insensitive");
	is_str(mime_type_for("a.recipe"), "text/x-recipe; charset=utf-8",
	    "a text type gets charset=utf-8");
	is_str(mime_type_for("a.ppm"), "image/x-portable-pixmap",
	    "a comment after the extensions");
	is_str(mime_type_for("index.html"), "text/plain; charset=utf-8",
	    "the file overrides a built-in");
	is_str(mime_type_for("a.css"), "text/css; charset=utf-8",
	    "built-ins not in the file stay");
	is_str(mime_type_for("a.dup"), "application/x-second", "a later line wins");
	ok(load("text/html\n") == 0, "a type without extensions is fine");
	unlink(path);
	ok(load("nodash x\n") == -1, "a type without / is refused");
	unlink(path);
	ok(load("text/plain; charset=latin1 txt\n") == -1,
	    "parameters in mime.types are refused");
	unlink(path);
	ok(load("te\x01xt/plain x\n") == -1, "a control character is refused");
	unlink(path);
	ok(load("text/plain a.b\n") == -1, "an extension with a dot is refused");
	unlink(path);
	ok(mime_load("/nonexistent/mime.types") == -1, "a missing file is refused");
	ok(mime_set_default("text/plain; charset=utf-8") == 0, "--default-type with a charset");
	is_str(mime_type_for("Makefile"), "text/plain; charset=utf-8",
	    "--default-type for a name without extension");
	is_str(mime_type_for("x.unknownext"), "text/plain; charset=utf-8",
	    "--default-type for an unknown extension");
	ok(mime_set_default("text/plain\r\nX: y") == -1, "--default-type with CR LF refused");
	ok(mime_set_default("plain") == -1, "--default-type without / refused");
	ok(mime_set_default("/plain") == -1, "--default-type without a type refused");
	ok(mime_set_default("text/") == -1, "--default-type without a subtype refused");
	return tap_done();
}
