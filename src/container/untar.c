/* Tar members into a tree, safely (untar.h). Archives are hostile: see
 * untar_flags(), untar_path_ok(), untar_whiteout() and untar_tally(). */
#define _GNU_SOURCE
#include "container/untar.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/tree.h"
#include "util/file.h"
#include "util/xalloc.h"

#define SPACE_KEPT	(1ULL << 30)	/* at most this much is kept free */

static ssize_t
untar_src_fill(struct untar_src *s)
{
	ssize_t r = file_pread(s->fd, s->buf, sizeof(s->buf), s->off);

	if (r > 0) {
		sha256_update(&s->sha, (size_t)r, s->buf);
		s->off += r;
	}
	return r;
}

static la_ssize_t
untar_src_read(struct archive *a, void *data, const void **block)
{
	struct untar_src *s = data;
	ssize_t r = untar_src_fill(s);

	if (r < 0)
		archive_set_error(a, errno, "read: %s", strerror(errno));
	*block = s->buf;
	return r;
}

/* The whole file's digest: what libarchive did not need to read (padding
 * after the end-of-archive blocks) counts too. */
int
untar_digest(struct untar_src *s, char hex[DIGEST_HEX_LEN + 1])
{
	ssize_t r;

	while ((r = untar_src_fill(s)) > 0)
		;
	if (r < 0)
		return -1;
	digest_hex(&s->sha, hex);
	return 0;
}

static struct archive *
untar_src_open(struct untar_src *s)
{
	struct archive *a = archive_read_new();

	/* Tar only, in any variant and compression. Not format_all: its mtree
	 * reader copies the files an mtree text names from the host (e.g.
	 * /etc/shadow) into the tree. */
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_empty(a);
	s->off = 0;
	sha256_init(&s->sha);
	archive_read_open(a, s, NULL, untar_src_read, NULL);
	return a;
}



static int
untar_corrupt(struct untar *u, struct archive *a)
{
	const char *msg = archive_error_string(a);

	return nsx_error(u->err, archive_errno(a) > 0 ? archive_errno(a) : EINVAL,
			 "%s: corrupt or truncated archive: %s", u->what, msg ? msg : "read error");
}

static int
untar_flags(void)
{
	/* SECURE_*: refuse "..", absolute names, and writing through a symlink
	 * (a member "x" -> /etc, then "x/passwd"), hard link targets included.
	 * Never the archive's owners (not even as root: a student's uid would
	 * own directories in root's cache; the sidecar keeps them). No ACLs,
	 * xattrs or file flags (tar's default too). */
	return ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
	       ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
}

/* "./a//b/" -> "a/b", "." and "./" -> "": one name for one file, as the
 * archive may spell it either way. In a copy the caller frees. */
static char *
untar_norm(const char *path)
{
	char *out = xmalloc(strlen(path) + 1), *o = out;

	while (*path) {
		size_t len;

		path += strspn(path, "/");
		len = strcspn(path, "/");
		if (len && !(len == 1 && path[0] == '.')) {
			if (o != out)
				*o++ = '/';
			memcpy(o, path, len);
			o += len;
		}
		path += len;
	}
	*o = '\0';
	return out;
}

static unsigned
untar_depth(const char *norm)
{
	unsigned d = *norm != '\0';

	for (; *norm; norm++)
		d += *norm == '/';
	return d;
}


/* Relative, and no ".." component. libarchive refuses these too; checking
 * first gives a message naming the member, and whiteouts need it. */
static bool
untar_path_ok(const char *p)
{
	if (!p || !*p || *p == '/')
		return false;
	while (*p) {
		size_t len = strcspn(p, "/");

		if (len == 2 && p[0] == '.' && p[1] == '.')
			return false;
		p += len;
		p += strspn(p, "/");
	}
	return true;
}

/* "a/b/c/" -> dir "a/b" (or "."), base "c", in a copy the caller frees. */
static char *
untar_split(const char *path, const char **dir, const char **base)
{
	char *s = xstrdup(path), *slash;
	size_t len = strlen(s);

	while (len > 1 && s[len - 1] == '/')
		s[--len] = '\0';
	slash = strrchr(s, '/');
	if (!slash) {
		*dir = ".";
		*base = s;
	} else {
		*slash = '\0';
		*dir = s;
		*base = slash + 1;
	}
	return s;
}

static bool
untar_is_whiteout(const char *path)
{
	const char *dir, *base;
	char *s = untar_split(path, &dir, &base);
	bool wh = strncmp(base, ".wh.", 4) == 0;

	free(s);
	return wh;
}

