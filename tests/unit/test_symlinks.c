/*
 * Unit tests for server/file.c's symbolic-link policy, on a temporary tree:
 * links that stay beneath the root are followed (file, directory, chain,
 * "..", "."), links that leave it (relative or absolute), loops, dangling
 * links, /proc's magic links and links to dotfiles are refused; --no-symlinks refuses every
 * link. Each case runs twice, with openat2(RESOLVE_BENEATH) and with the
 * fallback walk that expands links itself, and must give the same status.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockwebd.h"
#include "tap.h"

static char top[64];

static void
put(const char *rel, const char *text)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	if ((fp = fopen(path, "w")) == NULL || fputs(text, fp) == EOF) {
		perror(path);
		exit(1);
	}
	fclose(fp);
	chmod(path, 0644);
}

static void
dir(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	if (mkdir(path, 0755) == -1) {
		perror(path);
		exit(1);
	}
}

static void
link_to(const char *target, const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	if (symlink(target, path) == -1) {
		perror(path);
		exit(1);
	}
}

static void
make_tree(void)
{
	char abs[256];

	strcpy(top, "/tmp/sockweb-links.XXXXXX");
	if (mkdtemp(top) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	dir("outside");
	put("outside/secret.txt", "secret\n");
	dir("www");
	put("www/real.txt", "real\n");
	dir("www/v1.2");
	put("www/v1.2/f.txt", "v1.2\n");
	dir("www/sub");
	link_to("v1.2", "www/latest");			/* dir inside */
	link_to("real.txt", "www/link.txt");		/* file inside */
	link_to("chain2", "www/chain1");		/* chain */
	link_to("chain3", "www/chain2");
	link_to("link.txt", "www/chain3");
	link_to("../real.txt", "www/sub/up.txt");	/* ".." inside */
	link_to("../latest/./f.txt", "www/sub/deep.txt");
	link_to(".", "www/self");
	link_to("../outside/secret.txt", "www/escape.txt");	/* out */
	link_to("../../outside/secret.txt", "www/sub/escape.txt");
	link_to("../outside", "www/outdir");
	link_to("/etc/hostname", "www/abs.txt");
	snprintf(abs, sizeof(abs), "%s/www/real.txt", top);
	link_to(abs, "www/absin.txt");		/* absolute, even inside */
	link_to("loopb", "www/loopa");			/* loops */
	link_to("loopa", "www/loopb");
	link_to("loopself", "www/loopself");
	link_to("missing.txt", "www/dangling");
	link_to("../www/real.txt", "www/reenter.txt");	/* leaves, comes back */
	put("www/.secret", "dot\n");
	link_to(".secret", "www/dotlink");		/* dotfiles stay hidden */
	link_to("sub/../.secret", "www/dotlink2");
	link_to("..", "www/sub/up");			/* a directory loop */
}

struct lcase {
	const char	*path;
	int		 follow, no_follow;	/* status; 0 = served */
	const char	*what;
};

static const struct lcase cases[] = {
	{ "real.txt", 0, 0, "a plain file" },
	{ "link.txt", 0, 403, "a link to a file inside" },
	{ "latest/f.txt", 0, 403, "through a link to a directory inside" },
	{ "latest", 0, 403, "a link to a directory inside" },
	{ "chain1", 0, 403, "a chain of three links" },
	{ "sub/up.txt", 0, 403, "a link with .. that stays inside" },
	{ "sub/deep.txt", 0, 403, "a link through a link, with . and .." },
	{ "self/self/real.txt", 0, 403, "a link to . twice" },
	{ "escape.txt", 403, 403, "a link out of the root" },
	{ "sub/escape.txt", 403, 403, "a link out of the root from a subdirectory" },
	{ "outdir/secret.txt", 403, 403, "through a link to a directory outside" },
	{ "abs.txt", 403, 403, "an absolute link outside" },
	{ "absin.txt", 403, 403, "an absolute link, even to inside" },
	{ "reenter.txt", 403, 403, "a link that leaves the root and comes back" },
	{ "loopa", 403, 403, "a loop of two links" },
	{ "loopself", 403, 403, "a link to itself" },
	{ "dangling", 404, 403, "a dangling link" },
	{ "nothing.txt", 404, 404, "a missing file" },
	{ "dotlink", 404, 403, "a link to a dotfile" },
	{ "dotlink2", 404, 403, "a link to a dotfile through .." },
	{ "sub/up/sub/up/real.txt", 0, 403, "a link to .. inside, twice" },
};

static void
run_cases(int root_fd, bool walk, bool follow)
{
	struct file f;
	size_t i;
	int want, got;

	file_force_walk(walk);
	file_set_symlinks(follow);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		want = follow ? cases[i].follow : cases[i].no_follow;
		got = file_open(root_fd, cases[i].path, &f);
		if (got == 0)
			file_close(&f);
		is_int(got, want, "%s, %s: %s (%s)", walk ? "walk" : "openat2",
		    follow ? "follow" : "--no-symlinks", cases[i].what,
		    cases[i].path);
	}
}

/* The content served through a link is the target's. */
static void
check_content(int root_fd, bool walk)
{
	struct file f;
	char got[16] = "";
	ssize_t n;

	file_force_walk(walk);
	file_set_symlinks(true);
	if (file_open(root_fd, "latest/f.txt", &f) != 0) {
		ok(0, "%s: latest/f.txt opens", walk ? "walk" : "openat2");
		return;
	}
	n = pread(f.fd, got, sizeof(got) - 1, 0);
	got[n > 0 ? n : 0] = '\0';
	file_close(&f);
	is_str(got, "v1.2\n", "%s: latest/f.txt is v1.2/f.txt",
	    walk ? "walk" : "openat2");
}

/* /proc/self as a root: cwd and exe are magic links, refused. */
static void
check_magic(bool walk)
{
	struct file f;
	int proc = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int got;

	if (proc == -1) {
		ok(0, "open /proc/self");
		return;
	}
	file_force_walk(walk);
	file_set_symlinks(true);
	got = file_open(proc, "cwd/real.txt", &f);
	if (got == 0)
		file_close(&f);
	is_int(got, 403, "%s: /proc/self/cwd, a magic link, is refused",
	    walk ? "walk" : "openat2");
	got = file_open(proc, "root/etc/hostname", &f);
	if (got == 0)
		file_close(&f);
	is_int(got, 403, "%s: /proc/self/root, a magic link, is refused",
	    walk ? "walk" : "openat2");
	close(proc);
}

int
main(void)
{
	char root[128], cmd[160];
	int root_fd;

	make_tree();
	snprintf(root, sizeof(root), "%s/www", top);
	if ((root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		perror(root);
		return 1;
	}
	run_cases(root_fd, false, true);
	run_cases(root_fd, true, true);
	run_cases(root_fd, false, false);
	run_cases(root_fd, true, false);
	check_content(root_fd, false);
	check_content(root_fd, true);
	check_magic(false);
	check_magic(true);
	close(root_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		ok(0, "remove %s", top);
	return tap_done();
}
