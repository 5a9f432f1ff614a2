/*
 * file.c: open a path beneath the document root and never outside it.
 * path.c already removed every ".." from the path; here we also refuse to
 * follow any symbolic link (a link inside the root may point anywhere),
 * like nginx's "disable_symlinks on". On Linux 5.6+ openat2(2) with
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS does that in one call; elsewhere we
 * walk the path one component at a time with O_NOFOLLOW.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef HAVE_LINUX_OPENAT2_H
#include <linux/openat2.h>
#endif

#include "sockwebd.h"

/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
#define OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW)

static int
open_walk(int root_fd, const char *path)
{
	char comp[PATH_OUT_MAX];
	const char *p = path, *slash;
	int dir = root_fd, fd;
	size_t n;

	for (;;) {
		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		if (n >= sizeof(comp)) {
			errno = ENAMETOOLONG;
			fd = -1;
		} else {
			memcpy(comp, p, n);
			comp[n] = '\0';
			fd = openat(dir, comp, OPEN_FLAGS | (slash ? O_DIRECTORY : 0));
		}
		if (dir != root_fd) {
			int saved = errno;
			close(dir);
			errno = saved;
		}
		if (fd == -1 || slash == NULL)
			return fd;
		dir = fd;
		p = slash + 1;
	}
}

static int
open_beneath(int root_fd, const char *path)
{
#if defined(HAVE_LINUX_OPENAT2_H) && defined(SYS_openat2)
	static bool no_openat2;
	struct open_how how = {
		.flags = OPEN_FLAGS,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
		    RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (!no_openat2) {
		fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
		if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
			return (int)fd;
		no_openat2 = true;	/* old kernel or seccomp: walk instead */
	}
#endif
	return open_walk(root_fd, path);
}

static int
status_for_errno(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
	case ENAMETOOLONG:
		return 404;
	case ELOOP:		/* a symlink, refused */
	case EXDEV:		/* would leave the root */
	case EACCES:
	case EPERM:
	case ENXIO:		/* a socket or a device without a driver */
	case ENODEV:
		return 403;
	case EMFILE:
	case ENFILE:
		return 503;
	default:
		return 500;
	}
}

/* A regular file must be world-readable to be served (thttpd's rule). */
static int
check_type(struct file *f)
{
	if (S_ISDIR(f->st.st_mode)) {
		f->is_dir = true;
		return 0;
	}
	if (!S_ISREG(f->st.st_mode))
		return 403;	/* FIFO, socket, device */
	if (!(f->st.st_mode & S_IROTH))
		return 403;
	return 0;
}

/* Returns 0 with f filled in, or the HTTP status to answer. */
int
file_open(int root_fd, const char *path, struct file *f)
{
	int status;

	f->is_dir = false;
	f->cached = NULL;
	f->data = NULL;
	if (*path == '\0')
		f->fd = openat(root_fd, ".", O_RDONLY | O_CLOEXEC | O_DIRECTORY);
	else
		f->fd = open_beneath(root_fd, path);
	if (f->fd == -1)
		return status_for_errno(errno);
	if (fstat(f->fd, &f->st) == -1) {
		status = status_for_errno(errno);
		file_close(f);
		return status;
	}
	if ((status = check_type(f)) != 0) {
		file_close(f);
		return status;
	}
	return 0;
}

/* The directory's index.html, if it has a servable one. */
int
file_open_index(struct file *dir, struct file *index)
{
	if (file_open(dir->fd, "index.html", index) != 0)
		return -1;
	if (index->is_dir) {
		file_close(index);
		return -1;
	}
	return 0;
}

void
file_close(struct file *f)
{
	if (f->cached)
		file_cache_unref(f->cached);
	else if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	f->cached = NULL;
	f->data = NULL;
}
