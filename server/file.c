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
	f->cached = false;
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

/*
 * The directory's index.html: 0 with index open, else the status to
 * answer. *missing says there is no index at all (ENOENT): only then may a
 * listing be shown; an index that exists but cannot be served (not
 * world-readable, a FIFO, a refused link, a directory) is its own 403 or
 * 404, as nginx answers, and never publishes the directory's names.
 */
int
file_open_index(struct file *dir, struct file *index, bool *missing)
{
	int status;

	*missing = false;
	errno = 0;
	if ((status = file_open(dir->fd, "index.html", index)) != 0) {
		*missing = status == 404 && errno == ENOENT;
		return status;
	}
	if (index->is_dir) {
		file_close(index);
		return 403;
	}
	return 0;
}

void
file_close(struct file *f)
{
	if (f->fd >= 0 && !f->cached)
		close(f->fd);
	f->fd = -1;
	f->cached = false;
}

/*
 * A small open-file cache for the process's lifetime (a keep-alive child,
 * a prefork worker), like nginx's open_file_cache. A hit costs one
 * fstatat() instead of openat2() + fstat() + close(). It is safe because a
 * hit must name the very file (device, inode) that was opened safely
 * beneath the root, unchanged (size, mtime, ctime, mode): a renamed,
 * replaced, truncated or chmod-ed file, or a path that now leads elsewhere
 * through a symlink, no longer matches and is opened anew.
 */
#define FILE_CACHE_SIZE 16
#define FILE_CACHE_DATA	16384	/* files this small are kept in memory too */

struct cache_entry {
	char		*path;
	int		 fd;
	struct stat	 st;
	char		*data;		/* the bytes of a small file, or NULL */
	unsigned long	 used;		/* for least-recently-used eviction */
};

static struct cache_entry file_cache[FILE_CACHE_SIZE];
static unsigned long file_cache_clock;

static bool
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size && a->st_mode == b->st_mode &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static void
cache_evict(struct cache_entry *e)
{
	if (e->path == NULL)
		return;
	close(e->fd);
	free(e->path);
	free(e->data);
	e->path = NULL;
	e->data = NULL;
}

/*
 * The bytes of a small file, so that head and body leave in one sendmsg;
 * NULL when the file is larger or did not read back whole.
 */
static char *
cache_read_small(int fd, off_t size)
{
	char *data;
	ssize_t n;
	off_t done = 0;

	if (size <= 0 || size > FILE_CACHE_DATA || (data = malloc(size)) == NULL)
		return NULL;
	while (done < size) {
		n = pread(fd, data + done, (size_t)(size - done), done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(data);
			return NULL;
		}
		done += n;
	}
	return data;
}

/* The new entry when the cache took f's descriptor over, else NULL. */
static struct cache_entry *
cache_insert(const char *path, const struct file *f)
{
	struct cache_entry *e = &file_cache[0];
	size_t i;

	for (i = 1; i < FILE_CACHE_SIZE && e->path != NULL; i++)
		if (file_cache[i].path == NULL || file_cache[i].used < e->used)
			e = &file_cache[i];
	cache_evict(e);
	if ((e->path = strdup(path)) == NULL)
		return NULL;
	e->fd = f->fd;
	e->st = f->st;
	e->data = cache_read_small(f->fd, f->st.st_size);
	e->used = ++file_cache_clock;
	return e;
}

static struct cache_entry *
cache_lookup(int root_fd, const char *path)
{
	struct cache_entry *e;
	struct stat st;
	size_t i;

	for (i = 0; i < FILE_CACHE_SIZE; i++) {
		e = &file_cache[i];
		if (e->path == NULL || strcmp(e->path, path) != 0)
			continue;
		if (fstatat(root_fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    same_file(&st, &e->st)) {
			e->used = ++file_cache_clock;
			return e;
		}
		cache_evict(e);
		return NULL;
	}
	return NULL;
}

/* file_open for request paths, through the cache for regular files. */
int
file_open_cached(int root_fd, const char *path, struct file *f)
{
	struct cache_entry *e;
	int status;

	if (*path != '\0' && (e = cache_lookup(root_fd, path)) != NULL) {
		f->fd = e->fd;
		f->st = e->st;
		f->is_dir = false;
		f->cached = true;
		f->data = e->data;
		return 0;
	}
	if ((status = file_open(root_fd, path, f)) != 0 || f->is_dir)
		return status;
	if ((e = cache_insert(path, f)) != NULL) {
		f->cached = true;
		f->data = e->data;
	}
	return 0;
}
