/* The cache (cache.h): its path, subdirectories and stamps, the life of a
 * tree in it from .tmp- to its final name, the sweeping of dead builds and
 * older layouts, and a container's layer on disk. */
#define _GNU_SOURCE
#include "container/cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "container/rootfs.h"
#include "container/tree.h"
#include "util/file.h"
#include "util/testhook.h"
#include "util/trust.h"
#include "util/xalloc.h"

#define TMP_GRACE	2	/* s: a build's first moments, before its lock */
#define TMP_STALE	(24 * 3600)	/* s: where a lock proves nothing */

static mode_t
cache_mode(void)
{
	/* root's trees are entered by user-namespace containers' mapped ids */
	return geteuid() == 0 ? 0755 : 0700;
}

int
cache_mkdir_p(char *path, struct nsx_err *err)
{
	struct stat st;
	mode_t mode;
	int e;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	mode = cache_mode();
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		e = mkdir(path, mode) < 0 ? errno : 0;
		*p = '/';
		if (e && e != EEXIST)
			return nsx_error(err, e, "cannot create the cache directory %s: %s",
					 path, strerror(e));
	}
	if (mkdir(path, mode) == 0)
		chmod(path, mode);	/* whatever the umask */
	else if (errno != EEXIST)
		return nsx_error(err, errno, "cannot create the cache directory %s: %s",
				 path, strerror(errno));
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return nsx_error(err, ENOTDIR, "the cache %s is not a directory", path);
	return 0;
}

/* The cache's path, without changing the filesystem. Root's is
 * /var/cache/nsx, or NSX_CACHE_DIR if root alone can change it (root
 * runs what is in it); root in a user namespace a normal user made is
 * that user, with that user's cache. */
int
cache_path(char *buf, size_t n, struct nsx_err *err)
{
	const char *env = getenv("NSX_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"), *home;
	char label[PATH_MAX + 64];
	size_t len;
	int rc;

	if (env && *env) {
		if (env[0] != '/')
			return nsx_error(err, EINVAL, "NSX_CACHE_DIR=%s is not an absolute path", env);
		if (trust_env("NSX_CACHE_DIR", env, err) < 0)
			return -1;
		rc = file_path(buf, n, err, "%s", env);
	} else if (trust_root())
		rc = file_path(buf, n, err, "/var/cache/nsx");
	else if (xdg && xdg[0] == '/')	/* XDG: a relative value is ignored */
		rc = file_path(buf, n, err, "%s/nsx", xdg);
	else if ((home = trust_home(label, sizeof(label))))
		rc = file_path(buf, n, err, "%s/.cache/nsx", home);
	else
		return nsx_error(err, ENOENT, "no cache directory: set HOME or NSX_CACHE_DIR");
	if (rc < 0)
		return -1;
	for (len = strlen(buf); len > 1 && buf[len - 1] == '/'; len--)
		buf[len - 1] = '\0';
	return 0;
}

int
rootfs_cache_dir(char *buf, size_t n, struct nsx_err *err)
{
	if (cache_path(buf, n, err) < 0)
		return -1;
	return cache_mkdir_p(buf, err);
}

int
cache_sub(const char *cache, const char *sub, char *buf, size_t n, struct nsx_err *err)
{
	if (file_path(buf, n, err, "%s/%s", cache, sub) < 0)
		return -1;
	if (mkdir(buf, cache_mode()) < 0 && errno != EEXIST)
		return nsx_error(err, errno, "cannot create %s: %s", buf, strerror(errno));
	return 0;
}

/* The identity of a file's content without reading it: ctime changes with
 * every write and cannot be set back (unlike mtime, which touch -d can), so
 * the same name means the same bytes. */
