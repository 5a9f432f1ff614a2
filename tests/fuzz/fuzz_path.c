/*
 * fuzz_path.c: path_normalize on any request target. The target is handed
 * over without a NUL after it, so reading past its length is caught.
 * Invariants:
 *  - the status is 0, 400, 404 or 414;
 *  - a path it accepts never leaves the root: it does not start with "/",
 *    has no empty, "." or ".." segment, no segment starting with "."
 *    (dotfiles), no backslash, and fits PATH_OUT_MAX;
 *  - an accepted path is a fixed point: normalizing "/" + path again
 *    gives it back (when it holds no '%', '?' or '#', which a second pass
 *    would read differently).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockwebd.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_path: invariant broken: %s\n", #cond); \
		abort();						\
	}								\
} while (0)

static void
check_path(const char *path)
{
	const char *seg = path, *end;
	size_t n, len = strlen(path);

	CHECK(len < PATH_OUT_MAX);
	CHECK(strchr(path, '\\') == NULL);
	if (len == 0)
		return;
	for (;;) {
		end = strchr(seg, '/');
		n = end ? (size_t)(end - seg) : strlen(seg);
		CHECK(n > 0);			/* no "//", no leading or trailing "/" */
		CHECK(seg[0] != '.');		/* no ".", "..", dotfile */
		if (end == NULL)
			break;
		seg = end + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct target t, again;
	static char round[PATH_OUT_MAX + 1];
	char *target;
	int status;

	target = malloc(size ? size : 1);
	if (target == NULL)
		return 0;
	memcpy(target, data, size);
	status = path_normalize(target, size, &t);
	CHECK(status == 0 || status == 400 || status == 404 || status == 414);
	if (status == 0) {
		check_path(t.path);
		if (strpbrk(t.path, "%?#") == NULL) {
			round[0] = '/';
			strcpy(round + 1, t.path);
			CHECK(path_normalize(round, strlen(round), &again) == 0);
			CHECK(strcmp(again.path, t.path) == 0);
		}
	}
	free(target);
	return 0;
}