/* The sidecar forgets dir/name (name NULL: what dir holds). */
static void
untar_forget(struct untar *u, const char *dir, const char *name)
{
	char *d = untar_norm(dir), *p;

	if (!name) {
		meta_purge(&u->meta, d, false);
		free(d);
		return;
	}
	p = xmalloc(strlen(d) + strlen(name) + 2);
	sprintf(p, "%s%s%s", d, *d ? "/" : "", name);
	meta_purge(&u->meta, p, true);
	free(p);
	free(d);
}

/* ".wh.NAME" deletes NAME of the layers below; ".wh..wh..opq" empties its
 * directory of them (this layer's own entries are written after, in pass
 * 2, as the OCI spec says whiteouts apply to lower layers only). Other
 * ".wh..wh." names are aufs bookkeeping, ignored. Where a parent is not a
 * real directory there is nothing below to delete. */
int
untar_whiteout(struct untar *u, const char *member)
{
	const char *dir, *base, *name;
	char *s = untar_split(member, &dir, &base);
	int fd = tree_open_dir(u->root, dir), rc = 0;
	struct stat st;

	name = base + 4;
	if (fd < 0)
		;
	else if (strcmp(name, ".wh..opq") == 0) {
		/* keep the directory itself as it was (tree_clear may chmod it) */
		if (fstat(fd, &st) == 0 && (rc = tree_clear(fd)) == 0)
			fchmod(fd, st.st_mode & 07777);
		untar_forget(u, dir, NULL);
	} else if (strncmp(name, ".wh.", 4) == 0)
		;
	else if (!*name || file_is_dots(name))	/* ".wh.." would remove the parent */
		rc = nsx_error(u->err, EINVAL, "%s: whiteout '%s' refused", u->what, member);
	else {
		rc = tree_remove_at(fd, name);
		untar_forget(u, dir, name);
	}
	if (rc < 0 && !u->err->msg[0])
		nsx_error(u->err, errno, "%s: whiteout '%s': %s", u->what, member, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(s);
	return rc;
}

/* In a layer, a file (or link...) replaces a directory of the layers below
 * whole; libarchive would only rmdir it, failing when it is not empty. */
static int
untar_replace_dir(struct untar *u, const char *member)
{
	const char *dir, *base;
	char *s = untar_split(member, &dir, &base);
	int fd = tree_open_dir(u->root, dir), rc = 0;
	struct stat st;

	if (fd >= 0 && !file_is_dots(base) &&
	    fstatat(fd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
		if (tree_remove_at(fd, base) < 0)
			rc = nsx_error(u->err, errno, "%s: cannot replace directory '%s': %s",
				       u->what, member, strerror(errno));
		untar_forget(u, dir, base);
	}
	if (fd >= 0)
		close(fd);
	free(s);
	return rc;
}

static void
untar_size_text(unsigned long long n, char *buf, size_t len)
{
	if (n >= (1ULL << 30))
		snprintf(buf, len, "%.1f GiB", (double)n / (1ULL << 30));
	else
		snprintf(buf, len, "%.1f MiB", (double)n / (1ULL << 20));
}

unsigned long long
untar_disk(struct archive_entry *e)
{
	la_int64_t size = archive_entry_size(e), off, len;
	unsigned long long max = size > 0 ? (unsigned long long)size : 0, sum = 0;

	if (archive_entry_sparse_reset(e) <= 0)
		return max;
	while (sum < max && archive_entry_sparse_next(e, &off, &len) == ARCHIVE_OK)
		if (len > 0)
			sum += (unsigned long long)len < max - sum ? (unsigned long long)len : max - sum;
	return sum;
}

/* *sum += n, stuck at the top rather than wrapping round to a small
 * number that would pass every bound. */
static void
untar_add(unsigned long long *sum, unsigned long long n)
{
	*sum = n > ULLONG_MAX - *sum ? ULLONG_MAX : *sum + n;
}

/* Before anything is written, member by member as pass 1 reads the
 * headers: will it fit, with some room kept for the rest of the machine
 * (5% of the filesystem, at most SPACE_KEPT)? Root counts without the
 * blocks reserved for root, as others do. */
static int
untar_space_fits(struct untar *u)
{
	char need[32], have[32], keep[32];

	if (!u->sv.f_frsize)
		return 0;	/* cannot tell: the writes will say */
	if (u->t.disk > u->avail || u->kept > u->avail - u->t.disk) {
		untar_size_text(u->t.disk, need, sizeof(need));
		untar_size_text(u->avail, have, sizeof(have));
		untar_size_text(u->kept, keep, sizeof(keep));
		return nsx_error(u->err, ENOSPC, "%s needs %s%s in the cache, but %s has %s free, %s "
				 "of which nsx leaves to others: make room there first", u->what,
				 u->t.disk > u->avail ? "" : "more than ", need, u->where, have, keep);
	}
	/* btrfs and others say 0: no inode limit */
	if (u->sv.f_files && u->t.entries + u->sv.f_files / 100 > u->sv.f_favail)
		return nsx_error(u->err, ENOSPC, "%s has more than %llu members, but %s has room for "
				 "%llu more files: make room there first", u->what, u->t.entries,
				 u->where, (unsigned long long)u->sv.f_favail);
	return 0;
}

void
untar_space_init(struct untar *u)
{
	unsigned long long total;

	if (fstatvfs(u->root, &u->sv) < 0) {
		memset(&u->sv, 0, sizeof(u->sv));
		return;
	}
	u->avail = (unsigned long long)u->sv.f_bavail * u->sv.f_frsize;
	total = (unsigned long long)u->sv.f_blocks * u->sv.f_frsize;
	u->kept = total / 20 < SPACE_KEPT ? total / 20 : SPACE_KEPT;
}

/* Count a member against the bounds: the message says how to raise one. */
static int
untar_tally(struct untar *u, struct archive_entry *e, const char *name)
{
	char *norm = untar_norm(name), a[32];
	unsigned depth = untar_depth(norm);
	la_int64_t size = archive_entry_size(e);

	free(norm);
	if (++u->t.entries > u->lim.entries)
		return nsx_error(u->err, EFBIG, "%s: more than %llu members (the limit): if you trust "
				 "the image, raise it with --image-max-entries N", u->what, u->lim.entries);
	if (depth > u->lim.depth)
		return nsx_error(u->err, EFBIG, "%s: member '%.60s...' is %u levels deep, more than %llu "
				 "(the limit): if you trust the image, raise it with --image-max-depth N",
				 u->what, name, depth, u->lim.depth);
	if (archive_entry_filetype(e) != AE_IFREG || size <= 0)
		return u->scan ? untar_space_fits(u) : 0;
	/* untar_disk is at most size < 2^63: rounding up cannot wrap */
	untar_add(&u->t.bytes, (unsigned long long)size);
	untar_add(&u->t.disk, (untar_disk(e) + 4095) & ~4095ULL);
	if (u->t.bytes > u->lim.bytes) {
		untar_size_text(u->lim.bytes, a, sizeof(a));
		return nsx_error(u->err, EFBIG, "%s: its files hold more than %s (the limit, reached at "
				 "'%.60s'): if you trust the image, raise it with --image-max-bytes SIZE",
				 u->what, a, name);
	}
	return u->scan ? untar_space_fits(u) : 0;
}

static int
untar_data(struct untar *u, struct archive *in, struct archive *out, const char *name)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	while ((r = archive_read_data_block(in, &buf, &len, &off)) != ARCHIVE_EOF) {
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return untar_corrupt(u, in);
		if (archive_write_data_block(out, buf, len, off) < ARCHIVE_WARN)
			return nsx_error(u->err, archive_errno(out) > 0 ? archive_errno(out) : EIO,
					 "%s: cannot write '%s': %s", u->what, name,
					 archive_error_string(out));
	}
	return 0;
}

static bool
untar_is_device(mode_t type)
{
	return type == AE_IFCHR || type == AE_IFBLK;
}

static uint32_t
untar_id(la_int64_t id)
{
	return id >= 0 && id < UINT32_MAX ? (uint32_t)id : 65534;	/* nobody */
}

/* The cache keeps a member as its builder's, with meta_cache_perm(); the
 * sidecar what the image says, where that differs. A link (hard or
 * symbolic) at a path replaces what the sidecar said of it. */
static void
untar_meta(struct untar *u, struct archive_entry *e, mode_t type, const char *name)
{
	char *norm = untar_norm(name);
	mode_t want = meta_image_perm(type == AE_IFDIR, archive_entry_perm(e));
	uint32_t uid = untar_id(archive_entry_uid(e)), gid = untar_id(archive_entry_gid(e));
	bool link = archive_entry_hardlink(e) || type == AE_IFLNK;

	meta_set(&u->meta, norm, !link && (uid || gid || want != meta_cache_perm(want)), want, uid, gid);
	archive_entry_set_perm(e, meta_cache_perm(archive_entry_perm(e)));
	free(norm);
}

static int
untar_entry(struct untar *u, struct archive *in, struct archive *out, struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e), *link = archive_entry_hardlink(e);
	mode_t type = archive_entry_filetype(e);

	if (!untar_path_ok(name))
		return nsx_error(u->err, EPERM, "%s: member '%s' is outside the tree (an absolute "
				 "path or '..'): refused", u->what, name ? name : "");
	if (link && !untar_path_ok(link))
		return nsx_error(u->err, EPERM, "%s: member '%s' is a hard link to '%s', outside "
				 "the tree: refused", u->what, name, link);
	/* pass 2 counts again: an archive changed since pass 1 is held to it */
	if (untar_tally(u, e, name) < 0)
		return -1;
	if ((u->layer && untar_is_whiteout(name)) || type == AE_IFSOCK)
		return 0;	/* whiteouts: applied in pass 1; sockets: not files */
	/* never a device node, for anyone: in root's cache any local user
	 * could open it (a host disk's major:minor); the container has nsx's
	 * own /dev, and its overlay is nodev anyway */
	if (untar_is_device(type)) {
		u->skipped++;
		return 0;
	}
	if (u->layer && type != AE_IFDIR && untar_replace_dir(u, name) < 0)
		return -1;
	untar_meta(u, e, type, name);
	if (archive_write_header(out, e) < ARCHIVE_WARN)
		return nsx_error(u->err, archive_errno(out) > 0 ? archive_errno(out) : EPERM,
				 "%s: member '%s' refused: %s", u->what, name,
				 archive_error_string(out));
	if (archive_entry_size(e) > 0 && untar_data(u, in, out, name) < 0)
		return -1;
	if (archive_write_finish_entry(out) < ARCHIVE_WARN)
		return nsx_error(u->err, archive_errno(out) > 0 ? archive_errno(out) : EIO,
				 "%s: cannot write '%s': %s", u->what, name, archive_error_string(out));
	u->members++;
	return 0;
}