static int
stamp_path(const char *cache, const struct stat *st, char *buf, size_t n)
{
	return file_path(buf, n, NULL, "%s/stamps/%llx-%llu-%lld-%lld.%09ld-%lld.%09ld",
			cache, (unsigned long long)st->st_dev,
			(unsigned long long)st->st_ino, (long long)st->st_size,
			(long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
			(long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

/* The sha256 remembered for this file: 0, or -1 when there is none. */
int
cache_stamp_get(const char *cache, const struct stat *st, char hex[DIGEST_HEX_LEN + 1])
{
	char path[PATH_MAX];
	ssize_t len;

	if (stamp_path(cache, st, path, sizeof(path)) < 0)
		return -1;
	len = readlink(path, hex, DIGEST_HEX_LEN + 1);
	if (len != DIGEST_HEX_LEN || !digest_is_hex(hex, DIGEST_HEX_LEN))
		return -1;
	hex[DIGEST_HEX_LEN] = '\0';
	return 0;
}

/* Best effort: a missing stamp only costs a hash next time. symlink(2) is
 * atomic, so concurrent writers of the same stamp cannot tear it. */
void
cache_stamp_put(const char *cache, const struct stat *st, const char *hex)
{
	char path[PATH_MAX];

	if (cache_sub(cache, "stamps", path, sizeof(path), NULL) < 0 ||
	    stamp_path(cache, st, path, sizeof(path)) < 0)
		return;
	if (symlink(hex, path) < 0 && errno == EEXIST) {
		/* a stamp that does not say hex is junk: replace it */
		char old[DIGEST_HEX_LEN + 1];

		if (readlink(path, old, sizeof(old)) != DIGEST_HEX_LEN || memcmp(old, hex, DIGEST_HEX_LEN)) {
			unlink(path);
			symlink(hex, path);
		}
	}
}

/* A build happens in DIR/.tmp-XXXXXX, on the filesystem of its final name,
 * so that rename(2) publishes it whole or not at all: the tree in its
 * root/ (sub), the sidecar beside it. Mode 0700 until then: nobody else may look
 * at or into a tree being made. The builder holds an flock on it
 * (returned: the caller closes it when done; the unpacking child shares
 * it), so that a build whose process died is told from one under way
 * (cache_tmp_sweep). A container's layer on disk (rootfs_layer_make) is one
 * too, never published: sub NULL. */
int
cache_tmp_make(const char *dir, const char *sub, char *tmp, size_t n, struct nsx_err *err)
{
	struct stat st;
	int fd;

	if (file_path(tmp, n, err, "%s/.tmp-XXXXXX", dir) < 0)
		return -1;
	if (!mkdtemp(tmp))
		return nsx_error(err, errno, "cannot create a directory in %s: %s",
				 dir, strerror(errno));
	fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX) < 0 ||
	    (sub && (mkdirat(fd, sub, 0755) < 0 || fchmodat(fd, sub, 0755, 0) < 0))) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		tree_remove(tmp);
		return nsx_error(err, e, "cannot lock %s: %s", tmp, strerror(e));
	}
	/* stalled past the grace between mkdtemp and flock, it may have been
	 * swept meanwhile: a removed directory has no links left */
	if (fstat(fd, &st) == 0 && st.st_nlink == 0) {
		close(fd);
		return nsx_error(err, EAGAIN, "%s was removed while it was made (a slow machine?): "
				 "run the command again", tmp);
	}
	return fd;
}

/* Losing the rename race to a concurrent build of the same content is
 * success: the winner's tree is the same. NSX_TEST_FAIL_AT=rootfs (nsx
 * run's first step) makes a build fail here, whole but not published, to
 * check that a failed build leaves nothing in the cache. */
int
cache_tmp_publish(const char *tmp, const char *final, struct nsx_err *err)
{
	const char *fail = testhook("NSX_TEST_FAIL_AT");
	int e;

	if (fail && strcmp(fail, "rootfs") == 0) {
		tree_remove(tmp);
		return nsx_error(err, EIO, "rootfs: injected failure of the cache build (NSX_TEST_FAIL_AT)");
	}
	/* whole now: root's is opened up for containers' mapped uids */
	if (chmod(tmp, cache_mode()) == 0 && rename(tmp, final) == 0)
		return 0;
	e = errno;
	tree_remove(tmp);
	if ((e == EEXIST || e == ENOTEMPTY) && file_is_dir(final))
		return 0;
	return nsx_error(err, e, "cannot rename %s to %s: %s", tmp, final, strerror(e));
}

/* flock on a directory is local to this machine on network filesystems
 * (NFS has no directory flock; its emulation covers files only): another
 * machine's build sharing the cache would look dead there. */
static bool
lock_is_local(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return false;
	switch ((unsigned long)sf.f_type) {
	case 0x6969:		/* NFS */
	case 0x517b:		/* SMB */
	case 0xff534d42:	/* CIFS */
	case 0xfe534d42:	/* SMB2 */
	case 0x01021997:	/* 9P */
	case 0x00c36400:	/* Ceph */
	case 0x65735546:	/* FUSE (sshfs, ...) */
		return false;
	}
	return true;
}

/* A build killed by SIGKILL leaves its .tmp- directory behind: one that
 * nobody holds locked is dead, unless it is a few seconds old (made, not
 * yet locked); where locks are not shared between machines, only a day-old
 * one is taken for dead. Removed under our lock, so no build can take it
 * meanwhile. Only on the slow path. */
void
cache_tmp_sweep(const char *dir)
{
	time_t now = time(NULL), grace;
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(dir);

	if (!d)
		return;
	grace = lock_is_local(dirfd(d)) ? TMP_GRACE : TMP_STALE;
	while ((e = readdir(d))) {
		int fd;

		if (strncmp(e->d_name, ".tmp-", 5) != 0 ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode) || now - st.st_mtime <= grace)
			continue;
		fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
			tree_remove_at(dirfd(d), e->d_name);
		if (fd >= 0)
			close(fd);
	}
	closedir(d);
}

