/*
 * variant.c: the precompressed variants of a file, as nginx's gzip_static
 * and static-web-server serve them: FILE.br, FILE.zst or FILE.gz next to
 * FILE, opened by the same rules as FILE (beneath the root, regular,
 * world-readable) and only when not older than FILE, so a stale variant
 * left behind by an edit is never sent. Which one goes out is
 * encoding.c's choice.
 */
#include "config.h"

#include <stdio.h>

#include "sockwebd.h"

static bool
not_older(const struct stat *variant, const struct stat *orig)
{
	if (variant->st_mtim.tv_sec != orig->st_mtim.tv_sec)
		return variant->st_mtim.tv_sec > orig->st_mtim.tv_sec;
	return variant->st_mtim.tv_nsec >= orig->st_mtim.tv_nsec;
}

/* FILE + suffix into v when it is a variant we may send; else false. */
static bool
variant_try(struct file_cache *fc, int root_fd, const char *path,
    enum encoding e, const struct file *orig, struct file *v)
{
	char vpath[PATH_OUT_MAX + 8];
	int n = snprintf(vpath, sizeof(vpath), "%s%s", path, encoding_suffix(e));

	if (n < 0 || (size_t)n >= sizeof(vpath) ||
	    file_open_cached(fc, root_fd, vpath, v) != 0)
		return false;
	if (!v->is_dir && not_older(&v->st, &orig->st))
		return true;
	file_close(v);
	return false;
}

/*
 * The variant of orig (at path) to send for this Accept-Encoding: its
 * coding, with *out open; ENC_IDENTITY when orig itself goes out.
 * *any says whether orig has a variant at all (then the answer varies
 * with Accept-Encoding, whichever is sent).
 */
enum encoding
variant_open(struct file_cache *fc, int root_fd, const char *path,
    const struct file *orig, const char *accept_encoding, struct file *out,
    bool *any)
{
	struct file v[ENC_COUNT];
	unsigned available = 0;
	enum encoding e, chosen;

	for (e = ENC_BR; e < ENC_COUNT; e++)
		if (variant_try(fc, root_fd, path, e, orig, &v[e]))
			available |= 1u << e;
	*any = available != 0;
	chosen = encoding_choose(accept_encoding, available);
	for (e = ENC_BR; e < ENC_COUNT; e++) {
		if (!(available & (1u << e)))
			continue;
		if (e == chosen)
			*out = v[e];
		else
			file_close(&v[e]);
	}
	return chosen;
}
