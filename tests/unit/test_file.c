/*
 * test_file.c: file_open() on a temporary tree with symlinks, dotted and
 * odd files, twice: as the kernel gives it (openat2 with RESOLVE_BENEATH
 * on Linux 5.6+), and in a child where a seccomp filter makes openat2 fail
 * with ENOSYS, as on an older kernel or in a container that filters it, so
 * that file.c's O_NOFOLLOW walk answers. Both must agree on every path:
 * the walk is the traversal defence of exactly the systems CI does not run.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "sockwebd.h"
#include "tap.h"

/* What file_open() answers for each path beneath the root (0 = opened). */
static const struct {
	const char	*path;
	int		 status;
	int		 is_dir;
} cases[] = {
	{ "",			0,	1 },	/* the root itself */
	{ "hello.txt",		0,	0 },
	{ "sub",		0,	1 },
	{ "sub/file.txt",	0,	0 },
	{ "sub/deeper/x.txt",	0,	0 },
	{ "nope.txt",		404,	0 },
	{ "sub/nope/x.txt",	404,	0 },
	{ "hello.txt/x",	404,	0 },	/* ENOTDIR */
	{ "private.txt",	403,	0 },	/* not world-readable */
	{ "fifo",		403,	0 },	/* not a regular file, no hang */
	{ "link-in.txt",	0,	0 },	/* a link that stays beneath the root */
	{ "link-out.txt",	403,	0 },	/* a link that leads out */
	{ "link-abs.txt",	403,	0 },
	{ "dirlink/file.txt",	0,	0 },	/* a link in the middle, inside */
	{ "sub/up/hello.txt",	0,	0 },	/* sub/up -> .. is the root */
	{ "loop",		403,	0 },	/* loop -> loop */
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static char top[256];	/* the temporary directory */

static void
put(const char *rel, const char *text, mode_t mode)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", top, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd == -1 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    fchmod(fd, mode) == -1) {
		perror(p);
		exit(99);
	}
	close(fd);
}

static void
link_to(const char *target, const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", top, rel);
	if (symlink(target, p) == -1) {
		perror(p);
		exit(99);
	}
}

/* top/www (the root) and top/outside, a sibling with a secret. */
static int
make_tree(void)
{
	static const char *dirs[] = { "www", "www/sub", "www/sub/deeper", "outside" };
	char p[PATH_MAX], abs_secret[sizeof(top) + 32];
	size_t i;

	snprintf(top, sizeof(top), "%s/sockweb-test-file.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(top) == NULL)
		return -1;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", top, dirs[i]);
		if (mkdir(p, 0755) == -1)
			return -1;
	}
	put("www/hello.txt", "hello\n", 0644);
	put("www/sub/file.txt", "in sub\n", 0644);
	put("www/sub/deeper/x.txt", "x\n", 0644);
	put("www/private.txt", "private\n", 0600);
	put("outside/secret.txt", "secret\n", 0644);
	snprintf(p, sizeof(p), "%s/www/fifo", top);
	if (mkfifo(p, 0644) == -1)
		return -1;
	snprintf(abs_secret, sizeof(abs_secret), "%s/outside/secret.txt", top);
	link_to("hello.txt", "www/link-in.txt");
	link_to("../outside/secret.txt", "www/link-out.txt");
	link_to(abs_secret, "www/link-abs.txt");
	link_to("sub", "www/dirlink");
	link_to("..", "www/sub/up");
	link_to("loop", "www/loop");
	return 0;
}

/* Every case's status, or -2 when it opened with the wrong type. */
static void
run_cases(int root_fd, int out[NCASES])
{
	struct file f;
	size_t i;

	for (i = 0; i < NCASES; i++) {
		out[i] = file_open(root_fd, cases[i].path, &f);
		if (out[i] == 0) {
			if (f.is_dir != (cases[i].is_dir != 0))
				out[i] = -2;
			file_close(&f);
		}
	}
}

static void
check(const char *how, const int got[NCASES])
{
	size_t i;

	for (i = 0; i < NCASES; i++)
		is_int(got[i], cases[i].status, "%s: \"%s\" -> %d%s", how,
		    cases[i].path, cases[i].status,
		    cases[i].status == 0 && cases[i].is_dir ? " (a directory)" : "");
}

#ifdef SYS_openat2
/* From here on openat2 fails with ENOSYS, as on a kernel before 5.6. */
static int
filter_openat2(void)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(code) / sizeof(code[0]), code };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == -1)
		return -1;
	errno = 0;
	if (syscall(SYS_openat2, AT_FDCWD, ".", NULL, 0) != -1 || errno != ENOSYS)
		return -1;
	return 0;
}

/* The cases in a filtered child; its answers come back through a pipe. */
static int
walk_in_child(int root_fd, int got[NCASES])
{
	int p[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(p) == -1 || (pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		int out[NCASES];

		close(p[0]);
		if (filter_openat2() == -1)
			_exit(3);
		run_cases(root_fd, out);
		_exit(write(p[1], out, sizeof(out)) == (ssize_t)sizeof(out) ? 0 : 1);
	}
	close(p[1]);
	n = read(p[0], got, sizeof(int) * NCASES);
	close(p[0]);
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status))
		return -1;
	if (WEXITSTATUS(status) == 3)
		return 1;	/* no seccomp here: skip */
	return n == (ssize_t)(sizeof(int) * NCASES) && WEXITSTATUS(status) == 0 ? 0 : -1;
}
#endif

int
main(void)
{
	int got[NCASES], root_fd;
	char root[sizeof(top) + 8], cmd[sizeof(top) + 16];

	if (make_tree() == -1) {
		perror("make the test tree");
		return 99;
	}
	snprintf(root, sizeof(root), "%s/www", top);
	if ((root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		perror(root);
		return 99;
	}
	run_cases(root_fd, got);
	check("openat2 (or the walk where the kernel lacks it)", got);
#ifdef SYS_openat2
	switch (walk_in_child(root_fd, got)) {
	case 0:
		check("O_NOFOLLOW walk (openat2 filtered)", got);
		break;
	case 1:
		printf("ok %d - # SKIP the walk: seccomp filters unavailable\n", ++tap_count);
		break;
	default:
		ok(0, "the walk in a child with openat2 filtered ran");
	}
#endif
	close(root_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", top);
	return tap_done();
}
