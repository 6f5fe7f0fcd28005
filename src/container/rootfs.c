/* Container root filesystems: the built-in busybox tree, --rootfs checks,
 * and --image (tarballs, OCI image layouts) unpacked into a cache. The
 * cache layout is described in rootfs.h. Archives are treated as hostile:
 * see unpack_flags(), member_path_ok(), whiteout_apply() and confine(). */
#define _GNU_SOURCE
#include "container/rootfs.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/landlock.h>
#include <nettle/sha2.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/capability.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sys/sys.h"
#include "util/archive_dl.h"
#include "util/testhook.h"
#include "util/trust.h"
#include "util/xalloc.h"

extern char **environ;

#define HEX_LEN		(2 * SHA256_DIGEST_SIZE)
#define BUF_SIZE	(64 * 1024)
#define JSON_MAX	(4 << 20)	/* index.json, manifests: a few KiB */
#define JSON_DEPTH	64
#define TMP_GRACE	2	/* s: a build's first moments, before its lock */
#define TMP_STALE	(24 * 3600)	/* s: where a lock proves nothing */
#define LAYOUT		".v2"	/* the cache layout, in every tree's name */
#define SPACE_KEPT	(1ULL << 30)	/* at most this much is kept free */

/* ---- small helpers ---- */

static void
hex_encode(const uint8_t *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

static bool
is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static void
sha256_hex(struct sha256_ctx *c, char hex[HEX_LEN + 1])
{
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_digest(c, sizeof(d), d);
	hex_encode(d, sizeof(d), hex);
}

/* A path that does not fit is an error, never a truncated path that names
 * something else. */
static int __attribute__((format(printf, 4, 5)))
path_fmt(char *buf, size_t n, struct nsx_err *err, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= n)
		return nsx_error(err, ENAMETOOLONG, "path too long: %.64s...", buf);
	return 0;
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static ssize_t
pread_full(int fd, void *buf, size_t n, off_t off)
{
	ssize_t r;

	do
		r = pread(fd, buf, n, off);
	while (r < 0 && errno == EINTR);
	return r;
}

static int
sha256_fd(int fd, char hex[HEX_LEN + 1])
{
	uint8_t *buf = xmalloc(BUF_SIZE);
	struct sha256_ctx c;
	off_t off = 0;
	ssize_t r;

	sha256_init(&c);
	while ((r = pread_full(fd, buf, BUF_SIZE, off)) > 0) {
		sha256_update(&c, (size_t)r, buf);
		off += r;
	}
	free(buf);
	if (r < 0)
		return -1;
	sha256_hex(&c, hex);
	return 0;
}

static int
write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static size_t
read_all(int fd, void *buf, size_t n)
{
	char *p = buf;
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static bool
dot_or_dotdot(const char *s)
{
	return s[0] == '.' && (s[1] == '\0' || (s[1] == '.' && s[2] == '\0'));
}

/* ---- removing trees ---- */

/* Remove one entry of fd. A non-empty directory is not removed but opened
 * into *sub (returns 1) for the caller to descend into. */
static int
entry_remove(int fd, const char *name, unsigned char type, int *sub)
{
	if (type != DT_DIR) {
		if (unlinkat(fd, name, 0) == 0 || errno == ENOENT)
			return 0;
		if (errno != EISDIR)
			return -1;
	}
	if (unlinkat(fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	if (errno != ENOTEMPTY && errno != EEXIST && errno != EACCES)
		return -1;
	*sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* an archive's mode 0000 directory: ours (or we are root) */
	if (*sub < 0 && errno == EACCES && fchmodat(fd, name, 0700, 0) == 0)
		*sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return *sub < 0 ? -1 : 1;
}

/* Remove what fd holds, stopping at the first non-empty subdirectory,
 * returned open in *sub (1); 0 when fd is now empty, -1 on error. */
static int
dir_sweep(int fd, int *sub)
{
	struct dirent *e;
	struct stat st;
	int dfd, rc = 0;
	DIR *d;

	/* an archive's 0555 directory: we cannot unlink in it until u+wx */
	if (fstat(fd, &st) == 0 && (st.st_mode & 0700) != 0700)
		fchmod(fd, (st.st_mode & 07777) | 0700);
	dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -1;
	}
	while (rc == 0 && (e = readdir(d)))
		if (!dot_or_dotdot(e->d_name))
			rc = entry_remove(fd, e->d_name, e->d_type, sub);
	closedir(d);
	return rc;
}

/* NSX_TEST_PAUSE_CLEAR=NAME: stop (SIGSTOP) on entering a directory NAME,
 * so that a test can move it meanwhile, as a student racing root would. */
static void
clear_pause(int fd)
{
	const char *name = testhook("NSX_TEST_PAUSE_CLEAR");
	char link[64], path[PATH_MAX];
	ssize_t len;

	if (!name || !*name)
		return;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, path, sizeof(path) - 1);
	if (len <= 0)
		return;
	path[len] = '\0';
	if (strcmp(strrchr(path, '/') ? strrchr(path, '/') + 1 : path, name) == 0)
		raise(SIGSTOP);
}

/* Empty the directory top (not following symlinks). Iterative, climbing
 * back through "..", so a hostile archive's 10000-deep tree costs neither
 * stack nor one fd per level. Each ".." must be the directory we came
 * down from (device and inode, remembered on the way down): a directory
 * its owner moved elsewhere meanwhile would otherwise walk root's deletion
 * up into whatever place the owner chose. Never crosses into another
 * filesystem (a mount point inside the tree is an error, not emptied). */
static int
tree_clear(int top)
{
	struct stat st;
	struct { dev_t dev; ino_t ino; } *path = NULL;
	size_t depth = 0, cap = 0;
	int cur = dup(top), sub, r = -1;
	dev_t dev;

	if (cur < 0 || fstat(cur, &st) < 0)
		goto out;
	dev = st.st_dev;
	for (;;) {
		if (depth == cap)
			path = xreallocarray(path, cap = cap ? 2 * cap : 64, sizeof(*path));
		path[depth].dev = st.st_dev;
		path[depth].ino = st.st_ino;
		r = dir_sweep(cur, &sub);
		if (r < 0 || (r == 0 && depth == 0))
			break;
		if (r > 0) {
			close(cur);
			cur = sub;
			if (fstat(cur, &st) < 0 || st.st_dev != dev) {
				r = -1;
				errno = EXDEV;
				break;
			}
			clear_pause(cur);
			depth++;
			continue;
		}
		sub = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(cur);
		cur = sub;
		depth--;
		if (cur < 0 || fstat(cur, &st) < 0 ||
		    st.st_dev != path[depth].dev || st.st_ino != path[depth].ino) {
			r = -1;
			errno = ESTALE;	/* moved away while we were inside */
			break;
		}
	}
out:
	if (cur >= 0)
		close(cur);
	free(path);
	return r < 0 ? -1 : 0;
}

/* rm -rf dirfd/name, never following a symlink (one is unlinked). */
static int
tree_remove_at(int dirfd, const char *name)
{
	int fd, rc;

	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR)
		return -1;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0)
		return 0;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == EACCES && fchmodat(dirfd, name, 0700, 0) == 0)
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = tree_clear(fd);
	close(fd);
	if (rc == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) < 0)
		rc = -1;
	return rc;
}

static void
tree_remove(const char *path)
{
	tree_remove_at(AT_FDCWD, path);
}

/* ---- the cache ---- */

static mode_t
cache_mode(void)
{
	/* root's trees are entered by user-namespace containers' mapped ids */
	return geteuid() == 0 ? 0755 : 0700;
}

static int
mkdir_p(char *path, struct nsx_err *err)
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
static int
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
		rc = path_fmt(buf, n, err, "%s", env);
	} else if (trust_root())
		rc = path_fmt(buf, n, err, "/var/cache/nsx");
	else if (xdg && xdg[0] == '/')	/* XDG: a relative value is ignored */
		rc = path_fmt(buf, n, err, "%s/nsx", xdg);
	else if ((home = trust_home(label, sizeof(label))))
		rc = path_fmt(buf, n, err, "%s/.cache/nsx", home);
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
	return mkdir_p(buf, err);
}

