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
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

/* Empty the directory top (not following symlinks). Iterative, climbing
 * back through "..", so a hostile archive's 10000-deep tree costs neither
 * stack nor one fd per level. */
static int
tree_clear(int top)
{
	int cur = dup(top), sub, depth = 0, r = -1;

	while (cur >= 0) {
		r = dir_sweep(cur, &sub);
		if (r < 0 || (r == 0 && depth == 0))
			break;
		if (r > 0) {
			close(cur);
			cur = sub;
			depth++;
			continue;
		}
		sub = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(cur);
		cur = sub;
		depth--;
		r = -1;
	}
	if (cur >= 0)
		close(cur);
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
 * so that rename(2) publishes it whole or not at all. The builder holds an
 * flock on it (returned: the caller closes it when done; the unpacking
 * child shares it), so that a build whose process died is told from one
 * under way (tmp_sweep). */
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
	chmod(tmp, 0755);	/* mkdtemp's 0700 would shut out mapped users */
	fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
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
	if (rename(tmp, final) == 0)
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

static int
bb_skeleton(int tfd, struct nsx_err *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(bb_dirs); i++)
		if (mkdirat(tfd, bb_dirs[i].path, 0700) < 0 ||
		    fchmodat(tfd, bb_dirs[i].path, bb_dirs[i].mode, 0) < 0)
			return nsx_error(err, errno, "cannot create %s: %s", bb_dirs[i].path,
					 strerror(errno));
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
	int tfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (tfd < 0)
		return nsx_error(err, errno, "%s: %s", tmp, strerror(errno));
	rc = bb_skeleton(tfd, err);
	if (rc == 0)
		rc = bb_copy(tfd, bbfd, err);
	if (rc == 0)
		rc = bb_applets(tfd, tmp, err);
	close(tfd);
	return rc;
}

/* The slow path: hash busybox (only here), build unless a tree with that
 * hash exists (busybox merely touched, or the stamp lost), stamp it. */
static int
bb_build(const char *cache, const char *bb, char *out, size_t n, struct nsx_err *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX], hex[HEX_LEN + 1];
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
		 path_fmt(out, n, err, "%s/busybox-%.16s", dir, hex) == 0)
		rc = 0;
	if (rc == 0 && !is_dir(out)) {
		int lock;

		tmp_sweep(dir);
		if ((lock = tmp_make(dir, tmp, sizeof(tmp), err)) < 0)
			rc = -1;
		else if (bb_fill(tmp, bbfd, err) < 0) {
			tree_remove(tmp);
			rc = -1;
		} else
			rc = tmp_publish(tmp, out, err);
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
	    path_fmt(out, n, NULL, "%s/rootfs/busybox-%.16s", cache, hex) == 0 && is_dir(out))
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

