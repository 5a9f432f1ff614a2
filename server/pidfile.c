/*
 * pidfile.c: --pidfile FILE. Written once at start, before chroot and the
 * switch to -u (main.c's start()), and removed at a clean exit only while
 * it still holds our pid: after a binary upgrade it names the new copy.
 *
 * --chroot hides the path the file was written at, so the path to remove
 * is worked out when it is written: the file's absolute path, or with
 * --chroot its place inside the new root. A pidfile outside the chroot
 * cannot be removed: a warning at start says so, not a failure at exit.
 * After -u its directory may refuse the unlink; the exit warning says why.
 */
#include "config.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockwebd.h"

/* Where to remove the file at exit, as the process will see it then. */
static char remove_path[PATH_MAX];

/* The absolute path of PATH's directory, plus its last component. */
static int
absolute_path(const char *path, char *out, size_t size)
{
	char dir_copy[PATH_MAX], base_copy[PATH_MAX], dir[PATH_MAX];
	int n;

	if (snprintf(dir_copy, sizeof(dir_copy), "%s", path) >= (int)sizeof(dir_copy) ||
	    realpath(dirname(dir_copy), dir) == NULL)
		return -1;
	snprintf(base_copy, sizeof(base_copy), "%s", path);
	n = snprintf(out, size, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir,
	    basename(base_copy));
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* ABS as seen from inside a chroot to ROOT, or NULL when it is outside. */
static const char *
inside_root(const char *abs, const char *root)
{
	char real_root[PATH_MAX];
	size_t len;

	if (realpath(root, real_root) == NULL)
		return NULL;
	if (strcmp(real_root, "/") == 0)
		return abs;
	len = strlen(real_root);
	if (strncmp(abs, real_root, len) != 0 || abs[len] != '/')
		return NULL;
	return abs + len;
}

static void
plan_removal(const char *path, const char *chroot_dir)
{
	char abs[PATH_MAX];
	const char *later;

	remove_path[0] = '\0';
	if (absolute_path(path, abs, sizeof(abs)) == -1) {
		log_warn("pidfile %s: resolve its directory", path);
		return;
	}
	later = chroot_dir ? inside_root(abs, chroot_dir) : abs;
	if (later == NULL) {
		log_warnx("pidfile %s is outside the chroot %s: it stays after exit",
		    path, chroot_dir);
		return;
	}
	snprintf(remove_path, sizeof(remove_path), "%s", later);
}

int
pidfile_write(const char *path, const char *chroot_dir)
{
	char line[32];
	int fd, n;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1) {
		log_warn("pidfile %s", path);
		return -1;
	}
	n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	if (io_write_all(fd, line, (size_t)n, -1) == -1) {
		log_warn("write pidfile %s", path);
		close(fd);
		return -1;
	}
	if (close(fd) == -1) {
		log_warn("close pidfile %s", path);
		return -1;
	}
	plan_removal(path, chroot_dir);
	return 0;
}

/* The pid in the file at PATH, or -1. */
static long
pid_in(const char *path)
{
	char line[32];
	ssize_t n;
	long pid;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	return number_parse(line, 1, INT32_MAX, &pid) == 0 ? pid : -1;
}

void
pidfile_remove(void)
{
	if (remove_path[0] == '\0' || pid_in(remove_path) != (long)getpid())
		return;
	if (unlink(remove_path) == -1)
		log_warn("unlink pidfile %s", remove_path);
}
