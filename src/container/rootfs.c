/* Container root filesystems: the built-in busybox tree, --rootfs checks,
 * and --image (tarballs, OCI image layouts) unpacked into a cache. The
 * cache layout is described in rootfs.h. Its other files: tree.c removes
 * trees safely, meta.c keeps the sidecar, oci.c reads OCI layouts,
 * untar.c writes archives into a tree, unpack.c does that in a confined
 * child. */
#define _GNU_SOURCE
#include "container/rootfs.h"

#include <ctype.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "container/meta.h"
#include "container/oci.h"
#include "container/tree.h"
#include "container/unpack.h"
#include "util/archive_dl.h"
#include "util/digest.h"
#include "util/file.h"
#include "util/testhook.h"
#include "util/trust.h"
#include "util/xalloc.h"

extern char **environ;

#define BUF_SIZE	(64 * 1024)
#define TMP_GRACE	2	/* s: a build's first moments, before its lock */
#define TMP_STALE	(24 * 3600)	/* s: where a lock proves nothing */
#define LAYOUT		".v2"	/* the cache layout, in every tree's name */

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
	return mkdir_p(buf, err);
}

static int
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
static int
stamp_get(const char *cache, const struct stat *st, char hex[DIGEST_HEX_LEN + 1])
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
static void
stamp_put(const char *cache, const struct stat *st, const char *hex)
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
 * (tmp_sweep). A container's layer on disk (rootfs_layer_make) is one
 * too, never published: sub NULL. */
static int
tmp_make(const char *dir, const char *sub, char *tmp, size_t n, struct nsx_err *err)
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

		if (file_is_dots(e->d_name) || strncmp(e->d_name, ".tmp-", 5) == 0 ||
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

	if (file_pread(fd, id, sizeof(id), 0) != sizeof(id) || memcmp(id, ELFMAG, SELFMAG))
		return false;
	if (id[EI_CLASS] == ELFCLASS64 && file_pread(fd, &e64, sizeof(e64), 0) == sizeof(e64)) {
		phoff = e64.e_phoff, phnum = e64.e_phnum, phsize = e64.e_phentsize;
	} else if (id[EI_CLASS] == ELFCLASS32 && file_pread(fd, &e32, sizeof(e32), 0) == sizeof(e32)) {
		phoff = e32.e_phoff, phnum = e32.e_phnum, phsize = e32.e_phentsize;
	} else
		return false;
	for (unsigned i = 0; i < phnum && i < 256; i++) {
		uint32_t type;	/* p_type is the first word in both classes */

		if (file_pread(fd, &type, sizeof(type), (off_t)(phoff + (uint64_t)i * phsize)) != sizeof(type))
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
	while (rc == 0 && (r = file_pread(bbfd, buf, BUF_SIZE, off)) > 0) {
		rc = file_write_all(ofd, buf, (size_t)r);
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

	if (file_path(bin, sizeof(bin), err, "%s/bin/busybox", tmp) < 0 ||
	    !(list = bb_list(bin, err)))
		return -1;
	bfd = openat(tfd, "bin", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (char *name = strtok_r(list, "\n", &save); bfd >= 0 && rc == 0 && name;
	     name = strtok_r(NULL, "\n", &save)) {
		if (!*name || strchr(name, '/') || file_is_dots(name) ||
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
		    fchmodat(tfd, bb_dirs[i].path, meta_cache_perm(mode), 0) < 0)
			return nsx_error(err, errno, "cannot create %s: %s", bb_dirs[i].path,
					 strerror(errno));
		meta_set(m, bb_dirs[i].path, meta_cache_perm(mode) != mode, mode, 0, 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bb_links); i++)
		if (symlinkat(bb_links[i].target, tfd, bb_links[i].path) < 0)
			return nsx_error(err, errno, "cannot create %s: %s", bb_links[i].path,
					 strerror(errno));
	for (size_t i = 0; i < ARRAY_SIZE(bb_files); i++) {
		int fd = openat(tfd, bb_files[i].path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

		if (fd < 0 || file_write_all(fd, bb_files[i].text, strlen(bb_files[i].text)) < 0 ||
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

	if (file_path(root, sizeof(root), err, "%s/root", tmp) < 0)
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
	char dir[PATH_MAX], tmp[PATH_MAX], final[PATH_MAX], hex[DIGEST_HEX_LEN + 1];
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
	else if (digest_fd(bbfd, hex) < 0)
		nsx_error(err, errno, "cannot read %s: %s", bb, strerror(errno));
	else if (cache_sub(cache, "rootfs", dir, sizeof(dir), err) == 0 &&
		 file_path(final, sizeof(final), err, "%s/busybox-%.16s" LAYOUT, dir, hex) == 0 &&
		 file_path(out, n, err, "%s/root", final) == 0)
		rc = 0;
	if (rc == 0 && !file_is_dir(out)) {
		int lock;

		tmp_sweep(dir);
		cache_retire(dir);
		if ((lock = tmp_make(dir, "root", tmp, sizeof(tmp), err)) < 0)
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
	char cache[PATH_MAX], hex[DIGEST_HEX_LEN + 1];
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
	    file_path(out, n, NULL, "%s/rootfs/busybox-%.16s" LAYOUT "/root", cache, hex) == 0 &&
	    file_is_dir(out))
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
		empty = file_is_dots(e->d_name);
	closedir(d);
	if (empty)
		return nsx_error(err, ENOENT, "rootfs %s is empty", dir);
	return 0;
}


/* CACHE/images/<hex>.v2: there already, or unpacked by job now. */
static int
image_unpack(const char *cache, struct unpack_job *job, const char *hex,
	     struct rootfs_stats *stats, char *out, size_t n, struct nsx_err *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX], final[PATH_MAX];
	int lock, rc;

	if (cache_sub(cache, "images", dir, sizeof(dir), err) < 0 ||
	    file_path(final, sizeof(final), err, "%s/%s" LAYOUT, dir, hex) < 0 ||
	    file_path(out, n, err, "%s/root", final) < 0)
		return -1;
	if (file_is_dir(out))
		return 0;
	tmp_sweep(dir);
	cache_retire(dir);
	if ((lock = tmp_make(dir, "root", tmp, sizeof(tmp), err)) < 0)
		return -1;
	job->tree = tmp;
	job->where = dir;
	if (unpack_run(job, stats, err) < 0) {
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
image_tarball(struct unpack_job *job, const struct stat *st, struct rootfs_stats *stats,
	      char *out, size_t n, struct nsx_err *err)
{
	char cache[PATH_MAX];

	if (rootfs_cache_dir(cache, sizeof(cache), err) < 0)
		return -1;
	if (stamp_get(cache, st, job->hex) < 0) {
		if (digest_fd(job->fd, job->hex) < 0)
			return nsx_error(err, errno, "cannot read %s: %s", job->src, strerror(errno));
		stamp_put(cache, st, job->hex);
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
	if (file_path(path, sizeof(path), NULL, "%s/images/%s" LAYOUT "/root", cache, man.hex) == 0 &&
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
	tmp_sweep(dir);
	if ((l->lock = tmp_make(dir, NULL, l->path, sizeof(l->path), err)) < 0) {
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