/* Write every member into the tree. */
int
untar_write(struct untar *u, struct untar_src *s)
{
	struct archive *in = untar_src_open(s), *out = archive_write_disk_new();
	struct archive_entry *e;
	int r, rc = 0;

	/* No archive_write_disk_set_standard_lookup: owners stay numeric, as
	 * the image means them (by its /etc/passwd, not the host's). */
	archive_write_disk_set_options(out, untar_flags());
	while (rc == 0 && (r = archive_read_next_header(in, &e)) != ARCHIVE_EOF)
		rc = r == ARCHIVE_OK || r == ARCHIVE_WARN ? untar_entry(u, in, out, e)
							  : untar_corrupt(u, in);
	/* applies the deferred directory modes and times */
	if (archive_write_close(out) < ARCHIVE_WARN && rc == 0)
		rc = nsx_error(u->err, EIO, "%s: %s", u->what, archive_error_string(out));
	archive_write_free(out);
	archive_read_free(in);
	return rc;
}

/* Pass 1: headers only, reading the whole archive through its hash,
 * counting it against the bounds, and (a layer) collecting whiteouts. */
int
untar_scan(struct untar *u, struct untar_src *s, char ***wh, size_t *nwh)
{
	struct archive *in = untar_src_open(s);
	struct archive_entry *e;
	int r, rc = 0;

	while (rc == 0 && (r = archive_read_next_header(in, &e)) != ARCHIVE_EOF) {
		const char *name = archive_entry_pathname(e);

		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			rc = untar_corrupt(u, in);
		else if (!untar_path_ok(name))
			rc = nsx_error(u->err, EPERM, "%s: member '%s' is outside the tree (an "
				       "absolute path or '..'): refused", u->what, name ? name : "");
		else if ((rc = untar_tally(u, e, name)) == 0 && wh && untar_is_whiteout(name)) {
			*wh = xreallocarray(*wh, *nwh + 1, sizeof(**wh));
			(*wh)[(*nwh)++] = xstrdup(name);
		}
	}
	archive_read_free(in);
	return rc;
}

int
untar_verify(struct untar *u, struct untar_src *s, const char *want)
{
	char got[DIGEST_HEX_LEN + 1];

	if (untar_digest(s, got) < 0)
		return nsx_error(u->err, errno, "%s: %s", u->what, strerror(errno));
	if (strcmp(got, want) != 0)
		return nsx_error(u->err, EINVAL, "%s: digest mismatch (its sha256 is %s)",
				 u->what, got);
	return 0;
}
