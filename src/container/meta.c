/* The sidecar of a tree in the image cache (meta.h): what the cache does
 * not keep of an image's owners and modes.
 *
 * meta: META_MAGIC, then records of four native uint32 (mode, uid, gid,
 * length) and the path (relative, normalised: "" is the tree's root). */
#define _GNU_SOURCE
#include "container/meta.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/rootfs.h"
#include "util/file.h"
#include "util/xalloc.h"

#define META_MAGIC	"nsxmeta2"

#define META_GONE	((size_t)-1)	/* a slot whose record was removed */

/* What the cache keeps of a member's permissions. */
mode_t
meta_cache_perm(mode_t perm)
{
	return perm & 0755;
}

/* What the container gets: all of it, but a file's setuid and setgid. */
mode_t
meta_image_perm(bool dir, mode_t perm)
{
	return perm & (dir ? 07777 : 01777);
}

static size_t
meta_hash(const char *s)
{
	size_t h = 14695981039346656037ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

/* The slot of path, or of the empty slot where it would go. */
static size_t
meta_find(const struct meta *m, const char *path)
{
	size_t i = meta_hash(path) & (m->nslot - 1), gone = (size_t)-1;

	for (;; i = (i + 1) & (m->nslot - 1)) {
		size_t v = m->slot[i];

		if (v == 0)
			return gone != (size_t)-1 ? gone : i;
		if (v == META_GONE) {
			if (gone == (size_t)-1)
				gone = i;
		} else if (strcmp(m->rec[v - 1].path, path) == 0)
			return i;
	}
}

static void
meta_grow(struct meta *m)
{
	size_t old = m->nslot, *slots = m->slot;

	m->nslot = old ? 2 * old : 1024;
	m->slot = xcalloc(m->nslot, sizeof(*m->slot));
	m->used = 0;
	for (size_t i = 0; i < old; i++)
		if (slots[i] && slots[i] != META_GONE) {
			m->slot[meta_find(m, m->rec[slots[i] - 1].path)] = slots[i];
			m->used++;
		}
	free(slots);
}

static void
meta_drop(struct meta *m, size_t slot)
{
	struct meta_rec *r = &m->rec[m->slot[slot] - 1];

	free(r->path);
	r->path = NULL;
	m->slot[slot] = META_GONE;
}

/* Remember what the image says of path, or forget it when the cache
 * already has it right (keep false): a later layer's word wins. */
void
meta_set(struct meta *m, const char *path, bool keep, mode_t mode, uid_t uid, gid_t gid)
{
	size_t i, v;

	if (2 * (m->used + 1) > m->nslot)
		meta_grow(m);
	i = meta_find(m, path);
	v = m->slot[i];
	if (v && v != META_GONE) {
		if (!keep)
			meta_drop(m, i);
		else
			m->rec[v - 1] = (struct meta_rec){ mode, uid, gid, m->rec[v - 1].path };
		return;
	}
	if (!keep)
		return;
	if (m->n == m->cap)
		m->rec = xreallocarray(m->rec, m->cap = m->cap ? 2 * m->cap : 64, sizeof(*m->rec));
	m->rec[m->n] = (struct meta_rec){ mode, uid, gid, xstrdup(path) };
	m->used += v == 0;
	m->slot[i] = ++m->n;
}

/* Forget what lies under dir ("" the root) and, with self, dir itself: a
 * whiteout or a replaced directory removed them from the tree. */
void
meta_purge(struct meta *m, const char *dir, bool self)
{
	size_t len = strlen(dir);

	for (size_t i = 0; i < m->nslot; i++) {
		const char *p;

		if (!m->slot[i] || m->slot[i] == META_GONE)
			continue;
		p = m->rec[m->slot[i] - 1].path;
		if (strncmp(p, dir, len) == 0 &&
		    ((p[len] == '\0' && self) || (len == 0 && *p) || (len && p[len] == '/')))
			meta_drop(m, i);
	}
}

void
meta_free(struct meta *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->rec[i].path);
	free(m->rec);
	free(m->slot);
	memset(m, 0, sizeof(*m));
}

/* TMP/meta, beside TMP/root; fsync'd: a published tree is trusted as is. */
int
meta_write(const struct meta *m, int fd)
{
	int rc = file_write_all(fd, META_MAGIC, strlen(META_MAGIC));

	for (size_t i = 0; i < m->n && rc == 0; i++) {
		const struct meta_rec *r = &m->rec[i];
		uint32_t h[4];

		if (!r->path)
			continue;
		h[0] = r->mode, h[1] = r->uid, h[2] = r->gid, h[3] = (uint32_t)strlen(r->path);
		rc = file_write_all(fd, h, sizeof(h));
		if (rc == 0)
			rc = file_write_all(fd, r->path, h[3]);
	}
	return rc < 0 || fsync(fd) < 0 ? -1 : 0;
}

int
meta_open(const char *tmp, struct nsx_err *err)
{
	char path[PATH_MAX];
	int fd;

	if (file_path(path, sizeof(path), err, "%s/meta", tmp) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return nsx_error(err, errno, "cannot create %s: %s", path, strerror(errno));
	return fd;
}

int
rootfs_meta_load(const char *tree, struct rootfs_meta *out, struct nsx_err *err)
{
	char path[PATH_MAX], *buf, *p, *end, *str;
	const char *slash = strrchr(tree, '/');
	size_t len, n = 0;
	struct stat st;
	int fd;

	memset(out, 0, sizeof(*out));
	if (!slash || file_path(path, sizeof(path), err, "%.*s/meta", (int)(slash - tree), tree) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (1LL << 30)) {
		if (fd >= 0)
			close(fd);
		return nsx_error(err, fd < 0 ? errno : EINVAL, "%s: %s", path,
				 fd < 0 ? strerror(errno) : "not a sidecar nsx wrote");
	}
	len = (size_t)st.st_size;
	buf = xmalloc(len + 1);
	if (file_read_all(fd, buf, len) != len || len < strlen(META_MAGIC) ||
	    memcmp(buf, META_MAGIC, strlen(META_MAGIC)) != 0) {
		close(fd);
		free(buf);
		return nsx_error(err, EINVAL, "%s: not a sidecar nsx wrote: remove %.*s and run again",
				 path, (int)(slash - tree), tree);
	}
	close(fd);
	out->strings = str = xmalloc(len + 1);
	for (p = buf + strlen(META_MAGIC), end = buf + len; p < end; n++) {
		uint32_t h[4];

		if ((size_t)(end - p) < sizeof(h) || (memcpy(h, p, sizeof(h)), (size_t)(end - p) - sizeof(h) < h[3])) {
			rootfs_meta_free(out);
			free(buf);
			return nsx_error(err, EINVAL, "%s is truncated: remove %.*s and run again", path,
					 (int)(slash - tree), tree);
		}
		out->rec = xreallocarray(out->rec, n + 1, sizeof(*out->rec));
		out->rec[n] = (struct rootfs_meta_rec){ h[0], h[1], h[2], str };
		memcpy(str, p + sizeof(h), h[3]);
		str[h[3]] = '\0';
		str += h[3] + 1;
		p += sizeof(h) + h[3];
		out->n = n + 1;
	}
	free(buf);
	return 0;
}

void
rootfs_meta_free(struct rootfs_meta *m)
{
	free(m->rec);
	free(m->strings);
	memset(m, 0, sizeof(*m));
}