/* Trees of an older cache layout (a name without CACHE_LAYOUT) may hold device
 * nodes, a 1777 tmp and the archive's owners: closed to other users at
 * once (0700, which dates the retirement by ctime), removed a day later,
 * when no container of the older nsx is likely to run on them. Only on the
 * slow path, as cache_tmp_sweep. */
void
cache_retire(const char *dir)
{
	size_t sl = strlen(CACHE_LAYOUT);
	time_t now = time(NULL);
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (file_is_dots(e->d_name) || strncmp(e->d_name, ".tmp-", 5) == 0 ||
		    (len > sl && strcmp(e->d_name + len - sl, CACHE_LAYOUT) == 0) ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
			continue;
		if (st.st_mode & 077)
			fchmodat(dirfd(d), e->d_name, 0700, 0);
		else if (now - st.st_ctime > TMP_STALE)
			tree_remove_at(dirfd(d), e->d_name);
	}
	closedir(d);
}

/* ---- a container's layer on disk ---- */

/* upper/ and work/ for the overlay, owned by whom the container's root is
 * on the host: overlayfs does its work there with the mounter's rights. */
static int
layer_subdirs(int fd, uid_t uid, gid_t gid)
{
	static const struct { const char *name; mode_t mode; } sub[] = {
		{ "upper", 0755 },	/* the container's / */
		{ "work", 0700 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(sub); i++)
		if (mkdirat(fd, sub[i].name, 0700) < 0 || fchmodat(fd, sub[i].name, sub[i].mode, 0) < 0 ||
		    fchownat(fd, sub[i].name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
			return -1;
	return fchown(fd, uid, gid);
}

int
rootfs_layer_make(uid_t uid, gid_t gid, struct rootfs_layer *l, struct nsx_err *err)
{
	char cache[PATH_MAX], dir[PATH_MAX];
	int e;

	l->path[0] = '\0';
	l->lock = -1;
	if (rootfs_cache_dir(cache, sizeof(cache), err) < 0 ||
	    file_path(dir, sizeof(dir), err, "%s/layers", cache) < 0)
		return -1;
	/* root's: others may pass (the container's mapped root must), not list */
	if (mkdir(dir, 0700) == 0)
		chmod(dir, geteuid() == 0 ? 0711 : 0700);
	else if (errno != EEXIST)
		return nsx_error(err, errno, "cannot create %s: %s", dir, strerror(errno));
	/* what runs killed with SIGKILL left: nobody holds them locked */
	cache_tmp_sweep(dir);
	if ((l->lock = cache_tmp_make(dir, NULL, l->path, sizeof(l->path), err)) < 0) {
		l->path[0] = '\0';
		return -1;
	}
	/* overlayfs in a user namespace keeps its whiteouts' and opaque
	 * directories' marks in user.* xattrs (userxattr) */
	if (file_user_xattrs(l->lock) < 0) {
		e = errno;
		if (e == ENOTSUP)
			nsx_error(err, e, "%s does not keep user.* xattrs (%s)", cache, strerror(e));
		else
			nsx_error(err, e, "cannot make the layer in %s: %s", l->path, strerror(e));
	} else if (layer_subdirs(l->lock, uid, gid) < 0) {
		e = errno;
		nsx_error(err, e, "cannot make the layer in %s: %s", l->path, strerror(e));
	} else
		return 0;
	rootfs_layer_remove(l);
	return -1;
}

void
rootfs_layer_remove(struct rootfs_layer *l)
{
	if (l->path[0])
		tree_remove(l->path);
	l->path[0] = '\0';
	if (l->lock >= 0)
		close(l->lock);
	l->lock = -1;
}
