/*
 * file_cache.c: a small open-file cache per process, like nginx's
 * open_file_cache. A hit costs one fstatat() instead of openat2() + fstat()
 * + close(), and only the first hit of an entry after each wake-up of the
 * event loop: the requests of one batch of events all arrived before it
 * began, so one look at the file serves them all (h2o clears its file
 * cache at every loop iteration for the same reason); a file changed
 * before a request arrived is always seen. It is safe because a hit must
 * name the very file (device, inode) that was opened safely beneath the
 * root, unchanged (size, mtime, ctime, mode): a renamed, replaced,
 * truncated or chmod-ed file, or a path that now leads elsewhere through
 * a symlink, no longer matches and is opened anew.
 *
 * An event-driven worker may still be sending from an entry's descriptor
 * when the entry goes stale or is pushed out, so entries are referenced:
 * one dropped while in use only leaves the table, and the last
 * file_close() closes it. Entries unused for FILE_CACHE_INACTIVE_MS are
 * closed (a deleted file's space comes back), and the cache gives all its
 * descriptors back when the process runs out of them.
 *
 * A fork-mode child freezes its copy (file_cache_freeze): it still hits
 * what the parent had cached, but adds nothing, since its entries would
 * die with it; the entry, its path and a small file's bytes would be three
 * allocations and a read(2) for a request it serves once.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockwebd.h"

#define FILE_CACHE_DATA	16384	/* files this small are kept in memory too */

struct cache_entry {
	char		*path;
	int		 fd;
	struct stat	 st;
	char		*data;		/* the bytes of a small file, or NULL */
	unsigned long	 used;		/* for least-recently-used eviction */
	long long	 used_ms;
	unsigned long	 checked;	/* the loop wake-up of the last fstatat */
	unsigned	 refs;		/* open struct files that use it */
	bool		 in_table;	/* false: dropped, closed at refs 0 */
};

void
file_cache_init(struct file_cache *fc)
{
	memset(fc, 0, sizeof(*fc));
}

/* Look up, never add: the entries would not outlive this process. */
void
file_cache_freeze(struct file_cache *fc)
{
	fc->frozen = true;
}

/* The event loop woke up with events: the next hit of each entry looks. */
void
file_cache_wakeup(struct file_cache *fc)
{
	if (++fc->wakeup == 0)
		fc->wakeup = 1;	/* 0 means "never": always look */
}

static void
entry_destroy(struct cache_entry *e)
{
	close(e->fd);
	free(e->path);
	free(e->data);
	free(e);
}

/* Take slot i's entry out of the table; closed now or by its last user. */
static void
slot_drop(struct file_cache *fc, size_t i)
{
	struct cache_entry *e = fc->slot[i];

	if (e == NULL)
		return;
	fc->slot[i] = NULL;
	e->in_table = false;
	if (e->refs == 0)
		entry_destroy(e);
}

void
file_cache_unref(struct cache_entry *e)
{
	if (--e->refs == 0 && !e->in_table)
		entry_destroy(e);
}

/* The descriptors of the table's entries, into out; how many. */
size_t
file_cache_fds(const struct file_cache *fc, int out[FILE_CACHE_SIZE])
{
	size_t i, n = 0;

	for (i = 0; i < FILE_CACHE_SIZE; i++)
		if (fc->slot[i] != NULL)
			out[n++] = fc->slot[i]->fd;
	return n;
}

/* Every entry leaves the table (the process is out of descriptors). */
void
file_cache_release(struct file_cache *fc)
{
	size_t i;

	for (i = 0; i < FILE_CACHE_SIZE; i++)
		slot_drop(fc, i);
}

void
file_cache_expire(struct file_cache *fc, long long now_ms)
{
	size_t i;

	for (i = 0; i < FILE_CACHE_SIZE; i++)
		if (fc->slot[i] && now_ms - fc->slot[i]->used_ms >=
		    FILE_CACHE_INACTIVE_MS)
			slot_drop(fc, i);
}

/*
 * The bytes of a small file, so that head and body leave in one sendmsg;
 * NULL when the file is larger or did not read back whole.
 */
static char *
read_small(int fd, off_t size)
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

/* The least recently used slot, a free one first. */
static size_t
slot_victim(const struct file_cache *fc)
{
	size_t i, v = 0;

	for (i = 0; i < FILE_CACHE_SIZE; i++) {
		if (fc->slot[i] == NULL)
			return i;
		if (fc->slot[i]->used < fc->slot[v]->used)
			v = i;
	}
	return v;
}

/* The new entry when the cache took f's descriptor over, else NULL. */
static struct cache_entry *
cache_insert(struct file_cache *fc, const char *path, const struct file *f,
    long long now_ms)
{
	struct cache_entry *e;
	size_t i;

	if (fc->frozen)
		return NULL;
	i = slot_victim(fc);
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if ((e->path = strdup(path)) == NULL) {
		free(e);
		return NULL;
	}
	slot_drop(fc, i);
	e->fd = f->fd;
	e->st = f->st;
	e->data = read_small(f->fd, f->st.st_size);
	e->used = ++fc->clock;
	e->used_ms = now_ms;
	e->checked = fc->wakeup;	/* just opened: as good as looked at */
	e->in_table = true;
	fc->slot[i] = e;
	return e;
}

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

static struct cache_entry *
cache_lookup(struct file_cache *fc, int root_fd, const char *path,
    long long now_ms)
{
	struct cache_entry *e;
	struct stat st;
	size_t i;

	for (i = 0; i < FILE_CACHE_SIZE; i++) {
		e = fc->slot[i];
		if (e == NULL || strcmp(e->path, path) != 0)
			continue;
		if (e->checked == fc->wakeup && fc->wakeup != 0) {
			e->used = ++fc->clock;	/* looked at in this batch */
			e->used_ms = now_ms;
			return e;
		}
		if (now_ms - e->used_ms < FILE_CACHE_INACTIVE_MS &&
		    fstatat(root_fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    same_file(&st, &e->st)) {
			e->checked = fc->wakeup;
			e->used = ++fc->clock;
			e->used_ms = now_ms;
			return e;
		}
		slot_drop(fc, i);
		return NULL;
	}
	return NULL;
}

static void
use_entry(struct file *f, struct cache_entry *e)
{
	e->refs++;
	f->fd = e->fd;
	f->st = e->st;
	f->is_dir = false;
	f->cached = e;
	f->data = e->data;
}

/*
 * file_open for request paths, through the cache for regular files. Out
 * of descriptors (503), the cache closes its own and the open is tried
 * once more.
 */
int
file_open_cached(struct file_cache *fc, int root_fd, const char *path,
    struct file *f)
{
	long long now = io_now_ms();
	struct cache_entry *e;
	int status;

	if (*path != '\0' && (e = cache_lookup(fc, root_fd, path, now)) != NULL) {
		use_entry(f, e);
		return 0;
	}
	status = file_open(root_fd, path, f);
	if (status == 503) {
		file_cache_release(fc);
		status = file_open(root_fd, path, f);
	}
	if (status != 0 || f->is_dir)
		return status;
	if ((e = cache_insert(fc, path, f, now)) != NULL)
		use_entry(f, e);
	return 0;
}
