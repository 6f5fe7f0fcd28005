/* Container root filesystems (rootfs.h): --rootfs checks, and --image
 * (tarballs, OCI image layouts) unpacked into the cache. The cache layout
 * is described in rootfs.h. Its other files: cache.c keeps the cache
 * (stamps, builds, sweeping, a container's layer on disk), busybox.c
 * builds the built-in tree, tree.c removes trees safely, meta.c keeps the
 * sidecar, oci.c reads OCI layouts, untar.c writes archives into a tree,
 * unpack.c does that in a confined child. */
#define _GNU_SOURCE
#include "container/rootfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/cache.h"
#include "container/oci.h"
#include "container/tree.h"
#include "container/unpack.h"
#include "util/archive_dl.h"
#include "util/digest.h"
#include "util/file.h"

/* ---- --rootfs DIR ---- */

int
rootfs_check_dir(const char *dir, struct nsx_err *err)
{
	struct stat st, root;
	struct dirent *e;
	bool empty = true;
	DIR *d;

	if (stat(dir, &st) < 0)
		return errno == ENOENT ? nsx_error(err, ENOENT, "rootfs %s does not exist", dir)
				       : nsx_error(err, errno, "rootfs %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return nsx_error(err, ENOTDIR, "rootfs %s is not a directory", dir);
	/* by inode, so "/.", "//" and a bind mount of / are caught too */
	if (stat("/", &root) == 0 && st.st_dev == root.st_dev && st.st_ino == root.st_ino)
		return nsx_error(err, EINVAL, "rootfs %s: the host's / cannot be a container's "
				 "rootfs: give a directory tree such as debootstrap's output", dir);
	d = opendir(dir);
	if (!d)
		return nsx_error(err, errno, "rootfs %s: %s", dir, strerror(errno));
	while (empty && (e = readdir(d)))
		empty = file_is_dots(e->d_name);
	closedir(d);
	if (empty)
		return nsx_error(err, ENOENT, "rootfs %s is empty", dir);
	return 0;
}

/* ---- --image: tarballs and OCI layouts, unpacked into the cache ---- */

/* CACHE/images/<hex>.v2: there already, or unpacked by job now. */
static int
image_unpack(const char *cache, struct unpack_job *job, const char *hex,
	     struct rootfs_stats *stats, char *out, size_t n, struct nsx_err *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX], final[PATH_MAX];
	int lock, rc;

	if (cache_sub(cache, "images", dir, sizeof(dir), err) < 0 ||
	    file_path(final, sizeof(final), err, "%s/%s" CACHE_LAYOUT, dir, hex) < 0 ||
	    file_path(out, n, err, "%s/root", final) < 0)
		return -1;
	if (file_is_dir(out))
		return 0;
	cache_tmp_sweep(dir);
	cache_retire(dir);
	if ((lock = cache_tmp_make(dir, "root", tmp, sizeof(tmp), err)) < 0)
		return -1;
	job->tree = tmp;
	job->where = dir;
	if (unpack_run(job, stats, err) < 0) {
		tree_remove(tmp);
		rc = -1;
	} else {
		stats->unpacked = true;
		rc = cache_tmp_publish(tmp, final, err);
	}
	close(lock);
	return rc;
}

static int
image_tarball(struct unpack_job *job, const struct stat *st, struct rootfs_stats *stats,
	      char *out, size_t n, struct nsx_err *err)
{
	char cache[PATH_MAX];

	if (rootfs_cache_dir(cache, sizeof(cache), err) < 0)
		return -1;
	if (cache_stamp_get(cache, st, job->hex) < 0) {
		if (digest_fd(job->fd, job->hex) < 0)
			return nsx_error(err, errno, "cannot read %s: %s", job->src, strerror(errno));
		cache_stamp_put(cache, st, job->hex);
	}
	return image_unpack(cache, job, job->hex, stats, out, n, err);
}

/* The layout directory dir stays here: the unpacking child gets the
 * layers' blobs, opened (oci_layers), never dir. */
static int
image_oci(struct unpack_job *job, int dir, struct rootfs_stats *stats, char *out, size_t n,
	  struct nsx_err *err)
{
	struct oci o = { job->src, dir };
	struct oci_desc man, *layers = NULL;
	char cache[PATH_MAX], path[PATH_MAX];
	size_t nlayers;
	int rc;

	if (faccessat(dir, "index.json", F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return nsx_error(err, ENOENT, "%s: not a tarball or an OCI image layout "
				 "(no index.json)", job->src);
	if (oci_manifest(&o, &man, err) < 0 || rootfs_cache_dir(cache, sizeof(cache), err) < 0)
		return -1;
	/* warm: the manifest digest names the tree; no blob is read */
	if (file_path(path, sizeof(path), NULL, "%s/images/%s" CACHE_LAYOUT "/root", cache, man.hex) == 0 &&
	    file_is_dir(path))
		return file_path(out, n, err, "%s", path);
	if (oci_layers(&o, man.hex, &layers, &nlayers, err) < 0)
		return -1;
	job->fd = -1;
	job->layers = layers;
	job->nlayers = nlayers;
	rc = image_unpack(cache, job, man.hex, stats, out, n, err);
	oci_layers_free(layers, nlayers);
	return rc;
}

int
rootfs_parse_count(const char *opt, const char *s, unsigned long long *n, struct nsx_err *err)
{
	char *end;

	errno = 0;
	*n = isdigit((unsigned char)s[0]) ? strtoull(s, &end, 10) : 0;
	if (*n == 0 || *end || errno == ERANGE)
		return nsx_error(err, EINVAL, "%s %s: not a positive number (use e.g. 1000)", opt, s);
	return 0;
}

int
rootfs_image_ex(const char *src, const struct rootfs_limits *lim, struct rootfs_stats *stats,
		char *out, size_t n, struct nsx_err *err)
{
	struct unpack_job job = { .src = src };
	struct rootfs_stats none;
	struct stat st;
	int fd, rc;

	if (!stats)
		stats = &none;
	memset(stats, 0, sizeof(*stats));
	job.lim.bytes = lim && lim->bytes ? lim->bytes : ROOTFS_MAX_BYTES;
	job.lim.entries = lim && lim->entries ? lim->entries : ROOTFS_MAX_ENTRIES;
	job.lim.depth = lim && lim->depth ? lim->depth : ROOTFS_MAX_DEPTH;
	if (archive_dl_load(err) < 0)
		return -1;
	/* O_NONBLOCK: a FIFO must not hang us here; it is refused below */
	fd = open(src, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? nsx_error(err, ENOENT, "%s does not exist", src)
				       : nsx_error(err, errno, "%s: %s", src, strerror(errno));
	job.fd = fd;
	if (fstat(fd, &st) < 0)
		rc = nsx_error(err, errno, "%s: %s", src, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		rc = image_oci(&job, fd, stats, out, n, err);
	else if (S_ISREG(st.st_mode))
		rc = image_tarball(&job, &st, stats, out, n, err);
	else
		rc = nsx_error(err, EINVAL, "%s is neither a file nor a directory", src);
	close(fd);
	return rc;
}

int
rootfs_image(const char *src, char *out, size_t n, struct nsx_err *err)
{
	return rootfs_image_ex(src, NULL, NULL, out, n, err);
}