static int
cache_sub(const char *cache, const char *sub, char *buf, size_t n, struct nsx_err *err)
{
	if (path_fmt(buf, n, err, "%s/%s", cache, sub) < 0)
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
	return path_fmt(buf, n, NULL, "%s/stamps/%llx-%llu-%lld-%lld.%09ld-%lld.%09ld",
			cache, (unsigned long long)st->st_dev,
			(unsigned long long)st->st_ino, (long long)st->st_size,
			(long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
			(long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

/* The sha256 remembered for this file: 0, or -1 when there is none. */
static int
stamp_get(const char *cache, const struct stat *st, char hex[HEX_LEN + 1])
{
	char path[PATH_MAX];
	ssize_t len;

	if (stamp_path(cache, st, path, sizeof(path)) < 0)
		return -1;
	len = readlink(path, hex, HEX_LEN + 1);
	if (len != HEX_LEN || !is_hex(hex, HEX_LEN))
		return -1;
	hex[HEX_LEN] = '\0';
	return 0;
}

/* Best effort: a missing stamp only costs a hash next time. symlink(2) is
 * atomic, so concurrent writers of the same stamp cannot tear it. */
static void
stamp_put(const char *cache, const struct stat *st, const char *hex)
{
	char path[PATH_MAX];

	if (cache_sub(cache, "stamps", path, sizeof(path), NULL) < 0 ||
	    stamp_path(cache, st, path, sizeof(path)) < 0)
		return;
	if (symlink(hex, path) < 0 && errno == EEXIST) {
		/* a stamp that does not say hex is junk: replace it */
		char old[HEX_LEN + 1];

		if (readlink(path, old, sizeof(old)) != HEX_LEN || memcmp(old, hex, HEX_LEN)) {
			unlink(path);
			symlink(hex, path);
		}
	}
}

/* A build happens in DIR/.tmp-XXXXXX, on the filesystem of its final name,
 * so that rename(2) publishes it whole or not at all: the tree in its
 * root/, the sidecar beside it. Mode 0700 until then: nobody else may look
 * at or into a tree being made. The builder holds an flock on it
 * (returned: the caller closes it when done; the unpacking child shares
 * it), so that a build whose process died is told from one under way
 * (tmp_sweep). */
static int
tmp_make(const char *dir, char *tmp, size_t n, struct nsx_err *err)
{
	struct stat st;
	int fd;

	if (path_fmt(tmp, n, err, "%s/.tmp-XXXXXX", dir) < 0)
		return -1;
	if (!mkdtemp(tmp))
		return nsx_error(err, errno, "cannot create a directory in %s: %s",
				 dir, strerror(errno));
	fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX) < 0 || mkdirat(fd, "root", 0755) < 0 ||
	    fchmodat(fd, "root", 0755, 0) < 0) {
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
static int
tmp_publish(const char *tmp, const char *final, struct nsx_err *err)
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
	if ((e == EEXIST || e == ENOTEMPTY) && is_dir(final))
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
static void
tmp_sweep(const char *dir)
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

/* Trees of an older cache layout (a name without LAYOUT) may hold device
 * nodes, a 1777 tmp and the archive's owners: closed to other users at
 * once (0700, which dates the retirement by ctime), removed a day later,
 * when no container of the older nsx is likely to run on them. Only on the
 * slow path, as tmp_sweep. */
static void
cache_retire(const char *dir)
{
	size_t sl = strlen(LAYOUT);
	time_t now = time(NULL);
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (dot_or_dotdot(e->d_name) || strncmp(e->d_name, ".tmp-", 5) == 0 ||
		    (len > sl && strcmp(e->d_name + len - sl, LAYOUT) == 0) ||
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

/* ---- the sidecar: what the cache does not keep ----
 * A tree in the cache holds no setuid, setgid or sticky bit, nothing
 * writable by group or others, and every file is its builder's (root's in
 * root's cache): other users of the host can neither plant files in it nor
 * own anything in it. What the image said instead (a directory owned by
 * www-data, /tmp 1777) is kept in TREE/../meta, written by nsx alone in the
 * private staging directory, and given back to the container in its
 * overlay's upper layer (container/setup.c). Setuid and setgid bits of
 * files are not kept at all (no_new_privs makes them inert anyway).
 *
 * meta: META_MAGIC, then records of four native uint32 (mode, uid, gid,
 * length) and the path (relative, normalised: "" is the tree's root). */

#define META_MAGIC	"nsxmeta2"

struct meta_rec {
	uint32_t mode, uid, gid;
	char *path;		/* NULL: removed */
};

struct meta {
	struct meta_rec *rec;
	size_t n, cap;
	size_t *slot;		/* hash of paths: record index + 1; 0 empty */
	size_t nslot, used;	/* slots, and slots ever filled */
};

#define META_GONE	((size_t)-1)	/* a slot whose record was removed */

/* What the cache keeps of a member's permissions. */
static mode_t
cache_perm(mode_t perm)
{
	return perm & 0755;
}

/* What the container gets: all of it, but a file's setuid and setgid. */
static mode_t
image_perm(bool dir, mode_t perm)
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
static void
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
static void
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

static void
meta_free(struct meta *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->rec[i].path);
	free(m->rec);
	free(m->slot);
	memset(m, 0, sizeof(*m));
}

/* TMP/meta, beside TMP/root; fsync'd: a published tree is trusted as is. */
static int
meta_write(const struct meta *m, int fd)
{
	int rc = write_all(fd, META_MAGIC, strlen(META_MAGIC));

	for (size_t i = 0; i < m->n && rc == 0; i++) {
		const struct meta_rec *r = &m->rec[i];
		uint32_t h[4];

		if (!r->path)
			continue;
		h[0] = r->mode, h[1] = r->uid, h[2] = r->gid, h[3] = (uint32_t)strlen(r->path);
		rc = write_all(fd, h, sizeof(h));
		if (rc == 0)
			rc = write_all(fd, r->path, h[3]);
	}
	return rc < 0 || fsync(fd) < 0 ? -1 : 0;
}

static int
meta_open(const char *tmp, struct nsx_err *err)
{
	char path[PATH_MAX];
	int fd;

	if (path_fmt(path, sizeof(path), err, "%s/meta", tmp) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return nsx_error(err, errno, "cannot create %s: %s", path, strerror(errno));
	return fd;
}

/* "./a//b/" -> "a/b", "." and "./" -> "": one name for one file, as the
 * archive may spell it either way. In a copy the caller frees. */
static char *
member_norm(const char *path)
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
member_depth(const char *norm)
{
	unsigned d = *norm != '\0';

	for (; *norm; norm++)
		d += *norm == '/';
	return d;
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
	if (!slash || path_fmt(path, sizeof(path), err, "%.*s/meta", (int)(slash - tree), tree) < 0)
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
	if (read_all(fd, buf, len) != len || len < strlen(META_MAGIC) ||
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

/* ---- the built-in busybox tree ---- */

static const struct {
	const char *path;
	mode_t mode;
} bb_dirs[] = {
	{ "bin", 0755 }, { "etc", 0755 }, { "usr", 0755 },
	{ "root", 0700 },	/* root's home, as on a host */
	{ "tmp", 01777 },	/* sticky: anyone creates, only owners delete */
	{ "proc", 0555 }, { "sys", 0555 }, { "dev", 0755 },	/* mount points */
};

/* One bin/ for everything: /sbin/ip, /usr/bin/env, /usr/sbin/chroot. */
static const struct {
	const char *path, *target;
} bb_links[] = {
	{ "sbin", "bin" }, { "usr/bin", "../bin" }, { "usr/sbin", "../bin" },
};

static const struct {
	const char *path, *text;
} bb_files[] = {
	{ "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
			"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n" },
	{ "etc/group", "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n" },
	{ "etc/hostname", "nsx\n" },
};

/* NSX_BUSYBOX, or Debian's busybox-static. It is copied and run
 * (`busybox --list`): as root, an override must be root's alone. NULL when
 * it is not (err says why). */
static const char *
busybox_path(struct nsx_err *err)
{
	const char *p = getenv("NSX_BUSYBOX");

	if (!p || !*p)
		return "/bin/busybox";
	return trust_env("NSX_BUSYBOX", p, err) < 0 ? NULL : p;
}

static int
busybox_missing(const char *bb, int e, struct nsx_err *err)
{
	if (e == ENOENT)
		return nsx_error(err, e, "busybox-static is not installed (no %s): run 'make deps' "
				 "(or apt-get install busybox-static), or give --rootfs/--image", bb);
	return nsx_error(err, e, "cannot use %s: %s", bb, strerror(e));
}

/* Debian's busybox package (not -static) installs a dynamic /bin/busybox:
 * alone in a tree, without ld.so and libc, it could not start. */
static bool
elf_dynamic(int fd)
{
	unsigned char id[EI_NIDENT];
	Elf64_Ehdr e64;
	Elf32_Ehdr e32;
	uint64_t phoff;
	unsigned phnum, phsize;

	if (pread_full(fd, id, sizeof(id), 0) != sizeof(id) || memcmp(id, ELFMAG, SELFMAG))
		return false;
	if (id[EI_CLASS] == ELFCLASS64 && pread_full(fd, &e64, sizeof(e64), 0) == sizeof(e64)) {
		phoff = e64.e_phoff, phnum = e64.e_phnum, phsize = e64.e_phentsize;
	} else if (id[EI_CLASS] == ELFCLASS32 && pread_full(fd, &e32, sizeof(e32), 0) == sizeof(e32)) {
		phoff = e32.e_phoff, phnum = e32.e_phnum, phsize = e32.e_phentsize;
	} else
		return false;
	for (unsigned i = 0; i < phnum && i < 256; i++) {
		uint32_t type;	/* p_type is the first word in both classes */

		if (pread_full(fd, &type, sizeof(type), (off_t)(phoff + (uint64_t)i * phsize)) != sizeof(type))
			return false;
		if (type == PT_INTERP)
			return true;
	}
	return false;
}

static int
bb_copy(int tfd, int bbfd, struct nsx_err *err)
{
	uint8_t *buf = xmalloc(BUF_SIZE);
	int ofd, rc = 0;
	off_t off = 0;
	ssize_t r;

	ofd = openat(tfd, "bin/busybox", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (ofd < 0) {
		free(buf);
		return nsx_error(err, errno, "cannot create bin/busybox: %s", strerror(errno));
	}
	while (rc == 0 && (r = pread_full(bbfd, buf, BUF_SIZE, off)) > 0) {
		rc = write_all(ofd, buf, (size_t)r);
		off += r;
	}
	/* fsync: a cached tree is trusted forever, a torn binary would be too */
	if (rc < 0 || r < 0 || fchmod(ofd, 0755) < 0 || fsync(ofd) < 0)
		rc = nsx_error(err, errno, "cannot copy busybox: %s", strerror(errno));
	close(ofd);
	free(buf);
	return rc;
}

/* `busybox --list` of the copy we just made: names and binary agree, and a
 * noexec cache fails here, with a message, not later in the container. */
static char *
bb_list(const char *bin, struct nsx_err *err)
{
	char *argv[] = { (char *)"busybox", (char *)"--list", NULL };
	posix_spawn_file_actions_t fa;
	size_t len = 0, cap = 8192;
	char *out;
	int p[2], e, status = 0;
	pid_t pid;
	ssize_t r;

	if (pipe2(p, O_CLOEXEC) < 0) {
		nsx_error(err, errno, "pipe: %s", strerror(errno));
		return NULL;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	e = posix_spawn(&pid, bin, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (e) {
		close(p[0]);
		nsx_error(err, e, "cannot run %s: %s%s", bin, strerror(e),
			  e == EACCES ? " (is the cache on a noexec filesystem? set NSX_CACHE_DIR)" : "");
		return NULL;
	}
	out = xmalloc(cap);
	while ((r = read(p[0], out + len, cap - len - 1)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0 && (len += (size_t)r) + 1 == cap && cap < (1 << 20))
			out = xrealloc(out, cap *= 2);
	out[len] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		free(out);
		nsx_error(err, 0, "%s --list failed", bin);
		return NULL;
	}
	return out;
}

/* bin/NAME -> busybox for each applet; busybox picks the applet by argv[0]. */
static int
bb_applets(int tfd, const char *tmp, struct nsx_err *err)
{
	char bin[PATH_MAX], *list, *save = NULL;
	int bfd, rc = 0;

	if (path_fmt(bin, sizeof(bin), err, "%s/bin/busybox", tmp) < 0 ||
	    !(list = bb_list(bin, err)))
		return -1;
	bfd = openat(tfd, "bin", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (char *name = strtok_r(list, "\n", &save); bfd >= 0 && rc == 0 && name;
	     name = strtok_r(NULL, "\n", &save)) {
		if (!*name || strchr(name, '/') || dot_or_dotdot(name) ||
		    strcmp(name, "busybox") == 0 || strlen(name) > NAME_MAX)
			continue;
		if (symlinkat("busybox", bfd, name) < 0 && errno != EEXIST)
			rc = nsx_error(err, errno, "cannot link bin/%s: %s", name, strerror(errno));
	}
	if (bfd < 0)
		rc = nsx_error(err, errno, "%s/bin: %s", tmp, strerror(errno));
	else if (rc == 0 && faccessat(bfd, "sh", F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		rc = nsx_error(err, ENOENT, "%s has no sh applet", busybox_path(NULL) ?: "busybox");
	if (bfd >= 0)
		close(bfd);
	free(list);
	return rc;
}

/* tmp's sticky 1777 goes to the sidecar, as an image's would */
static int
bb_skeleton(int tfd, struct meta *m, struct nsx_err *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(bb_dirs); i++) {
		mode_t mode = bb_dirs[i].mode;

		if (mkdirat(tfd, bb_dirs[i].path, 0700) < 0 ||
		    fchmodat(tfd, bb_dirs[i].path, cache_perm(mode), 0) < 0)
			return nsx_error(err, errno, "cannot create %s: %s", bb_dirs[i].path,
					 strerror(errno));
		meta_set(m, bb_dirs[i].path, cache_perm(mode) != mode, mode, 0, 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bb_links); i++)
		if (symlinkat(bb_links[i].target, tfd, bb_links[i].path) < 0)
			return nsx_error(err, errno, "cannot create %s: %s", bb_links[i].path,
					 strerror(errno));
	for (size_t i = 0; i < ARRAY_SIZE(bb_files); i++) {
		int fd = openat(tfd, bb_files[i].path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

		if (fd < 0 || write_all(fd, bb_files[i].text, strlen(bb_files[i].text)) < 0 ||
		    fchmod(fd, 0644) < 0) {
			int e = errno;

			if (fd >= 0)
				close(fd);
			return nsx_error(err, e, "cannot write %s: %s", bb_files[i].path, strerror(e));
		}
		close(fd);
	}
	return 0;
}

static int
bb_fill(const char *tmp, int bbfd, struct nsx_err *err)
{
	char root[PATH_MAX];
	struct meta m = { 0 };
	int tfd, mfd, rc;

	if (path_fmt(root, sizeof(root), err, "%s/root", tmp) < 0)
		return -1;
	if ((tfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return nsx_error(err, errno, "%s: %s", root, strerror(errno));
	rc = bb_skeleton(tfd, &m, err);
	if (rc == 0)
		rc = bb_copy(tfd, bbfd, err);
	if (rc == 0)
		rc = bb_applets(tfd, root, err);
	close(tfd);
	if (rc == 0) {
		mfd = meta_open(tmp, err);
		if (mfd < 0 || meta_write(&m, mfd) < 0)
			rc = mfd < 0 ? -1 : nsx_error(err, errno, "%s/meta: %s", tmp, strerror(errno));
		if (mfd >= 0)
			close(mfd);
	}
	meta_free(&m);
	return rc;
}

/* The slow path: hash busybox (only here), build unless a tree with that
 * hash exists (busybox merely touched, or the stamp lost), stamp it. */
static int
bb_build(const char *cache, const char *bb, char *out, size_t n, struct nsx_err *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX], final[PATH_MAX], hex[HEX_LEN + 1];
	int bbfd, rc = -1;
	struct stat st;

	bbfd = open(bb, O_RDONLY | O_CLOEXEC);
	if (bbfd < 0)
		return busybox_missing(bb, errno, err);
	if (fstat(bbfd, &st) < 0 || !S_ISREG(st.st_mode))
		nsx_error(err, EINVAL, "%s is not a regular file", bb);
	else if (elf_dynamic(bbfd))
		nsx_error(err, ENOEXEC, "%s is dynamically linked (Debian's busybox package): "
			  "install busybox-static, or give --rootfs/--image", bb);
	else if (sha256_fd(bbfd, hex) < 0)
		nsx_error(err, errno, "cannot read %s: %s", bb, strerror(errno));
	else if (cache_sub(cache, "rootfs", dir, sizeof(dir), err) == 0 &&
		 path_fmt(final, sizeof(final), err, "%s/busybox-%.16s" LAYOUT, dir, hex) == 0 &&
		 path_fmt(out, n, err, "%s/root", final) == 0)
		rc = 0;
	if (rc == 0 && !is_dir(out)) {
		int lock;

		tmp_sweep(dir);
		cache_retire(dir);
		if ((lock = tmp_make(dir, tmp, sizeof(tmp), err)) < 0)
			rc = -1;
		else if (bb_fill(tmp, bbfd, err) < 0) {
			tree_remove(tmp);
			rc = -1;
		} else
			rc = tmp_publish(tmp, final, err);
		if (lock >= 0)
			close(lock);
	}
	if (rc == 0)
		stamp_put(cache, &st, hex);
	close(bbfd);
	return rc;
}

int
rootfs_builtin(char *out, size_t n, struct nsx_err *err)
{
	const char *bb = busybox_path(err);
	char cache[PATH_MAX], hex[HEX_LEN + 1];
	struct stat st;

	if (!bb)
		return -1;
	/* The warm path, on every `nsx run`: stat busybox, readlink its stamp,
	 * stat the tree. No hashing, and no mkdir: the cache exists if the
	 * stamp does. */
	if (stat(bb, &st) < 0)
		return busybox_missing(bb, errno, err);
	if (cache_path(cache, sizeof(cache), err) < 0)
		return -1;
	if (stamp_get(cache, &st, hex) == 0 &&
	    path_fmt(out, n, NULL, "%s/rootfs/busybox-%.16s" LAYOUT "/root", cache, hex) == 0 &&
	    is_dir(out))
		return 0;
	if (mkdir_p(cache, err) < 0)
		return -1;
	return bb_build(cache, bb, out, n, err);
}

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
		empty = dot_or_dotdot(e->d_name);
	closedir(d);
	if (empty)
		return nsx_error(err, ENOENT, "rootfs %s is empty", dir);
	return 0;
}

/* ---- a minimal JSON reader (index.json and manifests) ----
 * Values are pointers into NUL-terminated text. json_skip validates RFC 8259
 * syntax (nesting up to JSON_DEPTH) and returns the byte after a value, or
 * NULL. A document is validated whole once (json_valid), so the getters
 * below trust its syntax. */

static const char *json_skip(const char *p, int depth);

static const char *
json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *
json_skip_str(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20)	/* control characters, and the end */
			return NULL;
		if (*p++ != '\\')
			continue;
		if (*p == 'u') {
			for (int i = 1; i <= 4; i++)
				if (!isxdigit((unsigned char)p[i]))
					return NULL;
			p += 5;
		} else if (*p && strchr("\"\\/bfnrt", *p))
			p++;
		else
			return NULL;
	}
	return p + 1;
}

static const char *
json_skip_digits(const char *p)
{
	if (!isdigit((unsigned char)*p))
		return NULL;
	while (isdigit((unsigned char)*p))
		p++;
	return p;
}

static const char *
json_skip_num(const char *p)
{
	if (*p == '-')
		p++;
	p = *p == '0' ? p + 1 : json_skip_digits(p);
	if (p && *p == '.')
		p = json_skip_digits(p + 1);
	if (p && (*p == 'e' || *p == 'E')) {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		p = json_skip_digits(p);
	}
	return p;
}

static const char *
json_skip_coll(const char *p, int depth)
{
	bool obj = *p == '{';
	char close = obj ? '}' : ']';

	p = json_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (obj) {
			p = json_skip_str(json_ws(p));
			if (!p || *(p = json_ws(p)) != ':')
				return NULL;
			p++;
		}
		p = json_skip(p, depth + 1);
		if (!p)
			return NULL;
		p = json_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *
json_skip(const char *p, int depth)
{
	static const char *const lit[] = { "true", "false", "null" };

	p = json_ws(p);
	if (depth > JSON_DEPTH)
		return NULL;
	if (*p == '"')
		return json_skip_str(p);
	if (*p == '{' || *p == '[')
		return json_skip_coll(p, depth);
	for (size_t i = 0; i < ARRAY_SIZE(lit); i++)
		if (strncmp(p, lit[i], strlen(lit[i])) == 0)
			return p + strlen(lit[i]);
	return json_skip_num(p);
}

static bool
json_valid(const char *text)
{
	const char *end = json_skip(text, 0);

	return end && *json_ws(end) == '\0';
}

static size_t
utf8_put(unsigned cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* \uXXXX at p (pointing at the 'u'), with a following low surrogate;
 * *p is advanced past what was used. */
static unsigned
json_unicode(const char **p)
{
	unsigned cp = (unsigned)strtoul((char[]){ (*p)[1], (*p)[2], (*p)[3], (*p)[4], 0 }, NULL, 16);

	*p += 5;
	if (cp >= 0xd800 && cp < 0xdc00 && (*p)[0] == '\\' && (*p)[1] == 'u') {
		const char *q = *p + 1;
		unsigned lo = json_unicode(&q);

		if (lo >= 0xdc00 && lo < 0xe000) {
			*p = q;
			return 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
	}
	return cp >= 0xd800 && cp < 0xe000 ? 0xfffd : cp;
}

/* The string at p, decoded; -1 when p is not a string, does not fit, or
 * holds a NUL. */
static int
json_str(const char *p, char *buf, size_t n)
{
	static const char esc[] = "b\bf\fn\nr\rt\t\"\"\\\\//";
	size_t len = 0, k;
	char tmp[4];

	if (!p || *p++ != '"')
		return -1;
	while (*p != '"') {
		unsigned cp = (unsigned char)*p++;

		k = 1;
		tmp[0] = (char)cp;
		if (cp == '\\' && *p == 'u') {
			if ((cp = json_unicode(&p)) == 0)
				return -1;
			k = utf8_put(cp, tmp);
		} else if (cp == '\\') {
			tmp[0] = strchr(esc, *p++)[1];	/* validated: always found */
		}
		if (len + k >= n)
			return -1;
		memcpy(buf + len, tmp, k);
		len += k;
	}
	buf[len] = '\0';
	return 0;
}

/* The value of key in the object at obj, or NULL. */
static const char *
json_get(const char *obj, const char *key)
{
	char name[256];
	const char *p, *v;

	if (!obj || *obj != '{')
		return NULL;
	for (p = json_ws(obj + 1); *p == '"'; p = json_ws(p + 1)) {
		v = json_ws(json_ws(json_skip_str(p)) + 1);
		if (json_str(p, name, sizeof(name)) == 0 && strcmp(name, key) == 0)
			return v;
		p = json_ws(json_skip(v, 0));
		if (*p != ',')
			break;
	}
	return NULL;
}

static const char *
json_first(const char *arr)
{
	const char *p;

	if (!arr || *arr != '[')
		return NULL;
	p = json_ws(arr + 1);
	return *p == ']' ? NULL : p;
}

static const char *
json_next(const char *v)
{
	const char *p = json_ws(json_skip(v, 0));

	return *p == ',' ? json_ws(p + 1) : NULL;
}

/* ---- OCI image layouts: index -> manifest -> layers ---- */

struct oci {
	const char *src;	/* the layout directory as given, for messages */
	int dir;
};

/* A content descriptor: what a manifest or index says a blob is. */
struct desc {
	char type[128];
	char hex[HEX_LEN + 1];
};

static const char *const index_types[] = {
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
};

/* libarchive detects the compression itself; the type only says whether
 * this is a layer nsx can apply (not, e.g., an encrypted one). */
static const char *const layer_types[] = {
	"application/vnd.oci.image.layer.v1.tar",
	"application/vnd.oci.image.layer.v1.tar+gzip",
	"application/vnd.oci.image.layer.v1.tar+zstd",
	"application/vnd.oci.image.layer.nondistributable.v1.tar",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
	"application/vnd.docker.image.rootfs.diff.tar.gzip",
	"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
};

static bool
in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

/* OCI platforms spell architectures as Go does. */
static const char *
host_arch(void)
{
	static const struct {
		const char *machine, *arch;
	} map[] = {
		{ "x86_64", "amd64" }, { "aarch64", "arm64" }, { "armv7l", "arm" },
		{ "armv6l", "arm" }, { "i686", "386" }, { "i386", "386" },
		{ "ppc64le", "ppc64le" }, { "s390x", "s390x" }, { "riscv64", "riscv64" },
	};
	struct utsname u;

	if (uname(&u) == 0)
		for (size_t i = 0; i < ARRAY_SIZE(map); i++)
			if (strcmp(u.machine, map[i].machine) == 0)
				return map[i].arch;
	return "amd64";
}

static int
oci_blob_open(const struct oci *o, const char *hex, struct nsx_err *err)
{
	char rel[32 + HEX_LEN];
	int fd;

	snprintf(rel, sizeof(rel), "blobs/sha256/%s", hex);
	fd = openat(o->dir, rel, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return nsx_error(err, ENOENT, "OCI layout %s: blob sha256:%s is missing", o->src, hex);
	if (fd < 0)
		return nsx_error(err, errno, "OCI layout %s: blob sha256:%s: %s", o->src, hex,
				 strerror(errno));
	return fd;
}

/* A small file whole, NUL-terminated; NULL with errno (EFBIG: too big). */
static char *
read_small(int fd, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap);
	ssize_t r;

	while ((r = read(fd, buf + n, cap - n - 1)) > 0 || (r < 0 && errno == EINTR)) {
		if (r > 0 && (n += (size_t)r) + 1 == cap) {
			if (cap >= JSON_MAX) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			buf = xrealloc(buf, cap *= 2);
		}
	}
	if (r < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Read a JSON file (what names it) and check its syntax. */
static char *
json_load(int fd, const char *what, size_t *len, struct nsx_err *err)
{
	char *text = read_small(fd, len);

	if (!text)
		nsx_error(err, errno, "%s: %s", what, strerror(errno));
	else if (strlen(text) != *len || !json_valid(text)) {
		nsx_error(err, EINVAL, "%s is not valid JSON", what);
		free(text);
		text = NULL;
	}
	return text;
}

/* An index or manifest blob, checked against its digest before use. */
static char *
oci_blob_json(const struct oci *o, const char *hex, struct nsx_err *err)
{
	char what[PATH_MAX + 128], got[HEX_LEN + 1];
	struct sha256_ctx c;
	char *text;
	size_t len;
	int fd = oci_blob_open(o, hex, err);

	if (fd < 0)
		return NULL;
	snprintf(what, sizeof(what), "OCI layout %s: blob sha256:%s", o->src, hex);
	text = read_small(fd, &len);
	close(fd);
	if (!text) {
		nsx_error(err, errno, "%s: %s", what, strerror(errno));
		return NULL;
	}
	sha256_init(&c);
	sha256_update(&c, len, (const uint8_t *)text);
	sha256_hex(&c, got);
	if (strcmp(got, hex) != 0)
		nsx_error(err, EINVAL, "%s: digest mismatch (its sha256 is %s)", what, got);
	else if (strlen(text) != len || !json_valid(text))
		nsx_error(err, EINVAL, "%s is not valid JSON", what);
	else
		return text;
	free(text);
	return NULL;
}

static int
desc_read(const struct oci *o, const char *v, struct desc *d, struct nsx_err *err)
{
	char digest[128];

	if (json_str(json_get(v, "mediaType"), d->type, sizeof(d->type)) < 0)
		d->type[0] = '\0';
	if (json_str(json_get(v, "digest"), digest, sizeof(digest)) < 0)
		return nsx_error(err, EINVAL, "OCI layout %s: a descriptor has no digest", o->src);
	if (strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 7 + HEX_LEN ||
	    !is_hex(digest + 7, HEX_LEN))
		return nsx_error(err, EINVAL, "OCI layout %s: digest '%s' is not sha256:<64 hex>: "
				 "unsupported", o->src, digest);
	memcpy(d->hex, digest + 7, HEX_LEN + 1);
	return 0;
}

/* From an image index, the manifest for linux/<our arch>, else the first
 * that is not an attestation (platform unknown/unknown, as buildx adds). */
static int
index_pick(const struct oci *o, const char *json, struct desc *d, struct nsx_err *err)
{
	const char *m, *pick = NULL, *first = NULL, *arch = host_arch();
	char os[64], a[64];

	for (m = json_first(json_get(json, "manifests")); m && !pick; m = json_next(m)) {
		const char *plat = json_get(m, "platform");

		if (json_str(json_get(plat, "os"), os, sizeof(os)) < 0)
			os[0] = '\0';
		if (json_str(json_get(plat, "architecture"), a, sizeof(a)) < 0)
			a[0] = '\0';
		if (strcmp(os, "linux") == 0 && strcmp(a, arch) == 0)
			pick = m;
		else if (!first && strcmp(os, "unknown") != 0)
			first = m;
	}
	if (!pick && !(pick = first))
		return nsx_error(err, EINVAL, "OCI layout %s: the index lists no manifest", o->src);
	return desc_read(o, pick, d, err);
}

/* index.json -> the manifest's descriptor, through at most one nested
 * image index (a multi-platform image saved whole). */
static int
oci_manifest(const struct oci *o, struct desc *d, struct nsx_err *err)
{
	char what[PATH_MAX + 64], *text, *sub;
	size_t len;
	int fd, rc;

	snprintf(what, sizeof(what), "OCI layout %s: index.json", o->src);
	fd = openat(o->dir, "index.json", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nsx_error(err, errno, "%s: %s", what, strerror(errno));
	text = json_load(fd, what, &len, err);
	close(fd);
	if (!text)
		return -1;
	rc = index_pick(o, text, d, err);
	free(text);
	if (rc < 0 || !in_list(d->type, index_types, ARRAY_SIZE(index_types)))
		return rc;
	if (!(sub = oci_blob_json(o, d->hex, err)))
		return -1;
	rc = index_pick(o, sub, d, err);
	free(sub);
	if (rc == 0 && in_list(d->type, index_types, ARRAY_SIZE(index_types)))
		return nsx_error(err, EINVAL, "OCI layout %s: image index sha256:%s lists another "
				 "index: nsx follows one level", o->src, d->hex);
	return rc;
}

/* The manifest's layers, lowest first; every blob must be there before
 * anything is unpacked. */
static int
oci_layers(const struct oci *o, const char *hex, struct desc **out, size_t *n,
	   struct nsx_err *err)
{
	char *text = oci_blob_json(o, hex, err);
	struct desc *l = NULL;
	size_t cnt = 0;
	const char *v;
	int rc = 0;

	if (!text)
		return -1;
	for (v = json_first(json_get(text, "layers")); v && rc == 0; v = json_next(v)) {
		l = xreallocarray(l, cnt + 1, sizeof(*l));
		rc = desc_read(o, v, &l[cnt], err);
		if (rc == 0 && !in_list(l[cnt].type, layer_types, ARRAY_SIZE(layer_types)))
			rc = nsx_error(err, EINVAL, "OCI layout %s: layer sha256:%s has media type "
				       "'%s', which nsx cannot unpack", o->src, l[cnt].hex, l[cnt].type);
		if (rc == 0) {
			int fd = oci_blob_open(o, l[cnt].hex, err);

			rc = fd < 0 ? -1 : close(fd);
		}
		cnt++;
	}
	if (rc == 0 && cnt == 0)
		rc = nsx_error(err, EINVAL, "OCI layout %s: manifest sha256:%s has no layers",
			       o->src, hex);
	free(text);
	if (rc < 0) {
		free(l);
		return -1;
	}
	*out = l;
	*n = cnt;
	return 0;
}

/* ---- unpacking archives safely ---- */

/* An archive read through its hash: pass 1 of a layer verifies a blob
 * before pass 2 writes anything of it. */
struct src {
	int fd;
	off_t off;
	struct sha256_ctx sha;
	uint8_t buf[BUF_SIZE];
};

static ssize_t
src_fill(struct src *s)
{
	ssize_t r = pread_full(s->fd, s->buf, sizeof(s->buf), s->off);

	if (r > 0) {
		sha256_update(&s->sha, (size_t)r, s->buf);
		s->off += r;
	}
	return r;
}

static la_ssize_t
src_read(struct archive *a, void *data, const void **block)
{
	struct src *s = data;
	ssize_t r = src_fill(s);

	if (r < 0)
		archive_set_error(a, errno, "read: %s", strerror(errno));
	*block = s->buf;
	return r;
}

/* The whole file's digest: what libarchive did not need to read (padding
 * after the end-of-archive blocks) counts too. */
static int
src_digest(struct src *s, char hex[HEX_LEN + 1])
{
	ssize_t r;

	while ((r = src_fill(s)) > 0)
		;
	if (r < 0)
		return -1;
	sha256_hex(&s->sha, hex);
	return 0;
}

static struct archive *
src_open(struct src *s)
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
	archive_read_open(a, s, NULL, src_read, NULL);
	return a;
}

/* What an archive (all of an image's layers) declares: the bounds are
 * checked against it. */
struct tally {
	unsigned long long bytes;	/* file data */
	unsigned long long disk;	/* of it, what is stored (not holes), in blocks */
	unsigned long long entries;
};

struct unpack {
	const char *what;	/* names the archive in messages */
	const char *where;	/* the cache directory the tree goes to, for messages */
	bool layer;		/* an OCI layer: whiteouts; a file replaces a dir */
	int root;		/* the tree, also the cwd (libarchive writes there) */
	unsigned members;
	unsigned skipped;	/* device nodes not made */
	struct rootfs_limits lim;
	struct tally t;		/* of the pass under way */
	bool scan;		/* pass 1: also against the free space */
	struct statvfs sv;	/* of the cache, when pass 1 began */
	unsigned long long avail, kept;
	struct meta meta;	/* the sidecar, as the image says it so far */
	struct nsx_err *err;
};

static int
corrupt(struct unpack *u, struct archive *a)
{
	const char *msg = archive_error_string(a);

	return nsx_error(u->err, archive_errno(a) > 0 ? archive_errno(a) : EINVAL,
			 "%s: corrupt or truncated archive: %s", u->what, msg ? msg : "read error");
}

static int
unpack_flags(void)
{
	/* SECURE_*: refuse "..", absolute names, and writing through a symlink
	 * (a member "x" -> /etc, then "x/passwd"), hard link targets included.
	 * Never the archive's owners (not even as root: a student's uid would
	 * own directories in root's cache; the sidecar keeps them). No ACLs,
	 * xattrs or file flags (tar's default too). */
	return ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
	       ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
}

/* Relative, and no ".." component. libarchive refuses these too; checking
 * first gives a message naming the member, and whiteouts need it. */
static bool
member_path_ok(const char *p)
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
path_split(const char *path, const char **dir, const char **base)
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
is_whiteout(const char *path)
{
	const char *dir, *base;
	char *s = path_split(path, &dir, &base);
	bool wh = strncmp(base, ".wh.", 4) == 0;

	free(s);
	return wh;
}

/* Open directory `path` in the tree without following any symlink: a
 * whiteout "lnk/.wh.x" must not delete x wherever lnk points (the host's
 * /etc). -1 when there is no real directory there. */
static int
tree_open_dir(int root, const char *path)
{
	char name[NAME_MAX + 1];
	int fd = openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), next;

	while (fd >= 0 && *(path += strspn(path, "/"))) {
		size_t len = strcspn(path, "/");

		if (len > NAME_MAX) {
			close(fd);
			return -1;
		}
		memcpy(name, path, len);
		name[len] = '\0';
		path += len;
		if (strcmp(name, ".") == 0)
			continue;
		next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	return fd;
}

/* The sidecar forgets dir/name (name NULL: what dir holds). */
static void
meta_forget(struct unpack *u, const char *dir, const char *name)
{
	char *d = member_norm(dir), *p;

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
static int
whiteout_apply(struct unpack *u, const char *member)
{
	const char *dir, *base, *name;
	char *s = path_split(member, &dir, &base);
	int fd = tree_open_dir(u->root, dir), rc = 0;
	struct stat st;

	name = base + 4;
	if (fd < 0)
		;
	else if (strcmp(name, ".wh..opq") == 0) {
		/* keep the directory itself as it was (tree_clear may chmod it) */
		if (fstat(fd, &st) == 0 && (rc = tree_clear(fd)) == 0)
			fchmod(fd, st.st_mode & 07777);
		meta_forget(u, dir, NULL);
	} else if (strncmp(name, ".wh.", 4) == 0)
		;
	else if (!*name || dot_or_dotdot(name))	/* ".wh.." would remove the parent */
		rc = nsx_error(u->err, EINVAL, "%s: whiteout '%s' refused", u->what, member);
	else {
		rc = tree_remove_at(fd, name);
		meta_forget(u, dir, name);
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
replace_dir(struct unpack *u, const char *member)
{
	const char *dir, *base;
	char *s = path_split(member, &dir, &base);
	int fd = tree_open_dir(u->root, dir), rc = 0;
	struct stat st;

	if (fd >= 0 && !dot_or_dotdot(base) &&
	    fstatat(fd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
		if (tree_remove_at(fd, base) < 0)
			rc = nsx_error(u->err, errno, "%s: cannot replace directory '%s': %s",
				       u->what, member, strerror(errno));
		meta_forget(u, dir, base);
	}
	if (fd >= 0)
		close(fd);
	free(s);
	return rc;
}

static void
size_text(unsigned long long n, char *buf, size_t len)
{
	if (n >= (1ULL << 30))
		snprintf(buf, len, "%.1f GiB", (double)n / (1ULL << 30));
	else
		snprintf(buf, len, "%.1f MiB", (double)n / (1ULL << 20));
}

/* What a member's data takes on disk: a sparse member's extents only. */
static unsigned long long
entry_disk(struct archive_entry *e)
{
	unsigned long long sum = 0;
	la_int64_t off, len;

	if (archive_entry_sparse_reset(e) <= 0)
		return (unsigned long long)archive_entry_size(e);
	while (archive_entry_sparse_next(e, &off, &len) == ARCHIVE_OK)
		sum += len > 0 ? (unsigned long long)len : 0;
	return sum;
}

/* Before anything is written, member by member as pass 1 reads the
 * headers: will it fit, with some room kept for the rest of the machine
 * (5% of the filesystem, at most SPACE_KEPT)? Root counts without the
 * blocks reserved for root, as others do. */
static int
space_fits(struct unpack *u)
{
	char need[32], have[32], keep[32];

	if (!u->sv.f_frsize)
		return 0;	/* cannot tell: the writes will say */
	if (u->t.disk + u->kept > u->avail) {
		size_text(u->t.disk, need, sizeof(need));
		size_text(u->avail, have, sizeof(have));
		size_text(u->kept, keep, sizeof(keep));
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

static void
space_init(struct unpack *u)
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
tally_add(struct unpack *u, struct archive_entry *e, const char *name)
{
	char *norm = member_norm(name), a[32];
	unsigned depth = member_depth(norm);
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
		return u->scan ? space_fits(u) : 0;
	u->t.bytes += (unsigned long long)size;
	u->t.disk += (entry_disk(e) + 4095) & ~4095ULL;
	if (u->t.bytes > u->lim.bytes) {
		size_text(u->lim.bytes, a, sizeof(a));
		return nsx_error(u->err, EFBIG, "%s: its files hold more than %s (the limit, reached at "
				 "'%.60s'): if you trust the image, raise it with --image-max-bytes SIZE",
				 u->what, a, name);
	}
	return u->scan ? space_fits(u) : 0;
}

static int
entry_data(struct unpack *u, struct archive *in, struct archive *out, const char *name)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	while ((r = archive_read_data_block(in, &buf, &len, &off)) != ARCHIVE_EOF) {
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return corrupt(u, in);
		if (archive_write_data_block(out, buf, len, off) < ARCHIVE_WARN)
			return nsx_error(u->err, archive_errno(out) > 0 ? archive_errno(out) : EIO,
					 "%s: cannot write '%s': %s", u->what, name,
					 archive_error_string(out));
	}
	return 0;
}

static bool
is_device(mode_t type)
{
	return type == AE_IFCHR || type == AE_IFBLK;
}

static uint32_t
entry_id(la_int64_t id)
{
	return id >= 0 && id < UINT32_MAX ? (uint32_t)id : 65534;	/* nobody */
}

/* The cache keeps a member as its builder's, with cache_perm(); the
 * sidecar what the image says, where that differs. A link (hard or
 * symbolic) at a path replaces what the sidecar said of it. */
static void
entry_meta(struct unpack *u, struct archive_entry *e, mode_t type, const char *name)
{
	char *norm = member_norm(name);
	mode_t want = image_perm(type == AE_IFDIR, archive_entry_perm(e));
	uint32_t uid = entry_id(archive_entry_uid(e)), gid = entry_id(archive_entry_gid(e));
	bool link = archive_entry_hardlink(e) || type == AE_IFLNK;

	meta_set(&u->meta, norm, !link && (uid || gid || want != cache_perm(want)), want, uid, gid);
	archive_entry_set_perm(e, cache_perm(archive_entry_perm(e)));
	free(norm);
}

static int
entry_write(struct unpack *u, struct archive *in, struct archive *out, struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e), *link = archive_entry_hardlink(e);
	mode_t type = archive_entry_filetype(e);

	if (!member_path_ok(name))
		return nsx_error(u->err, EPERM, "%s: member '%s' is outside the tree (an absolute "
				 "path or '..'): refused", u->what, name ? name : "");
	if (link && !member_path_ok(link))
		return nsx_error(u->err, EPERM, "%s: member '%s' is a hard link to '%s', outside "
				 "the tree: refused", u->what, name, link);
	/* pass 2 counts again: an archive changed since pass 1 is held to it */
	if (tally_add(u, e, name) < 0)
		return -1;
	if ((u->layer && is_whiteout(name)) || type == AE_IFSOCK)
		return 0;	/* whiteouts: applied in pass 1; sockets: not files */
	/* never a device node, for anyone: in root's cache any local user
	 * could open it (a host disk's major:minor); the container has nsx's
	 * own /dev, and its overlay is nodev anyway */
	if (is_device(type)) {
		u->skipped++;
		return 0;
	}
	if (u->layer && type != AE_IFDIR && replace_dir(u, name) < 0)
		return -1;
	entry_meta(u, e, type, name);
	if (archive_write_header(out, e) < ARCHIVE_WARN)
		return nsx_error(u->err, archive_errno(out) > 0 ? archive_errno(out) : EPERM,
				 "%s: member '%s' refused: %s", u->what, name,
				 archive_error_string(out));
	if (archive_entry_size(e) > 0 && entry_data(u, in, out, name) < 0)
		return -1;
	if (archive_write_finish_entry(out) < ARCHIVE_WARN)
		return nsx_error(u->err, archive_errno(out) > 0 ? archive_errno(out) : EIO,
				 "%s: cannot write '%s': %s", u->what, name, archive_error_string(out));
	u->members++;
	return 0;
}

/* Write every member into the tree. */
static int
unpack_pass(struct unpack *u, struct src *s)
{
	struct archive *in = src_open(s), *out = archive_write_disk_new();
	struct archive_entry *e;
	int r, rc = 0;

	/* No archive_write_disk_set_standard_lookup: owners stay numeric, as
	 * the image means them (by its /etc/passwd, not the host's). */
	archive_write_disk_set_options(out, unpack_flags());
	while (rc == 0 && (r = archive_read_next_header(in, &e)) != ARCHIVE_EOF)
		rc = r == ARCHIVE_OK || r == ARCHIVE_WARN ? entry_write(u, in, out, e)
							  : corrupt(u, in);
	/* applies the deferred directory modes and times */
	if (archive_write_close(out) < ARCHIVE_WARN && rc == 0)
		rc = nsx_error(u->err, EIO, "%s: %s", u->what, archive_error_string(out));
	archive_write_free(out);
	archive_read_free(in);
	return rc;
}

/* Pass 1: headers only, reading the whole archive through its hash,
 * counting it against the bounds, and (a layer) collecting whiteouts. */
static int
scan_pass(struct unpack *u, struct src *s, char ***wh, size_t *nwh)
{
	struct archive *in = src_open(s);
	struct archive_entry *e;
	int r, rc = 0;

	while (rc == 0 && (r = archive_read_next_header(in, &e)) != ARCHIVE_EOF) {
		const char *name = archive_entry_pathname(e);

		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			rc = corrupt(u, in);
		else if (!member_path_ok(name))
			rc = nsx_error(u->err, EPERM, "%s: member '%s' is outside the tree (an "
				       "absolute path or '..'): refused", u->what, name ? name : "");
		else if ((rc = tally_add(u, e, name)) == 0 && wh && is_whiteout(name)) {
			*wh = xreallocarray(*wh, *nwh + 1, sizeof(**wh));
			(*wh)[(*nwh)++] = xstrdup(name);
		}
	}
	archive_read_free(in);
	return rc;
}

static int
src_verify(struct unpack *u, struct src *s, const char *want)
{
	char got[HEX_LEN + 1];

	if (src_digest(s, got) < 0)
		return nsx_error(u->err, errno, "%s: %s", u->what, strerror(errno));
	if (strcmp(got, want) != 0)
		return nsx_error(u->err, EINVAL, "%s: digest mismatch (its sha256 is %s)",
				 u->what, got);
	return 0;
}

/* What the unpacking child does, and what it says back. */
struct job {
	const char *src;	/* as the user gave it, for messages */
	const char *tree;	/* the temporary directory to fill (its root/ and meta) */
	const char *where;	/* the cache directory, for messages */
	int fd;			/* the tarball, or the layout directory */
	char hex[HEX_LEN + 1];	/* tarball: its sha256 */
	const struct desc *layers;	/* OCI: lowest first; NULL: a tarball */
	size_t nlayers;
	struct rootfs_limits lim;
};

struct job_result {
	int rc;
	unsigned skipped;
	enum rootfs_confine confined;
	int probe_errno;
	struct nsx_err err;
};

static int
job_tarball(const struct job *job, struct unpack *u, struct src *s)
{
	char got[HEX_LEN + 1];

	u->what = job->src;
	s->fd = job->fd;
	space_init(u);
	u->scan = true;
	if (scan_pass(u, s, NULL, NULL) < 0)
		return -1;
	u->scan = false;
	memset(&u->t, 0, sizeof(u->t));
	if (unpack_pass(u, s) < 0)
		return -1;
	if (u->members == 0 && u->skipped == 0)
		return nsx_error(u->err, EINVAL, "%s: the archive has no members", job->src);
	if (src_digest(s, got) < 0 || strcmp(got, job->hex) != 0)
		return nsx_error(u->err, EAGAIN, "%s changed while it was unpacked: try again",
				 job->src);
	return 0;
}

struct layer_wh {
	char **wh;
	size_t n;
};

/* Pass 1 of a layer: its blob verified, its whiteouts collected. */
static int
job_layer_scan(const struct job *job, const struct desc *l, struct unpack *u, struct src *s,
	       struct layer_wh *w)
{
	struct oci o = { job->src, job->fd };
	char what[PATH_MAX + 128];
	int rc;

	snprintf(what, sizeof(what), "OCI layout %s: blob sha256:%s", job->src, l->hex);
	u->what = what;
	if ((s->fd = oci_blob_open(&o, l->hex, u->err)) < 0)
		return -1;
	rc = scan_pass(u, s, &w->wh, &w->n);
	if (rc == 0)
		rc = src_verify(u, s, l->hex);
	close(s->fd);
	u->what = job->src;
	return rc;
}

/* Pass 2: whiteouts, unpack, and check the blob did not change since
 * pass 1 (it is read twice). */
static int
job_layer(const struct job *job, const struct desc *l, struct unpack *u, struct src *s,
	  const struct layer_wh *w)
{
	struct oci o = { job->src, job->fd };
	char what[PATH_MAX + 128];
	int rc = 0;

	snprintf(what, sizeof(what), "OCI layout %s: blob sha256:%s", job->src, l->hex);
	u->what = what;
	if ((s->fd = oci_blob_open(&o, l->hex, u->err)) < 0)
		return -1;
	for (size_t i = 0; i < w->n && rc == 0; i++)
		rc = whiteout_apply(u, w->wh[i]);
	if (rc == 0)
		rc = unpack_pass(u, s);
	if (rc == 0)
		rc = src_verify(u, s, l->hex);
	close(s->fd);
	return rc;
}

/* Every layer's headers first, so that an image over the bounds or too
 * big for the cache is refused before anything of it is written. */
static int
job_oci(const struct job *job, struct unpack *u, struct src *s)
{
	struct layer_wh *w = xcalloc(job->nlayers, sizeof(*w));
	int rc = 0;

	u->layer = true;
	space_init(u);
	u->scan = true;
	for (size_t i = 0; i < job->nlayers && rc == 0; i++)
		rc = job_layer_scan(job, &job->layers[i], u, s, &w[i]);
	u->scan = false;
	memset(&u->t, 0, sizeof(u->t));
	for (size_t i = 0; i < job->nlayers && rc == 0; i++)
		rc = job_layer(job, &job->layers[i], u, s, &w[i]);
	for (size_t i = 0; i < job->nlayers; i++) {
		for (size_t k = 0; k < w[i].n; k++)
			free(w[i].wh[k]);
		free(w[i].wh);
	}
	free(w);
	return rc;
}

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

int
rootfs_landlock_abi(void)
{
	long abi;

	/* a test hook: the fallback below, on a kernel that has Landlock */
	if (testhook("NSX_TEST_NO_LANDLOCK"))
		return 0;
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	return abi < 0 ? 0 : (int)abi;
}

/* Defence in depth: libarchive's SECURE_* flags and the checks above should
 * keep every write inside the tree; Landlock (5.19+ for REFER) makes the
 * kernel enforce it for creating, writing, linking and removing, so a bug
 * in either cannot touch the host. Reads stay free (blobs, the tarball).
 * Landlock does not cover chmod/chown/utimes; SECURE_SYMLINKS does. ABI 1
 * is not used: without REFER it forbids hard links across directories,
 * which images have. */
static bool
landlock(int tree)
{
	struct landlock_ruleset_attr attr = { 0 };
	struct landlock_path_beneath_attr pb = { 0 };
	int abi = rootfs_landlock_abi(), rs;
	bool done = false;

	if (abi < 2)
		return false;
	attr.handled_access_fs = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
		LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
		LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
		LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
		LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM |
		LANDLOCK_ACCESS_FS_REFER | (abi >= 3 ? LANDLOCK_ACCESS_FS_TRUNCATE : 0);
	rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (rs < 0)
		return false;
	pb.allowed_access = attr.handled_access_fs;
	pb.parent_fd = tree;
	if (syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) == 0 &&
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
		done = syscall(SYS_landlock_restrict_self, rs, 0) == 0;
	close(rs);
	return done;
}

static int
file_put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = write_all(fd, text, strlen(text));
	close(fd);
	return rc;
}

/* Not root: a user namespace of its own, where it is itself (its uid and
 * gid mapped to themselves, so files stay its own) with the capabilities
 * to make mounts in a mount namespace it owns. */
static int
userns_self(void)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)uid, (unsigned)uid);
	if (file_put("/proc/self/uid_map", map) < 0 ||
	    (file_put("/proc/self/setgroups", "deny") < 0 && errno != ENOENT))
		return -1;
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)gid, (unsigned)gid);
	return file_put("/proc/self/gid_map", map);
}

/* Keep only what writing a tree of one's own needs (entering and fixing up
 * an archive's 0555 and 0000 directories); without CAP_SYS_ADMIN and
 * CAP_SYS_CHROOT there is no way back out of the jail's root. */
static int
caps_drop(void)
{
	static const cap_value_t kept[] = { CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER };
	cap_value_t last = (cap_value_t)cap_max_bits() - 1;
	cap_t caps;
	int r;

	for (cap_value_t v = 0; v <= last; v++)
		if (v != kept[0] && v != kept[1] && v != kept[2] && cap_drop_bound(v) < 0 &&
		    errno != EINVAL)
			return -1;
	if (!(caps = cap_init()))
		return -1;
	cap_set_flag(caps, CAP_EFFECTIVE, (int)ARRAY_SIZE(kept), kept, CAP_SET);
	cap_set_flag(caps, CAP_PERMITTED, (int)ARRAY_SIZE(kept), kept, CAP_SET);
	r = cap_set_proc(caps);
	cap_free(caps);
	if (r < 0 || cap_reset_ambient() < 0)
		return -1;
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/* Without Landlock (Linux < 5.19): a mount namespace of its own whose / is
 * the tree alone (the host's files are not there to write, whatever a bug
 * in libarchive or here would try), then no capability to leave it. As
 * container/setup.c makes a container's root: a clone of the tree's mount
 * attached onto the tree, pivot_root, the old root detached. */
static int
jail(const struct job *job, int *root)
{
	char path[PATH_MAX];
	struct stat a, b;
	int fd = -1, m = -1, old = -1, top = -1, rc = -1;

	if (unshare(CLONE_NEWNS) < 0 && (errno != EPERM || userns_self() < 0))
		return -1;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    path_fmt(path, sizeof(path), NULL, "%s/root", job->tree) < 0)
		return -1;
	/* *root lies in the host's mount namespace; this one's copy of it,
	 * the same directory (the staging directory is private: no swap) */
	fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &a) < 0 || fstat(*root, &b) < 0 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		goto out;
	m = sys_open_tree_clone(fd);
	old = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (m < 0 || old < 0 || sys_move_mount_fd(m, fd) < 0 || fchdir(m) < 0 ||
	    sys_pivot_root(".", ".") < 0 || fchdir(old) < 0 || umount2(".", MNT_DETACH) < 0 ||
	    chdir("/") < 0)
		goto out;
	top = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0 || caps_drop() < 0)
		goto out;
	close(*root);
	*root = top;
	top = -1;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (m >= 0)
		close(m);
	if (old >= 0)
		close(old);
	if (top >= 0)
		close(top);
	return rc;
}

static enum rootfs_confine
confine(const struct job *job, int *root)
{
	if (landlock(*root))
		return CONFINE_LANDLOCK;
	if (jail(job, root) == 0)
		return CONFINE_MOUNTNS;
	return CONFINE_NONE;
}

/* NSX_TEST_UNPACK_PROBE=PATH: once confined, try to create PATH (outside
 * the tree): the errno, or 0 when it was made. -1: not asked. */
static int
unpack_probe(void)
{
	const char *p = testhook("NSX_TEST_UNPACK_PROBE");
	int fd;

	if (!p || !*p)
		return -1;
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static void __attribute__((noreturn))
job_child(const struct job *job, int wfd)
{
	struct job_result res;
	struct unpack u = { .err = &res.err, .lim = job->lim, .where = job->where, .root = -1 };
	struct src *s = xmalloc(sizeof(*s));
	char path[PATH_MAX];
	int mfd;

	memset(&res, 0, sizeof(res));
	res.probe_errno = -1;
	/* the sidecar is opened before the confinement, which keeps the
	 * unpacking out of everything but root/ */
	mfd = meta_open(job->tree, &res.err);
	if (mfd < 0 || path_fmt(path, sizeof(path), &res.err, "%s/root", job->tree) < 0)
		res.rc = -1;
	else if ((u.root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		res.rc = nsx_error(&res.err, errno, "cannot enter %s: %s", path, strerror(errno));
	else {
		res.confined = confine(job, &u.root);
		/* a new user namespace clears the parent-death signal */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		res.probe_errno = unpack_probe();
		if (fchdir(u.root) < 0)
			res.rc = nsx_error(&res.err, errno, "cannot enter %s: %s", path, strerror(errno));
		else
			res.rc = job->layers ? job_oci(job, &u, s) : job_tarball(job, &u, s);
		if (res.rc == 0 && meta_write(&u.meta, mfd) < 0)
			res.rc = nsx_error(&res.err, errno, "%s/meta: %s", job->tree, strerror(errno));
	}
	res.skipped = u.skipped;
	write_all(wfd, &res, sizeof(res));
	meta_free(&u.meta);
	free(s);
	_exit(0);
}

/* Unpacking runs in a child: it changes directory (libarchive writes
 * relative to the cwd) and confines itself, neither of which nsx may
 * keep; and a crash in a decompressor stays there. */
static int
job_run(const struct job *job, struct rootfs_stats *stats, struct nsx_err *err)
{
	struct job_result res;
	int p[2], status = 0;
	size_t got;
	pid_t pid, parent = getpid();

	if (pipe2(p, O_CLOEXEC) < 0)
		return nsx_error(err, errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return nsx_error(err, errno, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		/* nsx killed (SIGKILL, Ctrl-C) ends the unpacking too: nobody
		 * would use the tree, and a big image would go on for seconds */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		close(p[0]);
		job_child(job, p[1]);
	}
	close(p[1]);
	got = read_all(p[0], &res, sizeof(res));
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got != sizeof(res))
		return nsx_error(err, EIO, "%s: the unpacking process died%s%s", job->src,
				 WIFSIGNALED(status) ? ": " : "",
				 WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "");
	res.err.msg[sizeof(res.err.msg) - 1] = '\0';
	stats->confined = res.confined;
	stats->probe_errno = res.probe_errno;
	stats->devices_skipped = res.skipped;
	if (res.rc < 0) {
		*err = res.err;
		return -1;
	}
	return 0;
}

/* CACHE/images/<hex>.v2: there already, or unpacked by job now. */
static int
image_unpack(const char *cache, struct job *job, const char *hex,
	     struct rootfs_stats *stats, char *out, size_t n, struct nsx_err *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX], final[PATH_MAX];
	int lock, rc;

	if (cache_sub(cache, "images", dir, sizeof(dir), err) < 0 ||
	    path_fmt(final, sizeof(final), err, "%s/%s" LAYOUT, dir, hex) < 0 ||
	    path_fmt(out, n, err, "%s/root", final) < 0)
		return -1;
	if (is_dir(out))
		return 0;
	tmp_sweep(dir);
	cache_retire(dir);
	if ((lock = tmp_make(dir, tmp, sizeof(tmp), err)) < 0)
		return -1;
	job->tree = tmp;
	job->where = dir;
	if (job_run(job, stats, err) < 0) {
		tree_remove(tmp);
		rc = -1;
	} else {
		stats->unpacked = true;
		rc = tmp_publish(tmp, final, err);
	}
	close(lock);
	return rc;
}

static int
image_tarball(struct job *job, const struct stat *st, struct rootfs_stats *stats,
	      char *out, size_t n, struct nsx_err *err)
{
	char cache[PATH_MAX];

	if (rootfs_cache_dir(cache, sizeof(cache), err) < 0)
		return -1;
	if (stamp_get(cache, st, job->hex) < 0) {
		if (sha256_fd(job->fd, job->hex) < 0)
			return nsx_error(err, errno, "cannot read %s: %s", job->src, strerror(errno));
		stamp_put(cache, st, job->hex);
	}
	return image_unpack(cache, job, job->hex, stats, out, n, err);
}

static int
image_oci(struct job *job, struct rootfs_stats *stats, char *out, size_t n,
	  struct nsx_err *err)
{
	struct oci o = { job->src, job->fd };
	struct desc man, *layers = NULL;
	char cache[PATH_MAX], path[PATH_MAX];
	size_t nlayers;
	int rc;

	if (faccessat(job->fd, "index.json", F_OK, 0) < 0)
		return nsx_error(err, ENOENT, "%s: not a tarball or an OCI image layout "
				 "(no index.json)", job->src);
	if (oci_manifest(&o, &man, err) < 0 || rootfs_cache_dir(cache, sizeof(cache), err) < 0)
		return -1;
	/* warm: the manifest digest names the tree; no blob is read */
	if (path_fmt(path, sizeof(path), NULL, "%s/images/%s" LAYOUT "/root", cache, man.hex) == 0 &&
	    is_dir(path))
		return path_fmt(out, n, err, "%s", path);
	if (oci_layers(&o, man.hex, &layers, &nlayers, err) < 0)
		return -1;
	job->layers = layers;
	job->nlayers = nlayers;
	rc = image_unpack(cache, job, man.hex, stats, out, n, err);
	free(layers);
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
	struct job job = { .src = src };
	struct rootfs_stats none;
	struct stat st;
	int rc;

	if (!stats)
		stats = &none;
	memset(stats, 0, sizeof(*stats));
	stats->probe_errno = -1;
	job.lim.bytes = lim && lim->bytes ? lim->bytes : ROOTFS_MAX_BYTES;
	job.lim.entries = lim && lim->entries ? lim->entries : ROOTFS_MAX_ENTRIES;
	job.lim.depth = lim && lim->depth ? lim->depth : ROOTFS_MAX_DEPTH;
	if (archive_dl_load(err) < 0)
		return -1;
	/* O_NONBLOCK: a FIFO must not hang us here; it is refused below */
	job.fd = open(src, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (job.fd < 0)
		return errno == ENOENT ? nsx_error(err, ENOENT, "%s does not exist", src)
				       : nsx_error(err, errno, "%s: %s", src, strerror(errno));
	if (fstat(job.fd, &st) < 0)
		rc = nsx_error(err, errno, "%s: %s", src, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		rc = image_oci(&job, stats, out, n, err);
	else if (S_ISREG(st.st_mode))
		rc = image_tarball(&job, &st, stats, out, n, err);
	else
		rc = nsx_error(err, EINVAL, "%s is neither a file nor a directory", src);
	close(job.fd);
	return rc;
}

int
rootfs_image(const char *src, char *out, size_t n, struct nsx_err *err)
{
	return rootfs_image_ex(src, NULL, NULL, out, n, err);
}
