/*
 * file.c: open a path beneath the document root and never outside it.
 * path.c already removed every ".." from the request's path. Symbolic
 * links are followed by default as long as every step stays beneath the
 * root (the common "latest -> v1.2/" layout, as nginx, darkhttpd and
 * python serve it): a link that leads out (".." above the root, or any
 * absolute target), a loop (more than 40 links), a /proc magic link or a
 * dot name in a link's target is refused. A path without links is one
 * openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS (on kernels
 * without it, a walk of openat(2) with O_NOFOLLOW per component); only
 * when that meets a link are the links expanded here, by the same rules on
 * every kernel, and the link-free result opened the same strict way.
 * --no-symlinks refuses every link (nginx's "disable_symlinks on").
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
#define LINKS_MAX 40		/* as the kernel's ELOOP limit */

static bool follow_symlinks = true;	/* set once at start */
static bool no_openat2;			/* old kernel or seccomp: walk */

void
file_set_symlinks(bool follow)
{
	follow_symlinks = follow;
}

/* Use the walk even where openat2 works (tests: both paths, one rule). */
void
file_force_walk(bool walk)
{
	no_openat2 = walk;
}

/*
 * O_DIRECTORY | O_NOFOLLOW on a link says ENOTDIR; openat2 says ELOOP for
 * the same refused link. One answer (403) whichever path opened it.
 */
static int
link_errno(int dir, const char *comp)
{
	struct stat st;

	if (fstatat(dir, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		return ELOOP;
	return ENOTDIR;
}

static int
open_walk(int root_fd, const char *path)
{
	char comp[PATH_OUT_MAX];
	const char *p = path, *slash;
	int dir = root_fd, fd;
	size_t n;

	if (*path == '\0')
		return openat(root_fd, ".", O_RDONLY | O_CLOEXEC | O_DIRECTORY);
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
			if (fd == -1 && errno == ENOTDIR && slash)
				errno = link_errno(dir, comp);
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

/* done = done + "/" + comp (comp is n bytes); -1 when too long. */
static int
path_push(char *done, const char *comp, size_t n)
{
	size_t len = strlen(done);

	if (len + 1 + n + 1 > PATH_OUT_MAX)
		return -1;
	if (len > 0)
		done[len++] = '/';
	memcpy(done + len, comp, n);
	done[len + n] = '\0';
	return 0;
}

/* todo = target + "/" + rest, in place; -1 when too long. */
static int
todo_splice(char *todo, const char *target, const char *rest)
{
	char joined[PATH_OUT_MAX];
	int n = snprintf(joined, sizeof(joined), "%s%s%s", target,
	    *rest ? "/" : "", rest);

	if (n < 0 || (size_t)n >= sizeof(joined))
		return -1;
	memcpy(todo, joined, (size_t)n + 1);
	return 0;
}

/*
 * One step of resolve_links: the component comp (n bytes) after the
 * resolved prefix done. 1: it was a link, todo now starts with its
 * target; 0: done grew by comp; -1 with errno.
 */
static int
resolve_step(int root_fd, char *done, const char *comp, size_t n,
    char *todo, const char *rest, int *links)
{
	char cand[PATH_OUT_MAX], target[PATH_OUT_MAX];
	ssize_t len;

	strcpy(cand, done);
	if (path_push(cand, comp, n) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	len = readlinkat(root_fd, cand, target, sizeof(target) - 1);
	if (len == -1) {
		if (errno != EINVAL && errno != ENOENT)
			return -1;	/* EINVAL: not a link; ENOENT: open says */
		strcpy(done, cand);
		return 0;
	}
	target[len] = '\0';
	if (++*links > LINKS_MAX) {
		errno = ELOOP;
		return -1;
	}
	if (len == 0 || target[0] == '/') {
		errno = len == 0 ? ENOENT : EXDEV;	/* absolute: RESOLVE_BENEATH */
		return -1;
	}
	if (todo_splice(todo, target, rest) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 1;
}

/*
 * The fallback for openat2's RESOLVE_BENEATH: expand every link in path
 * beneath the root into done, a path without links. ".." above the root
 * or an absolute target is EXDEV, more than LINKS_MAX links ELOOP.
 */
static int
resolve_links(int root_fd, const char *path, char done[PATH_OUT_MAX])
{
	char todo[PATH_OUT_MAX], comp[PATH_OUT_MAX];
	const char *slash;
	int links = 0;
	size_t n;
	char *cut;

	if (strlen(path) >= sizeof(todo)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(todo, path);
	done[0] = '\0';
	while (todo[0] != '\0') {
		slash = strchr(todo, '/');
		n = slash ? (size_t)(slash - todo) : strlen(todo);
		memcpy(comp, todo, n);
		comp[n] = '\0';
		memmove(todo, todo + n + (slash != NULL), strlen(todo + n +
		    (slash != NULL)) + 1);
		if (n == 0 || strcmp(comp, ".") == 0)
			continue;
		if (comp[0] == '.' && strcmp(comp, "..") != 0) {
			errno = ENOENT;		/* a dotfile, as path.c says */
			return -1;
		}
		if (strcmp(comp, "..") == 0) {
			if (done[0] == '\0') {
				errno = EXDEV;
				return -1;
			}
			cut = strrchr(done, '/');
			*(cut ? cut : done) = '\0';
			continue;
		}
		if (resolve_step(root_fd, done, comp, n, todo, todo, &links) == -1)
			return -1;
	}
	return 0;
}

/* Open a path that must hold no link: openat2, or the O_NOFOLLOW walk. */
static int
open_no_links(int root_fd, const char *path)
{
#if defined(HAVE_LINUX_OPENAT2_H) && defined(SYS_openat2)
	struct open_how how = {
		.flags = OPEN_FLAGS,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
		    RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (!no_openat2 && *path != '\0') {
		fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
		if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
			return (int)fd;
		no_openat2 = true;	/* old kernel or seccomp: walk instead */
	}
#endif
	return open_walk(root_fd, path);
}

/*
 * The common case, a path without links, costs one openat2. A link on the
 * way (ELOOP) is expanded by resolve_links, which keeps every step beneath
 * the root and refuses dot names in link targets (dotfiles stay hidden
 * behind a link too); the link-free result is opened the same strict way,
 * so a link swapped in meanwhile is refused, not followed. The rare
 * expansion is a function of its own (NOINLINE): its path buffers, 24 KiB,
 * stay off the stack of the common case.
 */
static NOINLINE int
open_resolved(int root_fd, const char *path)
{
	char resolved[PATH_OUT_MAX];

	if (resolve_links(root_fd, path, resolved) == -1)
		return -1;
	return open_no_links(root_fd, resolved);
}

static int
open_beneath(int root_fd, const char *path)
{
	int fd = open_no_links(root_fd, path);

	if (fd >= 0 || errno != ELOOP || !follow_symlinks)
		return fd;
	return open_resolved(root_fd, path);
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
	if (f->cached)
		file_cache_unref(f->cached);
	else if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	f->cached = NULL;
	f->data = NULL;
}