struct unpack {
	const char *what;	/* names the archive in messages */
	bool layer;		/* an OCI layer: whiteouts; a file replaces a dir */
	int root;		/* the tree, also the cwd (libarchive writes there) */
	unsigned members;
	unsigned skipped;	/* device nodes not made */
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
	 * Owners only as root, as tar does; PERM without OWNER drops the
	 * setuid bits of files that are not ours, as tar does. No ACLs, xattrs
	 * or file flags (tar's default too). */
	int f = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
		ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;

	return geteuid() == 0 ? f | ARCHIVE_EXTRACT_OWNER : f;
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
	} else if (strncmp(name, ".wh.", 4) == 0)
		;
	else if (!*name || dot_or_dotdot(name))	/* ".wh.." would remove the parent */
		rc = nsx_error(u->err, EINVAL, "%s: whiteout '%s' refused", u->what, member);
	else
		rc = tree_remove_at(fd, name);
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
	    fstatat(fd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
	    tree_remove_at(fd, base) < 0)
		rc = nsx_error(u->err, errno, "%s: cannot replace directory '%s': %s", u->what,
			       member, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(s);
	return rc;
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
	if ((u->layer && is_whiteout(name)) || type == AE_IFSOCK)
		return 0;	/* whiteouts: applied in pass 1; sockets: not files */
	if (is_device(type) && geteuid() != 0) {
		u->skipped++;
		return 0;
	}
	if (u->layer && type != AE_IFDIR && replace_dir(u, name) < 0)
		return -1;
	/* no setuid or setgid file in the cache: as root they would be the
	 * host's own setuid-root programs, under a 0755 cache any local user
	 * walks; in the container no_new_privs makes them inert anyway */
	if (type != AE_IFDIR)
		archive_entry_set_perm(e, archive_entry_perm(e) & ~(mode_t)(S_ISUID | S_ISGID));
	if (archive_write_header(out, e) < ARCHIVE_WARN) {
		if (is_device(type) && archive_errno(out) == EPERM) {
			u->skipped++;	/* root in a user namespace: no mknod */
			return 0;
		}
		return nsx_error(u->err, archive_errno(out) > 0 ? archive_errno(out) : EPERM,
				 "%s: member '%s' refused: %s", u->what, name,
				 archive_error_string(out));
	}
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

/* Pass 1 of a layer: headers only, collecting whiteouts and reading the
 * whole blob through its hash. */
static int
layer_scan(struct unpack *u, struct src *s, char ***wh, size_t *nwh)
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
		else if (is_whiteout(name)) {
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
	const char *tree;	/* the temporary directory to fill */
	int fd;			/* the tarball, or the layout directory */
	char hex[HEX_LEN + 1];	/* tarball: its sha256 */
	const struct desc *layers;	/* OCI: lowest first; NULL: a tarball */
	size_t nlayers;
};

struct job_result {
	int rc;
	unsigned skipped;
	struct nsx_err err;
};

static int
job_tarball(const struct job *job, struct unpack *u, struct src *s)
{
	char got[HEX_LEN + 1];

	u->what = job->src;
	s->fd = job->fd;
	if (unpack_pass(u, s) < 0)
		return -1;
	if (u->members == 0)
		return nsx_error(u->err, EINVAL, "%s: the archive has no members", job->src);
	if (src_digest(s, got) < 0 || strcmp(got, job->hex) != 0)
		return nsx_error(u->err, EAGAIN, "%s changed while it was unpacked: try again",
				 job->src);
	return 0;
}

/* Verify, apply whiteouts, unpack, and check the blob did not change in
 * between (it is read twice). */
static int
job_layer(const struct job *job, const struct desc *l, struct unpack *u, struct src *s)
{
	struct oci o = { job->src, job->fd };
	char what[PATH_MAX + 128], **wh = NULL;
	size_t nwh = 0;
	int rc;

	snprintf(what, sizeof(what), "OCI layout %s: blob sha256:%s", job->src, l->hex);
	u->what = what;
	u->layer = true;
	if ((s->fd = oci_blob_open(&o, l->hex, u->err)) < 0)
		return -1;
	rc = layer_scan(u, s, &wh, &nwh);
	if (rc == 0)
		rc = src_verify(u, s, l->hex);
	for (size_t i = 0; i < nwh && rc == 0; i++)
		rc = whiteout_apply(u, wh[i]);
	if (rc == 0)
		rc = unpack_pass(u, s);
	if (rc == 0)
		rc = src_verify(u, s, l->hex);
	for (size_t i = 0; i < nwh; i++)
		free(wh[i]);
	free(wh);
	close(s->fd);
	return rc;
}

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

/* Defence in depth: libarchive's SECURE_* flags and the checks above should
 * keep every write inside the tree; Landlock (5.19+ for REFER) makes the
 * kernel enforce it for creating, writing, linking and removing, so a bug
 * in either cannot touch the host. Reads stay free (blobs, the tarball).
 * Landlock does not cover chmod/chown/utimes; SECURE_SYMLINKS does. ABI 1
 * is not used: without REFER it forbids hard links across directories,
 * which images have. Best effort: without Landlock, the flags alone. */
static void
confine(int tree)
{
	struct landlock_ruleset_attr attr = { 0 };
	struct landlock_path_beneath_attr pb = { 0 };
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	int rs;

	if (abi < 2)
		return;
	attr.handled_access_fs = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
		LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
		LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
		LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
		LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM |
		LANDLOCK_ACCESS_FS_REFER | (abi >= 3 ? LANDLOCK_ACCESS_FS_TRUNCATE : 0);
	rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (rs < 0)
		return;
	pb.allowed_access = attr.handled_access_fs;
	pb.parent_fd = tree;
	if (syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) == 0 &&
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
		syscall(SYS_landlock_restrict_self, rs, 0);
	close(rs);
}

static void __attribute__((noreturn))
job_child(const struct job *job, int wfd)
{
	struct job_result res;
	struct unpack u = { .err = &res.err };
	struct src *s = xmalloc(sizeof(*s));

	memset(&res, 0, sizeof(res));
	u.root = open(job->tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (u.root < 0 || fchdir(u.root) < 0)
		res.rc = nsx_error(&res.err, errno, "cannot enter %s: %s", job->tree, strerror(errno));
	else {
		confine(u.root);
		res.rc = job->layers ? 0 : job_tarball(job, &u, s);
		for (size_t i = 0; job->layers && i < job->nlayers && res.rc == 0; i++)
			res.rc = job_layer(job, &job->layers[i], &u, s);
	}
	res.skipped = u.skipped;
	write_all(wfd, &res, sizeof(res));
	free(s);
	_exit(0);
}

/* Unpacking runs in a child: it changes directory (libarchive writes
 * relative to the cwd) and confines itself with Landlock, neither of which
 * nsx may keep; and a crash in a decompressor stays there. */
static int
job_run(const struct job *job, unsigned *skipped, struct nsx_err *err)
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
	if (res.rc < 0) {
		*err = res.err;
		return -1;
	}
	*skipped = res.skipped;
	return 0;
}

/* CACHE/images/<hex>: there already, or unpacked by job now. */
static int
image_unpack(const char *cache, struct job *job, const char *hex,
	     struct rootfs_stats *stats, char *out, size_t n, struct nsx_err *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	int lock, rc;

	if (cache_sub(cache, "images", dir, sizeof(dir), err) < 0 ||
	    path_fmt(out, n, err, "%s/%s", dir, hex) < 0)
		return -1;
	if (is_dir(out))
		return 0;
	tmp_sweep(dir);
	if ((lock = tmp_make(dir, tmp, sizeof(tmp), err)) < 0)
		return -1;
	job->tree = tmp;
	if (job_run(job, &stats->devices_skipped, err) < 0) {
		tree_remove(tmp);
		rc = -1;
	} else {
		stats->unpacked = true;
		rc = tmp_publish(tmp, out, err);
	}
	close(lock);
	return rc;
}

static int
image_tarball(const char *src, int fd, const struct stat *st, struct rootfs_stats *stats,
	      char *out, size_t n, struct nsx_err *err)
{
	struct job job = { .src = src, .fd = fd };
	char cache[PATH_MAX];

	if (rootfs_cache_dir(cache, sizeof(cache), err) < 0)
		return -1;
	if (stamp_get(cache, st, job.hex) < 0) {
		if (sha256_fd(fd, job.hex) < 0)
			return nsx_error(err, errno, "cannot read %s: %s", src, strerror(errno));
		stamp_put(cache, st, job.hex);
	}
	return image_unpack(cache, &job, job.hex, stats, out, n, err);
}

static int
image_oci(const char *src, int fd, struct rootfs_stats *stats, char *out, size_t n,
	  struct nsx_err *err)
{
	struct oci o = { src, fd };
	struct desc man, *layers = NULL;
	struct job job = { .src = src, .fd = fd };
	char cache[PATH_MAX], path[PATH_MAX];
	size_t nlayers;
	int rc;

	if (faccessat(fd, "index.json", F_OK, 0) < 0)
		return nsx_error(err, ENOENT, "%s: not a tarball or an OCI image layout "
				 "(no index.json)", src);
	if (oci_manifest(&o, &man, err) < 0 || rootfs_cache_dir(cache, sizeof(cache), err) < 0)
		return -1;
	/* warm: the manifest digest names the tree; no blob is read */
	if (path_fmt(path, sizeof(path), NULL, "%s/images/%s", cache, man.hex) == 0 &&
	    is_dir(path))
		return path_fmt(out, n, err, "%s", path);
	if (oci_layers(&o, man.hex, &layers, &nlayers, err) < 0)
		return -1;
	job.layers = layers;
	job.nlayers = nlayers;
	rc = image_unpack(cache, &job, man.hex, stats, out, n, err);
	free(layers);
	return rc;
}

int
rootfs_image_ex(const char *src, struct rootfs_stats *stats, char *out, size_t n,
		struct nsx_err *err)
{
	struct rootfs_stats none;
	struct stat st;
	int fd, rc;

	if (!stats)
		stats = &none;
	memset(stats, 0, sizeof(*stats));
	if (archive_dl_load(err) < 0)
		return -1;
	/* O_NONBLOCK: a FIFO must not hang us here; it is refused below */
	fd = open(src, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? nsx_error(err, ENOENT, "%s does not exist", src)
				       : nsx_error(err, errno, "%s: %s", src, strerror(errno));
	if (fstat(fd, &st) < 0)
		rc = nsx_error(err, errno, "%s: %s", src, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		rc = image_oci(src, fd, stats, out, n, err);
	else if (S_ISREG(st.st_mode))
		rc = image_tarball(src, fd, &st, stats, out, n, err);
	else
		rc = nsx_error(err, EINVAL, "%s is neither a file nor a directory", src);
	close(fd);
	return rc;
}

int
rootfs_image(const char *src, char *out, size_t n, struct nsx_err *err)
{
	return rootfs_image_ex(src, NULL, out, n, err);
}
