/* The built-in rootfs (rootfs_builtin, rootfs.h): a tree of the host's
 * static busybox, built once into the cache (cache.h) and found again by
 * the busybox binary's stamp. */
#define _GNU_SOURCE
#include "container/rootfs.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container/cache.h"
#include "container/meta.h"
#include "container/tree.h"
#include "util/digest.h"
#include "util/file.h"
#include "util/trust.h"
#include "util/xalloc.h"

extern char **environ;

#define BUF_SIZE	(64 * 1024)

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
		 file_path(final, sizeof(final), err, "%s/busybox-%.16s" CACHE_LAYOUT, dir, hex) == 0 &&
		 file_path(out, n, err, "%s/root", final) == 0)
		rc = 0;
	if (rc == 0 && !file_is_dir(out)) {
		int lock;

		cache_tmp_sweep(dir);
		cache_retire(dir);
		if ((lock = cache_tmp_make(dir, "root", tmp, sizeof(tmp), err)) < 0)
			rc = -1;
		else if (bb_fill(tmp, bbfd, err) < 0) {
			tree_remove(tmp);
			rc = -1;
		} else
			rc = cache_tmp_publish(tmp, final, err);
		if (lock >= 0)
			close(lock);
	}
	if (rc == 0)
		cache_stamp_put(cache, &st, hex);
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
	if (cache_stamp_get(cache, &st, hex) == 0 &&
	    file_path(out, n, NULL, "%s/rootfs/busybox-%.16s" CACHE_LAYOUT "/root", cache, hex) == 0 &&
	    file_is_dir(out))
		return 0;
	if (cache_mkdir_p(cache, err) < 0)
		return -1;
	return bb_build(cache, bb, out, n, err);
}
